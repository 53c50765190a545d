import { execFile } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startHttpServer, type RecordedRequest, type TestServer } from './http-server.js';
import { temporaryDirectory } from './temporary-directory.js';

export interface TokenServerOptions {
  /** username → password */
  readonly users?: Readonly<Record<string, string>>;
  /** OAuth2 refresh token (identity token) → username */
  readonly identityTokens?: Readonly<Record<string, string>>;
  /** Actions granted without credentials. Default none. */
  readonly anonymousActions?: readonly string[];
  /** `expires_in` of issued tokens; tokens themselves are valid for 10 minutes. */
  readonly expiresInSeconds?: number;
}

export interface TokenRequestRecord {
  readonly method: string;
  readonly user: string | undefined;
  readonly scopes: readonly string[];
  readonly grantType: string | undefined;
}

export interface TokenServer {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM of the certificate whose key signs the tokens: the registry's `rootcertbundle`. */
  readonly certificatePath: string;
  readonly requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

const SERVICE = 'portcullis-test-registry';
const ISSUER = 'portcullis-test-issuer';
const TOKEN_LIFETIME_SECONDS = 600;

/**
 * A Docker token server: issues RS256 JWTs with an `x5c` header holding a self-signed certificate
 * (distribution v3 verifies the chain against `rootcertbundle`), for the Docker GET flow and the
 * OAuth2 POST flow (password and refresh_token grants).
 */
export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const directory = await temporaryDirectory('token-server');
  const { key, certificatePath, certificateDer } = await createSigningCertificate(directory.path);
  const requests: TokenRequestRecord[] = [];
  let server: TestServer | undefined;
  server = await startHttpServer((request, response) => {
    const outcome = authenticate(request, options);
    requests.push({ method: request.method, user: outcome.user, scopes: outcome.scopes, grantType: outcome.grantType });
    if (outcome.denied) {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
      return;
    }
    const token = issueToken(key, certificateDer, outcome.user, grantedAccess(outcome.scopes, outcome.user, options));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        token,
        access_token: token,
        ...(options.expiresInSeconds !== undefined && { expires_in: options.expiresInSeconds }),
        issued_at: new Date().toISOString(),
      }),
    );
  });
  return {
    realm: `${server.origin}/token`,
    service: SERVICE,
    issuer: ISSUER,
    certificatePath,
    requests,
    stop: async () => {
      await server?.stop();
      await directory.remove();
    },
  };
}

async function createSigningCertificate(directory: string): Promise<{ key: KeyObject; certificatePath: string; certificateDer: Buffer }> {
  const keyPath = join(directory, 'token.key');
  const certificatePath = join(directory, 'token.crt');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certificatePath,
    '-days', '2', '-subj', '/CN=portcullis test token issuer',
  ]);
  const key = createPrivateKey(await readFile(keyPath));
  const certificateDer = new X509Certificate(await readFile(certificatePath)).raw;
  return { key, certificatePath, certificateDer };
}

interface Outcome {
  readonly denied: boolean;
  readonly user: string | undefined;
  readonly scopes: readonly string[];
  readonly grantType: string | undefined;
}

function authenticate(request: RecordedRequest, options: TokenServerOptions): Outcome {
  const url = new URL(request.url, 'http://token.invalid');
  if (request.method === 'POST') {
    const form = new URLSearchParams(request.body.toString('utf8'));
    const grantType = form.get('grant_type') ?? undefined;
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (grantType === 'refresh_token') {
      const user = options.identityTokens?.[form.get('refresh_token') ?? ''];
      return { denied: user === undefined, user, scopes, grantType };
    }
    const user = form.get('username') ?? undefined;
    const good = user !== undefined && options.users?.[user] === form.get('password');
    return { denied: !good, user, scopes, grantType };
  }
  const scopes = url.searchParams.getAll('scope');
  const authorization = request.headers.authorization;
  if (authorization === undefined) return { denied: false, user: undefined, scopes, grantType: undefined };
  const decoded = Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  const good = colon > 0 && options.users?.[user] === decoded.slice(colon + 1);
  return { denied: !good, user, scopes, grantType: undefined };
}

interface Access {
  readonly type: string;
  readonly name: string;
  readonly actions: string[];
}

function grantedAccess(scopes: readonly string[], user: string | undefined, options: TokenServerOptions): Access[] {
  return scopes.flatMap((scope) => {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first < 0 || last === first) return [];
    const requested = scope.slice(last + 1).split(',');
    const actions = user !== undefined ? requested : requested.filter((action) => options.anonymousActions?.includes(action));
    return [{ type: scope.slice(0, first), name: scope.slice(first + 1, last), actions }];
  });
}

function issueToken(key: KeyObject, certificateDer: Buffer, user: string | undefined, access: Access[]): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'RS256', x5c: [certificateDer.toString('base64')] };
  const claims = {
    iss: ISSUER,
    sub: user ?? '',
    aud: SERVICE,
    exp: now + TOKEN_LIFETIME_SECONDS,
    nbf: now - 10,
    iat: now,
    jti: randomUUID(),
    access,
  };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key).toString('base64url')}`;
}
