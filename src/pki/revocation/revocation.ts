/**
 * Chain revocation checking as notation-core-go's `revocation.ValidateContext` does it, and the
 * final verdict and log lines as notation-go's `revocationFinalResult`.
 *
 * Method per certificate (leaf first, all in parallel; the root is never checked): OCSP when the
 * certificate names a responder, falling back to its CRL distribution points when OCSP gives no
 * authoritative answer; CRL alone when there is no responder; `nonRevokable` when neither.
 *
 * @see notaryproject/specifications specs/trust-store-trust-policy.md § Certificate Revocation Evaluation
 * @see notaryproject/notation-core-go revocation/revocation.go, notaryproject/notation-go verifier/verifier.go
 */
import { PkiError } from '../../errors.js';
import type { CertificateCache } from '../cache.js';
import type { Certificate } from '../certificate.js';
import { validateCodeSigningChain, validateTimestampingChain } from '../chain.js';
import { goQuote } from '../../gocompat/index.js';
import { checkCrl, supportsCrl } from './crl.js';
import { checkOcsp, supportsOcsp } from './ocsp.js';
import { NOOP_LOGGER, type CertRevocationResult, type CrlCache, type RevocationFetcher, type RevocationLogger } from './types.js';

export type RevocationPurpose = 'codeSigning' | 'timestamping';

export interface CheckRevocationOptions {
  readonly fetcher: RevocationFetcher;
  /** The instant of the check (CRL/OCSP freshness). */
  readonly now: Date;
  /** Default `codeSigning`; the chain is re-validated against that profile first. */
  readonly purpose?: RevocationPurpose;
  /**
   * The authentic signing time, for the invalidity-date rule: a certificate revoked with an
   * invalidity date after this instant still counts as good. Notation passes it only for the
   * `notary.x509.signingAuthority` scheme (never the TSA time), and nothing for TSA chains.
   */
  readonly authenticSigningTime?: Date;
  readonly crlCache?: CrlCache;
  /** Default 2 s. */
  readonly ocspTimeoutMs?: number;
  /** Default 5 s. */
  readonly crlTimeoutMs?: number;
  readonly logger?: RevocationLogger;
  readonly certificateCache?: CertificateCache;
}

const NON_REVOKABLE: CertRevocationResult = {
  result: 'nonRevokable',
  serverResults: [{ result: 'nonRevokable', server: '', method: 'unknown' }],
  method: 'unknown',
};

/**
 * Checks every certificate of `chain` (leaf first, root last) and returns one result per
 * certificate, in chain order. Throws PkiError ERR_PKI_CHAIN_INVALID
 * (`invalid chain: expected chain to be correct and complete: ...`) before any network call when
 * the chain is empty or violates its profile; every network or response problem is a result.
 *
 * @example
 * const results = await checkRevocation(envelope.certificateChain, { fetcher, now: new Date(), crlCache });
 * const verdict = revocationVerdict(results, envelope.certificateChain, logger);
 * if (verdict.result !== 'ok') throw new Error(revocationFailureMessage('signing', verdict));
 */
export async function checkRevocation(chain: readonly Certificate[], options: CheckRevocationOptions): Promise<CertRevocationResult[]> {
  const prefix = 'invalid chain: expected chain to be correct and complete';
  if (chain.length === 0) throw new PkiError('ERR_PKI_CHAIN_INVALID', `${prefix}: chain does not contain any certificates`);
  try {
    const cache = options.certificateCache ? { cache: options.certificateCache } : {};
    if ((options.purpose ?? 'codeSigning') === 'codeSigning') validateCodeSigningChain(chain, cache);
    else validateTimestampingChain(chain, cache);
  } catch (error) {
    throw new PkiError('ERR_PKI_CHAIN_INVALID', `${prefix}: ${(error as Error).message}`, { cause: error });
  }
  const ocspOptions = {
    fetcher: options.fetcher,
    now: options.now,
    ...(options.authenticSigningTime ? { signingTime: options.authenticSigningTime } : {}),
    ...(options.ocspTimeoutMs !== undefined ? { timeoutMs: options.ocspTimeoutMs } : {}),
  };
  const crlOptions = {
    fetcher: options.fetcher,
    now: options.now,
    ...(options.authenticSigningTime ? { signingTime: options.authenticSigningTime } : {}),
    ...(options.crlTimeoutMs !== undefined ? { timeoutMs: options.crlTimeoutMs } : {}),
    ...(options.crlCache ? { cache: options.crlCache } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const checks = chain.slice(0, -1).map(async (cert, i): Promise<CertRevocationResult> => {
    const issuer = chain[i + 1]!;
    if (supportsOcsp(cert)) {
      const ocsp = await checkOcsp(cert, issuer, ocspOptions);
      if (ocsp.result === 'unknown' && supportsCrl(cert)) {
        const crl = await checkCrl(cert, issuer, crlOptions);
        return { result: crl.result, serverResults: [...ocsp.serverResults, ...crl.serverResults], method: 'ocspFallbackCrl' };
      }
      return ocsp;
    }
    if (supportsCrl(cert)) return checkCrl(cert, issuer, crlOptions);
    return NON_REVOKABLE;
  });
  return [...(await Promise.all(checks)), NON_REVOKABLE];
}

export interface RevocationVerdict {
  readonly result: 'ok' | 'revoked' | 'unknown';
  /** Subject (Go form) of the certificate that decided a non-ok verdict; '' when ok. */
  readonly subject: string;
}

const METHOD_NAMES = { ocsp: 'OCSP', crl: 'CRL', ocspFallbackCrl: 'OCSPFallbackCRL', unknown: 'Unknown' } as const;

/**
 * notation-go `revocationFinalResult`: revoked if any certificate is revoked (the one nearest the
 * leaf names it), else unknown if any is unknown, else ok; logs the per-server errors and
 * fallbacks exactly as Notation does (`OCSP check failed with unknown error and fallback to CRL
 * check for certificate #2 in chain with subject "..."`).
 */
export function revocationVerdict(results: readonly CertRevocationResult[], chain: readonly Certificate[], logger: RevocationLogger = NOOP_LOGGER): RevocationVerdict {
  let final: RevocationVerdict['result'] = 'unknown';
  let okCount = 0;
  let subject = '';
  let revokedSubject: string | undefined;
  for (let i = results.length - 1; i >= 0; i--) {
    const cert = chain[i]!;
    const certResult = results[i]!;
    const quoted = goQuote(cert.subject);
    if (certResult.method === 'ocspFallbackCrl') {
      logger.warn(`OCSP check failed with unknown error and fallback to CRL check for certificate #${i + 1} in chain with subject ${quoted}`);
    }
    for (const server of certResult.serverResults) {
      if (server.error === undefined) continue;
      const line = `Certificate #${i + 1} in chain with subject ${quoted} encountered an error for revocation method ${METHOD_NAMES[server.method]} at URL ${goQuote(server.server)}: ${server.error}`;
      if (certResult.method === 'ocspFallbackCrl' && server.method === 'ocsp') logger.debug(line);
      else logger.error(line);
    }
    if (certResult.result === 'ok' || certResult.result === 'nonRevokable') okCount++;
    else {
      final = certResult.result;
      subject = cert.subject;
      if (certResult.result === 'revoked') revokedSubject = subject;
    }
    if (i < results.length - 1 && certResult.result === 'nonRevokable') {
      logger.warn(`Certificate #${i + 1} in the chain with subject ${quoted} neither has an OCSP nor a CRL revocation method.`);
    }
  }
  if (revokedSubject !== undefined) return { result: 'revoked', subject: revokedSubject };
  if (okCount === results.length) return { result: 'ok', subject: '' };
  return { result: final, subject };
}

/**
 * Notation's error for a non-ok verdict: `signing certificate with subject "…" is revoked`,
 * `signing certificate with subject "…" revocation status is unknown`, and the same with
 * `timestamping certificate` for TSA chains. Undefined for ok.
 */
export function revocationFailureMessage(chainKind: 'signing' | 'timestamping', verdict: RevocationVerdict): string | undefined {
  if (verdict.result === 'ok') return undefined;
  const what = `${chainKind} certificate with subject ${goQuote(verdict.subject)}`;
  return verdict.result === 'revoked' ? `${what} is revoked` : `${what} revocation status is unknown`;
}

/**
 * The TSA-chain revocation check used while signing (`createHttpTimestamper({checkRevocation})`),
 * as notation-core-go's internal/timestamp does it: the chain is checked with the timestamping
 * profile; going from the root down, the first revoked certificate fails with `timestamping
 * certificate with subject "…" is revoked`, otherwise the first unknown one with `… revocation
 * status is unknown`. Resolves undefined when every certificate is ok or non-revokable.
 */
export function createTsaRevocationCheck(
  options: Omit<CheckRevocationOptions, 'purpose' | 'now' | 'authenticSigningTime'> & { readonly now: () => Date },
): (tsaChain: readonly Certificate[]) => Promise<string | undefined> {
  return async (tsaChain) => {
    let results: CertRevocationResult[];
    try {
      results = await checkRevocation(tsaChain, { ...options, now: options.now(), purpose: 'timestamping' });
    } catch (error) {
      return `failed to validate the revocation status of timestamping certificate chain with error: ${(error as Error).message}`;
    }
    let unknownSubject: string | undefined;
    for (let i = results.length - 1; i >= 0; i--) {
      const result = results[i]!.result;
      if (result === 'revoked') return `timestamping certificate with subject ${goQuote(tsaChain[i]!.subject)} is revoked`;
      if (result === 'unknown') unknownSubject ??= tsaChain[i]!.subject;
    }
    return unknownSubject === undefined ? undefined : `timestamping certificate with subject ${goQuote(unknownSubject)} revocation status is unknown`;
  };
}
