import type { Command } from 'commander';
import { isTagListable } from '../../content/index.js';
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { outputOption, printJson } from '../output.js';
import { addRemoteOptions, remoteFlags } from '../remote-flags.js';
import { openTarget } from '../target.js';

interface TagsOptions extends Record<string, unknown> {
  readonly last?: string;
  readonly excludeDigestTags?: boolean;
  readonly output: 'text' | 'json';
}

/** Tags such as `sha256-<hex>` hold referrers indexes (tag schema), not images. */
const DIGEST_TAG = /^(sha256|sha512)-[a-f0-9]{64,128}$/;

export const registerRepo = (program: Command, context: CliContext): void => {
  const group = program.command('repo').alias('repository').description('Repository operations');
  const tags = group
    .command('tags')
    .alias('show-tags')
    .description('List the tags of a repository')
    .argument('<repository>', '<registry>/<repository> or, with --oci-layout, <dir>')
    .option('--last <tag>', 'start after this tag')
    .option('--exclude-digest-tags', 'hide sha256-<hex> referrers-index tags')
    .addOption(outputOption());
  addRemoteOptions(tags).action(async (repository: string, options: TagsOptions) => {
    const target = await openTarget(repository, remoteFlags(options), context);
    if (!isTagListable(target.storage)) throw new UsageError(`${target.name} cannot list tags`);
    let listed = await target.storage.tags(options.last === undefined ? {} : { last: options.last });
    if (options.excludeDigestTags) listed = listed.filter((tag) => !DIGEST_TAG.test(tag));
    if (options.output === 'json') printJson(context.stdout, { tags: listed });
    else context.stdout.write(listed.map((tag) => `${tag}\n`).join(''));
  });
};
