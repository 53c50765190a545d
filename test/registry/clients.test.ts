import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LayoutStore } from '../../src/layout/index.js';
import { REPO_ROOT, startTestRegistry, type TestRegistry } from './helpers.js';

/**
 * Real clients against the embedded registry: skopeo (containers/image) copies an OCI layout in
 * and out with digests unchanged, oras attaches a referrer and discovers it. A missing tool skips
 * its test on a developer machine and fails it in CI.
 */
const SHARED = process.env.PORTCULLIS_SHARED_DIR ?? join(REPO_ROOT, '..', 'shared');
const E2E_LAYOUT = join(SHARED, 'conformance', 'notation-e2e', 'testdata', 'registry', 'oci_layout', 'e2e');
const E2E_DIGEST = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';

function findTool(name: string): string | undefined {
  const candidates = [join(REPO_ROOT, '.tools', 'bin', name), ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name))];
  return candidates.find((candidate) => candidate !== name && existsSync(candidate));
}

function skipUnless(tool: string | undefined, name: string): string | false {
  if (tool !== undefined || process.env.CI) return false;
  return `${name} is not installed`;
}

function run(tool: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, [...args], { cwd, timeout: 120_000, env: { ...process.env, HOME: cwd } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${tool} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

describe('real clients against the registry', () => {
  let registry: TestRegistry;
  let scratch: string;
  let host: string;
  before(async () => {
    registry = await startTestRegistry();
    host = new URL(registry.url).host;
    scratch = await mkdtemp(join(tmpdir(), 'portcullis-clients-'));
  });
  after(async () => {
    await registry.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  const skopeo = findTool('skopeo');
  it('skopeo copies an OCI layout in and back out with the same digests', { skip: skipUnless(skopeo, 'skopeo'), timeout: 120_000 }, async () => {
    assert.ok(skopeo, 'skopeo is required in CI');
    const source = join(scratch, 'source');
    await cp(E2E_LAYOUT, source, { recursive: true });
    const policy = join(scratch, 'policy.json');
    await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    const common = ['--policy', policy, 'copy', '--preserve-digests'];
    await run(skopeo, [...common, '--dest-tls-verify=false', `oci:${source}:v1`, `docker://${host}/e2e/image:v1`], scratch);
    const inspected = JSON.parse(await run(skopeo, ['inspect', '--tls-verify=false', '--raw', `docker://${host}/e2e/image:v1`], scratch)) as {
      mediaType: string;
    };
    assert.equal(inspected.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const back = join(scratch, 'back');
    await run(skopeo, [...common, '--src-tls-verify=false', `docker://${host}/e2e/image:v1`, `oci:${back}:v1`], scratch);
    const copied = await (await LayoutStore.open(back, { create: false })).resolve('v1');
    assert.equal(copied.digest, E2E_DIGEST);
    const stored = await (await LayoutStore.open(join(registry.root, 'repositories', 'e2e+image'), { create: false })).resolve('v1');
    assert.equal(stored.digest, E2E_DIGEST, 'the repository folder is itself a valid OCI layout');
  });

  const oras = findTool('oras');
  it('oras attaches a referrer and discovers it through the Referrers API', { skip: skipUnless(oras, 'oras'), timeout: 120_000 }, async () => {
    assert.ok(oras, 'oras is required in CI');
    const layout = join(scratch, 'oras-source');
    await cp(E2E_LAYOUT, layout, { recursive: true });
    await run(oras, ['cp', '--from-oci-layout', `${layout}:v1`, '--to-plain-http', `${host}/oras/app:v1`], scratch);
    await writeFile(join(scratch, 'sbom.json'), '{"sbom":true}');
    await run(oras, ['attach', '--plain-http', '--artifact-type', 'application/vnd.example.sbom', `${host}/oras/app:v1`, 'sbom.json:application/json'], scratch);
    const discovered = JSON.parse(await run(oras, ['discover', '--plain-http', '--format', 'json', `${host}/oras/app:v1`], scratch)) as {
      referrers?: Array<{ artifactType: string }>;
      manifests?: Array<{ artifactType: string }>;
    };
    const referrers = discovered.referrers ?? discovered.manifests ?? [];
    assert.deepEqual(referrers.map((entry) => entry.artifactType), ['application/vnd.example.sbom']);
    const repositories = await run(oras, ['repo', 'ls', '--plain-http', host], scratch);
    assert.match(repositories, /oras\/app/);
    const tags = await run(oras, ['repo', 'tags', '--plain-http', `${host}/oras/app`], scratch);
    assert.match(tags, /^v1$/m);
  });
});
