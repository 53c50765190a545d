/**
 * RFC 3161 timestamp tokens: CMS SignedData (RFC 5652) carrying a TSTInfo, parsed and verified the
 * way notaryproject/tspclient-go does (token.go, internal/cms/signed.go), with its error texts.
 *
 * @see RFC 3161 §2.4.2, RFC 5652 §5, RFC 5816 (ESS signing-certificate-v2 in timestamps)
 */
import { createHash, constants, verify as cryptoVerify } from 'node:crypto';
import { PkiError, isPortcullisError } from '../../errors.js';
import { MAX_TIMESTAMP_SIGNER_INFOS, MAX_TIMESTAMP_TOKEN_CERTIFICATES } from '../../limits.js';
import type { CertificateCache } from '../cache.js';
import { OID_EKU_TIME_STAMPING, OID_EXT_KEY_USAGE, parseCertificate, sameBytes, type Certificate } from '../certificate.js';
import {
  children,
  content,
  expectTag,
  readBigInt,
  readBoolean,
  readOid,
  readRoot,
  readSmallInt,
  TAG_GENERALIZED_TIME,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
  TAG_SET,
  TAG_UTC_TIME,
  readTime,
  whole,
  type DerElement,
} from '../der.js';
import { buildPath, PathError } from '../path.js';
import { berToDer, BerError } from './ber.js';

export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
export const OID_ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
export const OID_ATTR_SIGNING_TIME = '1.2.840.113549.1.9.5';
export const OID_ATTR_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
export const OID_BASELINE_TIMESTAMP_POLICY = '0.4.0.2023.1.1';

export type TimestampHash = 'sha256' | 'sha384' | 'sha512';

export const HASH_OIDS: Readonly<Record<TimestampHash, string>> = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};

export function hashOfOid(oid: string): TimestampHash | undefined {
  return (Object.keys(HASH_OIDS) as TimestampHash[]).find((hash) => HASH_OIDS[hash] === oid);
}

/** An attribute of a SignerInfo: its type and the DER of its first value. */
interface Attribute {
  readonly type: string;
  readonly firstValue: DerElement | undefined;
  readonly encoded: Uint8Array;
}

export interface SignerInfo {
  readonly version: number;
  /** DER of the issuer Name and the serial number of the signer identifier (IssuerAndSerialNumber). */
  readonly issuer: Uint8Array;
  readonly serial: bigint;
  readonly digestAlgorithm: string;
  readonly signedAttributes: readonly Attribute[];
  readonly signatureAlgorithm: string;
  readonly signatureAlgorithmParams: DerElement | undefined;
  readonly signature: Uint8Array;
}

export interface MessageImprint {
  readonly hashAlgorithm: string;
  /** DER of the AlgorithmIdentifier parameters, when present (compared raw, as Go does). */
  readonly hashAlgorithmParameters: Uint8Array | undefined;
  readonly hashedMessage: Uint8Array;
}

export interface TstInfo {
  readonly version: number;
  readonly policy: string;
  readonly messageImprint: MessageImprint;
  readonly serialNumber: bigint;
  /** genTime in nanoseconds since the Unix epoch (GeneralizedTime may carry up to 9 fraction digits). */
  readonly genTimeNanos: bigint;
  /** Whether genTime was written in UTC (`Z`), which RFC 3161 requires and Go checks when signing. */
  readonly genTimeUtc: boolean;
  /** Explicit accuracy in nanoseconds (0 when absent). */
  readonly accuracyNanos: bigint;
  readonly ordering: boolean;
  readonly nonce: bigint | undefined;
}

/** A parsed (not yet verified) timestamp token. */
export interface SignedToken {
  /** DER of the normalised token. */
  readonly der: Uint8Array;
  /** The encapsulated TSTInfo DER. */
  readonly content: Uint8Array;
  readonly contentType: string;
  readonly certificates: readonly Certificate[];
  readonly signerInfos: readonly SignerInfo[];
  readonly info: TstInfo;
}

/** The authentic time a verified token asserts: `[genTime − accuracy, genTime + accuracy]`. */
export interface TimestampRange {
  readonly genTime: Date;
  readonly genTimeNanos: bigint;
  readonly accuracyNanos: bigint;
  /** genTime − accuracy (millisecond precision). */
  readonly earliest: Date;
  /** genTime + accuracy (millisecond precision). */
  readonly latest: Date;
}

// ---------------------------------------------------------------------------------------------
// Errors: a PkiError whose message is the tspclient-go text.

function malformed(message: string, cause?: unknown): never {
  throw new PkiError('ERR_PKI_TIMESTAMP_MALFORMED', message, { cause });
}

function invalidToken(message: string, cause?: unknown): never {
  throw new PkiError('ERR_PKI_TIMESTAMP_INVALID', message, { cause });
}

function detailOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs a DER walk, mapping strict-reader failures to `prefix: <reason>`. */
function structural<T>(prefix: string, walk: () => T): T {
  try {
    return walk();
  } catch (error) {
    if (isPortcullisError(error) && error.code !== 'ERR_PKI_CERTIFICATE_INVALID') throw error;
    malformed(`${prefix}: ${detailOf(error).replace(/^malformed DER: /, 'asn1: ')}`, error);
  }
}

class Shape extends Error {}
function shape(message: string): never {
  throw new Shape(`asn1: structure error: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Parsing

function parseAlgorithmIdentifier(element: DerElement): { oid: string; params: DerElement | undefined } {
  expectTag(element, TAG_SEQUENCE, 'AlgorithmIdentifier');
  const [oid, params, ...rest] = children(element);
  if (!oid || rest.length > 0) shape('malformed AlgorithmIdentifier');
  return { oid: readOid(oid), params };
}

function parseAttributes(element: DerElement): Attribute[] {
  return children(element).map((attribute) => {
    expectTag(attribute, TAG_SEQUENCE, 'Attribute');
    const [type, values, ...rest] = children(attribute);
    if (!type || !values || rest.length > 0) shape('malformed Attribute');
    expectTag(values, TAG_SET, 'AttributeValues');
    return { type: readOid(type), firstValue: children(values)[0], encoded: whole(attribute) };
  });
}

function parseSignerInfo(element: DerElement): SignerInfo {
  expectTag(element, TAG_SEQUENCE, 'SignerInfo');
  const fields = children(element);
  let i = 0;
  const next = (what: string): DerElement => fields[i++] ?? shape(`missing ${what}`);
  const version = readSmallInt(next('version'));
  const sid = next('sid');
  if (sid.tag !== TAG_SEQUENCE) shape('only IssuerAndSerialNumber signer identifiers are supported');
  const [issuer, serial, ...extra] = children(sid);
  if (!issuer || !serial || extra.length > 0) shape('malformed IssuerAndSerialNumber');
  expectTag(issuer, TAG_SEQUENCE, 'Name');
  const digestAlgorithm = parseAlgorithmIdentifier(next('digestAlgorithm')).oid;
  let signedAttributes: Attribute[] = [];
  if (fields[i]?.tag === 0xa0) signedAttributes = parseAttributes(fields[i++]!);
  const signatureAlgorithm = parseAlgorithmIdentifier(next('signatureAlgorithm'));
  const signature = content(expectTag(next('signature'), TAG_OCTET_STRING, 'signature'));
  if (fields[i]?.tag === 0xa1) i++; // unsigned attributes: not used
  if (i !== fields.length) shape('trailing data in SignerInfo');
  return {
    version,
    issuer: whole(issuer),
    serial: readBigInt(serial),
    digestAlgorithm,
    signedAttributes,
    signatureAlgorithm: signatureAlgorithm.oid,
    signatureAlgorithmParams: signatureAlgorithm.params,
    signature,
  };
}

const GENERALIZED = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{0,8}[1-9]))?(Z|[+-]\d{4})$/;

/**
 * GeneralizedTime as Go's `asn1` "generalized" parser accepts it: seconds required, an optional
 * fraction without trailing zeros, `Z` or a ±hhmm offset; the value must re-serialise identically.
 */
export function parseGeneralizedTime(element: DerElement): { nanos: bigint; utc: boolean } {
  expectTag(element, TAG_GENERALIZED_TIME, 'GeneralizedTime');
  const text = Buffer.from(content(element)).toString('latin1');
  const match = GENERALIZED.exec(text);
  if (!match) shape(`invalid GeneralizedTime "${text}"`);
  const [, y, mo, d, h, mi, s, fraction, zone] = match as unknown as string[];
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    shape(`invalid GeneralizedTime "${text}"`);
  }
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    const hh = Number(zone!.slice(1, 3));
    const mm = Number(zone!.slice(3, 5));
    if (hh > 23 || mm > 59) shape(`invalid GeneralizedTime "${text}"`);
    offsetMinutes = sign * (hh * 60 + mm);
  }
  const nanos = BigInt(date.getTime() - offsetMinutes * 60_000) * 1_000_000n + BigInt((fraction ?? '').padEnd(9, '0') || '0');
  return { nanos, utc: zone === 'Z' };
}

function parseTstInfo(der: Uint8Array): TstInfo {
  const root = readRoot(der);
  expectTag(root, TAG_SEQUENCE, 'TSTInfo');
  const fields = children(root);
  let i = 0;
  const next = (what: string): DerElement => fields[i++] ?? shape(`missing ${what}`);
  const version = readSmallInt(next('version'));
  const policy = readOid(next('policy'));
  const imprint = expectTag(next('messageImprint'), TAG_SEQUENCE, 'MessageImprint');
  const [algorithm, hashed, ...extra] = children(imprint);
  if (!algorithm || !hashed || extra.length > 0) shape('malformed MessageImprint');
  const hashAlgorithm = parseAlgorithmIdentifier(algorithm);
  const serialNumber = readBigInt(next('serialNumber'));
  const genTime = parseGeneralizedTime(next('genTime'));
  let accuracyNanos = 0n;
  if (fields[i]?.tag === TAG_SEQUENCE) {
    let seconds = 0n;
    let millis = 0n;
    let micros = 0n;
    for (const part of children(fields[i++]!)) {
      if (part.tag === TAG_INTEGER) seconds = readBigInt(part);
      else if (part.tag === 0x80) millis = readBigInt({ ...part, tag: TAG_INTEGER });
      else if (part.tag === 0x81) micros = readBigInt({ ...part, tag: TAG_INTEGER });
      else shape('malformed Accuracy');
    }
    if (seconds < 0n || millis < 0n || micros < 0n || seconds > 2n ** 31n) shape('Accuracy out of range');
    accuracyNanos = seconds * 1_000_000_000n + millis * 1_000_000n + micros * 1_000n;
  }
  let ordering = false;
  if (fields[i]?.tag === 0x01) ordering = readBoolean(fields[i++]!);
  let nonce: bigint | undefined;
  if (fields[i]?.tag === TAG_INTEGER) nonce = readBigInt(fields[i++]!);
  if (fields[i]?.tag === 0xa0) i++; // tsa GeneralName
  if (fields[i]?.tag === 0xa1) i++; // extensions
  if (i !== fields.length) shape('trailing data in TSTInfo');
  return {
    version,
    policy,
    messageImprint: {
      hashAlgorithm: hashAlgorithm.oid,
      hashAlgorithmParameters: hashAlgorithm.params ? whole(hashAlgorithm.params) : undefined,
      hashedMessage: content(expectTag(hashed, TAG_OCTET_STRING, 'hashedMessage')),
    },
    serialNumber,
    genTimeNanos: genTime.nanos,
    genTimeUtc: genTime.utc,
    accuracyNanos,
    ordering,
    nonce,
  };
}

function parseCertificates(element: DerElement, cache: CertificateCache | undefined): Certificate[] {
  const list = children(element);
  if (list.length > MAX_TIMESTAMP_TOKEN_CERTIFICATES) {
    malformed(`cms: syntax error: timestamp token carries ${list.length} certificates, more than ${MAX_TIMESTAMP_TOKEN_CERTIFICATES}`);
  }
  return list.map((entry) => {
    if (entry.tag !== TAG_SEQUENCE) {
      malformed('cms: syntax error: failed to parse X.509 certificates from signed data. Only X.509 certificates are supported');
    }
    try {
      return cache ? cache.get(whole(entry)) : parseCertificate(whole(entry));
    } catch (error) {
      malformed(`cms: syntax error: failed to parse X.509 certificates from signed data. Only X.509 certificates are supported: x509: malformed certificate`, error);
    }
  });
}

export interface ParseTokenOptions {
  readonly cache?: CertificateCache;
}

/**
 * Parses a TimeStampToken (BER accepted, normalised to DER as tspclient-go does). Throws PkiError
 * ERR_PKI_TIMESTAMP_MALFORMED with tspclient-go's message, e.g. `cms: syntax error: invalid signed
 * data: failed to convert from BER to DER: asn1: syntax error: ...` (what `notation inspect`
 * prints after "failed to parse timestamp countersignature: ").
 */
export function parseSignedToken(ber: Uint8Array, options: ParseTokenOptions = {}): SignedToken {
  let der: Uint8Array;
  try {
    der = berToDer(ber);
  } catch (error) {
    if (error instanceof BerError) malformed(`cms: syntax error: invalid signed data: failed to convert from BER to DER: ${error.message}`, error);
    throw error;
  }
  const inner = structural('cms: syntax error: invalid content info: failed to unmarshal DER to ContentInfo', () => {
    const root = readRoot(der);
    expectTag(root, TAG_SEQUENCE, 'ContentInfo');
    const [type, explicit, ...rest] = children(root);
    if (!type || rest.length > 0) shape('malformed ContentInfo');
    const contentType = readOid(type);
    if (!explicit || explicit.tag !== 0xa0) shape('missing ContentInfo content');
    const [value, ...more] = children(explicit);
    if (!value || more.length > 0) shape('malformed ContentInfo content');
    return { contentType, value };
  });
  if (inner.contentType !== OID_SIGNED_DATA) malformed('cms: content type is not signed-data');

  const signed = structural('cms: syntax error: invalid signed data', () => {
    const value = inner.value;
    expectTag(value, TAG_SEQUENCE, 'SignedData');
    const fields = children(value);
    let i = 0;
    const next = (what: string): DerElement => fields[i++] ?? shape(`missing ${what}`);
    const versionElement = next('version');
    expectTag(next('digestAlgorithms'), TAG_SET, 'digestAlgorithms');
    const encap = expectTag(next('encapContentInfo'), TAG_SEQUENCE, 'EncapsulatedContentInfo');
    const [eType, eExplicit, ...eRest] = children(encap);
    if (!eType || eRest.length > 0) shape('malformed EncapsulatedContentInfo');
    let eContent: Uint8Array = new Uint8Array(0);
    if (eExplicit) {
      if (eExplicit.tag !== 0xa0) shape('malformed eContent');
      const [octets, ...more] = children(eExplicit);
      if (!octets || more.length > 0) shape('malformed eContent');
      eContent = content(expectTag(octets, TAG_OCTET_STRING, 'eContent'));
    }
    let certificates: DerElement | undefined;
    if (fields[i]?.tag === 0xa0) certificates = fields[i++];
    if (fields[i]?.tag === 0xa1) i++; // crls: not used
    const signerInfosElement = expectTag(next('signerInfos'), TAG_SET, 'signerInfos');
    if (i !== fields.length) shape('trailing data in SignedData');
    const signerElements = children(signerInfosElement);
    if (signerElements.length > MAX_TIMESTAMP_SIGNER_INFOS) shape(`more than ${MAX_TIMESTAMP_SIGNER_INFOS} signer infos`);
    return {
      version: readSmallInt(versionElement),
      contentType: readOid(eType),
      content: eContent,
      certificates,
      signerInfos: signerElements.map(parseSignerInfo),
    };
  });
  if (signed.version !== 3) malformed(`cms: syntax error: unsupported signed data version: got ${signed.version}, want 3`);
  const certificates = signed.certificates ? parseCertificates(signed.certificates, options.cache) : [];
  if (signed.contentType !== OID_TST_INFO) {
    malformed(`unexpected content type: ${signed.contentType}. Expected to be id-ct-TSTInfo (${OID_TST_INFO})`);
  }
  const info = structural('cannot unmarshal TSTInfo from timestamp token', () => parseTstInfo(signed.content));
  return { der, content: signed.content, contentType: signed.contentType, certificates, signerInfos: signed.signerInfos, info };
}

// ---------------------------------------------------------------------------------------------
// TSTInfo validation (tspclient-go TSTInfo.Validate)

/**
 * Checks the TSTInfo against the timestamped bytes (the primitive signature) and returns the time
 * range it asserts. Accuracy: explicit, else 1 s under the baseline policy 0.4.0.2023.1.1, else 0.
 * Throws PkiError ERR_PKI_TIMESTAMP_INVALID (`invalid TSTInfo: mismatched message`, ...).
 */
export function validateTstInfo(info: TstInfo, message: Uint8Array): TimestampRange {
  if (info.version !== 1) invalidToken(`invalid TSTInfo: timestamp token info version must be 1, but got ${info.version}`);
  const hash = hashOfOid(info.messageImprint.hashAlgorithm);
  if (!hash) invalidToken(`invalid TSTInfo: unrecognized hash algorithm: ${info.messageImprint.hashAlgorithm}`);
  const digest = createHash(hash).update(message).digest();
  if (!sameBytes(digest, info.messageImprint.hashedMessage)) invalidToken('invalid TSTInfo: mismatched message');
  const accuracyNanos = info.accuracyNanos === 0n && info.policy === OID_BASELINE_TIMESTAMP_POLICY ? 1_000_000_000n : info.accuracyNanos;
  return timestampRange(info.genTimeNanos, accuracyNanos);
}

const toDate = (nanos: bigint): Date => new Date(Number(nanos / 1_000_000n) - (nanos < 0n && nanos % 1_000_000n !== 0n ? 1 : 0));

export function timestampRange(genTimeNanos: bigint, accuracyNanos: bigint): TimestampRange {
  return {
    genTime: toDate(genTimeNanos),
    genTimeNanos,
    accuracyNanos,
    earliest: toDate(genTimeNanos - accuracyNanos),
    latest: toDate(genTimeNanos + accuracyNanos),
  };
}

/** tspclient-go `BoundedAfter`: genTime − accuracy ≥ `instant`. */
export function boundedAfter(range: TimestampRange, instant: Date): boolean {
  return range.genTimeNanos - range.accuracyNanos >= BigInt(instant.getTime()) * 1_000_000n;
}

/** tspclient-go `BoundedBefore`: genTime + accuracy ≤ `instant`. */
export function boundedBefore(range: TimestampRange, instant: Date): boolean {
  return range.genTimeNanos + range.accuracyNanos <= BigInt(instant.getTime()) * 1_000_000n;
}

function rfc3339Nano(nanos: bigint): string {
  const date = toDate(nanos);
  const iso = date.toISOString().slice(0, 19);
  const fraction = (((nanos % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${iso}${fraction ? `.${fraction}` : ''}Z`;
}

/** `[earliest, latest]` in RFC 3339 with nanoseconds, as `notation inspect` prints a timestamp. */
export function formatTimestampRange(range: TimestampRange): string {
  return `[${rfc3339Nano(range.genTimeNanos - range.accuracyNanos)}, ${rfc3339Nano(range.genTimeNanos + range.accuracyNanos)}]`;
}

// ---------------------------------------------------------------------------------------------
// Signer verification (tspclient-go SignedToken.Verify / cms VerifySigner)

function attribute(signer: SignerInfo, type: string): DerElement | undefined {
  const found = signer.signedAttributes.find((a) => a.type === type);
  if (!found) return undefined;
  if (!found.firstValue) shape('empty attribute value set');
  return found.firstValue;
}

/** The TSA certificate the ESS signing-certificate-v2 attribute binds (tspclient-go SigningCertificate). */
export function signingCertificateOf(token: SignedToken, signer: SignerInfo): Certificate {
  const value = (() => {
    try {
      return attribute(signer, OID_ATTR_SIGNING_CERTIFICATE_V2);
    } catch (error) {
      throw new Error(`failed to get SigningCertificateV2 from signed attributes: ${detailOf(error)}`);
    }
  })();
  if (!value) throw new Error('failed to get SigningCertificateV2 from signed attributes: attribute not found');
  let certHash: Uint8Array;
  let hash: TimestampHash | undefined = 'sha256';
  let issuerSerial: { issuer: Uint8Array; serial: bigint } | undefined;
  try {
    expectTag(value, TAG_SEQUENCE, 'SigningCertificateV2');
    const [certs] = children(value);
    if (!certs) shape('missing certs');
    expectTag(certs, TAG_SEQUENCE, 'ESSCertIDv2 list');
    const first = children(certs)[0];
    if (!first) throw new Error('signingCertificateV2 does not contain any certificate');
    expectTag(first, TAG_SEQUENCE, 'ESSCertIDv2');
    const parts = children(first);
    let i = 0;
    if (parts[i]?.tag === TAG_SEQUENCE && parts[i + 1]?.tag === TAG_OCTET_STRING) {
      const algorithm = parseAlgorithmIdentifier(parts[i++]!);
      hash = hashOfOid(algorithm.oid);
      if (!hash) throw new Error('unsupported certificate hash algorithm in SigningCertificateV2 attribute');
    }
    certHash = content(expectTag(parts[i++] ?? shape('missing certHash'), TAG_OCTET_STRING, 'certHash'));
    const serialElement = parts[i];
    if (serialElement) {
      expectTag(serialElement, TAG_SEQUENCE, 'IssuerSerial');
      const [names, serial] = children(serialElement);
      if (!names || !serial) shape('malformed IssuerSerial');
      expectTag(names, TAG_SEQUENCE, 'GeneralNames');
      const directory = children(names).find((name) => name.tag === 0xa4);
      if (!directory) throw new Error('issuer name is missing in IssuerSerial');
      const [name] = children(directory);
      if (!name) shape('empty directoryName');
      issuerSerial = { issuer: whole(name), serial: readBigInt(serial) };
    }
  } catch (error) {
    if (error instanceof Shape || isPortcullisError(error)) {
      throw new Error(`failed to get SigningCertificateV2 from signed attributes: ${detailOf(error).replace(/^malformed DER: /, 'asn1: ')}`);
    }
    throw error;
  }
  const ref = issuerSerial ?? { issuer: signer.issuer, serial: signer.serial };
  const candidate = token.certificates.find((cert) => sameBytes(cert.rawIssuer, ref.issuer) && serialOf(cert) === ref.serial);
  if (!candidate) throw new Error('signing certificate not found in the timestamp token');
  if (!sameBytes(createHash(hash).update(candidate.der).digest(), certHash)) {
    throw new Error('signing certificate hash does not match CertHash in signed attribute');
  }
  return candidate;
}

function serialOf(cert: Certificate): bigint {
  const tbs = readRoot(cert.tbs);
  const fields = children(tbs);
  return readBigInt(fields[fields[0]?.tag === 0xa0 ? 1 : 0]!);
}

type VerifyAlgorithm = { hash: TimestampHash; kind: 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa' };

/** tspclient-go oid.ToSignatureAlgorithm. */
function signerAlgorithm(signer: SignerInfo): VerifyAlgorithm | undefined {
  const digest = hashOfOid(signer.digestAlgorithm);
  switch (signer.signatureAlgorithm) {
    case '1.2.840.113549.1.1.1':
      return digest ? { hash: digest, kind: 'rsa-pkcs1' } : undefined;
    case '1.2.840.113549.1.1.10':
      return digest ? { hash: digest, kind: 'rsa-pss' } : undefined;
    case '1.2.840.113549.1.1.11':
      return { hash: 'sha256', kind: 'rsa-pkcs1' };
    case '1.2.840.113549.1.1.12':
      return { hash: 'sha384', kind: 'rsa-pkcs1' };
    case '1.2.840.113549.1.1.13':
      return { hash: 'sha512', kind: 'rsa-pkcs1' };
    case '1.2.840.10045.4.3.2':
      return { hash: 'sha256', kind: 'ecdsa' };
    case '1.2.840.10045.4.3.3':
      return { hash: 'sha384', kind: 'ecdsa' };
    case '1.2.840.10045.4.3.4':
      return { hash: 'sha512', kind: 'ecdsa' };
    default:
      return undefined;
  }
}

/** The DER `SET OF` the signature covers: the signed attributes, sorted as Go re-marshals them. */
function signedAttributesDer(signer: SignerInfo): Uint8Array {
  const sorted = signer.signedAttributes.map((a) => a.encoded).sort((a, b) => Buffer.compare(a, b));
  const body = Buffer.concat(sorted);
  const header = body.length < 0x80 ? [0x31, body.length] : (() => {
    const len: number[] = [];
    for (let n = body.length; n > 0; n = Math.floor(n / 256)) len.unshift(n % 256);
    return [0x31, 0x80 | len.length, ...len];
  })();
  return Buffer.concat([Buffer.from(header), body]);
}

function verifySignerSignature(token: SignedToken, signer: SignerInfo, cert: Certificate): void {
  const algorithm = signerAlgorithm(signer);
  if (!algorithm) throw new Error('cms verification failure: unknown signature algorithm');
  const data = signer.signedAttributes.length > 0 ? signedAttributesDer(signer) : token.content;
  const key = cert.publicKey;
  const keyType = key?.asymmetricKeyType;
  const wantsRsa = algorithm.kind !== 'ecdsa';
  if (!key || (wantsRsa && keyType !== 'rsa') || (!wantsRsa && keyType !== 'ec')) {
    const goType = keyType === 'rsa' ? '*rsa.PublicKey' : keyType === 'ec' ? '*ecdsa.PublicKey' : 'unknown';
    throw new Error(`cms verification failure: x509: signature algorithm specifies an ${wantsRsa ? 'RSA' : 'ECDSA'} public key, but have public key of type ${goType}`);
  }
  let ok = false;
  try {
    ok =
      algorithm.kind === 'rsa-pss'
        ? cryptoVerify(algorithm.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signer.signature)
        : cryptoVerify(algorithm.hash, data, algorithm.kind === 'ecdsa' ? { key, dsaEncoding: 'der' } : key, signer.signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`cms verification failure: ${keyType === 'rsa' ? 'crypto/rsa: verification error' : 'x509: ECDSA verification failure'}`);
}

function verifySignedAttributes(token: SignedToken, signer: SignerInfo, chain: readonly Certificate[]): void {
  if (signer.signedAttributes.length === 0) throw new Error('cms verification failure: missing signed attributes');
  let contentType: DerElement | undefined;
  try {
    contentType = attribute(signer, OID_ATTR_CONTENT_TYPE);
    if (!contentType) throw new Error('attribute not found');
    expectTag(contentType, TAG_OID, 'content type');
  } catch (error) {
    throw new Error(`cms verification failure: invalid content type: ${detailOf(error)}`);
  }
  const claimed = readOid(contentType);
  if (claimed !== token.contentType) {
    throw new Error(`cms verification failure: mismatch content type: found "${claimed}" in signer info, and "${token.contentType}" in signed data`);
  }
  let digest: DerElement | undefined;
  try {
    digest = attribute(signer, OID_ATTR_MESSAGE_DIGEST);
    if (!digest) throw new Error('attribute not found');
    expectTag(digest, TAG_OCTET_STRING, 'message digest');
  } catch (error) {
    throw new Error(`cms verification failure: invalid message digest: ${detailOf(error)}`);
  }
  const hash = hashOfOid(signer.digestAlgorithm);
  if (!hash) throw new Error('cms verification failure: unsupported digest algorithm');
  if (!sameBytes(createHash(hash).update(token.content).digest(), content(digest))) {
    throw new Error('cms verification failure: mismatch message digest');
  }
  const signingTime = attribute(signer, OID_ATTR_SIGNING_TIME);
  if (signingTime) {
    let at: Date;
    try {
      if (signingTime.tag !== TAG_UTC_TIME && signingTime.tag !== TAG_GENERALIZED_TIME) shape('signing time must be a Time');
      at = readTime(signingTime);
    } catch (error) {
      throw new Error(`cms verification failure: invalid signing time: ${detailOf(error)}`);
    }
    if (chain.some((cert) => at.getTime() < cert.notBefore.getTime() || at.getTime() > cert.notAfter.getTime())) {
      throw new Error(`cms verification failure: signing time, ${at.toISOString()}, is outside certificate's validity period`);
    }
  }
}

export interface VerifySignedTokenOptions {
  /** Trust anchors (the policy's `tsa` trust store, or `--timestamp-root-cert` when signing). */
  readonly roots: readonly Certificate[];
  /** Instant at which the TSA chain must be valid: genTime when verifying, now when signing. */
  readonly at: Date;
  readonly cache?: CertificateCache;
}

/**
 * tspclient-go `SignedToken.Verify`: for each signer info, locate the TSA certificate through the
 * ESS signing-certificate-v2 binding, build its chain to `roots` through the token's certificates
 * at `at` (EKU timeStamping), verify the CMS signature and the signed attributes, and require the
 * TSA certificate's EKU to be exactly timeStamping and critical. Returns the first chain that
 * verifies (leaf first, anchor last); otherwise throws PkiError ERR_PKI_TIMESTAMP_INVALID with
 * `failed to verify signed token: ...` for the last failure.
 */
export function verifySignedToken(token: SignedToken, options: VerifySignedTokenOptions): Certificate[] {
  if (token.signerInfos.length === 0) invalidToken('failed to verify signed token: signerInfo not found');
  let last = 'failed to verify signed token';
  for (const signer of token.signerInfos) {
    try {
      const cert = signingCertificateOf(token, signer);
      if (signer.version !== 1) throw new Error(`cms verification failure: invalid signer info version: only version 1 is supported; got ${signer.version}`);
      let chain: Certificate[];
      try {
        chain = buildPath(cert, {
          roots: options.roots,
          intermediates: token.certificates,
          at: options.at,
          keyUsage: OID_EKU_TIME_STAMPING,
          ...(options.cache ? { cache: options.cache } : {}),
        });
      } catch (error) {
        if (error instanceof PathError) throw new Error(`cms verification failure: ${error.message}`);
        throw error;
      }
      verifySignerSignature(token, signer, cert);
      verifySignedAttributes(token, signer, chain);
      const eku = cert.extKeyUsage;
      if (!eku || eku.oids.length !== 1 || eku.oids[0] !== OID_EKU_TIME_STAMPING) {
        last = 'failed to verify signed token: signing certificate must have and only have ExtKeyUsageTimeStamping as extended key usage';
        continue;
      }
      if (!cert.extensions.find((ext) => ext.oid === OID_EXT_KEY_USAGE)?.critical) {
        last = 'failed to verify signed token: signing certificate extended key usage extension must be set as critical';
        continue;
      }
      return chain;
    } catch (error) {
      if (isPortcullisError(error) && error.code !== 'ERR_PKI_CERTIFICATE_INVALID') throw error;
      last = `failed to verify signed token: ${detailOf(error).replace(/^malformed DER: /, 'asn1: ')}`;
    }
  }
  invalidToken(last);
}
