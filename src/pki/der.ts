/**
 * A small, strict DER reader: just what X.509 certificate parsing needs. Internal to `pki`.
 *
 * Why not a general ASN.1 library: parsing certificates is the dominant cost of verifying a
 * signature (limits.md §1.3: node's X509Certificate ≈ 286 µs, @peculiar/x509 ≈ 1–2 ms per cert),
 * while walking the few fields the Notary profile needs is a few microseconds. Strictness is the
 * point: definite minimal lengths only, single-byte tags only, no trailing bytes, so one byte
 * string has one meaning here and in Go's cryptobyte-based parser.
 */
import { PkiError } from '../errors.js';

export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_UTF8_STRING = 0x0c;
export const TAG_PRINTABLE_STRING = 0x13;
export const TAG_T61_STRING = 0x14;
export const TAG_IA5_STRING = 0x16;
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;
export const TAG_NUMERIC_STRING = 0x12;
export const TAG_BMP_STRING = 0x1e;
export const TAG_SEQUENCE = 0x30;
export const TAG_SET = 0x31;

/** One TLV inside `bytes`: `bytes[start, end)` is the whole element, `bytes[contentStart, end)` its value. */
export interface DerElement {
  readonly tag: number;
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

function fail(message: string): never {
  throw new PkiError('ERR_PKI_CERTIFICATE_INVALID', `malformed DER: ${message}`);
}

/** Reads the element that starts at `offset`, not past `limit`. */
export function readElement(bytes: Uint8Array, offset: number, limit = bytes.length): DerElement {
  if (offset + 2 > limit) fail('truncated element header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) fail('multi-byte tags are not supported');
  let length = bytes[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) fail('indefinite length is not DER');
    if (count > 4) fail('length too large');
    if (contentStart + count > limit) fail('truncated length');
    if (bytes[contentStart] === 0) fail('non-minimal length encoding');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
    if (length < 0x80) fail('non-minimal length encoding');
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) fail('element runs past its container');
  return { tag, bytes, start: offset, contentStart, end };
}

/** Parses `bytes` as exactly one element (no trailing data). */
export function readRoot(bytes: Uint8Array): DerElement {
  const element = readElement(bytes, 0);
  if (element.end !== bytes.length) fail('trailing data after the outer element');
  return element;
}

export function expectTag(element: DerElement, tag: number, what: string): DerElement {
  if (element.tag !== tag) fail(`${what}: expected tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`);
  return element;
}

/** The children of a constructed element, in order. */
export function children(element: DerElement): DerElement[] {
  if ((element.tag & 0x20) === 0) fail('expected a constructed element');
  const list: DerElement[] = [];
  let offset = element.contentStart;
  while (offset < element.end) {
    const child = readElement(element.bytes, offset, element.end);
    list.push(child);
    offset = child.end;
  }
  return list;
}

export function content(element: DerElement): Uint8Array {
  return element.bytes.subarray(element.contentStart, element.end);
}

export function whole(element: DerElement): Uint8Array {
  return element.bytes.subarray(element.start, element.end);
}

export function readBoolean(element: DerElement): boolean {
  expectTag(element, TAG_BOOLEAN, 'BOOLEAN');
  const value = content(element);
  if (value.length !== 1 || (value[0] !== 0 && value[0] !== 0xff)) fail('BOOLEAN must be 0x00 or 0xFF');
  return value[0] === 0xff;
}

/** INTEGER as bigint (two's complement), rejecting non-minimal encodings. */
export function readBigInt(element: DerElement): bigint {
  expectTag(element, TAG_INTEGER, 'INTEGER');
  const value = content(element);
  if (value.length === 0) fail('empty INTEGER');
  if (value.length > 1 && ((value[0] === 0 && (value[1]! & 0x80) === 0) || (value[0] === 0xff && (value[1]! & 0x80) !== 0))) {
    fail('non-minimal INTEGER');
  }
  let result = 0n;
  for (const byte of value) result = (result << 8n) | BigInt(byte);
  if (value[0]! & 0x80) result -= 1n << BigInt(value.length * 8);
  return result;
}

/** Non-negative INTEGER that fits a JS number (path lengths, versions). */
export function readSmallInt(element: DerElement): number {
  const value = readBigInt(element);
  if (value < 0n || value > 0x7fffffffn) fail('INTEGER out of range');
  return Number(value);
}

/** Magnitude bytes of a positive INTEGER without the sign-padding zero (RSA modulus, exponent). */
export function readUnsignedBytes(element: DerElement): Uint8Array {
  expectTag(element, TAG_INTEGER, 'INTEGER');
  readBigInt(element); // minimality checks
  const value = content(element);
  if (value[0]! & 0x80) fail('expected a positive INTEGER');
  return value[0] === 0 && value.length > 1 ? value.subarray(1) : value;
}

export function readOid(element: DerElement): string {
  expectTag(element, TAG_OID, 'OBJECT IDENTIFIER');
  const value = content(element);
  if (value.length === 0) fail('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let current = 0;
  let started = false;
  for (let i = 0; i < value.length; i++) {
    const byte = value[i]!;
    if (!started && byte === 0x80) fail('non-minimal OBJECT IDENTIFIER arc');
    started = true;
    current = current * 128 + (byte & 0x7f);
    if (current > Number.MAX_SAFE_INTEGER / 128) fail('OBJECT IDENTIFIER arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(current);
      current = 0;
      started = false;
    }
  }
  if (started) fail('truncated OBJECT IDENTIFIER');
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** BIT STRING: the unused-bit count and the bytes. */
export function readBitString(element: DerElement): { unusedBits: number; bytes: Uint8Array } {
  expectTag(element, TAG_BIT_STRING, 'BIT STRING');
  const value = content(element);
  if (value.length === 0) fail('empty BIT STRING');
  const unusedBits = value[0]!;
  if (unusedBits > 7 || (value.length === 1 && unusedBits !== 0)) fail('invalid BIT STRING padding');
  const bytes = value.subarray(1);
  if (unusedBits > 0 && (bytes[bytes.length - 1]! & ((1 << unusedBits) - 1)) !== 0) fail('BIT STRING padding bits must be zero');
  return { unusedBits, bytes };
}

/** A BIT STRING that must hold whole bytes (signatures, public keys). */
export function readOctetAlignedBits(element: DerElement): Uint8Array {
  const { unusedBits, bytes } = readBitString(element);
  if (unusedBits !== 0) fail('BIT STRING is not octet-aligned');
  return bytes;
}

function digits(text: string, from: number, count: number): number {
  const part = text.slice(from, from + count);
  if (!/^[0-9]+$/.test(part) || part.length !== count) fail(`invalid time "${text}"`);
  return Number(part);
}

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ), as RFC 5280 §4.1.2.5 restricts them. */
export function readTime(element: DerElement): Date {
  const text = Buffer.from(content(element)).toString('latin1');
  let year: number;
  let rest: number;
  if (element.tag === TAG_UTC_TIME) {
    if (text.length !== 13 || !text.endsWith('Z')) fail(`UTCTime must be YYMMDDHHMMSSZ, got "${text}"`);
    const yy = digits(text, 0, 2);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    rest = 2;
  } else if (element.tag === TAG_GENERALIZED_TIME) {
    if (text.length !== 15 || !text.endsWith('Z')) fail(`GeneralizedTime must be YYYYMMDDHHMMSSZ, got "${text}"`);
    year = digits(text, 0, 4);
    rest = 4;
  } else {
    fail('expected UTCTime or GeneralizedTime');
  }
  const month = digits(text, rest, 2);
  const day = digits(text, rest + 2, 2);
  const hour = digits(text, rest + 4, 2);
  const minute = digits(text, rest + 6, 2);
  const second = digits(text, rest + 8, 2);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    fail(`invalid time "${text}"`);
  }
  return date;
}

/**
 * Decodes a directory string value. Like Go's x509 parser, only T61, Printable, UTF8, BMP, IA5 and
 * Numeric strings are accepted; any other value type makes the certificate invalid. A T61String
 * is read as Latin-1, as Go's x509 parser and BoringSSL read it.
 */
export function readString(element: DerElement): string {
  const value = content(element);
  switch (element.tag) {
    case TAG_UTF8_STRING:
      return new TextDecoder('utf-8', { fatal: true }).decode(value);
    case TAG_PRINTABLE_STRING:
    case TAG_IA5_STRING:
    case TAG_NUMERIC_STRING:
    case TAG_T61_STRING:
      return Buffer.from(value).toString('latin1');
    case TAG_BMP_STRING: {
      // Go's parseASN1String: UCS-2, a trailing NUL terminator dropped; surrogates and the
      // permanent noncharacters make the value invalid (so no string here holds a lone surrogate).
      if (value.length % 2 !== 0) fail('odd-length BMPString');
      const end = value.length >= 2 && value[value.length - 1] === 0 && value[value.length - 2] === 0 ? value.length - 2 : value.length;
      let out = '';
      for (let i = 0; i < end; i += 2) {
        const point = (value[i]! << 8) | value[i + 1]!;
        if (point >= 0xfffe || (point >= 0xfdd0 && point <= 0xfdef) || (point >= 0xd800 && point <= 0xdfff)) fail('invalid BMPString');
        out += String.fromCharCode(point);
      }
      return out;
    }
    default:
      fail(`unsupported string type 0x${element.tag.toString(16)}`);
  }
}
