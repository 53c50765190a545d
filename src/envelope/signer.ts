/**
 * Signature algorithms as JWS and COSE name them, the Signer port, a local-key signer over
 * node:crypto, and primitive signature verification.
 *
 * @see notaryproject/specifications specs/signature-specification.md § Algorithm Selection
 * @see RFC 7518 §3.4–3.5 (ES*, PS*), RFC 9053 §2.1 (ECDSA), RFC 8230 §2 (PS* in COSE)
 */
import { constants, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { EnvelopeError, isPortcullisError } from '../errors.js';
import { KEY_SPECS, isKeySpec, keySpecOfKey, parseCertificate, type KeySpec, type SignatureAlgorithm } from '../pki/index.js';

export type JwsAlgorithm = 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

interface AlgorithmEntry {
  readonly keySpecs: readonly KeySpec[];
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly jws: JwsAlgorithm;
  readonly cose: number;
}

const ALGORITHMS: readonly AlgorithmEntry[] = [
  { keySpecs: ['RSA-2048'], signatureAlgorithm: 'RSASSA-PSS-SHA-256', jws: 'PS256', cose: -37 },
  { keySpecs: ['RSA-3072'], signatureAlgorithm: 'RSASSA-PSS-SHA-384', jws: 'PS384', cose: -38 },
  { keySpecs: ['RSA-4096'], signatureAlgorithm: 'RSASSA-PSS-SHA-512', jws: 'PS512', cose: -39 },
  { keySpecs: ['EC-256'], signatureAlgorithm: 'ECDSA-SHA-256', jws: 'ES256', cose: -7 },
  { keySpecs: ['EC-384'], signatureAlgorithm: 'ECDSA-SHA-384', jws: 'ES384', cose: -35 },
  { keySpecs: ['EC-521'], signatureAlgorithm: 'ECDSA-SHA-512', jws: 'ES512', cose: -36 },
];

export function signatureAlgorithmOf(keySpec: KeySpec): SignatureAlgorithm {
  return KEY_SPECS[keySpec].signatureAlgorithm;
}

export function jwsAlgorithmOf(algorithm: SignatureAlgorithm): JwsAlgorithm {
  return ALGORITHMS.find((entry) => entry.signatureAlgorithm === algorithm)!.jws;
}

export function coseAlgorithmOf(algorithm: SignatureAlgorithm): number {
  return ALGORITHMS.find((entry) => entry.signatureAlgorithm === algorithm)!.cose;
}

/** The Notary algorithm for a JWS `alg`, or undefined (`none`, HS*, RS*, anything else). */
export function fromJwsAlgorithm(alg: string): SignatureAlgorithm | undefined {
  return ALGORITHMS.find((entry) => entry.jws === alg)?.signatureAlgorithm;
}

export function fromCoseAlgorithm(alg: number): SignatureAlgorithm | undefined {
  return ALGORITHMS.find((entry) => entry.cose === alg)?.signatureAlgorithm;
}

function keySpecOfAlgorithm(algorithm: SignatureAlgorithm): KeySpec {
  return ALGORITHMS.find((entry) => entry.signatureAlgorithm === algorithm)!.keySpecs[0]!;
}

/** A signature plus the chain, for signers (plugins) that only learn the chain when signing. */
export interface SignerOutput {
  readonly signature: Uint8Array;
  readonly certificateChain: readonly Uint8Array[];
}

/**
 * The signing port: a key of one of the six key specs, its certificate chain (DER, leaf first),
 * and a function producing the raw signature over the given bytes with the key spec's algorithm
 * (RSASSA-PSS with salt = hash length, or ECDSA as IEEE P1363 r‖s). `sign` may return the chain
 * with the signature; it then replaces `certificateChain`.
 */
export interface Signer {
  readonly keySpec: KeySpec;
  readonly certificateChain: readonly Uint8Array[];
  sign(data: Uint8Array): Promise<Uint8Array | SignerOutput>;
}

/**
 * Signs with a private KeyObject held in memory. The key spec comes from the key (RSA 2048/3072/
 * 4096, EC P-256/384/521; anything else is refused), and the leaf certificate must carry the
 * matching public key.
 */
export function createLocalSigner(privateKey: KeyObject, certificateChain: readonly Uint8Array[]): Signer {
  if (privateKey.type !== 'private') {
    throw new EnvelopeError('ERR_ENVELOPE_SIGN_REQUEST_INVALID', 'a local signer needs a private key');
  }
  let keySpec: KeySpec;
  try {
    keySpec = keySpecOfKey(privateKey);
  } catch (error) {
    throw new EnvelopeError('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `signing key is not supported: ${(error as Error).message}`, { cause: error });
  }
  const chain = certificateChain.map((der) => Uint8Array.from(der));
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  if (chain.length > 0) {
    try {
      const leafKey = parseCertificate(chain[0]!).publicKey;
      if (!leafKey || Buffer.compare(leafKey.export({ format: 'der', type: 'spki' }), spki) !== 0) {
        throw new EnvelopeError('ERR_ENVELOPE_SIGN_REQUEST_INVALID', 'the signing key does not match the public key of the leaf certificate');
      }
    } catch (error) {
      if (isPortcullisError(error) && error.code === 'ERR_ENVELOPE_SIGN_REQUEST_INVALID') throw error;
      throw new EnvelopeError('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `invalid leaf certificate: ${(error as Error).message}`, { cause: error });
    }
  }
  const details = KEY_SPECS[keySpec];
  return {
    keySpec,
    certificateChain: chain,
    async sign(data: Uint8Array): Promise<Uint8Array> {
      const signature =
        details.keyType === 'RSA'
          ? cryptoSign(details.hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })
          : cryptoSign(details.hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
    },
  };
}

/**
 * Verifies a raw signature. RSASSA-PSS verifies with MGF1 of the same hash; the salt length is
 * either "any" (JWS: golang-jwt auto-detects it) or exactly the hash length (COSE: go-cose).
 * ECDSA signatures must be exactly r‖s of the curve's width.
 */
export function verifyPrimitiveSignature(
  algorithm: SignatureAlgorithm,
  publicKey: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
  pssSalt: 'auto' | 'digest',
): boolean {
  const details = KEY_SPECS[keySpecOfAlgorithm(algorithm)];
  try {
    if (details.keyType === 'RSA') {
      return cryptoVerify(
        details.hash,
        data,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pssSalt === 'auto' ? constants.RSA_PSS_SALTLEN_AUTO : constants.RSA_PSS_SALTLEN_DIGEST },
        signature,
      );
    }
    if (signature.length !== details.signatureLength) return false;
    return cryptoVerify(details.hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

export function checkKeySpec(value: unknown): KeySpec {
  if (!isKeySpec(value)) {
    throw new EnvelopeError('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `unsupported key spec "${String(value)}": use RSA-2048, RSA-3072, RSA-4096, EC-256, EC-384 or EC-521`);
  }
  return value;
}
