/**
 * Signing OCI artifacts in the Notary Project format: payload, envelope (through the Signer port),
 * signature manifest, push through the Storage port; and blobs, as detached signatures. Pure: no
 * file or network access of its own.
 */
export { sign, payloadDescriptor, signPayload, RESERVED_ANNOTATION_PREFIX } from './sign.js';
export type { SignClock, SignLogger, SignOptions, SignResult, SignedPayload } from './sign.js';
export { signBlob, DEFAULT_BLOB_MEDIA_TYPE } from './blob.js';
export type { SignBlobOptions, SignBlobResult } from './blob.js';
export { packSignatureManifest, certificateThumbprints } from './signature-manifest.js';
export type { SignatureManifestOptions, SignatureManifestStyle } from './signature-manifest.js';
export { parsePrivateKey, signerFromKeyAndCertificates } from './key.js';
