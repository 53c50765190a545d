/**
 * The network side of Notation's sign and verify commands, as notaryproject/notation wires it
 * (internal/revocation `NewRevocationValidator`, cmd/notation/sign.go timestamping, internal/trace):
 *
 * - revocation: OCSP (2 s) with CRL fallback (5 s), CRLs cached in `$NOTATION_CACHE/crl`;
 *   a cache that cannot be created is a warning (`Warning: failed to create crl file cache: …`),
 *   a cache error during a check is discarded with `Warning: CRL cache error discarded. …` (once)
 *   and its detail at debug level;
 * - timestamping: RFC 3161 over HTTP (15 s) against the `--timestamp-root-cert` root, with the TSA
 *   chain's revocation checked as for verification;
 * - `-d` traces every OCSP, CRL and TSA exchange as Notation's debug transport does
 *   (`> Request: "GET" "http://…"`, `< Response status: "200 OK"`, headers).
 */
import { readFile } from 'node:fs/promises';
import { createCrlFileCache } from '../../config/crl-file-cache.js';
import type { NotationPaths } from '../../config/index.js';
import { UsageError } from '../../errors.js';
import type { Timestamper } from '../../envelope/index.js';
import { createHttpPoster, createRevocationFetcher, type HttpTrace, type TraceHeaders } from '../../fetcher/http.js';
import { goQuote } from '../../gocompat/index.js';
import {
  DEFAULT_TSA_TIMEOUT_MS,
  checkSignatureFrom,
  checkTsaUrl,
  createHttpTimestamper,
  createTsaRevocationCheck,
  parseCertificate,
  type Certificate,
  type CertificateCache,
  type CrlCache,
  type RevocationFetcher,
  type RevocationLogger,
} from '../../pki/index.js';
import { readCertificateFile } from '../../trust/index.js';
import { createRevocationChecker, type RevocationChecker } from '../../verify/index.js';
import type { CliContext } from '../context.js';
import type { LevelLogger } from '../notation-shell.js';

/** Notation's OCSP and CRL client timeouts (internal/revocation). */
export const OCSP_TIMEOUT_MS = 2_000;
export const CRL_TIMEOUT_MS = 5_000;

/** What the revocation checks of one command share: the network, the CRL cache and the log. */
export interface RevocationPorts {
  readonly fetcher: RevocationFetcher;
  readonly crlCache?: CrlCache;
  readonly logger: RevocationLogger;
}

/** Notation's logrus line for headers: `   "Name": "value"` per header, or `   Empty header`. */
function headerLines(headers: TraceHeaders): string {
  const lines = Object.entries(headers).map(([name, value]) => `   ${goQuote(name)}: ${goQuote(name.toLowerCase() === 'authorization' ? '*****' : value)}`);
  return lines.length > 0 ? lines.join('\n') : '   Empty header';
}

/** Notation's debug HTTP transport (internal/trace/transport.go), on at `-d` only. */
export function notationHttpTrace(log: LevelLogger): HttpTrace | undefined {
  if (!log.debug) return undefined;
  return {
    request: ({ id, method, url, headers }) =>
      log.debug!(`Request #${id}\n> Request: ${goQuote(method)} ${goQuote(url)}\n> Request headers:\n${headerLines(headers)}`),
    response: ({ id, status, headers }) => log.debug!(`Response #${id}\n< Response status: ${goQuote(status)}\n< Response headers:\n${headerLines(headers)}`),
    error: ({ error }) => log.error?.(`Error in getting response: ${error.message}`),
  };
}

function revocationLogger(log: LevelLogger): RevocationLogger {
  return {
    debug: (message) => log.debug?.(message),
    info: (message) => log.info?.(message),
    warn: (message) => log.warn?.(message),
    error: (message) => log.error?.(message),
  };
}

/**
 * The fetcher and CRL file cache of one command run. A cache directory that cannot be created
 * prints Notation's warning and the run continues without a cache.
 */
export async function notationRevocationPorts(context: CliContext, paths: NotationPaths, log: LevelLogger): Promise<RevocationPorts> {
  const logger = revocationLogger(log);
  const trace = notationHttpTrace(log);
  const fetcher = createRevocationFetcher({ userAgent: 'portcullis', ...(trace && { trace }) });
  try {
    const crlCache = await createCrlFileCache(paths.crlCacheDir, {
      logger,
      onFirstError: (warning) => context.stderr.write(`Warning: ${warning}\n`),
    });
    return { fetcher, crlCache, logger };
  } catch (error) {
    context.stderr.write(`Warning: ${(error as Error).message}\n`);
    return { fetcher, logger };
  }
}

/** The revocation checker of `verify` and `blob verify`: code signing and timestamping chains. */
export function notationRevocationChecker(ports: RevocationPorts, certificateCache: CertificateCache): RevocationChecker {
  return createRevocationChecker({
    fetcher: ports.fetcher,
    clock: { now: () => Date.now() },
    ...(ports.crlCache && { crlCache: ports.crlCache }),
    ocspTimeoutMs: OCSP_TIMEOUT_MS,
    crlTimeoutMs: CRL_TIMEOUT_MS,
    logger: ports.logger,
    certificateCache,
  });
}

function goOpenError(shown: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
  return `${code === 'EISDIR' ? 'read' : 'open'} ${shown}: ${reason}`;
}

/**
 * Notation's `NewRootCertPool` for `--timestamp-root-cert`: exactly one certificate, self-issued
 * and self-signed. Returns it parsed.
 */
export async function readTimestampRootCertificate(path: string, shown: string): Promise<Certificate> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(goOpenError(shown, error), { cause: error });
  }
  const certificates = readCertificateFile(bytes);
  if (certificates.length === 0) {
    throw new UsageError(`cannot find any certificate from ${goQuote(shown)}. Expecting single x509 root certificate in PEM or DER format from the file`);
  }
  if (certificates.length > 1) {
    throw new UsageError(`found more than one certificates from ${goQuote(shown)}. Expecting single x509 root certificate in PEM or DER format from the file`);
  }
  const certificate = parseCertificate(certificates[0]!);
  const problem = checkSignatureFrom(certificate, certificate);
  if (problem !== undefined) throw new UsageError(`failed to check root certificate with error: ${problem}`);
  if (Buffer.compare(Buffer.from(certificate.rawSubject), Buffer.from(certificate.rawIssuer)) !== 0) {
    throw new UsageError(`certificate from ${goQuote(shown)} is not a root certificate. Expecting single x509 root certificate in PEM or DER format from the file`);
  }
  return certificate;
}

/**
 * `--timestamp-url` / `--timestamp-root-cert` as Notation's sign commands prepare them: the URL is
 * checked (`cannot get http timestamper for timestamping: …`), the root read, and the TSA chain of
 * every answer verified against it now and checked for revocation.
 */
export async function notationTimestamper(
  options: { readonly url: string; readonly rootCertificatePath: string; readonly rootCertificateShown: string },
  context: CliContext,
  paths: NotationPaths,
  log: LevelLogger,
  certificateCache: CertificateCache,
): Promise<Timestamper> {
  log.info?.(`Configured to timestamp with TSA ${goQuote(options.url)}`);
  try {
    checkTsaUrl(options.url);
  } catch (error) {
    throw new UsageError(`cannot get http timestamper for timestamping: ${(error as Error).message}`, { cause: error });
  }
  const root = await readTimestampRootCertificate(options.rootCertificatePath, options.rootCertificateShown);
  const ports = await notationRevocationPorts(context, paths, log);
  const trace = notationHttpTrace(log);
  const now = (): Date => new Date();
  return createHttpTimestamper({
    url: options.url,
    post: createHttpPoster({ userAgent: 'portcullis', ...(trace && { trace }) }),
    trustedRoots: [root],
    now,
    timeoutMs: DEFAULT_TSA_TIMEOUT_MS,
    checkRevocation: createTsaRevocationCheck({
      fetcher: ports.fetcher,
      now,
      ...(ports.crlCache && { crlCache: ports.crlCache }),
      ocspTimeoutMs: OCSP_TIMEOUT_MS,
      crlTimeoutMs: CRL_TIMEOUT_MS,
      logger: ports.logger,
      certificateCache,
    }),
    cache: certificateCache,
  });
}
