import { RegistryError } from '../../errors.js';
import { verifyStream, type ContentStream } from '../../content/index.js';
import type { Descriptor, Digest } from '../../oci/index.js';
import { abandonBody, discardBody } from './body.js';
import type { RepositoryContext } from './context.js';
import { blobUrl } from './endpoints.js';
import { contentLength, networkError, type HttpResponse } from './http.js';
import { expectStatus } from './registry-error.js';

/**
 * GETs a blob as a stream that fails unless its bytes match the descriptor's digest and size.
 * Redirects to blob storage are followed without credentials (see HttpTransport).
 */
export async function fetchBlob(context: RepositoryContext, descriptor: Descriptor): Promise<ContentStream> {
  const operation = `fetch blob ${context.name}@${descriptor.digest}`;
  const response = await context.send({ method: 'GET', url: blobUrl(context, descriptor.digest), operation }, ['pull']);
  await expectStatus(response, [200], operation);
  const declared = contentLength(response.headers);
  if (declared !== undefined && declared !== descriptor.size) {
    abandonBody(response);
    // Refused before any byte is read: the length alone already proves the content wrong.
    throw new RegistryError(
      'ERR_REGISTRY_RESPONSE_INVALID',
      `failed to ${operation}: the registry sends ${declared} bytes, the descriptor says ${descriptor.size}`,
    );
  }
  return verifyStream(bodyStream(response, operation), descriptor);
}

/** The body as a content stream: transport errors name the operation, and an abandoned read frees the connection. */
async function* bodyStream(response: HttpResponse, operation: string): ContentStream {
  let finished = false;
  try {
    for await (const chunk of response.body) yield chunk;
    finished = true;
  } catch (error) {
    throw networkError(operation, error);
  } finally {
    if (!finished) abandonBody(response);
  }
}

export async function blobExists(context: RepositoryContext, digest: Digest): Promise<boolean> {
  const operation = `check blob ${context.name}@${digest}`;
  const response = await context.send({ method: 'HEAD', url: blobUrl(context, digest), operation }, ['pull']);
  await discardBody(response);
  if (response.status === 404) return false;
  await expectStatus(response, [200], operation);
  return true;
}

export async function deleteBlob(context: RepositoryContext, digest: Digest): Promise<void> {
  const operation = `delete blob ${context.name}@${digest}`;
  const response = await context.send({ method: 'DELETE', url: blobUrl(context, digest), operation }, ['delete']);
  await expectStatus(response, [200, 202, 204], operation);
  await discardBody(response);
}
