import { RegistryError } from '../../errors.js';
import { parseReference, registryApiHost, type Reference } from '../../oci/index.js';
import { AuthCache } from './auth/auth-cache.js';
import { Authorizer } from './auth/authorizer.js';
import { repositoryScope, type RepositoryAction } from './auth/scope.js';
import { discardBody } from './body.js';
import { systemClock, type Clock } from './clock.js';
import type { RepositoryContext, RepositorySettings } from './context.js';
import { anonymousCredentials, type CredentialProvider } from './credentials/credential.js';
import { apiRootUrl } from './endpoints.js';
import { HttpTransport, type HttpRequest, type HttpResponse } from './http.js';
import { formatRequestEvent, silentLogger, type RegistryLogger, type RequestListener } from './logger.js';
import { expectStatus } from './registry-error.js';
import { RemoteRepository } from './repository.js';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy, type Send } from './retry.js';

export interface RegistryTimeouts {
  /** TCP and TLS connect. Default 10 s. */
  readonly connectMs?: number;
  /** From request sent to response headers received. Default 30 s. */
  readonly headersMs?: number;
  /** Longest pause inside a response body. Default 60 s. */
  readonly bodyIdleMs?: number;
}

export interface UploadOptions {
  /** Bytes per chunk of a chunked upload. Default 16 MiB. */
  readonly chunkSize?: number;
  /** Blobs larger than this are uploaded in chunks. Default 128 MiB. */
  readonly chunkedThreshold?: number;
}

/** Per-repository behaviour; the client's options give the defaults. */
export interface RepositoryOptions {
  /** Maintain the `<alg>-<hex>` referrers index on push even when the registry may index by itself. */
  readonly forceReferrersTag?: boolean;
  /** Keep replaced referrers indexes instead of deleting them. Default false (Notation's behaviour). */
  readonly skipReferrersGC?: boolean;
}

export interface RegistryClientOptions extends RepositoryOptions {
  /** Where credentials come from. Default: anonymous. */
  readonly credentials?: CredentialProvider;
  /** Talk plain HTTP to every registry (`--plain-http`). */
  readonly plainHttp?: boolean;
  /** Registries reached over plain HTTP (`--insecure-registry`, `insecureRegistries`). Loopback hosts always are. */
  readonly insecureRegistries?: readonly string[];
  readonly timeouts?: RegistryTimeouts;
  readonly retry?: Partial<RetryPolicy>;
  readonly upload?: UploadOptions;
  /** `n` for tag listing requests. Default: the registry's own page size. */
  readonly tagPageSize?: number;
  /** Connections kept per registry origin. Default 16. */
  readonly connectionsPerOrigin?: number;
  /** Extra trusted CA certificates (PEM) for registries with a private CA. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  readonly userAgent?: string;
  /** OAuth2 client_id sent to token realms. Default `portcullis`. */
  readonly clientId?: string;
  /** Use the OAuth2 password grant for usernames and passwords instead of the Docker token GET. */
  readonly forceOAuth2?: boolean;
  /** Warnings (referrers GC, missing credential helpers) and debug traces. Default: silent. */
  readonly logger?: RegistryLogger;
  /** Called after every HTTP exchange (registry and token realm), Authorization redacted. */
  readonly onRequest?: RequestListener;
  /** Time source for token expiry and retry delays. */
  readonly clock?: Clock;
}

const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
const DEFAULT_CHUNKED_THRESHOLD = 128 * 1024 * 1024;
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A distribution-spec v1.1 client: one per process. It owns the connection pools (keep-alive),
 * the token cache and the credential provider that every `RemoteRepository` it opens shares.
 *
 * @example
 * const client = new RegistryClient({ credentials: dockerCredentials() });
 * const repository = client.repository('localhost:5000/net-monitor');
 * const descriptor = await repository.resolve('v1');
 * await client.close();
 */
export class RegistryClient {
  private readonly transport: HttpTransport;
  private readonly authorizer: Authorizer;
  private readonly options: RegistryClientOptions;
  private readonly logger: RegistryLogger;
  private readonly referrersSupport = new Map<string, boolean>();

  constructor(options: RegistryClientOptions = {}) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    const clock = options.clock ?? systemClock;
    this.transport = new HttpTransport({
      connectTimeoutMs: options.timeouts?.connectMs ?? 10_000,
      headersTimeoutMs: options.timeouts?.headersMs ?? 30_000,
      bodyIdleTimeoutMs: options.timeouts?.bodyIdleMs ?? 60_000,
      keepAliveTimeoutMs: 30_000,
      connectionsPerOrigin: options.connectionsPerOrigin ?? 16,
      userAgent: options.userAgent ?? 'portcullis',
      ...(options.ca !== undefined && { ca: options.ca }),
      onRequest: requestReporter(options.onRequest, this.logger),
    });
    const send: Send = withRetries((request) => this.transport.exchange(request), { ...DEFAULT_RETRY_POLICY, ...options.retry }, clock);
    this.authorizer = new Authorizer(send, options.credentials ?? anonymousCredentials, new AuthCache(clock), {
      clientId: options.clientId ?? 'portcullis',
      forceOAuth2: options.forceOAuth2 ?? false,
    });
  }

  /** Opens a repository by reference (`registry/repo[:tag|@digest]`, tag and digest ignored) or parsed Reference. */
  repository(target: Reference | string, options: RepositoryOptions = {}): RemoteRepository {
    const reference = typeof target === 'string' ? parseReference(target) : target;
    return new RemoteRepository(this.context(reference.registry, reference.repository, options), (repository) =>
      this.repository({ registry: reference.registry, repository }, options),
    );
  }

  /**
   * `GET /v2/`, answering any challenge with the configured credentials: checks that the registry
   * speaks the API and, for `login`, that the credentials are good (Basic, or a token from the realm).
   */
  async ping(registry: string): Promise<void> {
    const operation = `authenticate with ${registry}`;
    const baseUrl = this.baseUrl(registry);
    const response = await this.authorizer.send(
      { method: 'GET', url: apiRootUrl(baseUrl), operation },
      { registry, origin: baseUrl.origin, scopes: [] },
    );
    await expectStatus(response, [200], operation);
    await discardBody(response);
  }

  /** Whether requests to `registry` go over plain HTTP. */
  isPlainHttp(registry: string): boolean {
    if (this.options.plainHttp === true || this.options.insecureRegistries?.includes(registry)) return true;
    return isLoopbackRegistry(registry);
  }

  /** Closes the connection pools; in-flight requests finish first. */
  async close(): Promise<void> {
    await this.transport.close();
  }

  private baseUrl(registry: string): URL {
    return registryBaseUrl(registry, this.isPlainHttp(registry));
  }

  private context(registry: string, repository: string, options: RepositoryOptions): RepositoryContext {
    const baseUrl = this.baseUrl(registry);
    const name = `${registry}/${repository}`;
    const authorizer = this.authorizer;
    const support = this.referrersSupport;
    return {
      registry,
      repository,
      name,
      baseUrl,
      settings: this.settings(options),
      logger: this.logger,
      send: (request: HttpRequest, actions: readonly RepositoryAction[], extraScopes: readonly string[] = []): Promise<HttpResponse> =>
        authorizer.send(request, {
          registry,
          origin: baseUrl.origin,
          scopes: [repositoryScope(repository, actions), ...extraScopes],
        }),
      referrersSupported: () => support.get(name),
      setReferrersSupported: (supported: boolean) => void support.set(name, supported),
    };
  }

  private settings(options: RepositoryOptions): RepositorySettings {
    return {
      chunkSize: this.options.upload?.chunkSize ?? DEFAULT_CHUNK_SIZE,
      chunkedUploadThreshold: this.options.upload?.chunkedThreshold ?? DEFAULT_CHUNKED_THRESHOLD,
      tagPageSize: this.options.tagPageSize,
      forceReferrersTag: options.forceReferrersTag ?? this.options.forceReferrersTag ?? false,
      skipReferrersGC: options.skipReferrersGC ?? this.options.skipReferrersGC ?? false,
    };
  }
}

/** Feeds each exchange to the caller's listener and, when the logger has one, to its debug channel. */
function requestReporter(listener: RequestListener | undefined, logger: RegistryLogger): RequestListener {
  return (event) => {
    listener?.(event);
    logger.debug?.(formatRequestEvent(event));
  };
}

/**
 * The API origin of a registry: Docker Hub's API lives on registry-1.docker.io, every other
 * registry on its own host.
 */
export function registryBaseUrl(registry: string, plainHttp: boolean): URL {
  try {
    return new URL(`${plainHttp ? 'http' : 'https'}://${registryApiHost(registry)}`);
  } catch {
    throw new RegistryError('ERR_REGISTRY_REQUEST_FAILED', `invalid registry host "${registry}"`);
  }
}

/** `localhost`, `127.0.0.1` and `[::1]` on any port: reached over plain HTTP like ORAS and Notation do. */
export function isLoopbackRegistry(registry: string): boolean {
  const hostname = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0]!;
  return LOOPBACK_HOSTS.has(hostname);
}
