/**
 * A `Timestamper` (the envelope signing port) over an injected HTTP poster: RFC 3161 over HTTP
 * (RFC 3161 §3.4) as Notation signs with `--timestamp-url`/`--timestamp-root-cert`: POST the
 * TimeStampReq, validate the reply against the request, verify the token against the TSA root(s)
 * now, check the timestamping profile and, optionally, the TSA chain's revocation.
 *
 * @see notaryproject/tspclient-go http.go, notaryproject/notation-core-go internal/timestamp/timestamp.go
 */
import { PkiError, isPortcullisError } from '../../errors.js';
import { MAX_TSA_RESPONSE_BYTES } from '../../limits.js';
import type { CertificateCache } from '../cache.js';
import type { Certificate } from '../certificate.js';
import { validateTimestampingChain } from '../chain.js';
import { createTimestampRequest, MEDIA_TYPE_TIMESTAMP_QUERY, MEDIA_TYPE_TIMESTAMP_REPLY, parseTimestampResponse, tokenBytes, validateTimestampResponse } from './request.js';
import { verifySignedToken, type TimestampHash } from './token.js';

/** Notation's timeout for the TSA request (cmd/notation sign.go `timestampingTimeout`). */
export const DEFAULT_TSA_TIMEOUT_MS = 15_000;

export interface HttpPostResponse {
  readonly status: number;
  /** The Content-Type header value ('' when absent). */
  readonly contentType: string;
  /** At most `maxBytes + 1` bytes: an adapter stops reading past the cap so oversize is detectable. */
  readonly body: Uint8Array;
}

/**
 * The HTTP port: POST `body` with `contentType` to `url`, give up after `timeoutMs`, and read at
 * most `maxBytes + 1` bytes of the answer. Transport failures reject (the message is shown to the
 * user after `Post "<url>": `).
 */
export type HttpPoster = (url: string, body: Uint8Array, contentType: string, timeoutMs: number, maxBytes: number) => Promise<HttpPostResponse>;

/** What a revocation check of the TSA chain reports (see `checkRevocation` with purpose `timestamping`). */
export type TsaRevocationCheck = (tsaChain: readonly Certificate[]) => Promise<string | undefined>;

export interface HttpTimestamperOptions {
  /** TSA URL (`http` or `https`). */
  readonly url: string;
  readonly post: HttpPoster;
  /** The `--timestamp-root-cert` root(s) the token must chain to. */
  readonly trustedRoots: readonly Certificate[];
  /** Clock: the TSA chain must be valid now (Go verifies with the current time when signing). */
  readonly now: () => Date;
  /** Default 15 s (Notation). */
  readonly timeoutMs?: number;
  /** Optional TSA chain revocation check; a returned message fails timestamping. */
  readonly checkRevocation?: TsaRevocationCheck;
  readonly randomBytes?: (size: number) => Uint8Array;
  readonly cache?: CertificateCache;
}

/** Structurally the envelope's `Timestamper` port. */
export interface RequestTimestamper {
  timestamp(request: { readonly content: Uint8Array; readonly hashAlgorithm: TimestampHash }): Promise<Uint8Array>;
}

function failTimestamp(message: string, cause?: unknown): never {
  // notation-core-go wraps every timestamping failure as `timestamp: <detail>`.
  throw new PkiError('ERR_PKI_TSA_FAILED', `timestamp: ${message}`, { cause });
}

/** Validates a TSA URL the way tspclient-go's NewHTTPTimestamper does. */
export function checkTsaUrl(endpoint: string): URL {
  if (endpoint === '') throw new PkiError('ERR_PKI_TSA_FAILED', 'timestamping: tsa url cannot be empty');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (error) {
    throw new PkiError('ERR_PKI_TSA_FAILED', `endpoint "${endpoint}": invalid URL`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PkiError('ERR_PKI_TSA_FAILED', `endpoint "${endpoint}": scheme must be http or https, but got "${url.protocol.slice(0, -1)}"`);
  }
  if (url.host === '') throw new PkiError('ERR_PKI_TSA_FAILED', `endpoint "${endpoint}": host cannot be empty`);
  return url;
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates a Timestamper for `signEnvelope({timestamper})`. Each call returns the DER
 * TimeStampToken to embed, or throws PkiError ERR_PKI_TSA_FAILED whose message starts with
 * `timestamp: ` as Notation prints it (`timestamp: Post "http://localhost.test": ...`).
 *
 * @example
 * const timestamper = createHttpTimestamper({ url, post: createHttpPoster(), trustedRoots: [tsaRoot], now: () => new Date() });
 * await signEnvelope({ ..., timestamper });
 */
export function createHttpTimestamper(options: HttpTimestamperOptions): RequestTimestamper {
  const url = checkTsaUrl(options.url);
  const endpoint = options.url;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TSA_TIMEOUT_MS;
  if (options.trustedRoots.length === 0) throw new PkiError('ERR_PKI_TSA_FAILED', 'timestamping: tsa root certificate cannot be empty');
  return {
    async timestamp({ content, hashAlgorithm }) {
      const request = createTimestampRequest(content, hashAlgorithm, options.randomBytes ? { randomBytes: options.randomBytes } : {});
      let reply: HttpPostResponse;
      try {
        reply = await withTimeout(
          options.post(url.href, request.der, MEDIA_TYPE_TIMESTAMP_QUERY, timeoutMs, MAX_TSA_RESPONSE_BYTES),
          timeoutMs + 1000,
          () => new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)'),
        );
      } catch (error) {
        failTimestamp(`Post ${JSON.stringify(endpoint)}: ${(error as Error).message}`, error);
      }
      if (reply.status !== 200) failTimestamp(`POST ${JSON.stringify(endpoint)}: https response bad status: ${reply.status}`);
      if (reply.contentType !== MEDIA_TYPE_TIMESTAMP_REPLY) {
        failTimestamp(`POST ${JSON.stringify(endpoint)}: unexpected response content type: ${reply.contentType}`);
      }
      if (reply.body.length >= MAX_TSA_RESPONSE_BYTES) {
        failTimestamp(`POST ${JSON.stringify(endpoint)}: unexpected large http response, max response body size allowed is ${MAX_TSA_RESPONSE_BYTES / 1024 / 1024} MiB`);
      }
      let chain: Certificate[];
      let token: Uint8Array;
      try {
        const response = parseTimestampResponse(reply.body);
        const signed = validateTimestampResponse(response, request, options.cache);
        chain = verifySignedToken(signed, { roots: options.trustedRoots, at: options.now(), ...(options.cache ? { cache: options.cache } : {}) });
        validateTimestampingChain(chain, options.cache ? { cache: options.cache } : {});
        token = tokenBytes(response);
      } catch (error) {
        if (isPortcullisError(error)) failTimestamp(error.message, error);
        throw error;
      }
      if (options.checkRevocation) {
        const problem = await options.checkRevocation(chain);
        if (problem) failTimestamp(problem);
      }
      return token;
    },
  };
}
