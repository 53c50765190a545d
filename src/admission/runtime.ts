/**
 * Wiring shared by `admission serve` and `admission review`: trust material and policy loading
 * (and hot reload), caches (memory, optionally Redis), registry access, pull secrets, metrics.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Digest } from '../oci/index.js';
import { TieredCache, type SharedStore } from './cache.js';
import { AdmissionController, type AdmissionControllerOptions } from './controller.js';
import { AdmissionError } from './errors.js';
import { watchPaths, type Watching } from './file-watch.js';
import type { KubernetesApi } from './kubernetes.js';
import { MAX_POLICY_BYTES } from './limits.js';
import { errorMessage, silentAdmissionLogger, type AdmissionLogger } from './log.js';
import { AdmissionMetrics } from './metrics.js';
import { DEFAULT_POLICY, parseAdmissionPolicy, type AdmissionPolicy } from './policy.js';
import { connectRedisStore } from './redis-store.js';
import { dockerConfigFileCredentials, PullSecretResolver, RegistryAccess } from './registry-access.js';
import { createNotaryVerifier } from './notary-verifier.js';
import { createAdmissionRevocationChecker, type AdmissionRevocationOptions } from './revocation.js';
import { loadTrustMaterial } from './trust-material.js';
import type { ImageVerdict } from './verifier.js';

export interface AdmissionRuntimeOptions {
  /** Notation config directory: trust policy and trust store. */
  readonly configDir: string;
  /** Admission policy YAML/JSON; without it every namespace is enforced. */
  readonly policyFile?: string;
  /** Registries reached over plain HTTP (`host:port`); loopback always is. */
  readonly insecureRegistries?: readonly string[];
  /** PEM CA bundle for registries with a private CA. */
  readonly registryCa?: string | Buffer;
  /** Mounted `.dockerconfigjson` file. */
  readonly dockerConfigFile?: string;
  /** Read pods' and service accounts' imagePullSecrets through this API client. */
  readonly kubernetes?: KubernetesApi;
  /** `redis://host:port[/db]` (or `rediss://`): the shared verdict cache. */
  readonly cacheUrl?: string;
  /** HMAC key for shared cache entries. */
  readonly cacheHmacKey?: Uint8Array;
  /** Entries kept in memory. Default 10,000. */
  readonly cacheMaxEntries?: number;
  /** Reload trust material and policy when their files change. Default true. */
  readonly watch?: boolean;
  readonly watchDebounceMs?: number;
  readonly watchPollMs?: number;
  readonly logger?: AdmissionLogger;
  readonly metrics?: AdmissionMetrics;
  /**
   * Certificate revocation: `offline` (default, no network; certificates naming an OCSP/CRL endpoint
   * are `unknown`) or `online` (OCSP and CRL as `notation verify`). See src/admission/revocation.ts.
   */
  readonly revocation?: Omit<AdmissionRevocationOptions, 'logger'>;
  readonly controller?: Omit<AdmissionControllerOptions, 'verdictCache' | 'tagCache' | 'pullSecrets' | 'metrics' | 'logger'>;
}

export interface SourceStatus {
  readonly ok: boolean;
  /** Trust material version or policy file hash of what is in use. */
  readonly version?: string;
  /** When the last good version was loaded. */
  readonly loadedAt?: string;
  /** Why the last reload failed (the last good version stays in use). */
  readonly error?: string;
}

export interface AdmissionRuntime {
  readonly controller: AdmissionController;
  readonly metrics: AdmissionMetrics;
  readonly registries: RegistryAccess;
  /** Status of each source for /readyz: `trustMaterial`, `policy`, and what the server adds. */
  readonly status: Map<string, SourceStatus>;
  /** Ready when trust material (and the policy, when one is configured) have loaded at least once. */
  ready(): boolean;
  cacheStatus(): string;
  reloadTrustMaterial(): Promise<boolean>;
  reloadPolicy(): Promise<boolean>;
  close(): Promise<void>;
}

export async function createAdmissionRuntime(options: AdmissionRuntimeOptions): Promise<AdmissionRuntime> {
  const logger = options.logger ?? silentAdmissionLogger;
  const metrics = options.metrics ?? new AdmissionMetrics();
  const status = new Map<string, SourceStatus>();
  let lastRedisLog = 0;
  let shared: SharedStore | undefined;
  if (options.cacheUrl !== undefined) {
    shared = await connectRedisStore(options.cacheUrl, {
      onError: (error) => {
        metrics.cacheErrors.inc({ kind: 'redis' });
        if (Date.now() - lastRedisLog > 30_000) {
          lastRedisLog = Date.now();
          logger('warn', 'shared cache unavailable; serving from memory', { error: error.message });
        }
      },
      onReady: () => logger('info', 'shared cache connected'),
    });
  }
  const events = {
    lookup: (layer: 'memory' | 'shared', hit: boolean) => metrics.cacheLookups.inc({ layer, result: hit ? 'hit' : 'miss' }),
    rejected: (reason: string) => metrics.cacheErrors.inc({ kind: `rejected-${reason}` }),
  };
  const cacheOptions = {
    maxEntries: options.cacheMaxEntries ?? 10_000,
    ...(shared && { shared }),
    ...(options.cacheHmacKey && { hmacKey: options.cacheHmacKey }),
  };
  const verdictCache = new TieredCache<ImageVerdict>({ ...cacheOptions, prefix: 'portcullis:v1:verdict:', events });
  const tagCache = new TieredCache<{ digest: Digest; mediaType: string; size: number }>({ ...cacheOptions, prefix: 'portcullis:v1:tag:' });

  const registries = new RegistryAccess({
    ...(options.insecureRegistries && { insecureRegistries: options.insecureRegistries }),
    ...(options.registryCa !== undefined && { ca: options.registryCa }),
    ...(options.dockerConfigFile !== undefined && { fallbackCredentials: dockerConfigFileCredentials(options.dockerConfigFile, logger) }),
    logger,
    onRequest: (event) => {
      let host = 'unknown';
      try {
        host = new URL(event.url).host;
      } catch {
        // keep unknown
      }
      const code = event.status === undefined ? 'error' : `${Math.floor(event.status / 100)}xx`;
      metrics.registryRequests.inc({ registry: host, code });
      if (event.status === undefined || event.status >= 500 || event.status === 429) metrics.registryErrors.inc({ registry: host });
    },
  });
  const pullSecrets =
    options.kubernetes === undefined
      ? undefined
      : new PullSecretResolver(options.kubernetes, { onRead: (kind, result) => metrics.kubernetesRequests.inc({ kind, result }) });
  const revocationChecker =
    options.revocation && options.revocation.mode !== 'offline' ? await createAdmissionRevocationChecker({ ...options.revocation, logger }) : undefined;
  const controller = new AdmissionController(registries, {
    ...(revocationChecker && { verifierFactory: (material) => createNotaryVerifier(material, { revocationChecker }) }),
    ...options.controller,
    verdictCache,
    tagCache,
    ...(pullSecrets && { pullSecrets }),
    metrics,
    logger,
  });

  const record = (source: string, ok: boolean, detail: { version?: string; error?: string }): void => {
    const previous = status.get(source);
    status.set(source, {
      ok,
      ...(ok ? { version: detail.version, loadedAt: new Date().toISOString() } : { version: previous?.version, loadedAt: previous?.loadedAt, error: detail.error }),
    });
    metrics.configReloads.inc({ source, result: ok ? 'success' : 'failure' });
    metrics.configValid.set({ source }, ok ? 1 : 0);
  };

  const reloadTrustMaterial = async (): Promise<boolean> => {
    try {
      const material = await loadTrustMaterial(options.configDir);
      const previous = controller.state.trustMaterial?.version;
      controller.setTrustMaterial(material);
      record('trustMaterial', true, { version: material.version });
      if (previous !== material.version) {
        logger('info', 'trust material loaded', { version: material.version, previousVersion: previous, directory: material.directory, statements: material.statements });
      }
      return true;
    } catch (error) {
      record('trustMaterial', false, { error: errorMessage(error) });
      logger('error', controller.state.trustMaterial ? 'trust material reload failed; keeping the last good version' : 'trust material failed to load', {
        error: errorMessage(error),
        keptVersion: controller.state.trustMaterial?.version,
      });
      return false;
    }
  };

  let policyText: string | undefined;
  const reloadPolicy = async (): Promise<boolean> => {
    if (options.policyFile === undefined) {
      controller.setPolicy(DEFAULT_POLICY);
      return true;
    }
    try {
      const bytes = await readFile(options.policyFile);
      if (bytes.byteLength > MAX_POLICY_BYTES) throw new AdmissionError('ERR_ADMISSION_POLICY_INVALID', `${options.policyFile} is larger than ${MAX_POLICY_BYTES} bytes`);
      const text = bytes.toString('utf8');
      const policy: AdmissionPolicy = parseAdmissionPolicy(bytes, options.policyFile);
      controller.setPolicy(policy);
      record('policy', true, { version: createHash('sha256').update(bytes).digest('hex').slice(0, 16) });
      if (text !== policyText) logger('info', 'admission policy loaded', { file: options.policyFile, rules: policy.rules.map((rule) => rule.name) });
      policyText = text;
      return true;
    } catch (error) {
      record('policy', false, { error: errorMessage(error) });
      logger('error', policyText !== undefined ? 'admission policy reload failed; keeping the last good version' : 'admission policy failed to load', {
        file: options.policyFile,
        error: errorMessage(error),
      });
      return false;
    }
  };

  await reloadTrustMaterial();
  await reloadPolicy();

  const watchers: Watching[] = [];
  if (options.watch ?? true) {
    const watchOptions = { ...(options.watchDebounceMs !== undefined && { debounceMs: options.watchDebounceMs }), ...(options.watchPollMs !== undefined && { pollMs: options.watchPollMs }) };
    watchers.push(watchPaths([options.configDir], () => void reloadTrustMaterial(), watchOptions));
    if (options.policyFile !== undefined) watchers.push(watchPaths([options.policyFile], () => void reloadPolicy(), watchOptions));
  }

  return {
    controller,
    metrics,
    registries,
    status,
    ready: () => controller.state.trustMaterial !== undefined && (options.policyFile === undefined || policyText !== undefined),
    cacheStatus: () => (shared === undefined ? 'memory' : `memory+redis(${shared.status()})`),
    reloadTrustMaterial,
    reloadPolicy,
    async close() {
      for (const watcher of watchers) watcher.close();
      await Promise.allSettled([registries.close(), shared?.close(), options.kubernetes?.close()]);
    },
  };
}
