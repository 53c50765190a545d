import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copy } from '../../src/content/index.js';
import { LayoutStore } from '../../src/layout/index.js';
import type { KeySpec } from '../../src/pki/index.js';
import { RegistryClient } from '../../src/registry/client/index.js';
import { startDistributionRegistry, type RunningRegistry } from '../helpers/distribution-registry.js';
import { assertTool } from '../helpers/tools.js';
import { startTestRegistry, type TestRegistry } from '../registry/helpers.js';
import {
  describeRun,
  E2E_DIGEST,
  E2E_LAYOUTS,
  e2eSkip,
  notation,
  notationHome,
  notationTool,
  portcullis,
  registryTool,
  testSigningCertificate,
  wildcardPolicy,
  type NotationHome,
} from './signing-helpers.js';

/**
 * Every key spec the Notary Project allows, in both envelope formats, both ways between
 * Portcullis and the real notation v1.3.2: on the embedded registry (referrers API) and on
 * distribution v3, which has no referrers API, so the signatures live in the sha256-<hex> tag index.
 */
const KEY_SPECS: readonly KeySpec[] = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'EC-256', 'EC-384', 'EC-521'];
const FORMATS = ['jws', 'cose'] as const;

describe('notation interop across key specs and formats', { skip: e2eSkip || notationTool.skip || registryTool.skip }, () => {
  const client = new RegistryClient({ logger: { warn: () => undefined } });
  const registries: Array<{ name: string; host: string; stop: () => Promise<void> }> = [];
  const homes = new Map<KeySpec, NotationHome>();

  before(async () => {
    assertTool('notation', notationTool.path);
    const embedded: TestRegistry = await startTestRegistry();
    registries.push({ name: 'embedded registry (referrers API)', host: new URL(embedded.url).host, stop: () => embedded.dispose() });
    const distribution: RunningRegistry = await startDistributionRegistry(assertTool('registry', registryTool.path));
    registries.push({ name: 'distribution v3 (tag schema)', host: distribution.host, stop: () => distribution.stop() });
    for (const keySpec of KEY_SPECS) {
      const key = await testSigningCertificate(`interop ${keySpec}`, keySpec);
      homes.set(keySpec, await notationHome({ keys: [{ name: 'k', key }], trustStores: { 'ca/k': [key.certificate] }, trustPolicy: wildcardPolicy('strict', ['ca:k']) }));
    }
  });
  after(async () => {
    await client.close();
    await Promise.all(registries.map((registry) => registry.stop()));
  });

  async function freshImage(host: string, repository: string): Promise<string> {
    await copy(await LayoutStore.open(join(E2E_LAYOUTS, 'e2e'), { create: false }), 'v1', client.repository(`${host}/${repository}`), 'v1');
    return `${host}/${repository}@${E2E_DIGEST}`;
  }

  for (const keySpec of KEY_SPECS) {
    for (const format of FORMATS) {
      it(`${keySpec} ${format}: portcullis signs and notation verifies, notation signs and portcullis verifies, on both registries`, async () => {
        const home = homes.get(keySpec)!;
        for (const registry of registries) {
          const slug = `${keySpec}-${format}`.toLowerCase();
          const ours = await freshImage(registry.host, `keys/p2n-${slug}`);
          const signed = await portcullis(home, ['sign', '--signature-format', format, ours]);
          assert.equal(signed.code, 0, `${registry.name}: ${describeRun(signed)}`);
          const verifiedByNotation = await notation(home, ['verify', '--insecure-registry', ours]);
          assert.equal(verifiedByNotation.code, 0, `${registry.name}: ${describeRun(verifiedByNotation)}`);

          const theirs = await freshImage(registry.host, `keys/n2p-${slug}`);
          const signedByNotation = await notation(home, ['sign', '--insecure-registry', '--signature-format', format, theirs]);
          assert.equal(signedByNotation.code, 0, `${registry.name}: ${describeRun(signedByNotation)}`);
          const verified = await portcullis(home, ['verify', theirs, '-o', 'json']);
          assert.equal(verified.code, 0, `${registry.name}: ${describeRun(verified)}`);
          const outcome = JSON.parse(verified.stdout) as { verified: boolean };
          assert.equal(outcome.verified, true);
        }
      });
    }
  }
});
