/**
 * Just enough RFC 3161 to display a timestamp countersignature the way `notation inspect` does
 * (tspclient-go `ParseSignedToken`, `SignedToken.Info`, `TSTInfo.Validate`): the TSA certificates,
 * and the timestamp range `genTime ± accuracy` after checking the message imprint against the
 * signature it countersigns. The token's own signature and chain are NOT verified here: that is
 * verification's job (trust store `tsa`), not display's.
 *
 * Error texts follow tspclient-go and Go's encoding/asn1, because Notation prints them verbatim
 * (`failed to parse timestamp countersignature: cms: syntax error: …`).
 */
import { createHash } from 'node:crypto';
import { parseCertificate, type Certificate } from '../../pki/index.js';

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
const OID_BASELINE_TIMESTAMP_POLICY = '0.4.0.2023.1.1';
const HASHES: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.3.14.3.2.26': 'sha1',
};

export interface TimestampInfo {
  /** `genTime` (UTC, millisecond precision). */
  readonly genTime: Date;
  /** Accuracy in milliseconds (1 s for the baseline policy without an accuracy field). */
  readonly accuracyMs: number;
  /** Certificates carried in the token, in order. */
  readonly certificates: readonly Certificate[];
}

class TokenError extends Error {}

function asn1Syntax(message: string): never {
  throw new TokenError(`asn1: syntax error: ${message}`);
}
function asn1Structure(message: string): never {
  throw new TokenError(`asn1: structure error: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// tspclient-go's BER → DER walk, for its error messages (the content is then read as DER).

function berHeader(bytes: Uint8Array, offset: number, limit: number): { contentStart: number; length: number; constructed: boolean } {
  if (offset >= limit) asn1Syntax('decoding BER identifier octets: identifier octets is empty');
  const first = bytes[offset]!;
  let position = offset + 1;
  if ((first & 0x1f) === 0x1f) {
    while (position < limit && (bytes[position]! & 0x80) === 0x80) position++;
    if (position >= limit) asn1Syntax('decoding BER identifier octets: high-tag-number form with early EOF');
    position++;
  }
  if (position >= limit) asn1Syntax('decoding BER identifier octets: early EOF due to missing length and content octets');
  const lengthByte = bytes[position]!;
  position++;
  if (lengthByte < 0x80) {
    if (lengthByte > limit - position) {
      asn1Syntax('decoding BER length octets: short form length octets value should be less or equal to the subsequent octets length');
    }
    return { contentStart: position, length: lengthByte, constructed: (first & 0x20) !== 0 };
  }
  if (lengthByte === 0x80) asn1Structure('decoding BER length octets: indefinite length not supported');
  const count = lengthByte & 0x7f;
  if (count > 4) asn1Structure(`decoding BER length octets: length of encoded data (${count} bytes) cannot exceed 4 bytes`);
  if (position + count >= limit) asn1Syntax('decoding BER length octets: long form length octets with early EOF');
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + bytes[position + i]!;
  position += count;
  if (length > 0x7fffffff) asn1Structure(`decoding BER length octets: length ${length} does not fit the memory space of int32`);
  if (length > limit - position) {
    asn1Syntax('decoding BER length octets: long form length octets value should be less or equal to the subsequent octets length');
  }
  return { contentStart: position, length, constructed: (first & 0x20) !== 0 };
}

function checkBer(bytes: Uint8Array): void {
  if (bytes.length === 0) asn1Syntax('BER-encoded ASN.1 data structures is empty');
  const root = berHeader(bytes, 0, bytes.length);
  if (bytes.length - root.contentStart !== root.length) {
    asn1Syntax(`decoding BER: length octets value ${root.length} does not match with content length ${bytes.length - root.contentStart}`);
  }
  const stack: { offset: number; end: number }[] = root.constructed ? [{ offset: root.contentStart, end: bytes.length }] : [];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.offset >= top.end) {
      stack.pop();
      continue;
    }
    const child = berHeader(bytes, top.offset, top.end);
    top.offset = child.contentStart + child.length;
    if (child.constructed) stack.push({ offset: child.contentStart, end: child.contentStart + child.length });
  }
}

// ---------------------------------------------------------------------------------------------
// A lenient TLV reader for the (now known well-formed) structure.

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

function tlv(bytes: Uint8Array, offset: number): Tlv {
  const tag = bytes[offset]!;
  const header = berHeader(bytes, offset, bytes.length);
  return { tag, start: offset, contentStart: header.contentStart, end: header.contentStart + header.length };
}

function kids(bytes: Uint8Array, element: Tlv): Tlv[] {
  const list: Tlv[] = [];
  for (let offset = element.contentStart; offset < element.end; ) {
    const child = tlv(bytes, offset);
    list.push(child);
    offset = child.end;
  }
  return list;
}

const body = (bytes: Uint8Array, element: Tlv): Uint8Array => bytes.subarray(element.contentStart, element.end);

function oid(bytes: Uint8Array, element: Tlv | undefined, what: string): string {
  if (!element || element.tag !== 0x06) throw new TokenError(`${what}: expected an OBJECT IDENTIFIER`);
  const value = body(bytes, element);
  const parts: number[] = [];
  let current = 0;
  for (const byte of value) {
    current = current * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) {
        const first = current < 80 ? Math.floor(current / 40) : 2;
        parts.push(first, current - first * 40);
      } else parts.push(current);
      current = 0;
    }
  }
  return parts.join('.');
}

function integer(bytes: Uint8Array, element: Tlv): number {
  let value = 0;
  for (const byte of body(bytes, element)) value = value * 256 + byte;
  return value;
}

function generalizedTime(text: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(text);
  if (!match) throw new TokenError(`cannot unmarshal TSTInfo from timestamp token: asn1: time did not serialize back to the original value and may be invalid: given "${text}"`);
  const [, y, mo, d, h, mi, s, fraction] = match;
  const ms = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
}

/**
 * Parses a timestamp token and checks its message imprint against `signature` (the bytes it
 * countersigns). Throws an Error whose message is what Notation prints after
 * `failed to parse timestamp countersignature: `.
 */
export function parseTimestampToken(token: Uint8Array, signature: Uint8Array): TimestampInfo {
  try {
    checkBer(token);
  } catch (error) {
    throw new Error(`cms: syntax error: invalid signed data: failed to convert from BER to DER: ${(error as Error).message}`);
  }
  let certificates: Certificate[];
  let content: Uint8Array;
  try {
    const contentInfo = tlv(token, 0);
    const [typeOid, explicit] = kids(token, contentInfo);
    if (oid(token, typeOid, 'content info') !== OID_SIGNED_DATA) throw new Error('cms: content type is not signed-data');
    if (!explicit || explicit.tag !== 0xa0) throw new TokenError('cms: syntax error: invalid content info');
    const signedData = kids(token, explicit)[0];
    if (!signedData) throw new TokenError('cms: syntax error: invalid signed data');
    const fields = kids(token, signedData);
    const version = fields[0] ? integer(token, fields[0]) : 0;
    if (version !== 3) throw new TokenError(`cms: syntax error: unsupported signed data version: got ${version}, want 3`);
    const encap = fields[2];
    if (!encap) throw new TokenError('cms: syntax error: invalid signed data');
    const [eType, eContent] = kids(token, encap);
    const contentType = oid(token, eType, 'encapsulated content info');
    if (contentType !== OID_TST_INFO) {
      throw new TokenError(`unexpected content type: ${contentType}. Expected to be id-ct-TSTInfo (${OID_TST_INFO})`);
    }
    const octets = eContent ? kids(token, eContent)[0] : undefined;
    if (!octets) throw new TokenError('cannot unmarshal TSTInfo from timestamp token: asn1: syntax error: sequence truncated');
    content = body(token, octets);
    const certificateSet = fields.find((field, index) => index > 2 && field.tag === 0xa0);
    certificates = [];
    if (certificateSet) {
      for (const cert of kids(token, certificateSet)) {
        try {
          certificates.push(parseCertificate(token.subarray(cert.start, cert.end)));
        } catch (error) {
          throw new TokenError(
            `cms: syntax error: failed to parse X.509 certificates from signed data. Only X.509 certificates are supported: ${(error as Error).message}`,
          );
        }
      }
    }
  } catch (error) {
    if (error instanceof TokenError || (error instanceof Error && error.message.startsWith('cms:'))) throw new Error(error.message);
    throw new Error(`cms: syntax error: invalid signed data: ${(error as Error).message}`);
  }

  let genTime: Date;
  let accuracyMs = 0;
  let policy: string;
  let hashOid: string;
  let imprint: Uint8Array;
  let version: number;
  try {
    const info = tlv(content, 0);
    const fields = kids(content, info);
    version = integer(content, fields[0]!);
    policy = oid(content, fields[1], 'policy');
    const [algorithm, hashed] = kids(content, fields[2]!);
    hashOid = oid(content, kids(content, algorithm!)[0], 'hash algorithm');
    imprint = body(content, hashed!);
    const time = fields[4]!;
    if (time.tag !== 0x18) throw new TokenError('genTime is not a GeneralizedTime');
    genTime = generalizedTime(Buffer.from(body(content, time)).toString('latin1'));
    const accuracy = fields[5]?.tag === 0x30 ? fields[5] : undefined;
    if (accuracy) {
      for (const part of kids(content, accuracy)) {
        if (part.tag === 0x02) accuracyMs += integer(content, part) * 1000;
        else if (part.tag === 0x80) accuracyMs += integer(content, part);
        else if (part.tag === 0x81) accuracyMs += integer(content, part) / 1000;
      }
    }
  } catch (error) {
    if (error instanceof TokenError && error.message.startsWith('cannot unmarshal')) throw new Error(error.message);
    throw new Error(`cannot unmarshal TSTInfo from timestamp token: ${(error as Error).message}`);
  }
  if (version !== 1) throw new Error(`invalid TSTInfo: timestamp token info version must be 1, but got ${version}`);
  const hash = HASHES[hashOid];
  if (hash === undefined) throw new Error(`invalid TSTInfo: unrecognized hash algorithm: ${hashOid}`);
  const digest = createHash(hash).update(signature).digest();
  if (!Buffer.from(imprint).equals(digest)) throw new Error('invalid TSTInfo: mismatched message');
  if (accuracyMs === 0 && policy === OID_BASELINE_TIMESTAMP_POLICY) accuracyMs = 1000;
  return { genTime, accuracyMs, certificates };
}
