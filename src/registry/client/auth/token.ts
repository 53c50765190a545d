import { RegistryError } from '../../../errors.js';
import { MAX_AUTH_RESPONSE_BYTES } from '../../../limits.js';
import { parseJsonBody, readCappedBody } from '../body.js';
import type { Send } from '../retry.js';
import { expectStatus } from '../registry-error.js';
import { isIdentityToken, type Credential } from '../credentials/credential.js';

/** Lifetime assumed when the realm does not say (distribution token spec). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 60;

export interface TokenRequest {
  readonly realm: URL;
  readonly service?: string;
  readonly scopes: readonly string[];
  readonly credential?: Credential;
  /** OAuth2 `client_id`: names the client to the auth server. */
  readonly clientId: string;
  /** Use the OAuth2 password grant for a username and password instead of the Docker GET. */
  readonly forceOAuth2: boolean;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresInSeconds: number;
}

/**
 * Gets a bearer token from the realm a registry's challenge named. An identity token goes through
 * the OAuth2 refresh-token grant (POST); username and password through the Docker token GET with
 * Basic credentials, or the OAuth2 password grant when `forceOAuth2` is set; no credential means an
 * anonymous GET.
 *
 * @see https://distribution.github.io/distribution/spec/auth/token/
 * @see https://distribution.github.io/distribution/spec/auth/oauth/
 */
export async function fetchToken(send: Send, request: TokenRequest): Promise<IssuedToken> {
  const credential = request.credential;
  const useOAuth2 = credential !== undefined && (isIdentityToken(credential) || request.forceOAuth2);
  const operation = `fetch a token from ${request.realm.origin}${request.realm.pathname} for ${describeScopes(request.scopes)}`;
  const response = useOAuth2
    ? await send({ ...oauth2Request(request, credential), operation })
    : await send({ ...dockerTokenRequest(request), operation });
  await expectStatus(response, [200], operation);
  const bytes = await readCappedBody(response, MAX_AUTH_RESPONSE_BYTES, 'token response', operation);
  return parseTokenResponse(parseJsonBody(bytes, 'token response', operation), operation);
}

function describeScopes(scopes: readonly string[]): string {
  return scopes.length === 0 ? 'no scope' : scopes.join(' ');
}

/** `GET realm?service=…&scope=…&scope=…`, one `scope` parameter per scope, Basic credentials if any. */
function dockerTokenRequest(request: TokenRequest) {
  const url = new URL(request.realm);
  if (request.service !== undefined) url.searchParams.append('service', request.service);
  for (const scope of request.scopes) url.searchParams.append('scope', scope);
  const credential = request.credential;
  const headers: Record<string, string> = {};
  if (credential !== undefined && !isIdentityToken(credential)) headers.authorization = basicAuthorization(credential);
  return { method: 'GET' as const, url, headers };
}

/** OAuth2 form POST: `grant_type=refresh_token` for identity tokens, else `password`. Scopes space-separated. */
function oauth2Request(request: TokenRequest, credential: Credential) {
  const form = new URLSearchParams();
  if (isIdentityToken(credential)) {
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', credential.identityToken);
  } else {
    form.set('grant_type', 'password');
    form.set('username', credential.username);
    form.set('password', credential.password);
  }
  if (request.service !== undefined) form.set('service', request.service);
  form.set('client_id', request.clientId);
  if (request.scopes.length > 0) form.set('scope', request.scopes.join(' '));
  return {
    method: 'POST' as const,
    url: request.realm,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(form.toString()),
    // The grant is read-only on the server side: sending it twice issues two tokens, nothing more.
    retrySafe: true,
  };
}

export function basicAuthorization(credential: { readonly username: string; readonly password: string }): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}

/** Reads `token` or `access_token` and `expires_in` from a realm's answer. */
export function parseTokenResponse(document: unknown, operation: string): IssuedToken {
  const fields = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  const token = nonEmptyString(fields.token) ?? nonEmptyString(fields.access_token);
  if (token === undefined) {
    throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `failed to ${operation}: the answer has no token`);
  }
  const expiresIn = fields.expires_in;
  const valid = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0;
  return { token, expiresInSeconds: valid ? expiresIn : DEFAULT_TOKEN_LIFETIME_SECONDS };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
