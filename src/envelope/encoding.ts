/**
 * Strict decoders and Go-compatible encoders shared by the JWS and COSE codecs: JSON without
 * duplicate keys, canonical base64/base64url, RFC 3339 times. Internal to `envelope`.
 *
 * Strictness is a security property here: a verifier that accepts two spellings of one value (a
 * duplicate JSON key, a non-canonical base64 tail) invites parser-differential attacks, where two
 * implementations verify one envelope but read different content from it (threat model: "parser
 * ambiguity").
 */
import { EnvelopeError } from '../errors.js';
import { compareGoStrings, goJsonString } from '../gocompat/index.js';

function invalid(message: string): never {
  throw new EnvelopeError('ERR_ENVELOPE_INVALID', message);
}

// ---------------------------------------------------------------------------------------------
// JSON

const MAX_JSON_DEPTH = 64;

/**
 * RFC 8259 JSON, rejecting duplicate object keys (JSON.parse silently keeps the last one, Go's
 * encoding/json too; a verifier must not pick one of two signed values) and nesting deeper than 64.
 * `what` names the document in errors ("JWS envelope", "protected header", ...).
 */
export function parseStrictJson(text: string, what: string): unknown {
  let pos = 0;
  const fail = (problem: string): never => invalid(`${what} is not valid JSON: ${problem} at offset ${pos}`);
  const skip = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else break;
    }
  };
  const parseString = (): string => {
    // Find the closing quote, then let JSON.parse decode escapes (it is exact for strings).
    const start = pos;
    pos++;
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) pos++;
      pos++;
    }
    pos++;
    try {
      return JSON.parse(text.slice(start, pos)) as string;
    } catch {
      return fail('invalid string escape');
    }
  };
  const parseValue = (depth: number): unknown => {
    if (depth > MAX_JSON_DEPTH) fail('nesting too deep');
    skip();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const object: Record<string, unknown> = {};
      const seen = new Set<string>();
      skip();
      if (text[pos] === '}') {
        pos++;
        return object;
      }
      for (;;) {
        skip();
        if (text[pos] !== '"') fail('expected a string key');
        const key = parseString();
        if (seen.has(key)) fail(`duplicate key "${key}"`);
        seen.add(key);
        skip();
        if (text[pos] !== ':') fail('expected ":"');
        pos++;
        const value = parseValue(depth + 1);
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
        skip();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return object;
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      pos++;
      const array: unknown[] = [];
      skip();
      if (text[pos] === ']') {
        pos++;
        return array;
      }
      for (;;) {
        array.push(parseValue(depth + 1));
        skip();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return array;
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return parseString();
    const literal = /^(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)/.exec(text.slice(pos, pos + 400));
    if (!literal) return fail('unexpected character');
    pos += literal[0].length;
    if (literal[0] === 'true') return true;
    if (literal[0] === 'false') return false;
    if (literal[0] === 'null') return null;
    const number = Number(literal[0]);
    if (!Number.isFinite(number)) fail('number out of range');
    return number;
  };
  const value = parseValue(0);
  skip();
  if (pos !== text.length) fail('trailing data');
  return value;
}

/** Decodes UTF-8 and refuses malformed sequences (TextDecoder would substitute U+FFFD). */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return invalid(`${what} is not valid UTF-8`);
  }
}

/**
 * A JS string may hold lone surrogates; the Go string that JSON decoding would give holds U+FFFD
 * there, and encoding/json writes that character as it is. (Go's string escaping itself, `<`, `>`,
 * `&`, U+2028 and U+2029 as \u escapes, is gocompat's `goJsonString`.)
 */
const wellFormed = (value: string): string =>
  value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/**
 * JSON the way Go's encoding/json writes it: compact, Go string escaping, and (with `sortKeys`)
 * object keys in byte order as Go sorts map keys. Object key order is otherwise insertion order,
 * which stands for Go struct field order.
 */
export function goJson(value: unknown, sortKeys: boolean): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return goJsonString(wellFormed(value));
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('JSON cannot encode non-finite numbers');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => goJson(item, sortKeys)).join(',')}]`;
  if (typeof value === 'object') {
    let keys = Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined);
    if (sortKeys) keys = keys.sort(compareGoStrings);
    return `{${keys.map((key) => `${goJson(key, sortKeys)}:${goJson((value as Record<string, unknown>)[key], sortKeys)}`).join(',')}}`;
  }
  throw new TypeError(`JSON cannot encode a ${typeof value}`);
}

// ---------------------------------------------------------------------------------------------
// Base64

/** base64url without padding (RFC 7515 §2), canonical only: no padding, no stray trailing bits. */
export function decodeBase64Url(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string') invalid(`${what} must be a base64url string`);
  if (!/^[A-Za-z0-9_-]*$/.test(value) || value.length % 4 === 1) invalid(`${what} is not base64url without padding`);
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.toString('base64url') !== value) invalid(`${what} is not canonical base64url`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Standard base64 with padding (RFC 4648 §4), canonical only, as Go's encoding of []byte in JSON. */
export function decodeBase64(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string') invalid(`${what} must be a base64 string`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) invalid(`${what} is not padded standard base64`);
  const bytes = Buffer.from(value, 'base64');
  if (bytes.toString('base64') !== value) invalid(`${what} is not canonical base64`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

// ---------------------------------------------------------------------------------------------
// Time

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * RFC 3339 date-time as Go's time.Parse(time.RFC3339) accepts it: upper-case T and Z, any offset,
 * optional fraction (kept to the millisecond). Returns an instant; callers compare instants.
 */
export function parseRfc3339(value: unknown, what: string): Date {
  if (typeof value !== 'string') invalid(`${what} must be an RFC 3339 date-time string`);
  const match = RFC3339.exec(value);
  if (!match) invalid(`${what} "${value}" is not an RFC 3339 date-time`);
  const [, y, mo, d, h, mi, s, fraction, zone, sign, oh, om] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    invalid(`${what} "${value}" is not a valid date-time`);
  }
  if (zone !== 'Z') {
    const offsetHours = Number(oh);
    const offsetMinutes = Number(om);
    if (offsetHours > 23 || offsetMinutes > 59) invalid(`${what} "${value}" has an invalid time zone offset`);
    const offset = (offsetHours * 60 + offsetMinutes) * 60_000 * (sign === '-' ? -1 : 1);
    date.setTime(date.getTime() - offset);
  }
  return date;
}

/** RFC 3339 in UTC with whole seconds (`2025-01-21T09:17:46Z`), as Notation emits on a UTC host. */
export function formatRfc3339(date: Date): string {
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new EnvelopeError('ERR_ENVELOPE_SIGN_REQUEST_INVALID', `time ${date.toISOString()} is outside years 0000-9999`);
  return `${date.toISOString().replace(/^[+-]0*(?=\d{4})/, '').slice(0, 19)}Z`;
}

/** Truncates to whole seconds, as notation-core-go does before signing. */
export function truncateToSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
