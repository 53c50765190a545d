import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGoDuration } from './go-duration.js';

describe('parseGoDuration (Go time.ParseDuration)', () => {
  it('parses what Notation users write', () => {
    const cases: [string, bigint][] = [
      ['0', 0n],
      ['2s', 2_000_000_000n],
      ['24h', 86_400_000_000_000n],
      ['3h20m', 12_000_000_000_000n],
      ['1.5h', 5_400_000_000_000n],
      ['-90s', -90_000_000_000n],
      ['+1m', 60_000_000_000n],
      ['1h0m0.5s', 3_600_500_000_000n],
      ['300ms', 300_000_000n],
      ['2us', 2_000n],
      ['2µs', 2_000n],
      ['8760h', 31_536_000_000_000_000n],
      ['.5s', 500_000_000n],
      ['1.s', 1_000_000_000n],
    ];
    for (const [text, expected] of cases) assert.equal(parseGoDuration(text), expected, text);
  });

  it('fails with Go\'s messages', () => {
    assert.throws(() => parseGoDuration(''), /^Error: time: invalid duration ""$/);
    assert.throws(() => parseGoDuration('x'), /^Error: time: invalid duration "x"$/);
    assert.throws(() => parseGoDuration('1'), /^Error: time: missing unit in duration "1"$/);
    assert.throws(() => parseGoDuration('1d'), /^Error: time: unknown unit "d" in duration "1d"$/);
    assert.throws(() => parseGoDuration('.s'), /^Error: time: invalid duration "\.s"$/);
    assert.throws(() => parseGoDuration('9999999999999999999h'), /invalid duration/);
  });
});
