import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegistryError } from '../../errors.js';
import { parseLinkValues, parseNextLink } from './link.js';

const base = new URL('http://127.0.0.1:5000/v2/app/tags/list?n=2');

describe('Link header', () => {
  it('resolves the relative next link registries send', () => {
    const next = parseNextLink('</v2/app/tags/list?last=b&n=2>; rel="next"', base);
    assert.equal(next?.href, 'http://127.0.0.1:5000/v2/app/tags/list?last=b&n=2');
  });

  it('finds next among several links, with unquoted and multi-valued rel', () => {
    const header = '<https://r/prev>; rel=prev, <https://r/a,b?x=1>; title="a, b"; rel="last next"';
    assert.equal(parseNextLink(header, base)?.href, 'https://r/a,b?x=1');
    assert.deepEqual(parseLinkValues(header).map((link) => link.relations), [['prev'], ['last', 'next']]);
  });

  it('joins repeated headers and returns undefined without a next link', () => {
    assert.equal(parseNextLink(['<https://r/1>; rel="prev"', '<https://r/2>; rel="next"'], base)?.href, 'https://r/2');
    assert.equal(parseNextLink('<https://r/1>; rel="prev"', base), undefined);
    assert.equal(parseNextLink(undefined, base), undefined);
    assert.equal(parseNextLink('garbage without brackets', base), undefined);
  });

  it('rejects non-HTTP targets and oversized headers', () => {
    assert.throws(() => parseNextLink('<file:///etc/passwd>; rel="next"', base), (error: unknown) => {
      return error instanceof RegistryError && error.code === 'ERR_REGISTRY_RESPONSE_INVALID';
    });
    assert.throws(() => parseNextLink(`<${'a'.repeat(20_000)}>; rel="next"`, base), /longer than/);
  });

  it('tolerates broken parameters', () => {
    assert.equal(parseNextLink('<https://r/n>; ; =x; rel="next', base)?.href, 'https://r/n');
    assert.equal(parseNextLink('<https://r/n', base), undefined);
  });
});
