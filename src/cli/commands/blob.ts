/**
 * `blob inspect | policy` (notaryproject/notation cmd/notation/blob/*.go). `blob sign` and
 * `blob verify` come with the signing and verification library.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { MAX_ENVELOPE_BYTES } from '../../limits.js';
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { renderTree } from '../output.js';
import { resolvePath } from '../notation/common.js';
import { registerPolicyCommands } from '../notation/policy-commands.js';
import { encodeGoJson, signatureJson, signatureTreeNode, viewSignature } from '../notation/signature-view.js';

/** notation's `parseSignatureMediaType`: `<name>.<jws|cose>.sig`. */
export function signatureMediaTypeOf(signaturePath: string): string {
  const fileName = path.basename(signaturePath);
  if (path.extname(fileName).toLowerCase() !== '.sig') {
    throw new UsageError(`invalid signature filename ${fileName}. The file extension must be .sig`);
  }
  const parts = fileName.split('.');
  if (parts.length < 3) {
    throw new UsageError(`invalid signature filename ${fileName}. A valid signature file name must contain signature format and .sig file extension`);
  }
  const format = parts[parts.length - 2]!.toLowerCase();
  if (format === 'jws') return 'application/jose+json';
  if (format === 'cose') return 'application/cose';
  throw new UsageError(`signature format "${format}" not supported\nSupported signature envelope formats are "jws" and "cose"`);
}

function goReadError(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
  return `${code === 'EISDIR' ? 'read' : 'open'} ${file}: ${reason}`;
}

export function registerBlob(program: Command, context: CliContext): void {
  const blob = program.command('blob').description('Commands for blob');

  blob
    .command('inspect')
    .description('Inspect a signature associated with a blob')
    .usage('[flags] <signature_path>')
    .argument('[signature_path...]')
    .option('-o, --output <format>', "output format, options: 'json', 'tree'", 'tree')
    .action(async (files: string[], options: { output: string }) => {
      if (files.length === 0) {
        throw new UsageError('missing signature path: use `notation blob inspect --help` to see what parameters are required');
      }
      const format = options.output === 'text' ? 'tree' : options.output;
      if (format !== 'tree' && format !== 'json') throw new UsageError(`unrecognized output format ${options.output}`);
      const signaturePath = files[0]!;
      const mediaType = signatureMediaTypeOf(signaturePath);
      let bytes: Buffer;
      try {
        bytes = await readFile(resolvePath(context, signaturePath));
      } catch (error) {
        throw new Error(`failed to read signature file: ${goReadError(signaturePath, error)}`, { cause: error });
      }
      if (bytes.length > MAX_ENVELOPE_BYTES) throw new Error(`failed to parse signature: signature file is larger than ${MAX_ENVELOPE_BYTES} bytes`);
      let view;
      try {
        view = viewSignature(mediaType, bytes, context.env['TZ']);
      } catch (error) {
        throw new Error(`failed to parse signature: ${(error as Error).message}`, { cause: error });
      }
      context.stdout.write(format === 'json' ? encodeGoJson(signatureJson('', view)) : renderTree(signatureTreeNode(signaturePath, view)));
    });

  const policy = blob
    .command('policy')
    .description('Manage blob trust policy configuration for arbitrary blob signature verification');
  registerPolicyCommands(policy, 'blob', context);
}
