/**
 * Admission webhook throughput and latency, against a bare node:https server answering the same
 * AdmissionReview without verifying (the ceiling), both measured in the same run, each in its
 * own process, with the same client:
 * - warm cache (every image already verified): requests/s and p50/p99 at 1, 16 and 64 connections;
 * - cold: one review per distinct signed image (tag → digest → referrers → signature → verify).
 * Both servers get the same body, certificate, key and keep-alive, run single-process, are warmed
 * up (JIT, connections) before anything is measured and must give the same answer. The warm load
 * is measured in BENCH_ROUNDS rounds (default 3), each made of short alternating turns of the two
 * servers; the table shows medians, and the spread (min–max) of the per-round ratios. The CPU that
 * other processes used meanwhile is printed: this machine is shared.
 * Run standalone: node dist/bench/admission.js (BENCH_SECONDS scales the load, BENCH_COLD=0 skips
 * the cold phase, BENCH_PROFILE=portcullis|ceiling writes a CPU profile to /tmp/benchprof).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { admissionReview, pod, startAdmissionWorld, type AdmissionWorld, type PushedImage } from '../test/helpers/admission.js';
import { freePort, waitFor } from '../test/helpers/network.js';
import { REPOSITORY_ROOT } from '../test/helpers/tools.js';
import { deepStrictEqual } from 'node:assert';
import { measureConcurrent, median, percentile, printTable, ratio } from './stats.js';

interface Target {
  readonly name: string;
  readonly url: string;
  /** CPU time (user + system) the server process has used so far, in ms (Linux /proc; NaN elsewhere). */
  cpuMs(): number;
  stop(): Promise<void>;
}

function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

async function spawnTarget(name: string, args: readonly string[], url: string, ca: Buffer, readyPath: string): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_PROFILE && name === process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/benchprof'] : []), ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
  const agent = new Agent({ connect: { ca } });
  try {
    await waitFor(
      async () => {
        const answer = await request(`${url}${readyPath}`, { dispatcher: agent, method: readyPath === '/validate' ? 'POST' : 'GET', ...(readyPath === '/validate' && { body: JSON.stringify(admissionReview(pod('probe', []))) }) });
        await answer.body.dump();
        return answer.statusCode === 200;
      },
      20_000,
      name,
    );
  } finally {
    await agent.close();
  }
  return {
    name,
    url,
    cpuMs: () => processCpuMs(child.pid),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** CPU time of every process on the machine so far (busy) and time the hypervisor ran others instead (steal), in ms (Linux /proc/stat; NaN elsewhere). */
function machineCpuMs(): { busy: number; steal: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal, in ticks of 10 ms: busy is all but idle, iowait and steal.
    return { busy: (fields[0]! + fields[1]! + fields[2]! + fields[5]! + fields[6]!) * 10, steal: (fields[7] ?? Number.NaN) * 10 };
  } catch {
    return { busy: Number.NaN, steal: Number.NaN };
  }
}

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Server CPU per request, µs. */
  readonly cpuUs: number;
}

/** Requests sent to one target in one slice, to be summed with its other slices of the round. */
interface Slice {
  readonly count: number;
  readonly wallMs: number;
  readonly latencies: readonly number[];
  readonly cpuMs: number;
}

/** A keep-alive client of one target with its connections open (TLS handshakes done): the API server keeps them open too. */
async function connect(target: Target, ca: Buffer, connections: number, body: string): Promise<Agent> {
  const agent = new Agent({ connect: { ca }, connections, keepAliveTimeout: 60_000 });
  await measureConcurrent(connections * 2, connections, async () => {
    const answer = await request(`${target.url}/validate`, { dispatcher: agent, method: 'POST', body, headers: { 'content-type': 'application/json' } });
    await answer.body.dump();
  });
  return agent;
}

async function slice(target: Target, agent: Agent, connections: number, count: number, body: (index: number) => string, expectAllowed: boolean): Promise<Slice> {
  const cpuBefore = target.cpuMs();
  const run = await measureConcurrent(count, connections, async (index) => {
    const answer = await request(`${target.url}/validate`, { dispatcher: agent, method: 'POST', body: body(index), headers: { 'content-type': 'application/json' } });
    const json = (await answer.body.json()) as { response: { allowed: boolean } };
    if (answer.statusCode !== 200 || json.response.allowed !== expectAllowed) throw new Error(`${target.name}: unexpected answer ${answer.statusCode} ${JSON.stringify(json)}`);
  });
  return { count, wallMs: run.wallMs, latencies: run.latencies, cpuMs: target.cpuMs() - cpuBefore };
}

function summarise(slices: readonly Slice[]): Run {
  const count = slices.reduce((sum, part) => sum + part.count, 0);
  const wallMs = slices.reduce((sum, part) => sum + part.wallMs, 0);
  const latencies = slices.flatMap((part) => part.latencies);
  const cpuMs = slices.reduce((sum, part) => sum + part.cpuMs, 0);
  return { rps: count / (wallMs / 1000), p50: median(latencies), p99: percentile(latencies, 0.99), cpuUs: (cpuMs * 1000) / count };
}

async function load(target: Target, ca: Buffer, connections: number, count: number, body: (index: number) => string, expectAllowed: boolean): Promise<Run> {
  const agent = await connect(target, ca, connections, body(0));
  try {
    return summarise([await slice(target, agent, connections, count, body, expectAllowed)]);
  } finally {
    await agent.close();
  }
}

/** JIT warm-up, excluded from every measure: the answer of each target must be the ceiling's, byte for byte once parsed. */
async function warmUp(target: Target, ca: Buffer, body: string, requests: number): Promise<unknown> {
  const agent = new Agent({ connect: { ca }, connections: 8, keepAliveTimeout: 60_000 });
  let answer: unknown;
  try {
    await measureConcurrent(requests, 8, async () => {
      const response = await request(`${target.url}/validate`, { dispatcher: agent, method: 'POST', body, headers: { 'content-type': 'application/json' } });
      answer = await response.body.json();
    });
  } finally {
    await agent.close();
  }
  return answer;
}

const spread = (values: readonly number[], digits = 2): string => (values.length < 2 ? '' : ` (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`);

export async function benchAdmission(seconds = 2, options: { rounds?: number; cold?: boolean } = {}): Promise<void> {
  const rounds = Math.max(1, options.rounds ?? 3);
  const world: AdmissionWorld = await startAdmissionWorld();
  const targets: Target[] = [];
  try {
    const warm = await world.pushImage('bench/web', 'v1');
    await world.signImage(warm);
    const sidecar = await world.pushImage('bench/sidecar', 'v1');
    await world.signImage(sidecar);
    const coldCount = options.cold === false ? 0 : Math.max(20, Math.round(seconds * 20));
    const cold: PushedImage[] = [];
    for (let index = 0; index < coldCount; index++) {
      const image = await world.pushImage(`bench/cold-${index}`, 'v1');
      await world.signImage(image);
      cold.push(image);
    }
    const ca = world.tls.ca;
    const ceilingPort = await freePort();
    const ceiling = await spawnTarget('ceiling', [join(REPOSITORY_ROOT, 'dist', 'bench', 'admission-ceiling.js'), String(ceilingPort), world.tls.certFile, world.tls.keyFile], `https://127.0.0.1:${ceilingPort}`, ca, '/validate');
    targets.push(ceiling);
    const webhookPort = await freePort();
    const webhook = await spawnTarget(
      'portcullis',
      [join(REPOSITORY_ROOT, 'bin', 'portcullis.js'), 'admission', 'serve', '--addr', `127.0.0.1:${webhookPort}`, '--tls-cert', world.tls.certFile, '--tls-key', world.tls.keyFile, '--config-dir', world.configDir, '--tag-cache-ttl', '10m'],
      `https://127.0.0.1:${webhookPort}`,
      ca,
      '/readyz',
    );
    targets.push(webhook);

    // A realistic pod: an app by tag and a sidecar by digest, labels, env, probes.
    const warmPod = pod('web-7d4b9c', [warm.byTag, sidecar.byDigest], { namespace: 'shop' });
    warmPod.metadata.labels = { app: 'web', 'pod-template-hash': '7d4b9c', tier: 'frontend' };
    warmPod.spec.containers[0].env = Array.from({ length: 10 }, (_, index) => ({ name: `VAR_${index}`, value: `value-${index}` }));
    warmPod.spec.containers[0].readinessProbe = { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 };
    const warmBody = JSON.stringify(admissionReview(warmPod, { namespace: 'shop' }));

    const warmUpRequests = Math.max(500, Math.round(seconds * 500));
    const expected = await warmUp(ceiling, ca, warmBody, warmUpRequests);
    deepStrictEqual(await warmUp(webhook, ca, warmBody, warmUpRequests), expected, 'the webhook and the ceiling must give the same answer');

    // Each round runs both servers in SLICES short turns, alternating which goes first, so that
    // load from other processes on the machine falls on both alike; a round's ratio compares the
    // two sums. The machine's CPU use outside the two servers and this process is recorded too.
    const SLICES = 4;
    const connectionsList = [1, 16, 64];
    const rows: string[][] = [];
    const otherLoad: number[] = [];
    const steal: number[] = [];
    for (const connections of connectionsList) {
      const count = Math.max(400, Math.round(seconds * (connections === 1 ? 600 : 1500)));
      const perSlice = Math.ceil(count / SLICES);
      const bases: Run[] = [];
      const ourRuns: Run[] = [];
      const agents = new Map<Target, Agent>([
        [ceiling, await connect(ceiling, ca, connections, warmBody)],
        [webhook, await connect(webhook, ca, connections, warmBody)],
      ]);
      try {
        for (let round = 0; round < rounds; round++) {
          const parts = new Map<Target, Slice[]>([
            [ceiling, []],
            [webhook, []],
          ]);
          const machineBefore = machineCpuMs();
          const ownBefore = process.cpuUsage();
          const started = performance.now();
          for (let turn = 0; turn < SLICES; turn++) {
            for (const target of (round + turn) % 2 === 0 ? [ceiling, webhook] : [webhook, ceiling]) {
              parts.get(target)!.push(await slice(target, agents.get(target)!, connections, perSlice, () => warmBody, true));
            }
          }
          const own = process.cpuUsage(ownBefore);
          const serversMs = [...parts.values()].flat().reduce((sum, part) => sum + part.cpuMs, 0);
          const machineAfter = machineCpuMs();
          const elapsedMs = performance.now() - started;
          // Per-process and machine-wide tick counts round differently: a quiet machine can come out slightly below 0.
          otherLoad.push(Math.max(0, (machineAfter.busy - machineBefore.busy - serversMs - (own.user + own.system) / 1000) / elapsedMs));
          steal.push((machineAfter.steal - machineBefore.steal) / elapsedMs);
          bases.push(summarise(parts.get(ceiling)!));
          ourRuns.push(summarise(parts.get(webhook)!));
        }
      } finally {
        await Promise.all([...agents.values()].map((agent) => agent.close()));
      }
      const pick = (runs: readonly Run[], field: keyof Run): number => median(runs.map((run) => run[field]));
      const throughputRatios = ourRuns.map((run, index) => run.rps / bases[index]!.rps);
      const p99Ratios = ourRuns.map((run, index) => run.p99 / bases[index]!.p99);
      rows.push([
        `warm, ${connections} connection${connections > 1 ? 's' : ''}`,
        `${pick(bases, 'rps').toFixed(0)} req/s`,
        `${pick(ourRuns, 'rps').toFixed(0)} req/s`,
        `${median(throughputRatios).toFixed(2)}x${spread(throughputRatios)}`,
        `${pick(bases, 'p50').toFixed(2)} / ${pick(bases, 'p99').toFixed(2)} ms`,
        `${pick(ourRuns, 'p50').toFixed(2)} / ${pick(ourRuns, 'p99').toFixed(2)} ms`,
        `${median(p99Ratios).toFixed(2)}x${spread(p99Ratios)}`,
        `${pick(bases, 'cpuUs').toFixed(0)} / ${pick(ourRuns, 'cpuUs').toFixed(0)} µs${spread(ourRuns.map((run) => run.cpuUs), 0)}`,
      ]);
    }

    // Cold: each review brings an image never verified; 8 in flight, as a rollout of many apps would.
    world.resetRegistryRequests();
    if (options.cold !== false) {
      const coldBodies = cold.map((image) => JSON.stringify(admissionReview(pod('cold', [image.byTag]))));
      const coldRun = await load(webhook, ca, 8, coldBodies.length, (index) => coldBodies[index % coldBodies.length]!, true);
      rows.push([
        `cold, ${coldCount} distinct signed images, 8 connections`,
        '-',
        `${coldRun.rps.toFixed(1)} images/s`,
        '-',
        '-',
        `${coldRun.p50.toFixed(1)} / ${coldRun.p99.toFixed(1)} ms`,
        '-',
        `- / ${coldRun.cpuUs.toFixed(0)} µs`,
      ]);
    }

    console.log(`\n## Admission webhook vs a bare HTTPS server answering the same AdmissionReview (same client, same run; median of ${rounds} alternating rounds, spread in brackets)\n`);
    printTable(['measure', 'ceiling (no verification)', 'portcullis', 'throughput ratio', 'ceiling p50 / p99', 'portcullis p50 / p99', 'p99 ratio', 'server CPU/request (ceiling / portcullis)'], rows);
    console.log('\nThe load generator runs on the same cores as the servers: a server that spends more CPU per request leaves the client less, so the CPU column is the intrinsic cost.');
    if (otherLoad.every(Number.isFinite)) {
      console.log(
        `Other processes on the machine used ${median(otherLoad).toFixed(2)} cores (median of the warm rounds; at most ${Math.max(...otherLoad).toFixed(2)}) of its ${availableParallelism()}; the hypervisor took ${median(steal).toFixed(2)} (steal; at most ${Math.max(...steal).toFixed(2)}).`,
      );
    }
    if (options.cold !== false) console.log(`\ncold phase: ${world.registryRequests()} registry requests for ${coldCount} images (warm-up requests included)`);
  } finally {
    await Promise.all(targets.map((target) => target.stop()));
    await world.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchAdmission(Number(process.env.BENCH_SECONDS ?? 2), { rounds: Number(process.env.BENCH_ROUNDS ?? 3), cold: process.env.BENCH_COLD !== '0' });
}
