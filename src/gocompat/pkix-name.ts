/**
 * Go's `crypto/x509/pkix.Name.String()` for a name parsed from a certificate, because Notation's
 * messages quote that form (`certificate with subject "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US" …`)
 * and notation-go matches trusted identities against it. The one implementation: pki renders
 * certificate subjects with it, trust renders leaf subjects for identity matching.
 *
 * Go's algorithm for a parsed name (`ExtraNames` empty): attributes of a type Go does not name
 * come first, one per RDN, in certificate order; then C, ST, L, STREET, POSTALCODE, O, OU (all
 * values of one type in one multi-valued RDN), CN and SERIALNUMBER (a single field each: the last
 * value wins, an empty one is left out); the sequence is printed last RDN first, joined with `,`,
 * the values of an RDN joined with `+`. An unnamed type prints as `<oid>=#<hex>`, where the hex is
 * `asn1.Marshal` of the decoded string (PrintableString when its characters allow, else
 * UTF8String), not the certificate's original encoding: an IA5String emailAddress `x@y` prints as
 * `1.2.840.113549.1.9.1=#0c03784079`. A value that is not valid UTF-8 cannot be marshalled, and Go
 * then prints `<oid>=<escaped value>`, its invalid bytes as U+FFFD.
 *
 * Strings follow the Go model of {@link decodeGoBytes}: invalid UTF-8 bytes are surrogate escapes.
 */
import { encodeGoBytes } from './quote.js';

/** One attribute of a name: a dotted OID or one of the names below, and its decoded value. */
export interface GoNameAttribute {
  /**
   * A dotted OID (`2.5.4.3`) or one of Go's names: `C`, `ST` (alias `S`), `L`, `STREET`,
   * `POSTALCODE`, `O`, `OU`, `CN`, `SERIALNUMBER`; also `E`/`EMAILADDRESS`, `DC`, `UID`
   * (case-insensitive), which Go prints as OIDs.
   */
  readonly type: string;
  readonly value: string;
}

/** A name as RDNs in encoding order, each a set of one or more attributes. */
export type GoNameRdns = readonly (readonly GoNameAttribute[])[];

const OID_COMMON_NAME = '2.5.4.3';
const OID_SERIAL_NUMBER = '2.5.4.5';

const OID_BY_NAME: Readonly<Record<string, string>> = {
  CN: OID_COMMON_NAME,
  SERIALNUMBER: OID_SERIAL_NUMBER,
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  S: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  POSTALCODE: '2.5.4.17',
  E: '1.2.840.113549.1.9.1',
  EMAILADDRESS: '1.2.840.113549.1.9.1',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
};

/** Go's `attributeTypeNames`. */
const GO_NAME_BY_OID: Readonly<Record<string, string>> = {
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

/** The list fields of `pkix.Name`, in the order `ToRDNSequence` emits them. */
const LIST_FIELDS = ['2.5.4.6', '2.5.4.8', '2.5.4.7', '2.5.4.9', '2.5.4.17', '2.5.4.10', '2.5.4.11'];

function toOid(type: string): string {
  const upper = type.toUpperCase();
  return Object.hasOwn(OID_BY_NAME, upper) ? (OID_BY_NAME[upper] ?? type) : type;
}

/** encoding/asn1 `isPrintable` as `Marshal` applies it to a string: no `*`, no `&`. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
/** A surrogate escape: a byte of invalid UTF-8 in the Go model (see quote.ts). */
const SURROGATE_ESCAPE = /[\udc80-\udcff]/;

/** `asn1.Marshal(value)` of a Go string, or undefined where Go fails (invalid UTF-8). */
function marshalString(value: string): Uint8Array | undefined {
  if (SURROGATE_ESCAPE.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) return undefined;
  const printable = PRINTABLE.test(value);
  const content = encodeGoBytes(value);
  const length: number[] = [];
  if (content.length < 0x80) length.push(content.length);
  else {
    for (let n = content.length; n > 0; n = Math.floor(n / 256)) length.unshift(n % 256);
    length.unshift(0x80 | length.length);
  }
  return Uint8Array.from([printable ? 0x13 : 0x0c, ...length, ...content]);
}

/**
 * The value escaping of `RDNSequence.String()`; `k` is a byte index, as Go's range loop gives it.
 * Go builds the result from runes, so a byte of invalid UTF-8 comes out as U+FFFD.
 */
function escapeValue(value: string): string {
  const lastByte = encodeGoBytes(value).length - 1;
  let out = '';
  let k = 0;
  for (const char of value) {
    let escape = false;
    switch (char) {
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
        escape = k === 0 || k === lastByte;
        break;
      case '#':
        escape = k === 0;
        break;
      default:
        break;
    }
    out += escape ? `\\${char}` : char.length === 1 && SURROGATE_ESCAPE.test(char) ? '\ufffd' : char;
    k += encodeGoBytes(char).length;
  }
  return out;
}

function formatAttribute(oid: string, value: string): string {
  const typeName = GO_NAME_BY_OID[oid];
  if (typeName !== undefined) return `${typeName}=${escapeValue(value)}`;
  const der = marshalString(value);
  return der === undefined ? `${oid}=${escapeValue(value)}` : `${oid}=#${Buffer.from(der).toString('hex')}`;
}

/**
 * Go's `pkix.Name.String()` of a name parsed from a certificate (see the module comment).
 * @example goDistinguishedNameString([[{ type: 'C', value: 'US' }], [{ type: 'CN', value: 'e2e' }]]) // 'CN=e2e,C=US'
 */
export function goDistinguishedNameString(rdns: GoNameRdns): string {
  const sequence: { oid: string; value: string }[][] = [];
  const lists = new Map<string, string[]>();
  let commonName = '';
  let serialNumber = '';
  for (const rdn of rdns) {
    for (const attribute of rdn) {
      const oid = toOid(attribute.type);
      if (oid === OID_COMMON_NAME) commonName = attribute.value;
      else if (oid === OID_SERIAL_NUMBER) serialNumber = attribute.value;
      else if (GO_NAME_BY_OID[oid] !== undefined) {
        const values = lists.get(oid) ?? [];
        values.push(attribute.value);
        lists.set(oid, values);
      }
      else sequence.push([{ oid, value: attribute.value }]);
    }
  }
  for (const oid of LIST_FIELDS) {
    const values = lists.get(oid);
    if (values !== undefined) sequence.push(values.map((value) => ({ oid, value })));
  }
  if (commonName !== '') sequence.push([{ oid: OID_COMMON_NAME, value: commonName }]);
  if (serialNumber !== '') sequence.push([{ oid: OID_SERIAL_NUMBER, value: serialNumber }]);
  return sequence
    .reverse()
    .map((rdn) => rdn.map((attribute) => formatAttribute(attribute.oid, attribute.value)).join('+'))
    .join(',');
}
