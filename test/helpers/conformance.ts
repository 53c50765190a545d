/**
 * Locates the shared Notation e2e conformance data (`shared/conformance/notation-e2e`) from the
 * compiled test file: the folder sits beside the repository clone (CI) or the worktree (developers).
 * Tests only; PORTCULLIS_CONFORMANCE_DIR overrides.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function conformanceDir(): string {
  const override = process.env.PORTCULLIS_CONFORMANCE_DIR;
  if (override) return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shared', 'conformance', 'notation-e2e');
    if (existsSync(join(candidate, 'testdata'))) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('shared/conformance/notation-e2e not found above the test file; set PORTCULLIS_CONFORMANCE_DIR');
    dir = parent;
  }
}

export function testdata(...parts: string[]): string {
  return join(conformanceDir(), 'testdata', ...parts);
}

export function readTestdata(...parts: string[]): Buffer {
  return readFileSync(testdata(...parts));
}
