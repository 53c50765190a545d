import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MEDIA_TYPE_IMAGE_INDEX } from '../../../src/oci/index.js';
import { REFERRERS_GC_WARNING, RegistryClient, referrersTag, type RequestEvent } from '../../../src/registry/client/index.js';
import { startDistributionRegistry, type RunningRegistry } from '../../helpers/distribution-registry.js';
import { makeImage, makeReferrer, pushImage, type TestImage } from '../../helpers/oci-content.js';
import { assertTool, requiredTool } from '../../helpers/tools.js';

const debianRegistry = requiredTool('docker-registry', "Debian's distribution 2.8: apt-get install docker-registry");
const SIGNATURE = 'application/vnd.cncf.notary.signature';

/**
 * Debian's docker-registry is distribution 2.8.2: no Referrers API (its router answers 404
 * text/plain) and no OCI-Subject, so everything referrer-related goes through the tag schema.
 */
describe("referrers tag schema against Debian's docker-registry (distribution 2.8)", { skip: debianRegistry.skip }, () => {
  let registry: RunningRegistry;
  let noDelete: RunningRegistry;

  before(async () => {
    const binary = assertTool('docker-registry', debianRegistry.path);
    registry = await startDistributionRegistry(binary);
    noDelete = await startDistributionRegistry(binary, { kind: 'none' }, { deleteEnabled: false });
  });
  after(async () => {
    await registry?.stop();
    await noDelete?.stop();
  });

  async function pushSubjectAndSignature(client: RegistryClient, host: string, name: string) {
    const repository = client.repository(`${host}/${name}`);
    const image = makeImage();
    await pushImage(repository, image, ['v1']);
    const signature = makeReferrer(image.manifest.descriptor, SIGNATURE);
    await pushImage(repository, signature);
    return { repository, subject: image.manifest.descriptor, signature };
  }

  const digestsOf = (images: readonly TestImage[]) => images.map((image) => image.manifest.descriptor.digest);

  it('creates the sha256-<hex> index on push and lists referrers through it', async () => {
    const events: RequestEvent[] = [];
    const client = new RegistryClient({ onRequest: (event) => events.push(event) });
    try {
      const { repository, subject, signature } = await pushSubjectAndSignature(client, registry.host, 'fallback/app');
      const tag = referrersTag(subject.digest);
      assert.match(tag, /^sha256-[0-9a-f]{64}$/);
      assert.deepEqual((await repository.tags()).sort(), [tag, 'v1'].sort());
      const index = await repository.fetchManifest(tag);
      assert.equal(index.descriptor.mediaType, MEDIA_TYPE_IMAGE_INDEX);
      const listed = await repository.referrers(subject);
      assert.deepEqual(listed.map((entry) => entry.digest), digestsOf([signature]));
      assert.equal(listed[0]?.artifactType, SIGNATURE);
      assert.equal(listed[0]?.annotations?.['org.opencontainers.image.created'], '2026-01-01T00:00:00Z');
      // The capability was pinged once and remembered.
      assert.equal(events.filter((event) => event.url.includes('/referrers/')).length, 1);

      // A fresh client discovers the fallback when listing (the API answers 404) and caches it.
      const fresh = new RegistryClient();
      try {
        assert.deepEqual((await fresh.repository(`${registry.host}/fallback/app`).referrers(subject, { artifactType: SIGNATURE })).length, 1);
        assert.deepEqual(await fresh.repository(`${registry.host}/fallback/app`).referrers(subject, { artifactType: 'application/other' }), []);
      } finally {
        await fresh.close();
      }
    } finally {
      await client.close();
    }
  });

  it('replaces the index when a second referrer is added and deletes the old one', async () => {
    const client = new RegistryClient();
    try {
      const { repository, subject, signature } = await pushSubjectAndSignature(client, registry.host, 'fallback/gc');
      const oldIndex = await repository.resolve(referrersTag(subject.digest));
      const second = makeReferrer(subject, 'application/spdx+json');
      await pushImage(repository, second);
      const newIndex = await repository.resolve(referrersTag(subject.digest));
      assert.notEqual(newIndex.digest, oldIndex.digest);
      assert.equal(await repository.exists(oldIndex), false, 'old index garbage-collected');
      assert.deepEqual((await repository.referrers(subject)).map((entry) => entry.digest), digestsOf([signature, second]));

      // Pushing the same referrer again changes nothing (dedup): the index stays.
      await pushImage(repository, second);
      assert.equal((await repository.resolve(referrersTag(subject.digest))).digest, newIndex.digest);
    } finally {
      await client.close();
    }
  });

  it('keeps the old index with skipReferrersGC', async () => {
    const client = new RegistryClient({ skipReferrersGC: true });
    try {
      const { repository, subject } = await pushSubjectAndSignature(client, registry.host, 'fallback/skip-gc');
      const oldIndex = await repository.resolve(referrersTag(subject.digest));
      await pushImage(repository, makeReferrer(subject, SIGNATURE));
      assert.equal(await repository.exists(oldIndex), true);
    } finally {
      await client.close();
    }
  });

  it('warns like Notation, and still succeeds, when the registry refuses to delete the old index', async () => {
    const warnings: string[] = [];
    const client = new RegistryClient({ logger: { warn: (message) => warnings.push(message) } });
    try {
      const { repository, subject, signature } = await pushSubjectAndSignature(client, noDelete.host, 'fallback/no-delete');
      assert.equal(warnings.length, 0);
      const second = makeReferrer(subject, SIGNATURE);
      await pushImage(repository, second);
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0]!.startsWith(REFERRERS_GC_WARNING), warnings[0]);
      assert.match(warnings[0]!, /UNSUPPORTED|HTTP 405/);
      assert.deepEqual((await repository.referrers(subject)).map((entry) => entry.digest), digestsOf([signature, second]));
    } finally {
      await client.close();
    }
  });

  it('fails clearly when the referrers tag holds something other than an index', async () => {
    const client = new RegistryClient();
    try {
      const repository = client.repository(`${registry.host}/fallback/squatted`);
      const image = makeImage();
      const squatter = makeImage();
      await pushImage(repository, image, ['v1']);
      await pushImage(repository, squatter, [referrersTag(image.manifest.descriptor.digest)]);
      await assert.rejects(repository.referrers(image.manifest.descriptor), {
        code: 'ERR_REGISTRY_RESPONSE_INVALID',
        message: new RegExp(`holds application/vnd\\.oci\\.image\\.manifest\\.v1\\+json, not an image index`),
      });
    } finally {
      await client.close();
    }
  });
});
