import { pipeline } from 'node:stream/promises';
import { MEDIA_TYPE_OCTET_STREAM, parseDigest, type Digest } from '../../../oci/index.js';
import type { RequestContext } from '../context.js';
import { RegistryServerError } from '../errors.js';
import { API_VERSION_HEADER, sendEmpty } from '../http.js';
import { parseRangeHeader } from '../ranges.js';

/** `GET|HEAD /v2/<name>/blobs/<digest>` (end-2), with single byte ranges (206). */
export async function getBlob(ctx: RequestContext, name: string, reference: string): Promise<void> {
  const digest = parseBlobDigest(reference);
  const found = await ctx.storage.blob(name, digest);
  if (!found) throw blobUnknown(name, digest);
  const size = found.info.size;
  const range = parseRangeHeader(ctx.req.headers.range, size);
  const headers = {
    ...API_VERSION_HEADER,
    'Content-Type': MEDIA_TYPE_OCTET_STREAM,
    'Docker-Content-Digest': digest,
    'Accept-Ranges': 'bytes',
    'Content-Length': range ? range.end - range.start + 1 : size,
    ...(range && { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` }),
  };
  if (ctx.req.method === 'HEAD') {
    ctx.res.writeHead(range ? 206 : 200, headers).end();
    return;
  }
  const stream = await found.repository.blobs.openRead(digest, range);
  ctx.res.writeHead(range ? 206 : 200, headers);
  await pipeline(stream, ctx.res);
}

/** `DELETE /v2/<name>/blobs/<digest>` (end-10). Deleting a manifest's blob deletes the manifest. */
export async function deleteBlob(ctx: RequestContext, name: string, reference: string): Promise<void> {
  const digest = parseBlobDigest(reference);
  const repository = await ctx.storage.repository(name);
  if (!repository) throw blobUnknown(name, digest);
  const manifest = repository.manifests().find((entry) => entry.digest === digest);
  if (manifest) await ctx.storage.deleteManifest(repository, manifest);
  else if (!(await ctx.storage.deleteBlob(repository, digest))) throw blobUnknown(name, digest);
  sendEmpty(ctx.res, 202);
}

export function parseBlobDigest(reference: string): Digest {
  try {
    return parseDigest(reference);
  } catch (error) {
    throw new RegistryServerError('DIGEST_INVALID', (error as Error).message, { cause: error, detail: { digest: reference.slice(0, 200) } });
  }
}

function blobUnknown(name: string, digest: Digest): RegistryServerError {
  return new RegistryServerError('BLOB_UNKNOWN', `blob ${digest} unknown to ${name}`, { detail: { digest } });
}
