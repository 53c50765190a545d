/**
 * A strict, streaming tar reader (POSIX ustar, PAX extended headers, GNU long names, v7) for
 * plugin archives, over any async source of bytes (a node:zlib gunzip stream for .tar.gz).
 *
 * It follows Go's archive/tar where Notation depends on it: a clean end without the two zero
 * blocks is accepted, a '\0' type with a trailing slash is a directory, GNU long names win over
 * PAX `path`, and header checksums are accepted in their signed or unsigned form. Beyond Go it
 * bounds the work: the decompressed bytes read (`maxStreamBytes`, against gzip bombs hiding in
 * skipped entries), the size of PAX/GNU special headers and the number of entries.
 * Error texts reuse Go's (`archive/tar: invalid tar header`, `unexpected EOF`).
 */
import { PluginError } from '../errors.js';
import { decodeGoBytes } from '../gocompat/index.js';
import { MAX_PLUGIN_ARCHIVE_ENTRIES, MAX_PLUGIN_TAR_STREAM_BYTES, MAX_TAR_SPECIAL_HEADER_BYTES } from '../limits.js';
import { isValidUtf8, type ArchiveEntryKind } from './zip.js';

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

/** Kinds of tar entries; `hardlink` and `global` (a PAX global header) are tar's own. */
export type TarEntryKind = ArchiveEntryKind | 'hardlink' | 'global';

export interface TarEntry {
  /** The entry name (GNU long name, PAX `path`, ustar prefix applied), decoded as Go sees it. */
  readonly name: string;
  readonly validUtf8: boolean;
  readonly kind: TarEntryKind;
  /** The raw type flag character. */
  readonly typeflag: string;
  /** Permission bits with setuid/setgid/sticky (0o7777). */
  readonly mode: number;
  /** Size of the entry's data in the archive. */
  readonly size: number;
  readonly linkName: string;
}

export interface TarReaderOptions {
  /** Default {@link MAX_PLUGIN_TAR_STREAM_BYTES}. */
  readonly maxStreamBytes?: number;
  /** Default {@link MAX_PLUGIN_ARCHIVE_ENTRIES}. */
  readonly maxEntries?: number;
  /** Default {@link MAX_TAR_SPECIAL_HEADER_BYTES}. */
  readonly maxSpecialHeaderBytes?: number;
}

const invalidHeader = (detail?: string): PluginError =>
  new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', detail === undefined ? 'archive/tar: invalid tar header' : `archive/tar: invalid tar header: ${detail}`);
const unexpectedEof = (): PluginError => new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', 'unexpected EOF');

/** Bytes pulled from an async source, with a cap on the total. */
class ByteSource {
  readonly #iterator: AsyncIterator<Uint8Array>;
  readonly #max: number;
  #pending: Buffer = Buffer.alloc(0);
  #pulled = 0;
  #done = false;

  constructor(source: AsyncIterable<Uint8Array>, max: number) {
    this.#iterator = source[Symbol.asyncIterator]();
    this.#max = max;
  }

  async #pull(): Promise<boolean> {
    if (this.#done) return false;
    const next = await this.#iterator.next();
    if (next.done) {
      this.#done = true;
      return false;
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.#pulled += chunk.length;
    if (this.#pulled > this.#max) {
      throw new PluginError('ERR_PLUGIN_SIZE_EXCEEDED', `tar: decompressed archive exceeds the ${Math.floor(this.#max / (1024 * 1024))} MiB limit`);
    }
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    return true;
  }

  /** Exactly `n` bytes; `undefined` at a clean end (no byte left); `unexpected EOF` if cut short. */
  async read(n: number): Promise<Buffer | undefined> {
    while (this.#pending.length < n) {
      if (!(await this.#pull())) {
        if (this.#pending.length === 0) return undefined;
        throw unexpectedEof();
      }
    }
    const out = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(n);
    return out;
  }

  /** `n` bytes handed to `sink` piece by piece. */
  async forward(n: number, sink: (chunk: Uint8Array) => Promise<void>): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.#pending.length === 0 && !(await this.#pull())) throw unexpectedEof();
      const piece = this.#pending.subarray(0, Math.min(left, this.#pending.length));
      this.#pending = this.#pending.subarray(piece.length);
      left -= piece.length;
      await sink(piece);
    }
  }

  /** Reads and discards everything left (so a gzip stream's trailer and CRC get checked). */
  async drain(): Promise<void> {
    this.#pending = Buffer.alloc(0);
    while (await this.#pull()) this.#pending = Buffer.alloc(0);
  }
}

/** NUL-terminated string field. */
function fieldBytes(block: Buffer, offset: number, length: number): Buffer {
  const field = block.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return nul < 0 ? field : field.subarray(0, nul);
}

/** Go's `parseNumeric`: base-256 when the high bit is set, else octal with spaces/NULs trimmed. */
function parseNumeric(field: Buffer): number {
  if (field.length > 0 && field[0]! & 0x80) {
    if (field[0]! & 0x40) throw invalidHeader('negative number'); // negative base-256
    let value = BigInt(field[0]! & 0x7f);
    for (let i = 1; i < field.length; i++) value = (value << 8n) | BigInt(field[i]!);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidHeader('number out of range');
    return Number(value);
  }
  const text = field.toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw invalidHeader();
  const value = Number.parseInt(text, 8);
  if (!Number.isSafeInteger(value)) throw invalidHeader('number out of range');
  return value;
}

function checksumMatches(block: Buffer): boolean {
  const stored = parseNumeric(block.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte >= 0x80 ? byte - 0x100 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** PAX records `"%d %s=%s\n"`; only `path`, `linkpath` and `size` matter here. */
function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) throw invalidHeader('bad PAX record');
    const lengthText = data.subarray(at, space).toString('latin1');
    if (!/^[1-9][0-9]*$/.test(lengthText)) throw invalidHeader('bad PAX record');
    const length = Number(lengthText);
    const end = at + length;
    if (end > data.length || data[end - 1] !== 0x0a) throw invalidHeader('bad PAX record');
    const record = data.subarray(space + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) throw invalidHeader('bad PAX record');
    records.set(record.subarray(0, equals).toString('utf8'), record.subarray(equals + 1).toString('utf8'));
    at = end;
  }
  return records;
}

/** Reads entries one at a time; {@link read} the current entry's data or let {@link next} skip it. */
export class TarReader {
  readonly #source: ByteSource;
  readonly #maxEntries: number;
  readonly #maxSpecial: number;
  #unread = 0;
  #padding = 0;
  #entries = 0;
  #ended = false;

  constructor(source: AsyncIterable<Uint8Array>, options: TarReaderOptions = {}) {
    this.#source = new ByteSource(source, options.maxStreamBytes ?? MAX_PLUGIN_TAR_STREAM_BYTES);
    this.#maxEntries = options.maxEntries ?? MAX_PLUGIN_ARCHIVE_ENTRIES;
    this.#maxSpecial = options.maxSpecialHeaderBytes ?? MAX_TAR_SPECIAL_HEADER_BYTES;
  }

  async #skipRest(): Promise<void> {
    const skip = this.#unread + this.#padding;
    this.#unread = 0;
    this.#padding = 0;
    if (skip > 0) await this.#source.forward(skip, async () => undefined);
  }

  async #special(size: number): Promise<Buffer> {
    if (size > this.#maxSpecial) {
      throw new PluginError('ERR_PLUGIN_SIZE_EXCEEDED', `tar: special header of ${size} bytes exceeds the ${this.#maxSpecial} bytes allowed`);
    }
    const data = (await this.#source.read(size)) ?? (size === 0 ? Buffer.alloc(0) : undefined);
    if (data === undefined) throw unexpectedEof();
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding > 0 && (await this.#source.read(padding)) === undefined) throw unexpectedEof();
    return Buffer.from(data);
  }

  /**
   * The next entry, or `undefined` at the end of the archive.
   * @throws PluginError `ERR_PLUGIN_ARCHIVE_INVALID` | `ERR_PLUGIN_SIZE_EXCEEDED`
   */
  async next(): Promise<TarEntry | undefined> {
    if (this.#ended) return undefined;
    await this.#skipRest();
    let pax = new Map<string, string>();
    let longName: Buffer | undefined;
    let longLink: Buffer | undefined;
    for (;;) {
      const block = await this.#source.read(BLOCK);
      if (block === undefined) {
        // Go accepts an archive that simply stops at a header boundary.
        this.#ended = true;
        return undefined;
      }
      if (block.equals(ZERO_BLOCK)) {
        const second = await this.#source.read(BLOCK);
        if (second === undefined || second.equals(ZERO_BLOCK)) {
          this.#ended = true;
          return undefined;
        }
        throw invalidHeader();
      }
      if (!checksumMatches(block)) throw invalidHeader();
      // Go's getFormat: "ustar\0" is USTAR/PAX (STAR when the trailer says so), anything else
      // GNU or v7; only USTAR and STAR have a name prefix field (155 and 131 bytes).
      const ustar = block.subarray(257, 263).toString('latin1') === 'ustar\0';
      const star = ustar && block.subarray(508, 512).toString('latin1') === 'tar\0';

      const typeflag = String.fromCharCode(block[156]!);
      const size = parseNumeric(block.subarray(124, 136));
      const rawMode = parseNumeric(block.subarray(100, 108));

      if (typeflag === 'x' || typeflag === 'L' || typeflag === 'K') {
        const data = await this.#special(size);
        if (typeflag === 'x') {
          pax = new Map([...pax, ...parsePax(data)]);
        } else {
          const nul = data.indexOf(0);
          const value = nul < 0 ? data : data.subarray(0, nul);
          if (typeflag === 'L') longName = value;
          else longLink = value;
        }
        continue;
      }

      let nameBytes: Buffer = fieldBytes(block, 0, 100);
      if (ustar) {
        const prefix = fieldBytes(block, 345, star ? 131 : 155);
        if (prefix.length > 0) nameBytes = Buffer.concat([prefix, Buffer.from('/'), nameBytes]);
      }
      let linkBytes: Buffer = fieldBytes(block, 157, 100);
      let entrySize = size;
      const paxPath = pax.get('path');
      if (paxPath !== undefined) nameBytes = Buffer.from(paxPath, 'utf8');
      const paxLink = pax.get('linkpath');
      if (paxLink !== undefined) linkBytes = Buffer.from(paxLink, 'utf8');
      const paxSize = pax.get('size');
      if (paxSize !== undefined) {
        if (!/^[0-9]+$/.test(paxSize) || !Number.isSafeInteger(Number(paxSize))) throw invalidHeader('bad PAX size');
        entrySize = Number(paxSize);
      }
      if (longName !== undefined) nameBytes = longName;
      if (longLink !== undefined) linkBytes = longLink;

      const name = decodeGoBytes(nameBytes);
      let kind: TarEntryKind;
      switch (typeflag) {
        case '\0':
          kind = name.endsWith('/') ? 'directory' : 'file';
          break;
        case '0':
        case '7':
          kind = 'file';
          break;
        case '5':
          kind = 'directory';
          break;
        case '2':
          kind = 'symlink';
          break;
        case '1':
          kind = 'hardlink';
          break;
        case 'g':
          kind = 'global';
          break;
        default:
          kind = 'other';
      }
      // Type bits in the mode field override a regular type flag in Go's FileInfo; a "regular"
      // entry whose mode says directory, link or device is treated as what its mode says.
      const modeType = rawMode & 0o170000;
      if (kind === 'file' && modeType !== 0 && modeType !== 0o100000) kind = modeType === 0o120000 ? 'symlink' : 'other';

      this.#entries += 1;
      if (this.#entries > this.#maxEntries) {
        throw new PluginError('ERR_PLUGIN_SIZE_EXCEEDED', `tar: archive has more than the ${this.#maxEntries} entries allowed`);
      }
      this.#unread = entrySize;
      this.#padding = (BLOCK - (entrySize % BLOCK)) % BLOCK;
      return Object.freeze({
        name,
        validUtf8: isValidUtf8(nameBytes),
        kind,
        typeflag,
        mode: rawMode & 0o7777,
        size: entrySize,
        linkName: decodeGoBytes(linkBytes),
      });
    }
  }

  /**
   * Hands the current entry's data to `sink`.
   * @throws PluginError `ERR_PLUGIN_ARCHIVE_INVALID` (`unexpected EOF`) | `ERR_PLUGIN_SIZE_EXCEEDED`
   */
  async read(sink: (chunk: Uint8Array) => Promise<void>): Promise<void> {
    const size = this.#unread;
    this.#unread = 0;
    await this.#source.forward(size, sink);
  }

  /** Reads the source to its end (bounded by `maxStreamBytes`), so the gzip trailer is verified. */
  async drain(): Promise<void> {
    await this.#source.drain();
  }
}
