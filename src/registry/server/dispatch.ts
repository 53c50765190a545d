import type { RequestContext } from './context.js';
import { RegistryServerError } from './errors.js';
import { deleteBlob, getBlob } from './handlers/blobs.js';
import { getBase, listReferrers, listRepositories, listTags } from './handlers/listing.js';
import { deleteManifest, getManifest, putManifest } from './handlers/manifests.js';
import { cancelUpload, getUploadStatus, patchUpload, putUpload, startUpload } from './handlers/uploads.js';
import type { Route } from './routes.js';

type Handler = (ctx: RequestContext) => Promise<void>;
type MethodTable = Readonly<Partial<Record<string, Handler>>>;

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The handlers of a route by HTTP method: the spec's endpoint table in code. */
function methodsOf(route: Route): MethodTable {
  switch (route.kind) {
    case 'base':
      return { GET: getBase, HEAD: getBase };
    case 'catalog':
      return { GET: listRepositories };
    case 'uploads':
      return { POST: (ctx) => startUpload(ctx, route.name) };
    case 'upload':
      return {
        GET: (ctx) => getUploadStatus(ctx, route.name, route.id),
        PATCH: (ctx) => patchUpload(ctx, route.name, route.id),
        PUT: (ctx) => putUpload(ctx, route.name, route.id),
        DELETE: (ctx) => cancelUpload(ctx, route.name, route.id),
      };
    case 'blob':
      return {
        GET: (ctx) => getBlob(ctx, route.name, route.digest),
        HEAD: (ctx) => getBlob(ctx, route.name, route.digest),
        DELETE: (ctx) => deleteBlob(ctx, route.name, route.digest),
      };
    case 'manifest':
      return {
        GET: (ctx) => getManifest(ctx, route.name, route.reference),
        HEAD: (ctx) => getManifest(ctx, route.name, route.reference),
        PUT: (ctx) => putManifest(ctx, route.name, route.reference),
        DELETE: (ctx) => deleteManifest(ctx, route.name, route.reference),
      };
    case 'tags':
      return { GET: (ctx) => listTags(ctx, route.name) };
    case 'referrers':
      return { GET: (ctx) => listReferrers(ctx, route.name, route.digest) };
  }
}

export async function dispatch(ctx: RequestContext, route: Route): Promise<void> {
  const methods = methodsOf(route);
  const method = ctx.req.method ?? 'GET';
  const handler = methods[method];
  if (!handler) {
    throw new RegistryServerError('UNSUPPORTED', `${method} is not supported here`, {
      headers: { Allow: Object.keys(methods).join(', ') },
    });
  }
  if (ctx.settings.readOnly && WRITE_METHODS.has(method)) {
    throw new RegistryServerError('UNSUPPORTED', 'this registry is read-only');
  }
  await handler(ctx);
}
