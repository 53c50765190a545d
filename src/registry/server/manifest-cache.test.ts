import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestOf } from '../../oci/index.js';
import { ManifestCache } from './manifest-cache.js';

describe('ManifestCache', () => {
  it('evicts the least recently used entries beyond its byte budget', () => {
    const cache = new ManifestCache(800);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => ({ digest: digestOf(name), bytes: Buffer.alloc(100, name) }));
    cache.set(a!.digest, a!.bytes);
    cache.set(b!.digest, b!.bytes);
    assert.ok(cache.get(a!.digest));
    for (let i = 0; i < 6; i++) cache.set(digestOf(`filler${i}`), Buffer.alloc(100));
    cache.set(c!.digest, c!.bytes);
    assert.equal(cache.get(b!.digest), undefined, 'b was least recently used');
    assert.ok(cache.get(c!.digest));
  });

  it('does not hold entries larger than an eighth of its budget', () => {
    const cache = new ManifestCache(800);
    cache.set(digestOf('big'), Buffer.alloc(101));
    assert.equal(cache.get(digestOf('big')), undefined);
  });
});
