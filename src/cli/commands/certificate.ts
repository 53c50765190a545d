/**
 * `certificate` (alias `cert`): add | list/ls | show | delete | generate-test | cleanup-test, as
 * notaryproject/notation cmd/notation/cert/*.go — a thin shell over src/config.
 */
import { open, mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  DIRECTORY_MODE,
  addCertificates,
  addSigningKeyToConfig,
  deleteAllCertificates,
  deleteCertificate,
  deleteSigningKeys,
  keySuite,
  listCertificates,
  showCertificates,
} from '../../config/index.js';
import { ConfigError, UsageError } from '../../errors.js';
import { goQuote } from '../../gocompat/index.js';
import { generateTestCertificate, parseCertificate, type Certificate } from '../../pki/index.js';
import type { CliContext } from '../context.js';
import { formatGoString, formatRfc3339, utcTime } from '../notation/go-time.js';
import { addLoggingOptions, askForConfirmation, notationPaths, requireFlags, resolvePath } from '../notation/common.js';
import { tabwrite } from '../notation/tabwriter.js';

const NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
const TYPE_HELP = 'specify trust store type, options: ca, signingAuthority, tsa';
const RULE = '--------------------------------------------------------------------------------';

interface StoreOptions {
  readonly type?: string;
  readonly store?: string;
}

function printLines(context: CliContext, messages: readonly string[], warnings: readonly string[]): void {
  for (const warning of warnings) context.stderr.write(`${warning}\n`);
  for (const message of messages) context.stdout.write(`${message}\n`);
}

function showCertificate(context: CliContext, certificate: Certificate): void {
  const lines = [
    `Issuer: ${certificate.issuer}`,
    `Subject: ${certificate.subject}`,
    `Valid from: ${formatGoString(utcTime(certificate.notBefore))}`,
    `Valid to: ${formatGoString(utcTime(certificate.notAfter))}`,
    `IsCA: ${certificate.basicConstraints?.ca === true}`,
    `SHA256 Thumbprint: ${certificate.fingerprint256}`,
  ];
  context.stdout.write(`${lines.join('\n')}\n`);
}

/** The wrapped file-system error of a ConfigError, as Go's `%w` would show it. */
function innerMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : (error as Error).message;
}

async function writeNewFile(file: string, data: string, mode: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: DIRECTORY_MODE });
  let handle;
  try {
    handle = await open(file, 'wx', mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' ? 'file exists' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new Error(`open ${file}: ${reason}`, { cause: error });
  }
  try {
    await handle.writeFile(data);
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}

export function registerCertificate(program: Command, context: CliContext): void {
  const cert = program.command('certificate').alias('cert').description('Manage certificates in trust store');

  cert
    .command('add')
    .description('Add certificates to the trust store.')
    .usage('--type <type> --store <name> [flags] <cert_path>...')
    .argument('[cert_path...]')
    .option('-t, --type <type>', TYPE_HELP)
    .option('-s, --store <name>', 'specify named store')
    .action(async (files: string[], options: StoreOptions) => {
      if (files.length === 0) throw new UsageError('missing certificate path');
      requireFlags(options as Record<string, unknown>, ['store', 'type']);
      const paths = notationPaths(context);
      const result = await addCertificates(paths, options.type ?? '', options.store ?? '', files.map((file) => resolvePath(context, file)));
      const given = new Map(files.map((file) => [resolvePath(context, file), file]));
      const shown = (file: string): string => given.get(file) ?? file;
      if (result.added.length > 0) {
        context.stdout.write(`Successfully added following certificates to named store ${options.store} of type ${options.type}:\n`);
        for (const file of result.added) context.stdout.write(`${shown(file)}\n`);
      }
      if (result.failed.length > 0) {
        let message = `Failed to add following certificates to named store ${options.store} of type ${options.type}:\n`;
        for (const failure of result.failed) message += `${shown(failure.path)}, with error ${goQuote(failure.error)}\n`;
        throw new Error(message);
      }
    });

  addLoggingOptions(
    cert
      .command('list')
      .alias('ls')
      .description('List certificates in the trust store.')
      .option('-t, --type <type>', TYPE_HELP)
      .option('-s, --store <name>', 'specify named store'),
  ).action(async (options: StoreOptions) => {
    const listed = await listCertificates(notationPaths(context), {
      ...(options.type !== undefined && { type: options.type }),
      ...(options.store !== undefined && { namedStore: options.store }),
    });
    if (listed.length === 0) return;
    context.stdout.write(
      tabwrite([['STORE TYPE', 'STORE NAME', 'CERTIFICATE'], ...listed.map((entry) => [entry.storeType, entry.namedStore, entry.fileName])]),
    );
  });

  addLoggingOptions(
    cert
      .command('show')
      .description(
        'Show certificate details given trust store type, named store, and certificate file name. If the certificate file contains multiple certificates, then all certificates are displayed.',
      )
      .usage('--type <type> --store <name> [flags] <cert_fileName>')
      .argument('[cert_fileName...]')
      .option('-t, --type <type>', TYPE_HELP)
      .option('-s, --store <name>', 'specify named store'),
  ).action(async (names: string[], options: StoreOptions) => {
    if (names.length === 0) throw new UsageError('missing certificate file name');
    if (names.length > 1) throw new UsageError('show only supports single certificate file');
    requireFlags(options as Record<string, unknown>, ['store', 'type']);
    const certificates = await showCertificates(notationPaths(context), options.type ?? '', options.store ?? '', names[0]!);
    context.stdout.write(`Certificate details\n${RULE}\n`);
    certificates.forEach((der, index) => {
      showCertificate(context, parseCertificate(der));
      if (index !== certificates.length - 1) context.stdout.write(`${RULE}\n`);
    });
  });

  cert
    .command('delete')
    .description('Delete certificates from the trust store.')
    .usage('--type <type> --store <name> [flags] (--all | <cert_fileName>)')
    .argument('[cert_fileName...]')
    .option('-t, --type <type>', TYPE_HELP)
    .option('-s, --store <name>', 'specify named store')
    .option('-a, --all', 'delete all certificates in the named store')
    .option('-y, --yes', 'do not prompt for confirmation')
    .action(async (names: string[], options: StoreOptions & { all?: boolean; yes?: boolean }) => {
      if (options.all) {
        if (names.length !== 0) {
          throw new UsageError('cannot delete a single certificate file when --all flag is set. use --help flag for more details');
        }
      } else if (names.length === 0) {
        throw new UsageError(
          'delete requires either the certificate file name that needs to be deleted or --all flag to delete all certificates in the given named trust store',
        );
      }
      requireFlags(options as Record<string, unknown>, ['store', 'type']);
      const paths = notationPaths(context);
      const deleteOptions = { confirmed: Boolean(options.yes), confirm: (prompt: string) => askForConfirmation(context, prompt) };
      const result = options.all
        ? await deleteAllCertificates(paths, options.type ?? '', options.store ?? '', deleteOptions)
        : await deleteCertificate(paths, options.type ?? '', options.store ?? '', names[0]!, deleteOptions);
      printLines(context, result.messages, result.warnings);
    });

  cert
    .command('generate-test')
    .description('Generate a test RSA key and a corresponding self-signed certificate.')
    .usage('[flags] <common_name>')
    .argument('[common_name...]')
    .option('-b, --bits <int>', 'RSA key bits', '2048')
    .option('--default', 'mark as default signing key')
    .action(async (names: string[], options: { bits: string; default?: boolean }) => {
      if (names.length === 0) throw new UsageError('missing certificate common_name');
      const name = names[0]!;
      if (!NAME_PATTERN.test(name)) throw new UsageError('name needs to follow [a-zA-Z0-9_.-]+ format');
      if (!/^[+-]?\d+$/.test(options.bits)) {
        throw new UsageError(`invalid argument "${options.bits}" for "-b, --bits" flag: strconv.ParseInt: parsing "${options.bits}": invalid syntax`);
      }
      const bits = Number(options.bits);
      context.stdout.write(`generating RSA Key with ${bits} bits\n`);
      if (bits < 1024 || bits > 16384) throw new Error(`crypto/rsa: ${bits}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)`);
      const { generateKeyPair } = await import('node:crypto');
      const privateKey = await new Promise<import('node:crypto').KeyObject>((resolve, reject) =>
        generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 }, (error, _publicKey, key) => (error ? reject(error) : resolve(key))),
      );
      // Notation: valid from now for one day, SHA-256 with RSA whatever the key size.
      const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
      const generated = await generateTestCertificate({ commonName: name, privateKey, notBefore, signatureHash: 'SHA-256' });
      const certificate = parseCertificate(generated.certificate);
      context.stdout.write(`generated certificate expiring on ${formatRfc3339(utcTime(certificate.notAfter))}\n`);

      const paths = notationPaths(context);
      const { keyPath, certPath } = paths.localKeyPaths(name);
      const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      try {
        await writeNewFile(keyPath, keyPem, 0o600);
      } catch (error) {
        throw new Error(`failed to write key file: ${(error as Error).message}`, { cause: error });
      }
      context.stdout.write(`wrote key: ${keyPath}\n`);
      try {
        await writeNewFile(certPath, generated.certificatePem, 0o644);
      } catch (error) {
        throw new Error(`failed to write certificate file: ${(error as Error).message}`, { cause: error });
      }
      context.stdout.write(`wrote certificate: ${certPath}\n`);
      await addSigningKeyToConfig(paths, keySuite({ name, keyPath, certPath }), Boolean(options.default));
      const added = await addCertificates(paths, 'ca', name, [certPath]);
      const failure = added.failed[0];
      if (failure) throw new Error(failure.error);
      context.stdout.write(`Successfully added ${path.basename(certPath)} to named store ${name} of type ca\n`);
      context.stdout.write(`${name}: added to the key list\n`);
      if (options.default) context.stdout.write(`${name}: marked as default signing key\n`);
    });

  cert
    .command('cleanup-test')
    .description('Clean up a test RSA key and its corresponding certificate that were generated using the "generate-test" command.')
    .usage('[flags] <common_name>')
    .argument('[common_name...]')
    .option('-y, --yes', 'do not prompt for confirmation')
    .action(async (names: string[], options: { yes?: boolean }) => {
      if (names.length === 0) throw new UsageError('missing certificate common name');
      const name = names[0]!;
      if (!NAME_PATTERN.test(name)) throw new UsageError('certificate common name must follow [a-zA-Z0-9_.-]+ format');
      const paths = notationPaths(context);
      const { keyPath, certPath } = paths.localKeyPaths(name);
      const certFileName = path.basename(certPath);
      const prompt = `The test key ${name} and its corresponding certificate will be cleaned up with the following changes:
- Delete certificate ${name}.crt from trust store ${name} of type ca
- Remove key ${name} from the key list
- Delete key file: ${keyPath}
- Delete certificate file: ${certPath}
Are you sure you want to continue?`;
      if (!(await askForConfirmation(context, prompt, Boolean(options.yes)))) return;

      try {
        const result = await deleteCertificate(paths, 'ca', name, certFileName, { confirmed: true });
        printLines(context, result.messages, result.warnings);
      } catch (error) {
        if (!(error instanceof ConfigError && error.code === 'ERR_CONFIG_NOT_FOUND')) {
          throw new Error(`failed to delete certificate ${certFileName} from trust store ${name} of type ca: ${innerMessage(error)}`, { cause: error });
        }
        context.stdout.write(`Certificate ${certFileName} does not exist in trust store ${name} of type ca\n`);
      }
      try {
        await deleteSigningKeys(paths, [name]);
        context.stdout.write(`Successfully removed key ${name} from the key list\n`);
      } catch (error) {
        if (!(error instanceof ConfigError && error.code === 'ERR_CONFIG_NOT_FOUND')) {
          throw new Error(`failed to remove key ${name} from the key list: ${(error as Error).message}`, { cause: error });
        }
        context.stdout.write(`Key ${name} does not exist in the key list\n`);
      }
      for (const [file, what, success] of [
        [keyPath, 'key file', 'Key file'],
        [certPath, 'certificate file', 'Certificate file'],
      ] as const) {
        try {
          await unlink(file);
          context.stdout.write(`Successfully deleted ${what}: ${file}\n`);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT') {
            const reason = code === 'EACCES' ? 'permission denied' : code === 'EPERM' ? 'operation not permitted' : (error as Error).message;
            throw new Error(`failed to delete ${what} ${file}: remove ${file}: ${reason}`, { cause: error });
          }
          context.stdout.write(`${success} ${file} does not exist\n`);
        }
      }
      context.stdout.write('Cleanup completed successfully\n');
    });
}
