import { OciError } from '../../../errors.js';
import { MAX_MANIFEST_BYTES } from '../../../limits.js';
import type { LayoutStore } from '../../../layout/index.js';
import {
  digestOf,
  isDigest,
  isManifestMediaType,
  isValidTag,
  parseManifest,
  digestAlgorithm,
  type Descriptor,
  type Digest,
  type ParsedManifest,
} from '../../../oci/index.js';
import type { RequestContext } from '../context.js';
import { RegistryServerError } from '../errors.js';
import { mediaTypeOf, readBody, sendBytes, sendEmpty } from '../http.js';
import { requiredContent } from '../manifest-rules.js';
import { parseBlobDigest } from './blobs.js';

/** `GET|HEAD /v2/<name>/manifests/<tag-or-digest>` (end-3): the exact stored bytes and media type. */
export async function getManifest(ctx: RequestContext, name: string, reference: string): Promise<void> {
  const { repository, descriptor } = await findManifest(ctx, name, reference);
  const headers = { 'Content-Type': descriptor.mediaType, 'Docker-Content-Digest': descriptor.digest };
  if (ctx.req.method === 'HEAD') {
    ctx.res.writeHead(200, { ...headers, 'Content-Length': descriptor.size }).end();
    return;
  }
  const bytes = await readManifestBytes(ctx, repository, descriptor);
  sendBytes(ctx.req, ctx.res, 200, bytes, headers);
}

/**
 * `PUT /v2/<name>/manifests/<tag-or-digest>[?tag=…]` (end-7, end-7b). Stores the exact bytes after
 * checking they are a manifest whose blobs the repository holds (the subject may be missing).
 */
export async function putManifest(ctx: RequestContext, name: string, reference: string): Promise<void> {
  const tags = requestedTags(ctx, reference);
  const bytes = await readBody(ctx.req, MAX_MANIFEST_BYTES, 'manifest');
  const digest = digestFor(bytes, reference);
  const parsed = parseUploadedManifest(bytes, mediaTypeOf(ctx.req.headers['content-type']));
  const descriptor: Descriptor = { mediaType: parsed.mediaType, digest, size: bytes.byteLength };
  await checkBlobsPresent(ctx, name, parsed);
  await ctx.storage.storeManifest(name, descriptor, bytes, parsed, tags);
  const subject = parsed.manifest.subject?.digest;
  const tagParameters = ctx.query.getAll('tag');
  sendEmpty(ctx.res, 201, {
    Location: `/v2/${name}/manifests/${digest}`,
    'Docker-Content-Digest': digest,
    ...(subject !== undefined && { 'OCI-Subject': subject }),
    ...(tagParameters.length > 0 && { 'OCI-Tag': tagParameters }),
  });
}

/** `DELETE /v2/<name>/manifests/<tag-or-digest>` (end-9): a tag alone, or the manifest and all its tags. */
export async function deleteManifest(ctx: RequestContext, name: string, reference: string): Promise<void> {
  const { repository, descriptor } = await findManifest(ctx, name, reference);
  if (isDigest(reference)) await ctx.storage.deleteManifest(repository, descriptor);
  else await repository.untag(reference);
  sendEmpty(ctx.res, 202);
}

async function findManifest(ctx: RequestContext, name: string, reference: string): Promise<{ repository: LayoutStore; descriptor: Descriptor }> {
  const repository = await ctx.storage.repository(name);
  if (!repository) throw new RegistryServerError('NAME_UNKNOWN', `repository ${name} not known`, { detail: { name } });
  const unknown = new RegistryServerError('MANIFEST_UNKNOWN', `manifest ${reference.slice(0, 200)} unknown to ${name}`);
  if (reference.includes(':')) {
    const digest = parseBlobDigest(reference);
    const descriptor = repository.manifests().find((entry) => entry.digest === digest);
    if (!descriptor) throw unknown;
    return { repository, descriptor: { mediaType: descriptor.mediaType, digest, size: descriptor.size } };
  }
  // A reference that is no valid tag cannot name anything: unknown, as the conformance suite expects.
  if (!isValidTag(reference)) throw unknown;
  try {
    return { repository, descriptor: await repository.resolve(reference) };
  } catch {
    throw unknown;
  }
}

async function readManifestBytes(ctx: RequestContext, repository: LayoutStore, descriptor: Descriptor): Promise<Buffer> {
  const cached = ctx.storage.manifestCache.get(descriptor.digest);
  if (cached !== undefined) return cached;
  const chunks: Buffer[] = [];
  for await (const chunk of await repository.blobs.openRead(descriptor.digest)) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  ctx.storage.manifestCache.set(descriptor.digest, bytes);
  return bytes;
}

/** Tags to point at the manifest: the reference when it is a tag, plus every `?tag=`. */
function requestedTags(ctx: RequestContext, reference: string): string[] {
  const tags = reference.includes(':') ? [] : [reference];
  tags.push(...ctx.query.getAll('tag'));
  for (const tag of tags) {
    if (!isValidTag(tag)) throw new RegistryServerError('MANIFEST_INVALID', `invalid tag "${tag.slice(0, 200)}"`, { detail: { tag: tag.slice(0, 200) } });
  }
  return tags;
}

/** The digest of the pushed bytes, in the reference's algorithm when the reference is a digest. */
function digestFor(bytes: Buffer, reference: string): Digest {
  if (!reference.includes(':')) return digestOf(bytes);
  const expected = parseBlobDigest(reference);
  const actual = digestOf(bytes, digestAlgorithm(expected));
  if (actual !== expected) {
    throw new RegistryServerError('DIGEST_INVALID', `manifest has digest ${actual}, not ${expected}`, { detail: { expected, actual } });
  }
  return actual;
}

function parseUploadedManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  // Content-Type is the manifest's media type; a generic type (application/json) tells nothing.
  const declared = contentType !== undefined && isManifestMediaType(contentType) ? contentType : undefined;
  try {
    return parseManifest(bytes, declared);
  } catch (error) {
    if (error instanceof OciError) throw new RegistryServerError('MANIFEST_INVALID', error.message, { cause: error });
    throw error;
  }
}

/**
 * The blobs and child manifests a manifest names must be in this repository
 * (MANIFEST_BLOB_UNKNOWN otherwise), so a tag never points at content that cannot be pulled.
 * Exempt: the subject (the spec requires accepting a missing one) and non-distributable
 * layers, which by definition are fetched from their `urls`, not pushed.
 */
async function checkBlobsPresent(ctx: RequestContext, name: string, parsed: ParsedManifest): Promise<void> {
  const repository = await ctx.storage.repository(name);
  for (const child of requiredContent(parsed)) {
    if (!repository || !(await repository.blobs.has(child.digest))) {
      throw new RegistryServerError('MANIFEST_BLOB_UNKNOWN', `manifest references ${child.digest}, unknown to ${name}`, {
        detail: { digest: child.digest },
      });
    }
  }
}
