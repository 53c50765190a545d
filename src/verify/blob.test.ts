/**
 * Blob signing (src/sign signBlob) and verification (BlobVerifier): the payload digest follows the
 * key spec's hash, the statement is the named or the global one, and the blob must match.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { VerificationError } from '../errors.js';
import { createLocalSigner, verifyEnvelope, type Signer } from '../envelope/index.js';
import { buildTestChain, type KeySpec, type TestChain } from '../pki/index.js';
import { signBlob } from '../sign/index.js';
import { MemoryTrustStore, parseBlobTrustPolicyDocument, type BlobTrustPolicyDocument } from '../trust/index.js';
import { BlobVerifier, outcomeOf, verifyBlob, type BlobVerificationOutcome } from './index.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const clock = { now: () => NOW };
const BLOB = Buffer.from('test blob commands');

function document(): BlobTrustPolicyDocument {
  return parseBlobTrustPolicyDocument(
    Buffer.from(
      JSON.stringify({
        version: '1.0',
        trustPolicies: [
          { name: 'named', signatureVerification: { level: 'strict' }, trustStores: ['ca:test'], trustedIdentities: ['*'] },
          { name: 'global', signatureVerification: { level: 'strict' }, trustStores: ['ca:test'], trustedIdentities: ['*'], globalPolicy: true },
          { name: 'skipped', signatureVerification: { level: 'skip' } },
          { name: 'untrusted', signatureVerification: { level: 'strict' }, trustStores: ['ca:other'], trustedIdentities: ['*'] },
        ],
      }),
    ),
  );
}

async function* chunks(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 5) yield bytes.subarray(at, at + 5);
}

describe('signBlob and BlobVerifier', () => {
  const chains = new Map<KeySpec, TestChain>();
  let signer: Signer;
  let verifier: BlobVerifier;

  before(async () => {
    for (const keySpec of ['EC-256', 'EC-384', 'EC-521'] as const) {
      chains.set(keySpec, await buildTestChain({ notBefore: new Date(NOW - 3600_000), leafKeySpec: keySpec, caKeySpec: 'EC-256' }));
    }
    const chain = chains.get('EC-256')!;
    signer = createLocalSigner(chain.leaf.privateKey, chain.chain);
    const roots = [...chains.values()].map((c) => c.root.certificate);
    const other = await buildTestChain({ notBefore: new Date(NOW - 3600_000), leafKeySpec: 'EC-256', caKeySpec: 'EC-256' });
    verifier = new BlobVerifier({ trustPolicy: document(), trustStore: new MemoryTrustStore({ 'ca:test': roots, 'ca:other': [other.root.certificate] }), clock });
  });

  it('digests the blob with the key spec\'s hash (sha256, sha384, sha512), streamed or whole', async () => {
    for (const [keySpec, hash] of [['EC-256', 'sha256'], ['EC-384', 'sha384'], ['EC-521', 'sha512']] as const) {
      const chain = chains.get(keySpec)!;
      const result = await signBlob(chunks(BLOB), { signer: createLocalSigner(chain.leaf.privateKey, chain.chain), signingAgent: 'test', clock });
      assert.equal(result.target.digest, `${hash}:${createHash(hash).update(BLOB).digest('hex')}`);
      assert.deepEqual([result.target.mediaType, result.target.size], ['application/octet-stream', BLOB.length]);
      assert.equal(verifyEnvelope('jws', result.envelope).payload.targetArtifact.digest, result.target.digest);
      const outcome = await verifier.verify(chunks(BLOB), result.envelope, { signatureMediaType: 'application/jose+json' });
      assert.equal(outcome.verified, true, keySpec);
      assert.equal(outcome.policy.name, 'global');
    }
  });

  it('COSE, user metadata, media types Go accepts (a bare token too), the named statement', async () => {
    const result = await signBlob(BLOB, { signer, signingAgent: 'test', clock, format: 'cose', mediaType: 'other-media-type', userMetadata: { k1: 'v1' } });
    assert.equal(result.envelopeMediaType, 'application/cose');
    const outcome = await verifier.verify(BLOB, result.envelope, {
      signatureMediaType: 'application/cose',
      policyName: 'named',
      contentMediaType: 'other-media-type',
      userMetadata: { k1: 'v1' },
    });
    assert.deepEqual([outcome.verified, outcome.policy.name, outcome.userMetadata], [true, 'named', { k1: 'v1' }]);
    await assert.rejects(signBlob(BLOB, { signer, signingAgent: 'test', clock, mediaType: 'a/b/c' }), {
      message: 'invalid content media-type "a/b/c": mime: unexpected content after media subtype',
    });
  });

  it('rejects another blob, another media type, missing metadata: the reason is the error message', async () => {
    const { envelope } = await signBlob(BLOB, { signer, signingAgent: 'test', clock, userMetadata: { k1: 'v1' } });
    const failure = async (blob: Uint8Array, options: Parameters<BlobVerifier['verify']>[2]): Promise<VerificationError> => {
      const error = await verifier.verify(blob, envelope, options).then(
        () => assert.fail('verified'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof VerificationError);
      return error;
    };
    const jws = { signatureMediaType: 'application/jose+json' };
    assert.equal((await failure(Buffer.from('other'), jws)).message, 'integrity check failed. signature does not match the given blob');
    assert.equal((await failure(BLOB, { ...jws, contentMediaType: 'image/jpeg' })).message, 'integrity check failed. signature does not match the given blob');
    const missing = await failure(BLOB, { ...jws, userMetadata: { k1: 'v2' } });
    assert.equal(missing.message, 'unable to find specified metadata in the signature');
    assert.equal((outcomeOf(missing) as BlobVerificationOutcome | undefined)?.signature?.verified, false);
    const untrusted = await failure(BLOB, { ...jws, policyName: 'untrusted' });
    assert.equal(untrusted.message, "the signature's certificate chain does not contain any trusted certificate");
    assert.equal(untrusted.code, 'ERR_VERIFY_FAILED');
  });

  it('skip, missing statements and bad arguments', async () => {
    const { envelope } = await signBlob(BLOB, { signer, signingAgent: 'test', clock });
    const skipped = await verifier.verify(Buffer.from('anything'), envelope, { signatureMediaType: 'application/jose+json', policyName: 'skipped' });
    assert.deepEqual([skipped.verified, skipped.skipped, skipped.signature], [true, true, undefined]);
    await assert.rejects(verifier.verify(BLOB, envelope, { signatureMediaType: 'application/jose+json', policyName: 'nope' }), {
      code: 'ERR_VERIFY_NO_APPLICABLE_POLICY',
      message: 'no applicable blob trust policy with name "nope"',
    });
    await assert.rejects(verifier.verify(BLOB, new Uint8Array(0), { signatureMediaType: 'application/jose+json' }), { message: 'signature cannot be nil or empty' });
    await assert.rejects(verifier.verify(BLOB, envelope, { signatureMediaType: 'application/pdf' }), { message: 'invalid signature media-type "application/pdf"' });
    await assert.rejects(verifier.verify(BLOB, envelope, { signatureMediaType: 'application/jose+json', contentMediaType: 'a b' }), {
      message: 'invalid content media-type "a b": mime: expected slash after first token',
    });
    const noGlobal = parseBlobTrustPolicyDocument(Buffer.from(JSON.stringify({ version: '1.0', trustPolicies: [document().trustPolicies![0]] })));
    await assert.rejects(
      verifyBlob(BLOB, envelope, { trustPolicy: noGlobal, trustStore: new MemoryTrustStore({}), clock, signatureMediaType: 'application/jose+json' }),
      { code: 'ERR_VERIFY_NO_APPLICABLE_POLICY', message: 'no global blob trust policy' },
    );
  });
});
