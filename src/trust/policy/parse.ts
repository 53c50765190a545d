/**
 * One-call parse-and-validate for trust policy documents.
 */
import {
  decodeBlobTrustPolicyDocument,
  decodeOCITrustPolicyDocument,
  type BlobTrustPolicyDocument,
  type DecodePolicyOptions,
  type OCITrustPolicyDocument,
} from './document.js';
import { validateBlobTrustPolicyDocument, validateOCITrustPolicyDocument } from './validate.js';

/**
 * Decodes and validates `trustpolicy.oci.json` (or the legacy `trustpolicy.json`) bytes.
 * Strictness and messages are notation-go's: see {@link decodeOCITrustPolicyDocument} and
 * {@link validateOCITrustPolicyDocument}.
 * @throws TrustError `ERR_TRUST_POLICY_MALFORMED` | `ERR_TRUST_POLICY_TOO_LARGE` | `ERR_TRUST_POLICY_INVALID`
 * @example
 * const doc = parseOCITrustPolicyDocument(await readFile('trustpolicy.oci.json'));
 */
export function parseOCITrustPolicyDocument(bytes: Uint8Array, options?: DecodePolicyOptions): OCITrustPolicyDocument {
  const document = decodeOCITrustPolicyDocument(bytes, options);
  validateOCITrustPolicyDocument(document);
  return document;
}

/**
 * Decodes and validates `trustpolicy.blob.json` bytes.
 * @throws TrustError `ERR_TRUST_POLICY_MALFORMED` | `ERR_TRUST_POLICY_TOO_LARGE` | `ERR_TRUST_POLICY_INVALID`
 */
export function parseBlobTrustPolicyDocument(bytes: Uint8Array, options?: DecodePolicyOptions): BlobTrustPolicyDocument {
  const document = decodeBlobTrustPolicyDocument(bytes, options);
  validateBlobTrustPolicyDocument(document);
  return document;
}
