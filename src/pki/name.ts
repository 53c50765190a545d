/**
 * X.509 distinguished names: parsed from DER as RDNs, and rendered exactly as Go's
 * `pkix.Name.String()` renders a parsed name, because Notation's messages (and trusted-identity
 * matching) quote that form, for example `certificate with subject "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US" ...`.
 * The rendering lives in src/gocompat (one implementation for pki and trust); pki keeps its name
 * for it, {@link formatName}.
 */
import type { GoNameAttribute } from '../gocompat/index.js';
import { children, expectTag, readOid, readString, whole, TAG_SEQUENCE, TAG_SET, type DerElement } from './der.js';

/**
 * One attribute of a name. Parsed from a certificate, `type` is a dotted OID and `valueDer` is
 * set; {@link formatName} also takes Go's attribute names (`CN`, `O`, …) and needs no DER.
 */
export interface AttributeTypeAndValue extends GoNameAttribute {
  /** DER of the AttributeValue (tag, length, content) as the certificate encodes it. */
  readonly valueDer?: Uint8Array;
}

/** Relative distinguished names in certificate order; each RDN is a set of attributes. */
export type RdnSequence = readonly (readonly AttributeTypeAndValue[])[];

export function parseName(element: DerElement): RdnSequence {
  expectTag(element, TAG_SEQUENCE, 'Name');
  return children(element).map((rdn) => {
    expectTag(rdn, TAG_SET, 'RelativeDistinguishedName');
    return children(rdn).map((atv) => {
      expectTag(atv, TAG_SEQUENCE, 'AttributeTypeAndValue');
      const [type, value, ...rest] = children(atv);
      if (!type || !value || rest.length > 0) throw new TypeError('unreachable');
      return { type: readOid(type), value: readString(value), valueDer: whole(value) };
    });
  });
}

/** Go's `pkix.Name.String()` of a name parsed from a certificate (one implementation, in gocompat). */
export { goDistinguishedNameString as formatName } from '../gocompat/index.js';
