import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: tests run compiled, from dist/test/helpers. */
export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Finds an external tool: `$PORTCULLIS_TOOLS_BIN`, then the project's `.tools/bin` (filled by
 * `.ci/install-tools.sh`), then PATH.
 */
export function findTool(name: string): string | undefined {
  const directories = [
    process.env.PORTCULLIS_TOOLS_BIN,
    join(REPOSITORY_ROOT, '.tools', 'bin'),
    ...(process.env.PATH ?? '').split(delimiter),
  ].filter((directory): directory is string => Boolean(directory));
  for (const directory of directories) {
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * node:test's `skip` for a test that needs a tool found at `path`: why it is skipped, or `false`.
 * Under CI a test is never skipped: a missing tool there is a broken CI setup and must fail loudly.
 */
export function skipWithoutTool(name: string, path: string | undefined, hint: string): string | false {
  if (path !== undefined || process.env.CI) return false;
  return `${name} not found (${hint}); skipped outside CI`;
}

/** A tool a test suite needs: its path ({@link findTool}), or why the suite is skipped ({@link skipWithoutTool}). */
export function requiredTool(name: string, hint: string): { readonly path: string | undefined; readonly skip: string | false } {
  const path = findTool(name);
  return { path, skip: skipWithoutTool(name, path, hint) };
}

/** Throws under CI when a required tool is missing, so the suite fails instead of passing vacuously. */
export function assertTool(name: string, path: string | undefined): string {
  if (path === undefined) throw new Error(`required tool "${name}" is missing; run bash .ci/install-tools.sh`);
  return path;
}

/** Whether `openssl` runs from PATH (tests that shell out to it skip without it). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
