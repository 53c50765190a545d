/**
 * Revocation results and ports, shaped after notation-core-go revocation/result so a verification
 * pipeline can report per certificate and per server exactly as Notation does.
 */

/**
 * - `ok`: checked, not revoked.
 * - `revoked`: revoked (at the time that matters, see the invalidity-date rule).
 * - `unknown`: no authoritative answer (network, parse, signature, freshness or `unknown` status).
 * - `nonRevokable`: nothing to check (no OCSP URL and no CRL distribution point, or the root).
 */
export type RevocationResult = 'ok' | 'revoked' | 'unknown' | 'nonRevokable';

/** `ocspFallbackCrl`: OCSP could not answer and the CRL decided. `unknown`: roots and certificates without either method. */
export type RevocationMethod = 'ocsp' | 'crl' | 'ocspFallbackCrl' | 'unknown';

export interface ServerResult {
  readonly result: RevocationResult;
  /** The OCSP responder or CRL URL ('' when none). */
  readonly server: string;
  /** Why the server gave no `ok`, in notation-core-go's words. */
  readonly error?: string;
  readonly method: RevocationMethod;
}

export interface CertRevocationResult {
  readonly result: RevocationResult;
  /**
   * OCSP: one entry when a server answered authoritatively, else one per server tried. CRL: one
   * per distribution point checked, or a single entry on revocation or error. OCSP fallback: the
   * OCSP entries followed by the CRL ones.
   */
  readonly serverResults: readonly ServerResult[];
  readonly method: RevocationMethod;
}

export interface RevocationHttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly body?: Uint8Array;
  /** Content-Type of the body (`application/ocsp-request`). */
  readonly contentType?: string;
  /** Deadline for the whole exchange. */
  readonly timeoutMs: number;
  /** The adapter reads at most `maxBytes + 1` bytes of the body. */
  readonly maxBytes: number;
}

export interface RevocationHttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

/**
 * The network port for OCSP and CRL retrieval. Rejects on transport failure; a timeout is an
 * error whose `code` is `ETIMEDOUT` (or whose `name` is `TimeoutError`).
 */
export type RevocationFetcher = (request: RevocationHttpRequest) => Promise<RevocationHttpResponse>;

/** A base CRL and its delta, as DER (what notation-go's CRL file cache stores). */
export interface CrlBundleBytes {
  readonly baseCrl: Uint8Array;
  readonly deltaCrl?: Uint8Array;
}

/**
 * CRL cache port keyed by URL. `get` resolves undefined on a miss (or an expired entry); any
 * rejection is a cache error, logged and otherwise ignored (Notation discards cache errors).
 */
export interface CrlCache {
  get(url: string): Promise<CrlBundleBytes | undefined>;
  set(url: string, bundle: CrlBundleBytes): Promise<void>;
}

/** Optional diagnostics sink; Notation prints these with `--debug` (debug/info) or always (warn/error). */
export interface RevocationLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const NOOP_LOGGER: RevocationLogger = { debug() {}, info() {}, warn() {}, error() {} };
