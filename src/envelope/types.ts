/**
 * The abstract Notary signature envelope: payload, signed attributes, unsigned attributes,
 * certificate chain and signature algorithm, independent of JWS or COSE.
 *
 * @see notaryproject/specifications specs/signature-specification.md § Signature Envelope
 */
import type { Descriptor } from '../oci/index.js';
import type { Certificate, KeySpec, SignatureAlgorithm } from '../pki/index.js';

export const MEDIA_TYPE_JWS_ENVELOPE = 'application/jose+json';
export const MEDIA_TYPE_COSE_ENVELOPE = 'application/cose';
export const MEDIA_TYPE_NOTARY_PAYLOAD = 'application/vnd.cncf.notary.payload.v1+json';

export const SIGNING_SCHEME_X509 = 'notary.x509';
export const SIGNING_SCHEME_X509_SIGNING_AUTHORITY = 'notary.x509.signingAuthority';

/** Signed attribute names shared by both encodings (JWS header names, COSE text labels). */
export const HEADER_SIGNING_SCHEME = 'io.cncf.notary.signingScheme';
export const HEADER_SIGNING_TIME = 'io.cncf.notary.signingTime';
export const HEADER_AUTHENTIC_SIGNING_TIME = 'io.cncf.notary.authenticSigningTime';
export const HEADER_EXPIRY = 'io.cncf.notary.expiry';
export const HEADER_VERIFICATION_PLUGIN = 'io.cncf.notary.verificationPlugin';
export const HEADER_VERIFICATION_PLUGIN_MIN_VERSION = 'io.cncf.notary.verificationPluginMinVersion';
/** Unsigned attribute names. */
export const HEADER_SIGNING_AGENT = 'io.cncf.notary.signingAgent';
export const HEADER_TIMESTAMP_SIGNATURE = 'io.cncf.notary.timestampSignature';

export type EnvelopeFormat = 'jws' | 'cose';
export type SigningScheme = typeof SIGNING_SCHEME_X509 | typeof SIGNING_SCHEME_X509_SIGNING_AUTHORITY;

/** The Notary payload (`application/vnd.cncf.notary.payload.v1+json`). */
export interface NotaryPayload {
  readonly targetArtifact: Descriptor;
}

/** Extended attribute keys: strings in JWS; strings or integers in COSE. */
export type AttributeKey = string | number;

export interface ExtendedAttribute {
  readonly key: AttributeKey;
  /** A JSON value (JWS) or a CBOR-decoded value (COSE). */
  readonly value: unknown;
  readonly critical: boolean;
}

interface CommonSignedAttributes {
  /** Always `application/vnd.cncf.notary.payload.v1+json` once verified. */
  readonly contentType: string;
  /** The signer's "best by" time, when set. Expired when now ≥ expiry (a trust decision, not checked here). */
  readonly expiry?: Date;
  /** Attributes beyond the standard ones, with their critical flag. */
  readonly extendedAttributes: readonly ExtendedAttribute[];
}

/**
 * Signed attributes. The signing time is unauthenticated under `notary.x509` (never a trust
 * input); under `notary.x509.signingAuthority` the authentic signing time is.
 */
export type SignedAttributes = CommonSignedAttributes &
  (
    | { readonly signingScheme: typeof SIGNING_SCHEME_X509; readonly signingTime: Date }
    | { readonly signingScheme: typeof SIGNING_SCHEME_X509_SIGNING_AUTHORITY; readonly authenticSigningTime: Date }
  );

export interface UnsignedAttributes {
  /** Opaque client identifier such as `notation-go/1.3.2`; never validated. */
  readonly signingAgent?: string;
  /** RFC 3161 TimeStampToken (DER) countersigning the primitive signature; validated elsewhere. */
  readonly timestampSignature?: Uint8Array;
}

/**
 * What integrity verification established: the envelope is well-formed, its primitive signature
 * verifies with the leaf key over the received bytes, the algorithm matches the leaf key, and the
 * chain is ordered, issued link by link and meets the Notary certificate profile. Nothing here is
 * trusted yet: trust-store anchoring, identities, expiry, timestamps and revocation come later.
 */
export interface VerifiedEnvelope {
  readonly format: EnvelopeFormat;
  readonly mediaType: string;
  readonly payload: NotaryPayload;
  /** The exact payload bytes that were signed. */
  readonly payloadBytes: Uint8Array;
  readonly signedAttributes: SignedAttributes;
  readonly unsignedAttributes: UnsignedAttributes;
  /** Leaf first, root last, as carried in the envelope. */
  readonly certificateChain: readonly Certificate[];
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly keySpec: KeySpec;
  /** The primitive signature bytes (what an RFC 3161 timestamp countersigns). */
  readonly signature: Uint8Array;
  /**
   * Critical extended attributes this verifier did not process. Always empty unless the envelope
   * names a verification plugin (`io.cncf.notary.verificationPlugin`): then they are left for the
   * plugin, and the verification pipeline must fail unless the plugin reports them processed.
   */
  readonly unprocessedCriticalAttributes: readonly AttributeKey[];
}

export function mediaTypeOf(format: EnvelopeFormat): string {
  return format === 'jws' ? MEDIA_TYPE_JWS_ENVELOPE : MEDIA_TYPE_COSE_ENVELOPE;
}
