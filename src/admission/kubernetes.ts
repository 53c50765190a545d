/**
 * The two reads the webhook makes from the API server: a Secret (a pod's imagePullSecrets) and a
 * ServiceAccount (its imagePullSecrets). A minimal in-cluster HTTPS client with the service
 * account token instead of @kubernetes/client-node: two GETs do not justify a client with a few
 * dozen transitive dependencies, and undici (already a dependency) gives keep-alive and timeouts.
 * The token is re-read from its file, because bound service account tokens rotate.
 */
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { AdmissionError } from './errors.js';
import { MAX_KUBERNETES_OBJECT_BYTES } from './limits.js';
import { describeIssues } from './policy.js';

export const SERVICE_ACCOUNT_DIRECTORY = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubernetesApiOptions {
  /** `https://host:port` of the API server. */
  readonly server: string;
  /** The bearer token (read again at every call: keep it cheap). */
  readonly token: () => Promise<string>;
  /** PEM CA bundle of the API server. */
  readonly ca?: string | Buffer;
  readonly timeoutMs?: number;
}

export interface SecretData {
  readonly type: string;
  /** Base64 values, as the API returns them. */
  readonly data: Readonly<Record<string, string>>;
}

const secretSchema = z.object({
  type: z.string().max(253).optional(),
  data: z.record(z.string().max(253), z.string()).optional().nullable(),
});
const serviceAccountSchema = z.object({
  imagePullSecrets: z
    .array(z.object({ name: z.string().max(253).optional() }))
    .max(1000)
    .optional()
    .nullable(),
});

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export class KubernetesApi {
  readonly #options: KubernetesApiOptions;
  readonly #agent: Agent;

  constructor(options: KubernetesApiOptions) {
    this.#options = options;
    const timeout = options.timeoutMs ?? 2_000;
    this.#agent = new Agent({
      connect: { timeout, ...(options.ca !== undefined && { ca: options.ca }) },
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connections: 8,
    });
  }

  /** The Secret, or undefined when it does not exist. */
  async getSecret(namespace: string, name: string): Promise<SecretData | undefined> {
    const body = await this.#get(`/api/v1/namespaces/${segment(namespace)}/secrets/${segment(name)}`, `secret ${namespace}/${name}`);
    if (body === undefined) return undefined;
    const parsed = secretSchema.safeParse(body);
    if (!parsed.success) throw apiError(`secret ${namespace}/${name} has an unexpected shape: ${describeIssues(parsed.error)}`);
    return { type: parsed.data.type ?? '', data: parsed.data.data ?? {} };
  }

  /** Names of the ServiceAccount's imagePullSecrets, or undefined when it does not exist. */
  async getServiceAccountPullSecrets(namespace: string, name: string): Promise<readonly string[] | undefined> {
    const body = await this.#get(`/api/v1/namespaces/${segment(namespace)}/serviceaccounts/${segment(name)}`, `service account ${namespace}/${name}`);
    if (body === undefined) return undefined;
    const parsed = serviceAccountSchema.safeParse(body);
    if (!parsed.success) throw apiError(`service account ${namespace}/${name} has an unexpected shape: ${describeIssues(parsed.error)}`);
    return (parsed.data.imagePullSecrets ?? []).map((entry) => entry.name ?? '').filter((entry) => entry !== '');
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #get(path: string, what: string): Promise<unknown> {
    const token = await this.#options.token();
    let response;
    try {
      response = await request(new URL(path, this.#options.server), {
        dispatcher: this.#agent,
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      });
    } catch (error) {
      throw apiError(`cannot read ${what}: ${(error as Error).message}`, error);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_KUBERNETES_OBJECT_BYTES) {
        response.body.destroy();
        throw apiError(`${what} is larger than ${MAX_KUBERNETES_OBJECT_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    if (response.statusCode === 404) return undefined;
    if (response.statusCode !== 200) {
      const reason = Buffer.concat(chunks).toString('utf8').slice(0, 200);
      throw apiError(`cannot read ${what}: HTTP ${response.statusCode}${reason ? ` ${reason}` : ''}`);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      throw apiError(`${what}: the API server answered with invalid JSON`, error);
    }
  }
}

function segment(name: string): string {
  if (!NAME.test(name)) throw apiError(`"${name.slice(0, 64)}" is not a valid Kubernetes object name`);
  return name;
}

function apiError(message: string, cause?: unknown): AdmissionError {
  return new AdmissionError('ERR_ADMISSION_KUBERNETES_API', message, { cause });
}

/**
 * The API server as seen from a pod: KUBERNETES_SERVICE_HOST/PORT, the mounted service account
 * token and CA. Undefined when not running in a cluster.
 */
export async function inClusterKubernetesApi(
  env: Readonly<Record<string, string | undefined>>,
  directory = SERVICE_ACCOUNT_DIRECTORY,
): Promise<KubernetesApi | undefined> {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) return undefined;
  const ca = await readFile(`${directory}/ca.crt`).catch(() => undefined);
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new KubernetesApi({ server, ...(ca !== undefined && { ca }), token: tokenReader(`${directory}/token`) });
}

/** Reads a token file, at most once a minute (the kubelet rotates projected tokens well before expiry). */
export function tokenReader(path: string, refreshMs = 60_000): () => Promise<string> {
  let cached: { token: string; readAt: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.readAt < refreshMs) return cached.token;
    const token = (await readFile(path, 'utf8')).trim();
    cached = { token, readAt: Date.now() };
    return token;
  };
}
