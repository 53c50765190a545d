/**
 * Trust policy files in the config directory: loading for verification (notation-go
 * `LoadOCIDocument` / `LoadBlobDocument`) and the operations behind `notation policy` and
 * `notation blob policy` (import, show, init), with the notation CLI's messages.
 *
 * Library functions do not print or prompt: they return the lines the CLI prints (`messages`
 * for stdout, `warnings` for stderr) and take a `confirm` callback for the overwrite prompt.
 */
import { stat } from 'node:fs/promises';
import { ConfigError, TrustError, isPortcullisError, type PortcullisError } from '../errors.js';
import { MAX_TRUST_POLICY_BYTES } from '../limits.js';
import {
  TRUST_POLICY_LINK,
  decodeBlobTrustPolicyDocument,
  decodeOCITrustPolicyDocument,
  marshalBlobTrustPolicyDocument,
  marshalOCITrustPolicyDocument,
  parseBlobTrustPolicyDocument,
  parseOCITrustPolicyDocument,
  validateBlobTrustPolicyDocument,
  validateOCITrustPolicyDocument,
  type BlobTrustPolicyDocument,
  type BlobTrustPolicyStatement,
  type DecodePolicyOptions,
  type OCITrustPolicyDocument,
  type VerificationLevelName,
} from '../trust/index.js';
import {
  FileTooLargeError,
  errorCode,
  goPathError,
  isNotFound,
  lstatKind,
  pathError,
  readFileLimited,
  removePath,
  writeFileAtomic,
} from './fs-util.js';
import { BLOB_TRUST_POLICY_FILE, LEGACY_TRUST_POLICY_FILE, OCI_TRUST_POLICY_FILE, type NotationPaths } from './paths.js';

/** Asks the user a yes/no question (`<prompt> [y/N] `); anything but yes cancels. */
export type Confirm = (prompt: string) => boolean | Promise<boolean>;

// ---------------------------------------------------------------------------------------------
// Loading for verification (notation-go getDocument)

async function getDocumentBytes(paths: NotationPaths, fileName: string): Promise<Uint8Array> {
  const target = paths.config(fileName);
  let kind: Awaited<ReturnType<typeof lstatKind>>;
  try {
    kind = await lstatKind(target);
  } catch (error) {
    throw new TrustError('ERR_TRUST_POLICY_MALFORMED', (error as Error).message, { cause: error });
  }
  if (kind === 'missing') {
    throw new TrustError(
      'ERR_TRUST_POLICY_NOT_FOUND',
      `trust policy is not present. To create a trust policy, see: ${TRUST_POLICY_LINK}`,
    );
  }
  if (kind === 'directory' || kind === 'symlink') {
    throw new TrustError(
      'ERR_TRUST_POLICY_MALFORMED',
      `trust policy is not a regular file (symlinks are not supported). To create a trust policy, see: ${TRUST_POLICY_LINK}`,
    );
  }
  try {
    return await readFileLimited(target, MAX_TRUST_POLICY_BYTES);
  } catch (error) {
    if (error instanceof FileTooLargeError) {
      throw new TrustError('ERR_TRUST_POLICY_TOO_LARGE', `trust policy is larger than the limit of ${MAX_TRUST_POLICY_BYTES} bytes`);
    }
    const code = errorCode(error);
    if (code === 'EACCES' || code === 'EPERM') {
      throw new TrustError(
        'ERR_TRUST_POLICY_MALFORMED',
        `unable to read trust policy due to file permissions, please verify the permissions of ${target}`,
        { cause: error },
      );
    }
    throw new TrustError('ERR_TRUST_POLICY_MALFORMED', (error as Error).message, { cause: error });
  }
}

export interface LoadedOCITrustPolicy {
  readonly document: OCITrustPolicyDocument;
  readonly path: string;
  /** True when read from the deprecated `trustpolicy.json`. */
  readonly legacy: boolean;
}

/**
 * The OCI trust policy for verification: `trustpolicy.oci.json`, else the legacy
 * `trustpolicy.json`; decoded as notation-go does (first JSON value only) and validated.
 * @throws TrustError `ERR_TRUST_POLICY_NOT_FOUND` | `ERR_TRUST_POLICY_MALFORMED` | `ERR_TRUST_POLICY_TOO_LARGE` | `ERR_TRUST_POLICY_INVALID`
 */
export async function loadOCITrustPolicy(paths: NotationPaths): Promise<LoadedOCITrustPolicy> {
  let fileName = OCI_TRUST_POLICY_FILE;
  let bytes: Uint8Array;
  try {
    bytes = await getDocumentBytes(paths, fileName);
  } catch (error) {
    if (!(error instanceof TrustError && error.code === 'ERR_TRUST_POLICY_NOT_FOUND')) throw error;
    fileName = LEGACY_TRUST_POLICY_FILE;
    bytes = await getDocumentBytes(paths, fileName);
  }
  const document = decodeOCITrustPolicyDocument(bytes, { trailingData: 'ignore', errorStyle: 'load' });
  validateOCITrustPolicyDocument(document);
  return { document, path: paths.config(fileName), legacy: fileName === LEGACY_TRUST_POLICY_FILE };
}

/**
 * The blob trust policy for verification (`trustpolicy.blob.json`), decoded and validated.
 * @throws TrustError as {@link loadOCITrustPolicy}
 */
export async function loadBlobTrustPolicy(paths: NotationPaths): Promise<BlobTrustPolicyDocument> {
  const bytes = await getDocumentBytes(paths, BLOB_TRUST_POLICY_FILE);
  const document = decodeBlobTrustPolicyDocument(bytes, { trailingData: 'ignore', errorStyle: 'load' });
  validateBlobTrustPolicyDocument(document);
  return document;
}

/**
 * notation-go's `LoadOCIDocument() == nil` / `LoadBlobDocument() == nil` (decodes, does not
 * validate): does a policy exist? The first of `fileNames` that is present decides.
 */
async function policyLoads(
  paths: NotationPaths,
  fileNames: readonly string[],
  decode: (bytes: Uint8Array, options: DecodePolicyOptions) => unknown,
): Promise<boolean> {
  for (const fileName of fileNames) {
    try {
      decode(await getDocumentBytes(paths, fileName), { trailingData: 'ignore' });
      return true;
    } catch (error) {
      if (error instanceof TrustError && error.code === 'ERR_TRUST_POLICY_NOT_FOUND') continue;
      return false;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// policy show

/** What `policy show` prints: the raw file on stdout, warnings on stderr, and an error when invalid. */
export interface ShownPolicy {
  readonly content: Uint8Array;
  readonly path: string;
  readonly warnings: readonly string[];
  /**
   * Set when the file does not parse or validate. The CLI then prints `warnings` and
   * {@link ShownPolicy.invalidHint} to stderr, `content` to stdout, and fails with this error.
   */
  readonly error?: PortcullisError;
  readonly invalidHint?: string;
}

export const OCI_POLICY_INVALID_HINT =
  'Existing OCI trust policy configuration is invalid, you may update or create a new one via `notation policy import <path-to-policy.json>`. See https://github.com/notaryproject/specifications/blob/8cf800c60b7315a43f0adbcae463d848a353b412/specs/trust-store-trust-policy.md#trust-policy-for-oci-artifacts for a trust policy example.';

export const BLOB_POLICY_INVALID_HINT =
  'Existing blob trust policy configuration is invalid, you may update or create a new one via `notation blob policy import <path-to-policy.json>`. See https://github.com/notaryproject/specifications/blob/8cf800c60b7315a43f0adbcae463d848a353b412/specs/trust-store-trust-policy.md#trust-policy-for-blobs for a blob trust policy example.';

export const LEGACY_POLICY_WARNING =
  'Warning: old trust policy `trustpolicy.json` is deprecated; please update the trust policy configuration via `notation policy import`.';

/** Reads a config file the way `fs.ReadFile(dir.ConfigFS(), name)` does: errors name the relative path. */
async function readConfigFile(paths: NotationPaths, fileName: string): Promise<Uint8Array> {
  return readFileLimited(paths.config(fileName), MAX_TRUST_POLICY_BYTES, fileName);
}

/** The policy as shown: its bytes, and the parse or validation error with the CLI's hint when invalid. */
function shownPolicy(
  content: Uint8Array,
  path: string,
  warnings: readonly string[],
  parse: (bytes: Uint8Array) => unknown,
  invalidHint: string,
): ShownPolicy {
  try {
    parse(content);
    return { content, path, warnings };
  } catch (error) {
    if (isPortcullisError(error)) return { content, path, warnings, error, invalidHint };
    throw error;
  }
}

/**
 * `notation policy show`: the OCI policy file as it is on disk (falling back to the legacy
 * `trustpolicy.json` with a deprecation warning), and whether it is valid.
 * @throws ConfigError `ERR_CONFIG_NOT_FOUND` ("failed to show OCI trust policy as it does not exist.
 *   You can import one using `notation policy import <path-to-policy.json>`") | `ERR_CONFIG_IO`
 */
export async function showOCITrustPolicy(paths: NotationPaths): Promise<ShownPolicy> {
  const warnings: string[] = [];
  let fileName = OCI_TRUST_POLICY_FILE;
  let content: Uint8Array;
  try {
    try {
      content = await readConfigFile(paths, fileName);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await stat(paths.config(LEGACY_TRUST_POLICY_FILE));
      } catch (statError) {
        if (isNotFound(statError)) {
          throw new ConfigError(
            'ERR_CONFIG_NOT_FOUND',
            'failed to show OCI trust policy as it does not exist.\nYou can import one using `notation policy import <path-to-policy.json>`',
          );
        }
        throw pathError('stat', LEGACY_TRUST_POLICY_FILE, statError);
      }
      warnings.push(LEGACY_POLICY_WARNING);
      fileName = LEGACY_TRUST_POLICY_FILE;
      content = await readConfigFile(paths, fileName);
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError('ERR_CONFIG_IO', `failed to show OCI trust policy: ${(error as Error).message}`, { cause: error });
  }
  return shownPolicy(content, paths.config(fileName), warnings, (bytes) => parseOCITrustPolicyDocument(bytes), OCI_POLICY_INVALID_HINT);
}

/**
 * `notation blob policy show`.
 * @throws ConfigError `ERR_CONFIG_NOT_FOUND` | `ERR_CONFIG_IO` ("failed to show trust policy: …")
 */
export async function showBlobTrustPolicy(paths: NotationPaths): Promise<ShownPolicy> {
  let content: Uint8Array;
  try {
    content = await readConfigFile(paths, BLOB_TRUST_POLICY_FILE);
  } catch (error) {
    if (isNotFound(error)) {
      throw new ConfigError(
        'ERR_CONFIG_NOT_FOUND',
        'failed to show blob trust policy as the configuration does not exist.\nYou can import one using `notation blob policy import <path-to-policy.json>`',
      );
    }
    throw new ConfigError('ERR_CONFIG_IO', `failed to show trust policy: ${(error as Error).message}`, { cause: error });
  }
  return shownPolicy(content, paths.blobTrustPolicyFile, [], (bytes) => parseBlobTrustPolicyDocument(bytes), BLOB_POLICY_INVALID_HINT);
}

// ---------------------------------------------------------------------------------------------
// policy import / init

export interface WritePolicyOptions {
  /** Overwrite an existing policy without asking (`--force`). */
  readonly force?: boolean;
  /** Asked when a policy exists and `force` is not set; without it, the import is cancelled. */
  readonly confirm?: Confirm;
}

/** The outcome of an import or init. */
export interface PolicyWriteResult {
  /** False when the user declined to overwrite; nothing was written. */
  readonly written: boolean;
  readonly path: string;
  /** Lines for stdout, e.g. `Successfully imported OCI trust policy configuration to <path>.` */
  readonly messages: readonly string[];
  /** Lines for stderr, e.g. `Warning: existing OCI trust policy configuration will be overwritten`. */
  readonly warnings: readonly string[];
}

async function readSource(source: string | Uint8Array, what: string): Promise<Uint8Array> {
  if (typeof source !== 'string') return source;
  try {
    return await readFileLimited(source, MAX_TRUST_POLICY_BYTES);
  } catch (error) {
    throw new ConfigError('ERR_CONFIG_IO', `failed to read ${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** After writing trustpolicy.oci.json, the CLI removes the legacy file (and says so). */
async function deleteLegacyPolicy(paths: NotationPaths, messages: string[], warnings: string[]): Promise<void> {
  const legacy = paths.legacyTrustPolicyFile;
  try {
    await stat(legacy);
  } catch (error) {
    if (!isNotFound(error)) {
      warnings.push(`Warning: failed to delete old trust policy configuration trustpolicy.json: ${goPathError('stat', legacy, error)}`);
    }
    return;
  }
  try {
    await removePath(legacy);
  } catch (error) {
    warnings.push(`Warning: failed to delete old trust policy configuration trustpolicy.json: ${(error as Error).message}`);
    return;
  }
  messages.push('Deleted old trust policy configuration trustpolicy.json.');
}

/**
 * What differs between `policy …` and `blob policy …` when a policy is imported or initialized:
 * the file, the codec, the rules, and the few words of the CLI that do not follow from the label.
 */
interface PolicyKind<D> {
  /** `OCI` or `blob`, as the CLI's messages name the policy. */
  readonly label: 'OCI' | 'blob';
  readonly target: (paths: NotationPaths) => string;
  /** Does a policy exist already (asked before overwriting)? */
  readonly exists: (paths: NotationPaths) => Promise<boolean>;
  readonly decode: (bytes: Uint8Array) => D;
  readonly validate: (document: D) => void;
  readonly marshal: (document: D) => string;
  /** How `import` names the source in its read error. */
  readonly source: string;
  /** The prefix of `init`'s validation error. */
  readonly invalidInit: string;
  /** Runs after the file is written (OCI: remove the legacy `trustpolicy.json`). */
  readonly afterWrite?: (paths: NotationPaths, messages: string[], warnings: string[]) => Promise<void>;
}

const OCI_POLICY: PolicyKind<OCITrustPolicyDocument> = {
  label: 'OCI',
  target: (paths) => paths.ociTrustPolicyFile,
  exists: (paths) => policyLoads(paths, [OCI_TRUST_POLICY_FILE, LEGACY_TRUST_POLICY_FILE], decodeOCITrustPolicyDocument),
  decode: (bytes) => decodeOCITrustPolicyDocument(bytes),
  validate: validateOCITrustPolicyDocument,
  marshal: (document) => marshalOCITrustPolicyDocument(document),
  source: 'OCI trust policy configuration',
  invalidInit: 'invalid OCI trust policy',
  afterWrite: deleteLegacyPolicy,
};

const BLOB_POLICY: PolicyKind<BlobTrustPolicyDocument> = {
  label: 'blob',
  target: (paths) => paths.blobTrustPolicyFile,
  exists: (paths) => policyLoads(paths, [BLOB_TRUST_POLICY_FILE], decodeBlobTrustPolicyDocument),
  decode: (bytes) => decodeBlobTrustPolicyDocument(bytes),
  validate: validateBlobTrustPolicyDocument,
  marshal: (document) => marshalBlobTrustPolicyDocument(document),
  source: 'blob trust policy file',
  invalidInit: 'invalid blob policy',
};

/** Runs a trust step, prefixing its TrustError the way the CLI does. */
function withPrefix<T>(prefix: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof TrustError) throw new TrustError(error.code, `${prefix}: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * The common end of import and init: asks (or not) before replacing an existing policy, writes
 * `content` atomically (mode 0600), runs the kind's follow-up and reports as the CLI does.
 */
async function writePolicy<D>(
  kind: PolicyKind<D>,
  paths: NotationPaths,
  content: Uint8Array | string,
  options: WritePolicyOptions | undefined,
  done: string,
): Promise<PolicyWriteResult> {
  const what = `${kind.label} trust policy configuration`;
  const messages: string[] = [];
  const warnings: string[] = [];
  const target = kind.target(paths);
  if (await kind.exists(paths)) {
    if (options?.force === true) {
      warnings.push(`Warning: existing ${what} will be overwritten`);
    } else if (options?.confirm === undefined || !(await options.confirm(`The ${what} already exists, do you want to overwrite it?`))) {
      return { written: false, path: target, messages, warnings };
    }
  }
  try {
    await writeFileAtomic(target, content);
  } catch (error) {
    throw new ConfigError('ERR_CONFIG_IO', `failed to write ${what}: ${(error as Error).message}`, { cause: error });
  }
  await kind.afterWrite?.(paths, messages, warnings);
  messages.push(`${done} ${target}.`);
  return { written: true, path: target, messages, warnings };
}

async function importPolicy<D>(
  kind: PolicyKind<D>,
  paths: NotationPaths,
  source: string | Uint8Array,
  options: WritePolicyOptions | undefined,
): Promise<PolicyWriteResult> {
  const content = await readSource(source, kind.source);
  const document = withPrefix(`failed to parse ${kind.label} trust policy configuration`, () => kind.decode(content));
  withPrefix(`failed to validate ${kind.label} trust policy configuration`, () => kind.validate(document));
  return writePolicy(kind, paths, content, options, `Successfully imported ${kind.label} trust policy configuration to`);
}

async function initPolicy<D>(
  kind: PolicyKind<D>,
  paths: NotationPaths,
  document: D,
  options: WritePolicyOptions,
): Promise<PolicyWriteResult> {
  withPrefix(kind.invalidInit, () => kind.validate(document));
  return writePolicy(kind, paths, kind.marshal(document), options, `Successfully initialized ${kind.label} trust policy file to`);
}

/**
 * `notation policy import [--force] <file>`: parses and validates the file (bytes, or a path to
 * read), asks before replacing an existing policy, writes it verbatim to `trustpolicy.oci.json`
 * (atomically, mode 0600) and removes the legacy `trustpolicy.json`.
 * @throws ConfigError (`failed to read OCI trust policy configuration: …`,
 *   `failed to write OCI trust policy configuration: …`) or TrustError
 *   (`failed to parse OCI trust policy configuration: …`, `failed to validate OCI trust policy configuration: …`)
 */
export async function importOCITrustPolicy(
  paths: NotationPaths,
  source: string | Uint8Array,
  options?: WritePolicyOptions,
): Promise<PolicyWriteResult> {
  return importPolicy(OCI_POLICY, paths, source, options);
}

/**
 * `notation blob policy import [--force] <file>`.
 * @throws ConfigError | TrustError with the notation CLI's messages (`failed to read blob trust
 *   policy file: …`, `failed to parse blob trust policy configuration: …`, …)
 */
export async function importBlobTrustPolicy(
  paths: NotationPaths,
  source: string | Uint8Array,
  options?: WritePolicyOptions,
): Promise<PolicyWriteResult> {
  return importPolicy(BLOB_POLICY, paths, source, options);
}

/** Flags of `policy init` / `blob policy init`. */
export interface InitPolicyOptions extends WritePolicyOptions {
  /** `--name` */
  readonly name: string;
  /** `--trust-store type:name`, repeated. */
  readonly trustStores: readonly string[];
  /** `--trusted-identity`, repeated. */
  readonly trustedIdentities: readonly string[];
  /** Verification level; default `strict` (the only level `blob policy init` writes). */
  readonly level?: VerificationLevelName;
}

/** `policy init` also takes `--registry-scope`, repeated. */
export interface InitOCIPolicyOptions extends InitPolicyOptions {
  readonly registryScopes: readonly string[];
}

/** `blob policy init` also takes `--global`. */
export interface InitBlobPolicyOptions extends InitPolicyOptions {
  readonly global?: boolean;
}

/** The statement fields both `init` commands take from their flags. */
function initStatement(options: InitPolicyOptions): Omit<BlobTrustPolicyStatement, 'globalPolicy'> {
  return {
    name: options.name,
    signatureVerification: { level: options.level ?? 'strict', override: null, verifyTimestamp: '' },
    trustStores: [...options.trustStores],
    trustedIdentities: [...options.trustedIdentities],
  };
}

/**
 * `notation policy init` — Portcullis's addition (Notation has it only for blobs): writes a
 * one-statement `trustpolicy.oci.json`
 * (`--name N --registry-scope S… --trust-store T… --trusted-identity I… [--level L] [--force]`),
 * formatted as `json.MarshalIndent(doc, "", "  ")` without a trailing newline, like
 * `blob policy init`. Like `policy import`, it then removes the legacy `trustpolicy.json`.
 * @throws TrustError `ERR_TRUST_POLICY_INVALID` (`invalid OCI trust policy: …`) | ConfigError
 */
export async function initOCITrustPolicy(paths: NotationPaths, options: InitOCIPolicyOptions): Promise<PolicyWriteResult> {
  const document: OCITrustPolicyDocument = {
    version: '1.0',
    trustPolicies: [{ ...initStatement(options), registryScopes: [...options.registryScopes] }],
  };
  return initPolicy(OCI_POLICY, paths, document, options);
}

/**
 * `notation blob policy init`: one strict statement, optionally global, written as the notation
 * CLI writes it.
 * @throws TrustError (`invalid blob policy: …`) | ConfigError (`failed to write blob trust policy configuration: …`)
 */
export async function initBlobTrustPolicy(paths: NotationPaths, options: InitBlobPolicyOptions): Promise<PolicyWriteResult> {
  const document: BlobTrustPolicyDocument = {
    version: '1.0',
    trustPolicies: [{ ...initStatement(options), globalPolicy: options.global === true }],
  };
  return initPolicy(BLOB_POLICY, paths, document, options);
}


