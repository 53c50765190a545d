/**
 * The checks Notation applies to certificates in a trust store (notation-go
 * verifier/truststore/truststore.go `ValidateCertificates`, `isRootCACertificate`):
 * every certificate must be a CA (basicConstraints cA) or verify under its own key, and a `tsa`
 * store holds only self-issued, self-signed CA roots.
 *
 * The few X.509 fields involved are read here with a small DER walker; the signature check uses
 * node:crypto. (A full X.509 model belongs to the pki module; this file needs only these facts.)
 */
import { X509Certificate } from 'node:crypto';
import { decodeGoBytes, goQuote } from '../../gocompat/index.js';
import { goDistinguishedNameString, type SubjectAttribute, type SubjectRdns } from '../policy/index.js';
import { derElementLength } from './certificate-file.js';

interface Element {
  readonly tag: number;
  /** Whole element (tag, length, content). */
  readonly raw: Uint8Array;
  readonly content: Uint8Array;
}

function element(der: Uint8Array, offset: number): Element {
  const length = derElementLength(der, offset);
  if (length < 0) throw new Error('x509: malformed certificate');
  const raw = der.subarray(offset, offset + length);
  const first = raw[1] ?? 0;
  const header = first < 0x80 ? 2 : 2 + (first & 0x7f);
  return { tag: raw[0] ?? 0, raw, content: raw.subarray(header) };
}

function children(parent: Uint8Array): Element[] {
  const out: Element[] = [];
  let offset = 0;
  while (offset < parent.length) {
    const child = element(parent, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

function oidString(content: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** The facts about a certificate that trust store checks need. */
export interface AnchorFacts {
  readonly der: Uint8Array;
  /** X.509 version number (1, 2 or 3). */
  readonly version: number;
  readonly rawSubject: Uint8Array;
  readonly rawIssuer: Uint8Array;
  readonly subject: SubjectRdns;
  readonly issuer: SubjectRdns;
  /** basicConstraints present (Go's BasicConstraintsValid). */
  readonly basicConstraintsValid: boolean;
  /** basicConstraints cA (Go's IsCA). */
  readonly isCA: boolean;
  /** keyUsage bits present and keyCertSign among them; undefined without a keyUsage extension. */
  readonly keyCertSign: boolean | undefined;
}

function decodeDirectoryString(value: Element): string | undefined {
  switch (value.tag) {
    case 0x0c: // UTF8String
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x12: // NumericString
      return decodeGoBytes(value.content);
    case 0x14: // T61String: Go keeps the bytes
      return decodeGoBytes(value.content);
    case 0x1e: {
      // BMPString (UTF-16BE)
      let out = '';
      for (let i = 0; i + 1 < value.content.length; i += 2) {
        out += String.fromCharCode(((value.content[i] ?? 0) << 8) | (value.content[i + 1] ?? 0));
      }
      return out;
    }
    default:
      return undefined;
  }
}

function parseName(name: Element): SubjectRdns {
  return children(name.content).map((set) =>
    children(set.content).map((atv): SubjectAttribute => {
      const [type, value] = children(atv.content);
      if (type === undefined || value === undefined) throw new Error('x509: malformed certificate');
      const text = decodeDirectoryString(value);
      return { type: oidString(type.content), value: text ?? '', valueDer: value.raw };
    }),
  );
}

/**
 * Reads subject, issuer, version and CA-related extensions from a DER certificate.
 * @throws Error `x509: malformed certificate`
 */
export function readAnchorFacts(der: Uint8Array): AnchorFacts {
  const certificate = element(der, 0);
  const [tbs] = children(certificate.content);
  if (tbs === undefined) throw new Error('x509: malformed certificate');
  const fields = children(tbs.content);
  let index = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    const versionInteger = children(fields[0].content)[0];
    version = (versionInteger?.content[0] ?? 0) + 1;
    index = 1;
  }
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
  const issuer = fields[index + 2];
  const subject = fields[index + 4];
  if (issuer === undefined || subject === undefined) throw new Error('x509: malformed certificate');
  let basicConstraintsValid = false;
  let isCA = false;
  let keyCertSign: boolean | undefined;
  const extensions = fields.find((f) => f.tag === 0xa3);
  if (extensions !== undefined) {
    const list = children(extensions.content)[0];
    for (const extension of list === undefined ? [] : children(list.content)) {
      const parts = children(extension.content);
      const oid = parts[0] === undefined ? '' : oidString(parts[0].content);
      const value = parts[parts.length - 1];
      if (value === undefined) continue;
      if (oid === '2.5.29.19') {
        basicConstraintsValid = true;
        const sequence = children(value.content)[0];
        const cA = sequence === undefined ? undefined : children(sequence.content)[0];
        isCA = cA?.tag === 0x01 && (cA.content[0] ?? 0) !== 0;
      } else if (oid === '2.5.29.15') {
        const bits = children(value.content)[0];
        // BIT STRING: first content byte counts unused bits; keyCertSign is bit 5 of the first byte.
        const firstByte = bits?.content[1] ?? 0;
        const anyBit = bits !== undefined && bits.content.subarray(1).some((b) => b !== 0);
        keyCertSign = anyBit ? (firstByte & 0x04) !== 0 : undefined;
      }
    }
  }
  return {
    der,
    version,
    rawSubject: subject.raw,
    rawIssuer: issuer.raw,
    subject: parseName(subject),
    issuer: parseName(issuer),
    basicConstraintsValid,
    isCA,
    keyCertSign,
  };
}

/**
 * The subject of a DER certificate as RDNs, ready for
 * {@link verifyX509TrustedIdentities} (`leafSubject` argument).
 * @throws Error `x509: malformed certificate`
 */
export function certificateSubject(der: Uint8Array): SubjectRdns {
  return readAnchorFacts(der).subject;
}

function verifiesUnderOwnKey(der: Uint8Array): boolean {
  try {
    const certificate = new X509Certificate(der);
    return certificate.verify(certificate.publicKey);
  } catch {
    return false;
  }
}

/** Go's signature-check error text for the certificate's key type. */
function signatureFailure(der: Uint8Array): string {
  let keyType: string | undefined;
  try {
    keyType = new X509Certificate(der).publicKey.asymmetricKeyType;
  } catch {
    keyType = undefined;
  }
  switch (keyType) {
    case 'rsa':
    case 'rsa-pss':
      return 'crypto/rsa: verification error';
    case 'ec':
      return 'x509: ECDSA verification failure';
    case 'ed25519':
      return 'x509: Ed25519 verification failure';
    default:
      return 'x509: signature verification failure';
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * `ValidateCertificates` for one certificate: returns notation-go's message when the
 * certificate is neither a CA nor self-signed, else undefined.
 */
export function checkTrustStoreCertificate(facts: AnchorFacts): string | undefined {
  if (facts.isCA || verifiesUnderOwnKey(facts.der)) return undefined;
  return `certificate with subject ${goQuote(goDistinguishedNameString(facts.subject))} is not a CA certificate or self-signed signing certificate`;
}

/** `isRootCACertificate`: returns notation-go's message when the certificate is not a root CA. */
export function checkRootCertificate(facts: AnchorFacts): string | undefined {
  const subject = goDistinguishedNameString(facts.subject);
  // Go's CheckSignatureFrom(self): a v3 parent needs basicConstraints with cA, and keyCertSign
  // when keyUsage is present; then the signature must verify.
  const constraintsOk =
    !((facts.version === 3 && !facts.basicConstraintsValid) || (facts.basicConstraintsValid && !facts.isCA)) &&
    facts.keyCertSign !== false;
  if (!constraintsOk) {
    return `certificate with subject ${goQuote(subject)} is not a root CA certificate: x509: invalid signature: parent certificate cannot sign this kind of certificate`;
  }
  if (!verifiesUnderOwnKey(facts.der)) {
    return `certificate with subject ${goQuote(subject)} is not a root CA certificate: ${signatureFailure(facts.der)}`;
  }
  if (!bytesEqual(facts.rawSubject, facts.rawIssuer)) {
    return `certificate with subject ${goQuote(subject)} is not a root CA certificate: issuer (${goDistinguishedNameString(facts.issuer)}) and subject (${subject}) are not the same`;
  }
  return undefined;
}
