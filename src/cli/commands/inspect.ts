/**
 * `inspect <reference>`: every signature of an artifact with its attributes, certificates and
 * timestamp, as a tree or JSON (notaryproject/notation cmd/notation/inspect.go and
 * internal/display/metadata/{tree,json}). Portcullis also reads OCI layouts (`--oci-layout`).
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { experimentalNotice } from '../notation-shell.js';
import { renderTree, type TreeNode } from '../output.js';
import {
  ARTIFACT_TYPE_NOTATION,
  addLoggingOptions,
  addMaxSignaturesOption,
  addSecureOptions,
  exceededMessage,
  fetchSignatureEnvelope,
  parseMaxSignatures,
  type SecureFlags,
  withSignatureManifests,
} from '../notation/common.js';
import { encodeGoJson, object, signatureJson, signatureTreeNode, viewSignature, type JsonNode } from '../notation/signature-view.js';

interface InspectOptions extends SecureFlags {
  readonly output: string;
  readonly maxSignatures: string;
  readonly ociLayout?: boolean;
}

export function registerInspect(program: Command, context: CliContext): void {
  const command = program
    .command('inspect')
    .description('Inspect all signatures associated with the signed artifact')
    .usage('[flags] <reference>')
    .argument('[reference...]')
    .option('-o, --output <format>', "output format, options: 'json', 'tree'", 'tree')
    .option('--oci-layout', 'inspect signatures stored in OCI image layout');
  addLoggingOptions(command);
  addSecureOptions(command);
  addMaxSignaturesOption(command);
  command.action(async (references: string[], options: InspectOptions) => {
    if (references.length === 0) {
      throw new UsageError('missing reference to the artifact: use `notation inspect --help` to see what parameters are required');
    }
    const format = options.output === 'text' ? 'tree' : options.output;
    if (format !== 'tree' && format !== 'json') throw new UsageError(`invalid format: "${options.output}"`);
    const max = parseMaxSignatures(options.maxSignatures);
    // --oci-layout needs no NOTATION_EXPERIMENTAL (product decision, as sign and verify); with it set, Notation's warning.
    experimentalNotice(context, Boolean(options.ociLayout));
    await withSignatureManifests(references[0]!, 'inspect', options, max, context, async ({ artifact, descriptor, resolved, signatures, exceeded }) => {
      const nodes: TreeNode[] = [];
      const json: JsonNode[] = [];
      let skipped = false;
      for (const signature of signatures) {
        let envelope;
        try {
          envelope = await fetchSignatureEnvelope(artifact.storage, signature);
        } catch (error) {
          context.stderr.write(`Warning: unable to fetch signature ${signature.digest} due to error: ${(error as Error).message}\n`);
          skipped = true;
          continue;
        }
        try {
          const mediaType = envelope.descriptor.mediaType;
          if (mediaType !== 'application/jose+json' && mediaType !== 'application/cose') {
            throw new Error(`signature envelope format with media type "${mediaType}" is not supported`);
          }
          const view = viewSignature(mediaType, envelope.bytes, context.env['TZ']);
          nodes.push(signatureTreeNode(signature.digest, view));
          json.push(signatureJson(signature.digest, view));
        } catch (error) {
          context.stderr.write(`Warning: Skipping signature ${signature.digest} because of error: ${(error as Error).message}\n`);
          skipped = true;
        }
      }
      if (format === 'json') {
        context.stdout.write(encodeGoJson(object([['mediaType', descriptor.mediaType], ['signatures', json]])));
      } else if (nodes.length === 0) {
        context.stdout.write(`${resolved} has no associated signature\n`);
      } else {
        context.stdout.write('Inspecting all signatures for signed artifact\n');
        context.stdout.write(renderTree({ label: resolved, children: [{ label: ARTIFACT_TYPE_NOTATION, children: nodes }] }));
      }
      if (exceeded) context.stdout.write(`Warning: ${exceededMessage(max)}\n`);
      if (skipped) throw new Error('at least one signature was skipped and not displayed');
    });
  });
}
