import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeOutputPath } from '../../src/cli/files.js';

describe('safeOutputPath', () => {
  for (const title of ['../escape', '/etc/passwd', 'a/../../b', '', '.', 'a\0b']) {
    it(`refuses ${JSON.stringify(title)}`, () => assert.throws(() => safeOutputPath('/tmp/out', title)));
  }
  it('keeps nested names inside the directory', () => assert.equal(safeOutputPath('/tmp/out', 'a/b.txt'), '/tmp/out/a/b.txt'));
});
