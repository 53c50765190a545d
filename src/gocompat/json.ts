/**
 * A JSON codec that behaves like Go's `encoding/json` where Notation's files are concerned, so
 * that Portcullis accepts and rejects exactly the documents Notation does and writes files that
 * are byte-identical to Notation's.
 *
 * Decoding mirrors `json.Unmarshal` / `json.Decoder.Decode` into a typed Go struct:
 * - the grammar and the syntax error texts of Go's scanner (`invalid character 'x' looking for
 *   beginning of value`, `unexpected end of JSON input`, `exceeded max depth` past 10 000 levels);
 * - unknown object keys are ignored, and keys match struct fields exactly or, failing that,
 *   case-insensitively (Go's folding: ASCII plus U+017F and U+212A);
 * - duplicate keys: the last one wins; objects decoded into a struct or map merge;
 * - `null` resets slices, maps and pointers and leaves strings, booleans and structs unchanged;
 * - a value of the wrong JSON type is skipped and reported as Go's `UnmarshalTypeError`;
 * - invalid UTF-8 inside strings becomes U+FFFD, one per bad byte, and lone `\uD800` escapes too;
 * - a UTF-8 byte order mark is not whitespace: Go rejects it, so do we.
 *
 * Parsing is iterative (no recursion), so hostile nesting cannot exhaust the stack.
 */
import { decodeRune, goQuote } from './quote.js';

/** A parsed JSON value. Objects keep their members in document order, duplicates included. */
export type JsonValue =
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, JsonValue])[] }
  | { readonly kind: 'array'; readonly items: readonly JsonValue[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly raw: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' };

/** Go's scanner limit on nesting. */
export const GO_JSON_MAX_DEPTH = 10_000;

/** A syntax error, worded as Go's `*json.SyntaxError`. */
export class GoJsonSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'GoJsonSyntaxError';
    this.offset = offset;
  }
}

/** A value of the wrong type, worded as Go's `*json.UnmarshalTypeError`. */
export class GoJsonTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoJsonTypeError';
  }
}

/** How much of the input must be JSON. */
export type TrailingData =
  /** `json.Unmarshal`: only whitespace may follow the value. */
  | 'reject'
  /** `json.NewDecoder(r).Decode(v)`: the first value is read; what follows is never looked at. */
  | 'ignore';

function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  // Go quotes string(byte), i.e. the byte read as a Latin-1 rune.
  const quoted = goQuote(String.fromCharCode(c));
  return `'${quoted.slice(1, -1)}'`;
}

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
const hexValue = (c: number | undefined): number => {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
};

interface Frame {
  readonly kind: 'object' | 'array';
  readonly entries: [string, JsonValue][];
  readonly items: JsonValue[];
  key: string | undefined;
}

class Parser {
  private pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly trailing: TrailingData,
  ) {}

  private eof(): never {
    throw new GoJsonSyntaxError(
      this.trailing === 'ignore' ? 'unexpected EOF' : 'unexpected end of JSON input',
      this.bytes.length,
    );
  }

  private fail(context: string): never {
    const c = this.bytes[this.pos];
    if (c === undefined) this.eof();
    throw new GoJsonSyntaxError(`invalid character ${quoteChar(c)} ${context}`, this.pos);
  }

  private skipSpace(): void {
    while (isSpace(this.bytes[this.pos])) this.pos += 1;
  }

  parse(): JsonValue {
    const stack: Frame[] = [];
    let result: JsonValue | undefined;
    this.skipSpace();
    if (this.pos >= this.bytes.length && this.trailing === 'ignore') {
      // json.Decoder.Decode on empty input returns io.EOF.
      throw new GoJsonSyntaxError('EOF', this.pos);
    }
    for (;;) {
      // Read one value start (or close an empty container).
      let value: JsonValue | undefined;
      const c = this.bytes[this.pos];
      if (c === undefined) this.eof();
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        if (stack.length >= GO_JSON_MAX_DEPTH) this.fail('exceeded max depth');
        this.pos += 1;
        const frame: Frame = { kind: c === 0x7b ? 'object' : 'array', entries: [], items: [], key: undefined };
        this.skipSpace();
        const next = this.bytes[this.pos];
        if (frame.kind === 'object') {
          if (next === 0x7d /* } */) {
            this.pos += 1;
            value = { kind: 'object', entries: [] };
          } else {
            if (next !== 0x22) this.fail('looking for beginning of object key string');
            frame.key = this.readKey();
            stack.push(frame);
            continue;
          }
        } else if (next === 0x5d /* ] */) {
          this.pos += 1;
          value = { kind: 'array', items: [] };
        } else {
          stack.push(frame);
          continue;
        }
      } else {
        value = this.readScalar();
      }

      // Attach the value and read separators, closing containers as they end.
      for (;;) {
        const frame = stack[stack.length - 1];
        if (frame === undefined) {
          result = value;
          break;
        }
        if (frame.kind === 'object') frame.entries.push([frame.key ?? '', value]);
        else frame.items.push(value);
        this.skipSpace();
        const sep = this.bytes[this.pos];
        if (sep === 0x2c /* , */) {
          this.pos += 1;
          this.skipSpace();
          if (frame.kind === 'object') {
            if (this.bytes[this.pos] !== 0x22) this.fail('looking for beginning of object key string');
            frame.key = this.readKey();
          }
          value = undefined;
          break;
        }
        const close = frame.kind === 'object' ? 0x7d : 0x5d;
        if (sep !== close) {
          this.fail(frame.kind === 'object' ? 'after object key:value pair' : 'after array element');
        }
        this.pos += 1;
        stack.pop();
        value =
          frame.kind === 'object' ? { kind: 'object', entries: frame.entries } : { kind: 'array', items: frame.items };
      }
      if (result !== undefined) break;
      this.skipSpace();
    }
    if (this.trailing === 'reject') {
      this.skipSpace();
      if (this.pos < this.bytes.length) this.fail('after top-level value');
    }
    return result;
  }

  private readKey(): string {
    const key = this.readString();
    this.skipSpace();
    if (this.bytes[this.pos] !== 0x3a /* : */) this.fail('after object key');
    this.pos += 1;
    this.skipSpace();
    return key;
  }

  private readScalar(): JsonValue {
    const c = this.bytes[this.pos];
    if (c === 0x22) return { kind: 'string', value: this.readString() };
    if (c === 0x2d || isDigit(c)) return this.readNumber();
    if (c === 0x74) return this.readLiteral('true', { kind: 'bool', value: true });
    if (c === 0x66) return this.readLiteral('false', { kind: 'bool', value: false });
    if (c === 0x6e) return this.readLiteral('null', { kind: 'null' });
    return this.fail('looking for beginning of value');
  }

  private readLiteral(word: string, value: JsonValue): JsonValue {
    for (let i = 1; i < word.length; i += 1) {
      this.pos += 1;
      if (this.bytes[this.pos] !== word.charCodeAt(i)) {
        this.fail(`in literal ${word} (expecting '${word[i]}')`);
      }
    }
    this.pos += 1;
    return value;
  }

  private readNumber(): JsonValue {
    const start = this.pos;
    if (this.bytes[this.pos] === 0x2d) {
      this.pos += 1;
      if (!isDigit(this.bytes[this.pos])) this.fail('in numeric literal');
    }
    if (this.bytes[this.pos] === 0x30) {
      this.pos += 1;
    } else {
      while (isDigit(this.bytes[this.pos])) this.pos += 1;
    }
    if (this.bytes[this.pos] === 0x2e) {
      this.pos += 1;
      if (!isDigit(this.bytes[this.pos])) this.fail('after decimal point in numeric literal');
      while (isDigit(this.bytes[this.pos])) this.pos += 1;
    }
    const e = this.bytes[this.pos];
    if (e === 0x65 || e === 0x45) {
      this.pos += 1;
      const sign = this.bytes[this.pos];
      if (sign === 0x2b || sign === 0x2d) this.pos += 1;
      if (!isDigit(this.bytes[this.pos])) this.fail('in exponent of numeric literal');
      while (isDigit(this.bytes[this.pos])) this.pos += 1;
    }
    return { kind: 'number', raw: this.latin1(start, this.pos) };
  }

  private latin1(start: number, end: number): string {
    return Buffer.from(this.bytes.subarray(start, end)).toString('latin1');
  }

  private readString(): string {
    // Called with pos on the opening quote.
    this.pos += 1;
    let out = '';
    let runStart = this.pos;
    for (;;) {
      const c = this.bytes[this.pos];
      if (c === undefined) this.eof();
      if (c >= 0x20 && c < 0x80 && c !== 0x22 && c !== 0x5c) {
        this.pos += 1;
        continue;
      }
      out += this.latin1(runStart, this.pos);
      if (c === 0x22) {
        this.pos += 1;
        return out;
      }
      if (c < 0x20) this.fail('in string literal');
      if (c === 0x5c) {
        out += this.readEscape();
      } else {
        const decoded = decodeRune(this.bytes, this.pos);
        if (decoded === undefined) {
          out += '\ufffd';
          this.pos += 1;
        } else {
          out += String.fromCodePoint(decoded.codePoint);
          this.pos += decoded.size;
        }
      }
      runStart = this.pos;
    }
  }

  private readHex4(): number {
    let value = 0;
    for (let i = 0; i < 4; i += 1) {
      const digit = hexValue(this.bytes[this.pos]);
      if (digit < 0) this.fail('in \\u hexadecimal character escape');
      value = value * 16 + digit;
      this.pos += 1;
    }
    return value;
  }

  private readEscape(): string {
    this.pos += 1; // the backslash
    const c = this.bytes[this.pos];
    if (c === undefined) this.eof();
    this.pos += 1;
    switch (c) {
      case 0x22:
        return '"';
      case 0x5c:
        return '\\';
      case 0x2f:
        return '/';
      case 0x62:
        return '\b';
      case 0x66:
        return '\f';
      case 0x6e:
        return '\n';
      case 0x72:
        return '\r';
      case 0x74:
        return '\t';
      case 0x75: {
        const unit = this.readHex4();
        if (unit >= 0xd800 && unit <= 0xdbff) {
          // A high surrogate combines only with an immediately following \uDC00-\uDFFF.
          if (this.bytes[this.pos] === 0x5c && this.bytes[this.pos + 1] === 0x75) {
            const save = this.pos;
            this.pos += 2;
            const low = this.readHex4();
            if (low >= 0xdc00 && low <= 0xdfff) {
              return String.fromCodePoint(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
            }
            this.pos = save;
          }
          return '\ufffd';
        }
        if (unit >= 0xdc00 && unit <= 0xdfff) return '\ufffd';
        return String.fromCharCode(unit);
      }
      default:
        this.pos -= 1;
        return this.fail('in string escape code');
    }
  }
}

/**
 * Parses JSON bytes with Go's grammar and error texts.
 * @throws GoJsonSyntaxError
 */
export function parseGoJson(bytes: Uint8Array, trailing: TrailingData = 'reject'): JsonValue {
  return new Parser(bytes, trailing).parse();
}

// ---------------------------------------------------------------------------------------------
// Decoding into Go types

/** The Go type a JSON value is decoded into. `name` is Go's `reflect.Type.String()`. */
export type GoType =
  | { readonly kind: 'string'; readonly name: string }
  | { readonly kind: 'bool'; readonly name: string }
  | { readonly kind: 'pointer'; readonly name: string; readonly elem: GoType }
  | { readonly kind: 'slice'; readonly name: string; readonly elem: GoType }
  | { readonly kind: 'map'; readonly name: string; readonly elem: GoType }
  | { readonly kind: 'struct'; readonly name: string; readonly fields: readonly GoField[] };

export interface GoField {
  /** The JSON name (struct tag). */
  readonly json: string;
  readonly type: GoType;
}

/**
 * A decoded Go value: strings and booleans as such, slices as arrays or `null` (nil), maps as
 * `Map` or `null`, pointers as the pointee or `null`, structs as objects holding the fields that
 * were set (absent = Go zero value).
 */
export type GoValue = string | boolean | null | GoValue[] | Map<string, GoValue> | GoStruct;
export interface GoStruct {
  readonly [field: string]: GoValue | undefined;
}

/** Go's `foldName` for matching keys against ASCII field names. */
function foldKey(key: string): string {
  let out = '';
  for (const char of key) {
    if (char === '\u017f') out += 'S';
    else if (char === '\u212a') out += 'K';
    else if (char >= 'a' && char <= 'z') out += char.toUpperCase();
    else out += char;
  }
  return out;
}

function jsonKindName(value: JsonValue): string {
  return value.kind === 'bool' ? 'bool' : value.kind;
}

interface DecodeContext {
  firstError: GoJsonTypeError | undefined;
  structName: string;
  fieldStack: string[];
}

function typeError(ctx: DecodeContext, value: JsonValue, type: GoType): void {
  if (ctx.firstError !== undefined) return;
  const what = jsonKindName(value);
  const message =
    ctx.structName !== '' || ctx.fieldStack.length > 0
      ? `json: cannot unmarshal ${what} into Go struct field ${ctx.structName}.${ctx.fieldStack.join('.')} of type ${type.name}`
      : `json: cannot unmarshal ${what} into Go value of type ${type.name}`;
  ctx.firstError = new GoJsonTypeError(message);
}

function zeroOf(type: GoType): GoValue {
  switch (type.kind) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'struct':
      return {};
    default:
      return null;
  }
}

function decodeInto(ctx: DecodeContext, value: JsonValue, type: GoType, current: GoValue | undefined): GoValue {
  const existing = current === undefined ? zeroOf(type) : current;
  if (value.kind === 'null') {
    return type.kind === 'slice' || type.kind === 'map' || type.kind === 'pointer' ? null : existing;
  }
  switch (type.kind) {
    case 'string':
      if (value.kind === 'string') return value.value;
      typeError(ctx, value, type);
      return existing;
    case 'bool':
      if (value.kind === 'bool') return value.value;
      typeError(ctx, value, type);
      return existing;
    case 'pointer':
      return decodeInto(ctx, value, type.elem, existing === null ? undefined : existing);
    case 'slice': {
      if (value.kind !== 'array') {
        typeError(ctx, value, type);
        return existing;
      }
      const previous = Array.isArray(existing) ? existing : [];
      return value.items.map((item, index) => decodeInto(ctx, item, type.elem, previous[index]));
    }
    case 'map': {
      if (value.kind !== 'object') {
        typeError(ctx, value, type);
        return existing;
      }
      const map = existing instanceof Map ? existing : new Map<string, GoValue>();
      for (const [key, member] of value.entries) {
        map.set(key, decodeInto(ctx, member, type.elem, undefined));
      }
      return map;
    }
    case 'struct': {
      if (value.kind !== 'object') {
        typeError(ctx, value, type);
        return existing;
      }
      const out: Record<string, GoValue> = { ...(existing as GoStruct) } as Record<string, GoValue>;
      for (const [key, member] of value.entries) {
        const field =
          type.fields.find((f) => f.json === key) ?? type.fields.find((f) => foldKey(f.json) === foldKey(key));
        if (field === undefined) continue; // Go ignores unknown fields.
        const savedStruct = ctx.structName;
        const savedDepth = ctx.fieldStack.length;
        ctx.structName = type.name.slice(type.name.lastIndexOf('.') + 1);
        ctx.fieldStack.push(field.json);
        out[field.json] = decodeInto(ctx, member, field.type, out[field.json]);
        ctx.fieldStack.length = savedDepth;
        ctx.structName = savedStruct;
      }
      return out;
    }
  }
}

/**
 * Decodes a parsed value into `type` as Go's decoder would.
 * @throws GoJsonTypeError for the first value of a wrong type (after decoding the rest, as Go does)
 */
export function decodeGoValue(value: JsonValue, type: GoType): GoValue {
  const ctx: DecodeContext = { firstError: undefined, structName: '', fieldStack: [] };
  const decoded = decodeInto(ctx, value, type, undefined);
  if (ctx.firstError !== undefined) throw ctx.firstError;
  return decoded;
}

/**
 * `json.Unmarshal(bytes, &v)` (trailing `'reject'`) or `json.NewDecoder(r).Decode(&v)`
 * (trailing `'ignore'`).
 * @throws GoJsonSyntaxError | GoJsonTypeError
 */
export function unmarshalGoJson(bytes: Uint8Array, type: GoType, trailing: TrailingData = 'reject'): GoValue {
  return decodeGoValue(parseGoJson(bytes, trailing), type);
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** A value to encode. Object members are written in the given order (Go: struct field order). */
export type JsonOutput =
  | string
  | boolean
  | null
  | readonly JsonOutput[]
  | { readonly object: readonly (readonly [string, JsonOutput])[] };

const HEX = '0123456789abcdef';

/** Go's `encodeState.string` with HTML escaping on (the default of `json.Marshal` and `Encoder`). */
export function goJsonString(value: string): string {
  let out = '"';
  for (const char of value) {
    const c = char.codePointAt(0) ?? 0;
    if (c >= 0x20 && c < 0x80 && c !== 0x22 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26) {
      out += char;
      continue;
    }
    switch (c) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += '\\\\';
        continue;
      case 0x08:
        out += '\\b';
        continue;
      case 0x0c:
        out += '\\f';
        continue;
      case 0x0a:
        out += '\\n';
        continue;
      case 0x0d:
        out += '\\r';
        continue;
      case 0x09:
        out += '\\t';
        continue;
      default:
        break;
    }
    if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) {
      out += `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
    } else if (c === 0x2028 || c === 0x2029) {
      out += `\\u202${HEX[c & 0xf]}`;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += '\\ufffd'; // invalid UTF-8 in Go
    } else {
      out += char;
    }
  }
  return `${out}"`;
}

function encode(value: JsonOutput, indent: string | undefined, depth: number): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const newline = indent === undefined ? '' : `\n${indent.repeat(depth + 1)}`;
  const closing = indent === undefined ? '' : `\n${indent.repeat(depth)}`;
  const colon = indent === undefined ? ':' : ': ';
  if (Array.isArray(value)) {
    const items = value as readonly JsonOutput[];
    if (items.length === 0) return '[]';
    return `[${items.map((item) => newline + encode(item, indent, depth + 1)).join(',')}${closing}]`;
  }
  const members = (value as { readonly object: readonly (readonly [string, JsonOutput])[] }).object;
  if (members.length === 0) return '{}';
  return `{${members
    .map(([key, member]) => `${newline}${goJsonString(key)}${colon}${encode(member, indent, depth + 1)}`)
    .join(',')}${closing}}`;
}

/** `json.Marshal` (no indent) or `json.MarshalIndent(v, "", indent)`; no trailing newline. */
export function marshalGoJson(value: JsonOutput, indent?: string): string {
  return encode(value, indent, 0);
}
