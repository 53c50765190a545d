/**
 * Helpers for the Notation-compatible command tests: run portcullis in-process or the real
 * `notation` binary on the same config directory, and serve the pre-signed e2e layouts from an
 * embedded registry.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { memoryContext } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { copy } from '../../src/content/index.js';
import { LayoutStore } from '../../src/layout/index.js';
import { RegistryClient } from '../../src/registry/client/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/server/index.js';
import { requiredTool } from '../helpers/tools.js';

const run = promisify(execFile);

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** An isolated Notation home: XDG_CONFIG_HOME=<home>, TZ=UTC; `config` is `<home>/notation`. */
export function homeEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { XDG_CONFIG_HOME: home, NOTATION_CACHE: path.join(home, '.cache'), HOME: home, TZ: 'UTC', ...extra };
}

export async function portcullis(argv: readonly string[], env: Record<string, string>, stdin?: string): Promise<RunResult> {
  const context = memoryContext({ env, cwd: env.HOME ?? process.cwd(), ...(stdin !== undefined && { stdin }) });
  const code = await main(argv, context);
  return { code, stdout: context.out(), stderr: context.err() };
}

export const notationTool = requiredTool('notation', 'built by .ci/install-tools.sh');

export async function notation(argv: readonly string[], env: Record<string, string>): Promise<RunResult> {
  try {
    const { stdout, stderr } = await run(notationTool.path!, [...argv], { env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
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
