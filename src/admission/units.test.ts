import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pinnedImage } from './controller.js';
import { AdmissionError } from './errors.js';
import { parseProviderKey } from './gatekeeper.js';
import { changedImages, extractImages } from './images.js';
import { AdmissionMetrics, Counter, Histogram } from './metrics.js';
import { parseDockerConfigJson, requestCredentials } from './registry-access.js';
import { parseAdmissionReview } from './review-types.js';

describe('image extraction', () => {
  it('finds images with their JSON Pointers in every kind', () => {
    const spec = { containers: [{ name: 'a', image: 'a:1' }], initContainers: [{ name: 'i', image: 'i:1' }], ephemeralContainers: [{ name: 'e', image: 'e:1' }], imagePullSecrets: [{ name: 's' }], serviceAccountName: 'sa' };
    const pod = extractImages('Pod', { spec });
    assert.deepEqual(pod.images.map((image) => image.path), ['/spec/initContainers/0/image', '/spec/containers/0/image', '/spec/ephemeralContainers/0/image']);
    assert.deepEqual(pod.imagePullSecrets, ['s']);
    assert.equal(pod.serviceAccountName, 'sa');
    assert.equal(extractImages('Deployment', { spec: { template: { spec } } }).images[1]!.path, '/spec/template/spec/containers/0/image');
    assert.equal(extractImages('CronJob', { spec: { jobTemplate: { spec: { template: { spec } } } } }).images[1]!.path, '/spec/jobTemplate/spec/template/spec/containers/0/image');
    assert.deepEqual(extractImages('Pod', { spec }, 'object', 'ephemeralContainers').images.map((image) => image.image), ['e:1']);
    assert.deepEqual(extractImages('ConfigMap', { data: {} }).images, []);
    assert.deepEqual(extractImages('Deployment', { spec: {} }).images, []);
    assert.throws(() => extractImages('Pod', { spec: { containers: 'x' } }), (error: unknown) => error instanceof AdmissionError && /spec\.containers/.test(error.message));
  });

  it('keeps only changed images on UPDATE', () => {
    const before = extractImages('Pod', { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } }).images;
    const after = extractImages('Pod', { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }] } }).images;
    assert.deepEqual(changedImages(after, before).map((image) => image.image), ['b:2']);
  });
});

describe('AdmissionReview parsing', () => {
  const body = (value: unknown) => Buffer.from(JSON.stringify(value));
  const isInvalid = (pattern: RegExp) => (error: unknown) => error instanceof AdmissionError && error.code === 'ERR_ADMISSION_REQUEST_INVALID' && pattern.test(error.message);
  it('names the field that is wrong', () => {
    assert.throws(() => parseAdmissionReview(body({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u' } })), isInvalid(/request\.kind/));
    assert.throws(() => parseAdmissionReview(body({ apiVersion: 'admission.k8s.io/v2', kind: 'AdmissionReview' })), isInvalid(/apiVersion/));
    assert.throws(() => parseAdmissionReview(body([])), isInvalid(/JSON object/));
    assert.throws(() => parseAdmissionReview(Buffer.alloc(0)), isInvalid(/empty/));
    assert.throws(() => parseAdmissionReview(Buffer.alloc(5 * 1024 * 1024, 32)), (error: unknown) => error instanceof AdmissionError && error.code === 'ERR_ADMISSION_REQUEST_TOO_LARGE');
  });
});

describe('small pieces', () => {
  it('pins images keeping their spelling', () => {
    const digest = `sha256:${'a'.repeat(64)}` as never;
    assert.equal(pinnedImage('nginx:1.27', digest), `nginx:1.27@${digest}`);
    assert.equal(pinnedImage('nginx', digest), `nginx:latest@${digest}`);
    assert.equal(pinnedImage('localhost:5000/app', digest), `localhost:5000/app:latest@${digest}`);
  });

  it('parses Gatekeeper keys with a namespace prefix', () => {
    assert.deepEqual(parseProviderKey('[prod]ghcr.io/a:1'), { namespace: 'prod', image: 'ghcr.io/a:1' });
    assert.deepEqual(parseProviderKey('ghcr.io/a:1'), { namespace: '', image: 'ghcr.io/a:1' });
  });

  it('parses dockerconfigjson and legacy dockercfg without naming secrets in errors', () => {
    const auth = Buffer.from('u:p').toString('base64');
    assert.deepEqual(parseDockerConfigJson(Buffer.from(JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth } } })), 's').get('docker.io'), { username: 'u', password: 'p' });
    assert.deepEqual(parseDockerConfigJson(Buffer.from(JSON.stringify({ 'r.example': { username: 'a', password: 'b' } })), 's').get('r.example'), { username: 'a', password: 'b' });
    assert.throws(() => parseDockerConfigJson(Buffer.from(JSON.stringify({ auths: { r: { auth: 'bad*' } } })), 'secret ns/x'), (error: unknown) => error instanceof AdmissionError && /secret ns\/x/.test(error.message) && !/bad\*/.test(error.message));
    const one = requestCredentials([parseDockerConfigJson(Buffer.from(JSON.stringify({ auths: { r: { auth } } })), 's')]);
    const same = requestCredentials([parseDockerConfigJson(Buffer.from(JSON.stringify({ auths: { r: { auth } } })), 't')]);
    assert.equal(one.fingerprint, same.fingerprint);
    assert.equal(requestCredentials([]).fingerprint, 'default');
  });

  it('renders Prometheus text format', () => {
    const counter = new Counter('x_total', 'help', ['a']);
    counter.inc({ a: 'q"\\' });
    assert.equal(counter.render(), '# HELP x_total help\n# TYPE x_total counter\nx_total{a="q\\"\\\\"} 1\n');
    const histogram = new Histogram('h_seconds', 'help', ['e'], [0.1, 1]);
    histogram.observe({ e: 'v' }, 0.5);
    assert.match(histogram.render(), /h_seconds_bucket\{e="v",le="0.1"\} 0\nh_seconds_bucket\{e="v",le="1"\} 1\nh_seconds_bucket\{e="v",le="\+Inf"\} 1\nh_seconds_sum\{e="v"\} 0.5\nh_seconds_count\{e="v"\} 1/);
    assert.match(new AdmissionMetrics().render(), /# TYPE portcullis_admission_requests_total counter/);
  });
});
