import type { RepositoryAction } from './auth/scope.js';
import type { HttpRequest, HttpResponse } from './http.js';
import type { RegistryLogger } from './logger.js';

/** Knobs of one repository handle, resolved once from client and repository options. */
export interface RepositorySettings {
  /** Bytes per PATCH of a chunked upload (raised to the registry's `OCI-Chunk-Min-Length`). */
  readonly chunkSize: number;
  /** Blobs larger than this are uploaded in chunks; smaller ones in one PUT. */
  readonly chunkedUploadThreshold: number;
  /** `n` of tag list requests; undefined lets the registry choose. */
  readonly tagPageSize: number | undefined;
  /** Always maintain the `<alg>-<hex>` referrers index tag on push, as Notation 1.x does by default. */
  readonly forceReferrersTag: boolean;
  /** Leave the replaced referrers index in place instead of deleting it (ORAS's choice). */
  readonly skipReferrersGC: boolean;
}

/**
 * What the operations of one remote repository share: where it is, how to send an authorized
 * request, its settings, and the registry-wide memory of its Referrers API support.
 */
export interface RepositoryContext {
  /** Registry name as written in references (`docker.io`, `localhost:5000`). */
  readonly registry: string;
  readonly repository: string;
  /** `registry/repository`, for messages. */
  readonly name: string;
  /** `scheme://api-host`: the registry's API origin. */
  readonly baseUrl: URL;
  readonly settings: RepositorySettings;
  readonly logger: RegistryLogger;
  /**
   * Sends a request with the credentials the actions need on this repository, plus any extra
   * token scopes (a mount also needs `pull` on the source repository).
   */
  send(request: HttpRequest, actions: readonly RepositoryAction[], extraScopes?: readonly string[]): Promise<HttpResponse>;
  /** Whether the registry serves the Referrers API for this repository: undefined until known. */
  referrersSupported(): boolean | undefined;
  setReferrersSupported(supported: boolean): void;
}

/** `registry/repo:tag` or `registry/repo@sha256:…`, for messages. */
export function describeTarget(context: RepositoryContext, reference: string): string {
  return reference.includes(':') ? `${context.name}@${reference}` : `${context.name}:${reference}`;
}
