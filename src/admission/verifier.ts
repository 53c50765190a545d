/**
 * The verification port of the admission controller. The webhook, the Gatekeeper provider and
 * `admission review` decide through it; the adapter to src/verify lives in notary-verifier.ts.
 */
import type { Descriptor, Digest } from '../oci/index.js';
import type { RegistryClient } from '../registry/client/index.js';

/** An image resolved to the digest that will be verified. */
export interface ImageReference {
  /** `registry/repository`: the registry scope trust policies select on. */
  readonly scope: string;
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest: Digest;
  /** The resolved manifest descriptor (media type and size) when known: saves a round trip. */
  readonly descriptor?: Descriptor;
}

/** The checks of the Notary Project verification, plus the steps before them. */
export type FailedCheck =
  | 'integrity'
  | 'authenticity'
  | 'authenticTimestamp'
  | 'expiry'
  | 'revocation'
  /** No signature is associated with the image. */
  | 'signature'
  /** No trust policy statement applies to the image's registry scope. */
  | 'trustPolicy'
  /** The registry could not be reached, refused access or answered badly. */
  | 'registry'
  /** The time budget ran out. */
  | 'timeout'
  /** A platform manifest of a multi-arch index failed (policy `multiArch: all`). */
  | 'platform';

/** What a verification of one image established. Plain JSON: it is cached in memory and in Redis. */
export interface ImageVerdict {
  readonly verified: boolean;
  readonly digest: Digest;
  /** Name of the trust policy statement that applied. */
  readonly policyStatement?: string;
  /** The trust policy level of that statement (`strict`, `permissive`, `audit`, `skip`). */
  readonly verificationLevel?: string;
  readonly failedCheck?: FailedCheck;
  /** Why, in words a person can act on (the verifier's message). */
  readonly reason: string;
  /** A failure that may go away by itself (registry down, timeout, throttling): never cached. */
  readonly transient: boolean;
  /** Digest of the signature manifest that verified. */
  readonly signatureDigest?: string;
  /** Subject of the signing certificate. */
  readonly signer?: string;
  /** Warnings of the accepted signature (checks with action `log` that failed). */
  readonly warnings?: readonly string[];
}

export interface VerifyContext {
  /** Client carrying the credentials this request may use for the image's registry. */
  readonly registryClient: RegistryClient;
  readonly signal?: AbortSignal;
}

/** The port: verifies one resolved image. Never throws for a verification failure; it returns a verdict. */
export interface ImageVerifier {
  verify(image: ImageReference, context: VerifyContext): Promise<ImageVerdict>;
}
