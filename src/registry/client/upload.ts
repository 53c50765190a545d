import { RegistryError } from '../../errors.js';
import { MAX_UPLOAD_CHUNK_BYTES } from '../../limits.js';
import { verifyStream, type ContentSource, type ContentStream } from '../../content/index.js';
import { DigestVerifier, verifyContent, type Descriptor } from '../../oci/index.js';
import { repositoryScope } from './auth/scope.js';
import { discardBody } from './body.js';
import type { RepositoryContext } from './context.js';
import { resolveLocation, uploadUrl, withDigestParameter } from './endpoints.js';
import { headerValue, type HttpResponse } from './http.js';
import { errorFromResponse, expectStatus } from './registry-error.js';
import { withOperation } from './manifests.js';

/** An open upload session: where to send the bytes, and the smallest chunk the registry accepts. */
interface UploadSession {
  readonly location: URL;
  readonly chunkMinLength: number | undefined;
}

/** 416 recoveries tried for one chunk before the upload is given up. */
const MAX_CHUNK_RECOVERIES = 3;
const OCTET_STREAM = 'application/octet-stream';

/**
 * Uploads a blob: `POST /blobs/uploads/`, then one `PUT <Location>?digest=` (monolithic, as oras-go
 * does) or, for blobs over the chunked threshold, PATCH chunks then the closing PUT.
 *
 * @see https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#pushing-blobs
 */
export async function pushBlob(context: RepositoryContext, descriptor: Descriptor, content: ContentSource): Promise<void> {
  const operation = `push blob ${context.name}@${descriptor.digest}`;
  const response = await startUpload(context, uploadUrl(context), operation);
  await uploadOnSession(context, response, descriptor, content, operation);
}

/**
 * Mounts a blob from another repository of the same registry. 201 means mounted; 202 means the
 * registry opened an upload session instead (blob not found there, or mounting not allowed), and
 * the content is uploaded on that session, saving a second POST.
 */
export async function mountBlob(
  context: RepositoryContext,
  descriptor: Descriptor,
  fromRepository: string,
  content: () => Promise<ContentSource>,
): Promise<'mounted' | 'uploaded'> {
  const operation = `mount ${descriptor.digest} from ${context.registry}/${fromRepository} into ${context.name}`;
  const url = uploadUrl(context, { mount: descriptor.digest, from: fromRepository });
  const response = await startUpload(context, url, operation, [repositoryScope(fromRepository, ['pull'])]);
  if (response.status === 201) {
    await discardBody(response);
    return 'mounted';
  }
  await uploadOnSession(context, response, descriptor, await content(), operation);
  return 'uploaded';
}

/** `POST /blobs/uploads/` (with mount parameters or not): the registry's answer, unread. */
function startUpload(context: RepositoryContext, url: URL, operation: string, extraScopes?: readonly string[]): Promise<HttpResponse> {
  return context.send(
    { method: 'POST', url, headers: { 'content-length': '0' }, operation, retrySafe: true },
    ['pull', 'push'],
    extraScopes,
  );
}

/** Uploads the content on the session a 202 answer to the POST opened. */
async function uploadOnSession(
  context: RepositoryContext,
  opened: HttpResponse,
  descriptor: Descriptor,
  content: ContentSource,
  operation: string,
): Promise<void> {
  await expectStatus(opened, [202], operation);
  const session = sessionFrom(opened, operation);
  const chunkSize = Math.max(context.settings.chunkSize, session.chunkMinLength ?? 0);
  const chunked = descriptor.size > context.settings.chunkedUploadThreshold && chunkSize <= MAX_UPLOAD_CHUNK_BYTES;
  if (chunked) await uploadChunked(context, session, descriptor, content, chunkSize, operation);
  else await uploadMonolithic(context, session, descriptor, content, operation);
}

async function uploadMonolithic(
  context: RepositoryContext,
  session: UploadSession,
  descriptor: Descriptor,
  content: ContentSource,
  operation: string,
): Promise<void> {
  // A buffer is checked up front; a stream as it passes, so a wrong byte aborts the PUT mid-way.
  if (content instanceof Uint8Array) withOperation(operation, () => verifyContent(content, descriptor.digest, descriptor.size));
  await closeSession(context, session.location, descriptor, operation, content instanceof Uint8Array ? content : verifyStream(content, descriptor));
}

/**
 * PATCHes the content in chunks with inclusive `Content-Range`, then closes the session with
 * `PUT ?digest=`. The digest is checked before the closing PUT, so wrong content is never committed.
 */
async function uploadChunked(
  context: RepositoryContext,
  session: UploadSession,
  descriptor: Descriptor,
  content: ContentSource,
  chunkSize: number,
  operation: string,
): Promise<void> {
  const verifier = new DigestVerifier(descriptor.digest, descriptor.size);
  let location = session.location;
  let offset = 0;
  for await (const chunk of chunksOf(content, chunkSize)) {
    withOperation(operation, () => verifier.update(chunk));
    location = await sendChunk(context, location, chunk, offset, operation);
    offset += chunk.byteLength;
  }
  withOperation(operation, () => verifier.verify());
  await closeSession(context, location, descriptor, operation);
}

/**
 * `PUT <location>?digest=` closes the session and commits the blob (201): with the whole content
 * for a monolithic upload, or empty after the chunks.
 */
async function closeSession(
  context: RepositoryContext,
  location: URL,
  descriptor: Descriptor,
  operation: string,
  body?: Uint8Array | ContentStream,
): Promise<void> {
  const response = await context.send(
    {
      method: 'PUT',
      url: withDigestParameter(location, descriptor.digest),
      headers:
        body === undefined
          ? { 'content-length': '0' }
          : { 'content-type': OCTET_STREAM, 'content-length': String(descriptor.size) },
      ...(body === undefined ? {} : { body }),
      operation,
    },
    ['pull', 'push'],
  );
  await expectStatus(response, [201], operation);
  await discardBody(response);
}

/**
 * Sends one chunk. On 416 (the registry holds a different amount than the client thinks: a lost
 * answer, a retried PATCH) it asks the session's status and resends what the registry is missing,
 * as long as that lies inside the chunk still in memory.
 */
async function sendChunk(
  context: RepositoryContext,
  location: URL,
  chunk: Buffer,
  offset: number,
  operation: string,
): Promise<URL> {
  const end = offset + chunk.byteLength;
  let current = location;
  let committed = offset;
  for (let recoveries = 0; ; recoveries += 1) {
    const body = chunk.subarray(committed - offset);
    const response = await context.send(
      {
        method: 'PATCH',
        url: current,
        headers: {
          'content-type': OCTET_STREAM,
          'content-range': `${committed}-${end - 1}`,
          'content-length': String(body.byteLength),
        },
        body,
        operation,
        retrySafe: true,
      },
      ['pull', 'push'],
    );
    if (response.status === 202) {
      await discardBody(response);
      return nextLocation(response, current, operation);
    }
    if (response.status !== 416 || recoveries >= MAX_CHUNK_RECOVERIES) throw await errorFromResponse(response, operation);
    await discardBody(response);
    const status = await uploadStatus(context, current, offset, operation);
    current = status.location;
    if (status.received === end) return current;
    if (status.received < offset || status.received > end) {
      throw new RegistryError(
        'ERR_REGISTRY_REQUEST_FAILED',
        `failed to ${operation}: the registry holds ${status.received} bytes; cannot resume from a chunk covering ${offset}-${end - 1}`,
      );
    }
    committed = status.received;
  }
}

/** `GET <location>`: 204 with `Range: 0-<last byte>` says how much the registry holds. */
async function uploadStatus(
  context: RepositoryContext,
  location: URL,
  offset: number,
  operation: string,
): Promise<{ location: URL; received: number }> {
  const response = await context.send({ method: 'GET', url: location, operation }, ['pull', 'push']);
  await expectStatus(response, [204, 200], operation);
  await discardBody(response);
  const range = /^(?:bytes=)?0-(\d{1,15})$/.exec(headerValue(response.headers, 'range')?.trim() ?? '');
  if (!range) throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `failed to ${operation}: upload status has no valid Range`);
  const last = Number(range[1]);
  // distribution answers "0-0" both for nothing and for one byte: at the start, assume nothing.
  const received = last === 0 && offset === 0 ? 0 : last + 1;
  return { location: nextLocation(response, location, operation), received };
}

function sessionFrom(response: HttpResponse, operation: string): UploadSession {
  const location = headerValue(response.headers, 'location');
  if (location === undefined) {
    throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `failed to ${operation}: the upload session has no Location`);
  }
  const minimum = headerValue(response.headers, 'oci-chunk-min-length');
  const chunkMinLength = minimum !== undefined && /^\d{1,15}$/.test(minimum.trim()) ? Number(minimum.trim()) : undefined;
  return { location: resolveLocation(location, response.url, operation), chunkMinLength };
}

/** Each answer may move the session; without a Location the session stays where it was. */
function nextLocation(response: HttpResponse, current: URL, operation: string): URL {
  const location = headerValue(response.headers, 'location');
  return location === undefined ? current : resolveLocation(location, response.url, operation);
}

/** Cuts content into chunks of `size` bytes (the last may be shorter), holding at most one chunk. */
async function* chunksOf(content: ContentSource, size: number): AsyncGenerator<Buffer> {
  if (content instanceof Uint8Array) {
    for (let start = 0; start < content.byteLength; start += size) {
      yield Buffer.from(content.buffer, content.byteOffset + start, Math.min(size, content.byteLength - start));
    }
    return;
  }
  yield* rechunk(content, size);
}

async function* rechunk(stream: ContentStream, size: number): AsyncGenerator<Buffer> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const piece of stream) {
    let rest = piece;
    while (pendingBytes + rest.byteLength >= size) {
      const take = size - pendingBytes;
      pending.push(rest.subarray(0, take));
      yield Buffer.concat(pending, size);
      rest = rest.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (rest.byteLength > 0) {
      pending.push(rest);
      pendingBytes += rest.byteLength;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
