/**
 * The embedded registry against the distribution registry v3 (the baseline), measured in the same
 * run with the same client on the same machine: manifest GETs at 1 and 16 connections, small
 * artifact pushes, and a 64 MiB blob up and down. Ratios > 1 mean Portcullis is faster.
 * Run standalone: node dist/bench/registry.js
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { packArtifactManifest, pushPackedManifest, readAll } from '../src/content/index.js';
import { descriptorFor, MEDIA_TYPE_IMAGE_LAYER, MEDIA_TYPE_IMAGE_MANIFEST } from '../src/oci/index.js';
import { RegistryClient } from '../src/registry/client/index.js';
import { findTool, REPOSITORY_ROOT } from '../test/helpers/tools.js';
import { freePort, waitFor } from '../test/helpers/network.js';
import { measureConcurrent, median, percentile, printTable, ratio } from './stats.js';

interface Target {
  readonly name: string;
  readonly host: string;
  stop(): Promise<void>;
}

/** Our registry in its own process, as users run it, so it does not share the client's event loop. */
async function startPortcullis(root: string): Promise<Target> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(REPOSITORY_ROOT, 'bin', 'portcullis.js'), 'registry', 'serve', '--root', root, '--addr', `127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  return waitForServer('portcullis', child, port);
}

async function waitForServer(name: string, child: ChildProcess, port: number): Promise<Target> {
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/v2/`).catch(() => undefined))?.status === 200, 15_000, name);
  return {
    name,
    host: `127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function startDistribution(binary: string, root: string): Promise<Target> {
  const port = await freePort();
  await mkdir(root, { recursive: true });
  const config = join(root, 'config.yml');
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child: ChildProcess = spawn(binary, ['serve', config], { stdio: 'ignore' });
  return waitForServer('distribution v3', child, port);
}

interface Results {
  readonly manifestGet: Record<number, { rps: number; p50: number; p99: number }>;
  readonly smallPushPerSecond: number;
  readonly bigPushMBps: number;
  readonly bigPullMBps: number;
}

async function measure(target: Target, seconds: number): Promise<Results> {
  const client = new RegistryClient({ logger: { warn: () => undefined } });
  const repository = client.repository(`${target.host}/bench/app`);
  const layer = Buffer.from('bench layer');
  const layerDescriptor = descriptorFor(MEDIA_TYPE_IMAGE_LAYER, layer);
  await repository.push(layerDescriptor, layer);
  const packed = packArtifactManifest({ artifactType: 'application/vnd.bench', layers: [layerDescriptor] });
  await pushPackedManifest(repository, packed);
  await repository.tag(packed.descriptor, 'v1');

  // Manifest GETs over a bare keep-alive pool: what a verifier or kubelet does most.
  const agent = new Agent({ connections: 64 });
  const manifestGet: Results['manifestGet'] = {};
  for (const connections of [1, 16]) {
    const count = Math.max(200, Math.round(seconds * 600));
    const run = await measureConcurrent(count, connections, async () => {
      const answer = await request(`http://${target.host}/v2/bench/app/manifests/v1`, {
        dispatcher: agent,
        headers: { accept: MEDIA_TYPE_IMAGE_MANIFEST },
      });
      await answer.body.arrayBuffer();
      if (answer.statusCode !== 200) throw new Error(`GET manifest: ${answer.statusCode}`);
    });
    manifestGet[connections] = { rps: count / (run.wallMs / 1000), p50: median(run.latencies), p99: percentile(run.latencies, 0.99) };
  }
  await agent.close();

  // Small artifacts pushed one after another: blob upload (POST+PUT) and manifest PUT each.
  const pushes = 100;
  const small = await measureConcurrent(pushes, 4, async (index) => {
    const bytes = Buffer.from(`artifact ${index} ${Math.random()}`);
    const descriptor = descriptorFor(MEDIA_TYPE_IMAGE_LAYER, bytes);
    await repository.push(descriptor, bytes);
    await pushPackedManifest(repository, packArtifactManifest({ artifactType: 'application/vnd.bench', layers: [descriptor] }));
  });

  // One 64 MiB blob up and down through the streaming paths.
  const big = Buffer.alloc(64 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE((i ^ 0x9e3779b9) >>> 0, i);
  const bigDescriptor = descriptorFor(MEDIA_TYPE_IMAGE_LAYER, big);
  const up = performance.now();
  await repository.push(bigDescriptor, big);
  const upMs = performance.now() - up;
  const down = performance.now();
  const pulled = await readAll(await repository.fetch(bigDescriptor), big.length + 1);
  const downMs = performance.now() - down;
  if (!pulled.equals(big)) throw new Error('pulled blob differs');
  await client.close();
  return {
    manifestGet,
    smallPushPerSecond: pushes / (small.wallMs / 1000),
    bigPushMBps: 64 / (upMs / 1000),
    bigPullMBps: 64 / (downMs / 1000),
  };
}

export async function benchRegistry(seconds = 2): Promise<void> {
  const binary = findTool('registry');
  const scratch = await mkdtemp(join(tmpdir(), 'portcullis-bench-'));
  try {
    const ours = await startPortcullis(join(scratch, 'portcullis'));
    const oursResults = await measure(ours, seconds);
    await ours.stop();
    if (binary === undefined) {
      console.log('distribution registry not found (bash .ci/install-tools.sh): no baseline, absolute numbers only');
    }
    const baseline = binary === undefined ? undefined : await startDistribution(binary, join(scratch, 'distribution'));
    const baseResults = baseline === undefined ? undefined : await measure(baseline, seconds);
    await baseline?.stop();
    const row = (label: string, pick: (r: Results) => number, unit: string): string[] => {
      const mine = pick(oursResults);
      const theirs = baseResults === undefined ? Number.NaN : pick(baseResults);
      return [label, `${mine.toFixed(1)} ${unit}`, Number.isNaN(theirs) ? '-' : `${theirs.toFixed(1)} ${unit}`, Number.isNaN(theirs) ? '-' : ratio(mine, theirs)];
    };
    const inverse = (label: string, pick: (r: Results) => number, unit: string): string[] => {
      const [name, mine, theirs] = row(label, pick, unit);
      const value = baseResults === undefined ? '-' : ratio(pick(baseResults), pick(oursResults));
      return [name!, mine!, theirs!, value];
    };
    console.log('\n## Embedded registry vs distribution v3 (same client, same run; ratio > 1 = Portcullis faster)\n');
    printTable(
      ['measure', 'portcullis', 'distribution v3', 'ratio'],
      [
        row('manifest GET, 1 connection', (r) => r.manifestGet[1]!.rps, 'req/s'),
        inverse('  p50 latency', (r) => r.manifestGet[1]!.p50, 'ms'),
        row('manifest GET, 16 connections', (r) => r.manifestGet[16]!.rps, 'req/s'),
        inverse('  p99 latency', (r) => r.manifestGet[16]!.p99, 'ms'),
        row('small artifact push (blob + manifest)', (r) => r.smallPushPerSecond, 'artifacts/s'),
        row('64 MiB blob push', (r) => r.bigPushMBps, 'MiB/s'),
        row('64 MiB blob pull', (r) => r.bigPullMBps, 'MiB/s'),
      ],
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRegistry(Number(process.env.BENCH_SECONDS ?? 2));
