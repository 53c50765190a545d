import type { Command } from 'commander';
import { packArtifactManifest, pushPackedManifest } from '../../content/index.js';
import { UsageError } from '../../errors.js';
import { toPlainDescriptor } from '../../oci/index.js';
import type { CliContext } from '../context.js';
import { outputOption, printJson } from '../output.js';
import { addRemoteOptions, collectKeyValue, remoteFlags } from '../remote-flags.js';
import { openTarget, requireTargetReference } from '../target.js';
import { pushFiles } from './push.js';

interface AttachOptions extends Record<string, unknown> {
  readonly artifactType: string;
  readonly annotation?: Record<string, string>;
  readonly output: 'text' | 'json';
}

export const registerAttach = (program: Command, context: CliContext): void => {
  const command = program
    .command('attach')
    .description('Attach files to an existing artifact as a referrer (a manifest whose subject is that artifact)')
    .argument('<reference>', 'the subject: <registry>/<repository>{:<tag>|@<digest>}')
    .argument('[files...]', 'files to attach, each as <path>[:<mediaType>]')
    .requiredOption('--artifact-type <type>', 'artifact type of the referrer')
    .option('-a, --annotation <key=value>', 'manifest annotation (repeatable)', collectKeyValue)
    .addOption(outputOption());
  addRemoteOptions(command).action(async (reference: string, files: string[], options: AttachOptions) => {
    if (files.length === 0 && options.annotation === undefined) {
      throw new UsageError('nothing to attach: give files or at least one --annotation');
    }
    const target = await openTarget(reference, remoteFlags(options), context, 'write');
    const subject = await target.storage.resolve(requireTargetReference(target));
    const layers = await pushFiles(target, files, context, options.output === 'json');
    const packed = packArtifactManifest({
      artifactType: options.artifactType,
      layers,
      subject: toPlainDescriptor(subject),
      ...(options.annotation && { annotations: options.annotation }),
      created: new Date(),
    });
    await pushPackedManifest(target.storage, packed);
    if (options.output === 'json') {
      printJson(context.stdout, {
        reference: `${target.name}@${packed.descriptor.digest}`,
        ...packed.descriptor,
        annotations: packed.manifest.annotations ?? {},
      });
      return;
    }
    context.stdout.write(`Attached to [${target.kind}] ${target.name}@${subject.digest}\nDigest: ${packed.descriptor.digest}\n`);
  });
};
