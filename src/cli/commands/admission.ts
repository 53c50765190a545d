import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { parseListenAddress } from '../../registry/server/index.js';
import type { CliContext } from '../context.js';
import type { CommandModule } from './index.js';

interface CommonFlags {
  readonly configDir: string;
  readonly policy?: string;
  readonly insecureRegistry: string[];
  readonly registryCa?: string;
  readonly dockerConfig?: string;
  readonly timeout: string;
  readonly revocation: string;
  readonly crlCacheDir?: string;
  readonly debug?: boolean;
}

interface ServeFlags extends CommonFlags {
  readonly addr: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly cache?: string;
  readonly cacheKeyFile?: string;
  readonly cacheTtl: string;
  readonly negativeCacheTtl: string;
  readonly tagCacheTtl: string;
  readonly pullSecrets?: boolean;
  readonly kubeApi?: string;
  readonly kubeTokenFile?: string;
  readonly kubeCa?: string;
}

interface ReviewFlags extends CommonFlags {
  readonly mutate?: boolean;
  readonly namespace: string;
  readonly operation: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `--revocation` and `--crl-cache-dir` as the runtime's revocation options. */
function revocationOptions(flags: CommonFlags, cwd: string): { mode: 'offline' | 'online'; crlCacheDir?: string } {
  if (flags.revocation !== 'offline' && flags.revocation !== 'online') throw new UsageError(`--revocation: use offline or online, got "${flags.revocation}"`);
  if (flags.crlCacheDir !== undefined && flags.revocation !== 'online') throw new UsageError('--crl-cache-dir needs --revocation online');
  return { mode: flags.revocation, ...(flags.crlCacheDir !== undefined && { crlCacheDir: resolve(cwd, flags.crlCacheDir) }) };
}

/** `8s`, `500ms`, `5m` → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d{1,9})(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag}: invalid duration "${text}": use e.g. 500ms, 8s, 5m`);
  const unit = match[2] ?? 's';
  return Number(match[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1_000 : unit === 'm' ? 60_000 : 3_600_000);
}

function addCommonOptions(command: Command): Command {
  return command
    .requiredOption('--config-dir <dir>', 'Notation config directory: trustpolicy.oci.json and truststore/ (a mounted ConfigMap works)')
    .option('--policy <file>', 'admission policy YAML: namespaces, exempt images, enforce/audit/warn per rule, digest pinning')
    .option('--insecure-registry <host:port>', 'reach this registry over plain HTTP (repeatable)', collect, [])
    .option('--registry-ca <file>', 'extra CA certificates (PEM) for registries with a private CA')
    .option('--docker-config <file>', 'registry credentials: a docker config.json (a mounted kubernetes.io/dockerconfigjson Secret)')
    .option('--timeout <duration>', 'time budget of one request; keep it under the webhook timeoutSeconds', '8s')
    .option(
      '--revocation <mode>',
      'certificate revocation: offline (no network; a certificate naming an OCSP/CRL endpoint is "unknown", which an enforced revocation check rejects) or online (OCSP and CRL, as notation verify)',
      'offline',
    )
    .option('--crl-cache-dir <dir>', 'with --revocation online: keep downloaded CRLs here (Notation\'s cache layout) instead of in memory')
    .option('--debug', 'log debug lines');
}

/** `portcullis admission serve|review`: a thin shell over src/admission. */
export const registerAdmission: CommandModule = (program: Command, context: CliContext) => {
  const admission = program.command('admission').description('Kubernetes admission controller: verify images before they run');
  addCommonOptions(
    admission
      .command('serve')
      .description('serve the validating and mutating webhooks, the Gatekeeper provider, /healthz, /readyz and /metrics over HTTPS')
      .option('--addr <host:port>', 'address to listen on', '0.0.0.0:8443')
      .requiredOption('--tls-cert <file>', 'PEM serving certificate (reloaded when it changes)')
      .requiredOption('--tls-key <file>', 'PEM key of --tls-cert'),
  )
    .option('--cache <url>', 'share verdicts between replicas through Redis: redis://host:port[/db]')
    .option('--cache-key-file <file>', 'secret for HMAC-signing shared cache entries (every replica needs the same one)')
    .option('--cache-ttl <duration>', 'how long a verified image is remembered', '5m')
    .option('--negative-cache-ttl <duration>', 'how long a definitive failure is remembered (never a registry error)', '10s')
    .option('--tag-cache-ttl <duration>', 'how long a tag-to-digest resolution is remembered; 0 resolves every time', '10s')
    .option('--pull-secrets', "read pods' and service accounts' imagePullSecrets from the API server (in-cluster credentials)")
    .option('--kube-api <url>', 'API server URL for --pull-secrets instead of the in-cluster one')
    .option('--kube-token-file <file>', 'bearer token file for --kube-api')
    .option('--kube-ca <file>', 'CA bundle (PEM) for --kube-api')
    .action((flags: ServeFlags) => serve(flags, context));
  addCommonOptions(
    admission
      .command('review')
      .description('print the AdmissionReview response the webhook would give for a manifest or an AdmissionReview (JSON or YAML)')
      .argument('<file>', 'Pod, Deployment, ... manifest(s), a List, or AdmissionReview requests; - for standard input')
      .option('--mutate', 'answer as the mutating webhook (/mutate) instead of /validate')
      .option('--namespace <name>', 'namespace of manifests that name none', 'default')
      .option('--operation <op>', 'CREATE or UPDATE for manifests', 'CREATE'),
  ).action((file: string, flags: ReviewFlags) => review(file, flags, context));
};

async function loadAdmission(): Promise<typeof import('../../admission/index.js')> {
  return import('../../admission/index.js');
}

async function serve(flags: ServeFlags, context: CliContext): Promise<void> {
  const admission = await loadAdmission();
  const { host, port } = parseListenAddress(flags.addr);
  const logger = admission.jsonLinesLogger(context.stderr, { debug: Boolean(flags.debug) });
  const path = (file: string): string => resolve(context.cwd, file);
  let kubernetes;
  if (flags.kubeApi !== undefined) {
    const tokenFile = flags.kubeTokenFile;
    if (tokenFile === undefined) throw new UsageError('--kube-api needs --kube-token-file');
    const ca = flags.kubeCa === undefined ? undefined : await readFile(path(flags.kubeCa));
    kubernetes = new admission.KubernetesApi({ server: flags.kubeApi, token: async () => (await readFile(path(tokenFile), 'utf8')).trim(), ...(ca && { ca }) });
  } else if (flags.pullSecrets) {
    kubernetes = await admission.inClusterKubernetesApi(context.env);
    if (kubernetes === undefined) throw new UsageError('--pull-secrets needs in-cluster credentials (KUBERNETES_SERVICE_HOST) or --kube-api');
  }
  if (flags.cache !== undefined && !/^rediss?:\/\//.test(flags.cache)) throw new UsageError(`--cache: expected redis://host:port, got "${flags.cache}"`);
  const running = await admission.startAdmissionServer({
    host,
    port,
    tlsCertFile: path(flags.tlsCert),
    tlsKeyFile: path(flags.tlsKey),
    configDir: path(flags.configDir),
    ...(flags.policy !== undefined && { policyFile: path(flags.policy) }),
    insecureRegistries: flags.insecureRegistry,
    ...(flags.registryCa !== undefined && { registryCa: await readFile(path(flags.registryCa)) }),
    ...(flags.dockerConfig !== undefined && { dockerConfigFile: path(flags.dockerConfig) }),
    ...(kubernetes && { kubernetes }),
    ...(flags.cache !== undefined && { cacheUrl: flags.cache }),
    ...(flags.cacheKeyFile !== undefined && { cacheHmacKey: await readFile(path(flags.cacheKeyFile)) }),
    ...(context.env.PORTCULLIS_WATCH_POLL_MS !== undefined && { watchPollMs: Number(context.env.PORTCULLIS_WATCH_POLL_MS) }),
    revocation: revocationOptions(flags, context.cwd),
    logger,
    controller: {
      timeoutMs: parseDuration(flags.timeout, '--timeout'),
      positiveTtlMs: parseDuration(flags.cacheTtl, '--cache-ttl'),
      negativeTtlMs: parseDuration(flags.negativeCacheTtl, '--negative-cache-ttl'),
      tagTtlMs: parseDuration(flags.tagCacheTtl, '--tag-cache-ttl'),
    },
  });
  if (!context.stopSignal.aborted) await new Promise<void>((done) => context.stopSignal.addEventListener('abort', () => done(), { once: true }));
  await running.close();
}

async function review(file: string, flags: ReviewFlags, context: CliContext): Promise<void> {
  const admission = await loadAdmission();
  if (flags.operation !== 'CREATE' && flags.operation !== 'UPDATE') throw new UsageError('--operation: use CREATE or UPDATE');
  const text = file === '-' ? (await context.readStdin()).toString('utf8') : await readFile(resolve(context.cwd, file), 'utf8');
  const logger = flags.debug ? admission.jsonLinesLogger(context.stderr, { debug: true }) : undefined;
  const runtime = await admission.createAdmissionRuntime({
    configDir: resolve(context.cwd, flags.configDir),
    ...(flags.policy !== undefined && { policyFile: resolve(context.cwd, flags.policy) }),
    insecureRegistries: flags.insecureRegistry,
    ...(flags.registryCa !== undefined && { registryCa: await readFile(resolve(context.cwd, flags.registryCa)) }),
    ...(flags.dockerConfig !== undefined && { dockerConfigFile: resolve(context.cwd, flags.dockerConfig) }),
    watch: false,
    revocation: revocationOptions(flags, context.cwd),
    ...(logger && { logger }),
    controller: { timeoutMs: parseDuration(flags.timeout, '--timeout') },
  });
  try {
    const failures = [...runtime.status].filter(([, status]) => !status.ok);
    if (!runtime.ready()) throw new UsageError(failures.map(([source, status]) => `${source}: ${status.error ?? 'not loaded'}`).join('; '));
    const responses = await admission.reviewOffline(runtime.controller, text, flags.mutate ? 'mutate' : 'validate', {
      namespace: flags.namespace,
      operation: flags.operation,
    });
    for (const response of responses) context.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
    const denied = responses.filter((response) => !response.response.allowed).length;
    if (denied > 0) throw new AdmissionDenied(denied, responses.length);
  } finally {
    await runtime.close();
  }
}

/** Exit code 1 when a review was denied, so `admission review` can gate a CI pipeline. */
class AdmissionDenied extends Error {
  constructor(denied: number, total: number) {
    super(`${denied} of ${total} review(s) denied`);
  }
}
