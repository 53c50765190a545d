import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LayoutStore } from '../../layout/index.js';
import { descriptorFor, encodeManifest, MEDIA_TYPE_EMPTY_JSON, MEDIA_TYPE_IMAGE_MANIFEST } from '../../oci/index.js';
import { fsck } from './fsck.js';
import { RegistryStorage } from './storage.js';

const EMPTY = descriptorFor(MEDIA_TYPE_EMPTY_JSON, '{}');
const LAYER = descriptorFor('application/octet-stream', 'layer bytes');
const MANIFEST_BYTES = encodeManifest({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_MANIFEST, config: EMPTY, layers: [LAYER] });
const MANIFEST = descriptorFor(MEDIA_TYPE_IMAGE_MANIFEST, MANIFEST_BYTES);

/** A root with one repository holding one image, written through the storage the server uses. */
async function seededRoot(): Promise<{ root: string; storage: RegistryStorage }> {
  const root = await mkdtemp(join(tmpdir(), 'portcullis-fsck-'));
  const storage = await RegistryStorage.open(root, { uploadTimeoutMs: 60_000 });
  for (const [descriptor, bytes] of [
    [EMPTY, '{}'],
    [LAYER, 'layer bytes'],
  ] as const) {
    const session = await storage.uploads.create('app', 'sha256');
    await storage.uploads.append(session, [Buffer.from(bytes)], { maxBytes: 100 });
    await storage.commitUpload('app', session, descriptor.digest);
  }
  const { parseManifest } = await import('../../oci/index.js');
  await storage.storeManifest('app', MANIFEST, MANIFEST_BYTES, parseManifest(MANIFEST_BYTES), ['v1']);
  return { root, storage };
}

describe('registry fsck', () => {
  let root: string;
  let storage: RegistryStorage;
  before(async () => ({ root, storage } = await seededRoot()));
  after(() => rm(root, { recursive: true, force: true }));

  it('finds nothing wrong with a healthy root', async () => {
    const report = await fsck(root);
    assert.equal(report.corrupt, false);
    assert.deepEqual(report.findings, []);
    assert.equal(report.blobsChecked, 3);
    assert.equal(report.repositories, 1);
  });

  it('reports orphans, leftover uploads and temp files as warnings', async () => {
    const orphan = await storage.uploads.create('app', 'sha256');
    await storage.uploads.append(orphan, [Buffer.from('orphan')], { maxBytes: 100 });
    await storage.commitUpload('app', orphan, descriptorFor('a/b', 'orphan').digest);
    await storage.uploads.create('app', 'sha256');
    await writeFile(join(root, 'ingest', '.tmp-crashed'), 'x');
    const report = await fsck(root);
    assert.equal(report.corrupt, false);
    assert.deepEqual(report.findings.map((finding) => finding.kind).sort(), ['leftover-temp', 'leftover-upload', 'orphan-blob']);
  });

  it('reports a blob whose bytes changed, and a missing referenced blob, as corruption', async () => {
    const repository = await LayoutStore.open(join(root, 'repositories', 'app'), { create: false });
    // Rewriting the global file changes the repository's hard link too: one inode.
    await writeFile(join(root, 'blobs', 'sha256', LAYER.digest.slice(7)), 'tampered!!!');
    await unlink(repository.blobs.pathOf(EMPTY.digest));
    const report = await fsck(root);
    assert.equal(report.corrupt, true);
    const kinds = report.findings.filter((finding) => finding.severity === 'corruption').map((finding) => finding.kind);
    assert.deepEqual(kinds.sort(), ['corrupt-blob', 'missing-blob']);
  });

  it('reports an unreadable repository and a missing root', async () => {
    await mkdir(join(root, 'repositories', 'broken'));
    await writeFile(join(root, 'repositories', 'broken', 'oci-layout'), 'nope');
    const report = await fsck(root);
    assert.ok(report.findings.some((finding) => finding.kind === 'invalid-repository' && finding.repository === 'broken'));
    await assert.rejects(fsck(join(root, 'absent')), { code: 'ERR_CONTENT_NOT_FOUND' });
  });
});
