/**
 * BER → DER normalisation of definite-length encodings, as tspclient-go applies to a timestamp
 * token before parsing it (internal/encoding/asn1/ber). Only length octets are rewritten (minimal
 * forms); indefinite lengths are refused. Error texts are Go's, since Notation shows them
 * ("asn1: syntax error: decoding BER length octets: ...").
 */

/** A BER decoding failure; `message` is the Go `asn1.SyntaxError`/`StructuralError` text. */
export class BerError extends Error {}

const syntax = (msg: string): BerError => new BerError(`asn1: syntax error: ${msg}`);
const structural = (msg: string): BerError => new BerError(`asn1: structure error: ${msg}`);

interface Metadata {
  readonly identifier: Uint8Array;
  readonly contentStart: number;
  readonly contentLength: number;
}

function decodeMetadata(bytes: Uint8Array, start: number, end: number): Metadata {
  if (start >= end) throw syntax('decoding BER identifier octets: identifier octets is empty');
  let offset = start + 1;
  if ((bytes[start]! & 0x1f) === 0x1f) {
    while (offset < end && (bytes[offset]! & 0x80) === 0x80) offset++;
    if (offset >= end) throw syntax('decoding BER identifier octets: high-tag-number form with early EOF');
    offset++;
  }
  if (offset >= end) throw syntax('decoding BER identifier octets: early EOF due to missing length and content octets');
  const identifier = bytes.subarray(start, offset);
  const first = bytes[offset++]!;
  if (first < 0x80) {
    if (first > end - offset) throw syntax('decoding BER length octets: short form length octets value should be less or equal to the subsequent octets length');
    return { identifier, contentStart: offset, contentLength: first };
  }
  if (first === 0x80) throw structural('decoding BER length octets: indefinite length not supported');
  const count = first & 0x7f;
  if (count > 4) throw structural(`decoding BER length octets: length of encoded data (${count} bytes) cannot exceed 4 bytes`);
  if (offset + count >= end) throw syntax('decoding BER length octets: long form length octets with early EOF');
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + bytes[offset++]!;
  if (length >= 2 ** 31) throw structural(`decoding BER length octets: length ${length} does not fit the memory space of int32`);
  if (length > end - offset) throw syntax('decoding BER length octets: long form length octets value should be less or equal to the subsequent octets length');
  return { identifier, contentStart: offset, contentLength: length };
}

interface Node {
  readonly identifier: Uint8Array;
  /** Primitive content, or undefined for constructed values. */
  readonly content: Uint8Array | undefined;
  /** Remaining raw BER of a constructed value's members while decoding. */
  cursor: number;
  readonly end: number;
  readonly members: Node[];
  /** DER length of the content. */
  length: number;
}

function lengthSize(length: number): number {
  if (length < 0x80) return 1;
  let size = 1;
  for (let n = length; n > 0; n = Math.floor(n / 256)) size++;
  return size;
}

const encodedLength = (node: Node): number => node.identifier.length + lengthSize(node.length) + node.length;

/** Converts definite-length BER to DER. Throws BerError with Go's message. */
export function berToDer(ber: Uint8Array): Uint8Array {
  if (ber.length === 0) throw syntax('BER-encoded ASN.1 data structures is empty');
  const head = decodeMetadata(ber, 0, ber.length);
  const rest = ber.length - head.contentStart;
  if (rest !== head.contentLength) {
    throw syntax(`decoding BER: length octets value ${head.contentLength} does not match with content length ${rest}`);
  }
  const makeNode = (meta: Metadata): Node => {
    const primitive = (meta.identifier[0]! & 0x20) === 0;
    const end = meta.contentStart + meta.contentLength;
    return {
      identifier: meta.identifier,
      content: primitive ? ber.subarray(meta.contentStart, end) : undefined,
      cursor: meta.contentStart,
      end,
      members: [],
      length: primitive ? meta.contentLength : 0,
    };
  };
  const root = makeNode(head);
  const flat: Node[] = [root];
  const stack: Node[] = root.content === undefined ? [root] : [];
  while (stack.length > 0) {
    const node = stack[stack.length - 1]!;
    if (node.cursor >= node.end) {
      node.length = node.members.reduce((sum, member) => sum + encodedLength(member), 0);
      stack.pop();
      continue;
    }
    const meta = decodeMetadata(ber, node.cursor, node.end);
    const member = makeNode(meta);
    node.cursor = member.end;
    node.members.push(member);
    flat.push(member);
    if (member.content === undefined) stack.push(member);
  }
  const out = new Uint8Array(encodedLength(root));
  let offset = 0;
  for (const node of flat) {
    out.set(node.identifier, offset);
    offset += node.identifier.length;
    if (node.length < 0x80) out[offset++] = node.length;
    else {
      const size = lengthSize(node.length) - 1;
      out[offset++] = 0x80 | size;
      for (let i = size - 1; i >= 0; i--) out[offset++] = Math.floor(node.length / 256 ** i) % 256;
    }
    if (node.content) {
      out.set(node.content, offset);
      offset += node.content.length;
    }
  }
  return out;
}
