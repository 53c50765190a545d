import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { skipWithoutTestdata, testdata } from '../../test/helpers/conformance.js';
import { fetchAll } from '../content/index.js';
import { digestOf } from '../oci/index.js';
import { LayoutStore } from './layout-store.js';

/**
 * The pre-signed layouts of the Notation e2e suite (shared/conformance/notation-e2e, README
 * section 2): resolve `v1` and list its signatures. The folder sits beside the repository, in CI too.
 */
const LAYOUTS = testdata('registry', 'oci_layout');

const SUBJECT = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
const EXPECTED: Record<string, { subject: string; signatures: string[] }> = {
  e2e: { subject: SUBJECT, signatures: [] },
  'e2e-valid-signature': { subject: SUBJECT, signatures: ['90ceaff2'] },
  'e2e-valid-multiple-signatures': { subject: SUBJECT, signatures: ['90ceaff2', 'c3ebe4a2'] },
  'e2e-expired-signature': { subject: SUBJECT, signatures: ['3829708b'] },
  'e2e-invalid-signature': { subject: SUBJECT, signatures: ['321fcc67'] },
  'e2e-with-expired-cert': { subject: SUBJECT, signatures: ['b06e392c'] },
  'e2e-with-timestamped-signature': {
    subject: 'sha256:53b0191218aed9a3c1f7c661736ac40cfc8eb928642348fd843ba3f0483c0c20',
    signatures: ['6a5cd3a8'],
  },
  'e2e-with-invalid-timestamped-signature': {
    subject: 'sha256:f1da8cd70d6d851fa2313c8d6618f79508cf1e86877edf1c0bfe49a1b0a6467a',
    signatures: ['eee3eec7'],
  },
};

const skip = skipWithoutTestdata('registry', 'oci_layout');

describe('Notation e2e pre-signed layouts', { skip }, () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: resolves v1 and lists its signatures`, async () => {
      const store = await LayoutStore.open(join(LAYOUTS, name), { create: false });
      const subject = await store.resolve('v1');
      assert.equal(subject.digest, expected.subject);
      assert.equal(digestOf(await fetchAll(store, subject, 1 << 20)), subject.digest);
      const referrers = await store.referrers(subject);
      const short = referrers.map((entry) => entry.digest.slice(7, 15)).sort();
      assert.deepEqual(short, expected.signatures);
      for (const referrer of referrers) assert.equal(referrer.artifactType, 'application/vnd.cncf.notary.signature');
    });
  }

  it('finds a signature reachable only through the sha256-<hex> tag-schema index', async () => {
    // e2e-valid-signature lists its signature both untagged and in the tag-schema index; drop the
    // untagged entry so the tag schema is the only way to the signature.
    const copyRoot = await mkdtemp(join(tmpdir(), 'portcullis-e2e-'));
    try {
      await cp(join(LAYOUTS, 'e2e-valid-signature'), copyRoot, { recursive: true });
      const indexFile = join(copyRoot, 'index.json');
      const index = JSON.parse(await readFile(indexFile, 'utf8')) as { manifests: Array<{ digest: string }> };
      index.manifests = index.manifests.filter((entry) => !entry.digest.startsWith('sha256:90ceaff2'));
      await writeFile(indexFile, JSON.stringify(index));
      const store = await LayoutStore.open(copyRoot, { create: false });
      const referrers = await store.referrers(await store.resolve('v1'));
      assert.deepEqual(
        referrers.map((entry) => entry.digest.slice(7, 15)),
        ['90ceaff2'],
      );
    } finally {
      await rm(copyRoot, { recursive: true, force: true });
    }
  });
});
