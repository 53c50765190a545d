/**
 * What the Notation-compatible commands share: the config directory from the command's
 * environment, Notation's flag groups (`-d/-v`, `-u/-p/--insecure-registry`), the experimental
 * switch, the `[y/N]` prompt, and opening / resolving / listing the signatures of an artifact in a
 * registry or an OCI layout with Notation's messages (notaryproject/notation cmd/notation
 * {registry,manifest,list}.go).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { loadConfig, NotationPaths } from '../../config/index.js';
import type { ReadOnlyStorage } from '../../content/index.js';
import { UsageError } from '../../errors.js';
import { LayoutStore } from '../../layout/index.js';
import { isDigest, parseReference, type Descriptor } from '../../oci/index.js';
import { defaultCredentials, formatRequestEvent, RegistryClient } from '../../registry/client/index.js';
import type { CliContext } from '../context.js';
import { environmentCertificateAuthorities } from '../notation-shell.js';
import { notationCredentialsFile } from './credentials.js';

export const ARTIFACT_TYPE_NOTATION = 'application/vnd.cncf.notary.signature';
export const DEFAULT_MAX_SIGNATURES = 100;

/** Notation's directories, resolved from the command's environment (never `process.env`). */
export function notationPaths(context: CliContext): NotationPaths {
  return NotationPaths.fromEnvironment({ env: context.env });
}

/** Resolves a path argument against the command's working directory. */
export function resolvePath(context: CliContext, file: string): string {
  return path.resolve(context.cwd, file);
}

/** cobra's `required flag(s) "a", "b" not set`. */
export function requireFlags(options: Record<string, unknown>, names: readonly string[]): void {
  const missing = names.filter((name) => {
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = options[key];
    return value === undefined || (Array.isArray(value) && value.length === 0);
  });
  if (missing.length > 0) throw new UsageError(`required flag(s) ${missing.map((m) => `"${m}"`).join(', ')} not set`);
}

/** `-d, --debug` and `-v, --verbose` (v1.x). */
export function addLoggingOptions(command: Command): Command {
  return command.option('-d, --debug', 'debug mode').option('-v, --verbose', 'verbose mode');
}

export interface SecureFlags {
  readonly username?: string;
  readonly password?: string;
  readonly insecureRegistry?: boolean;
  readonly debug?: boolean;
}

/** `-u/--username`, `-p/--password` (default `$NOTATION_USERNAME`/`$NOTATION_PASSWORD`) and `--insecure-registry`. */
export function addSecureOptions(command: Command): Command {
  return command
    .option('-u, --username <username>', 'username for registry operations (default to $NOTATION_USERNAME if not specified)')
    .option('-p, --password <password>', 'password for registry operations (default to $NOTATION_PASSWORD if not specified)')
    .option('--insecure-registry', 'use HTTP protocol while connecting to registries. Should be used only for testing');
}

/** `--max-signatures <int>`, default 100, checked like Notation. */
export function addMaxSignaturesOption(command: Command): Command {
  return command.addOption(
    new Option('--max-signatures <int>', 'maximum number of signatures to evaluate or examine').default(String(DEFAULT_MAX_SIGNATURES)),
  );
}

export function parseMaxSignatures(value: unknown): number {
  const text = String(value ?? DEFAULT_MAX_SIGNATURES);
  if (!/^[+-]?\d+$/.test(text)) throw new UsageError(`invalid argument "${text}" for "--max-signatures" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
  const max = Number(text);
  if (max <= 0) throw new UsageError(`max-signatures value ${max} must be a positive number`);
  return max;
}

/**
 * Notation's `AskForConfirmation`: prints `<prompt> [y/N] ` to stdout and reads one line; `y`/`yes`
 * (any case) confirms, anything else prints `Operation cancelled.`, end of input cancels silently.
 */
export async function askForConfirmation(context: CliContext, prompt: string, confirmed = false): Promise<boolean> {
  if (confirmed) return true;
  context.stdout.write(`${prompt} [y/N] `);
  let line: string | undefined;
  if (context.readLine) {
    line = await context.readLine();
  } else {
    const input = (await context.readStdin()).toString('utf8');
    line = input.length === 0 ? undefined : input.split(/\r?\n/)[0];
  }
  if (line === undefined) return false;
  if (/^(y|yes)$/i.test(line.replace(/\r$/, ''))) return true;
  context.stdout.write('Operation cancelled.\n');
  return false;
}

/** A registry client with Notation's credential order and plain-HTTP rules; `-d` traces exchanges to stderr. */
export async function notationRegistryClient(flags: SecureFlags, context: CliContext): Promise<RegistryClient> {
  const username = flags.username ?? context.env['NOTATION_USERNAME'] ?? '';
  const password = flags.password ?? context.env['NOTATION_PASSWORD'] ?? '';
  let insecureRegistries: readonly string[] = [];
  try {
    insecureRegistries = (await loadConfig(notationPaths(context))).insecureRegistries ?? [];
  } catch {
    // An unreadable config.json does not stop read-only commands (Notation reads it lazily too).
  }
  const credential = username === '' && password === '' ? undefined : username === '' ? { identityToken: password } : { username, password };
  const logger = { warn: (message: string) => context.stderr.write(`Warning: ${message}\n`) };
  const ca = await environmentCertificateAuthorities(context.env);
  const client = new RegistryClient({
    ...(ca && { ca }),
    credentials: defaultCredentials({
      env: { ...context.env, NOTATION_USERNAME: undefined, NOTATION_PASSWORD: undefined },
      configPath: await notationCredentialsFile(notationPaths(context), context),
      logger,
      ...(credential && { credential }),
    }),
    plainHttp: Boolean(flags.insecureRegistry),
    insecureRegistries,
    logger,
    ...(flags.debug && { onRequest: (event) => context.stderr.write(`DEBU ${formatRequestEvent(event)}\n`) }),
  });
  return client;
}

/** A target artifact opened for reading signatures. */
export interface OpenedArtifact {
  readonly storage: ReadOnlyStorage;
  /** `registry/repository` or the layout path, to which `@<digest>` is appended for display. */
  readonly name: string;
  /** The tag or digest the user gave. */
  readonly reference: string;
  close(): Promise<void>;
}

/** notation's `parseOCILayoutReference`: `<path>@<digest>` or `<path>:<tag>`. */
export function parseOciLayoutReference(raw: string): { path: string; reference: string } {
  let layoutPath: string;
  let reference: string;
  const at = raw.lastIndexOf('@');
  if (at !== -1) {
    layoutPath = raw.slice(0, at);
    reference = raw.slice(at + 1);
  } else {
    const colon = raw.lastIndexOf(':');
    if (colon === -1 || (colon === 1 && raw.length > 2 && /[A-Za-z]/.test(raw[0]!) && raw[2] === '\\')) {
      throw new UsageError(`"${raw}": invalid reference: missing tag or digest. Expecting <file_path>:<tag> or <file_path>@<digest>`);
    }
    layoutPath = raw.slice(0, colon);
    reference = raw.slice(colon + 1);
  }
  if (layoutPath === '') throw new UsageError(`"${raw}": invalid reference: missing oci-layout file path. Expecting <file_path>:<tag> or <file_path>@<digest>`);
  if (reference === '') throw new UsageError(`"${raw}": invalid reference: missing tag or digest. Expecting <file_path>:<tag> or <file_path>@<digest>`);
  return { path: layoutPath, reference };
}

/** Opens the repository or layout an artifact reference names (Notation's `getRepository`). */
export async function openArtifact(
  text: string,
  options: { readonly ociLayout: boolean; readonly flags: SecureFlags },
  context: CliContext,
): Promise<OpenedArtifact> {
  if (options.ociLayout) {
    const { path: layoutPath, reference } = parseOciLayoutReference(text);
    const absolute = resolvePath(context, layoutPath);
    let isDirectory = false;
    try {
      isDirectory = (await stat(absolute)).isDirectory();
    } catch (error) {
      throw new UsageError(`failed to resolve user input reference: stat ${layoutPath}: no such file or directory`, { cause: error });
    }
    if (!isDirectory) throw new UsageError('failed to resolve user input reference: input path is not a dir');
    const storage = await LayoutStore.open(absolute, { create: false });
    return { storage, name: layoutPath, reference, close: async () => undefined };
  }
  let parsed;
  try {
    parsed = parseReference(text);
  } catch (error) {
    throw new UsageError(`"${text}": ${(error as Error).message}. Expecting <registry>/<repository>:<tag> or <registry>/<repository>@<digest>`, {
      cause: error,
    });
  }
  const reference = parsed.digest ?? parsed.tag;
  if (reference === undefined) {
    throw new UsageError(`"${text}": invalid reference: no tag or digest. Expecting <registry>/<repo>:<tag> or <registry>/<repo>@<digest>`);
  }
  const client = await notationRegistryClient(options.flags, context);
  return {
    storage: client.repository(`${parsed.registry}/${parsed.repository}`),
    name: `${parsed.registry}/${parsed.repository}`,
    reference,
    close: () => client.close(),
  };
}

/**
 * Notation's `resolveReference`: the manifest descriptor and `<name>@<digest>`; a tag prints
 * `Warning: Always <operation> the artifact using digest(@sha256:...) rather than a tag(:<tag>) …`.
 */
export async function resolveArtifact(
  artifact: OpenedArtifact,
  operation: string,
  context: CliContext,
): Promise<{ descriptor: Descriptor; resolved: string }> {
  let descriptor: Descriptor;
  try {
    descriptor = await artifact.storage.resolve(artifact.reference);
  } catch (error) {
    throw new Error(`failed to get manifest descriptor: ${(error as Error).message}`, { cause: error });
  }
  if (isDigest(artifact.reference)) {
    if (artifact.reference !== descriptor.digest) {
      throw new Error(`user input digest ${artifact.reference} does not match the resolved digest ${descriptor.digest}`);
    }
  } else {
    context.stderr.write(
      `Warning: Always ${operation} the artifact using digest(@sha256:...) rather than a tag(:${artifact.reference}) because resolved digest may not point to the same signed artifact, as tags are mutable.\n`,
    );
  }
  return { descriptor, resolved: `${artifact.name}@${descriptor.digest}` };
}

/** Signature manifests of `subject`, at most `max`; `exceeded` when more exist (Notation then warns). */
export async function listSignatureManifests(
  storage: ReadOnlyStorage,
  subject: Descriptor,
  max: number,
): Promise<{ signatures: Descriptor[]; exceeded: boolean }> {
  const referrers = await storage.referrers(subject, { artifactType: ARTIFACT_TYPE_NOTATION });
  const signatures = referrers.filter((r) => r.artifactType === ARTIFACT_TYPE_NOTATION);
  return { signatures: signatures.slice(0, max), exceeded: signatures.length > max };
}

/**
 * `list` and `inspect`: opens the artifact, resolves it (warning for a tag), lists at most `max`
 * signature manifests and hands them to `use`; the artifact is closed afterwards.
 */
export async function withSignatureManifests(
  reference: string,
  operation: string,
  options: { readonly ociLayout?: boolean } & SecureFlags,
  max: number,
  context: CliContext,
  use: (listed: { artifact: OpenedArtifact; descriptor: Descriptor; resolved: string; signatures: Descriptor[]; exceeded: boolean }) => Promise<void>,
): Promise<void> {
  const artifact = await openArtifact(reference, { ociLayout: Boolean(options.ociLayout), flags: options }, context);
  try {
    const { descriptor, resolved } = await resolveArtifact(artifact, operation, context);
    const { signatures, exceeded } = await listSignatureManifests(artifact.storage, descriptor, max);
    await use({ artifact, descriptor, resolved, signatures, exceeded });
  } finally {
    await artifact.close();
  }
}

export function exceededMessage(max: number): string {
  return `exceeded configured limit of max signatures ${max} to examine`;
}

/**
 * notation-go's `FetchSignatureBlob`: the envelope layer of a signature manifest and its bytes.
 * Errors carry notation-go's wording.
 */
export async function fetchSignatureEnvelope(
  storage: ReadOnlyStorage,
  signatureManifest: Descriptor,
): Promise<{ descriptor: Descriptor; bytes: Uint8Array }> {
  const { fetchAll } = await import('../../content/index.js');
  const { parseManifest } = await import('../../oci/index.js');
  const { MAX_ENVELOPE_BYTES, MAX_MANIFEST_BYTES } = await import('../../limits.js');
  const imageManifest = 'application/vnd.oci.image.manifest.v1+json';
  if (signatureManifest.mediaType !== imageManifest) {
    throw new Error(`sigManifestDesc.MediaType requires "${imageManifest}", got "${signatureManifest.mediaType}"`);
  }
  if (signatureManifest.size > MAX_MANIFEST_BYTES) throw new Error(`signature manifest too large: ${signatureManifest.size} bytes`);
  const parsed = parseManifest(await fetchAll(storage, signatureManifest, MAX_MANIFEST_BYTES), imageManifest);
  if (parsed.kind !== 'manifest') throw new Error(`sigManifestDesc.MediaType requires "${imageManifest}", got "${parsed.mediaType}"`);
  const layers = parsed.manifest.layers;
  if (layers.length !== 1) throw new Error(`signature manifest requries exactly one signature envelope blob, got ${layers.length}`);
  const descriptor = layers[0]!;
  if (descriptor.size > MAX_ENVELOPE_BYTES) throw new Error(`signature blob too large: ${descriptor.size} bytes`);
  return { descriptor, bytes: await fetchAll(storage, descriptor, MAX_ENVELOPE_BYTES) };
}
