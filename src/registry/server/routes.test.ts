import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchRoute, splitTarget } from './routes.js';

describe('matchRoute', () => {
  const cases: ReadonlyArray<[string, unknown]> = [
    ['/v2/', { kind: 'base' }],
    ['/v2', { kind: 'base' }],
    ['/v2/_catalog', { kind: 'catalog' }],
    ['/v2/a/b/blobs/uploads/', { kind: 'uploads', name: 'a/b' }],
    ['/v2/a/blobs/uploads/1234', { kind: 'upload', name: 'a', id: '1234' }],
    ['/v2/a/blobs/sha256:ab', { kind: 'blob', name: 'a', digest: 'sha256:ab' }],
    ['/v2/a/blobs/sha256%3Aab', { kind: 'blob', name: 'a', digest: 'sha256:ab' }],
    ['/v2/x/manifests/v1', { kind: 'manifest', name: 'x', reference: 'v1' }],
    ['/v2/x/y/z/tags/list', { kind: 'tags', name: 'x/y/z' }],
    ['/v2/x/referrers/sha256:ab', { kind: 'referrers', name: 'x', digest: 'sha256:ab' }],
    // A repository may be called "blobs" or "manifests": the last matching suffix decides.
    ['/v2/a/blobs/manifests/v1', { kind: 'manifest', name: 'a/blobs', reference: 'v1' }],
    ['/v3/', undefined],
    ['/v2/a/unknown', undefined],
  ];
  for (const [path, expected] of cases) {
    it(path, () => assert.deepEqual(matchRoute(path), expected));
  }

  for (const path of ['/v2/../x/tags/list', '/v2/%2e%2e/x/tags/list', '/v2/a//b/tags/list', '/v2/A/tags/list', '/v2/a%2Fb/tags/list']) {
    it(`refuses ${path} with NAME_INVALID`, () => {
      assert.throws(() => matchRoute(path), { code: 'ERR_REGISTRY_SERVER_NAME_INVALID' });
    });
  }

  it('splits the query without decoding the path', () => {
    const { path, query } = splitTarget('/v2/a%2e/tags/list?n=2&last=b');
    assert.equal(path, '/v2/a%2e/tags/list');
    assert.equal(query.get('n'), '2');
  });
});
