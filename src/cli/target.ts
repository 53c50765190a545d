import { UsageError } from '../errors.js';
import type { Storage, TagListable } from '../content/index.js';
import { LayoutStore } from '../layout/index.js';
import { formatReference, repositoryReference } from '../oci/index.js';
import type { CliContext } from './context.js';
import type { RemoteFlags } from './remote-flags.js';
import { registryClientFor } from './registry-client.js';
import { parseTargetSpec, specTarget, type TargetSpec } from './target-spec.js';

export interface OpenedTarget {
  readonly spec: TargetSpec;
  readonly storage: Storage & Partial<TagListable>;
  /** `registry` or `oci-layout`, as ORAS labels its output. */
  readonly kind: 'registry' | 'oci-layout';
  /** `registry/repository` or the layout directory. */
  readonly name: string;
  /** The reference as the user gave it, for messages. */
  readonly display: string;
  /** The tag or digest the user named, if any. */
  readonly reference: string | undefined;
}

/**
 * Opens the storage a command argument names: a registry repository or an OCI layout directory. A
 * layout is created only for writing, so a mistyped source path fails instead of leaving an empty layout.
 */
export async function openTarget(
  text: string,
  flags: RemoteFlags,
  context: CliContext,
  mode: 'read' | 'write' = 'read',
): Promise<OpenedTarget> {
  const spec = parseTargetSpec(text, Boolean(flags.ociLayout));
  const reference = specTarget(spec);
  if (spec.kind === 'layout') {
    const storage = await LayoutStore.open(spec.path, { create: mode === 'write' });
    return { spec, storage, kind: 'oci-layout', name: spec.path, display: spec.text, reference };
  }
  const client = await registryClientFor(flags, context);
  const storage = client.repository(spec.reference);
  return {
    spec,
    storage,
    kind: 'registry',
    name: repositoryReference(spec.reference),
    display: formatReference(spec.reference),
    reference,
  };
}

/** The tag or digest a read command needs; a bare repository is a usage error. */
export function requireTargetReference(target: OpenedTarget): string {
  if (target.reference === undefined) {
    throw new UsageError(`"${target.display}" names no tag or digest: add :<tag> or @<digest>`);
  }
  return target.reference;
}

/** Splits ORAS's `name:tag1,tag2` into the reference with its first tag and the list of tags. */
export function splitTags(text: string): { base: string; tags: string[] } {
  const at = text.lastIndexOf('@');
  if (at >= 0) return { base: text, tags: [] };
  const slash = text.lastIndexOf('/');
  const colon = text.lastIndexOf(':');
  if (colon <= slash) return { base: text, tags: [] };
  const tags = text
    .slice(colon + 1)
    .split(',')
    .filter((tag) => tag.length > 0);
  return { base: text.slice(0, colon), tags };
}
