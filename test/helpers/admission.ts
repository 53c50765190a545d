/**
 * A real world for admission tests: the embedded registry (request-counting), real signatures
 * made with src/sign from test CA chains, a Notation config directory trusting one CA, and a
 * serving certificate made by deploy/gen-certs.sh.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { createLocalSigner, MEDIA_TYPE_JWS_ENVELOPE } from '../../src/envelope/index.js';
import { descriptorFor, encodeManifest, MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST, type Descriptor, type Digest } from '../../src/oci/index.js';
import { buildTestChain, derToPem, type TestChain } from '../../src/pki/index.js';
import { RegistryClient } from '../../src/registry/client/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/server/index.js';
import { startAdmissionServer, type AdmissionServerOptions, type RunningAdmissionServer } from '../../src/admission/index.js';
import { sign } from '../../src/sign/index.js';
import { makeImage, pushImage } from './oci-content.js';
import { temporaryDirectory, type TemporaryDirectory } from './temporary-directory.js';
import { REPOSITORY_ROOT } from './tools.js';

const run = promisify(execFile);

export const TRUST_POLICY_NAME = 'acme-images';

export interface PushedImage {
  readonly repository: string;
  readonly digest: Digest;
  readonly descriptor: Descriptor;
  /** `host/repo:tag` */
  readonly byTag: string;
  /** `host/repo@digest` */
  readonly byDigest: string;
}

export interface AdmissionWorld {
  readonly directory: TemporaryDirectory;
  readonly registry: RunningRegistry;
  /** `127.0.0.1:<port>` */
  readonly registryHost: string;
  /** Registry requests seen since the start (or the last reset). */
  registryRequests(): number;
  resetRegistryRequests(): void;
  readonly trusted: TestChain;
  readonly untrusted: TestChain;
  /** The Notation config directory (a Kubernetes-style volume with ..data). */
  readonly configDir: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string; readonly caFile: string; readonly ca: Buffer };
  readonly client: RegistryClient;
  pushImage(repository: string, tag: string): Promise<PushedImage>;
  pushIndex(repository: string, tag: string, children: readonly PushedImage[]): Promise<PushedImage>;
  signImage(image: PushedImage, chain?: TestChain): Promise<void>;
  /** Pushes a new image under the same tag with the old image's signature copied onto it. */
  tamper(image: PushedImage): Promise<PushedImage>;
  /** Replaces the trust store's CA the Kubernetes way: a new ..data directory swapped in. */
  setTrustedCa(chain: TestChain, policy?: string): Promise<void>;
  close(): Promise<void>;
}

export function trustPolicyDocument(scopes: readonly string[] = ['*'], level = 'strict'): string {
  return JSON.stringify({
    version: '1.0',
    trustPolicies: [{ name: TRUST_POLICY_NAME, registryScopes: scopes, signatureVerification: { level }, trustStores: ['ca:acme'], trustedIdentities: ['*'] }],
  });
}

let generation = 0;

async function writeMountedConfig(configDir: string, root: TestChain, policy: string): Promise<void> {
  generation += 1;
  const version = `..${Date.now()}_${generation}`;
  const data = join(configDir, version);
  await mkdir(join(data, 'truststore', 'x509', 'ca', 'acme'), { recursive: true });
  await writeFile(join(data, 'trustpolicy.oci.json'), policy);
  await writeFile(join(data, 'truststore', 'x509', 'ca', 'acme', 'root.crt'), derToPem(root.root.certificate));
  // Atomic swap as the kubelet does it: a temporary link renamed over ..data.
  const temporary = join(configDir, `..data_tmp_${generation}`);
  await symlink(version, temporary);
  await rename(temporary, join(configDir, '..data'));
  for (const name of ['trustpolicy.oci.json', 'truststore']) {
    await symlink(join('..data', name), join(configDir, name)).catch(() => undefined);
  }
}

export async function generateServingCertificate(directory: string): Promise<{ certFile: string; keyFile: string; caFile: string; ca: Buffer }> {
  await run('bash', [join(REPOSITORY_ROOT, 'deploy', 'gen-certs.sh'), '--out', directory, '--ip', '127.0.0.1', '--dns', 'localhost']);
  return { certFile: join(directory, 'tls.crt'), keyFile: join(directory, 'tls.key'), caFile: join(directory, 'ca.crt'), ca: await readFile(join(directory, 'ca.crt')) };
}

export async function startAdmissionWorld(): Promise<AdmissionWorld> {
  const directory = await temporaryDirectory('admission');
  let requests = 0;
  const registry = await startRegistry({
    root: join(directory.path, 'registry'),
    port: 0,
    logger: (_level, msg) => {
      if (msg === 'request') requests += 1;
    },
  });
  const registryHost = `127.0.0.1:${registry.port}`;
  const now = Date.now();
  const validity = { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + 7 * 86_400_000), caKeySpec: 'EC-256' as const, leafKeySpec: 'EC-256' as const };
  const [trusted, untrusted] = await Promise.all([buildTestChain({ ...validity, commonName: 'acme signer' }), buildTestChain({ ...validity, commonName: 'mallory signer' })]);
  const configDir = join(directory.path, 'notation');
  await mkdir(configDir, { recursive: true });
  await writeMountedConfig(configDir, trusted, trustPolicyDocument());
  const tls = await generateServingCertificate(join(directory.path, 'tls'));
  const client = new RegistryClient({ logger: { warn: () => undefined } });

  const pushed = (repository: string, tag: string, descriptor: Descriptor): PushedImage => ({
    repository,
    digest: descriptor.digest,
    descriptor,
    byTag: `${registryHost}/${repository}:${tag}`,
    byDigest: `${registryHost}/${repository}@${descriptor.digest}`,
  });

  return {
    directory,
    registry,
    registryHost,
    registryRequests: () => requests,
    resetRegistryRequests: () => {
      requests = 0;
    },
    trusted,
    untrusted,
    configDir,
    tls,
    client,
    async pushImage(repository, tag) {
      const image = makeImage();
      await pushImage(client.repository(`${registryHost}/${repository}`), image, [tag]);
      return pushed(repository, tag, image.manifest.descriptor);
    },
    async pushIndex(repository, tag, children) {
      const bytes = encodeManifest({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE_IMAGE_INDEX,
        manifests: children.map((child, index) => ({
          ...child.descriptor,
          platform: { os: 'linux', architecture: index === 0 ? 'amd64' : 'arm64' },
        })),
      });
      const descriptor = descriptorFor(MEDIA_TYPE_IMAGE_INDEX, bytes);
      await client.repository(`${registryHost}/${repository}`).pushManifest(descriptor, bytes, [tag]);
      return pushed(repository, tag, descriptor);
    },
    async signImage(image, chain = trusted) {
      await sign(client.repository(`${registryHost}/${image.repository}`), image.digest, {
        signer: createLocalSigner(chain.leaf.privateKey, chain.chain),
        signingAgent: 'portcullis-test',
        clock: { now: Date.now },
      });
    },
    async tamper(image) {
      const repository = client.repository(`${registryHost}/${image.repository}`);
      const result = await sign(repository, image.digest, {
        signer: createLocalSigner(trusted.leaf.privateKey, trusted.chain),
        signingAgent: 'portcullis-test',
        clock: { now: Date.now },
      });
      const replacement = makeImage();
      const tag = image.byTag.slice(image.byTag.lastIndexOf(':') + 1);
      await pushImage(repository, replacement, [tag]);
      // The attacker re-attaches the original, valid signature to the replaced content.
      const copied = encodeManifest({ ...result.manifest, subject: replacement.manifest.descriptor });
      await repository.pushManifest(descriptorFor(MEDIA_TYPE_IMAGE_MANIFEST, copied, { artifactType: 'application/vnd.cncf.notary.signature' }), copied);
      void MEDIA_TYPE_JWS_ENVELOPE;
      return pushed(image.repository, tag, replacement.manifest.descriptor);
    },
    async setTrustedCa(chain, policy = trustPolicyDocument()) {
      await writeMountedConfig(configDir, chain, policy);
    },
    async close() {
      await client.close();
      await registry.close();
      await directory.remove();
    },
  };
}

/** An HTTPS client trusting the webhook's CA. */
export function httpsClient(ca: Buffer): { post(url: string, body: unknown): Promise<{ status: number; json: any; text: string }>; get(url: string): Promise<{ status: number; text: string; json: any }>; close(): Promise<void> } {
  const agent = new Agent({ connect: { ca }, connections: 8 });
  const send = async (url: string, method: 'GET' | 'POST', body?: string | Buffer) => {
    const response = await request(url, {
      dispatcher: agent,
      method,
      ...(body !== undefined && { body, headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, text, json: json as any };
  };
  return {
    post: (url, body) => send(url, 'POST', typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body)),
    get: (url) => send(url, 'GET'),
    close: () => agent.close(),
  };
}

let uidCounter = 0;

/** The AdmissionReview the API server sends for `object`. */
export function admissionReview(
  object: Record<string, any>,
  options: { operation?: 'CREATE' | 'UPDATE'; oldObject?: unknown; namespace?: string; subResource?: string; dryRun?: boolean; uid?: string } = {},
): Record<string, any> {
  const kind = object.kind as string;
  const groups: Record<string, [string, string]> = {
    Pod: ['', 'pods'],
    Deployment: ['apps', 'deployments'],
    ReplicaSet: ['apps', 'replicasets'],
    StatefulSet: ['apps', 'statefulsets'],
    DaemonSet: ['apps', 'daemonsets'],
    Job: ['batch', 'jobs'],
    CronJob: ['batch', 'cronjobs'],
    ReplicationController: ['', 'replicationcontrollers'],
    ConfigMap: ['', 'configmaps'],
  };
  const [group, resource] = groups[kind] ?? ['', 'unknown'];
  uidCounter += 1;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? `00000000-0000-4000-8000-${String(uidCounter).padStart(12, '0')}`,
      kind: { group, version: 'v1', kind },
      resource: { group, version: 'v1', resource },
      ...(options.subResource && { subResource: options.subResource }),
      requestKind: { group, version: 'v1', kind },
      requestResource: { group, version: 'v1', resource },
      name: object.metadata?.name ?? '',
      namespace: options.namespace ?? object.metadata?.namespace ?? 'default',
      operation: options.operation ?? 'CREATE',
      userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      object,
      oldObject: options.oldObject ?? null,
      dryRun: options.dryRun ?? false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: options.operation === 'UPDATE' ? 'UpdateOptions' : 'CreateOptions' },
    },
  };
}

export function pod(name: string, images: readonly string[], extra: { initImages?: readonly string[]; ephemeralImages?: readonly string[]; namespace?: string; pullSecrets?: readonly string[]; serviceAccountName?: string } = {}): Record<string, any> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: extra.namespace ?? 'default' },
    spec: {
      containers: images.map((image, index) => ({ name: `c${index}`, image })),
      ...(extra.initImages && { initContainers: extra.initImages.map((image, index) => ({ name: `init${index}`, image })) }),
      ...(extra.ephemeralImages && { ephemeralContainers: extra.ephemeralImages.map((image, index) => ({ name: `debug${index}`, image })) }),
      ...(extra.pullSecrets && { imagePullSecrets: extra.pullSecrets.map((secret) => ({ name: secret })) }),
      ...(extra.serviceAccountName && { serviceAccountName: extra.serviceAccountName }),
    },
  };
}

/** Applies a JSON Patch made of `replace` operations (what /mutate returns). */
export function applyReplacePatch(object: unknown, patch: ReadonlyArray<{ op: string; path: string; value: unknown }>): any {
  const copy = structuredClone(object) as any;
  for (const operation of patch) {
    if (operation.op !== 'replace') throw new Error(`unexpected op ${operation.op}`);
    const segments = operation.path.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node = copy;
    for (const segment of segments.slice(0, -1)) {
      if (!(segment in node)) throw new Error(`path ${operation.path} does not exist`);
      node = node[segment];
    }
    const last = segments.at(-1)!;
    if (!(last in node)) throw new Error(`path ${operation.path} does not exist`);
    node[last] = operation.value;
  }
  return copy;
}

export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

export async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met in time');
}

/** The webhook on 127.0.0.1 (a free port), serving the world's certificate and trusting its config directory. */
export function startWorldServer(world: AdmissionWorld, options: Partial<AdmissionServerOptions> = {}): Promise<RunningAdmissionServer> {
  return startAdmissionServer({
    host: '127.0.0.1',
    port: 0,
    tlsCertFile: world.tls.certFile,
    tlsKeyFile: world.tls.keyFile,
    configDir: world.configDir,
    ...options,
  });
}
