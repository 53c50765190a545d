import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { fetchAll, isDeletable } from '../../content/index.js';
import { UsageError } from '../../errors.js';
import { MAX_MANIFEST_BYTES } from '../../limits.js';
import type { CliContext } from '../context.js';
import { outputOption, printJson } from '../output.js';
import { addRemoteOptions, remoteFlags } from '../remote-flags.js';
import { openTarget, requireTargetReference } from '../target.js';

interface FetchOptions extends Record<string, unknown> {
  readonly outputFile?: string;
  readonly descriptor?: boolean;
  readonly pretty?: boolean;
  readonly output: 'text' | 'json';
}

function registerFetch(group: Command, context: CliContext): void {
  const command = group
    .command('fetch')
    .alias('get')
    .description('Print a manifest exactly as stored (or its descriptor)')
    .argument('<reference>', '<registry>/<repository>{:<tag>|@<digest>}')
    .option('--output-file <file>', 'write the manifest to a file instead of stdout')
    .option('--descriptor', 'print the descriptor instead of the manifest')
    .option('--pretty', 'indent JSON')
    .addOption(outputOption());
  addRemoteOptions(command).action(async (reference: string, options: FetchOptions) => {
    const target = await openTarget(reference, remoteFlags(options), context);
    const descriptor = await target.storage.resolve(requireTargetReference(target));
    if (options.descriptor) {
      context.stdout.write(`${JSON.stringify(descriptor, null, options.pretty ? 2 : undefined)}\n`);
      return;
    }
    const bytes = await fetchAll(target.storage, descriptor, MAX_MANIFEST_BYTES);
    if (options.output === 'json') {
      printJson(context.stdout, { reference: `${target.name}@${descriptor.digest}`, ...descriptor, content: JSON.parse(bytes.toString('utf8')) });
      return;
    }
    if (options.outputFile !== undefined && options.outputFile !== '-') {
      await writeFile(resolve(context.cwd, options.outputFile), bytes);
      return;
    }
    context.stdout.write(options.pretty ? `${JSON.stringify(JSON.parse(bytes.toString('utf8')), null, 2)}\n` : bytes.toString('utf8'));
  });
}

function registerDelete(group: Command, context: CliContext): void {
  const command = group
    .command('delete')
    .alias('rm')
    .description('Delete a manifest (by digest, or the manifest a tag points at)')
    .argument('<reference>', '<registry>/<repository>{:<tag>|@<digest>}');
  addRemoteOptions(command).action(async (reference: string, options: Record<string, unknown>) => {
    const target = await openTarget(reference, remoteFlags(options), context);
    const descriptor = await target.storage.resolve(requireTargetReference(target));
    if (!isDeletable(target.storage)) throw new UsageError(`${target.name} does not support deletion`);
    await target.storage.delete(descriptor);
    context.stdout.write(`Deleted [${target.kind}] ${target.name}@${descriptor.digest}\n`);
  });
}

export const registerManifest = (program: Command, context: CliContext): void => {
  const group = program.command('manifest').description('Fetch or delete manifests');
  registerFetch(group, context);
  registerDelete(group, context);
};
