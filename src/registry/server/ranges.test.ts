import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseContentRange, parseRangeHeader, uploadRange } from './ranges.js';

describe('Range on blob GETs', () => {
  it('parses the single-range forms', () => {
    assert.deepEqual(parseRangeHeader('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRangeHeader('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRangeHeader('bytes=-10', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRangeHeader('bytes=95-200', 100), { start: 95, end: 99 });
  });
  it('ignores what it does not serve and refuses what cannot be satisfied', () => {
    assert.equal(parseRangeHeader(undefined, 100), undefined);
    assert.equal(parseRangeHeader('bytes=0-1,5-6', 100), undefined);
    assert.equal(parseRangeHeader('items=0-1', 100), undefined);
    for (const header of ['bytes=100-', 'bytes=5-2', 'bytes=-0']) {
      assert.throws(() => parseRangeHeader(header, 100), (error: { status?: number; headers?: Record<string, string> }) => {
        assert.equal(error.status, 416);
        assert.equal(error.headers?.['Content-Range'], 'bytes */100');
        return true;
      });
    }
  });
});

describe('Content-Range on upload chunks', () => {
  it('parses inclusive ranges', () => {
    assert.deepEqual(parseContentRange('0-99'), { start: 0, end: 99 });
    assert.deepEqual(parseContentRange('bytes 100-199/*'), { start: 100, end: 199 });
  });
  it('refuses malformed and backwards ranges', () => {
    for (const header of ['', 'abc', '10-5', '-5', '1-2-3', `0-${'9'.repeat(20)}`]) assert.equal(parseContentRange(header), undefined, header);
  });
  it('reports progress as 0-<last byte>', () => {
    assert.equal(uploadRange(0), '0-0');
    assert.equal(uploadRange(10), '0-9');
  });
});
