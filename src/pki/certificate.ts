/**
 * X.509 certificates parsed once into a readonly value holding what the Notary Project's checks
 * need: raw and formatted names, validity, the three honoured extensions with their criticality,
 * the signature algorithm and a node:crypto public key.
 *
 * @see RFC 5280 §4.1 (structure), §4.2.1.3 / .9 / .12 (key usage, basic constraints, EKU)
 * @see notaryproject/specifications specs/signature-specification.md § Certificate Requirements
 */
import { createHash, createPublicKey, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { PkiError } from '../errors.js';
import { keySpecOfKey, type KeySpec } from './algorithm.js';
import {
  children,
  content,
  expectTag,
  readBigInt,
  readBitString,
  readBoolean,
  readElement,
  readOctetAlignedBits,
  readOid,
  readRoot,
  readSmallInt,
  readTime,
  readUnsignedBytes,
  TAG_NULL,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
  whole,
  type DerElement,
} from './der.js';
import { formatName, parseName, type RdnSequence } from './name.js';

export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_KEY_USAGE = '2.5.29.15';
export const OID_EXT_KEY_USAGE = '2.5.29.37';
export const OID_EKU_ANY = '2.5.29.37.0';
export const OID_EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const OID_EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const OID_EKU_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
export const OID_EKU_EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
export const OID_EKU_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
export const OID_EKU_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

/** Key usage bits, numbered as RFC 5280 and Go's `x509.KeyUsage` number them (bit 0 = digitalSignature). */
export const KEY_USAGE = {
  digitalSignature: 1 << 0,
  contentCommitment: 1 << 1,
  keyEncipherment: 1 << 2,
  dataEncipherment: 1 << 3,
  keyAgreement: 1 << 4,
  keyCertSign: 1 << 5,
  cRLSign: 1 << 6,
  encipherOnly: 1 << 7,
  decipherOnly: 1 << 8,
} as const;

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

export interface BasicConstraints {
  readonly ca: boolean;
  /** `pathLenConstraint` when present. */
  readonly pathLength?: number;
  readonly critical: boolean;
}

export interface KeyUsage {
  /** Bit mask of KEY_USAGE flags. */
  readonly bits: number;
  readonly critical: boolean;
}

export interface ExtendedKeyUsage {
  readonly oids: readonly string[];
  readonly critical: boolean;
}

/** What the certificate's public key is, whether or not this library can use it. */
export type PublicKeyInfo =
  | { readonly type: 'RSA'; readonly bits: number }
  | { readonly type: 'EC'; readonly curve: string; readonly bits: number }
  | { readonly type: 'Ed25519'; readonly bits: 256 }
  | { readonly type: 'unsupported'; readonly oid: string };

/** How the certificate itself was signed (by its issuer). */
export type CertificateSignatureAlgorithm =
  | { readonly name: string; readonly kind: 'rsa-pkcs1'; readonly hash: string }
  | { readonly name: string; readonly kind: 'rsa-pss'; readonly hash: string; readonly saltLength: number }
  | { readonly name: string; readonly kind: 'ecdsa'; readonly hash: string }
  | { readonly name: 'Ed25519'; readonly kind: 'ed25519' }
  /** Parsed but never accepted (SHA-1, MD5). `name` is Go's spelling, e.g. `SHA1-RSA`. */
  | { readonly name: string; readonly kind: 'insecure' }
  | { readonly name: string; readonly kind: 'unsupported'; readonly oid: string };

export interface Certificate {
  /** The exact DER bytes. */
  readonly der: Uint8Array;
  /** Lowercase hex SHA-256 of the DER, as Notation's thumbprints spell it. */
  readonly fingerprint256: string;
  readonly version: number;
  /** Serial number as lowercase hex (two's complement magnitude, no sign handling needed for display). */
  readonly serialNumber: string;
  /** Subject in Go's `pkix.Name.String()` form (`CN=e2e,O=Notary,L=Seattle,ST=WA,C=US`). */
  readonly subject: string;
  readonly issuer: string;
  readonly subjectRdns: RdnSequence;
  readonly issuerRdns: RdnSequence;
  /** DER of the subject and issuer Names, compared byte for byte for issuance, as Go does. */
  readonly rawSubject: Uint8Array;
  readonly rawIssuer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKeyInfo: PublicKeyInfo;
  /** The public key, or undefined when its type/curve is not one node:crypto and the Notary profile support. */
  readonly publicKey: KeyObject | undefined;
  /** The Notary key spec of the public key, or undefined when it is not one of the six. */
  readonly keySpec: KeySpec | undefined;
  readonly signatureAlgorithm: CertificateSignatureAlgorithm;
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
  readonly extensions: readonly Extension[];
  readonly basicConstraints: BasicConstraints | undefined;
  readonly keyUsage: KeyUsage | undefined;
  readonly extKeyUsage: ExtendedKeyUsage | undefined;
}

function invalid(message: string, cause?: unknown): never {
  throw new PkiError('ERR_PKI_CERTIFICATE_INVALID', `invalid certificate: ${message}`, { cause });
}

const HASH_OIDS: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const HASH_LENGTH: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };

function parseAlgorithmIdentifier(element: DerElement): { oid: string; params: DerElement | undefined } {
  expectTag(element, TAG_SEQUENCE, 'AlgorithmIdentifier');
  const [oid, params, ...rest] = children(element);
  if (!oid || rest.length > 0) invalid('malformed AlgorithmIdentifier');
  return { oid: readOid(oid), params };
}

function isAbsentOrNull(params: DerElement | undefined): boolean {
  return params === undefined || (params.tag === TAG_NULL && params.end === params.contentStart);
}

/** RSASSA-PSS-params (RFC 4055): Go accepts SHA-256/384/512 with MGF1 of the same hash and salt = hash length. */
function parsePssParams(params: DerElement | undefined): CertificateSignatureAlgorithm {
  const unsupported = { name: 'RSASSA-PSS', kind: 'unsupported', oid: '1.2.840.113549.1.1.10' } as const;
  if (!params || params.tag !== TAG_SEQUENCE) return unsupported;
  let hash: string | undefined;
  let mgfHash: string | undefined;
  let saltLength = 20;
  for (const field of children(params)) {
    const [inner] = children(field);
    if (!inner) return unsupported;
    if (field.tag === 0xa0) {
      hash = HASH_OIDS[parseAlgorithmIdentifier(inner).oid];
    } else if (field.tag === 0xa1) {
      const mgf = parseAlgorithmIdentifier(inner);
      if (mgf.oid !== '1.2.840.113549.1.1.8' || !mgf.params) return unsupported;
      mgfHash = HASH_OIDS[parseAlgorithmIdentifier(mgf.params).oid];
    } else if (field.tag === 0xa2) {
      saltLength = readSmallInt(inner);
    } else if (field.tag === 0xa3) {
      if (readSmallInt(inner) !== 1) return unsupported;
    } else {
      return unsupported;
    }
  }
  if (!hash || hash !== mgfHash || saltLength !== HASH_LENGTH[hash]) return unsupported;
  return { name: `SHA${hash.slice(3)}-RSAPSS`, kind: 'rsa-pss', hash, saltLength };
}

/** The signature algorithm named by an AlgorithmIdentifier (certificates, CRLs, OCSP responses). */
export function parseSignatureAlgorithm(element: DerElement): CertificateSignatureAlgorithm {
  const { oid, params } = parseAlgorithmIdentifier(element);
  switch (oid) {
    case '1.2.840.113549.1.1.11':
      return { name: 'SHA256-RSA', kind: 'rsa-pkcs1', hash: 'sha256' };
    case '1.2.840.113549.1.1.12':
      return { name: 'SHA384-RSA', kind: 'rsa-pkcs1', hash: 'sha384' };
    case '1.2.840.113549.1.1.13':
      return { name: 'SHA512-RSA', kind: 'rsa-pkcs1', hash: 'sha512' };
    case '1.2.840.113549.1.1.10':
      return parsePssParams(params);
    case '1.2.840.10045.4.3.2':
      return { name: 'ECDSA-SHA256', kind: 'ecdsa', hash: 'sha256' };
    case '1.2.840.10045.4.3.3':
      return { name: 'ECDSA-SHA384', kind: 'ecdsa', hash: 'sha384' };
    case '1.2.840.10045.4.3.4':
      return { name: 'ECDSA-SHA512', kind: 'ecdsa', hash: 'sha512' };
    case '1.3.101.112':
      return { name: 'Ed25519', kind: 'ed25519' };
    case '1.2.840.113549.1.1.5':
      return { name: 'SHA1-RSA', kind: 'insecure' };
    case '1.2.840.10045.4.1':
      return { name: 'ECDSA-SHA1', kind: 'insecure' };
    case '1.2.840.113549.1.1.4':
      return { name: 'MD5-RSA', kind: 'insecure' };
    case '1.2.840.10040.4.3':
      return { name: 'DSA-SHA1', kind: 'insecure' };
    default:
      return { name: oid, kind: 'unsupported', oid };
  }
}

const CURVES: Readonly<Record<string, { jwk: string; bits: number; coordinate: number } | { jwk: undefined; bits: number; name: string }>> = {
  '1.2.840.10045.3.1.7': { jwk: 'P-256', bits: 256, coordinate: 32 },
  '1.3.132.0.34': { jwk: 'P-384', bits: 384, coordinate: 48 },
  '1.3.132.0.35': { jwk: 'P-521', bits: 521, coordinate: 66 },
  '1.3.132.0.33': { jwk: undefined, bits: 224, name: 'P-224' },
};

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Builds the KeyObject from the SPKI fields through a JWK: node parses a JWK in ≈9 µs against
 * ≈250 µs for SPKI DER (limits.md §1.3), and it is the same key.
 */
function parsePublicKey(spki: DerElement): { info: PublicKeyInfo; key: KeyObject | undefined } {
  expectTag(spki, TAG_SEQUENCE, 'SubjectPublicKeyInfo');
  const [algorithm, bits, ...rest] = children(spki);
  if (!algorithm || !bits || rest.length > 0) invalid('malformed SubjectPublicKeyInfo');
  const { oid, params } = parseAlgorithmIdentifier(algorithm);
  const keyBytes = readOctetAlignedBits(bits);
  try {
    if (oid === '1.2.840.113549.1.1.1') {
      if (!isAbsentOrNull(params)) invalid('RSA key parameters must be NULL');
      const rsa = readRoot(keyBytes);
      expectTag(rsa, TAG_SEQUENCE, 'RSAPublicKey');
      const [n, e, ...more] = children(rsa);
      if (!n || !e || more.length > 0) invalid('malformed RSAPublicKey');
      const modulus = readUnsignedBytes(n);
      const exponent = readUnsignedBytes(e);
      const bitLength = modulus.length * 8 - Math.clz32(modulus[0]!) + 24;
      const key = createPublicKey({ key: { kty: 'RSA', n: b64url(modulus), e: b64url(exponent) }, format: 'jwk' });
      return { info: { type: 'RSA', bits: bitLength }, key };
    }
    if (oid === '1.2.840.10045.2.1') {
      if (!params) invalid('EC key without curve parameters');
      const curveOid = readOid(params);
      const curve = CURVES[curveOid];
      if (!curve) return { info: { type: 'unsupported', oid: `${oid}/${curveOid}` }, key: undefined };
      if (curve.jwk === undefined) return { info: { type: 'EC', curve: curve.name, bits: curve.bits }, key: undefined };
      // Only uncompressed points, like Go's x509 (elliptic.Unmarshal).
      if (keyBytes.length !== 1 + 2 * curve.coordinate || keyBytes[0] !== 0x04) invalid('EC public key must be an uncompressed point');
      const x = keyBytes.subarray(1, 1 + curve.coordinate);
      const y = keyBytes.subarray(1 + curve.coordinate);
      const key = createPublicKey({ key: { kty: 'EC', crv: curve.jwk, x: b64url(x), y: b64url(y) }, format: 'jwk' });
      return { info: { type: 'EC', curve: curve.jwk, bits: curve.bits }, key };
    }
    if (oid === '1.3.101.112') {
      if (params !== undefined) invalid('Ed25519 key must have no parameters');
      if (keyBytes.length !== 32) invalid('Ed25519 public key must be 32 bytes');
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(keyBytes) }, format: 'jwk' });
      return { info: { type: 'Ed25519', bits: 256 }, key };
    }
  } catch (error) {
    if (error instanceof PkiError) throw error;
    invalid(`unusable public key: ${(error as Error).message}`, error);
  }
  return { info: { type: 'unsupported', oid }, key: undefined };
}

function parseExtensions(element: DerElement | undefined): Extension[] {
  if (!element) return [];
  const [list, ...rest] = children(element);
  if (!list || rest.length > 0) invalid('malformed extensions');
  const extensions = parseExtensionSequence(list, {
    fail: invalid,
    missingOid: 'empty extension',
    malformed: (oid) => `malformed extension ${oid}`,
    duplicate: (oid) => `certificate contains duplicate extensions (${oid})`,
  });
  if (extensions.length === 0) invalid('empty extensions');
  return extensions;
}

/** How {@link parseExtensionSequence} reports a bad extension: the caller's error and words. */
export interface ExtensionErrors {
  readonly fail: (message: string) => never;
  readonly missingOid: string;
  readonly malformed: (oid: string) => string;
  readonly duplicate: (oid: string) => string;
}

/** RFC 5280 `Extensions` (certificates, CRLs and CRL entries): each extension once, criticality DEFAULT FALSE. */
export function parseExtensionSequence(list: DerElement, errors: ExtensionErrors): Extension[] {
  expectTag(list, TAG_SEQUENCE, 'Extensions');
  const seen = new Set<string>();
  return children(list).map((ext) => {
    expectTag(ext, TAG_SEQUENCE, 'Extension');
    const fields = children(ext);
    const oid = readOid(fields[0] ?? errors.fail(errors.missingOid));
    let index = 1;
    let critical = false;
    if (fields[index]?.tag === 0x01) {
      critical = readBoolean(fields[index]!);
      // DER forbids encoding the DEFAULT FALSE value; Go tolerates it, so do we.
      index++;
    }
    const value = fields[index];
    if (!value || index + 1 !== fields.length) errors.fail(errors.malformed(oid));
    expectTag(value, TAG_OCTET_STRING, 'extnValue');
    if (seen.has(oid)) errors.fail(errors.duplicate(oid));
    seen.add(oid);
    return { oid, critical, value: content(value) };
  });
}

function parseBasicConstraints(ext: Extension): BasicConstraints {
  const seq = readRoot(ext.value);
  expectTag(seq, TAG_SEQUENCE, 'BasicConstraints');
  let ca = false;
  let pathLength: number | undefined;
  for (const field of children(seq)) {
    if (field.tag === 0x01) ca = readBoolean(field);
    else if (field.tag === 0x02) pathLength = readSmallInt(field);
    else invalid('malformed basic constraints');
  }
  return pathLength === undefined ? { ca, critical: ext.critical } : { ca, pathLength, critical: ext.critical };
}

function parseKeyUsage(ext: Extension): KeyUsage {
  const { bytes } = readBitString(readRoot(ext.value));
  let bits = 0;
  for (let i = 0; i < 9 && i < bytes.length * 8; i++) {
    if (bytes[i >> 3]! & (0x80 >> (i & 7))) bits |= 1 << i;
  }
  return { bits, critical: ext.critical };
}

function parseExtKeyUsage(ext: Extension): ExtendedKeyUsage {
  const seq = readRoot(ext.value);
  expectTag(seq, TAG_SEQUENCE, 'ExtKeyUsageSyntax');
  return { oids: children(seq).map(readOid), critical: ext.critical };
}

/**
 * Parses one DER certificate. Throws PkiError ERR_PKI_CERTIFICATE_INVALID for anything that is not
 * a well-formed X.509 v1–v3 certificate. Prefer `CertificateCache.get`, which memoises this.
 */
export function parseCertificate(der: Uint8Array): Certificate {
  const bytes = Uint8Array.from(der); // snapshot: the caller's buffer may change later
  try {
    const root = readRoot(bytes);
    expectTag(root, TAG_SEQUENCE, 'Certificate');
    const [tbsElement, outerAlgorithm, signatureBits, ...rest] = children(root);
    if (!tbsElement || !outerAlgorithm || !signatureBits || rest.length > 0) invalid('expected tbsCertificate, signatureAlgorithm, signatureValue');
    expectTag(tbsElement, TAG_SEQUENCE, 'TBSCertificate');
    const fields = children(tbsElement);
    let index = 0;
    let version = 1;
    if (fields[0]?.tag === 0xa0) {
      const [versionInt, ...extra] = children(fields[0]);
      if (!versionInt || extra.length > 0) invalid('malformed version');
      version = readSmallInt(versionInt) + 1;
      if (version < 1 || version > 3) invalid(`unsupported version ${version}`);
      index++;
    }
    const take = (what: string): DerElement => fields[index++] ?? invalid(`missing ${what}`);
    const serial = readBigInt(take('serialNumber'));
    const innerAlgorithm = take('signature');
    if (Buffer.compare(whole(innerAlgorithm), whole(outerAlgorithm)) !== 0) {
      invalid("inner and outer signature algorithm identifiers don't match");
    }
    const issuerElement = take('issuer');
    const validity = take('validity');
    expectTag(validity, TAG_SEQUENCE, 'Validity');
    const [notBeforeElement, notAfterElement, ...moreTimes] = children(validity);
    if (!notBeforeElement || !notAfterElement || moreTimes.length > 0) invalid('malformed validity');
    const subjectElement = take('subject');
    const spki = take('subjectPublicKeyInfo');
    let extensionsElement: DerElement | undefined;
    while (index < fields.length) {
      const field = fields[index++]!;
      if (field.tag === 0x81 || field.tag === 0xa1 || field.tag === 0x82 || field.tag === 0xa2) continue; // unique IDs
      if (field.tag === 0xa3 && extensionsElement === undefined) {
        if (version !== 3) invalid('extensions in a certificate that is not v3');
        extensionsElement = field;
        continue;
      }
      invalid('unexpected field in TBSCertificate');
    }

    const subjectRdns = parseName(subjectElement);
    const issuerRdns = parseName(issuerElement);
    const { info, key } = parsePublicKey(spki);
    const extensions = parseExtensions(extensionsElement);
    const find = (oid: string) => extensions.find((ext) => ext.oid === oid);
    const bc = find(OID_BASIC_CONSTRAINTS);
    const ku = find(OID_KEY_USAGE);
    const eku = find(OID_EXT_KEY_USAGE);
    let keySpec: KeySpec | undefined;
    if (key) {
      try {
        keySpec = keySpecOfKey(key);
      } catch {
        keySpec = undefined;
      }
    }
    const serialHex = (serial < 0n ? -serial : serial).toString(16);
    return {
      der: bytes,
      fingerprint256: createHash('sha256').update(bytes).digest('hex'),
      version,
      serialNumber: serialHex.length % 2 ? `0${serialHex}` : serialHex,
      subject: formatName(subjectRdns),
      issuer: formatName(issuerRdns),
      subjectRdns,
      issuerRdns,
      rawSubject: whole(subjectElement),
      rawIssuer: whole(issuerElement),
      notBefore: readTime(notBeforeElement),
      notAfter: readTime(notAfterElement),
      publicKeyInfo: info,
      publicKey: key,
      keySpec,
      signatureAlgorithm: parseSignatureAlgorithm(outerAlgorithm),
      tbs: whole(tbsElement),
      signature: readOctetAlignedBits(signatureBits),
      extensions,
      basicConstraints: bc && parseBasicConstraints(bc),
      keyUsage: ku && parseKeyUsage(ku),
      extKeyUsage: eku && parseExtKeyUsage(eku),
    };
  } catch (error) {
    if (error instanceof PkiError) throw error;
    invalid((error as Error).message, error);
  }
}

/**
 * Parses concatenated DER certificates, as Go's `x509.ParseCertificates` does: each element must
 * be a certificate and nothing may follow the last. Empty input gives an empty list.
 * Throws PkiError ERR_PKI_CERTIFICATE_INVALID.
 */
export function parseCertificates(der: Uint8Array): Certificate[] {
  const certificates: Certificate[] = [];
  for (let offset = 0; offset < der.length; ) {
    const element = readElement(der, offset);
    certificates.push(parseCertificate(whole(element)));
    offset = element.end;
  }
  return certificates;
}

/** Reads a DER element at 0 without requiring it to span the buffer (used to sniff PEM vs DER). */
export function looksLikeDer(bytes: Uint8Array): boolean {
  try {
    return readElement(bytes, 0).tag === TAG_SEQUENCE;
  } catch {
    return false;
  }
}

export interface CheckSignatureOptions {
  /**
   * Verify SHA-1 signatures (SHA1-RSA, ECDSA-SHA1) instead of refusing them, as Go's
   * `Certificate.CheckSignature` does; `CheckSignatureFrom` and chain checks never do. Default false.
   */
  readonly allowSha1?: boolean;
}

const SHA1_ALGORITHMS: Readonly<Record<string, CertificateSignatureAlgorithm>> = {
  'SHA1-RSA': { name: 'SHA1-RSA', kind: 'rsa-pkcs1', hash: 'sha1' },
  'ECDSA-SHA1': { name: 'ECDSA-SHA1', kind: 'ecdsa', hash: 'sha1' },
};

/**
 * Verifies that `signer`'s public key signed `cert` (signature check only, no name or profile
 * checks). Returns undefined on success, or the reason in Go's words.
 */
export function checkSignature(cert: Certificate, signer: Certificate, options: CheckSignatureOptions = {}): string | undefined {
  const declared = cert.signatureAlgorithm;
  const algorithm = declared.kind === 'insecure' && options.allowSha1 === true ? (SHA1_ALGORITHMS[declared.name] ?? declared) : declared;
  return checkSignatureOver(algorithm, cert.tbs, cert.signature, signer);
}

/**
 * Verifies `signature` over `data` with `signer`'s public key under `algorithm` (Go's
 * `Certificate.CheckSignature`): used for certificates, CRLs and OCSP responses. Returns undefined
 * on success, or the reason in Go's words.
 */
export function checkSignatureOver(
  algorithm: CertificateSignatureAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
  signer: Certificate,
): string | undefined {
  if (algorithm.kind === 'insecure') return `x509: cannot verify signature: insecure algorithm ${algorithm.name}`;
  if (algorithm.kind === 'unsupported') return 'x509: cannot verify signature: algorithm unimplemented';
  const key = signer.publicKey;
  if (!key) return 'x509: cannot verify signature: algorithm unimplemented';
  const keyType = key.asymmetricKeyType;
  const compatible =
    ((algorithm.kind === 'rsa-pkcs1' || algorithm.kind === 'rsa-pss') && keyType === 'rsa') ||
    (algorithm.kind === 'ecdsa' && keyType === 'ec') ||
    (algorithm.kind === 'ed25519' && keyType === 'ed25519');
  if (!compatible) {
    const expected = algorithm.kind === 'ecdsa' ? 'ECDSA' : algorithm.kind === 'ed25519' ? 'Ed25519' : 'RSA';
    const goType = keyType === 'rsa' ? '*rsa.PublicKey' : keyType === 'ec' ? '*ecdsa.PublicKey' : 'ed25519.PublicKey';
    return `x509: signature algorithm specifies an ${expected} public key, but have public key of type ${goType}`;
  }
  let ok: boolean;
  try {
    if (algorithm.kind === 'ed25519') ok = cryptoVerify(null, data, key, signature);
    else if (algorithm.kind === 'rsa-pss') {
      ok = cryptoVerify(algorithm.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength }, signature);
    } else ok = cryptoVerify(algorithm.hash, data, key, signature);
  } catch {
    ok = false;
  }
  if (ok) return undefined;
  return keyType === 'rsa' ? 'crypto/rsa: verification error' : keyType === 'ec' ? 'x509: ECDSA verification failure' : 'x509: Ed25519 verification failure';
}

/**
 * Go's `CheckSignatureFrom`: the parent must be allowed to sign certificates (a v3 parent needs
 * basicConstraints with cA=true; a parent with key usage needs keyCertSign), then the signature
 * must verify. Returns undefined on success, or the reason in Go's words.
 */
export function checkSignatureFrom(cert: Certificate, parent: Certificate): string | undefined {
  const bc = parent.basicConstraints;
  if ((parent.version === 3 && !bc) || (bc && !bc.ca)) {
    return 'x509: invalid signature: parent certificate cannot sign this kind of certificate';
  }
  if (parent.keyUsage && parent.keyUsage.bits !== 0 && (parent.keyUsage.bits & KEY_USAGE.keyCertSign) === 0) {
    return 'x509: invalid signature: parent certificate cannot sign this kind of certificate';
  }
  return checkSignature(cert, parent);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** PEM `CERTIFICATE` blocks to DER, for tests and CLI input. Pure: the caller reads the file. */
export function pemToDer(pem: string): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  const pattern = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (let match = pattern.exec(pem); match; match = pattern.exec(pem)) {
    const body = match[1]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) invalid('PEM block is not base64');
    blocks.push(new Uint8Array(Buffer.from(body, 'base64')));
  }
  return blocks;
}

export function derToPem(der: Uint8Array): string {
  const body = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
