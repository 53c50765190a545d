import { MAX_MANIFEST_BYTES } from '../limits.js';
import { isManifestMediaType, manifestChildren, parseManifest, type Descriptor, type Digest } from '../oci/index.js';
import { fetchAll, verifyStream } from './read.js';
import type { ReadOnlyStorage, Storage } from './storage.js';

export interface CopyOptions {
  /** Also copy every referrer of every copied manifest (signatures, SBOMs), recursively. */
  readonly recursive?: boolean;
  /** Blobs transferred at once. */
  readonly concurrency?: number;
  /** Called once per descriptor: 'exists' when the target had it already. */
  readonly onProgress?: (event: CopyEvent) => void;
}

export interface CopyEvent {
  readonly descriptor: Descriptor;
  readonly state: 'copying' | 'copied' | 'exists';
}

/**
 * Copies the graph rooted at `root` from one storage to another: children before parents, so the
 * target never holds a manifest whose content is missing, and content the target has is skipped.
 */
export async function copyGraph(
  source: ReadOnlyStorage,
  target: Storage,
  root: Descriptor,
  options: CopyOptions = {},
): Promise<void> {
  const copier = new GraphCopier(source, target, options);
  await copier.copyNode(root);
}

/** Resolves `sourceReference` in the source, copies its graph, and tags it in the target. */
export async function copy(
  source: ReadOnlyStorage,
  sourceReference: string,
  target: Storage,
  targetReference: string | undefined,
  options: CopyOptions = {},
): Promise<Descriptor> {
  const root = await source.resolve(sourceReference);
  await copyGraph(source, target, root, options);
  if (targetReference !== undefined && targetReference !== root.digest) await target.tag(root, targetReference);
  return root;
}

class GraphCopier {
  private readonly started = new Map<Digest, Promise<void>>();
  private readonly limit: Limiter;

  constructor(
    private readonly source: ReadOnlyStorage,
    private readonly target: Storage,
    private readonly options: CopyOptions,
  ) {
    this.limit = new Limiter(options.concurrency ?? 4);
  }

  copyNode(descriptor: Descriptor): Promise<void> {
    // A graph may share content (or, if hostile, loop through referrers): copy each digest once.
    let pending = this.started.get(descriptor.digest);
    if (!pending) {
      pending = this.copyOnce(descriptor);
      this.started.set(descriptor.digest, pending);
    }
    return pending;
  }

  private async copyOnce(descriptor: Descriptor): Promise<void> {
    const isManifest = isManifestMediaType(descriptor.mediaType);
    if (!isManifest) {
      await this.limit.run(() => this.copyBlob(descriptor));
      return;
    }
    const bytes = await fetchAll(this.source, descriptor, MAX_MANIFEST_BYTES);
    const parsed = parseManifest(bytes, descriptor.mediaType);
    await Promise.all(manifestChildren(parsed).map((child) => this.copyNode(child)));
    if (await this.target.exists(descriptor)) {
      this.options.onProgress?.({ descriptor, state: 'exists' });
    } else {
      this.options.onProgress?.({ descriptor, state: 'copying' });
      await this.target.push(descriptor, bytes);
      this.options.onProgress?.({ descriptor, state: 'copied' });
    }
    if (this.options.recursive) {
      const referrers = await this.source.referrers(descriptor);
      await Promise.all(referrers.map((referrer) => this.copyNode(referrer)));
    }
  }

  private async copyBlob(descriptor: Descriptor): Promise<void> {
    if (await this.target.exists(descriptor)) {
      this.options.onProgress?.({ descriptor, state: 'exists' });
      return;
    }
    this.options.onProgress?.({ descriptor, state: 'copying' });
    const stream = await this.source.fetch(descriptor);
    await this.target.push(descriptor, verifyStream(stream, descriptor));
    this.options.onProgress?.({ descriptor, state: 'copied' });
  }
}

/** Runs at most `size` tasks at once. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so the count never overshoots.
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
