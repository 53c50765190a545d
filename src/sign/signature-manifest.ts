/**
 * The signature manifest: how a Notary Project signature is stored in an OCI repository.
 *
 * @see notaryproject/specifications specs/signature-specification.md § OCI Signatures
 * @see notaryproject/notation-go registry/repository.go (`uploadSignatureManifest`) and notation.go (`generateAnnotations`)
 */
import { createHash } from 'node:crypto';
import { EMPTY_JSON_DESCRIPTOR, formatRfc3339Seconds, packArtifactManifest, type PackedManifest } from '../content/index.js';
import {
  ANNOTATION_CREATED,
  ANNOTATION_NOTARY_THUMBPRINT,
  ARTIFACT_TYPE_NOTARY_SIGNATURE,
  EMPTY_JSON_CONTENT,
  MEDIA_TYPE_IMAGE_MANIFEST,
  descriptorFor,
  encodeManifest,
  type Descriptor,
  type ImageManifest,
} from '../oci/index.js';

/**
 * How the manifest says it is a signature:
 * - `artifactType` (default): image-spec v1.1 form, `artifactType: application/vnd.cncf.notary.signature`
 *   with the empty JSON config, as notation-go ≥ 1.4 / Notation v2 write it;
 * - `configMediaType`: the form notation-go ≤ 1.3.x (Notation v1.3.2) writes, no `artifactType`
 *   and a config of media type `application/vnd.cncf.notary.signature` over the `{}` blob. Older
 *   verifiers that find signatures by walking `subject` links (OCI layouts) only know this one.
 * Both forms are accepted by every verifier that reads the Referrers API or the tag schema.
 */
export type SignatureManifestStyle = 'artifactType' | 'configMediaType';

/** The empty JSON config with its inline data, exactly as oras-go's `ocispec.DescriptorEmptyJSON` marshals. */
const EMPTY_CONFIG_WITH_DATA: Descriptor = { ...EMPTY_JSON_DESCRIPTOR, data: Buffer.from(EMPTY_JSON_CONTENT).toString('base64') };

/** notation-go ≤ 1.3's config descriptor: the `{}` blob labelled with the signature artifact type. */
const LEGACY_CONFIG: Descriptor = {
  mediaType: ARTIFACT_TYPE_NOTARY_SIGNATURE,
  digest: EMPTY_JSON_DESCRIPTOR.digest,
  size: EMPTY_JSON_DESCRIPTOR.size,
};

/** The `io.cncf.notary.x509chain.thumbprint#S256` value: a JSON array of the lowercase hex SHA-256 of each DER certificate, leaf first. */
export function certificateThumbprints(certificateChain: readonly Uint8Array[]): string {
  return JSON.stringify(certificateChain.map((der) => createHash('sha256').update(der).digest('hex')));
}

export interface SignatureManifestOptions {
  /** The signed manifest; only mediaType, digest and size are kept, as oras-go packs a subject. */
  readonly subject: Descriptor;
  /** Descriptor of the pushed envelope blob (`application/jose+json` or `application/cose`). */
  readonly envelope: Descriptor;
  /** DER certificates carried by the envelope, leaf first. */
  readonly certificateChain: readonly Uint8Array[];
  /** Signing time (the authentic signing time under `notary.x509.signingAuthority`); written in whole seconds, UTC. */
  readonly signingTime: Date;
  readonly style?: SignatureManifestStyle;
}

/**
 * Builds the signature manifest bytes as notation-go does: `schemaVersion`, `mediaType`,
 * (`artifactType`), `config`, one layer, `subject` and the two annotations in Go's key order.
 */
export function packSignatureManifest(options: SignatureManifestOptions): PackedManifest {
  const subject: Descriptor = { mediaType: options.subject.mediaType, digest: options.subject.digest, size: options.subject.size };
  const layer: Descriptor = { mediaType: options.envelope.mediaType, digest: options.envelope.digest, size: options.envelope.size };
  // Go marshals a map with sorted keys: the thumbprint key sorts before `org.opencontainers...`.
  const annotations = {
    [ANNOTATION_NOTARY_THUMBPRINT]: certificateThumbprints(options.certificateChain),
    [ANNOTATION_CREATED]: formatRfc3339Seconds(options.signingTime),
  };
  if ((options.style ?? 'artifactType') === 'artifactType') {
    return packArtifactManifest({
      artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE,
      config: EMPTY_CONFIG_WITH_DATA,
      layers: [layer],
      subject,
      annotations,
    });
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    config: LEGACY_CONFIG,
    layers: [layer],
    subject,
    annotations,
  };
  const bytes = encodeManifest(manifest);
  return { descriptor: descriptorFor(MEDIA_TYPE_IMAGE_MANIFEST, bytes, { artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE }), bytes, manifest };
}
