import type { Descriptor, ParsedManifest } from '../oci/index.js';
import { effectiveArtifactType, isManifestMediaType, parseManifest } from '../oci/index.js';

/**
 * The descriptor a referrers listing shows for a manifest that has a subject: its media type,
 * digest and size, its artifactType (or config media type), and every annotation it carries.
 */
export function referrerDescriptor(descriptor: Descriptor, parsed: ParsedManifest): Descriptor {
  const artifactType = effectiveArtifactType(parsed);
  const annotations = parsed.manifest.annotations;
  return {
    mediaType: parsed.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
    ...(artifactType !== undefined && { artifactType }),
    ...(annotations !== undefined && { annotations }),
  };
}

/** When pushed content is a manifest with a subject, returns the subject and the referrer descriptor. */
export function subjectOf(
  descriptor: Descriptor,
  bytes: Uint8Array,
): { subject: Descriptor; referrer: Descriptor } | undefined {
  if (!isManifestMediaType(descriptor.mediaType)) return undefined;
  const parsed = parseManifest(bytes, descriptor.mediaType);
  const subject = parsed.manifest.subject;
  if (subject === undefined) return undefined;
  return { subject, referrer: referrerDescriptor(descriptor, parsed) };
}

export function filterByArtifactType(referrers: readonly Descriptor[], artifactType?: string): Descriptor[] {
  return artifactType === undefined ? [...referrers] : referrers.filter((r) => r.artifactType === artifactType);
}
