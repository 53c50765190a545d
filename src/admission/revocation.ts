/**
 * Certificate revocation for the admission controller. Two modes:
 *
 * - `offline` (the default): src/verify's offline checker. No network from inside the webhook;
 *   certificates without an OCSP responder or CRL distribution point count as not revoked, and a
 *   certificate that names one is `unknown`, so a statement enforcing `revocation` rejects it
 *   (fail closed) — relax it with `"override": {"revocation": "log"}` or `"skip"`, or go online.
 * - `online`: what `notation verify` does — OCSP (2 s) with CRL fallback (5 s) over the node
 *   fetcher, CRLs cached in memory (bounded, honouring nextUpdate) or, with a directory, in
 *   Notation's on-disk layout (`<dir>/<sha256 of the URL>`), shared across restarts and replicas
 *   mounting the same volume.
 */
import { createCrlFileCache } from '../config/crl-file-cache.js';
import { createRevocationFetcher } from '../fetcher/http.js';
import { CertificateCache, parseCrl, type CrlBundleBytes, type CrlCache, type RevocationLogger } from '../pki/index.js';
import { createRevocationChecker, offlineRevocationChecker, type RevocationChecker } from '../verify/index.js';
import { silentAdmissionLogger, type AdmissionLogger } from './log.js';

export type RevocationMode = 'offline' | 'online';
export const REVOCATION_MODES: readonly RevocationMode[] = ['offline', 'online'];

export interface AdmissionRevocationOptions {
  readonly mode: RevocationMode;
  /** `online`: keep CRLs in this directory (Notation's file cache layout) instead of memory. */
  readonly crlCacheDir?: string;
  /** `online`: CRL bundles kept in memory without a directory. Default 256. */
  readonly crlCacheEntries?: number;
  readonly ocspTimeoutMs?: number;
  readonly crlTimeoutMs?: number;
  readonly logger?: AdmissionLogger;
  readonly now?: () => number;
}

/** A bounded in-memory CRL cache: entries past their nextUpdate read as misses; the oldest entry goes first. */
export function memoryCrlCache(maxEntries = 256, now: () => number = Date.now): CrlCache {
  const entries = new Map<string, { bundle: CrlBundleBytes; nextUpdate: number }>();
  return {
    async get(url) {
      const entry = entries.get(url);
      if (entry === undefined) return undefined;
      if (now() > entry.nextUpdate) {
        entries.delete(url);
        return undefined;
      }
      return entry.bundle;
    },
    async set(url, bundle) {
      const updates = [bundle.baseCrl, ...(bundle.deltaCrl ? [bundle.deltaCrl] : [])].map((der) => parseCrl(der).nextUpdate?.getTime() ?? 0);
      entries.delete(url);
      entries.set(url, { bundle, nextUpdate: Math.min(...updates) });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
  };
}

/** The revocation checker of a verifier for the chosen mode. */
export async function createAdmissionRevocationChecker(options: AdmissionRevocationOptions, certificateCache = new CertificateCache()): Promise<RevocationChecker> {
  if (options.mode === 'offline') return offlineRevocationChecker;
  const log = options.logger ?? silentAdmissionLogger;
  const logger: RevocationLogger = {
    debug: (message) => log('debug', message),
    info: (message) => log('info', message),
    warn: (message) => log('warn', message),
    error: (message) => log('error', message),
  };
  const now = options.now ?? Date.now;
  let crlCache: CrlCache;
  if (options.crlCacheDir !== undefined) {
    crlCache = await createCrlFileCache(options.crlCacheDir, {
      logger,
      now: () => new Date(now()),
      onFirstError: (warning) => log('warn', warning),
    });
  } else {
    crlCache = memoryCrlCache(options.crlCacheEntries, now);
  }
  return createRevocationChecker({
    fetcher: createRevocationFetcher({ userAgent: 'portcullis-admission' }),
    clock: { now },
    crlCache,
    ...(options.ocspTimeoutMs !== undefined && { ocspTimeoutMs: options.ocspTimeoutMs }),
    ...(options.crlTimeoutMs !== undefined && { crlTimeoutMs: options.crlTimeoutMs }),
    logger,
    certificateCache,
  });
}
