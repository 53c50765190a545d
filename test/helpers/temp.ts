import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];
process.once('exit', () => {
  for (const path of created) rmSync(path, { recursive: true, force: true });
});

/**
 * A fresh directory, removed when the test process exits. (Removal is tied to the process rather
 * than a node:test hook so that directories made inside `before` hooks live for the whole file.)
 */
export async function tempDirectory(prefix = 'portcullis-'): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  created.push(path);
  return path;
}
