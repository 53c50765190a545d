import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  fsck,
  jsonLogger,
  parseListenAddress,
  RegistryFsckError,
  startRegistry,
  type FsckReport,
} from '../../registry/server/index.js';
import { UsageError } from '../../errors.js';
import type { CliContext, Writer } from '../context.js';
import { outputOption, printJson, type OutputFormat } from '../output.js';
import type { CommandModule } from './index.js';

interface ServeFlags {
  readonly root: string;
  readonly addr: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly htpasswd?: string;
  readonly readOnly?: boolean;
  readonly anonymousMount?: boolean;
}

/** `portcullis registry serve|fsck`: a thin shell over src/registry/server. */
export const registryCommands: CommandModule = (program: Command, context: CliContext) => {
  const registry = program.command('registry').description('run and check the embedded OCI registry');
  registry
    .command('serve')
    .description('serve an OCI distribution-spec v1.1 registry from a directory')
    .requiredOption('--root <dir>', 'storage directory (created when missing)')
    .option('--addr <host:port>', 'address to listen on; port 0 picks a free port', '127.0.0.1:5000')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--htpasswd <file>', 'require HTTP Basic auth against bcrypt entries (htpasswd -B)')
    .option('--read-only', 'refuse every write')
    .option('--anonymous-mount', 'let a mount without "from" link a blob held by any repository')
    .action((flags: ServeFlags) => serve(flags, context));
  registry
    .command('fsck')
    .description('check blob digests, repository contents and leftovers of a registry root')
    .requiredOption('--root <dir>', 'storage directory')
    .addOption(outputOption())
    .action(async (flags: { root: string; output: OutputFormat }) => {
      const report = await fsck(resolve(context.cwd, flags.root));
      if (flags.output === 'json') printJson(context.stdout, report);
      else printReport(context.stdout, report);
      if (report.corrupt) throw new RegistryFsckError(report);
    });
};

async function serve(flags: ServeFlags, context: CliContext): Promise<void> {
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const { host, port } = parseListenAddress(flags.addr);
  const tls = flags.tlsCert && flags.tlsKey ? { cert: await readFile(flags.tlsCert), key: await readFile(flags.tlsKey) } : undefined;
  const running = await startRegistry({
    root: resolve(context.cwd, flags.root),
    host,
    port,
    ...(tls && { tls }),
    ...(flags.htpasswd !== undefined && { htpasswdFile: resolve(context.cwd, flags.htpasswd) }),
    readOnly: flags.readOnly ?? false,
    anonymousMount: flags.anonymousMount ?? false,
    logger: jsonLogger(context.stderr),
  });
  await stopped(context.stopSignal);
  await running.close();
}

function stopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function printReport(out: Writer, report: FsckReport): void {
  out.write(`Checked ${report.blobsChecked} blob(s) in ${report.repositories} repository(ies) under ${report.root}\n`);
  for (const finding of report.findings) {
    const where = finding.repository ? ` [${finding.repository}]` : '';
    out.write(`${finding.severity === 'corruption' ? 'ERROR' : 'warning'} ${finding.kind}${where}: ${finding.path}: ${finding.detail}\n`);
  }
  const corruption = report.findings.filter((finding) => finding.severity === 'corruption').length;
  out.write(corruption === 0 ? 'No corruption found.\n' : `${corruption} corruption problem(s) found.\n`);
}
