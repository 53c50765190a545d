export {
  MemoryTrustStore,
  X509TrustStore,
  loadTrustStoreCertificates,
  type EntryKind,
  type TrustStore,
  type TrustStoreDirectory,
  type X509TrustStoreOptions,
} from './trust-store.js';
export { MALFORMED_CERTIFICATE, encodeCertificatesPem, readCertificateFile } from './certificate-file.js';
export { certificateSubject } from './anchor.js';
