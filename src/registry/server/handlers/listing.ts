import { MEDIA_TYPE_IMAGE_INDEX } from '../../../oci/index.js';
import type { RequestContext } from '../context.js';
import { RegistryServerError } from '../errors.js';
import { queryValue, sendBytes, sendJson } from '../http.js';
import { parseBlobDigest } from './blobs.js';

/** Most entries one page of tags or repositories holds, whatever `n` asks. */
export const MAX_PAGE_SIZE = 10_000;

/** `GET /v2/` (end-1): the API is here (authentication, if any, was checked before). */
export async function getBase(ctx: RequestContext): Promise<void> {
  sendJson(ctx.req, ctx.res, 200, {});
}

/** `GET /v2/<name>/tags/list?n=&last=` (end-8a, end-8b). */
export async function listTags(ctx: RequestContext, name: string): Promise<void> {
  const repository = await ctx.storage.repository(name);
  if (!repository) throw new RegistryServerError('NAME_UNKNOWN', `repository ${name} not known`, { detail: { name } });
  const page = paginate(ctx, await repository.tags(), `/v2/${name}/tags/list`);
  sendJson(ctx.req, ctx.res, 200, { name, tags: page.entries }, page.headers);
}

/** `GET /v2/_catalog?n=&last=`: not in the OCI spec, but `oras repo ls` uses it. */
export async function listRepositories(ctx: RequestContext): Promise<void> {
  const page = paginate(ctx, await ctx.storage.catalog(), '/v2/_catalog');
  sendJson(ctx.req, ctx.res, 200, { repositories: page.entries }, page.headers);
}

/**
 * `GET /v2/<name>/referrers/<digest>[?artifactType=]` (end-12): always 200 with an image index,
 * empty for an unknown subject or repository.
 */
export async function listReferrers(ctx: RequestContext, name: string, reference: string): Promise<void> {
  const digest = parseBlobDigest(reference);
  const artifactType = queryValue(ctx.query, 'artifactType');
  const repository = await ctx.storage.repository(name);
  const subject = { mediaType: MEDIA_TYPE_IMAGE_INDEX, digest, size: 0 };
  const manifests = repository ? await repository.referrers(subject, artifactType === undefined ? {} : { artifactType }) : [];
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests }));
  sendBytes(ctx.req, ctx.res, 200, body, {
    'Content-Type': MEDIA_TYPE_IMAGE_INDEX,
    ...(artifactType !== undefined && { 'OCI-Filters-Applied': 'artifactType' }),
  });
}

/** Applies `last` and `n` to a sorted list, with a `Link: <…>; rel="next"` when more remain. */
function paginate(ctx: RequestContext, sorted: readonly string[], path: string): { entries: string[]; headers: Record<string, string> } {
  const last = queryValue(ctx.query, 'last');
  const n = parsePageSize(queryValue(ctx.query, 'n'));
  const after = last === undefined ? sorted : sorted.filter((entry) => entry > last);
  const size = Math.min(n ?? after.length, MAX_PAGE_SIZE);
  const entries = after.slice(0, size);
  const more = entries.length > 0 && after.length > entries.length;
  if (!more) return { entries, headers: {} };
  const next = new URLSearchParams({ n: String(size), last: entries[entries.length - 1]! });
  return { entries, headers: { Link: `<${path}?${next.toString()}>; rel="next"` } };
}

function parsePageSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new RegistryServerError('UNSUPPORTED', `invalid page size n="${value.slice(0, 20)}"`, { status: 400 });
  return Number(value);
}
