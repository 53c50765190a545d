/**
 * Known answers from Notation itself: the signed OCI layouts and blob signatures of the Notation
 * e2e suite (shared/conformance/notation-e2e, README §1–2).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decode, encode, Tag } from 'cbor2';
import { sortCoreDeterministic } from 'cbor2/sorts';
import { readTestdata, testdata } from '../../test/helpers/conformance.js';
import { EnvelopeError } from '../errors.js';
import { CertificateCache, pemToDer } from '../pki/index.js';
import { buildCoseProtectedHeader } from './cose.js';
import { goJson, parseStrictJson } from './encoding.js';
import { encodePayload, envelopeFormatOf, verifyEnvelope, type NotaryPayload } from './index.js';
import { buildJwsProtectedHeader } from './jws.js';
import { prepareSignature } from './sign-model.js';
import type { Signer } from './signer.js';

interface SignatureInLayout {
  readonly layout: string;
  readonly manifestDigest: string;
  readonly layerMediaType: string;
  readonly envelope: Buffer;
  readonly subject: { mediaType: string; digest: string; size: number };
}

/** Every signature manifest (a manifest with a subject) in every e2e layout, with its one layer. */
function signaturesInLayouts(): SignatureInLayout[] {
  const root = testdata('registry', 'oci_layout');
  const found: SignatureInLayout[] = [];
  for (const layout of readdirSync(root).sort()) {
    const blobs = join(root, layout, 'blobs', 'sha256');
    for (const file of readdirSync(blobs).sort()) {
      let manifest: { layers?: { mediaType: string; digest: string }[]; subject?: SignatureInLayout['subject'] };
      try {
        manifest = JSON.parse(readFileSync(join(blobs, file), 'utf8'));
      } catch {
        continue;
      }
      if (!manifest?.subject || !Array.isArray(manifest.layers) || manifest.layers.length !== 1) continue;
      const layer = manifest.layers[0]!;
      found.push({
        layout,
        manifestDigest: `sha256:${file}`,
        layerMediaType: layer.mediaType,
        envelope: readFileSync(join(blobs, layer.digest.replace('sha256:', ''))),
        subject: manifest.subject,
      });
    }
  }
  return found;
}

const e2eCert = pemToDer(readTestdata('config/localkeys/e2e.crt').toString('utf8'))[0]!;
const expiredE2eCert = pemToDer(readTestdata('config/localkeys/expired_e2e.crt').toString('utf8'))[0]!;

/** Expected signer certificate and signing time per layout (README §2). */
const EXPECTED: Readonly<Record<string, { cert?: Uint8Array; subject?: string; signingTime: string; expiry?: string }[]>> = {
  'e2e-valid-signature': [{ cert: e2eCert, signingTime: '2023-06-27T05:30:33Z' }],
  'e2e-valid-multiple-signatures': [
    { cert: e2eCert, signingTime: '2023-06-27T05:30:33Z' },
    { subject: 'CN=testcert11,O=Notary,L=Seattle,ST=WA,C=US', signingTime: '2025-02-17T08:17:09Z' },
  ],
  'e2e-expired-signature': [{ cert: e2eCert, signingTime: '2023-06-27T05:20:21Z', expiry: '2023-06-27T05:21:21Z' }],
  'e2e-with-expired-cert': [{ cert: expiredE2eCert, signingTime: '2023-06-27T06:07:26Z' }],
  'e2e-with-timestamped-signature': [
    { subject: 'CN=testcert7,O=Notary,L=Seattle,ST=WA,C=US', signingTime: '2025-01-21T09:17:46Z', expiry: '2025-01-21T12:39:46Z' },
  ],
  'e2e-with-invalid-timestamped-signature': [{ subject: 'CN=testcert7,O=Notary,L=Seattle,ST=WA,C=US', signingTime: '2025-01-21T08:41:17Z' }],
};

describe('Notation e2e OCI layouts', () => {
  const signatures = signaturesInLayouts();
  const cache = new CertificateCache();

  it('finds the 8 signature manifests of the README (7 JWS, 1 non-envelope layer)', () => {
    assert.equal(signatures.length, 8);
    assert.equal(signatures.filter((s) => s.layerMediaType === 'application/jose+json').length, 7);
  });

  for (const signature of signatures.filter((s) => s.layerMediaType === 'application/jose+json')) {
    it(`verifies ${signature.layout} ${signature.manifestDigest.slice(0, 19)} for integrity`, () => {
      const result = verifyEnvelope(signature.layerMediaType, signature.envelope, { certificateCache: cache });
      assert.equal(result.format, 'jws');
      assert.equal(result.signatureAlgorithm, 'RSASSA-PSS-SHA-256');
      // The payload names the subject manifest exactly.
      const target = result.payload.targetArtifact;
      assert.deepEqual({ mediaType: target.mediaType, digest: target.digest, size: target.size }, signature.subject);
      // Signer and times as the README documents them.
      const candidates = EXPECTED[signature.layout]!;
      assert.equal(result.certificateChain.length, 1);
      const leaf = result.certificateChain[0]!;
      const expected = candidates.find((c) => (c.cert ? Buffer.compare(c.cert, leaf.der) === 0 : c.subject === leaf.subject));
      assert.ok(expected, `unexpected signer ${leaf.subject}`);
      assert.equal(result.signedAttributes.signingScheme, 'notary.x509');
      if (result.signedAttributes.signingScheme === 'notary.x509') {
        assert.equal(result.signedAttributes.signingTime.toISOString().replace('.000', ''), expected.signingTime);
      }
      assert.equal(result.signedAttributes.expiry?.toISOString().replace('.000', ''), expected.expiry);
      if (signature.layout === 'e2e-with-timestamped-signature') {
        assert.equal(target.annotations?.purpose, 'e2e');
        assert.ok((result.unsignedAttributes.timestampSignature?.length ?? 0) > 1000);
      }
      if (signature.layout === 'e2e-with-invalid-timestamped-signature') {
        // Integrity holds; the 8-byte token is garbage, which the timestamp step (not this one) rejects.
        assert.equal(Buffer.from(result.unsignedAttributes.timestampSignature!).toString(), 'invalid\n');
      }
    });
  }

  it('rejects the "invalid signature" layout', () => {
    const invalid = signatures.find((s) => s.layout === 'e2e-invalid-signature')!;
    assert.equal(invalid.layerMediaType, 'application/vnd.oci.image.layer.v1.tar');
    assert.throws(() => verifyEnvelope(invalid.layerMediaType, invalid.envelope), (e: unknown) => e instanceof EnvelopeError && e.code === 'ERR_ENVELOPE_UNSUPPORTED_FORMAT');
    // Even forced through the JWS parser, the bytes ("invalid signature\n") are no envelope.
    assert.throws(() => verifyEnvelope('jws', invalid.envelope), (e: unknown) => e instanceof EnvelopeError && e.code === 'ERR_ENVELOPE_INVALID');
    assert.equal(invalid.envelope.toString(), 'invalid signature\n');
  });

  it('caches parsed certificates across signatures', () => {
    assert.ok(cache.stats.hits >= 2, `hits ${cache.stats.hits}`);
  });
});

describe('Notation blob signatures (RFC 3161 timestamped, short-lived certs)', () => {
  const license = readFileSync(join(testdata('..'), 'LICENSE'));
  const licenseDigest = `sha256:${createHash('sha256').update(license).digest('hex')}`;

  for (const name of ['blob.jws.sig', 'blob.cose.sig']) {
    it(`parses and integrity-verifies ${name}`, () => {
      const bytes = readTestdata('signatures', name);
      const result = verifyEnvelope(envelopeFormatOf(name), bytes);
      assert.equal(result.format, name.includes('cose') ? 'cose' : 'jws');
      assert.deepEqual(
        { ...result.payload.targetArtifact },
        name.includes('cose')
          ? { mediaType: 'application/octet-stream', digest: licenseDigest, size: 11357 }
          : { digest: licenseDigest, mediaType: 'application/octet-stream', size: 11357 },
      );
      assert.equal(licenseDigest, 'sha256:c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4');
      assert.equal(license.length, 11357);
      assert.equal(result.unsignedAttributes.signingAgent, 'notation-go/1.3.0+unreleased');
      assert.ok(result.unsignedAttributes.timestampSignature && result.unsignedAttributes.timestampSignature[0] === 0x30, 'DER TimeStampToken');
      assert.match(result.certificateChain[0]!.subject, /^CN=testcert[23],O=Notary,L=Seattle,ST=WA,C=US$/);
    });
  }

  it('rejects the malformed blob signature', () => {
    assert.throws(() => verifyEnvelope('jws', readTestdata('signatures', 'malformed.jws.sig')), (e: unknown) => e instanceof EnvelopeError && e.code === 'ERR_ENVELOPE_INVALID');
  });
});

describe('byte compatibility with notation-core-go output', () => {
  const fakeSigner: Signer = { keySpec: 'RSA-2048', certificateChain: [], sign: async () => new Uint8Array(256) };

  it('JWS: same protected header and payload bytes, same envelope serialisation', () => {
    const bytes = readTestdata('signatures', 'blob.jws.sig');
    const envelope = parseStrictJson(bytes.toString('utf8'), 'JWS') as Record<string, string>;
    const payload = parseStrictJson(Buffer.from(envelope.payload!, 'base64url').toString(), 'payload') as NotaryPayload;
    const prepared = prepareSignature({ format: 'jws', payload, signer: fakeSigner, signingTime: new Date('2024-12-31T08:05:29Z') });
    assert.equal(buildJwsProtectedHeader(prepared), Buffer.from(envelope.protected!, 'base64url').toString());
    assert.equal(Buffer.from(encodePayload(payload, 'jws')).toString('base64url'), envelope.payload);
    // Our serialiser reproduces Go's envelope bytes exactly (member order, escaping, no whitespace).
    assert.equal(goJson(envelope, false), bytes.toString('utf8'));
  });

  it('JWS: crit order and time format for expiry and signingAuthority', () => {
    const payload = { targetArtifact: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 1 } } as NotaryPayload;
    const prepared = prepareSignature({
      format: 'jws',
      payload,
      signer: { ...fakeSigner, keySpec: 'EC-384' },
      signingTime: new Date('2025-01-21T09:17:46.789Z'),
      expiry: new Date('2025-01-21T12:39:46Z'),
      signingScheme: 'notary.x509.signingAuthority',
      extendedAttributes: [{ key: 'io.example.b', value: 1, critical: true }, { key: 'a<b', value: 'x&y', critical: false }],
    });
    assert.equal(
      buildJwsProtectedHeader(prepared),
      '{"a\\u003cb":"x\\u0026y","alg":"ES384","crit":["io.cncf.notary.signingScheme","io.example.b","io.cncf.notary.authenticSigningTime","io.cncf.notary.expiry"],' +
        '"cty":"application/vnd.cncf.notary.payload.v1+json","io.cncf.notary.authenticSigningTime":"2025-01-21T09:17:46Z","io.cncf.notary.expiry":"2025-01-21T12:39:46Z",' +
        '"io.cncf.notary.signingScheme":"notary.x509.signingAuthority","io.example.b":1}',
    );
  });

  it('COSE: same protected header and payload bytes, same envelope encoding', () => {
    const bytes = readTestdata('signatures', 'blob.cose.sig');
    const message = decode(bytes, { ignoreGlobalTags: true, preferMap: true }) as Tag;
    const [protectedBytes, unprotected, payloadBytes, signature] = message.contents as [Uint8Array, Map<unknown, unknown>, Uint8Array, Uint8Array];
    const payload = JSON.parse(Buffer.from(payloadBytes).toString()) as NotaryPayload;
    const prepared = prepareSignature({ format: 'cose', payload, signer: fakeSigner, signingTime: new Date('2025-01-07T08:42:43Z') });
    assert.equal(Buffer.from(buildCoseProtectedHeader(prepared)).toString('hex'), Buffer.from(protectedBytes).toString('hex'));
    assert.equal(Buffer.from(encodePayload(payload, 'cose')).toString(), Buffer.from(payloadBytes).toString());
    assert.deepEqual([...unprotected.keys()], [33, 'io.cncf.notary.signingAgent', 'io.cncf.notary.timestampSignature']);
    const plain = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    const unprotectedPlain = new Map([...unprotected].map(([k, v]) => [k, Array.isArray(v) ? v.map(plain) : v instanceof Uint8Array ? plain(v) : v]));
    const reencoded = encode(new Tag(18, [plain(protectedBytes), unprotectedPlain, plain(payloadBytes), plain(signature)]), { sortKeys: sortCoreDeterministic });
    assert.equal(Buffer.compare(reencoded, bytes), 0);
  });
});
