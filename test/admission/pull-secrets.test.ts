/**
 * Registry credentials from the pod's imagePullSecrets and its service account's, read from a
 * small local HTTPS server speaking the two API server GETs, against a registry requiring auth.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { KubernetesApi, type RunningAdmissionServer } from '../../src/admission/index.js';
import { createLocalSigner } from '../../src/envelope/index.js';
import { RegistryClient, staticCredentials } from '../../src/registry/client/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/server/index.js';
import { sign } from '../../src/sign/index.js';
import { admissionReview, httpsClient, pod, startAdmissionWorld, type AdmissionWorld, startWorldServer } from '../helpers/admission.js';
import { makeImage, pushImage } from '../helpers/oci-content.js';

describe('pull secrets from the Kubernetes API', () => {
  let world: AdmissionWorld;
  let registry: RunningRegistry;
  let api: Server;
  let server: RunningAdmissionServer;
  let client: ReturnType<typeof httpsClient>;
  let image: string;
  const apiRequests: string[] = [];
  const TOKEN = 'service-account-token';

  before(async () => {
    world = await startAdmissionWorld();
    const htpasswd = join(world.directory.path, 'htpasswd');
    await writeFile(htpasswd, `puller:${bcrypt.hashSync('s3cret', 4)}\n`);
    registry = await startRegistry({ root: join(world.directory.path, 'private'), port: 0, htpasswdFile: htpasswd });
    const host = `127.0.0.1:${registry.port}`;
    const pusher = new RegistryClient({ credentials: staticCredentials({ username: 'puller', password: 's3cret' }) });
    const built = makeImage();
    const repository = pusher.repository(`${host}/private/app`);
    await pushImage(repository, built, ['v1']);
    await sign(repository, built.manifest.descriptor.digest, { signer: createLocalSigner(world.trusted.leaf.privateKey, world.trusted.chain), signingAgent: 'test', clock: { now: Date.now } });
    await pusher.close();
    image = `${host}/private/app:v1`;

    const dockerConfig = Buffer.from(JSON.stringify({ auths: { [host]: { auth: Buffer.from('puller:s3cret').toString('base64') } } })).toString('base64');
    const objects: Record<string, unknown> = {
      '/api/v1/namespaces/team/secrets/regcred': { kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerConfig } },
      '/api/v1/namespaces/team/secrets/sa-cred': { kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerConfig } },
      '/api/v1/namespaces/team/serviceaccounts/builder': { kind: 'ServiceAccount', imagePullSecrets: [{ name: 'sa-cred' }] },
      '/api/v1/namespaces/team/serviceaccounts/default': { kind: 'ServiceAccount' },
    };
    api = createServer({ cert: await readFile(world.tls.certFile), key: await readFile(world.tls.keyFile) }, (req, res) => {
      apiRequests.push(`${req.method} ${req.url}`);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401).end('{"kind":"Status","code":401}');
        return;
      }
      const body = objects[req.url ?? ''];
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { kind: 'Status', code: 404 }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const kubernetes = new KubernetesApi({ server: `https://127.0.0.1:${(api.address() as AddressInfo).port}`, token: async () => TOKEN, ca: world.tls.ca });
    server = await startWorldServer(world, { kubernetes, watch: false });
    client = httpsClient(world.tls.ca);
  });

  after(async () => {
    await client?.close();
    await server?.close();
    await new Promise((resolve) => api?.close(resolve));
    await registry?.close();
    await world?.close();
  });

  const validate = async (object: Record<string, any>) => (await client.post(`${server.url}/validate`, admissionReview(object, { namespace: 'team' }))).json.response;

  it("uses the pod's imagePullSecrets", async () => {
    const response = await validate(pod('web', [image], { namespace: 'team', pullSecrets: ['regcred'] }));
    assert.equal(response.allowed, true, JSON.stringify(response));
    assert.ok(apiRequests.includes('GET /api/v1/namespaces/team/secrets/regcred'));
  });

  it("uses the service account's imagePullSecrets", async () => {
    const response = await validate(pod('web', [image], { namespace: 'team', serviceAccountName: 'builder' }));
    assert.equal(response.allowed, true, JSON.stringify(response));
    assert.ok(apiRequests.includes('GET /api/v1/namespaces/team/serviceaccounts/builder'));
    assert.ok(apiRequests.includes('GET /api/v1/namespaces/team/secrets/sa-cred'));
  });

  it('without credentials the registry refuses and the pod is denied as a registry failure', async () => {
    const response = await validate(pod('web', [image], { namespace: 'team', pullSecrets: ['does-not-exist'] }));
    assert.equal(response.allowed, false);
    assert.match(response.status.message, /failed check: registry/);
    assert.match(response.status.message, /401|UNAUTHORIZED|unauthorized/i);
    assert.ok(server.runtime.metrics.kubernetesRequests.get({ kind: 'secret', result: 'missing' }) >= 1);
  });
});
