/**
 * RFC 3161 requests and responses: TimeStampReq building and TimeStampResp parsing/validation as
 * notaryproject/tspclient-go does them (request.go, response.go, pki/pki.go), with its messages.
 *
 * @see RFC 3161 §2.4.1 (TimeStampReq), §2.4.2 (TimeStampResp, PKIStatusInfo, PKIFailureInfo)
 */
import { createHash, randomBytes } from 'node:crypto';
import { PkiError } from '../../errors.js';
import { children, expectTag, readBigInt, readBitString, readRoot, readString, TAG_BIT_STRING, TAG_INTEGER, TAG_SEQUENCE, whole } from '../der.js';
import { algorithmWithNull, boolean, integer, octetString, sequence } from '../der-writer.js';
import { HASH_OIDS, parseSignedToken, signingCertificateOf, type SignedToken, type TimestampHash } from './token.js';
import type { CertificateCache } from '../cache.js';
import { sameBytes } from '../certificate.js';

export const MEDIA_TYPE_TIMESTAMP_QUERY = 'application/timestamp-query';
export const MEDIA_TYPE_TIMESTAMP_REPLY = 'application/timestamp-reply';

export interface TimestampRequest {
  /** DER TimeStampReq. */
  readonly der: Uint8Array;
  readonly hash: TimestampHash;
  readonly hashedMessage: Uint8Array;
  /** DER of the imprint AlgorithmIdentifier parameters (explicit NULL, as tspclient-go sends). */
  readonly hashAlgorithmParameters: Uint8Array;
  readonly nonce: bigint;
  readonly certReq: true;
}

export interface CreateTimestampRequestOptions {
  /** Source of randomness for the nonce (tests); default node:crypto. */
  readonly randomBytes?: (size: number) => Uint8Array;
}

/**
 * Builds a TimeStampReq over `content` (the primitive signature): version 1, message imprint with
 * `hash` (AlgorithmIdentifier with explicit NULL parameters), a random nonce in [0, 2^159),
 * certReq TRUE, no policy, no extensions.
 */
export function createTimestampRequest(content: Uint8Array, hash: TimestampHash, options: CreateTimestampRequestOptions = {}): TimestampRequest {
  if (!(hash in HASH_OIDS)) throw new PkiError('ERR_PKI_TSA_FAILED', `malformed timestamping request: unsupported hashing algorithm: ${String(hash)}`);
  const random = options.randomBytes ?? ((size: number) => new Uint8Array(randomBytes(size)));
  const bytes = random(20);
  bytes[0]! &= 0x7f; // < 2^159
  const nonce = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  const hashedMessage = new Uint8Array(createHash(hash).update(content).digest());
  const der = sequence(integer(1), sequence(algorithmWithNull(HASH_OIDS[hash]), octetString(hashedMessage)), integer(nonce), boolean(true));
  return { der, hash, hashedMessage, hashAlgorithmParameters: Uint8Array.of(0x05, 0x00), nonce, certReq: true };
}

/** PKIFailureInfo bits tspclient-go names, with its texts. */
const FAILURE_INFO: readonly [number, string][] = [
  [0, 'unrecognized or unsupported Algorithm Identifier'],
  [2, 'transaction not permitted or supported'],
  [5, 'the data submitted has the wrong format'],
  [14, "the TSA's time source is not available"],
  [15, 'the requested TSA policy is not supported by the TSA'],
  [16, 'the requested extension is not supported by the TSA'],
  [17, 'the additional information requested could not be understood or is not available'],
  [25, 'the request cannot be handled due to system failure'],
];

const STATUS_TEXT: Readonly<Record<number, string>> = {
  0: 'granted',
  1: 'granted with modifications',
  2: 'rejected',
  3: 'the request body part has not yet been processed, expect to hear more later',
  4: 'warning: a revocation is imminent',
  5: 'a revocation has occurred',
};

export interface TimestampResponse {
  readonly status: number;
  readonly statusStrings: readonly string[];
  /** Bit numbers set in failInfo. */
  readonly failInfo: readonly number[];
  /** DER of timeStampToken (what the envelope embeds), when present. */
  readonly token: Uint8Array | undefined;
}

function failure(message: string, cause?: unknown): never {
  throw new PkiError('ERR_PKI_TSA_FAILED', message, { cause });
}

/** Parses a DER TimeStampResp. Throws PkiError ERR_PKI_TSA_FAILED. */
export function parseTimestampResponse(der: Uint8Array): TimestampResponse {
  try {
    const root = readRoot(der);
    expectTag(root, TAG_SEQUENCE, 'TimeStampResp');
    const [statusInfo, token, ...rest] = children(root);
    if (!statusInfo || rest.length > 0) throw new Error('malformed TimeStampResp');
    expectTag(statusInfo, TAG_SEQUENCE, 'PKIStatusInfo');
    const parts = children(statusInfo);
    let i = 0;
    const statusElement = parts[i++];
    if (!statusElement) throw new Error('missing PKIStatus');
    const status = Number(readBigInt(expectTag(statusElement, TAG_INTEGER, 'PKIStatus')));
    const statusStrings: string[] = [];
    if (parts[i]?.tag === TAG_SEQUENCE) for (const text of children(parts[i++]!)) statusStrings.push(readString(text));
    const failInfo: number[] = [];
    if (parts[i]?.tag === TAG_BIT_STRING) {
      const { bytes } = readBitString(parts[i++]!);
      for (let bit = 0; bit < bytes.length * 8; bit++) if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) failInfo.push(bit);
    }
    if (i !== parts.length) throw new Error('trailing data in PKIStatusInfo');
    if (token) expectTag(token, TAG_SEQUENCE, 'TimeStampToken');
    return { status, statusStrings, failInfo, token: token ? whole(token) : undefined };
  } catch (error) {
    failure(`invalid timestamping response: ${(error as Error).message.replace(/^malformed DER: /, 'asn1: ')}`, error);
  }
}

/** tspclient-go `StatusInfo.Err`: undefined when granted (0) or granted with modifications (1). */
export function statusProblem(response: TimestampResponse): string | undefined {
  if (response.status === 0 || response.status === 1) return undefined;
  const text = STATUS_TEXT[response.status] ?? `unknown PKIStatus ${response.status}`;
  const reasons = FAILURE_INFO.filter(([bit]) => response.failInfo.includes(bit)).map(([, reason]) => reason);
  const base = `invalid response with status code ${response.status}: ${text}`;
  return reasons.length > 0 ? `${base}. Failure info: ${reasons.join('; ')}` : base;
}

/**
 * tspclient-go `Response.Validate`: status granted, token parses, TSTInfo version 1, message
 * imprint identical to the request's (algorithm, raw parameters, hash), genTime in UTC, nonce
 * echoed, and (certReq) a TSA signing certificate present. Returns the parsed token.
 * Throws PkiError ERR_PKI_TSA_FAILED (`invalid timestamping response: ...`).
 */
export function validateTimestampResponse(response: TimestampResponse, request: TimestampRequest, cache?: CertificateCache): SignedToken {
  const problem = statusProblem(response);
  if (problem) failure(`invalid timestamping response: ${problem}`);
  if (!response.token) failure('invalid timestamping response: the response carries no timestamp token');
  let token: SignedToken;
  try {
    token = parseSignedToken(response.token, cache ? { cache } : {});
  } catch (error) {
    failure(`invalid timestamping response: ${(error as Error).message}`, error);
  }
  const info = token.info;
  if (info.version !== 1) failure(`invalid timestamping response: timestamp token info version must be 1, but got ${info.version}`);
  const imprint = info.messageImprint;
  if (
    imprint.hashAlgorithm !== HASH_OIDS[request.hash] ||
    !sameBytes(imprint.hashAlgorithmParameters ?? new Uint8Array(0), request.hashAlgorithmParameters) ||
    !sameBytes(imprint.hashedMessage, request.hashedMessage)
  ) {
    failure(
      `invalid timestamping response: message imprint in response {HashAlgorithm:${imprint.hashAlgorithm} HashedMessage:${Buffer.from(imprint.hashedMessage).toString('hex')}} does not match with request {HashAlgorithm:${HASH_OIDS[request.hash]} HashedMessage:${Buffer.from(request.hashedMessage).toString('hex')}}`,
    );
  }
  if (!info.genTimeUtc) failure('invalid timestamping response: TSTInfo genTime must be in UTC');
  if (info.nonce !== request.nonce) {
    failure(`invalid timestamping response: nonce in response ${info.nonce === undefined ? '<nil>' : info.nonce.toString()} does not match nonce in request ${request.nonce.toString()}`);
  }
  const hasSigningCertificate = token.signerInfos.some((signer) => {
    try {
      signingCertificateOf(token, signer);
      return true;
    } catch {
      return false;
    }
  });
  if (!hasSigningCertificate) failure('invalid timestamping response: certReq is True in request, but did not find any TSA signing certificate in the response');
  return token;
}

/** The DER of a TimeStampResp's token, unchanged (for embedding). */
export function tokenBytes(response: TimestampResponse): Uint8Array {
  if (!response.token) failure('invalid timestamping response: the response carries no timestamp token');
  return Uint8Array.from(response.token);
}
