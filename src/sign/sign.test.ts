import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { fetchAll, MemoryStore } from '../content/index.js';
import { SignError } from '../errors.js';
import { createLocalSigner, verifyEnvelope, type Signer } from '../envelope/index.js';
import { MAX_MANIFEST_BYTES } from '../limits.js';
import { descriptorFor, digestOf, parseManifest, type Descriptor, type Digest } from '../oci/index.js';
import { buildTestChain, derToPem, type TestChain } from '../pki/index.js';
import { certificateThumbprints, packSignatureManifest, payloadDescriptor, sign, signerFromKeyAndCertificates } from './index.js';

const NOW = Date.parse('2025-03-01T12:00:00.400Z');
const clock = { now: () => NOW };
const SUBJECT_BYTES = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}');
const SUBJECT = descriptorFor('application/vnd.oci.image.manifest.v1+json', SUBJECT_BYTES);

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SHARED = process.env.PORTCULLIS_SHARED_DIR ?? join(REPO_ROOT, '..', 'shared');
const LAYOUTS = join(SHARED, 'conformance', 'notation-e2e', 'testdata', 'registry', 'oci_layout');

let chain: TestChain;
let signer: Signer;
before(async () => {
  chain = await buildTestChain({ notBefore: new Date(NOW - 3600_000), leafKeySpec: 'EC-256', caKeySpec: 'EC-256' });
  signer = createLocalSigner(chain.leaf.privateKey, chain.chain);
});

async function storeWithSubject(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.push(SUBJECT, SUBJECT_BYTES);
  await store.tag(SUBJECT, 'v1');
  return store;
}

describe('signature manifest', () => {
  it('reproduces, byte for byte, the manifest Notation wrote for the e2e-valid-signature layout', { skip: existsSync(LAYOUTS) ? false : 'shared e2e layouts missing' }, () => {
    const blobs = join(LAYOUTS, 'e2e-valid-signature', 'blobs', 'sha256');
    const envelopeBytes = readFileSync(join(blobs, 'c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50'));
    const verified = verifyEnvelope('jws', envelopeBytes);
    assert.equal(verified.signedAttributes.signingScheme, 'notary.x509');
    const packed = packSignatureManifest({
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9' as Digest, size: 517 },
      envelope: descriptorFor('application/jose+json', envelopeBytes),
      certificateChain: verified.certificateChain.map((certificate) => certificate.der),
      signingTime: verified.signedAttributes.signingScheme === 'notary.x509' ? verified.signedAttributes.signingTime : new Date(0),
      style: 'configMediaType',
    });
    assert.equal(packed.descriptor.digest, 'sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f');
    assert.deepEqual(packed.bytes, readFileSync(join(blobs, '90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f')));
  });

  it('writes the artifactType form exactly as oras-go packs it for notation-go', () => {
    const envelope: Descriptor = { mediaType: 'application/cose', digest: `sha256:${'c'.repeat(64)}` as Digest, size: 1234, annotations: { dropped: 'yes' } };
    const packed = packSignatureManifest({
      subject: { ...SUBJECT, annotations: { 'org.opencontainers.image.ref.name': 'v1' }, artifactType: 'x/y' },
      envelope,
      certificateChain: [new Uint8Array([1, 2, 3]), new Uint8Array([4])],
      signingTime: new Date('2025-03-01T12:00:00.999Z'),
    });
    const expected =
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.cncf.notary.signature",' +
      '"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="},' +
      `"layers":[{"mediaType":"application/cose","digest":"sha256:${'c'.repeat(64)}","size":1234}],` +
      `"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${SUBJECT.digest}","size":${SUBJECT.size}},` +
      '"annotations":{"io.cncf.notary.x509chain.thumbprint#S256":"[\\"039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81\\",\\"e52d9c508c502347344d8c07ad91cbd6068afc75ff6292f062a09ca381c89e71\\"]",' +
      '"org.opencontainers.image.created":"2025-03-01T12:00:00Z"}}';
    assert.equal(packed.bytes.toString(), expected);
    assert.equal(packed.descriptor.artifactType, 'application/vnd.cncf.notary.signature');
    assert.equal(packed.descriptor.digest, digestOf(expected));
  });

  it('thumbprints are lowercase hex SHA-256 of each DER, leaf first', () => {
    assert.equal(certificateThumbprints([]), '[]');
    assert.match(certificateThumbprints([new Uint8Array([0])]), /^\["[0-9a-f]{64}"\]$/);
  });
});

describe('payload descriptor', () => {
  it('adds user metadata as annotations and keeps only mediaType, digest, size', () => {
    assert.deepEqual(payloadDescriptor({ ...SUBJECT, artifactType: 'a/b' }, { buildId: '42' }), { ...SUBJECT, annotations: { buildId: '42' } });
    assert.deepEqual(payloadDescriptor(SUBJECT), SUBJECT);
  });

  it('refuses the reserved io.cncf.notary prefix and keys the target already has', () => {
    assert.throws(() => payloadDescriptor(SUBJECT, { 'io.cncf.notary.x': 'y' }), /metadata key io\.cncf\.notary\.x has reserved prefix io\.cncf\.notary/);
    assert.throws(() => payloadDescriptor({ ...SUBJECT, annotations: { a: '1' } }, { a: '2' }), /metadata key a is already present in the target artifact/);
  });
});

describe('sign', () => {
  for (const format of ['jws', 'cose'] as const) {
    it(`${format}: pushes the envelope, the empty config and a manifest referring to the artifact`, async () => {
      const store = await storeWithSubject();
      const result = await sign(store, 'v1', { signer, format, signingAgent: 'portcullis/test', clock, userMetadata: { team: 'blue' }, expiry: 3600_000 });
      assert.equal(result.resolvedFromTag, 'v1');
      assert.deepEqual(result.artifact, { mediaType: SUBJECT.mediaType, digest: SUBJECT.digest, size: SUBJECT.size });
      const referrers = await store.referrers(SUBJECT, { artifactType: 'application/vnd.cncf.notary.signature' });
      assert.deepEqual(referrers.map((r) => r.digest), [result.signatureManifest.digest]);
      const parsed = parseManifest(await fetchAll(store, result.signatureManifest, MAX_MANIFEST_BYTES));
      assert.equal(parsed.kind, 'manifest');
      const layer = parsed.kind === 'manifest' ? parsed.manifest.layers[0]! : undefined;
      assert.equal(layer?.mediaType, format === 'jws' ? 'application/jose+json' : 'application/cose');
      const envelope = await fetchAll(store, layer!, 1 << 20);
      assert.deepEqual(new Uint8Array(envelope), result.envelope);
      assert.ok(await store.exists({ mediaType: 'application/vnd.oci.empty.v1+json', digest: parsed.manifest.config!.digest, size: 2 } as Descriptor));
      const verified = verifyEnvelope(format, envelope);
      assert.deepEqual({ ...verified.payload.targetArtifact }, { ...result.artifact, annotations: { team: 'blue' } });
      assert.equal(verified.unsignedAttributes.signingAgent, 'portcullis/test');
      assert.equal(verified.signedAttributes.expiry?.toISOString(), '2025-03-01T13:00:00.000Z');
      assert.equal(parsed.manifest.annotations?.['org.opencontainers.image.created'], '2025-03-01T12:00:00Z');
      assert.equal(
        parsed.manifest.annotations?.['io.cncf.notary.x509chain.thumbprint#S256'],
        JSON.stringify(verified.certificateChain.map((c) => c.fingerprint256)),
      );
    });
  }

  it('signs a descriptor as given, and refuses a digest that resolves elsewhere', async () => {
    const store = await storeWithSubject();
    const result = await sign(store, SUBJECT, { signer, signingAgent: 'a', clock });
    assert.equal(result.resolvedFromTag, undefined);
    const other = `sha256:${'0'.repeat(64)}`;
    const lying = { ...store, resolve: async () => SUBJECT } as unknown as MemoryStore;
    await assert.rejects(sign(lying, other, { signer, signingAgent: 'a', clock }), (error: unknown) => {
      assert.ok(error instanceof SignError);
      assert.equal(error.code, 'ERR_SIGN_DIGEST_MISMATCH');
      assert.match(error.message, /user input digest sha256:0{64} does not match the resolved digest/);
      return true;
    });
  });

  it('refuses negative and sub-second expiries with notation-go messages', async () => {
    const store = await storeWithSubject();
    await assert.rejects(sign(store, 'v1', { signer, signingAgent: 'a', clock, expiry: -1000 }), /expiry duration cannot be a negative value/);
    await assert.rejects(sign(store, 'v1', { signer, signingAgent: 'a', clock, expiry: 1500 }), /expiry duration supports minimum granularity of seconds/);
    assert.equal((await store.referrers(SUBJECT)).length, 0);
  });

  it('fails before pushing anything when the certificate is not valid at signing time', async () => {
    const store = await storeWithSubject();
    const late = { now: () => NOW + 10 * 24 * 3600_000 };
    await assert.rejects(sign(store, 'v1', { signer, signingAgent: 'a', clock: late }), /certificate-chain is invalid/);
    assert.equal((await store.referrers(SUBJECT)).length, 0);
  });

  it('reports a storage failure as ERR_SIGN_PUSH_FAILED', async () => {
    const store = await storeWithSubject();
    const failing = Object.assign(Object.create(store) as MemoryStore, {
      push: async () => {
        throw new Error('disk full');
      },
    });
    await assert.rejects(sign(failing, 'v1', { signer, signingAgent: 'a', clock }), (error: unknown) => {
      assert.ok(error instanceof SignError);
      assert.equal(error.code, 'ERR_SIGN_PUSH_FAILED');
      assert.match(error.message, /failed to push signature to registry with error: disk full/);
      return true;
    });
  });
});

describe('signerFromKeyAndCertificates', () => {
  it('loads PKCS#8, PKCS#1 and SEC1 keys with a leaf-first PEM chain', async () => {
    const rsa = await buildTestChain({ notBefore: new Date(NOW - 3600_000), leafKeySpec: 'RSA-2048', caKeySpec: 'RSA-2048' });
    const chainPem = rsa.chain.map((der) => derToPem(der)).join('');
    for (const type of ['pkcs8', 'pkcs1'] as const) {
      const pem = rsa.leaf.privateKey.export({ format: 'pem', type }) as string;
      const loaded = signerFromKeyAndCertificates(pem, Buffer.from(chainPem));
      assert.equal(loaded.keySpec, 'RSA-2048');
      assert.equal(loaded.certificateChain.length, 2);
    }
    const sec1 = chain.leaf.privateKey.export({ format: 'pem', type: 'sec1' }) as string;
    assert.equal(signerFromKeyAndCertificates(sec1, Buffer.from(chain.chain.map((der) => derToPem(der)).join(''))).keySpec, 'EC-256');
  });

  it('refuses a key that does not match the leaf, encrypted keys, and certificate files without certificates', () => {
    const chainPem = Buffer.from(chain.chain.map((der) => derToPem(der)).join(''));
    const wrong = chain.root.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    assert.throws(() => signerFromKeyAndCertificates(wrong, chainPem), (error: unknown) => error instanceof SignError && /does not match/.test(error.message));
    const encrypted = chain.leaf.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }) as string;
    assert.throws(() => signerFromKeyAndCertificates(encrypted, chainPem), /encrypted private keys are not supported/);
    const key = chain.leaf.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    assert.throws(() => signerFromKeyAndCertificates(key, new Uint8Array()), /does not contain any certificate/);
  });
});
