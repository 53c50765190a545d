import { OciError, RegistryError } from '../../errors.js';
import { MAX_MANIFEST_BYTES } from '../../limits.js';
import {
  digestOf,
  isDigest,
  isManifestMediaType,
  MANIFEST_MEDIA_TYPES,
  parseDigest,
  parseManifest,
  verifyContent,
  type Descriptor,
  type Digest,
} from '../../oci/index.js';
import { discardBody, readCappedBody } from './body.js';
import { describeTarget, type RepositoryContext } from './context.js';
import { manifestUrl } from './endpoints.js';
import { contentLength, headerValue, mediaTypeOf, type HttpResponse } from './http.js';
import { expectStatus } from './registry-error.js';

/** Every manifest type the client understands: registries such as distribution 2.8 answer 404 to a GET without OCI types. */
export const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

export interface FetchedManifest {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
}

/**
 * Resolves a tag or digest with HEAD. Falls back to GET when the registry's HEAD answer lacks
 * `Docker-Content-Digest`, a manifest `Content-Type` or `Content-Length` (all only SHOULD in v1.1.1).
 */
export async function resolveManifest(context: RepositoryContext, reference: string): Promise<Descriptor> {
  const operation = `resolve ${describeTarget(context, reference)}`;
  const response = await context.send(
    { method: 'HEAD', url: manifestUrl(context, reference), headers: { accept: MANIFEST_ACCEPT }, operation },
    ['pull'],
  );
  if (response.status !== 200) {
    // A HEAD answer has no body to say why it failed; the GET answer names the registry's error code.
    await discardBody(response);
    return (await fetchManifest(context, reference, 'resolve')).descriptor;
  }
  await discardBody(response);
  const digestHeader = headerValue(response.headers, 'docker-content-digest');
  const mediaType = mediaTypeOf(response.headers);
  const size = contentLength(response.headers);
  if (digestHeader === undefined || mediaType === undefined || !isManifestMediaType(mediaType) || size === undefined) {
    return (await fetchManifest(context, reference, 'resolve')).descriptor;
  }
  const digest = parseHeaderDigest(digestHeader, operation);
  if (isDigest(reference) && digest !== reference) {
    throw new RegistryError(
      'ERR_REGISTRY_RESPONSE_INVALID',
      `failed to ${operation}: the registry answered for ${digest} instead`,
    );
  }
  if (size > MAX_MANIFEST_BYTES) {
    throw new RegistryError('ERR_REGISTRY_SIZE_EXCEEDED', `failed to ${operation}: manifest of ${size} bytes exceeds ${MAX_MANIFEST_BYTES}`);
  }
  return { mediaType, digest, size };
}

/**
 * GETs a manifest, capped at MAX_MANIFEST_BYTES, and verifies its bytes: against the digest asked
 * for, else against the registry's `Docker-Content-Digest`. A tag answered without that header is
 * hashed with sha256, since nothing else names it.
 */
export async function fetchManifest(
  context: RepositoryContext,
  reference: string,
  verb: 'fetch' | 'resolve' = 'fetch',
): Promise<FetchedManifest> {
  const operation = `${verb} ${describeTarget(context, reference)}`;
  const response = await context.send(
    { method: 'GET', url: manifestUrl(context, reference), headers: { accept: MANIFEST_ACCEPT }, operation },
    ['pull'],
  );
  await expectStatus(response, [200], operation);
  const bytes = await readCappedBody(response, MAX_MANIFEST_BYTES, 'manifest', operation);
  const digest = verifiedDigest(reference, response, bytes, operation);
  const mediaType = manifestMediaType(response, bytes, operation);
  return { descriptor: { mediaType, digest, size: bytes.byteLength }, bytes };
}

/** PUTs manifest bytes under a tag or digest. Returns whether the registry processed a `subject` (`OCI-Subject`). */
export async function putManifest(
  context: RepositoryContext,
  descriptor: Descriptor,
  bytes: Uint8Array,
  reference: string,
): Promise<{ readonly subjectProcessed: boolean }> {
  const operation = `push manifest ${describeTarget(context, reference)}`;
  const response = await context.send(
    {
      method: 'PUT',
      url: manifestUrl(context, reference),
      headers: { 'content-type': descriptor.mediaType },
      body: bytes,
      operation,
    },
    ['pull', 'push'],
  );
  await expectStatus(response, [200, 201], operation);
  await discardBody(response);
  const answered = headerValue(response.headers, 'docker-content-digest');
  if (answered !== undefined && answered !== descriptor.digest) {
    throw new RegistryError(
      'ERR_REGISTRY_RESPONSE_INVALID',
      `failed to ${operation}: the registry stored ${answered.slice(0, 200)}, expected ${descriptor.digest}`,
    );
  }
  return { subjectProcessed: headerValue(response.headers, 'oci-subject') !== undefined };
}

export async function deleteManifest(context: RepositoryContext, digest: Digest): Promise<void> {
  const operation = `delete ${context.name}@${digest}`;
  const response = await context.send({ method: 'DELETE', url: manifestUrl(context, digest), operation }, ['delete']);
  await expectStatus(response, [200, 202, 204], operation);
  await discardBody(response);
}

export async function manifestExists(context: RepositoryContext, digest: Digest): Promise<boolean> {
  const operation = `check ${context.name}@${digest}`;
  const response = await context.send(
    { method: 'HEAD', url: manifestUrl(context, digest), headers: { accept: MANIFEST_ACCEPT }, operation },
    ['pull'],
  );
  await discardBody(response);
  if (response.status === 404) return false;
  await expectStatus(response, [200], operation);
  return true;
}

function verifiedDigest(reference: string, response: HttpResponse, bytes: Buffer, operation: string): Digest {
  const header = headerValue(response.headers, 'docker-content-digest');
  const answered = header === undefined ? undefined : parseHeaderDigest(header, operation);
  const expected = isDigest(reference) ? reference : answered;
  if (expected === undefined) return digestOf(bytes);
  // The digest asked for is what the caller trusts; a header that disagrees with correct bytes is ignored.
  withOperation(operation, () => verifyContent(bytes, expected));
  return expected;
}

/** The manifest's media type: `Content-Type`, else the document's own `mediaType` (or what its shape says). */
function manifestMediaType(response: HttpResponse, bytes: Buffer, operation: string): string {
  const declared = mediaTypeOf(response.headers);
  if (declared !== undefined && isManifestMediaType(declared)) return declared;
  try {
    return parseManifest(bytes).mediaType;
  } catch (error) {
    throw new RegistryError(
      'ERR_REGISTRY_RESPONSE_INVALID',
      `failed to ${operation}: not a manifest (Content-Type ${declared ?? 'missing'}): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

export function parseHeaderDigest(value: string, operation: string): Digest {
  try {
    return parseDigest(value.trim());
  } catch (error) {
    throw new RegistryError(
      'ERR_REGISTRY_RESPONSE_INVALID',
      `failed to ${operation}: invalid Docker-Content-Digest: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Digest and size errors keep their OCI code but say which operation met them. */
export function withOperation<T>(operation: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof OciError) throw new OciError(error.code, `failed to ${operation}: ${error.message}`, { cause: error });
    throw error;
  }
}
