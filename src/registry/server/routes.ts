import { isValidRepositoryName } from '../../oci/index.js';
import { RegistryServerError } from './errors.js';

/** The endpoints of distribution-spec v1.1 (plus `_catalog`), as matched from a request path. */
export type Route =
  | { readonly kind: 'base' }
  | { readonly kind: 'catalog' }
  | { readonly kind: 'uploads'; readonly name: string }
  | { readonly kind: 'upload'; readonly name: string; readonly id: string }
  | { readonly kind: 'blob'; readonly name: string; readonly digest: string }
  | { readonly kind: 'manifest'; readonly name: string; readonly reference: string }
  | { readonly kind: 'tags'; readonly name: string }
  | { readonly kind: 'referrers'; readonly name: string; readonly digest: string };

type NamedKind = Exclude<Route['kind'], 'base' | 'catalog'>;

// Order matters: `<name>/blobs/uploads/` must win over a blob whose "digest" is `uploads`.
const PATTERNS: ReadonlyArray<[NamedKind, RegExp]> = [
  ['uploads', /^\/v2\/(.+)\/blobs\/uploads\/?$/],
  ['upload', /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/],
  ['blob', /^\/v2\/(.+)\/blobs\/([^/]+)$/],
  ['manifest', /^\/v2\/(.+)\/manifests\/([^/]+)$/],
  ['tags', /^\/v2\/(.+)\/tags\/list$/],
  ['referrers', /^\/v2\/(.+)\/referrers\/([^/]+)$/],
];

/**
 * Splits a raw request target into path and query. The path is matched undecoded: a name is only
 * ever the grammar's characters, so `..`, `%2e%2e` and any other encoding fail validation instead
 * of being normalised into some other repository (URL parsers resolve dot segments).
 */
export function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const mark = target.indexOf('?');
  if (mark < 0) return { path: target, query: new URLSearchParams() };
  return { path: target.slice(0, mark), query: new URLSearchParams(target.slice(mark + 1)) };
}

export function matchRoute(path: string): Route | undefined {
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  if (path === '/v2/_catalog') return { kind: 'catalog' };
  for (const [kind, pattern] of PATTERNS) {
    const match = pattern.exec(path);
    if (!match) continue;
    const name = checkName(match[1]!);
    const last = decodeSegment(match[2]);
    switch (kind) {
      case 'uploads':
      case 'tags':
        return { kind, name };
      case 'upload':
        return { kind, name, id: last };
      case 'blob':
      case 'referrers':
        return { kind, name, digest: last };
      case 'manifest':
        return { kind, name, reference: last };
    }
  }
  return undefined;
}

function checkName(name: string): string {
  if (!isValidRepositoryName(name)) {
    throw new RegistryServerError('NAME_INVALID', `invalid repository name "${name.slice(0, 300)}"`, {
      detail: { name: name.slice(0, 300) },
    });
  }
  return name;
}

/** Tags, digests and upload ids need no escaping, but a client may still escape the ':' of a digest. */
function decodeSegment(segment: string | undefined): string {
  if (segment === undefined) return '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
