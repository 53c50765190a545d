import { RegistryError } from '../../errors.js';
import { MAX_INDEX_ENTRIES, MAX_MANIFEST_BYTES } from '../../limits.js';
import { filterByArtifactType } from '../../content/index.js';
import { MEDIA_TYPE_IMAGE_INDEX, parseManifest, type Descriptor, type Digest } from '../../oci/index.js';
import { discardBody, readCappedBody } from './body.js';
import type { RepositoryContext } from './context.js';
import { referrersUrl } from './endpoints.js';
import { headerValue, mediaTypeOf, type HttpResponse } from './http.js';
import { withOperation } from './manifests.js';
import { followPages } from './pages.js';
import { errorFromResponse, expectStatus } from './registry-error.js';

/** The digest oras-go and Notation ping the Referrers API with: valid, and never the digest of anything. */
export const ZERO_DIGEST = `sha256:${'0'.repeat(64)}` as Digest;

/**
 * Lists referrers through `GET /v2/<name>/referrers/<digest>`, following `Link` pages. Returns
 * undefined when the registry does not serve the API (404, or an answer that is not an image
 * index), so the caller falls back to the tag schema. Filters by artifactType locally when the
 * registry does not confirm with `OCI-Filters-Applied` that it did.
 *
 * @see https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#listing-referrers
 */
export async function listReferrersByApi(
  context: RepositoryContext,
  subject: Digest,
  artifactType: string | undefined,
): Promise<Descriptor[] | undefined> {
  const operation = `list referrers of ${context.name}@${subject}`;
  const referrers: Descriptor[] = [];
  let supported = true;
  let first = true;
  await followPages(referrersUrl(context, subject, artifactType), operation, async (url) => {
    const response = await context.send({ method: 'GET', url, headers: { accept: MEDIA_TYPE_IMAGE_INDEX }, operation }, ['pull']);
    if (first) {
      first = false;
      const answer = await classifyAnswer(response, operation);
      // No repository, no referrers; and nothing learnt about support.
      if (answer instanceof RegistryError) return { response, done: true };
      supported = answer === 'supported';
      context.setReferrersSupported(supported);
      if (!supported) return { response, done: true };
    }
    await expectStatus(response, [200], operation);
    const entries = await readReferrersPage(response, operation);
    const filtered = filtersApplied(response).includes('artifacttype') ? entries : filterByArtifactType(entries, artifactType);
    referrers.push(...filtered);
    if (referrers.length > MAX_INDEX_ENTRIES) {
      throw new RegistryError('ERR_REGISTRY_SIZE_EXCEEDED', `failed to ${operation}: more than ${MAX_INDEX_ENTRIES} referrers`);
    }
    return { response };
  });
  return supported ? referrers : undefined;
}

/**
 * Whether the registry serves the Referrers API, asked once per repository with the zero digest:
 * 200 with an image index means yes, 404 means use the tag schema.
 */
export async function pingReferrers(context: RepositoryContext): Promise<boolean> {
  const known = context.referrersSupported();
  if (known !== undefined) return known;
  const operation = `check Referrers API support of ${context.name}`;
  const response = await context.send(
    { method: 'GET', url: referrersUrl(context, ZERO_DIGEST, undefined), headers: { accept: MEDIA_TYPE_IMAGE_INDEX }, operation },
    ['pull'],
  );
  const answer = await classifyAnswer(response, operation);
  if (answer instanceof RegistryError) throw answer;
  await discardBody(response);
  const supported = answer === 'supported';
  context.setReferrersSupported(supported);
  return supported;
}

/** Support, or the NAME_UNKNOWN error of a repository that does not exist. */
type Answer = 'supported' | 'unsupported' | RegistryError;

/**
 * A registry without the API answers 404 from its router (distribution 2.8: text/plain "404 page
 * not found") or something that is not an index; one with the API but without the repository
 * answers 404 NAME_UNKNOWN, which says nothing about support.
 */
async function classifyAnswer(response: HttpResponse, operation: string): Promise<Answer> {
  if (response.status === 200) return mediaTypeOf(response.headers) === MEDIA_TYPE_IMAGE_INDEX ? 'supported' : 'unsupported';
  if (response.status !== 404) throw await errorFromResponse(response, operation);
  if (mediaTypeOf(response.headers) === 'application/json') {
    const error = await errorFromResponse(response, operation);
    if (error.registryCodes.includes('NAME_UNKNOWN')) return error;
  }
  return 'unsupported';
}

async function readReferrersPage(response: HttpResponse, operation: string): Promise<Descriptor[]> {
  const bytes = await readCappedBody(response, MAX_MANIFEST_BYTES, 'referrers page', operation);
  const parsed = withOperation(operation, () => parseManifest(bytes, MEDIA_TYPE_IMAGE_INDEX));
  return parsed.kind === 'index' ? [...parsed.manifest.manifests] : [];
}

/** `OCI-Filters-Applied: artifactType`, lowercased names (comma-separated when several). */
function filtersApplied(response: HttpResponse): string[] {
  const value = headerValue(response.headers, 'oci-filters-applied') ?? '';
  return value.split(',').map((name) => name.trim().toLowerCase());
}
