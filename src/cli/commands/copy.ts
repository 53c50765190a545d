import type { Command } from 'commander';
import { copy, type CopyEvent } from '../../content/index.js';
import type { CliContext } from '../context.js';
import { outputOption, printJson } from '../output.js';
import { addRemoteOptions, remoteFlags } from '../remote-flags.js';
import { openTarget, requireTargetReference, splitTags } from '../target.js';

interface CopyOptions extends Record<string, unknown> {
  readonly recursive?: boolean;
  readonly concurrency: string;
  readonly output: 'text' | 'json';
}

export const registerCopy = (program: Command, context: CliContext): void => {
  const command = program
    .command('copy')
    .alias('cp')
    .description('Copy an artifact and everything it points at between registries and OCI layouts')
    .argument('<from>', 'source {:<tag>|@<digest>}')
    .argument('<to>', 'destination [:<tag>[,<tag>...]]')
    .option('-r, --recursive', 'also copy referrers (signatures, SBOMs), recursively')
    .option('--concurrency <n>', 'blobs copied at once', '3')
    .addOption(outputOption());
  addRemoteOptions(command, 'from-');
  addRemoteOptions(command, 'to-');
  command.action(async (from: string, to: string, options: CopyOptions) => {
    const source = await openTarget(from, remoteFlags(options, 'from-'), context);
    const { base, tags } = splitTags(to);
    const destination = await openTarget(base, remoteFlags(options, 'to-'), context, 'write');
    const sourceReference = requireTargetReference(source);
    const quiet = options.output === 'json';
    const onProgress = (event: CopyEvent): void => {
      if (quiet || event.state === 'copying') return;
      context.stdout.write(`${event.state === 'exists' ? 'Exists ' : 'Copied '}  ${event.descriptor.digest}  ${event.descriptor.mediaType}\n`);
    };
    const firstTag = tags[0] ?? destination.reference ?? (source.reference !== undefined && !source.reference.includes(':') ? source.reference : undefined);
    const root = await copy(source.storage, sourceReference, destination.storage, firstTag, {
      recursive: Boolean(options.recursive),
      concurrency: Math.max(1, Number(options.concurrency) || 3),
      onProgress,
    });
    for (const tag of tags.slice(1)) await destination.storage.tag(root, tag);
    if (quiet) {
      printJson(context.stdout, { reference: `${destination.name}@${root.digest}`, ...root, referenceByTags: tags.map((tag) => `${destination.name}:${tag}`) });
      return;
    }
    context.stdout.write(`Copied [${source.kind}] ${source.display} => [${destination.kind}] ${destination.name}${firstTag ? `:${firstTag}` : ''}\nDigest: ${root.digest}\n`);
  });
};
