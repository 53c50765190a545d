import type { Digest } from '../../oci/index.js';

/** Manifests are small, immutable under their digest and read far more often than written. */
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Manifest bytes by digest, least recently used evicted first, bounded by total bytes. Safe without
 * invalidation: content never changes under a digest, and callers check that the repository still
 * holds the manifest before they look here.
 */
export class ManifestCache {
  private readonly entries = new Map<Digest, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_BYTES) {}

  get(digest: Digest): Buffer | undefined {
    const hit = this.entries.get(digest);
    if (hit !== undefined) {
      this.entries.delete(digest);
      this.entries.set(digest, hit);
    }
    return hit;
  }

  set(digest: Digest, content: Buffer): void {
    if (content.byteLength > this.maxBytes / 8 || this.entries.has(digest)) return;
    this.entries.set(digest, content);
    this.bytes += content.byteLength;
    for (const [oldest, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= value.byteLength;
    }
  }
}
