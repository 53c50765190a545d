import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LayoutStore } from '../../src/layout/index.js';
import { testdata } from '../helpers/conformance.js';
import { temporaryDirectory, type TemporaryDirectory } from '../helpers/temporary-directory.js';
import { assertTool, requiredTool } from '../helpers/tools.js';
import { startTestRegistry, type TestRegistry } from './helpers.js';

/**
 * Real clients against the embedded registry: skopeo (containers/image) copies an OCI layout in
 * and out with digests unchanged, oras attaches a referrer and discovers it. A missing tool skips
 * its test on a developer machine and fails it in CI.
 */
const E2E_LAYOUT = testdata('registry', 'oci_layout', 'e2e');
const E2E_DIGEST = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
const skopeo = requiredTool('skopeo', 'apt-get install skopeo, as .ci/install-tools.sh does');
const oras = requiredTool('oras', 'run bash .ci/install-tools.sh');

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
  let directory: TemporaryDirectory;
  let scratch: string;
  let host: string;
  before(async () => {
    registry = await startTestRegistry();
    host = new URL(registry.url).host;
    directory = await temporaryDirectory('clients');
    scratch = directory.path;
  });
  after(async () => {
    await registry.dispose();
    await directory.remove();
  });

  it('skopeo copies an OCI layout in and back out with the same digests', { skip: skopeo.skip, timeout: 120_000 }, async () => {
    const skopeoBin = assertTool('skopeo', skopeo.path);
    const source = join(scratch, 'source');
    await cp(E2E_LAYOUT, source, { recursive: true });
    const policy = join(scratch, 'policy.json');
    await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    const common = ['--policy', policy, 'copy', '--preserve-digests'];
    await run(skopeoBin, [...common, '--dest-tls-verify=false', `oci:${source}:v1`, `docker://${host}/e2e/image:v1`], scratch);
    const inspected = JSON.parse(await run(skopeoBin, ['inspect', '--tls-verify=false', '--raw', `docker://${host}/e2e/image:v1`], scratch)) as {
      mediaType: string;
    };
    assert.equal(inspected.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const back = join(scratch, 'back');
    await run(skopeoBin, [...common, '--src-tls-verify=false', `docker://${host}/e2e/image:v1`, `oci:${back}:v1`], scratch);
    const copied = await (await LayoutStore.open(back, { create: false })).resolve('v1');
    assert.equal(copied.digest, E2E_DIGEST);
    const stored = await (await LayoutStore.open(join(registry.root, 'repositories', 'e2e+image'), { create: false })).resolve('v1');
    assert.equal(stored.digest, E2E_DIGEST, 'the repository folder is itself a valid OCI layout');
  });

  it('oras attaches a referrer and discovers it through the Referrers API', { skip: oras.skip, timeout: 120_000 }, async () => {
    const orasBin = assertTool('oras', oras.path);
    const layout = join(scratch, 'oras-source');
    await cp(E2E_LAYOUT, layout, { recursive: true });
    await run(orasBin, ['cp', '--from-oci-layout', `${layout}:v1`, '--to-plain-http', `${host}/oras/app:v1`], scratch);
    await writeFile(join(scratch, 'sbom.json'), '{"sbom":true}');
    await run(orasBin, ['attach', '--plain-http', '--artifact-type', 'application/vnd.example.sbom', `${host}/oras/app:v1`, 'sbom.json:application/json'], scratch);
    const discovered = JSON.parse(await run(orasBin, ['discover', '--plain-http', '--format', 'json', `${host}/oras/app:v1`], scratch)) as {
      referrers?: Array<{ artifactType: string }>;
      manifests?: Array<{ artifactType: string }>;
    };
    const referrers = discovered.referrers ?? discovered.manifests ?? [];
    assert.deepEqual(referrers.map((entry) => entry.artifactType), ['application/vnd.example.sbom']);
    const repositories = await run(orasBin, ['repo', 'ls', '--plain-http', host], scratch);
    assert.match(repositories, /oras\/app/);
    const tags = await run(orasBin, ['repo', 'tags', '--plain-http', `${host}/oras/app`], scratch);
    assert.match(tags, /^v1$/m);
  });
});
