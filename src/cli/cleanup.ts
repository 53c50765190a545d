/**
 * Work to finish before the CLI returns (closing keep-alive connection pools, for one). Kept in a
 * module of its own so that `main` can run it without loading what registered it.
 */
const pending = new Set<() => Promise<unknown>>();

export function closeOnExit(close: () => Promise<unknown>): void {
  pending.add(close);
}

export async function runCloseHandlers(): Promise<void> {
  const handlers = [...pending];
  pending.clear();
  await Promise.allSettled(handlers.map((close) => close()));
}
