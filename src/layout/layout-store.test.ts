import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MemoryStore, copy, fetchAll } from '../content/index.js';
import {
  ANNOTATION_REF_NAME,
  descriptorFor,
  digestOf,
  encodeManifest,
  MEDIA_TYPE_EMPTY_JSON,
  MEDIA_TYPE_IMAGE_MANIFEST,
  type Descriptor,
  type ImageManifest,
} from '../oci/index.js';
import { LayoutStore } from './layout-store.js';

const EMPTY = descriptorFor(MEDIA_TYPE_EMPTY_JSON, '{}');
const SIGNATURE_TYPE = 'application/vnd.cncf.notary.signature';

function manifestOf(layerText: string, extra: Partial<ImageManifest> = {}): { descriptor: Descriptor; bytes: Buffer; layer: Descriptor } {
  const layer = descriptorFor('application/vnd.oci.image.layer.v1.tar', layerText);
  const bytes = encodeManifest({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_MANIFEST, config: EMPTY, layers: [layer], ...extra });
  return { descriptor: descriptorFor(MEDIA_TYPE_IMAGE_MANIFEST, bytes), bytes, layer };
}

async function pushImage(store: LayoutStore, layerText: string, extra: Partial<ImageManifest> = {}): Promise<Descriptor> {
  const image = manifestOf(layerText, extra);
  await store.push(EMPTY, Buffer.from('{}'));
  await store.push(image.layer, Buffer.from(layerText));
  await store.push(image.descriptor, image.bytes);
  return image.descriptor;
}

async function readIndex(root: string): Promise<{ manifests: Descriptor[] }> {
  return JSON.parse(await readFile(join(root, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
}

describe('LayoutStore', () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'portcullis-layout-'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('creates a missing layout with oci-layout and an empty index.json', async () => {
    const root = join(base, 'new', 'nested');
    await LayoutStore.open(root);
    assert.deepEqual(JSON.parse(await readFile(join(root, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    assert.deepEqual((await readIndex(root)).manifests, []);
  });

  it('refuses to create when create is false', async () => {
    await assert.rejects(LayoutStore.open(join(base, 'absent'), { create: false }), { code: 'ERR_CONTENT_NOT_FOUND' });
  });

  it('fails clearly on a bad oci-layout or a malformed index.json', async () => {
    const bad = join(base, 'bad');
    await mkdir(bad);
    await writeFile(join(bad, 'oci-layout'), '{"imageLayoutVersion":"0.9"}');
    await assert.rejects(LayoutStore.open(bad), { code: 'ERR_CONTENT_INVALID_LAYOUT', message: /oci-layout/ });
    await writeFile(join(bad, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(bad, 'index.json'), '{"schemaVersion":2,"manifests":[');
    await assert.rejects(LayoutStore.open(bad), { code: 'ERR_CONTENT_INVALID_LAYOUT', message: /index\.json/ });
  });

  it('pushes, tags, resolves and fetches, and all of it survives a reopen', async () => {
    const root = join(base, 'roundtrip');
    const store = await LayoutStore.open(root);
    const image = await pushImage(store, 'layer one');
    await store.tag(image, 'v1');
    const reopened = await LayoutStore.open(root);
    const resolved = await reopened.resolve('v1');
    assert.equal(resolved.digest, image.digest);
    assert.equal(resolved.annotations, undefined, 'ref.name is not part of the resolved descriptor');
    assert.equal(digestOf(await fetchAll(reopened, resolved, 1 << 20)), image.digest);
    assert.deepEqual(await reopened.tags(), ['v1']);
    assert.equal((await reopened.resolve(image.digest)).mediaType, MEDIA_TYPE_IMAGE_MANIFEST);
    await assert.rejects(reopened.resolve('v2'), { code: 'ERR_CONTENT_NOT_FOUND' });
  });

  it('lists untagged manifests in index.json so referrers survive a reopen', async () => {
    const root = join(base, 'referrers');
    const store = await LayoutStore.open(root);
    const subject = await pushImage(store, 'subject');
    await store.tag(subject, 'v1');
    const signature = await pushImage(store, 'signature envelope', {
      artifactType: SIGNATURE_TYPE,
      subject,
      annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': '["abc"]' },
    });
    const listed = (await readIndex(root)).manifests.find((entry) => entry.digest === signature.digest);
    assert.ok(listed, 'the signature is listed in index.json');
    assert.equal(listed.annotations?.[ANNOTATION_REF_NAME], undefined);
    const referrers = await (await LayoutStore.open(root)).referrers(subject);
    assert.deepEqual(referrers, [
      {
        mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
        digest: signature.digest,
        size: signature.size,
        artifactType: SIGNATURE_TYPE,
        annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': '["abc"]' },
      },
    ]);
    assert.deepEqual(await store.referrers(subject, { artifactType: 'application/other' }), []);
  });

  it('keeps a manifest listed when its tag moves, and forgets everything on delete', async () => {
    const root = join(base, 'delete');
    const store = await LayoutStore.open(root);
    const first = await pushImage(store, 'first');
    const second = await pushImage(store, 'second', { subject: first });
    await store.tag(first, 'latest');
    await store.tag(second, 'latest');
    assert.equal((await store.resolve(first.digest)).digest, first.digest);
    assert.equal(await store.untag('latest'), true);
    assert.equal(await store.untag('latest'), false);
    assert.deepEqual(await store.tags(), []);
    await store.delete(second);
    assert.equal(await store.exists(second), false);
    assert.deepEqual(await store.referrers(first), []);
    assert.ok(!(await readIndex(root)).manifests.some((entry) => entry.digest === second.digest));
    await assert.rejects(store.delete(second), { code: 'ERR_CONTENT_NOT_FOUND' });
  });

  it('serializes concurrent index.json writers without losing a tag', async () => {
    const root = join(base, 'concurrent');
    const store = await LayoutStore.open(root);
    const image = await pushImage(store, 'tagged many times');
    const tags = Array.from({ length: 25 }, (_, n) => `t${String(n).padStart(2, '0')}`);
    await Promise.all(tags.map((tag) => store.tag(image, tag)));
    assert.deepEqual(await (await LayoutStore.open(root)).tags(), tags);
    assert.deepEqual(await store.tags({ last: 't22' }), ['t23', 't24']);
  });

  it('rejects a manifest whose bytes do not match, or that is not a manifest', async () => {
    const store = await LayoutStore.open(join(base, 'hostile'));
    const image = manifestOf('x');
    await assert.rejects(store.push(image.descriptor, Buffer.alloc(image.bytes.length, 0x20)), { code: 'ERR_OCI_DIGEST_MISMATCH' });
    const junk = descriptorFor(MEDIA_TYPE_IMAGE_MANIFEST, 'not json');
    await assert.rejects(store.push(junk, Buffer.from('not json')), { code: 'ERR_OCI_INVALID_MANIFEST' });
    assert.equal(await store.exists(junk), false);
    await assert.rejects(store.tag(image.descriptor, 'v1'), { code: 'ERR_CONTENT_NOT_FOUND' });
    await assert.rejects(store.tag(EMPTY, 'bad tag!'), { code: 'ERR_CONTENT_UNSUPPORTED' });
  });

  it('removes stale temporary files at open and keeps fresh ones', async () => {
    const root = join(base, 'stale');
    await LayoutStore.open(root);
    await writeFile(join(root, 'ingest', '.tmp-old'), 'x');
    await writeFile(join(root, 'ingest', '.tmp-fresh'), 'x');
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(join(root, 'ingest', '.tmp-old'), old, old);
    await LayoutStore.open(root);
    assert.deepEqual(await readdir(join(root, 'ingest')), ['.tmp-fresh']);
  });

  it('is a copy target and source for content/copy', async () => {
    const memory = new MemoryStore();
    const image = manifestOf('copied');
    await memory.push(EMPTY, Buffer.from('{}'));
    await memory.push(image.layer, Buffer.from('copied'));
    await memory.push(image.descriptor, image.bytes);
    await memory.tag(image.descriptor, 'v1');
    const layout = await LayoutStore.open(join(base, 'copy'));
    await copy(memory, 'v1', layout, 'v1');
    const back = new MemoryStore();
    const root = await copy(layout, 'v1', back, 'v1');
    assert.equal(root.digest, image.descriptor.digest);
  });
});
