import { ContentError, OciError } from '../errors.js';
import { MAX_INDEX_ENTRIES, MAX_JSON_DOCUMENT_BYTES } from '../limits.js';
import {
  ANNOTATION_REF_NAME,
  MEDIA_TYPE_IMAGE_INDEX,
  parseDescriptor,
  parseJsonDocument,
  type Descriptor,
  type Digest,
} from '../oci/index.js';

/**
 * The two small documents of an OCI image layout (image-spec `image-layout.md`): `oci-layout` and
 * `index.json`. Parsing is strict and names the file; the editing functions are pure and return
 * a new index, so a failed write never leaves a half-edited one in memory.
 */

export const LAYOUT_FILE = 'oci-layout';
export const INDEX_FILE = 'index.json';
export const LAYOUT_VERSION = '1.0.0';

export interface LayoutIndex {
  /** Top-level fields other than `manifests` (schemaVersion, mediaType, annotations...), kept as found. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly manifests: readonly Descriptor[];
}

export const EMPTY_INDEX: LayoutIndex = {
  fields: { schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX },
  manifests: [],
};

function invalidLayout(file: string, problem: string, cause?: unknown): ContentError {
  return new ContentError('ERR_CONTENT_INVALID_LAYOUT', `invalid OCI image layout: ${file}: ${problem}`, { cause });
}

function parseDocument(bytes: Uint8Array, file: string): Record<string, unknown> {
  try {
    return parseJsonDocument(bytes, file, MAX_JSON_DOCUMENT_BYTES);
  } catch (error) {
    throw invalidLayout(file, (error as Error).message, error);
  }
}

/** Checks `oci-layout`: `{"imageLayoutVersion":"1.0.0"}`. */
export function parseLayoutMarker(bytes: Uint8Array, file: string): void {
  const document = parseDocument(bytes, file);
  if (document.imageLayoutVersion !== LAYOUT_VERSION) {
    throw invalidLayout(file, `imageLayoutVersion must be "${LAYOUT_VERSION}", got ${JSON.stringify(document.imageLayoutVersion)}`);
  }
}

export function encodeLayoutMarker(): Buffer {
  return Buffer.from(JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
}

/** Parses `index.json`: schemaVersion 2 and a list of valid descriptors. */
export function parseLayoutIndex(bytes: Uint8Array, file: string): LayoutIndex {
  const document = parseDocument(bytes, file);
  if (document.schemaVersion !== 2) throw invalidLayout(file, 'schemaVersion must be 2');
  const list = document.manifests;
  if (!Array.isArray(list)) throw invalidLayout(file, 'manifests must be an array');
  if (list.length > MAX_INDEX_ENTRIES) throw invalidLayout(file, `more than ${MAX_INDEX_ENTRIES} manifests`);
  const manifests = list.map((entry: unknown, position) => {
    try {
      return parseDescriptor(entry, `manifests[${position}]`);
    } catch (error) {
      if (error instanceof OciError) throw invalidLayout(file, error.message, error);
      throw error;
    }
  });
  const { manifests: _ignored, ...fields } = document;
  return { fields, manifests };
}

export function encodeLayoutIndex(index: LayoutIndex): Buffer {
  return Buffer.from(JSON.stringify({ ...index.fields, manifests: index.manifests }));
}

/** The tag an index entry carries, if any. */
export function refNameOf(entry: Descriptor): string | undefined {
  return entry.annotations?.[ANNOTATION_REF_NAME];
}

/** The entry without its ref.name annotation (and without an annotations object left empty). */
export function withoutRefName(entry: Descriptor): Descriptor {
  if (entry.annotations === undefined || !(ANNOTATION_REF_NAME in entry.annotations)) return entry;
  const { [ANNOTATION_REF_NAME]: _tag, ...rest } = entry.annotations;
  const { annotations: _all, ...plain } = entry;
  return Object.keys(rest).length > 0 ? { ...plain, annotations: rest } : plain;
}

function withRefName(entry: Descriptor, tag: string): Descriptor {
  const plain = withoutRefName(entry);
  return { ...plain, annotations: { ...plain.annotations, [ANNOTATION_REF_NAME]: tag } };
}

/** Lists a manifest untagged, unless the index lists its digest already (tagged or not). */
export function addManifest(index: LayoutIndex, descriptor: Descriptor): LayoutIndex {
  if (index.manifests.some((entry) => entry.digest === descriptor.digest)) return index;
  return { ...index, manifests: [...index.manifests, withoutRefName(descriptor)] };
}

/**
 * Points `tag` at `descriptor`. As oras-go's layout store does, a digest appears untagged only
 * while no tag names it: the untagged entry goes when tagged, and comes back when its last tag
 * moves away, so every manifest stays listed (and its referrers reachable).
 */
export function setTag(index: LayoutIndex, descriptor: Descriptor, tag: string): LayoutIndex {
  const previous = findTagged(index, tag);
  const kept = index.manifests.filter(
    (entry) => refNameOf(entry) !== tag && !(entry.digest === descriptor.digest && refNameOf(entry) === undefined),
  );
  const tagged = { ...index, manifests: [...kept, withRefName(descriptor, tag)] };
  return previous && previous.digest !== descriptor.digest ? addManifest(tagged, previous) : tagged;
}

/** Removes a tag; the manifest it named stays listed untagged. */
export function removeTag(index: LayoutIndex, tag: string): LayoutIndex {
  const previous = findTagged(index, tag);
  if (!previous) return index;
  const kept = { ...index, manifests: index.manifests.filter((entry) => refNameOf(entry) !== tag) };
  return addManifest(kept, previous);
}

/** Removes every entry (tagged or not) of a digest. */
export function removeDigest(index: LayoutIndex, digest: Digest): LayoutIndex {
  return { ...index, manifests: index.manifests.filter((entry) => entry.digest !== digest) };
}

export function findTagged(index: LayoutIndex, tag: string): Descriptor | undefined {
  // The last entry wins should a hand-edited index name one tag twice.
  return index.manifests.findLast((entry) => refNameOf(entry) === tag);
}

export function findDigest(index: LayoutIndex, digest: Digest): Descriptor | undefined {
  return index.manifests.find((entry) => entry.digest === digest);
}

/** Tags in ASCII order, each once. */
export function tagsOf(index: LayoutIndex): string[] {
  const tags = new Set<string>();
  for (const entry of index.manifests) {
    const tag = refNameOf(entry);
    if (tag !== undefined) tags.add(tag);
  }
  return [...tags].sort();
}
