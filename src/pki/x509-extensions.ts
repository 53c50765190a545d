/**
 * Certificate fields the revocation and timestamp checks need beyond what `Certificate` carries:
 * the exact serial number, the subjectPublicKey bits (OCSP issuerKeyHash), the OCSP responder
 * URLs (Authority Information Access) and CRL distribution point URLs, read the way Go's x509
 * parser reads them. Memoised per certificate object.
 *
 * @see RFC 5280 §4.2.1.13 (CRL distribution points), §4.2.2.1 (authority information access)
 */
import { PkiError } from '../errors.js';
import type { Certificate } from './certificate.js';
import { children, content, expectTag, readBigInt, readOctetAlignedBits, readOid, readRoot, TAG_SEQUENCE, whole, type DerElement } from './der.js';

export const OID_AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';
export const OID_AD_OCSP = '1.3.6.1.5.5.7.48.1';
export const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
export const OID_FRESHEST_CRL = '2.5.29.46';

export interface CertificateRevocationInfo {
  readonly serial: bigint;
  /** DER of the subjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** The subjectPublicKey BIT STRING value (what OCSP's issuerKeyHash hashes). */
  readonly publicKeyBits: Uint8Array;
  /** id-ad-ocsp URIs of the AIA extension, in order (Go's `OCSPServer`). */
  readonly ocspServers: readonly string[];
  /** fullName URIs of every distribution point, in order (Go's `CRLDistributionPoints`). */
  readonly crlDistributionPoints: readonly string[];
  /** Whether the certificate carries a Freshest CRL (delta CRL) extension. */
  readonly hasFreshestCrl: boolean;
}

const memo = new WeakMap<Certificate, CertificateRevocationInfo>();

function invalid(message: string): never {
  throw new PkiError('ERR_PKI_CERTIFICATE_INVALID', `invalid certificate: ${message}`);
}

/** URIs of a GeneralNames sequence (only [6] uniformResourceIdentifier entries, as Go collects them). */
function uris(generalNames: DerElement): string[] {
  const out: string[] = [];
  for (const name of children(generalNames)) {
    if (name.tag === 0x86) out.push(Buffer.from(content(name)).toString('latin1'));
  }
  return out;
}

/**
 * Parses a CRLDistributionPoints (or FreshestCRL) extension value into its fullName URIs. Like Go,
 * distribution points without a name, or named relative to the issuer, contribute nothing.
 */
export function parseDistributionPointUrls(value: Uint8Array): string[] {
  const root = readRoot(value);
  expectTag(root, TAG_SEQUENCE, 'CRLDistributionPoints');
  const urls: string[] = [];
  for (const point of children(root)) {
    expectTag(point, TAG_SEQUENCE, 'DistributionPoint');
    const name = children(point).find((field) => field.tag === 0xa0);
    if (!name) continue;
    const fullName = children(name).find((field) => field.tag === 0xa0);
    if (!fullName) continue;
    urls.push(...uris(fullName));
  }
  return urls;
}

function parseOcspServers(value: Uint8Array): string[] {
  const root = readRoot(value);
  expectTag(root, TAG_SEQUENCE, 'AuthorityInfoAccessSyntax');
  const servers: string[] = [];
  for (const description of children(root)) {
    expectTag(description, TAG_SEQUENCE, 'AccessDescription');
    const [method, location] = children(description);
    if (!method || !location) invalid('malformed authority information access');
    if (readOid(method) === OID_AD_OCSP && location.tag === 0x86) servers.push(Buffer.from(content(location)).toString('latin1'));
  }
  return servers;
}

/** Revocation-relevant fields of `cert`, parsed once. Throws PkiError for malformed extensions. */
export function revocationInfo(cert: Certificate): CertificateRevocationInfo {
  const cached = memo.get(cert);
  if (cached) return cached;
  const tbs = readRoot(cert.tbs);
  const fields = children(tbs);
  let index = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = readBigInt(fields[index] ?? invalid('missing serialNumber'));
  index += 5; // serial, signature, issuer, validity, subject
  const spkiElement = fields[index] ?? invalid('missing subjectPublicKeyInfo');
  expectTag(spkiElement, TAG_SEQUENCE, 'SubjectPublicKeyInfo');
  const [, bits] = children(spkiElement);
  if (!bits) invalid('malformed subjectPublicKeyInfo');
  const find = (oid: string) => cert.extensions.find((ext) => ext.oid === oid);
  const aia = find(OID_AUTHORITY_INFO_ACCESS);
  const cdp = find(OID_CRL_DISTRIBUTION_POINTS);
  const info: CertificateRevocationInfo = {
    serial,
    spki: whole(spkiElement),
    publicKeyBits: readOctetAlignedBits(bits),
    ocspServers: aia ? parseOcspServers(aia.value) : [],
    crlDistributionPoints: cdp ? parseDistributionPointUrls(cdp.value) : [],
    hasFreshestCrl: find(OID_FRESHEST_CRL) !== undefined,
  };
  memo.set(cert, info);
  return info;
}
