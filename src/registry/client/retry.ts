import { discardBody } from './body.js';
import type { Clock } from './clock.js';
import { headerValue, type HttpRequest, type HttpResponse } from './http.js';

/**
 * When and how long to wait before sending a request again. Registries shed load with 429 and
 * 503, proxies in front of them fail with 502/504, and keep-alive connections get reset under
 * them; all of these usually pass within seconds.
 */
export interface RetryPolicy {
  /** Attempts in total, the first one included. 1 disables retries. */
  readonly maxAttempts: number;
  /** Delay before the second attempt; each later one doubles it. */
  readonly baseDelayMs: number;
  /** Upper bound of the exponential backoff. */
  readonly maxDelayMs: number;
  /** Upper bound of a registry's `Retry-After`: a hostile or confused one must not park the client for a day. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
};

/** Statuses that say "try again later" rather than "this request is wrong". */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Returns milliseconds to
 * wait from `now`, or undefined when the value is absent or malformed (the caller then backs off
 * on its own schedule).
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  // An HTTP date always names the weekday and GMT; requiring both keeps Date.parse's leniency
  // from turning junk such as "1.5" or "soon 2" into a date.
  if (!/^[A-Za-z]{3}, .+ GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Exponential backoff with "equal jitter": half of the step is fixed, half random, so clients
 * that failed together do not retry together, yet every retry waits at least a little.
 * `attempt` is the number of attempts made so far (1 after the first failure).
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return step / 2 + random() * (step / 2);
}

/** The delay before the next attempt: the registry's `Retry-After` when it gave one, else backoff. */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  random?: () => number,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return backoffDelay(attempt, policy, random);
}

/** Network failures where the request most likely never reached the application: safe to send again. */
const CONNECTION_RESET_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

export function isConnectionReset(error: unknown): boolean {
  let current: unknown = error;
  // undici wraps socket errors; look through a few causes.
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_RESET_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Sends one request and returns the answer with an unread body. */
export type Send = (request: HttpRequest) => Promise<HttpResponse>;

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * A request is sent again only when doing so cannot change the outcome: its method is idempotent
 * (or the caller vouched for it with `retrySafe`) and its body can be replayed, which a stream that
 * was partly consumed cannot.
 */
export function canRetry(request: HttpRequest): boolean {
  const replayable = request.body === undefined || request.body instanceof Uint8Array;
  return replayable && (IDEMPOTENT_METHODS.has(request.method) || request.retrySafe === true);
}

/** Wraps `send` with bounded retries on 429/502/503/504 and connection resets, honouring `Retry-After`. */
export function withRetries(send: Send, policy: RetryPolicy, clock: Clock, random?: () => number): Send {
  return async (request) => {
    const retryable = canRetry(request);
    for (let attempt = 1; ; attempt += 1) {
      const last = !retryable || attempt >= policy.maxAttempts;
      let response: HttpResponse;
      try {
        response = await send(request);
      } catch (error) {
        if (last || !isConnectionReset(error)) throw error;
        await clock.sleep(retryDelay(attempt, undefined, policy, random));
        continue;
      }
      if (last || !RETRYABLE_STATUSES.has(response.status)) return response;
      const retryAfter = parseRetryAfter(headerValue(response.headers, 'retry-after'), clock.now());
      await discardBody(response);
      await clock.sleep(retryDelay(attempt, retryAfter, policy, random));
    }
  };
}
