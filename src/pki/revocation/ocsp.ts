/**
 * OCSP checking as notation-core-go does it (revocation/internal/ocsp/ocsp.go over
 * golang.org/x/crypto/ocsp): SHA-1 CertID, GET when the encoded request is short else POST,
 * 20,480-byte responses, the response signed by the issuer or by a responder certificate the
 * issuer signed, `nextUpdate` required and not passed, invalidity-date relief, and Go's messages.
 *
 * Stricter than Go (RFC 6960 §4.2.2.2, §4.1.1): a delegated responder must carry id-kp-OCSPSigning
 * and be valid now, and the matched SingleResponse's issuerNameHash/issuerKeyHash must match the
 * issuer (Go matches the serial number only).
 *
 * @see RFC 6960 §4.1 (request), §4.2 (response)
 */
import { createHash } from 'node:crypto';
import { isPortcullisError } from '../../errors.js';
import { MAX_OCSP_RESPONSE_BYTES } from '../../limits.js';
import { checkSignatureOver, OID_EKU_OCSP_SIGNING, parseCertificate, parseSignatureAlgorithm, sameBytes, type Certificate } from '../certificate.js';
import { children, content, expectTag, readBigInt, readBoolean, readOctetAlignedBits, readOid, readRoot, TAG_GENERALIZED_TIME, TAG_INTEGER, TAG_OCTET_STRING, TAG_SEQUENCE, whole, type DerElement } from '../der.js';
import { algorithmWithNull, octetString, sequence, unsignedInteger } from '../der-writer.js';
import { parseGeneralizedTime } from '../timestamp/token.js';
import { revocationInfo } from '../x509-extensions.js';
import { withDeadline } from './crl.js';
import type { CertRevocationResult, RevocationFetcher, ServerResult } from './types.js';

export const OID_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
export const OID_OCSP_NOCHECK = '1.3.6.1.5.5.7.48.1.5';
const OID_INVALIDITY_DATE = '2.5.29.24';
const OID_SHA1 = '1.3.14.3.2.26';

/** notation-core-go's OCSP client timeout. */
export const DEFAULT_OCSP_TIMEOUT_MS = 2_000;

const CERT_ID_HASHES: Readonly<Record<string, string>> = {
  [OID_SHA1]: 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const RESPONSE_STATUS: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'malformed',
  2: 'internal error',
  3: 'try later',
  5: 'signature required',
  6: 'unauthorized',
};

/** The short error responses x/crypto/ocsp recognises by their exact bytes, with notation-core-go's texts. */
const ERROR_RESPONSES: readonly [string, string][] = [
  ['30030a0106', 'OCSP unauthorized'],
  ['30030a0101', 'OCSP malformed'],
  ['30030a0102', 'OCSP internal error'],
  ['30030a0103', 'OCSP try later'],
  ['30030a0105', 'OCSP signature required'],
];

export type OcspStatus = 'good' | 'revoked' | 'unknown';

export interface OcspResponse {
  readonly status: OcspStatus;
  readonly serial: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly producedAt: Date;
  readonly revokedAt?: Date;
  readonly revocationReason?: number;
  /** Extensions of the matched SingleResponse. */
  readonly singleExtensions: readonly { readonly oid: string; readonly critical: boolean; readonly value: Uint8Array }[];
  /** The delegated responder certificate, when the response carried one. */
  readonly responder: Certificate | undefined;
}

/** An OCSP protocol failure; `message` is x/crypto/ocsp's or notation-core-go's text. */
class OcspError extends Error {
  readonly kind: 'generic' | 'bare' | 'timeout';
  constructor(message: string, kind: 'generic' | 'bare' | 'timeout' = 'bare') {
    super(message);
    this.kind = kind;
  }
}

const generic = (detail: string): OcspError => new OcspError(`error checking revocation status via OCSP: ${detail}`, 'generic');

/** Builds the DER OCSPRequest for `cert` issued by `issuer`, with a SHA-1 CertID (as Go's ocsp.CreateRequest). */
export function createOcspRequest(cert: Certificate, issuer: Certificate): Uint8Array {
  const nameHash = createHash('sha1').update(issuer.rawSubject).digest();
  const keyHash = createHash('sha1').update(revocationInfo(issuer).publicKeyBits).digest();
  const certId = sequence(algorithmWithNull(OID_SHA1), octetString(nameHash), octetString(keyHash), serialInteger(cert));
  return sequence(sequence(sequence(sequence(certId))));
}

function serialInteger(cert: Certificate): Uint8Array {
  const serial = revocationInfo(cert).serial;
  let hex = (serial < 0n ? -serial : serial).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return unsignedInteger(Buffer.from(hex, 'hex'));
}

function readGeneralized(element: DerElement): Date {
  const { nanos } = parseGeneralizedTime(element);
  return new Date(Number(nanos / 1_000_000n));
}

interface SingleResponse {
  readonly hashAlgorithm: string;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  readonly serial: bigint;
  readonly status: OcspStatus;
  readonly revokedAt?: Date;
  readonly reason?: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly extensions: { oid: string; critical: boolean; value: Uint8Array }[];
}

function parseSingle(element: DerElement): SingleResponse {
  expectTag(element, TAG_SEQUENCE, 'SingleResponse');
  const fields = children(element);
  const [certId, certStatus, thisUpdate] = fields;
  if (!certId || !certStatus || !thisUpdate) throw new OcspError('asn1: structure error: malformed SingleResponse');
  expectTag(certId, TAG_SEQUENCE, 'CertID');
  const [algorithm, nameHash, keyHash, serial] = children(certId);
  if (!algorithm || !nameHash || !keyHash || !serial) throw new OcspError('asn1: structure error: malformed CertID');
  const [hashOid] = children(expectTag(algorithm, TAG_SEQUENCE, 'AlgorithmIdentifier'));
  let status: OcspStatus;
  let revokedAt: Date | undefined;
  let reason: number | undefined;
  if (certStatus.tag === 0x80) status = 'good';
  else if (certStatus.tag === 0x82) status = 'unknown';
  else if (certStatus.tag === 0xa1) {
    status = 'revoked';
    const [time, reasonElement] = children(certStatus);
    if (!time) throw new OcspError('asn1: structure error: malformed RevokedInfo');
    revokedAt = readGeneralized(time);
    if (reasonElement?.tag === 0xa0) {
      const [enumerated] = children(reasonElement);
      if (enumerated?.tag === 0x0a) reason = Number(readBigInt({ ...enumerated, tag: TAG_INTEGER }));
    }
  } else throw new OcspError('asn1: structure error: unknown certStatus');
  let i = 3;
  let nextUpdate: Date | undefined;
  if (fields[i]?.tag === 0xa0) {
    const [time] = children(fields[i++]!);
    if (!time) throw new OcspError('asn1: structure error: malformed nextUpdate');
    nextUpdate = readGeneralized(time);
  }
  const extensions: SingleResponse['extensions'] = [];
  if (fields[i]?.tag === 0xa1) {
    const [list] = children(fields[i++]!);
    for (const ext of list ? children(list) : []) {
      const parts = children(ext);
      const oid = readOid(parts[0]!);
      const critical = parts[1]?.tag === 0x01 ? readBoolean(parts[1]) : false;
      const value = parts[parts.length - 1]!;
      extensions.push({ oid, critical, value: content(expectTag(value, TAG_OCTET_STRING, 'extnValue')) });
    }
  }
  if (i !== fields.length) throw new OcspError('asn1: structure error: trailing data in SingleResponse');
  return {
    hashAlgorithm: readOid(hashOid ?? certId),
    issuerNameHash: content(expectTag(nameHash, TAG_OCTET_STRING, 'issuerNameHash')),
    issuerKeyHash: content(expectTag(keyHash, TAG_OCTET_STRING, 'issuerKeyHash')),
    serial: readBigInt(serial),
    status,
    ...(revokedAt ? { revokedAt } : {}),
    ...(reason !== undefined ? { reason } : {}),
    thisUpdate: readGeneralized(thisUpdate),
    nextUpdate,
    extensions,
  };
}

/**
 * Parses and authenticates an OCSP response for `cert` issued by `issuer` (x/crypto/ocsp
 * `ParseResponseForCert` plus the stricter checks above). Throws OcspError with Go's message.
 */
export function parseOcspResponse(bytes: Uint8Array, cert: Certificate, issuer: Certificate, now: Date): OcspResponse {
  try {
    const root = readRoot(bytes);
    expectTag(root, TAG_SEQUENCE, 'OCSPResponse');
    const [statusElement, responseBytes] = children(root);
    if (!statusElement || statusElement.tag !== 0x0a) throw new OcspError('asn1: structure error: malformed OCSPResponse');
    const status = Number(readBigInt({ ...statusElement, tag: TAG_INTEGER }));
    if (status !== 0) throw new OcspError(`ocsp: error from server: ${RESPONSE_STATUS[status] ?? `unknown OCSP status: ${status}`}`);
    if (!responseBytes || responseBytes.tag !== 0xa0) throw new OcspError('asn1: structure error: missing responseBytes');
    const [inner] = children(responseBytes);
    const [type, octets] = children(expectTag(inner!, TAG_SEQUENCE, 'ResponseBytes'));
    if (!type || !octets) throw new OcspError('asn1: structure error: malformed ResponseBytes');
    if (readOid(type) !== OID_OCSP_BASIC) throw new OcspError('bad OCSP response type');
    const basic = readRoot(content(expectTag(octets, TAG_OCTET_STRING, 'response')));
    expectTag(basic, TAG_SEQUENCE, 'BasicOCSPResponse');
    const [tbs, algorithm, signatureBits, certsElement] = children(basic);
    if (!tbs || !algorithm || !signatureBits) throw new OcspError('asn1: structure error: malformed BasicOCSPResponse');
    expectTag(tbs, TAG_SEQUENCE, 'ResponseData');
    const tbsFields = children(tbs);
    let i = tbsFields[0]?.tag === 0xa0 ? 1 : 0;
    const responderId = tbsFields[i++];
    if (!responderId || (responderId.tag !== 0xa1 && responderId.tag !== 0xa2)) throw new OcspError('invalid responder id tag');
    const producedAtElement = tbsFields[i++];
    if (!producedAtElement || producedAtElement.tag !== TAG_GENERALIZED_TIME) throw new OcspError('asn1: structure error: malformed producedAt');
    const producedAt = readGeneralized(producedAtElement);
    const responses = children(expectTag(tbsFields[i++] ?? tbs, TAG_SEQUENCE, 'responses')).map(parseSingle);
    if (responses.length === 0) throw new OcspError('OCSP response contains bad number of responses');
    const serial = revocationInfo(cert).serial;
    const single = responses.find((response) => response.serial === serial);
    if (!single) throw new OcspError('no response matching the supplied certificate');

    const signatureAlgorithm = parseSignatureAlgorithm(algorithm);
    const signature = readOctetAlignedBits(signatureBits);
    const tbsBytes = whole(tbs);
    let responder: Certificate | undefined;
    if (certsElement?.tag === 0xa0) {
      const [list] = children(certsElement);
      const first = list ? children(list)[0] : undefined;
      if (first) responder = parseCertificate(whole(first));
    }
    if (responder && !sameBytes(responder.der, issuer.der)) {
      const problem = checkSignatureOver(signatureAlgorithm, tbsBytes, signature, responder);
      if (problem) throw new OcspError(`bad signature on embedded certificate: ${problem}`);
      const issued = checkSignatureOver(responder.signatureAlgorithm, responder.tbs, responder.signature, issuer);
      if (issued || !sameBytes(responder.rawIssuer, issuer.rawSubject)) throw new OcspError(`bad OCSP signature: ${issued ?? 'responder certificate is not issued by the certificate issuer'}`);
      if (!responder.extKeyUsage?.oids.includes(OID_EKU_OCSP_SIGNING)) {
        throw new OcspError('bad OCSP signature: the responder certificate is not authorized for OCSP signing (no id-kp-OCSPSigning)');
      }
      if (now.getTime() < responder.notBefore.getTime() || now.getTime() > responder.notAfter.getTime()) {
        throw new OcspError('bad OCSP signature: the responder certificate is expired or not yet valid');
      }
    } else {
      const problem = checkSignatureOver(signatureAlgorithm, tbsBytes, signature, issuer);
      if (problem) throw new OcspError(`bad OCSP signature: ${problem}`);
      responder = undefined;
    }
    if (single.extensions.some((ext) => ext.critical)) throw new OcspError('unsupported critical extension');
    const hash = CERT_ID_HASHES[single.hashAlgorithm];
    if (!hash) throw new OcspError('unsupported issuer hash algorithm');
    const nameHash = createHash(hash).update(issuer.rawSubject).digest();
    const keyHash = createHash(hash).update(revocationInfo(issuer).publicKeyBits).digest();
    if (!sameBytes(nameHash, single.issuerNameHash) || !sameBytes(keyHash, single.issuerKeyHash)) {
      throw new OcspError('no response matching the supplied certificate: the CertID names another issuer');
    }
    return {
      status: single.status,
      serial: single.serial,
      thisUpdate: single.thisUpdate,
      nextUpdate: single.nextUpdate,
      producedAt,
      ...(single.revokedAt ? { revokedAt: single.revokedAt } : {}),
      ...(single.reason !== undefined ? { revocationReason: single.reason } : {}),
      singleExtensions: single.extensions,
      responder,
    };
  } catch (error) {
    if (error instanceof OcspError) throw error;
    if (isPortcullisError(error) || error instanceof Error) throw new OcspError((error as Error).message.replace(/^malformed DER: /, 'asn1: '));
    throw error;
  }
}

/** Go's url.QueryEscape for the base64 alphabet. */
function queryEscape(text: string): string {
  return text.replace(/[+/=]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function joinUrl(server: string, path: string): string {
  return `${server.replace(/\/+$/, '')}/${path}`;
}

export interface OcspCheckOptions {
  readonly fetcher: RevocationFetcher;
  readonly now: Date;
  /** Authentic signing time for the invalidity-date rule (signingAuthority scheme); none otherwise. */
  readonly signingTime?: Date;
  /** Default 2 s. */
  readonly timeoutMs?: number;
}

function isTimeout(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown };
  return e?.code === 'ETIMEDOUT' || e?.name === 'TimeoutError';
}

async function queryServer(cert: Certificate, issuer: Certificate, server: string, options: OcspCheckOptions): Promise<OcspResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_OCSP_TIMEOUT_MS;
  const request = createOcspRequest(cert, issuer);
  const encoded = Buffer.from(request).toString('base64');
  const escaped = queryEscape(encoded);
  const useGet = encoded.length < 255 && escaped.length < 255;
  const url = useGet ? joinUrl(server, escaped) : server;
  let response;
  try {
    response = await withDeadline(
      options.fetcher(
        useGet
          ? { method: 'GET', url, timeoutMs, maxBytes: MAX_OCSP_RESPONSE_BYTES }
          : { method: 'POST', url, body: request, contentType: 'application/ocsp-request', timeoutMs, maxBytes: MAX_OCSP_RESPONSE_BYTES },
      ),
      timeoutMs,
    );
  } catch (error) {
    if (isTimeout(error)) throw new OcspError(`exceeded timeout threshold of ${(timeoutMs / 1000).toFixed(2)} seconds for OCSP check`, 'timeout');
    throw generic(`${useGet ? 'Get' : 'Post'} ${JSON.stringify(url)}: ${(error as Error).message}`);
  }
  if (response.status !== 200) throw new OcspError(`failed to retrieve OCSP: response had status code ${response.status}`);
  // Go reads through a 20,480-byte LimitReader: a longer body is truncated (and then fails to parse).
  const body = response.body.subarray(0, MAX_OCSP_RESPONSE_BYTES);
  const hex = Buffer.from(body).toString('hex');
  const known = ERROR_RESPONSES.find(([bytes]) => bytes === hex);
  if (known) throw generic(known[1]);
  return parseOcspResponse(body, cert, issuer, options.now);
}

const REVOKED = 'certificate is revoked via OCSP';
const UNKNOWN_STATUS = 'certificate has unknown status via OCSP';

async function checkServer(cert: Certificate, issuer: Certificate, server: string, options: OcspCheckOptions): Promise<ServerResult> {
  const result = (outcome: ServerResult['result'], error?: string): ServerResult => ({ result: outcome, server, method: 'ocsp', ...(error ? { error } : {}) });
  let scheme: string;
  try {
    scheme = new URL(server).protocol.slice(0, -1);
  } catch {
    scheme = '';
  }
  if (scheme.toLowerCase() !== 'http') return result('unknown', `error checking revocation status via OCSP: OCSPServer protocol ${scheme} is not supported`);
  let response: OcspResponse;
  try {
    response = await queryServer(cert, issuer, server, options);
  } catch (error) {
    return result('unknown', (error as Error).message);
  }
  if (!response.nextUpdate || options.now.getTime() > response.nextUpdate.getTime()) {
    return result('unknown', 'error checking revocation status via OCSP: expired OCSP response');
  }
  const invalidity = response.singleExtensions.find((ext) => ext.oid === OID_INVALIDITY_DATE);
  if (invalidity && options.signingTime && response.status === 'revoked') {
    try {
      const { nanos } = parseGeneralizedTime(readRoot(invalidity.value));
      if (options.signingTime.getTime() < Number(nanos / 1_000_000n)) return result('ok');
    } catch {
      // Go ignores a malformed invalidity date here.
    }
  }
  if (response.status === 'good') return result('ok');
  if (response.status === 'revoked') return result('revoked', REVOKED);
  return result('unknown', UNKNOWN_STATUS);
}

/** Whether the certificate names OCSP responders. */
export function supportsOcsp(cert: Certificate): boolean {
  return revocationInfo(cert).ocspServers.length > 0;
}

/**
 * notation-core-go `ocsp.CertCheckStatus`: tries each responder of `cert` in order; the first
 * authoritative answer (good, revoked or `unknown` status) decides alone, otherwise every server's
 * error is reported and the last one's result stands.
 */
export async function checkOcsp(cert: Certificate, issuer: Certificate, options: OcspCheckOptions): Promise<CertRevocationResult> {
  const servers = revocationInfo(cert).ocspServers;
  if (servers.length === 0) {
    return { result: 'nonRevokable', serverResults: [{ result: 'nonRevokable', server: '', method: 'ocsp' }], method: 'ocsp' };
  }
  const results: ServerResult[] = [];
  for (const server of servers) {
    const result = await checkServer(cert, issuer, server, options);
    if (result.result === 'ok' || result.result === 'revoked' || (result.result === 'unknown' && result.error === UNKNOWN_STATUS)) {
      return { result: result.result, serverResults: [result], method: 'ocsp' };
    }
    results.push(result);
  }
  return { result: results[results.length - 1]!.result, serverResults: results, method: 'ocsp' };
}
