import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { Option, type Command } from 'commander';
import { getSigningKey, loadConfig, loadSigningKeys, type NotationPaths } from '../../config/index.js';
import { SignError, UsageError } from '../../errors.js';
import type { EnvelopeFormat, Signer } from '../../envelope/index.js';
import { goQuote } from '../../gocompat/index.js';
import { checkSignatureFrom, parseCertificate } from '../../pki/index.js';
import { sign, signerFromKeyAndCertificates } from '../../sign/index.js';
import { readCertificateFile } from '../../trust/index.js';
import type { CliContext } from '../context.js';
import { parseGoDuration } from '../go-duration.js';
import { VERSION } from '../main.js';
import {
  acceptGoBooleans,
  collect,
  experimentalNotice,
  mutuallyExclusive,
  notationLogger,
  notationPaths,
  openNotationTarget,
  parseFlagMap,
  requireTogether,
  resolveNotationTarget,
} from '../notation-shell.js';
import type { CommandModule } from './index.js';

interface SignFlags {
  readonly key?: string;
  readonly signatureFormat?: string;
  readonly expiry?: string;
  readonly userMetadata?: string[];
  readonly pluginConfig?: string[];
  readonly id?: string;
  readonly plugin?: string;
  readonly ociLayout?: boolean;
  readonly forceReferrersTag?: boolean;
  readonly allowReferrersApi?: boolean;
  readonly timestampUrl?: string;
  readonly timestampRootCert?: string;
  readonly insecureRegistry?: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly debug?: boolean;
  readonly verbose?: boolean;
}

/** `portcullis sign <reference>`: Notation v1.3.2's `notation sign`, local keys only. */
export const registerSign: CommandModule = (program, context) => {
  const command = program
    .command('sign')
    .description('Sign an OCI artifact and push the signature next to it (Notation-compatible)')
    .argument('<reference>', '<registry>/<repository>{:<tag>|@<digest>}, or with --oci-layout <dir>{:<tag>|@<digest>}')
    .option('-k, --key <name>', 'signing key name from signingkeys.json (default: the default key)')
    .option('--signature-format <format>', 'signature envelope format: jws or cose (default: config.json signatureFormat, else jws)')
    .option('-e, --expiry <duration>', 'signature validity after signing, as a Go duration: 24h, 30m, 3h20m')
    .option('-m, --user-metadata <key=value>', 'metadata signed into the payload (repeatable)', collect)
    .option('--oci-layout', 'the reference is an OCI image layout directory')
    .addOption(new Option('--force-referrers-tag', 'also index the signature in the referrers tag schema (Notation v1.3 default); =false: Referrers API when the registry has it').default(true))
    .addOption(new Option('--no-force-referrers-tag', 'use the Referrers API when the registry has it, else the tag schema').hideHelp())
    .addOption(new Option('--allow-referrers-api', 'deprecated').hideHelp())
    .addOption(new Option('--no-allow-referrers-api').hideHelp())
    .option('--timestamp-url <url>', 'RFC 3161 Timestamping Authority (TSA) server URL')
    .option('--timestamp-root-cert <file>', 'root certificate of the timestamp authority')
    .addOption(new Option('--plugin-config <key=value>', 'plugin configuration (plugin keys only)').argParser(collect))
    .addOption(new Option('--id <key-id>', 'key id of a plugin key').hideHelp())
    .addOption(new Option('--plugin <name>', 'signing plugin').hideHelp())
    .option('--insecure-registry', 'use plain HTTP to the registry')
    .option('-u, --username <name>', 'registry username (default: $NOTATION_USERNAME)')
    .option('-p, --password <secret>', 'registry password or identity token (default: $NOTATION_PASSWORD)')
    .option('-d, --debug', 'debug output')
    .option('-v, --verbose', 'verbose output');
  acceptGoBooleans(command, ['force-referrers-tag', 'allow-referrers-api', 'oci-layout', 'insecure-registry', 'debug', 'verbose']);
  command.action(async (reference: string, flags: SignFlags, self: Command) => runSign(reference, flags, self, context));
};

function flagSet(command: Command): (name: string) => boolean {
  return (name) => {
    const key = name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
    return command.getOptionValueSource(key) === 'cli';
  };
}

async function runSign(raw: string, flags: SignFlags, command: Command, context: CliContext): Promise<void> {
  const isSet = flagSet(command);
  experimentalNotice(context, Boolean(flags.ociLayout) || isSet('allow-referrers-api'));
  mutuallyExclusive(['oci-layout', 'force-referrers-tag', 'allow-referrers-api'], isSet);
  requireTogether(['timestamp-url', 'timestamp-root-cert'], isSet);
  requireTogether(['id', 'plugin'], isSet);
  mutuallyExclusive(['key', 'id'], isSet);
  mutuallyExclusive(['key', 'plugin'], isSet);
  if (isSet('timestamp-url')) {
    if (!flags.timestampUrl) throw new UsageError('timestamping: tsa url cannot be empty');
    if (!flags.timestampRootCert) throw new UsageError('timestamping: tsa root certificate path cannot be empty');
  }
  let forceReferrersTag = flags.forceReferrersTag ?? true;
  if (isSet('allow-referrers-api')) {
    if (flags.allowReferrersApi) {
      context.stderr.write(
        "Warning: flag '--allow-referrers-api' is deprecated and will be removed in future versions, use '--force-referrers-tag=false' instead.\n",
      );
      forceReferrersTag = false;
    } else {
      context.stderr.write("Warning: flag '--allow-referrers-api' is deprecated and will be removed in future versions.\n");
    }
  }
  const log = notationLogger(context, flags);
  const paths = notationPaths(context);

  const signer = await resolveSigner(flags, paths, context);
  const target = await openNotationTarget(raw, { ...flags, forceReferrersTag: forceReferrersTag && !flags.ociLayout }, context, paths, log);
  try {
    const format = await signatureFormat(flags, paths);
    const expiry = expiryMilliseconds(flags.expiry);
    const userMetadata = parseFlagMap(flags.userMetadata, 'user-metadata');
    parseFlagMap(flags.pluginConfig, 'plugin-config');
    if (flags.timestampUrl) {
      log.info?.(`Configured to timestamp with TSA ${goQuote(flags.timestampUrl)}`);
      await checkTimestampRootCertificate(resolvePath(context.cwd, flags.timestampRootCert!), flags.timestampRootCert!);
      throw new UsageError('timestamping: RFC 3161 timestamping is not available in this version of portcullis');
    }
    const descriptor = await resolveNotationTarget(target, log, (tag) => {
      context.stderr.write(
        `Warning: Always sign the artifact using digest(@sha256:...) rather than a tag(:${tag}) because tags are mutable and a tag reference can point to a different artifact than the one signed.\n`,
      );
    });
    const result = await sign(target.storage, descriptor, {
      signer,
      format,
      expiry,
      userMetadata,
      signingAgent: `portcullis/${VERSION}`,
      clock: { now: () => Date.now() },
      // Notation v1.3.2 finds signatures in a layout by walking `subject` links and recognises only
      // its own manifest form there; in registries both forms are found through the referrers index.
      manifestStyle: target.kind === 'oci-layout' ? 'configMediaType' : 'artifactType',
      logger: log,
    });
    context.stdout.write(`Successfully signed ${target.name}@${result.artifact.digest}\n`);
    // Notation v1.3.2 prints only the line above; v2 adds this one, and scripts written for v2 look for it.
    context.stdout.write(`Pushed the signature to ${target.name}@${result.signatureManifest.digest}\n`);
  } finally {
    await target.close();
  }
}

/** `--signature-format`, else config.json's `signatureFormat`, else jws (Notation's `GetEnvelopeMediaType` message). */
async function signatureFormat(flags: SignFlags, paths: NotationPaths): Promise<EnvelopeFormat> {
  let format = flags.signatureFormat;
  if (format === undefined) {
    const config = await loadConfig(paths).catch(() => undefined);
    format = config?.signatureFormat || 'jws';
  }
  if (format !== 'jws' && format !== 'cose') {
    throw new UsageError(`signature format ${goQuote(format)} not supported\nSupported signature envelope formats are "jws" and "cose"`);
  }
  return format;
}

/** `--expiry` as Go parses a duration flag, with notation-go's checks. */
function expiryMilliseconds(text: string | undefined): number {
  if (text === undefined) return 0;
  let nanoseconds: bigint;
  try {
    nanoseconds = parseGoDuration(text);
  } catch (error) {
    throw new UsageError(`invalid argument ${goQuote(text)} for "-e, --expiry" flag: ${(error as Error).message}`);
  }
  if (nanoseconds < 0n) throw new UsageError('expiry duration cannot be a negative value');
  if (nanoseconds % 1_000_000_000n !== 0n) throw new UsageError('expiry duration supports minimum granularity of seconds');
  return Number(nanoseconds / 1_000_000n);
}

/** The signing key: `--key`, else the default key of signingkeys.json; local keys only. */
async function resolveSigner(flags: SignFlags, paths: NotationPaths, context: CliContext): Promise<Signer> {
  if (flags.id !== undefined || flags.plugin !== undefined) {
    throw new SignError('ERR_SIGN_KEY_UNSUPPORTED', `signing with plugin ${goQuote(flags.plugin ?? '')} is not supported: portcullis signs with local keys only`);
  }
  const key = getSigningKey(await loadSigningKeys(paths), flags.key);
  if (key.pluginName !== '' || key.id !== '') {
    throw new SignError(
      'ERR_SIGN_KEY_UNSUPPORTED',
      `signing key ${goQuote(key.name)} uses plugin ${goQuote(key.pluginName)}: plugin keys are not supported, portcullis signs with local keys only`,
    );
  }
  if (key.keyPath === '') throw new SignError('ERR_SIGN_KEY_UNSUPPORTED', 'key path not specified');
  if (key.certPath === '') throw new SignError('ERR_SIGN_KEY_UNSUPPORTED', 'certificate path not specified');
  const read = async (path: string): Promise<Buffer> => {
    try {
      return await readFile(resolvePath(context.cwd, path));
    } catch (error) {
      throw new SignError('ERR_SIGN_KEY_UNSUPPORTED', `open ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`, {
        cause: error,
      });
    }
  };
  const [keyBytes, certificateBytes] = await Promise.all([read(key.keyPath), read(key.certPath)]);
  return signerFromKeyAndCertificates(keyBytes, certificateBytes);
}

/** Notation's checks of `--timestamp-root-cert`: exactly one certificate, self-issued and self-signed. */
async function checkTimestampRootCertificate(path: string, shown: string): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(`open ${shown}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`);
  }
  const certificates = readCertificateFile(bytes);
  if (certificates.length === 0) {
    throw new UsageError(`cannot find any certificate from ${goQuote(shown)}. Expecting single x509 root certificate in PEM or DER format from the file`);
  }
  if (certificates.length > 1) {
    throw new UsageError(`found more than one certificates from ${goQuote(shown)}. Expecting single x509 root certificate in PEM or DER format from the file`);
  }
  const certificate = parseCertificate(certificates[0]!);
  const problem = checkSignatureFrom(certificate, certificate);
  if (problem !== undefined) throw new UsageError(`failed to check root certificate with error: ${problem}`);
  if (Buffer.compare(Buffer.from(certificate.rawSubject), Buffer.from(certificate.rawIssuer)) !== 0) {
    throw new UsageError(`certificate from ${goQuote(shown)} is not a root certificate. Expecting single x509 root certificate in PEM or DER format from the file`);
  }
}
