/**
 * Go's `time.ParseDuration`, for flags Notation declares as durations (`--expiry 24h`, `3h20m`,
 * `1.5h`, `90s`): the same grammar, units and error texts. Returns nanoseconds as a bigint, since
 * useful durations (a year is 3.2e16 ns) exceed the exact range of a JS number.
 */
import { goQuote } from '../gocompat/index.js';

const UNIT_NANOSECONDS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's limit: durations are int64 nanoseconds. */
const MAX_DURATION = (1n << 63n) - 1n;

const quote = goQuote;

export function parseGoDuration(text: string): bigint {
  const invalid = (): never => {
    throw new Error(`time: invalid duration ${quote(text)}`);
  };
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') invalid();
  let total = 0n;
  while (rest !== '') {
    const match = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const whole = match[1] ?? '';
    const fraction = match[2];
    if (whole === '' && (fraction === undefined || fraction === '')) invalid();
    rest = rest.slice(match[0].length);
    const unitMatch = /^[^0-9.]*/.exec(rest)!;
    const unit = unitMatch[0];
    if (unit === '') throw new Error(`time: missing unit in duration ${quote(text)}`);
    const scale = UNIT_NANOSECONDS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${quote(unit)} in duration ${quote(text)}`);
    rest = rest.slice(unit.length);
    let value = BigInt(whole === '' ? '0' : whole) * scale;
    if (fraction !== undefined && fraction !== '') {
      // Go truncates the fractional part to nanosecond precision.
      const digits = BigInt(fraction);
      value += (digits * scale) / 10n ** BigInt(fraction.length);
    }
    total += value;
    if (total > MAX_DURATION) invalid();
  }
  return negative ? -total : total;
}
