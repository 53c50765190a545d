import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryServerError } from './errors.js';

/** Small helpers over node:http, so handlers read as the spec's request/response tables. */

export type Headers = Record<string, string | number | readonly string[]>;

export const API_VERSION_HEADER = { 'Docker-Distribution-API-Version': 'registry/2.0' } as const;

export function sendEmpty(res: ServerResponse, status: number, headers: Headers = {}): void {
  res.writeHead(status, { ...API_VERSION_HEADER, 'Content-Length': 0, ...headers });
  res.end();
}

/** Sends JSON; for HEAD only the headers. */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
  const bytes = Buffer.from(JSON.stringify(body));
  sendBytes(req, res, status, bytes, { 'Content-Type': 'application/json', ...headers });
}

export function sendBytes(req: IncomingMessage, res: ServerResponse, status: number, bytes: Buffer, headers: Headers): void {
  res.writeHead(status, { ...API_VERSION_HEADER, ...headers, 'Content-Length': bytes.byteLength });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

export function sendError(req: IncomingMessage, res: ServerResponse, error: RegistryServerError): void {
  sendJson(req, res, error.status, error.toBody(), error.headers);
}

/** The declared Content-Length, or undefined when the body is chunked or absent. */
export function contentLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  if (!/^\d{1,15}$/.test(header)) throw new RegistryServerError('SIZE_INVALID', `invalid Content-Length "${header}"`);
  return Number(header);
}

/** Reads a whole request body, refusing (413) as soon as it passes `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const declared = contentLength(req);
  if (declared !== undefined && declared > limit) throw tooLarge(what, limit);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) throw tooLarge(what, limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(what: string, limit: number): RegistryServerError {
  return new RegistryServerError('SIZE_INVALID', `${what} exceeds the limit of ${limit} bytes`, { status: 413 });
}

/** A single-valued query parameter; repeated values are refused rather than silently picked. */
export function queryValue(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw new RegistryServerError('UNSUPPORTED', `query parameter "${name}" given more than once`, { status: 400 });
  return values[0];
}

/** The media type of a Content-Type header, parameters dropped. */
export function mediaTypeOf(header: string | undefined): string | undefined {
  const type = header?.split(';')[0]?.trim();
  return type === '' ? undefined : type;
}
