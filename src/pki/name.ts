/**
 * X.509 distinguished names rendered exactly as Go's `pkix.Name.String()` renders a parsed name,
 * because Notation's messages (and trusted-identity matching) quote that form, for example
 * `certificate with subject "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US" ...`.
 *
 * Go's algorithm (crypto/x509/pkix): attributes of unknown type come first, one per RDN, in
 * certificate order; then C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER, each type as one
 * (possibly multi-valued) RDN; the sequence is printed last-to-first, joined with ",", values of
 * one RDN joined with "+". Unknown types print as `<oid>=#<hex of DER>`.
 */
import { children, expectTag, readOid, readString, TAG_SEQUENCE, TAG_SET, type DerElement } from './der.js';

export interface AttributeTypeAndValue {
  readonly type: string;
  readonly value: string;
}

/** Relative distinguished names in certificate order; each RDN is a set of attributes. */
export type RdnSequence = readonly (readonly AttributeTypeAndValue[])[];

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.6': 'C',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.17': 'POSTALCODE',
};

/** The order `pkix.Name.ToRDNSequence` emits the named fields in. */
const FIELD_ORDER = ['2.5.4.6', '2.5.4.8', '2.5.4.7', '2.5.4.9', '2.5.4.17', '2.5.4.10', '2.5.4.11', '2.5.4.3', '2.5.4.5'];

export function parseName(element: DerElement): RdnSequence {
  expectTag(element, TAG_SEQUENCE, 'Name');
  return children(element).map((rdn) => {
    expectTag(rdn, TAG_SET, 'RelativeDistinguishedName');
    return children(rdn).map((atv) => {
      expectTag(atv, TAG_SEQUENCE, 'AttributeTypeAndValue');
      const [type, value, ...rest] = children(atv);
      if (!type || !value || rest.length > 0) throw new TypeError('unreachable');
      return { type: readOid(type), value: readString(value) };
    });
  });
}

/** PrintableString's alphabet, without '*' and '&' as Go's marshaller rejects them. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function derOfString(value: string): string {
  const printable = PRINTABLE.test(value);
  const bytes = Buffer.from(value, printable ? 'latin1' : 'utf8');
  const tag = printable ? 0x13 : 0x0c;
  let header: number[];
  if (bytes.length < 0x80) header = [tag, bytes.length];
  else {
    const len: number[] = [];
    for (let n = bytes.length; n > 0; n = Math.floor(n / 256)) len.unshift(n % 256);
    header = [tag, 0x80 | len.length, ...len];
  }
  return Buffer.concat([Buffer.from(header), bytes]).toString('hex');
}

function escapeValue(value: string): string {
  const chars = [...value];
  let out = '';
  chars.forEach((c, k) => {
    let escape = false;
    switch (c) {
      case ',':
      case '+':
      case '"':
      case '\\':
      case '<':
      case '>':
      case ';':
        escape = true;
        break;
      case ' ':
        escape = k === 0 || k === chars.length - 1;
        break;
      case '#':
        escape = k === 0;
        break;
    }
    out += escape ? `\\${c}` : c;
  });
  return out;
}

/** Go's `pkix.Name.String()` of a name parsed from a certificate. */
export function formatName(rdns: RdnSequence): string {
  const sequence: AttributeTypeAndValue[][] = [];
  const fields = new Map<string, string[]>();
  for (const rdn of rdns) {
    for (const atv of rdn) {
      if (Object.hasOwn(SHORT_NAMES, atv.type)) {
        const list = fields.get(atv.type) ?? [];
        list.push(atv.value);
        fields.set(atv.type, list);
      } else {
        sequence.push([atv]);
      }
    }
  }
  for (const type of FIELD_ORDER) {
    const values = fields.get(type);
    // CN and SERIALNUMBER are single-valued fields in Go (the last value wins), the others are lists.
    if (!values || values.length === 0) continue;
    if (type === '2.5.4.3' || type === '2.5.4.5') {
      const last = values[values.length - 1]!;
      if (last !== '') sequence.push([{ type, value: last }]);
    } else {
      sequence.push(values.map((value) => ({ type, value })));
    }
  }
  const parts: string[] = [];
  for (let i = sequence.length - 1; i >= 0; i--) {
    parts.push(
      sequence[i]!
        .map((atv) => {
          const short = SHORT_NAMES[atv.type];
          return short === undefined ? `${atv.type}=#${derOfString(atv.value)}` : `${short}=${escapeValue(atv.value)}`;
        })
        .join('+'),
    );
  }
  return parts.join(',');
}

/** Go's `%q` (strconv.Quote) of a string, for messages that must read like Notation's. */
export function goQuote(value: string): string {
  let out = '"';
  for (const c of value) {
    const code = c.codePointAt(0)!;
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (c === '\x07') out += '\\a';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\v') out += '\\v';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (c === ' ' || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(c)) out += c;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** Go's default `time.Time.String()` of a UTC instant: `2023-06-27 05:30:33 +0000 UTC`. */
export function goTimeString(date: Date): string {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const ms = date.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${String(ms).padStart(3, '0').replace(/0+$/, '')}`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction} +0000 UTC`;
}
