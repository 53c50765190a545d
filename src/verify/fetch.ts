/**
 * Fetching one signature: its manifest (≤ 4 MiB) and its single envelope layer (≤ 32 MiB), both
 * digest-verified (notation-go registry/repository.go `FetchSignatureBlob`, with its messages).
 */
import { fetchAll, type ReadOnlyStorage } from '../content/index.js';
import { MAX_ENVELOPE_BYTES, MAX_MANIFEST_BYTES } from '../limits.js';
import { MEDIA_TYPE_IMAGE_MANIFEST, parseDescriptor, parseJsonDocument, type Descriptor } from '../oci/index.js';

/** The short-lived OCI artifact manifest (image-spec v1.1 RC); notation-go still reads signatures stored in it. */
export const MEDIA_TYPE_ARTIFACT_MANIFEST = 'application/vnd.oci.artifact.manifest.v1+json';

export interface FetchedSignature {
  readonly envelope: Descriptor;
  readonly bytes: Uint8Array;
}

/** Fetches and checks a signature; throws Error with notation-go's wording for what it refuses. */
export async function fetchSignature(repository: ReadOnlyStorage, manifest: Descriptor): Promise<FetchedSignature> {
  if (manifest.mediaType !== MEDIA_TYPE_ARTIFACT_MANIFEST && manifest.mediaType !== MEDIA_TYPE_IMAGE_MANIFEST) {
    throw new Error(`sigManifestDesc.MediaType requires "${MEDIA_TYPE_ARTIFACT_MANIFEST}" or "${MEDIA_TYPE_IMAGE_MANIFEST}", got "${manifest.mediaType}"`);
  }
  if (manifest.size > MAX_MANIFEST_BYTES) throw new Error(`signature manifest too large: ${manifest.size} bytes`);
  const manifestBytes = await fetchAll(repository, manifest, MAX_MANIFEST_BYTES);
  const document = parseJsonDocument(manifestBytes, 'signature manifest');
  const list = manifest.mediaType === MEDIA_TYPE_IMAGE_MANIFEST ? document.layers : document.blobs;
  const blobs = Array.isArray(list) ? list : [];
  if (blobs.length !== 1) {
    // Sic: notation-go's spelling, kept for users who search for it.
    throw new Error(`signature manifest requries exactly one signature envelope blob, got ${blobs.length}`);
  }
  const envelope = parseDescriptor(blobs[0], manifest.mediaType === MEDIA_TYPE_IMAGE_MANIFEST ? 'layers[0]' : 'blobs[0]');
  if (envelope.size > MAX_ENVELOPE_BYTES) throw new Error(`signature blob too large: ${envelope.size} bytes`);
  const bytes = await fetchAll(repository, envelope, MAX_ENVELOPE_BYTES);
  return { envelope, bytes };
}
