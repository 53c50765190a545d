/** `portcullis admission review` prints exactly what the server answers, for manifests and AdmissionReview files. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningAdmissionServer } from '../../src/admission/index.js';
import { memoryContext } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { admissionReview, httpsClient, pod, startAdmissionWorld, type AdmissionWorld, type PushedImage, startWorldServer } from '../helpers/admission.js';

describe('portcullis admission review', () => {
  let world: AdmissionWorld;
  let server: RunningAdmissionServer;
  let client: ReturnType<typeof httpsClient>;
  let signed: PushedImage;
  let unsigned: PushedImage;

  const review = async (...args: string[]) => {
    const context = memoryContext({ cwd: world.directory.path });
    const code = await main(['admission', 'review', ...args, '--config-dir', world.configDir], context);
    return { code, out: context.out(), err: context.err() };
  };

  before(async () => {
    world = await startAdmissionWorld();
    signed = await world.pushImage('acme/offline', 'v1');
    await world.signImage(signed);
    unsigned = await world.pushImage('acme/offline-unsigned', 'v1');
    server = await startWorldServer(world, { watch: false });
    client = httpsClient(world.tls.ca);
  });

  after(async () => {
    await client?.close();
    await server?.close();
    await world?.close();
  });

  it('prints the same response as the server for an AdmissionReview file, for /validate and /mutate', async () => {
    const body = admissionReview(pod('web', [signed.byTag, unsigned.byTag]));
    const file = join(world.directory.path, 'review.json');
    await writeFile(file, JSON.stringify(body));
    const offline = await review(file);
    assert.equal(offline.code, 1, 'denied → exit 1');
    const online = await client.post(`${server.url}/validate`, body);
    assert.deepEqual(JSON.parse(offline.out), online.json);

    const mutated = await review(file, '--mutate');
    assert.equal(mutated.code, 0);
    assert.deepEqual(JSON.parse(mutated.out), (await client.post(`${server.url}/mutate`, body)).json);
  });

  it('reviews YAML manifests, several documents at once', async () => {
    const file = join(world.directory.path, 'app.yaml');
    await writeFile(
      file,
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 2
  template:
    spec:
      containers: [{ name: web, image: "${signed.byTag}" }]
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{ name: job, image: "${unsigned.byTag}" }]
`,
    );
    const result = await review(file);
    assert.equal(result.code, 1);
    const responses = result.out
      .trim()
      .split(/\n(?=\{)/)
      .map((text) => JSON.parse(text));
    assert.equal(responses.length, 2);
    assert.equal(responses[0].response.allowed, true);
    assert.equal(responses[1].response.allowed, false);
    assert.match(responses[1].response.status.message, /acme\/offline-unsigned/);
    assert.match(result.err, /1 of 2 review\(s\) denied/);
  });

  it('refuses a kind the webhook does not check, naming it', async () => {
    const file = join(world.directory.path, 'cm.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    const result = await review(file);
    assert.equal(result.code, 1);
    assert.match(result.err, /kind "ConfigMap" is not one the webhook checks/);
  });
});
