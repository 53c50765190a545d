/**
 * Format-independent entry points: sign a Notary payload into a JWS or COSE envelope, and
 * integrity-verify an envelope chosen by its media type.
 */
import { keySpecOfKey, parseCertificate, validateCodeSigningChain, type Certificate } from '../pki/index.js';
import { verifyCose, signCose } from './cose.js';
import { fail, type VerifyEnvelopeOptions } from './common.js';
import { signJws, verifyJws } from './jws.js';
import { prepareSignature, type SignEnvelopeRequest } from './sign-model.js';
import { MEDIA_TYPE_COSE_ENVELOPE, MEDIA_TYPE_JWS_ENVELOPE, type EnvelopeFormat, type VerifiedEnvelope } from './types.js';

/**
 * Signs `payload` with `signer` and returns the envelope bytes, byte-compatible with what
 * Notation produces for the same inputs (modulo RSA-PSS/ECDSA randomness). The certificate chain
 * is checked against the Notary profile and must be valid at the signing time.
 *
 * @example
 * const signer = createLocalSigner(privateKey, [leafDer, rootDer]);
 * const bytes = await signEnvelope({ format: 'jws', payload: { targetArtifact: manifestDescriptor }, signer, signingTime: now, signingAgent: 'portcullis/0.1.0' });
 */
export async function signEnvelope(request: SignEnvelopeRequest): Promise<Uint8Array> {
  const prepared = prepareSignature(request);
  const chainCheck = (chain: readonly Uint8Array[]): void => {
    let certs: Certificate[] = [];
    try {
      certs = chain.map((der) => parseCertificate(der));
      validateCodeSigningChain(certs, { signingTime: prepared.signingTime });
    } catch (error) {
      fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `certificate-chain is invalid, ${(error as Error).message}`, error);
    }
    const leafKey = certs[0]?.publicKey;
    if (!leafKey || keySpecOfKey(leafKey) !== request.signer.keySpec) {
      fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `the signing certificate's key does not match the signer's key spec ${request.signer.keySpec}`);
    }
  };
  const checked: typeof prepared = {
    ...prepared,
    async sign(data) {
      const output = await prepared.sign(data);
      if (output.certificateChain.length === 0) fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', 'certificate-chain not present or is empty');
      chainCheck(output.certificateChain);
      return output;
    },
  };
  return request.format === 'jws' ? signJws(checked) : signCose(checked);
}

/** The envelope format for a signature layer media type, or a blob signature file name (`*.jws.sig`, `*.cose.sig`). */
export function envelopeFormatOf(mediaTypeOrFileName: string): EnvelopeFormat {
  if (mediaTypeOrFileName === MEDIA_TYPE_JWS_ENVELOPE || mediaTypeOrFileName.endsWith('.jws.sig')) return 'jws';
  if (mediaTypeOrFileName === MEDIA_TYPE_COSE_ENVELOPE || mediaTypeOrFileName.endsWith('.cose.sig')) return 'cose';
  return fail('ERR_ENVELOPE_UNSUPPORTED_FORMAT', `unsupported signature envelope format "${mediaTypeOrFileName}": use ${MEDIA_TYPE_JWS_ENVELOPE} or ${MEDIA_TYPE_COSE_ENVELOPE}`);
}

/**
 * Integrity verification of one envelope (notation's "integrity" step): structure, critical
 * headers, algorithm vs leaf key, primitive signature over the received bytes, payload shape,
 * signing/expiry time order, and the certificate chain against the Notary profile. No trust
 * decision is made. Synchronous and pure. Throws EnvelopeError.
 *
 * @param format `jws` / `cose`, or the layer media type (`application/jose+json`, `application/cose`).
 */
export function verifyEnvelope(format: EnvelopeFormat | string, bytes: Uint8Array, options: VerifyEnvelopeOptions = {}): VerifiedEnvelope {
  const resolved = format === 'jws' || format === 'cose' ? format : envelopeFormatOf(format);
  return resolved === 'jws' ? verifyJws(bytes, options) : verifyCose(bytes, options);
}

/** Guesses the format of unlabelled envelope bytes (blob signatures without an extension). */
export function sniffEnvelopeFormat(bytes: Uint8Array): EnvelopeFormat | undefined {
  if (bytes[0] === 0xd2) return 'cose';
  const first = bytes.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  return first === 0x7b ? 'jws' : undefined;
}
