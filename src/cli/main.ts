import { Command, CommanderError } from 'commander';
import { isPortcullisError } from '../errors.js';
import { runCloseHandlers } from './cleanup.js';
import { COMMANDS, type CommandModule } from './commands/index.js';
import { processContext, type CliContext } from './context.js';

export const EXIT_SUCCESS = 0;
/** Any failure, as Notation and ORAS exit: verification failed, not found, bad input. */
export const EXIT_FAILURE = 1;

export function buildProgram(context: CliContext, modules: readonly CommandModule[]): Command {
  const program = new Command('portcullis')
    .description('Sign, verify and admit OCI artifacts in the Notary Project format')
    .version(VERSION, '--version')
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      outputError: (text, write) => write(text),
    })
    .exitOverride();
  for (const register of modules) register(program, context);
  // Subcommands inherit the same output and exit behaviour.
  const configure = (command: Command): void => {
    for (const sub of command.commands) {
      sub.exitOverride().configureOutput({
        writeOut: (text) => context.stdout.write(text),
        writeErr: (text) => context.stderr.write(text),
        outputError: (text, write) => write(text),
      });
      configure(sub);
    }
  };
  configure(program);
  return program;
}

export const VERSION = '0.1.0';

/**
 * The command modules a run needs: only the named command's when the first argument names one,
 * none for `--version`, every module otherwise (top-level help, a typo that deserves a suggestion).
 */
export async function commandModulesFor(argv: readonly string[]): Promise<CommandModule[]> {
  if (argv.length === 1 && argv[0] === '--version') return [];
  const first = argv.find((argument) => !argument.startsWith('-'));
  const named = COMMANDS.find((entry) => first !== undefined && entry.names.includes(first));
  return Promise.all((named === undefined ? COMMANDS : [named]).map((entry) => entry.load()));
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: readonly string[], context: CliContext = processContext()): Promise<number> {
  try {
    const program = buildProgram(context, await commandModulesFor(argv));
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_SUCCESS;
  } catch (error) {
    return reportError(error, context);
  } finally {
    await runCloseHandlers();
  }
}

function reportError(error: unknown, context: CliContext): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" to commander but successes to the user.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return EXIT_SUCCESS;
    }
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  context.stderr.write(`Error: ${message}\n`);
  if (context.env.PORTCULLIS_DEBUG && error instanceof Error && error.stack) context.stderr.write(`${error.stack}\n`);
  if (isPortcullisError(error) && context.env.PORTCULLIS_DEBUG) context.stderr.write(`code: ${error.code}\n`);
  return EXIT_FAILURE;
}
