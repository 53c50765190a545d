import assert from 'node:assert/strict';
import { constants, createPrivateKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { decode, encode, Tag } from 'cbor2';
import { sortCoreDeterministic } from 'cbor2/sorts';
import { EnvelopeError, type EnvelopeErrorCode } from '../errors.js';
import { MAX_ENVELOPE_BYTES } from '../limits.js';
import { buildTestChain, CertificateCache, generateTestCertificate, KEY_SPECS, KEY_SPEC_NAMES, OID_EKU_SERVER_AUTH, type KeySpec, type TestCertificate } from '../pki/index.js';
import { RSA_8192_TEST_KEY_PEM } from '../../test/fixtures/rsa-8192-key.js';
import { goJson } from './encoding.js';
import { createLocalSigner, signEnvelope, verifyEnvelope, type EnvelopeFormat, type NotaryPayload, type SignEnvelopeRequest, type Signer } from './index.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const SIGNING_TIME = new Date('2025-03-01T12:30:00.750Z');
const PAYLOAD: NotaryPayload = {
  targetArtifact: {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${'b'.repeat(64)}` as never,
    size: 517,
    annotations: { 'io.wabbit-networks.buildId': '123' },
  },
};
const FORMATS: readonly EnvelopeFormat[] = ['jws', 'cose'];

function rejects(fn: () => unknown, code: EnvelopeErrorCode, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof EnvelopeError, `expected EnvelopeError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

async function rejectsAsync(fn: () => Promise<unknown>, code: EnvelopeErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(error instanceof EnvelopeError, `expected EnvelopeError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

const certs: Partial<Record<KeySpec, TestCertificate>> = {};
before(async () => {
  for (const keySpec of KEY_SPEC_NAMES) {
    certs[keySpec] = await generateTestCertificate({ commonName: `rt-${keySpec}`, keySpec, notBefore: NOW });
  }
});
const signerFor = (keySpec: KeySpec): Signer => createLocalSigner(certs[keySpec]!.privateKey, [certs[keySpec]!.certificate]);
const sign = (format: EnvelopeFormat, extra: Partial<SignEnvelopeRequest> = {}): Promise<Uint8Array> =>
  signEnvelope({ format, payload: PAYLOAD, signer: signerFor('EC-256'), signingTime: SIGNING_TIME, signingAgent: 'portcullis/0.1.0', ...extra });

describe('round trips', () => {
  for (const format of FORMATS) {
    for (const keySpec of KEY_SPEC_NAMES) {
      it(`${format} × ${keySpec}: sign then verify`, async () => {
        const bytes = await signEnvelope({ format, payload: PAYLOAD, signer: signerFor(keySpec), signingTime: SIGNING_TIME, signingAgent: 'portcullis/0.1.0' });
        const result = verifyEnvelope(format, bytes);
        assert.equal(result.keySpec, keySpec);
        assert.deepEqual({ ...result.payload.targetArtifact }, { ...PAYLOAD.targetArtifact });
        assert.equal(result.signedAttributes.signingScheme, 'notary.x509');
        assert.equal(result.signedAttributes.signingScheme === 'notary.x509' && result.signedAttributes.signingTime.toISOString(), '2025-03-01T12:30:00.000Z');
        assert.equal(result.unsignedAttributes.signingAgent, 'portcullis/0.1.0');
        assert.equal(result.certificateChain[0]!.subject, `CN=rt-${keySpec},O=Notary,L=Seattle,ST=WA,C=US`);
        assert.equal(result.signature.length, KEY_SPECS[keySpec].signatureLength);
      });
    }

    it(`${format}: expiry, extended attributes, timestamp, signingAuthority and a CA chain`, async () => {
      const chain = await buildTestChain({ notBefore: NOW, intermediates: 1, leafKeySpec: 'EC-384', caKeySpec: 'EC-256' });
      const signer = createLocalSigner(chain.leaf.privateKey, chain.chain);
      const tokens: Uint8Array[] = [];
      const bytes = await signEnvelope({
        format,
        payload: PAYLOAD,
        signer,
        signingTime: SIGNING_TIME,
        expiry: new Date('2025-03-02T00:00:00Z'),
        signingAgent: 'portcullis/0.1.0',
        extendedAttributes: [
          { key: 'io.example.tier', value: 'gold', critical: false },
          { key: 'io.example.policy', value: 'strict', critical: true },
        ],
        timestamper: {
          async timestamp(request) {
            assert.equal(request.hashAlgorithm, 'sha384');
            tokens.push(request.content);
            return Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01);
          },
        },
      });
      rejects(() => verifyEnvelope(format, bytes), 'ERR_ENVELOPE_CRITICAL_HEADER', /"io\.example\.policy"/);
      const cache = new CertificateCache();
      const result = verifyEnvelope(format, bytes, { knownCriticalAttributes: ['io.example.policy'], certificateCache: cache });
      assert.equal(result.certificateChain.length, 3);
      assert.equal(result.signedAttributes.expiry?.toISOString(), '2025-03-02T00:00:00.000Z');
      assert.deepEqual(
        [...result.signedAttributes.extendedAttributes].sort((a, b) => String(a.key).localeCompare(String(b.key))),
        [
          { key: 'io.example.policy', value: 'strict', critical: true },
          { key: 'io.example.tier', value: 'gold', critical: false },
        ],
      );
      assert.deepEqual([...result.unsignedAttributes.timestampSignature!], [0x30, 0x03, 0x02, 0x01, 0x01]);
      assert.deepEqual(Buffer.from(tokens[0]!), Buffer.from(result.signature), 'the timestamp countersigns the primitive signature');
      verifyEnvelope(format, bytes, { knownCriticalAttributes: ['io.example.policy'], certificateCache: cache });
      assert.ok(cache.stats.hits >= 3);

      const sa = await signEnvelope({ format, payload: PAYLOAD, signer, signingTime: SIGNING_TIME, signingScheme: 'notary.x509.signingAuthority', timestamper: { timestamp: async () => assert.fail('no timestamp under signingAuthority') } });
      const saResult = verifyEnvelope(format, sa);
      assert.equal(saResult.signedAttributes.signingScheme, 'notary.x509.signingAuthority');
      assert.equal(saResult.signedAttributes.signingScheme === 'notary.x509.signingAuthority' && saResult.signedAttributes.authenticSigningTime.getTime(), Date.parse('2025-03-01T12:30:00Z'));
      assert.equal(saResult.unsignedAttributes.signingAgent, undefined);
    });

    it(`${format}: a named verification plugin defers unknown critical attributes`, async () => {
      const bytes = await sign(format, {
        extendedAttributes: [
          { key: 'io.cncf.notary.verificationPlugin', value: 'com.example.plugin', critical: true },
          { key: 'io.example.plugin-only', value: true, critical: true },
        ],
      });
      const result = verifyEnvelope(format, bytes);
      assert.deepEqual(result.unprocessedCriticalAttributes, ['io.example.plugin-only']);
    });
  }

  it('JWS output has Notation\'s shape', async () => {
    const bytes = await sign('jws');
    const text = Buffer.from(bytes).toString();
    assert.match(text, /^\{"payload":"[A-Za-z0-9_-]+","protected":"[A-Za-z0-9_-]+","header":\{"x5c":\["[A-Za-z0-9+/=]+"\],"io\.cncf\.notary\.signingAgent":"portcullis\/0\.1\.0"\},"signature":"[A-Za-z0-9_-]+"\}$/);
    const envelope = JSON.parse(text);
    assert.equal(
      Buffer.from(envelope.protected, 'base64url').toString(),
      '{"alg":"ES256","crit":["io.cncf.notary.signingScheme"],"cty":"application/vnd.cncf.notary.payload.v1+json","io.cncf.notary.signingScheme":"notary.x509","io.cncf.notary.signingTime":"2025-03-01T12:30:00Z"}',
    );
    assert.equal(
      Buffer.from(envelope.payload, 'base64url').toString(),
      `{"targetArtifact":{"annotations":{"io.wabbit-networks.buildId":"123"},"digest":"sha256:${'b'.repeat(64)}","mediaType":"application/vnd.oci.image.manifest.v1+json","size":517}}`,
    );
  });

  it('writes JSON as encoding/json does: HTML-safe escapes, byte-ordered keys, U+FFFD for lone surrogates', () => {
    assert.equal(goJson({ b: 'x', é: 1, a: '<&>\u2028\ud800é' }, true), '{"a":"\\u003c\\u0026\\u003e\\u2028\ufffdé","b":"x","é":1}');
  });

  it('refuses signing requests that cannot produce a valid envelope', async () => {
    await rejectsAsync(() => sign('jws', { expiry: new Date('2025-03-01T12:30:00.999Z') }), 'ERR_ENVELOPE_SIGN_REQUEST_INVALID', /expiry cannot be equal or before the signing time/);
    await rejectsAsync(() => sign('jws', { signingTime: new Date('2024-01-01T00:00:00Z') }), 'ERR_ENVELOPE_SIGN_REQUEST_INVALID', /invalid at signing time/);
    await rejectsAsync(() => sign('jws', { extendedAttributes: [{ key: 'io.cncf.notary.expiry', value: 'x', critical: false }] }), 'ERR_ENVELOPE_SIGN_REQUEST_INVALID', /reserved/);
    await rejectsAsync(() => sign('jws', { format: 'pdf' as never }), 'ERR_ENVELOPE_UNSUPPORTED_FORMAT');
    assert.throws(() => createLocalSigner(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, []), /rsa key size 1024 bits is not supported/);
    assert.throws(() => createLocalSigner(createPrivateKey(RSA_8192_TEST_KEY_PEM), []), /rsa key size 8192 bits is not supported/);
    assert.throws(() => createLocalSigner(certs['EC-384']!.privateKey, [certs['EC-256']!.certificate]), /does not match the public key of the leaf/);
    const lying: Signer = { ...signerFor('EC-256'), keySpec: 'EC-384' };
    await rejectsAsync(() => sign('cose', { signer: lying }), 'ERR_ENVELOPE_SIGN_REQUEST_INVALID', /key spec EC-384/);
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile envelopes, built by hand so each violates exactly one rule.

const b64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url');

interface JwsParts {
  header?: Record<string, unknown>;
  payload?: unknown;
  key?: KeyObject;
  chain?: readonly Uint8Array[];
  hash?: string;
  pss?: boolean;
  mutate?: (envelope: Record<string, unknown>) => void;
}

function defaultHeader(alg = 'ES256'): Record<string, unknown> {
  return {
    alg,
    crit: ['io.cncf.notary.signingScheme'],
    cty: 'application/vnd.cncf.notary.payload.v1+json',
    'io.cncf.notary.signingScheme': 'notary.x509',
    'io.cncf.notary.signingTime': '2025-03-01T12:30:00Z',
  };
}

/** A JWS signed for real, with whatever header/payload/key the case needs. */
function jws(parts: JwsParts = {}): Uint8Array {
  const cert = certs['EC-256']!;
  const key = parts.key ?? cert.privateKey;
  const protectedB64 = b64url(goJson(parts.header ?? defaultHeader(), true));
  const payloadB64 = b64url(typeof parts.payload === 'string' ? parts.payload : goJson(parts.payload ?? PAYLOAD, true));
  const input = Buffer.from(`${protectedB64}.${payloadB64}`);
  const signature =
    key.asymmetricKeyType === 'rsa'
      ? cryptoSign(parts.hash ?? 'sha256', input, parts.pss === false ? key : { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })
      : cryptoSign(parts.hash ?? 'sha256', input, { key, dsaEncoding: 'ieee-p1363' });
  const envelope: Record<string, unknown> = {
    payload: payloadB64,
    protected: protectedB64,
    header: { x5c: (parts.chain ?? [cert.certificate]).map((der) => Buffer.from(der).toString('base64')) },
    signature: b64url(signature),
  };
  parts.mutate?.(envelope);
  return Buffer.from(JSON.stringify(envelope));
}

describe('hostile JWS envelopes', () => {
  it('the hand-built baseline verifies (so each case below fails for its own reason)', () => {
    verifyEnvelope('jws', jws());
  });

  const headerCases: [string, (h: Record<string, unknown>) => void, EnvelopeErrorCode, RegExp][] = [
    ['alg: none', (h) => (h.alg = 'none'), 'ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', /"none" is not supported/],
    ['alg: HS256', (h) => (h.alg = 'HS256'), 'ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', /"HS256" is not supported/],
    ['alg: RS256', (h) => (h.alg = 'RS256'), 'ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', /"RS256" is not supported/],
    ['alg not matching the key', (h) => (h.alg = 'ES384'), 'ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', /derived from signing certificate \(ES256\) and signing algorithm specified \(ES384\)/],
    ['unknown critical header', (h) => { h['io.example.must'] = 1; h.crit = ['io.cncf.notary.signingScheme', 'io.example.must']; }, 'ERR_ENVELOPE_CRITICAL_HEADER', /unsupported critical header\(s\) "io\.example\.must"/],
    ['alg listed in crit', (h) => (h.crit = ['io.cncf.notary.signingScheme', 'alg']), 'ERR_ENVELOPE_CRITICAL_HEADER', /"alg" header must not be marked critical/],
    ['signingTime listed in crit', (h) => (h.crit = ['io.cncf.notary.signingScheme', 'io.cncf.notary.signingTime']), 'ERR_ENVELOPE_CRITICAL_HEADER', /signingTime" header must not be marked critical/],
    ['absent header listed in crit', (h) => (h.crit = ['io.cncf.notary.signingScheme', 'io.cncf.notary.expiry']), 'ERR_ENVELOPE_CRITICAL_HEADER', /marked critical but not present/],
    ['duplicate crit entry', (h) => (h.crit = ['io.cncf.notary.signingScheme', 'io.cncf.notary.signingScheme']), 'ERR_ENVELOPE_CRITICAL_HEADER', /more than once/],
    ['missing crit', (h) => delete h.crit, 'ERR_ENVELOPE_CRITICAL_HEADER', /missing "crit" header/],
    ['empty crit', (h) => (h.crit = []), 'ERR_ENVELOPE_CRITICAL_HEADER', /missing "crit" header/],
    ['expiry not critical', (h) => (h['io.cncf.notary.expiry'] = '2025-03-02T00:00:00Z'), 'ERR_ENVELOPE_CRITICAL_HEADER', /not marked as critical: \[io\.cncf\.notary\.expiry\]/],
    ['missing signingScheme', (h) => { delete h['io.cncf.notary.signingScheme']; h.crit = ['io.cncf.notary.signingTime']; }, 'ERR_ENVELOPE_INVALID', /missing "io\.cncf\.notary\.signingScheme"/],
    ['unknown signingScheme', (h) => (h['io.cncf.notary.signingScheme'] = 'notary.x509.v2'), 'ERR_ENVELOPE_INVALID', /unsupported SigningScheme/],
    ['missing signingTime', (h) => delete h['io.cncf.notary.signingTime'], 'ERR_ENVELOPE_INVALID', /signingTime" header must be present/],
    ['authenticSigningTime under notary.x509', (h) => (h['io.cncf.notary.authenticSigningTime'] = '2025-03-01T12:30:00Z'), 'ERR_ENVELOPE_INVALID', /must not be present for notary\.x509/],
    ['signingTime that is not RFC 3339', (h) => (h['io.cncf.notary.signingTime'] = '2025-03-01 12:30:00'), 'ERR_ENVELOPE_INVALID', /not an RFC 3339/],
    ['expiry before signing time', (h) => { h['io.cncf.notary.expiry'] = '2025-03-01T12:00:00Z'; h.crit = ['io.cncf.notary.signingScheme', 'io.cncf.notary.expiry']; }, 'ERR_ENVELOPE_INVALID', /expiry cannot be equal or before the signing time/],
    ['wrong content type', (h) => (h.cty = 'application/json'), 'ERR_ENVELOPE_PAYLOAD_INVALID', /payload content type "application\/json" not supported/],
    ['non-critical verification plugin', (h) => (h['io.cncf.notary.verificationPlugin'] = 'x'), 'ERR_ENVELOPE_CRITICAL_HEADER', /must be marked critical/],
  ];
  for (const [name, edit, code, message] of headerCases) {
    it(`rejects ${name}`, () => {
      const header = defaultHeader();
      edit(header);
      rejects(() => verifyEnvelope('jws', jws({ header })), code, message);
    });
  }

  it('rejects RSA-1024 and RSA-8192 leaf keys, RSASSA-PKCS1 signatures, and tampering', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const smallCert = await generateTestCertificate({ commonName: 'small', privateKey: small, notBefore: NOW });
    rejects(() => verifyEnvelope('jws', jws({ header: defaultHeader('PS256'), key: small, chain: [smallCert.certificate] })), 'ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', /rsa key size 1024 bits is not supported/);
    const big = createPrivateKey(RSA_8192_TEST_KEY_PEM);
    const bigCert = await generateTestCertificate({ commonName: 'big', privateKey: big, notBefore: NOW });
    rejects(() => verifyEnvelope('jws', jws({ header: defaultHeader('PS512'), key: big, chain: [bigCert.certificate], hash: 'sha512' })), 'ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', /rsa key size 8192 bits is not supported/);
    const rsa = certs['RSA-2048']!;
    verifyEnvelope('jws', jws({ header: defaultHeader('PS256'), key: rsa.privateKey, chain: [rsa.certificate] }));
    rejects(() => verifyEnvelope('jws', jws({ header: defaultHeader('PS256'), key: rsa.privateKey, chain: [rsa.certificate], pss: false })), 'ERR_ENVELOPE_SIGNATURE_INVALID');
    rejects(() => verifyEnvelope('jws', jws({ mutate: (e) => (e.payload = b64url(goJson({ targetArtifact: { ...PAYLOAD.targetArtifact, size: 518 } }, true))) })), 'ERR_ENVELOPE_SIGNATURE_INVALID');
  });

  it('rejects certificate chain problems', async () => {
    const chain = await buildTestChain({ notBefore: NOW, intermediates: 1, leafKeySpec: 'EC-256', caKeySpec: 'EC-256' });
    const key = chain.leaf.privateKey;
    verifyEnvelope('jws', jws({ key, chain: chain.chain }));
    rejects(() => verifyEnvelope('jws', jws({ key, chain: [chain.chain[0]!, chain.chain[2]!, chain.chain[1]!] })), 'ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', /^certificate-chain is invalid, invalid certificates or certificate with subject .* is not issued by/);
    const caLeaf = await generateTestCertificate({ commonName: 'ca-leaf', keySpec: 'EC-256', isCA: true, keyUsage: 1 | 32, extKeyUsage: null, notBefore: NOW });
    rejects(() => verifyEnvelope('jws', jws({ key: caLeaf.privateKey, chain: [caLeaf.certificate] })), 'ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', /if the basic constraints extension is present, the ca field must be set to false/);
    const tls = await generateTestCertificate({ commonName: 'tls', keySpec: 'EC-256', extKeyUsage: [OID_EKU_SERVER_AUTH], notBefore: NOW });
    rejects(() => verifyEnvelope('jws', jws({ key: tls.privateKey, chain: [tls.certificate] })), 'ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', /extended key usage must not contain ServerAuth eku/);
    rejects(() => verifyEnvelope('jws', jws({ chain: [] })), 'ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', /certificate chain is not present/);
    rejects(() => verifyEnvelope('jws', jws({ chain: [Uint8Array.of(0x30, 0x00)] })), 'ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', /malformed leaf certificate/);
    rejects(() => verifyEnvelope('jws', jws({ chain: Array(17).fill(certs['EC-256']!.certificate) })), 'ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', /at most 16/);
  });

  it('rejects structural problems', () => {
    rejects(() => verifyEnvelope('jws', jws({ mutate: (e) => (e.signatures = []) })), 'ERR_ENVELOPE_INVALID', /unsupported member "signatures"/);
    rejects(() => verifyEnvelope('jws', jws({ mutate: (e) => delete e.header })), 'ERR_ENVELOPE_INVALID', /missing "header"/);
    rejects(() => verifyEnvelope('jws', jws({ mutate: (e) => (e.protected = `${e.protected as string}=`) })), 'ERR_ENVELOPE_INVALID', /base64url/);
    rejects(() => verifyEnvelope('jws', jws({ mutate: (e) => (e.signature = (e.signature as string).replace(/.$/, '*')) })), 'ERR_ENVELOPE_INVALID', /base64url/);
    rejects(() => verifyEnvelope('jws', jws({ mutate: (e) => ((e.header as Record<string, unknown>).x5c = ['!!']) })), 'ERR_ENVELOPE_INVALID', /x5c\[0\] is not padded standard base64/);
    rejects(() => verifyEnvelope('jws', jws({ mutate: (e) => ((e.header as Record<string, unknown>).alg = 'ES256') })), 'ERR_ENVELOPE_INVALID', /must be in the protected header/);
    const duplicate = Buffer.from(Buffer.from(jws()).toString().replace('{"payload":', '{"payload":"e30","payload":'));
    rejects(() => verifyEnvelope('jws', duplicate), 'ERR_ENVELOPE_INVALID', /duplicate key "payload"/);
    rejects(() => verifyEnvelope('jws', Buffer.from('{"payload":')), 'ERR_ENVELOPE_INVALID', /not valid JSON/);
    rejects(() => verifyEnvelope('jws', Buffer.from([0xff, 0xfe])), 'ERR_ENVELOPE_INVALID', /not valid UTF-8/);
    const dupHeader = '{"alg":"ES256","alg":"none"}';
    rejects(() => verifyEnvelope('jws', jws({ mutate: (e) => (e.protected = b64url(dupHeader)) })), 'ERR_ENVELOPE_INVALID', /duplicate key "alg"/);
  });

  it('rejects oversized envelopes before parsing', () => {
    rejects(() => verifyEnvelope('jws', new Uint8Array(MAX_ENVELOPE_BYTES + 1)), 'ERR_ENVELOPE_SIZE_EXCEEDED');
    rejects(() => verifyEnvelope('cose', new Uint8Array(MAX_ENVELOPE_BYTES + 1)), 'ERR_ENVELOPE_SIZE_EXCEEDED');
  });

  const payloadCases: [string, unknown, RegExp][] = [
    ['extra top-level member', { ...PAYLOAD, extra: 1 }, /unsupported member\(s\) "extra"/],
    ['missing targetArtifact', { target: PAYLOAD.targetArtifact }, /missing "targetArtifact"/],
    ['missing size', { targetArtifact: { mediaType: 'a/b', digest: `sha256:${'b'.repeat(64)}` } }, /missing "size"/],
    ['missing digest', { targetArtifact: { mediaType: 'a/b', size: 1 } }, /missing "digest"/],
    ['bad digest', { targetArtifact: { mediaType: 'a/b', digest: 'md5:abc', size: 1 } }, /digest "md5:abc"/],
    ['negative size', { targetArtifact: { mediaType: 'a/b', digest: `sha256:${'b'.repeat(64)}`, size: -1 } }, /size/],
    ['non-string annotation', { targetArtifact: { ...PAYLOAD.targetArtifact, annotations: { a: 1 } } }, /annotations/],
    ['array payload', [PAYLOAD], /must be a JSON object/],
  ];
  for (const [name, payload, message] of payloadCases) {
    it(`rejects a payload with ${name}`, () => {
      rejects(() => verifyEnvelope('jws', jws({ payload })), 'ERR_ENVELOPE_PAYLOAD_INVALID', message);
    });
  }

  it('accepts unknown descriptor fields and sha384 blob digests in the payload', () => {
    const result = verifyEnvelope('jws', jws({ payload: { targetArtifact: { mediaType: 'application/octet-stream', digest: `sha384:${'c'.repeat(96)}`, size: 3, 'io.example.future': true } } }));
    assert.equal(result.payload.targetArtifact.digest, `sha384:${'c'.repeat(96)}`);
  });
});

describe('hostile COSE envelopes', () => {
  let good: Uint8Array;
  before(async () => {
    good = await sign('cose');
  });
  const parts = (): { tag: Tag; p: Map<unknown, unknown>; u: Map<unknown, unknown>; payload: Uint8Array; sig: Uint8Array } => {
    const tag = decode(good, { preferMap: true, ignoreGlobalTags: true }) as Tag;
    const [p, u, payload, sig] = tag.contents as [Uint8Array, Map<unknown, unknown>, Uint8Array, Uint8Array];
    return { tag, p: decode(p, { preferMap: true, ignoreGlobalTags: true }) as Map<unknown, unknown>, u, payload, sig };
  };
  const plain = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const rebuild = (p: Map<unknown, unknown>, u: Map<unknown, unknown>, payload: Uint8Array, sig: Uint8Array, tag = 18): Uint8Array => {
    const unprotected = new Map([...u].map(([k, v]) => [k, Array.isArray(v) ? v.map(plain) : v instanceof Uint8Array ? plain(v) : v]));
    return encode(new Tag(tag, [encode(p, { sortKeys: sortCoreDeterministic }), unprotected, plain(payload), plain(sig)]), { sortKeys: sortCoreDeterministic });
  };

  it('the baseline verifies and survives a decode/re-encode unchanged', () => {
    verifyEnvelope('cose', good);
    const { p, u, payload, sig } = parts();
    assert.equal(Buffer.compare(rebuild(p, u, payload, sig), good), 0);
  });

  it('rejects truncated, untagged, wrongly tagged and trailing-data input', () => {
    rejects(() => verifyEnvelope('cose', good.subarray(0, good.length - 7)), 'ERR_ENVELOPE_INVALID', /not well-formed CBOR/);
    rejects(() => verifyEnvelope('cose', good.subarray(1)), 'ERR_ENVELOPE_INVALID', /untagged COSE_Sign1 is not supported/);
    const { p, u, payload, sig } = parts();
    rejects(() => verifyEnvelope('cose', rebuild(p, u, payload, sig, 98)), 'ERR_ENVELOPE_INVALID', /expected CBOR tag 18, got tag 98/);
    rejects(() => verifyEnvelope('cose', Buffer.concat([good, Uint8Array.of(0)])), 'ERR_ENVELOPE_INVALID', /not well-formed CBOR/);
    rejects(() => verifyEnvelope('cose', Uint8Array.of()), 'ERR_ENVELOPE_INVALID');
  });

  const cases: [string, (p: Map<unknown, unknown>, u: Map<unknown, unknown>) => void, EnvelopeErrorCode, RegExp][] = [
    ['alg not matching the key', (p) => p.set(1, -35), 'ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', /\(ES256\) and signing algorithm specified \(ES384\)/],
    ['HMAC alg', (p) => p.set(1, 5), 'ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', /signature algorithm 5 is not supported/],
    ['missing alg', (p) => p.delete(1), 'ERR_ENVELOPE_INVALID', /missing alg/],
    ['unknown critical label', (p) => { p.set('io.example.must', 1); p.set(2, ['io.cncf.notary.signingScheme', 'io.example.must']); }, 'ERR_ENVELOPE_CRITICAL_HEADER', /"io\.example\.must"/],
    ['label 1 listed in crit', (p) => p.set(2, ['io.cncf.notary.signingScheme', 1]), 'ERR_ENVELOPE_CRITICAL_HEADER', /1 header must not be marked critical/],
    ['crit without signingScheme', (p) => { p.set('x', 1); p.set(2, ['x']); }, 'ERR_ENVELOPE_CRITICAL_HEADER', /not marked as critical: \[io\.cncf\.notary\.signingScheme\]/],
    ['missing signingScheme', (p) => p.delete('io.cncf.notary.signingScheme'), 'ERR_ENVELOPE_INVALID', /invalid signingScheme/],
    ['signing time without tag 1', (p) => p.set('io.cncf.notary.signingTime', 1740832200), 'ERR_ENVELOPE_INVALID', /does not have a tag/],
    ['signing time with tag 0', (p) => p.set('io.cncf.notary.signingTime', new Tag(0, '2025-03-01T12:30:00Z')), 'ERR_ENVELOPE_INVALID', /only Tag `1`/],
    ['uint content type', (p) => p.set(3, 50), 'ERR_ENVELOPE_INVALID', /content type should be of 'tstr' type/],
    ['crit in the unprotected header', (_p, u) => u.set(2, ['io.cncf.notary.signingScheme']), 'ERR_ENVELOPE_INVALID', /must be in the protected header/],
    ['x5chain as a single bstr', (_p, u) => u.set(33, new Uint8Array(3)), 'ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', /certificate chain is not present/],
    ['expiry before signing time', (p) => { p.set('io.cncf.notary.expiry', new Tag(1, 1740830000)); p.set(2, ['io.cncf.notary.signingScheme', 'io.cncf.notary.expiry']); }, 'ERR_ENVELOPE_INVALID', /expiry cannot be equal or before/],
  ];
  for (const [name, edit, code, message] of cases) {
    it(`rejects ${name}`, () => {
      const { p, u, payload, sig } = parts();
      edit(p, u);
      rejects(() => verifyEnvelope('cose', rebuild(p, u, payload, sig)), code, message);
    });
  }

  it('verifies over the received protected bytes: a re-encoded header breaks the signature', () => {
    const { tag, u, payload, sig } = parts();
    const protectedBytes = (tag.contents as Uint8Array[])[0]!;
    // Same map, non-preferred encoding of alg (-7 as 0x38 0x06 instead of 0x26): decodes identically, signs differently.
    const hex = Buffer.from(protectedBytes).toString('hex').replace(/^a(\w)0126/, 'a$1013806');
    assert.notEqual(hex, Buffer.from(protectedBytes).toString('hex'));
    const unprotected = new Map([...u].map(([k, v]) => [k, Array.isArray(v) ? v.map(plain) : v]));
    const tampered = encode(new Tag(18, [plain(Buffer.from(hex, 'hex')), unprotected, plain(payload), plain(sig)]), { sortKeys: sortCoreDeterministic });
    rejects(() => verifyEnvelope('cose', tampered), 'ERR_ENVELOPE_SIGNATURE_INVALID');
  });

  it('rejects a detached payload and an empty signature', () => {
    const { p, u, sig } = parts();
    const unprotected = new Map([...u].map(([k, v]) => [k, Array.isArray(v) ? v.map(plain) : v]));
    const detached = encode(new Tag(18, [encode(p, { sortKeys: sortCoreDeterministic }), unprotected, null, plain(sig)]));
    rejects(() => verifyEnvelope('cose', detached), 'ERR_ENVELOPE_INVALID', /detached/);
    const { payload } = parts();
    rejects(() => verifyEnvelope('cose', rebuild(p, u, payload, new Uint8Array())), 'ERR_ENVELOPE_INVALID', /signature missing/);
  });
});
