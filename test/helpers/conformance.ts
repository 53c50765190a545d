/**
 * Where the shared Notation e2e conformance data (`shared/conformance/notation-e2e`) is: the one
 * place tests ask. The `shared/` folder sits beside the repository clone (CI) or the worktree
 * (developers), so it is found by walking up from the compiled test file.
 * Overrides: PORTCULLIS_CONFORMANCE_DIR (the notation-e2e folder itself) or
 * PORTCULLIS_SHARED_DIR (the shared/ folder).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPOSITORY_ROOT } from './tools.js';

const RELATIVE = join('conformance', 'notation-e2e');

function locate(): string | undefined {
  const override = process.env.PORTCULLIS_CONFORMANCE_DIR;
  if (override) return override;
  const shared = process.env.PORTCULLIS_SHARED_DIR;
  if (shared) return join(shared, RELATIVE);
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = resolve(dir, '..')) {
    const candidate = join(dir, 'shared', RELATIVE);
    if (existsSync(join(candidate, 'testdata'))) return candidate;
    if (resolve(dir, '..') === dir) return undefined;
  }
}

const located = locate();

/** The notation-e2e folder, or where it was expected (beside the repository) when it is missing. */
export const CONFORMANCE_DIR = located ?? join(REPOSITORY_ROOT, '..', 'shared', RELATIVE);

/** A path inside the notation-e2e folder (`cases.json`, …). */
export function conformancePath(...parts: string[]): string {
  return join(CONFORMANCE_DIR, ...parts);
}

/** A path inside `notation-e2e/testdata`. */
export function testdata(...parts: string[]): string {
  return conformancePath('testdata', ...parts);
}

export function readTestdata(...parts: string[]): Buffer {
  return readFileSync(testdata(...parts));
}

/** Whether `testdata/<parts>` exists (guards reads made while tests are being declared). */
export function hasTestdata(...parts: string[]): boolean {
  return existsSync(testdata(...parts));
}

/**
 * node:test's `skip` for a suite that needs `testdata/<parts>`: a reason when it is missing on a
 * developer machine, `false` when present or under CI, where missing data must fail, not pass.
 */
export function skipWithoutTestdata(...parts: string[]): string | false {
  if (hasTestdata(...parts) || process.env.CI) return false;
  return `shared e2e data not found at ${testdata(...parts)}`;
}
