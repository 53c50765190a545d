import type { Command } from 'commander';
import type { ReadOnlyStorage } from '../../content/index.js';
import { UsageError } from '../../errors.js';
import type { Descriptor } from '../../oci/index.js';
import type { CliContext } from '../context.js';
import { outputOption, printJson, renderTree, type TreeNode } from '../output.js';
import { addRemoteOptions, remoteFlags } from '../remote-flags.js';
import { openTarget, requireTargetReference } from '../target.js';

interface DiscoverOptions extends Record<string, unknown> {
  readonly artifactType?: string;
  readonly output: 'tree' | 'json';
  readonly depth?: string;
}

/** A referrer with its own referrers (signatures of SBOMs, and so on). */
export interface ReferrerNode extends Descriptor {
  readonly referrers: readonly ReferrerNode[];
}

/** Walks referrers breadth-first down to `depth`, visiting each digest once so a hostile cycle ends. */
export async function discoverReferrers(
  storage: ReadOnlyStorage,
  subject: Descriptor,
  options: { artifactType?: string; depth: number },
  seen = new Set<string>([subject.digest]),
): Promise<ReferrerNode[]> {
  if (options.depth <= 0) return [];
  const found = await storage.referrers(subject, options.artifactType === undefined ? {} : { artifactType: options.artifactType });
  const fresh = found.filter((referrer) => !seen.has(referrer.digest));
  fresh.forEach((referrer) => seen.add(referrer.digest));
  return Promise.all(
    fresh.map(async (referrer) => ({
      ...referrer,
      referrers: await discoverReferrers(storage, referrer, { depth: options.depth - 1 }, seen),
    })),
  );
}

function toTree(nodes: readonly ReferrerNode[]): TreeNode[] {
  const byType = new Map<string, ReferrerNode[]>();
  for (const node of nodes) {
    const type = node.artifactType ?? '<unknown>';
    byType.set(type, [...(byType.get(type) ?? []), node]);
  }
  return [...byType].map(([type, members]) => ({
    label: type,
    children: members.map((node) => ({ label: node.digest, children: toTree(node.referrers) })),
  }));
}

export const registerDiscover = (program: Command, context: CliContext): void => {
  const command = program
    .command('discover')
    .description('Show the referrers of an artifact (signatures, SBOMs, ...) as a tree')
    .argument('<reference>', '<registry>/<repository>{:<tag>|@<digest>}')
    .option('--artifact-type <type>', 'only referrers of this artifact type')
    .option('--depth <n>', 'levels of referrers to follow', '16')
    .addOption(outputOption('tree', ['tree', 'json']))
    .option('--format <format>', 'alias of --output (ORAS)');
  addRemoteOptions(command).action(async (reference: string, options: DiscoverOptions & { format?: string }) => {
    const format = options.format ?? options.output;
    const depth = Number(options.depth ?? 16);
    if (!Number.isInteger(depth) || depth < 1) throw new UsageError('--depth must be a whole number of at least 1');
    const target = await openTarget(reference, remoteFlags(options), context);
    const subject = await target.storage.resolve(requireTargetReference(target));
    const referrers = await discoverReferrers(target.storage, subject, {
      depth,
      ...(options.artifactType !== undefined && { artifactType: options.artifactType }),
    });
    if (format === 'json') {
      printJson(context.stdout, { reference: `${target.name}@${subject.digest}`, ...subject, referrers });
      return;
    }
    if (referrers.length === 0) {
      context.stdout.write(`${target.name}@${subject.digest} has no referrers\n`);
      return;
    }
    context.stdout.write(renderTree({ label: `${target.name}@${subject.digest}`, children: toTree(referrers) }));
  });
};
