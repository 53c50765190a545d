/**
 * Trusted identity matching (trust-store-trust-policy.md, "Trusted Identities Constraints";
 * notation-go verifier.go `verifyX509TrustedIdentities`).
 */
import { goQuote, goQuoteMapList } from '../../gocompat/index.js';
import { TrustError } from '../../errors.js';
import {
  goDistinguishedNameString,
  isSubsetDn,
  parseDistinguishedName,
  type DnAttributeMap,
  type SubjectRdns,
} from './dn.js';
import { cutColon, WILDCARD, X509_SUBJECT } from './validate.js';

/**
 * The subject of the signing (leaf) certificate, either
 * - as RDNs in encoding order ({@link SubjectRdns}): rendered exactly as Go's
 *   `pkix.Name.String()` first, which gives full parity with Notation (attributes Go does not
 *   name, such as emailAddress or DC, become `OID=#hex` and make any x509.subject match fail;
 *   repeated OU/O/... values form a multi-valued RDN, which fails too), or
 * - as a string already in Go's `pkix.Name.String()` form (`CN=e2e,O=Notary,L=Seattle,ST=WA,C=US`).
 *   Another library's RFC 4514 rendering (for example @peculiar/x509's `subject`,
 *   `CN=e2e, O=Notary, …`) parses too and matches the same for subjects made only of C, ST, L,
 *   STREET, POSTALCODE, O, OU, CN and SERIALNUMBER, single-valued; for other subjects it is more
 *   lenient than Notation (it names `E=`/`DC=` instead of `OID=#…`), so prefer RDNs.
 */
export type LeafSubject = string | SubjectRdns;

/** The subject string notation-go matches against. */
export function leafSubjectString(subject: LeafSubject): string {
  return typeof subject === 'string' ? subject : goDistinguishedNameString(subject);
}

/**
 * Checks the leaf certificate subject against a statement's trusted identities. `*` accepts any
 * subject; otherwise some `x509.subject` identity must have all of its attributes, with equal
 * values, in the subject. Other identity prefixes are ignored here (they belong to plugins).
 * @throws TrustError `ERR_TRUST_IDENTITY_MISMATCH` when no identity matches,
 *   `ERR_TRUST_IDENTITY_INVALID` when an identity or the subject cannot be parsed or no x509
 *   identity is configured. Notation reports all of these as an authenticity failure.
 */
export function verifyX509TrustedIdentities(
  policyName: string,
  trustedIdentities: readonly string[],
  leafSubject: LeafSubject,
): void {
  if (trustedIdentities.includes(WILDCARD)) return;
  const trusted: DnAttributeMap[] = [];
  for (const identity of trustedIdentities) {
    const [prefix, value, found] = cutColon(identity);
    if (!found) {
      throw new TrustError(
        'ERR_TRUST_IDENTITY_INVALID',
        `trust policy statement ${goQuote(policyName)} has trusted identity ${goQuote(identity)} missing separator`,
      );
    }
    if (prefix !== X509_SUBJECT) continue;
    if (value === '') {
      throw new TrustError(
        'ERR_TRUST_IDENTITY_INVALID',
        `trust policy statement ${goQuote(policyName)} has trusted identity ${goQuote(identity)} without an identity value`,
      );
    }
    try {
      trusted.push(parseDistinguishedName(value));
    } catch (error) {
      throw new TrustError('ERR_TRUST_IDENTITY_INVALID', (error as Error).message, { cause: error });
    }
  }
  if (trusted.length === 0) {
    throw new TrustError(
      'ERR_TRUST_IDENTITY_INVALID',
      `no x509 trusted identities are configured in the trust policy ${goQuote(policyName)}`,
    );
  }
  let leaf: DnAttributeMap;
  try {
    leaf = parseDistinguishedName(leafSubjectString(leafSubject));
  } catch (error) {
    throw new TrustError(
      'ERR_TRUST_IDENTITY_INVALID',
      `error while parsing the certificate subject from the digital signature. error : ${goQuote((error as Error).message)}`,
      { cause: error },
    );
  }
  if (trusted.some((identity) => isSubsetDn(identity, leaf))) return;
  throw new TrustError(
    'ERR_TRUST_IDENTITY_MISMATCH',
    `signing certificate from the digital signature does not match the X.509 trusted identities ${goQuoteMapList(trusted)} defined in the trust policy ${goQuote(policyName)}`,
  );
}
