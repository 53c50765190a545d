import { readAll, subjectOf, type ContentSource, type ContentStream, type DeletableStorage, type ReferrersOptions, type TagListable } from '../../content/index.js';
import { MAX_MANIFEST_BYTES } from '../../limits.js';
import { isManifestMediaType, verifyContent, type Descriptor, type Digest } from '../../oci/index.js';
import { blobExists, deleteBlob, fetchBlob } from './blobs.js';
import type { RepositoryContext } from './context.js';
import { deleteManifest, fetchManifest, manifestExists, putManifest, resolveManifest, withOperation, type FetchedManifest } from './manifests.js';
import { asContentNotFound } from './registry-error.js';
import { listReferrersByApi, pingReferrers } from './referrers-api.js';
import { addToReferrersIndex, listReferrersByTag, removeFromReferrersIndex } from './referrers-tag.js';
import { listTags } from './tags.js';
import { mountBlob, pushBlob } from './upload.js';

/**
 * One repository of a remote registry, as storage: what `copy`, push, pull and attach work with.
 * Created by `RegistryClient.repository()`, which holds the connections, tokens and credentials
 * that all repositories of a process share.
 *
 * Missing content is reported as ERR_CONTENT_NOT_FOUND (the storage port's promise) with the
 * registry's RegistryError as `cause`; every other registry failure is a RegistryError.
 */
export class RemoteRepository implements DeletableStorage, TagListable {
  /** Registry name as written in references (`localhost:5000`, `docker.io`). */
  readonly registry: string;
  readonly repository: string;

  constructor(
    private readonly context: RepositoryContext,
    private readonly openSibling: (repository: string) => RemoteRepository,
  ) {
    this.registry = context.registry;
    this.repository = context.repository;
  }

  /** Resolves a tag or digest to its manifest descriptor with HEAD (GET when HEAD says too little). */
  resolve(reference: string): Promise<Descriptor> {
    return storageCall(() => resolveManifest(this.context, reference));
  }

  /** GETs a manifest by tag or digest, capped at MAX_MANIFEST_BYTES and digest-verified. */
  fetchManifest(reference: string): Promise<FetchedManifest> {
    return storageCall(() => fetchManifest(this.context, reference));
  }

  /** Streams content; manifests arrive whole, blobs as a stream that throws at the end unless digest and size match. */
  async fetch(descriptor: Descriptor): Promise<ContentStream> {
    if (!isManifestMediaType(descriptor.mediaType)) return storageCall(() => fetchBlob(this.context, descriptor));
    const { bytes } = await this.fetchManifest(descriptor.digest);
    withOperation(`fetch ${this.context.name}@${descriptor.digest}`, () => verifyContent(bytes, descriptor.digest, descriptor.size));
    return (async function* single() {
      yield bytes;
    })();
  }

  exists(descriptor: Descriptor): Promise<boolean> {
    return isManifestMediaType(descriptor.mediaType)
      ? manifestExists(this.context, descriptor.digest)
      : blobExists(this.context, descriptor.digest);
  }

  /** Pushes a blob (monolithic or chunked) or a manifest (by digest, with referrers indexing). */
  async push(descriptor: Descriptor, content: ContentSource): Promise<void> {
    if (!isManifestMediaType(descriptor.mediaType)) return pushBlob(this.context, descriptor, content);
    const bytes = content instanceof Uint8Array ? content : await readAll(content, MAX_MANIFEST_BYTES, 'manifest');
    await this.pushManifest(descriptor, bytes);
  }

  /**
   * PUTs a manifest under each tag (by digest when none is given). When it has a `subject` and the
   * registry did not confirm with `OCI-Subject` that it indexed it, the referrers tag schema is
   * maintained instead (always, with `forceReferrersTag`).
   */
  async pushManifest(descriptor: Descriptor, bytes: Uint8Array, tags: readonly string[] = []): Promise<void> {
    const operation = `push manifest ${this.context.name}@${descriptor.digest}`;
    withOperation(operation, () => verifyContent(bytes, descriptor.digest, descriptor.size));
    // Parsed before the PUT: a manifest that does not parse is refused before anything is stored.
    const link = withOperation(operation, () => subjectOf(descriptor, bytes));
    const references = tags.length > 0 ? tags : [descriptor.digest];
    let subjectProcessed = false;
    for (const [position, reference] of references.entries()) {
      const answer = await putManifest(this.context, descriptor, bytes, reference);
      if (position === 0) subjectProcessed = answer.subjectProcessed;
    }
    if (link !== undefined) await this.indexReferrer(link.subject.digest, link.referrer, subjectProcessed);
  }

  /** Points a tag at a manifest the registry already has (GET by digest, PUT by tag). */
  tag(descriptor: Descriptor, reference: string): Promise<void> {
    return storageCall(async () => {
      const fetched = await fetchManifest(this.context, descriptor.digest);
      await putManifest(this.context, fetched.descriptor, fetched.bytes, reference);
    });
  }

  /**
   * Deletes a blob or a manifest. A deleted referrer is also taken out of its subject's tag-schema
   * index, unless the registry is known to serve the Referrers API (and so indexes by itself).
   */
  delete(descriptor: Descriptor): Promise<void> {
    return storageCall(async () => {
      if (!isManifestMediaType(descriptor.mediaType)) return deleteBlob(this.context, descriptor.digest);
      const mayUseTagSchema = this.context.settings.forceReferrersTag || this.context.referrersSupported() !== true;
      const link = mayUseTagSchema ? subjectOf(descriptor, (await fetchManifest(this.context, descriptor.digest)).bytes) : undefined;
      await deleteManifest(this.context, descriptor.digest);
      if (link !== undefined && (this.context.settings.forceReferrersTag || !(await pingReferrers(this.context)))) {
        await removeFromReferrersIndex(this.context, link.subject.digest, descriptor.digest);
      }
    });
  }

  /**
   * Referrers of a manifest: the Referrers API when the registry serves it (filtering locally when
   * it did not apply the artifactType filter), else the `<alg>-<hex>` tag-schema index.
   */
  async referrers(subject: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    if (this.context.referrersSupported() !== false) {
      const listed = await listReferrersByApi(this.context, subject.digest, options.artifactType);
      if (listed !== undefined) return listed;
    }
    return listReferrersByTag(this.context, subject.digest, options.artifactType);
  }

  /** Every tag, following the registry's pages (`n` from the client's `tagPageSize`), after `last` if given. */
  tags(options: { readonly last?: string } = {}): Promise<string[]> {
    return listTags(this.context, options.last);
  }

  /**
   * Mounts a blob from another repository of the same registry. When the registry opens an upload
   * session instead (202), the content is uploaded on it: from `content` if given, else read from
   * the source repository.
   */
  mount(
    descriptor: Descriptor,
    fromRepository: string,
    content?: () => Promise<ContentSource>,
  ): Promise<'mounted' | 'uploaded'> {
    const source = content ?? (() => this.openSibling(fromRepository).fetch(descriptor));
    return mountBlob(this.context, descriptor, fromRepository, source);
  }

  private async indexReferrer(subject: Digest, referrer: Descriptor, subjectProcessed: boolean): Promise<void> {
    if (!this.context.settings.forceReferrersTag) {
      if (subjectProcessed) {
        this.context.setReferrersSupported(true);
        return;
      }
      // Some registries serve the API without sending OCI-Subject (Docker Hub): ask before writing tags.
      if (await pingReferrers(this.context)) return;
    }
    await addToReferrersIndex(this.context, subject, referrer);
  }
}

async function storageCall<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw asContentNotFound(error);
  }
}
