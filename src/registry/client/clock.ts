/**
 * Time as the client sees it. Token expiry and retry delays read it, so tests can move time forward
 * instead of waiting, and the core stays free of `Date.now()` (style guide, layering rules).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};
