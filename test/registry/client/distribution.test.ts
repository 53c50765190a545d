import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { readAll } from '../../../src/content/index.js';
import { ContentError, RegistryError } from '../../../src/errors.js';
import { descriptorFor, MEDIA_TYPE_IMAGE_INDEX, type Descriptor } from '../../../src/oci/index.js';
import { RegistryClient, referrersTag, type RegistryClientOptions, type RequestEvent } from '../../../src/registry/client/index.js';
import { startDistributionRegistry, type RunningRegistry } from '../../helpers/distribution-registry.js';
import { blobOf, makeImage, makeReferrer, pushImage } from '../../helpers/oci-content.js';
import { assertTool, requiredTool } from '../../helpers/tools.js';

const registryTool = requiredTool('registry', 'distribution v3, built by .ci/install-tools.sh into .tools/bin');
const SIGNATURE = 'application/vnd.cncf.notary.signature';
const SBOM = 'application/spdx+json';

/** A client that records every HTTP exchange. */
function recordingClient(options: RegistryClientOptions = {}): { client: RegistryClient; events: RequestEvent[] } {
  const events: RequestEvent[] = [];
  return { client: new RegistryClient({ ...options, onRequest: (event) => events.push(event) }), events };
}

const requestsMatching = (events: readonly RequestEvent[], method: string, path: RegExp) =>
  events.filter((event) => event.method === method && path.test(new URL(event.url).pathname + new URL(event.url).search));

async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let start = 0; start < bytes.byteLength; start += size) yield bytes.subarray(start, start + size);
}

describe('RegistryClient against distribution v3 (anonymous)', { skip: registryTool.skip }, () => {
  let registry: RunningRegistry;
  let client: RegistryClient;
  let events: RequestEvent[];

  before(async () => {
    registry = await startDistributionRegistry(assertTool('registry', registryTool.path));
    ({ client, events } = recordingClient());
  });
  after(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('pushes, checks, pulls and deletes a blob monolithically, verifying it on the way', async () => {
    const repository = client.repository(`${registry.host}/blobs/mono`);
    const blob = blobOf(randomBytes(10_000));
    assert.equal(await repository.exists(blob.descriptor), false);
    await repository.push(blob.descriptor, blob.bytes);
    assert.equal(await repository.exists(blob.descriptor), true);
    assert.deepEqual(await readAll(await repository.fetch(blob.descriptor), 1e6), blob.bytes);
    await repository.delete(blob.descriptor);
    assert.equal(await repository.exists(blob.descriptor), false);
    await assert.rejects(repository.fetch(blob.descriptor), (error: unknown) => {
      return error instanceof ContentError && error.code === 'ERR_CONTENT_NOT_FOUND' && /BLOB_UNKNOWN/.test(error.message);
    });
  });

  it('uploads a large streamed blob in chunks of the configured size', async () => {
    const chunked = recordingClient({ upload: { chunkSize: 64 * 1024, chunkedThreshold: 100 * 1024 } });
    try {
      const repository = chunked.client.repository(`${registry.host}/blobs/chunked`);
      const blob = blobOf(randomBytes(300 * 1024 + 17));
      await repository.push(blob.descriptor, pieces(blob.bytes, 10_000));
      assert.equal(requestsMatching(chunked.events, 'PATCH', /blobs\/uploads/).length, 5);
      assert.deepEqual(await readAll(await repository.fetch(blob.descriptor), 1e6), blob.bytes);
    } finally {
      await chunked.client.close();
    }
  });

  it('refuses to commit a chunked upload whose content does not match its descriptor', async () => {
    const chunked = new RegistryClient({ upload: { chunkSize: 16 * 1024, chunkedThreshold: 1 } });
    try {
      const repository = chunked.repository(`${registry.host}/blobs/chunked-wrong`);
      const blob = blobOf(randomBytes(40_000));
      const wrong = Buffer.from(blob.bytes);
      wrong.writeUInt8(wrong.readUInt8(39_999) ^ 1, 39_999);
      await assert.rejects(repository.push(blob.descriptor, pieces(wrong, 4096)), { code: 'ERR_OCI_DIGEST_MISMATCH' });
      assert.equal(await repository.exists(blob.descriptor), false);
    } finally {
      await chunked.close();
    }
  });

  it('mounts a blob across repositories, and uploads on the session when the source lacks it', async () => {
    const source = client.repository(`${registry.host}/mount/source`);
    const target = client.repository(`${registry.host}/mount/target`);
    const blob = blobOf(randomBytes(5000));
    await source.push(blob.descriptor, blob.bytes);
    assert.equal(await target.mount(blob.descriptor, 'mount/source'), 'mounted');
    assert.equal(await target.exists(blob.descriptor), true);

    const absent = blobOf(randomBytes(5000));
    const before = events.length;
    assert.equal(await target.mount(absent.descriptor, 'mount/source', async () => absent.bytes), 'uploaded');
    assert.equal(await target.exists(absent.descriptor), true);
    // POST (202 with a session) then PUT on that session: no second POST.
    const posts = requestsMatching(events.slice(before), 'POST', /blobs\/uploads/);
    assert.equal(posts.length, 1);
  });

  it('pushes manifests by tag and resolves and fetches them by tag and digest', async () => {
    const repository = client.repository(`${registry.host}/app`);
    const image = makeImage();
    await pushImage(repository, image, ['v1']);
    const descriptor = image.manifest.descriptor;
    assert.deepEqual(await repository.resolve('v1'), descriptor);
    assert.deepEqual(await repository.resolve(descriptor.digest), descriptor);
    const byTag = await repository.fetchManifest('v1');
    assert.deepEqual(byTag, { descriptor, bytes: image.manifest.bytes });
    assert.deepEqual((await repository.fetchManifest(descriptor.digest)).bytes, image.manifest.bytes);
    assert.deepEqual(await readAll(await repository.fetch(descriptor), 1e6), image.manifest.bytes);
    assert.equal(await repository.exists(descriptor), true);

    await repository.tag(descriptor, 'v1.0.0');
    assert.deepEqual(await repository.resolve('v1.0.0'), descriptor);

    const before = events.length;
    await repository.resolve('v1');
    assert.deepEqual(events.slice(before).map((event) => event.method), ['HEAD'], 'a resolve is one HEAD');
  });

  it('names the operation, the registry code and the status when a tag is missing', async () => {
    const repository = client.repository(`${registry.host}/app`);
    const error = await repository.resolve('missing').catch((caught: unknown) => caught);
    assert.ok(error instanceof ContentError);
    assert.equal(error.code, 'ERR_CONTENT_NOT_FOUND');
    assert.equal(error.message, `failed to resolve ${registry.host}/app:missing: MANIFEST_UNKNOWN: manifest unknown (HTTP 404)`);
    assert.ok(error.cause instanceof RegistryError);
    assert.equal(error.cause.status, 404);
    assert.deepEqual(error.cause.registryCodes, ['MANIFEST_UNKNOWN']);
  });

  it('lists tags page by page with a small n, and after a given tag', async () => {
    const paged = recordingClient({ tagPageSize: 2 });
    try {
      const repository = paged.client.repository(`${registry.host}/paged`);
      const image = makeImage();
      await pushImage(repository, image, ['e', 'a', 'd', 'b', 'c']);
      paged.events.length = 0;
      assert.deepEqual(await repository.tags(), ['a', 'b', 'c', 'd', 'e']);
      assert.equal(requestsMatching(paged.events, 'GET', /tags\/list/).length, 3);
      assert.deepEqual(await repository.tags({ last: 'c' }), ['d', 'e']);
    } finally {
      await paged.client.close();
    }
  });

  it('lists referrers through the tag schema, since v3.0.0 has no Referrers API', async () => {
    const repository = client.repository(`${registry.host}/signed`);
    const image = makeImage();
    await pushImage(repository, image, ['v1']);
    const subject = image.manifest.descriptor;
    const signature = makeReferrer(subject, SIGNATURE, { 'io.cncf.notary.x509chain.thumbprint#S256': '["abc"]' });
    const sbom = makeReferrer(subject, SBOM);
    await pushImage(repository, signature);
    await pushImage(repository, sbom);

    const all = await repository.referrers(subject);
    assert.deepEqual(
      all.map((entry) => [entry.digest, entry.artifactType]),
      [
        [signature.manifest.descriptor.digest, SIGNATURE],
        [sbom.manifest.descriptor.digest, SBOM],
      ],
    );
    assert.equal(all[0]?.annotations?.['io.cncf.notary.x509chain.thumbprint#S256'], '["abc"]');
    const signatures = await repository.referrers(subject, { artifactType: SIGNATURE });
    assert.deepEqual(signatures.map((entry) => entry.digest), [signature.manifest.descriptor.digest]);
    assert.ok((await repository.tags()).includes(referrersTag(subject.digest)));
    const index = await repository.resolve(referrersTag(subject.digest));
    assert.equal(index.mediaType, MEDIA_TYPE_IMAGE_INDEX);

    // Deleting a referrer takes it out of the index.
    await repository.delete(sbom.manifest.descriptor);
    assert.deepEqual((await repository.referrers(subject)).map((entry) => entry.digest), [signature.manifest.descriptor.digest]);
  });

  it('answers no referrers for a subject without any', async () => {
    const repository = client.repository(`${registry.host}/signed`);
    const lonely: Descriptor = descriptorFor('application/vnd.oci.image.manifest.v1+json', randomBytes(10));
    assert.deepEqual(await repository.referrers(lonely), []);
  });

  it('deletes manifests; the tag and digest then resolve to ERR_CONTENT_NOT_FOUND', async () => {
    const repository = client.repository(`${registry.host}/deleting`);
    const image = makeImage();
    await pushImage(repository, image, ['gone']);
    await repository.delete(image.manifest.descriptor);
    await assert.rejects(repository.resolve(image.manifest.descriptor.digest), { code: 'ERR_CONTENT_NOT_FOUND' });
    await assert.rejects(repository.resolve('gone'), { code: 'ERR_CONTENT_NOT_FOUND' });
  });
});
