/**
 * Signing an OCI artifact (notation-go `Sign`): resolve the target, build the payload with user
 * metadata, sign it into a JWS or COSE envelope, push the envelope and the signature manifest.
 * Pure: the repository, the signer, the clock and the timestamper are ports.
 *
 * @see notaryproject/specifications specs/signing-and-verification-workflow.md § OCI artifact signing workflow
 * @see notaryproject/notation-go notation.go (`Sign`, `addUserMetadataToDescriptor`, `generateAnnotations`)
 */
import { SignError } from '../errors.js';
import { pushPackedManifest, type Storage } from '../content/index.js';
import {
  mediaTypeOf,
  signEnvelope,
  verifyEnvelope,
  type EnvelopeFormat,
  type Signer,
  type Timestamper,
} from '../envelope/index.js';
import { descriptorFor, isDigest, type Descriptor, type ImageManifest } from '../oci/index.js';
import { packSignatureManifest, type SignatureManifestStyle } from './signature-manifest.js';

/** The annotation prefix reserved for the Notary Project: user metadata may not use it. */
export const RESERVED_ANNOTATION_PREFIX = 'io.cncf.notary';

/** Time as the signer sees it (milliseconds since the epoch). */
export interface SignClock {
  now(): number;
}

/** Where the signing workflow reports its steps; every method optional (default silent). */
export interface SignLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
}

export interface SignOptions {
  readonly signer: Signer;
  /** Default `jws`, like Notation. */
  readonly format?: EnvelopeFormat;
  /** Validity of the signature after the signing time, in milliseconds: whole seconds, not negative; 0 or absent for none. */
  readonly expiry?: number;
  /** Added to the payload's `targetArtifact.annotations` (signed); keys may not start with `io.cncf.notary`. */
  readonly userMetadata?: Readonly<Record<string, string>>;
  /** Unsigned `io.cncf.notary.signingAgent`, e.g. `portcullis/0.1.0`. */
  readonly signingAgent: string;
  readonly clock: SignClock;
  /** RFC 3161 countersignature of the signature value; any timestamping failure fails signing. */
  readonly timestamper?: Timestamper;
  /** Default `artifactType`; see {@link SignatureManifestStyle}. */
  readonly manifestStyle?: SignatureManifestStyle;
  readonly logger?: SignLogger;
}

export interface SignResult {
  /** The signed manifest (the signature's `subject`), as resolved: mediaType, digest, size. */
  readonly artifact: Descriptor;
  /** The tag the artifact was resolved from, when signing by tag (callers warn about it). */
  readonly resolvedFromTag?: string;
  readonly signatureManifest: Descriptor;
  readonly manifest: ImageManifest;
  readonly envelope: Uint8Array;
  readonly envelopeDescriptor: Descriptor;
}

function invalid(message: string): never {
  throw new SignError('ERR_SIGN_INVALID_ARGUMENT', message);
}

/** The payload descriptor: the target with the user metadata in its annotations (notation-go `addUserMetadataToDescriptor`). */
export function payloadDescriptor(target: Descriptor, userMetadata: Readonly<Record<string, string>> = {}): Descriptor {
  const annotations: Record<string, string> = { ...target.annotations };
  // Sorted so the reserved-prefix / duplicate error does not depend on object key order.
  for (const key of Object.keys(userMetadata).sort()) {
    if (key.startsWith(RESERVED_ANNOTATION_PREFIX)) {
      invalid(`error adding user metadata: metadata key ${key} has reserved prefix ${RESERVED_ANNOTATION_PREFIX}`);
    }
    if (Object.hasOwn(annotations, key)) invalid(`error adding user metadata: metadata key ${key} is already present in the target artifact`);
    annotations[key] = userMetadata[key]!;
  }
  return {
    mediaType: target.mediaType,
    digest: target.digest,
    size: target.size,
    ...(Object.keys(annotations).length > 0 && { annotations }),
  };
}

export function checkOptions(options: Omit<SignOptions, 'manifestStyle'>): void {
  const expiry = options.expiry ?? 0;
  if (!Number.isFinite(expiry)) invalid('expiry duration must be a finite number of milliseconds');
  if (expiry < 0) invalid('expiry duration cannot be a negative value');
  if (expiry % 1000 !== 0) invalid('expiry duration supports minimum granularity of seconds');
  const format = options.format ?? 'jws';
  if (format !== 'jws' && format !== 'cose') invalid(`invalid signature format "${String(format)}": use jws or cose`);
  for (const [key, value] of Object.entries(options.userMetadata ?? {})) {
    if (key === '' || typeof value !== 'string' || value === '') invalid('user metadata keys and values must be non-empty strings');
  }
}

/** What {@link signPayload} produced: the envelope bytes, and what re-verifying them established. */
export interface SignedPayload {
  readonly envelope: Uint8Array;
  /** The signing time (`notary.x509`) or authentic signing time, as encoded (whole seconds). */
  readonly signedAt: Date;
  /** DER, leaf first, as carried in the envelope. */
  readonly certificateChain: readonly Uint8Array[];
}

/**
 * Signs a payload naming `payloadTarget` into a JWS or COSE envelope (notation-go
 * `GenericSigner.Sign`) and re-verifies the result, as Notation does before it stores anything.
 * The one envelope step of OCI and blob signing; `options` are checked by the callers.
 */
export async function signPayload(payloadTarget: Descriptor, options: SignOptions): Promise<SignedPayload> {
  const format = options.format ?? 'jws';
  const now = options.clock.now();
  const signingTime = new Date(now);
  const expiryMs = options.expiry ?? 0;
  const envelope = await signEnvelope({
    format,
    payload: { targetArtifact: payloadTarget },
    signer: options.signer,
    signingTime,
    ...(expiryMs > 0 && { expiry: new Date(now + expiryMs) }),
    signingAgent: options.signingAgent,
    ...(options.timestamper !== undefined && { timestamper: options.timestamper }),
  });
  // Notation re-verifies what it produced before pushing it; so do we (and learn the chain and the
  // signing time exactly as they were encoded).
  let verified;
  try {
    verified = verifyEnvelope(format, envelope);
  } catch (error) {
    throw new SignError('ERR_SIGN_INVALID_ARGUMENT', `generated signature failed verification: ${(error as Error).message}`, { cause: error });
  }
  const attributes = verified.signedAttributes;
  return {
    envelope,
    signedAt: attributes.signingScheme === 'notary.x509' ? attributes.signingTime : attributes.authenticSigningTime,
    certificateChain: verified.certificateChain.map((certificate) => certificate.der),
  };
}

/** Resolves what to sign: a descriptor as given, or a tag or digest looked up in the repository. */
async function resolveTarget(
  repository: Storage,
  target: string | Descriptor,
  logger: SignLogger | undefined,
): Promise<{ descriptor: Descriptor; tag?: string }> {
  if (typeof target !== 'string') return { descriptor: target };
  const descriptor = await repository.resolve(target);
  if (target === descriptor.digest) return { descriptor };
  if (isDigest(target)) {
    throw new SignError('ERR_SIGN_DIGEST_MISMATCH', `user input digest ${target} does not match the resolved digest ${descriptor.digest}`);
  }
  logger?.warn?.(
    `Always sign the artifact using digest(\`@sha256:...\`) rather than a tag(\`:${target}\`) because tags are mutable and a tag reference can point to a different artifact than the one signed`,
  );
  logger?.info?.(`Resolved artifact tag \`${target}\` to digest \`${descriptor.digest}\` before signing`);
  return { descriptor, tag: target };
}

/**
 * Signs the artifact `target` (a tag, a digest, or its descriptor) in `repository` and pushes the
 * signature there: the envelope blob, the empty config, then the signature manifest whose
 * `subject` is the artifact. How the manifest is indexed as a referrer (Referrers API or the
 * `<alg>-<hex>` tag schema) is the repository's business: open a `RemoteRepository` with
 * `{ forceReferrersTag: true }` to always maintain the tag schema.
 *
 * @throws SignError, EnvelopeError (refused signing request, e.g. a certificate not valid now),
 *   ContentError / RegistryError from the repository
 * @example
 * const result = await sign(repository, 'v1', { signer, signingAgent: 'portcullis/0.1.0', clock: { now: Date.now } });
 * console.log(`Signed ${result.artifact.digest} with ${result.signatureManifest.digest}`);
 */
export async function sign(repository: Storage, target: string | Descriptor, options: SignOptions): Promise<SignResult> {
  checkOptions(options);
  const logger = options.logger;
  const format = options.format ?? 'jws';
  const resolved = await resolveTarget(repository, target, logger);
  const artifact: Descriptor = { mediaType: resolved.descriptor.mediaType, digest: resolved.descriptor.digest, size: resolved.descriptor.size };
  const payloadTarget = payloadDescriptor(artifact, options.userMetadata);

  logger?.debug?.(`Generic signing for ${artifact.digest} in signature media type ${mediaTypeOf(format)}`);
  const { envelope, signedAt, certificateChain } = await signPayload(payloadTarget, options);

  const envelopeDescriptor = descriptorFor(mediaTypeOf(format), envelope);
  const packed = packSignatureManifest({
    subject: artifact,
    envelope: envelopeDescriptor,
    certificateChain,
    signingTime: signedAt,
    ...(options.manifestStyle !== undefined && { style: options.manifestStyle }),
  });
  logger?.debug?.(`Generated annotations: ${JSON.stringify(packed.manifest.annotations)}`);
  logger?.debug?.(`Pushing signature of artifact descriptor: ${JSON.stringify(artifact)}, signature media type: ${envelopeDescriptor.mediaType}`);
  try {
    await repository.push(envelopeDescriptor, envelope);
    await pushPackedManifest(repository, packed);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new SignError('ERR_SIGN_PUSH_FAILED', `failed to push signature to registry with error: ${message}`, { cause: error });
  }
  return {
    artifact,
    ...(resolved.tag !== undefined && { resolvedFromTag: resolved.tag }),
    signatureManifest: packed.descriptor,
    manifest: packed.manifest,
    envelope,
    envelopeDescriptor,
  };
}
