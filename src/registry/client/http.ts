import { Readable } from 'node:stream';
import type { Agent } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import type { ContentStream } from '../../content/index.js';
import { RegistryError } from '../../errors.js';
import type { RequestListener } from './logger.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request to a registry or an auth realm. */
export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: URL;
  /** Lowercase names. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A buffer can be sent again (retries, auth challenges, redirects); a stream only once. */
  readonly body?: Uint8Array | ContentStream;
  /**
   * What this request does, phrased to follow "failed to": `resolve localhost:5000/app:v1`.
   * Every error raised on its way names it.
   */
  readonly operation: string;
  /**
   * A POST or PATCH that may be sent twice without harm. Opening an upload session at worst leaves
   * an orphan session; a repeated chunk is caught by the 416 recovery of chunked uploads.
   */
  readonly retrySafe?: boolean;
}

/** What `exchange` hands back: the body is unread and must be consumed or dumped by the caller. */
export interface HttpResponse {
  readonly status: number;
  /** The URL that answered, after redirects: relative `Location` and `Link` values resolve against it. */
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: ResponseBody;
}

export interface ResponseBody extends AsyncIterable<Uint8Array> {
  /** Reads and discards what is left (bounded), so the connection can be reused. */
  dump(): Promise<void>;
  destroy(error?: Error): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface TransportOptions {
  /** TCP (and TLS) connect timeout. */
  readonly connectTimeoutMs: number;
  /** Time from sending the request to the end of the response headers. */
  readonly headersTimeoutMs: number;
  /** Longest silence between two chunks of a response body: a stalled blob download fails instead of hanging. */
  readonly bodyIdleTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Connections kept per origin. */
  readonly connectionsPerOrigin: number;
  readonly userAgent: string;
  /** Extra CA certificates (PEM) for registries with a private CA. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  readonly onRequest?: RequestListener;
}

/** Redirect hops followed for one request before giving up: real registries use one (to blob storage). */
const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Sends requests over one keep-alive connection pool per origin (undici Agent), follows redirects
 * for reads, and never carries `Authorization` to another origin: registries redirect blob
 * downloads to object storage, which must not see the registry credentials.
 */
export class HttpTransport {
  /** Made on the first request: loading undici costs ~60 ms, which commands that never reach a registry should not pay. */
  private pool: Promise<{ agent: Agent; request: typeof import('undici').request }> | undefined;
  private readonly options: TransportOptions;

  constructor(options: TransportOptions) {
    this.options = options;
  }

  private connectionPool(): Promise<{ agent: Agent; request: typeof import('undici').request }> {
    this.pool ??= import('undici').then(({ Agent: UndiciAgent, request }) => ({
      request,
      agent: new UndiciAgent({
        connect: { timeout: this.options.connectTimeoutMs, ...(this.options.ca !== undefined && { ca: toMutableCa(this.options.ca) }) },
        headersTimeout: this.options.headersTimeoutMs,
        bodyTimeout: this.options.bodyIdleTimeoutMs,
        keepAliveTimeout: this.options.keepAliveTimeoutMs,
        connections: this.options.connectionsPerOrigin,
      }),
    }));
    return this.pool;
  }

  async exchange(request: HttpRequest): Promise<HttpResponse> {
    let current = request;
    for (let hop = 0; ; hop += 1) {
      const response = await this.send(current);
      const location = headerValue(response.headers, 'location');
      const follows = REDIRECT_STATUSES.has(response.status) && location !== undefined && isRead(current.method);
      if (!follows) return response;
      await response.body.dump();
      if (hop >= MAX_REDIRECTS) {
        throw new RegistryError('ERR_REGISTRY_REQUEST_FAILED', `failed to ${request.operation}: more than ${MAX_REDIRECTS} redirects`);
      }
      current = redirected(current, response.url, location);
    }
  }

  async close(): Promise<void> {
    if (this.pool !== undefined) await (await this.pool).agent.close();
  }

  private async send(request: HttpRequest): Promise<HttpResponse> {
    const headers = { 'user-agent': this.options.userAgent, ...request.headers };
    const started = performance.now();
    try {
      const { agent, request: undiciRequest } = await this.connectionPool();
      const response = await undiciRequest(request.url, {
        dispatcher: agent,
        method: request.method,
        headers,
        body: toRequestBody(request.body),
      });
      this.report(request, headers, started, response.statusCode, response.headers);
      return { status: response.statusCode, url: request.url, headers: response.headers, body: response.body };
    } catch (error) {
      this.report(request, headers, started, undefined, {}, error);
      throw networkError(request.operation, error);
    }
  }

  private report(
    request: HttpRequest,
    headers: Record<string, string>,
    started: number,
    status: number | undefined,
    responseHeaders: IncomingHttpHeaders,
    error?: unknown,
  ): void {
    this.options.onRequest?.({
      method: request.method,
      url: request.url.href,
      ...(status !== undefined && { status }),
      durationMs: performance.now() - started,
      requestHeaders: redact(headers),
      responseHeaders,
      ...(error !== undefined && { error }),
    });
  }
}

function toMutableCa(ca: NonNullable<TransportOptions['ca']>): string | Buffer | Array<string | Buffer> {
  return typeof ca === 'string' || Buffer.isBuffer(ca) ? ca : [...ca];
}

function isRead(method: HttpMethod): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** The request to send after a redirect: same method, Authorization kept only on the same origin. */
function redirected(request: HttpRequest, from: URL, location: string): HttpRequest {
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `failed to ${request.operation}: invalid redirect "${location}"`);
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `failed to ${request.operation}: redirect to a ${target.protocol} URL`);
  }
  if (from.protocol === 'https:' && target.protocol === 'http:') {
    // A downgrade would expose the content (and any signed URL) to the network.
    throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `failed to ${request.operation}: redirect from HTTPS to plain HTTP`);
  }
  const headers = { ...request.headers };
  if (target.origin !== from.origin) delete headers.authorization;
  return { ...request, url: target, headers };
}

function toRequestBody(body: Uint8Array | ContentStream | undefined): Uint8Array | Readable | undefined {
  if (body === undefined || body instanceof Uint8Array) return body;
  return Readable.from(body, { objectMode: false });
}

const TIMEOUT_CODES: Readonly<Record<string, string>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for response headers',
  UND_ERR_BODY_TIMEOUT: 'timed out waiting for the response body',
};

/** Wraps a transport failure (refused, reset, timeout) so it names the operation; the original stays as `cause`. */
export function networkError(operation: string, error: unknown): RegistryError {
  if (error instanceof RegistryError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const reason = (typeof code === 'string' && TIMEOUT_CODES[code]) || (error instanceof Error ? error.message : String(error));
  return new RegistryError('ERR_REGISTRY_UNAVAILABLE', `failed to ${operation}: ${reason}`, { cause: error });
}

export function redact(headers: Readonly<Record<string, string>>): Record<string, string> {
  const copy = { ...headers };
  if (copy.authorization !== undefined) copy.authorization = `${copy.authorization.split(' ')[0] ?? ''} [redacted]`;
  return copy;
}

/** The first value of a response header. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a response header that may be repeated (WWW-Authenticate, Link). */
export function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value];
}

/** `Content-Type` without parameters, lowercased: `application/json; charset=utf-8` → `application/json`. */
export function mediaTypeOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headerValue(headers, 'content-type');
  if (value === undefined) return undefined;
  const bare = value.split(';')[0]!.trim().toLowerCase();
  return bare === '' ? undefined : bare;
}

/** `Content-Length` as a number, or undefined when absent or not a plain non-negative integer. */
export function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const value = headerValue(headers, 'content-length');
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
