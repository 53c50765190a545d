import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { fetchAll } from '../../content/index.js';
import { UsageError } from '../../errors.js';
import { MAX_MANIFEST_BYTES } from '../../limits.js';
import { ANNOTATION_TITLE, parseManifest, type Descriptor } from '../../oci/index.js';
import type { CliContext } from '../context.js';
import { safeOutputPath, writeFileAtomic } from '../files.js';
import { outputOption, printJson } from '../output.js';
import { formatBytes, withProgress } from '../progress.js';
import { addRemoteOptions, remoteFlags } from '../remote-flags.js';
import { openTarget, requireTargetReference, type OpenedTarget } from '../target.js';

interface PullOptions extends Record<string, unknown> {
  readonly output: 'text' | 'json';
  readonly outputDirectory: string;
  readonly keepOldFiles?: boolean;
}

interface PulledFile {
  readonly path: string;
  readonly descriptor: Descriptor;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function pullLayers(target: OpenedTarget, layers: readonly Descriptor[], directory: string, options: PullOptions, context: CliContext): Promise<PulledFile[]> {
  const pulled: PulledFile[] = [];
  for (const layer of layers) {
    const title = layer.annotations?.[ANNOTATION_TITLE];
    if (title === undefined) continue;
    const path = safeOutputPath(directory, title);
    if (options.keepOldFiles && (await exists(path))) throw new UsageError(`"${title}" exists and --keep-old-files is set`);
    const stream = withProgress(context, title, layer.size, await target.storage.fetch(layer));
    await writeFileAtomic(path, stream, layer);
    if (options.output !== 'json') context.stdout.write(`Downloaded  ${title}  ${formatBytes(layer.size)}\n`);
    pulled.push({ path, descriptor: layer });
  }
  return pulled;
}

export const registerPull = (program: Command, context: CliContext): void => {
  const command = program
    .command('pull')
    .description('Pull the files of an artifact (layers with a title annotation) into a directory')
    .argument('<reference>', '<registry>/<repository>{:<tag>|@<digest>} or, with --oci-layout, <dir>{:<tag>|@<digest>}')
    .option('--output-directory <dir>', 'where to write the files', '.')
    .option('-k, --keep-old-files', 'fail rather than overwrite existing files')
    .addOption(outputOption());
  addRemoteOptions(command).action(async (reference: string, options: PullOptions) => {
    const target = await openTarget(reference, remoteFlags(options), context);
    const root = await target.storage.resolve(requireTargetReference(target));
    const parsed = parseManifest(await fetchAll(target.storage, root, MAX_MANIFEST_BYTES), root.mediaType);
    if (parsed.kind === 'index') {
      throw new UsageError(`${reference} is an index; pull one of its manifests by digest (see "portcullis manifest fetch")`);
    }
    const directory = resolve(context.cwd, options.outputDirectory);
    const files = await pullLayers(target, parsed.manifest.layers, directory, options, context);
    if (options.output === 'json') {
      printJson(context.stdout, {
        reference: `${target.name}@${root.digest}`,
        files: files.map((file) => ({ path: file.path, reference: `${target.name}@${file.descriptor.digest}`, ...file.descriptor })),
      });
      return;
    }
    if (files.length === 0) context.stdout.write('Skipped every layer: none has an org.opencontainers.image.title annotation\n');
    context.stdout.write(`Pulled [${target.kind}] ${target.display}\nDigest: ${root.digest}\n`);
  });
};
