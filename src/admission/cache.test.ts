import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruCache, TieredCache, type SharedStore } from './cache.js';

function memoryStore(): SharedStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, get: async (key) => data.get(key), set: async (key, value) => void data.set(key, value), close: async () => undefined, status: () => 'up' };
}

describe('verdict caches', () => {
  it('LRU evicts the least recently used and expires by TTL', () => {
    let now = 0;
    const cache = new LruCache<number>(2, () => now);
    cache.set('a', 1, 100);
    cache.set('b', 2, 100);
    cache.get('a');
    cache.set('c', 3, 100);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    now = 100;
    assert.equal(cache.get('a'), undefined);
    cache.set('z', 0, 0);
    assert.equal(cache.get('z'), undefined, 'ttl 0 is not stored');
  });

  it('coalesces concurrent computations of one key and does not keep ttl-0 results', async () => {
    const cache = new TieredCache<string>();
    let calls = 0;
    const compute = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { value: 'v', ttlMs: 1000 };
    };
    const results = await Promise.all([cache.get('k', compute), cache.get('k', compute), cache.get('k', compute)]);
    assert.equal(calls, 1);
    assert.deepEqual(results.map((result) => result.source).sort(), ['coalesced', 'coalesced', 'computed']);
    assert.equal((await cache.get('k', compute)).source, 'memory');
    const transient = async () => ({ value: 'down', ttlMs: 0 });
    await cache.get('t', transient);
    assert.equal(cache.peek('t'), undefined);
  });

  it('shares entries through the store, HMAC-checked, bound to their key', async () => {
    const store = memoryStore();
    const key = Buffer.from('secret');
    const writer = new TieredCache<{ verified: boolean }>({ shared: store, hmacKey: key });
    await writer.get('digest-a', async () => ({ value: { verified: true }, ttlMs: 60_000 }));
    await new Promise((resolve) => setImmediate(resolve));
    const rejected: string[] = [];
    const reader = new TieredCache<{ verified: boolean }>({ shared: store, hmacKey: key, events: { rejected: (reason) => void rejected.push(reason) } });
    assert.deepEqual(await reader.get('digest-a', async () => assert.fail('must come from the store')), { value: { verified: true }, source: 'shared' });

    // A planted or moved entry does not verify.
    const stored = [...store.data][0]!;
    store.data.set(stored[0].replace('digest-a', 'digest-b'), stored[1]);
    const planted = JSON.parse(stored[1]);
    planted.m = Buffer.alloc(32).toString('base64');
    store.data.set(stored[0].replace('digest-a', 'digest-c'), JSON.stringify(planted));
    let computed = 0;
    const fresh = new TieredCache<{ verified: boolean }>({ shared: store, hmacKey: key, events: { rejected: (reason) => void rejected.push(reason) } });
    for (const k of ['digest-b', 'digest-c']) {
      const answer = await fresh.get(k, async () => {
        computed += 1;
        return { value: { verified: false }, ttlMs: 0 };
      });
      assert.equal(answer.value.verified, false);
    }
    assert.equal(computed, 2);
    assert.ok(rejected.filter((reason) => reason === 'hmac').length >= 2);
  });

  it('treats a failing store as a miss', async () => {
    const broken: SharedStore = { get: async () => Promise.reject(new Error('down')), set: async () => Promise.reject(new Error('down')), close: async () => undefined, status: () => 'down' };
    const cache = new TieredCache<number>({ shared: broken });
    assert.deepEqual(await cache.get('k', async () => ({ value: 7, ttlMs: 1000 })), { value: 7, source: 'computed' });
  });
});
