import type { Clock } from '../clock.js';

/** How a registry host asked to be authenticated the last time, so later requests skip the 401 round-trip. */
export type HostScheme =
  | { readonly scheme: 'basic' }
  | { readonly scheme: 'bearer'; readonly realm: URL; readonly service?: string };

/** Tokens held at once; a long-running process touching many repositories must not grow without bound. */
const MAX_TOKENS = 1000;
/** A token is dropped this long before it expires, so it does not expire between being picked and being checked. */
const EXPIRY_MARGIN_MS = 5_000;

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * Per-client memory of authentication: the scheme each host uses and bearer tokens keyed by
 * (host, scope set). Expiry is computed from the injected clock.
 */
export class AuthCache {
  private readonly schemes = new Map<string, HostScheme>();
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly clock: Clock) {}

  scheme(host: string): HostScheme | undefined {
    return this.schemes.get(host);
  }

  rememberScheme(host: string, scheme: HostScheme): void {
    this.schemes.set(host, scheme);
  }

  token(host: string, scopes: readonly string[]): string | undefined {
    const key = tokenKey(host, scopes);
    const cached = this.tokens.get(key);
    if (cached === undefined) return undefined;
    if (this.clock.now() >= cached.expiresAt) {
      this.tokens.delete(key);
      return undefined;
    }
    return cached.token;
  }

  rememberToken(host: string, scopes: readonly string[], token: string, expiresInSeconds: number): void {
    const lifetime = expiresInSeconds * 1000;
    const margin = Math.min(EXPIRY_MARGIN_MS, lifetime / 2);
    const key = tokenKey(host, scopes);
    this.tokens.delete(key);
    this.tokens.set(key, { token, expiresAt: this.clock.now() + lifetime - margin });
    // Maps iterate in insertion order: the first key is the oldest.
    if (this.tokens.size > MAX_TOKENS) this.tokens.delete(this.tokens.keys().next().value!);
  }

  forgetToken(host: string, scopes: readonly string[]): void {
    this.tokens.delete(tokenKey(host, scopes));
  }
}

function tokenKey(host: string, scopes: readonly string[]): string {
  return `${host} ${scopes.join(' ')}`;
}
