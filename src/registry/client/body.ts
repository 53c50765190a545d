import { RegistryError } from '../../errors.js';
import { contentLength, networkError, type HttpResponse } from './http.js';

/**
 * Reads a whole response body that the client needs in memory (manifests, token answers, tag
 * pages), refusing it before the first byte when `Content-Length` already says it is too big and
 * as soon as the bytes pass `maxBytes` when the registry did not say or lied.
 */
export async function readCappedBody(
  response: HttpResponse,
  maxBytes: number,
  what: string,
  operation: string,
): Promise<Buffer> {
  const tooBig = (): RegistryError => {
    abandonBody(response);
    return new RegistryError(
      'ERR_REGISTRY_SIZE_EXCEEDED',
      `failed to ${operation}: ${what} exceeds the limit of ${maxBytes} bytes`,
      { status: response.status },
    );
  };
  const declared = contentLength(response.headers);
  if (declared !== undefined && declared > maxBytes) throw tooBig();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooBig();
      chunks.push(chunk);
    }
  } catch (error) {
    throw networkError(operation, error);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads at most `maxBytes` of a body and drops the rest: for error answers, which are only read
 * to name the failure. A hostile registry cannot make the client buffer more than that.
 */
export async function readBodyPrefix(response: HttpResponse, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      const room = maxBytes - total;
      chunks.push(chunk.byteLength > room ? chunk.subarray(0, room) : chunk);
      total += Math.min(chunk.byteLength, room);
      if (total >= maxBytes) break;
    }
  } catch {
    // The error answer itself failed to arrive; whatever did arrive still names the failure.
  } finally {
    abandonBody(response);
  }
  return Buffer.concat(chunks, total);
}

/** Drops a body the client does not need (201/202 answers), keeping the connection reusable. */
export async function discardBody(response: HttpResponse): Promise<void> {
  try {
    await response.body.dump();
  } catch {
    // A body that fails while being discarded changes nothing for the caller.
  }
}

/** Parses a JSON body read with `readCappedBody`; a syntax error is the registry's fault, not ours. */
export function parseJsonBody(bytes: Buffer, what: string, operation: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new RegistryError(
      'ERR_REGISTRY_RESPONSE_INVALID',
      `failed to ${operation}: ${what} is not valid JSON (${(error as Error).message})`,
    );
  }
}

/**
 * Closes a body the client will not read to the end. undici reports the abort as an 'error'
 * event, which would crash the process without a listener: the listener swallows it, since the
 * client already knows why it stopped reading.
 */
export function abandonBody(response: HttpResponse): void {
  response.body.on('error', () => undefined);
  response.body.destroy();
}
