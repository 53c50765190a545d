/**
 * The file-system trust store (`{config}/truststore/x509/<type>/<name>/`) and the operations
 * behind `notation cert add | list | show | delete` (notation cmd/notation/cert/*.go,
 * cmd/notation/internal/truststore), with the notation CLI's messages.
 */
import { lstat, opendir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { compareGoStrings } from '../gocompat/index.js';
import { MAX_CERTIFICATE_FILE_BYTES } from '../limits.js';
import {
  TRUST_STORE_TYPES,
  X509TrustStore,
  isTrustStoreType,
  isValidTrustStoreName,
  readCertificateFile,
  type EntryKind,
  type TrustStore,
  type TrustStoreDirectory,
  type TrustStoreType,
} from '../trust/index.js';
import {
  isNotFound,
  lstatKind,
  pathError,
  readFileLimited,
  removePath,
  writeFileAtomic,
} from './fs-util.js';
import type { NotationPaths } from './paths.js';
import type { Confirm } from './trust-policy-files.js';

/** {@link TrustStoreDirectory} on node:fs. */
export class FileSystemTrustStoreDirectory implements TrustStoreDirectory {
  readonly #paths: NotationPaths;

  constructor(paths: NotationPaths) {
    this.#paths = paths;
  }

  storePath(type: TrustStoreType, namedStore: string): string {
    return this.#paths.trustStoreDir(type, namedStore);
  }

  async statStore(type: TrustStoreType, namedStore: string): Promise<EntryKind | 'missing'> {
    return lstatKind(this.storePath(type, namedStore));
  }

  async listStore(type: TrustStoreType, namedStore: string): Promise<readonly { name: string; kind: EntryKind }[]> {
    const directory = this.storePath(type, namedStore);
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      throw pathError('open', directory, error);
    }
    return entries.map((entry) => ({
      name: entry.name,
      kind: entry.isSymbolicLink() ? 'symlink' : entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : 'other',
    }));
  }

  async readStoreFile(type: TrustStoreType, namedStore: string, fileName: string, maxBytes: number): Promise<Uint8Array> {
    return readFileLimited(path.join(this.storePath(type, namedStore), fileName), maxBytes);
  }
}

/** The trust store verification uses, reading Notation's directory. */
export function createFileSystemTrustStore(paths: NotationPaths): TrustStore {
  return new X509TrustStore(new FileSystemTrustStoreDirectory(paths));
}

function argumentError(message: string): never {
  throw new ConfigError('ERR_CONFIG_INVALID_ARGUMENT', message);
}

/** The CLI's checks of `--type` and `--store`, in its order and words. */
function checkTypeAndStore(type: string, namedStore: string, order: 'type-first' | 'store-first'): asserts type is TrustStoreType {
  const checkType = (): void => {
    if (type === '') argumentError('store type cannot be empty');
    if (!isTrustStoreType(type)) argumentError(`unsupported store type: ${type}`);
  };
  const checkStore = (): void => {
    // `.` and `..` pass Notation's pattern but would name the parent directories.
    if (!isValidTrustStoreName(namedStore) || namedStore === '.' || namedStore === '..') {
      argumentError('named store name needs to follow [a-zA-Z0-9_.-]+ format');
    }
  };
  if (order === 'type-first') {
    checkType();
    checkStore();
  } else {
    checkStore();
    checkType();
  }
}

/** A certificate file name inside a store: a single path component (Notation does not check). */
function checkFileName(fileName: string, emptyMessage: string): void {
  if (fileName === '') argumentError(emptyMessage);
  if (fileName === '.' || fileName === '..' || fileName.includes('/') || fileName.includes('\\') || fileName.includes('\0')) {
    argumentError(`certificate file name ${fileName} must be a file name, not a path`);
  }
}

async function readCertificates(file: string): Promise<Uint8Array[]> {
  const bytes = await readFileLimited(file, MAX_CERTIFICATE_FILE_BYTES);
  return readCertificateFile(bytes);
}

// ---------------------------------------------------------------------------------------------
// cert add

export interface AddCertificatesResult {
  /** Paths as given that were added. */
  readonly added: readonly string[];
  /** Paths as given that failed, with the reason (the CLI prints `<path>, with error "<reason>"`). */
  readonly failed: readonly { readonly path: string; readonly error: string }[];
}

/**
 * `notation cert add --type T --store S <file>...`: copies each file that holds at least one
 * certificate into the store (mode 0600, directory 0700), refusing a file name already there.
 * Files are copied verbatim; as in Notation, they are not checked to be CA or self-signed here
 * (verification will refuse such a store).
 * @throws ConfigError `ERR_CONFIG_INVALID_ARGUMENT` for a bad type or store name (before any copy)
 */
export async function addCertificates(
  paths: NotationPaths,
  type: string,
  namedStore: string,
  files: readonly string[],
): Promise<AddCertificatesResult> {
  checkTypeAndStore(type, namedStore, 'type-first');
  const added: string[] = [];
  const failed: { path: string; error: string }[] = [];
  for (const file of files) {
    try {
      await addCertificate(paths, type, namedStore, file);
      added.push(file);
    } catch (error) {
      failed.push({ path: file, error: (error as Error).message });
    }
  }
  return { added, failed };
}

async function addCertificate(paths: NotationPaths, type: TrustStoreType, namedStore: string, file: string): Promise<void> {
  const source = path.resolve(file);
  const content = await readFileLimited(source, MAX_CERTIFICATE_FILE_BYTES);
  const certificates = readCertificateFile(content);
  if (certificates.length === 0) throw new Error('no valid certificate found in the file');
  const target = path.join(paths.trustStoreDir(type, namedStore), path.basename(source));
  if ((await lstatKind(target)) !== 'missing') throw new Error('certificate already exists in the Trust Store');
  await writeFileAtomic(target, content);
}

// ---------------------------------------------------------------------------------------------
// cert list

export interface ListedCertificate {
  /** As the CLI derives it from the path: the grandparent directory's name. */
  readonly storeType: string;
  /** The parent directory's name. */
  readonly namedStore: string;
  readonly fileName: string;
  readonly path: string;
}

/** notation's `ListCerts(root, depth)`: regular files holding certificates, lexical walk order. */
async function listCerts(root: string, depth: number): Promise<string[]> {
  const found: string[] = [];
  const walk = async (directory: string, level: number): Promise<void> => {
    let entries;
    try {
      entries = (await readdir(directory, { withFileTypes: true })).sort((a, b) => compareGoStrings(a.name, b.name));
    } catch (error) {
      throw pathError('open', directory, error);
    }
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (level + 1 <= depth) await walk(full, level + 1);
        continue;
      }
      if (!entry.isFile()) continue; // symlinks and special files are skipped
      const certificates = await readCertificates(full);
      if (certificates.length > 0) found.push(full);
    }
  };
  try {
    const info = await lstat(root);
    if (!info.isDirectory()) return [];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw pathError('lstat', root, error);
  }
  await walk(root, 0);
  return found;
}

function listed(file: string): ListedCertificate {
  const directory = path.dirname(file);
  return {
    storeType: path.basename(path.dirname(directory)),
    namedStore: path.basename(directory),
    fileName: path.basename(file),
    path: file,
  };
}

/**
 * `notation cert list [--type T] [--store S]`: certificate files in the trust store. An unknown
 * type with a filter lists nothing (as Notation). Files that do not parse fail the listing.
 * @throws ConfigError `ERR_CONFIG_IO` with the CLI's `failed to list all certificates …` message
 */
export async function listCertificates(
  paths: NotationPaths,
  filter?: { readonly type?: string; readonly namedStore?: string },
): Promise<ListedCertificate[]> {
  const type = filter?.type ?? '';
  const namedStore = filter?.namedStore ?? '';
  const run = async (roots: readonly string[], depth: number, failure: string): Promise<ListedCertificate[]> => {
    const files: string[] = [];
    for (const root of roots) {
      try {
        files.push(...(await listCerts(root, depth)));
      } catch (error) {
        throw new ConfigError('ERR_CONFIG_IO', `${failure}, with error: ${(error as Error).message}`, { cause: error });
      }
    }
    return files.map(listed);
  };
  if (type === '' && namedStore === '') {
    return run(
      TRUST_STORE_TYPES.map((t) => paths.trustStoreDir(t)),
      1,
      'failed to list all certificates stored in the trust store',
    );
  }
  if (type !== '' && !isTrustStoreType(type)) return [];
  if (type !== '' && namedStore !== '') {
    return run(
      [paths.trustStoreDir(type as TrustStoreType, namedStore)],
      0,
      `failed to list all certificates stored in the named store ${namedStore} of type ${type}`,
    );
  }
  if (type !== '') {
    return run([paths.trustStoreDir(type as TrustStoreType)], 1, `failed to list all certificates stored of type ${type}`);
  }
  return run(
    TRUST_STORE_TYPES.map((t) => paths.trustStoreDir(t, namedStore)),
    0,
    `failed to list all certificates stored in the named store ${namedStore}`,
  );
}

// ---------------------------------------------------------------------------------------------
// cert show

/**
 * `notation cert show --type T --store S <file>`: the DER certificates of one file in a store
 * (rendering is the CLI's job).
 * @throws ConfigError with the CLI's messages (`failed to show details of certificate X, with error: …`)
 */
export async function showCertificates(
  paths: NotationPaths,
  type: string,
  namedStore: string,
  fileName: string,
): Promise<Uint8Array[]> {
  checkTypeAndStore(type, namedStore, 'type-first');
  checkFileName(fileName, 'certificate fileName cannot be empty');
  const file = path.join(paths.trustStoreDir(type, namedStore), fileName);
  let certificates: Uint8Array[];
  try {
    certificates = await readCertificates(file);
  } catch (error) {
    throw new ConfigError(
      isNotFound(error) ? 'ERR_CONFIG_NOT_FOUND' : 'ERR_CONFIG_IO',
      `failed to show details of certificate ${fileName}, with error: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (certificates.length === 0) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `failed to show details of certificate ${fileName}, with error: no valid certificate found in the file`,
    );
  }
  return certificates;
}

// ---------------------------------------------------------------------------------------------
// cert delete

export interface DeleteOptions {
  /** `-y`: do not ask. */
  readonly confirmed?: boolean;
  /** Asked otherwise; without it the deletion is cancelled. */
  readonly confirm?: Confirm;
}

export interface DeleteResult {
  readonly deleted: boolean;
  readonly messages: readonly string[];
  readonly warnings: readonly string[];
}

async function confirmed(options: DeleteOptions | undefined, prompt: string): Promise<boolean> {
  if (options?.confirmed === true) return true;
  return options?.confirm === undefined ? false : await options.confirm(prompt);
}

/**
 * `notation cert delete --type T --store S <file>`: removes the file, then the store directory
 * if it became empty (warning, not failing, when that check or removal fails).
 * @throws ConfigError with the CLI's messages (`failed to delete the certificate file: …`)
 */
export async function deleteCertificate(
  paths: NotationPaths,
  type: string,
  namedStore: string,
  fileName: string,
  options?: DeleteOptions,
): Promise<DeleteResult> {
  checkTypeAndStore(type, namedStore, 'store-first');
  checkFileName(fileName, 'to delete a specific certificate, certificate fileName cannot be empty');
  const storePath = paths.trustStoreDir(type, namedStore);
  const file = path.join(storePath, fileName);
  const prompt = `Are you sure you want to delete "${fileName}" in "${namedStore}" of type "${type}"?`;
  if (!(await confirmed(options, prompt))) return { deleted: false, messages: [], warnings: [] };
  try {
    await stat(file).catch((error: unknown) => {
      throw pathError('stat', file, error);
    });
    await removePath(file);
  } catch (error) {
    throw new ConfigError(
      isNotFound((error as Error).cause) ? 'ERR_CONFIG_NOT_FOUND' : 'ERR_CONFIG_IO',
      `failed to delete the certificate file: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const warnings: string[] = [];
  let empty = false;
  try {
    const directory = await opendir(storePath);
    try {
      empty = (await directory.read()) === null;
    } finally {
      await directory.close();
    }
  } catch (error) {
    warnings.push(
      `Warning: failed to check if the trust store directory ${storePath} is empty: ${pathError('open', storePath, error).message}`,
    );
  }
  if (empty) {
    try {
      await removePath(storePath);
    } catch (error) {
      warnings.push(`Warning: failed to remove the empty trust store directory ${storePath}: ${(error as Error).message}`);
    }
  }
  return {
    deleted: true,
    messages: [`Successfully deleted ${fileName} from trust store ${namedStore} of type ${type}`],
    warnings,
  };
}

/**
 * `notation cert delete --all --type T --store S`: removes the whole named store.
 * @throws ConfigError (`failed to delete the named trust store: …`)
 */
export async function deleteAllCertificates(
  paths: NotationPaths,
  type: string,
  namedStore: string,
  options?: DeleteOptions,
): Promise<DeleteResult> {
  checkTypeAndStore(type, namedStore, 'store-first');
  const storePath = paths.trustStoreDir(type, namedStore);
  const prompt = `Are you sure you want to delete all certificates in "${namedStore}" of type "${type}"?`;
  if (!(await confirmed(options, prompt))) return { deleted: false, messages: [], warnings: [] };
  try {
    const info = await lstat(storePath).catch((error: unknown) => {
      throw pathError('stat', storePath, error);
    });
    if (info.isSymbolicLink()) {
      // Notation would follow the link and delete the link only; refuse to touch anything else.
      await removePath(storePath);
    } else {
      await rm(storePath, { recursive: true, force: false });
    }
  } catch (error) {
    throw new ConfigError(
      isNotFound((error as Error).cause) ? 'ERR_CONFIG_NOT_FOUND' : 'ERR_CONFIG_IO',
      `failed to delete the named trust store: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { deleted: true, messages: [`Successfully deleted ${storePath}`], warnings: [] };
}
