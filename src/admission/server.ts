/**
 * `portcullis admission serve`: the HTTPS shell. node:https, no framework: each handler reads a
 * bounded body, parses it into a typed request, calls the controller and writes JSON.
 *
 * | route | answer |
 * |---|---|
 * | POST /validate | AdmissionReview v1 (validating webhook) |
 * | POST /mutate | AdmissionReview v1 with a JSONPatch pinning verified images to `name:tag@sha256:…` |
 * | POST /gatekeeper/verify, /gatekeeper/mutate | Gatekeeper external data ProviderResponse |
 * | GET /healthz | 200 while the process serves |
 * | GET /readyz | 200 once trust material (and the policy) loaded; the body reports every source |
 * | GET /metrics | Prometheus text format |
 *
 * The certificate and key are reloaded when their files change (cert-manager and kubelet rotate
 * them in place); a pair that does not load keeps the previous one.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { isPortcullisError } from '../errors.js';
import type { Endpoint } from './controller.js';
import { AdmissionError } from './errors.js';
import { watchPaths, type Watching } from './file-watch.js';
import { gatekeeperMutate, gatekeeperVerify, parseProviderRequest, providerResponse } from './gatekeeper.js';
import { MAX_REVIEW_BYTES } from './limits.js';
import { errorMessage, silentAdmissionLogger, type AdmissionLogger } from './log.js';
import { METRICS_CONTENT_TYPE } from './metrics.js';
import { parseAdmissionReview } from './review-types.js';
import { createAdmissionRuntime, type AdmissionRuntime, type AdmissionRuntimeOptions } from './runtime.js';

export interface AdmissionServerOptions extends AdmissionRuntimeOptions {
  /** Default 0.0.0.0 (a webhook is reached through its Service). */
  readonly host?: string;
  /** Default 8443; 0 picks a free port. */
  readonly port?: number;
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
}

export interface RunningAdmissionServer {
  /** `https://host:port` */
  readonly url: string;
  readonly port: number;
  readonly runtime: AdmissionRuntime;
  reloadCertificate(): Promise<boolean>;
  close(): Promise<void>;
}

type Route = 'validate' | 'mutate' | 'gatekeeper-verify' | 'gatekeeper-mutate' | 'healthz' | 'readyz' | 'metrics';

const ROUTES: Readonly<Record<string, { method: 'GET' | 'POST'; route: Route }>> = {
  '/validate': { method: 'POST', route: 'validate' },
  '/mutate': { method: 'POST', route: 'mutate' },
  '/gatekeeper/verify': { method: 'POST', route: 'gatekeeper-verify' },
  '/gatekeeper/mutate': { method: 'POST', route: 'gatekeeper-mutate' },
  '/healthz': { method: 'GET', route: 'healthz' },
  '/readyz': { method: 'GET', route: 'readyz' },
  '/metrics': { method: 'GET', route: 'metrics' },
};

export async function startAdmissionServer(options: AdmissionServerOptions): Promise<RunningAdmissionServer> {
  const logger = options.logger ?? silentAdmissionLogger;
  const tls = await readKeyPair(options.tlsCertFile, options.tlsKeyFile);
  const runtime = await createAdmissionRuntime(options);
  const server: Server = createServer({ ...tls, minVersion: 'TLSv1.2' }, (req, res) => handle(req, res, runtime, logger));
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // The API server keeps connections to webhooks open; closing them sooner costs a TLS handshake per review.
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (_error, socket) => socket.destroy());

  const reloadCertificate = async (): Promise<boolean> => {
    try {
      const pair = await readKeyPair(options.tlsCertFile, options.tlsKeyFile);
      server.setSecureContext({ ...pair, minVersion: 'TLSv1.2' });
      runtime.status.set('tlsCertificate', { ok: true, loadedAt: new Date().toISOString() });
      runtime.metrics.configReloads.inc({ source: 'tlsCertificate', result: 'success' });
      runtime.metrics.configValid.set({ source: 'tlsCertificate' }, 1);
      logger('info', 'TLS certificate loaded', { cert: options.tlsCertFile });
      return true;
    } catch (error) {
      const previous = runtime.status.get('tlsCertificate');
      runtime.status.set('tlsCertificate', { ok: false, ...(previous?.loadedAt && { loadedAt: previous.loadedAt }), error: errorMessage(error) });
      runtime.metrics.configReloads.inc({ source: 'tlsCertificate', result: 'failure' });
      runtime.metrics.configValid.set({ source: 'tlsCertificate' }, 0);
      logger('error', 'TLS certificate reload failed; keeping the previous one', { error: errorMessage(error) });
      return false;
    }
  };
  runtime.status.set('tlsCertificate', { ok: true, loadedAt: new Date().toISOString() });
  runtime.metrics.configValid.set({ source: 'tlsCertificate' }, 1);
  const watchers: Watching[] = [];
  if (options.watch ?? true) {
    const watchOptions = { ...(options.watchDebounceMs !== undefined && { debounceMs: options.watchDebounceMs }), ...(options.watchPollMs !== undefined && { pollMs: options.watchPollMs }) };
    watchers.push(watchPaths([options.tlsCertFile, options.tlsKeyFile], () => void reloadCertificate(), watchOptions));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8443, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await runtime.close();
    throw new AdmissionError('ERR_ADMISSION_CONFIG', `cannot listen on ${options.host ?? '0.0.0.0'}:${options.port ?? 8443}: ${errorMessage(error)}`, { cause: error });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `https://${host}:${address.port}`;
  logger('info', 'listening', { url, ready: runtime.ready(), cache: runtime.cacheStatus() });
  return {
    url,
    port: address.port,
    runtime,
    reloadCertificate,
    async close() {
      for (const watcher of watchers) watcher.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      });
      await runtime.close();
      logger('info', 'stopped', { url });
    },
  };
}

async function readKeyPair(certFile: string, keyFile: string): Promise<{ cert: Buffer; key: Buffer }> {
  let cert: Buffer;
  let key: Buffer;
  try {
    [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
  } catch (error) {
    throw new AdmissionError('ERR_ADMISSION_CONFIG', `cannot read the TLS certificate or key: ${errorMessage(error)}`, { cause: error });
  }
  try {
    // Throws when the files are not PEM or the key does not match the certificate.
    createSecureContext({ cert, key });
  } catch (error) {
    throw new AdmissionError('ERR_ADMISSION_CONFIG', `invalid TLS certificate or key (${certFile}, ${keyFile}): ${errorMessage(error)}`, { cause: error });
  }
  return { cert, key };
}

function handle(req: IncomingMessage, res: ServerResponse, runtime: AdmissionRuntime, logger: AdmissionLogger): void {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const entry = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
  if (entry === undefined) return sendJson(res, 404, { error: `no route ${path.slice(0, 100)}` });
  if (req.method !== entry.method && !(entry.method === 'GET' && req.method === 'HEAD')) {
    res.setHeader('allow', entry.method);
    return sendJson(res, 405, { error: `${req.method ?? ''} is not allowed on ${path}; use ${entry.method}` });
  }
  switch (entry.route) {
    case 'healthz':
      return sendJson(res, 200, { status: 'ok' });
    case 'readyz': {
      const ready = runtime.ready();
      return sendJson(res, ready ? 200 : 503, {
        ready,
        trustMaterialVersion: runtime.controller.state.trustMaterial?.version,
        cache: runtime.cacheStatus(),
        sources: Object.fromEntries(runtime.status),
      });
    }
    case 'metrics':
      res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
      res.end(runtime.metrics.render());
      return;
    default:
      break;
  }
  const started = performance.now();
  const endpointLabel = entry.route;
  const gatekeeper = entry.route === 'gatekeeper-verify' || entry.route === 'gatekeeper-mutate';
  const fail = (status: number, error: unknown): void => {
    const message = errorMessage(error);
    const decision = status === 400 ? 'invalid' : 'error';
    runtime.metrics.requests.inc({ endpoint: endpointLabel, decision });
    runtime.metrics.requestDuration.observe({ endpoint: endpointLabel, decision }, (performance.now() - started) / 1000);
    logger(status === 400 ? 'warn' : 'error', 'request refused', {
      endpoint: endpointLabel,
      status,
      error: message,
      ...(isPortcullisError(error) && { code: error.code }),
    });
    if (gatekeeper) sendJson(res, status, providerResponse([], entry.route === 'gatekeeper-mutate', message));
    else sendJson(res, status, { error: message });
  };
  const failed = (error: unknown): void => {
    const invalid = error instanceof AdmissionError && (error.code === 'ERR_ADMISSION_REQUEST_INVALID' || error.code === 'ERR_ADMISSION_REQUEST_TOO_LARGE');
    fail(invalid ? 400 : 500, error);
  };
  readBody(req, MAX_REVIEW_BYTES, (error, body) => {
    if (body === undefined) {
      fail(400, error);
      // The rest of an oversized body is not read: close the connection instead of draining it.
      res.once('finish', () => req.destroy());
      return;
    }
    try {
      if (gatekeeper) {
        const request = parseProviderRequest(body);
        const answer = entry.route === 'gatekeeper-verify' ? gatekeeperVerify(runtime.controller, request) : gatekeeperMutate(runtime.controller, request);
        answer
          .then((response) => {
            const decision = response.response.systemError ? 'error' : 'answered';
            runtime.metrics.requests.inc({ endpoint: endpointLabel, decision });
            runtime.metrics.requestDuration.observe({ endpoint: endpointLabel, decision }, (performance.now() - started) / 1000);
            sendJson(res, 200, response);
          })
          .catch(failed);
        return;
      }
      const review = parseAdmissionReview(body);
      // Synchronous on the warm path: the answer is written in the same turn as the body's last byte was read.
      const response = runtime.controller.answer(review, entry.route as Endpoint);
      if (response instanceof Promise) response.then((answer) => sendJson(res, 200, answer)).catch(failed);
      else sendJson(res, 200, response);
    } catch (caught) {
      failed(caught);
    }
  });
}

/** Reads a body of at most `maxBytes`, refusing early on a larger Content-Length; calls back once, with the body or the error. */
function readBody(req: IncomingMessage, maxBytes: number, done: (error: unknown, body?: Buffer) => void): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    done(new AdmissionError('ERR_ADMISSION_REQUEST_TOO_LARGE', `request body is ${declared} bytes, more than the limit of ${maxBytes}`));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > maxBytes) {
      finished = true;
      req.pause();
      done(new AdmissionError('ERR_ADMISSION_REQUEST_TOO_LARGE', `request body is more than the limit of ${maxBytes} bytes`));
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (!finished) {
      finished = true;
      done(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    }
  });
  req.on('error', (error) => {
    if (!finished) {
      finished = true;
      done(error);
    }
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
