export {
  MemoryTrustStore,
  X509TrustStore,
  loadTrustStoreCertificates,
  type EntryKind,
  type TrustStore,
  type TrustStoreDirectory,
  type X509TrustStoreOptions,
} from './trust-store.js';
export { MALFORMED_CERTIFICATE, certificateSubject, encodeCertificatesPem, readCertificateFile } from './certificate-file.js';
