export type {
  ContentSource,
  ContentStream,
  DeletableStorage,
  ReadOnlyStorage,
  ReferrersOptions,
  Storage,
  TagListable,
} from './storage.js';
export { isDeletable, isTagListable } from './storage.js';
export { fetchAll, readAll, toStream, verifyStream, notFound } from './read.js';
export { filterByArtifactType, referrerDescriptor, subjectOf } from './referrers.js';
export { MemoryStore } from './memory-store.js';
export { copy, copyGraph, Limiter, type CopyEvent, type CopyOptions } from './copy.js';
export { EMPTY_JSON_DESCRIPTOR, formatRfc3339Seconds, packArtifactManifest, pushPackedManifest, type PackOptions, type PackedManifest } from './pack.js';
