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
  HEADER_VERIFICATION_PLUGIN,
  MEDIA_TYPE_COSE_ENVELOPE,
  MEDIA_TYPE_JWS_ENVELOPE,
  SIGNING_SCHEME_X509,
  verifyEnvelope,
  type VerifiedEnvelope,
} from '../envelope/index.js';
import { goQuote } from '../gocompat/index.js';
import type { Descriptor } from '../oci/index.js';
import { checkValidity, type Certificate, type CertificateCache } from '../pki/index.js';
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
import type { CertificateRevocationResult, RevocationChecker, TimestampVerifier, VerifyLogger } from './ports.js';

/** Certificates of one store type, loaded once per verification; a load failure is remembered as the failure. */
export type TrustAnchorLoader = (type: TrustStoreType) => Promise<readonly Certificate[]>;

export interface SignatureContext {
  readonly statement: OCITrustPolicyStatement;
  /** notation-go's `%+v` of the statement, for the info log. */
  readonly statementDescription: string;
  readonly level: VerificationLevel;
  /** The artifact being verified (resolved descriptor). */
  readonly artifact: Descriptor;
  /** `<scope>@<digest>`, for messages. */
  readonly artifactReference: string;
  readonly loadTrustAnchors: TrustAnchorLoader;
  readonly now: Date;
  readonly certificateCache: CertificateCache;
  readonly revocationChecker: RevocationChecker;
  readonly timestampVerifier: TimestampVerifier | undefined;
  readonly userMetadata: Readonly<Record<string, string>>;
  readonly logger: VerifyLogger;
}

/** A check failure: the message Notation prints, and the Portcullis error it came from. */
interface Failure {
  readonly message: string;
  readonly code?: string;
  readonly detail?: string;
}

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

/** Go's `time.RFC1123Z` in UTC: `Tue, 27 Jun 2023 06:10:00 +0000`. */
export function formatRfc1123z(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
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

function checkExpiry(verified: VerifiedEnvelope, now: Date): Failure | undefined {
  const expiry = verified.signedAttributes.expiry;
  if (expiry !== undefined && now.getTime() >= expiry.getTime()) {
    return { message: `digital signature has expired on ${goQuote(formatRfc1123z(expiry))}` };
  }
  return undefined;
}

/** notation-go `revocationFinalResult`: any revoked wins, else any unknown; logs per-certificate problems. */
function finalRevocationResult(
  results: readonly CertificateRevocationResult[],
  chain: readonly Certificate[],
  logger: VerifyLogger,
): { result: 'ok' | 'revoked' | 'unknown'; subject: string } {
  let final: 'ok' | 'revoked' | 'unknown' = 'unknown';
  let okCount = 0;
  let subject = '';
  let revokedSubject: string | undefined;
  for (let i = results.length - 1; i >= 0; i--) {
    const certificate = chain[i];
    const result = results[i]!;
    const name = certificate?.subject ?? '';
    if (result.method === 'ocspFallbackCrl') {
      logger.warn?.(`OCSP check failed with unknown error and fallback to CRL check for certificate #${i + 1} in chain with subject ${goQuote(name)}`);
    }
    for (const server of result.serverResults ?? []) {
      if (server.error === undefined) continue;
      const line = `Certificate #${i + 1} in chain with subject ${goQuote(name)} encountered an error for revocation method ${server.method === 'ocsp' ? 'OCSP' : 'CRL'} at URL ${goQuote(server.server)}: ${server.error}`;
      if (result.method === 'ocspFallbackCrl' && server.method === 'ocsp') logger.debug?.(line);
      else logger.error?.(line);
    }
    if (result.result === 'ok' || result.result === 'nonRevokable') {
      okCount += 1;
    } else {
      final = result.result;
      subject = name;
      if (result.result === 'revoked') revokedSubject = name;
    }
    if (i < results.length - 1 && result.result === 'nonRevokable') {
      logger.warn?.(`Certificate #${i + 1} in the chain with subject ${goQuote(name)} neither has an OCSP nor a CRL revocation method.`);
    }
  }
  if (revokedSubject !== undefined) return { result: 'revoked', subject: revokedSubject };
  if (okCount === results.length) return { result: 'ok', subject: '' };
  return { result: final, subject };
}

async function checkRevocation(verified: VerifiedEnvelope, context: SignatureContext): Promise<Failure | undefined> {
  const attributes = verified.signedAttributes;
  let results: readonly CertificateRevocationResult[];
  try {
    results = await context.revocationChecker.check({
      chain: verified.certificateChain,
      purpose: 'codeSigning',
      ...(attributes.signingScheme !== SIGNING_SCHEME_X509 && { authenticSigningTime: attributes.authenticSigningTime }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    context.logger.debug?.(`Error while checking revocation status, err: ${message}`);
    return { message: `unable to check revocation status, err: ${message}` };
  }
  if (results.length !== verified.certificateChain.length) {
    return { message: `unable to check revocation status, err: ${results.length} results for a chain of ${verified.certificateChain.length} certificates` };
  }
  const final = finalRevocationResult(results, verified.certificateChain, context.logger);
  switch (final.result) {
    case 'ok':
      context.logger.debug?.('No verification impacting errors encountered while checking revocation, status is OK');
      return undefined;
    case 'revoked':
      return { message: `signing certificate with subject ${goQuote(final.subject)} is revoked` };
    default:
      return { message: `signing certificate with subject ${goQuote(final.subject)} revocation status is unknown` };
  }
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
  if (context.timestampVerifier === undefined) {
    return { message: 'failed to verify the timestamp countersignature with error: no RFC 3161 timestamp verifier is configured' };
  }
  let timestamp;
  try {
    timestamp = await context.timestampVerifier.verify({ token, signature: verified.signature, trustAnchors: anchors });
  } catch (error) {
    return { message: `failed to verify the timestamp countersignature with error: ${failureOf(error).message}` };
  }
  logger.debug?.('Checking the timestamp against the signing certificate chain...');
  logger.debug?.(`Timestamp range: [${timestamp.earliest.toISOString()}, ${timestamp.latest.toISOString()}]`);
  for (const certificate of chain) {
    if (timestamp.earliest.getTime() < certificate.notBefore.getTime()) {
      return {
        message: `timestamp can be before certificate ${goQuote(certificate.subject)} validity period, it will be valid from ${goQuote(formatRfc1123z(certificate.notBefore))}`,
      };
    }
    if (timestamp.latest.getTime() > certificate.notAfter.getTime()) {
      return {
        message: `timestamp can be after certificate ${goQuote(certificate.subject)} validity period, it was expired at ${goQuote(formatRfc1123z(certificate.notAfter))}`,
      };
    }
  }
  logger.debug?.('Checking timestamping certificate chain revocation...');
  let results: readonly CertificateRevocationResult[];
  try {
    results = await context.revocationChecker.check({ chain: timestamp.tsaChain, purpose: 'timestamping' });
  } catch (error) {
    return { message: `failed to check timestamping certificate chain revocation with error: ${failureOf(error).message}` };
  }
  const final = finalRevocationResult(results, timestamp.tsaChain, logger);
  if (final.result === 'revoked') return { message: `timestamping certificate with subject ${goQuote(final.subject)} is revoked` };
  if (final.result === 'unknown') return { message: `timestamping certificate with subject ${goQuote(final.subject)} revocation status is unknown` };
  logger.debug?.('Timestamp verification: Success');
  return undefined;
}

/** Authentic timestamp under `notary.x509.signingAuthority`: the authentic signing time lies within every certificate's validity. */
function checkAuthenticSigningTime(verified: VerifiedEnvelope): Failure | undefined {
  const attributes = verified.signedAttributes;
  if (attributes.signingScheme === SIGNING_SCHEME_X509) return undefined;
  const time = attributes.authenticSigningTime;
  for (const certificate of verified.certificateChain) {
    if (checkValidity(certificate, time) !== 'valid') {
      return {
        message: `certificate ${goQuote(certificate.subject)} was not valid when the digital signature was produced at ${goQuote(formatRfc1123z(time))}`,
      };
    }
  }
  return undefined;
}

function describeSignature(verified: VerifiedEnvelope): Partial<SignatureResult> {
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
 * Runs the pipeline over one fetched envelope. Never throws: every failure is recorded in the
 * result (an unexpected exception becomes the signature's error).
 */
export async function verifySignature(
  context: SignatureContext,
  manifest: Descriptor,
  envelope: Descriptor,
  bytes: Uint8Array,
): Promise<SignatureResult> {
  const { logger, level } = context;
  const checks = new Map<ValidationType, Check>(VALIDATION_TYPES.map((type) => [type, new Check(type, level.enforcement[type])]));
  const check = (type: ValidationType): Check => checks.get(type)!;
  let described: Partial<SignatureResult> = {};
  let rejection: Failure | undefined;

  const finish = (): SignatureResult => {
    const results = VALIDATION_TYPES.map((type) => check(type).toResult());
    const warnings = PIPELINE_ORDER.map((type) => check(type).toResult())
      .filter((result) => result.status === 'failed' && result.action === 'log')
      .map((result) => `${result.type} was set to ${goQuote(result.action)} and failed with error: ${result.error}`);
    return {
      manifest,
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
    logger.debug?.(`Verify signature against artifact ${context.artifact.digest} referenced as ${context.artifactReference} in signature media type ${envelope.mediaType}`);
    logger.info?.(`Trust policy configuration: ${context.statementDescription}`);
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
    const expiryFailure = checkExpiry(verified, context.now);
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
      timestampFailure = checkAuthenticSigningTime(verified);
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

    const signed = verified.payload.targetArtifact;
    const artifact = context.artifact;
    if (signed.mediaType !== artifact.mediaType || signed.digest !== artifact.digest || signed.size !== artifact.size) {
      logger.info?.(`Target artifact in signature payload: ${JSON.stringify(signed)}`);
      logger.info?.(`Target artifact that want to be verified: ${JSON.stringify(artifact)}`);
      rejection = { message: 'content descriptor mismatch', code: 'ERR_VERIFY_PAYLOAD_MISMATCH' };
      return finish();
    }
    const required = Object.entries(context.userMetadata);
    if (required.length > 0) {
      logger.debug?.(`Verifying that metadata ${JSON.stringify(context.userMetadata)} is present in signature`);
      const present = signed.annotations ?? {};
      const missing = required.find(([key, value]) => present[key] !== value);
      if (missing !== undefined) {
        logger.error?.(`User required metadata ${missing[0]}=${missing[1]} is not present in the signature`);
        rejection = { message: 'unable to find specified metadata in the signature', code: 'ERR_VERIFY_USER_METADATA' };
      }
    }
    return finish();
  } catch (error) {
    // A bug or an adapter failing in a way the pipeline did not anticipate: the signature is not accepted.
    rejection = { message: `signature verification was inconclusive: ${failureOf(error).message}` };
    return finish();
  }
}
