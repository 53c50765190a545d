import { ContentError, OciError } from '../errors.js';
import { DigestVerifier, type Descriptor } from '../oci/index.js';
import type { ContentSource, ContentStream, ReadOnlyStorage } from './storage.js';

/** Reads a whole stream into memory, failing as soon as it passes `maxBytes`. */
export async function readAll(stream: ContentStream, maxBytes: number, what = 'content'): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new OciError('ERR_OCI_SIZE_EXCEEDED', `${what} exceeds the limit of ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Fetches content fully into memory and verifies it against the descriptor. Refuses before any
 * transfer when the descriptor itself declares more than `maxBytes`.
 */
export async function fetchAll(storage: ReadOnlyStorage, descriptor: Descriptor, maxBytes: number): Promise<Buffer> {
  if (descriptor.size > maxBytes) {
    throw new OciError(
      'ERR_OCI_SIZE_EXCEEDED',
      `${descriptor.digest} is ${descriptor.size} bytes, over the limit of ${maxBytes} for ${descriptor.mediaType}`,
    );
  }
  const stream = await storage.fetch(descriptor);
  const verifier = new DigestVerifier(descriptor.digest, descriptor.size);
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) {
    verifier.update(chunk);
    chunks.push(chunk);
  }
  verifier.verify();
  return Buffer.concat(chunks);
}

/** Wraps a stream so that it throws at the end (or as soon as it runs long) unless digest and size match. */
export async function* verifyStream(stream: ContentStream, descriptor: Descriptor): ContentStream {
  const verifier = new DigestVerifier(descriptor.digest, descriptor.size);
  for await (const chunk of stream) {
    verifier.update(chunk);
    yield chunk;
  }
  verifier.verify();
}

export function toStream(content: ContentSource): ContentStream {
  if (content instanceof Uint8Array) {
    return (async function* single() {
      yield content;
    })();
  }
  return content;
}

export function notFound(what: string): ContentError {
  return new ContentError('ERR_CONTENT_NOT_FOUND', `${what}: not found`);
}
