/**
 * A strict, read-only zip reader for plugin archives: the central directory is parsed from a
 * file handle (never the whole archive in memory), every structural field is bounds-checked, and
 * entries are inflated as streams with node:zlib, counted against their declared size and checked
 * against their CRC-32.
 *
 * What it refuses that Go's archive/zip accepts, and why:
 * - more than `maxEntries` entries, or a central directory over `maxCentralDirectoryBytes`
 *   (memory and work bounds);
 * - a central directory that does not end where the end record starts (data hidden between);
 * - local headers whose name differs from the central directory's (a scanner and an extractor
 *   would see different files);
 * - entries whose data ranges overlap: the "overlapping files" zip bomb (Fifield 2019) makes
 *   hundreds of entries share one compressed stream, so a 42 KB archive declares gigabytes;
 * - multi-disk and encrypted archives, and methods other than stored (0) and deflate (8).
 * Error texts reuse Go's (`zip: not a valid zip file`, `zip: checksum error`, `zip: unsupported
 * compression algorithm`) where Go has one, since Notation prints those.
 *
 * @see https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT (sections 4.3.7, 4.3.12, 4.3.14-16)
 */
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { PluginError } from '../errors.js';
import { decodeGoBytes, goQuote } from '../gocompat/index.js';
import { MAX_PLUGIN_ARCHIVE_ENTRIES, MAX_ZIP_CENTRAL_DIRECTORY_BYTES } from '../limits.js';
import { crc32 } from './crc32.js';

const SIG_LOCAL_HEADER = 0x04034b50;
const SIG_CENTRAL_HEADER = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_END64_LOCATOR = 0x07064b50;
const END_LENGTH = 22;
const END64_LOCATOR_LENGTH = 20;
const END64_LENGTH = 56;
const CENTRAL_HEADER_LENGTH = 46;
const LOCAL_HEADER_LENGTH = 30;
const MAX_COMMENT = 0xffff;

const FLAG_ENCRYPTED = 0x1;
const METHOD_STORE = 0;
const METHOD_DEFLATE = 8;

// "version made by" host systems (APPNOTE 4.4.2) whose attributes Go interprets.
const CREATOR_FAT = 0;
const CREATOR_UNIX = 3;
const CREATOR_NTFS = 11;
const CREATOR_VFAT = 14;
const CREATOR_MACOSX = 19;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** What an entry is, from its mode bits and name (Go's `FileHeader.Mode()`). */
export type ArchiveEntryKind = 'file' | 'directory' | 'symlink' | 'other';

export interface ZipEntry {
  /** The stored name, decoded as Go sees a string (invalid UTF-8 kept as escapes for `%q`). */
  readonly name: string;
  /** Whether the stored name is valid UTF-8 (only such names are ever created on disk). */
  readonly validUtf8: boolean;
  readonly kind: ArchiveEntryKind;
  /** Permission bits (0o7777) as Go's `FileHeader.Mode().Perm()` plus setuid/setgid/sticky. */
  readonly mode: number;
  /** Declared uncompressed size. */
  readonly size: number;
  readonly compressedSize: number;
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
  readonly nameBytes: Uint8Array;
}

export interface ZipReaderOptions {
  /** Entries accepted in the central directory; default {@link MAX_PLUGIN_ARCHIVE_ENTRIES}. */
  readonly maxEntries?: number;
  /** Default {@link MAX_ZIP_CENTRAL_DIRECTORY_BYTES}. */
  readonly maxCentralDirectoryBytes?: number;
}

const notValid = (detail?: string): PluginError =>
  new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', detail === undefined ? 'zip: not a valid zip file' : `zip: not a valid zip file: ${detail}`);

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let offset = 0;
  while (offset < length) {
    const { bytesRead } = await handle.read(buffer, offset, length - offset, position + offset);
    if (bytesRead === 0) throw notValid('unexpected end of archive');
    offset += bytesRead;
  }
  return buffer;
}

/** A 64-bit little-endian field as a number, refusing values past 2^53. */
function uint64(buffer: Buffer, offset: number): number {
  const value = buffer.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw notValid('64-bit field out of range');
  return Number(value);
}

/** Go's `FileHeader.Mode()`: permission bits and kind from the creator's attributes. */
function modeOf(creator: number, externalAttributes: number, name: string): { kind: ArchiveEntryKind; mode: number } {
  let kind: ArchiveEntryKind = 'file';
  let mode = 0;
  switch (creator) {
    case CREATOR_UNIX:
    case CREATOR_MACOSX: {
      const unix = externalAttributes >>> 16;
      mode = unix & 0o7777;
      const type = unix & S_IFMT;
      if (type === S_IFDIR) kind = 'directory';
      else if (type === S_IFLNK) kind = 'symlink';
      else if (type !== 0 && type !== S_IFREG) kind = 'other';
      break;
    }
    case CREATOR_FAT:
    case CREATOR_NTFS:
    case CREATOR_VFAT: {
      if (externalAttributes & 0x10) {
        kind = 'directory';
        mode = 0o777;
      } else {
        mode = 0o666;
      }
      if (externalAttributes & 0x01) mode &= ~0o222;
      break;
    }
    default:
      break;
  }
  if (name.endsWith('/')) kind = 'directory';
  return { kind, mode };
}

/** Whether an entry name is well-formed UTF-8 (zip and tar entries alike). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A zip archive opened from a file handle the caller owns (and closes). */
export class ZipReader {
  readonly entries: readonly ZipEntry[];
  readonly #handle: FileHandle;
  readonly #centralDirectoryOffset: number;
  /** Data offsets, filled by {@link checkLayout}. */
  readonly #dataOffsets = new Map<ZipEntry, number>();

  private constructor(handle: FileHandle, entries: readonly ZipEntry[], centralDirectoryOffset: number) {
    this.#handle = handle;
    this.entries = entries;
    this.#centralDirectoryOffset = centralDirectoryOffset;
  }

  /**
   * Reads the end record(s) and the central directory.
   * @throws PluginError `ERR_PLUGIN_ARCHIVE_INVALID` | `ERR_PLUGIN_SIZE_EXCEEDED`
   */
  static async open(handle: FileHandle, options: ZipReaderOptions = {}): Promise<ZipReader> {
    const maxEntries = options.maxEntries ?? MAX_PLUGIN_ARCHIVE_ENTRIES;
    const maxDirectory = options.maxCentralDirectoryBytes ?? MAX_ZIP_CENTRAL_DIRECTORY_BYTES;
    const size = (await handle.stat()).size;
    if (size < END_LENGTH) throw notValid();

    // The end record sits in the last 22 + 65535 bytes; search backwards as Go does.
    const tailLength = Math.min(size, END_LENGTH + MAX_COMMENT);
    const tailStart = size - tailLength;
    const tail = await readAt(handle, tailStart, tailLength);
    let endAt = -1;
    for (let i = tailLength - END_LENGTH; i >= 0; i--) {
      if (tail.readUInt32LE(i) !== SIG_END) continue;
      const commentLength = tail.readUInt16LE(i + 20);
      if (i + END_LENGTH + commentLength > tailLength) continue; // a signature inside a comment
      endAt = i;
      break;
    }
    if (endAt < 0) throw notValid();
    const endOffset = tailStart + endAt;
    const disk = tail.readUInt16LE(endAt + 4);
    const directoryDisk = tail.readUInt16LE(endAt + 6);
    let recordsOnDisk = tail.readUInt16LE(endAt + 8);
    let records = tail.readUInt16LE(endAt + 10);
    let directorySize = tail.readUInt32LE(endAt + 12);
    let directoryOffset = tail.readUInt32LE(endAt + 16);
    let directoryEnd = endOffset;

    if (records === 0xffff || recordsOnDisk === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
      // Zip64: a locator just before the end record points at the zip64 end record.
      if (endOffset < END64_LOCATOR_LENGTH) throw notValid('missing zip64 locator');
      const locator = await readAt(handle, endOffset - END64_LOCATOR_LENGTH, END64_LOCATOR_LENGTH);
      if (locator.readUInt32LE(0) !== SIG_END64_LOCATOR) throw notValid('missing zip64 locator');
      if (locator.readUInt32LE(4) !== 0 || locator.readUInt32LE(16) > 1) throw notValid('multi-disk archives are not supported');
      const end64Offset = uint64(locator, 8);
      if (end64Offset + END64_LENGTH > endOffset - END64_LOCATOR_LENGTH) throw notValid('zip64 end record out of range');
      const end64 = await readAt(handle, end64Offset, END64_LENGTH);
      if (end64.readUInt32LE(0) !== SIG_END64) throw notValid('bad zip64 end record');
      if (end64.readUInt32LE(16) !== 0 || end64.readUInt32LE(20) !== 0) throw notValid('multi-disk archives are not supported');
      recordsOnDisk = uint64(end64, 24);
      records = uint64(end64, 32);
      directorySize = uint64(end64, 40);
      directoryOffset = uint64(end64, 48);
      directoryEnd = end64Offset;
    } else if (disk !== 0 || directoryDisk !== 0) {
      throw notValid('multi-disk archives are not supported');
    }
    if (recordsOnDisk !== records) throw notValid('multi-disk archives are not supported');
    if (records > maxEntries) {
      throw new PluginError('ERR_PLUGIN_SIZE_EXCEEDED', `zip: archive has ${records} entries, more than the ${maxEntries} allowed`);
    }
    if (directorySize > maxDirectory) {
      throw new PluginError('ERR_PLUGIN_SIZE_EXCEEDED', `zip: central directory of ${directorySize} bytes exceeds the ${maxDirectory} bytes allowed`);
    }
    // Strict: the central directory ends exactly where the end record(s) begin, so nothing can
    // hide between them, and there is no prefix (self-extracting stubs) to offset against.
    if (directoryOffset + directorySize !== directoryEnd) throw notValid('central directory is not where the end record says');

    const directory = await readAt(handle, directoryOffset, directorySize);
    const entries: ZipEntry[] = [];
    let at = 0;
    for (let index = 0; index < records; index++) {
      if (at + CENTRAL_HEADER_LENGTH > directory.length || directory.readUInt32LE(at) !== SIG_CENTRAL_HEADER) throw notValid();
      const creator = directory.readUInt8(at + 5);
      const flags = directory.readUInt16LE(at + 8);
      const method = directory.readUInt16LE(at + 10);
      const crc = directory.readUInt32LE(at + 16);
      let compressedSize = directory.readUInt32LE(at + 20);
      let uncompressedSize = directory.readUInt32LE(at + 24);
      const nameLength = directory.readUInt16LE(at + 28);
      const extraLength = directory.readUInt16LE(at + 30);
      const commentLength = directory.readUInt16LE(at + 32);
      const startDisk = directory.readUInt16LE(at + 34);
      const externalAttributes = directory.readUInt32LE(at + 38);
      let localHeaderOffset = directory.readUInt32LE(at + 42);
      const variable = at + CENTRAL_HEADER_LENGTH;
      const next = variable + nameLength + extraLength + commentLength;
      if (next > directory.length) throw notValid();
      const nameBytes = new Uint8Array(directory.subarray(variable, variable + nameLength));
      const extra = directory.subarray(variable + nameLength, variable + nameLength + extraLength);

      // Zip64 extended information (0x0001): the saturated fields, in this order.
      const needs64 = uncompressedSize === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff;
      if (needs64) {
        let found = false;
        for (let e = 0; e + 4 <= extra.length; ) {
          const id = extra.readUInt16LE(e);
          const length = extra.readUInt16LE(e + 2);
          if (e + 4 + length > extra.length) throw notValid('bad extra field');
          if (id === 0x0001) {
            const field = extra.subarray(e + 4, e + 4 + length);
            let f = 0;
            const take = (): number => {
              if (f + 8 > field.length) throw notValid('bad zip64 extra field');
              const value = uint64(field, f);
              f += 8;
              return value;
            };
            if (uncompressedSize === 0xffffffff) uncompressedSize = take();
            if (compressedSize === 0xffffffff) compressedSize = take();
            if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
            found = true;
            break;
          }
          e += 4 + length;
        }
        if (!found) throw notValid('missing zip64 extra field');
      }
      if (startDisk !== 0 && startDisk !== 0xffff) throw notValid('multi-disk archives are not supported');

      const name = decodeGoBytes(nameBytes);
      const { kind, mode } = modeOf(creator, externalAttributes, name);
      entries.push(
        Object.freeze({
          name,
          validUtf8: isValidUtf8(nameBytes),
          kind,
          mode,
          size: uncompressedSize,
          compressedSize,
          method,
          flags,
          crc32: crc,
          localHeaderOffset,
          nameBytes,
        }),
      );
      at = next;
    }
    if (at !== directory.length) throw notValid('central directory has trailing data');
    return new ZipReader(handle, Object.freeze(entries), directoryOffset);
  }

  /**
   * Reads every local header: its signature and name must match the central directory, its data
   * must end before the central directory, and no two entries' data may overlap.
   * @throws PluginError `ERR_PLUGIN_ARCHIVE_INVALID` | `ERR_PLUGIN_ARCHIVE_UNSAFE`
   */
  async checkLayout(): Promise<void> {
    const spans: { entry: ZipEntry; start: number; end: number }[] = [];
    for (const entry of this.entries) {
      if (entry.localHeaderOffset + LOCAL_HEADER_LENGTH > this.#centralDirectoryOffset) throw notValid('local header out of range');
      const header = await readAt(this.#handle, entry.localHeaderOffset, LOCAL_HEADER_LENGTH);
      if (header.readUInt32LE(0) !== SIG_LOCAL_HEADER) throw notValid();
      const nameLength = header.readUInt16LE(26);
      const extraLength = header.readUInt16LE(28);
      const dataOffset = entry.localHeaderOffset + LOCAL_HEADER_LENGTH + nameLength + extraLength;
      const dataEnd = dataOffset + entry.compressedSize;
      if (dataEnd > this.#centralDirectoryOffset) throw notValid('entry data runs into the central directory');
      const localName = nameLength === 0 ? new Uint8Array(0) : await readAt(this.#handle, entry.localHeaderOffset + LOCAL_HEADER_LENGTH, nameLength);
      if (Buffer.compare(Buffer.from(localName), Buffer.from(entry.nameBytes)) !== 0) {
        throw new PluginError(
          'ERR_PLUGIN_ARCHIVE_UNSAFE',
          `zip: local file name ${goQuote(decodeGoBytes(localName))} differs from central directory name ${goQuote(entry.name)}`,
        );
      }
      this.#dataOffsets.set(entry, dataOffset);
      spans.push({ entry, start: entry.localHeaderOffset, end: dataEnd });
    }
    spans.sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++) {
      const previous = spans[i - 1]!;
      const current = spans[i]!;
      if (current.start < previous.end) {
        throw new PluginError(
          'ERR_PLUGIN_ARCHIVE_UNSAFE',
          `zip: entries ${goQuote(previous.entry.name)} and ${goQuote(current.entry.name)} overlap: refusing a possible zip bomb`,
        );
      }
    }
  }

  /**
   * Streams an entry's content to `sink`, inflating at most its declared size, and checks the
   * size and CRC-32 at the end. {@link checkLayout} must have run.
   * @throws PluginError `ERR_PLUGIN_ARCHIVE_INVALID`
   */
  async read(entry: ZipEntry, sink: (chunk: Uint8Array) => Promise<void>): Promise<void> {
    const dataOffset = this.#dataOffsets.get(entry);
    if (dataOffset === undefined) throw new Error('ZipReader.checkLayout() must run before read()');
    if (entry.flags & FLAG_ENCRYPTED) throw new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', 'zip: encrypted entries are not supported');
    if (entry.method !== METHOD_STORE && entry.method !== METHOD_DEFLATE) {
      throw new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', 'zip: unsupported compression algorithm');
    }
    if (entry.method === METHOD_STORE && entry.compressedSize !== entry.size) throw notValid('stored entry sizes differ');
    let produced = 0;
    let crc = 0;
    const consume = async (chunk: Uint8Array): Promise<void> => {
      produced += chunk.length;
      if (produced > entry.size) {
        throw new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', `zip: entry ${goQuote(entry.name)} decompresses to more than its declared ${entry.size} bytes`);
      }
      crc = crc32(chunk, crc);
      await sink(chunk);
    };
    if (entry.compressedSize > 0) {
      const source = this.#handle.createReadStream({ start: dataOffset, end: dataOffset + entry.compressedSize - 1, autoClose: false });
      // A Writable, not an async-function stage: pipeline then rejects with the sink's own error
      // (an async function that throws mid-iteration surfaces as an AbortError instead).
      const drain = new Writable({
        write: (chunk: Buffer, _encoding, callback) => {
          consume(chunk).then(() => callback(), callback);
        },
      });
      try {
        if (entry.method === METHOD_STORE) await pipeline(source, drain);
        else await pipeline(source, createInflateRaw(), drain);
      } catch (error) {
        throw translateZlibError(error);
      }
    } else if (entry.method === METHOD_DEFLATE) {
      throw new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', 'unexpected EOF');
    }
    if (produced !== entry.size) throw new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', 'unexpected EOF');
    if (crc !== entry.crc32) throw new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', 'zip: checksum error');
  }
}

/** node:zlib failures in Go's words (`unexpected EOF`, `flate: corrupt input`). */
export function translateZlibError(error: unknown): unknown {
  if (error instanceof PluginError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/.test(message)) {
    return new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', 'unexpected EOF', { cause: error });
  }
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', `flate: corrupt input: ${message}`, { cause: error });
  }
  return error;
}
