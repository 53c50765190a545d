/**
 * `list`/`ls <reference>`: the signature manifests of an artifact as a tree
 * (notaryproject/notation cmd/notation/list.go, internal/display/metadata/tree/list.go).
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { experimentalNotice } from '../notation-shell.js';
import { renderTree } from '../output.js';
import {
  ARTIFACT_TYPE_NOTATION,
  addLoggingOptions,
  addMaxSignaturesOption,
  addSecureOptions,
  exceededMessage,
  parseMaxSignatures,
  type SecureFlags,
  withSignatureManifests,
} from '../notation/common.js';

interface ListOptions extends SecureFlags {
  readonly maxSignatures: string;
  readonly ociLayout?: boolean;
}

export function registerList(program: Command, context: CliContext): void {
  const command = program
    .command('list')
    .alias('ls')
    .description('List signatures of the signed artifact')
    .usage('[flags] <reference>')
    .argument('[reference...]')
    .option('--oci-layout', 'list signatures stored in OCI image layout');
  addLoggingOptions(command);
  addSecureOptions(command);
  addMaxSignaturesOption(command);
  command.action(async (references: string[], options: ListOptions) => {
    if (references.length === 0) {
      throw new UsageError('missing reference to the artifact: use `notation list --help` to see what parameters are required');
    }
    // --oci-layout needs no NOTATION_EXPERIMENTAL (product decision, as sign and verify); with it set, Notation's warning.
    experimentalNotice(context, Boolean(options.ociLayout));
    const max = parseMaxSignatures(options.maxSignatures);
    await withSignatureManifests(references[0]!, 'list', options, max, context, async ({ resolved, signatures, exceeded }) => {
      if (signatures.length === 0) {
        context.stdout.write(`${resolved} has no associated signatures\n`);
      } else {
        context.stdout.write(
          renderTree({ label: resolved, children: [{ label: ARTIFACT_TYPE_NOTATION, children: signatures.map((s) => ({ label: s.digest })) }] }),
        );
      }
      if (exceeded) context.stderr.write(`Warning: ${exceededMessage(max)}\n`);
    });
  });
}
