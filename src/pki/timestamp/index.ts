/**
 * RFC 3161 timestamping for Notary Project signatures: token parsing and verification (as
 * notaryproject/tspclient-go and notation-go do it), request/response handling, and an HTTP
 * Timestamper over an injected poster. Pure: no I/O, no clock (times are passed in).
 */
export { berToDer, BerError } from './ber.js';
export {
  HASH_OIDS,
  OID_BASELINE_TIMESTAMP_POLICY,
  OID_TST_INFO,
  boundedAfter,
  boundedBefore,
  formatTimestampRange,
  parseSignedToken,
  signingCertificateOf,
  timestampRange,
  validateTstInfo,
  verifySignedToken,
} from './token.js';
export type { MessageImprint, ParseTokenOptions, SignedToken, SignerInfo, TimestampHash, TimestampRange, TstInfo, VerifySignedTokenOptions } from './token.js';
export { checkTimestampAgainstChain, rfc1123z, verifyTimestampToken } from './verify.js';
export type { VerifiedTimestamp, VerifyTimestampTokenOptions } from './verify.js';
export {
  MEDIA_TYPE_TIMESTAMP_QUERY,
  MEDIA_TYPE_TIMESTAMP_REPLY,
  createTimestampRequest,
  parseTimestampResponse,
  statusProblem,
  validateTimestampResponse,
} from './request.js';
export type { CreateTimestampRequestOptions, TimestampRequest, TimestampResponse } from './request.js';
export { DEFAULT_TSA_TIMEOUT_MS, checkTsaUrl, createHttpTimestamper } from './timestamper.js';
export type { HttpPoster, HttpPostResponse, HttpTimestamperOptions, RequestTimestamper, TsaRevocationCheck } from './timestamper.js';
