/**
 * `npm start`: the whole scenario on the embedded default, end to end, with nothing but Node.
 *
 *  1. the embedded registry on 127.0.0.1:5000 (data in ./.portcullis/registry);
 *  2. a small real image built and pushed, and a second one nobody signs;
 *  3. a test key and certificate generated, a trust policy written (Notation's layout, in ./.portcullis/config);
 *  4. the image signed, verified, an SBOM attached, its referrers discovered;
 *  5. the admission webhook started over HTTPS, and a Pod with the signed image admitted while a
 *     Pod with the unsigned image is denied.
 *
 * Then the registry and the webhook keep running with hints on what to try. Environment:
 * PORTCULLIS_REGISTRY_ADDR, PORTCULLIS_WEBHOOK_ADDR, PORTCULLIS_REGISTRY_ROOT, PORTCULLIS_WORK_DIR;
 * PORTCULLIS_START_ONCE=1 runs the scenario and exits (the tests do).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CliContext } from '../src/cli/context.js';
import { main } from '../src/cli/main.js';
import { jsonLogger, parseListenAddress, startRegistry } from '../src/registry/server/index.js';
import { writeDemoImage } from './demo-image.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const dataRoot = resolve(process.env.PORTCULLIS_REGISTRY_ROOT ?? join(repositoryRoot, '.portcullis', 'registry'));
const work = resolve(process.env.PORTCULLIS_WORK_DIR ?? join(repositoryRoot, '.portcullis', 'walk-through'));
const registryAddress = parseListenAddress(process.env.PORTCULLIS_REGISTRY_ADDR ?? '127.0.0.1:5000');
const stopEverything = new AbortController();

function step(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

function cliContext(env: Record<string, string | undefined>, print = true): CliContext & { printed: () => string } {
  let printed = '';
  return {
    stdout: { write: (text) => void ((printed += text), print && process.stdout.write(text)) },
    stderr: { write: (text) => void ((printed += text), print && process.stderr.write(text)) },
    env,
    isTerminal: Boolean(process.stdout.isTTY),
    cwd: work,
    readStdin: async () => Buffer.alloc(0),
    stopSignal: stopEverything.signal,
    printed: () => printed,
  };
}

/** Runs one CLI command in-process, echoing it as a user would type it; returns what it printed. */
async function portcullis(env: Record<string, string | undefined>, ...argv: string[]): Promise<{ code: number; output: string }> {
  process.stdout.write(`$ portcullis ${argv.map((word) => (/[\s*]/.test(word) ? `'${word}'` : word)).join(' ')}\n`);
  const context = cliContext(env);
  const code = await main(argv, context);
  return { code, output: context.printed() };
}

async function mustSucceed(env: Record<string, string | undefined>, ...argv: string[]): Promise<string> {
  const { code, output } = await portcullis(env, ...argv);
  if (code !== 0) throw new Error(`portcullis ${argv.join(' ')} failed (exit ${code})`);
  return output;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** POSTs JSON to the webhook, trusting only its own CA. */
function postJson(url: string, body: unknown, ca: Buffer): Promise<{ status: number; json: any }> {
  return new Promise((done, fail) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = httpsRequest(url, { method: 'POST', ca, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        try {
          done({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch (error) {
          fail(error);
        }
      });
    });
    req.on('error', fail);
    req.end(payload);
  });
}

function podReview(uid: string, image: string): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'walk-through' },
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: uid, namespace: 'default' }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

async function waitForWebhook(url: string, ca: Buffer): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const ready = await new Promise<boolean>((done) => {
      httpsRequest(`${url}/healthz`, { ca }, (res) => {
        res.resume();
        done(res.statusCode === 200);
      })
        .on('error', () => done(false))
        .end();
    });
    if (ready) return;
    await new Promise((wait) => setTimeout(wait, 100));
  }
  throw new Error(`the webhook at ${url} did not become healthy`);
}

async function scenario(host: string): Promise<{ webhookUrl: string; webhook: Promise<number> }> {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const env = { ...process.env, XDG_CONFIG_HOME: join(work, 'config'), NOTATION_CACHE: join(work, 'cache'), DOCKER_CONFIG: join(work, 'docker') };

  step('1. build a small image and push it, plus one that nobody will sign');
  await writeDemoImage(join(work, 'images'), 'v1', 'hello from a signed image');
  await writeDemoImage(join(work, 'images'), 'unsigned', 'nobody signed me');
  await mustSucceed(env, 'copy', '--from-oci-layout', `${join(work, 'images')}:v1`, `${host}/demo/hello:v1`);
  await mustSucceed(env, 'copy', '--from-oci-layout', `${join(work, 'images')}:unsigned`, `${host}/demo/unsigned:v1`);
  const digest = (await mustSucceed(env, 'resolve', `${host}/demo/hello:v1`)).trim();
  const signed = `${host}/demo/hello@${digest}`;

  step('2. generate a test signing key and trust its certificate, and write a trust policy');
  await mustSucceed(env, 'cert', 'generate-test', '--default', 'walk-through');
  await mustSucceed(env, 'policy', 'init', '--name', 'walk-through', '--registry-scope', '*', '--trust-store', 'ca:walk-through', '--trusted-identity', '*', '--force');

  step('3. sign the image, verify it, and see the unsigned one fail');
  await mustSucceed(env, 'sign', signed);
  await mustSucceed(env, 'verify', signed);
  const unsigned = await portcullis(env, 'verify', `${host}/demo/unsigned:v1`);
  if (unsigned.code === 0) throw new Error('the unsigned image verified');
  process.stdout.write(`(exit ${unsigned.code}, as expected)\n`);

  step('4. attach an SBOM and discover everything that refers to the image');
  await writeFile(join(work, 'sbom.spdx.json'), JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'hello' }));
  await mustSucceed(env, 'attach', signed, 'sbom.spdx.json', '--artifact-type', 'application/spdx+json');
  await mustSucceed(env, 'discover', signed);

  step('5. start the admission webhook and ask it about two Pods');
  const tls = join(work, 'tls');
  await promisify(execFile)('bash', [join(repositoryRoot, 'deploy', 'gen-certs.sh'), '--out', tls, '--ip', '127.0.0.1', '--dns', 'localhost']);
  const webhookAddress = process.env.PORTCULLIS_WEBHOOK_ADDR ?? `127.0.0.1:${await freePort()}`;
  const configDir = join(work, 'config', 'notation');
  process.stdout.write(`$ portcullis admission serve --addr ${webhookAddress} --tls-cert tls/tls.crt --tls-key tls/tls.key --config-dir config/notation\n`);
  const webhook = main(
    ['admission', 'serve', '--addr', webhookAddress, '--tls-cert', join(tls, 'tls.crt'), '--tls-key', join(tls, 'tls.key'), '--config-dir', configDir],
    cliContext(env, false),
  );
  const webhookUrl = `https://${webhookAddress}`;
  const ca = await readFile(join(tls, 'ca.crt'));
  await waitForWebhook(webhookUrl, ca);
  let allAsExpected = true;
  for (const [uid, image, expected] of [
    ['signed-pod', `${host}/demo/hello:v1`, true],
    ['unsigned-pod', `${host}/demo/unsigned:v1`, false],
  ] as const) {
    const answer = await postJson(`${webhookUrl}/validate`, podReview(uid, image), ca);
    const response = answer.json.response as { allowed: boolean; status?: { message?: string } };
    process.stdout.write(`Pod ${uid} (${image}): ${response.allowed ? 'ADMITTED' : 'DENIED'}${response.status?.message ? ` — ${response.status.message}` : ''}\n`);
    allAsExpected &&= response.allowed === expected;
  }
  if (!allAsExpected) throw new Error('the webhook did not admit exactly the signed Pod');
  process.stdout.write('\nThe signed Pod was admitted and the unsigned one denied.\n');
  return { webhookUrl, webhook };
}

const registry = await startRegistry({
  root: dataRoot,
  host: registryAddress.host,
  port: registryAddress.port,
  logger: jsonLogger({ write: (line) => void (process.env.PORTCULLIS_DEBUG ? process.stderr.write(line) : undefined) }),
}).catch((error: Error) => {
  process.stderr.write(`Error: could not start the registry on ${registryAddress.host}:${registryAddress.port}: ${error.message}\n`);
  process.stderr.write('Is something else listening there? Set PORTCULLIS_REGISTRY_ADDR=127.0.0.1:5001 to use another port.\n');
  process.exit(1);
});
const host = new URL(registry.url).host;
process.stdout.write(`Portcullis registry serving ${registry.url} (data in ${dataRoot})\n`);

const outcome = await scenario(host).catch((error: Error) => {
  process.stderr.write(`Error: ${error.message}\n`);
  return undefined;
});
const shutdown = async (): Promise<void> => {
  stopEverything.abort();
  await outcome?.webhook;
  await registry.close();
};
if (outcome === undefined) {
  process.exitCode = 1;
  await shutdown();
} else if (process.env.PORTCULLIS_START_ONCE) {
  await shutdown();
} else {
  process.stdout.write(`
The registry (${registry.url}) and the webhook (${outcome.webhookUrl}) keep running. From another terminal:
  export XDG_CONFIG_HOME=${join(work, 'config')}
  npx portcullis inspect ${host}/demo/hello:v1
  npx portcullis verify ${host}/demo/hello:v1 -o json
  npx portcullis admission review <pod.yaml> --config-dir ${join(work, 'config', 'notation')}
  notation verify --insecure-registry ${host}/demo/hello:v1      (if you have notation: same config directory)
Stop with Ctrl-C.
`);
  const stop = (): void => void shutdown().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
