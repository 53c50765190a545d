/**
 * The JWS JSON serialization envelope (`application/jose+json`), flattened syntax only.
 *
 * Verification decisions (beyond the spec's MUSTs):
 * - Top level: exactly `payload`, `protected`, `header`, `signature` (the spec allows no others;
 *   Go ignores extras). A general-syntax `signatures` member is therefore rejected too.
 * - Duplicate JSON keys anywhere (envelope, protected header, payload) are rejected.
 * - Unprotected `header`: `x5c` required; `io.cncf.notary.signingAgent` and
 *   `io.cncf.notary.timestampSignature` optional; other names are ignored, except names that
 *   must be integrity-protected (`alg`, `crit`, `cty`, ...) or that also appear in the protected
 *   header (RFC 7515 §7.2.1: the two sets must be disjoint), which are rejected.
 * - The signature is verified over the received `protected` and `payload` strings.
 *
 * @see notaryproject/specifications specs/signature-envelope-jws.md
 * @see notaryproject/notation-core-go signature/jws/{envelope.go,jws.go,types.go}
 */
import { MAX_ENVELOPE_BYTES } from '../limits.js';
import {
  checkCriticalList,
  checkSchemeTimes,
  completeVerification,
  fail,
  isSigningScheme,
  NOTARY_SIGNED_HEADERS,
  signingTimeHeader,
  timeHeaders,
  type DecodedEnvelope,
  type VerifyEnvelopeOptions,
} from './common.js';
import { decodeBase64, decodeBase64Url, decodeUtf8, encodeBase64, encodeBase64Url, formatRfc3339, goJson, parseRfc3339, parseStrictJson } from './encoding.js';
import { fromJwsAlgorithm, jwsAlgorithmOf } from './signer.js';
import {
  HEADER_EXPIRY,
  HEADER_SIGNING_AGENT,
  HEADER_SIGNING_SCHEME,
  HEADER_SIGNING_TIME,
  HEADER_TIMESTAMP_SIGNATURE,
  MEDIA_TYPE_JWS_ENVELOPE,
  type ExtendedAttribute,
  type VerifiedEnvelope,
} from './types.js';
import type { PreparedSignature } from './sign-model.js';

/** Header parameters registered by RFC 7515/7516/7518 that must never be listed in `crit`, or sent unprotected when they govern processing. */
const REGISTERED_HEADERS = new Set(['alg', 'jku', 'jwk', 'kid', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'typ', 'cty', 'crit', 'enc', 'zip', 'epk', 'apu', 'apv', 'iv', 'tag', 'p2s', 'p2c']);
const PROTECTED_ONLY = new Set(['alg', 'crit', 'cty', 'b64', 'zip', 'enc']);
const SYSTEM_HEADERS = new Set(['alg', 'cty', 'crit', ...NOTARY_SIGNED_HEADERS]);
const TOP_LEVEL = ['payload', 'protected', 'header', 'signature'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function decodeJws(bytes: Uint8Array): DecodedEnvelope {
  if (bytes.length > MAX_ENVELOPE_BYTES) fail('ERR_ENVELOPE_SIZE_EXCEEDED', `JWS envelope is ${bytes.length} bytes; the limit is ${MAX_ENVELOPE_BYTES}`);
  const envelope = parseStrictJson(decodeUtf8(bytes, 'JWS envelope'), 'JWS envelope');
  if (!isObject(envelope)) fail('ERR_ENVELOPE_INVALID', 'JWS envelope must be a JSON object (flattened JWS JSON serialization)');
  for (const key of Object.keys(envelope)) {
    if (!TOP_LEVEL.includes(key)) {
      fail('ERR_ENVELOPE_INVALID', `JWS envelope has unsupported member "${key}": only flattened JWS JSON with payload, protected, header and signature is allowed`);
    }
  }
  for (const key of TOP_LEVEL) {
    if (!(key in envelope)) fail('ERR_ENVELOPE_INVALID', `JWS envelope is missing "${key}"`);
  }
  if (typeof envelope.protected !== 'string' || typeof envelope.payload !== 'string') {
    fail('ERR_ENVELOPE_INVALID', 'JWS envelope "protected" and "payload" must be base64url strings');
  }
  const protectedBytes = decodeBase64Url(envelope.protected, 'JWS protected header');
  const payloadBytes = decodeBase64Url(envelope.payload, 'JWS payload');
  const signature = decodeBase64Url(envelope.signature, 'JWS signature');
  if (signature.length === 0) fail('ERR_ENVELOPE_INVALID', 'signature missing in jws-json envelope');

  const header = parseStrictJson(decodeUtf8(protectedBytes, 'JWS protected header'), 'JWS protected header');
  if (!isObject(header)) fail('ERR_ENVELOPE_INVALID', 'JWS protected header must be a JSON object');
  const has = (key: string): boolean => Object.hasOwn(header, key);

  // alg: only the six Notary algorithms; `none`, HMAC and RSASSA-PKCS1 never pass.
  if (!has('alg')) fail('ERR_ENVELOPE_INVALID', 'JWS protected header is missing "alg"');
  if (typeof header.alg !== 'string') fail('ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', '"alg" must be a string');
  const headerAlgorithm = fromJwsAlgorithm(header.alg);
  if (!headerAlgorithm) {
    fail('ERR_ENVELOPE_UNSUPPORTED_ALGORITHM', `signature algorithm ${JSON.stringify(header.alg)} is not supported: use PS256, PS384, PS512, ES256, ES384 or ES512`);
  }
  if (!has('cty')) fail('ERR_ENVELOPE_INVALID', 'JWS protected header is missing "cty"');
  if (typeof header.cty !== 'string') fail('ERR_ENVELOPE_INVALID', '"cty" must be a string');

  const scheme = header[HEADER_SIGNING_SCHEME];
  if (!has(HEADER_SIGNING_SCHEME)) fail('ERR_ENVELOPE_INVALID', `JWS protected header is missing "${HEADER_SIGNING_SCHEME}"`);
  if (!isSigningScheme(scheme)) fail('ERR_ENVELOPE_INVALID', `unsupported SigningScheme: \`${String(scheme)}\``);
  checkSchemeTimes(scheme, has);
  const timeKey = signingTimeHeader(scheme);
  const signingTime = parseRfc3339(header[timeKey], `"${timeKey}"`);
  const expiry = has(HEADER_EXPIRY) ? parseRfc3339(header[HEADER_EXPIRY], `"${HEADER_EXPIRY}"`) : undefined;

  if (!has('crit')) fail('ERR_ENVELOPE_CRITICAL_HEADER', 'missing "crit" header');
  const crit = header.crit;
  if (!Array.isArray(crit) || crit.some((entry) => typeof entry !== 'string')) fail('ERR_ENVELOPE_CRITICAL_HEADER', '"crit" must be an array of strings');
  checkCriticalList(crit as string[], (key) => typeof key === 'string' && has(key), (key) => REGISTERED_HEADERS.has(String(key)) || key === HEADER_SIGNING_TIME, scheme);

  const extendedAttributes: ExtendedAttribute[] = Object.keys(header)
    .filter((key) => !SYSTEM_HEADERS.has(key))
    .map((key) => ({ key, value: header[key], critical: (crit as string[]).includes(key) }));

  // Unprotected header.
  const unprotected = envelope.header;
  if (!isObject(unprotected)) fail('ERR_ENVELOPE_INVALID', 'JWS unprotected "header" must be a JSON object');
  for (const key of Object.keys(unprotected)) {
    if (PROTECTED_ONLY.has(key)) fail('ERR_ENVELOPE_INVALID', `"${key}" must be in the protected header, not the unprotected one`);
    if (has(key)) fail('ERR_ENVELOPE_INVALID', `"${key}" appears in both the protected and the unprotected header`);
  }
  const x5c = unprotected.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0) fail('ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID', 'certificate chain is not present');
  const certificates = x5c.map((entry, i) => decodeBase64(entry, `x5c[${i}]`));
  const signingAgent = unprotected[HEADER_SIGNING_AGENT];
  if (signingAgent !== undefined && typeof signingAgent !== 'string') fail('ERR_ENVELOPE_INVALID', `"${HEADER_SIGNING_AGENT}" must be a string`);
  const timestamp = unprotected[HEADER_TIMESTAMP_SIGNATURE];
  const timestampSignature = timestamp === undefined ? undefined : decodeBase64(timestamp, `"${HEADER_TIMESTAMP_SIGNATURE}"`);

  return {
    format: 'jws',
    mediaType: MEDIA_TYPE_JWS_ENVELOPE,
    headerAlgorithm,
    signingScheme: scheme,
    signingTime,
    expiry,
    contentType: header.cty,
    extendedAttributes,
    payloadBytes,
    signedBytes: new TextEncoder().encode(`${envelope.protected}.${envelope.payload}`),
    signature,
    certificates,
    unsignedAttributes: {
      ...(signingAgent !== undefined ? { signingAgent } : {}),
      ...(timestampSignature !== undefined ? { timestampSignature } : {}),
    },
    pssSalt: 'auto',
  };
}

/** Integrity-verifies a JWS envelope. Throws EnvelopeError. */
export function verifyJws(bytes: Uint8Array, options: VerifyEnvelopeOptions = {}): VerifiedEnvelope {
  return completeVerification(decodeJws(bytes), options);
}

/**
 * The protected header JSON as notation-core-go writes it: keys sorted (it is marshalled from a
 * map), `crit` = signingScheme, critical extended attributes, authenticSigningTime, expiry.
 */
export function buildJwsProtectedHeader(prepared: PreparedSignature): string {
  const header: Record<string, unknown> = {};
  const crit: string[] = [HEADER_SIGNING_SCHEME];
  for (const attribute of prepared.extendedAttributes) {
    if (typeof attribute.key !== 'string') fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', 'JWS envelope format only supports key of type string');
    if (attribute.critical && REGISTERED_HEADERS.has(attribute.key)) {
      fail('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `registered JWS header "${attribute.key}" cannot be a critical extended attribute`);
    }
    header[attribute.key] = attribute.value;
    if (attribute.critical) crit.push(attribute.key);
  }
  header.alg = jwsAlgorithmOf(prepared.signatureAlgorithm);
  header.cty = prepared.contentType;
  header[HEADER_SIGNING_SCHEME] = prepared.signingScheme;
  for (const { key, time, critical } of timeHeaders(prepared)) {
    header[key] = formatRfc3339(time);
    if (critical) crit.push(key);
  }
  header.crit = crit;
  return goJson(header, true);
}

/** Signs and serialises a JWS envelope in Notation's byte layout. */
export async function signJws(prepared: PreparedSignature): Promise<Uint8Array> {
  const protectedB64 = encodeBase64Url(new TextEncoder().encode(buildJwsProtectedHeader(prepared)));
  const payloadB64 = encodeBase64Url(prepared.payloadBytes);
  const { signature, certificateChain } = await prepared.sign(new TextEncoder().encode(`${protectedB64}.${payloadB64}`));
  const timestamp = await prepared.timestamp(signature);
  // Go struct order: payload, protected, header{timestampSignature, x5c, signingAgent}, signature.
  const header: Record<string, unknown> = {};
  if (timestamp) header[HEADER_TIMESTAMP_SIGNATURE] = encodeBase64(timestamp);
  header.x5c = certificateChain.map(encodeBase64);
  if (prepared.signingAgent) header[HEADER_SIGNING_AGENT] = prepared.signingAgent;
  const envelope = { payload: payloadB64, protected: protectedB64, header, signature: encodeBase64Url(signature) };
  return new TextEncoder().encode(goJson(envelope, false));
}
