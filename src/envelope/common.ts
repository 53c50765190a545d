/**
 * Verification steps shared by the JWS and COSE codecs once they have decoded their format into a
 * DecodedEnvelope: critical-attribute rules, certificate chain, algorithm/key match, primitive
 * signature, payload, times. Internal to `envelope`.
 */
import { EnvelopeError, PkiError, type EnvelopeErrorCode } from '../errors.js';
import type { SignatureAlgorithm } from '../pki/index.js';
import { MAX_CHAIN_CERTIFICATES } from '../limits.js';
import {
  KEY_SPECS,
  goQuote,
  parseCertificate,
  unsupportedKeyMessage,
  validateCodeSigningChain,
  type Certificate,
  type CertificateCache,
} from '../pki/index.js';
import { parsePayload } from './payload.js';
import { jwsAlgorithmOf, verifyPrimitiveSignature } from './signer.js';
import {
  HEADER_AUTHENTIC_SIGNING_TIME,
  HEADER_EXPIRY,
  HEADER_SIGNING_SCHEME,
  HEADER_SIGNING_TIME,
  HEADER_VERIFICATION_PLUGIN,
  HEADER_VERIFICATION_PLUGIN_MIN_VERSION,
  MEDIA_TYPE_NOTARY_PAYLOAD,
  SIGNING_SCHEME_X509,
  SIGNING_SCHEME_X509_SIGNING_AUTHORITY,
  type AttributeKey,
  type EnvelopeFormat,
  type ExtendedAttribute,
  type SignedAttributes,
  type SigningScheme,
  type UnsignedAttributes,
  type VerifiedEnvelope,
} from './types.js';

export interface VerifyEnvelopeOptions {
  /** Parsed-certificate cache shared across verifications (recommended); without it every call parses cold. */
  readonly certificateCache?: CertificateCache;
  /**
   * Critical extended attributes the caller processes itself. Any other critical extended
   * attribute fails verification (unless a verification plugin is named, see
   * VerifiedEnvelope.unprocessedCriticalAttributes). The verification-plugin attributes are
   * always known.
   */
  readonly knownCriticalAttributes?: readonly AttributeKey[];
}

export function fail(code: EnvelopeErrorCode, message: string, cause?: unknown): never {
  throw new EnvelopeError(code, message, { cause });
}

export function isSigningScheme(value: unknown): value is SigningScheme {
  return value === SIGNING_SCHEME_X509 || value === SIGNING_SCHEME_X509_SIGNING_AUTHORITY;
}

const describeKey = (key: AttributeKey): string => (typeof key === 'string' ? `"${key}"` : String(key));

/**
 * Checks `crit` (already type-checked as a list of labels) against the signed attributes present.
 *
 * - `crit` must be non-empty and free of duplicates;
 * - it must list signingScheme, expiry when present, authenticSigningTime under signingAuthority;
 * - it must not list labels that are never critical (`forbidden`: registered JOSE/COSE headers
 *   and `io.cncf.notary.signingTime`), nor labels that are absent from the protected header.
 */
export function checkCriticalList(
  crit: readonly AttributeKey[],
  present: (key: AttributeKey) => boolean,
  forbidden: (key: AttributeKey) => boolean,
  scheme: SigningScheme,
): void {
  if (crit.length === 0) fail('ERR_ENVELOPE_CRITICAL_HEADER', 'missing "crit" header');
  const seen = new Set<AttributeKey>();
  for (const key of crit) {
    if (seen.has(key)) fail('ERR_ENVELOPE_CRITICAL_HEADER', `${describeKey(key)} is listed more than once in "crit"`);
    seen.add(key);
    if (forbidden(key)) fail('ERR_ENVELOPE_CRITICAL_HEADER', `${describeKey(key)} header must not be marked critical`);
    if (!present(key)) fail('ERR_ENVELOPE_CRITICAL_HEADER', `${describeKey(key)} header is marked critical but not present`);
  }
  const required: string[] = [HEADER_SIGNING_SCHEME];
  if (scheme === SIGNING_SCHEME_X509_SIGNING_AUTHORITY) required.push(HEADER_AUTHENTIC_SIGNING_TIME);
  if (present(HEADER_EXPIRY)) required.push(HEADER_EXPIRY);
  const missing = required.filter((key) => !seen.has(key));
  if (missing.length > 0) fail('ERR_ENVELOPE_CRITICAL_HEADER', `these required headers are not marked as critical: [${missing.join(' ')}]`);
}

/** Labels of the standard signed attributes (never extended attributes). */
export const NOTARY_SIGNED_HEADERS: readonly string[] = [HEADER_SIGNING_SCHEME, HEADER_SIGNING_TIME, HEADER_AUTHENTIC_SIGNING_TIME, HEADER_EXPIRY];

/** Cross-scheme rules: each scheme has exactly its own time header. */
export function checkSchemeTimes(scheme: SigningScheme, has: (key: string) => boolean): void {
  if (scheme === SIGNING_SCHEME_X509) {
    if (has(HEADER_AUTHENTIC_SIGNING_TIME)) fail('ERR_ENVELOPE_INVALID', `"${HEADER_AUTHENTIC_SIGNING_TIME}" header must not be present for ${SIGNING_SCHEME_X509} signing scheme`);
    if (!has(HEADER_SIGNING_TIME)) fail('ERR_ENVELOPE_INVALID', `"${HEADER_SIGNING_TIME}" header must be present for ${SIGNING_SCHEME_X509} signing scheme`);
  } else {
    if (has(HEADER_SIGNING_TIME)) fail('ERR_ENVELOPE_INVALID', `"${HEADER_SIGNING_TIME}" header must not be present for ${SIGNING_SCHEME_X509_SIGNING_AUTHORITY} signing scheme`);
    if (!has(HEADER_AUTHENTIC_SIGNING_TIME)) {
      fail('ERR_ENVELOPE_INVALID', `"${HEADER_AUTHENTIC_SIGNING_TIME}" header must be present for ${SIGNING_SCHEME_X509_SIGNING_AUTHORITY} signing scheme`);
    }
  }
}

/** The header that holds the signing time under `scheme`: `authenticSigningTime` for signingAuthority. */
export function signingTimeHeader(scheme: SigningScheme): string {
  return scheme === SIGNING_SCHEME_X509_SIGNING_AUTHORITY ? HEADER_AUTHENTIC_SIGNING_TIME : HEADER_SIGNING_TIME;
}

/** A time header to sign: its name, its time, and whether it goes into `crit`. */
export interface TimeHeader {
  readonly key: string;
  readonly time: Date;
  readonly critical: boolean;
}

/**
 * The time headers of a signature in notation-core-go's order: the signing time (critical only as
 * `authenticSigningTime`, which a verifier must process), then the expiry when set (critical).
 * Each codec writes them in its own encoding (RFC 3339 for JWS, tag-1 epoch seconds for COSE).
 */
export function timeHeaders(signature: { readonly signingScheme: SigningScheme; readonly signingTime: Date; readonly expiry?: Date | undefined }): TimeHeader[] {
  const signingTime = signingTimeHeader(signature.signingScheme);
  const headers: TimeHeader[] = [{ key: signingTime, time: signature.signingTime, critical: signingTime === HEADER_AUTHENTIC_SIGNING_TIME }];
  if (signature.expiry) headers.push({ key: HEADER_EXPIRY, time: signature.expiry, critical: true });
  return headers;
}

/** What a codec hands to `completeVerification`. */
export interface DecodedEnvelope {
  readonly format: EnvelopeFormat;
  readonly mediaType: string;
  /** The algorithm named by the protected header. */
  readonly headerAlgorithm: SignatureAlgorithm;
  readonly signingScheme: SigningScheme;
  readonly signingTime: Date;
  readonly expiry: Date | undefined;
  readonly contentType: string;
  readonly extendedAttributes: readonly ExtendedAttribute[];
  readonly payloadBytes: Uint8Array;
  /** The exact bytes the signature covers (JWS signing input / COSE Sig_structure). */
  readonly signedBytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly certificates: readonly Uint8Array[];
  readonly unsignedAttributes: UnsignedAttributes;
  readonly pssSalt: 'auto' | 'digest';
}

function parseChain(ders: readonly Uint8Array[], cache: CertificateCache | undefined): Certificate[] {
  if (ders.length === 0) fail('ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', 'certificate chain is not present');
  if (ders.length > MAX_CHAIN_CERTIFICATES) {
    fail('ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', `certificate chain has ${ders.length} certificates; at most ${MAX_CHAIN_CERTIFICATES} are accepted`);
  }
  return ders.map((der, i) => {
    try {
      return cache ? cache.get(der) : parseCertificate(der);
    } catch (error) {
      fail('ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', i === 0 ? `malformed leaf certificate: ${(error as Error).message}` : `malformed certificate at chain index ${i}: ${(error as Error).message}`, error);
    }
  });
}

const KNOWN_CRITICAL: readonly AttributeKey[] = [HEADER_VERIFICATION_PLUGIN, HEADER_VERIFICATION_PLUGIN_MIN_VERSION];

export function completeVerification(decoded: DecodedEnvelope, options: VerifyEnvelopeOptions): VerifiedEnvelope {
  // Plugin attributes: when present they must be critical strings (the pipeline resolves the plugin).
  for (const key of KNOWN_CRITICAL) {
    const attribute = decoded.extendedAttributes.find((a) => a.key === key);
    if (!attribute) continue;
    if (typeof attribute.value !== 'string' || attribute.value === '') fail('ERR_ENVELOPE_INVALID', `"${key}" must be a non-empty string`);
    if (!attribute.critical) fail('ERR_ENVELOPE_CRITICAL_HEADER', `"${key}" must be marked critical`);
  }
  const known = new Set<AttributeKey>([...KNOWN_CRITICAL, ...(options.knownCriticalAttributes ?? [])]);
  const unknownCritical = decoded.extendedAttributes.filter((a) => a.critical && !known.has(a.key)).map((a) => a.key);
  const hasPlugin = decoded.extendedAttributes.some((a) => a.key === HEADER_VERIFICATION_PLUGIN);
  if (unknownCritical.length > 0 && !hasPlugin) {
    fail(
      'ERR_ENVELOPE_CRITICAL_HEADER',
      `unsupported critical header(s) ${unknownCritical.map(describeKey).join(', ')}: the signature requires processing this verifier does not perform`,
    );
  }

  if (decoded.contentType !== MEDIA_TYPE_NOTARY_PAYLOAD) {
    fail('ERR_ENVELOPE_PAYLOAD_INVALID', `payload content type ${goQuote(decoded.contentType)} not supported`);
  }
  if (decoded.expiry && decoded.expiry.getTime() <= decoded.signingTime.getTime()) {
    fail('ERR_ENVELOPE_INVALID', 'expiry cannot be equal or before the signing time');
  }

  const chain = parseChain(decoded.certificates, options.certificateCache);
  const leaf = chain[0]!;
  if (leaf.keySpec === undefined || !leaf.publicKey) {
    fail('ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', `certificate-chain is invalid, ${unsupportedKeyMessage(leaf)}`);
  }
  const keyAlgorithm = KEY_SPECS[leaf.keySpec].signatureAlgorithm;
  if (keyAlgorithm !== decoded.headerAlgorithm) {
    fail(
      'ERR_ENVELOPE_UNSUPPORTED_ALGORITHM',
      `mismatch between signature algorithm derived from signing certificate (${jwsAlgorithmOf(keyAlgorithm)}) and signing algorithm specified (${jwsAlgorithmOf(decoded.headerAlgorithm)})`,
    );
  }
  if (decoded.signature.length === 0) fail('ERR_ENVELOPE_INVALID', 'signature missing in envelope');
  if (!verifyPrimitiveSignature(keyAlgorithm, leaf.publicKey, decoded.signedBytes, decoded.signature, decoded.pssSalt)) {
    fail('ERR_ENVELOPE_SIGNATURE_INVALID', `signature is invalid: it does not verify with the key of signing certificate ${goQuote(leaf.subject)}`);
  }

  const payload = parsePayload(decoded.payloadBytes);
  try {
    validateCodeSigningChain(chain, options.certificateCache ? { cache: options.certificateCache } : {});
  } catch (error) {
    if (error instanceof PkiError) fail('ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', `certificate-chain is invalid, ${error.message}`, error);
    throw error;
  }

  const common = { contentType: decoded.contentType, extendedAttributes: decoded.extendedAttributes, ...(decoded.expiry ? { expiry: decoded.expiry } : {}) };
  const signedAttributes: SignedAttributes =
    decoded.signingScheme === SIGNING_SCHEME_X509
      ? { ...common, signingScheme: SIGNING_SCHEME_X509, signingTime: decoded.signingTime }
      : { ...common, signingScheme: SIGNING_SCHEME_X509_SIGNING_AUTHORITY, authenticSigningTime: decoded.signingTime };
  return {
    format: decoded.format,
    mediaType: decoded.mediaType,
    payload,
    payloadBytes: decoded.payloadBytes,
    signedAttributes,
    unsignedAttributes: decoded.unsignedAttributes,
    certificateChain: chain,
    signatureAlgorithm: keyAlgorithm,
    keySpec: leaf.keySpec,
    signature: decoded.signature,
    unprocessedCriticalAttributes: hasPlugin ? unknownCritical : [],
  };
}
