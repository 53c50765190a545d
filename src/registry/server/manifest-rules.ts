import { manifestChildren, type Descriptor, type ParsedManifest } from '../../oci/index.js';

/**
 * Layers that are by definition not pushed: fetched from their `urls` (image-spec
 * non-distributable layers, deprecated, and Docker's foreign layers).
 */
export function isNonDistributable(descriptor: Descriptor): boolean {
  return (
    descriptor.mediaType.includes('.nondistributable.') ||
    descriptor.mediaType.startsWith('application/vnd.docker.image.rootfs.foreign.')
  );
}

/** What a repository must hold for a manifest to be pullable: its children, subject excluded. */
export function requiredContent(parsed: ParsedManifest): Descriptor[] {
  return manifestChildren(parsed).filter((child) => !isNonDistributable(child));
}
