/**
 * Zip and tar builders for tests, with every field under the test's control so hostile archives
 * (lying sizes, bad CRCs, overlapping entries, links, truncation) can be written byte by byte.
 * Also a Notation plugin written as a POSIX shell script, for install/list/uninstall tests.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/plugin/crc32.js';

export interface ZipEntrySpec {
  readonly name: string;
  readonly data?: Buffer | string;
  /** 0 stored, 8 deflate (default), anything else as given. */
  readonly method?: number;
  /** Unix mode with type bits (creator Unix); default 0o100644. Ignored when `creator` is FAT (0). */
  readonly mode?: number;
  /** "version made by" host; default 3 (Unix). */
  readonly creator?: number;
  /** MS-DOS attributes for creator 0. */
  readonly dosAttributes?: number;
  readonly flags?: number;
  /** Overrides of what the central directory declares. */
  readonly crc?: number;
  readonly size?: number;
  /** The name written in the local header, when it should differ. */
  readonly localName?: string;
}

export interface ZipOptions {
  /** Write zip64 end records and extra fields even though nothing needs them. */
  readonly zip64?: boolean;
  readonly comment?: string;
}

/** A zip archive of `entries`, laid out in order. */
export function buildZip(entries: readonly ZipEntrySpec[], options: ZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    const method = entry.method ?? 8;
    const compressed = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(entry.name);
    const localName = Buffer.from(entry.localName ?? entry.name);
    const crc = entry.crc ?? crc32(data);
    const size = entry.size ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(entry.flags ?? 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(localName.length, 26);
    locals.push(local, localName, compressed);

    const creator = entry.creator ?? 3;
    const external = creator === 0 ? (entry.dosAttributes ?? 0) : ((entry.mode ?? 0o100644) << 16) >>> 0;
    let extra = Buffer.alloc(0);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((creator << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(entry.flags ?? 0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    if (options.zip64) {
      central.writeUInt32LE(0xffffffff, 20);
      central.writeUInt32LE(0xffffffff, 24);
      central.writeUInt32LE(0xffffffff, 42);
      extra = Buffer.alloc(28);
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(size), 4);
      extra.writeBigUInt64LE(BigInt(compressed.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
    } else {
      central.writeUInt32LE(compressed.length, 20);
      central.writeUInt32LE(size, 24);
      central.writeUInt32LE(offset, 42);
    }
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE(external, 38);
    centrals.push(central, name, extra);
    offset += local.length + localName.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const tail: Buffer[] = [];
  const comment = Buffer.from(options.comment ?? '');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  if (options.zip64) {
    const end64 = Buffer.alloc(56);
    end64.writeUInt32LE(0x06064b50, 0);
    end64.writeBigUInt64LE(44n, 4);
    end64.writeUInt16LE(45, 12);
    end64.writeUInt16LE(45, 14);
    end64.writeBigUInt64LE(BigInt(entries.length), 24);
    end64.writeBigUInt64LE(BigInt(entries.length), 32);
    end64.writeBigUInt64LE(BigInt(directory.length), 40);
    end64.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(end64, locator);
    end.writeUInt16LE(0xffff, 8);
    end.writeUInt16LE(0xffff, 10);
    end.writeUInt32LE(0xffffffff, 12);
    end.writeUInt32LE(0xffffffff, 16);
  } else {
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(offset, 16);
  }
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([...locals, directory, ...tail, end, comment]);
}

/**
 * Two stored entries whose data overlap: the first entry's data is the second entry's local
 * header and data (the construction behind the 42 KB "overlapping files" zip bomb).
 */
export function overlappingZip(): Buffer {
  /** A stored entry's local header, name and data. */
  const localRecord = (name: Buffer, data: Buffer): Buffer => {
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    return Buffer.concat([local, name, data]);
  };
  const inner = Buffer.from('inner content');
  const innerName = Buffer.from('b');
  const innerRecord = localRecord(innerName, inner);
  const outerName = Buffer.from('a');
  const body = localRecord(outerName, innerRecord);
  const central = (name: Buffer, crc: number, size: number, offset: number): Buffer => {
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE((3 << 8) | 20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(size, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    header.writeUInt32LE(offset, 42);
    return Buffer.concat([header, name]);
  };
  const directory = Buffer.concat([
    central(outerName, crc32(innerRecord), innerRecord.length, 0),
    central(innerName, crc32(inner), inner.length, 30 + outerName.length),
  ]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(2, 8);
  end.writeUInt16LE(2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(body.length, 16);
  return Buffer.concat([body, directory, end]);
}

export interface TarEntrySpec {
  readonly name: string;
  readonly data?: Buffer | string;
  /** Type flag; default '0'. */
  readonly type?: string;
  readonly mode?: number;
  readonly linkName?: string;
  /** ustar prefix field. */
  readonly prefix?: string;
  /** Declared size, when it should differ from the data written. */
  readonly size?: number;
  /** Break the header checksum. */
  readonly badChecksum?: boolean;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** One ustar header block. */
export function tarHeader(entry: TarEntrySpec, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(entry.name, 0, 100, 'utf8');
  block.write(octal(entry.mode ?? 0o644, 8), 100, 'latin1');
  block.write(octal(0, 8), 108, 'latin1');
  block.write(octal(0, 8), 116, 'latin1');
  block.write(octal(size, 12), 124, 'latin1');
  block.write(octal(0, 12), 136, 'latin1');
  block.write(entry.type ?? '0', 156, 'latin1');
  block.write(entry.linkName ?? '', 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 'latin1');
  block.write(entry.prefix ?? '', 345, 155, 'utf8');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  if (entry.badChecksum) sum += 1;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

/** A PAX extended header record set as a tar entry. */
export function paxEntry(records: Readonly<Record<string, string>>): TarEntrySpec {
  let data = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (`${length}${body}`.length !== length) length = `${length}${body}`.length;
    data += `${length}${body}`;
  }
  return { name: 'PaxHeader', type: 'x', data };
}

/** A tar stream of `entries`; `end: false` omits the two zero blocks. */
export function buildTar(entries: readonly TarEntrySpec[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    parts.push(tarHeader(entry, entry.size ?? data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (options.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export interface TestPluginSpec {
  readonly name: string;
  readonly version?: string;
  readonly description?: string;
  readonly capabilities?: readonly string[];
  /** Replaces the whole get-plugin-metadata answer. */
  readonly metadata?: string;
  /** Shell lines run first for get-plugin-metadata (e.g. `exec sleep 10`). */
  readonly before?: string;
}

/**
 * A Notation plugin as a POSIX shell script: answers `get-plugin-metadata` with JSON, refuses
 * other commands with a VALIDATION_ERROR response, and fails if registry credentials leak into
 * its environment (as the upstream e2e plugin does). Uses shell builtins only, so it runs
 * without PATH.
 */
export function testPluginScript(spec: TestPluginSpec): string {
  const metadata =
    spec.metadata ??
    JSON.stringify({
      name: spec.name,
      description: spec.description ?? `The ${spec.name} plugin for Portcullis tests`,
      version: spec.version ?? '1.0.0',
      url: 'https://example.com/portcullis-test-plugin',
      supportedContractVersions: ['1.0'],
      capabilities: spec.capabilities ?? ['SIGNATURE_VERIFIER.TRUSTED_IDENTITY', 'SIGNATURE_VERIFIER.REVOCATION_CHECK'],
    });
  const quoted = `'${metadata.replace(/'/g, `'\\''`)}'`;
  return [
    '#!/bin/sh',
    'if [ -n "${NOTATION_USERNAME+x}" ] || [ -n "${NOTATION_PASSWORD+x}" ]; then',
    `  printf '%s' '{"errorCode":"VALIDATION_ERROR","errorMessage":"registry credentials were passed to the plugin"}' >&2`,
    '  exit 1',
    'fi',
    'case "$1" in',
    '  get-plugin-metadata)',
    ...(spec.before !== undefined ? [`    ${spec.before}`] : []),
    `    printf '%s\\n' ${quoted}`,
    '    ;;',
    '  *)',
    `    printf '%s' '{"errorCode":"VALIDATION_ERROR","errorMessage":"unsupported command '"$1"'"}' >&2`,
    '    exit 1',
    '    ;;',
    'esac',
    '',
  ].join('\n');
}

/** Writes {@link testPluginScript} to `file` with mode 0755. */
export async function writeTestPlugin(file: string, spec: TestPluginSpec): Promise<void> {
  await writeFile(file, testPluginScript(spec));
  await chmod(file, 0o755);
}
