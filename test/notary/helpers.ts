/**
 * Helpers for the Notation-compatible command tests that work on a bare environment rather than a
 * {@link NotationHome}: run portcullis in-process or the real `notation` binary with it, and serve
 * the pre-signed e2e layouts from an embedded registry. The runners are signing-helpers.ts's.
 */
import path from 'node:path';
import { copy } from '../../src/content/index.js';
import { LayoutStore } from '../../src/layout/index.js';
import { RegistryClient } from '../../src/registry/client/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/server/index.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { homeEnv, notationTool, runProcess, type NotationHome } from './signing-helpers.js';

export { homeEnv, notationTool };
export type RunResult = CliRun;

/** `portcullis` in-process with `env`, in `$HOME` (else this process's directory). */
export function portcullis(argv: readonly string[], env: Record<string, string>, stdin?: string): Promise<RunResult> {
  return runCli(argv, { env, cwd: env.HOME ?? process.cwd(), ...(stdin !== undefined && { stdin }) });
}

/** The real notation binary with `env` (and PATH). */
export function notation(argv: readonly string[], env: Record<string, string>): Promise<RunResult> {
  return runProcess(notationTool.path!, argv, env, process.cwd());
}

/** An embedded registry (no auth) holding each layout's `v1` and its referrers at `<host>/<layout>`. */
export async function serveLayouts(root: string, layoutsDirectory: string, layouts: readonly string[]): Promise<{ registry: RunningRegistry; host: string }> {
  const registry = await startRegistry({ root, port: 0 });
  const host = `localhost:${registry.port}`;
  const client = new RegistryClient({});
  try {
    for (const layout of layouts) {
      await copy(await LayoutStore.open(path.join(layoutsDirectory, layout)), 'v1', client.repository(`${host}/${layout}`), 'v1', { recursive: true });
    }
  } finally {
    await client.close();
  }
  return { registry, host };
}
