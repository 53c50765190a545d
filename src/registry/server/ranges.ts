import type { ByteRange } from '../../layout/index.js';
import { RegistryServerError } from './errors.js';

/**
 * Byte ranges in both directions: `Range: bytes=…` on blob GETs (RFC 9110 §14), and the
 * `Content-Range: <start>-<end>` of chunked uploads with the `Range: 0-<end>` progress answers.
 */

/**
 * Parses a `Range` request header against a blob of `size` bytes. Returns undefined when the whole
 * blob should be sent (no header, or a form we do not serve such as multiple ranges, which RFC 9110
 * lets a server ignore); throws a 416 when the single range cannot be satisfied.
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const unsatisfiable = (): never => {
    throw new RegistryServerError('SIZE_INVALID', `range "${header}" not satisfiable for ${size} bytes`, {
      status: 416,
      headers: { 'Content-Range': `bytes */${size}` },
    });
  };
  if (match[1] === '') {
    // Suffix form: the last N bytes.
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return unsatisfiable();
  return { start, end };
}

/** Parses an upload chunk's `Content-Range: <start>-<end>` (inclusive; a `bytes ` prefix is tolerated). */
export function parseContentRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})(?:\/(?:\d{1,15}|\*))?$/.exec(header.trim());
  if (!match || Number(match[2]) < Number(match[1])) return undefined;
  return { start: Number(match[1]), end: Number(match[2]) };
}

/** The `Range` header of upload progress: `0-<last byte received>` (`0-0` before any byte). */
export function uploadRange(offset: number): string {
  return `0-${Math.max(offset - 1, 0)}`;
}
