import { readFile } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { ContentError } from '../errors.js';
import { MAX_MANIFEST_BYTES } from '../limits.js';
import {
  fetchAll,
  filterByArtifactType,
  notFound,
  readAll,
  referrerDescriptor,
  type ContentSource,
  type ContentStream,
  type DeletableStorage,
  type ReferrersOptions,
  type TagListable,
} from '../content/index.js';
import {
  digestAlgorithm,
  digestEncoded,
  isDigest,
  isIndexMediaType,
  isManifestMediaType,
  isValidTag,
  manifestChildren,
  parseManifest,
  verifyContent,
  type Descriptor,
  type Digest,
  type ParsedManifest,
} from '../oci/index.js';
import { ensureDirectory, isErrorCode, removeStaleTemps, writeFileAtomic } from './atomic.js';
import { BlobDirectory } from './blob-directory.js';
import {
  EMPTY_INDEX,
  INDEX_FILE,
  LAYOUT_FILE,
  addManifest,
  encodeLayoutIndex,
  encodeLayoutMarker,
  findDigest,
  findTagged,
  parseLayoutIndex,
  parseLayoutMarker,
  removeDigest,
  removeTag,
  setTag,
  tagsOf,
  withoutRefName,
  type LayoutIndex,
} from './index-document.js';
import { Mutex } from './mutex.js';
import { ReferrerIndex } from './referrer-index.js';

export interface LayoutStoreOptions {
  /** Create the layout when the directory (or its oci-layout/index.json) is missing. Default true. */
  readonly create?: boolean;
  /**
   * Temporary files in `ingest/` older than this are leftovers of a crashed writer and removed at
   * open. Default one hour, so a concurrent writer in another process keeps its files; 0 removes all.
   */
  readonly staleTempMs?: number;
}

/** Where temporary files of a layout go: a sibling of `blobs/`, as oras-go's layout store does. */
export const INGEST_DIRECTORY = 'ingest';
const DEFAULT_STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * An OCI image layout on disk as a Storage: `oci-layout`, `index.json` and `blobs/<alg>/<hex>`.
 * Tags are `org.opencontainers.image.ref.name` annotations in index.json; manifests pushed by
 * digest are listed there untagged, so they (and their referrers) survive a reopen. Referrers come
 * from manifests' `subject` (indexed at open, kept current) merged with any referrers tag-schema
 * index (`<alg>-<hex>`) the layout holds.
 *
 * @see https://github.com/opencontainers/image-spec/blob/main/image-layout.md
 */
export class LayoutStore implements DeletableStorage, TagListable {
  readonly root: string;
  readonly blobs: BlobDirectory;
  private index: LayoutIndex;
  private readonly referrerIndex = new ReferrerIndex();
  private readonly indexLock = new Mutex();

  private constructor(root: string, index: LayoutIndex) {
    this.root = root;
    this.index = index;
    this.blobs = new BlobDirectory(join(root, 'blobs'), join(root, INGEST_DIRECTORY));
  }

  /** Opens (and, unless `create` is false, creates) the layout at `path`. */
  static async open(path: string, options: LayoutStoreOptions = {}): Promise<LayoutStore> {
    const root = resolvePath(path);
    const create = options.create ?? true;
    await removeStaleTemps(join(root, INGEST_DIRECTORY), options.staleTempMs ?? DEFAULT_STALE_TEMP_MS);
    await openMarker(root, create);
    const store = new LayoutStore(root, await openIndex(root, create));
    await store.indexReferrers();
    return store;
  }

  /** Every entry of index.json, tagged or not. */
  manifests(): readonly Descriptor[] {
    return this.index.manifests;
  }

  async fetch(descriptor: Descriptor): Promise<ContentStream> {
    return this.blobs.openRead(descriptor.digest);
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    return this.blobs.has(descriptor.digest);
  }

  async push(descriptor: Descriptor, content: ContentSource): Promise<void> {
    if (!isManifestMediaType(descriptor.mediaType)) {
      await this.blobs.write(descriptor, content);
      return;
    }
    const bytes = content instanceof Uint8Array ? content : await readAll(content, MAX_MANIFEST_BYTES, descriptor.digest);
    verifyContent(bytes, descriptor.digest, descriptor.size);
    // Parse before storing: a layout never lists a manifest it cannot read back.
    const parsed = parseManifest(bytes, descriptor.mediaType);
    await this.blobs.write(descriptor, bytes);
    await this.recordManifest(descriptor, parsed);
  }

  /**
   * Lists a manifest whose bytes are already in `blobs/` (linked in by the registry server) in
   * index.json and indexes its subject. `parsed` must come from those very bytes.
   */
  async recordManifest(descriptor: Descriptor, parsed: ParsedManifest): Promise<void> {
    await this.updateIndex((index) => addManifest(index, descriptor));
    this.indexSubject(descriptor, parsed);
  }

  async resolve(reference: string): Promise<Descriptor> {
    if (!isDigest(reference)) {
      const tagged = findTagged(this.index, reference);
      if (tagged) return withoutRefName(tagged);
      throw notFound(reference);
    }
    const listed = findDigest(this.index, reference);
    if (listed) return withoutRefName(listed);
    return this.sniffManifest(reference);
  }

  async tag(descriptor: Descriptor, reference: string): Promise<void> {
    if (!isValidTag(reference)) throw new ContentError('ERR_CONTENT_UNSUPPORTED', `invalid tag "${reference}"`);
    if (!(await this.blobs.has(descriptor.digest))) throw notFound(descriptor.digest);
    await this.updateIndex((index) => setTag(index, descriptor, reference));
  }

  /** Removes a tag, keeping the manifest. Returns false when there was no such tag. */
  async untag(reference: string): Promise<boolean> {
    if (!findTagged(this.index, reference)) return false;
    await this.updateIndex((index) => removeTag(index, reference));
    return true;
  }

  async referrers(subject: Descriptor, options?: ReferrersOptions): Promise<Descriptor[]> {
    const found = new Map<Digest, Descriptor>();
    for (const entry of await this.tagSchemaReferrers(subject.digest)) found.set(entry.digest, entry);
    for (const entry of this.referrerIndex.list(subject.digest)) found.set(entry.digest, entry);
    return filterByArtifactType([...found.values()], options?.artifactType);
  }

  async delete(descriptor: Descriptor): Promise<void> {
    const listed = findDigest(this.index, descriptor.digest) !== undefined;
    const removed = await this.blobs.remove(descriptor.digest);
    if (!removed && !listed) throw notFound(descriptor.digest);
    if (listed) await this.updateIndex((index) => removeDigest(index, descriptor.digest));
    this.referrerIndex.remove(descriptor.digest);
  }

  async tags(options?: { readonly last?: string }): Promise<string[]> {
    const all = tagsOf(this.index);
    return options?.last === undefined ? all : all.filter((tag) => tag > options.last!);
  }

  /** Applies an edit to index.json and saves it atomically; edits are serialized. */
  private updateIndex(edit: (index: LayoutIndex) => LayoutIndex): Promise<void> {
    return this.indexLock.runExclusive(async () => {
      const next = edit(this.index);
      if (next === this.index) return;
      await ensureDirectory(this.blobs.ingestDirectory);
      await writeFileAtomic(join(this.root, INDEX_FILE), encodeLayoutIndex(next), this.blobs.ingestDirectory);
      this.index = next;
    });
  }

  private indexSubject(descriptor: Descriptor, parsed: ParsedManifest): void {
    const subject = parsed.manifest.subject;
    if (subject !== undefined) this.referrerIndex.add(subject.digest, referrerDescriptor(descriptor, parsed));
  }

  /** Reads every listed manifest (and manifests inside listed indexes) once to find subjects. */
  private async indexReferrers(): Promise<void> {
    const queue = [...this.index.manifests];
    const seen = new Set<Digest>();
    for (let descriptor = queue.shift(); descriptor; descriptor = queue.shift()) {
      if (seen.has(descriptor.digest) || !isManifestMediaType(descriptor.mediaType)) continue;
      seen.add(descriptor.digest);
      const parsed = await this.readManifest(descriptor);
      if (parsed === undefined) continue;
      this.indexSubject(descriptor, parsed);
      if (isIndexMediaType(parsed.mediaType)) queue.push(...manifestChildren(parsed));
    }
  }

  /** A listed manifest's parsed content, or undefined when it is absent or unreadable (sparse layouts). */
  private async readManifest(descriptor: Descriptor): Promise<ParsedManifest | undefined> {
    try {
      return parseManifest(await fetchAll(this, descriptor, MAX_MANIFEST_BYTES), descriptor.mediaType);
    } catch {
      return undefined;
    }
  }

  /** Referrers listed in the tag-schema index `<alg>-<hex>` whose manifests are present. */
  private async tagSchemaReferrers(subject: Digest): Promise<Descriptor[]> {
    const tagged = findTagged(this.index, referrersTag(subject));
    if (!tagged || !isIndexMediaType(tagged.mediaType)) return [];
    const parsed = await this.readManifest(tagged);
    if (parsed?.kind !== 'index') return [];
    const present = await Promise.all(parsed.manifest.manifests.map((entry) => this.blobs.has(entry.digest)));
    return parsed.manifest.manifests.filter((_entry, position) => present[position]);
  }

  /** Resolves an unlisted digest by reading the blob: a child manifest of a listed index, say. */
  private async sniffManifest(digest: Digest): Promise<Descriptor> {
    const info = await this.blobs.stat(digest);
    if (!info || info.size > MAX_MANIFEST_BYTES) throw notFound(digest);
    const bytes = await readFile(this.blobs.pathOf(digest));
    try {
      const parsed = parseManifest(bytes);
      return { mediaType: parsed.mediaType, digest, size: bytes.byteLength };
    } catch {
      throw notFound(digest);
    }
  }
}

/** The referrers tag schema's tag for a subject: `<alg>-<hex>`, hex cut to 64 characters. */
export function referrersTag(subject: Digest): string {
  return `${digestAlgorithm(subject)}-${digestEncoded(subject).slice(0, 64)}`;
}

async function openMarker(root: string, create: boolean): Promise<void> {
  const file = join(root, LAYOUT_FILE);
  try {
    parseLayoutMarker(await readFile(file), file);
  } catch (error) {
    if (!isErrorCode(error, 'ENOENT') && !isErrorCode(error, 'ENOTDIR')) throw error;
    if (!create) throw new ContentError('ERR_CONTENT_NOT_FOUND', `no OCI image layout at ${root}: ${file} is missing`);
    await ensureDirectory(join(root, INGEST_DIRECTORY));
    await writeFileAtomic(file, encodeLayoutMarker(), join(root, INGEST_DIRECTORY));
  }
}

async function openIndex(root: string, create: boolean): Promise<LayoutIndex> {
  const file = join(root, INDEX_FILE);
  try {
    return parseLayoutIndex(await readFile(file), file);
  } catch (error) {
    if (!isErrorCode(error, 'ENOENT')) throw error;
    if (!create) throw new ContentError('ERR_CONTENT_NOT_FOUND', `no OCI image layout at ${root}: ${file} is missing`);
    await writeFileAtomic(file, encodeLayoutIndex(EMPTY_INDEX), join(root, INGEST_DIRECTORY));
    return EMPTY_INDEX;
  }
}
