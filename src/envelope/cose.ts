/**
 * The COSE_Sign1 envelope (`application/cose`), RFC 9052 with the Notary header profile.
 *
 * Decoding follows go-cose's rules so both sides agree on what an envelope means: the input must
 * be exactly one COSE_Sign1_Tagged item (tag 18, four-element array), no indefinite lengths, no
 * duplicate map keys, header labels int or tstr, `crit` only in the protected bucket and listing
 * present labels, no label in both buckets, payload attached. The Sig_structure is rebuilt around
 * the protected header bytes exactly as received.
 *
 * Encoding is RFC 8949 §4.2.1 core deterministic (as go-cose), so our envelopes match Notation's
 * byte layout: protected `{1: alg, 2: crit, 3: cty, signingTime|authenticSigningTime: 1(secs),
 * [expiry: 1(secs)], signingScheme, ...}`, unprotected `{33: [DER...], signingAgent,
 * [timestampSignature]}`.
 *
 * @see notaryproject/specifications specs/signature-envelope-cose.md
 * @see notaryproject/notation-core-go signature/cose/envelope.go; veraison/go-cose sign1.go, headers.go
 */
import { decode, encode, Tag, TypeEncoderMap } from 'cbor2';
import { sortCoreDeterministic } from 'cbor2/sorts';
import { MAX_ENVELOPE_BYTES } from '../limits.js';
import {
  checkCriticalList,
  checkSchemeTimes,
  completeVerification,
  fail,
  isSigningScheme,
  signingTimeHeader,
  timeHeaders,
  type DecodedEnvelope,
  type VerifyEnvelopeOptions,
} from './common.js';
import type { PreparedSignature } from './sign-model.js';
import { coseAlgorithmOf, fromCoseAlgorithm } from './signer.js';
import {
  HEADER_AUTHENTIC_SIGNING_TIME,
  HEADER_EXPIRY,
  HEADER_SIGNING_AGENT,
  HEADER_SIGNING_SCHEME,
  HEADER_SIGNING_TIME,
  HEADER_TIMESTAMP_SIGNATURE,
  MEDIA_TYPE_COSE_ENVELOPE,
  type AttributeKey,
  type ExtendedAttribute,
  type VerifiedEnvelope,
} from './types.js';

export const COSE_TAG_SIGN1 = 18;
const LABEL_ALG = 1;
const LABEL_CRIT = 2;
const LABEL_CONTENT_TYPE = 3;
const LABEL_X5CHAIN = 33;

/** Every tag is kept as a Tag object (no conversion to Date etc.), so tag numbers can be checked. */
const DECODE_OPTIONS = {
  ignoreGlobalTags: true,
  preferMap: true,
  rejectDuplicateKeys: true,
  rejectStreaming: true,
  collapseBigInts: true,
  rejectUndefined: true,
} as const;

/**
 * Node Buffers (what cbor2 decodes byte strings into) would otherwise be encoded through
 * Buffer#toJSON as a map; always write them as byte strings.
 */
const BYTE_TYPES = new TypeEncoderMap();
BYTE_TYPES.registerEncoder(Buffer, (value: Buffer) => [NaN, new Uint8Array(value.buffer, value.byteOffset, value.byteLength)]);
const ENCODE_OPTIONS = { sortKeys: sortCoreDeterministic, types: BYTE_TYPES } as const;

function cbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decode(bytes, DECODE_OPTIONS);
  } catch (error) {
    return fail('ERR_ENVELOPE_INVALID', `${what} is not well-formed CBOR: ${(error as Error).message}`, error);
  }
}

const isLabel = (key: unknown): key is AttributeKey => typeof key === 'string' || (typeof key === 'number' && Number.isSafeInteger(key));
const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

function headerMap(value: unknown, what: string): Map<AttributeKey, unknown> {
  if (!(value instanceof Map)) fail('ERR_ENVELOPE_INVALID', `COSE ${what} header must be a map`);
  for (const key of value.keys()) {
    if (!isLabel(key)) fail('ERR_ENVELOPE_INVALID', `COSE ${what} header label must be an int or a text string`);
  }
  return value as Map<AttributeKey, unknown>;
}

/** Tag 1 epoch date/time; integer or float seconds (the spec says fractions SHOULD NOT be used). */
function epochTime(value: unknown, label: string): Date {
  if (!(value instanceof Tag)) fail('ERR_ENVELOPE_INVALID', `header "${label}" time value does not have a tag`);
  if (Number(value.tag) !== 1) fail('ERR_ENVELOPE_INVALID', `header "${label}": only Tag \`1\` Datetime CBOR object is supported`);
  const seconds = typeof value.contents === 'bigint' ? Number(value.contents) : value.contents;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) fail('ERR_ENVELOPE_INVALID', `header "${label}" is not an epoch time`);
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) fail('ERR_ENVELOPE_INVALID', `header "${label}" is out of range`);
  return date;
}

export function decodeCose(bytes: Uint8Array): DecodedEnvelope {
  if (bytes.length > MAX_ENVELOPE_BYTES) fail('ERR_ENVELOPE_SIZE_EXCEEDED', `COSE envelope is ${bytes.length} bytes; the limit is ${MAX_ENVELOPE_BYTES}`);
  if (bytes.length === 0) fail('ERR_ENVELOPE_INVALID', 'COSE envelope is empty');
  // Cheap checks first, and a precise message for the common mistake of an untagged COSE_Sign1.
  if (bytes[0] === 0x84) fail('ERR_ENVELOPE_INVALID', 'untagged COSE_Sign1 is not supported: a COSE_Sign1_Tagged object (tag 18) is required');
  const message = cbor(bytes, 'COSE envelope');
  if (!(message instanceof Tag)) fail('ERR_ENVELOPE_INVALID', 'invalid COSE_Sign1_Tagged object: expected CBOR tag 18');
  if (Number(message.tag) !== COSE_TAG_SIGN1) fail('ERR_ENVELOPE_INVALID', `invalid COSE_Sign1_Tagged object: expected CBOR tag 18, got tag ${String(message.tag)}`);
  const parts = message.contents;
  if (!Array.isArray(parts) || parts.length !== 4) fail('ERR_ENVELOPE_INVALID', 'invalid COSE_Sign1_Tagged object: expected an array of 4 elements');
  const [protectedBytes, unprotectedValue, payload, signature] = parts as unknown[];
  if (!isBytes(protectedBytes)) fail('ERR_ENVELOPE_INVALID', 'COSE protected header must be a byte string');
  if (protectedBytes.length === 0) fail('ERR_ENVELOPE_INVALID', 'COSE protected header is empty');
  if (payload === null) fail('ERR_ENVELOPE_INVALID', 'COSE payload is detached; an attached payload is required');
  if (!isBytes(payload)) fail('ERR_ENVELOPE_INVALID', 'COSE payload must be a byte string');
  if (!isBytes(signature) || signature.length === 0) fail('ERR_ENVELOPE_INVALID', 'signature missing in COSE envelope');

  if ((protectedBytes[0]! >> 5) !== 5) fail('ERR_ENVELOPE_INVALID', 'COSE protected header: require map type');
  const header = headerMap(cbor(protectedBytes, 'COSE protected header'), 'protected');
  const unprotected = headerMap(unprotectedValue, 'unprotected');
  for (const key of unprotected.keys()) {
    if (key === LABEL_CRIT || key === LABEL_ALG || key === LABEL_CONTENT_TYPE) fail('ERR_ENVELOPE_INVALID', `COSE header label ${key} must be in the protected header`);
    if (header.has(key)) fail('ERR_ENVELOPE_INVALID', `COSE header label ${typeof key === 'string' ? `"${key}"` : key} appears in both the protected and the unprotected header`);
  }

  const alg = header.get(LABEL_ALG);
  if (alg === undefined) fail('ERR_ENVELOPE_INVALID', 'COSE protected header is missing alg (label 1)');
  const headerAlgorithm = typeof alg === 'number' ? fromCoseAlgorithm(alg) : undefined;
  if (!headerAlgorithm) {
    fail('ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', `signature algorithm ${typeof alg === 'string' ? `"${alg}"` : String(alg)} is not supported: use -37, -38, -39 (PS256/384/512) or -7, -35, -36 (ES256/384/512)`);
  }
  const contentType = header.get(LABEL_CONTENT_TYPE);
  if (contentType === undefined) fail('ERR_ENVELOPE_INVALID', 'missing content type');
  if (typeof contentType !== 'string') fail('ERR_ENVELOPE_INVALID', "content type should be of 'tstr' type");

  const scheme = header.get(HEADER_SIGNING_SCHEME);
  if (!isSigningScheme(scheme)) fail('ERR_ENVELOPE_INVALID', scheme === undefined ? 'invalid signingScheme' : `unsupported signingScheme: ${String(scheme)}`);
  const has = (key: string): boolean => header.has(key);
  checkSchemeTimes(scheme, has);
  const timeLabel = signingTimeHeader(scheme);
  const signingTime = epochTime(header.get(timeLabel), timeLabel);
  const expiry = header.has(HEADER_EXPIRY) ? epochTime(header.get(HEADER_EXPIRY), HEADER_EXPIRY) : undefined;

  if (!header.has(LABEL_CRIT)) fail('ERR_ENVELOPE_CRITICAL_HEADER', 'missing "crit" header');
  const crit = header.get(LABEL_CRIT);
  if (!Array.isArray(crit) || !crit.every(isLabel)) fail('ERR_ENVELOPE_CRITICAL_HEADER', 'crit (label 2) must be an array of int / tstr labels');
  checkCriticalList(
    crit,
    (key) => header.has(key),
    // RFC 9052 §3.1: labels 0-8 are never listed; signingTime is informational, never critical.
    (key) => (typeof key === 'number' && key >= 0 && key <= 8) || key === HEADER_SIGNING_TIME,
    scheme,
  );
  const system = new Set<AttributeKey>([LABEL_ALG, LABEL_CRIT, LABEL_CONTENT_TYPE, HEADER_SIGNING_SCHEME, HEADER_SIGNING_TIME, HEADER_AUTHENTIC_SIGNING_TIME, HEADER_EXPIRY]);
  const extendedAttributes: ExtendedAttribute[] = [...header.entries()]
    .filter(([key]) => !system.has(key) && key !== LABEL_X5CHAIN)
    .map(([key, value]) => ({ key, value, critical: crit.includes(key) }));

  // x5chain: unprotected (where Notation puts it) or, as the spec allows, protected.
  const chainValue = unprotected.get(LABEL_X5CHAIN) ?? header.get(LABEL_X5CHAIN);
  if (!Array.isArray(chainValue) || chainValue.length === 0) fail('ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', 'certificate chain is not present');
  if (!chainValue.every(isBytes)) fail('ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', 'x5chain (label 33) must be an array of byte strings');
  const signingAgent = unprotected.get(HEADER_SIGNING_AGENT);
  if (signingAgent !== undefined && typeof signingAgent !== 'string') fail('ERR_ENVELOPE_INVALID', `"${HEADER_SIGNING_AGENT}" must be a text string`);
  const timestampSignature = unprotected.get(HEADER_TIMESTAMP_SIGNATURE);
  if (timestampSignature !== undefined && !isBytes(timestampSignature)) fail('ERR_ENVELOPE_INVALID', `"${HEADER_TIMESTAMP_SIGNATURE}" must be a byte string`);

  return {
    format: 'cose',
    mediaType: MEDIA_TYPE_COSE_ENVELOPE,
    headerAlgorithm,
    signingScheme: scheme,
    signingTime,
    expiry,
    contentType,
    extendedAttributes,
    payloadBytes: Uint8Array.from(payload),
    signedBytes: sigStructure(protectedBytes, payload),
    signature: Uint8Array.from(signature),
    certificates: chainValue.map((der) => Uint8Array.from(der)),
    unsignedAttributes: {
      ...(signingAgent !== undefined ? { signingAgent } : {}),
      ...(timestampSignature !== undefined ? { timestampSignature: Uint8Array.from(timestampSignature) } : {}),
    },
    pssSalt: 'digest',
  };
}

/** Integrity-verifies a COSE_Sign1 envelope. Throws EnvelopeError. */
export function verifyCose(bytes: Uint8Array, options: VerifyEnvelopeOptions = {}): VerifiedEnvelope {
  return completeVerification(decodeCose(bytes), options);
}

function byteStringHeader(length: number): Uint8Array {
  if (length < 24) return Uint8Array.of(0x40 | length);
  if (length < 0x100) return Uint8Array.of(0x58, length);
  if (length < 0x10000) return Uint8Array.of(0x59, length >> 8, length & 0xff);
  return Uint8Array.of(0x5a, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

/**
 * `Sig_structure = ["Signature1", body_protected, external_aad = h'', payload]` (RFC 9052 §4.4),
 * written by hand so the received protected bytes are embedded verbatim in preferred encoding.
 */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return Buffer.concat([
    Uint8Array.of(0x84, 0x6a),
    Buffer.from('Signature1', 'ascii'),
    byteStringHeader(protectedBytes.length),
    protectedBytes,
    Uint8Array.of(0x40),
    byteStringHeader(payload.length),
    payload,
  ]);
}

const plain = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const epoch = (date: Date): Tag => new Tag(1, Math.floor(date.getTime() / 1000));

/** The protected header bytes, as notation-core-go builds them (crit: signingScheme, authenticSigningTime, expiry, critical extended attributes). */
export function buildCoseProtectedHeader(prepared: PreparedSignature): Uint8Array {
  const header = new Map<AttributeKey, unknown>();
  const crit: AttributeKey[] = [HEADER_SIGNING_SCHEME];
  header.set(LABEL_ALG, coseAlgorithmOf(prepared.signatureAlgorithm));
  header.set(HEADER_SIGNING_SCHEME, prepared.signingScheme);
  for (const { key, time, critical } of timeHeaders(prepared)) {
    header.set(key, epoch(time));
    if (critical) crit.push(key);
  }
  for (const attribute of prepared.extendedAttributes) {
    if (attribute.critical && typeof attribute.key === 'number' && attribute.key >= 0 && attribute.key <= 8) {
      fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `COSE label ${attribute.key} cannot be a critical extended attribute`);
    }
    header.set(attribute.key, attribute.value instanceof Uint8Array ? plain(attribute.value) : attribute.value);
    if (attribute.critical) crit.push(attribute.key);
  }
  header.set(LABEL_CRIT, crit);
  header.set(LABEL_CONTENT_TYPE, prepared.contentType);
  try {
    return encode(header, ENCODE_OPTIONS);
  } catch (error) {
    return fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `extended attributes cannot be encoded as CBOR: ${(error as Error).message}`, error);
  }
}

/** Signs and serialises a COSE_Sign1_Tagged envelope. */
export async function signCose(prepared: PreparedSignature): Promise<Uint8Array> {
  const protectedBytes = buildCoseProtectedHeader(prepared);
  const { signature, certificateChain } = await prepared.sign(sigStructure(protectedBytes, prepared.payloadBytes));
  const timestamp = await prepared.timestamp(signature);
  const unprotected = new Map<AttributeKey, unknown>();
  unprotected.set(LABEL_X5CHAIN, certificateChain.map(plain));
  if (prepared.signingAgent) unprotected.set(HEADER_SIGNING_AGENT, prepared.signingAgent);
  if (timestamp) unprotected.set(HEADER_TIMESTAMP_SIGNATURE, plain(timestamp));
  return encode(new Tag(COSE_TAG_SIGN1, [plain(protectedBytes), unprotected, plain(prepared.payloadBytes), plain(signature)]), ENCODE_OPTIONS);
}
