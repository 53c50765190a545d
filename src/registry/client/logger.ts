/**
 * Where the client reports what is not an error: warnings the user should see (a referrers index
 * that could not be garbage-collected, a credential helper that is missing) and debug traces.
 */
export interface RegistryLogger {
  warn(message: string): void;
  debug?(message: string): void;
}

export const silentLogger: RegistryLogger = { warn: () => undefined };

/** One HTTP exchange, reported after it ends: for metrics, request counting and `--debug`. */
export interface RequestEvent {
  readonly method: string;
  readonly url: string;
  /** Absent when the exchange failed before a response (connection refused, reset, timeout). */
  readonly status?: number;
  readonly durationMs: number;
  /** Request headers with `Authorization` redacted. */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** Response headers as received (lowercase names). */
  readonly responseHeaders: Readonly<Record<string, string | string[] | undefined>>;
  readonly error?: unknown;
}

export type RequestListener = (event: RequestEvent) => void;

/** One line per exchange for `--debug`: method, URL, status, time, and the (redacted) request headers. */
export function formatRequestEvent(event: RequestEvent): string {
  const outcome = event.status !== undefined ? `${event.status}` : `failed (${event.error instanceof Error ? event.error.message : String(event.error)})`;
  const headers = Object.entries(event.requestHeaders)
    .map(([name, value]) => `${name}: ${value}`)
    .join('; ');
  return `${event.method} ${event.url} -> ${outcome} in ${event.durationMs.toFixed(1)} ms [${headers}]`;
}
