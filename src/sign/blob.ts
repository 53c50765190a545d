/**
 * Signing a blob (notation-go `SignBlob` with its generic signer): the payload names the blob's
 * digest — computed with the signing key spec's hash, sha256, sha384 or sha512 — its size, its
 * media type and the user metadata; the envelope is produced by the same step as OCI signing and
 * returned as a detached signature (nothing is pushed anywhere). Pure: the blob comes in as bytes
 * or a stream.
 *
 * @see notaryproject/specifications specs/signing-and-verification-workflow.md § Blob signing workflow
 */
import { SignError } from '../errors.js';
import { mediaTypeOf } from '../envelope/index.js';
import { goMediaTypeProblem, goQuote } from '../gocompat/index.js';
import { descriptorOfContent, type ContentSource, type Descriptor } from '../oci/index.js';
import { KEY_SPECS } from '../pki/index.js';
import { checkOptions, payloadDescriptor, signPayload, type SignOptions } from './sign.js';

/** Notation's `--media-type` default. */
export const DEFAULT_BLOB_MEDIA_TYPE = 'application/octet-stream';

export interface SignBlobOptions extends Omit<SignOptions, 'manifestStyle'> {
  /** The blob's media type, signed into the payload; anything Go's `mime.ParseMediaType` accepts. Default `application/octet-stream`. */
  readonly mediaType?: string;
}

export interface SignBlobResult {
  /** The detached signature: JWS or COSE envelope bytes. */
  readonly envelope: Uint8Array;
  /** `application/jose+json` or `application/cose`. */
  readonly envelopeMediaType: string;
  /** What the payload names: the blob's media type, digest, size and the user metadata. */
  readonly target: Descriptor;
  /** The signing time as encoded (whole seconds). */
  readonly signedAt: Date;
}

/**
 * Signs `blob` and returns the detached signature.
 * @throws SignError `ERR_SIGN_INVALID_ARGUMENT` (media type, metadata, expiry), EnvelopeError, and
 *   the timestamper's error when timestamping fails
 * @example
 * const { envelope } = await signBlob(createReadStream('app.tar'), { signer, signingAgent: 'portcullis/0.1.0', clock: { now: Date.now } });
 */
export async function signBlob(blob: ContentSource, options: SignBlobOptions): Promise<SignBlobResult> {
  checkOptions(options);
  const mediaType = options.mediaType ?? DEFAULT_BLOB_MEDIA_TYPE;
  if (mediaType === '') throw new SignError('ERR_SIGN_INVALID_ARGUMENT', 'content media-type cannot be empty');
  const problem = goMediaTypeProblem(mediaType);
  if (problem !== undefined) throw new SignError('ERR_SIGN_INVALID_ARGUMENT', `invalid content media-type ${goQuote(mediaType)}: ${problem}`);
  const format = options.format ?? 'jws';
  options.logger?.debug?.(`Generic blob signing for signature media type ${mediaTypeOf(format)}`);
  const described = await descriptorOfContent(mediaType, blob, KEY_SPECS[options.signer.keySpec].hash);
  const target = payloadDescriptor(described, options.userMetadata);
  options.logger?.debug?.(`Generic signing for ${target.digest} in signature media type ${mediaTypeOf(format)}`);
  const { envelope, signedAt } = await signPayload(target, options);
  return { envelope, envelopeMediaType: mediaTypeOf(format), target, signedAt };
}
