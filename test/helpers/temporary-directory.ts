import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TemporaryDirectory {
  readonly path: string;
  /** Deletes the directory now (idempotent). */
  remove(): Promise<void>;
}

const pending = new Set<string>();
process.once('exit', () => {
  for (const path of pending) rmSync(path, { recursive: true, force: true });
});

/**
 * A fresh directory `portcullis-<prefix>-XXXXXX` under the OS temporary directory. Call `remove()`
 * when done (an `after` hook); whatever is still there when the test process exits is removed
 * then, so a directory made in a `before` hook may simply live for the whole file.
 */
export async function temporaryDirectory(prefix = 'test'): Promise<TemporaryDirectory> {
  const path = await mkdtemp(join(tmpdir(), `portcullis-${prefix}-`));
  pending.add(path);
  return {
    path,
    remove: async () => {
      await rm(path, { recursive: true, force: true });
      pending.delete(path);
    },
  };
}
