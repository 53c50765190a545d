/**
 * Signing requests, validated once into a PreparedSignature that both codecs consume. Internal
 * to `envelope` except for the request and timestamper types re-exported by the index.
 */
import type { SignatureAlgorithm } from '../pki/index.js';
import { fail, isSigningScheme, NOTARY_SIGNED_HEADERS } from './common.js';
import { truncateToSeconds } from './encoding.js';
import { encodePayload } from './payload.js';
import { checkKeySpec, signatureAlgorithmOf, type Signer } from './signer.js';
import {
  HEADER_SIGNING_AGENT,
  HEADER_TIMESTAMP_SIGNATURE,
  MEDIA_TYPE_NOTARY_PAYLOAD,
  SIGNING_SCHEME_X509,
  type AttributeKey,
  type EnvelopeFormat,
  type ExtendedAttribute,
  type NotaryPayload,
  type SigningScheme,
} from './types.js';

/** RFC 3161 timestamping port: returns a DER TimeStampToken over `content` hashed with `hashAlgorithm`. */
export interface Timestamper {
  timestamp(request: { readonly content: Uint8Array; readonly hashAlgorithm: 'sha256' | 'sha384' | 'sha512' }): Promise<Uint8Array>;
}

export interface SignEnvelopeRequest {
  readonly format: EnvelopeFormat;
  readonly payload: NotaryPayload;
  readonly signer: Signer;
  /** Truncated to whole seconds. Under `notary.x509.signingAuthority` this is the authentic signing time. */
  readonly signingTime: Date;
  /** Truncated to whole seconds; must be after the signing time. */
  readonly expiry?: Date;
  /** e.g. `portcullis/0.1.0`; omitted from the envelope when empty. */
  readonly signingAgent?: string;
  readonly extendedAttributes?: readonly ExtendedAttribute[];
  /** Default `notary.x509`. */
  readonly signingScheme?: SigningScheme;
  /** Countersigns the primitive signature (only under `notary.x509`). */
  readonly timestamper?: Timestamper;
}

export interface PreparedSignature {
  readonly format: EnvelopeFormat;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly signingScheme: SigningScheme;
  readonly signingTime: Date;
  readonly expiry: Date | undefined;
  readonly contentType: string;
  readonly payloadBytes: Uint8Array;
  readonly signingAgent: string;
  readonly extendedAttributes: readonly ExtendedAttribute[];
  sign(data: Uint8Array): Promise<{ signature: Uint8Array; certificateChain: readonly Uint8Array[] }>;
  timestamp(signature: Uint8Array): Promise<Uint8Array | undefined>;
}

const RESERVED_KEYS = new Set<AttributeKey>(['alg', 'cty', 'crit', 1, 2, 3, 33, ...NOTARY_SIGNED_HEADERS, HEADER_SIGNING_AGENT, HEADER_TIMESTAMP_SIGNATURE]);

function checkDate(value: unknown, what: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `${what} must be a valid Date`);
  return truncateToSeconds(value);
}

export function prepareSignature(request: SignEnvelopeRequest): PreparedSignature {
  if (request.format !== 'jws' && request.format !== 'cose') {
    fail('ERR_ENVELOPE_UNSUPPORTED_FORMAT', `unsupported envelope format "${String(request.format)}": use jws or cose`);
  }
  const signer = request.signer;
  if (!signer || typeof signer.sign !== 'function') fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', 'signer is missing');
  const keySpec = checkKeySpec(signer.keySpec);
  const signingScheme = request.signingScheme ?? SIGNING_SCHEME_X509;
  if (!isSigningScheme(signingScheme)) fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `unsupported signing scheme "${String(signingScheme)}"`);
  const signingTime = checkDate(request.signingTime, 'signing time');
  const expiry = request.expiry === undefined ? undefined : checkDate(request.expiry, 'expiry');
  if (expiry && expiry.getTime() <= signingTime.getTime()) {
    fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', 'expiry cannot be equal or before the signing time');
  }
  const seen = new Set<AttributeKey>();
  for (const attribute of request.extendedAttributes ?? []) {
    const key = attribute.key;
    if (typeof key !== 'string' && !Number.isSafeInteger(key)) fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', 'extended attribute keys must be strings or integers');
    if (key === '') fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', 'extended attribute keys must not be empty');
    if (RESERVED_KEYS.has(key)) fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `extended attribute ${JSON.stringify(key)} is a reserved header`);
    if (seen.has(key)) fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `${JSON.stringify(key)} already exists in the extended attributes`);
    seen.add(key);
  }
  const payloadBytes = encodePayload(request.payload, request.format);
  const timestamper = signingScheme === SIGNING_SCHEME_X509 ? request.timestamper : undefined;
  const hash = ({ 'RSA-2048': 'sha256', 'RSA-3072': 'sha384', 'RSA-4096': 'sha512', 'EC-256': 'sha256', 'EC-384': 'sha384', 'EC-521': 'sha512' } as const)[keySpec];

  return {
    format: request.format,
    signatureAlgorithm: signatureAlgorithmOf(keySpec),
    signingScheme,
    signingTime,
    expiry,
    contentType: MEDIA_TYPE_NOTARY_PAYLOAD,
    payloadBytes,
    signingAgent: request.signingAgent ?? '',
    extendedAttributes: [...(request.extendedAttributes ?? [])],
    async sign(data) {
      const output = await signer.sign(data);
      if (output instanceof Uint8Array) return { signature: output, certificateChain: signer.certificateChain };
      if (!output || !(output.signature instanceof Uint8Array)) fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', 'signer returned no signature');
      return { signature: output.signature, certificateChain: output.certificateChain };
    },
    async timestamp(signature) {
      if (!timestamper) return undefined;
      const token = await timestamper.timestamp({ content: signature, hashAlgorithm: hash });
      if (!(token instanceof Uint8Array) || token.length === 0) fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', 'timestamper returned an empty token');
      return token;
    },
  };
}
