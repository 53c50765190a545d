/**
 * Downloading a plugin source over HTTPS (the notation CLI's `DownloadPluginFromURL`): one GET,
 * redirects followed (HTTPS only, at most 10, as Go's client), a 10-minute deadline for the whole
 * exchange, and a body that must stay below 256 MiB. The body is streamed to a new file; the
 * caller checks the SHA-256 and installs from it.
 *
 * Go's client would follow a redirect to plain HTTP; this one refuses, so the transport stays
 * authenticated even though the checksum already pins the content.
 */
import { createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PluginError } from '../errors.js';
import { goQuote } from '../gocompat/index.js';
import { MAX_PLUGIN_SOURCE_BYTES } from '../limits.js';

/** notation's `DownloadPluginFromURLTimeout`. */
export const PLUGIN_DOWNLOAD_TIMEOUT_MS = 10 * 60 * 1000;
/** Go's http.Client default. */
export const MAX_PLUGIN_DOWNLOAD_REDIRECTS = 10;

export interface DownloadOptions {
  /** Default {@link PLUGIN_DOWNLOAD_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** The body must be strictly smaller; default {@link MAX_PLUGIN_SOURCE_BYTES}. */
  readonly maxBytes?: number;
  readonly userAgent?: string;
  /** Extra trust anchors (PEM), for tests against a loopback server. */
  readonly ca?: string | Buffer;
}

const failed = (message: string, cause?: unknown): PluginError =>
  new PluginError('ERR_PLUGIN_DOWNLOAD_FAILED', message, cause === undefined ? undefined : { cause });

/** Go's net/http error text for a transport failure (`dial tcp: lookup x: no such host`, ...). */
function transportReason(error: NodeJS.ErrnoException, url: URL): string {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || '443';
  switch (error.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host}: no such host`;
    case 'ECONNREFUSED':
      return `dial tcp ${host}:${port}: connect: connection refused`;
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'ETIMEDOUT':
      return `dial tcp ${host}:${port}: i/o timeout`;
    default:
      if (typeof error.code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ALTNAME/.test(error.code)) {
        return `tls: failed to verify certificate: x509: ${error.message}`;
      }
      return error.message;
  }
}

/** Counts body bytes and fails at the cap (the body must be strictly smaller). */
class LimitTransform extends Transform {
  #seen = 0;
  readonly #max: number;
  readonly #url: string;
  constructor(max: number, url: string) {
    super();
    this.#max = max;
    this.#url = url;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen >= this.#max) {
      callback(
        new PluginError('ERR_PLUGIN_SIZE_EXCEEDED', `GET ${goQuote(this.#url)}: https response reached the ${Math.floor(this.#max / (1024 * 1024))} MiB size limit`),
      );
      return;
    }
    callback(null, chunk);
  }
}

function get(url: URL, options: DownloadOptions, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        signal,
        headers: { 'User-Agent': options.userAgent ?? 'portcullis', Accept: '*/*' },
        ...(options.ca !== undefined && { ca: options.ca }),
      },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Downloads `url` into `destination` (created; must not exist).
 * @throws PluginError `ERR_PLUGIN_DOWNLOAD_FAILED` | `ERR_PLUGIN_SIZE_EXCEEDED`, messages in Go's
 *   form (`Get "<url>": ...`, `GET "<url>": https response bad status: 404 Not Found`)
 */
export async function downloadPluginSource(url: string, destination: string, options: DownloadOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? PLUGIN_DOWNLOAD_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? MAX_PLUGIN_SOURCE_BYTES;
  const controller = new AbortController();
  let timedOut = false;
  let readingBody = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const timeoutText = (): string =>
    readingBody ? 'context deadline exceeded (Client.Timeout or context cancellation while reading body)' : 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
  try {
    let current: URL;
    try {
      current = new URL(url);
    } catch (error) {
      throw failed(`parse ${goQuote(url)}: invalid URL`, error);
    }
    let response: IncomingMessage | undefined;
    for (let redirects = 0; ; redirects++) {
      if (current.protocol !== 'https:') {
        throw failed(`Get ${goQuote(current.href)}: redirect to a non-HTTPS URL is not allowed`);
      }
      try {
        response = await get(current, options, controller.signal);
      } catch (error) {
        if (timedOut) throw failed(`Get ${goQuote(url)}: ${timeoutText()}`, error);
        throw failed(`Get ${goQuote(url)}: ${transportReason(error as NodeJS.ErrnoException, current)}`, error);
      }
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && location !== undefined) {
        response.resume();
        if (redirects + 1 > MAX_PLUGIN_DOWNLOAD_REDIRECTS) throw failed(`Get ${goQuote(current.href)}: stopped after ${MAX_PLUGIN_DOWNLOAD_REDIRECTS} redirects`);
        try {
          current = new URL(location, current);
        } catch (error) {
          throw failed(`Get ${goQuote(current.href)}: failed to parse Location header ${goQuote(location)}`, error);
        }
        continue;
      }
      if (status !== 200) {
        response.resume();
        throw failed(`GET ${goQuote(current.href)}: https response bad status: ${status} ${response.statusMessage ?? ''}`.trimEnd());
      }
      break;
    }
    readingBody = true;
    try {
      await pipeline(response, new LimitTransform(maxBytes, current.href), createWriteStream(destination, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      if (error instanceof PluginError) throw error;
      if (timedOut) throw failed(`Get ${goQuote(url)}: ${timeoutText()}`, error);
      throw failed(`Get ${goQuote(url)}: ${(error as Error).message}`, error);
    }
  } finally {
    clearTimeout(timer);
  }
}
