/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zip stores it for every entry.
 * Node's native `zlib.crc32` exists only from Node 20.15 and the engines field allows any Node 20,
 * so a table-driven fallback stands in for older releases.
 */
import * as zlib from 'node:zlib';

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32Table(data: Uint8Array, previous: number): number {
  let c = ~previous >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** Continues a CRC-32 over `data` (start with 0). */
export function crc32(data: Uint8Array, previous = 0): number {
  return native ? native(data, previous) >>> 0 : crc32Table(data, previous);
}

/** The table implementation, exported for the test that checks it against the native one. */
export const crc32Portable = (data: Uint8Array, previous = 0): number => crc32Table(data, previous);
