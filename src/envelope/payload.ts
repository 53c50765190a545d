/**
 * The Notary payload: `{"targetArtifact": <OCI descriptor>}`.
 *
 * Decisions (spec: signature-specification.md § Payload):
 * - The payload MUST be a JSON object whose only member is `targetArtifact` (the spec defines a
 *   single top-level property). Extra top-level members are rejected: nothing may ride along in
 *   the signed payload that verifiers would silently ignore.
 * - `targetArtifact` MUST have `mediaType`, `digest` and `size`; `annotations` (string map) and
 *   `artifactType` are optional. Other OCI descriptor fields (`urls`, `data`, `platform`) are
 *   validated if present and otherwise ignored, as the OCI image spec asks for unknown fields.
 * - Digests may be sha256, sha384 or sha512: blob signatures take the hash of the key spec.
 * - On signing we emit only mediaType, digest, size and annotations, like notation-go.
 */
import { EnvelopeError } from '../errors.js';
import { compareGoStrings, goMediaTypeProblem } from '../gocompat/index.js';
import { parseDescriptor, type Descriptor, type Digest } from '../oci/index.js';
import { decodeUtf8, goJson, parseStrictJson } from './encoding.js';
import type { EnvelopeFormat, NotaryPayload } from './types.js';

function invalid(message: string, cause?: unknown): never {
  throw new EnvelopeError('ERR_ENVELOPE_PAYLOAD_INVALID', message, { cause });
}

const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** `<alg>:<hex>` with sha256, sha384 or sha512 and lowercase hex of the right length. */
export function isPayloadDigest(value: unknown): value is Digest {
  if (typeof value !== 'string') return false;
  const match = /^(sha256|sha384|sha512):([a-f0-9]+)$/.exec(value);
  return match !== null && match[2]!.length === DIGEST_HEX_LENGTH[match[1]!];
}

function validateTargetArtifact(value: unknown): Descriptor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('payload targetArtifact must be an object');
  const target = value as Record<string, unknown>;
  for (const field of ['mediaType', 'digest', 'size'] as const) {
    if (!(field in target)) invalid(`payload targetArtifact is missing "${field}"`);
  }
  // A blob's content media type is anything Go's mime.ParseMediaType accepts (notation-go checks it
  // so when signing), a bare token such as `other-media-type` included.
  if (typeof target.mediaType !== 'string' || goMediaTypeProblem(target.mediaType) !== undefined) {
    invalid('payload targetArtifact.mediaType must be a media type like type/subtype');
  }
  if (!isPayloadDigest(target.digest)) invalid(`payload targetArtifact.digest "${String(target.digest)}" must be sha256, sha384 or sha512 with lowercase hex`);
  // parseDescriptor checks the remaining fields (size, annotations, urls, ...); its digest rule only
  // knows sha256/sha512 and its media type rule only type/subtype, so validate a copy with placeholders.
  try {
    parseDescriptor({ ...target, mediaType: 'application/octet-stream', digest: `sha256:${'0'.repeat(64)}` }, 'targetArtifact');
  } catch (error) {
    invalid(`payload ${(error as Error).message.replace(/^invalid descriptor at /, '')}`, error);
  }
  return target as unknown as Descriptor;
}

/** Parses signed payload bytes. Throws EnvelopeError ERR_ENVELOPE_PAYLOAD_INVALID naming the field. */
export function parsePayload(bytes: Uint8Array): NotaryPayload {
  let value: unknown;
  try {
    value = parseStrictJson(decodeUtf8(bytes, 'payload'), 'payload');
  } catch (error) {
    invalid((error as Error).message, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('payload must be a JSON object');
  const keys = Object.keys(value);
  if (!keys.includes('targetArtifact')) invalid('payload is missing "targetArtifact"');
  const extra = keys.filter((key) => key !== 'targetArtifact');
  if (extra.length > 0) invalid(`payload has unsupported member(s) ${extra.map((k) => `"${k}"`).join(', ')}; only "targetArtifact" is allowed`);
  return { targetArtifact: validateTargetArtifact((value as Record<string, unknown>).targetArtifact) };
}

/** The descriptor fields notation-go keeps when signing (`SanitizeTargetArtifact`), in Go struct order. */
function sanitize(target: Descriptor): Record<string, unknown> {
  const out: Record<string, unknown> = { mediaType: target.mediaType, digest: target.digest, size: target.size };
  if (target.annotations && Object.keys(target.annotations).length > 0) {
    const sorted: Record<string, string> = {};
    for (const key of Object.keys(target.annotations).sort(compareGoStrings)) {
      sorted[key] = target.annotations[key]!;
    }
    out.annotations = sorted;
  }
  return out;
}

/**
 * Serialises a payload for signing, byte-compatible with Notation: JWS payloads have sorted keys
 * (Go re-marshals them from a map), COSE payloads keep Go's struct order
 * (mediaType, digest, size, annotations).
 */
export function encodePayload(payload: NotaryPayload, format: EnvelopeFormat): Uint8Array {
  const target = validateTargetArtifact(payload?.targetArtifact);
  return new TextEncoder().encode(goJson({ targetArtifact: sanitize(target) }, format === 'jws'));
}
