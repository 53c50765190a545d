/** OCI image layouts on disk: the store, and the crash-safe blob directory the registry server builds on. */
export { LayoutStore, referrersTag, INGEST_DIRECTORY, type LayoutStoreOptions } from './layout-store.js';
export { BlobDirectory, type ByteRange } from './blob-directory.js';
export { KeyedMutex, Mutex } from './mutex.js';
export {
  ensureDirectory,
  fsyncDirectory,
  isErrorCode,
  removeStaleTemps,
  tempPath,
  writeFileAtomic,
  writeFully,
  TEMP_PREFIX,
} from './atomic.js';
export { INDEX_FILE, LAYOUT_FILE } from './index-document.js';
