import { OciError } from '../errors.js';
import { parseDigest, type Digest } from './digest.js';

/**
 * An image reference: registry, repository, and a tag and/or digest. When both are present the
 * digest decides what is fetched; the tag is kept for display and for pinning (`name:tag@digest`).
 */
export interface Reference {
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

export const DOCKER_HUB_REGISTRY = 'docker.io';
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const DEFAULT_TAG = 'latest';
const MAX_NAME_LENGTH = 255;

/** Path component of a repository name (distribution spec). */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
export const REPOSITORY_GRAMMAR = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
export const TAG_GRAMMAR = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DOMAIN_COMPONENT = '(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])';
const HOST_GRAMMAR = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?$`,
);

function invalid(input: string, problem: string): never {
  throw new OciError('ERR_OCI_INVALID_REFERENCE', `invalid reference "${input}": ${problem}`);
}

export function isValidRepositoryName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && REPOSITORY_GRAMMAR.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG_GRAMMAR.test(tag);
}

export function isValidRegistryHost(host: string): boolean {
  return host.length <= MAX_NAME_LENGTH && HOST_GRAMMAR.test(host);
}

interface SplitReference {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

/** Splits `name[:tag][@digest]`, validating the tag and digest. */
function splitNameTagDigest(input: string): SplitReference {
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    try {
      digest = parseDigest(rest.slice(at + 1));
    } catch (error) {
      invalid(input, (error as Error).message);
    }
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    if (!isValidTag(tag)) invalid(input, `tag "${tag}" must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}`);
    rest = rest.slice(0, colon);
  }
  return { name: rest, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

function build(input: string, registry: string, repository: string, split: SplitReference): Reference {
  if (!isValidRegistryHost(registry)) invalid(input, `registry "${registry}" is not a valid host[:port]`);
  if (!REPOSITORY_GRAMMAR.test(repository)) {
    invalid(input, `repository "${repository}" must be lowercase path components separated by "/"`);
  }
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) {
    invalid(input, `registry and repository together exceed ${MAX_NAME_LENGTH} characters`);
  }
  return {
    registry,
    repository,
    ...(split.tag !== undefined && { tag: split.tag }),
    ...(split.digest !== undefined && { digest: split.digest }),
  };
}

/**
 * Parses a fully-qualified reference the way ORAS and Notation do: the first path component is
 * always the registry, nothing is defaulted. `localhost:5000/net-monitor:v1`.
 */
export function parseReference(input: string): Reference {
  if (typeof input !== 'string' || input.length === 0) invalid(String(input), 'empty reference');
  if (input.length > 512) invalid(input.slice(0, 64) + '…', 'longer than 512 characters');
  const split = splitNameTagDigest(input);
  const slash = split.name.indexOf('/');
  if (slash < 0) invalid(input, 'missing repository: expected <registry>/<repository>[:<tag>|@<digest>]');
  return build(input, split.name.slice(0, slash), split.name.slice(slash + 1), split);
}

/**
 * Parses an image name as Docker and Kubernetes do: `nginx` is `docker.io/library/nginx:latest`.
 * The first component is a registry only if it has a dot or a port, or is `localhost`.
 */
export function parseDockerReference(input: string): Reference {
  if (typeof input !== 'string' || input.length === 0) invalid(String(input), 'empty reference');
  if (input.length > 512) invalid(input.slice(0, 64) + '…', 'longer than 512 characters');
  const split = splitNameTagDigest(input);
  const slash = split.name.indexOf('/');
  const first = slash < 0 ? '' : split.name.slice(0, slash);
  const looksLikeHost = first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first);
  let registry = looksLikeHost ? first : DOCKER_HUB_REGISTRY;
  let repository = looksLikeHost ? split.name.slice(slash + 1) : split.name;
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = DOCKER_HUB_REGISTRY;
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  const withDefaultTag = split.tag === undefined && split.digest === undefined ? { ...split, tag: DEFAULT_TAG } : split;
  return build(input, registry, repository, withDefaultTag);
}

/** `registry/repository` */
export function repositoryReference(reference: Reference): string {
  return `${reference.registry}/${reference.repository}`;
}

/** `registry/repository[:tag][@digest]` */
export function formatReference(reference: Reference): string {
  let text = repositoryReference(reference);
  if (reference.tag !== undefined) text += `:${reference.tag}`;
  if (reference.digest !== undefined) text += `@${reference.digest}`;
  return text;
}

/** The tag or digest a registry request names: the digest when there is one. */
export function referenceTarget(reference: Reference): string | undefined {
  return reference.digest ?? reference.tag;
}

export function withDigest(reference: Reference, digest: Digest): Reference {
  return { ...reference, digest };
}

/** The host to connect to: Docker Hub's API lives on another host than its name. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB_REGISTRY ? DOCKER_HUB_API_HOST : registry;
}
