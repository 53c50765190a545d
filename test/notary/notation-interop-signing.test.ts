import assert from 'node:assert/strict';
import { cp, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copy, fetchAll } from '../../src/content/index.js';
import { LayoutStore } from '../../src/layout/index.js';
import { MAX_MANIFEST_BYTES } from '../../src/limits.js';
import { descriptorFor, encodeManifest, parseManifest, type ImageManifest } from '../../src/oci/index.js';
import type { TestCertificate } from '../../src/pki/index.js';
import { RegistryClient, type RemoteRepository } from '../../src/registry/client/index.js';
import { startDistributionRegistry, type RunningRegistry } from '../helpers/distribution-registry.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { assertTool } from '../helpers/tools.js';
import { startTestRegistry, type TestRegistry } from '../registry/helpers.js';
import {
  E2E_DIGEST,
  E2E_LAYOUTS,
  describeRun,
  e2eSkip,
  notation,
  notationHome,
  notationTool,
  portcullis,
  portcullisProcess,
  registryTool,
  testSigningCertificate,
  wildcardPolicy,
  type NotationHome,
} from './signing-helpers.js';

/**
 * Interoperability with the real `notation` v1.3.2 binary, both tools on one configuration
 * directory (XDG_CONFIG_HOME): what Portcullis signs, Notation verifies, and the reverse, through
 * the embedded registry (Referrers API) and distribution (tag schema), and in OCI layouts; a
 * tampered signature fails in both; and both print the same thing.
 *
 * notation v1.3.2 reaches only `localhost` over plain HTTP by itself, so it gets --insecure-registry
 * for the 127.0.0.1 test registries.
 */
const client = new RegistryClient();
let key: TestCertificate;

interface Target {
  readonly name: string;
  readonly host: string;
  stop(): Promise<void>;
}
const targets: Target[] = [];

async function pushE2EImage(host: string, repository: string): Promise<RemoteRepository> {
  const remote = client.repository(`${host}/${repository}`);
  await copy(await LayoutStore.open(join(E2E_LAYOUTS, 'e2e'), { create: false }), 'v1', remote, 'v1');
  return remote;
}

async function sharedHome(): Promise<NotationHome> {
  return notationHome({ keys: [{ name: 'interop', key }], trustStores: { 'ca/interop': [key.certificate] }, trustPolicy: wildcardPolicy('strict', ['ca:interop']) });
}

/** Both tools on the same arguments: same exit code, stdout and (non-debug) stderr. */
async function sameVerdict(home: NotationHome, argv: readonly string[], notationExtra: readonly string[] = []): Promise<void> {
  const theirs = await notation(home, [...argv, ...notationExtra]);
  const ours = await portcullis(home, argv);
  assert.equal(ours.code, theirs.code, `notation: ${describeRun(theirs)}\nportcullis: ${describeRun(ours)}`);
  assert.equal(inMetadataOrder(ours.stdout), inMetadataOrder(theirs.stdout));
  assert.equal(ours.stderr, theirs.stderr);
}

/**
 * Notation prints the user-metadata table in Go map order, which changes from run to run; sort the
 * table's rows so only their content is compared.
 */
function inMetadataOrder(stdout: string): string {
  const header = stdout.indexOf('KEY ');
  if (header < 0) return stdout;
  const tableStart = stdout.indexOf('\n', header) + 1;
  const tableEnd = stdout.indexOf('\n\n', tableStart);
  const end = tableEnd < 0 ? stdout.length : tableEnd;
  const rows = stdout.slice(tableStart, end).split('\n').sort();
  return `${stdout.slice(0, tableStart)}${rows.join('\n')}${stdout.slice(end)}`;
}

describe('interoperability with notation v1.3.2', { skip: e2eSkip || notationTool.skip || registryTool.skip }, () => {
  before(async () => {
    assertTool('notation', notationTool.path);
    key = await testSigningCertificate('interop', 'EC-384');
    const embedded: TestRegistry = await startTestRegistry();
    targets.push({ name: 'embedded registry', host: new URL(embedded.url).host, stop: () => embedded.dispose() });
    const distribution: RunningRegistry = await startDistributionRegistry(assertTool('registry', registryTool.path));
    targets.push({ name: 'distribution', host: distribution.host, stop: () => distribution.stop() });
  });
  after(async () => {
    await client.close();
    await Promise.all(targets.map((target) => target.stop()));
  });

  for (const registry of ['embedded registry', 'distribution'] as const) {
    describe(registry, () => {
      const host = (): string => targets.find((target) => target.name === registry)!.host;

      for (const [label, flags] of [
        ['jws', []],
        ['cose', ['--signature-format', 'cose']],
        ['jws, --force-referrers-tag=false', ['--force-referrers-tag=false']],
      ] as const) {
        it(`portcullis signs (${label}), notation verifies`, async () => {
          const repository = `interop/p2n-${label.replace(/[^a-z]+/g, '-')}`;
          await pushE2EImage(host(), repository);
          const home = await sharedHome();
          const signed = await portcullis(home, ['sign', ...flags, `${host()}/${repository}@${E2E_DIGEST}`]);
          assert.equal(signed.code, 0, describeRun(signed));
          const verified = await notation(home, ['verify', '--insecure-registry', `${host()}/${repository}@${E2E_DIGEST}`]);
          assert.equal(verified.code, 0, describeRun(verified));
          assert.equal(verified.stdout, `Successfully verified signature for ${host()}/${repository}@${E2E_DIGEST}\n`);
        });

        it(`notation signs (${label}), portcullis verifies`, async () => {
          const repository = `interop/n2p-${label.replace(/[^a-z]+/g, '-')}`;
          await pushE2EImage(host(), repository);
          const home = await sharedHome();
          const signed = await notation(home, ['sign', '--insecure-registry', ...flags, `${host()}/${repository}@${E2E_DIGEST}`]);
          assert.equal(signed.code, 0, describeRun(signed));
          const verified = await portcullis(home, ['verify', `${host()}/${repository}@${E2E_DIGEST}`]);
          assert.equal(verified.code, 0, describeRun(verified));
          assert.equal(verified.stdout, `Successfully verified signature for ${host()}/${repository}@${E2E_DIGEST}\n`);
        });
      }

      it('a key made by `notation cert generate-test` signs with portcullis and verifies in both (one config dir)', async () => {
        const repository = 'interop/generate-test';
        await pushE2EImage(host(), repository);
        const home = await notationHome({ trustPolicy: wildcardPolicy('strict', ['ca:made-by-notation']) });
        const generated = await notation(home, ['cert', 'generate-test', '--default', 'made-by-notation']);
        assert.equal(generated.code, 0, describeRun(generated));
        const signed = await portcullisProcess(home, ['sign', '-m', 'origin=portcullis', `${host()}/${repository}:v1`]);
        assert.equal(signed.code, 0, describeRun(signed));
        await sameVerdict(home, ['verify', `${host()}/${repository}@${E2E_DIGEST}`, '-m', 'origin=portcullis'], ['--insecure-registry']);
      });

      it('both print the same for a tag, for user metadata, for a logged failure and for an enforced one', async () => {
        const repository = 'interop/same-output';
        await pushE2EImage(host(), repository);
        const home = await sharedHome();
        assert.equal((await notation(home, ['sign', '--insecure-registry', '-m', 'a=1', '-m', 'b=2', `${host()}/${repository}@${E2E_DIGEST}`])).code, 0);
        await sameVerdict(home, ['verify', `${host()}/${repository}:v1`], ['--insecure-registry']);
        await sameVerdict(home, ['verify', `${host()}/${repository}@${E2E_DIGEST}`, '-m', 'a=2'], ['--insecure-registry']);
        const other = await testSigningCertificate('someone-else', 'EC-256');
        const untrusting = await notationHome({ trustStores: { 'ca/interop': [other.certificate] }, trustPolicy: wildcardPolicy('audit', ['ca:interop']) });
        await sameVerdict(untrusting, ['verify', `${host()}/${repository}@${E2E_DIGEST}`], ['--insecure-registry']);
        const strict = await notationHome({ trustStores: { 'ca/interop': [other.certificate] }, trustPolicy: wildcardPolicy('strict', ['ca:interop']) });
        await sameVerdict(strict, ['verify', `${host()}/${repository}@${E2E_DIGEST}`], ['--insecure-registry']);
        const skip = await notationHome({ trustPolicy: { version: '1.0', trustPolicies: [{ name: 's', registryScopes: ['*'], signatureVerification: { level: 'skip' } }] } });
        await sameVerdict(skip, ['verify', `${host()}/${repository}@${E2E_DIGEST}`], ['--insecure-registry']);
      });

      it('a tampered signature fails in both', async () => {
        const repository = 'interop/tampered';
        const remote = await pushE2EImage(host(), repository);
        const home = await sharedHome();
        assert.equal((await notation(home, ['sign', '--insecure-registry', '--force-referrers-tag=false', `${host()}/${repository}@${E2E_DIGEST}`])).code, 0);
        const subject = await remote.resolve('v1');
        const [referrer] = await remote.referrers(subject);
        const manifest = parseManifest(await fetchAll(remote, referrer!, MAX_MANIFEST_BYTES)).manifest as ImageManifest;
        const envelope = (await fetchAll(remote, manifest.layers[0]!, 1 << 20)).toString();
        // Re-sign nothing: change the signed payload (a digit of the size) and keep the signature.
        const parsed = JSON.parse(envelope) as { payload: string };
        const payload = Buffer.from(parsed.payload, 'base64url').toString().replace('"size":517', '"size":518');
        const tampered = Buffer.from(JSON.stringify({ ...parsed, payload: Buffer.from(payload).toString('base64url') }));
        const tamperedRepository = 'interop/tampered-only';
        const tamperedRemote = await pushE2EImage(host(), tamperedRepository);
        const tamperedDescriptor = descriptorFor('application/jose+json', tampered);
        await tamperedRemote.push(tamperedDescriptor, tampered);
        const bytes = encodeManifest({ ...manifest, layers: [tamperedDescriptor] });
        await tamperedRemote.push(descriptorFor(manifest.mediaType!, bytes), bytes);
        const reference = `${host()}/${tamperedRepository}@${E2E_DIGEST}`;
        await sameVerdict(home, ['verify', reference], ['--insecure-registry']);
        const ours = await portcullis(home, ['verify', reference]);
        assert.equal(ours.code, 1);
        assert.equal(ours.stderr, `Error: signature verification failed for all the signatures associated with ${reference}\n`);
      });
    });
  }

  describe('OCI layouts', () => {
    const experimental = { NOTATION_EXPERIMENTAL: '1' };

    async function layout(): Promise<string> {
      const path = join((await temporaryDirectory('interop-layout')).path, 'e2e');
      await cp(join(E2E_LAYOUTS, 'e2e'), path, { recursive: true });
      return path;
    }

    it('portcullis signs a layout (jws and cose), notation verifies it', async () => {
      for (const format of ['jws', 'cose']) {
        const path = await layout();
        const home = await sharedHome();
        assert.equal((await portcullis(home, ['sign', '--oci-layout', '--signature-format', format, `${path}@${E2E_DIGEST}`])).code, 0);
        const verified = await notation(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`], experimental);
        assert.equal(verified.code, 0, describeRun(verified));
      }
    });

    it('notation signs a layout, portcullis verifies it, and both say the same', async () => {
      const path = await layout();
      const home = await sharedHome();
      assert.equal((await notation(home, ['sign', '--oci-layout', '-m', 'k=v', `${path}:v1`], experimental)).code, 0);
      const argv = ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}:v1`];
      const theirs = await notation(home, argv, experimental);
      const ours = await portcullis(home, argv, experimental);
      assert.equal(ours.code, 0, describeRun(ours));
      assert.deepEqual([ours.stdout, ours.stderr], [theirs.stdout, theirs.stderr]);
    });

    it('the pre-signed e2e layouts get the same verdict from both', async () => {
      for (const [name, anchor, level] of [
        ['e2e-valid-signature', 'e2e.crt', 'strict'],
        ['e2e-valid-signature', 'new_e2e.crt', 'audit'],
        ['e2e-expired-signature', 'e2e.crt', 'permissive'],
        ['e2e-invalid-signature', 'e2e.crt', 'strict'],
        ['e2e-with-expired-cert', 'expired_e2e.crt', 'permissive'],
        ['e2e-with-expired-cert', 'expired_e2e.crt', 'strict'],
      ] as const) {
        const home = await notationHome({
          trustStores: { 'ca/e2e': [await readFile(join(E2E_LAYOUTS, '..', '..', 'config', 'localkeys', anchor), 'utf8')] },
          trustPolicy: wildcardPolicy(level),
        });
        const path = join((await temporaryDirectory('interop-layout')).path, name);
        await cp(join(E2E_LAYOUTS, name), path, { recursive: true });
        const argv = ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`];
        const theirs = await notation(home, argv, experimental);
        const ours = await portcullis(home, argv, experimental);
        assert.equal(ours.code, theirs.code, `${name} ${anchor} ${level}\nnotation: ${describeRun(theirs)}\nportcullis: ${describeRun(ours)}`);
        assert.equal(ours.stdout, theirs.stdout);
        // Including the JWS expiry printed in the offset the signer wrote it with ("+0800" here).
        assert.equal(ours.stderr, theirs.stderr);
      }
    });
  });

  it('notation v1.3.2 reads only trustpolicy.json; portcullis also reads trustpolicy.oci.json first', async () => {
    const home = await sharedHome();
    const path = join((await temporaryDirectory('interop-layout')).path, 'e2e');
    await cp(join(E2E_LAYOUTS, 'e2e'), path, { recursive: true });
    assert.equal((await portcullis(home, ['sign', '--oci-layout', `${path}@${E2E_DIGEST}`])).code, 0);
    await rename(join(home.config, 'trustpolicy.json'), join(home.config, 'trustpolicy.oci.json'));
    const argv = ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`];
    const theirs = await notation(home, argv, { NOTATION_EXPERIMENTAL: '1' });
    assert.equal(theirs.code, 1);
    assert.match(theirs.stderr, /trust policy is not present/);
    const ours = await portcullis(home, argv);
    assert.equal(ours.code, 0, describeRun(ours));
  });
});
