import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MemoryStore, packArtifactManifest, pushPackedManifest, type ContentStream, type ReferrersOptions } from '../content/index.js';
import { VerificationError, type VerificationErrorCode } from '../errors.js';
import { createLocalSigner, signEnvelope, type Signer, type Timestamper } from '../envelope/index.js';
import { MAX_ENVELOPE_BYTES, MAX_MANIFEST_BYTES } from '../limits.js';
import { ARTIFACT_TYPE_NOTARY_SIGNATURE, descriptorFor, digestOf, type Descriptor, type Digest } from '../oci/index.js';
import { buildTestChain, CertificateCache, type Certificate, type TestChain } from '../pki/index.js';
import { packSignatureManifest, sign } from '../sign/index.js';
import { MemoryTrustStore, parseOCITrustPolicyDocument, type OCITrustPolicyDocument } from '../trust/index.js';
import {
  Verifier,
  formatRfc1123z,
  hasRevocationEndpoints,
  offlineRevocationChecker,
  outcomeOf,
  verify,
  type RevocationChecker,
  type TimestampVerifier,
  type VerificationOutcome,
  type VerifierOptions,
} from './index.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const clock = { now: () => NOW };
const SCOPE = 'registry.test/app';
const SUBJECT_BYTES = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}');
const SUBJECT = descriptorFor('application/vnd.oci.image.manifest.v1+json', SUBJECT_BYTES);

interface StatementOptions {
  readonly level?: string;
  readonly override?: Record<string, string>;
  readonly verifyTimestamp?: string;
  readonly trustStores?: string[];
  readonly trustedIdentities?: string[];
  readonly registryScopes?: string[];
}

function policy(...statements: StatementOptions[]): OCITrustPolicyDocument {
  const document = {
    version: '1.0',
    trustPolicies: statements.map((statement, index) => ({
      name: `statement-${index}`,
      registryScopes: statement.registryScopes ?? ['*'],
      signatureVerification: {
        level: statement.level ?? 'strict',
        ...(statement.override && { override: statement.override }),
        ...(statement.verifyTimestamp && { verifyTimestamp: statement.verifyTimestamp }),
      },
      ...(statement.level !== 'skip' && { trustStores: statement.trustStores ?? ['ca:test'], trustedIdentities: statement.trustedIdentities ?? ['*'] }),
    })),
  };
  return parseOCITrustPolicyDocument(Buffer.from(JSON.stringify(document)));
}

async function expectFailure(promise: Promise<unknown>, code: VerificationErrorCode, message?: RegExp): Promise<VerificationOutcome | undefined> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    assert.ok(error instanceof VerificationError, `expected VerificationError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
  return outcomeOf(caught);
}

let chain: TestChain;
let signer: Signer;
let otherChain: TestChain;
before(async () => {
  chain = await buildTestChain({ notBefore: new Date(NOW - 3600_000), leafKeySpec: 'EC-256', caKeySpec: 'EC-256', commonName: 'Verify Test Leaf' });
  signer = createLocalSigner(chain.leaf.privateKey, chain.chain);
  otherChain = await buildTestChain({ notBefore: new Date(NOW - 3600_000), leafKeySpec: 'EC-256', caKeySpec: 'EC-256' });
});

const trustStore = (): MemoryTrustStore => new MemoryTrustStore({ 'ca:test': [chain.root.certificate], 'tsa:test': [otherChain.root.certificate] });

function options(trustPolicy: OCITrustPolicyDocument, extra: Partial<VerifierOptions> = {}): VerifierOptions {
  return { trustPolicy, trustStore: trustStore(), clock, ...extra };
}

async function signedStore(extra: { signWith?: Signer; userMetadata?: Record<string, string>; expiry?: number; timestamper?: Timestamper; signAt?: number } = {}): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.push(SUBJECT, SUBJECT_BYTES);
  await store.tag(SUBJECT, 'v1');
  await sign(store, 'v1', {
    signer: extra.signWith ?? signer,
    signingAgent: 'portcullis/test',
    clock: { now: () => extra.signAt ?? NOW - 60_000 },
    ...(extra.userMetadata && { userMetadata: extra.userMetadata }),
    ...(extra.expiry !== undefined && { expiry: extra.expiry }),
    ...(extra.timestamper && { timestamper: extra.timestamper }),
  });
  return store;
}

describe('verify: the happy path and the outcome', () => {
  it('verifies by tag and by digest, reporting every check', async () => {
    const store = await signedStore({ userMetadata: { team: 'blue' } });
    const byTag = await verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({})));
    assert.equal(byTag.verified, true);
    assert.equal(byTag.artifact.tag, 'v1');
    assert.equal(byTag.artifact.reference, `${SCOPE}@${SUBJECT.digest}`);
    assert.equal(byTag.policy?.name, 'statement-0');
    assert.deepEqual(byTag.userMetadata, { team: 'blue' });
    const checks = byTag.signatures[0]!.checks;
    assert.deepEqual(
      checks.map((c) => [c.type, c.action, c.status]),
      [
        ['integrity', 'enforce', 'passed'],
        ['authenticity', 'enforce', 'passed'],
        ['authenticTimestamp', 'enforce', 'passed'],
        ['expiry', 'enforce', 'passed'],
        ['revocation', 'enforce', 'passed'],
      ],
    );
    assert.equal(byTag.signatures[0]!.signer?.subject, chain.leaf.subject);
    const byDigest = await verify(store, { scope: SCOPE, reference: SUBJECT.digest }, options(policy({})));
    assert.equal(byDigest.artifact.tag, undefined);
    const json = JSON.parse(JSON.stringify(byDigest)) as VerificationOutcome;
    assert.deepEqual(json.signatures[0]!.checks, byDigest.signatures[0]!.checks);
  });

  it('requires the user metadata to be signed in, verbatim', async () => {
    const store = await signedStore({ userMetadata: { team: 'blue', env: 'prod' } });
    await verify(store, { scope: SCOPE, reference: 'v1' }, { ...options(policy({})), userMetadata: { team: 'blue' } });
    const outcome = await expectFailure(
      verify(store, { scope: SCOPE, reference: 'v1' }, { ...options(policy({})), userMetadata: { team: 'red' } }),
      'ERR_VERIFY_FAILED',
    );
    assert.equal(outcome?.signatures[0]?.error, 'unable to find specified metadata in the signature');
  });

  it('selects the exact registry scope before the wildcard, and fails without an applicable statement', async () => {
    const store = await signedStore();
    const document = policy({ registryScopes: ['*'], trustStores: ['ca:missing'] }, { registryScopes: [SCOPE] });
    const outcome = await verify(store, { scope: SCOPE, reference: 'v1' }, options(document));
    assert.equal(outcome.policy?.name, 'statement-1');
    await expectFailure(
      verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({ registryScopes: ['registry.test/other'] }))),
      'ERR_VERIFY_NO_APPLICABLE_POLICY',
      /artifact "registry.test\/app@sha256:[0-9a-f]{64}" has no applicable oci trust policy statement/,
    );
  });

  it('a skip level succeeds without listing signatures', async () => {
    const store = new MemoryStore();
    await store.push(SUBJECT, SUBJECT_BYTES);
    let listed = 0;
    const spy = Object.assign(Object.create(store) as MemoryStore, {
      referrers: async () => {
        listed++;
        return [];
      },
    });
    const outcome = await verify(spy, { scope: SCOPE, reference: SUBJECT.digest }, options(policy({ level: 'skip' })));
    assert.deepEqual([outcome.verified, outcome.skipped, listed], [true, true, 0]);
  });

  it('fails when there is no signature, and when a digest resolves to something else', async () => {
    const store = new MemoryStore();
    await store.push(SUBJECT, SUBJECT_BYTES);
    await expectFailure(
      verify(store, { scope: SCOPE, reference: SUBJECT.digest }, options(policy({}))),
      'ERR_VERIFY_NO_SIGNATURE',
      /^no signature is associated with "registry\.test\/app@sha256:[0-9a-f]{64}", make sure the artifact was signed successfully$/,
    );
    const lying = Object.assign(Object.create(store) as MemoryStore, { resolve: async () => SUBJECT });
    await expectFailure(verify(lying, { scope: SCOPE, reference: `sha256:${'1'.repeat(64)}` }, options(policy({}))), 'ERR_VERIFY_DIGEST_MISMATCH');
  });
});

describe('verify: per-check semantics of the verification levels', () => {
  it('an untrusted signer fails authenticity under strict, is logged under audit', async () => {
    const store = await signedStore();
    const untrusted = new MemoryTrustStore({ 'ca:test': [otherChain.root.certificate] });
    const outcome = await expectFailure(verify(store, { scope: SCOPE, reference: 'v1' }, { ...options(policy({})), trustStore: untrusted }), 'ERR_VERIFY_FAILED');
    assert.deepEqual(outcome?.signatures[0]?.checks.map((c) => c.status), ['passed', 'failed', 'notRun', 'notRun', 'notRun']);
    assert.equal(outcome?.signatures[0]?.error, "the signature's certificate chain does not contain any trusted certificate");
    const audited = await verify(store, { scope: SCOPE, reference: 'v1' }, { ...options(policy({ level: 'audit' })), trustStore: untrusted });
    assert.deepEqual(audited.warnings, [`authenticity was set to "log" and failed with error: the signature's certificate chain does not contain any trusted certificate`]);
  });

  it('a trusted identity mismatch is an authenticity failure; a missing trust store is reported with its code', async () => {
    const store = await signedStore();
    const outcome = await expectFailure(
      verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=Someone Else'] }))),
      'ERR_VERIFY_FAILED',
    );
    assert.match(outcome!.signatures[0]!.error!, /^signing certificate from the digital signature does not match the X\.509 trusted identities/);
    const missing = await expectFailure(verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({ trustStores: ['ca:absent'] }))), 'ERR_VERIFY_FAILED');
    const check = missing!.signatures[0]!.checks[1]!;
    assert.equal(check.errorCode, 'ERR_TRUST_STORE_NOT_FOUND');
    assert.equal(check.error, 'the trust store "absent" of type "ca" does not exist');
  });

  it('an expired signature fails expiry under strict and is logged under permissive, in Notation\'s order', async () => {
    const store = await signedStore({ expiry: 30_000 });
    const outcome = await expectFailure(verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({}))), 'ERR_VERIFY_FAILED');
    assert.deepEqual(outcome?.signatures[0]?.checks.map((c) => c.status), ['passed', 'passed', 'notRun', 'failed', 'notRun']);
    assert.equal(outcome?.signatures[0]?.error, 'digital signature has expired on "Sat, 01 Mar 2025 11:59:30 +0000"');
    const permissive = await verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({ level: 'permissive' })));
    assert.deepEqual(permissive.warnings, ['expiry was set to "log" and failed with error: digital signature has expired on "Sat, 01 Mar 2025 11:59:30 +0000"']);
    // now == expiry is already expired (notation-go: !now.Before(expiry)).
    await expectFailure(verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({}), { clock: { now: () => NOW - 30_000 } })), 'ERR_VERIFY_FAILED');
  });

  it('without a tsa store the signing chain must be valid at verification time (authenticTimestamp)', async () => {
    const store = await signedStore();
    const later = { now: () => NOW + 2 * 24 * 3600_000 };
    const outcome = await expectFailure(verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({}), { clock: later })), 'ERR_VERIFY_FAILED');
    assert.match(outcome!.signatures[0]!.error!, /^verification time is after certificate "CN=Verify Test Leaf,O=Notary,L=Seattle,ST=WA,C=US" validity period, it was expired at "Sun, 02 Mar 2025 11:00:00 \+0000"$/);
    const logged = await verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({ level: 'permissive' }), { clock: later }));
    assert.match(logged.warnings[0]!, /^authenticTimestamp was set to "log" and failed with error: verification time is after certificate/);
  });

  it('with a tsa store the countersignature is required; afterCertExpiry skips it while the chain is valid', async () => {
    const store = await signedStore();
    const withTsa = policy({ trustStores: ['ca:test', 'tsa:test'] });
    const outcome = await expectFailure(verify(store, { scope: SCOPE, reference: 'v1' }, options(withTsa)), 'ERR_VERIFY_FAILED');
    assert.equal(outcome?.signatures[0]?.error, 'no timestamp countersignature was found in the signature envelope');
    const lazy = policy({ trustStores: ['ca:test', 'tsa:test'], verifyTimestamp: 'afterCertExpiry' });
    const lines: string[] = [];
    await verify(store, { scope: SCOPE, reference: 'v1' }, { ...options(lazy), logger: { info: (m) => lines.push(m) } });
    assert.ok(lines.includes('Timestamp verification disabled: verifyTimestamp is set to "afterCertExpiry" and signing cert chain unexpired'));
  });

  it('hands the countersignature to the TimestampVerifier port and bounds its time by the chain validity', async () => {
    const token = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
    const store = await signedStore({ timestamper: { timestamp: async () => token } });
    const seen: Uint8Array[] = [];
    const tsaChain = [otherChain.leaf, otherChain.root].map((c) => new CertificateCache().get(c.certificate));
    const stamp = (earliest: number): TimestampVerifier => ({
      async verify(request) {
        seen.push(request.token);
        assert.equal(request.trustAnchors[0]?.fingerprint256, tsaChain[1]!.fingerprint256);
        return { earliest: new Date(earliest), latest: new Date(earliest + 1000), tsaChain };
      },
    });
    const withTsa = policy({ trustStores: ['ca:test', 'tsa:test'] });
    const later = { now: () => NOW + 2 * 24 * 3600_000 };
    // The chain has expired by `later`, but the timestamp proves the signature existed in time.
    const outcome = await verify(store, { scope: SCOPE, reference: 'v1' }, options(withTsa, { clock: later, timestampVerifier: stamp(NOW - 60_000) }));
    assert.equal(outcome.verified, true);
    assert.deepEqual(seen[0], token);
    const outside = await expectFailure(
      verify(store, { scope: SCOPE, reference: 'v1' }, options(withTsa, { clock: later, timestampVerifier: stamp(NOW + 25 * 3600_000) })),
      'ERR_VERIFY_FAILED',
    );
    assert.match(outside!.signatures[0]!.error!, /^timestamp can be after certificate ".*" validity period, it was expired at/);
    // Without a port the default (pki's verifyTimestampToken) judges the token: this one is not CMS.
    const none = await expectFailure(verify(store, { scope: SCOPE, reference: 'v1' }, options(withTsa)), 'ERR_VERIFY_FAILED');
    assert.match(none!.signatures[0]!.error!, /^failed to parse timestamp countersignature with error: cms: syntax error/);
  });

  it('revocation: the port decides; revoked and unknown fail strict, skip skips, errors are "unable to check"', async () => {
    const store = await signedStore();
    const answering = (result: 'ok' | 'revoked' | 'unknown'): RevocationChecker => ({
      async check(request) {
        assert.equal(request.purpose, 'codeSigning');
        return request.chain.map((_, i) => (i === request.chain.length - 1 ? { result: 'nonRevokable' as const } : { result }));
      },
    });
    await verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({}), { revocationChecker: answering('ok') }));
    const revoked = await expectFailure(verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({}), { revocationChecker: answering('revoked') })), 'ERR_VERIFY_FAILED');
    assert.equal(revoked?.signatures[0]?.error, `signing certificate with subject "${chain.leaf.subject}" is revoked`);
    const unknown = await verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({ level: 'permissive' }), { revocationChecker: answering('unknown') }));
    assert.match(unknown.warnings[0]!, /revocation status is unknown$/);
    const skipped = await verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({ override: { revocation: 'skip' } }), { revocationChecker: answering('revoked') }));
    assert.equal(skipped.signatures[0]!.checks[4]!.status, 'skipped');
    const broken: RevocationChecker = {
      async check() {
        throw new Error('responder unreachable');
      },
    };
    const failed = await expectFailure(verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({}), { revocationChecker: broken })), 'ERR_VERIFY_FAILED');
    assert.equal(failed?.signatures[0]?.error, 'unable to check revocation status, err: responder unreachable');
  });

  it('the offline revocation checker: no endpoints is not revoked, an endpoint without a checker is unknown', async () => {
    const fake = (extensions: { oid: string; value: Uint8Array }[]): Certificate => ({ extensions } as unknown as Certificate);
    const crl = fake([{ oid: '2.5.29.31', value: new Uint8Array([0x30, 0]) }]);
    const ocsp = fake([{ oid: '1.3.6.1.5.5.7.1.1', value: Buffer.from([0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01]) }]);
    const caIssuersOnly = fake([{ oid: '1.3.6.1.5.5.7.1.1', value: Buffer.from([0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02]) }]);
    assert.deepEqual([crl, ocsp, caIssuersOnly].map(hasRevocationEndpoints), [true, true, false]);
    const results = await offlineRevocationChecker.check({ chain: [crl, caIssuersOnly, ocsp], purpose: 'codeSigning' });
    assert.deepEqual(results.map((r) => r.result), ['unknown', 'nonRevokable', 'nonRevokable']);
  });
});

describe('formatRfc1123z', () => {
  it('prints Go\'s RFC1123Z in UTC or at a given offset', () => {
    const time = new Date('2023-06-27T05:21:21Z');
    assert.equal(formatRfc1123z(time), 'Tue, 27 Jun 2023 05:21:21 +0000');
    assert.equal(formatRfc1123z(time, 480), 'Tue, 27 Jun 2023 13:21:21 +0800');
    assert.equal(formatRfc1123z(time, -330), 'Mon, 26 Jun 2023 23:51:21 -0530');
  });
});

describe('verify: several signatures', () => {
  it('succeeds when any signature passes, and reports the failures before it in listing order', async () => {
    const store = await signedStore({ signWith: createLocalSigner(otherChain.leaf.privateKey, otherChain.chain) });
    await sign(store, 'v1', { signer, signingAgent: 'a', clock: { now: () => NOW - 30_000 } });
    const outcome = await verify(store, { scope: SCOPE, reference: 'v1' }, options(policy({})));
    assert.equal(outcome.signaturesListed, 2);
    assert.deepEqual(outcome.signatures.map((s) => s.verified), [false, true]);
  });

  it('judges in listing order whatever order the fetches complete in', async () => {
    const store = await signedStore({ signWith: createLocalSigner(otherChain.leaf.privateKey, otherChain.chain) });
    for (let i = 0; i < 5; i++) await sign(store, 'v1', { signer, signingAgent: `a${i}`, clock: { now: () => NOW - 30_000 + i * 1000 } });
    const listed = await store.referrers(SUBJECT);
    const slow = Object.assign(Object.create(store) as MemoryStore, {
      async fetch(descriptor: Descriptor): Promise<ContentStream> {
        // Earlier entries answer later, so completions arrive in reverse order.
        const position = listed.findIndex((entry) => entry.digest === descriptor.digest);
        await new Promise((resolve) => setTimeout(resolve, position >= 0 ? (listed.length - position) * 15 : 1));
        return store.fetch(descriptor);
      },
    });
    const lines: string[] = [];
    const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
    const concurrent = await new Verifier({ ...options(policy({})), concurrency: 8 }).verify(slow, { scope: SCOPE, reference: 'v1' }, { logger });
    const sequentialLines: string[] = [];
    const sequential = await new Verifier({ ...options(policy({})), concurrency: 1 }).verify(store, { scope: SCOPE, reference: 'v1' }, {
      logger: { info: (m) => sequentialLines.push(m), warn: (m) => sequentialLines.push(m) },
    });
    assert.deepEqual(concurrent.signatures, sequential.signatures);
    assert.deepEqual(lines, sequentialLines);
    assert.equal(concurrent.signatures.length, 2);
  });

  it('stops at --max-signatures with Notation\'s limit message, fetching only a window beyond it', async () => {
    const store = new MemoryStore();
    await store.push(SUBJECT, SUBJECT_BYTES);
    const untrusted = createLocalSigner(otherChain.leaf.privateKey, otherChain.chain);
    const envelope = await signEnvelope({ format: 'jws', payload: { targetArtifact: SUBJECT }, signer: untrusted, signingTime: new Date(NOW - 60_000) });
    const envelopeDescriptor = descriptorFor('application/jose+json', envelope);
    await store.push(envelopeDescriptor, envelope);
    // 1000 distinct signature manifests (distinct creation times) over the same untrusted envelope.
    for (let i = 0; i < 1000; i++) {
      const packed = packSignatureManifest({ subject: SUBJECT, envelope: envelopeDescriptor, certificateChain: otherChain.chain, signingTime: new Date(NOW - i * 1000) });
      await pushPackedManifest(store, packed);
    }
    let fetches = 0;
    const counting = Object.assign(Object.create(store) as MemoryStore, {
      async fetch(descriptor: Descriptor): Promise<ContentStream> {
        fetches++;
        return store.fetch(descriptor);
      },
    });
    const outcome = await expectFailure(
      new Verifier({ ...options(policy({})), concurrency: 4 }).verify(counting, { scope: SCOPE, reference: SUBJECT.digest }, { maxSignatures: 10 }),
      'ERR_VERIFY_LIMIT_EXCEEDED',
      /^signature evaluation stopped\. The configured limit of 10 signatures to verify per artifact exceeded$/,
    );
    assert.equal(outcome?.signaturesListed, 1000);
    assert.equal(outcome?.signatures.length, 10);
    assert.ok(fetches <= 2 * 10, `fetched ${fetches} objects for 10 signatures`);
    const all = await expectFailure(verify(store, { scope: SCOPE, reference: SUBJECT.digest }, { ...options(policy({})), maxSignatures: 1000 }), 'ERR_VERIFY_LIMIT_EXCEEDED');
    assert.equal(all?.signatures.length, 1000);
    await expectFailure(verify(store, { scope: SCOPE, reference: SUBJECT.digest }, { ...options(policy({})), maxSignatures: 0 }), 'ERR_VERIFY_INVALID_ARGUMENT');
  });
});

/** A store whose referrers listing is whatever the test says (a hostile registry). */
function hostile(store: MemoryStore, referrers: Descriptor[]): MemoryStore {
  return Object.assign(Object.create(store) as MemoryStore, { referrers: async (_subject: Descriptor, _options?: ReferrersOptions) => referrers });
}

describe('verify: hostile repositories', () => {
  const base = async (): Promise<MemoryStore> => {
    const store = new MemoryStore();
    await store.push(SUBJECT, SUBJECT_BYTES);
    return store;
  };
  const signatureDescriptor = (digest: string, size: number): Descriptor => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: digest as Digest,
    size,
    artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE,
  });

  it('refuses a signature manifest declared over 4 MiB before fetching it', async () => {
    const store = await base();
    const listed = [signatureDescriptor(`sha256:${'a'.repeat(64)}`, MAX_MANIFEST_BYTES + 1)];
    await expectFailure(
      verify(hostile(store, listed), { scope: SCOPE, reference: SUBJECT.digest }, options(policy({}))),
      'ERR_VERIFY_SIGNATURE_RETRIEVAL',
      new RegExp(`unable to retrieve digital signature with digest "sha256:a{64}" associated with ".*" from the Repository, error : signature manifest too large: ${MAX_MANIFEST_BYTES + 1} bytes`),
    );
  });

  it('refuses a manifest that is longer than its descriptor says', async () => {
    const store = await base();
    const bytes = Buffer.alloc(1000, 0x20);
    const descriptor = signatureDescriptor(digestOf(bytes), 10);
    const lying = Object.assign(Object.create(store) as MemoryStore, {
      referrers: async () => [descriptor],
      fetch: async () => (async function* one() {
        yield bytes;
      })(),
    });
    await expectFailure(verify(lying, { scope: SCOPE, reference: SUBJECT.digest }, options(policy({}))), 'ERR_VERIFY_SIGNATURE_RETRIEVAL', /larger than its descriptor says/);
  });

  it('refuses an envelope blob declared over 32 MiB without fetching it', async () => {
    const store = await base();
    const envelope: Descriptor = { mediaType: 'application/jose+json', digest: `sha256:${'b'.repeat(64)}` as Digest, size: MAX_ENVELOPE_BYTES + 1 };
    const packed = packArtifactManifest({ artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE, layers: [envelope], subject: SUBJECT });
    await pushPackedManifest(store, packed);
    await expectFailure(
      verify(store, { scope: SCOPE, reference: SUBJECT.digest }, options(policy({}))),
      'ERR_VERIFY_SIGNATURE_RETRIEVAL',
      new RegExp(`signature blob too large: ${MAX_ENVELOPE_BYTES + 1} bytes`),
    );
  });

  it('a referrer pointing to a missing envelope blob aborts like Notation (a retrieval failure, not a pass)', async () => {
    const store = await base();
    const envelope: Descriptor = { mediaType: 'application/jose+json', digest: `sha256:${'c'.repeat(64)}` as Digest, size: 10 };
    await pushPackedManifest(store, packArtifactManifest({ artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE, layers: [envelope], subject: SUBJECT }));
    await expectFailure(verify(store, { scope: SCOPE, reference: SUBJECT.digest }, options(policy({}))), 'ERR_VERIFY_SIGNATURE_RETRIEVAL', /not found/);
  });

  it('a manifest with two layers, or a referrer that is not a manifest, is a retrieval failure', async () => {
    const store = await base();
    const layer = descriptorFor('application/jose+json', 'x');
    await store.push(layer, Buffer.from('x'));
    await pushPackedManifest(store, packArtifactManifest({ artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE, layers: [layer, layer], subject: SUBJECT }));
    await expectFailure(verify(store, { scope: SCOPE, reference: SUBJECT.digest }, options(policy({}))), 'ERR_VERIFY_SIGNATURE_RETRIEVAL', /requries exactly one signature envelope blob, got 2/);
    const blob = { ...layer, artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE };
    await expectFailure(
      verify(hostile(store, [blob]), { scope: SCOPE, reference: SUBJECT.digest }, options(policy({}))),
      'ERR_VERIFY_SIGNATURE_RETRIEVAL',
      /sigManifestDesc\.MediaType requires/,
    );
  });

  it('an unknown signature media type fails integrity for that signature only; a later good one still passes', async () => {
    const store = await base();
    const junk = descriptorFor('application/vnd.oci.image.layer.v1.tar', 'invalid signature\n');
    await store.push(junk, Buffer.from('invalid signature\n'));
    await pushPackedManifest(store, packArtifactManifest({ artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE, layers: [junk], subject: SUBJECT }));
    const onlyJunk = await expectFailure(verify(store, { scope: SCOPE, reference: SUBJECT.digest }, options(policy({}))), 'ERR_VERIFY_FAILED');
    assert.equal(
      onlyJunk?.signatures[0]?.error,
      'unable to parse the digital signature, error : signature envelope format with media type "application/vnd.oci.image.layer.v1.tar" is not supported',
    );
    await store.tag(SUBJECT, 'v1');
    await sign(store, 'v1', { signer, signingAgent: 'a', clock: { now: () => NOW - 60_000 } });
    const outcome = await verify(store, { scope: SCOPE, reference: SUBJECT.digest }, options(policy({ level: 'audit' })));
    assert.deepEqual(outcome.signatures.map((s) => s.checks[0]!.status), ['failed', 'passed']);
  });

  it('a tampered envelope fails integrity; a signature for another artifact fails the descriptor match', async () => {
    const store = await signedStore();
    const [referrer] = await store.referrers(SUBJECT);
    const manifest = JSON.parse((await readAllOf(store, referrer!)).toString()) as { layers: Descriptor[] };
    const envelope = await readAllOf(store, manifest.layers[0]!);
    const tampered = Buffer.from(envelope.toString().replace(/"signature":"(.)/, (_, first: string) => `"signature":"${first === 'A' ? 'B' : 'A'}`));
    const tamperedStore = await base();
    const tamperedDescriptor = descriptorFor('application/jose+json', tampered);
    await tamperedStore.push(tamperedDescriptor, tampered);
    await pushPackedManifest(tamperedStore, packSignatureManifest({ subject: SUBJECT, envelope: tamperedDescriptor, certificateChain: chain.chain, signingTime: new Date(NOW) }));
    const outcome = await expectFailure(verify(tamperedStore, { scope: SCOPE, reference: SUBJECT.digest }, options(policy({ level: 'audit' }))), 'ERR_VERIFY_FAILED');
    assert.equal(outcome?.signatures[0]?.checks[0]?.status, 'failed');

    // A valid signature of another artifact, attached (by a hostile registry) to this one.
    const other = { ...SUBJECT, size: SUBJECT.size + 1 };
    const foreign = await signEnvelope({ format: 'jws', payload: { targetArtifact: other }, signer, signingTime: new Date(NOW - 60_000) });
    const foreignStore = await base();
    const foreignDescriptor = descriptorFor('application/jose+json', foreign);
    await foreignStore.push(foreignDescriptor, foreign);
    await pushPackedManifest(foreignStore, packSignatureManifest({ subject: SUBJECT, envelope: foreignDescriptor, certificateChain: chain.chain, signingTime: new Date(NOW) }));
    const mismatch = await expectFailure(verify(foreignStore, { scope: SCOPE, reference: SUBJECT.digest }, options(policy({}))), 'ERR_VERIFY_FAILED');
    assert.equal(mismatch?.signatures[0]?.error, 'content descriptor mismatch');
  });
});

async function readAllOf(store: MemoryStore, descriptor: Descriptor): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await store.fetch(descriptor)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
