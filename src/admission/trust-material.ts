/**
 * The trust material of `--config-dir`: Notation's trust policy and the trust stores it names,
 * loaded into an immutable snapshot with a version (a hash of the policy and every certificate).
 * Cached verdicts are keyed by that version, so a change of trust invalidates them all at once.
 *
 * Kubernetes mounts a ConfigMap or Secret as `<dir>/..data -> ..<timestamp>/` with the visible
 * names as symlinks into it. Notation refuses a trust policy that is a symlink, so when `..data`
 * exists the snapshot directory it points at is read instead: its files are regular files, and
 * reading one timestamped directory means never mixing two versions of the mount.
 */
import { createHash } from 'node:crypto';
import { lstat, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileSystemTrustStore, loadOCITrustPolicy, NotationPaths } from '../config/index.js';
import { isPortcullisError } from '../errors.js';
import {
  isTrustStoreType,
  marshalOCITrustPolicyDocument,
  MemoryTrustStore,
  type OCITrustPolicyDocument,
  type TrustStore,
} from '../trust/index.js';
import { AdmissionError } from './errors.js';

export interface TrustMaterial {
  /** Short hash of the trust policy and the certificates of every store it names. */
  readonly version: string;
  readonly trustPolicy: OCITrustPolicyDocument;
  /** The certificates as they were when loaded (a later edit of the directory does not leak in). */
  readonly trustStore: TrustStore;
  /** The directory actually read (the `..data` target for a Kubernetes volume). */
  readonly directory: string;
  /** Statement names, for /readyz and logs. */
  readonly statements: readonly string[];
}

/** `<dir>/..data` resolved when present (Kubernetes volume), else `<dir>`. */
export async function resolveMountedDirectory(directory: string): Promise<string> {
  const data = join(directory, '..data');
  try {
    await lstat(data);
  } catch {
    return directory;
  }
  return realpath(data);
}

/**
 * Loads and checks the trust material. Every trust store a statement names must load: a broken
 * store is refused here, at reload time, instead of failing every verification that needs it.
 * @throws AdmissionError `ERR_ADMISSION_TRUST_MATERIAL` with the trust error as cause
 */
export async function loadTrustMaterial(configDir: string): Promise<TrustMaterial> {
  const directory = await resolveMountedDirectory(configDir);
  const paths = NotationPaths.fromConfigDir(directory);
  try {
    const { document } = await loadOCITrustPolicy(paths);
    const fileStore = createFileSystemTrustStore(paths);
    const stores: Record<string, readonly Uint8Array[]> = {};
    const names = new Set<string>();
    for (const statement of document.trustPolicies ?? []) {
      for (const reference of statement.trustStores ?? []) names.add(reference);
    }
    const hash = createHash('sha256').update(marshalOCITrustPolicyDocument(document, ''));
    for (const reference of [...names].sort()) {
      const colon = reference.indexOf(':');
      const type = reference.slice(0, colon);
      const name = reference.slice(colon + 1);
      if (colon <= 0 || !isTrustStoreType(type)) continue; // validateOCITrustPolicyDocument already refused these
      const certificates = await fileStore.getCertificates(type, name);
      stores[`${type}:${name}`] = certificates;
      hash.update(`\n${type}:${name}\n`);
      for (const certificate of certificates) hash.update(certificate);
    }
    return {
      version: hash.digest('hex').slice(0, 16),
      trustPolicy: document,
      trustStore: new MemoryTrustStore(stores),
      directory,
      statements: (document.trustPolicies ?? []).map((statement) => statement.name),
    };
  } catch (error) {
    const detail = isPortcullisError(error) ? `${error.message} (${error.code})` : (error as Error).message;
    throw new AdmissionError('ERR_ADMISSION_TRUST_MATERIAL', `cannot load trust material from ${configDir}: ${detail}`, { cause: error });
  }
}
