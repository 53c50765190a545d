import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAll } from '../content/index.js';
import { descriptorFor, digestOf, type Digest } from '../oci/index.js';
import { BlobDirectory } from './blob-directory.js';

describe('BlobDirectory', () => {
  let base: string;
  let blobs: BlobDirectory;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'portcullis-blobs-'));
    blobs = new BlobDirectory(join(base, 'blobs'), join(base, 'ingest'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('stores verified content under <alg>/<hex>, sha256 and sha512', async () => {
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const content = Buffer.from(`hello ${algorithm}`);
      const digest = digestOf(content, algorithm);
      assert.equal(await blobs.write({ mediaType: 'application/octet-stream', digest, size: content.length }, content), true);
      assert.deepEqual(await readFile(join(base, 'blobs', algorithm, digest.split(':')[1]!)), content);
    }
  });

  it('never publishes content whose digest or size is wrong, and leaves no temp file', async () => {
    const descriptor = descriptorFor('application/octet-stream', 'expected');
    await assert.rejects(blobs.write(descriptor, Buffer.from('tampered')), { code: 'ERR_OCI_DIGEST_MISMATCH' });
    await assert.rejects(blobs.write(descriptor, Buffer.from('expected!')), { code: 'ERR_OCI_SIZE_MISMATCH' });
    const truncated = (async function* () {
      yield Buffer.from('expect');
    })();
    await assert.rejects(blobs.write(descriptor, truncated), { code: 'ERR_OCI_SIZE_MISMATCH' });
    assert.equal(await blobs.has(descriptor.digest), false);
    assert.deepEqual(await readdir(join(base, 'ingest')), []);
  });

  it('lets concurrent writers of one digest all succeed with one intact copy', async () => {
    const content = Buffer.alloc(256 * 1024, 7);
    const descriptor = descriptorFor('application/octet-stream', content);
    const created = await Promise.all(Array.from({ length: 10 }, () => blobs.write(descriptor, content)));
    assert.ok(created.filter(Boolean).length >= 1);
    assert.equal(digestOf(await readFile(blobs.pathOf(descriptor.digest))), descriptor.digest);
    assert.deepEqual(await readdir(join(base, 'ingest')), []);
  });

  it('reads byte ranges and reports missing blobs as not found', async () => {
    const descriptor = descriptorFor('application/octet-stream', '0123456789');
    await blobs.write(descriptor, Buffer.from('0123456789'));
    const part = await readAll(await blobs.openRead(descriptor.digest, { start: 2, end: 5 }), 100);
    assert.equal(part.toString(), '2345');
    await assert.rejects(blobs.openRead(digestOf('missing')), { code: 'ERR_CONTENT_NOT_FOUND' });
  });

  it('hard-links blobs from another directory and removes them', async () => {
    const other = new BlobDirectory(join(base, 'other'), join(base, 'ingest'));
    const descriptor = descriptorFor('application/octet-stream', 'shared');
    await blobs.write(descriptor, Buffer.from('shared'));
    assert.equal(await other.linkFrom(descriptor.digest, blobs.pathOf(descriptor.digest)), true);
    assert.equal(await other.linkFrom(descriptor.digest, blobs.pathOf(descriptor.digest)), false);
    assert.equal((await stat(other.pathOf(descriptor.digest))).ino, (await stat(blobs.pathOf(descriptor.digest))).ino);
    assert.equal(await other.remove(descriptor.digest), true);
    assert.equal(await other.remove(descriptor.digest), false);
    assert.equal(await blobs.has(descriptor.digest), true);
  });

  it('refuses digests that could escape the directory', () => {
    assert.throws(() => blobs.pathOf('sha256:../../etc/passwd' as Digest), { code: 'ERR_OCI_INVALID_DIGEST' });
  });

  it('lists blobs and stray files', async () => {
    await writeFile(join(base, 'blobs', 'sha256', 'not-a-digest'), 'x');
    const { digests, strays } = await blobs.list();
    assert.ok(digests.includes(digestOf('shared')));
    assert.deepEqual(strays, [join(base, 'blobs', 'sha256', 'not-a-digest')]);
  });
});
