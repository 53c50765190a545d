import { Option, type Command } from 'commander';
import { packArtifactManifest, pushPackedManifest } from '../../content/index.js';
import type { Descriptor } from '../../oci/index.js';
import type { CliContext } from '../context.js';
import { describeFile, parseFileArgument, readFileStream } from '../files.js';
import { outputOption, printJson } from '../output.js';
import { formatBytes, withProgress } from '../progress.js';
import { addRemoteOptions, collectKeyValue, remoteFlags } from '../remote-flags.js';
import { openTarget, splitTags, type OpenedTarget } from '../target.js';

export const DEFAULT_ARTIFACT_TYPE = 'application/vnd.unknown.artifact.v1';

interface PushOptions extends Record<string, unknown> {
  readonly artifactType?: string;
  readonly annotation?: Record<string, string>;
  readonly config?: string;
  readonly output: 'text' | 'json';
}

/** Uploads files as blobs (skipping those the target has) and returns their descriptors. */
export async function pushFiles(target: OpenedTarget, files: readonly string[], context: CliContext, quiet: boolean): Promise<Descriptor[]> {
  const descriptors: Descriptor[] = [];
  for (const text of files) {
    const file = parseFileArgument(text);
    const descriptor = await describeFile(file, context.cwd);
    const title = descriptor.annotations?.['org.opencontainers.image.title'] ?? file.path;
    if (await target.storage.exists(descriptor)) {
      if (!quiet) context.stdout.write(`Exists    ${title}  ${formatBytes(descriptor.size)}\n`);
    } else {
      await target.storage.push(descriptor, withProgress(context, title, descriptor.size, readFileStream(file, context.cwd)));
      if (!quiet) context.stdout.write(`Uploaded  ${title}  ${formatBytes(descriptor.size)}\n`);
    }
    descriptors.push(descriptor);
  }
  return descriptors;
}

export const registerPush = (program: Command, context: CliContext): void => {
  const command = program
    .command('push')
    .description('Push files to a registry or OCI layout as an artifact')
    .argument('<reference>', 'target: <registry>/<repository>[:<tag>[,<tag>...]] or, with --oci-layout, <dir>[:<tag>]')
    .argument('[files...]', 'files to push, each as <path>[:<mediaType>]')
    .option('--artifact-type <type>', 'artifact type of the manifest', DEFAULT_ARTIFACT_TYPE)
    .option('-a, --annotation <key=value>', 'manifest annotation (repeatable)', collectKeyValue)
    .option('--config <path[:mediaType]>', 'use this file as the manifest config instead of the empty JSON')
    .addOption(outputOption())
    .addOption(new Option('--concurrency <n>', 'ignored; kept for ORAS compatibility').hideHelp());
  addRemoteOptions(command).action(async (reference: string, files: string[], options: PushOptions) => {
    const { base, tags } = splitTags(reference);
    const target = await openTarget(base, remoteFlags(options), context, 'write');
    const quiet = options.output === 'json';
    const layers = await pushFiles(target, files, context, quiet);
    const config = options.config === undefined ? undefined : (await pushFiles(target, [options.config], context, true))[0];
    const packed = packArtifactManifest({
      artifactType: options.artifactType ?? DEFAULT_ARTIFACT_TYPE,
      layers,
      ...(config && { config: { mediaType: config.mediaType, digest: config.digest, size: config.size } }),
      ...(options.annotation && { annotations: options.annotation }),
      created: new Date(),
    });
    await pushPackedManifest(target.storage, packed);
    for (const tag of tags) await target.storage.tag(packed.descriptor, tag);
    const shown = tags.length > 0 ? `${target.name}:${tags[0]}` : `${target.name}@${packed.descriptor.digest}`;
    if (options.output === 'json') {
      printJson(context.stdout, {
        reference: `${target.name}@${packed.descriptor.digest}`,
        ...packed.descriptor,
        annotations: packed.manifest.annotations ?? {},
        referenceByTags: tags.map((tag) => `${target.name}:${tag}`),
      });
      return;
    }
    context.stdout.write(`Pushed [${target.kind}] ${shown}\nArtifactType: ${packed.descriptor.artifactType}\nDigest: ${packed.descriptor.digest}\n`);
  });
};
