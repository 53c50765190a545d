import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { runCli, runCliOk } from '../helpers/cli.js';
import { startDistributionRegistry, type RunningRegistry } from '../helpers/distribution-registry.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { requiredTool } from '../helpers/tools.js';
import { startTestRegistry, type TestRegistry } from '../registry/helpers.js';

const run = promisify(execFile);
const oras = requiredTool('oras', 'run bash .ci/install-tools.sh');
const distribution = requiredTool('registry', 'run bash .ci/install-tools.sh');

interface Pushed {
  readonly digest: string;
}

describe('ORAS-style commands against registries', () => {
  let registry: TestRegistry;
  let host: string;
  let work: string;

  before(async () => {
    registry = await startTestRegistry();
    host = new URL(registry.url).host;
    work = (await temporaryDirectory('oras-registry')).path;
    await writeFile(join(work, 'app.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
    await writeFile(join(work, 'sbom.json'), '{"spdxVersion":"SPDX-2.3"}');
  });
  after(() => registry.dispose());

  it('push, resolve, tag, repo tags and pull round-trip through the embedded registry', async () => {
    const pushed = JSON.parse((await runCliOk(['push', `${host}/demo/app:v1`, 'app.bin', '-o', 'json'], { cwd: work })).stdout) as Pushed;
    assert.equal((await runCliOk(['resolve', `${host}/demo/app:v1`])).stdout.trim(), pushed.digest);
    await runCliOk(['tag', `${host}/demo/app@${pushed.digest}`, 'stable', 'v1.0.0']);
    assert.deepEqual(JSON.parse((await runCliOk(['repo', 'tags', `${host}/demo/app`, '-o', 'json'])).stdout), { tags: ['stable', 'v1', 'v1.0.0'] });
    await runCliOk(['pull', `${host}/demo/app:stable`, '--output-directory', join(work, 'pulled')]);
    assert.deepEqual(await readFile(join(work, 'pulled', 'app.bin')), await readFile(join(work, 'app.bin')));
  });

  it('errors name what is missing and exit 1', async () => {
    const missing = await runCli(['resolve', `${host}/demo/app:nope`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: .*demo\/app:nope.*MANIFEST_UNKNOWN/);
    const bad = await runCli(['resolve', 'not a reference']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid reference/);
  });

  it('oras sees what portcullis attaches, and portcullis sees what oras attaches', { skip: oras.skip }, async () => {
    await runCliOk(['push', `${host}/demo/interop:v1`, 'app.bin'], { cwd: work });
    const ours = JSON.parse(
      (await runCliOk(['attach', `${host}/demo/interop:v1`, 'sbom.json', '--artifact-type', 'application/spdx+json', '-o', 'json'], { cwd: work })).stdout,
    ) as Pushed;
    const orasView = JSON.parse(
      (await run(oras.path!, ['discover', '--plain-http', `${host}/demo/interop:v1`, '--format', 'json'], { cwd: work })).stdout,
    ) as { referrers?: Array<{ digest: string; artifactType: string }>; manifests?: Array<{ digest: string }> };
    const orasDigests = (orasView.referrers ?? orasView.manifests ?? []).map((entry) => entry.digest);
    assert.deepEqual(orasDigests, [ours.digest]);

    await run(oras.path!, ['attach', '--plain-http', '--artifact-type', 'application/vnd.example.vex', `${host}/demo/interop:v1`, 'sbom.json'], { cwd: work });
    const tree = await runCliOk(['discover', `${host}/demo/interop:v1`, '-o', 'json']);
    const types = (JSON.parse(tree.stdout) as { referrers: Array<{ artifactType: string }> }).referrers.map((r) => r.artifactType).sort();
    assert.deepEqual(types, ['application/spdx+json', 'application/vnd.example.vex']);
  });

  describe('copy -r to a registry without the referrers API (distribution v3: tag schema)', { skip: distribution.skip }, () => {
    let peer: RunningRegistry;
    before(async () => {
      peer = await startDistributionRegistry(distribution.path!);
    });
    after(() => peer.stop());

    it('carries the referrer through the sha256-<hex> index tag and reads it back', async () => {
      const subject = JSON.parse((await runCliOk(['push', `${host}/demo/copied:v1`, 'app.bin', '-o', 'json'], { cwd: work })).stdout) as Pushed;
      const referrer = JSON.parse(
        (await runCliOk(['attach', `${host}/demo/copied:v1`, 'sbom.json', '--artifact-type', 'application/spdx+json', '-o', 'json'], { cwd: work }))
          .stdout,
      ) as Pushed;
      await runCliOk(['copy', '-r', `${host}/demo/copied:v1`, `${peer.host}/mirror/copied:v1`]);

      const tags = JSON.parse((await runCliOk(['repo', 'tags', `${peer.host}/mirror/copied`, '-o', 'json'])).stdout) as { tags: string[] };
      assert.ok(tags.tags.includes(`sha256-${subject.digest.slice('sha256:'.length)}`), `tag-schema index missing: ${tags.tags.join(',')}`);
      const discovered = JSON.parse((await runCliOk(['discover', `${peer.host}/mirror/copied:v1`, '-o', 'json'])).stdout) as {
        referrers: Array<{ digest: string }>;
      };
      assert.deepEqual(discovered.referrers.map((r) => r.digest), [referrer.digest]);

      // And back into an OCI layout, where the referrer is found through its subject.
      const layout = join(work, 'from-distribution');
      await runCliOk(['copy', '-r', '--to-oci-layout', `${peer.host}/mirror/copied:v1`, `${layout}:v1`]);
      const fromLayout = JSON.parse((await runCliOk(['discover', '--oci-layout', `${layout}:v1`, '-o', 'json'])).stdout) as {
        referrers: Array<{ digest: string }>;
      };
      assert.deepEqual(fromLayout.referrers.map((r) => r.digest), [referrer.digest]);
    });
  });
});
