/**
 * node:http(s) adapters for the network ports of `pki`: the TSA poster (RFC 3161 over HTTP) and
 * the revocation fetcher (OCSP GET/POST, CRL GET). Each request has a deadline and a body cap: the
 * body is read to at most `maxBytes + 1` bytes, then the connection is dropped, so a hostile
 * server cannot make us buffer more. No redirects are followed (Go's default client follows them,
 * but OCSP/CRL/TSA endpoints do not use them and following would widen the attack surface).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HttpPoster, HttpPostResponse } from '../pki/timestamp/index.js';
import type { RevocationFetcher, RevocationHttpRequest, RevocationHttpResponse } from '../pki/revocation/index.js';

export interface HttpAdapterOptions {
  /** Rewrites a URL before connecting (tests map `http://localhost:10086/...` to a loopback server). */
  readonly resolveUrl?: (url: string) => string;
  /** Sent as User-Agent. */
  readonly userAgent?: string;
  /** Told about every exchange (Notation prints them with `-d`). */
  readonly trace?: HttpTrace;
}

/** Headers as Go's `http.Header` holds them: canonical names (`Content-Type`), values joined with `, `. */
export type TraceHeaders = Readonly<Record<string, string>>;

/** Hooks for an HTTP debug log; `id` pairs a request with its response or error. */
export interface HttpTrace {
  request?(event: { readonly id: number; readonly method: string; readonly url: string; readonly headers: TraceHeaders }): void;
  response?(event: { readonly id: number; readonly method: string; readonly url: string; readonly status: string; readonly headers: TraceHeaders }): void;
  error?(event: { readonly id: number; readonly method: string; readonly url: string; readonly error: Error }): void;
}

/** Go's `textproto.CanonicalMIMEHeaderKey`: `content-type` → `Content-Type`. */
function canonicalHeaderName(name: string): string {
  return name
    .split('-')
    .map((part) => (part === '' ? part : part[0]!.toUpperCase() + part.slice(1).toLowerCase()))
    .join('-');
}

function traceHeaders(headers: Record<string, string | string[] | number | undefined>): TraceHeaders {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[canonicalHeaderName(name)] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

let exchangeCounter = 0;

/** A transport failure; `code` is `ETIMEDOUT` when the deadline passed. */
export class HttpTransportError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = code === 'ETIMEDOUT' ? 'TimeoutError' : 'HttpTransportError';
  }
}

interface Exchange {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

function exchange(options: HttpAdapterOptions, ask: Exchange): Promise<{ status: number; contentType: string; body: Uint8Array }> {
  const target = new URL(options.resolveUrl ? options.resolveUrl(ask.url) : ask.url);
  const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
  if (!send) return Promise.reject(new HttpTransportError(`unsupported protocol scheme "${target.protocol.slice(0, -1)}"`));
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, value?: { status: number; contentType: string; body: Uint8Array }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        options.trace?.error?.({ id, method: ask.method, url: ask.url, error });
        reject(error);
      } else resolve(value!);
    };
    const headers: Record<string, string> = { ...ask.headers };
    if (options.userAgent) headers['User-Agent'] = options.userAgent;
    if (ask.body) headers['Content-Length'] = String(ask.body.length);
    const id = exchangeCounter++;
    const trace = options.trace;
    trace?.request?.({ id, method: ask.method, url: ask.url, headers: traceHeaders(headers) });
    const req = send(target, { method: ask.method, headers }, (res: IncomingMessage) => {
      trace?.response?.({ id, method: ask.method, url: ask.url, status: `${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trimEnd(), headers: traceHeaders(res.headers) });
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = ask.maxBytes + 1 - size;
        if (chunk.length >= room) {
          chunks.push(chunk.subarray(0, room));
          size += room;
          req.destroy();
          finish(undefined, { status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: new Uint8Array(Buffer.concat(chunks)) });
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: new Uint8Array(Buffer.concat(chunks)) }));
      res.on('error', (error) => finish(new HttpTransportError(error.message, (error as NodeJS.ErrnoException).code, { cause: error })));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(new HttpTransportError(`context deadline exceeded (Client.Timeout exceeded after ${ask.timeoutMs} ms)`, 'ETIMEDOUT'));
    }, ask.timeoutMs);
    req.on('error', (error) => finish(new HttpTransportError(error.message, (error as NodeJS.ErrnoException).code, { cause: error })));
    req.end(ask.body ? Buffer.from(ask.body) : undefined);
  });
}

/** The TSA poster port over node:http(s). */
export function createHttpPoster(options: HttpAdapterOptions = {}): HttpPoster {
  return async (url, body, contentType, timeoutMs, maxBytes): Promise<HttpPostResponse> =>
    exchange(options, { method: 'POST', url, headers: { 'Content-Type': contentType }, body, timeoutMs, maxBytes });
}

/** The revocation fetcher port (OCSP and CRL) over node:http(s). */
export function createRevocationFetcher(options: HttpAdapterOptions = {}): RevocationFetcher {
  return async (request: RevocationHttpRequest): Promise<RevocationHttpResponse> =>
    exchange(options, {
      method: request.method,
      url: request.url,
      headers: request.contentType ? { 'Content-Type': request.contentType } : {},
      ...(request.body ? { body: request.body } : {}),
      timeoutMs: request.timeoutMs,
      maxBytes: request.maxBytes,
    });
}
