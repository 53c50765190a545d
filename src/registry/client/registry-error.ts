import { STATUS_CODES } from 'node:http';
import { ContentError, RegistryError, type RegistryErrorCode } from '../../errors.js';
import { MAX_ERROR_BODY_BYTES } from '../../limits.js';
import { readBodyPrefix } from './body.js';
import type { HttpResponse } from './http.js';

/** One entry of the distribution-spec error envelope `{"errors":[{"code","message","detail"}]}`. */
export interface RegistryErrorEntry {
  readonly code: string;
  readonly message?: string;
}

/** Longest registry-provided text put in a message: enough to explain, too short to flood a terminal. */
const MAX_MESSAGE_TEXT = 512;

/**
 * Turns an unexpected answer into a `RegistryError` that names the operation, the registry's own
 * codes and messages, and the status:
 * `failed to resolve localhost:5000/app:v1: MANIFEST_UNKNOWN: manifest unknown (HTTP 404)`.
 * Reads at most MAX_ERROR_BODY_BYTES of the body.
 *
 * @see https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#error-codes
 */
export async function errorFromResponse(response: HttpResponse, operation: string): Promise<RegistryError> {
  const body = response.status === 204 ? Buffer.alloc(0) : await readBodyPrefix(response, MAX_ERROR_BODY_BYTES);
  const entries = parseErrorEntries(body);
  const explanation =
    entries.length > 0 ? entries.map(describeEntry).join('; ') : describeRawBody(body) || STATUS_CODES[response.status] || 'unexpected answer';
  const message = `failed to ${operation}: ${explanation} (HTTP ${response.status})`;
  return new RegistryError(codeFor(response.status, entries), message, {
    status: response.status,
    registryCodes: entries.map((entry) => entry.code),
  });
}

/** Throws the registry's error unless the status is one of `expected`. */
export async function expectStatus(response: HttpResponse, expected: readonly number[], operation: string): Promise<void> {
  if (!expected.includes(response.status)) throw await errorFromResponse(response, operation);
}

/**
 * The storage port promises ERR_CONTENT_NOT_FOUND for missing content, so code written against any
 * storage (memory, layout, registry) can test one code. The registry's error stays as `cause`.
 */
export function asContentNotFound(error: unknown): unknown {
  if (error instanceof RegistryError && error.code === 'ERR_REGISTRY_NOT_FOUND') {
    return new ContentError('ERR_CONTENT_NOT_FOUND', error.message, { cause: error });
  }
  return error;
}

export function parseErrorEntries(body: Buffer): RegistryErrorEntry[] {
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const errors = (document as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.slice(0, 10).flatMap((entry: unknown) => {
    const code = (entry as { code?: unknown } | null)?.code;
    if (typeof code !== 'string' || code === '') return [];
    const message = (entry as { message?: unknown }).message;
    return [{ code: clean(code), ...(typeof message === 'string' && message !== '' && { message: clean(message) }) }];
  });
}

function describeEntry(entry: RegistryErrorEntry): string {
  return entry.message === undefined ? entry.code : `${entry.code}: ${entry.message}`;
}

/** A non-JSON error body (proxies, "404 page not found") is shown when it is short printable text. */
function describeRawBody(body: Buffer): string {
  const text = clean(body.toString('utf8'));
  return text.length > 0 && text.length <= 200 && !text.startsWith('<') ? text : '';
}

/** Removes control characters (terminal escape injection) and bounds the length. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return printable.length > MAX_MESSAGE_TEXT ? `${printable.slice(0, MAX_MESSAGE_TEXT)}…` : printable;
}

function codeFor(status: number, entries: readonly RegistryErrorEntry[]): RegistryErrorCode {
  if (entries.some((entry) => entry.code === 'UNSUPPORTED')) return 'ERR_REGISTRY_UNSUPPORTED';
  if (status === 401) return 'ERR_REGISTRY_UNAUTHORIZED';
  if (status === 403) return 'ERR_REGISTRY_DENIED';
  if (status === 404) return 'ERR_REGISTRY_NOT_FOUND';
  if (status === 405) return 'ERR_REGISTRY_UNSUPPORTED';
  if (status === 413) return 'ERR_REGISTRY_SIZE_EXCEEDED';
  if (status === 429) return 'ERR_REGISTRY_TOO_MANY_REQUESTS';
  if (status >= 500) return 'ERR_REGISTRY_UNAVAILABLE';
  return 'ERR_REGISTRY_REQUEST_FAILED';
}
