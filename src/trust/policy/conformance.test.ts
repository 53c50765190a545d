/**
 * Every trust policy file of the Notation e2e suite (shared/conformance/notation-e2e), parsed as
 * an OCI and as a blob policy, against the outcome notation-go gives; then each e2e case that
 * uses such a file is replayed at the policy level and every policy-related string it expects on
 * stderr must appear in our message (the e2e scripts grep those strings).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { conformancePath, hasTestdata, readTestdata, skipWithoutTestdata, testdata } from '../../../test/helpers/conformance.js';
import { isPortcullisError } from '../../errors.js';
import {
  parseBlobTrustPolicyDocument,
  parseOCITrustPolicyDocument,
  selectOCITrustPolicy,
  verifyX509TrustedIdentities,
} from './index.js';
import { MemoryTrustStore, certificateSubject, loadTrustStoreCertificates, readCertificateFile } from '../store/index.js';

const OCI_DIR = testdata('config', 'trustpolicies');
const BLOB_DIR = testdata('blob', 'trustpolicies');
const present = hasTestdata('config', 'trustpolicies');
const skip = skipWithoutTestdata('config', 'trustpolicies');

const ENSURE =
  'make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout';
const MANDATORY = "it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum";

/** Outcome per file: `null` = valid, else the exact message (checked against the Go implementation). */
const EXPECTED: Record<string, { oci: string | null; blob: string | null }> = {
  'any_registry_scope_trust_policy.json': { oci: null, blob: null },
  'audit_trustpolicy.json': { oci: null, blob: null },
  'blob_trust_policy.json': {
    oci: 'oci trust policy statement "wabbit-networks-policy" has zero registry scopes, it must specify registry scopes with at least one value',
    blob: null,
  },
  'empty_registry_scope_trustpolicy.json': {
    oci: 'oci trust policy statement "e2e" has zero registry scopes, it must specify registry scopes with at least one value',
    blob: null,
  },
  'empty_trusted_identity_trustpolicy.json': {
    oci: 'oci trust policy: trust policy statement "e2e" has an empty trusted identity',
    blob: 'blob trust policy: trust policy statement "e2e" has an empty trusted identity',
  },
  'generate_test_trustpolicy.json': { oci: null, blob: null },
  'invalid_format_trustpolicy.json': {
    oci: "invalid character '}' after array element",
    blob: "invalid character '}' after array element",
  },
  'invalid_registry_scope_trustpolicy.json': { oci: null, blob: null },
  'invalid_trust_store_trustpolicy.json': { oci: null, blob: null },
  'invalid_trusted_identity_trustpolicy.json': { oci: null, blob: null },
  'malformed_registry_scope_trustpolicy.json': {
    oci: `registry scope "localhost:5000\\\\test-repo" is not valid, ${ENSURE}`,
    blob: null,
  },
  'malformed_trust_store_trustpolicy.json': {
    oci: 'oci trust policy: trust policy statement "e2e" uses an unsupported trust store name "" in trust store value "ca:". Named store name needs to follow [a-zA-Z0-9_.-]+ format',
    blob: 'blob trust policy: trust policy statement "e2e" uses an unsupported trust store name "" in trust store value "ca:". Named store name needs to follow [a-zA-Z0-9_.-]+ format',
  },
  'malformed_trusted_identity_trustpolicy.json': {
    oci: 'oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject CN=e2e,O=Notary,L=Seattle,ST=WA,C=US" missing separator',
    blob: 'blob trust policy: trust policy statement "e2e" has trusted identity "x509.subject CN=e2e,O=Notary,L=Seattle,ST=WA,C=US" missing separator',
  },
  'missing_country_trusted_identity_trustpolicy.json': {
    oci: `oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA" with invalid identity value: distinguished name (DN) " CN=e2e,O=Notary,L=Seattle,ST=WA" has no mandatory RDN attribute for "C", ${MANDATORY}`,
    blob: `blob trust policy: trust policy statement "e2e" has trusted identity "x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA" with invalid identity value: distinguished name (DN) " CN=e2e,O=Notary,L=Seattle,ST=WA" has no mandatory RDN attribute for "C", ${MANDATORY}`,
  },
  'missing_organization_trusted_identity_trustpolicy.json': {
    oci: `oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject: CN=e2e,L=Seattle,ST=WA,C=US" with invalid identity value: distinguished name (DN) " CN=e2e,L=Seattle,ST=WA,C=US" has no mandatory RDN attribute for "O", ${MANDATORY}`,
    blob: `blob trust policy: trust policy statement "e2e" has trusted identity "x509.subject: CN=e2e,L=Seattle,ST=WA,C=US" with invalid identity value: distinguished name (DN) " CN=e2e,L=Seattle,ST=WA,C=US" has no mandatory RDN attribute for "O", ${MANDATORY}`,
  },
  'missing_state_trusted_identity_trustpolicy.json': {
    oci: `oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject: CN=e2e,O=Notary,L=Seattle,C=US" with invalid identity value: distinguished name (DN) " CN=e2e,O=Notary,L=Seattle,C=US" has no mandatory RDN attribute for "ST", ${MANDATORY}`,
    blob: `blob trust policy: trust policy statement "e2e" has trusted identity "x509.subject: CN=e2e,O=Notary,L=Seattle,C=US" with invalid identity value: distinguished name (DN) " CN=e2e,O=Notary,L=Seattle,C=US" has no mandatory RDN attribute for "ST", ${MANDATORY}`,
  },
  'multi_statements_with_multi_wildcard_registry_scope_trustpolicy.json': {
    oci: 'registry scope "*" is present in multiple oci trust policy statements, one registry scope value can only be associated with one statement',
    blob: null,
  },
  'multi_statements_with_the_same_name_trustpolicy.json': {
    oci: 'multiple oci trust policy statements use the same name "e2e", statement names must be unique',
    blob: 'multiple blob trust policy statements use the same name "e2e", statement names must be unique',
  },
  'multi_statements_with_the_same_registry_scope_trustpolicy.json': {
    oci: 'registry scope "localhost:5000/test-repo8" is present in multiple oci trust policy statements, one registry scope value can only be associated with one statement',
    blob: null,
  },
  'multi_statements_with_wildcard_registry_scope_trustpolicy.json': { oci: null, blob: null },
  'multiple_registry_scope_trustpolicy.json': { oci: null, blob: null },
  'multiple_trust_store_trustpolicy.json': { oci: null, blob: null },
  'multiple_trusted_identity_trustpolicy.json': { oci: null, blob: null },
  'overlapped_registry_scope_trustpolicy.json': {
    oci: 'registry scope "localhost:5000/test-repo6" is present in multiple oci trust policy statements, one registry scope value can only be associated with one statement',
    blob: null,
  },
  'overlapped_trust_store_trustpolicy.json': { oci: null, blob: null },
  'overlapped_trusted_identity_trustpolicy.json': {
    oci: 'oci trust policy: trust policy statement "e2e" has overlapping x509 trustedIdentities, "x509.subject: CN=e2e,O=Notary,ST=WA,C=US" overlaps with "x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US"',
    blob: 'blob trust policy: trust policy statement "e2e" has overlapping x509 trustedIdentities, "x509.subject: CN=e2e,O=Notary,ST=WA,C=US" overlaps with "x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US"',
  },
  'override_audit_trustpolicy.json': { oci: null, blob: null },
  'override_integrity_for_permissive_trustpolicy.json': {
    oci: 'oci trust policy: trust policy statement "e2e" has invalid signatureVerification: "integrity" verification can not be overridden in custom signature verification',
    blob: 'blob trust policy: trust policy statement "e2e" has invalid signatureVerification: "integrity" verification can not be overridden in custom signature verification',
  },
  'override_permissive_trustpolicy.json': { oci: null, blob: null },
  'override_strict_trustpolicy.json': { oci: null, blob: null },
  'permissive_trustpolicy.json': { oci: null, blob: null },
  'quickstart_trustpolicy.json': { oci: null, blob: null },
  'registry_scope_trustpolicy.json': { oci: null, blob: null },
  'skip_trustpolicy.json': { oci: null, blob: null },
  'timestamp_after_cert_expiry_trustpolicy.json': { oci: null, blob: null },
  'timestamp_trustpolicy.json': { oci: null, blob: null },
  'trustpolicy.json': { oci: null, blob: null },
  'unset_trust_store_trustpolicy.json': {
    oci: 'oci trust policy: trust policy statement "e2e" is either missing trust stores or trusted identities, both must be specified',
    blob: 'blob trust policy: trust policy statement "e2e" is either missing trust stores or trusted identities, both must be specified',
  },
  'unset_trusted_identity_trustpolicy.json': {
    oci: 'oci trust policy: trust policy statement "e2e" is either missing trust stores or trusted identities, both must be specified',
    blob: 'blob trust policy: trust policy statement "e2e" is either missing trust stores or trusted identities, both must be specified',
  },
  'valid_trusted_identity_trustpolicy.json': { oci: null, blob: null },
  'wildcard_plus_other_registry_scope_trustpolicy.json': {
    oci: 'oci trust policy statement "e2e" uses wildcard registry scope \'*\', a wildcard scope cannot be used in conjunction with other scope values',
    blob: null,
  },
  'wildcard_plus_other_trusted_identity_trustpolicy.json': {
    oci: 'oci trust policy: trust policy statement "e2e" uses a wildcard trusted identity \'*\', a wildcard identity cannot be used in conjunction with other values',
    blob: 'blob trust policy: trust policy statement "e2e" uses a wildcard trusted identity \'*\', a wildcard identity cannot be used in conjunction with other values',
  },
  'wildcard_trust_store_trustpolicy.json': {
    oci: 'oci trust policy: trust policy statement "e2e" has malformed trust store value "*". The required format is <TrustStoreType>:<TrustStoreName>',
    blob: 'blob trust policy: trust policy statement "e2e" has malformed trust store value "*". The required format is <TrustStoreType>:<TrustStoreName>',
  },
  // testdata/blob/trustpolicies
  'trustpolicy.blob.json': { oci: 'oci trust policy statement "test-blob-statement" has zero registry scopes, it must specify registry scopes with at least one value', blob: null },
};

function outcome(parse: (bytes: Uint8Array) => unknown, bytes: Uint8Array): string | null {
  try {
    parse(bytes);
    return null;
  } catch (error) {
    assert.ok(isPortcullisError(error), `unexpected ${String(error)}`);
    assert.match(error.code, /^ERR_TRUST_POLICY_(MALFORMED|INVALID)$/);
    return error.message;
  }
}

describe('e2e trust policy files', { skip }, () => {
  const files = [
    ...readdirSync(OCI_DIR).map((name) => ({ name, path: join(OCI_DIR, name) })),
    ...readdirSync(BLOB_DIR).map((name) => ({ name, path: join(BLOB_DIR, name) })),
  ];

  it('covers every file of the data set', () => {
    assert.deepEqual(files.map((f) => f.name).sort(), Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`${file.name} gives notation-go's outcome`, () => {
      const bytes = readFileSync(file.path);
      const expected = EXPECTED[file.name];
      assert.ok(expected);
      assert.equal(outcome(parseOCITrustPolicyDocument, bytes), expected.oci, 'as an OCI policy');
      assert.equal(outcome(parseBlobTrustPolicyDocument, bytes), expected.blob, 'as a blob policy');
    });
  }
});

interface Step {
  readonly expect: {
    readonly exitCode: number;
    readonly stderrContains?: readonly string[];
    readonly stderrEquals?: string;
  };
}
interface Case {
  readonly id: string;
  readonly suite: string;
  readonly setup: string;
  readonly argv: readonly (readonly string[])[];
  readonly stepDetails: readonly Step[];
  readonly artifacts?: readonly { readonly repository?: string; readonly digest?: string }[];
  readonly skippedUpstream?: string;
}

/** Strings the e2e cases expect that come from the CLI or the verifier, not from the policy layer. */
const NOT_POLICY = [
  /^signature verification failed$/,
  /validation failed/,
  /^Warning: /,
  /^failed to (show|parse|write|read)/,
  /^Existing OCI trust policy configuration is invalid$/,
  /^existing blob trust policy configuration is invalid$/,
  /^requires 1 argument/,
  /^invalid blob policy$/,
  /^notation (blob )?policy import$/,
  /^permission denied$/,
  /digital signature has expired/,
  /was set to "log"/,
  /certificate chain does not contain any trusted certificate/,
];

describe('e2e cases that use a trust policy file', { skip }, () => {
  const cases = (present ? JSON.parse(readFileSync(conformancePath('cases.json'), 'utf8')) : []) as Case[];
  const e2eCert = present ? readCertificateFile(readTestdata('config', 'localkeys', 'e2e.crt')) : [];
  const store = new MemoryTrustStore({ 'ca:e2e': e2eCert });
  let checked = 0;

  const relevant = cases.filter((c) => /^suite\/(trustpolicy\/|command\/policy\.go|command\/blob\/policy\.go)/.test(c.suite));

  for (const testCase of relevant) {
    it(testCase.id, { skip: testCase.skippedUpstream !== undefined ? 'skipped upstream' : false }, async () => {
      const lastIndex = testCase.argv.length - 1;
      const last = testCase.argv[lastIndex] ?? [];
      const step = testCase.stepDetails[lastIndex];
      assert.ok(step);
      const blob = last[0] === 'blob';
      // The policy in force at the last step: the imported file, else the one the setup copies.
      const imported = last.find((arg) => arg.includes('/trustpolicies/'));
      const copied = [...testCase.setup.matchAll(/trustpolicies\/([\w.]+\.json)(?: \(copied to| is copied to)/g)].pop()?.[1];
      const fileName = imported?.split('/').pop() ?? copied;
      const expected = [...(step.expect.stderrContains ?? []), ...(step.expect.stderrEquals === undefined ? [] : [step.expect.stderrEquals])]
        .map((s) =>
          s
            .replace(/\n$/, '')
            .replace(/^Error: /, '')
            .replace(/^signature verification failed: /, '')
            .replace(/^Failure reason: /, ''),
        )
        .filter((s) => !NOT_POLICY.some((pattern) => pattern.test(s)));
      if (fileName === undefined || expected.length === 0) return;

      const ours: string[] = [];
      const bytes = readFileSync(join(fileName === 'trustpolicy.blob.json' ? BLOB_DIR : OCI_DIR, fileName));
      try {
        if (blob) {
          parseBlobTrustPolicyDocument(bytes);
        } else {
          const document = parseOCITrustPolicyDocument(bytes);
          const verify = testCase.argv.find((argv) => argv[0] === 'verify');
          const artifact = testCase.artifacts?.[0];
          if (verify !== undefined && artifact?.digest !== undefined) {
            const reference = `localhost:5000/${(artifact.repository ?? 'e2e-repo').replace('<repo>', 'e2e-repo')}@${artifact.digest}`;
            const statement = selectOCITrustPolicy(document, reference);
            await loadTrustStoreCertificates(store, 'ca', statement.name, statement.trustStores ?? []);
            const leaf = e2eCert[0];
            assert.ok(leaf);
            verifyX509TrustedIdentities(statement.name, statement.trustedIdentities ?? [], certificateSubject(leaf));
          }
        }
      } catch (error) {
        ours.push((error as Error).message);
      }
      for (const text of expected) {
        const wanted = text.replaceAll('<registry>', 'localhost:5000').replaceAll('<repo>', 'e2e-repo');
        const digest = testCase.artifacts?.[0]?.digest ?? '';
        const resolved = wanted.replaceAll('<digest>', digest);
        assert.ok(
          ours.some((message) => message.toLowerCase().includes(resolved.toLowerCase())),
          `expected stderr to contain ${JSON.stringify(resolved)}; ours: ${JSON.stringify(ours)}`,
        );
        checked += 1;
      }
    });
  }

  it('checked the policy strings of at least 15 cases', () => {
    assert.ok(checked >= 15, `only ${checked} strings checked`);
  });
});

