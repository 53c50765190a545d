/**
 * A minimal DER encoder: just what Portcullis builds itself (RFC 3161 TimeStampReq, RFC 6960
 * OCSPRequest) and what the test responders sign (TSA tokens, OCSP responses, CRLs). Internal to
 * `pki` and its tests. Every function returns one complete TLV.
 */

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** One TLV with the given tag byte and content. */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const header = lengthBytes(content.length);
  const out = new Uint8Array(1 + header.length + content.length);
  out[0] = tag;
  out.set(header, 1);
  out.set(content, 1 + header.length);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function sequence(...members: readonly Uint8Array[]): Uint8Array {
  return tlv(0x30, concat(members));
}

/** SET OF with its members sorted as DER requires (X.690 §11.6). */
export function setOf(...members: readonly Uint8Array[]): Uint8Array {
  const sorted = [...members].sort((a, b) => Buffer.compare(a, b));
  return tlv(0x31, concat(sorted));
}

/** Context-specific constructed `[n]` (EXPLICIT tagging, or IMPLICIT over a constructed type). */
export function explicit(n: number, ...members: readonly Uint8Array[]): Uint8Array {
  return tlv(0xa0 | n, concat(members));
}

/** Context-specific primitive `[n]` IMPLICIT over primitive content. */
export function implicitPrimitive(n: number, content: Uint8Array): Uint8Array {
  return tlv(0x80 | n, content);
}

/** Replaces the tag of an encoded element (IMPLICIT retagging). */
export function retag(encoded: Uint8Array, tag: number): Uint8Array {
  const out = Uint8Array.from(encoded);
  out[0] = tag;
  return out;
}

export function integer(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  const bytes: number[] = [];
  if (v === 0n) bytes.push(0);
  const negative = v < 0n;
  while (v !== 0n && v !== -1n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  if (!negative && (bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  if (negative && (bytes.length === 0 || (bytes[0]! & 0x80) === 0)) bytes.unshift(0xff);
  return tlv(0x02, Uint8Array.from(bytes));
}

/** INTEGER from unsigned big-endian magnitude bytes (serial numbers). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const body = magnitude.subarray(start);
  return tlv(0x02, body[0]! & 0x80 ? concat([Uint8Array.of(0), body]) : body);
}

export function enumerated(value: number): Uint8Array {
  return retag(integer(value), 0x0a);
}

export function boolean(value: boolean): Uint8Array {
  return tlv(0x01, Uint8Array.of(value ? 0xff : 0x00));
}

export function nullValue(): Uint8Array {
  return Uint8Array.of(0x05, 0x00);
}

export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(0x04, bytes);
}

export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(0x03, concat([Uint8Array.of(unusedBits), bytes]));
}

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((part) => BigInt(part));
  if (arcs.length < 2) throw new TypeError(`invalid OID ${dotted}`);
  const values = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  const bytes: number[] = [];
  for (const value of values) {
    const group: number[] = [Number(value & 0x7fn)];
    for (let v = value >> 7n; v > 0n; v >>= 7n) group.unshift(Number(v & 0x7fn) | 0x80);
    bytes.push(...group);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

export function utf8String(text: string): Uint8Array {
  return tlv(0x0c, new TextEncoder().encode(text));
}

export function ia5String(text: string): Uint8Array {
  return tlv(0x16, Buffer.from(text, 'latin1'));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** GeneralizedTime `YYYYMMDDHHMMSS[.fff]Z`; milliseconds only when `withFraction` and non-zero. */
export function generalizedTime(date: Date, withFraction = false): Uint8Array {
  let text = `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
  const ms = date.getUTCMilliseconds();
  if (withFraction && ms !== 0) text += `.${pad(ms, 3).replace(/0+$/, '')}`;
  return tlv(0x18, Buffer.from(`${text}Z`, 'latin1'));
}

/** UTCTime `YYMMDDHHMMSSZ` for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5). */
export function time(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) return generalizedTime(date);
  const text = `${pad(year % 100)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(text, 'latin1'));
}

/** AlgorithmIdentifier with an explicit NULL parameter (hash OIDs as Go's tspclient sends them, RSA). */
export function algorithmWithNull(dotted: string): Uint8Array {
  return sequence(oid(dotted), nullValue());
}

export function algorithm(dotted: string): Uint8Array {
  return sequence(oid(dotted));
}
