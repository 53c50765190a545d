import { digestAlgorithm, isDigestAlgorithm, isValidRepositoryName, type Digest, type DigestAlgorithm } from '../../../oci/index.js';
import type { RequestContext } from '../context.js';
import { RegistryServerError } from '../errors.js';
import { contentLength, queryValue, sendEmpty } from '../http.js';
import { parseContentRange, uploadRange } from '../ranges.js';
import type { UploadSession } from '../uploads.js';
import { parseBlobDigest } from './blobs.js';

/**
 * Blob uploads (distribution spec "Pushing blobs"): POST opens a session, or completes in one
 * request with `?digest=` (end-4b), or mounts with `?mount=` (end-11); PATCH appends a chunk
 * (end-5); GET reports progress (end-13); PUT closes with the digest (end-6); DELETE cancels (end-14).
 */

/** `POST /v2/<name>/blobs/uploads/` */
export async function startUpload(ctx: RequestContext, name: string): Promise<void> {
  const mount = queryValue(ctx.query, 'mount');
  if (mount !== undefined && (await tryMount(ctx, name, parseBlobDigest(mount)))) return;
  const digestParameter = queryValue(ctx.query, 'digest');
  const expected = digestParameter === undefined ? undefined : parseBlobDigest(digestParameter);
  const algorithm = expected ? digestAlgorithm(expected) : requestedAlgorithm(ctx);
  const session = await ctx.storage.uploads.create(name, algorithm);
  if (expected === undefined || mount !== undefined) {
    sendEmpty(ctx.res, 202, progressHeaders(session));
    return;
  }
  try {
    await ctx.storage.uploads.withSession(name, session.id, async (open) => {
      await appendBody(ctx, open, undefined);
      await complete(ctx, name, open, expected);
    });
  } catch (error) {
    // A one-request upload has no session the client knows of: never leave it behind.
    await ctx.storage.uploads.remove(session);
    throw error;
  }
}

/** `PATCH <location>`: a chunk with `Content-Range`, or a stream without. */
export async function patchUpload(ctx: RequestContext, name: string, id: string): Promise<void> {
  await ctx.storage.uploads.withSession(name, id, async (session) => {
    await appendBody(ctx, session, ctx.req.headers['content-range']);
    sendEmpty(ctx.res, 202, progressHeaders(session));
  });
}

/** `GET <location>`: how much has arrived. */
export async function getUploadStatus(ctx: RequestContext, name: string, id: string): Promise<void> {
  await ctx.storage.uploads.withSession(name, id, async (session) => {
    sendEmpty(ctx.res, 204, progressHeaders(session));
  });
}

/** `PUT <location>?digest=`: an optional last chunk, then verification and publication. */
export async function putUpload(ctx: RequestContext, name: string, id: string): Promise<void> {
  const parameter = queryValue(ctx.query, 'digest');
  if (parameter === undefined) throw new RegistryServerError('DIGEST_INVALID', 'the closing PUT needs ?digest=');
  const expected = parseBlobDigest(parameter);
  await ctx.storage.uploads.withSession(name, id, async (session) => {
    await appendBody(ctx, session, ctx.req.headers['content-range']);
    await complete(ctx, name, session, expected);
  });
}

/** `DELETE <location>`: cancel. */
export async function cancelUpload(ctx: RequestContext, name: string, id: string): Promise<void> {
  await ctx.storage.uploads.withSession(name, id, (session) => ctx.storage.uploads.remove(session));
  sendEmpty(ctx.res, 204);
}

async function tryMount(ctx: RequestContext, name: string, digest: Digest): Promise<boolean> {
  const from = queryValue(ctx.query, 'from');
  let mounted = false;
  if (from !== undefined) {
    if (!isValidRepositoryName(from)) throw new RegistryServerError('NAME_INVALID', `invalid repository name "${from.slice(0, 300)}" in from`);
    mounted = await ctx.storage.mount(name, digest, from);
  } else if (ctx.settings.anonymousMount) {
    mounted = await ctx.storage.mountAnywhere(name, digest);
  }
  if (mounted) sendEmpty(ctx.res, 201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
  return mounted;
}

/** `digest-algorithm` on POST (distribution-spec main): the algorithm the upload will be verified with. */
function requestedAlgorithm(ctx: RequestContext): DigestAlgorithm {
  const requested = queryValue(ctx.query, 'digest-algorithm') ?? 'sha256';
  if (!isDigestAlgorithm(requested)) {
    throw new RegistryServerError('DIGEST_INVALID', `unsupported digest algorithm "${requested.slice(0, 40)}": use sha256 or sha512`);
  }
  return requested;
}

/** Streams the request body into the session, checking Content-Range against what has arrived. */
async function appendBody(ctx: RequestContext, session: UploadSession, contentRange: string | undefined): Promise<void> {
  const declared = contentLength(ctx.req);
  let start: number | undefined;
  let length = declared;
  if (contentRange !== undefined) {
    const range = parseContentRange(contentRange);
    const rangeLength = range ? range.end - range.start + 1 : undefined;
    if (!range || (declared !== undefined && declared !== rangeLength)) {
      throw new RegistryServerError('BLOB_UPLOAD_INVALID', `invalid Content-Range "${contentRange.slice(0, 100)}"`, {
        status: 416,
        headers: progressHeaders(session),
      });
    }
    start = range.start;
    length = rangeLength;
  }
  await ctx.storage.uploads.append(session, ctx.req, { start, length, maxBytes: ctx.settings.maxBlobBytes });
}

async function complete(ctx: RequestContext, name: string, session: UploadSession, expected: Digest): Promise<void> {
  const actual = await ctx.storage.uploads.digest(session, digestAlgorithm(expected));
  if (actual !== expected) {
    // The content can never become this digest: drop the session rather than keep a poisoned one.
    await ctx.storage.uploads.remove(session);
    throw new RegistryServerError('DIGEST_INVALID', `uploaded content has digest ${actual}, not ${expected}`, {
      detail: { expected, actual },
    });
  }
  await ctx.storage.commitUpload(name, session, expected);
  sendEmpty(ctx.res, 201, { Location: `/v2/${name}/blobs/${expected}`, 'Docker-Content-Digest': expected });
}

function progressHeaders(session: UploadSession): Record<string, string> {
  return {
    Location: `/v2/${session.repository}/blobs/uploads/${session.id}`,
    Range: uploadRange(session.offset),
    'Docker-Upload-UUID': session.id,
  };
}
