/**
 * Key specs and signature algorithms of the Notary Project.
 *
 * @see notaryproject/specifications specs/signature-specification.md § Signature Algorithm Requirements, § Algorithm Selection
 * @see notaryproject/notation-core-go internal/algorithm/algorithm.go (`ExtractKeySpec`)
 */
import type { KeyObject } from 'node:crypto';
import { PkiError } from '../errors.js';

/** The six key specs, spelled as in Notation's plugin protocol. */
export type KeySpec = 'RSA-2048' | 'RSA-3072' | 'RSA-4096' | 'EC-256' | 'EC-384' | 'EC-521';

/** Signature algorithms, spelled as in Notation's plugin protocol (`signingAlgorithm`). */
export type SignatureAlgorithm =
  | 'RSASSA-PSS-SHA-256'
  | 'RSASSA-PSS-SHA-384'
  | 'RSASSA-PSS-SHA-512'
  | 'ECDSA-SHA-256'
  | 'ECDSA-SHA-384'
  | 'ECDSA-SHA-512';

/** Hash names as node:crypto and OCI digests spell them. */
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

export interface KeySpecDetails {
  readonly keyType: 'RSA' | 'EC';
  /** RSA modulus bits, or the EC curve's bit size. */
  readonly size: number;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly hash: HashAlgorithm;
  /** Length in bytes of a raw signature (RSA modulus length, or r‖s for ECDSA). */
  readonly signatureLength: number;
  /** Node's name for the EC curve. */
  readonly namedCurve?: string;
}

export const KEY_SPECS: Readonly<Record<KeySpec, KeySpecDetails>> = {
  'RSA-2048': { keyType: 'RSA', size: 2048, signatureAlgorithm: 'RSASSA-PSS-SHA-256', hash: 'sha256', signatureLength: 256 },
  'RSA-3072': { keyType: 'RSA', size: 3072, signatureAlgorithm: 'RSASSA-PSS-SHA-384', hash: 'sha384', signatureLength: 384 },
  'RSA-4096': { keyType: 'RSA', size: 4096, signatureAlgorithm: 'RSASSA-PSS-SHA-512', hash: 'sha512', signatureLength: 512 },
  'EC-256': { keyType: 'EC', size: 256, signatureAlgorithm: 'ECDSA-SHA-256', hash: 'sha256', signatureLength: 64, namedCurve: 'prime256v1' },
  'EC-384': { keyType: 'EC', size: 384, signatureAlgorithm: 'ECDSA-SHA-384', hash: 'sha384', signatureLength: 96, namedCurve: 'secp384r1' },
  'EC-521': { keyType: 'EC', size: 521, signatureAlgorithm: 'ECDSA-SHA-512', hash: 'sha512', signatureLength: 132, namedCurve: 'secp521r1' },
};

export const KEY_SPEC_NAMES: readonly KeySpec[] = Object.keys(KEY_SPECS) as KeySpec[];

export function isKeySpec(value: unknown): value is KeySpec {
  return typeof value === 'string' && Object.hasOwn(KEY_SPECS, value);
}

const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp224r1: 224,
  secp256k1: 256,
};

/**
 * The key spec of a public (or private) key, or a PkiError with Go's wording
 * ("rsa key size 1024 bits is not supported"). The RSA size is the modulus length in whole bytes
 * times 8, as Go's `rsa.PublicKey.Size() << 3` computes it.
 */
export function keySpecOfKey(key: KeyObject): KeySpec {
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = Math.ceil((details?.modulusLength ?? 0) / 8) * 8;
      if (bits === 2048 || bits === 3072 || bits === 4096) return `RSA-${bits}` as KeySpec;
      throw new PkiError('ERR_PKI_UNSUPPORTED_ALGORITHM', `rsa key size ${bits} bits is not supported`);
    }
    case 'ec': {
      const curve = details?.namedCurve ?? '';
      const bits = CURVE_BITS[curve];
      if (curve === 'prime256v1') return 'EC-256';
      if (curve === 'secp384r1') return 'EC-384';
      if (curve === 'secp521r1') return 'EC-521';
      throw new PkiError(
        'ERR_PKI_UNSUPPORTED_ALGORITHM',
        bits === undefined ? `ecdsa curve ${curve || 'unknown'} is not supported` : `ecdsa key size ${bits} bits is not supported`,
      );
    }
    default:
      // RSA-PSS-only keys (OID rsassa-pss in the SPKI) are not accepted by Go's x509 either.
      throw new PkiError('ERR_PKI_UNSUPPORTED_ALGORITHM', 'unsupported public key type');
  }
}
