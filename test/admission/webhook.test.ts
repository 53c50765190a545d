/**
 * The webhook over real HTTPS with real AdmissionReview JSON: real signatures from src/sign, the
 * embedded registry, verification through src/verify.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningAdmissionServer } from '../../src/admission/index.js';
import { admissionReview, applyReplacePatch, httpsClient, pod, startAdmissionWorld, TRUST_POLICY_NAME, type AdmissionWorld, type PushedImage, waitUntil, startWorldServer } from '../helpers/admission.js';

const POLICY = `
apiVersion: portcullis.dev/v1alpha1
kind: AdmissionPolicy
namespaces:
  exclude: [kube-system]
exemptImages: ["*/exempt/*"]
defaults: { mode: enforce, pinDigests: true }
rules:
  - { name: staging-audit, namespaces: ["staging"], mode: audit }
  - { name: dev-warn, namespaces: ["dev"], mode: warn }
  - { name: multiarch, namespaces: ["multiarch"], multiArch: all }
  - { name: lenient-outage, namespaces: ["lenient"], failurePolicy: Ignore }
`;

describe('admission webhook over HTTPS', () => {
  let world: AdmissionWorld;
  let server: RunningAdmissionServer;
  let client: ReturnType<typeof httpsClient>;
  let signed: PushedImage;
  let unsigned: PushedImage;
  let foreign: PushedImage;
  let tampered: PushedImage;
  let policyFile: string;
  const downImage = '127.0.0.1:9/down/app:1.0';
  const logs: string[] = [];

  const validate = async (review: Record<string, any>) => {
    const answer = await client.post(`${server.url}/validate`, review);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.response.uid, review.request.uid);
    assert.equal(answer.json.apiVersion, 'admission.k8s.io/v1');
    assert.equal(answer.json.kind, 'AdmissionReview');
    return answer.json.response;
  };

  before(async () => {
    world = await startAdmissionWorld();
    signed = await world.pushImage('acme/app', 'v1');
    await world.signImage(signed);
    unsigned = await world.pushImage('acme/unsigned', 'v1');
    foreign = await world.pushImage('acme/foreign', 'v1');
    await world.signImage(foreign, world.untrusted);
    const original = await world.pushImage('acme/tampered', 'v1');
    tampered = await world.tamper(original);
    policyFile = join(world.directory.path, 'policy.yaml');
    await writeFile(policyFile, POLICY);
    server = await startWorldServer(world, {
      policyFile,
      watchDebounceMs: 50,
      watchPollMs: 200,
      logger: (level, msg, fields) => void logs.push(JSON.stringify({ level, msg, ...fields })),
      controller: { timeoutMs: 4_000 },
    });
    client = httpsClient(world.tls.ca);
  });

  after(async () => {
    await client?.close();
    await server?.close();
    await world?.close();
  });

  it('allows a signed image by digest and by tag, echoing the uid', async () => {
    const response = await validate(admissionReview(pod('web', [signed.byDigest, signed.byTag])));
    assert.equal(response.allowed, true, JSON.stringify(response));
    assert.equal(response.status, undefined);
  });

  it('denies an unsigned image in enforce mode, naming image, statement and failed check', async () => {
    const response = await validate(admissionReview(pod('web', [unsigned.byTag])));
    assert.equal(response.allowed, false);
    assert.equal(response.status.code, 403);
    assert.match(response.status.message, new RegExp(`image "${unsigned.byTag.replace(/[.]/g, '\\.')}" \\(${unsigned.digest}\\) is not verified`));
    assert.match(response.status.message, /no signature is associated with the image/);
    assert.match(response.status.message, new RegExp(`trust policy statement "${TRUST_POLICY_NAME}", failed check: signature`));
  });

  it('denies an image signed by a key whose CA the trust policy does not trust', async () => {
    const response = await validate(admissionReview(pod('web', [foreign.byTag])));
    assert.equal(response.allowed, false);
    assert.match(response.status.message, new RegExp(foreign.byTag.replace(/[.]/g, '\\.')));
    assert.match(response.status.message, /failed check: authenticity/);
  });

  it('denies an image whose content was replaced after signing (signature copied onto it)', async () => {
    const response = await validate(admissionReview(pod('web', [tampered.byTag])));
    assert.equal(response.allowed, false);
    assert.match(response.status.message, new RegExp(tampered.digest));
    assert.match(response.status.message, /failed check: integrity/);
  });

  it('denies an image on a registry that is down, as a registry failure', async () => {
    const response = await validate(admissionReview(pod('web', [downImage])));
    assert.equal(response.allowed, false);
    assert.match(response.status.message, /127\.0\.0\.1:9\/down\/app:1\.0/);
    assert.match(response.status.message, /failed check: registry/);
  });

  it('names every denied image of a pod and allows when only verified ones remain', async () => {
    const response = await validate(admissionReview(pod('web', [signed.byTag, unsigned.byTag, foreign.byTag])));
    assert.equal(response.allowed, false);
    assert.match(response.status.message, /acme\/unsigned/);
    assert.match(response.status.message, /acme\/foreign/);
    assert.doesNotMatch(response.status.message, /acme\/app/);
  });

  it('audit mode allows with an audit annotation; warn mode allows with a warning', async () => {
    const audited = await validate(admissionReview(pod('web', [unsigned.byTag], { namespace: 'staging' })));
    assert.equal(audited.allowed, true);
    assert.match(audited.auditAnnotations['unverified-images'], /acme\/unsigned/);
    assert.equal(audited.warnings, undefined);
    const warned = await validate(admissionReview(pod('web', [unsigned.byTag], { namespace: 'dev' })));
    assert.equal(warned.allowed, true);
    assert.equal(warned.warnings.length, 1);
    assert.match(warned.warnings[0], /^not verified: image ".*acme\/unsigned/);
    assert.ok(warned.warnings[0].length <= 120);
  });

  it('failurePolicy Ignore lets a registry outage through with a warning, but not an unsigned image', async () => {
    const outage = await validate(admissionReview(pod('web', [downImage], { namespace: 'lenient' })));
    assert.equal(outage.allowed, true);
    assert.match(outage.warnings[0], /failurePolicy Ignore/);
    const unsignedThere = await validate(admissionReview(pod('web', [unsigned.byTag], { namespace: 'lenient' })));
    assert.equal(unsignedThere.allowed, false);
  });

  it('skips excluded namespaces and exempt images', async () => {
    assert.equal((await validate(admissionReview(pod('web', [unsigned.byTag], { namespace: 'kube-system' })))).allowed, true);
    const exempt = await world.pushImage('exempt/tool', 'v1');
    assert.equal((await validate(admissionReview(pod('web', [exempt.byTag])))).allowed, true);
  });

  it('checks init containers and ephemeral containers (pods/ephemeralcontainers UPDATE)', async () => {
    const init = await validate(admissionReview(pod('web', [signed.byTag], { initImages: [unsigned.byTag] })));
    assert.equal(init.allowed, false);
    assert.match(init.status.message, /acme\/unsigned/);

    const before = pod('web', [signed.byTag]);
    const withDebug = pod('web', [signed.byTag], { ephemeralImages: [unsigned.byTag] });
    const ephemeral = await validate(admissionReview(withDebug, { operation: 'UPDATE', oldObject: before, subResource: 'ephemeralcontainers' }));
    assert.equal(ephemeral.allowed, false);
    assert.match(ephemeral.status.message, /acme\/unsigned/);
    const signedDebug = pod('web', [signed.byTag], { ephemeralImages: [signed.byDigest] });
    assert.equal((await validate(admissionReview(signedDebug, { operation: 'UPDATE', oldObject: before, subResource: 'ephemeralcontainers' }))).allowed, true);
  });

  it('on UPDATE checks only images that changed', async () => {
    const running = pod('web', [unsigned.byTag]);
    const relabelled = { ...running, metadata: { ...running.metadata, labels: { team: 'a' } } };
    assert.equal((await validate(admissionReview(relabelled, { operation: 'UPDATE', oldObject: running }))).allowed, true);
    const changed = pod('web', [foreign.byTag]);
    assert.equal((await validate(admissionReview(changed, { operation: 'UPDATE', oldObject: running }))).allowed, false);
  });

  it('checks the pod template of a Deployment and the job template of a CronJob', async () => {
    const template = (image: string) => ({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'app', image }] } });
    const deployment = (image: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec: { replicas: 2, template: template(image) } });
    assert.equal((await validate(admissionReview(deployment(signed.byTag)))).allowed, true);
    assert.equal((await validate(admissionReview(deployment(unsigned.byTag)))).allowed, false);
    const cronJob = (image: string) => ({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c', namespace: 'default' },
      spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image }] } } } } },
    });
    assert.equal((await validate(admissionReview(cronJob(signed.byTag)))).allowed, true);
    const denied = await validate(admissionReview(cronJob(foreign.byTag)));
    assert.equal(denied.allowed, false);
    assert.match(denied.status.message, /acme\/foreign/);
  });

  it('allows kinds without images and DELETE without verifying', async () => {
    assert.equal((await validate(admissionReview({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: {} }))).allowed, true);
    assert.equal((await validate(admissionReview(pod('web', [unsigned.byTag]), { operation: 'DELETE' as never }))).allowed, true);
  });

  it('verifies each distinct image once per request and answers repeats from the cache', async () => {
    const fresh = await world.pushImage('acme/dedup', 'v1');
    await world.signImage(fresh);
    const before = server.runtime.metrics.verifications.get({ result: 'verified' });
    const review = admissionReview(pod('web', [fresh.byDigest, fresh.byDigest], { initImages: [fresh.byDigest] }));
    assert.equal((await validate(review)).allowed, true);
    assert.equal(server.runtime.metrics.verifications.get({ result: 'verified' }) - before, 1);
    world.resetRegistryRequests();
    assert.equal((await validate(admissionReview(pod('again', [fresh.byDigest])))).allowed, true);
    assert.equal(world.registryRequests(), 0, 'a cached digest needs no registry request');
  });

  it('honours dryRun: same answer, logged as a dry run', async () => {
    const review = admissionReview(pod('web', [unsigned.byTag]), { dryRun: true });
    const response = await validate(review);
    assert.equal(response.allowed, false);
    const line = logs.map((entry) => JSON.parse(entry)).find((entry) => entry.uid === review.request.uid);
    assert.equal(line.dryRun, true);
    assert.equal(line.decision, 'denied');
  });

  it('/mutate returns a JSONPatch pinning verified images to name:tag@digest', async () => {
    const object = pod('web', [signed.byTag, unsigned.byTag, signed.byDigest], { initImages: [signed.byTag] });
    const review = admissionReview(object);
    const answer = await client.post(`${server.url}/mutate`, review);
    assert.equal(answer.status, 200);
    const response = answer.json.response;
    assert.equal(response.uid, review.request.uid);
    assert.equal(response.allowed, true);
    assert.equal(response.patchType, 'JSONPatch');
    const patch = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    assert.deepEqual(patch, [
      { op: 'replace', path: '/spec/initContainers/0/image', value: `${signed.byTag}@${signed.digest}` },
      { op: 'replace', path: '/spec/containers/0/image', value: `${signed.byTag}@${signed.digest}` },
    ]);
    const patched = applyReplacePatch(object, patch);
    assert.equal(patched.spec.containers[1].image, unsigned.byTag);
    // The pinned object passes validation too (digest and tag both present).
    assert.equal((await validate(admissionReview(patched))).allowed, false);
    assert.equal((await validate(admissionReview(pod('web', [patched.spec.containers[0].image])))).allowed, true);
  });

  it('multiArch all requires every platform manifest to be signed', async () => {
    const amd = await world.pushImage('acme/multi', 'amd64');
    const arm = await world.pushImage('acme/multi', 'arm64');
    await world.signImage(amd);
    const index = await world.pushIndex('acme/multi', 'v1', [amd, arm]);
    await world.signImage(index);
    assert.equal((await validate(admissionReview(pod('web', [index.byTag])))).allowed, true, 'index mode: the index signature is enough');
    const strict = await validate(admissionReview(pod('web', [index.byTag], { namespace: 'multiarch' })));
    assert.equal(strict.allowed, false);
    assert.match(strict.status.message, /platform manifest linux\/arm64/);
    assert.match(strict.status.message, /failed check: platform/);
    // The unsigned arm64 verdict is negatively cached for a few seconds: sign a fresh one.
    const arm2 = await world.pushImage('acme/multi', 'arm64-2');
    await world.signImage(arm2);
    const other = await world.pushIndex('acme/multi', 'v2', [amd, arm2]);
    await world.signImage(other);
    assert.equal((await validate(admissionReview(pod('web', [other.byTag], { namespace: 'multiarch' })))).allowed, true);
  });

  it('refuses malformed, oversized and wrong-kind bodies with 400 and keeps serving', async () => {
    const malformed = await client.post(`${server.url}/validate`, '{"apiVersion":');
    assert.equal(malformed.status, 400);
    assert.match(malformed.json.error, /not valid JSON/);
    const wrongKind = await client.post(`${server.url}/validate`, { apiVersion: 'v1', kind: 'Pod', metadata: {} });
    assert.equal(wrongKind.status, 400);
    assert.match(wrongKind.json.error, /kind: expected "AdmissionReview", got "Pod"/);
    const missingUid = admissionReview(pod('web', [signed.byTag]));
    delete missingUid.request.uid;
    const noUid = await client.post(`${server.url}/validate`, missingUid);
    assert.equal(noUid.status, 400);
    assert.match(noUid.json.error, /request\.uid/);
    const badContainers = admissionReview(pod('web', [signed.byTag]));
    badContainers.request.object.spec.containers = [{ name: 'x', image: 42 }];
    const badShape = await client.post(`${server.url}/validate`, badContainers);
    assert.equal(badShape.status, 400);
    assert.match(badShape.json.error, /spec\.containers\[0\]\.image/);
    const huge = JSON.stringify(admissionReview({ ...pod('web', [signed.byTag]), data: 'x'.repeat(6 * 1024 * 1024) }));
    const oversized = await client.post(`${server.url}/validate`, huge);
    assert.equal(oversized.status, 400);
    assert.match(oversized.json.error, /more than the limit of 4194304/);
    const notFound = await client.get(`${server.url}/nope`);
    assert.equal(notFound.status, 404);
    const wrongMethod = await client.get(`${server.url}/validate`);
    assert.equal(wrongMethod.status, 405);
    assert.equal((await validate(admissionReview(pod('web', [signed.byTag])))).allowed, true, 'still serving');
    assert.ok(server.runtime.metrics.requests.get({ endpoint: 'validate', decision: 'invalid' }) >= 4);
  });

  it('serves /healthz, /readyz and Prometheus /metrics', async () => {
    assert.equal((await client.get(`${server.url}/healthz`)).status, 200);
    const ready = await client.get(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.json.ready, true);
    assert.equal(ready.json.sources.trustMaterial.ok, true);
    assert.equal(ready.json.sources.policy.ok, true);
    const metrics = await client.get(`${server.url}/metrics`);
    assert.equal(metrics.status, 200);
    for (const name of [
      'portcullis_admission_requests_total{endpoint="validate",decision="allowed"}',
      'portcullis_admission_requests_total{endpoint="validate",decision="denied"}',
      'portcullis_admission_request_duration_seconds_bucket{endpoint="validate",decision="allowed",le="+Inf"}',
      'portcullis_verification_duration_seconds_count{result="verified"}',
      'portcullis_cache_lookups_total{layer="memory",result="hit"}',
      'portcullis_registry_requests_total{registry="127.0.0.1:',
      'portcullis_registry_errors_total{registry="127.0.0.1:9"}',
      '# TYPE portcullis_admission_request_duration_seconds histogram',
    ]) {
      assert.ok(metrics.text.includes(name), `${name} in /metrics`);
    }
  });

  it('hot-reloads the policy and keeps the last good one when the new file is invalid', async () => {
    await writeFile(policyFile, `${POLICY}\n  - { name: broken, mode: sometimes }\n`);
    await waitUntil(async () => (await client.get(`${server.url}/readyz`)).json.sources.policy.ok === false);
    const ready = await client.get(`${server.url}/readyz`);
    assert.equal(ready.status, 200, 'an invalid new file does not make the webhook unready');
    assert.match(ready.json.sources.policy.error, /rules\[4\]\.mode/);
    assert.equal((await validate(admissionReview(pod('web', [unsigned.byTag], { namespace: 'staging' })))).allowed, true, 'old policy still applies');
    assert.ok(logs.some((line) => line.includes('admission policy reload failed; keeping the last good version')));
    assert.equal(server.runtime.metrics.configValid.get({ source: 'policy' }), 0);

    await writeFile(policyFile, POLICY.replace('mode: audit', 'mode: enforce'));
    await waitUntil(async () => (await client.get(`${server.url}/readyz`)).json.sources.policy.ok === true);
    assert.equal((await validate(admissionReview(pod('web', [unsigned.byTag], { namespace: 'staging' })))).allowed, false);
    await writeFile(policyFile, POLICY);
    await waitUntil(async () => (await validate(admissionReview(pod('web', [unsigned.byTag], { namespace: 'staging' })))).allowed === true);
  });

  it('hot-reloads trust material swapped through ..data and drops cached verdicts', async () => {
    const version = server.runtime.controller.state.trustMaterial!.version;
    assert.equal((await validate(admissionReview(pod('web', [signed.byDigest])))).allowed, true);
    await world.setTrustedCa(world.untrusted);
    await waitUntil(async () => server.runtime.controller.state.trustMaterial!.version !== version);
    assert.equal((await validate(admissionReview(pod('web', [signed.byDigest])))).allowed, false, 'old CA no longer trusted');
    assert.equal((await validate(admissionReview(pod('web', [foreign.byDigest])))).allowed, true, 'new CA trusted');

    // A broken new version (policy naming a missing store) keeps the last good one.
    const current = server.runtime.controller.state.trustMaterial!.version;
    await world.setTrustedCa(world.trusted, JSON.stringify({ version: '1.0', trustPolicies: [{ name: 'x', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:missing'], trustedIdentities: ['*'] }] }));
    await waitUntil(async () => (await client.get(`${server.url}/readyz`)).json.sources.trustMaterial.ok === false);
    const ready = await client.get(`${server.url}/readyz`);
    assert.match(ready.json.sources.trustMaterial.error, /missing/);
    assert.equal(server.runtime.controller.state.trustMaterial!.version, current);
    assert.equal((await validate(admissionReview(pod('web', [foreign.byDigest])))).allowed, true);

    await world.setTrustedCa(world.trusted);
    await waitUntil(async () => (await client.get(`${server.url}/readyz`)).json.sources.trustMaterial.ok === true);
    assert.equal((await validate(admissionReview(pod('web', [signed.byDigest])))).allowed, true);
  });
});

