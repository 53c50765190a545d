import { randomBytes } from 'node:crypto';
import {
  descriptorFor,
  EMPTY_JSON_CONTENT,
  encodeManifest,
  MEDIA_TYPE_EMPTY_JSON,
  MEDIA_TYPE_IMAGE_CONFIG,
  MEDIA_TYPE_IMAGE_LAYER_GZIP,
  MEDIA_TYPE_IMAGE_MANIFEST,
  type Descriptor,
} from '../../src/oci/index.js';

/** A blob and its descriptor. */
export interface Blob {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
}

/** A manifest with the blobs it points at. */
export interface TestImage {
  readonly manifest: Blob;
  readonly blobs: readonly Blob[];
}

export function blobOf(bytes: Buffer, mediaType = MEDIA_TYPE_IMAGE_LAYER_GZIP): Blob {
  return { descriptor: descriptorFor(mediaType, bytes), bytes };
}

/** A small OCI image with one random layer (unique per call). */
export function makeImage(layerBytes = 256): TestImage {
  const config = blobOf(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') })), MEDIA_TYPE_IMAGE_CONFIG);
  const layer = blobOf(randomBytes(layerBytes));
  const bytes = encodeManifest({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    config: config.descriptor,
    layers: [layer.descriptor],
  });
  return { manifest: blobOf(bytes, MEDIA_TYPE_IMAGE_MANIFEST), blobs: [config, layer] };
}

/** An artifact manifest (empty config, one layer) whose `subject` is `subject`, like a Notary signature. */
export function makeReferrer(subject: Descriptor, artifactType: string, annotations: Record<string, string> = {}): TestImage {
  const config = blobOf(Buffer.from(EMPTY_JSON_CONTENT), MEDIA_TYPE_EMPTY_JSON);
  const layer = blobOf(randomBytes(64), 'application/jose+json');
  const bytes = encodeManifest({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    artifactType,
    config: config.descriptor,
    layers: [layer.descriptor],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', ...annotations },
  });
  return { manifest: blobOf(bytes, MEDIA_TYPE_IMAGE_MANIFEST), blobs: [config, layer] };
}

/** Pushes blobs then the manifest (with tags, else by digest) into any storage with `push`/`pushManifest`. */
export async function pushImage(
  repository: {
    push(descriptor: Descriptor, content: Uint8Array): Promise<void>;
    pushManifest(descriptor: Descriptor, bytes: Uint8Array, tags?: readonly string[]): Promise<void>;
  },
  image: TestImage,
  tags: readonly string[] = [],
): Promise<void> {
  for (const blob of image.blobs) await repository.push(blob.descriptor, blob.bytes);
  await repository.pushManifest(image.manifest.descriptor, image.manifest.bytes, tags);
}
