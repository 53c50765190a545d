import assert from 'node:assert/strict';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { E2E_OUTCOMES } from './e2e-outcomes.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { E2E, E2E_DIGEST, E2E_LAYOUTS, describeRun, e2eSkip, notationHome, portcullis, useE2EPolicy, type NotationHome } from './signing-helpers.js';

/**
 * `portcullis verify --oci-layout --scope` over the Notation e2e pre-signed layouts, with the
 * README's outcome table and the substrings cases.json looks for; and the layout sign/verify
 * cases (sign-oci-layout-*, verify-oci-layout-*) plus the trust policy cases that fail before any
 * signature is read.
 */
const EXPERIMENTAL_WARNING =
  'Warning: This feature is experimental and may not be fully tested or completed and may be deprecated. Report any issues to "https://github/notaryproject/notation"\n';

async function layoutCopy(name: string): Promise<string> {
  const target = join((await temporaryDirectory('layout')).path, name);
  await cp(join(E2E_LAYOUTS, name), target, { recursive: true });
  return target;
}

async function e2eHome(anchor: string, policyFile: string, withKey = false): Promise<NotationHome> {
  const home = await notationHome({
    trustStores: { 'ca/e2e': [await readFile(join(E2E, 'config', 'localkeys', anchor), 'utf8')] },
    ...(withKey && {
      keys: [
        {
          name: 'e2e',
          key: {
            keyPem: await readFile(join(E2E, 'config', 'localkeys', 'e2e.key'), 'utf8'),
            certificatePem: await readFile(join(E2E, 'config', 'localkeys', 'e2e.crt'), 'utf8'),
          },
        },
      ],
    }),
  });
  await useE2EPolicy(home, policyFile);
  return home;
}

const FAILURE_TEXT: Record<string, string> = {
  authenticity: 'authenticity validation failed',
  expiry: 'expiry validation failed.',
  integrity: 'integrity validation failed',
  authenticTimestamp: 'authenticTimestamp validation failed',
};

const WARNING_DETAIL: Record<string, string> = {
  authenticity: "the signature's certificate chain does not contain any trusted certificate",
  expiry: 'digital signature has expired',
  authenticTimestamp: 'after certificate "O=Internet Widgits Pty Ltd,ST=Some-State,C=AU" validity period, it was expired at "Tue, 27 Jun 2023 06:10:00 +0000"',
};

describe('portcullis verify --oci-layout on the e2e pre-signed layouts', { skip: e2eSkip }, () => {
  for (const [layout, anchor, policyFile, expected] of E2E_OUTCOMES) {
    it(`${layout}, ca:e2e=${anchor}, ${policyFile}: ${expected}`, async () => {
      const home = await e2eHome(anchor, policyFile);
      const path = await layoutCopy(layout);
      const run = await portcullis(home, ['verify', '--oci-layout', '--scope', 'localhost:5000/e2e', `${path}@${E2E_DIGEST}`, '-d']);
      const [kind, check] = expected.split(':') as [string, string];
      if (kind === 'fail') {
        assert.equal(run.code, 1, describeRun(run));
        assert.ok(run.stderr.includes(FAILURE_TEXT[check]!), describeRun(run));
        assert.ok(run.stderr.includes(`Error: signature verification failed for all the signatures associated with ${path}@${E2E_DIGEST}\n`), describeRun(run));
        assert.equal(run.stdout, '');
        return;
      }
      assert.equal(run.code, 0, describeRun(run));
      if (kind === 'skip') {
        assert.equal(run.stdout, `Trust policy is configured to skip signature verification for ${path}@${E2E_DIGEST}\n`);
        return;
      }
      assert.equal(run.stdout, `Successfully verified signature for ${path}@${E2E_DIGEST}\n`);
      if (kind === 'warn') {
        assert.ok(run.stderr.includes(`Warning: ${check} was set to "log" and failed with error: `), describeRun(run));
        assert.ok(run.stderr.includes(WARNING_DETAIL[check]!), describeRun(run));
      } else {
        assert.ok(!run.stderr.includes('Warning: '), describeRun(run));
      }
    });
  }

  it('verify-with-debug-log: -d prints notation-go\'s pipeline steps', async () => {
    const home = await e2eHome('e2e.crt', 'trustpolicy.json');
    const path = await layoutCopy('e2e-valid-signature');
    const run = await portcullis(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`, '-d']);
    assert.equal(run.code, 0, describeRun(run));
    for (const line of [
      'Check verification level',
      `Verify signature against artifact ${E2E_DIGEST}`,
      'Validating cert chain',
      'Validating trust identity',
      'Validating expiry',
      'Validating authentic timestamp',
      'Validating revocation',
    ]) {
      assert.ok(run.stderr.includes(line), `missing ${line}\n${run.stderr}`);
    }
    assert.match(run.stderr, /^time=\S+ level=debug msg=Check verification level against artifact local\/e2e@sha256:/m);
  });

  it('tp-identity-invalid: the identity mismatch is the failure reason', async () => {
    const home = await e2eHome('e2e.crt', 'invalid_trusted_identity_trustpolicy.json');
    const path = await layoutCopy('e2e-valid-signature');
    const run = await portcullis(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`, '-d']);
    assert.equal(run.code, 1);
    assert.ok(run.stderr.includes('Failure reason: signing certificate from the digital signature does not match the X.509 trusted identities'), run.stderr);
  });

  it('tp-store-invalid: a missing trust store is named, with Notation\'s hint', async () => {
    const home = await e2eHome('e2e.crt', 'invalid_trust_store_trustpolicy.json');
    const path = await layoutCopy('e2e-valid-signature');
    const run = await portcullis(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `Error: the trust store "invalid_store" of type "ca" does not exist. Use command 'notation cert add' to create and add trusted certificates to the trust store\n`,
    );
  });

  it('tp-multi-same-name, tp-level-permissive-override-integrity: invalid policies fail before anything else, with the exact message', async () => {
    const path = await layoutCopy('e2e-valid-signature');
    const same = await portcullis(await e2eHome('e2e.crt', 'multi_statements_with_the_same_name_trustpolicy.json'), [
      'verify',
      '--oci-layout',
      '--scope',
      'local/e2e',
      `${path}@${E2E_DIGEST}`,
    ]);
    assert.equal(same.code, 1);
    assert.equal(same.stderr, 'Error: multiple oci trust policy statements use the same name "e2e", statement names must be unique\n');
    const integrity = await portcullis(await e2eHome('e2e.crt', 'override_integrity_for_permissive_trustpolicy.json'), [
      'verify',
      '--oci-layout',
      '--scope',
      'local/e2e',
      `${path}@${E2E_DIGEST}`,
    ]);
    assert.equal(integrity.code, 1);
    assert.ok(integrity.stderr.includes('"integrity" verification can not be overridden in custom signature verification'), integrity.stderr);
  });

  it('tp-scope-not-applicable: no statement for the scope', async () => {
    const home = await e2eHome('e2e.crt', 'registry_scope_trustpolicy.json');
    const policy = JSON.parse(await readFile(join(home.config, 'trustpolicy.json'), 'utf8')) as { trustPolicies: { registryScopes: string[] }[] };
    const path = await layoutCopy('e2e-valid-signature');
    const scope = 'localhost:5000/not-in-the-policy';
    assert.ok(!policy.trustPolicies.some((statement) => statement.registryScopes.includes(scope)));
    const run = await portcullis(home, ['verify', '--oci-layout', '--scope', scope, `${path}@${E2E_DIGEST}`]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `Error: signature verification failed: artifact "${scope}@${E2E_DIGEST}" has no applicable oci trust policy statement. Trust policy applicability for a given artifact is determined by registryScopes. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy\n`,
    );
  });

  it('verify-incorrect-notation-config: NOTATION_CONFIG pointing nowhere has no trust policy', async () => {
    const home = await e2eHome('e2e.crt', 'trustpolicy.json');
    const path = await layoutCopy('e2e-valid-signature');
    const run = await portcullis(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`], { NOTATION_CONFIG: '/not/exist' });
    assert.equal(run.code, 1);
    assert.ok(run.stderr.includes('trust policy is not present'), run.stderr);
    const correct = await portcullis(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`], { NOTATION_CONFIG: home.config });
    assert.equal(correct.code, 0, describeRun(correct));
  });
});

describe('portcullis sign --oci-layout, then verify (sign-oci-layout-*, verify-oci-layout-*)', { skip: e2eSkip }, () => {
  for (const format of ['jws', 'cose'] as const) {
    it(`${format}: by digest and by tag, with and without NOTATION_EXPERIMENTAL`, async () => {
      const home = await e2eHome('e2e.crt', 'trustpolicy.json', true);
      const path = await layoutCopy('e2e');
      const signed = await portcullis(home, ['sign', '--oci-layout', '--signature-format', format, `${path}@${E2E_DIGEST}`]);
      assert.equal(signed.code, 0, describeRun(signed));
      assert.ok(signed.stdout.startsWith(`Successfully signed ${path}@${E2E_DIGEST}\nPushed the signature to ${path}@sha256:`), signed.stdout);
      assert.equal(signed.stderr, '');

      const experimental = { NOTATION_EXPERIMENTAL: '1' };
      const byTag = await portcullis(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}:v1`], experimental);
      assert.equal(byTag.code, 0, describeRun(byTag));
      assert.equal(byTag.stdout, `Successfully verified signature for ${path}@${E2E_DIGEST}\n`);
      assert.ok(byTag.stderr.includes(EXPERIMENTAL_WARNING), byTag.stderr);
      assert.ok(
        byTag.stderr.includes(
          'Warning: Always verify the artifact using digest(@sha256:...) rather than a tag(:v1) because resolved digest may not point to the same signed artifact, as tags are mutable.\n',
        ),
        byTag.stderr,
      );
      const byDigest = await portcullis(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`]);
      assert.equal(byDigest.code, 0, describeRun(byDigest));
      assert.equal(byDigest.stderr, '');
    });
  }

  it('signs by tag with a warning, carries user metadata, and verify prints it as Notation does', async () => {
    const home = await e2eHome('e2e.crt', 'trustpolicy.json', true);
    const path = await layoutCopy('e2e');
    const signed = await portcullis(home, ['sign', '--oci-layout', `${path}:v1`, '-m', 'buildId=42', '-m', 'team=blue']);
    assert.equal(signed.code, 0, describeRun(signed));
    assert.ok(signed.stderr.includes('Warning: Always sign the artifact using digest(@sha256:...) rather than a tag(:v1) because tags are mutable'), signed.stderr);
    const run = await portcullis(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`, '-m', 'team=blue']);
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(
      run.stdout,
      `Successfully verified signature for ${path}@${E2E_DIGEST}\n\nThe artifact was signed with the following user metadata.\n\nKEY       VALUE   \nbuildId   42      \nteam      blue    \n`,
    );
    const missing = await portcullis(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`, '-m', 'team=red']);
    assert.equal(missing.code, 1);
    const json = await portcullis(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`, '-o', 'json']);
    const outcome = JSON.parse(json.stdout) as { verified: boolean; signatures: { checks: { type: string; status: string }[] }[] };
    assert.equal(outcome.verified, true);
    assert.deepEqual(outcome.signatures[0]!.checks.map((c) => c.status), ['passed', 'passed', 'passed', 'passed', 'passed']);
  });

  it('verify-oci-layout-missing-scope and the flag checks Notation makes', async () => {
    const home = await e2eHome('e2e.crt', 'trustpolicy.json', true);
    const path = await layoutCopy('e2e-valid-signature');
    const run = await portcullis(home, ['verify', '--oci-layout', `${path}@${E2E_DIGEST}`], { NOTATION_EXPERIMENTAL: '1' });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `${EXPERIMENTAL_WARNING}Error: if any flags in the group [oci-layout scope] are set they must all be set; missing [scope]\n`);
    const exclusive = await portcullis(home, ['sign', '--oci-layout', '--force-referrers-tag', `${path}@${E2E_DIGEST}`]);
    assert.equal(exclusive.code, 1);
    assert.match(exclusive.stderr, /none of the others can be; \[force-referrers-tag oci-layout\] were all set/);
    const noReference = await portcullis(home, ['sign', '--oci-layout', path]);
    assert.equal(noReference.code, 1);
    assert.match(noReference.stderr, /invalid reference: missing tag or digest\. Expecting <file_path>:<tag> or <file_path>@<digest>/);
  });

  it('sign-expiry-2s: a short expiry fails verification once passed', async () => {
    const home = await e2eHome('e2e.crt', 'trustpolicy.json', true);
    const path = await layoutCopy('e2e');
    const signed = await portcullis(home, ['sign', '--oci-layout', '--expiry', '2s', `${path}@${E2E_DIGEST}`]);
    assert.equal(signed.code, 0, describeRun(signed));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const run = await portcullis(home, ['verify', '--oci-layout', '--scope', 'local/e2e', `${path}@${E2E_DIGEST}`, '-d']);
    assert.equal(run.code, 1);
    assert.ok(run.stderr.includes('expiry validation failed.'), run.stderr);
    assert.ok(run.stderr.includes('signature verification failed for all the signatures'), run.stderr);
  });
});
