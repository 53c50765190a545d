import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryError } from '../../../errors.js';
import { MAX_JSON_DOCUMENT_BYTES } from '../../../limits.js';
import { DOCKER_HUB_REGISTRY } from '../../../oci/index.js';
import type { Credential } from './credential.js';

/** The key Docker stores Docker Hub credentials under, kept for compatibility with `docker login`. */
export const DOCKER_HUB_CREDENTIAL_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
/** `docker-credential-<name>`: a name with a path separator would run a program of the config's choosing. */
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** One `auths` entry as found in the file. */
export interface AuthEntry {
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
}

/** A docker `config.json`, its credential parts indexed by registry name. */
export interface DockerConfig {
  readonly path: string;
  /** The whole document: writes keep the fields Portcullis does not know. */
  readonly document: Readonly<Record<string, unknown>>;
  /** By registry name (`docker.io`, `localhost:5000`); values keep the key they were stored under. */
  readonly auths: ReadonlyMap<string, { readonly key: string; readonly entry: AuthEntry }>;
  readonly credHelpers: ReadonlyMap<string, string>;
  readonly credsStore?: string;
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: Readonly<Record<string, string | undefined>>, homeDirectory: string): string {
  const directory = env.DOCKER_CONFIG;
  return directory ? join(directory, 'config.json') : join(homeDirectory, '.docker', 'config.json');
}

/**
 * The registry name a config key stands for: `https://index.docker.io/v1/` → `docker.io`,
 * `https://registry.example/` → `registry.example`, `localhost:5000` → `localhost:5000`.
 */
export function registryOfKey(key: string): string {
  const withoutScheme = key.trim().replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '');
  const host = withoutScheme.split('/')[0]!.toLowerCase();
  return DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB_REGISTRY : host;
}

/** The key to store a registry's credentials under (and to hand to credential helpers). */
export function credentialKey(registry: string): string {
  const name = registryOfKey(registry);
  return name === DOCKER_HUB_REGISTRY ? DOCKER_HUB_CREDENTIAL_KEY : name;
}

/** Reads a config file; undefined when it does not exist. Refuses files over MAX_JSON_DOCUMENT_BYTES. */
export async function readDockerConfig(path: string): Promise<DockerConfig | undefined> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryError('ERR_REGISTRY_CREDENTIALS', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const { size } = await file.stat();
    if (size > MAX_JSON_DOCUMENT_BYTES) throw oversized(path);
    // Read one byte past the cap: a file that grows after stat still cannot exceed it.
    const buffer = Buffer.alloc(Math.min(size, MAX_JSON_DOCUMENT_BYTES) + 1);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_JSON_DOCUMENT_BYTES) throw oversized(path);
    return parseDockerConfig(buffer.subarray(0, bytesRead), path);
  } finally {
    await file.close();
  }
}

/**
 * oras-go `Store.IsAuthConfigured`: whether the config file configures credentials at all — a
 * `credsStore`, a `credHelpers` entry or an `auths` entry. A missing file configures nothing.
 */
export async function isAuthConfigured(path: string): Promise<boolean> {
  const config = await readDockerConfig(path);
  return config !== undefined && (Boolean(config.credsStore) || config.credHelpers.size > 0 || config.auths.size > 0);
}

function oversized(path: string): RegistryError {
  return new RegistryError('ERR_REGISTRY_CREDENTIALS', `${path} is larger than ${MAX_JSON_DOCUMENT_BYTES} bytes`);
}

/** Parses a config document. Entries are decoded only when asked for, so one bad entry spoils only its registry. */
export function parseDockerConfig(bytes: Uint8Array, path: string): DockerConfig {
  const invalid = (problem: string): never => {
    throw new RegistryError('ERR_REGISTRY_CREDENTIALS', `invalid docker config ${path}: ${problem}`);
  };
  let document: unknown;
  try {
    document = bytes.byteLength === 0 ? {} : JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    return invalid(`not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(document)) return invalid('must be a JSON object');
  const auths = new Map<string, { key: string; entry: AuthEntry }>();
  for (const [key, entry] of Object.entries(objectField(document, 'auths', invalid))) {
    if (!isObject(entry)) invalid(`auths["${key}"] must be an object`);
    auths.set(registryOfKey(key), { key, entry: entry as AuthEntry });
  }
  const credHelpers = new Map<string, string>();
  for (const [key, helper] of Object.entries(objectField(document, 'credHelpers', invalid))) {
    credHelpers.set(registryOfKey(key), checkHelperName(helper, `credHelpers["${key}"]`, invalid));
  }
  const store = document.credsStore;
  const credsStore = store === undefined || store === '' ? undefined : checkHelperName(store, 'credsStore', invalid);
  return { path, document, auths, credHelpers, ...(credsStore !== undefined && { credsStore }) };
}

function objectField(document: Record<string, unknown>, name: string, invalid: (problem: string) => never): Record<string, unknown> {
  const value = document[name];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) return invalid(`${name} must be an object`);
  return value;
}

function checkHelperName(value: unknown, field: string, invalid: (problem: string) => never): string {
  if (typeof value !== 'string' || !HELPER_NAME.test(value)) return invalid(`${field} is not a credential helper name`);
  return value;
}

/** The credential helper configured for a registry: its `credHelpers` entry, else `credsStore`. */
export function helperFor(config: DockerConfig, registry: string): string | undefined {
  return config.credHelpers.get(registryOfKey(registry)) ?? config.credsStore;
}

/**
 * Decodes the `auths` entry for a registry. `identitytoken` wins over a password, as in Docker.
 * Errors name the file and the key, never the secret.
 */
export function credentialFromAuths(config: DockerConfig, registry: string): Credential | undefined {
  const found = config.auths.get(registryOfKey(registry));
  if (found === undefined) return undefined;
  const { key, entry } = found;
  const invalid = (problem: string): never => {
    throw new RegistryError('ERR_REGISTRY_CREDENTIALS', `invalid credentials for "${key}" in ${config.path}: ${problem}`);
  };
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') return { identityToken: entry.identitytoken };
  if (typeof entry.auth === 'string' && entry.auth !== '') return decodeBasicAuth(entry.auth, invalid);
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/** `base64(username:password)`, strictly: Node's lenient decoder would turn garbage into garbage credentials. */
function decodeBasicAuth(auth: string, invalid: (problem: string) => never): Credential {
  if (auth.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(auth)) return invalid('"auth" is not valid base64');
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return invalid('"auth" must encode "username:password"');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
