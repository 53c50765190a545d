/**
 * What a verification established: plain, JSON-serialisable data (no Maps, no class instances),
 * so the CLI can print it with `-o json` and the admission webhook can log it.
 */
import type { Descriptor } from '../oci/index.js';
import type { ValidationAction, ValidationType } from '../trust/index.js';

/**
 * - `passed`: the check ran and succeeded;
 * - `failed`: the check ran and failed (with `action: log` that is a warning, with `enforce` it
 *   fails the signature);
 * - `skipped`: the trust policy's action for it is `skip`;
 * - `notRun`: an earlier enforced failure ended the pipeline first.
 */
export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'notRun';

export interface CheckResult {
  readonly type: ValidationType;
  readonly action: ValidationAction;
  readonly status: CheckStatus;
  /** `status === 'passed'`. */
  readonly passed: boolean;
  /** Why it failed, in notation-go's words. */
  readonly error?: string;
  /** The Portcullis error code behind `error`, when there is one (e.g. ERR_TRUST_STORE_NOT_FOUND). */
  readonly errorCode?: string;
  /** The underlying cause's message, when the error wraps one (trust store file problems). */
  readonly errorDetail?: string;
}

export interface SignatureResult {
  /** The signature manifest, as listed among the artifact's referrers. */
  readonly manifest: Descriptor;
  /** The envelope layer of that manifest. */
  readonly envelope: Descriptor;
  readonly verified: boolean;
  /** One entry per validation type, in notation-go's order: integrity, authenticity, authenticTimestamp, expiry, revocation. */
  readonly checks: readonly CheckResult[];
  /** Why the signature was rejected: the first enforced check failure, a payload mismatch, missing user metadata or a verification plugin. */
  readonly error?: string;
  readonly errorCode?: string;
  /** Messages of the checks that failed with action `log` (`<type> was set to "log" and failed with error: <error>`). */
  readonly warnings: readonly string[];
  /** From the envelope, once integrity passed. */
  readonly signingScheme?: string;
  readonly signingTime?: string;
  readonly expiry?: string;
  readonly signingAgent?: string;
  /** Subject of the signing certificate (Go `pkix.Name` form) and SHA-256 thumbprints of the chain, leaf first. */
  readonly signer?: { readonly subject: string; readonly thumbprints: readonly string[] };
  /** `targetArtifact.annotations` of the signed payload. */
  readonly userMetadata?: Readonly<Record<string, string>>;
}

export interface PolicySummary {
  readonly name: string;
  /** OCI statements; `[]` for a blob statement. */
  readonly registryScopes: readonly string[];
  /** Blob statements: whether it is the global statement (used without `--policy-name`). */
  readonly globalPolicy?: boolean;
  readonly level: string;
  readonly override: Readonly<Record<string, string>> | null;
  readonly verifyTimestamp: string;
  readonly trustStores: readonly string[];
  readonly trustedIdentities: readonly string[];
  /** The action of each check after overrides. */
  readonly enforcement: Readonly<Record<ValidationType, ValidationAction>>;
}

export interface VerificationOutcome {
  readonly artifact: {
    /** `<scope>@<digest>`: the reference the trust policy was selected for. */
    readonly reference: string;
    readonly descriptor: Descriptor;
    /** The tag it was resolved from, when verified by tag. */
    readonly tag?: string;
  };
  /** The trust policy statement that applied; absent only when none did. */
  readonly policy?: PolicySummary;
  /** True when the trust policy level is `skip`: success without looking at signatures. */
  readonly skipped: boolean;
  readonly verified: boolean;
  /** Signatures listed for the artifact (before `maxSignatures`). */
  readonly signaturesListed: number;
  /** The signatures examined, in listing order, up to and including the first that verified. */
  readonly signatures: readonly SignatureResult[];
  /** Warnings of the signature that verified (logged check failures). */
  readonly warnings: readonly string[];
  /** User metadata signed into the accepted signature's payload. */
  readonly userMetadata: Readonly<Record<string, string>>;
}
