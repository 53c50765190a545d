import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { descriptorFor, encodeManifest, MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_LAYER, type Descriptor } from '../oci/index.js';
import { copy } from './copy.js';
import { MemoryStore } from './memory-store.js';
import { EMPTY_JSON_DESCRIPTOR, packArtifactManifest } from './pack.js';
import type { ContentStream } from './storage.js';

async function pushArtifact(store: MemoryStore, text: string, subject?: Descriptor): Promise<Descriptor> {
  const layer = descriptorFor(MEDIA_TYPE_IMAGE_LAYER, text);
  await store.push(layer, Buffer.from(text));
  await store.push(EMPTY_JSON_DESCRIPTOR, Buffer.from('{}'));
  const packed = packArtifactManifest({ artifactType: 'application/vnd.test', layers: [layer], ...(subject && { subject }) });
  await store.push(packed.descriptor, packed.bytes);
  return packed.descriptor;
}

describe('copy', () => {
  it('copies an index with its manifests and blobs, and tags the target', async () => {
    const source = new MemoryStore();
    const child = await pushArtifact(source, 'amd64 layer');
    const index = encodeManifest({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests: [child] });
    const indexDescriptor = descriptorFor(MEDIA_TYPE_IMAGE_INDEX, index);
    await source.push(indexDescriptor, index);
    await source.tag(indexDescriptor, 'v1');

    const target = new MemoryStore();
    const root = await copy(source, 'v1', target, 'v1');
    assert.equal(root.digest, indexDescriptor.digest);
    assert.equal((await target.resolve('v1')).digest, indexDescriptor.digest);
    assert.equal(await target.exists(child), true);
    assert.equal(await target.exists(descriptorFor(MEDIA_TYPE_IMAGE_LAYER, 'amd64 layer')), true);
  });

  it('brings referrers along only when recursive', async () => {
    const source = new MemoryStore();
    const subject = await pushArtifact(source, 'image');
    const signature = await pushArtifact(source, 'signature', subject);
    const signatureOfSignature = await pushArtifact(source, 'countersignature', signature);

    const flat = new MemoryStore();
    await copy(source, subject.digest, flat, undefined);
    assert.deepEqual(await flat.referrers(subject), []);

    const deep = new MemoryStore();
    await copy(source, subject.digest, deep, undefined, { recursive: true });
    assert.deepEqual((await deep.referrers(subject)).map((r) => r.digest), [signature.digest]);
    assert.deepEqual((await deep.referrers(signature)).map((r) => r.digest), [signatureOfSignature.digest]);
    assert.equal((await deep.referrers(subject))[0]?.artifactType, 'application/vnd.test');
  });

  it('refuses content that does not match its descriptor', async () => {
    const source = new MemoryStore();
    const subject = await pushArtifact(source, 'genuine');
    const layer = descriptorFor(MEDIA_TYPE_IMAGE_LAYER, 'genuine');
    // A source that serves other bytes than it was asked for, as a compromised registry might.
    const lying = Object.create(source) as MemoryStore;
    lying.fetch = async (descriptor: Descriptor): Promise<ContentStream> =>
      descriptor.digest === layer.digest ? (async function* () { yield Buffer.from('tampered'); })() : source.fetch(descriptor);
    await assert.rejects(copy(lying, subject.digest, new MemoryStore(), undefined), /digest mismatch|bytes/);
  });
});
