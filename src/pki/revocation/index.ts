/**
 * Certificate revocation checking (OCSP and CRL) for Notary Project code-signing and timestamping
 * chains, as notaryproject/notation-core-go and notation-go do it. Pure: every network exchange
 * goes through an injected `RevocationFetcher`, the CRL cache through a `CrlCache` port, and the
 * current time is passed in.
 */
export { checkRevocation, createTsaRevocationCheck, revocationFailureMessage, revocationVerdict } from './revocation.js';
export type { CheckRevocationOptions, RevocationPurpose, RevocationVerdict } from './revocation.js';
export { checkOcsp, createOcspRequest, parseOcspResponse, supportsOcsp, DEFAULT_OCSP_TIMEOUT_MS, OID_OCSP_BASIC, OID_OCSP_NOCHECK } from './ocsp.js';
export type { OcspCheckOptions, OcspResponse, OcspStatus } from './ocsp.js';
export {
  checkCrl,
  crlStatus,
  fetchCrlBundle,
  isCrlEffective,
  parseCrl,
  supportsCrl,
  validateCrlBundle,
  DEFAULT_CRL_TIMEOUT_MS,
  OID_CRL_NUMBER,
  OID_DELTA_CRL_INDICATOR,
  OID_INVALIDITY_DATE,
  OID_ISSUING_DISTRIBUTION_POINT,
  OID_REASON_CODE,
  REASON_CERTIFICATE_HOLD,
  REASON_REMOVE_FROM_CRL,
} from './crl.js';
export type { Crl, CrlCheckOptions, CrlEntry, CrlFetchOptions, ParsedCrlBundle } from './crl.js';
export { NOOP_LOGGER } from './types.js';
export type {
  CertRevocationResult,
  CrlBundleBytes,
  CrlCache,
  RevocationFetcher,
  RevocationHttpRequest,
  RevocationHttpResponse,
  RevocationLogger,
  RevocationMethod,
  RevocationResult,
  ServerResult,
} from './types.js';
