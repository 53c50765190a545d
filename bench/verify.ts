/**
 * `portcullis verify` against `notation verify` on the same signed image in the embedded registry:
 * the library called in-process (warm: one client and verifier reused; cold: new ones each call),
 * the CLI as a process, and notation v1.3.2 as a process. Runs alternate between the contenders so
 * drift (CPU frequency, caches, the registry's own warm-up) hits all of them alike; the table shows
 * medians and each contender's ratio to notation.
 *
 * Standalone: npx tsc -p . && node dist/bench/verify.js [--runs N]
 * Library:    import { benchVerify } from './verify.js'; await benchVerify({ runs: 30 });
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MemoryStore, copy } from '../src/content/index.js';
import { createLocalSigner } from '../src/envelope/index.js';
import { LayoutStore } from '../src/layout/index.js';
import { descriptorFor, type Descriptor } from '../src/oci/index.js';
import { CertificateCache, derToPem, generateTestCertificate, type KeySpec } from '../src/pki/index.js';
import { RegistryClient } from '../src/registry/client/index.js';
import { startRegistry } from '../src/registry/server/index.js';
import { sign } from '../src/sign/index.js';
import { MemoryTrustStore, parseOCITrustPolicyDocument } from '../src/trust/index.js';
import { Verifier } from '../src/verify/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BenchVerifyOptions {
  /** Measured runs per contender (after one warm-up each). Default 20. */
  readonly runs?: number;
  /** Signing key spec. Default RSA-3072 (Notation's generate-test size is RSA-2048; 3072 is the common default elsewhere). */
  readonly keySpec?: KeySpec;
  /** The notation binary; default .tools/bin/notation, then PATH. Omitted from the table when missing. */
  readonly notation?: string;
  /** Where the table goes. Default console.log. */
  readonly print?: (text: string) => void;
}

export interface BenchRow {
  readonly contender: string;
  readonly medianMs: number;
  readonly p90Ms: number;
  /** medianMs / notation's medianMs, when notation ran. */
  readonly ratio?: number;
}

function findNotation(explicit?: string): string | undefined {
  const candidates = [explicit, process.env.PORTCULLIS_TOOLS_BIN && join(process.env.PORTCULLIS_TOOLS_BIN, 'notation'), join(ROOT, '.tools', 'bin', 'notation'), ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'notation'))];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

function run(binary: string, argv: readonly string[], env: Record<string, string>, expect = 'Successfully verified'): Promise<void> {
  return new Promise((resolveRun, reject) => {
    execFile(binary, [...argv], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${binary} ${argv.join(' ')} failed: ${stderr || stdout || error.message}`));
      else if (!stdout.includes(expect)) reject(new Error(`unexpected output: ${stdout}`));
      else resolveRun();
    });
  });
}

function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** A small image to sign when the shared e2e layout is not beside the repository. */
async function sourceImage(): Promise<{ store: MemoryStore | LayoutStore; reference: string }> {
  const shared = join(process.env.PORTCULLIS_SHARED_DIR ?? join(ROOT, '..', 'shared'), 'conformance', 'notation-e2e', 'testdata', 'registry', 'oci_layout', 'e2e');
  if (existsSync(shared)) return { store: await LayoutStore.open(shared, { create: false }), reference: 'v1' };
  const store = new MemoryStore();
  const layer = Buffer.from('portcullis bench\n');
  const config = Buffer.from('{}');
  const layerDescriptor = descriptorFor('application/vnd.oci.image.layer.v1.tar', layer);
  const configDescriptor = descriptorFor('application/vnd.oci.empty.v1+json', config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDescriptor, layers: [layerDescriptor] }));
  const manifestDescriptor: Descriptor = descriptorFor('application/vnd.oci.image.manifest.v1+json', manifest);
  await store.push(layerDescriptor, layer);
  await store.push(configDescriptor, config);
  await store.push(manifestDescriptor, manifest);
  await store.tag(manifestDescriptor, 'v1');
  return { store, reference: 'v1' };
}

export async function benchVerify(options: BenchVerifyOptions = {}): Promise<BenchRow[]> {
  const runs = Math.max(1, options.runs ?? 20);
  const print = options.print ?? ((text: string) => console.log(text));
  const notation = findNotation(options.notation);
  const work = await mkdtemp(join(tmpdir(), 'portcullis-bench-verify-'));
  const registry = await startRegistry({ root: join(work, 'registry'), port: 0 });
  const setupClient = new RegistryClient();
  try {
    // The image, signed once (tag schema, as notation v1.3.2 signs by default, and Referrers API).
    const host = new URL(registry.url).host;
    const repository = setupClient.repository(`${host}/bench/app`);
    const source = await sourceImage();
    const subject = await copy(source.store, source.reference, repository, 'v1');
    const key = await generateTestCertificate({ commonName: 'bench', keySpec: options.keySpec ?? 'RSA-3072', notBefore: new Date(Date.now() - 3600_000) });
    await sign(repository, subject, { signer: createLocalSigner(key.privateKey, [key.certificate]), signingAgent: 'portcullis/bench', clock: { now: () => Date.now() } });

    // One Notation configuration directory for both CLIs.
    const home = join(work, 'home');
    const config = join(home, 'notation');
    await mkdir(join(config, 'truststore', 'x509', 'ca', 'bench'), { recursive: true });
    await writeFile(join(config, 'truststore', 'x509', 'ca', 'bench', 'bench.crt'), derToPem(key.certificate));
    const policy = {
      version: '1.0',
      trustPolicies: [{ name: 'bench', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:bench'], trustedIdentities: ['*'] }],
    };
    await writeFile(join(config, 'trustpolicy.json'), JSON.stringify(policy));
    const env = { XDG_CONFIG_HOME: home, HOME: home, NOTATION_CACHE: join(home, '.cache') };
    const reference = `${host}/bench/app@${subject.digest}`;

    const trustPolicy = parseOCITrustPolicyDocument(Buffer.from(JSON.stringify(policy)));
    const trustStore = new MemoryTrustStore({ 'ca:bench': [key.certificate] });
    const warmClient = new RegistryClient();
    const warmVerifier = new Verifier({ trustPolicy, trustStore, clock: { now: () => Date.now() }, certificateCache: new CertificateCache() });
    const target = { scope: `${host}/bench/app`, reference: subject.digest };

    const contenders: { name: string; once: () => Promise<void> }[] = [
      {
        name: 'portcullis library (warm client + verifier)',
        once: async () => {
          const outcome = await warmVerifier.verify(warmClient.repository(`${host}/bench/app`), target);
          if (!outcome.verified) throw new Error('not verified');
        },
      },
      {
        name: 'portcullis library (new client + verifier)',
        once: async () => {
          const client = new RegistryClient();
          try {
            const verifier = new Verifier({ trustPolicy, trustStore, clock: { now: () => Date.now() } });
            const outcome = await verifier.verify(client.repository(`${host}/bench/app`), target);
            if (!outcome.verified) throw new Error('not verified');
          } finally {
            await client.close();
          }
        },
      },
      { name: 'portcullis CLI (process)', once: () => run(process.execPath, [join(ROOT, 'bin', 'portcullis.js'), 'verify', reference], env) },
      ...(notation ? [{ name: 'notation v1.3.2 (process)', once: () => run(notation, ['verify', '--insecure-registry', reference], env) }] : []),
      // Baselines: what a Node process and the CLI's start-up cost before verifying anything.
      { name: 'baseline: node -e 0 (process)', once: () => run(process.execPath, ['-e', '0'], env, '') },
      { name: 'baseline: portcullis --version (process)', once: () => run(process.execPath, [join(ROOT, 'bin', 'portcullis.js'), '--version'], env, '0.') },
    ];

    const samples = new Map<string, number[]>(contenders.map((contender) => [contender.name, []]));
    for (const contender of contenders) await contender.once(); // warm-up, and a correctness check
    for (let round = 0; round < runs; round++) {
      // Rotate the order each round so no contender always runs right after another.
      for (let k = 0; k < contenders.length; k++) {
        const contender = contenders[(round + k) % contenders.length]!;
        const started = performance.now();
        await contender.once();
        samples.get(contender.name)!.push(performance.now() - started);
      }
    }
    await warmClient.close();

    const notationMedian = notation ? quantile([...samples.get('notation v1.3.2 (process)')!].sort((a, b) => a - b), 0.5) : undefined;
    const rows: BenchRow[] = contenders.map(({ name }) => {
      const sorted = [...samples.get(name)!].sort((a, b) => a - b);
      const medianMs = quantile(sorted, 0.5);
      return { contender: name, medianMs, p90Ms: quantile(sorted, 0.9), ...(notationMedian !== undefined && { ratio: medianMs / notationMedian }) };
    });
    const width = Math.max(...rows.map((row) => row.contender.length));
    print(`verify ${reference.replace(/@.*/, '')}@… (one ${options.keySpec ?? 'RSA-3072'} signature, strict policy), median of ${runs} alternating runs`);
    print(`${'contender'.padEnd(width)}  median ms  p90 ms  vs notation`);
    for (const row of rows) {
      print(`${row.contender.padEnd(width)}  ${row.medianMs.toFixed(2).padStart(9)}  ${row.p90Ms.toFixed(2).padStart(6)}  ${row.ratio === undefined ? '-' : `${row.ratio.toFixed(3)}x`}`);
    }
    if (!notation) print('(notation not found: install it into .tools/bin to compare)');
    return rows;
  } finally {
    await setupClient.close();
    await registry.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--runs');
  const runs = at >= 0 ? Number(process.argv[at + 1]) : Number(process.env.BENCH_RUNS ?? 20);
  await benchVerify({ runs: Number.isFinite(runs) && runs > 0 ? runs : 20 });
}
