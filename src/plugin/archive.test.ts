/**
 * The zip and tar.gz readers and Notation's extraction rules, against hostile archives made in the
 * test (zip slip, absolute paths, links, lying sizes, entry counts, truncation, bad CRCs,
 * overlapping entries) and the malicious archives of the Notation e2e data.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildTar, buildZip, overlappingZip, paxEntry, type TarEntrySpec, type ZipEntrySpec } from '../../test/helpers/archives.js';
import { skipWithoutTestdata, testdata } from '../../test/helpers/conformance.js';
import { failure } from '../../test/helpers/fixtures.js';
import { temporaryDirectory, type TemporaryDirectory } from '../../test/helpers/temporary-directory.js';
import { MAX_PLUGIN_ARCHIVE_ENTRIES } from '../limits.js';
import { detectPluginSourceType, extractTarGzPlugin, extractZipPlugin, type ExtractOptions } from './archive.js';
import { crc32, crc32Portable } from './crc32.js';

let scratch: TemporaryDirectory;
let counter = 0;
before(async () => {
  scratch = await temporaryDirectory('plugin-archive');
});
after(async () => {
  await scratch.remove();
});

/** Writes `archive`, extracts it into a fresh directory, returns that directory. */
async function extract(kind: 'zip' | 'tar.gz', archive: Buffer, options?: ExtractOptions): Promise<string> {
  const n = ++counter;
  const file = path.join(scratch.path, `archive-${n}.${kind}`);
  const out = path.join(scratch.path, `out-${n}`);
  await writeFile(file, archive);
  await mkdir(out);
  await (kind === 'zip' ? extractZipPlugin : extractTarGzPlugin)(file, out, options);
  return out;
}

const zip = (entries: readonly ZipEntrySpec[], options?: ExtractOptions) => extract('zip', buildZip(entries), options);
const tgz = (entries: readonly TarEntrySpec[], options?: ExtractOptions & { end?: boolean }) =>
  extract('tar.gz', gzipSync(buildTar(entries, { end: options?.end ?? true })), options);

async function listing(directory: string): Promise<Record<string, { content: string; mode: number }>> {
  const out: Record<string, { content: string; mode: number }> = {};
  for (const name of (await readdir(directory)).sort()) {
    const file = path.join(directory, name);
    out[name] = { content: await readFile(file, 'utf8'), mode: (await stat(file)).mode & 0o7777 };
  }
  return out;
}

describe('crc32', () => {
  it('matches the check value and the native implementation', () => {
    assert.equal(crc32Portable(Buffer.from('123456789')), 0xcbf43926);
    const data = Buffer.from('portcullis plugin archives '.repeat(1000));
    assert.equal(crc32Portable(data), crc32(data));
    assert.equal(crc32Portable(data.subarray(100), crc32Portable(data.subarray(0, 100))), crc32(data));
  });
});

describe('detectPluginSourceType', () => {
  it('tells zip, gzip and anything else apart by the first bytes, as Notation does', async () => {
    const cases: [Buffer, string][] = [
      [buildZip([{ name: 'a', data: 'x' }]), 'zip'],
      [gzipSync(Buffer.from('x')), 'gzip'],
      [Buffer.from('#!/bin/sh\n'), 'executable'],
      [Buffer.from('PK\x05\x06'), 'executable'], // an empty zip is not sniffed as zip by Go either
      [Buffer.alloc(0), 'executable'],
    ];
    for (const [bytes, expected] of cases) {
      const file = path.join(scratch.path, `sniff-${++counter}`);
      await writeFile(file, bytes);
      assert.equal(await detectPluginSourceType(file), expected);
    }
  });
});

describe('extractZipPlugin', () => {
  it('extracts the top-level regular files with mode & 0755 and ignores sub-directories', async () => {
    const out = await zip([
      { name: 'notation-demo', data: '#!/bin/sh\n', mode: 0o104777 },
      { name: 'LICENSE', data: 'licence', mode: 0o100664, method: 0 },
      { name: 'docs/', mode: 0o040755 },
      { name: 'docs/README', data: 'ignored' },
      { name: './NOTICE', data: 'dot-slash is top level' },
      { name: 'windows.txt', data: 'from FAT', creator: 0 },
      { name: 'readonly.txt', data: 'from FAT, read-only', creator: 0, dosAttributes: 0x01 },
    ]);
    assert.deepEqual(await listing(out), {
      LICENSE: { content: 'licence', mode: 0o644 },
      NOTICE: { content: 'dot-slash is top level', mode: 0o644 },
      'notation-demo': { content: '#!/bin/sh\n', mode: 0o755 },
      'readonly.txt': { content: 'from FAT, read-only', mode: 0o444 },
      'windows.txt': { content: 'from FAT', mode: 0o644 },
    });
  });

  it('reads zip64 end records and extra fields', async () => {
    const out = await extract('zip', buildZip([{ name: 'notation-demo', data: 'zip64' }], { zip64: true }));
    assert.deepEqual(Object.keys(await listing(out)), ['notation-demo']);
  });

  it('refuses any name with "..", with Notation\'s message, before anything else', async () => {
    assert.deepEqual(await failure(() => zip([{ name: 'ok', data: 'x', size: 1 << 30 }, { name: 'a/../../evil', data: 'x' }])), {
      code: 'ERR_PLUGIN_ARCHIVE_UNSAFE',
      message: `file name in zip cannot contain '..', but found "a/../../evil"`,
    });
    // Notation's check is a substring test, so even an innocent "x..y" is refused, as there.
    assert.equal((await failure(() => zip([{ name: 'notation-x..y', data: 'x' }]))).code, 'ERR_PLUGIN_ARCHIVE_UNSAFE');
  });

  it('refuses absolute names, links, devices, NUL and duplicate names', async () => {
    const cases: [ZipEntrySpec[], string][] = [
      [[{ name: '/etc/evil', data: 'x' }], 'file name in zip cannot be an absolute path, but found "/etc/evil"'],
      [[{ name: 'C:\\evil', data: 'x' }], 'file name in zip cannot be an absolute path, but found "C:\\\\evil"'],
      [[{ name: 'notation-demo', data: '/bin/sh', mode: 0o120777 }], 'file in zip cannot be a symbolic link, but found "notation-demo"'],
      [[{ name: 'sub/link', data: '/etc/passwd', mode: 0o120777 }], 'file in zip cannot be a symbolic link, but found "sub/link"'],
      [[{ name: 'fifo', mode: 0o010644 }], 'file in zip must be a regular file or a directory, but found "fifo"'],
      [[{ name: 'a\0b', data: 'x' }], 'file name in zip cannot contain NUL, but found "a\\x00b"'],
      [[{ name: 'same', data: '1' }, { name: './same', data: '2' }], 'file name in zip is not unique: "same"'],
    ];
    for (const [entries, message] of cases) {
      assert.deepEqual(await failure(() => zip(entries)), { code: 'ERR_PLUGIN_ARCHIVE_UNSAFE', message }, message);
    }
  });

  it('refuses declared sizes summing to the cap before inflating, and entries inflating past their declared size', async () => {
    assert.deepEqual(await failure(() => zip([{ name: 'a', data: 'x'.repeat(600) }, { name: 'b', data: 'y'.repeat(424) }], { maxTotalBytes: 1024 })), {
      code: 'ERR_PLUGIN_SIZE_EXCEEDED',
      message: 'total file size reached the 0 MiB size limit',
    });
    // Files in sub-directories are never extracted, so they do not count (as in Notation).
    await zip([{ name: 'a', data: 'x'.repeat(600) }, { name: 'dir/b', data: 'y'.repeat(900) }], { maxTotalBytes: 1024 });
    assert.deepEqual(await failure(() => zip([{ name: 'liar', data: 'z'.repeat(100_000), size: 10 }])), {
      code: 'ERR_PLUGIN_ARCHIVE_INVALID',
      message: 'zip: entry "liar" decompresses to more than its declared 10 bytes',
    });
    assert.deepEqual(await failure(() => zip([{ name: 'short', data: 'z'.repeat(100), size: 1000 }])), {
      code: 'ERR_PLUGIN_ARCHIVE_INVALID',
      message: 'unexpected EOF',
    });
  });

  it('refuses more entries than allowed', async () => {
    const entries = Array.from({ length: MAX_PLUGIN_ARCHIVE_ENTRIES + 1 }, (_, i) => ({ name: `f${i}`, data: '', method: 0 }));
    assert.deepEqual(await failure(() => zip(entries)), {
      code: 'ERR_PLUGIN_SIZE_EXCEEDED',
      message: `zip: archive has ${MAX_PLUGIN_ARCHIVE_ENTRIES + 1} entries, more than the ${MAX_PLUGIN_ARCHIVE_ENTRIES} allowed`,
    });
    assert.equal((await failure(() => zip(entries.slice(0, 4), { zip: { maxEntries: 3 } }))).code, 'ERR_PLUGIN_SIZE_EXCEEDED');
  });

  it('refuses truncated archives, bad CRCs, unknown methods and encryption', async () => {
    const good = buildZip([{ name: 'notation-demo', data: 'content '.repeat(100) }]);
    for (const cut of [1, 10, 22, 60, good.length - 5]) {
      assert.deepEqual(await failure(() => extract('zip', good.subarray(0, good.length - cut))), {
        code: 'ERR_PLUGIN_ARCHIVE_INVALID',
        message: 'zip: not a valid zip file',
      }, `cut ${cut}`);
    }
    assert.deepEqual(await failure(() => zip([{ name: 'a', data: 'content', crc: 0x12345678 }])), {
      code: 'ERR_PLUGIN_ARCHIVE_INVALID',
      message: 'zip: checksum error',
    });
    assert.deepEqual(await failure(() => zip([{ name: 'a', data: 'content', method: 12 }])), {
      code: 'ERR_PLUGIN_ARCHIVE_INVALID',
      message: 'zip: unsupported compression algorithm',
    });
    assert.equal((await failure(() => zip([{ name: 'a', data: 'content', flags: 1 }]))).message, 'zip: encrypted entries are not supported');
    // Corrupt deflate data.
    const corrupt = buildZip([{ name: 'a', data: 'content '.repeat(100) }]);
    corrupt[35] = 0xff;
    corrupt[36] = 0xff;
    assert.equal((await failure(() => extract('zip', corrupt))).code, 'ERR_PLUGIN_ARCHIVE_INVALID');
  });

  it('refuses a local header whose name differs from the central directory', async () => {
    assert.deepEqual(await failure(() => zip([{ name: 'LICENSE', localName: 'notation-x', data: 'x' }])), {
      code: 'ERR_PLUGIN_ARCHIVE_UNSAFE',
      message: 'zip: local file name "notation-x" differs from central directory name "LICENSE"',
    });
  });

  it('refuses overlapping entries (the overlapping-files zip bomb)', async () => {
    assert.deepEqual(await failure(() => extract('zip', overlappingZip())), {
      code: 'ERR_PLUGIN_ARCHIVE_UNSAFE',
      message: 'zip: entries "a" and "b" overlap: refusing a possible zip bomb',
    });
  });

  it('refuses data hidden between the central directory and the end record', async () => {
    const archive = buildZip([{ name: 'a', data: 'x' }]);
    const end = archive.length - 22;
    const padded = Buffer.concat([archive.subarray(0, end), Buffer.from('hidden'), archive.subarray(end)]);
    assert.equal((await failure(() => extract('zip', padded))).message, 'zip: not a valid zip file: central directory is not where the end record says');
  });

  describe('Notation e2e malicious plugins', { skip: skipWithoutTestdata() }, () => {
    it('large_file_zip.zip: one 260 MiB entry, refused on its declared size', async () => {
      const out = path.join(scratch.path, `out-${++counter}`);
      await mkdir(out);
      const started = Date.now();
      assert.deepEqual(await failure(() => extractZipPlugin(testdata('malicious-plugin/large_file_zip.zip'), out)), {
        code: 'ERR_PLUGIN_SIZE_EXCEEDED',
        message: 'total file size reached the 256 MiB size limit',
      });
      assert.ok(Date.now() - started < 5000);
    });

    it('zip_bomb.zip: refused on the declared total, and as overlapping once the cap is lifted', async () => {
      const bomb = Buffer.from((await readFile(testdata('malicious-plugin/zip_bomb.zip.base64'), 'utf8')).trim(), 'base64');
      assert.equal((await failure(() => extract('zip', bomb))).message, 'total file size reached the 256 MiB size limit');
      assert.deepEqual(await failure(() => extract('zip', bomb, { maxTotalBytes: 2 ** 40 })), {
        code: 'ERR_PLUGIN_ARCHIVE_UNSAFE',
        message: 'zip: entries "0" and "1" overlap: refusing a possible zip bomb',
      });
    });

    it('zip_slip.zip', async () => {
      const out = path.join(scratch.path, `out-${++counter}`);
      await mkdir(out);
      assert.deepEqual(await failure(() => extractZipPlugin(testdata('malicious-plugin/zip_slip.zip'), out)), {
        code: 'ERR_PLUGIN_ARCHIVE_UNSAFE',
        message: `file name in zip cannot contain '..', but found "../../../../../../../../tmp/evil.txt"`,
      });
    });

    it('large_file_tarGz.tar.gz: refused on the header size, before reading the data', async () => {
      const out = path.join(scratch.path, `out-${++counter}`);
      await mkdir(out);
      assert.deepEqual(await failure(() => extractTarGzPlugin(testdata('malicious-plugin/large_file_tarGz.tar.gz'), out)), {
        code: 'ERR_PLUGIN_SIZE_EXCEEDED',
        message: 'total file size reached the 256 MiB size limit',
      });
      assert.deepEqual(await readdir(out), []);
    });
  });
});

describe('extractTarGzPlugin', () => {
  it('extracts every regular file under its base name, with PAX and GNU long names', async () => {
    const longName = `${'d'.repeat(120)}/notation-long`;
    const out = await tgz([
      { name: 'dist/', type: '5', mode: 0o755 },
      { name: 'dist/notation-demo', data: '#!/bin/sh\n', mode: 0o4777 },
      { name: 'LICENSE', data: 'licence', mode: 0o664, type: '\0' },
      paxEntry({ path: 'pax/renamed.txt' }),
      { name: 'placeholder', data: 'pax' },
      { name: '././@LongLink', type: 'L', data: `${longName}\0` },
      { name: 'truncated', data: 'gnu' },
      { name: 'notation-prefixed', prefix: 'some/prefix', data: 'prefix' },
      { name: 'pax_global_header', type: 'g', data: '20 comment=ignored\n' },
    ]);
    assert.deepEqual(await listing(out), {
      LICENSE: { content: 'licence', mode: 0o644 },
      'notation-demo': { content: '#!/bin/sh\n', mode: 0o755 },
      'notation-long': { content: 'gnu', mode: 0o644 },
      'notation-prefixed': { content: 'prefix', mode: 0o644 },
      'renamed.txt': { content: 'pax', mode: 0o644 },
    });
  });

  it('accepts an archive without the end-of-archive blocks, as Go does', async () => {
    const out = await tgz([{ name: 'notation-demo', data: 'x' }], { end: false });
    assert.deepEqual(Object.keys(await listing(out)), ['notation-demo']);
  });

  it('refuses "..", absolute names, links, devices and duplicates after flattening', async () => {
    const cases: [TarEntrySpec[], string][] = [
      [[{ name: '../evil', data: 'x' }], `file name in tar.gz cannot contain '..', but found "../evil"`],
      [[{ name: 'dir/', type: '5' }, { name: 'dir/../../x', type: '5' }], `file name in tar.gz cannot contain '..', but found "dir/../../x"`],
      [[{ name: '/etc/passwd', data: 'x' }], 'file name in tar.gz cannot be an absolute path, but found "/etc/passwd"'],
      [[{ name: 'notation-demo', type: '2', linkName: '/bin/sh' }], 'file in tar.gz cannot be a link, but found "notation-demo"'],
      [[{ name: 'notation-demo', type: '1', linkName: 'other' }], 'file in tar.gz cannot be a link, but found "notation-demo"'],
      [[{ name: 'notation-demo', type: '0', mode: 0o120777 }], 'file in tar.gz cannot be a link, but found "notation-demo"'],
      [[{ name: 'tty', type: '3' }], 'file in tar.gz must be a regular file or a directory, but found "tty"'],
      [[{ name: 'fifo', type: '6' }], 'file in tar.gz must be a regular file or a directory, but found "fifo"'],
      [[{ name: 'a/notation-demo', data: '1' }, { name: 'b/notation-demo', data: '2' }], 'file name in tar.gz is not unique once directories are dropped: "notation-demo"'],
    ];
    for (const [entries, message] of cases) {
      assert.deepEqual(await failure(() => tgz(entries)), { code: 'ERR_PLUGIN_ARCHIVE_UNSAFE', message }, message);
    }
  });

  it('refuses declared sizes summing to the cap, more entries than allowed, and too much decompressed data', async () => {
    assert.deepEqual(await failure(() => tgz([{ name: 'a', data: 'x'.repeat(600) }, { name: 'b', data: 'y'.repeat(500) }], { maxTotalBytes: 1024 })), {
      code: 'ERR_PLUGIN_SIZE_EXCEEDED',
      message: 'total file size reached the 0 MiB size limit',
    });
    const many = Array.from({ length: 5 }, (_, i) => ({ name: `d${i}/`, type: '5' }));
    assert.deepEqual(await failure(() => tgz(many, { tar: { maxEntries: 4 } })), {
      code: 'ERR_PLUGIN_SIZE_EXCEEDED',
      message: 'tar: archive has more than the 4 entries allowed',
    });
    // A gzip bomb: highly compressible bytes in an entry the reader never extracts.
    assert.deepEqual(await failure(() => tgz([{ name: 'pad', type: 'g', data: Buffer.alloc(4 << 20) }], { tar: { maxStreamBytes: 1 << 20 } })), {
      code: 'ERR_PLUGIN_SIZE_EXCEEDED',
      message: 'tar: decompressed archive exceeds the 1 MiB limit',
    });
    assert.equal((await failure(() => tgz([paxEntry({ comment: 'c'.repeat(5000) }), { name: 'a' }], { tar: { maxSpecialHeaderBytes: 4096 } }))).code, 'ERR_PLUGIN_SIZE_EXCEEDED');
  });

  it('refuses truncated archives, bad header checksums and a corrupt gzip stream', async () => {
    const tar = buildTar([{ name: 'notation-demo', data: 'content '.repeat(200) }]);
    assert.deepEqual(await failure(() => extract('tar.gz', gzipSync(tar.subarray(0, 800)))), { code: 'ERR_PLUGIN_ARCHIVE_INVALID', message: 'unexpected EOF' });
    assert.deepEqual(await failure(() => extract('tar.gz', gzipSync(tar.subarray(0, 300)))), { code: 'ERR_PLUGIN_ARCHIVE_INVALID', message: 'unexpected EOF' });
    assert.deepEqual(await failure(() => tgz([{ name: 'a', data: 'x', badChecksum: true }])), {
      code: 'ERR_PLUGIN_ARCHIVE_INVALID',
      message: 'archive/tar: invalid tar header',
    });
    const gz = gzipSync(tar);
    assert.deepEqual(await failure(() => extract('tar.gz', gz.subarray(0, gz.length - 10))), { code: 'ERR_PLUGIN_ARCHIVE_INVALID', message: 'unexpected EOF' });
    const badCrc = Buffer.from(gz);
    badCrc[badCrc.length - 8] = badCrc[badCrc.length - 8]! ^ 0xff;
    assert.deepEqual(await failure(() => extract('tar.gz', badCrc)), { code: 'ERR_PLUGIN_ARCHIVE_INVALID', message: 'gzip: invalid checksum' });
  });
});
