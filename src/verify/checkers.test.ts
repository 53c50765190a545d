/**
 * The pki-backed ports end to end through the Verifier: real OCSP/CRL revocation checking over
 * the node fetcher (e2e CRL PKI on a loopback server), and real RFC 3161 countersignatures from a
 * loopback TSA, with the pipeline's messages and `verifyTimestamp` semantics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readTestdata } from '../../test/helpers/conformance.js';
import { buildCrl, buildTimestampResponse, closedLoopbackUrl, distributionPoints, startCrlFileServer, startLoopbackServer, type LoopbackServer } from '../../test/helpers/pki-responders.js';
import { MemoryStore } from '../content/index.js';
import { createLocalSigner } from '../envelope/index.js';
import { createHttpPoster, createRevocationFetcher } from '../fetcher/http.js';
import { descriptorFor } from '../oci/index.js';
import {
  createHttpTimestamper,
  generateTestCertificate,
  OID_EKU_TIME_STAMPING,
  parseCertificate,
  pemToDer,
  type TestCertificate,
} from '../pki/index.js';
import { parsePrivateKey, sign } from '../sign/index.js';
import { MemoryTrustStore, parseOCITrustPolicyDocument, type OCITrustPolicyDocument } from '../trust/index.js';
import { createRevocationChecker, outcomeOf, Verifier, type VerifyLogger } from './index.js';

const SCOPE = 'registry.test/app';
const SUBJECT_BYTES = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}');
const SUBJECT = descriptorFor('application/vnd.oci.image.manifest.v1+json', SUBJECT_BYTES);

function policy(statement: { trustStores: string[]; verifyTimestamp?: string; level?: string }): OCITrustPolicyDocument {
  return parseOCITrustPolicyDocument(
    Buffer.from(
      JSON.stringify({
        version: '1.0',
        trustPolicies: [
          {
            name: 'p',
            registryScopes: ['*'],
            signatureVerification: { level: statement.level ?? 'strict', ...(statement.verifyTimestamp && { verifyTimestamp: statement.verifyTimestamp }) },
            trustStores: statement.trustStores,
            trustedIdentities: ['*'],
          },
        ],
      }),
    ),
  );
}

function lines(): VerifyLogger & { all: string[] } {
  const all: string[] = [];
  return { all, debug: (m) => all.push(`debug ${m}`), info: (m) => all.push(`info ${m}`), warn: (m) => all.push(`warn ${m}`), error: (m) => all.push(`error ${m}`) };
}

describe('createRevocationChecker: OCSP with CRL fallback through the Verifier (e2e CRL PKI)', () => {
  const LEAF = 'CN=LeafCert,OU=OrgUnit,O=Organization,L=City,ST=State,C=US';
  let server: LoopbackServer;
  let closedUrl: string;
  const served: Record<string, string> = { '/leaf.crl': 'leaf.crl', '/intermediate.crl': 'intermediate.crl' };
  let store: MemoryStore;
  let trustStore: MemoryTrustStore;

  before(async () => {
    server = await startCrlFileServer(served);
    closedUrl = await closedLoopbackUrl();
    const chain = pemToDer(readTestdata('config', 'crl', 'certchain_with_crl.pem').toString('utf8'));
    store = new MemoryStore();
    await store.push(SUBJECT, SUBJECT_BYTES);
    await sign(store, SUBJECT, {
      signer: createLocalSigner(parsePrivateKey(readTestdata('config', 'crl', 'leaf.key')), chain),
      signingAgent: 'test',
      clock: { now: () => Date.parse('2025-06-01T00:00:00Z') },
    });
    trustStore = new MemoryTrustStore({ 'ca:crl': pemToDer(readTestdata('config', 'crl', 'root.crt').toString('utf8')) });
  });
  after(() => server.close());

  const verifier = (logger = lines()) =>
    new Verifier({
      trustPolicy: policy({ trustStores: ['ca:crl'] }),
      trustStore,
      clock: { now: () => Date.parse('2025-06-01T00:00:00Z') },
      revocationChecker: createRevocationChecker({
        fetcher: createRevocationFetcher({ resolveUrl: (url) => url.replace('http://localhost:10086', server.url).replace('http://localhost.test', closedUrl) }),
        clock: { now: () => Date.parse('2025-06-01T00:00:00Z') },
      }),
      logger,
    });

  it('not revoked: passes, logging the OCSP-to-CRL fallback of the intermediate as Notation does', async () => {
    const logger = lines();
    const outcome = await verifier(logger).verify(store, { scope: SCOPE, reference: SUBJECT });
    assert.equal(outcome.verified, true);
    assert.equal(outcome.signatures[0]!.checks.find((c) => c.type === 'revocation')?.status, 'passed');
    assert.ok(logger.all.includes('warn OCSP check failed with unknown error and fallback to CRL check for certificate #2 in chain with subject "CN=IntermediateCA,OU=OrgUnit,O=Organization,L=City,ST=State,C=US"'));
    assert.ok(logger.all.includes('debug No verification impacting errors encountered while checking revocation, status is OK'));
  });

  it('revoked leaf: "signing certificate with subject … is revoked"', async () => {
    served['/leaf.crl'] = 'leaf_revoked.crl';
    try {
      const error = await verifier().verify(store, { scope: SCOPE, reference: SUBJECT }).then(
        () => assert.fail('verified'),
        (e: unknown) => e,
      );
      assert.equal(outcomeOf(error)?.signatures[0]?.error, `signing certificate with subject "${LEAF}" is revoked`);
    } finally {
      served['/leaf.crl'] = 'leaf.crl';
    }
  });

  it('unreachable CRL under permissive: logged "revocation status is unknown", verified', async () => {
    const permissive = new Verifier({
      trustPolicy: policy({ trustStores: ['ca:crl'], level: 'permissive' }),
      trustStore,
      clock: { now: () => Date.parse('2025-06-01T00:00:00Z') },
      revocationChecker: createRevocationChecker({
        fetcher: createRevocationFetcher({ resolveUrl: (url) => url.replace(/^http:\/\/[^/]+/, closedUrl) }),
        clock: { now: () => Date.parse('2025-06-01T00:00:00Z') },
        crlTimeoutMs: 1000,
        ocspTimeoutMs: 1000,
      }),
    });
    const outcome = await permissive.verify(store, { scope: SCOPE, reference: SUBJECT });
    assert.match(outcome.warnings[0]!, new RegExp(`^revocation was set to "log" and failed with error: signing certificate with subject "${LEAF}" revocation status is unknown$`));
  });
});

describe('createTimestampVerifier (the default): RFC 3161 countersignatures from a loopback TSA', () => {
  const SIGNED_AT = Date.parse('2025-06-01T12:00:00Z');
  let tsaRoot: TestCertificate;
  let tsa: TestCertificate;
  let revokableTsa: TestCertificate;
  let leaf: TestCertificate;
  let server: LoopbackServer;
  let signWith: TestCertificate;
  let revoked = false;

  before(async () => {
    const validity = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };
    tsaRoot = await generateTestCertificate({ commonName: 'TSA Root', keySpec: 'EC-256', isCA: true, ...validity });
    tsa = await generateTestCertificate({ commonName: 'TSA', keySpec: 'EC-256', issuer: tsaRoot, extKeyUsage: [OID_EKU_TIME_STAMPING], extKeyUsageCritical: true, ...validity });
    revokableTsa = await generateTestCertificate({
      commonName: 'Revokable TSA',
      keySpec: 'EC-256',
      issuer: tsaRoot,
      extKeyUsage: [OID_EKU_TIME_STAMPING],
      extKeyUsageCritical: true,
      serialNumber: '4243',
      extraExtensions: [{ oid: '2.5.29.31', value: distributionPoints('http://crl.test/tsa.crl') }],
      ...validity,
    });
    // A signing certificate valid for one day only: later verifications need the timestamp.
    leaf = await generateTestCertificate({ commonName: 'Signer', keySpec: 'EC-256', notBefore: new Date(SIGNED_AT - 3600_000), notAfter: new Date(SIGNED_AT + 20 * 3600_000) });
    signWith = tsa;
    server = await startLoopbackServer((request, response) => {
      if (request.method === 'GET') {
        const now = new Date(SIGNED_AT);
        response.end(
          Buffer.from(
            buildCrl({
              issuer: { certificate: tsaRoot.certificate, privateKey: tsaRoot.privateKey },
              thisUpdate: new Date(now.getTime() - 3600_000),
              nextUpdate: new Date('2030-01-01T00:00:00Z'),
              entries: revoked ? [{ serial: 0x4243n, revocationDate: new Date(now.getTime() - 60_000) }] : [],
            }),
          ),
        );
        return;
      }
      response.setHeader('Content-Type', 'application/timestamp-reply');
      response.end(buildTimestampResponse(request.body, { certificate: signWith.certificate, privateKey: signWith.privateKey }, [tsaRoot.certificate], { genTime: new Date(SIGNED_AT) }));
    });
  });
  after(() => server.close());

  async function timestamped(): Promise<MemoryStore> {
    const store = new MemoryStore();
    await store.push(SUBJECT, SUBJECT_BYTES);
    await sign(store, SUBJECT, {
      signer: createLocalSigner(leaf.privateKey, [leaf.certificate]),
      signingAgent: 'test',
      clock: { now: () => SIGNED_AT },
      timestamper: createHttpTimestamper({ url: `${server.url}/tsa`, post: createHttpPoster(), trustedRoots: [parseCertificate(tsaRoot.certificate)], now: () => new Date(SIGNED_AT) }),
    });
    return store;
  }

  const verifierAt = (now: number, verifyTimestamp?: string, logger = lines()) =>
    new Verifier({
      trustPolicy: policy({ trustStores: ['ca:leaf', 'tsa:tsa'], ...(verifyTimestamp && { verifyTimestamp }) }),
      trustStore: new MemoryTrustStore({ 'ca:leaf': [leaf.certificate], 'tsa:tsa': [tsaRoot.certificate] }),
      clock: { now: () => now },
      revocationChecker: createRevocationChecker({
        fetcher: createRevocationFetcher({ resolveUrl: (url) => url.replace('http://crl.test', server.url) }),
        clock: { now: () => now },
      }),
      logger,
    });

  it('verifies the countersignature, and it keeps a signature valid after its certificate expired', async () => {
    const store = await timestamped();
    const logger = lines();
    const later = SIGNED_AT + 3 * 24 * 3600_000;
    const outcome = await verifierAt(later, undefined, logger).verify(store, { scope: SCOPE, reference: SUBJECT });
    assert.equal(outcome.verified, true);
    assert.ok(logger.all.includes('debug Timestamp verification: Success'), logger.all.join('\n'));
    assert.ok(logger.all.includes('debug Timestamp range: [2025-06-01T12:00:00Z, 2025-06-01T12:00:00Z]'));
    assert.ok(logger.all.some((line) => /^debug Certificate "CN=Signer,[^"]*" expired at ".*", but timestamp is within certificate validity period$/.test(line)));
  });

  it('afterCertExpiry: skipped while the chain is valid, required once it expired', async () => {
    const store = await timestamped();
    const logger = lines();
    await verifierAt(SIGNED_AT + 3600_000, 'afterCertExpiry', logger).verify(store, { scope: SCOPE, reference: SUBJECT });
    assert.ok(logger.all.includes('info Timestamp verification disabled: verifyTimestamp is set to "afterCertExpiry" and signing cert chain unexpired'));
    const expired = await verifierAt(SIGNED_AT + 3 * 24 * 3600_000, 'afterCertExpiry').verify(store, { scope: SCOPE, reference: SUBJECT });
    assert.equal(expired.verified, true);
  });

  it('a revoked TSA certificate fails the authentic timestamp check; so does an untrusted TSA root', async () => {
    signWith = revokableTsa;
    revoked = true;
    try {
      const store = await timestamped().catch((error: unknown) => error);
      // Signing checks the TSA chain only when asked to; this timestamper was not: the token is embedded.
      assert.ok(store instanceof MemoryStore);
      const error = await verifierAt(SIGNED_AT + 3600_000).verify(store, { scope: SCOPE, reference: SUBJECT }).catch((e: unknown) => e);
      assert.match(outcomeOf(error)!.signatures[0]!.error!, /^timestamping certificate with subject "CN=Revokable TSA,[^"]*" is revoked$/);
    } finally {
      signWith = tsa;
      revoked = false;
    }
    const store = await timestamped();
    const untrusted = new Verifier({
      trustPolicy: policy({ trustStores: ['ca:leaf', 'tsa:tsa'] }),
      trustStore: new MemoryTrustStore({ 'ca:leaf': [leaf.certificate], 'tsa:tsa': [leaf.certificate] }),
      clock: { now: () => SIGNED_AT },
    });
    const error = await untrusted.verify(store, { scope: SCOPE, reference: SUBJECT }).catch((e: unknown) => e);
    assert.match(outcomeOf(error)!.signatures[0]!.error!, /^failed to verify the timestamp countersignature with error: failed to verify signed token: /);
  });
});

