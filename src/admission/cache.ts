/**
 * Verification results cached per (registry scope, digest, trust material version): an LRU with
 * TTL in memory, optionally shared between replicas through a {@link SharedStore} (Redis). Lookups
 * for the same key are coalesced while one computation is in flight. Shared entries can carry an
 * HMAC so a writer without the key cannot plant a "verified" answer in Redis.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The shared layer: get/set strings with a TTL. Implementations must never throw into admission. */
export interface SharedStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
  /** `up`, `down` or `connecting`, for /readyz. */
  status(): string;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/** A Map-ordered LRU with a TTL per entry. */
export class LruCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(maxEntries: number, now: () => number = Date.now) {
    this.#maxEntries = Math.max(1, maxEntries);
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    // Re-insert: Map iteration order is insertion order, so the first key is the least recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

export type CacheSource = 'memory' | 'shared' | 'computed' | 'coalesced';

export interface CacheEvents {
  /** A lookup was answered (or not) by a layer. */
  lookup?(layer: 'memory' | 'shared', hit: boolean): void;
  /** A shared entry was refused (bad HMAC, unparsable). */
  rejected?(reason: string): void;
}

export interface TieredCacheOptions {
  readonly maxEntries?: number;
  readonly shared?: SharedStore;
  /** Secret for HMAC-SHA256 over shared entries; without it entries are stored plain. */
  readonly hmacKey?: Uint8Array;
  /** Prefix of shared keys (namespacing several deployments in one Redis). */
  readonly prefix?: string;
  readonly now?: () => number;
  readonly events?: CacheEvents;
}

/** What a computation hands back: the value and how long it may be kept (0: not at all). */
export interface Computed<V> {
  readonly value: V;
  readonly ttlMs: number;
}

/** Memory, then the shared store, then the computation; coalesced per key. */
export class TieredCache<V> {
  readonly #memory: LruCache<V>;
  readonly #inFlight = new Map<string, Promise<{ value: V; source: CacheSource }>>();
  readonly #options: TieredCacheOptions;
  readonly #now: () => number;

  constructor(options: TieredCacheOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#memory = new LruCache<V>(options.maxEntries ?? 10_000, this.#now);
  }

  get memorySize(): number {
    return this.#memory.size;
  }

  /** Forgets everything held in memory (trust material changed; shared keys carry the version). */
  clear(): void {
    this.#memory.clear();
  }

  /** Only memory: the synchronous fast path. */
  peek(key: string): V | undefined {
    return this.#memory.get(key);
  }

  async get(key: string, compute: () => Promise<Computed<V>>): Promise<{ value: V; source: CacheSource }> {
    const inMemory = this.#memory.get(key);
    this.#options.events?.lookup?.('memory', inMemory !== undefined);
    if (inMemory !== undefined) return { value: inMemory, source: 'memory' };
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return { value: (await pending).value, source: 'coalesced' };
    const work = this.#load(key, compute);
    this.#inFlight.set(key, work);
    try {
      return await work;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  async #load(key: string, compute: () => Promise<Computed<V>>): Promise<{ value: V; source: CacheSource }> {
    const shared = this.#options.shared;
    if (shared !== undefined) {
      const found = await this.#readShared(shared, key);
      this.#options.events?.lookup?.('shared', found !== undefined);
      if (found !== undefined) {
        this.#memory.set(key, found.value, found.expiresAt - this.#now());
        return { value: found.value, source: 'shared' };
      }
    }
    const computed = await compute();
    if (computed.ttlMs > 0) {
      this.#memory.set(key, computed.value, computed.ttlMs);
      if (shared !== undefined) void this.#writeShared(shared, key, computed);
    }
    return { value: computed.value, source: 'computed' };
  }

  #sharedKey(key: string): string {
    return `${this.#options.prefix ?? 'portcullis:v1:'}${key}`;
  }

  async #readShared(shared: SharedStore, key: string): Promise<{ value: V; expiresAt: number } | undefined> {
    const text = await shared.get(this.#sharedKey(key)).catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const envelope = JSON.parse(text) as { v?: unknown; e?: unknown; m?: unknown };
      if (typeof envelope.e !== 'number' || envelope.e <= this.#now()) return undefined;
      const body = JSON.stringify({ k: key, v: envelope.v, e: envelope.e });
      const hmacKey = this.#options.hmacKey;
      if (hmacKey !== undefined) {
        const expected = createHmac('sha256', hmacKey).update(body).digest();
        const given = typeof envelope.m === 'string' ? Buffer.from(envelope.m, 'base64') : Buffer.alloc(0);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          this.#options.events?.rejected?.('hmac');
          return undefined;
        }
      }
      return { value: envelope.v as V, expiresAt: envelope.e };
    } catch {
      this.#options.events?.rejected?.('malformed');
      return undefined;
    }
  }

  async #writeShared(shared: SharedStore, key: string, computed: Computed<V>): Promise<void> {
    const expiresAt = this.#now() + computed.ttlMs;
    // The key is inside the MAC: an entry copied to another key does not verify there.
    const body = JSON.stringify({ k: key, v: computed.value, e: expiresAt });
    const hmacKey = this.#options.hmacKey;
    const m = hmacKey === undefined ? undefined : createHmac('sha256', hmacKey).update(body).digest('base64');
    const text = JSON.stringify({ v: computed.value, e: expiresAt, ...(m !== undefined && { m }) });
    await shared.set(this.#sharedKey(key), text, computed.ttlMs).catch(() => undefined);
  }
}
