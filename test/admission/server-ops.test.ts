/** Operations: certificate rotation without restart, and the per-request time budget. */
import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningAdmissionServer } from '../../src/admission/index.js';
import { admissionReview, generateServingCertificate, httpsClient, pod, startAdmissionWorld, waitUntil, type AdmissionWorld, startWorldServer } from '../helpers/admission.js';

describe('admission server operations', () => {
  let world: AdmissionWorld;
  let server: RunningAdmissionServer;
  let hanging: Server;
  const sockets: Socket[] = [];
  let hangingHost: string;

  before(async () => {
    world = await startAdmissionWorld();
    // A registry that accepts connections and never answers.
    hanging = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    hangingHost = `127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    const policyFile = join(world.directory.path, 'policy.yaml');
    await writeFile(policyFile, 'rules:\n  - { name: lenient, namespaces: [lenient], failurePolicy: Ignore }\n');
    server = await startWorldServer(world, {
      policyFile,
      watchDebounceMs: 50,
      watchPollMs: 200,
      controller: { timeoutMs: 500 },
    });
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hanging?.close(resolve));
    await server?.close();
    await world?.close();
  });

  it('ends a request at the time budget with the configured failure decision', async () => {
    const client = httpsClient(world.tls.ca);
    try {
      const started = Date.now();
      const denied = (await client.post(`${server.url}/validate`, admissionReview(pod('web', [`${hangingHost}/slow/app:1`])))).json.response;
      assert.ok(Date.now() - started < 3_000, 'answered near the 500 ms budget');
      assert.equal(denied.allowed, false);
      assert.match(denied.status.message, /did not finish within the 500 ms time budget/);
      assert.match(denied.status.message, /failed check: timeout/);
      const allowed = (await client.post(`${server.url}/validate`, admissionReview(pod('web', [`${hangingHost}/slow/app:1`], { namespace: 'lenient' }), { namespace: 'lenient' }))).json.response;
      assert.equal(allowed.allowed, true);
      assert.match(allowed.warnings[0], /failurePolicy Ignore/);
    } finally {
      await client.close();
    }
  });

  it('reloads a rotated serving certificate without a restart', async () => {
    const rotated = await generateServingCertificate(join(world.directory.path, 'rotated'));
    await copyFile(rotated.keyFile, world.tls.keyFile);
    await copyFile(rotated.certFile, world.tls.certFile);
    const client = httpsClient(rotated.ca);
    try {
      await waitUntil(async () => (await client.get(`${server.url}/healthz`)).status === 200);
      const ready = await client.get(`${server.url}/readyz`);
      assert.equal(ready.json.sources.tlsCertificate.ok, true);
    } finally {
      await client.close();
    }
    // A key that does not match keeps the previous pair.
    await writeFile(world.tls.keyFile, 'not a key');
    const client2 = httpsClient(rotated.ca);
    try {
      await waitUntil(async () => (await client2.get(`${server.url}/readyz`)).json.sources.tlsCertificate.ok === false);
      assert.equal((await client2.get(`${server.url}/healthz`)).status, 200, 'still serving with the previous certificate');
    } finally {
      await client2.close();
    }
  });
});
