import { RegistryError } from '../../errors.js';
import { MAX_JSON_DOCUMENT_BYTES } from '../../limits.js';
import { parseJsonBody, readCappedBody } from './body.js';
import type { RepositoryContext } from './context.js';
import { tagsUrl } from './endpoints.js';
import { followPages } from './pages.js';
import { expectStatus } from './registry-error.js';

/**
 * Lists tags with `GET /tags/list?n=&last=`, following `Link` pages. Each page is capped at
 * MAX_JSON_DOCUMENT_BYTES and the walk at MAX_PAGES pages.
 *
 * @see https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#listing-tags
 */
export async function listTags(context: RepositoryContext, last?: string): Promise<string[]> {
  const operation = `list tags of ${context.name}`;
  const tags: string[] = [];
  await followPages(tagsUrl(context, context.settings.tagPageSize, last), operation, async (url) => {
    const response = await context.send({ method: 'GET', url, headers: { accept: 'application/json' }, operation }, ['pull']);
    await expectStatus(response, [200], operation);
    const page = parseTagPage(
      parseJsonBody(await readCappedBody(response, MAX_JSON_DOCUMENT_BYTES, 'tag list page', operation), 'tag list', operation),
      operation,
    );
    tags.push(...page);
    // A page without tags ends the listing even if it links on: nothing more can be learnt.
    return { response, done: page.length === 0 };
  });
  return tags;
}

function parseTagPage(document: unknown, operation: string): string[] {
  const tags = (document as { tags?: unknown } | null)?.tags;
  // distribution answers `"tags": null` for a repository whose tags were all deleted.
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) {
    throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `failed to ${operation}: "tags" must be an array of strings`);
  }
  return tags as string[];
}
