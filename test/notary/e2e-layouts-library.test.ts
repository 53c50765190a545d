import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VerificationError } from '../../src/errors.js';
import { LayoutStore } from '../../src/layout/index.js';
import { MemoryTrustStore, parseOCITrustPolicyDocument, readCertificateFile } from '../../src/trust/index.js';
import { Verifier, outcomeOf, verify, type VerificationOutcome } from '../../src/verify/index.js';
import { E2E_OUTCOMES } from './e2e-outcomes.js';
import { E2E, E2E_LAYOUTS, e2eSkip } from './signing-helpers.js';

/** The library over a LayoutStore: each pre-signed layout verifies as the README's outcome table says. */
describe('verify(): the Notation e2e pre-signed layouts (README outcome table)', { skip: e2eSkip }, () => {
  const clock = { now: () => Date.now() };
  for (const [layout, anchor, policyFile, expected] of E2E_OUTCOMES) {
    it(`${layout} with ca:e2e=${anchor} under ${policyFile}: ${expected}`, async () => {
      const store = await LayoutStore.open(join(E2E_LAYOUTS, layout), { create: false });
      const trustPolicy = parseOCITrustPolicyDocument(readFileSync(join(E2E, 'config', 'trustpolicies', policyFile)));
      const trustStore = new MemoryTrustStore({ 'ca:e2e': readCertificateFile(readFileSync(join(E2E, 'config', 'localkeys', anchor))) });
      const run = verify(store, { scope: 'localhost:5000/e2e', reference: 'v1' }, { trustPolicy, trustStore, clock });
      const [kind, check] = expected.split(':') as [string, string | undefined];
      if (kind === 'fail') {
        let outcome: VerificationOutcome | undefined;
        await assert.rejects(run, (error: unknown) => {
          assert.ok(error instanceof VerificationError);
          assert.equal(error.code, 'ERR_VERIFY_FAILED');
          outcome = outcomeOf(error);
          return true;
        });
        const failed = outcome!.signatures.at(-1)!.checks.find((c) => c.status === 'failed' && c.action === 'enforce');
        assert.equal(failed?.type, check);
        return;
      }
      const outcome = await run;
      assert.equal(outcome.verified, true);
      assert.equal(outcome.skipped, kind === 'skip');
      if (kind === 'warn') assert.match(outcome.warnings.join('\n'), new RegExp(`^${check} was set to "log" and failed with error: `));
      else assert.deepEqual(outcome.warnings, []);
    });
  }

  it('e2e-valid-multiple-signatures: the untrusted, expired testcert11 signature does not spoil the valid one', async () => {
    const store = await LayoutStore.open(join(E2E_LAYOUTS, 'e2e-valid-multiple-signatures'), { create: false });
    const trustPolicy = parseOCITrustPolicyDocument(readFileSync(join(E2E, 'config', 'trustpolicies', 'trustpolicy.json')));
    const trustStore = new MemoryTrustStore({ 'ca:e2e': readCertificateFile(readFileSync(join(E2E, 'config', 'localkeys', 'e2e.crt'))) });
    const verifier = new Verifier({ trustPolicy, trustStore, clock, concurrency: 1 });
    const outcome = await verifier.verify(store, { scope: 'local/e2e', reference: 'v1' });
    assert.equal(outcome.signaturesListed, 2);
    assert.equal(outcome.signatures.at(-1)?.signer?.subject, 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US');
    // The cache is shared across calls: a second verification parses no certificate again.
    const misses = verifier.certificateCache.stats.misses;
    await verifier.verify(store, { scope: 'local/e2e', reference: 'v1' });
    assert.equal(verifier.certificateCache.stats.misses, misses);
  });
});
