/**
 * Go's `strconv.Quote` and the `%q` / `%#U` verbs of `fmt`, so that messages copied from the Go
 * reference implementation (Notation, notation-go) come out byte for byte the same.
 *
 * Strings here follow one convention for bytes that are not valid UTF-8: such a byte `b` is held
 * as the lone surrogate `U+DC80 + b` ("surrogate escape"), which no valid text contains. Go keeps
 * those bytes verbatim and `%q` prints them as `\xNN`; so does {@link goQuote}.
 */

/** First and last code unit of the surrogate-escape range (bytes 0x80..0xFF of invalid UTF-8). */
const ESCAPE_LOW = 0xdc80;
const ESCAPE_HIGH = 0xdcff;

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isGoPrintable(codePoint: number): boolean {
  if (codePoint === 0x20) return true;
  if (codePoint < 0x20 || codePoint === 0x7f) return false;
  return PRINTABLE.test(String.fromCodePoint(codePoint));
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

function escapeRune(codePoint: number, quote: number): string {
  if (codePoint === quote || codePoint === 0x5c) return `\\${String.fromCodePoint(codePoint)}`;
  if (isGoPrintable(codePoint)) return String.fromCodePoint(codePoint);
  switch (codePoint) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
    default:
      if (codePoint < 0x20 || codePoint === 0x7f) return `\\x${hex(codePoint, 2)}`;
      if (codePoint < 0x10000) return `\\u${hex(codePoint, 4)}`;
      return `\\U${hex(codePoint, 8)}`;
  }
}

/** Go's `strconv.Quote(s)`, i.e. what `fmt.Sprintf("%q", s)` prints for a string. */
export function goQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint >= ESCAPE_LOW && codePoint <= ESCAPE_HIGH) {
      out += `\\x${hex(codePoint - ESCAPE_LOW + 0x80, 2)}`;
    } else if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
      // A lone surrogate that is not a surrogate escape: Go would hold U+FFFD here.
      out += '\ufffd';
    } else {
      out += escapeRune(codePoint, 0x22);
    }
  }
  return `${out}"`;
}

/** `fmt.Sprintf("%q", []string{...})`: `["a" "b"]`. */
export function goQuoteList(values: readonly string[]): string {
  return `[${values.map(goQuote).join(' ')}]`;
}

/** `fmt.Sprintf("%q", []map[string]string{...})`: maps print with sorted keys. */
export function goQuoteMapList(maps: readonly ReadonlyMap<string, string>[]): string {
  const rendered = maps.map((map) => {
    const keys = [...map.keys()].sort(compareGoStrings);
    return `map[${keys.map((key) => `${goQuote(key)}:${goQuote(map.get(key) ?? '')}`).join(' ')}]`;
  });
  return `[${rendered.join(' ')}]`;
}

/** `fmt.Sprintf("%#U", r)`: `U+0067 'g'`, or just `U+0001` when the rune is not printable. */
export function goUnicodeVerb(codePoint: number): string {
  const code = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  return isGoPrintable(codePoint) ? `${code} '${String.fromCodePoint(codePoint)}'` : code;
}

/** Orders strings as Go does (by UTF-8 bytes), which differs from `<` on UTF-16 code units. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Decodes UTF-8 bytes the way Go sees a `string`: valid sequences become their characters and
 * every byte of an invalid sequence becomes its surrogate escape (see the module comment).
 */
export function decodeGoBytes(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i] ?? 0;
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i += 1;
      continue;
    }
    const decoded = decodeRune(bytes, i);
    if (decoded === undefined) {
      out += String.fromCharCode(ESCAPE_LOW + b0 - 0x80);
      i += 1;
    } else {
      out += String.fromCodePoint(decoded.codePoint);
      i += decoded.size;
    }
  }
  return out;
}

/**
 * Encodes a Go-model string back to its bytes: surrogate escapes become their original byte,
 * any other lone surrogate becomes U+FFFD as Go would have stored it.
 */
export function encodeGoBytes(value: string): Uint8Array {
  const out: number[] = [];
  for (const char of value) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint >= ESCAPE_LOW && codePoint <= ESCAPE_HIGH) {
      out.push(codePoint - ESCAPE_LOW + 0x80);
    } else if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
      out.push(0xef, 0xbf, 0xbd);
    } else {
      for (const byte of Buffer.from(char, 'utf8')) out.push(byte);
    }
  }
  return Uint8Array.from(out);
}

/** `utf8.DecodeRune` for a multi-byte sequence at `i`; undefined where Go returns RuneError/1. */
export function decodeRune(bytes: Uint8Array, i: number): { codePoint: number; size: number } | undefined {
  const b0 = bytes[i] ?? 0;
  const cont = (offset: number, low = 0x80, high = 0xbf): number | undefined => {
    const b = bytes[i + offset];
    return b !== undefined && b >= low && b <= high ? b & 0x3f : undefined;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    return c1 === undefined ? undefined : { codePoint: ((b0 & 0x1f) << 6) | c1, size: 2 };
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const low = b0 === 0xe0 ? 0xa0 : 0x80;
    const high = b0 === 0xed ? 0x9f : 0xbf;
    const c1 = cont(1, low, high);
    const c2 = c1 === undefined ? undefined : cont(2);
    if (c1 === undefined || c2 === undefined) return undefined;
    return { codePoint: ((b0 & 0x0f) << 12) | (c1 << 6) | c2, size: 3 };
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const low = b0 === 0xf0 ? 0x90 : 0x80;
    const high = b0 === 0xf4 ? 0x8f : 0xbf;
    const c1 = cont(1, low, high);
    const c2 = c1 === undefined ? undefined : cont(2);
    const c3 = c2 === undefined ? undefined : cont(3);
    if (c1 === undefined || c2 === undefined || c3 === undefined) return undefined;
    return { codePoint: ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, size: 4 };
  }
  return undefined;
}
