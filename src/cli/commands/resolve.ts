import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addRemoteOptions, remoteFlags } from '../remote-flags.js';
import { openTarget, requireTargetReference } from '../target.js';

export const registerResolve = (program: Command, context: CliContext): void => {
  const command = program
    .command('resolve')
    .description('Print the digest a tag points at')
    .argument('<reference>', '<registry>/<repository>{:<tag>|@<digest>}')
    .option('-l, --full-reference', 'print <registry>/<repository>@<digest>');
  addRemoteOptions(command).action(async (reference: string, options: Record<string, unknown> & { fullReference?: boolean }) => {
    const target = await openTarget(reference, remoteFlags(options), context);
    const descriptor = await target.storage.resolve(requireTargetReference(target));
    context.stdout.write(options.fullReference ? `${target.name}@${descriptor.digest}\n` : `${descriptor.digest}\n`);
  });
};
