/**
 * X.509 for the Notary Project: certificate parsing (with a bounded cache), the code-signing and
 * timestamping certificate profiles, chain checks, key specs, and test-certificate generation.
 * Pure: no I/O, no clock (times are passed in).
 */
export { KEY_SPECS, KEY_SPEC_NAMES, isKeySpec, keySpecOfKey } from './algorithm.js';
export type { HashAlgorithm, KeySpec, KeySpecDetails, SignatureAlgorithm } from './algorithm.js';
export {
  KEY_USAGE,
  OID_BASIC_CONSTRAINTS,
  OID_EKU_ANY,
  OID_EKU_CLIENT_AUTH,
  OID_EKU_CODE_SIGNING,
  OID_EKU_EMAIL_PROTECTION,
  OID_EKU_OCSP_SIGNING,
  OID_EKU_SERVER_AUTH,
  OID_EKU_TIME_STAMPING,
  OID_EXT_KEY_USAGE,
  OID_KEY_USAGE,
  checkSignature,
  checkSignatureFrom,
  derToPem,
  parseCertificate,
  parseCertificates,
  pemToDer,
} from './certificate.js';
export type {
  BasicConstraints,
  Certificate,
  CertificateSignatureAlgorithm,
  CheckSignatureOptions,
  ExtendedKeyUsage,
  Extension,
  KeyUsage,
  PublicKeyInfo,
} from './certificate.js';
export { CertificateCache } from './cache.js';
export type { CertificateCacheOptions } from './cache.js';
export {
  checkValidity,
  validateCertificateChain,
  validateCodeSigningChain,
  validateTimestampingChain,
  validateTrustStoreCertificate,
  unsupportedKeyMessage,
} from './chain.js';
export type { CertificatePurpose, ChainValidationOptions, TrustStoreType } from './chain.js';
export { formatName } from './name.js';
export { goQuote, goTimeString } from '../gocompat/index.js';
export type { AttributeTypeAndValue, RdnSequence } from './name.js';
export { buildTestChain, generateTestCertificate, toPrivateKey } from './generate.js';
export type { TestCertificate, TestCertificateOptions, TestChain, TestChainOptions } from './generate.js';
export { buildPath, PathError } from './path.js';
export type { BuildPathOptions } from './path.js';
export { revocationInfo, parseDistributionPointUrls } from './x509-extensions.js';
export type { CertificateRevocationInfo } from './x509-extensions.js';
export * from './timestamp/index.js';
export * from './revocation/index.js';
