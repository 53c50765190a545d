/**
 * What `sign` and `blob sign` share (notaryproject/notation cmd/notation/internal/sign and
 * `prepareSigningOpts`): the signing key from signingkeys.json (local keys only), the envelope
 * format, `--expiry` as a Go duration, `--timestamp-url`/`--timestamp-root-cert`, and the signing
 * agent written into every signature.
 */
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { getSigningKey, loadConfig, loadSigningKeys, type NotationPaths } from '../../config/index.js';
import { SignError, UsageError } from '../../errors.js';
import type { EnvelopeFormat, Signer, Timestamper } from '../../envelope/index.js';
import { goQuote } from '../../gocompat/index.js';
import type { CertificateCache } from '../../pki/index.js';
import { signerFromKeyAndCertificates } from '../../sign/index.js';
import type { CliContext } from '../context.js';
import { parseGoDuration } from '../go-duration.js';
import { VERSION } from '../main.js';
import type { LevelLogger } from '../notation-shell.js';
import { notationTimestamper } from './network.js';

/**
 * The unsigned `io.cncf.notary.signingAgent` of Portcullis signatures: the notation-go release
 * whose signatures ours are byte-compatible with, then our own product token — the form
 * notation-go itself uses for composed signers (`notation-go/1.3.2 <plugin>/<version>`). Tools
 * and the Notation e2e contract look for the `notation-go/` prefix; the second token says who
 * actually signed.
 */
export function signingAgent(): string {
  // A function: main.js (VERSION) is still loading when the command modules are.
  return `notation-go/1.3.2 portcullis/${VERSION}`;
}

/** `--timestamp-url` and `--timestamp-root-cert`: a Timestamper, or undefined when not asked for. */
export async function signingTimestamper(
  flags: { readonly timestampUrl?: string; readonly timestampRootCert?: string },
  context: CliContext,
  paths: NotationPaths,
  log: LevelLogger,
  certificateCache: CertificateCache,
): Promise<Timestamper | undefined> {
  if (!flags.timestampUrl) return undefined;
  return notationTimestamper(
    { url: flags.timestampUrl, rootCertificatePath: resolvePath(context.cwd, flags.timestampRootCert ?? ''), rootCertificateShown: flags.timestampRootCert ?? '' },
    context,
    paths,
    log,
    certificateCache,
  );
}

/** `--signature-format`, else config.json's `signatureFormat`, else jws (Notation's `GetEnvelopeMediaType` message). */
export async function signatureFormat(flags: { readonly signatureFormat?: string }, paths: NotationPaths): Promise<EnvelopeFormat> {
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
export function expiryMilliseconds(text: string | undefined): number {
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
export async function resolveSigner(flags: { readonly key?: string; readonly id?: string; readonly plugin?: string }, paths: NotationPaths, context: CliContext): Promise<Signer> {
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

