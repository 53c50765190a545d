import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BasicAuthenticator, parseHtpasswd } from './auth.js';
import type { HandlerSettings } from './context.js';
import { dispatch } from './dispatch.js';
import { RegistryServerError, toRegistryServerError } from './errors.js';
import { sendError } from './http.js';
import { silentLogger, type Logger } from './log.js';
import { matchRoute, splitTarget } from './routes.js';
import { RegistryStorage } from './storage.js';

export interface RegistryServerOptions {
  /** Root directory of the registry's storage; created when missing. */
  readonly root: string;
  /** Address to listen on. Default 127.0.0.1: the registry is for this machine unless told otherwise. */
  readonly host?: string;
  /** Port; 0 picks a free one (see the returned url). Default 5000. */
  readonly port?: number;
  /** PEM certificate and key: serve HTTPS. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Path of an htpasswd file with bcrypt entries: require HTTP Basic authentication. */
  readonly htpasswdFile?: string;
  /** Refuse every write (405 UNSUPPORTED). */
  readonly readOnly?: boolean;
  /**
   * Mount without `from` (`POST …/uploads/?mount=<digest>`) links a blob held by any repository.
   * Off by default: it lets anyone who knows a digest take a blob out of another repository.
   */
  readonly anonymousMount?: boolean;
  /** Largest blob accepted. Default 16 GiB. */
  readonly maxBlobBytes?: number;
  /** Upload sessions idle longer than this are removed. Default 24 h. */
  readonly uploadTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface RunningRegistry {
  /** `http://127.0.0.1:<port>` (or https). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops accepting, lets requests in flight finish (up to a grace period) and closes. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BLOB_BYTES = 16 * 1024 ** 3;
const DEFAULT_UPLOAD_TIMEOUT_MS = 24 * 60 * 60 * 1000;
const SHUTDOWN_GRACE_MS = 5_000;
const EXPIRY_INTERVAL_MS = 10 * 60 * 1000;

/** Starts the embedded OCI registry. */
export async function startRegistry(options: RegistryServerOptions): Promise<RunningRegistry> {
  const logger = options.logger ?? silentLogger;
  const uploadTimeoutMs = options.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
  const storage = await RegistryStorage.open(options.root, { uploadTimeoutMs });
  const authenticator = options.htpasswdFile === undefined ? undefined : await loadAuthenticator(options.htpasswdFile);
  const settings: HandlerSettings = {
    readOnly: options.readOnly ?? false,
    anonymousMount: options.anonymousMount ?? false,
    maxBlobBytes: options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES,
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    void serveRequest(req, res, { storage, settings, authenticator, logger });
  };
  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handle) : createHttpServer(handle);
  // Slow or stalled clients must not pin sockets forever; uploads may still take long.
  server.headersTimeout = 30_000;
  server.requestTimeout = 0;
  server.on('clientError', (_error, socket) => socket.destroy());
  const address = await listen(server, options.host ?? '127.0.0.1', options.port ?? 5000);
  const scheme = options.tls ? 'https' : 'http';
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${scheme}://${host}:${address.port}`;
  const expiry = setInterval(() => void storage.uploads.expire().catch(() => undefined), EXPIRY_INTERVAL_MS).unref();
  logger('info', 'listening', { url, root: options.root, readOnly: settings.readOnly, auth: authenticator !== undefined });
  return {
    url,
    host: address.address,
    port: address.port,
    close: async () => {
      clearInterval(expiry);
      await shutdown(server);
      logger('info', 'stopped', { url });
    },
  };
}

interface ServeDependencies {
  readonly storage: RegistryStorage;
  readonly settings: HandlerSettings;
  readonly authenticator: BasicAuthenticator | undefined;
  readonly logger: Logger;
}

/** One request, start to end: never throws, always answers (or drops a broken connection). */
async function serveRequest(req: IncomingMessage, res: ServerResponse, deps: ServeDependencies): Promise<void> {
  const { path, query } = splitTarget(req.url ?? '/');
  const outcome: RequestOutcome = {};
  logWhenDone(req, res, path, outcome, deps.logger);
  try {
    if (deps.authenticator) outcome.user = await deps.authenticator.authenticate(req.headers.authorization);
    const route = matchRoute(path);
    if (!route) throw new RegistryServerError('UNSUPPORTED', 'no such endpoint', { status: 404 });
    await dispatch({ req, res, query, storage: deps.storage, settings: deps.settings }, route);
  } catch (error) {
    outcome.failure = toRegistryServerError(error);
    answerFailure(req, res, outcome.failure);
  }
}

interface RequestOutcome {
  user?: string;
  failure?: RegistryServerError;
}

/** One JSON line per request once the response is done. Fields are picked: no header is logged. */
function logWhenDone(req: IncomingMessage, res: ServerResponse, path: string, outcome: RequestOutcome, logger: Logger): void {
  const started = process.hrtime.bigint();
  const socket = req.socket;
  const readBefore = socket.bytesRead;
  const writtenBefore = socket.bytesWritten;
  res.once('close', () => {
    const failure = outcome.failure;
    logger(failure?.status === 500 ? 'error' : 'info', 'request', {
      method: req.method,
      path: path.slice(0, 512),
      status: res.statusCode,
      durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
      bytesIn: socket.bytesRead - readBefore,
      bytesOut: socket.bytesWritten - writtenBefore,
      ...(outcome.user !== undefined && { user: outcome.user }),
      ...(failure && { error: failure.errorCode }),
      ...(failure?.status === 500 && { cause: describe(failure.cause) }),
    });
  });
}

function answerFailure(req: IncomingMessage, res: ServerResponse, error: RegistryServerError): void {
  if (res.headersSent || res.destroyed) {
    // Mid-body failure (a client vanished, a disk error while streaming): the connection is unusable.
    res.destroy();
    return;
  }
  // An unread request body would otherwise be parsed as the next request on a kept-alive socket.
  if (!req.complete) res.setHeader('Connection', 'close');
  sendError(req, res, error);
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

async function loadAuthenticator(file: string): Promise<BasicAuthenticator> {
  return new BasicAuthenticator(parseHtpasswd(await readFile(file, 'utf8'), file));
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

async function shutdown(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  await closed;
  clearTimeout(grace);
}
