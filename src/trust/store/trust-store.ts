/**
 * Trust stores (trust-store-trust-policy.md, "Trust Store"; notation-go verifier/truststore).
 *
 * {@link TrustStore} is the port verification uses. {@link X509TrustStore} implements
 * Notation's rules for `truststore/x509/<type>/<name>/` over a {@link TrustStoreDirectory},
 * which the adapter layer (src/config) provides on node:fs; {@link MemoryTrustStore} serves tests
 * and embedders that keep anchors elsewhere.
 */
import { compareGoStrings, goQuote } from '../../gocompat/index.js';
import { PkiError, TrustError } from '../../errors.js';
import { MAX_CERTIFICATE_FILE_BYTES, MAX_TRUST_STORE_FILES } from '../../limits.js';
import { validateTrustStoreCertificate, type Certificate } from '../../pki/index.js';
import { isTrustStoreType, isValidTrustStoreName, type TrustStoreType } from '../policy/index.js';
import { parseCertificateFile } from './certificate-file.js';

/** The trust store port: DER certificates of a named store. */
export interface TrustStore {
  /**
   * All certificates of the named store, in file-name order.
   * @throws TrustError `ERR_TRUST_STORE_*` when the store is missing, unreadable, empty or holds
   *   something that is not an acceptable trust anchor
   */
  getCertificates(type: TrustStoreType, namedStore: string): Promise<readonly Uint8Array[]>;
}

/** What kind of thing a directory entry is (from lstat: symlinks are not followed). */
export type EntryKind = 'file' | 'directory' | 'symlink' | 'other';

/** Read access to `truststore/x509/` that {@link X509TrustStore} needs. */
export interface TrustStoreDirectory {
  /** The path shown in messages for a named store. */
  storePath(type: TrustStoreType, namedStore: string): string;
  /** lstat of the named store directory; `'missing'` when it does not exist. Throws on other errors. */
  statStore(type: TrustStoreType, namedStore: string): Promise<EntryKind | 'missing'>;
  /** Entries of the named store directory (names and lstat kinds). */
  listStore(type: TrustStoreType, namedStore: string): Promise<readonly { name: string; kind: EntryKind }[]>;
  /** Contents of a regular file in the named store; may throw when it is larger than `maxBytes`. */
  readStoreFile(type: TrustStoreType, namedStore: string, fileName: string, maxBytes: number): Promise<Uint8Array>;
}

function storeError(
  code: 'ERR_TRUST_STORE_NOT_FOUND' | 'ERR_TRUST_STORE_INVALID' | 'ERR_TRUST_STORE_ACCESS' | 'ERR_TRUST_STORE_CERTIFICATE' | 'ERR_TRUST_STORE_EMPTY',
  message: string,
  cause?: unknown,
): TrustError {
  return new TrustError(code, message, cause === undefined ? undefined : { cause });
}

/** pki's trust store rules (notation-go's), as the message of the refusal or undefined. */
function trustStoreProblem(cert: Certificate, type: TrustStoreType): string | undefined {
  try {
    validateTrustStoreCertificate(cert, type);
    return undefined;
  } catch (error) {
    if (error instanceof PkiError) return error.message;
    throw error;
  }
}

/** Go orders directory entries by name bytes (os.ReadDir). */
function byName(a: { name: string }, b: { name: string }): number {
  return compareGoStrings(a.name, b.name);
}

export interface X509TrustStoreOptions {
  /** Largest certificate file read; default {@link MAX_CERTIFICATE_FILE_BYTES}. */
  readonly maxFileBytes?: number;
}

/**
 * Notation's file-system trust store rules, with notation-go's messages:
 * - the type must be `ca`, `signingAuthority` or `tsa`, the name match `[a-zA-Z0-9_.-]+` (and,
 *   beyond Notation, not be `.` or `..`);
 * - the store must be a real directory (no symlink); every entry must be a regular file (a
 *   sub-directory or symlink fails the store, as in notation-go);
 * - every file must hold PEM or DER certificates, each a CA or self-signed; in a `tsa` store each
 *   must be a self-issued, self-signed root CA;
 * - a store without certificates is an error.
 */
export class X509TrustStore implements TrustStore {
  readonly #directory: TrustStoreDirectory;
  readonly #maxFileBytes: number;

  constructor(directory: TrustStoreDirectory, options?: X509TrustStoreOptions) {
    this.#directory = directory;
    this.#maxFileBytes = options?.maxFileBytes ?? MAX_CERTIFICATE_FILE_BYTES;
  }

  async getCertificates(type: TrustStoreType, namedStore: string): Promise<readonly Uint8Array[]> {
    if (!isTrustStoreType(type)) {
      throw storeError('ERR_TRUST_STORE_INVALID', `unsupported trust store type: ${String(type)}`);
    }
    if (!isValidTrustStoreName(namedStore) || namedStore === '.' || namedStore === '..') {
      throw storeError(
        'ERR_TRUST_STORE_INVALID',
        `trust store name needs to follow [a-zA-Z0-9_.-]+ format, ${namedStore} is invalid`,
      );
    }
    const path = this.#directory.storePath(type, namedStore);
    let kind: EntryKind | 'missing';
    try {
      kind = await this.#directory.statStore(type, namedStore);
    } catch (error) {
      throw storeError(
        'ERR_TRUST_STORE_ACCESS',
        `failed to access the trust store ${goQuote(namedStore)} of type ${goQuote(type)}`,
        error,
      );
    }
    if (kind === 'missing') {
      throw storeError(
        'ERR_TRUST_STORE_NOT_FOUND',
        `the trust store ${goQuote(namedStore)} of type ${goQuote(type)} does not exist`,
      );
    }
    if (kind !== 'directory') {
      throw storeError(
        'ERR_TRUST_STORE_INVALID',
        `the trust store ${namedStore} of type ${type} with path ${path} is not a regular directory (symlinks are not supported)`,
      );
    }
    let entries: { name: string; kind: EntryKind }[];
    try {
      entries = [...(await this.#directory.listStore(type, namedStore))].sort(byName);
    } catch (error) {
      throw storeError(
        'ERR_TRUST_STORE_ACCESS',
        `failed to access the trust store ${goQuote(namedStore)} of type ${goQuote(type)}`,
        error,
      );
    }
    if (entries.length > MAX_TRUST_STORE_FILES) {
      throw storeError(
        'ERR_TRUST_STORE_INVALID',
        `the trust store ${goQuote(namedStore)} of type ${goQuote(type)} has more than ${MAX_TRUST_STORE_FILES} files`,
      );
    }
    const certificates: Uint8Array[] = [];
    for (const entry of entries) {
      if (entry.kind !== 'file') {
        throw storeError(
          'ERR_TRUST_STORE_CERTIFICATE',
          `trusted certificate ${entry.name} in trust store ${namedStore} of type ${type} is not a regular file (directories or symlinks are not supported)`,
        );
      }
      let certs: Certificate[];
      try {
        const bytes = await this.#directory.readStoreFile(type, namedStore, entry.name, this.#maxFileBytes);
        certs = parseCertificateFile(bytes);
      } catch (error) {
        throw storeError(
          'ERR_TRUST_STORE_CERTIFICATE',
          `failed to read the trusted certificate ${entry.name} in trust store ${namedStore} of type ${type}`,
          error,
        );
      }
      const validateMessage = `failed to validate the trusted certificate ${entry.name} in trust store ${namedStore} of type ${type}`;
      if (certs.length === 0) {
        throw storeError('ERR_TRUST_STORE_CERTIFICATE', validateMessage, new Error('input certs cannot be empty'));
      }
      // notation-go checks the whole file (ValidateCertificates) before the tsa root rule, so a
      // later non-CA certificate is reported before an earlier non-root one.
      for (const cert of certs) {
        const problem = trustStoreProblem(cert, 'ca');
        if (problem !== undefined) throw storeError('ERR_TRUST_STORE_CERTIFICATE', validateMessage, new Error(problem));
      }
      if (type === 'tsa') {
        for (const cert of certs) {
          const problem = trustStoreProblem(cert, 'tsa');
          if (problem !== undefined) {
            throw storeError(
              'ERR_TRUST_STORE_CERTIFICATE',
              `trusted certificate ${entry.name} in trust store ${namedStore} of type ${type} is invalid: ${problem}`,
            );
          }
        }
      }
      certificates.push(...certs.map((cert) => cert.der));
    }
    if (certificates.length === 0) {
      throw storeError(
        'ERR_TRUST_STORE_EMPTY',
        `no x509 certificates were found in trust store ${goQuote(namedStore)} of type ${goQuote(type)}`,
      );
    }
    return certificates;
  }
}

/** A trust store held in memory: `{ 'ca:acme': [der, ...] }`. No anchor checks are made. */
export class MemoryTrustStore implements TrustStore {
  readonly #stores: ReadonlyMap<string, readonly Uint8Array[]>;

  constructor(stores: Readonly<Record<string, readonly Uint8Array[]>>) {
    this.#stores = new Map(Object.entries(stores));
  }

  async getCertificates(type: TrustStoreType, namedStore: string): Promise<readonly Uint8Array[]> {
    const certificates = this.#stores.get(`${type}:${namedStore}`);
    if (certificates === undefined) {
      throw storeError(
        'ERR_TRUST_STORE_NOT_FOUND',
        `the trust store ${goQuote(namedStore)} of type ${goQuote(type)} does not exist`,
      );
    }
    if (certificates.length === 0) {
      throw storeError(
        'ERR_TRUST_STORE_EMPTY',
        `no x509 certificates were found in trust store ${goQuote(namedStore)} of type ${goQuote(type)}`,
      );
    }
    return certificates;
  }
}

/**
 * The certificates of every store of `type` that a statement lists (`trustStores` entries
 * `type:name`), each store loaded once, in statement order (notation-go
 * `loadX509TrustStoresWithType`). Use `ca` for `notary.x509` signatures, `signingAuthority` for
 * `notary.x509.signingAuthority`, `tsa` for timestamp countersignatures.
 * @throws TrustError from the store, or `ERR_TRUST_POLICY_INVALID` for an entry without `:`
 */
export async function loadTrustStoreCertificates(
  store: TrustStore,
  type: TrustStoreType,
  policyName: string,
  trustStores: readonly string[],
): Promise<Uint8Array[]> {
  const loaded = new Set<string>();
  const certificates: Uint8Array[] = [];
  for (const entry of trustStores) {
    if (loaded.has(entry)) continue;
    const at = entry.indexOf(':');
    if (at < 0) {
      throw new TrustError(
        'ERR_TRUST_POLICY_INVALID',
        `error while loading the trust store, trust policy statement ${goQuote(policyName)} is missing separator in trust store value ${goQuote(entry)}. The required format is <TrustStoreType>:<TrustStoreName>`,
      );
    }
    if (entry.slice(0, at) !== type) continue;
    certificates.push(...(await store.getCertificates(type, entry.slice(at + 1))));
    loaded.add(entry);
  }
  return certificates;
}
