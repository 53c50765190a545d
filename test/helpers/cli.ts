import { main } from '../../src/cli/main.js';
import { memoryContext } from '../../src/cli/context.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process, as a user would from a shell in `cwd`, and returns what it printed. */
export async function runCli(argv: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined>; stdin?: string } = {}): Promise<CliRun> {
  const context = memoryContext(options);
  const code = await main(argv, context);
  return { code, stdout: context.out(), stderr: context.err() };
}

/** Like runCli, but fails the test with everything printed when the exit code is not 0. */
export async function runCliOk(argv: readonly string[], options: Parameters<typeof runCli>[1] = {}): Promise<CliRun> {
  const run = await runCli(argv, options);
  if (run.code !== 0) throw new Error(`portcullis ${argv.join(' ')} exited ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return run;
}
