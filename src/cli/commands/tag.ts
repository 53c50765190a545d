import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { isValidTag } from '../../oci/index.js';
import type { CliContext } from '../context.js';
import { addRemoteOptions, remoteFlags } from '../remote-flags.js';
import { openTarget, requireTargetReference } from '../target.js';

export const registerTag = (program: Command, context: CliContext): void => {
  const command = program
    .command('tag')
    .description('Point one or more tags at a manifest')
    .argument('<reference>', '<registry>/<repository>{:<tag>|@<digest>}')
    .argument('<tags...>', 'new tags');
  addRemoteOptions(command).action(async (reference: string, tags: string[], options: Record<string, unknown>) => {
    const invalid = tags.find((tag) => !isValidTag(tag));
    if (invalid !== undefined) throw new UsageError(`invalid tag "${invalid}": must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}`);
    const target = await openTarget(reference, remoteFlags(options), context, 'write');
    const descriptor = await target.storage.resolve(requireTargetReference(target));
    for (const tag of tags) {
      await target.storage.tag(descriptor, tag);
      context.stdout.write(`Tagged ${tag}\n`);
    }
  });
};
