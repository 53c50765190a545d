/**
 * The Kubernetes admission controller: validating and mutating webhooks (AdmissionReview v1), a
 * Gatekeeper external data provider, verdict caches and the admission policy. A shell over
 * src/verify; `portcullis admission serve|review` is a thin CLI over this module.
 */
export { startAdmissionServer, type AdmissionServerOptions, type RunningAdmissionServer } from './server.js';
export { createAdmissionRuntime, type AdmissionRuntime, type AdmissionRuntimeOptions, type SourceStatus } from './runtime.js';
export { AdmissionController, describeFailure, pinnedImage, type AdmissionControllerOptions, type Endpoint, type ImageJudgement } from './controller.js';
export { reviewOffline, reviewRequestsFromText, type ReviewInputOptions } from './offline-review.js';
export {
  DEFAULT_POLICY,
  parseAdmissionPolicy,
  type AdmissionPolicy,
  type AppliedRule,
  type EnforcementMode,
  type FailurePolicy,
  type MultiArchMode,
  type PolicyRule,
  type RuleSettings,
} from './policy.js';
export { parseAdmissionReview, type AdmissionResponse, type AdmissionReviewRequest, type AdmissionReviewResponse } from './review-types.js';
export { extractImages, WORKLOAD_KINDS, type ContainerImage } from './images.js';
export { gatekeeperMutate, gatekeeperVerify, parseProviderRequest, PROVIDER_API_VERSION, type ProviderResponse } from './gatekeeper.js';
export { LruCache, TieredCache, type SharedStore } from './cache.js';
export { connectRedisStore } from './redis-store.js';
export { AdmissionMetrics } from './metrics.js';
export { loadTrustMaterial, type TrustMaterial } from './trust-material.js';
export { createNotaryVerifier, type NotaryVerifierOptions } from './notary-verifier.js';
export {
  REVOCATION_MODES,
  createAdmissionRevocationChecker,
  memoryCrlCache,
  type AdmissionRevocationOptions,
  type RevocationMode,
} from './revocation.js';
export { KubernetesApi, inClusterKubernetesApi, type KubernetesApiOptions } from './kubernetes.js';
export { parseDockerConfigJson, RegistryAccess } from './registry-access.js';
export { jsonLinesLogger, type AdmissionLogger } from './log.js';
export { AdmissionError, type AdmissionErrorCode } from './errors.js';
export type { FailedCheck, ImageReference, ImageVerdict, ImageVerifier, VerifyContext } from './verifier.js';
