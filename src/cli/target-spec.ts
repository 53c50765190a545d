import { UsageError } from '../errors.js';
import { isDigest, isValidTag, parseDigest, parseReference, type Reference } from '../oci/index.js';

/** Where a command reads or writes: a registry repository or an OCI image layout on disk. */
export type TargetSpec =
  | { readonly kind: 'registry'; readonly reference: Reference; readonly text: string }
  | { readonly kind: 'layout'; readonly path: string; readonly tag?: string; readonly digest?: string; readonly text: string };

/**
 * Parses `<dir>[:<tag>|@<digest>]` as ORAS does for `--oci-layout`: the last `@` starts a digest, else
 * the last `:` starts a tag when what follows is a valid tag (so `C:\dir` and `./a:b/c` stay paths).
 */
export function parseLayoutSpec(text: string): TargetSpec {
  if (text.length === 0) throw new UsageError('empty OCI layout path');
  const at = text.lastIndexOf('@');
  if (at > 0 && isDigest(text.slice(at + 1))) {
    return { kind: 'layout', path: text.slice(0, at), digest: parseDigest(text.slice(at + 1)), text };
  }
  const colon = text.lastIndexOf(':');
  const tag = text.slice(colon + 1);
  if (colon > 0 && !tag.includes('/') && isValidTag(tag)) return { kind: 'layout', path: text.slice(0, colon), tag, text };
  return { kind: 'layout', path: text, text };
}

export function parseTargetSpec(text: string, ociLayout: boolean): TargetSpec {
  if (ociLayout) return parseLayoutSpec(text);
  return { kind: 'registry', reference: parseReference(text), text };
}

/** The tag or digest the spec names, if any. */
export function specTarget(spec: TargetSpec): string | undefined {
  return spec.kind === 'registry' ? spec.reference.digest ?? spec.reference.tag : spec.digest ?? spec.tag;
}

/** How a result is named in messages: `registry/repo` or the layout path, without tag or digest. */
export function specName(spec: TargetSpec): string {
  return spec.kind === 'registry' ? `${spec.reference.registry}/${spec.reference.repository}` : spec.path;
}
