import assert from 'node:assert/strict';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copy, fetchAll } from '../../src/content/index.js';
import { LayoutStore } from '../../src/layout/index.js';
import { MAX_MANIFEST_BYTES } from '../../src/limits.js';
import { descriptorFor, encodeManifest, parseManifest, type Descriptor, type ImageManifest } from '../../src/oci/index.js';
import { KEY_SPEC_NAMES, type KeySpec, type TestCertificate } from '../../src/pki/index.js';
import { RegistryClient, referrersTag, type RemoteRepository } from '../../src/registry/client/index.js';
import { startDistributionRegistry, type RunningRegistry } from '../helpers/distribution-registry.js';
import { assertTool } from '../helpers/tools.js';
import { startTestRegistry, type TestRegistry } from '../registry/helpers.js';
import {
  E2E_DIGEST,
  E2E_LAYOUTS,
  describeRun,
  e2eSkip,
  notationHome,
  portcullis,
  registryTool,
  testSigningCertificate,
  wildcardPolicy,
  type NotationHome,
} from './signing-helpers.js';

/**
 * Sign with generated keys of every Notary key spec, in both envelope formats, then verify, through
 * the CLI, against the embedded registry (Referrers API) and distribution (no Referrers API: the
 * tag schema is used); then tamper with signatures, artifacts and stored bytes and watch it fail.
 */
interface Target {
  readonly name: string;
  readonly host: string;
  readonly referrersApi: boolean;
  /** The registry's storage directory, to corrupt stored blobs. */
  readonly storage: string;
  stop(): Promise<void>;
}

const keys = new Map<KeySpec, TestCertificate>();
const client = new RegistryClient();

async function pushE2EImage(host: string, repository: string): Promise<RemoteRepository> {
  const layout = await LayoutStore.open(join(E2E_LAYOUTS, 'e2e'), { create: false });
  const remote = client.repository(`${host}/${repository}`);
  await copy(layout, 'v1', remote, 'v1');
  return remote;
}

async function homeFor(keySpec: KeySpec): Promise<NotationHome> {
  const key = keys.get(keySpec)!;
  return notationHome({ keys: [{ name: 'test', key }], trustStores: { 'ca/test': [key.certificate] }, trustPolicy: wildcardPolicy('strict', ['ca:test']) });
}

/** Regular files under `root` whose path names a digest's hex and whose size is the blob's: where registries keep blob data. */
async function findBlobFiles(root: string, hex: string, size: number): Promise<string[]> {
  const found: string[] = [];
  const walk = async (directory: string): Promise<void> => {
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && path.includes(hex) && (await stat(path)).size === size) found.push(path);
    }
  };
  await walk(root);
  return found;
}

async function signatureOf(remote: RemoteRepository, subject: Descriptor): Promise<{ manifestDescriptor: Descriptor; manifest: ImageManifest; envelope: Buffer }> {
  const [referrer] = await remote.referrers(subject, { artifactType: 'application/vnd.cncf.notary.signature' });
  assert.ok(referrer, 'no signature listed');
  const parsed = parseManifest(await fetchAll(remote, referrer, MAX_MANIFEST_BYTES));
  assert.equal(parsed.kind, 'manifest');
  const manifest = parsed.manifest as ImageManifest;
  return { manifestDescriptor: referrer, manifest, envelope: await fetchAll(remote, manifest.layers[0]!, 1 << 20) };
}

const targets: Target[] = [];

describe('sign then verify against registries', { skip: e2eSkip || registryTool.skip }, () => {
  before(async () => {
    for (const keySpec of KEY_SPEC_NAMES) keys.set(keySpec, await testSigningCertificate(`roundtrip-${keySpec}`, keySpec));
    const embedded: TestRegistry = await startTestRegistry();
    targets.push({ name: 'embedded registry', host: new URL(embedded.url).host, referrersApi: true, storage: embedded.root, stop: () => embedded.dispose() });
    const distribution: RunningRegistry = await startDistributionRegistry(assertTool('registry', registryTool.path));
    targets.push({ name: 'distribution', host: distribution.host, referrersApi: false, storage: distribution.storagePath, stop: () => distribution.stop() });
  });
  after(async () => {
    await client.close();
    await Promise.all(targets.map((target) => target.stop()));
  });

  for (const registry of ['embedded registry', 'distribution'] as const) {
    describe(registry, () => {
      const target = (): Target => targets.find((candidate) => candidate.name === registry)!;

      for (const keySpec of KEY_SPEC_NAMES) {
        for (const format of ['jws', 'cose'] as const) {
          it(`${keySpec} ${format}`, async () => {
            const { host } = target();
            const repository = `roundtrip/${keySpec.toLowerCase()}-${format}`;
            const remote = await pushE2EImage(host, repository);
            const home = await homeFor(keySpec);
            const signed = await portcullis(home, ['sign', '--signature-format', format, `${host}/${repository}@${E2E_DIGEST}`]);
            assert.equal(signed.code, 0, describeRun(signed));
            assert.equal(signed.stdout.split('\n')[0], `Successfully signed ${host}/${repository}@${E2E_DIGEST}`);
            const verified = await portcullis(home, ['verify', `${host}/${repository}:v1`]);
            assert.equal(verified.code, 0, describeRun(verified));
            assert.equal(verified.stdout, `Successfully verified signature for ${host}/${repository}@${E2E_DIGEST}\n`);
            // v1.3.2's default --force-referrers-tag=true: the tag schema index exists on both registries.
            const index = await remote.resolve(referrersTag(E2E_DIGEST as Descriptor['digest']));
            assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
          });
        }
      }

      it('--force-referrers-tag=false: the Referrers API where there is one, the tag schema where not', async () => {
        const { host, referrersApi } = target();
        const repository = 'roundtrip/referrers-api';
        const remote = await pushE2EImage(host, repository);
        const home = await homeFor('EC-256');
        const signed = await portcullis(home, ['sign', '--force-referrers-tag=false', `${host}/${repository}:v1`]);
        assert.equal(signed.code, 0, describeRun(signed));
        const tagIndex = await remote.resolve(referrersTag(E2E_DIGEST as Descriptor['digest'])).then(
          () => true,
          () => false,
        );
        assert.equal(tagIndex, !referrersApi);
        const verified = await portcullis(home, ['verify', `${host}/${repository}@${E2E_DIGEST}`, '-o', 'json']);
        assert.equal(verified.code, 0, describeRun(verified));
        assert.equal((JSON.parse(verified.stdout) as { verified: boolean }).verified, true);
      });

      it('a tampered envelope fails integrity; a tampered artifact has no valid signature', async () => {
        const { host } = target();
        const repository = 'roundtrip/tampered';
        const remote = await pushE2EImage(host, repository);
        const home = await homeFor('RSA-3072');
        assert.equal((await portcullis(home, ['sign', `${host}/${repository}@${E2E_DIGEST}`])).code, 0);
        const subject = await remote.resolve('v1');
        const { manifest, envelope } = await signatureOf(remote, subject);

        // Same manifest shape, envelope with one bit of the signature flipped, in a fresh repository.
        const flipped = Buffer.from(envelope.toString().replace(/"signature":"(.)/, (_, first: string) => `"signature":"${first === 'A' ? 'B' : 'A'}`));
        const tamperedRepository = 'roundtrip/tampered-envelope';
        const tamperedRemote = await pushE2EImage(host, tamperedRepository);
        const flippedDescriptor = descriptorFor('application/jose+json', flipped);
        await tamperedRemote.push(flippedDescriptor, flipped);
        const tamperedManifest = encodeManifest({ ...manifest, layers: [flippedDescriptor] });
        await tamperedRemote.push(descriptorFor(manifest.mediaType!, tamperedManifest), tamperedManifest);
        const integrity = await portcullis(home, ['verify', `${host}/${tamperedRepository}@${E2E_DIGEST}`, '-d']);
        assert.equal(integrity.code, 1, describeRun(integrity));
        assert.ok(integrity.stderr.includes('integrity validation failed'), integrity.stderr);
        assert.ok(integrity.stderr.includes(`Error: signature verification failed for all the signatures associated with ${host}/${tamperedRepository}@${E2E_DIGEST}`));

        // The artifact changed under the tag: the old signature does not apply to it...
        const original = parseManifest(await fetchAll(remote, subject, MAX_MANIFEST_BYTES)).manifest as ImageManifest;
        const changedBytes = encodeManifest({ ...original, annotations: { tampered: 'yes' } });
        const changed = descriptorFor(subject.mediaType, changedBytes);
        await remote.push(changed, changedBytes);
        await remote.tag(changed, 'v1');
        const byTag = await portcullis(home, ['verify', `${host}/${repository}:v1`]);
        assert.equal(byTag.code, 1);
        assert.ok(byTag.stderr.includes('no signature is associated with'), byTag.stderr);
        // ...even when a (hostile) signature manifest attaches the old envelope to it.
        const reattached = encodeManifest({ ...manifest, subject: { mediaType: changed.mediaType, digest: changed.digest, size: changed.size } });
        await remote.push(descriptorFor(manifest.mediaType!, reattached), reattached);
        const mismatch = await portcullis(home, ['verify', `${host}/${repository}:v1`, '-d']);
        assert.equal(mismatch.code, 1);
        assert.ok(mismatch.stderr.includes('content descriptor mismatch'), mismatch.stderr);
      });

      it('envelope bytes corrupted in storage are refused as a retrieval failure', async () => {
        const { host, storage } = target();
        const repository = 'roundtrip/corrupted';
        const remote = await pushE2EImage(host, repository);
        const home = await homeFor('EC-384');
        assert.equal((await portcullis(home, ['sign', `${host}/${repository}@${E2E_DIGEST}`])).code, 0);
        const { manifest } = await signatureOf(remote, await remote.resolve('v1'));
        const hex = manifest.layers[0]!.digest.slice('sha256:'.length);
        const files = await findBlobFiles(storage, hex, manifest.layers[0]!.size);
        assert.ok(files.length > 0, `no stored blob file for ${hex}`);
        for (const file of files) await writeFile(file, Buffer.alloc(manifest.layers[0]!.size, 0x41));
        const run = await portcullis(home, ['verify', `${host}/${repository}@${E2E_DIGEST}`]);
        assert.equal(run.code, 1, describeRun(run));
        assert.match(run.stderr, /^Error: signature verification failed: unable to retrieve digital signature with digest "sha256:[0-9a-f]{64}" associated with ".*" from the Repository, error : .*digest mismatch/m);
      });
    });
  }
});
