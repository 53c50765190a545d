/**
 * Trust policy parsing, validation, selection and identity matching. Expected messages were
 * checked against notation-go (main, as used by the notation CLI) on the same inputs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureSync as failure } from '../../../test/helpers/fixtures.js';
import { MAX_TRUST_POLICY_BYTES } from '../../limits.js';
import {
  decodeOCITrustPolicyDocument,
  getVerificationLevel,
  goDistinguishedNameString,
  marshalBlobTrustPolicyDocument,
  marshalOCITrustPolicyDocument,
  parseBlobTrustPolicyDocument,
  parseDistinguishedName,
  parseOCITrustPolicyDocument,
  selectBlobTrustPolicy,
  selectOCITrustPolicy,
  verifyX509TrustedIdentities,
  type OCITrustPolicyDocument,
} from './index.js';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');

interface Statement {
  name?: unknown;
  registryScopes?: unknown;
  signatureVerification?: unknown;
  trustStores?: unknown;
  trustedIdentities?: unknown;
  globalPolicy?: unknown;
}

function statement(overrides: Statement = {}): Statement {
  return {
    name: 'e2e',
    registryScopes: ['*'],
    signatureVerification: { level: 'strict' },
    trustStores: ['ca:e2e'],
    trustedIdentities: ['*'],
    ...overrides,
  };
}

function oci(...statements: Statement[]): Uint8Array {
  return bytes(JSON.stringify({ version: '1.0', trustPolicies: statements }));
}


const parse = (input: Uint8Array): OCITrustPolicyDocument => parseOCITrustPolicyDocument(input);

describe('OCI trust policy documents: Go JSON rules', () => {
  const base = JSON.stringify({ version: '1.0', trustPolicies: [statement()] });

  it('rejects a UTF-8 byte order mark, as Go does', () => {
    assert.deepEqual(failure(() => parse(bytes(`\ufeff${base}`))), {
      code: 'ERR_TRUST_POLICY_MALFORMED',
      message: "invalid character 'ï' looking for beginning of value",
    });
  });

  it('rejects trailing data on import, ignores it when loading (json.Decoder)', () => {
    assert.equal(failure(() => parse(bytes(`${base} x`))).message, "invalid character 'x' after top-level value");
    assert.equal(parseOCITrustPolicyDocument(bytes(`${base} x`), { trailingData: 'ignore' }).trustPolicies?.length, 1);
  });

  it('words decoding failures as notation-go does when loading for verification', () => {
    assert.equal(
      failure(() => parseOCITrustPolicyDocument(bytes('{'), { trailingData: 'ignore', errorStyle: 'load' })).message,
      'malformed trust policy. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy',
    );
  });

  it('ignores unknown fields and matches keys case-insensitively', () => {
    const doc = parse(bytes(base.replace('"version"', '"VERSION"').replace('"name"', '"extra":{"deep":[1,2]},"NaMe"')));
    assert.equal(doc.version, '1.0');
    assert.equal(doc.trustPolicies?.[0]?.name, 'e2e');
    assert.equal(parse(bytes(base.replace('"version"', '"ver\u017fion"'))).version, '1.0');
  });

  it('lets the last duplicate key win', () => {
    assert.equal(
      failure(() => parse(bytes('{"version":"1.0","version":"2.0","trustPolicies":[]}'))).message,
      'oci trust policy document uses unsupported version "2.0"',
    );
  });

  for (const [label, input, message] of [
    ['empty input', '', 'unexpected end of JSON input'],
    ['truncated', '{"version":', 'unexpected end of JSON input'],
    ['number for a string', '{"version":1.0}', 'json: cannot unmarshal number into Go struct field OCIDocument.version of type string'],
    ['array at the top', '[]', 'json: cannot unmarshal array into Go value of type trustpolicy.OCIDocument'],
    ['number as statement name', '{"version":"1.0","trustPolicies":[{"name":5}]}', 'json: cannot unmarshal number into Go struct field OCITrustPolicy.trustPolicies.name of type string'],
    [
      'bool as level',
      '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":true}}]}',
      'json: cannot unmarshal bool into Go struct field SignatureVerification.trustPolicies.signatureVerification.level of type string',
    ],
    [
      'number as override action',
      '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"strict","override":{"expiry":1}}}]}',
      'json: cannot unmarshal number into Go struct field SignatureVerification.trustPolicies.signatureVerification.override of type trustpolicy.ValidationAction',
    ],
    [
      'number as trust store',
      '{"version":"1.0","trustPolicies":[{"name":"a","trustStores":[1]}]}',
      'json: cannot unmarshal number into Go struct field OCITrustPolicy.trustPolicies.trustStores of type string',
    ],
    [
      'first of two type errors',
      '{"version":"1.0","trustPolicies":[5, {"name":1}]}',
      'json: cannot unmarshal number into Go struct field OCIDocument.trustPolicies of type trustpolicy.OCITrustPolicy',
    ],
    ['single quotes', "{'version':'1.0'}", "invalid character '\\'' looking for beginning of object key string"],
    ['trailing comma', '{"version":"1.0",}', "invalid character '}' looking for beginning of object key string"],
    ['control character', '{"version":"\u0001"}', "invalid character '\\x01' in string literal"],
  ] as const) {
    it(`rejects ${label} with Go's message`, () => {
      assert.deepEqual(failure(() => parse(bytes(input))), { code: 'ERR_TRUST_POLICY_MALFORMED', message });
    });
  }

  it('treats null as Go does: a null document is empty, null lists are absent', () => {
    assert.equal(failure(() => parse(bytes('null'))).message, 'oci trust policy document has empty version, version must be specified');
    assert.equal(
      failure(() => parse(bytes('{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":null,"trustStores":null}]}'))).message,
      'oci trust policy: trust policy statement "a" has invalid signatureVerification: signature verification level is empty or missing in the trust policy statement',
    );
  });

  it('rejects nesting deeper than 10 000 levels (Go\'s limit) without exhausting the stack', () => {
    const deep = `{"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    assert.equal(failure(() => parse(bytes(deep))).message, "invalid character '[' exceeded max depth");
    const ok = `{"x":${'['.repeat(9_998)}${']'.repeat(9_998)},"version":"1.0","trustPolicies":${JSON.stringify([statement()])}}`;
    assert.equal(parse(bytes(ok)).version, '1.0');
  });

  it('refuses documents over the size cap before parsing', () => {
    const huge = new Uint8Array(MAX_TRUST_POLICY_BYTES + 1).fill(0x20);
    assert.equal(failure(() => parse(huge)).code, 'ERR_TRUST_POLICY_TOO_LARGE');
  });

  it('quotes values as Go\'s %q does', () => {
    const doc = JSON.stringify({ version: 'a"b\\c\n\u00e9\u0001\u2028', trustPolicies: [statement()] });
    assert.equal(failure(() => parse(bytes(doc))).message, 'oci trust policy document uses unsupported version "a\\"b\\\\c\\né\\x01\\u2028"');
  });
});

describe('OCI trust policy documents: Notary Project rules', () => {
  for (const [label, input, message] of [
    ['zero statements', oci(), 'oci trust policy document can not have zero trust policy statements'],
    ['a missing name', oci(statement({ name: '' })), 'oci trust policy: a trust policy statement is missing a name, every statement requires a name'],
    [
      'duplicate names',
      oci(statement({ registryScopes: ['a/b'] }), statement({ registryScopes: ['c/d'] })),
      'multiple oci trust policy statements use the same name "e2e", statement names must be unique',
    ],
    [
      'an invalid level',
      oci(statement({ signatureVerification: { level: 'Strict' } })),
      'oci trust policy: trust policy statement "e2e" has invalid signatureVerification: invalid signature verification level "Strict"',
    ],
    [
      'an override of integrity',
      oci(statement({ signatureVerification: { level: 'audit', override: { integrity: 'log' } } })),
      'oci trust policy: trust policy statement "e2e" has invalid signatureVerification: "integrity" verification can not be overridden in custom signature verification',
    ],
    [
      'skipping expiry',
      oci(statement({ signatureVerification: { level: 'strict', override: { expiry: 'skip' } } })),
      'oci trust policy: trust policy statement "e2e" has invalid signatureVerification: "expiry" verification can not be skipped in custom signature verification',
    ],
    [
      'an unknown check',
      oci(statement({ signatureVerification: { level: 'strict', override: { bogus: 'log' } } })),
      'oci trust policy: trust policy statement "e2e" has invalid signatureVerification: verification type "bogus" in custom signature verification is not supported, supported values are ["integrity" "authenticity" "authenticTimestamp" "expiry" "revocation"]',
    ],
    [
      'an unknown action',
      oci(statement({ signatureVerification: { level: 'strict', override: { expiry: 'warn' } } })),
      'oci trust policy: trust policy statement "e2e" has invalid signatureVerification: verification action "warn" in custom signature verification is not supported, supported values are ["enforce" "log" "skip"]',
    ],
    [
      'overriding skip',
      oci(statement({ signatureVerification: { level: 'skip', override: { expiry: 'log' } }, trustStores: null, trustedIdentities: null })),
      'oci trust policy: trust policy statement "e2e" has invalid signatureVerification: signature verification level "skip" can\'t be used to customize signature verification',
    ],
    [
      'a bad verifyTimestamp',
      oci(statement({ signatureVerification: { level: 'strict', verifyTimestamp: 'Always' } })),
      'oci trust policy: trust policy statement "e2e" has invalid signatureVerification: verifyTimestamp must be "always" or "afterCertExpiry", but got "Always"',
    ],
    [
      'skip with trust stores',
      oci(statement({ signatureVerification: { level: 'skip' } })),
      'oci trust policy: trust policy statement "e2e" is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped',
    ],
    [
      'no trusted identities',
      oci(statement({ trustedIdentities: [] })),
      'oci trust policy: trust policy statement "e2e" is either missing trust stores or trusted identities, both must be specified',
    ],
    [
      'an unknown trust store type',
      oci(statement({ trustStores: ['signingauthority:acme'] })),
      'oci trust policy: trust policy statement "e2e" uses an unsupported trust store type "signingauthority" in trust store value "signingauthority:acme"',
    ],
    [
      'a trust store name with a slash',
      oci(statement({ trustStores: ['ca:a/b'] })),
      'oci trust policy: trust policy statement "e2e" uses an unsupported trust store name "a/b" in trust store value "ca:a/b". Named store name needs to follow [a-zA-Z0-9_.-]+ format',
    ],
    [
      'an identity without value',
      oci(statement({ trustedIdentities: ['x509.subject:'] })),
      'oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject:" without an identity value',
    ],
    [
      'an identity without C',
      oci(statement({ trustedIdentities: ['x509.subject: ST=WA, O=acme'] })),
      'oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject: ST=WA, O=acme" with invalid identity value: distinguished name (DN) " ST=WA, O=acme" has no mandatory RDN attribute for "C", it must contain \'C\', \'ST\' or \'S\', and \'O\' RDN attributes at a minimum',
    ],
    [
      'an identity without ST',
      oci(statement({ trustedIdentities: ['x509.subject: C=US, O=acme'] })),
      'oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject: C=US, O=acme" with invalid identity value: distinguished name (DN) " C=US, O=acme" has no mandatory RDN attribute for "ST", it must contain \'C\', \'ST\' or \'S\', and \'O\' RDN attributes at a minimum',
    ],
    [
      'an identity without O',
      oci(statement({ trustedIdentities: ['x509.subject: C=US, S=WA'] })),
      'oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject: C=US, S=WA" with invalid identity value: distinguished name (DN) " C=US, S=WA" has no mandatory RDN attribute for "O", it must contain \'C\', \'ST\' or \'S\', and \'O\' RDN attributes at a minimum',
    ],
    [
      'a multi-valued RDN',
      oci(statement({ trustedIdentities: ['x509.subject: C=US+ST=WA, O=acme'] })),
      'oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject: C=US+ST=WA, O=acme" with invalid identity value: distinguished name (DN) " C=US+ST=WA, O=acme" has multi-valued RDN attributes, remove multi-valued RDN attributes as they are not supported',
    ],
    [
      'a repeated attribute (S is ST)',
      oci(statement({ trustedIdentities: ['x509.subject: C=US, ST=WA, S=OR, O=acme'] })),
      'oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject: C=US, ST=WA, S=OR, O=acme" with invalid identity value: distinguished name (DN) " C=US, ST=WA, S=OR, O=acme" has duplicate RDN attribute for "ST", DN can only have unique RDN attributes',
    ],
    [
      'a #hex value',
      oci(statement({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=#0c0161'] })),
      'oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject: C=US, ST=WA, O=#0c0161" with invalid identity value: unsupported distinguished name (DN) " C=US, ST=WA, O=#0c0161": notation does not support x509.subject identities containing "=#"',
    ],
    [
      'a bad escape',
      oci(statement({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=a\\zz'] })),
      'oci trust policy: trust policy statement "e2e" has trusted identity "x509.subject: C=US, ST=WA, O=a\\\\zz" with invalid identity value: parsing distinguished name (DN) " C=US, ST=WA, O=a\\\\zz" failed with err: failed to decode escaped character: encoding/hex: invalid byte: U+007A \'z\'. A valid DN must contain \'C\', \'ST\' or \'S\', and \'O\' RDN attributes at a minimum, and follow RFC 4514 standard',
    ],
    [
      'a wildcard identity with others',
      oci(statement({ trustedIdentities: ['*', 'x509.subject: C=US, ST=WA, O=acme'] })),
      'oci trust policy: trust policy statement "e2e" uses a wildcard trusted identity \'*\', a wildcard identity cannot be used in conjunction with other values',
    ],
    [
      'overlapping identities',
      oci(statement({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=acme, CN=a', 'x509.subject: C=US, ST=WA, O=acme'] })),
      'oci trust policy: trust policy statement "e2e" has overlapping x509 trustedIdentities, "x509.subject: C=US, ST=WA, O=acme" overlaps with "x509.subject: C=US, ST=WA, O=acme, CN=a"',
    ],
    [
      '"*" mixed with a scope',
      oci(statement({ registryScopes: ['*', 'a/b'] })),
      'oci trust policy statement "e2e" uses wildcard registry scope \'*\', a wildcard scope cannot be used in conjunction with other scope values',
    ],
    ['no registry scopes', oci(statement({ registryScopes: null })), 'oci trust policy statement "e2e" has zero registry scopes, it must specify registry scopes with at least one value'],
    [
      'a scope with a tag',
      oci(statement({ registryScopes: ['registry.io/repo:v1'] })),
      'registry scope "registry.io/repo:v1" is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout',
    ],
    [
      'a scope with a wildcard',
      oci(statement({ registryScopes: ['registry.io/*'] })),
      'registry scope "registry.io/*" with wild card(s) is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout',
    ],
    [
      'a scope in two statements',
      oci(statement({ name: 'a', registryScopes: ['r.io/x', 'r.io/y'] }), statement({ name: 'b', registryScopes: ['r.io/y'] })),
      'registry scope "r.io/y" is present in multiple oci trust policy statements, one registry scope value can only be associated with one statement',
    ],
  ] as const) {
    it(`rejects ${label}`, () => {
      assert.deepEqual(failure(() => parse(input)), { code: 'ERR_TRUST_POLICY_INVALID', message });
    });
  }

  it('accepts identities with other prefixes, escaped separators and S for ST', () => {
    parse(oci(statement({ trustedIdentities: ['plugin.id:anything', 'x509.subject: C=US, S=WA, O=Acme\\, Inc., CN=\\"q\\"'] })));
  });

  it('accepts skip with the "*" scope, as Notation does (the spec forbids it)', () => {
    parse(oci(statement({ signatureVerification: { level: 'skip' }, trustStores: [], trustedIdentities: null })));
  });

  it('checks a scope made to backtrack in linear time', () => {
    const started = process.hrtime.bigint();
    failure(() => parse(oci(statement({ registryScopes: [`a/${'a'.repeat(100_000)}!`] }))));
    assert.ok(process.hrtime.bigint() - started < 2_000_000_000n);
  });

  it('validates 10 000 statements quickly', () => {
    const statements = Array.from({ length: 10_000 }, (_, i) =>
      statement({ name: `s${i}`, registryScopes: [`registry.example/repo${i}`], trustedIdentities: [`x509.subject: C=US, ST=WA, O=org${i}`] }),
    );
    const started = process.hrtime.bigint();
    const doc = parse(oci(...statements));
    assert.equal(doc.trustPolicies?.length, 10_000);
    assert.equal(selectOCITrustPolicy(doc, 'registry.example/repo9999@sha256:abc').name, 's9999');
    assert.ok(process.hrtime.bigint() - started < 5_000_000_000n);
    const dup = [...statements, statement({ name: 's0' })];
    assert.match(failure(() => parse(oci(...dup))).message, /same name "s0"/);
  });

  it('caps the x509 identities of one statement (the overlap check is quadratic)', () => {
    const identities = Array.from({ length: 1_001 }, (_, i) => `x509.subject: C=US, ST=WA, O=o${i}`);
    assert.equal(
      failure(() => parse(oci(statement({ trustedIdentities: identities })))).message,
      'oci trust policy: trust policy statement "e2e" has 1001 x509.subject trusted identities, more than the limit of 1000',
    );
  });
});

describe('blob trust policy documents', () => {
  const blob = (...statements: Statement[]): Uint8Array =>
    bytes(JSON.stringify({ version: '1.0', trustPolicies: statements.map(({ registryScopes: _, ...rest }) => rest) }));

  it('allows one global statement and ignores registryScopes', () => {
    parseBlobTrustPolicyDocument(bytes(JSON.stringify({ version: '1.0', trustPolicies: [statement({ globalPolicy: true })] })));
    assert.equal(
      failure(() => parseBlobTrustPolicyDocument(blob(statement({ name: 'a', globalPolicy: true }), statement({ name: 'b', globalPolicy: true })))).message,
      'multiple blob trust policy statements have globalPolicy set to true. Only one trust policy statement can be marked as global policy',
    );
  });

  it('refuses a global skip statement (spec rule; notation-go means to but does not)', () => {
    assert.equal(
      failure(() =>
        parseBlobTrustPolicyDocument(blob(statement({ globalPolicy: true, signatureVerification: { level: 'skip' }, trustStores: null, trustedIdentities: null }))),
      ).message,
      'global blob trust policy statement cannot have verification level set to skip',
    );
  });

  it('selects by name, else the global statement', () => {
    const doc = parseBlobTrustPolicyDocument(blob(statement({ name: 'a' }), statement({ name: 'g', globalPolicy: true })));
    assert.equal(selectBlobTrustPolicy(doc, 'a').name, 'a');
    assert.equal(selectBlobTrustPolicy(doc).name, 'g');
    assert.equal(failure(() => selectBlobTrustPolicy(doc, 'x')).message, 'no applicable blob trust policy with name "x"');
    assert.equal(failure(() => selectBlobTrustPolicy(doc, '  ')).message, 'policy name cannot be empty');
    const noGlobal = parseBlobTrustPolicyDocument(blob(statement({ name: 'a' })));
    assert.equal(failure(() => selectBlobTrustPolicy(noGlobal)).message, 'no global blob trust policy');
  });

  it('writes what `blob policy init` writes', () => {
    const doc = parseBlobTrustPolicyDocument(
      blob({
        name: 'testpolicy',
        signatureVerification: { level: 'strict' },
        trustStores: ['ca:testcert'],
        trustedIdentities: ['x509.subject: CN=testcert,O=Notary,L=Seattle,ST=WA,C=US'],
      }),
    );
    assert.equal(
      marshalBlobTrustPolicyDocument(doc),
      '{\n  "version": "1.0",\n  "trustPolicies": [\n    {\n      "name": "testpolicy",\n      "signatureVerification": {\n        "level": "strict"\n      },\n      "trustStores": [\n        "ca:testcert"\n      ],\n      "trustedIdentities": [\n        "x509.subject: CN=testcert,O=Notary,L=Seattle,ST=WA,C=US"\n      ]\n    }\n  ]\n}',
    );
  });
});

describe('policy selection and verification levels', () => {
  const doc = parse(
    oci(
      statement({ name: 'exact', registryScopes: ['localhost:5000/net-monitor', 'localhost:5000/other'], signatureVerification: { level: 'permissive', override: { authenticity: 'log', revocation: 'skip' } } }),
      statement({ name: 'wild', signatureVerification: { level: 'skip' }, trustStores: null, trustedIdentities: null }),
    ),
  );

  it('prefers the exact scope over "*"', () => {
    assert.equal(selectOCITrustPolicy(doc, 'localhost:5000/net-monitor@sha256:abc').name, 'exact');
    assert.equal(selectOCITrustPolicy(doc, 'localhost:5000/unknown@sha256:abc').name, 'wild');
  });

  it('reports a reference without digest or without a match in notation-go\'s words', () => {
    assert.equal(
      failure(() => selectOCITrustPolicy(doc, 'localhost:5000/net-monitor:v1')).message,
      'artifact URI "localhost:5000/net-monitor:v1" could not be parsed, make sure it is the fully qualified oci artifact URI without the scheme/protocol. e.g domain.com:80/my/repository@sha256:digest',
    );
    const exactOnly = parse(oci(statement({ registryScopes: ['localhost:5000/a'] })));
    assert.deepEqual(failure(() => selectOCITrustPolicy(exactOnly, 'localhost:5000/b@sha256:1')), {
      code: 'ERR_TRUST_POLICY_NO_MATCH',
      message:
        'artifact "localhost:5000/b@sha256:1" has no applicable oci trust policy statement. Trust policy applicability for a given artifact is determined by registryScopes. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy',
    });
  });

  it('resolves the action of each check from level and overrides', () => {
    const exact = selectOCITrustPolicy(doc, 'localhost:5000/other@sha256:abc');
    assert.deepEqual(getVerificationLevel(exact.signatureVerification), {
      name: 'custom',
      enforcement: { integrity: 'enforce', authenticity: 'log', authenticTimestamp: 'log', expiry: 'log', revocation: 'skip' },
    });
    const table = {
      strict: ['enforce', 'enforce', 'enforce', 'enforce', 'enforce'],
      permissive: ['enforce', 'enforce', 'log', 'log', 'log'],
      audit: ['enforce', 'log', 'log', 'log', 'log'],
      skip: ['skip', 'skip', 'skip', 'skip', 'skip'],
    } as const;
    for (const [level, actions] of Object.entries(table)) {
      const resolved = getVerificationLevel({ level, override: null, verifyTimestamp: '' });
      assert.equal(resolved.name, level);
      assert.deepEqual(Object.values(resolved.enforcement), actions);
    }
  });
});

describe('trusted identities', () => {
  const e2eSubject = 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US';

  it('matches a subset of the subject', () => {
    verifyX509TrustedIdentities('p', ['x509.subject: C=US, ST=WA, O=Notary'], e2eSubject);
    verifyX509TrustedIdentities('p', ['x509.subject: O=x, ST=y, C=z', 'x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US'], e2eSubject);
    verifyX509TrustedIdentities('p', ['*'], 'anything');
  });

  it('reports a mismatch as notation-go does', () => {
    assert.deepEqual(failure(() => verifyX509TrustedIdentities('e2e', ['x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=USB'], e2eSubject)), {
      code: 'ERR_TRUST_IDENTITY_MISMATCH',
      message:
        'signing certificate from the digital signature does not match the X.509 trusted identities [map["C":"USB" "CN":"e2e" "L":"Seattle" "O":"Notary" "ST":"WA"]] defined in the trust policy "e2e"',
    });
  });

  it('fails on subjects Notation cannot parse (multi-valued, unnamed attributes)', () => {
    const subject = [[{ type: '2.5.4.6', value: 'US' }], [{ type: '2.5.4.8', value: 'WA' }], [{ type: 'O', value: 'a' }, { type: 'O', value: 'b' }]];
    assert.equal(goDistinguishedNameString(subject), 'O=a+O=b,ST=WA,C=US');
    assert.equal(failure(() => verifyX509TrustedIdentities('p', ['x509.subject: C=US, ST=WA, O=a'], subject)).code, 'ERR_TRUST_IDENTITY_INVALID');
    const withEmail = [[{ type: 'C', value: 'US' }], [{ type: 'ST', value: 'WA' }], [{ type: 'O', value: 'a' }], [{ type: 'E', value: 'x@y' }]];
    assert.equal(goDistinguishedNameString(withEmail), 'O=a,ST=WA,C=US,1.2.840.113549.1.9.1=#0c03784079');
    assert.match(
      failure(() => verifyX509TrustedIdentities('p', ['x509.subject: C=US, ST=WA, O=a'], withEmail)).message,
      /^error while parsing the certificate subject from the digital signature\. error : "unsupported distinguished name/,
    );
  });

  it('renders names like Go: fixed order, escapes, last CN wins', () => {
    const subject = [
      [{ type: 'CN', value: 'first' }],
      [{ type: 'O', value: ' Acme, Inc; <x> #1 ' }],
      [{ type: 'C', value: 'US' }],
      [{ type: 'CN', value: '#last' }],
    ];
    assert.equal(goDistinguishedNameString(subject), 'CN=\\#last,O=\\ Acme\\, Inc\\; \\<x\\> #1\\ ,C=US');
    const parsed = parseDistinguishedName('CN=\\#last,O=\\ Acme\\, Inc\\; \\<x\\> #1\\ ,C=US,ST=x');
    assert.equal(parsed.get('O'), ' Acme, Inc; <x> #1 ');
    assert.equal(parsed.get('CN'), '#last');
  });

  it('keeps quotes literal and decodes hex escapes byte-exactly', () => {
    assert.equal(parseDistinguishedName('C=US,ST=WA,O="a"').get('O'), '"a"');
    assert.equal(parseDistinguishedName('C=US,ST=WA,O=\\c3\\a9').get('O'), 'é');
    assert.notEqual(parseDistinguishedName('C=US,ST=WA,O=\\ff').get('O'), parseDistinguishedName('C=US,ST=WA,O=\\fe').get('O'));
  });
});

describe('OCI policy encoding', () => {
  it('writes Go struct order, sorted overrides, HTML-safe escapes', () => {
    const doc = decodeOCITrustPolicyDocument(
      oci(statement({ signatureVerification: { level: 'strict', override: { revocation: 'log', expiry: 'log' } }, trustedIdentities: ['x509.subject: C=US, ST=WA, O=a\\<b\\>&'] })),
    );
    assert.equal(
      marshalOCITrustPolicyDocument(doc, ''),
      '{\n"version": "1.0",\n"trustPolicies": [\n{\n"name": "e2e",\n"signatureVerification": {\n"level": "strict",\n"override": {\n"expiry": "log",\n"revocation": "log"\n}\n},\n"trustStores": [\n"ca:e2e"\n],\n"trustedIdentities": [\n"x509.subject: C=US, ST=WA, O=a\\\\\\u003cb\\\\\\u003e\\u0026"\n],\n"registryScopes": [\n"*"\n]\n}\n]\n}',
    );
  });
});
