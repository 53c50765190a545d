import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { EMPTY_JSON_DESCRIPTOR, packArtifactManifest } from '../../src/content/index.js';
import { LayoutStore } from '../../src/layout/index.js';
import { ANNOTATION_TITLE, MEDIA_TYPE_IMAGE_LAYER, descriptorFor } from '../../src/oci/index.js';
import { runCli, runCliOk } from '../helpers/cli.js';
import { testdata } from '../helpers/conformance.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

const SHARED_LAYOUT = testdata('registry', 'oci_layout');

describe('ORAS-style commands on OCI layouts', () => {
  let work: string;
  before(async () => {
    work = (await temporaryDirectory('oras-layout')).path;
    await writeFile(join(work, 'hello.txt'), 'hello portcullis\n');
    await writeFile(join(work, 'sbom.json'), '{"packages":[]}');
  });

  it('pushes files, resolves the tag and pulls them back byte for byte', async () => {
    const layout = join(work, 'app');
    const pushed = await runCliOk(['push', '--oci-layout', `${layout}:v1,latest`, 'hello.txt:text/plain', '-o', 'json'], { cwd: work });
    const result = JSON.parse(pushed.stdout) as { digest: string; artifactType: string; referenceByTags: string[] };
    assert.equal(result.artifactType, 'application/vnd.unknown.artifact.v1');
    assert.deepEqual(result.referenceByTags, [`${layout}:v1`, `${layout}:latest`]);

    const resolved = await runCliOk(['resolve', '--oci-layout', `${layout}:latest`]);
    assert.equal(resolved.stdout.trim(), result.digest);

    const out = join(work, 'out');
    await runCliOk(['pull', '--oci-layout', `${layout}:v1`, '--output-directory', out]);
    assert.equal(await readFile(join(out, 'hello.txt'), 'utf8'), 'hello portcullis\n');

    const tags = await runCliOk(['repo', 'tags', '--oci-layout', layout, '-o', 'json']);
    assert.deepEqual(JSON.parse(tags.stdout), { tags: ['latest', 'v1'] });
  });

  it('attaches a referrer and discovers it; copy -r carries it to another layout', async () => {
    const layout = join(work, 'signed');
    await runCliOk(['push', '--oci-layout', `${layout}:v1`, 'hello.txt'], { cwd: work });
    const attached = await runCliOk(
      ['attach', '--oci-layout', `${layout}:v1`, '--artifact-type', 'application/spdx+json', 'sbom.json', '-a', 'kind=sbom', '-o', 'json'],
      { cwd: work },
    );
    const referrer = JSON.parse(attached.stdout) as { digest: string };

    const tree = await runCliOk(['discover', '--oci-layout', `${layout}:v1`]);
    assert.match(tree.stdout, /└── application\/spdx\+json\n\s+└── sha256:[0-9a-f]{64}/);
    assert.ok(tree.stdout.includes(referrer.digest));

    const copyTarget = join(work, 'mirror');
    await runCliOk(['copy', '-r', '--from-oci-layout', '--to-oci-layout', `${layout}:v1`, `${copyTarget}:v1`]);
    const discovered = await runCliOk(['discover', '--oci-layout', `${copyTarget}:v1`, '-o', 'json']);
    const json = JSON.parse(discovered.stdout) as { referrers: Array<{ digest: string; annotations: Record<string, string> }> };
    assert.deepEqual(json.referrers.map((r) => r.digest), [referrer.digest]);
    assert.equal(json.referrers[0]?.annotations.kind, 'sbom');
  });

  it('reads the Notation-signed layouts: signatures are referrers of v1', async () => {
    const discovered = await runCliOk(['discover', '--oci-layout', join(SHARED_LAYOUT, 'e2e-valid-signature:v1'), '-o', 'json']);
    const json = JSON.parse(discovered.stdout) as { digest: string; referrers: Array<{ artifactType: string }> };
    assert.equal(json.digest, 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9');
    assert.deepEqual(json.referrers.map((r) => r.artifactType), ['application/vnd.cncf.notary.signature']);
  });

  it('refuses hostile layer titles on pull and reports missing sources clearly', async () => {
    // A title is whatever the (untrusted) manifest says: store one that climbs out of the output directory.
    const layout = join(work, 'evil');
    const store = await LayoutStore.open(layout);
    const payload = Buffer.from('owned');
    const layer = descriptorFor(MEDIA_TYPE_IMAGE_LAYER, payload, { annotations: { [ANNOTATION_TITLE]: '../../escaped.txt' } });
    await store.push(layer, payload);
    await store.push(EMPTY_JSON_DESCRIPTOR, Buffer.from('{}'));
    const packed = packArtifactManifest({ artifactType: 'application/vnd.test', layers: [layer] });
    await store.push(packed.descriptor, packed.bytes);
    await store.tag(packed.descriptor, 'v1');

    const pulled = await runCli(['pull', '--oci-layout', `${layout}:v1`, '--output-directory', join(work, 'evil-out')]);
    assert.equal(pulled.code, 1);
    assert.match(pulled.stderr, /escapes the output directory/);
    await assert.rejects(access(join(work, 'escaped.txt')));

    const missing = await runCli(['resolve', '--oci-layout', join(work, 'does-not-exist:v1')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: /);
    await assert.rejects(access(join(work, 'does-not-exist')), 'a read must not create the layout');

    const noTag = await runCli(['pull', '--oci-layout', layout]);
    assert.equal(noTag.code, 1);
    assert.match(noTag.stderr, /names no tag or digest/);
  });
});
