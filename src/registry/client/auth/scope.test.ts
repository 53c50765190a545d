import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanScopes, repositoryScope, splitScopeParameter } from './scope.js';

describe('token scopes', () => {
  it('builds repository scopes with sorted actions', () => {
    assert.equal(repositoryScope('ns/app', ['push', 'pull']), 'repository:ns/app:pull,push');
  });

  it('merges actions per resource, lets * absorb the rest, and sorts', () => {
    assert.deepEqual(
      cleanScopes(['repository:b:pull', 'repository:a:push', 'repository:a:pull', 'repository:c:pull,*', 'registry:catalog:*']),
      ['registry:catalog:*', 'repository:a:pull,push', 'repository:b:pull', 'repository:c:*'],
    );
  });

  it('keeps unparseable scopes verbatim and drops empty ones', () => {
    assert.deepEqual(cleanScopes(['odd', '', 'repository:a:pull']), ['odd', 'repository:a:pull']);
  });

  it('splits a space-separated scope parameter', () => {
    assert.deepEqual(splitScopeParameter('repository:a:pull  repository:b:push'), ['repository:a:pull', 'repository:b:push']);
    assert.deepEqual(splitScopeParameter(undefined), []);
  });
});
