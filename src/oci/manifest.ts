import { OciError } from '../errors.js';
import { MAX_INDEX_ENTRIES, MAX_MANIFEST_BYTES } from '../limits.js';
import { isJsonObject, isValidMediaType, parseDescriptor, parseStringMap, type Descriptor } from './descriptor.js';
import {
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_IMAGE_INDEX,
  MEDIA_TYPE_IMAGE_MANIFEST,
} from './media-type.js';

export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A parsed manifest of either kind, tagged so switches over it are exhaustive. */
export type ParsedManifest =
  | { readonly kind: 'manifest'; readonly mediaType: string; readonly manifest: ImageManifest }
  | { readonly kind: 'index'; readonly mediaType: string; readonly manifest: ImageIndex };

function invalid(problem: string): never {
  throw new OciError('ERR_OCI_INVALID_MANIFEST', `invalid manifest: ${problem}`);
}

function rethrowAsManifestError(action: () => void): void {
  try {
    action();
  } catch (error) {
    if (error instanceof OciError && error.code === 'ERR_OCI_INVALID_DESCRIPTOR') invalid(error.message);
    throw error;
  }
}

/** Checks size and parses JSON; the object must be a JSON object. */
export function parseJsonDocument(bytes: Uint8Array, what: string, maxBytes = MAX_MANIFEST_BYTES): Record<string, unknown> {
  if (bytes.byteLength > maxBytes) {
    throw new OciError('ERR_OCI_SIZE_EXCEEDED', `${what} is ${bytes.byteLength} bytes, over the limit of ${maxBytes}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    throw new OciError('ERR_OCI_INVALID_MANIFEST', `${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isJsonObject(value)) throw new OciError('ERR_OCI_INVALID_MANIFEST', `${what} must be a JSON object`);
  return value;
}

function checkCommonFields(document: Record<string, unknown>): void {
  if (document.schemaVersion !== 2) invalid('schemaVersion must be 2');
  if (document.mediaType !== undefined && !isValidMediaType(document.mediaType)) invalid('mediaType must be a media type');
  if (document.artifactType !== undefined && !isValidMediaType(document.artifactType)) {
    invalid('artifactType must be a media type');
  }
  rethrowAsManifestError(() => {
    if (document.subject !== undefined) parseDescriptor(document.subject, 'subject');
    parseStringMap(document.annotations, 'annotations');
  });
}

function checkDescriptorList(value: unknown, field: string): void {
  if (!Array.isArray(value)) invalid(`${field} must be an array`);
  if (value.length > MAX_INDEX_ENTRIES) invalid(`${field} has ${value.length} entries, over ${MAX_INDEX_ENTRIES}`);
  rethrowAsManifestError(() => value.forEach((entry, position) => parseDescriptor(entry, `${field}[${position}]`)));
}

/**
 * Parses untrusted manifest bytes. `declaredMediaType` is the Content-Type it came with (or the
 * descriptor's mediaType); when the document carries its own mediaType they must agree.
 */
export function parseManifest(bytes: Uint8Array, declaredMediaType?: string): ParsedManifest {
  const document = parseJsonDocument(bytes, 'manifest');
  checkCommonFields(document);
  const ownType = document.mediaType as string | undefined;
  if (ownType !== undefined && declaredMediaType !== undefined && ownType !== declaredMediaType) {
    invalid(`mediaType "${ownType}" does not match the declared media type "${declaredMediaType}"`);
  }
  const mediaType = ownType ?? declaredMediaType ?? guessMediaType(document);
  switch (mediaType) {
    case MEDIA_TYPE_IMAGE_MANIFEST:
    case MEDIA_TYPE_DOCKER_MANIFEST:
      if (document.manifests !== undefined) invalid('an image manifest must not have "manifests"');
      rethrowAsManifestError(() => parseDescriptor(document.config, 'config'));
      checkDescriptorList(document.layers, 'layers');
      return { kind: 'manifest', mediaType, manifest: document as unknown as ImageManifest };
    case MEDIA_TYPE_IMAGE_INDEX:
    case MEDIA_TYPE_DOCKER_MANIFEST_LIST:
      if (document.config !== undefined || document.layers !== undefined) {
        invalid('an image index must not have "config" or "layers"');
      }
      checkDescriptorList(document.manifests, 'manifests');
      return { kind: 'index', mediaType, manifest: document as unknown as ImageIndex };
    default:
      return invalid(`unsupported manifest media type "${mediaType}"`);
  }
}

function guessMediaType(document: Record<string, unknown>): string {
  if (Array.isArray(document.manifests)) return MEDIA_TYPE_IMAGE_INDEX;
  if (document.config !== undefined) return MEDIA_TYPE_IMAGE_MANIFEST;
  return invalid('mediaType is missing and the document is neither a manifest nor an index');
}

/** Every descriptor a manifest points at (config and layers, or child manifests), subject excluded. */
export function manifestChildren(parsed: ParsedManifest): readonly Descriptor[] {
  switch (parsed.kind) {
    case 'manifest':
      return [parsed.manifest.config, ...parsed.manifest.layers];
    case 'index':
      return parsed.manifest.manifests;
  }
}

/**
 * The artifactType a referrers listing shows for a manifest: its artifactType, else (for an image
 * manifest) its config media type. An index without artifactType has none.
 */
export function effectiveArtifactType(parsed: ParsedManifest): string | undefined {
  if (parsed.manifest.artifactType !== undefined) return parsed.manifest.artifactType;
  return parsed.kind === 'manifest' ? parsed.manifest.config.mediaType : undefined;
}

/** Serialises a manifest as compact JSON bytes, ready to push. */
export function encodeManifest(manifest: ImageManifest | ImageIndex): Buffer {
  return Buffer.from(JSON.stringify(manifest));
}
