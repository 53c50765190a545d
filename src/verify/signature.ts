/**
 * The per-signature pipeline, in notation-go's order and with its messages (verifier/verifier.go
 * `Verify` → `processSignature`): integrity, verification plugin, authenticity (trust anchor,
 * then trusted identity), expiry, authentic timestamp, revocation; then the payload must describe
 * the artifact and carry the required user metadata.
 *
 * @see notaryproject/specifications specs/trust-store-trust-policy.md § Signature Verification
 */
import { isPortcullisError, type PortcullisError } from '../errors.js';
import {
  HEADER_AUTHENTIC_SIGNING_TIME,
  HEADER_EXPIRY,
  HEADER_VERIFICATION_PLUGIN,
  MEDIA_TYPE_COSE_ENVELOPE,
  MEDIA_TYPE_JWS_ENVELOPE,
  SIGNING_SCHEME_X509,
  verifyEnvelope,
  type VerifiedEnvelope,
} from '../envelope/index.js';
import { goQuote } from '../gocompat/index.js';
import type { Descriptor } from '../oci/index.js';
import {
  checkTimestampAgainstChain,
  checkValidity,
  revocationFailureMessage,
  revocationVerdict,
  timestampRange,
  type CertRevocationResult,
  type Certificate,
  type CertificateCache,
  type RevocationLogger,
  type TimestampRange,
} from '../pki/index.js';
import {
  VALIDATION_TYPES,
  verifyX509TrustedIdentities,
  type OCITrustPolicyStatement,
  type TrustStoreType,
  type ValidationAction,
  type ValidationType,
  type VerificationLevel,
} from '../trust/index.js';
import type { CheckResult, SignatureResult } from './outcome.js';
import type { CertificateRevocationResult, RevocationChecker, TimestampVerifier, VerifiedTimestamp, VerifyLogger } from './ports.js';

/** Certificates of one store type, loaded once per verification; a load failure is remembered as the failure. */
export type TrustAnchorLoader = (type: TrustStoreType) => Promise<readonly Certificate[]>;

/** What the pipeline reads of a trust policy statement: OCI and blob statements share it. */
export type PolicyStatement = Pick<OCITrustPolicyStatement, 'name' | 'signatureVerification' | 'trustStores' | 'trustedIdentities'>;

/** A check failure: the message Notation prints, and the Portcullis error it came from. */
export interface Failure {
  readonly message: string;
  readonly code?: string;
  readonly detail?: string;
}

/**
 * What the signature must be about, checked once every trust check passed: an OCI artifact
 * (the payload names its manifest descriptor) or a blob (the payload names the blob's digest,
 * computed with the signature's hash). Resolves a rejection, or undefined when it matches.
 */
export interface SignatureTarget {
  check(verified: VerifiedEnvelope, logger: VerifyLogger): Promise<Failure | undefined>;
}

export interface SignatureContext {
  readonly statement: PolicyStatement;
  /** notation-go's `%+v` of the statement, for the info log. */
  readonly statementDescription: string;
  readonly level: VerificationLevel;
  readonly target: SignatureTarget;
  readonly loadTrustAnchors: TrustAnchorLoader;
  readonly now: Date;
  readonly certificateCache: CertificateCache;
  readonly revocationChecker: RevocationChecker;
  readonly timestampVerifier: TimestampVerifier;
  readonly logger: VerifyLogger;
}

/** The result of one envelope, before the OCI caller adds the signature manifest it came from. */
export type EnvelopeResult = Omit<SignatureResult, 'manifest'>;

function failureOf(error: unknown): Failure {
  if (isPortcullisError(error)) {
    const cause = (error as PortcullisError).cause;
    return {
      message: error.message,
      code: error.code,
      ...(cause instanceof Error && { detail: cause.message }),
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/**
 * Go's `time.RFC1123Z`: `Tue, 27 Jun 2023 06:10:00 +0000`, in UTC or at the given offset from UTC
 * (minutes), as Go prints a time parsed with that offset.
 */
export function formatRfc1123z(date: Date, offsetMinutes = 0): string {
  const shifted = new Date(date.getTime() + offsetMinutes * 60_000).toUTCString().replace(/ GMT$/, '');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const magnitude = Math.abs(offsetMinutes);
  return `${shifted} ${sign}${String(Math.trunc(magnitude / 60)).padStart(2, '0')}${String(magnitude % 60).padStart(2, '0')}`;
}

/**
 * The UTC offset (minutes) a JWS protected header wrote a time header with, e.g. `+08:00` → 480.
 * notation-go keeps that offset when it prints the time; COSE times are epoch seconds (UTC here).
 */
function jwsHeaderOffset(format: string, bytes: Uint8Array, header: string): number {
  if (format !== 'jws') return 0;
  try {
    const envelope = JSON.parse(Buffer.from(bytes).toString('utf8')) as { protected?: unknown };
    if (typeof envelope.protected !== 'string') return 0;
    const value = (JSON.parse(Buffer.from(envelope.protected, 'base64url').toString('utf8')) as Record<string, unknown>)[header];
    const match = typeof value === 'string' ? /([+-])(\d{2}):(\d{2})$/.exec(value) : null;
    return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
  } catch {
    return 0;
  }
}

/** Mutable record of one check while the pipeline runs. */
class Check {
  status: CheckResult['status'] = 'notRun';
  failure: Failure | undefined;
  constructor(
    readonly type: ValidationType,
    readonly action: ValidationAction,
  ) {
    if (action === 'skip') this.status = 'skipped';
  }

  pass(): void {
    this.status = 'passed';
    this.failure = undefined;
  }

  fail(failure: Failure): void {
    this.status = 'failed';
    this.failure = failure;
  }

  /** Enforced and failed: the signature is rejected (notation-go `isCriticalFailure`). */
  get critical(): boolean {
    return this.status === 'failed' && this.action === 'enforce';
  }

  toResult(): CheckResult {
    return {
      type: this.type,
      action: this.action,
      status: this.status,
      passed: this.status === 'passed',
      ...(this.failure && { error: this.failure.message }),
      ...(this.failure?.code !== undefined && { errorCode: this.failure.code }),
      ...(this.failure?.detail !== undefined && { errorDetail: this.failure.detail }),
    };
  }
}

/** notation-go `logVerificationResult`. */
function logCheck(logger: VerifyLogger, check: Check): void {
  if (check.status !== 'failed' || check.failure === undefined) return;
  if (check.action === 'log') {
    logger.warn?.(`${check.type} validation failed with validation action set to "logged". Failure reason: ${check.failure.message}`);
  } else if (check.action === 'enforce') {
    logger.error?.(`${check.type} validation failed. Failure reason: ${check.failure.message}`);
  }
}

/** The order checks run in (and notation-go reports logged failures in): expiry before the authentic timestamp. */
const PIPELINE_ORDER: readonly ValidationType[] = ['integrity', 'authenticity', 'expiry', 'authenticTimestamp', 'revocation'];

const ENVELOPE_MEDIA_TYPES: readonly string[] = [MEDIA_TYPE_JWS_ENVELOPE, MEDIA_TYPE_COSE_ENVELOPE];

/** Integrity: the envelope parses, its signature verifies with the leaf key, its chain meets the certificate profile. */
function checkIntegrity(envelope: Descriptor, bytes: Uint8Array, cache: CertificateCache): VerifiedEnvelope | Failure {
  if (!ENVELOPE_MEDIA_TYPES.includes(envelope.mediaType)) {
    return {
      message: `unable to parse the digital signature, error : signature envelope format with media type ${goQuote(envelope.mediaType)} is not supported`,
      code: 'ERR_ENVELOPE_UNSUPPORTED_FORMAT',
    };
  }
  try {
    return verifyEnvelope(envelope.mediaType, bytes, { certificateCache: cache });
  } catch (error) {
    const failure = failureOf(error);
    return failure.code === 'ERR_ENVELOPE_INVALID' ? { ...failure, message: `unable to parse the digital signature, error : ${failure.message}` } : failure;
  }
}

/** Authenticity, part 1: some certificate of the signature's chain is byte-identical to a trust anchor of the scheme's store type. */
async function checkTrustAnchor(verified: VerifiedEnvelope, context: SignatureContext): Promise<Failure | undefined> {
  const type: TrustStoreType = verified.signedAttributes.signingScheme === SIGNING_SCHEME_X509 ? 'ca' : 'signingAuthority';
  let anchors: readonly Certificate[];
  try {
    anchors = await context.loadTrustAnchors(type);
  } catch (error) {
    return failureOf(error);
  }
  if (anchors.length === 0) return { message: 'no trusted certificates are found to verify authenticity' };
  const trusted = new Set(anchors.map((anchor) => anchor.fingerprint256));
  if (verified.certificateChain.some((certificate) => trusted.has(certificate.fingerprint256))) return undefined;
  return { message: "the signature's certificate chain does not contain any trusted certificate" };
}

function checkExpiry(verified: VerifiedEnvelope, now: Date, bytes: Uint8Array): Failure | undefined {
  const expiry = verified.signedAttributes.expiry;
  if (expiry !== undefined && now.getTime() >= expiry.getTime()) {
    const offset = jwsHeaderOffset(verified.format, bytes, HEADER_EXPIRY);
    return { message: `digital signature has expired on ${goQuote(formatRfc1123z(expiry, offset))}` };
  }
  return undefined;
}

/** The verify logger as pki's revocation logger (every level present). */
function revocationLogger(logger: VerifyLogger): RevocationLogger {
  return {
    debug: (message) => logger.debug?.(message),
    info: (message) => logger.info?.(message),
    warn: (message) => logger.warn?.(message),
    error: (message) => logger.error?.(message),
  };
}

/** The port's answer in pki's shape, so pki's `revocationVerdict` (notation-go `revocationFinalResult`) judges it. */
function asPkiResults(results: readonly CertificateRevocationResult[]): CertRevocationResult[] {
  return results.map((result) => ({
    result: result.result,
    method: result.method ?? 'unknown',
    serverResults: (result.serverResults ?? []).map((server) => ({
      result: server.result,
      server: server.server,
      method: server.method,
      ...(server.error !== undefined && { error: server.error }),
    })),
  }));
}

/**
 * Checks a chain through the revocation port and judges the answer as notation-go does: any
 * revoked certificate wins, else any unknown one; per-server errors and OCSP→CRL fallbacks are
 * logged. Resolves Notation's failure message, or undefined when the chain is not revoked.
 */
async function judgeRevocation(
  context: SignatureContext,
  chain: readonly Certificate[],
  chainKind: 'signing' | 'timestamping',
  authenticSigningTime?: Date,
): Promise<{ failure?: string; error?: string }> {
  let results: readonly CertificateRevocationResult[];
  try {
    results = await context.revocationChecker.check({
      chain,
      purpose: chainKind === 'signing' ? 'codeSigning' : 'timestamping',
      ...(authenticSigningTime !== undefined && { authenticSigningTime }),
    });
  } catch (error) {
    return { error: failureOf(error).message };
  }
  if (results.length !== chain.length) return { error: `${results.length} results for a chain of ${chain.length} certificates` };
  const verdict = revocationVerdict(asPkiResults(results), chain, revocationLogger(context.logger));
  const failure = revocationFailureMessage(chainKind, verdict);
  return failure === undefined ? {} : { failure };
}

async function checkRevocation(verified: VerifiedEnvelope, context: SignatureContext): Promise<Failure | undefined> {
  const attributes = verified.signedAttributes;
  // notation-go passes the authentic signing time only under notary.x509.signingAuthority.
  const judged = await judgeRevocation(
    context,
    verified.certificateChain,
    'signing',
    attributes.signingScheme !== SIGNING_SCHEME_X509 ? attributes.authenticSigningTime : undefined,
  );
  if (judged.error !== undefined) {
    context.logger.debug?.(`Error while checking revocation status, err: ${judged.error}`);
    return { message: `unable to check revocation status, err: ${judged.error}` };
  }
  if (judged.failure !== undefined) return { message: judged.failure };
  context.logger.debug?.('No verification impacting errors encountered while checking revocation, status is OK');
  return undefined;
}

/** The timestamp range of a port answer: pki's own range when it gave one (nanosecond bounds), else from its millisecond bounds. */
function rangeOf(timestamp: VerifiedTimestamp): TimestampRange {
  if (timestamp.range !== undefined) return timestamp.range;
  const earliest = BigInt(timestamp.earliest.getTime()) * 1_000_000n;
  const latest = BigInt(timestamp.latest.getTime()) * 1_000_000n;
  return timestampRange((earliest + latest) / 2n, (latest - earliest) / 2n);
}

/** Go's `time.RFC3339` (whole seconds, UTC), as tspclient-go's `Timestamp.Format` prints the range. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Authentic timestamp under `notary.x509` (notation-go `verifyTimestamp`): with a `tsa` store in
 * the policy (and, for `afterCertExpiry`, an expired signing chain) the RFC 3161 countersignature
 * must prove the chain was valid when the signature existed; otherwise the chain must be valid now.
 */
async function checkTimestamp(verified: VerifiedEnvelope, context: SignatureContext): Promise<Failure | undefined> {
  const { logger, now } = context;
  const chain = verified.certificateChain;
  const stores = context.statement.trustStores ?? [];
  let perform = true;
  if (!stores.some((entry) => entry.slice(0, entry.indexOf(':')) === 'tsa')) {
    logger.info?.('Timestamp verification disabled: no tsa trust store is configured in trust policy');
    perform = false;
  }
  if (perform && context.statement.signatureVerification.verifyTimestamp === 'afterCertExpiry') {
    if (!chain.some((certificate) => now.getTime() > certificate.notAfter.getTime())) {
      logger.info?.('Timestamp verification disabled: verifyTimestamp is set to "afterCertExpiry" and signing cert chain unexpired');
      perform = false;
    }
  }
  if (!perform) {
    for (const certificate of chain) {
      const validity = checkValidity(certificate, now);
      if (validity === 'notYetValid') {
        return {
          message: `verification time is before certificate ${goQuote(certificate.subject)} validity period, it will be valid from ${goQuote(formatRfc1123z(certificate.notBefore))}`,
        };
      }
      if (validity === 'expired') {
        return {
          message: `verification time is after certificate ${goQuote(certificate.subject)} validity period, it was expired at ${goQuote(formatRfc1123z(certificate.notAfter))}`,
        };
      }
    }
    return undefined;
  }

  logger.debug?.('Performing timestamp verification...');
  logger.debug?.('Checking timestamp countersignature existence...');
  const token = verified.unsignedAttributes.timestampSignature;
  if (token === undefined || token.length === 0) return { message: 'no timestamp countersignature was found in the signature envelope' };
  logger.debug?.('Verifying the timestamp countersignature...');
  let anchors: readonly Certificate[];
  try {
    anchors = await context.loadTrustAnchors('tsa');
  } catch (error) {
    return { ...failureOf(error), message: `failed to load tsa trust store with error: ${failureOf(error).message}` };
  }
  if (anchors.length === 0) return { message: 'no trusted TSA certificate found in trust store' };
  let timestamp: VerifiedTimestamp;
  try {
    // The port throws with Notation's message ("failed to parse timestamp countersignature with error: …").
    timestamp = await context.timestampVerifier.verify({ token, signature: verified.signature, trustAnchors: anchors });
  } catch (error) {
    return failureOf(error);
  }
  logger.debug?.('Validating timestamping certificate chain...');
  if (timestamp.tsaChain[0] !== undefined) logger.debug?.(`The subject of TSA signing certificate is: ${timestamp.tsaChain[0].subject}`);
  logger.debug?.('Checking the timestamp against the signing certificate chain...');
  const range = rangeOf(timestamp);
  logger.debug?.(`Timestamp range: [${rfc3339(range.earliest)}, ${rfc3339(range.latest)}]`);
  const outside = checkTimestampAgainstChain(range, chain);
  if (outside !== undefined) return { message: outside };
  for (const certificate of chain) {
    if (now.getTime() > certificate.notAfter.getTime()) {
      logger.debug?.(
        `Certificate ${goQuote(certificate.subject)} expired at ${goQuote(formatRfc1123z(certificate.notAfter))}, but timestamp is within certificate validity period`,
      );
    }
  }
  logger.debug?.('Checking timestamping certificate chain revocation...');
  const judged = await judgeRevocation(context, timestamp.tsaChain, 'timestamping');
  if (judged.error !== undefined) return { message: `failed to check timestamping certificate chain revocation with error: ${judged.error}` };
  if (judged.failure !== undefined) return { message: judged.failure };
  logger.debug?.('No verification impacting errors encountered while checking timestamping certificate chain revocation, status is OK');
  logger.debug?.('Timestamp verification: Success');
  return undefined;
}

/** Authentic timestamp under `notary.x509.signingAuthority`: the authentic signing time lies within every certificate's validity. */
function checkAuthenticSigningTime(verified: VerifiedEnvelope, bytes: Uint8Array): Failure | undefined {
  const attributes = verified.signedAttributes;
  if (attributes.signingScheme === SIGNING_SCHEME_X509) return undefined;
  const time = attributes.authenticSigningTime;
  const offset = jwsHeaderOffset(verified.format, bytes, HEADER_AUTHENTIC_SIGNING_TIME);
  for (const certificate of verified.certificateChain) {
    if (checkValidity(certificate, time) !== 'valid') {
      return {
        message: `certificate ${goQuote(certificate.subject)} was not valid when the digital signature was produced at ${goQuote(formatRfc1123z(time, offset))}`,
      };
    }
  }
  return undefined;
}

function describeSignature(verified: VerifiedEnvelope): Partial<EnvelopeResult> {
  const attributes = verified.signedAttributes;
  const time = attributes.signingScheme === SIGNING_SCHEME_X509 ? attributes.signingTime : attributes.authenticSigningTime;
  return {
    signingScheme: attributes.signingScheme,
    signingTime: time.toISOString(),
    ...(attributes.expiry !== undefined && { expiry: attributes.expiry.toISOString() }),
    ...(verified.unsignedAttributes.signingAgent !== undefined && { signingAgent: verified.unsignedAttributes.signingAgent }),
    signer: {
      subject: verified.certificateChain[0]!.subject,
      thumbprints: verified.certificateChain.map((certificate) => certificate.fingerprint256),
    },
    userMetadata: { ...verified.payload.targetArtifact.annotations },
  };
}

/**
 * notation-go `verifyUserMetadata`: every required key/value pair is in the signed payload's
 * `targetArtifact.annotations`.
 */
export function checkUserMetadata(signed: Descriptor, required: Readonly<Record<string, string>>, logger: VerifyLogger): Failure | undefined {
  const entries = Object.entries(required);
  if (entries.length === 0) return undefined;
  logger.debug?.(`Verifying that metadata ${JSON.stringify(required)} is present in signature`);
  const present = signed.annotations ?? {};
  const missing = entries.find(([key, value]) => present[key] !== value);
  if (missing === undefined) return undefined;
  logger.error?.(`User required metadata ${missing[0]}=${missing[1]} is not present in the signature`);
  return { message: 'unable to find specified metadata in the signature', code: 'ERR_VERIFY_USER_METADATA' };
}

/** An OCI artifact: the payload must name exactly its manifest descriptor, and carry the required user metadata. */
export function artifactTarget(artifact: Descriptor, userMetadata: Readonly<Record<string, string>>): SignatureTarget {
  return {
    async check(verified, logger) {
      const signed = verified.payload.targetArtifact;
      if (signed.mediaType !== artifact.mediaType || signed.digest !== artifact.digest || signed.size !== artifact.size) {
        logger.info?.(`Target artifact in signature payload: ${JSON.stringify(signed)}`);
        logger.info?.(`Target artifact that want to be verified: ${JSON.stringify(artifact)}`);
        return { message: 'content descriptor mismatch', code: 'ERR_VERIFY_PAYLOAD_MISMATCH' };
      }
      return checkUserMetadata(signed, userMetadata, logger);
    },
  };
}

/**
 * Runs the pipeline over one fetched envelope. Never throws: every failure is recorded in the
 * result (an unexpected exception becomes the signature's error).
 */
export async function verifySignature(context: SignatureContext, envelope: Descriptor, bytes: Uint8Array): Promise<EnvelopeResult> {
  const { logger, level } = context;
  const checks = new Map<ValidationType, Check>(VALIDATION_TYPES.map((type) => [type, new Check(type, level.enforcement[type])]));
  const check = (type: ValidationType): Check => checks.get(type)!;
  let described: Partial<EnvelopeResult> = {};
  let rejection: Failure | undefined;

  const finish = (): EnvelopeResult => {
    const results = VALIDATION_TYPES.map((type) => check(type).toResult());
    const warnings = PIPELINE_ORDER.map((type) => check(type).toResult())
      .filter((result) => result.status === 'failed' && result.action === 'log')
      .map((result) => `${result.type} was set to ${goQuote(result.action)} and failed with error: ${result.error}`);
    return {
      envelope,
      verified: rejection === undefined,
      checks: results,
      ...(rejection !== undefined && { error: rejection.message }),
      ...(rejection?.code !== undefined && { errorCode: rejection.code }),
      warnings,
      ...described,
    };
  };
  const stopIfCritical = (current: Check): boolean => {
    logCheck(logger, current);
    if (!current.critical) return false;
    rejection = current.failure;
    return true;
  };

  try {
    const integrity = check('integrity');
    const verifiedOrFailure = checkIntegrity(envelope, bytes, context.certificateCache);
    if (!('payload' in verifiedOrFailure)) {
      integrity.fail(verifiedOrFailure);
      logCheck(logger, integrity);
      rejection = verifiedOrFailure;
      return finish();
    }
    integrity.pass();
    const verified = verifiedOrFailure;
    described = describeSignature(verified);

    const plugin = verified.signedAttributes.extendedAttributes.find((attribute) => attribute.key === HEADER_VERIFICATION_PLUGIN);
    if (plugin !== undefined) {
      logger.debug?.(`Finding verification plugin ${goQuote(String(plugin.value))}`);
      rejection = {
        message: `error while locating the verification plugin ${goQuote(String(plugin.value))}, make sure the plugin is installed successfully before verifying the signature. error: verification plugins are not supported by portcullis`,
        code: 'ERR_VERIFY_PLUGIN_UNSUPPORTED',
      };
      return finish();
    }

    logger.debug?.('Validating cert chain');
    const authenticity = check('authenticity');
    const anchorFailure = await checkTrustAnchor(verified, context);
    if (anchorFailure) authenticity.fail(anchorFailure);
    else authenticity.pass();
    if (stopIfCritical(authenticity)) return finish();

    logger.debug?.('Validating trust identity');
    try {
      verifyX509TrustedIdentities(context.statement.name, context.statement.trustedIdentities ?? [], verified.certificateChain[0]!.subjectRdns);
    } catch (error) {
      authenticity.fail(failureOf(error));
      if (stopIfCritical(authenticity)) return finish();
    }

    logger.debug?.('Validating expiry');
    const expiry = check('expiry');
    const expiryFailure = checkExpiry(verified, context.now, bytes);
    if (expiryFailure) expiry.fail(expiryFailure);
    else expiry.pass();
    if (stopIfCritical(expiry)) return finish();

    logger.debug?.('Validating authentic timestamp');
    const timestamp = check('authenticTimestamp');
    let timestampFailure: Failure | undefined;
    if (verified.signedAttributes.signingScheme === SIGNING_SCHEME_X509) {
      logger.debug?.('Under signing scheme notary.x509...');
      timestampFailure = await checkTimestamp(verified, context);
    } else {
      logger.debug?.('Under signing scheme notary.x509.signingAuthority...');
      timestampFailure = checkAuthenticSigningTime(verified, bytes);
    }
    if (timestampFailure) timestamp.fail(timestampFailure);
    else timestamp.pass();
    if (stopIfCritical(timestamp)) return finish();

    const revocation = check('revocation');
    if (revocation.action !== 'skip') {
      logger.debug?.('Validating revocation');
      const revocationFailure = await checkRevocation(verified, context);
      if (revocationFailure) revocation.fail(revocationFailure);
      else revocation.pass();
      if (stopIfCritical(revocation)) return finish();
    }

    const mismatch = await context.target.check(verified, logger);
    if (mismatch !== undefined) rejection = mismatch;
    return finish();
  } catch (error) {
    // A bug or an adapter failing in a way the pipeline did not anticipate: the signature is not accepted.
    rejection = { message: `signature verification was inconclusive: ${failureOf(error).message}` };
    return finish();
  }
}
