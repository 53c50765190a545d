/** The Gatekeeper external data provider over HTTPS: one item per key, per-key errors, systemError. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningAdmissionServer } from '../../src/admission/index.js';
import { httpsClient, startAdmissionWorld, TRUST_POLICY_NAME, type AdmissionWorld, type PushedImage, startWorldServer } from '../helpers/admission.js';

describe('Gatekeeper external data provider', () => {
  let world: AdmissionWorld;
  let server: RunningAdmissionServer;
  let client: ReturnType<typeof httpsClient>;
  let signed: PushedImage;
  let unsigned: PushedImage;
  let foreign: PushedImage;

  const providerRequest = (keys: string[]) => ({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys } });

  before(async () => {
    world = await startAdmissionWorld();
    signed = await world.pushImage('acme/gk', 'v1');
    await world.signImage(signed);
    unsigned = await world.pushImage('acme/gk-unsigned', 'v1');
    foreign = await world.pushImage('acme/gk-foreign', 'v1');
    await world.signImage(foreign, world.untrusted);
    server = await startWorldServer(world, { watch: false, controller: { timeoutMs: 4_000 } });
    client = httpsClient(world.tls.ca);
  });

  after(async () => {
    await client?.close();
    await server?.close();
    await world?.close();
  });

  it('answers one item per key, in order, with per-key errors', async () => {
    const keys = [signed.byTag, unsigned.byTag, `[prod]${foreign.byDigest}`, 'Not A Valid Ref!!', '127.0.0.1:9/down/app:1', signed.byTag];
    const answer = await client.post(`${server.url}/gatekeeper/verify`, providerRequest(keys));
    assert.equal(answer.status, 200);
    assert.equal(answer.json.apiVersion, 'externaldata.gatekeeper.sh/v1beta1');
    assert.equal(answer.json.kind, 'ProviderResponse');
    const { items, idempotent, systemError } = answer.json.response;
    assert.equal(idempotent, false);
    assert.equal(systemError, undefined);
    assert.deepEqual(items.map((item: { key: string }) => item.key), keys);

    const [ok, missing, untrusted, invalid, down, repeat] = items;
    assert.equal(ok.value.isSuccess, true);
    assert.equal(ok.value.version, '0.2.0');
    const report = ok.value.verifierReports[0];
    assert.equal(report.subject, `${world.registryHost}/acme/gk@${signed.digest}`);
    assert.equal(report.isSuccess, true);
    assert.equal(report.extensions.policyStatement, TRUST_POLICY_NAME);
    assert.match(report.referenceDigest, /^sha256:/);
    assert.deepEqual(repeat.value.verifierReports[0].subject, report.subject);

    assert.equal(missing.value.isSuccess, false);
    assert.equal(missing.value.verifierReports[0].extensions.failedCheck, 'signature');
    assert.equal(untrusted.value.isSuccess, false);
    assert.equal(untrusted.value.verifierReports[0].extensions.failedCheck, 'authenticity');
    assert.equal(invalid.value.isSuccess, false);
    assert.match(invalid.value.verifierReports[0].errorReason, /invalid image reference/);
    assert.equal(down.value, undefined);
    assert.match(down.error, /127\.0\.0\.1:9/);
  });

  it('mutates keys to name:tag@digest idempotently, with per-key errors', async () => {
    const answer = await client.post(`${server.url}/gatekeeper/mutate`, providerRequest([signed.byTag, signed.byDigest, `${world.registryHost}/acme/none:v9`]));
    assert.equal(answer.status, 200);
    const { items, idempotent } = answer.json.response;
    assert.equal(idempotent, true);
    assert.equal(items[0].value, `${signed.byTag}@${signed.digest}`);
    assert.equal(items[1].value, signed.byDigest);
    assert.match(items[2].error, /cannot resolve/);
  });

  it('reports whole-request failures as systemError with 400', async () => {
    const malformed = await client.post(`${server.url}/gatekeeper/verify`, '{"kind":"ProviderRequest","request":{"keys":"x"}}');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.kind, 'ProviderResponse');
    assert.match(malformed.json.response.systemError, /apiVersion|request\.keys/);
    const wrongKind = await client.post(`${server.url}/gatekeeper/verify`, { apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'AdmissionReview' });
    assert.equal(wrongKind.status, 400);
    assert.match(wrongKind.json.response.systemError, /kind: expected "ProviderRequest"/);
    const tooMany = await client.post(`${server.url}/gatekeeper/verify`, providerRequest(Array.from({ length: 1001 }, (_, index) => `r.example/a:${index}`)));
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.json.response.systemError, /request\.keys/);
  });
});
