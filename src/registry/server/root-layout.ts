import { join } from 'node:path';
import { isValidRepositoryName } from '../../oci/index.js';

/**
 * The on-disk shape of a registry root:
 *
 *   blobs/<alg>/<hex>          global content-addressed store: every blob and manifest, once
 *   repositories/<encoded>/    one OCI image layout per repository; its blobs/ are hard links
 *                              into the global store (dedup for free, usable with --oci-layout)
 *   uploads/<uuid>/            upload sessions: `data` and `state.json`
 *   ingest/                    temporary files (same file system, so publishing is a link)
 *
 * Repository names are stored flat, `/` encoded as `+`. Nested folders would collide with the
 * layout's own entries: repository `a/blobs` would live inside repository `a`'s blob store.
 * `+` is outside the name grammar, so the encoding is unambiguous and reversible.
 */
export class RootLayout {
  readonly blobs: string;
  readonly repositories: string;
  readonly uploads: string;
  readonly ingest: string;

  constructor(readonly root: string) {
    this.blobs = join(root, 'blobs');
    this.repositories = join(root, 'repositories');
    this.uploads = join(root, 'uploads');
    this.ingest = join(root, 'ingest');
  }

  repository(name: string): string {
    return join(this.repositories, encodeRepositoryName(name));
  }

  upload(id: string): string {
    return join(this.uploads, id);
  }
}

export function encodeRepositoryName(name: string): string {
  if (!isValidRepositoryName(name)) throw new Error(`invalid repository name "${name}"`);
  return name.replaceAll('/', '+');
}

/** The repository a folder name stands for, or undefined for a folder that is none. */
export function decodeRepositoryName(folder: string): string | undefined {
  const name = folder.replaceAll('+', '/');
  return isValidRepositoryName(name) ? name : undefined;
}

/** Upload session ids are UUIDs we issued; anything else never reaches the file system. */
export function isUploadId(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id);
}
