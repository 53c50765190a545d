import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BlobDirectory,
  ensureDirectory,
  isErrorCode,
  KeyedMutex,
  LAYOUT_FILE,
  LayoutStore,
  removeStaleTemps,
} from '../../layout/index.js';
import type { Descriptor, Digest, ParsedManifest } from '../../oci/index.js';
import { ManifestCache } from './manifest-cache.js';
import { decodeRepositoryName, RootLayout } from './root-layout.js';
import { UploadSessions, type UploadSession } from './uploads.js';

export interface RegistryStorageOptions {
  /** Idle upload sessions older than this are removed. */
  readonly uploadTimeoutMs: number;
}

/**
 * The registry's state on disk (see RootLayout): a global content-addressed store and one OCI
 * image layout per repository whose blobs are hard links into it. Membership of a blob in a
 * repository is its link; the global copy goes when its last link does (link count 1), decided
 * under a per-digest lock so a concurrent mount or push never links a blob being removed.
 */
export class RegistryStorage {
  readonly layout: RootLayout;
  readonly global: BlobDirectory;
  readonly uploads: UploadSessions;
  readonly manifestCache = new ManifestCache();
  private readonly repositories = new Map<string, Promise<LayoutStore>>();
  private readonly digestLocks = new KeyedMutex();

  private constructor(root: string, options: RegistryStorageOptions) {
    this.layout = new RootLayout(root);
    this.global = new BlobDirectory(this.layout.blobs, this.layout.ingest);
    this.uploads = new UploadSessions(this.layout, options.uploadTimeoutMs);
  }

  /** Opens a root, creating it, removing leftover temp files and dead upload sessions. */
  static async open(root: string, options: RegistryStorageOptions): Promise<RegistryStorage> {
    const storage = new RegistryStorage(root, options);
    const { layout } = storage;
    for (const folder of [layout.blobs, layout.repositories, layout.uploads, layout.ingest]) await ensureDirectory(folder);
    // This process owns the root: every temp file present now is a crashed writer's leftover.
    await removeStaleTemps(layout.ingest, 0);
    await storage.recover();
    await storage.uploads.expire();
    return storage;
  }

  /** An existing repository, or undefined. */
  repository(name: string): Promise<LayoutStore | undefined> {
    return this.load(name, false);
  }

  createRepository(name: string): Promise<LayoutStore> {
    return this.load(name, true) as Promise<LayoutStore>;
  }

  /** A blob of `name` (its link there), or undefined when the repository does not hold it. */
  async blob(name: string, digest: Digest): Promise<{ repository: LayoutStore; info: Stats } | undefined> {
    const repository = await this.repository(name);
    const info = await repository?.blobs.stat(digest);
    return repository && info ? { repository, info } : undefined;
  }

  /**
   * Publishes a verified upload globally (unless present) and links it into the repository. The
   * intent is journaled first, so a crash anywhere in between is finished by `recover` at start.
   */
  async commitUpload(name: string, session: UploadSession, digest: Digest): Promise<void> {
    await this.uploads.markCompleting(session, digest);
    await this.publishUpload(name, session, digest);
  }

  /** Finishes commits a crash interrupted: their content was verified before they were journaled. */
  async recover(): Promise<number> {
    const sessions = await this.uploads.completing();
    for (const session of sessions) {
      // A session that cannot be finished (its data gone) is dropped: it was never acknowledged.
      await this.publishUpload(session.repository, session, session.completing!).catch(() => this.uploads.remove(session));
    }
    return sessions.length;
  }

  private async publishUpload(name: string, session: UploadSession, digest: Digest): Promise<void> {
    const repository = await this.createRepository(name);
    await this.digestLocks.runExclusive(digest, async () => {
      if (!(await this.global.has(digest))) await this.global.adopt(digest, session.dataPath);
      await repository.blobs.linkFrom(digest, this.global.pathOf(digest));
    });
    await this.uploads.remove(session);
  }

  /** Links a blob `from` holds into `name`. Returns false when `from` does not hold it. */
  async mount(name: string, digest: Digest, from: string): Promise<boolean> {
    const source = await this.repository(from);
    if (!source || !(await source.blobs.has(digest))) return false;
    const target = await this.createRepository(name);
    return this.digestLocks.runExclusive(digest, async () => {
      if (!(await source.blobs.has(digest)) || !(await this.global.has(digest))) return false;
      await target.blobs.linkFrom(digest, this.global.pathOf(digest));
      return true;
    });
  }

  /** Links a blob any repository holds into `name` (anonymous mount). */
  async mountAnywhere(name: string, digest: Digest): Promise<boolean> {
    if (!(await this.global.has(digest))) return false;
    const target = await this.createRepository(name);
    return this.digestLocks.runExclusive(digest, async () => {
      if (!(await this.global.has(digest))) return false;
      await target.blobs.linkFrom(digest, this.global.pathOf(digest));
      return true;
    });
  }

  /** Stores manifest bytes (verified by the caller) in `name`, listed in its index.json, and tags it. */
  async storeManifest(name: string, descriptor: Descriptor, bytes: Buffer, parsed: ParsedManifest, tags: readonly string[]): Promise<void> {
    const repository = await this.createRepository(name);
    await this.digestLocks.runExclusive(descriptor.digest, async () => {
      await this.global.write(descriptor, bytes);
      await repository.blobs.linkFrom(descriptor.digest, this.global.pathOf(descriptor.digest));
    });
    await repository.recordManifest(descriptor, parsed);
    for (const tag of tags) await repository.tag(descriptor, tag);
  }

  /** Removes a manifest (every tag of it too) from `name`. */
  async deleteManifest(repository: LayoutStore, descriptor: Descriptor): Promise<void> {
    await repository.delete(descriptor);
    await this.release(descriptor.digest);
  }

  /** Removes a blob's link from a repository. Returns false when it held none. */
  async deleteBlob(repository: LayoutStore, digest: Digest): Promise<boolean> {
    const removed = await repository.blobs.remove(digest);
    if (removed) await this.release(digest);
    return removed;
  }

  /** Repository names with a layout, sorted. */
  async catalog(): Promise<string[]> {
    const names: string[] = [];
    for (const folder of await readdir(this.layout.repositories).catch(() => [] as string[])) {
      const name = decodeRepositoryName(folder);
      if (name !== undefined && (await exists(join(this.layout.repositories, folder, LAYOUT_FILE)))) names.push(name);
    }
    return names.sort();
  }

  /** Drops the global copy of a blob no repository links any more. */
  private async release(digest: Digest): Promise<void> {
    await this.digestLocks.runExclusive(digest, async () => {
      const info = await this.global.stat(digest);
      if (info && info.nlink <= 1) await this.global.remove(digest);
    });
  }

  private async load(name: string, create: boolean): Promise<LayoutStore | undefined> {
    const cached = this.repositories.get(name);
    if (cached) return cached;
    const directory = this.layout.repository(name);
    if (!create && !(await exists(join(directory, LAYOUT_FILE)))) return this.repositories.get(name);
    // No await between this check and set: one LayoutStore per repository, so its index.json
    // writers are serialized by that store's lock.
    const again = this.repositories.get(name);
    if (again) return again;
    const opening = LayoutStore.open(directory, { staleTempMs: 0 });
    this.repositories.set(name, opening);
    opening.catch(() => this.repositories.delete(name));
    return opening;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isErrorCode(error, 'ENOENT') || isErrorCode(error, 'ENOTDIR')) return false;
    throw error;
  }
}
