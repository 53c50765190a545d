/** `version`: Notation-style version lines, naming the Notation release Portcullis follows. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { VERSION } from '../main.js';

/** The Notation CLI release whose commands and output Portcullis reproduces. */
export const NOTATION_COMPATIBLE_VERSION = 'v1.3.2';

export function registerVersion(program: Command, context: CliContext): void {
  program
    .command('version')
    .description('Show the portcullis version information')
    .action(() => {
      context.stdout.write(
        [
          'Portcullis - a tool to sign and verify artifacts.',
          '',
          `Version:     v${VERSION}`,
          `Notation:    ${NOTATION_COMPATIBLE_VERSION} compatible`,
          `Node.js:     ${process.version}`,
          `OS/Arch:     ${process.platform}/${process.arch}`,
          '',
        ].join('\n'),
      );
    });
}
