/**
 * Verifying a detached blob signature against a blob trust policy (notation-go `VerifyBlob` with
 * its verifier's `VerifyBlob`): select the named or the global statement, stop on `skip`, run the
 * same per-signature pipeline as OCI verification, then check that the signed payload describes
 * the blob — its digest computed with the signature's hash (sha256, sha384 or sha512), its size,
 * and the content media type when one is given — and carries the required user metadata.
 *
 * @see notaryproject/specifications specs/signing-and-verification-workflow.md § Blob verification workflow
 */
import { VerificationError } from '../errors.js';
import { MEDIA_TYPE_COSE_ENVELOPE, MEDIA_TYPE_JWS_ENVELOPE } from '../envelope/index.js';
import { goMediaTypeProblem, goQuote } from '../gocompat/index.js';
import { descriptorFor, descriptorOfContent, type ContentSource, type Descriptor } from '../oci/index.js';
import { CertificateCache, KEY_SPECS } from '../pki/index.js';
import {
  getVerificationLevel,
  selectBlobTrustPolicy,
  validateBlobTrustPolicyDocument,
  type BlobTrustPolicyDocument,
  type BlobTrustPolicyStatement,
} from '../trust/index.js';
import { createTimestampVerifier } from './checkers.js';
import type { PolicySummary } from './outcome.js';
import { offlineRevocationChecker, silentLogger, type TimestampVerifier, type VerifyLogger } from './ports.js';
import { checkUserMetadata, verifySignature, type EnvelopeResult, type SignatureTarget } from './signature.js';
import { anchorLoader, describeStatement, summarise, type VerifierOptions } from './verify.js';

/** The blob: its bytes, or a stream of them (read once, after every trust check passed). */
export type BlobContent = ContentSource;

export interface BlobVerifierOptions extends Omit<VerifierOptions, 'trustPolicy' | 'concurrency'> {
  /** `trustpolicy.blob.json`; validated when the BlobVerifier is built. */
  readonly trustPolicy: BlobTrustPolicyDocument;
}

export interface VerifyBlobOptions {
  /** `application/jose+json` or `application/cose` (Notation takes it from the `<name>.<jws|cose>.sig` file name). */
  readonly signatureMediaType: string;
  /** The statement to verify against; default: the statement with `globalPolicy: true`. */
  readonly policyName?: string;
  /** When given, the signed payload must name this media type (Notation's `--media-type`). */
  readonly contentMediaType?: string;
  /** Key/value pairs that must be in the signed payload's annotations. */
  readonly userMetadata?: Readonly<Record<string, string>>;
  readonly logger?: VerifyLogger;
}

/** The verified (or rejected) envelope of a blob signature. */
export type BlobSignatureResult = EnvelopeResult;

export interface BlobVerificationOutcome {
  /** The statement that applied. */
  readonly policy: PolicySummary;
  /** True when the statement's level is `skip`: success without looking at the signature. */
  readonly skipped: boolean;
  readonly verified: boolean;
  /** Absent when skipped. */
  readonly signature?: BlobSignatureResult;
  /** Logged check failures of the signature. */
  readonly warnings: readonly string[];
  /** User metadata signed into the payload. */
  readonly userMetadata: Readonly<Record<string, string>>;
}

function invalidArgument(message: string): never {
  throw new VerificationError('ERR_VERIFY_INVALID_ARGUMENT', message);
}

/** The payload must describe the blob (notation-go's blob verifier after `processSignature`). */
function blobTarget(blob: BlobContent, contentMediaType: string, userMetadata: Readonly<Record<string, string>>): SignatureTarget {
  return {
    async check(verified, logger) {
      const signed = verified.payload.targetArtifact;
      let derived: Descriptor;
      try {
        derived = await descriptorOfContent(contentMediaType, blob, KEY_SPECS[verified.keySpec].hash);
      } catch (error) {
        const message = `failed to generate descriptor for given artifact. Error: ${(error as Error).message}`;
        logger.error?.(message);
        return { message };
      }
      let mismatch;
      if (derived.digest !== signed.digest || derived.size !== signed.size || (contentMediaType !== '' && contentMediaType !== signed.mediaType)) {
        logger.info?.(`payload present in the signature: ${JSON.stringify(signed)}`);
        logger.info?.(`payload derived from the blob: ${JSON.stringify(derived)}`);
        mismatch = { message: 'integrity check failed. signature does not match the given blob', code: 'ERR_VERIFY_PAYLOAD_MISMATCH' };
      }
      // notation-go checks the user metadata after the digest; its failure is the one reported.
      return checkUserMetadata(signed, userMetadata, logger) ?? mismatch;
    },
  };
}

/**
 * Verifies detached blob signatures against one blob trust policy document and trust store.
 *
 * @example
 * const verifier = new BlobVerifier({ trustPolicy, trustStore, clock: { now: Date.now } });
 * const outcome = await verifier.verify(createReadStream('app.tar'), signatureBytes, { signatureMediaType: 'application/jose+json' });
 */
export class BlobVerifier {
  readonly #options: BlobVerifierOptions;
  readonly #cache: CertificateCache;
  readonly #timestampVerifier: TimestampVerifier;

  constructor(options: BlobVerifierOptions) {
    validateBlobTrustPolicyDocument(options.trustPolicy);
    this.#options = options;
    this.#cache = options.certificateCache ?? new CertificateCache();
    this.#timestampVerifier = options.timestampVerifier ?? createTimestampVerifier({ certificateCache: this.#cache });
  }

  /**
   * Verifies `signature` (the envelope bytes) over `blob`. Resolves to the outcome when the
   * signature passes (or the statement's level is `skip`); rejects with a VerificationError:
   * `ERR_VERIFY_INVALID_ARGUMENT` (empty signature, bad media types), `ERR_VERIFY_NO_APPLICABLE_POLICY`
   * (no such statement, no global statement), or `ERR_VERIFY_FAILED` whose message is the reason
   * the signature was rejected (`integrity check failed. signature does not match the given blob`,
   * a check's failure) and which carries the outcome.
   */
  async verify(blob: BlobContent, signature: Uint8Array, options: VerifyBlobOptions): Promise<BlobVerificationOutcome> {
    const logger = options.logger ?? this.#options.logger ?? silentLogger;
    if (signature.length === 0) invalidArgument('signature cannot be nil or empty');
    const contentMediaType = options.contentMediaType ?? '';
    if (contentMediaType !== '') {
      const problem = goMediaTypeProblem(contentMediaType);
      if (problem !== undefined) invalidArgument(`invalid content media-type ${goQuote(contentMediaType)}: ${problem}`);
    }
    if (options.signatureMediaType !== MEDIA_TYPE_JWS_ENVELOPE && options.signatureMediaType !== MEDIA_TYPE_COSE_ENVELOPE) {
      invalidArgument(`invalid signature media-type ${goQuote(options.signatureMediaType)}`);
    }

    logger.debug?.(`Verify signature of media type ${options.signatureMediaType}`);
    let statement: BlobTrustPolicyStatement;
    try {
      statement = selectBlobTrustPolicy(this.#options.trustPolicy, options.policyName);
    } catch (error) {
      throw new VerificationError('ERR_VERIFY_NO_APPLICABLE_POLICY', (error as Error).message, { cause: error });
    }
    const statementDescription = describeStatement(statement);
    logger.info?.(`Trust policy configuration: ${statementDescription}`);
    const level = getVerificationLevel(statement.signatureVerification);
    const policy = summarise(statement, level);
    if (level.name === 'skip') {
      logger.debug?.('Skipping signature verification');
      return { policy, skipped: true, verified: true, warnings: [], userMetadata: {} };
    }

    const result = await verifySignature(
      {
        statement,
        statementDescription,
        level,
        target: blobTarget(blob, contentMediaType, options.userMetadata ?? {}),
        loadTrustAnchors: anchorLoader(this.#options.trustStore, this.#cache, statement),
        now: new Date(this.#options.clock.now()),
        certificateCache: this.#cache,
        revocationChecker: this.#options.revocationChecker ?? offlineRevocationChecker,
        timestampVerifier: this.#timestampVerifier,
        logger,
      },
      descriptorFor(options.signatureMediaType, signature),
      signature,
    );
    const outcome: BlobVerificationOutcome = {
      policy,
      skipped: false,
      verified: result.verified,
      signature: result,
      warnings: result.warnings,
      userMetadata: result.verified ? (result.userMetadata ?? {}) : {},
    };
    if (!result.verified) {
      throw new VerificationError<BlobVerificationOutcome>('ERR_VERIFY_FAILED', result.error ?? 'signature verification failed', { outcome });
    }
    return outcome;
  }
}

/** One-shot form of {@link BlobVerifier.verify}. */
export function verifyBlob(blob: BlobContent, signature: Uint8Array, options: BlobVerifierOptions & VerifyBlobOptions): Promise<BlobVerificationOutcome> {
  return new BlobVerifier(options).verify(blob, signature, options);
}
