import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLayoutSpec } from './target-spec.js';

const DIGEST = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';

describe('parseLayoutSpec', () => {
  it('reads a tag, a digest, or neither', () => {
    assert.deepEqual(parseLayoutSpec('out/layout:v1'), { kind: 'layout', path: 'out/layout', tag: 'v1', text: 'out/layout:v1' });
    assert.deepEqual(parseLayoutSpec(`dir@${DIGEST}`), { kind: 'layout', path: 'dir', digest: DIGEST, text: `dir@${DIGEST}` });
    assert.deepEqual(parseLayoutSpec('./a:b/c'), { kind: 'layout', path: './a:b/c', text: './a:b/c' });
  });
});
