/**
 * Verifying an OCI artifact against a trust policy and trust store (notation-go `Verify` with its
 * verifier): resolve, select the trust policy statement, stop on `skip`, list the signatures,
 * fetch and verify them, succeed when one passes.
 *
 * Signatures are fetched and verified several at a time, but judged in listing order exactly as
 * notation-go judges them one after the other: the first that passes wins, a retrieval failure
 * met before any pass aborts, and log lines are replayed in that order. The outcome does not
 * depend on which fetch happened to finish first.
 *
 * @see notaryproject/specifications specs/signing-and-verification-workflow.md § OCI artifact verification workflow
 */
import { Limiter, type ReadOnlyStorage } from '../content/index.js';
import { VerificationError } from '../errors.js';
import { goQuote } from '../gocompat/index.js';
import { ARTIFACT_TYPE_NOTARY_SIGNATURE, isDigest, type Descriptor } from '../oci/index.js';
import { CertificateCache, type Certificate } from '../pki/index.js';
import {
  getVerificationLevel,
  loadTrustStoreCertificates,
  selectOCITrustPolicy,
  validateOCITrustPolicyDocument,
  type OCITrustPolicyDocument,
  type OCITrustPolicyStatement,
  type TrustStore,
  type TrustStoreType,
  type VerificationLevel,
} from '../trust/index.js';
import { createTimestampVerifier } from './checkers.js';
import { fetchSignature } from './fetch.js';
import type { PolicySummary, SignatureResult, VerificationOutcome } from './outcome.js';
import { offlineRevocationChecker, silentLogger, type RevocationChecker, type TimestampVerifier, type VerifyClock, type VerifyLogger } from './ports.js';
import { artifactTarget, verifySignature, type PolicyStatement, type SignatureContext } from './signature.js';

/** Notation's `--max-signatures` default. */
export const DEFAULT_MAX_SIGNATURES = 100;
/** Signatures fetched and verified at once. */
export const DEFAULT_VERIFY_CONCURRENCY = 4;

/** What does not change from one verification to the next: policy, trust store, ports, caches. */
export interface VerifierOptions {
  /** Validated when the Verifier is built (notation-go validates in its constructor too). */
  readonly trustPolicy: OCITrustPolicyDocument;
  readonly trustStore: TrustStore;
  readonly clock: VerifyClock;
  /**
   * Default: {@link offlineRevocationChecker} (no network: certificates naming an OCSP responder
   * or CRL distribution point are `unknown`). {@link createRevocationChecker} checks for real.
   */
  readonly revocationChecker?: RevocationChecker;
  /** Used when a policy has a `tsa:` store. Default: {@link createTimestampVerifier} (pki, no I/O). */
  readonly timestampVerifier?: TimestampVerifier;
  /** Parsed certificates and verified issuer links, shared by every verification of this Verifier. */
  readonly certificateCache?: CertificateCache;
  readonly logger?: VerifyLogger;
  /** Signatures fetched and verified at once; default {@link DEFAULT_VERIFY_CONCURRENCY}. */
  readonly concurrency?: number;
}

/** What is being verified. */
export interface VerifyTarget {
  /**
   * The registry scope trust policies name: `registry/repository` for a registry, the `--scope`
   * value for an OCI layout. The policy is selected for `<scope>@<digest>`.
   */
  readonly scope: string;
  /** A tag or digest to resolve in the repository, or the descriptor already resolved. */
  readonly reference: string | Descriptor;
}

export interface VerifyCallOptions {
  /** Key/value pairs that must be in the signed payload's annotations. */
  readonly userMetadata?: Readonly<Record<string, string>>;
  /** Signatures examined at most; default {@link DEFAULT_MAX_SIGNATURES}; must be positive. */
  readonly maxSignatures?: number;
  /** Overrides the Verifier's logger for this call (a CLI run, an admission request). */
  readonly logger?: VerifyLogger;
}

type Evaluation =
  | { readonly kind: 'verified'; readonly result: SignatureResult; readonly log: readonly LogLine[] }
  | { readonly kind: 'retrievalFailed'; readonly error: unknown; readonly log: readonly LogLine[] };

type LogLine = readonly [keyof VerifyLogger, string];

/** Records log lines of one signature so they can be replayed in listing order. */
function bufferingLogger(lines: LogLine[]): VerifyLogger {
  return {
    debug: (message) => void lines.push(['debug', message]),
    info: (message) => void lines.push(['info', message]),
    warn: (message) => void lines.push(['warn', message]),
    error: (message) => void lines.push(['error', message]),
  };
}

function replay(lines: readonly LogLine[], logger: VerifyLogger): void {
  for (const [level, message] of lines) logger[level]?.(message);
}

/** The statement kinds the pipeline serves: OCI statements name registry scopes, blob statements may be global. */
export type AnyPolicyStatement = (PolicyStatement & { readonly registryScopes: readonly string[] | null }) | (PolicyStatement & { readonly globalPolicy: boolean });

export function summarise(statement: AnyPolicyStatement, level: VerificationLevel): PolicySummary {
  const verification = statement.signatureVerification;
  return {
    name: statement.name,
    registryScopes: 'registryScopes' in statement ? [...(statement.registryScopes ?? [])] : [],
    ...('globalPolicy' in statement && { globalPolicy: statement.globalPolicy }),
    level: verification.level,
    override: verification.override === null ? null : Object.fromEntries(verification.override),
    verifyTimestamp: verification.verifyTimestamp,
    trustStores: [...(statement.trustStores ?? [])],
    trustedIdentities: [...(statement.trustedIdentities ?? [])],
    enforcement: { ...level.enforcement },
  };
}

/** `%+v` of notation-go's OCITrustPolicy / BlobTrustPolicy struct, for the info log. */
export function describeStatement(statement: AnyPolicyStatement): string {
  const verification = statement.signatureVerification;
  const override = verification.override;
  const map = override === null ? 'map[]' : `map[${[...override].map(([k, v]) => `${k}:${v}`).join(' ')}]`;
  const scopes = 'registryScopes' in statement ? ` RegistryScopes:[${(statement.registryScopes ?? []).join(' ')}]` : '';
  const global = 'globalPolicy' in statement ? ` GlobalPolicy:${statement.globalPolicy}` : '';
  return (
    `&{Name:${statement.name}${scopes} ` +
    `SignatureVerification:{VerificationLevel:${verification.level} Override:${map} VerifyTimestamp:${verification.verifyTimestamp}} ` +
    `TrustStores:[${(statement.trustStores ?? []).join(' ')}] TrustedIdentities:[${(statement.trustedIdentities ?? []).join(' ')}]${global}}`
  );
}

/**
 * Trust anchors of a statement's stores, loaded (and parsed) at most once per type per
 * verification; every signature of that verification sees the same result, failure included.
 */
export function anchorLoader(
  trustStore: TrustStore,
  cache: CertificateCache,
  statement: PolicyStatement,
): (type: TrustStoreType) => Promise<readonly Certificate[]> {
  const loaded = new Map<TrustStoreType, Promise<readonly Certificate[]>>();
  return (type) => {
    let pending = loaded.get(type);
    if (pending === undefined) {
      pending = loadTrustStoreCertificates(trustStore, type, statement.name, statement.trustStores ?? []).then((ders) => ders.map((der) => cache.get(der)));
      pending.catch(() => undefined);
      loaded.set(type, pending);
    }
    return pending;
  };
}

function retrievalError(message: string, cause: unknown, outcome?: VerificationOutcome): VerificationError<VerificationOutcome> {
  return new VerificationError<VerificationOutcome>('ERR_VERIFY_SIGNATURE_RETRIEVAL', message, { cause, ...(outcome && { outcome }) });
}

/**
 * Verifies OCI artifacts against one trust policy document and trust store. Holds the parsed
 * certificate cache, so keep one per process (or per policy) and call {@link Verifier.verify}
 * as often as needed.
 *
 * @example
 * const verifier = new Verifier({ trustPolicy, trustStore, clock: { now: Date.now } });
 * const outcome = await verifier.verify(repository, { scope: 'localhost:5000/net-monitor', reference: 'v1' });
 * console.log(outcome.verified, outcome.signatures[0]?.checks);
 */
export class Verifier {
  readonly #options: VerifierOptions;
  readonly #cache: CertificateCache;
  readonly #timestampVerifier: TimestampVerifier;

  constructor(options: VerifierOptions) {
    validateOCITrustPolicyDocument(options.trustPolicy);
    this.#options = options;
    this.#cache = options.certificateCache ?? new CertificateCache();
    this.#timestampVerifier = options.timestampVerifier ?? createTimestampVerifier({ certificateCache: this.#cache });
  }

  get certificateCache(): CertificateCache {
    return this.#cache;
  }

  /**
   * Verifies `target` in `repository`. Resolves to the outcome when a signature passes (or the
   * policy level is `skip`); rejects with a {@link VerificationError} carrying the outcome otherwise.
   * @throws VerificationError (`ERR_VERIFY_*`), ContentError / RegistryError when the artifact cannot be resolved
   */
  async verify(repository: ReadOnlyStorage, target: VerifyTarget, callOptions: VerifyCallOptions = {}): Promise<VerificationOutcome> {
    const options = this.#options;
    const logger = callOptions.logger ?? options.logger ?? silentLogger;
    const maxSignatures = callOptions.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
    if (!Number.isSafeInteger(maxSignatures) || maxSignatures <= 0) {
      throw new VerificationError('ERR_VERIFY_INVALID_ARGUMENT', `verifyOptions.MaxSignatureAttempts expects a positive number, got ${maxSignatures}`);
    }
    const userMetadata = callOptions.userMetadata ?? {};

    // 1. The artifact.
    let descriptor: Descriptor;
    let tag: string | undefined;
    if (typeof target.reference === 'string') {
      if (target.reference === '') throw new VerificationError('ERR_VERIFY_INVALID_ARGUMENT', 'reference is missing digest or tag');
      descriptor = await repository.resolve(target.reference);
      if (isDigest(target.reference)) {
        if (target.reference !== descriptor.digest) {
          throw new VerificationError(
            'ERR_VERIFY_DIGEST_MISMATCH',
            `user input digest ${target.reference} does not match the resolved digest ${descriptor.digest}`,
          );
        }
      } else {
        tag = target.reference;
      }
    } else {
      descriptor = target.reference;
    }
    const artifact: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
    const artifactReference = `${target.scope}@${artifact.digest}`;
    const base = { artifact: { reference: artifactReference, descriptor: artifact, ...(tag !== undefined && { tag }) } };

    // 2. The trust policy statement.
    logger.info?.('Checking whether signature verification should be skipped or not');
    logger.debug?.(`Check verification level against artifact ${artifactReference}`);
    let statement: OCITrustPolicyStatement;
    try {
      statement = selectOCITrustPolicy(options.trustPolicy, artifactReference);
    } catch (error) {
      throw new VerificationError<VerificationOutcome>('ERR_VERIFY_NO_APPLICABLE_POLICY', (error as Error).message, { cause: error });
    }
    logger.info?.(`Trust policy configuration: ${describeStatement(statement)}`);
    const level = getVerificationLevel(statement.signatureVerification);
    const policy = summarise(statement, level);
    if (level.name === 'skip') {
      logger.debug?.('Skipping signature verification');
      logger.info?.(`Signature verification skipped for ${artifactReference}`);
      return { ...base, policy, skipped: true, verified: true, signaturesListed: 0, signatures: [], warnings: [], userMetadata: {} };
    }
    logger.info?.("Check over. The signature verification level is not set to 'skip' in the trust policy.");
    if (tag !== undefined) {
      logger.info?.(`Resolved artifact tag \`${tag}\` to digest \`${artifact.digest}\` before verification`);
      logger.warn?.('The resolved digest may not point to the same signed artifact, since tags are mutable');
    }

    // 3. The signatures.
    logger.debug?.('Fetching signature manifests');
    let listed: Descriptor[];
    try {
      listed = (await repository.referrers(artifact, { artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE })).filter(
        (referrer) => referrer.artifactType === ARTIFACT_TYPE_NOTARY_SIGNATURE,
      );
    } catch (error) {
      throw retrievalError((error as Error).message, error);
    }
    const failedOutcome = (signatures: readonly SignatureResult[]): VerificationOutcome => ({
      ...base,
      policy,
      skipped: false,
      verified: false,
      signaturesListed: listed.length,
      signatures,
      warnings: [],
      userMetadata: {},
    });
    if (listed.length === 0) {
      throw new VerificationError<VerificationOutcome>(
        'ERR_VERIFY_NO_SIGNATURE',
        `no signature is associated with ${goQuote(artifactReference)}, make sure the artifact was signed successfully`,
        { outcome: failedOutcome([]) },
      );
    }

    const statementDescription = describeStatement(statement);
    const context: Omit<SignatureContext, 'logger' | 'now'> = {
      statement,
      statementDescription,
      level,
      target: artifactTarget(artifact, userMetadata),
      loadTrustAnchors: anchorLoader(options.trustStore, this.#cache, statement),
      certificateCache: this.#cache,
      revocationChecker: options.revocationChecker ?? offlineRevocationChecker,
      timestampVerifier: this.#timestampVerifier,
    };
    const candidates = listed.slice(0, maxSignatures);
    const limiter = new Limiter(Math.max(1, options.concurrency ?? DEFAULT_VERIFY_CONCURRENCY));
    const evaluate = (manifest: Descriptor): Promise<Evaluation> =>
      limiter.run(async () => {
        const lines: LogLine[] = [];
        lines.push(['info', `Processing signature with manifest mediaType: ${manifest.mediaType} and digest: ${manifest.digest}`]);
        let fetched;
        try {
          fetched = await fetchSignature(repository, manifest);
        } catch (error) {
          return { kind: 'retrievalFailed', error, log: lines };
        }
        lines.push(['debug', `Verify signature against artifact ${artifact.digest} referenced as ${artifactReference} in signature media type ${fetched.envelope.mediaType}`]);
        lines.push(['info', `Trust policy configuration: ${statementDescription}`]);
        const result = await verifySignature({ ...context, now: new Date(options.clock.now()), logger: bufferingLogger(lines) }, fetched.envelope, fetched.bytes);
        return { kind: 'verified', result: { manifest, ...result }, log: lines };
      });

    // Started lazily, at most `concurrency` ahead of the one being judged, so an early pass does
    // not pay for fetching a hundred signatures.
    const window = Math.max(1, options.concurrency ?? DEFAULT_VERIFY_CONCURRENCY);
    const started: Promise<Evaluation>[] = [];
    const results: SignatureResult[] = [];
    let accepted: SignatureResult | undefined;
    let failure: VerificationError<VerificationOutcome> | undefined;
    try {
      for (let index = 0; index < candidates.length; index++) {
        while (started.length < candidates.length && started.length <= index + window - 1) {
          started.push(evaluate(candidates[started.length]!));
        }
        const evaluation = await started[index]!;
        replay(evaluation.log, logger);
        if (evaluation.kind === 'retrievalFailed') {
          const reason = evaluation.error instanceof Error ? evaluation.error.message : String(evaluation.error);
          failure = retrievalError(
            `unable to retrieve digital signature with digest ${goQuote(candidates[index]!.digest)} associated with ${goQuote(artifactReference)} from the Repository, error : ${reason}`,
            evaluation.error,
            failedOutcome(results),
          );
          break;
        }
        const result = evaluation.result;
        results.push(result);
        if (result.verified) {
          accepted = result;
          logger.debug?.(`Signature verification succeeded for artifact ${artifact.digest} with signature digest ${result.manifest.digest}`);
          break;
        }
        logger.warn?.(`Signature ${result.manifest.digest} failed verification with error: ${result.error ?? 'unknown error'}`);
      }
    } finally {
      // Speculative work beyond the decision is discarded, but not left running unobserved.
      await Promise.allSettled(started);
    }
    if (failure !== undefined) throw failure;
    if (accepted !== undefined) {
      return {
        ...base,
        policy,
        skipped: false,
        verified: true,
        signaturesListed: listed.length,
        signatures: results,
        warnings: accepted.warnings,
        userMetadata: accepted.userMetadata ?? {},
      };
    }
    logger.debug?.(`Signature verification failed for all the signatures associated with artifact ${artifact.digest}`);
    const outcome = failedOutcome(results);
    const cause = results[0]?.error !== undefined ? new Error(results[0].error) : undefined;
    if (candidates.length >= maxSignatures) {
      throw new VerificationError<VerificationOutcome>(
        'ERR_VERIFY_LIMIT_EXCEEDED',
        `signature evaluation stopped. The configured limit of ${maxSignatures} signatures to verify per artifact exceeded`,
        { outcome, ...(cause && { cause }) },
      );
    }
    throw new VerificationError<VerificationOutcome>(
      'ERR_VERIFY_FAILED',
      `signature verification failed for all the signatures associated with ${artifactReference}`,
      { outcome, ...(cause && { cause }) },
    );
  }
}

/**
 * One-shot form of {@link Verifier.verify}. Pass a `certificateCache` to share parsed certificates
 * across calls (a Verifier does that by itself).
 */
export function verify(
  repository: ReadOnlyStorage,
  target: VerifyTarget,
  options: VerifierOptions & VerifyCallOptions,
): Promise<VerificationOutcome> {
  return new Verifier(options).verify(repository, target, options);
}

/** The outcome a VerificationError carries, when verification got far enough to have one. */
export function outcomeOf(error: unknown): VerificationOutcome | undefined {
  return error instanceof VerificationError ? (error.outcome as VerificationOutcome | undefined) : undefined;
}

/** Whether `error` is a trust store failure behind an authenticity check (the CLI adds Notation's hint for it). */
export function isTrustStoreFailure(code: string | undefined): boolean {
  return code !== undefined && code.startsWith('ERR_TRUST_STORE_');
}

