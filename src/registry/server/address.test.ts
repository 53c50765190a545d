import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseListenAddress } from './address.js';

describe('parseListenAddress', () => {
  it('reads host:port, [ipv6]:port and :port', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000 });
    assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListenAddress(':8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListenAddress('localhost:1'), { host: 'localhost', port: 1 });
  });
  for (const bad of ['5000', '127.0.0.1', 'host:70000', 'a:b', '::1:5000']) {
    it(`refuses ${bad}`, () => assert.throws(() => parseListenAddress(bad), { code: 'ERR_USAGE' }));
  }
});
