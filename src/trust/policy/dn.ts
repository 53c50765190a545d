/**
 * Distinguished names as Notation handles them.
 *
 * - {@link parseLdapDn} is go-ldap v3.4.11's `ParseDN` (what notation-go v1.3 and main link): RFC
 *   4514 strings split on `,` `;` (RDN) and `+` (multi-valued RDN), backslash escapes of a special
 *   character or of two hex digits, leading/trailing spaces trimmed. Attribute types are kept as
 *   written (no case folding, no OID mapping); quoted values (`O="a, b"`) are not supported, the
 *   quote is an ordinary character.
 * - {@link parseDistinguishedName} is notation-go's `internal/pkix.ParseDistinguishedName`: no
 *   `=#` values, no multi-valued RDNs, no duplicate attribute types, `S` read as `ST`, and `C`,
 *   `ST` and `O` required (non-empty).
 * - {@link goDistinguishedNameString} renders a certificate name like Go's `pkix.Name.String()`,
 *   which is the string notation-go matches trusted identities against.
 *
 * Strings use the "Go model" of {@link decodeGoBytes}: a hex escape that produces invalid UTF-8
 * keeps its raw byte (as a surrogate escape), so comparisons are byte-exact like Go's.
 */
import {
  decodeGoBytes,
  encodeGoBytes,
  goQuote,
  goUnicodeVerb,
} from '../../gocompat/index.js';
import type { AttributeTypeAndValue, RdnSequence } from '../../pki/index.js';

/** One attribute of a parsed DN, as go-ldap returns it. */
export interface DnAttribute {
  readonly type: string;
  readonly value: string;
}

/** A parsed DN: relative distinguished names in string order, each with one or more attributes. */
export type ParsedDn = readonly (readonly DnAttribute[])[];

/** An error from the DN parser; `message` is go-ldap's text. */
export class DnSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnSyntaxError';
  }
}

const SPACE = 0x20;
const BACKSLASH = 0x5c;

/** Go's `unicode.IsSpace`, for `strings.TrimSpace`. */
function isGoSpace(codePoint: number): boolean {
  return (
    (codePoint >= 0x09 && codePoint <= 0x0d) ||
    codePoint === 0x20 ||
    codePoint === 0x85 ||
    codePoint === 0xa0 ||
    codePoint === 0x1680 ||
    (codePoint >= 0x2000 && codePoint <= 0x200a) ||
    codePoint === 0x2028 ||
    codePoint === 0x2029 ||
    codePoint === 0x202f ||
    codePoint === 0x205f ||
    codePoint === 0x3000
  );
}

/** Go `[]rune(string(bytes))`: invalid UTF-8 bytes become U+FFFD. */
function toRunes(bytes: Uint8Array): number[] {
  const runes: number[] = [];
  for (const char of decodeGoBytes(bytes)) {
    const codePoint = char.codePointAt(0) ?? 0;
    runes.push(codePoint >= 0xdc80 && codePoint <= 0xdcff ? 0xfffd : codePoint);
  }
  return runes;
}

function runesToString(runes: readonly number[]): string {
  return runes.map((r) => String.fromCodePoint(r)).join('');
}

function stripSpaces(bytes: Uint8Array): Uint8Array {
  let start = 0;
  let end = bytes.length;
  while (start < end && bytes[start] === SPACE) start += 1;
  while (end > start && bytes[end - 1] === SPACE) end -= 1;
  const trimmed = bytes.subarray(start, end);
  // Re-add the trailing space if it was an escaped space.
  if (trimmed.length > 0 && trimmed[trimmed.length - 1] === BACKSLASH && bytes[bytes.length - 1] === SPACE) {
    return bytes.subarray(start, end + 1);
  }
  return trimmed;
}

function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  return -1;
}

const SPECIAL_ESCAPES = new Set([' ', '"', '#', '+', ',', ';', '<', '=', '>', '\\'].map((c) => c.charCodeAt(0)));

/** go-ldap `decodeString`: trim spaces, resolve escapes. Returns the value's bytes. */
function decodeLdapString(input: Uint8Array): Uint8Array {
  const s = toRunes(stripSpaces(input));
  const out: number[] = [];
  for (let i = 0; i < s.length; i += 1) {
    const char = s[i] ?? 0;
    if (char !== BACKSLASH) {
      for (const b of encodeGoBytes(String.fromCodePoint(char))) out.push(b);
      continue;
    }
    if (i + 1 >= s.length) {
      throw new DnSyntaxError(`got corrupted escaped character: '${runesToString(s)}'`);
    }
    const next = s[i + 1] ?? 0;
    if (SPECIAL_ESCAPES.has(next)) {
      out.push(next);
      i += 1;
      continue;
    }
    if (i + 2 >= s.length) {
      throw new DnSyntaxError(
        `failed to decode escaped character: encoding/hex: invalid byte: ${String.fromCodePoint(next)}`,
      );
    }
    const xx = encodeGoBytes(runesToString(s.slice(i + 1, i + 3)));
    if (xx.length !== 2) {
      throw new DnSyntaxError(`failed to decode escaped character: invalid byte: ${decodeGoBytes(xx)}`);
    }
    const high = hexDigit(xx[0] ?? 0);
    if (high < 0) {
      throw new DnSyntaxError(`failed to decode escaped character: encoding/hex: invalid byte: ${goUnicodeVerb(xx[0] ?? 0)}`);
    }
    const low = hexDigit(xx[1] ?? 0);
    if (low < 0) {
      throw new DnSyntaxError(`failed to decode escaped character: encoding/hex: invalid byte: ${goUnicodeVerb(xx[1] ?? 0)}`);
    }
    out.push(high * 16 + low);
    i += 2;
  }
  return Uint8Array.from(out);
}

/**
 * go-ldap v3.4.11 `ParseDN`.
 * @throws DnSyntaxError with go-ldap's message
 */
export function parseLdapDn(dn: string): ParsedDn {
  let allSpace = true;
  for (const char of dn) {
    if (!isGoSpace(char.codePointAt(0) ?? 0)) {
      allSpace = false;
      break;
    }
  }
  if (allSpace) return [];

  const bytes = encodeGoBytes(dn);
  const rdns: DnAttribute[][] = [];
  let rdn: DnAttribute[] = [];
  let type: string | undefined;
  let escaping = false;
  let start = 0;
  const setValue = (end: number): DnAttribute => {
    const raw = bytes.subarray(start, end);
    if (raw[0] === 0x23 /* # */) {
      // BER-encoded value; unreachable through parseDistinguishedName, which rejects "=#" first.
      throw new DnSyntaxError('failed to decode BER encoding: values in #hex form are not supported');
    }
    return { type: type ?? '', value: decodeGoBytes(decodeLdapString(raw)) };
  };
  for (let i = 0; i < bytes.length; i += 1) {
    const char = bytes[i];
    if (escaping) {
      escaping = false;
    } else if (char === BACKSLASH) {
      escaping = true;
    } else if (char === 0x3d /* = */ && (type === undefined || type === '')) {
      type = decodeGoBytes(decodeLdapString(bytes.subarray(start, i)));
      start = i + 1;
    } else if (char === 0x2c || char === 0x2b || char === 0x3b /* , + ; */) {
      if (type === undefined || type === '') throw new DnSyntaxError('incomplete type, value pair');
      rdn.push(setValue(i));
      type = undefined;
      start = i + 1;
      if (char !== 0x2b) {
        rdns.push(rdn);
        rdn = [];
      }
    }
  }
  if (type === undefined || type === '') throw new DnSyntaxError('DN ended with incomplete type, value pair');
  rdn.push(setValue(bytes.length));
  rdns.push(rdn);
  return rdns;
}

/** Attribute type to value, as notation-go's `ParseDistinguishedName` returns it. */
export type DnAttributeMap = ReadonlyMap<string, string>;

const MANDATORY_ATTRIBUTES = ['C', 'ST', 'O'] as const;

/**
 * notation-go `pkix.ParseDistinguishedName`: parses `name` and applies the Notary Project rules.
 * @throws Error with notation-go's message
 */
export function parseDistinguishedName(name: string): DnAttributeMap {
  if (name.includes('=#')) {
    throw new Error(
      `unsupported distinguished name (DN) ${goQuote(name)}: notation does not support x509.subject identities containing "=#"`,
    );
  }
  let dn: ParsedDn;
  try {
    dn = parseLdapDn(name);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `parsing distinguished name (DN) ${goQuote(name)} failed with err: ${reason}. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard`,
    );
  }
  const attributes = new Map<string, string>();
  for (const rdn of dn) {
    if (rdn.length > 1) {
      throw new Error(
        `distinguished name (DN) ${goQuote(name)} has multi-valued RDN attributes, remove multi-valued RDN attributes as they are not supported`,
      );
    }
    for (const attribute of rdn) {
      const type = attribute.type === 'S' ? 'ST' : attribute.type;
      // Go tests the map for "" (not for presence), so an empty first value can be replaced.
      if ((attributes.get(type) ?? '') === '') {
        attributes.set(type, attribute.value);
      } else {
        throw new Error(
          `distinguished name (DN) ${goQuote(name)} has duplicate RDN attribute for ${goQuote(type)}, DN can only have unique RDN attributes`,
        );
      }
    }
  }
  for (const field of MANDATORY_ATTRIBUTES) {
    if ((attributes.get(field) ?? '') === '') {
      throw new Error(
        `distinguished name (DN) ${goQuote(name)} has no mandatory RDN attribute for ${goQuote(field)}, it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum`,
      );
    }
  }
  return attributes;
}

/**
 * notation-go `pkix.IsSubsetDN`: every attribute of `subset` has the same value in `superset`
 * (an attribute missing from `superset` counts as the empty string, as in Go).
 */
export function isSubsetDn(subset: DnAttributeMap, superset: DnAttributeMap): boolean {
  for (const [type, value] of subset) {
    if ((superset.get(type) ?? '') !== value) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Certificate names for identity matching

/**
 * One attribute of a certificate name, in the order the certificate encodes it: pki's model
 * (`type` a dotted OID or one of Go's names such as `CN`, the decoded `value`, and `valueDer`
 * when read from a certificate).
 */
export type SubjectAttribute = AttributeTypeAndValue;

/** A certificate name as RDNs in encoding order, each a set of one or more attributes. */
export type SubjectRdns = RdnSequence;

/**
 * Renders a certificate name exactly as Go's `pkix.Name.String()` does for a parsed certificate,
 * which is what notation-go matches trusted identities against. One implementation, in gocompat.
 */
export { goDistinguishedNameString } from '../../gocompat/index.js';
