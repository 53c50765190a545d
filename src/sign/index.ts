/**
 * Signing OCI artifacts in the Notary Project format: payload, envelope (through the Signer port),
 * signature manifest, push through the Storage port. Pure: no file or network access of its own.
 */
export { sign, payloadDescriptor, RESERVED_ANNOTATION_PREFIX } from './sign.js';
export type { SignClock, SignLogger, SignOptions, SignResult } from './sign.js';
export { packSignatureManifest, certificateThumbprints } from './signature-manifest.js';
export type { SignatureManifestOptions, SignatureManifestStyle } from './signature-manifest.js';
export { parsePrivateKey, signerFromKeyAndCertificates } from './key.js';
