import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readTestdata, testdata } from '../../../test/helpers/conformance.js';
import { buildCrl, buildTimestampResponse, distributionPoints, parseTimestampRequest, startLoopbackServer, type LoopbackServer, type SigningIdentity, type TsaAnswer } from '../../../test/helpers/pki-responders.js';
import { createLocalSigner, signEnvelope, verifyEnvelope, type VerifiedEnvelope } from '../../envelope/index.js';
import { PkiError } from '../../errors.js';
import type { Digest } from '../../oci/index.js';
import { createHttpPoster, createRevocationFetcher } from '../../fetcher/http.js';
import { createTsaRevocationCheck } from '../revocation/index.js';
import { generateTestCertificate, OID_EKU_CODE_SIGNING, OID_EKU_TIME_STAMPING, parseCertificate, type Certificate, type TestCertificate } from '../index.js';
import {
  berToDer,
  checkTimestampAgainstChain,
  createHttpTimestamper,
  createTimestampRequest,
  formatTimestampRange,
  parseSignedToken,
  verifySignedToken,
  validateTstInfo,
  verifyTimestampToken,
  type RequestTimestamper,
} from './index.js';

function rejectsWith(error: unknown, code: string, message: string | RegExp): true {
  assert.ok(error instanceof PkiError, `expected PkiError, got ${String(error)}`);
  assert.equal(error.code, code);
  if (typeof message === 'string') assert.equal(error.message, message);
  else assert.match(error.message, message);
  return true;
}

const tsaRoots = ['DigiCertTSARootSHA384.cer', 'globalsignTSARoot.cer'].map((name) => parseCertificate(readTestdata('config', 'timestamp', name)));

function timestampedLayoutEnvelope(layout: string): VerifiedEnvelope {
  const blobs = testdata('registry', 'oci_layout', layout, 'blobs', 'sha256');
  for (const file of readdirSync(blobs)) {
    const bytes = readFileSync(join(blobs, file));
    if (bytes[0] !== 0x7b || !bytes.includes('io.cncf.notary.timestampSignature')) continue;
    return verifyEnvelope('jws', bytes);
  }
  throw new Error(`no timestamped envelope in ${layout}`);
}

describe('real Notation timestamp countersignatures (Microsoft public TSA)', () => {
  const cases: [string, () => VerifiedEnvelope, string][] = [
    ['blob.jws.sig', () => verifyEnvelope('jws', readTestdata('signatures', 'blob.jws.sig')), '[2024-12-31T08:05:29.509Z, 2024-12-31T08:05:30.509Z]'],
    ['blob.cose.sig', () => verifyEnvelope('cose', readTestdata('signatures', 'blob.cose.sig')), '[2025-01-07T08:42:43.582Z, 2025-01-07T08:42:44.582Z]'],
    ['layout e2e-with-timestamped-signature', () => timestampedLayoutEnvelope('e2e-with-timestamped-signature'), '[2025-01-21T09:17:46.141Z, 2025-01-21T09:17:47.141Z]'],
  ];
  for (const [name, load, expectedRange] of cases) {
    it(`${name}: parses, verifies CMS signature, ESS binding and imprint; range as notation inspect prints it`, () => {
      const envelope = load();
      const token = parseSignedToken(envelope.unsignedAttributes.timestampSignature!);
      assert.equal(token.certificates.length, 2);
      const ca = token.certificates.find((c) => c.subject.startsWith('CN=Microsoft Public RSA Timestamping CA 2020'))!;
      assert.equal(ca.fingerprint256, '36e731cfa9bfd69dafb643809f6dec500902f7197daeaad86ea0159a2268a2b8');
      // The TSA chain ends at "Microsoft Identity Verification Root Certificate Authority 2020", which is not
      // in the e2e data: anchoring at the intermediate proves every cryptographic binding of the token.
      const chain = verifySignedToken(token, { roots: [ca], at: new Date(Number(token.info.genTimeNanos / 1_000_000n)) });
      assert.deepEqual(chain.map((c) => c.subject.split(',')[0]), ['CN=Microsoft Public RSA Time Stamping Authority', 'CN=Microsoft Public RSA Timestamping CA 2020']);
      // Notation rejects a non-root anchor at the profile step, after every token check passed.
      assert.throws(
        () => verifyTimestampToken(envelope.unsignedAttributes.timestampSignature!, { signatureBytes: envelope.signature, trustedRoots: [ca] }),
        (e: unknown) =>
          rejectsWith(e, 'ERR_PKI_TIMESTAMP_INVALID', /^failed to validate the timestamping certificate chain with error: root certificate with subject "CN=Microsoft Public RSA Timestamping CA 2020,O=Microsoft Corporation,C=US" is invalid or not self-signed/),
      );
      // With the e2e TSA roots (DigiCert, GlobalSign) the Microsoft chain has no anchor, exactly as in Notation.
      assert.throws(
        () => verifyTimestampToken(envelope.unsignedAttributes.timestampSignature!, { signatureBytes: envelope.signature, trustedRoots: tsaRoots }),
        (e: unknown) =>
          rejectsWith(e, 'ERR_PKI_TIMESTAMP_INVALID', 'failed to verify the timestamp countersignature with error: failed to verify signed token: cms verification failure: x509: certificate signed by unknown authority'),
      );
      assert.equal(token.info.accuracyNanos, 500_000_000n);
      assert.equal(formatTimestampRange(validateTstInfo(token.info, envelope.signature)), expectedRange);
    });

    it(`${name}: a token over other bytes fails the imprint check`, () => {
      const envelope = load();
      assert.throws(
        () => verifyTimestampToken(envelope.unsignedAttributes.timestampSignature!, { signatureBytes: Buffer.from('other bytes'), trustedRoots: tsaRoots }),
        (e: unknown) => rejectsWith(e, 'ERR_PKI_TIMESTAMP_INVALID', 'failed to get timestamp from timestamp countersignature with error: invalid TSTInfo: mismatched message'),
      );
    });
  }

  it('the real token is still valid once its length octets are re-encoded in non-minimal BER', () => {
    const envelope = verifyEnvelope('jws', readTestdata('signatures', 'blob.jws.sig'));
    const der = Buffer.from(envelope.unsignedAttributes.timestampSignature!);
    assert.equal(der[1], 0x82);
    const ber = Buffer.concat([Buffer.from([0x30, 0x84, 0x00, 0x00]), der.subarray(2)]);
    assert.deepEqual(Buffer.from(berToDer(ber)), der);
    assert.equal(parseSignedToken(ber).info.genTimeNanos, parseSignedToken(der).info.genTimeNanos);
  });

  it('e2e-with-invalid-timestamped-signature: the 8-byte token fails with notation inspect\'s message', () => {
    const envelope = timestampedLayoutEnvelope('e2e-with-invalid-timestamped-signature');
    const message =
      'cms: syntax error: invalid signed data: failed to convert from BER to DER: asn1: syntax error: decoding BER length octets: short form length octets value should be less or equal to the subsequent octets length';
    assert.throws(() => parseSignedToken(envelope.unsignedAttributes.timestampSignature!), (e: unknown) => rejectsWith(e, 'ERR_PKI_TIMESTAMP_MALFORMED', message));
    assert.throws(
      () => verifyTimestampToken(envelope.unsignedAttributes.timestampSignature!, { signatureBytes: envelope.signature, trustedRoots: tsaRoots }),
      (e: unknown) => rejectsWith(e, 'ERR_PKI_TIMESTAMP_MALFORMED', `failed to parse timestamp countersignature with error: ${message}`),
    );
  });

  it('an empty token means no countersignature', () => {
    assert.throws(
      () => verifyTimestampToken(new Uint8Array(0), { signatureBytes: new Uint8Array(1), trustedRoots: tsaRoots }),
      (e: unknown) => rejectsWith(e, 'ERR_PKI_TIMESTAMP_INVALID', 'no timestamp countersignature was found in the signature envelope'),
    );
  });
});

describe('BER to DER (tspclient-go messages)', () => {
  const cases: [number[], string][] = [
    [[], 'asn1: syntax error: BER-encoded ASN.1 data structures is empty'],
    [[0x30, 0x80, 0x00, 0x00], 'asn1: structure error: decoding BER length octets: indefinite length not supported'],
    [[0x30, 0x85, 1, 1, 1, 1, 1, 0], 'asn1: structure error: decoding BER length octets: length of encoded data (5 bytes) cannot exceed 4 bytes'],
    [[0x30, 0x03, 0x02, 0x01], 'asn1: syntax error: decoding BER length octets: short form length octets value should be less or equal to the subsequent octets length'],
    [[0x30, 0x01, 0x02, 0x00], 'asn1: syntax error: decoding BER: length octets value 1 does not match with content length 2'],
    [[0x30], 'asn1: syntax error: decoding BER identifier octets: early EOF due to missing length and content octets'],
  ];
  for (const [bytes, message] of cases) {
    it(`refuses ${Buffer.from(bytes).toString('hex') || '(empty)'}`, () => {
      assert.throws(() => berToDer(Uint8Array.from(bytes)), { message });
    });
  }
  it('normalises long-form lengths of nested values', () => {
    assert.deepEqual([...berToDer(Uint8Array.from([0x30, 0x81, 0x05, 0x04, 0x81, 0x02, 0xaa, 0xbb]))], [0x30, 0x04, 0x04, 0x02, 0xaa, 0xbb]);
  });
});

describe('RFC 3161 round trip against an in-test TSA over HTTP', () => {
  const NOW = new Date('2025-06-01T12:00:00Z');
  let root: TestCertificate;
  let tsa: TestCertificate;
  let codeSigner: TestCertificate;
  let otherRoot: TestCertificate;
  let rootCert: Certificate;
  let server: LoopbackServer;
  let answer: TsaAnswer & { httpStatus?: number; replyContentType?: string; raw?: Uint8Array } = {};
  let revokedTsa: TestCertificate;
  let crlBytes: Uint8Array = new Uint8Array(0);

  const identity = (c: TestCertificate): SigningIdentity => ({ certificate: c.certificate, privateKey: c.privateKey });

  before(async () => {
    const validity = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2026-01-01T00:00:00Z') };
    root = await generateTestCertificate({ commonName: 'Test TSA Root', keySpec: 'EC-256', isCA: true, ...validity });
    tsa = await generateTestCertificate({ commonName: 'Test TSA', keySpec: 'EC-256', issuer: root, extKeyUsage: [OID_EKU_TIME_STAMPING], extKeyUsageCritical: true, ...validity });
    codeSigner = await generateTestCertificate({ commonName: 'Not a TSA', keySpec: 'EC-256', issuer: root, extKeyUsage: [OID_EKU_CODE_SIGNING], ...validity });
    otherRoot = await generateTestCertificate({ commonName: 'Unrelated Root', keySpec: 'EC-256', isCA: true, ...validity });
    revokedTsa = await generateTestCertificate({
      commonName: 'Revoked TSA',
      keySpec: 'EC-256',
      issuer: root,
      extKeyUsage: [OID_EKU_TIME_STAMPING],
      extKeyUsageCritical: true,
      serialNumber: '4242',
      extraExtensions: [{ oid: '2.5.29.31', value: distributionPoints('http://crl.test/tsa.crl') }],
      ...validity,
    });
    rootCert = parseCertificate(root.certificate);
    server = await startLoopbackServer((request, response) => {
      if (request.method === 'GET' && request.url === '/tsa.crl') {
        response.end(Buffer.from(crlBytes));
        return;
      }
      if (answer.httpStatus) {
        response.statusCode = answer.httpStatus;
        response.end('no');
        return;
      }
      response.setHeader('Content-Type', answer.replyContentType ?? 'application/timestamp-reply');
      response.end(answer.raw ?? buildTimestampResponse(request.body, identity(tsa), [root.certificate], { genTime: new Date('2025-06-01T11:59:59.250Z'), ...answer }));
    });
  });
  after(() => server.close());

  const timestamper = (options: { roots?: Certificate[]; url?: string } = {}): RequestTimestamper =>
    createHttpTimestamper({ url: options.url ?? `${server.url}/tsa`, post: createHttpPoster(), trustedRoots: options.roots ?? [rootCert], now: () => NOW });
  const signature = Buffer.from('primitive signature bytes');

  async function fails(hostile: typeof answer, message: string | RegExp): Promise<void> {
    answer = hostile;
    try {
      await assert.rejects(timestamper().timestamp({ content: signature, hashAlgorithm: 'sha256' }), (e: unknown) => rejectsWith(e, 'ERR_PKI_TSA_FAILED', message));
    } finally {
      answer = {};
    }
  }

  it('requests with POST application/timestamp-query, the asked hash, a nonce and certReq', async () => {
    answer = { accuracy: { seconds: 1, millis: 500 } };
    const token = await timestamper().timestamp({ content: signature, hashAlgorithm: 'sha384' });
    answer = {};
    const request = server.requests.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.contentType, 'application/timestamp-query');
    const parsed = parseTimestampRequest(request.body);
    assert.equal(parsed.hashOid, '2.16.840.1.101.3.4.2.2');
    assert.deepEqual(parsed.hashParams && [...parsed.hashParams], [0x05, 0x00]);
    assert.ok(parsed.nonce !== undefined && parsed.nonce < 2n ** 159n);
    assert.equal(parsed.certReq, true);

    const verified = verifyTimestampToken(token, { signatureBytes: signature, trustedRoots: [rootCert], hash: 'sha384' });
    assert.equal(formatTimestampRange(verified.range), '[2025-06-01T11:59:57.75Z, 2025-06-01T12:00:00.75Z]');
    assert.deepEqual(verified.tsaChain.map((c) => c.subject.split(',')[0]), ['CN=Test TSA', 'CN=Test TSA Root']);
    assert.throws(() => verifyTimestampToken(token, { signatureBytes: signature, trustedRoots: [rootCert], hash: 'sha256' }), /message imprint must use sha256/);
  });

  it('signs an envelope end to end, and the embedded token verifies against the TSA root', async () => {
    const leaf = await generateTestCertificate({ commonName: 'signer', keySpec: 'EC-256', notBefore: new Date('2025-05-31T12:00:00Z') });
    const bytes = await signEnvelope({
      format: 'cose',
      payload: { targetArtifact: { mediaType: 'application/octet-stream', digest: `sha256:${'a'.repeat(64)}` as Digest, size: 1 } },
      signer: createLocalSigner(leaf.privateKey, [leaf.certificate]),
      signingTime: NOW,
      timestamper: timestamper(),
    });
    const envelope = verifyEnvelope('cose', bytes);
    const verified = verifyTimestampToken(envelope.unsignedAttributes.timestampSignature!, { signatureBytes: envelope.signature, trustedRoots: [rootCert] });
    assert.equal(verified.range.accuracyNanos, 0n);
    assert.equal(checkTimestampAgainstChain(verified.range, envelope.certificateChain), undefined);
    const expiredLeaf = { ...envelope.certificateChain[0]!, notAfter: new Date('2025-06-01T00:00:00Z') };
    assert.equal(
      checkTimestampAgainstChain(verified.range, [expiredLeaf]),
      `timestamp can be after certificate "${expiredLeaf.subject}" validity period, it was expired at "Sun, 01 Jun 2025 00:00:00 +0000"`,
    );
  });

  it('verification uses the policy roots: another root is "signed by unknown authority"', async () => {
    const token = await timestamper().timestamp({ content: signature, hashAlgorithm: 'sha256' });
    assert.throws(
      () => verifyTimestampToken(token, { signatureBytes: signature, trustedRoots: [parseCertificate(otherRoot.certificate)] }),
      (e: unknown) => rejectsWith(e, 'ERR_PKI_TIMESTAMP_INVALID', 'failed to verify the timestamp countersignature with error: failed to verify signed token: cms verification failure: x509: certificate signed by unknown authority'),
    );
    assert.throws(() => verifyTimestampToken(token, { signatureBytes: signature, trustedRoots: [] }), { message: 'no trusted TSA certificate found in trust store' });
  });

  it('rejects a wrong nonce', () => fails({ nonce: 42n }, /^timestamp: invalid timestamping response: nonce in response 42 does not match nonce in request \d+$/));
  it('rejects a missing nonce', () => fails({ nonce: null }, /nonce in response <nil> does not match nonce in request/));
  it('rejects a wrong imprint', () => fails({ hashedMessage: new Uint8Array(32) }, /^timestamp: invalid timestamping response: message imprint in response .* does not match with request/));
  it('reports a rejection with its failure info', () =>
    fails({ status: 2, failInfoBits: [0, 25] }, 'timestamp: invalid timestamping response: invalid response with status code 2: rejected. Failure info: unrecognized or unsupported Algorithm Identifier; the request cannot be handled due to system failure'));
  it('rejects a token signed by a certificate without the timeStamping EKU', async () => {
    await fails(
      { signer: identity(codeSigner) },
      'timestamp: failed to verify signed token: cms verification failure: x509: certificate specifies an incompatible key usage',
    );
  });
  it('rejects a tampered CMS signature', () => fails({ tamperSignature: true }, 'timestamp: failed to verify signed token: cms verification failure: x509: ECDSA verification failure'));
  it('rejects a token without signing-certificate-v2', () =>
    fails({ omitSigningCertificateV2: true }, 'timestamp: invalid timestamping response: certReq is True in request, but did not find any TSA signing certificate in the response'));
  it('rejects an ESS binding to another certificate', () =>
    fails({ essCertificate: root.certificate }, 'timestamp: invalid timestamping response: certReq is True in request, but did not find any TSA signing certificate in the response'));
  it('rejects a wrong message digest attribute', () => fails({ messageDigest: new Uint8Array(32) }, 'timestamp: failed to verify signed token: cms verification failure: mismatch message digest'));
  it('rejects a signing-time attribute outside the TSA chain validity', () =>
    fails({ signingTime: new Date('2027-01-01T00:00:00Z') }, /cms verification failure: signing time, 2027-01-01T00:00:00.000Z, is outside certificate's validity period/));
  it('rejects garbage bytes', () => fails({ raw: Buffer.from('garbage, not DER') }, /^timestamp: invalid timestamping response: asn1: /));
  it('rejects an oversized reply (1 MiB cap)', () =>
    fails({ raw: new Uint8Array(1024 * 1024 + 10) }, /^timestamp: POST "http:\/\/127\.0\.0\.1:\d+\/tsa": unexpected large http response, max response body size allowed is 1 MiB$/));
  it('rejects a non-200 status and a wrong content type', async () => {
    await fails({ httpStatus: 500 }, `timestamp: POST "${server.url}/tsa": https response bad status: 500`);
    await fails({ replyContentType: 'text/plain' }, `timestamp: POST "${server.url}/tsa": unexpected response content type: text/plain`);
  });
  it('reports an unreachable TSA as Notation does ("timestamp: Post ...")', async () => {
    const closed = await startLoopbackServer(() => undefined);
    const url = `${closed.url}/gone`;
    await closed.close();
    await assert.rejects(timestamper({ url }).timestamp({ content: signature, hashAlgorithm: 'sha256' }), (e: unknown) =>
      rejectsWith(e, 'ERR_PKI_TSA_FAILED', new RegExp(`^timestamp: Post "${url.replace(/[.]/g, '\\.')}": connect ECONNREFUSED`)),
    );
  });
  it('refuses bad TSA URLs up front', () => {
    assert.throws(() => createHttpTimestamper({ url: '', post: createHttpPoster(), trustedRoots: [rootCert], now: () => NOW }), { message: 'timestamping: tsa url cannot be empty' });
    assert.throws(() => createHttpTimestamper({ url: 'ftp://x', post: createHttpPoster(), trustedRoots: [rootCert], now: () => NOW }), { message: 'endpoint "ftp://x": scheme must be http or https, but got "ftp"' });
  });
  it('checks the TSA chain\'s revocation when asked (createTsaRevocationCheck)', async () => {
    const revocationTimestamper = (serials: bigint[]) => {
      crlBytes = buildCrl({
        issuer: identity(root),
        thisUpdate: new Date('2025-05-01T00:00:00Z'),
        nextUpdate: new Date('2025-07-01T00:00:00Z'),
        entries: serials.map((serial) => ({ serial, revocationDate: new Date('2025-05-02T00:00:00Z') })),
      });
      return createHttpTimestamper({
        url: `${server.url}/tsa`,
        post: createHttpPoster(),
        trustedRoots: [rootCert],
        now: () => NOW,
        checkRevocation: createTsaRevocationCheck({
          fetcher: createRevocationFetcher({ resolveUrl: (url) => url.replace('http://crl.test', server.url) }),
          now: () => NOW,
        }),
      });
    };
    answer = { signer: identity(revokedTsa), certificates: [revokedTsa.certificate, root.certificate] };
    try {
      assert.ok((await revocationTimestamper([1n]).timestamp({ content: signature, hashAlgorithm: 'sha256' })).length > 100);
      await assert.rejects(revocationTimestamper([0x4242n]).timestamp({ content: signature, hashAlgorithm: 'sha256' }), (e: unknown) =>
        rejectsWith(e, 'ERR_PKI_TSA_FAILED', 'timestamp: timestamping certificate with subject "CN=Revoked TSA,O=Notary,L=Seattle,ST=WA,C=US" is revoked'),
      );
    } finally {
      answer = {};
    }
  });

  it('builds requests with a 159-bit nonce from the injected randomness', () => {
    const request = createTimestampRequest(signature, 'sha512', { randomBytes: (n) => new Uint8Array(n).fill(0xff) });
    assert.equal(request.nonce, 2n ** 159n - 1n);
  });
});

describe('hostile token bytes', () => {
  it('random corruptions of a real token only ever fail with a PkiError', () => {
    const envelope = verifyEnvelope('jws', readTestdata('signatures', 'blob.jws.sig'));
    const token = envelope.unsignedAttributes.timestampSignature!;
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    let parsed = 0;
    for (let round = 0; round < 400; round++) {
      const copy = Uint8Array.from(token);
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      const cut = random() < 0.2 ? copy.subarray(0, Math.floor(random() * copy.length)) : copy;
      try {
        verifyTimestampToken(cut, { signatureBytes: envelope.signature, trustedRoots: tsaRoots });
        assert.fail('a corrupted token must not verify against the e2e roots');
      } catch (error) {
        assert.ok(error instanceof PkiError, `round ${round}: ${String(error)}`);
        if (error.code !== 'ERR_PKI_TIMESTAMP_MALFORMED') parsed++;
      }
    }
    assert.ok(parsed > 0, 'some corruptions (inside signatures, certificates) still parse');
  });
});
