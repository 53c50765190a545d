/**
 * The two verification ports built on pki: revocation checking (OCSP with CRL fallback, pki's
 * `checkRevocation`) over an injected fetcher and CRL cache, and RFC 3161 countersignature
 * verification (pki's `verifyTimestampToken`). Pure: the network and the cache are the caller's
 * ports (src/fetcher and src/config/crl-file-cache.ts provide node implementations).
 */
import {
  DEFAULT_CRL_TIMEOUT_MS,
  DEFAULT_OCSP_TIMEOUT_MS,
  NOOP_LOGGER,
  checkRevocation,
  verifyTimestampToken,
  type CertificateCache,
  type CrlCache,
  type RevocationFetcher,
  type RevocationLogger,
} from '../pki/index.js';
import type { CertificateRevocationResult, RevocationChecker, RevocationServerResult, TimestampVerifier, VerifyClock } from './ports.js';

export interface RevocationCheckerOptions {
  /** OCSP and CRL exchanges. */
  readonly fetcher: RevocationFetcher;
  /** The instant of each check (OCSP and CRL freshness). */
  readonly clock: VerifyClock;
  /** Where downloaded CRLs are kept between checks (Notation: `$NOTATION_CACHE/crl`). */
  readonly crlCache?: CrlCache;
  /** Default 2 s, as Notation. */
  readonly ocspTimeoutMs?: number;
  /** Default 5 s, as Notation. */
  readonly crlTimeoutMs?: number;
  /** CRL fetch and cache diagnostics (Notation prints them with `-d`). */
  readonly logger?: RevocationLogger;
  readonly certificateCache?: CertificateCache;
}

/**
 * A {@link RevocationChecker} doing what Notation's verifier does (notation-core-go
 * `revocation.NewWithOptions` with Notation's CLI timeouts): each certificate but the root is
 * checked with OCSP when it names a responder, falling back to its CRL distribution points when
 * OCSP gives no authoritative answer, with CRL alone otherwise; certificates without either are
 * `nonRevokable`. A chain that violates its profile throws (`invalid chain: …`).
 */
export function createRevocationChecker(options: RevocationCheckerOptions): RevocationChecker {
  return {
    async check(request) {
      const results = await checkRevocation(request.chain, {
        fetcher: options.fetcher,
        now: new Date(options.clock.now()),
        purpose: request.purpose,
        ...(request.authenticSigningTime !== undefined && { authenticSigningTime: request.authenticSigningTime }),
        ...(options.crlCache !== undefined && { crlCache: options.crlCache }),
        ocspTimeoutMs: options.ocspTimeoutMs ?? DEFAULT_OCSP_TIMEOUT_MS,
        crlTimeoutMs: options.crlTimeoutMs ?? DEFAULT_CRL_TIMEOUT_MS,
        logger: options.logger ?? NOOP_LOGGER,
        ...(options.certificateCache !== undefined && { certificateCache: options.certificateCache }),
      });
      return results.map(
        (result): CertificateRevocationResult => ({
          result: result.result,
          method: result.method,
          serverResults: result.serverResults
            .filter((server) => server.method === 'ocsp' || server.method === 'crl')
            .map(
              (server): RevocationServerResult => ({
                server: server.server,
                method: server.method as 'ocsp' | 'crl',
                result: server.result,
                ...(server.error !== undefined && { error: server.error }),
              }),
            ),
        }),
      );
    },
  };
}

/**
 * The default {@link TimestampVerifier}: pki's `verifyTimestampToken` (tspclient-go's checks and
 * notation-go's messages), the TSA chain validated at the token's genTime. No I/O.
 */
export function createTimestampVerifier(options: { readonly certificateCache?: CertificateCache } = {}): TimestampVerifier {
  return {
    async verify(request) {
      const verified = verifyTimestampToken(request.token, {
        signatureBytes: request.signature,
        trustedRoots: request.trustAnchors,
        ...(options.certificateCache !== undefined && { cache: options.certificateCache }),
      });
      return { earliest: verified.range.earliest, latest: verified.range.latest, tsaChain: verified.tsaChain, range: verified.range };
    },
  };
}
