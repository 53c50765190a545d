/**
 * Two `portcullis admission serve` processes sharing one Redis (redis-server on 127.0.0.1, random
 * port, no persistence): the second answers a repeated request from the shared cache without a
 * single registry request; with Redis gone both keep answering from memory and the registry.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { admissionReview, httpsClient, pod, startAdmissionWorld, type AdmissionWorld, type PushedImage } from '../helpers/admission.js';
import { freePort, waitFor } from '../helpers/network.js';
import { REPOSITORY_ROOT, requiredTool } from '../helpers/tools.js';

const redisTool = requiredTool('redis-server', 'Debian redis-server, installed by .ci/install-tools.sh');

export async function startRedis(binary: string): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const net = await import('node:net');
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    10_000,
    'redis-server',
  );
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function startServeProcess(world: AdmissionWorld, extra: readonly string[]): Promise<{ url: string; stderr: () => string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(REPOSITORY_ROOT, 'bin', 'portcullis.js'),
      'admission',
      'serve',
      '--addr',
      `127.0.0.1:${port}`,
      '--tls-cert',
      world.tls.certFile,
      '--tls-key',
      world.tls.keyFile,
      '--config-dir',
      world.configDir,
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const url = `https://127.0.0.1:${port}`;
  const probe = httpsClient(world.tls.ca);
  try {
    await waitFor(async () => (await probe.get(`${url}/readyz`)).status === 200, 20_000, `admission server: ${stderr}`);
  } finally {
    await probe.close();
  }
  return {
    url,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

describe('two replicas sharing Redis', { skip: redisTool.skip }, () => {
  let world: AdmissionWorld;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let first: Awaited<ReturnType<typeof startServeProcess>>;
  let second: Awaited<ReturnType<typeof startServeProcess>>;
  let client: ReturnType<typeof httpsClient>;
  let signed: PushedImage;
  let unsigned: PushedImage;

  before(async () => {
    world = await startAdmissionWorld();
    signed = await world.pushImage('acme/shared', 'v1');
    await world.signImage(signed);
    unsigned = await world.pushImage('acme/shared-unsigned', 'v1');
    redis = await startRedis(redisTool.path!);
    const keyFile = join(world.directory.path, 'cache.key');
    await (await import('node:fs/promises')).writeFile(keyFile, 'shared-hmac-secret');
    const flags = ['--cache', redis.url, '--cache-key-file', keyFile];
    [first, second] = await Promise.all([startServeProcess(world, flags), startServeProcess(world, flags)]);
    client = httpsClient(world.tls.ca);
  });

  after(async () => {
    await client?.close();
    await Promise.all([first?.stop(), second?.stop()]);
    await redis?.stop();
    await world?.close();
  });

  it('the second replica answers a repeated request from the shared cache without calling the registry', async () => {
    const review = admissionReview(pod('web', [signed.byTag, unsigned.byTag]));
    world.resetRegistryRequests();
    const one = await client.post(`${first.url}/validate`, review);
    assert.equal(one.json.response.allowed, false);
    assert.match(one.json.response.status.message, /acme\/shared-unsigned/);
    assert.ok(world.registryRequests() > 0, 'the first replica verified against the registry');

    world.resetRegistryRequests();
    const two = await client.post(`${second.url}/validate`, review);
    assert.deepEqual(two.json.response, one.json.response, 'same answer');
    assert.equal(world.registryRequests(), 0, 'no registry request from the second replica');
    const metrics = (await client.get(`${second.url}/metrics`)).text;
    assert.match(metrics, /portcullis_cache_lookups_total\{layer="shared",result="hit"\} [1-9]/);
    assert.doesNotMatch(metrics, /^portcullis_verifications_total\{/m, "the second replica verified nothing itself");
  });

  it('keeps serving from memory and the registry when Redis goes away', async () => {
    await redis.stop();
    const fresh = await world.pushImage('acme/after-redis', 'v1');
    await world.signImage(fresh);
    const answer = await client.post(`${second.url}/validate`, admissionReview(pod('web', [fresh.byTag])));
    assert.equal(answer.status, 200);
    assert.equal(answer.json.response.allowed, true);
    const ready = await client.get(`${second.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.match(ready.json.cache, /redis\((down|connecting)\)/);
    const unsignedAnswer = await client.post(`${first.url}/validate`, admissionReview(pod('web', [unsigned.byDigest])));
    assert.equal(unsignedAnswer.json.response.allowed, false);
  });
});
