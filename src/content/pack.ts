import type { Storage } from './storage.js';
import {
  ANNOTATION_CREATED,
  EMPTY_JSON_CONTENT,
  MEDIA_TYPE_EMPTY_JSON,
  MEDIA_TYPE_IMAGE_MANIFEST,
  descriptorFor,
  encodeManifest,
  type Descriptor,
  type ImageManifest,
} from '../oci/index.js';

export interface PackOptions {
  /** Required by image-spec v1.1 when the config is the empty JSON blob. */
  readonly artifactType: string;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
  /** A custom config; the empty JSON descriptor when absent. */
  readonly config?: Descriptor;
  /**
   * The `org.opencontainers.image.created` annotation, as ORAS and Notation add it. Passed in (not
   * read from a clock here) so packing stays pure and reproducible in tests.
   */
  readonly created?: Date;
}

export interface PackedManifest {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
  readonly manifest: ImageManifest;
}

export const EMPTY_JSON_DESCRIPTOR: Descriptor = descriptorFor(MEDIA_TYPE_EMPTY_JSON, EMPTY_JSON_CONTENT);

/** RFC 3339 with whole seconds, as Go's time.RFC3339 formats it. */
export function formatRfc3339Seconds(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Packs an artifact as an OCI image manifest in the image-spec v1.1 form: `artifactType` set, the
 * empty JSON config, the files as layers, an optional `subject` that makes it a referrer.
 */
export function packArtifactManifest(options: PackOptions): PackedManifest {
  const annotations: Record<string, string> = { ...options.annotations };
  if (options.created !== undefined && annotations[ANNOTATION_CREATED] === undefined) {
    annotations[ANNOTATION_CREATED] = formatRfc3339Seconds(options.created);
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    artifactType: options.artifactType,
    config: options.config ?? EMPTY_JSON_DESCRIPTOR,
    layers: options.layers.length > 0 ? options.layers : [EMPTY_JSON_DESCRIPTOR],
    ...(options.subject !== undefined && { subject: options.subject }),
    ...(Object.keys(annotations).length > 0 && { annotations }),
  };
  const bytes = encodeManifest(manifest);
  const descriptor = descriptorFor(MEDIA_TYPE_IMAGE_MANIFEST, bytes, { artifactType: options.artifactType });
  return { descriptor, bytes, manifest };
}

/**
 * Pushes a packed manifest, first pushing the empty JSON blob when the manifest uses it (as config
 * or as the placeholder layer), so the target never holds a manifest with a missing blob.
 */
export async function pushPackedManifest(storage: Storage, packed: PackedManifest): Promise<void> {
  const { config, layers } = packed.manifest;
  const usesEmpty = config.digest === EMPTY_JSON_DESCRIPTOR.digest || layers.some((layer) => layer.digest === EMPTY_JSON_DESCRIPTOR.digest);
  if (usesEmpty && !(await storage.exists(EMPTY_JSON_DESCRIPTOR))) {
    await storage.push(EMPTY_JSON_DESCRIPTOR, Buffer.from(EMPTY_JSON_CONTENT));
  }
  await storage.push(packed.descriptor, packed.bytes);
}
