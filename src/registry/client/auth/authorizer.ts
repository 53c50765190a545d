import { RegistryError } from '../../../errors.js';
import { discardBody } from '../body.js';
import { headerValues, type HttpRequest, type HttpResponse } from '../http.js';
import type { Send } from '../retry.js';
import { isIdentityToken, type Credential, type CredentialProvider } from '../credentials/credential.js';
import type { AuthCache } from './auth-cache.js';
import { parseChallenges, selectChallenge, type Challenge } from './challenge.js';
import { cleanScopes, splitScopeParameter } from './scope.js';
import { basicAuthorization, fetchToken, type IssuedToken } from './token.js';

/** Whom a request is for: credentials are looked up by `registry` and sent only to `origin`. */
export interface AuthTarget {
  /** The registry name credentials are stored under (`docker.io`, `localhost:5000`). */
  readonly registry: string;
  /** The API origin (`https://registry-1.docker.io`): the only origin that ever sees an Authorization header. */
  readonly origin: string;
  /** Token scopes the request needs. */
  readonly scopes: readonly string[];
}

/** One request as the authorizer sees it. */
interface Exchange {
  readonly registry: string;
  readonly url: URL;
  /** Cleaned (merged, sorted) scopes. */
  readonly scopes: readonly string[];
  readonly operation: string;
}

export interface AuthorizerOptions {
  readonly clientId: string;
  readonly forceOAuth2: boolean;
}

/**
 * Answers registry authentication challenges (Basic and Bearer) and remembers the outcome, so
 * that a warm client sends the right Authorization header on the first try.
 *
 * One 401 is answered once: a request is sent at most twice here, and a 401 after fresh
 * credentials is returned to the caller, which reports it as ERR_REGISTRY_UNAUTHORIZED with the
 * registry's message.
 */
export class Authorizer {
  private readonly credentialsByRegistry = new Map<string, Promise<Credential | undefined>>();
  /** Token fetches in flight: parallel requests of a cold client share one instead of each asking the realm. */
  private readonly pendingTokens = new Map<string, Promise<IssuedToken>>();

  constructor(
    private readonly transport: Send,
    private readonly credentials: CredentialProvider,
    private readonly cache: AuthCache,
    private readonly options: AuthorizerOptions,
  ) {}

  async send(request: HttpRequest, target: AuthTarget): Promise<HttpResponse> {
    // Links and Locations may point elsewhere (blob storage, a CDN): those get no credentials.
    if (request.url.origin !== target.origin) return this.transport(withoutAuthorization(request));
    const exchange: Exchange = {
      registry: target.registry,
      url: request.url,
      scopes: cleanScopes(target.scopes),
      operation: request.operation,
    };
    const used = await this.knownAuthorization(exchange);
    const response = await this.transport(withAuthorization(request, used));
    if (response.status !== 401) return response;
    // A consumed stream cannot be sent again; the caller reports the 401.
    if (request.body !== undefined && !(request.body instanceof Uint8Array)) return response;
    const challenge = selectChallenge(parseChallenges(headerValues(response.headers, 'www-authenticate')));
    if (challenge === undefined) return response;
    const fresh = await this.answer(challenge, exchange, used);
    if (fresh === undefined) return response;
    await discardBody(response);
    return this.transport(withAuthorization(request, fresh));
  }

  /** The Authorization header a host is known to want, without waiting for its challenge. */
  private async knownAuthorization(exchange: Exchange): Promise<string | undefined> {
    const host = exchange.url.host;
    const scheme = this.cache.scheme(host);
    if (scheme === undefined) return undefined;
    if (scheme.scheme === 'basic') return basicHeader(await this.credentialFor(exchange.registry));
    const cached = this.cache.token(host, exchange.scopes);
    if (cached !== undefined) return `Bearer ${cached}`;
    // The host's realm is known: fetch the token for the new scopes before sending, saving a 401.
    const issued = await this.fetchBearer(exchange, scheme.realm, scheme.service, exchange.scopes);
    this.cache.rememberToken(host, exchange.scopes, issued.token, issued.expiresInSeconds);
    return `Bearer ${issued.token}`;
  }

  private async answer(challenge: Challenge, exchange: Exchange, used: string | undefined): Promise<string | undefined> {
    const host = exchange.url.host;
    if (challenge.scheme === 'basic') {
      const header = basicHeader(await this.credentialFor(exchange.registry));
      if (header === undefined || header === used) return undefined;
      this.cache.rememberScheme(host, { scheme: 'basic' });
      return header;
    }
    const realm = parseRealm(challenge, exchange.operation);
    const service = challenge.parameters.get('service');
    this.cache.rememberScheme(host, { scheme: 'bearer', realm, ...(service !== undefined && { service }) });
    // Forget the token only if this request was refused with it: a cold request's 401 must not
    // evict the token a parallel request has just fetched for the same scopes.
    const current = this.cache.token(host, exchange.scopes);
    if (current !== undefined && `Bearer ${current}` === used) this.cache.forgetToken(host, exchange.scopes);
    // The registry may want more than the request's scopes (scope merging): ask for the union.
    const merged = cleanScopes([...exchange.scopes, ...splitScopeParameter(challenge.parameters.get('scope'))]);
    const cached = this.cache.token(host, merged);
    if (cached !== undefined && `Bearer ${cached}` !== used) return `Bearer ${cached}`;
    const issued = await this.fetchBearer(exchange, realm, service, merged);
    // Cached under both sets: later requests look tokens up by their own, possibly smaller, scopes.
    this.cache.rememberToken(host, merged, issued.token, issued.expiresInSeconds);
    this.cache.rememberToken(host, exchange.scopes, issued.token, issued.expiresInSeconds);
    return `Bearer ${issued.token}`;
  }

  private fetchBearer(exchange: Exchange, realm: URL, service: string | undefined, scopes: readonly string[]): Promise<IssuedToken> {
    const key = [exchange.registry, realm.href, service ?? '', ...scopes].join(' ');
    let pending = this.pendingTokens.get(key);
    if (pending === undefined) {
      pending = this.requestToken(exchange, realm, service, scopes).finally(() => this.pendingTokens.delete(key));
      this.pendingTokens.set(key, pending);
    }
    return pending;
  }

  private async requestToken(
    exchange: Exchange,
    realm: URL,
    service: string | undefined,
    scopes: readonly string[],
  ): Promise<IssuedToken> {
    const credential = await this.credentialFor(exchange.registry);
    if (credential !== undefined && realm.protocol === 'http:' && exchange.url.protocol === 'https:') {
      // The registry is reached over TLS; its realm must not downgrade the credentials to cleartext.
      throw new RegistryError(
        'ERR_REGISTRY_UNAUTHORIZED',
        `failed to ${exchange.operation}: the token realm ${realm.origin} is plain HTTP; refusing to send credentials over it`,
      );
    }
    return fetchToken(this.transport, {
      realm,
      ...(service !== undefined && { service }),
      scopes,
      ...(credential !== undefined && { credential }),
      clientId: this.options.clientId,
      forceOAuth2: this.options.forceOAuth2,
    });
  }

  /** Asks the provider once per registry; a failure is not remembered, so a fixed config is picked up. */
  private credentialFor(registry: string): Promise<Credential | undefined> {
    let pending = this.credentialsByRegistry.get(registry);
    if (pending === undefined) {
      pending = this.credentials(registry);
      this.credentialsByRegistry.set(registry, pending);
      pending.catch(() => this.credentialsByRegistry.delete(registry));
    }
    return pending;
  }
}

function basicHeader(credential: Credential | undefined): string | undefined {
  if (credential === undefined || isIdentityToken(credential)) return undefined;
  return basicAuthorization(credential);
}

function parseRealm(challenge: Challenge, operation: string): URL {
  const realm = challenge.parameters.get('realm');
  let url: URL | undefined;
  try {
    url = realm === undefined ? undefined : new URL(realm);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new RegistryError(
      'ERR_REGISTRY_RESPONSE_INVALID',
      `failed to ${operation}: the Bearer challenge has no valid realm URL (${JSON.stringify(realm ?? null)})`,
    );
  }
  return url;
}

function withAuthorization(request: HttpRequest, authorization: string | undefined): HttpRequest {
  if (authorization === undefined) return withoutAuthorization(request);
  return { ...request, headers: { ...request.headers, authorization } };
}

function withoutAuthorization(request: HttpRequest): HttpRequest {
  if (request.headers?.authorization === undefined) return request;
  const headers = { ...request.headers };
  delete headers.authorization;
  return { ...request, headers };
}
