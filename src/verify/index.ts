/**
 * Verifying OCI artifacts and detached blob signatures in the Notary Project format against a
 * trust policy and trust store, with notation-go's order, semantics and messages. Pure: the
 * repository, trust store, clock, revocation checker (and the network and CRL cache under
 * `createRevocationChecker`), timestamp verifier and logger are ports.
 */
export {
  DEFAULT_MAX_SIGNATURES,
  DEFAULT_VERIFY_CONCURRENCY,
  Verifier,
  isTrustStoreFailure,
  outcomeOf,
  verify,
  type VerifierOptions,
  type VerifyCallOptions,
  type VerifyTarget,
} from './verify.js';
export type { CheckResult, CheckStatus, PolicySummary, SignatureResult, VerificationOutcome } from './outcome.js';
export {
  hasRevocationEndpoints,
  offlineRevocationChecker,
  silentLogger,
  type CertificateRevocationResult,
  type RevocationCheckRequest,
  type RevocationChecker,
  type RevocationMethod,
  type RevocationResult,
  type RevocationServerResult,
  type TimestampVerificationRequest,
  type TimestampVerifier,
  type VerifiedTimestamp,
  type VerifyClock,
  type VerifyLogger,
} from './ports.js';
export { formatRfc1123z } from './signature.js';
export { createRevocationChecker, createTimestampVerifier, type RevocationCheckerOptions } from './checkers.js';
export {
  BlobVerifier,
  verifyBlob,
  type BlobContent,
  type BlobSignatureResult,
  type BlobVerificationOutcome,
  type BlobVerifierOptions,
  type VerifyBlobOptions,
} from './blob.js';
export { fetchSignature, MEDIA_TYPE_ARTIFACT_MANIFEST, type FetchedSignature } from './fetch.js';
