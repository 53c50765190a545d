import { ContentError } from '../errors.js';
import { MAX_MANIFEST_BYTES } from '../limits.js';
import { isDigest, isManifestMediaType, isValidTag, verifyContent, type Descriptor, type Digest } from '../oci/index.js';
import { notFound, readAll } from './read.js';
import { filterByArtifactType, subjectOf } from './referrers.js';
import type { ContentSource, DeletableStorage, ContentStream, ReferrersOptions, TagListable } from './storage.js';

/** Keeps the content of one repository in memory: for tests, caches and staging a copy. */
export class MemoryStore implements DeletableStorage, TagListable {
  private readonly blobs = new Map<Digest, { descriptor: Descriptor; bytes: Buffer }>();
  private readonly tagMap = new Map<string, Descriptor>();
  private readonly referrerMap = new Map<Digest, Map<Digest, Descriptor>>();

  async fetch(descriptor: Descriptor): Promise<ContentStream> {
    const entry = this.blobs.get(descriptor.digest);
    if (!entry) throw notFound(descriptor.digest);
    const bytes = entry.bytes;
    return (async function* single() {
      yield bytes;
    })();
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    return this.blobs.has(descriptor.digest);
  }

  async push(descriptor: Descriptor, content: ContentSource): Promise<void> {
    const bytes = content instanceof Uint8Array ? Buffer.from(content) : await readAll(content, descriptor.size + 1);
    verifyContent(bytes, descriptor.digest, descriptor.size);
    if (isManifestMediaType(descriptor.mediaType)) {
      if (bytes.byteLength > MAX_MANIFEST_BYTES) throw new ContentError('ERR_CONTENT_UNSUPPORTED', 'manifest too large');
      const link = subjectOf(descriptor, bytes);
      if (link) this.addReferrer(link.subject.digest, link.referrer);
    }
    this.blobs.set(descriptor.digest, { descriptor, bytes });
  }

  private addReferrer(subject: Digest, referrer: Descriptor): void {
    let entries = this.referrerMap.get(subject);
    if (!entries) this.referrerMap.set(subject, (entries = new Map()));
    entries.set(referrer.digest, referrer);
  }

  async resolve(reference: string): Promise<Descriptor> {
    const tagged = this.tagMap.get(reference);
    if (tagged) return tagged;
    if (isDigest(reference)) {
      const entry = this.blobs.get(reference);
      if (entry && isManifestMediaType(entry.descriptor.mediaType)) return entry.descriptor;
    }
    throw notFound(reference);
  }

  async tag(descriptor: Descriptor, reference: string): Promise<void> {
    if (!isValidTag(reference)) throw new ContentError('ERR_CONTENT_UNSUPPORTED', `invalid tag "${reference}"`);
    if (!this.blobs.has(descriptor.digest)) throw notFound(descriptor.digest);
    this.tagMap.set(reference, descriptor);
  }

  async referrers(subject: Descriptor, options?: ReferrersOptions): Promise<Descriptor[]> {
    const entries = [...(this.referrerMap.get(subject.digest)?.values() ?? [])];
    return filterByArtifactType(entries, options?.artifactType);
  }

  async delete(descriptor: Descriptor): Promise<void> {
    if (!this.blobs.delete(descriptor.digest)) throw notFound(descriptor.digest);
    for (const [tag, tagged] of this.tagMap) if (tagged.digest === descriptor.digest) this.tagMap.delete(tag);
    for (const entries of this.referrerMap.values()) entries.delete(descriptor.digest);
  }

  async tags(options?: { readonly last?: string }): Promise<string[]> {
    const sorted = [...this.tagMap.keys()].sort();
    return options?.last === undefined ? sorted : sorted.filter((tag) => tag > options.last!);
  }
}
