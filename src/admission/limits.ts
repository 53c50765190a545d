/**
 * Size caps of the admission shell, each with its reason. Kept here rather than in src/limits.ts
 * for the same merge reason as errors.ts; the values follow the same rules.
 */

/**
 * An AdmissionReview body. The API server caps a request at 3 MiB and an object at 1.5 MiB
 * (etcd); a review carries `object` and `oldObject`, so 3 MiB of objects plus the envelope fits
 * under 4 MiB and anything bigger did not come from an API server.
 */
export const MAX_REVIEW_BYTES = 4 * 1024 * 1024;

/** Keys of one Gatekeeper ProviderRequest: a pod has at most a few dozen images; audit batches more. */
export const MAX_PROVIDER_KEYS = 1000;

/** Distinct images verified for one admission request; a pod with more is refused rather than fanned out. */
export const MAX_IMAGES_PER_REQUEST = 256;

/** The admission policy file. */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** Rules, patterns and namespaces listed in one policy: matching is linear in them. */
export const MAX_POLICY_ENTRIES = 1000;

/** Secrets (pull secrets) and service accounts read from the API server: a dockerconfigjson is a few KiB. */
export const MAX_KUBERNETES_OBJECT_BYTES = 1024 * 1024;

/** Pull secrets followed for one pod (its own plus its service account's). */
export const MAX_PULL_SECRETS = 32;

/** Platform manifests of one index verified under `multiArch: all`. */
export const MAX_PLATFORMS = 64;

/** Warnings returned to kubectl: the API server truncates longer ones, so keep each readable. */
export const MAX_WARNING_LENGTH = 120;
