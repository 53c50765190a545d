/**
 * What `sign` and `verify` share as Notation-compatible commands: Notation's logging (`-d`, `-v`
 * in logrus' text format), its flag conventions (`--flag=false` booleans, `k=v` maps, flag groups,
 * experimental flags), its reference forms (`<registry>/<repo>{:tag|@digest}`, `<dir>{:tag|@digest}`
 * with `--oci-layout`) and its registry connection rules (credentials, insecure registries).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { Command } from 'commander';
import type { Storage } from '../content/index.js';
import { RegistryError, UsageError } from '../errors.js';
import { goQuote } from '../gocompat/index.js';
import { LayoutStore } from '../layout/index.js';
import { isDigest, parseReference, type Descriptor, type Reference } from '../oci/index.js';
import { RegistryClient, defaultCredentials, type Credential, type RegistryLogger } from '../registry/client/index.js';
import { loadConfig, NotationPaths } from '../config/index.js';
import type { CliContext } from './context.js';
import { notationCredentialsFile } from './notation/credentials.js';

/** The four levels verify and sign report at, each method optional as in the library ports. */
export interface LevelLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

/**
 * Notation's logger: off by default; `-v` prints info and above as `level=info msg=...`; `-d`
 * prints debug and above with a timestamp (`time=... level=debug msg=...`), as logrus'
 * TextFormatter does with quoting disabled.
 */
export function notationLogger(context: CliContext, flags: { readonly debug?: boolean; readonly verbose?: boolean }): LevelLogger {
  if (!flags.debug && !flags.verbose) return {};
  const write = (level: string) => (message: string) => {
    const prefix = flags.debug ? `time=${formatLocalRfc3339(new Date())} ` : '';
    context.stderr.write(`${prefix}level=${level} msg=${message}\n`);
  };
  return {
    ...(flags.debug && { debug: write('debug') }),
    info: write('info'),
    warn: write('warning'),
    error: write('error'),
  };
}

/** Go's `time.RFC3339` in the local zone, as logrus' FullTimestamp prints it. */
function formatLocalRfc3339(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const pad = (value: number) => String(Math.abs(value)).padStart(2, '0');
  const local = new Date(date.getTime() + offset * 60_000).toISOString().replace(/\.\d{3}Z$/, '');
  return offset === 0 ? `${local}Z` : `${local}${offset > 0 ? '+' : '-'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** The registry client's logger: GC warnings always, HTTP exchanges at debug level. */
function registryLogger(context: CliContext, log: LevelLogger): RegistryLogger {
  return {
    warn: (message) => context.stderr.write(`Warning: ${message}\n`),
    ...(log.debug && { debug: (message: string) => log.debug!(message) }),
  };
}

/**
 * Rewrites Go-style boolean flags for commander: `--name=true` → `--name`; `--name=false` →
 * `--no-name` when the command declares that negation, else the flag is dropped (it defaults to
 * false). pflag also accepts 1/0/t/f/T/F/TRUE/FALSE/True/False.
 */
export function normalizeBooleanFlags(argv: readonly string[], names: readonly string[], negatable: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const argument of argv) {
    if (argument === '--') {
      out.push(...argv.slice(argv.indexOf(argument)));
      break;
    }
    const name = names.find((candidate) => argument.startsWith(`--${candidate}=`));
    if (name === undefined) {
      out.push(argument);
      continue;
    }
    const value = argument.slice(name.length + 3);
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) out.push(`--${name}`);
    else if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) {
      if (negatable.has(name)) out.push(`--no-${name}`);
    } else {
      throw new UsageError(`invalid argument ${goQuote(value)} for "--${name}" flag: strconv.ParseBool: parsing ${goQuote(value)}: invalid syntax`);
    }
  }
  return out;
}

/** Makes a command accept `--flag=true|false` for the named boolean flags. */
export function acceptGoBooleans(command: Command, names: readonly string[]): void {
  const negatable = new Set(names.filter((name) => command.options.some((option) => option.long === `--no-${name}`)));
  const parse = command.parseOptions.bind(command);
  command.parseOptions = (argv: string[]) => parse(normalizeBooleanFlags(argv, names, negatable));
}

/** Repeatable string flag collector. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Notation's `ParseFlagMap`: `k=v` pairs, both sides non-empty; later pairs win. */
export function parseFlagMap(pairs: readonly string[] | undefined, flagName: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    const key = at < 0 ? '' : pair.slice(0, at);
    const value = at < 0 ? '' : pair.slice(at + 1);
    if (at < 0 || key === '' || value === '') {
      throw new UsageError(`could not parse flag ${flagName}: key-value pair requires "=" as separator`);
    }
    map[key] = value;
  }
  return map;
}

/** Whether a flag was given on the command line (cobra's `Flags().Changed`). */
export function flagSet(command: Command): (name: string) => boolean {
  return (name) => command.getOptionValueSource(name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())) === 'cli';
}

/** Cobra's `MarkFlagsRequiredTogether` message. */
export function requireTogether(group: readonly string[], set: (name: string) => boolean): void {
  const present = group.filter(set);
  if (present.length === 0 || present.length === group.length) return;
  const missing = group.filter((name) => !set(name)).sort();
  throw new UsageError(`if any flags in the group [${group.join(' ')}] are set they must all be set; missing [${missing.join(' ')}]`);
}

/** Cobra's `MarkFlagsMutuallyExclusive` message. */
export function mutuallyExclusive(group: readonly string[], set: (name: string) => boolean): void {
  const present = group.filter(set);
  if (present.length <= 1) return;
  throw new UsageError(`if any flags in the group [${group.join(' ')}] are set none of the others can be; [${[...present].sort().join(' ')}] were all set`);
}

const EXPERIMENTAL_WARNING =
  'Warning: This feature is experimental and may not be fully tested or completed and may be deprecated. Report any issues to "https://github/notaryproject/notation"\n';

/**
 * Notation gates `--oci-layout` / `--scope` behind NOTATION_EXPERIMENTAL=1. Portcullis does not:
 * the flags always work. With the variable set it prints Notation's warning, so output matches.
 */
export function experimentalNotice(context: CliContext, used: boolean): void {
  if (used && context.env.NOTATION_EXPERIMENTAL === '1') context.stderr.write(EXPERIMENTAL_WARNING);
}

/** Notation's directories from the command's environment (NOTATION_CONFIG, XDG_CONFIG_HOME, ...). */
export function notationPaths(context: CliContext): NotationPaths {
  return NotationPaths.fromEnvironment({ env: context.env });
}

export interface SecureFlags {
  readonly username?: string;
  readonly password?: string;
  readonly insecureRegistry?: boolean;
}

/** The flags `sign` and `verify` share: the target, registry access, metadata, plugins and logging. */
export interface NotationTargetFlags extends SecureFlags {
  readonly ociLayout?: boolean;
  readonly allowReferrersApi?: boolean;
  readonly userMetadata?: string[];
  readonly pluginConfig?: string[];
  readonly debug?: boolean;
  readonly verbose?: boolean;
}

/** PEM certificates in a file, as Go's `AppendCertsFromPEM` reads them (anything else is ignored). */
function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Go's crypto/x509 on Unix also trusts the certificates of `SSL_CERT_FILE` and of the directories
 * in `SSL_CERT_DIR` (colon-separated); Notation therefore does, and scripts use them to trust a
 * private registry CA. Portcullis adds them to Node's roots: the CA list for registry clients, or
 * undefined when neither variable is set (Node's default roots then apply).
 */
export async function environmentCertificateAuthorities(env: CliContext['env']): Promise<string[] | undefined> {
  const file = env.SSL_CERT_FILE;
  const directories = (env.SSL_CERT_DIR ?? '').split(':').filter(Boolean);
  if (!file && directories.length === 0) return undefined;
  const extra: string[] = [];
  const readPem = async (path: string): Promise<void> => {
    try {
      extra.push(...pemCertificates(await readFile(path, 'utf8')));
    } catch {
      // Go skips unreadable files here too.
    }
  };
  if (file) await readPem(file);
  for (const directory of directories) {
    const entries = await readdir(directory).catch(() => [] as string[]);
    for (const entry of entries) await readPem(join(directory, entry));
  }
  return [...rootCertificates, ...extra];
}

/** `-u` / `-p`, defaulting to NOTATION_USERNAME / NOTATION_PASSWORD; an empty username makes the password an identity token. */
export function flagCredential(flags: SecureFlags, context: CliContext): Credential | undefined {
  const username = flags.username ?? context.env.NOTATION_USERNAME ?? '';
  const password = flags.password ?? context.env.NOTATION_PASSWORD ?? '';
  if (username === '' && password === '') return undefined;
  return username === '' ? { identityToken: password } : { username, password };
}

/** An opened `sign` / `verify` target. */
export interface NotationTarget {
  readonly storage: Storage;
  readonly kind: 'registry' | 'oci-layout';
  /** `registry/repository`, or the layout path as given: what Notation prints before `@<digest>`. */
  readonly name: string;
  /** The tag or digest to resolve. */
  readonly tagOrDigest: string;
  readonly reference?: Reference;
  /** Whether any credential source (flags, environment, docker config) has credentials for the registry. */
  hasCredential(): Promise<boolean>;
  close(): Promise<void>;
}

/** Notation's `parseOCILayoutReference`: the last `@` starts a digest, else the last `:` a tag. */
function parseLayoutReference(raw: string): { path: string; reference: string } {
  const missing = () =>
    new UsageError(`${goQuote(raw)}: invalid reference: missing tag or digest. Expecting <file_path>:<tag> or <file_path>@<digest>`);
  let path: string;
  let reference: string;
  const at = raw.lastIndexOf('@');
  if (at >= 0) {
    path = raw.slice(0, at);
    reference = raw.slice(at + 1);
  } else {
    const colon = raw.lastIndexOf(':');
    if (colon < 0 || (colon === 1 && raw.length > 2 && /[A-Za-z]/.test(raw[0]!) && raw[2] === '\\')) throw missing();
    path = raw.slice(0, colon);
    reference = raw.slice(colon + 1);
  }
  if (path === '') {
    throw new UsageError(`${goQuote(raw)}: invalid reference: missing oci-layout file path. Expecting <file_path>:<tag> or <file_path>@<digest>`);
  }
  if (reference === '') throw missing();
  return { path, reference };
}

export interface OpenTargetOptions extends SecureFlags {
  readonly ociLayout?: boolean;
  /** Maintain the referrers tag schema on push (`sign --force-referrers-tag`). */
  readonly forceReferrersTag?: boolean;
}

/** Opens the repository (or layout) a `sign` / `verify` argument names, with Notation's checks and messages. */
export async function openNotationTarget(
  raw: string,
  options: OpenTargetOptions,
  context: CliContext,
  paths: NotationPaths,
  log: LevelLogger,
): Promise<NotationTarget> {
  if (options.ociLayout) {
    const { path, reference } = parseLayoutReference(raw);
    const absolute = resolvePath(context.cwd, path);
    let isDirectory = false;
    try {
      isDirectory = (await stat(absolute)).isDirectory();
    } catch (error) {
      throw new UsageError(`failed to resolve user input reference: ${(error as Error).message}`, { cause: error });
    }
    if (!isDirectory) throw new UsageError('failed to resolve user input reference: input path is not a dir');
    const storage = await LayoutStore.open(absolute, { create: false });
    return { storage, kind: 'oci-layout', name: path, tagOrDigest: reference, hasCredential: async () => false, close: async () => undefined };
  }
  let reference: Reference;
  try {
    reference = parseReference(raw);
  } catch (error) {
    throw new UsageError(`${goQuote(raw)}: ${(error as Error).message}. Expecting <registry>/<repository>:<tag> or <registry>/<repository>@<digest>`, {
      cause: error,
    });
  }
  const tagOrDigest = reference.digest ?? reference.tag;
  if (tagOrDigest === undefined) {
    throw new UsageError(`${goQuote(raw)}: invalid reference: no tag or digest. Expecting <registry>/<repository>:<tag> or <registry>/<repository>@<digest>`);
  }
  const config = await loadConfig(paths).catch(() => undefined);
  const insecure = [...(config?.insecureRegistries ?? [])].filter((entry) => entry.toLowerCase() === reference.registry.toLowerCase());
  if (options.insecureRegistry) insecure.push(reference.registry);
  const credential = flagCredential(options, context);
  const credentials = defaultCredentials({
    ...(credential !== undefined && { credential, registries: [reference.registry] }),
    env: context.env,
    configPath: await notationCredentialsFile(paths, context),
    logger: registryLogger(context, log),
  });
  const ca = await environmentCertificateAuthorities(context.env);
  const client = new RegistryClient({
    credentials,
    insecureRegistries: insecure.length > 0 ? [reference.registry] : [],
    logger: registryLogger(context, log),
    userAgent: 'portcullis',
    ...(ca && { ca }),
  });
  const storage = client.repository(reference, { forceReferrersTag: options.forceReferrersTag ?? false });
  return {
    storage,
    kind: 'registry',
    name: `${reference.registry}/${reference.repository}`,
    tagOrDigest,
    reference,
    hasCredential: async () => (await credentials(reference.registry).catch(() => undefined)) !== undefined,
    close: () => client.close(),
  };
}

function isUnauthorized(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof RegistryError && current.code === 'ERR_REGISTRY_UNAUTHORIZED') return true;
  }
  return false;
}

/**
 * Resolves the target to its manifest descriptor (Notation's `resolveReference`): a digest must
 * resolve to itself; a tag gets `onTag` (the caller's warning).
 */
export async function resolveNotationTarget(target: NotationTarget, log: LevelLogger, onTag: (tag: string) => void): Promise<Descriptor> {
  let descriptor: Descriptor;
  try {
    descriptor = await target.storage.resolve(target.tagOrDigest);
  } catch (error) {
    let message = `failed to get manifest descriptor: ${(error as Error).message}`;
    // oras-go's words when a registry asks for credentials nobody configured; scripts look for them.
    if (isUnauthorized(error) && !(await target.hasCredential())) {
      message += `: credential required for basic auth (no credentials for ${target.reference?.registry ?? 'the registry'}: use -u/-p, NOTATION_USERNAME/NOTATION_PASSWORD or login)`;
    }
    throw new Error(message, { cause: error });
  }
  log.info?.(`Reference ${target.tagOrDigest} resolved to manifest descriptor: ${JSON.stringify(descriptor)}`);
  if (isDigest(target.tagOrDigest)) {
    if (target.tagOrDigest !== descriptor.digest) {
      throw new UsageError(`user input digest ${target.tagOrDigest} does not match the resolved digest ${descriptor.digest}`);
    }
    return descriptor;
  }
  onTag(target.tagOrDigest);
  return descriptor;
}
