export {
  TRUST_POLICY_LINK,
  decodeBlobTrustPolicyDocument,
  decodeOCITrustPolicyDocument,
  marshalBlobTrustPolicyDocument,
  marshalOCITrustPolicyDocument,
  type BlobTrustPolicyDocument,
  type BlobTrustPolicyStatement,
  type DecodePolicyOptions,
  type OCITrustPolicyDocument,
  type OCITrustPolicyStatement,
  type SignatureVerification,
} from './document.js';
export { parseBlobTrustPolicyDocument, parseOCITrustPolicyDocument } from './parse.js';
export {
  TRUST_STORE_TYPES,
  WILDCARD,
  X509_SUBJECT,
  isTrustStoreType,
  isValidTrustStoreName,
  validateBlobTrustPolicyDocument,
  validateOCITrustPolicyDocument,
  type TrustStoreType,
} from './validate.js';
export {
  LEVEL_AUDIT,
  LEVEL_PERMISSIVE,
  LEVEL_SKIP,
  LEVEL_STRICT,
  VALIDATION_ACTIONS,
  VALIDATION_TYPES,
  getVerificationLevel,
  type TimestampOption,
  type ValidationAction,
  type ValidationType,
  type VerificationLevel,
  type VerificationLevelName,
} from './verification-level.js';
export { validateRegistryScopeFormat } from './registry-scope.js';
export { artifactRegistryScope, selectBlobTrustPolicy, selectOCITrustPolicy } from './select.js';
export {
  goDistinguishedNameString,
  isSubsetDn,
  parseDistinguishedName,
  parseLdapDn,
  DnSyntaxError,
  type DnAttribute,
  type DnAttributeMap,
  type ParsedDn,
  type SubjectAttribute,
  type SubjectRdns,
} from './dn.js';
export { leafSubjectString, verifyX509TrustedIdentities, type LeafSubject } from './identity.js';
