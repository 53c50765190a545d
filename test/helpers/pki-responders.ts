/**
 * Test-side PKI services: an RFC 3161 TSA, an OCSP responder and a CRL issuer that produce real,
 * signed DER with knobs for hostile answers, plus a loopback HTTP server to serve them. Tests only.
 */
import { createHash, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { children, content, readBigInt, readOid, readRoot, whole } from '../../src/pki/der.js';
import {
  algorithm,
  algorithmWithNull,
  bitString,
  boolean,
  concat,
  enumerated,
  explicit,
  generalizedTime,
  implicitPrimitive,
  integer,
  nullValue,
  octetString,
  oid,
  sequence,
  setOf,
  time,
  tlv,
} from '../../src/pki/der-writer.js';
import { parseCertificate, type Certificate } from '../../src/pki/index.js';
import { readTestdata } from './conformance.js';

// ---------------------------------------------------------------------------------------------
// Signing

export interface SigningIdentity {
  readonly certificate: Uint8Array;
  readonly privateKey: KeyObject;
}

const RSA_SIG_OIDS = { sha256: '1.2.840.113549.1.1.11', sha384: '1.2.840.113549.1.1.12', sha512: '1.2.840.113549.1.1.13' } as const;
const EC_SIG_OIDS = { sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' } as const;

/** Signs `data` with PKCS#1 v1.5 (RSA) or DER ECDSA; returns the AlgorithmIdentifier and signature. */
export function signData(key: KeyObject, data: Uint8Array, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): { algorithmId: Uint8Array; signature: Uint8Array } {
  if (key.asymmetricKeyType === 'rsa') {
    return { algorithmId: algorithmWithNull(RSA_SIG_OIDS[hash]), signature: new Uint8Array(cryptoSign(hash, data, key)) };
  }
  return { algorithmId: algorithm(EC_SIG_OIDS[hash]), signature: new Uint8Array(cryptoSign(hash, data, { key, dsaEncoding: 'der' })) };
}

function extension(oidText: string, value: Uint8Array, critical = false): Uint8Array {
  return critical ? sequence(oid(oidText), boolean(true), octetString(value)) : sequence(oid(oidText), octetString(value));
}

function serialBytes(cert: Certificate): Uint8Array {
  const tbs = readRoot(cert.tbs);
  const fields = children(tbs);
  return whole(fields[fields[0]?.tag === 0xa0 ? 1 : 0]!);
}

/** URI distribution points in CRLDistributionPoints/FreshestCRL form. */
export function distributionPoints(...urls: string[]): Uint8Array {
  return sequence(...urls.map((url) => sequence(explicit(0, explicit(0, tlv(0x86, Buffer.from(url, 'latin1')))))));
}

// ---------------------------------------------------------------------------------------------
// CRLs

export interface CrlEntrySpec {
  readonly serial: bigint;
  readonly revocationDate: Date;
  readonly reason?: number;
  readonly invalidityDate?: Date;
  /** Adds an unknown critical entry extension. */
  readonly criticalUnknown?: boolean;
}

export interface CrlSpec {
  readonly issuer: SigningIdentity;
  readonly thisUpdate: Date;
  /** `null` omits nextUpdate. */
  readonly nextUpdate: Date | null;
  readonly number?: bigint;
  readonly entries?: readonly CrlEntrySpec[];
  /** Freshest CRL (delta) URLs. */
  readonly freshest?: readonly string[];
  /** Marks this CRL as a delta of base CRL number `deltaOf`. */
  readonly deltaOf?: bigint;
  readonly criticalUnknownExtension?: boolean;
  /** Flip a signature bit. */
  readonly tamper?: boolean;
}

export function buildCrl(spec: CrlSpec): Uint8Array {
  const issuer = parseCertificate(spec.issuer.certificate);
  const entries = (spec.entries ?? []).map((entry) => {
    const exts: Uint8Array[] = [];
    if (entry.reason !== undefined) exts.push(extension('2.5.29.21', enumerated(entry.reason)));
    if (entry.invalidityDate) exts.push(extension('2.5.29.24', generalizedTime(entry.invalidityDate)));
    if (entry.criticalUnknown) exts.push(extension('1.2.3.4.5', nullValue(), true));
    return sequence(integer(entry.serial), time(entry.revocationDate), ...(exts.length ? [sequence(...exts)] : []));
  });
  const exts: Uint8Array[] = [];
  if (spec.number !== undefined) exts.push(extension('2.5.29.20', integer(spec.number)));
  if (spec.freshest) exts.push(extension('2.5.29.46', distributionPoints(...spec.freshest)));
  if (spec.deltaOf !== undefined) exts.push(extension('2.5.29.27', integer(spec.deltaOf), true));
  if (spec.criticalUnknownExtension) exts.push(extension('1.2.3.4.6', nullValue(), true));
  const key = spec.issuer.privateKey;
  const algorithmId = signData(key, new Uint8Array(0)).algorithmId;
  const tbs = sequence(
    integer(1),
    algorithmId,
    issuer.rawSubject,
    time(spec.thisUpdate),
    ...(spec.nextUpdate ? [time(spec.nextUpdate)] : []),
    ...(entries.length ? [tlv(0x30, concat(entries))] : []),
    ...(exts.length ? [explicit(0, sequence(...exts))] : []),
  );
  const { signature } = signData(key, tbs);
  if (spec.tamper) signature[signature.length - 1]! ^= 1;
  return sequence(tbs, algorithmId, bitString(signature));
}

// ---------------------------------------------------------------------------------------------
// OCSP

export interface OcspSpec {
  /** The certificate the answer is about, and its issuer. */
  readonly cert: Certificate;
  readonly issuer: SigningIdentity;
  /** Who signs: the issuer itself (default) or a delegated responder. */
  readonly responder?: SigningIdentity;
  /** Include the signer's certificate in `certs` (default true for a delegated responder). */
  readonly includeCertificate?: boolean;
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly revokedAt?: Date;
  readonly thisUpdate: Date;
  /** `null` omits nextUpdate. */
  readonly nextUpdate: Date | null;
  readonly producedAt?: Date;
  readonly invalidityDate?: Date;
  /** Answer about another serial number. */
  readonly serialOverride?: bigint;
  /** Use another issuer's name in the CertID. */
  readonly wrongIssuerHash?: boolean;
  readonly tamper?: boolean;
  readonly criticalSingleExtension?: boolean;
}

export function buildOcspResponse(spec: OcspSpec): Uint8Array {
  const issuer = parseCertificate(spec.issuer.certificate);
  const tbsIssuer = readRoot(issuer.tbs);
  const fields = children(tbsIssuer);
  const spki = fields[(fields[0]?.tag === 0xa0 ? 1 : 0) + 5]!;
  const publicKeyBits = content(children(spki)[1]!).subarray(1);
  const nameHash = createHash('sha1').update(spec.wrongIssuerHash ? Buffer.from('someone else') : issuer.rawSubject).digest();
  const keyHash = createHash('sha1').update(publicKeyBits).digest();
  const serial = spec.serialOverride !== undefined ? integer(spec.serialOverride) : serialBytes(spec.cert);
  const certId = sequence(algorithmWithNull('1.3.14.3.2.26'), octetString(nameHash), octetString(keyHash), serial);
  const certStatus =
    spec.status === 'good'
      ? implicitPrimitive(0, new Uint8Array(0))
      : spec.status === 'unknown'
        ? implicitPrimitive(2, new Uint8Array(0))
        : explicit(1, generalizedTime(spec.revokedAt ?? spec.thisUpdate));
  const singleExts: Uint8Array[] = [];
  if (spec.invalidityDate) singleExts.push(extension('2.5.29.24', generalizedTime(spec.invalidityDate)));
  if (spec.criticalSingleExtension) singleExts.push(extension('1.2.3.4.7', nullValue(), true));
  const single = sequence(
    certId,
    certStatus,
    generalizedTime(spec.thisUpdate),
    ...(spec.nextUpdate ? [explicit(0, generalizedTime(spec.nextUpdate))] : []),
    ...(singleExts.length ? [explicit(1, sequence(...singleExts))] : []),
  );
  const signer = spec.responder ?? spec.issuer;
  const signerCert = parseCertificate(signer.certificate);
  const responderId = explicit(1, signerCert.rawSubject);
  const tbs = sequence(responderId, generalizedTime(spec.producedAt ?? spec.thisUpdate), sequence(single));
  const { algorithmId, signature } = signData(signer.privateKey, tbs);
  if (spec.tamper) signature[signature.length - 1]! ^= 1;
  const include = spec.includeCertificate ?? spec.responder !== undefined;
  const basic = sequence(tbs, algorithmId, bitString(signature), ...(include ? [explicit(0, sequence(signer.certificate))] : []));
  return sequence(enumerated(0), explicit(0, sequence(oid('1.3.6.1.5.5.7.48.1.1'), octetString(basic))));
}

/** An OCSPResponse with a non-successful responseStatus. */
export function ocspErrorResponse(status: number): Uint8Array {
  return sequence(enumerated(status));
}

/** The serial number asked about in a DER OCSPRequest (first request). */
export function ocspRequestSerial(der: Uint8Array): bigint {
  const request = readRoot(der);
  const tbs = children(request)[0]!;
  const list = children(tbs).find((field) => field.tag === 0x30)!;
  const certId = children(children(list)[0]!)[0]!;
  return readBigInt(children(certId)[3]!);
}

// ---------------------------------------------------------------------------------------------
// RFC 3161 TSA

export interface TsaAnswer {
  /** PKIStatus (default 0, granted). */
  readonly status?: number;
  readonly failInfoBits?: readonly number[];
  readonly nonce?: bigint | null;
  readonly hashedMessage?: Uint8Array;
  readonly genTime?: Date;
  /** Accuracy: seconds, millis, micros. */
  readonly accuracy?: { seconds?: number; millis?: number; micros?: number };
  readonly policy?: string;
  /** Sign with another identity (e.g. a certificate without the timeStamping EKU). */
  readonly signer?: SigningIdentity;
  /** Certificates to embed (default [signer, ...chain extras]). */
  readonly certificates?: readonly Uint8Array[];
  readonly omitSigningCertificateV2?: boolean;
  /** Bind the ESS attribute to a different certificate. */
  readonly essCertificate?: Uint8Array;
  readonly messageDigest?: Uint8Array;
  readonly tamperSignature?: boolean;
  readonly signingTime?: Date;
  readonly contentType?: string;
}

export interface ParsedTimestampRequest {
  readonly hashOid: string;
  readonly hashParams: Uint8Array | undefined;
  readonly hashedMessage: Uint8Array;
  readonly nonce: bigint | undefined;
  readonly certReq: boolean;
}

export function parseTimestampRequest(der: Uint8Array): ParsedTimestampRequest {
  const fields = children(readRoot(der));
  const imprint = children(fields[1]!);
  const algorithmFields = children(imprint[0]!);
  let nonce: bigint | undefined;
  let certReq = false;
  for (const field of fields.slice(2)) {
    if (field.tag === 0x02) nonce = readBigInt(field);
    if (field.tag === 0x01) certReq = content(field)[0] === 0xff;
  }
  return {
    hashOid: readOid(algorithmFields[0]!),
    hashParams: algorithmFields[1] ? whole(algorithmFields[1]) : undefined,
    hashedMessage: content(imprint[1]!),
    nonce,
    certReq,
  };
}

let tsaSerial = 1000n;

/** Builds a TimeStampResp for `requestDer`, signed by `tsa` (with `extraCertificates` embedded). */
export function buildTimestampResponse(requestDer: Uint8Array, tsa: SigningIdentity, extraCertificates: readonly Uint8Array[], answer: TsaAnswer = {}): Uint8Array {
  const status = answer.status ?? 0;
  const failInfo = answer.failInfoBits?.length
    ? (() => {
        const max = Math.max(...answer.failInfoBits!);
        const bytes = new Uint8Array(Math.floor(max / 8) + 1);
        for (const bit of answer.failInfoBits!) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
        return [bitString(bytes, 7 - (max % 8))];
      })()
    : [];
  const statusInfo = sequence(integer(status), ...failInfo);
  if (status !== 0 && status !== 1) return sequence(statusInfo);
  const request = parseTimestampRequest(requestDer);
  const signer = answer.signer ?? tsa;
  const signerCert = parseCertificate(signer.certificate);
  const accuracy = answer.accuracy
    ? [
        sequence(
          ...(answer.accuracy.seconds !== undefined ? [integer(answer.accuracy.seconds)] : []),
          ...(answer.accuracy.millis !== undefined ? [implicitPrimitive(0, content(readRoot(integer(answer.accuracy.millis))))] : []),
          ...(answer.accuracy.micros !== undefined ? [implicitPrimitive(1, content(readRoot(integer(answer.accuracy.micros))))] : []),
        ),
      ]
    : [];
  const nonce = answer.nonce === null ? undefined : (answer.nonce ?? request.nonce);
  const tstInfo = sequence(
    integer(1),
    oid(answer.policy ?? '1.2.3.4.1'),
    sequence(sequence(oid(request.hashOid), ...(request.hashParams ? [request.hashParams] : [])), octetString(answer.hashedMessage ?? request.hashedMessage)),
    integer(tsaSerial++),
    generalizedTime(answer.genTime ?? new Date(), true),
    ...accuracy,
    ...(nonce !== undefined ? [integer(nonce)] : []),
  );
  const contentType = answer.contentType ?? '1.2.840.113549.1.9.16.1.4';
  const essTarget = answer.essCertificate ?? signer.certificate;
  const attributes = [
    sequence(oid('1.2.840.113549.1.9.3'), setOf(oid(contentType))),
    sequence(oid('1.2.840.113549.1.9.4'), setOf(octetString(answer.messageDigest ?? new Uint8Array(createHash('sha256').update(tstInfo).digest())))),
    ...(answer.signingTime ? [sequence(oid('1.2.840.113549.1.9.5'), setOf(time(answer.signingTime)))] : []),
    ...(answer.omitSigningCertificateV2
      ? []
      : [sequence(oid('1.2.840.113549.1.9.16.2.47'), setOf(sequence(sequence(sequence(octetString(new Uint8Array(createHash('sha256').update(essTarget).digest())))))))]),
  ];
  const signedAttrs = setOf(...attributes);
  const { algorithmId, signature } = signData(signer.privateKey, signedAttrs);
  if (answer.tamperSignature) signature[0]! ^= 1;
  const signerInfo = sequence(
    integer(1),
    sequence(signerCert.rawIssuer, serialBytes(signerCert)),
    algorithmWithNull('2.16.840.1.101.3.4.2.1'),
    tlv(0xa0, content(readRoot(signedAttrs))),
    algorithmId,
    octetString(signature),
  );
  const certificates = answer.certificates ?? [signer.certificate, ...extraCertificates];
  const signedData = sequence(
    integer(3),
    setOf(algorithmWithNull('2.16.840.1.101.3.4.2.1')),
    sequence(oid(contentType), explicit(0, octetString(tstInfo))),
    ...(certificates.length ? [tlv(0xa0, concat([...certificates]))] : []),
    setOf(signerInfo),
  );
  const token = sequence(oid('1.2.840.113549.1.7.2'), explicit(0, signedData));
  return sequence(statusInfo, token);
}

// ---------------------------------------------------------------------------------------------
// Loopback HTTP

export interface LoopbackServer {
  readonly url: string;
  readonly port: number;
  readonly requests: { method: string; url: string; contentType: string | undefined; body: Buffer }[];
  close(): Promise<void>;
}

export type Handler = (request: { method: string; url: string; contentType: string | undefined; body: Buffer }, response: ServerResponse) => void | Promise<void>;

/** A node:http server on 127.0.0.1 (port 0 unless given) recording every request. */
export async function startLoopbackServer(handler: Handler, port = 0): Promise<LoopbackServer> {
  const requests: LoopbackServer['requests'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const record = { method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body: Buffer.concat(chunks) };
      requests.push(record);
      Promise.resolve(handler(record, res)).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An Authority Information Access value naming OCSP responders. */
/** The URL of a loopback port nobody listens on any more: connections to it are refused. */
export async function closedLoopbackUrl(): Promise<string> {
  const closed = await startLoopbackServer(() => undefined);
  await closed.close();
  return closed.url;
}

/**
 * Serves the Notation e2e CRLs (testdata/config/crl) as `application/pkix-crl`: a request path
 * maps through `served` (read at each request, so tests may change it) to a file name; 404 else.
 */
export function startCrlFileServer(served: Readonly<Record<string, string>>): Promise<LoopbackServer> {
  return startLoopbackServer((request, response) => {
    const file = served[request.url];
    if (!file) {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader('Content-Type', 'application/pkix-crl');
    response.end(readTestdata('config', 'crl', file));
  });
}

export function authorityInfoAccess(...ocspUrls: string[]): Uint8Array {
  return sequence(...ocspUrls.map((url) => sequence(oid('1.3.6.1.5.5.7.48.1'), tlv(0x86, Buffer.from(url, 'latin1')))));
}

/** Collects log lines by level, for asserting Notation's messages. */
export function recordingLogger(): { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`DEBUG ${m}`),
    info: (m) => lines.push(`INFO ${m}`),
    warn: (m) => lines.push(`WARN ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
  };
}
