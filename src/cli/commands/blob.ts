/**
 * `blob sign | verify | inspect | policy` (notaryproject/notation cmd/notation/blob/*.go, main
 * branch: Notation v1.3.2 has no blob commands). Signing and verification are src/sign's
 * `signBlob` and src/verify's `BlobVerifier`, with the same key, timestamping and revocation
 * wiring as `sign` and `verify`.
 */
import { mkdir, open, readFile, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { loadBlobTrustPolicy } from '../../config/index.js';
import { MAX_ENVELOPE_BYTES } from '../../limits.js';
import { UsageError, VerificationError } from '../../errors.js';
import { CertificateCache } from '../../pki/index.js';
import { DEFAULT_BLOB_MEDIA_TYPE, signBlob } from '../../sign/index.js';
import { BlobVerifier, outcomeOf, type BlobVerificationOutcome } from '../../verify/index.js';
import type { CliContext } from '../context.js';
import { renderTree } from '../output.js';
import { askForConfirmation, resolvePath } from '../notation/common.js';
import { registerPolicyCommands } from '../notation/policy-commands.js';
import { encodeGoJson, signatureJson, signatureTreeNode, viewSignature } from '../notation/signature-view.js';
import { expiryMilliseconds, resolveSigner, signatureFormat, signingAgent, signingTimestamper } from '../notation/signing.js';
import { acceptGoBooleans, collect, flagSet, mutuallyExclusive, notationLogger, notationPaths, parseFlagMap, requireTogether } from '../notation-shell.js';
import { notationVerifierPorts, reportVerified, trustStoreFailureMessage } from './verify.js';

/** Parsed certificates stay cached across runs of one process. */
const certificateCache = new CertificateCache();

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

/**
 * cobra finds the sub-command among the arguments and parses every flag for it, so Notation
 * accepts `blob --signature-format cose sign <file>`; commander parses flags before the
 * sub-command name for the group. Moves them behind the sub-command name.
 */
function acceptFlagsBeforeSubcommand(group: Command): void {
  const parse = group.parseOptions.bind(group);
  group.parseOptions = (argv: string[]) => {
    const names = new Set(group.commands.flatMap((sub) => [sub.name(), ...sub.aliases()]));
    const at = argv.findIndex((argument) => names.has(argument));
    if (at > 0 && argv.slice(0, at).every((argument, index) => index > 0 || argument.startsWith('-'))) {
      return parse([argv[at]!, ...argv.slice(0, at), ...argv.slice(at + 1)]);
    }
    return parse(argv);
  };
}

function goFileError(file: string, error: unknown): Error {
  return new Error(goReadError(file, error), { cause: error });
}

interface BlobSignFlags {
  readonly key?: string;
  readonly signatureFormat?: string;
  readonly id?: string;
  readonly plugin?: string;
  readonly expiry?: string;
  readonly pluginConfig?: string[];
  readonly userMetadata?: string[];
  readonly mediaType: string;
  readonly signatureDirectory?: string;
  readonly timestampUrl?: string;
  readonly timestampRootCert?: string;
  readonly force?: boolean;
  readonly debug?: boolean;
  readonly verbose?: boolean;
}

/** `notation blob sign` (cmd/notation/blob/sign.go): a detached signature `<dir>/<blob name>.<format>.sig`. */
async function runBlobSign(blobPath: string | undefined, flags: BlobSignFlags, command: Command, context: CliContext): Promise<void> {
  const isSet = flagSet(command);
  // cobra: Args, then PreRunE, then flag groups.
  if (blobPath === undefined) {
    throw new UsageError('missing file path to the blob artifact: use `notation blob sign --help` to see what parameters are required');
  }
  if (blobPath === '') throw new UsageError('blob path cannot be empty');
  let signatureDirectory = path.dirname(blobPath);
  if (isSet('signature-directory')) {
    if (!flags.signatureDirectory) throw new UsageError('signature directory cannot be empty');
    signatureDirectory = flags.signatureDirectory;
  }
  if (isSet('timestamp-url') && !flags.timestampUrl) throw new UsageError('timestamping: tsa url cannot be empty');
  if (isSet('timestamp-root-cert') && !flags.timestampRootCert) throw new UsageError('timestamping: tsa root certificate path cannot be empty');
  requireTogether(['id', 'plugin'], isSet);
  mutuallyExclusive(['key', 'id'], isSet);
  mutuallyExclusive(['key', 'plugin'], isSet);
  requireTogether(['timestamp-url', 'timestamp-root-cert'], isSet);
  const log = notationLogger(context, flags);
  const paths = notationPaths(context);

  const signer = await resolveSigner(flags, paths, context);
  const format = await signatureFormat(flags, paths);
  const expiry = expiryMilliseconds(flags.expiry);
  parseFlagMap(flags.pluginConfig, 'plugin-config');
  const userMetadata = parseFlagMap(flags.userMetadata, 'user-metadata');
  const timestamper = await signingTimestamper(flags, context, paths, log, certificateCache);
  let blob: FileHandle;
  try {
    blob = await open(resolvePath(context, blobPath), 'r');
  } catch (error) {
    throw goFileError(blobPath, error);
  }
  let signed;
  try {
    signed = await signBlob(blob.createReadStream({ autoClose: false }), {
      signer,
      format,
      expiry,
      userMetadata,
      mediaType: flags.mediaType,
      signingAgent: signingAgent(),
      clock: { now: () => Date.now() },
      ...(timestamper && { timestamper }),
      logger: log,
    });
  } catch (error) {
    // A directory opens but does not read: Go's `read <path>: is a directory`.
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw goFileError(blobPath, error);
    throw error;
  } finally {
    await blob.close();
  }
  const signaturePath = path.join(signatureDirectory, `${path.basename(blobPath)}.${format}.sig`);
  log.info?.(`Writing signature to file ${signaturePath}`);
  const absolute = resolvePath(context, signaturePath);
  if (!flags.force) {
    const exists = await stat(absolute).then(
      () => true,
      () => false,
    );
    if (exists && !(await askForConfirmation(context, 'The signature file already exists, do you want to overwrite it?'))) return;
  } else {
    context.stderr.write('Warning: existing signature file will be overwritten\n');
  }
  try {
    await mkdir(path.dirname(absolute), { recursive: true, mode: 0o700 });
    await writeFile(absolute, signed.envelope, { mode: 0o600 });
  } catch (error) {
    throw new Error(`failed to write signature to file: ${goFsError(error)}`, { cause: error });
  }
  // Sic: Notation prints a space after the first line's newline.
  context.stdout.write(`Successfully signed ${blobPath}\n `);
  context.stdout.write(`Signature file written to ${signaturePath}\n`);
}

/** Go's *PathError text for a failed write or mkdir. */
function goFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const reason = e.code === 'EACCES' ? 'permission denied' : e.code === 'ENOTDIR' ? 'not a directory' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'ENOSPC' ? 'no space left on device' : e.message;
  return e.syscall && e.path ? `${e.syscall} ${e.path}: ${reason}` : reason;
}

interface BlobVerifyFlags {
  readonly signature?: string;
  readonly pluginConfig?: string[];
  readonly userMetadata?: string[];
  readonly mediaType?: string;
  readonly policyName?: string;
  readonly debug?: boolean;
  readonly verbose?: boolean;
}

/** `notation blob verify` (cmd/notation/blob/verify.go). */
async function runBlobVerify(blobPath: string | undefined, flags: BlobVerifyFlags, command: Command, context: CliContext): Promise<void> {
  const isSet = flagSet(command);
  if (blobPath === undefined) {
    throw new UsageError('missing path to the blob artifact: use `notation blob verify --help` to see what parameters are required');
  }
  if (!flags.signature) throw new UsageError('filepath of the signature cannot be empty');
  if (isSet('media-type') && !flags.mediaType) throw new UsageError('--media-type is set but with empty value');
  const log = notationLogger(context, flags);
  const paths = notationPaths(context);

  let blob: FileHandle;
  try {
    blob = await open(resolvePath(context, blobPath), 'r');
  } catch (error) {
    throw goFileError(blobPath, error);
  }
  try {
    let signature: Buffer;
    try {
      const size = (await stat(resolvePath(context, flags.signature))).size;
      if (size > MAX_ENVELOPE_BYTES) throw new Error(`signature file ${flags.signature} is larger than ${MAX_ENVELOPE_BYTES} bytes`);
      signature = await readFile(resolvePath(context, flags.signature));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === undefined) throw error;
      throw goFileError(flags.signature, error);
    }
    // Notation builds its blob verifier (revocation validators, then the blob trust policy) next.
    const ports = await notationVerifierPorts(context, paths, log, certificateCache);
    const trustPolicy = await loadBlobTrustPolicy(paths);
    const verifier = new BlobVerifier({ trustPolicy, ...ports });
    parseFlagMap(flags.pluginConfig, 'plugin-config');
    const userMetadata = parseFlagMap(flags.userMetadata, 'user-metadata');
    const signatureMediaType = signatureMediaTypeOf(flags.signature);
    let outcome: BlobVerificationOutcome;
    try {
      outcome = await verifier.verify(blob.createReadStream({ autoClose: false }), signature, {
        signatureMediaType,
        ...(flags.policyName !== undefined && { policyName: flags.policyName }),
        ...(flags.mediaType !== undefined && { contentMediaType: flags.mediaType }),
        userMetadata,
        logger: log,
      });
    } catch (error) {
      throw blobFailure(error);
    }
    reportVerified(outcome, blobPath, context, { blankLineAfterWarnings: true });
  } finally {
    await blob.close();
  }
}

/**
 * What `blob verify` reports for a rejected signature: trust store problems with their hint (as
 * Notation), anything else as `signature verification failed: <reason>`. (Notation's main branch
 * crashes with a nil dereference when a check rejects a blob signature; the reason is printed instead.)
 */
function blobFailure(error: unknown): Error {
  if (!(error instanceof VerificationError)) return error as Error;
  const outcome = outcomeOf(error) as BlobVerificationOutcome | undefined;
  const storeFailure = trustStoreFailureMessage(outcome?.signature?.checks ?? []);
  if (storeFailure !== undefined) return new Error(storeFailure, { cause: error });
  return new Error(`signature verification failed: ${error.message}`, { cause: error });
}

export function registerBlob(program: Command, context: CliContext): void {
  const blob = program.command('blob').description('Commands for blob');

  const sign = blob
    .command('sign')
    .description('Produce a detached signature for a given blob')
    .usage('[flags] <blob_path>')
    .argument('[blob_path]')
    .option('-k, --key <name>', 'signing key name, for a key previously added to notation\'s key list. This is mutually exclusive with the --id and --plugin flags')
    .option('--signature-format <format>', 'signature envelope format, options: "jws", "cose" (default "jws")')
    .addOption(new Option('--id <key-id>', 'key id (required if --plugin is set). This is mutually exclusive with the --key flag').hideHelp())
    .addOption(new Option('--plugin <name>', 'signing plugin name (required if --id is set). This is mutually exclusive with the --key flag').hideHelp())
    .option('-e, --expiry <duration>', 'optional expiry that provides a "best by use" time for the blob. The duration is specified in minutes(m) and/or hours(h). For example: 12h, 30m, 3h20m')
    .addOption(new Option('--plugin-config <key=value>', '{key}={value} pairs that are passed as it is to a plugin, refer plugin\'s documentation to set appropriate values').argParser(collect))
    .option('-m, --user-metadata <key=value>', '{key}={value} pairs that are added to the signature payload', collect)
    .option('--media-type <type>', 'media type of the blob', DEFAULT_BLOB_MEDIA_TYPE)
    .option('--signature-directory <dir>', 'directory where the signature file is placed (default same directory as the blob)')
    .option('--timestamp-url <url>', 'RFC 3161 Timestamping Authority (TSA) server URL')
    .option('--timestamp-root-cert <file>', 'filepath of timestamp authority root certificate')
    .option('--force', 'override the existing signature file, never prompt')
    .option('-d, --debug', 'debug mode')
    .option('-v, --verbose', 'verbose mode');
  acceptGoBooleans(sign, ['force', 'debug', 'verbose']);
  sign.action(async (blobPath: string | undefined, flags: BlobSignFlags, self: Command) => runBlobSign(blobPath, flags, self, context));

  const verify = blob
    .command('verify')
    .description('Verify a signature associated with a blob')
    .usage('[flags] --signature <signature_path> <blob_path>')
    .argument('[blob_path]')
    .option('-s, --signature <signature_path>', 'filepath of the signature to be verified')
    .addOption(
      new Option(
        '--plugin-config <key=value>',
        '{key}={value} pairs that are passed as it is to a plugin, if the verification is associated with a verification plugin, refer plugin documentation to set appropriate values',
      ).argParser(collect),
    )
    .option('--media-type <type>', 'media type of the blob to verify')
    .option('--policy-name <name>', 'policy name to verify against. If not provided, the global policy is used if exists')
    .option('-m, --user-metadata <key=value>', 'user defined {key}={value} pairs that must be present in the signature for a successful verification if provided', collect)
    .option('-d, --debug', 'debug mode')
    .option('-v, --verbose', 'verbose mode');
  acceptGoBooleans(verify, ['debug', 'verbose']);
  verify.action(async (blobPath: string | undefined, flags: BlobVerifyFlags, self: Command) => runBlobVerify(blobPath, flags, self, context));

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
  acceptFlagsBeforeSubcommand(blob);
}
