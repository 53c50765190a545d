/**
 * The adapter from the {@link ImageVerifier} port to src/verify (notation-go's verification
 * workflow): one Verifier per trust material snapshot, its outcome or VerificationError mapped to
 * an {@link ImageVerdict} that names the trust policy statement and the check that failed.
 */
import { isPortcullisError, RegistryError, VerificationError } from '../errors.js';
import { CertificateCache } from '../pki/index.js';
import { outcomeOf, Verifier, type RevocationChecker, type VerificationOutcome } from '../verify/index.js';
import type { TrustMaterial } from './trust-material.js';
import type { FailedCheck, ImageReference, ImageVerdict, ImageVerifier, VerifyContext } from './verifier.js';

export interface NotaryVerifierOptions {
  /**
   * Default: src/verify's offline checker (no OCSP/CRL fetching; fails closed for certificates that
   * name an endpoint under `enforce`). `createAdmissionRevocationChecker({ mode: 'online' })`
   * checks OCSP and CRLs as `notation verify` does.
   */
  readonly revocationChecker?: RevocationChecker;
  /** Signatures examined per image; default 10 (Kyverno's cap): each costs registry round trips inside the webhook deadline. */
  readonly maxSignatures?: number;
  readonly now?: () => number;
}

const CHECKS: readonly FailedCheck[] = ['integrity', 'authenticity', 'authenticTimestamp', 'expiry', 'revocation'];

/** Creates the verifier for one trust material snapshot. */
export function createNotaryVerifier(material: TrustMaterial, options: NotaryVerifierOptions = {}): ImageVerifier {
  const verifier = new Verifier({
    trustPolicy: material.trustPolicy,
    trustStore: material.trustStore,
    clock: { now: options.now ?? Date.now },
    certificateCache: new CertificateCache(),
    ...(options.revocationChecker !== undefined && { revocationChecker: options.revocationChecker }),
  });
  const maxSignatures = options.maxSignatures ?? 10;
  return {
    async verify(image: ImageReference, context: VerifyContext): Promise<ImageVerdict> {
      const repository = context.registryClient.repository({ registry: image.registry, repository: image.repository });
      try {
        const outcome = await verifier.verify(repository, { scope: image.scope, reference: image.descriptor ?? image.digest }, { maxSignatures });
        return verifiedVerdict(image, outcome);
      } catch (error) {
        return failedVerdict(image, error);
      }
    },
  };
}

function verifiedVerdict(image: ImageReference, outcome: VerificationOutcome): ImageVerdict {
  const accepted = outcome.signatures.find((signature) => signature.verified);
  return {
    verified: true,
    digest: image.digest,
    transient: false,
    ...(outcome.policy && { policyStatement: outcome.policy.name, verificationLevel: outcome.policy.level }),
    reason: outcome.skipped ? `trust policy statement "${outcome.policy?.name ?? ''}" has level skip` : 'signature verified',
    ...(accepted && { signatureDigest: accepted.manifest.digest }),
    ...(accepted?.signer && { signer: accepted.signer.subject }),
    ...(outcome.warnings.length > 0 && { warnings: outcome.warnings }),
  };
}

function failedVerdict(image: ImageReference, error: unknown): ImageVerdict {
  const base = { verified: false, digest: image.digest } as const;
  if (error instanceof VerificationError) {
    const outcome = outcomeOf(error);
    const policy = outcome?.policy ? { policyStatement: outcome.policy.name, verificationLevel: outcome.policy.level } : {};
    switch (error.code) {
      case 'ERR_VERIFY_NO_SIGNATURE':
        return { ...base, ...policy, failedCheck: 'signature', transient: false, reason: 'no signature is associated with the image' };
      case 'ERR_VERIFY_NO_APPLICABLE_POLICY':
        return { ...base, failedCheck: 'trustPolicy', transient: false, reason: error.message };
      case 'ERR_VERIFY_SIGNATURE_RETRIEVAL':
        return { ...base, ...policy, failedCheck: 'registry', transient: true, reason: error.message };
      case 'ERR_VERIFY_DIGEST_MISMATCH':
        return { ...base, ...policy, failedCheck: 'integrity', transient: false, reason: error.message };
      case 'ERR_VERIFY_FAILED':
      case 'ERR_VERIFY_LIMIT_EXCEEDED': {
        const first = outcome?.signatures[0];
        const failed = first?.checks.find((check) => check.status === 'failed' && check.action === 'enforce');
        const failedCheck = (CHECKS as readonly string[]).includes(failed?.type ?? '') ? (failed!.type as FailedCheck) : 'integrity';
        const reason = first?.error ?? error.message;
        const more = (outcome?.signatures.length ?? 0) > 1 ? ` (and ${outcome!.signatures.length - 1} other signature(s) failed)` : '';
        return { ...base, ...policy, failedCheck, transient: false, reason: `${reason}${more}` };
      }
      default:
        return { ...base, ...policy, failedCheck: 'integrity', transient: false, reason: error.message };
    }
  }
  if (error instanceof RegistryError || (isPortcullisError(error) && error.code.startsWith('ERR_CONTENT_'))) {
    return { ...base, failedCheck: 'registry', transient: true, reason: error.message };
  }
  if (isPortcullisError(error) && error.code.startsWith('ERR_TRUST_')) {
    return { ...base, failedCheck: 'authenticity', transient: false, reason: error.message };
  }
  return { ...base, failedCheck: 'registry', transient: true, reason: error instanceof Error ? error.message : String(error) };
}
