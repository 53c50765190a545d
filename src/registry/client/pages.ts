import { RegistryError } from '../../errors.js';
import { MAX_PAGES } from '../../limits.js';
import { headerValues, type HttpResponse } from './http.js';
import { parseNextLink } from './link.js';

/**
 * Walks a paginated listing: `fetchPage` is called with the first URL, then with each `Link:
 * rel="next"` target, until there is none. At most MAX_PAGES pages: a hostile registry can link
 * forever (or in a circle).
 */
export async function followPages(
  first: URL,
  operation: string,
  fetchPage: (url: URL) => Promise<{ readonly response: HttpResponse; readonly done?: boolean }>,
): Promise<void> {
  let url: URL | undefined = first;
  for (let page = 0; url !== undefined; page += 1) {
    if (page >= MAX_PAGES) {
      throw new RegistryError('ERR_REGISTRY_SIZE_EXCEEDED', `failed to ${operation}: more than ${MAX_PAGES} pages`);
    }
    const { response, done } = await fetchPage(url);
    url = done ? undefined : nextPage(response, operation);
  }
}

function nextPage(response: HttpResponse, operation: string): URL | undefined {
  try {
    return parseNextLink(headerValues(response.headers, 'link'), response.url);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `failed to ${operation}: ${message}`, { cause: error });
  }
}
