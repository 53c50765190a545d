import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, canRetry, DEFAULT_RETRY_POLICY, isConnectionReset, parseRetryAfter, retryDelay } from './retry.js';

const now = Date.parse('2026-01-01T00:00:00Z');

describe('Retry-After', () => {
  it('parses delay-seconds', () => {
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter(' 3 ', now), 3000);
  });

  it('parses an HTTP date relative to now, never negative', () => {
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0);
  });

  it('ignores malformed values', () => {
    for (const value of ['', '-1', '1.5', 'soon', 'tomorrow 2', '99999999999', 'Thu, 99 Foo 2026 GMT']) {
      assert.equal(parseRetryAfter(value, now), undefined, value);
    }
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('is capped by the policy', () => {
    assert.equal(retryDelay(1, 3_600_000, DEFAULT_RETRY_POLICY), DEFAULT_RETRY_POLICY.maxRetryAfterMs);
    assert.equal(retryDelay(1, 1000, DEFAULT_RETRY_POLICY), 1000);
  });
});

describe('backoff', () => {
  it('doubles per attempt with jitter inside [step/2, step] and stops at the maximum', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffDelay(1, policy, () => 0), 50);
    assert.equal(backoffDelay(1, policy, () => 1), 100);
    assert.equal(backoffDelay(3, policy, () => 1), 400);
    assert.equal(backoffDelay(10, policy, () => 1), 1000);
  });
});

describe('retry eligibility', () => {
  const url = new URL('http://r/');
  it('retries idempotent requests and replayable bodies only', () => {
    assert.equal(canRetry({ method: 'GET', url, operation: 'x' }), true);
    assert.equal(canRetry({ method: 'PUT', url, operation: 'x', body: Buffer.from('a') }), true);
    assert.equal(canRetry({ method: 'POST', url, operation: 'x' }), false);
    assert.equal(canRetry({ method: 'POST', url, operation: 'x', retrySafe: true }), true);
    const stream = (async function* () {
      yield Buffer.from('a');
    })();
    assert.equal(canRetry({ method: 'PUT', url, operation: 'x', body: stream }), false);
  });

  it('recognises connection resets through wrapped causes', () => {
    assert.equal(isConnectionReset(Object.assign(new Error('x'), { code: 'ECONNRESET' })), true);
    assert.equal(isConnectionReset(new Error('outer', { cause: { code: 'UND_ERR_SOCKET' } })), true);
    assert.equal(isConnectionReset(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), false);
  });
});
