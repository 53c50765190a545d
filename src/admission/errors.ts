import { PortcullisError } from '../errors.js';

/**
 * Admission failures. Kept beside the admission code instead of in src/errors.ts so this shell's
 * codes do not collide with the library branches that extend that file at the same time; it
 * extends the same PortcullisError base, so `isPortcullisError` and the brand work as for any domain.
 */
export type AdmissionErrorCode =
  /** The HTTP body is not an acceptable AdmissionReview / ProviderRequest (malformed, wrong kind, wrong version). */
  | 'ERR_ADMISSION_REQUEST_INVALID'
  /** The body is larger than MAX_REVIEW_BYTES. */
  | 'ERR_ADMISSION_REQUEST_TOO_LARGE'
  /** The admission policy file is not valid YAML/JSON of the documented shape. */
  | 'ERR_ADMISSION_POLICY_INVALID'
  /** The trust material (Notation config directory) cannot be loaded. */
  | 'ERR_ADMISSION_TRUST_MATERIAL'
  /** A manifest given to `admission review` is not something the webhook would see. */
  | 'ERR_ADMISSION_MANIFEST_INVALID'
  /** Talking to the Kubernetes API (pull secrets, service accounts) failed. */
  | 'ERR_ADMISSION_KUBERNETES_API'
  /** A server option is unusable (bad address, unreadable certificate). */
  | 'ERR_ADMISSION_CONFIG';

export class AdmissionError extends PortcullisError {
  declare readonly code: AdmissionErrorCode;
  constructor(code: AdmissionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
