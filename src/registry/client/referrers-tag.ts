import { ContentError, RegistryError } from '../../errors.js';
import { filterByArtifactType } from '../../content/index.js';
import {
  descriptorFor,
  digestAlgorithm,
  digestEncoded,
  encodeManifest,
  isIndexMediaType,
  MEDIA_TYPE_IMAGE_INDEX,
  parseManifest,
  type Descriptor,
  type Digest,
} from '../../oci/index.js';
import type { RepositoryContext } from './context.js';
import { deleteManifest, fetchManifest, putManifest, withOperation } from './manifests.js';

/** What Notation prints when the replaced index cannot be deleted; kept word for word for users who search it. */
export const REFERRERS_GC_WARNING =
  'Removal of outdated referrers index from remote registry failed. Garbage collection may be required.';

/**
 * The tag of a subject's referrers index in the tag schema: `<alg>-<encoded>`, the algorithm cut
 * to 32 characters and the encoded part to 64, characters a tag may not hold replaced by `-`
 * (distribution-spec main; sha256 digests give the familiar `sha256-<hex>`).
 *
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md#referrers-tag-schema
 */
export function referrersTag(digest: Digest): string {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9_.-]/g, '-');
  return `${clean(digestAlgorithm(digest).slice(0, 32))}-${clean(digestEncoded(digest).slice(0, 64))}`;
}

interface ReferrersIndex {
  /** The index as stored; undefined when the tag does not exist. */
  readonly descriptor?: Descriptor;
  readonly manifests: readonly Descriptor[];
}

/** Referrers read from the `<alg>-<hex>` index: no tag means no referrers; a non-index there is an error. */
export async function listReferrersByTag(
  context: RepositoryContext,
  subject: Digest,
  artifactType: string | undefined,
): Promise<Descriptor[]> {
  const index = await readReferrersIndex(context, subject);
  return filterByArtifactType(index.manifests, artifactType);
}

/** Adds a referrer to its subject's index tag (once per digest). */
export function addToReferrersIndex(context: RepositoryContext, subject: Digest, referrer: Descriptor): Promise<void> {
  return updateReferrersIndex(context, subject, (manifests) =>
    manifests.some((entry) => entry.digest === referrer.digest) ? manifests : [...manifests, referrer],
  );
}

/** Removes a deleted referrer from its subject's index tag. */
export function removeFromReferrersIndex(context: RepositoryContext, subject: Digest, referrer: Digest): Promise<void> {
  return updateReferrersIndex(context, subject, (manifests) => manifests.filter((entry) => entry.digest !== referrer));
}

/**
 * Read, change, write back, delete the old: the tag-schema update of distribution-spec §3.3, as
 * oras-go does it. Not atomic: two clients updating one subject at once can lose an entry (the
 * spec's optional ETag conditions are not widely served).
 */
async function updateReferrersIndex(
  context: RepositoryContext,
  subject: Digest,
  change: (manifests: readonly Descriptor[]) => readonly Descriptor[],
): Promise<void> {
  const current = await readReferrersIndex(context, subject);
  const updated = change(current.manifests);
  if (updated === current.manifests) return;
  if (current.descriptor === undefined && updated.length === 0) return;
  const { skipReferrersGC } = context.settings;
  let pushed: Descriptor | undefined;
  // An emptied index is not pushed when the old one gets deleted: deleting it removes the tag too.
  if (updated.length > 0 || skipReferrersGC) {
    const bytes = encodeManifest({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests: [...updated] });
    pushed = descriptorFor(MEDIA_TYPE_IMAGE_INDEX, bytes);
    await putManifest(context, pushed, bytes, referrersTag(subject));
  }
  const old = current.descriptor;
  if (skipReferrersGC || old === undefined || old.digest === pushed?.digest) return;
  try {
    await deleteManifest(context, old.digest);
  } catch (error) {
    // The new index is in place; a leftover old one wastes space but misleads nobody.
    context.logger.warn(`${REFERRERS_GC_WARNING} (${error instanceof Error ? error.message : String(error)})`);
  }
}

async function readReferrersIndex(context: RepositoryContext, subject: Digest): Promise<ReferrersIndex> {
  const tag = referrersTag(subject);
  let fetched;
  try {
    fetched = await fetchManifest(context, tag);
  } catch (error) {
    if (isNotFound(error)) return { manifests: [] };
    throw error;
  }
  const operation = `read the referrers index ${context.name}:${tag}`;
  if (!isIndexMediaType(fetched.descriptor.mediaType)) {
    throw new RegistryError(
      'ERR_REGISTRY_RESPONSE_INVALID',
      `failed to ${operation}: the tag holds ${fetched.descriptor.mediaType}, not an image index`,
    );
  }
  const parsed = withOperation(operation, () => parseManifest(fetched.bytes, fetched.descriptor.mediaType));
  return { descriptor: fetched.descriptor, manifests: parsed.kind === 'index' ? parsed.manifest.manifests : [] };
}

function isNotFound(error: unknown): boolean {
  return (
    (error instanceof RegistryError && error.code === 'ERR_REGISTRY_NOT_FOUND') ||
    (error instanceof ContentError && error.code === 'ERR_CONTENT_NOT_FOUND')
  );
}
