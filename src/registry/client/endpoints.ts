import { OciError, RegistryError } from '../../errors.js';
import { isDigest, isValidTag, type Digest } from '../../oci/index.js';
import type { RepositoryContext } from './context.js';

/**
 * URLs of the distribution-spec endpoints (end-1 … end-13).
 *
 * @see https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#endpoints
 */
export function apiRootUrl(baseUrl: URL): URL {
  return new URL('/v2/', baseUrl);
}

/** A tag or digest; anything else is refused before it can bend the URL path. */
export function manifestUrl(context: RepositoryContext, reference: string): URL {
  if (!isValidTag(reference) && !isDigest(reference)) {
    throw new OciError('ERR_OCI_INVALID_REFERENCE', `invalid reference "${reference.slice(0, 200)}": not a tag or a digest`);
  }
  return new URL(`/v2/${context.repository}/manifests/${reference}`, context.baseUrl);
}

export function blobUrl(context: RepositoryContext, digest: Digest): URL {
  return new URL(`/v2/${context.repository}/blobs/${digest}`, context.baseUrl);
}

export function uploadUrl(context: RepositoryContext, query: Readonly<Record<string, string>> = {}): URL {
  const url = new URL(`/v2/${context.repository}/blobs/uploads/`, context.baseUrl);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}

export function tagsUrl(context: RepositoryContext, pageSize: number | undefined, last: string | undefined): URL {
  const url = new URL(`/v2/${context.repository}/tags/list`, context.baseUrl);
  if (pageSize !== undefined) url.searchParams.set('n', String(pageSize));
  if (last !== undefined) url.searchParams.set('last', last);
  return url;
}

export function referrersUrl(context: RepositoryContext, digest: Digest, artifactType: string | undefined): URL {
  const url = new URL(`/v2/${context.repository}/referrers/${digest}`, context.baseUrl);
  if (artifactType !== undefined) url.searchParams.set('artifactType', artifactType);
  return url;
}

/**
 * Adds `digest=` to an upload session URL without re-encoding its query: registries keep state in
 * it (distribution's `_state`), and some compare it byte for byte.
 */
export function withDigestParameter(location: URL, digest: string): URL {
  const url = new URL(location);
  const parameter = `digest=${encodeURIComponent(digest)}`;
  url.search = url.search === '' || url.search === '?' ? `?${parameter}` : `${url.search}&${parameter}`;
  return url;
}

/** Resolves a `Location` header against the URL that answered: registries often send relative paths. */
export function resolveLocation(location: string, base: URL, operation: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(location, base);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `failed to ${operation}: invalid Location "${location.slice(0, 200)}"`);
  }
  return url;
}
