import type { Descriptor } from '../oci/index.js';

/** Bytes as they arrive. Node streams, web streams (via adapters) and generators all satisfy it. */
export type ContentStream = AsyncIterable<Uint8Array>;

/** Content given to `push`: a whole buffer, or a stream whose length the descriptor states. */
export type ContentSource = Uint8Array | ContentStream;

export interface ReferrersOptions {
  /** Only referrers with this artifactType. Implementations that cannot filter remotely filter locally. */
  readonly artifactType?: string;
}

/**
 * One repository's worth of content-addressed storage with tags: the port every place bytes live
 * implements (memory, an OCI image layout on disk, a remote registry repository). Push, pull, copy
 * and attach are functions over two of them.
 */
export interface ReadOnlyStorage {
  /** Streams the content; callers verify it with `DigestVerifier` or use `fetchAll`. Throws ERR_CONTENT_NOT_FOUND. */
  fetch(descriptor: Descriptor): Promise<ContentStream>;
  exists(descriptor: Descriptor): Promise<boolean>;
  /** Resolves a tag or a digest string to the manifest descriptor it names. Throws ERR_CONTENT_NOT_FOUND. */
  resolve(reference: string): Promise<Descriptor>;
  /** Manifests whose `subject` is the given manifest, as descriptors with artifactType and annotations. */
  referrers(subject: Descriptor, options?: ReferrersOptions): Promise<Descriptor[]>;
}

export interface Storage extends ReadOnlyStorage {
  /**
   * Stores content under its descriptor after verifying digest and size. Pushing a manifest with a
   * subject makes it a referrer of that subject. Pushing content that exists already is not an error.
   */
  push(descriptor: Descriptor, content: ContentSource): Promise<void>;
  /** Points a tag at a manifest that is already stored. */
  tag(descriptor: Descriptor, reference: string): Promise<void>;
}

/** Storage that can also delete (registries may refuse; layouts and memory can). */
export interface DeletableStorage extends Storage {
  delete(descriptor: Descriptor): Promise<void>;
}

/** Storage that can list its tags. */
export interface TagListable {
  tags(options?: { readonly last?: string }): Promise<string[]>;
}

export function isDeletable(storage: Storage): storage is DeletableStorage {
  return typeof (storage as Partial<DeletableStorage>).delete === 'function';
}

export function isTagListable(storage: object): storage is TagListable {
  return typeof (storage as Partial<TagListable>).tags === 'function';
}
