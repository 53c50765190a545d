import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readTestdata } from '../../test/helpers/conformance.js';
import { offlineRevocationChecker } from '../verify/index.js';
import { createAdmissionRevocationChecker, memoryCrlCache } from './revocation.js';

describe('admission revocation modes', () => {
  it('offline is src/verify\'s offline checker; online checks for real', async () => {
    assert.equal(await createAdmissionRevocationChecker({ mode: 'offline' }), offlineRevocationChecker);
    const online = await createAdmissionRevocationChecker({ mode: 'online' });
    assert.notEqual(online, offlineRevocationChecker);
    assert.equal(typeof online.check, 'function');
  });

  it('the memory CRL cache honours nextUpdate and its bound', async () => {
    // leaf.crl: nextUpdate 2124-10-18; leaf_expired.crl: nextUpdate 2023-12-25.
    let now = Date.parse('2025-01-01T00:00:00Z');
    const cache = memoryCrlCache(2, () => now);
    const current = { baseCrl: new Uint8Array(readTestdata('config', 'crl', 'leaf.crl')) };
    const expired = { baseCrl: new Uint8Array(readTestdata('config', 'crl', 'leaf_expired.crl')) };
    await cache.set('a', current);
    await cache.set('b', expired);
    assert.equal(await cache.get('a'), current);
    assert.equal(await cache.get('b'), undefined);
    await cache.set('b', current);
    await cache.set('c', current);
    assert.equal(await cache.get('a'), undefined, 'the oldest entry went first');
    now = Date.parse('2125-01-01T00:00:00Z');
    assert.equal(await cache.get('c'), undefined);
  });
});
