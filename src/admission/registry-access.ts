/**
 * Registry clients with the credentials a request may use. Credentials come from, in order: the
 * pod's imagePullSecrets, its service account's imagePullSecrets (both only when the webhook may
 * read Secrets), and a mounted docker config (`kubernetes.io/dockerconfigjson`). Each distinct set
 * of credentials gets its own RegistryClient from a bounded pool, so bearer tokens are reused
 * within a set and never cross from one tenant's credentials to another's.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import {
  RegistryClient,
  registryOfKey,
  type Credential,
  type CredentialProvider,
  type RegistryClientOptions,
  type RequestEvent,
} from '../registry/client/index.js';
import { AdmissionError } from './errors.js';
import type { KubernetesApi } from './kubernetes.js';
import { MAX_KUBERNETES_OBJECT_BYTES, MAX_PULL_SECRETS } from './limits.js';
import { errorMessage, type AdmissionLogger } from './log.js';

/** Registry name → credential, from one docker config document. */
export type CredentialMap = ReadonlyMap<string, Credential>;

/**
 * Parses `.dockerconfigjson` (`{"auths": {...}}`) or the legacy `.dockercfg` (the auths map at the
 * top level). Credential helpers are ignored: nothing may run a program named by a Secret.
 * @throws AdmissionError `ERR_ADMISSION_KUBERNETES_API` naming the source, never the secret
 */
export function parseDockerConfigJson(bytes: Uint8Array, source: string): CredentialMap {
  const invalid = (problem: string): never => {
    throw new AdmissionError('ERR_ADMISSION_KUBERNETES_API', `invalid docker config in ${source}: ${problem}`);
  };
  if (bytes.byteLength > MAX_KUBERNETES_OBJECT_BYTES) invalid(`larger than ${MAX_KUBERNETES_OBJECT_BYTES} bytes`);
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return invalid('not valid JSON');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return invalid('not a JSON object');
  const record = document as Record<string, unknown>;
  const auths = 'auths' in record ? record.auths : record;
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) return invalid('"auths" is not an object');
  const map = new Map<string, Credential>();
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const value = entry as Record<string, unknown>;
    let credential: Credential | undefined;
    if (typeof value.identitytoken === 'string' && value.identitytoken !== '') credential = { identityToken: value.identitytoken };
    else if (typeof value.auth === 'string' && value.auth !== '') {
      if (value.auth.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value.auth)) invalid(`"auth" of "${key}" is not valid base64`);
      const decoded = Buffer.from(value.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) invalid(`"auth" of "${key}" must encode "username:password"`);
      credential = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    } else if (typeof value.username === 'string' && typeof value.password === 'string' && value.username !== '') {
      credential = { username: value.username, password: value.password };
    }
    if (credential !== undefined) map.set(registryOfKey(key), credential);
  }
  return map;
}

/** The credentials of a mounted docker config file, re-read when the file changes (checked at most every `checkMs`). */
export function dockerConfigFileCredentials(path: string, logger: AdmissionLogger, checkMs = 5_000): CredentialProvider {
  let loaded: { map: CredentialMap; mtimeMs: number; checkedAt: number } | undefined;
  return async (registry) => {
    const now = Date.now();
    if (loaded === undefined || now - loaded.checkedAt > checkMs) {
      try {
        const info = await stat(path);
        if (loaded === undefined || info.mtimeMs !== loaded.mtimeMs) {
          loaded = { map: parseDockerConfigJson(await readFile(path), path), mtimeMs: info.mtimeMs, checkedAt: now };
        } else {
          loaded.checkedAt = now;
        }
      } catch (error) {
        logger('warn', 'cannot read the docker config; keeping the credentials read before', { path, error: errorMessage(error) });
        if (loaded === undefined) loaded = { map: new Map(), mtimeMs: -1, checkedAt: now };
        else loaded.checkedAt = now;
      }
    }
    return loaded.map.get(registry);
  };
}

/** The credentials one request may use, most specific first. */
export interface RequestCredentials {
  readonly maps: readonly CredentialMap[];
  /** Stable hash of `maps` (secret material never leaves the process); `default` when empty. */
  readonly fingerprint: string;
}

export const NO_REQUEST_CREDENTIALS: RequestCredentials = { maps: [], fingerprint: 'default' };

export function requestCredentials(maps: readonly CredentialMap[]): RequestCredentials {
  const nonEmpty = maps.filter((map) => map.size > 0);
  if (nonEmpty.length === 0) return NO_REQUEST_CREDENTIALS;
  const hash = createHash('sha256');
  for (const map of nonEmpty) {
    for (const [registry, credential] of [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      hash.update(JSON.stringify([registry, credential]));
    }
    hash.update('\u0000');
  }
  return { maps: nonEmpty, fingerprint: hash.digest('hex').slice(0, 32) };
}

export interface RegistryAccessOptions {
  readonly insecureRegistries?: readonly string[];
  /** Extra CA certificates (PEM) for registries with a private CA. */
  readonly ca?: string | Buffer;
  /** The mounted docker config, after the request's own credentials. */
  readonly fallbackCredentials?: CredentialProvider;
  readonly onRequest?: (event: RequestEvent) => void;
  /** Clients kept (one per credential set). Default 64. */
  readonly maxClients?: number;
  /** Registry timeouts: a webhook has seconds, not minutes. */
  readonly timeouts?: RegistryClientOptions['timeouts'];
  readonly logger?: AdmissionLogger;
}

/** A pool of RegistryClients, one per credential set, least recently used closed first. */
export class RegistryAccess {
  readonly #clients = new Map<string, RegistryClient>();
  readonly #options: RegistryAccessOptions;

  constructor(options: RegistryAccessOptions = {}) {
    this.#options = options;
  }

  clientFor(credentials: RequestCredentials = NO_REQUEST_CREDENTIALS): RegistryClient {
    const key = credentials.fingerprint;
    const existing = this.#clients.get(key);
    if (existing !== undefined) {
      this.#clients.delete(key);
      this.#clients.set(key, existing);
      return existing;
    }
    const fallback = this.#options.fallbackCredentials;
    const provider: CredentialProvider = async (registry) => {
      for (const map of credentials.maps) {
        const found = map.get(registry);
        if (found !== undefined) return found;
      }
      return fallback?.(registry);
    };
    const logger = this.#options.logger;
    const client = new RegistryClient({
      credentials: provider,
      insecureRegistries: this.#options.insecureRegistries ?? [],
      ...(this.#options.ca !== undefined && { ca: this.#options.ca }),
      timeouts: this.#options.timeouts ?? { connectMs: 3_000, headersMs: 5_000, bodyIdleMs: 5_000 },
      // One retry at most: the admission time budget is short, a second failure is reported.
      retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 500, maxRetryAfterMs: 1_000 },
      userAgent: 'portcullis-admission',
      ...(this.#options.onRequest !== undefined && { onRequest: this.#options.onRequest }),
      logger: { warn: (message) => logger?.('warn', message) },
    });
    this.#clients.set(key, client);
    const limit = this.#options.maxClients ?? 64;
    while (this.#clients.size > limit) {
      const [oldestKey, oldest] = this.#clients.entries().next().value!;
      this.#clients.delete(oldestKey);
      void oldest.close().catch(() => undefined);
    }
    return client;
  }

  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.allSettled(clients.map((client) => client.close()));
  }
}

/** Pull secrets of a pod and its service account, read from the API server and cached briefly. */
export class PullSecretResolver {
  readonly #api: KubernetesApi;
  readonly #ttlMs: number;
  readonly #secrets = new Map<string, { value: Promise<CredentialMap>; at: number }>();
  readonly #accounts = new Map<string, { value: Promise<readonly string[]>; at: number }>();
  readonly #onRead: ((kind: 'secret' | 'serviceaccount', result: 'ok' | 'missing' | 'error') => void) | undefined;

  constructor(api: KubernetesApi, options: { ttlMs?: number; onRead?: (kind: 'secret' | 'serviceaccount', result: 'ok' | 'missing' | 'error') => void } = {}) {
    this.#api = api;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#onRead = options.onRead;
  }

  /** Credential maps for the pod: its own pull secrets first, then its service account's. Missing secrets are skipped, as the kubelet skips them. */
  async resolve(namespace: string, podSecrets: readonly string[], serviceAccountName: string): Promise<RequestCredentials> {
    const accountSecrets = await this.#cached(this.#accounts, `${namespace}/${serviceAccountName}`, async () => {
      try {
        const found = await this.#api.getServiceAccountPullSecrets(namespace, serviceAccountName);
        this.#onRead?.('serviceaccount', found === undefined ? 'missing' : 'ok');
        return found ?? [];
      } catch (error) {
        this.#onRead?.('serviceaccount', 'error');
        throw error;
      }
    });
    const names = [...new Set([...podSecrets, ...accountSecrets])].slice(0, MAX_PULL_SECRETS);
    const maps = await Promise.all(names.map((name) => this.#cached(this.#secrets, `${namespace}/${name}`, () => this.#readSecret(namespace, name))));
    return requestCredentials(maps);
  }

  async #readSecret(namespace: string, name: string): Promise<CredentialMap> {
    let secret;
    try {
      secret = await this.#api.getSecret(namespace, name);
    } catch (error) {
      this.#onRead?.('secret', 'error');
      throw error;
    }
    this.#onRead?.('secret', secret === undefined ? 'missing' : 'ok');
    if (secret === undefined) return new Map();
    const encoded =
      secret.type === 'kubernetes.io/dockercfg' ? secret.data['.dockercfg'] : (secret.data['.dockerconfigjson'] ?? secret.data['.dockercfg']);
    if (encoded === undefined) return new Map();
    return parseDockerConfigJson(Buffer.from(encoded, 'base64'), `secret ${namespace}/${name}`);
  }

  async #cached<V>(map: Map<string, { value: Promise<V>; at: number }>, key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit !== undefined && now - hit.at < this.#ttlMs) return hit.value;
    const value = load();
    map.set(key, { value, at: now });
    // A failure is not remembered: the next request asks again.
    value.catch(() => map.delete(key));
    if (map.size > 10_000) map.delete(map.keys().next().value!);
    return value;
  }
}
