/**
 * The hand-written checks of the webhook's hot path against the zod schemas they stand in for:
 * on ordinary and hostile inputs, the hand check accepts exactly what the schema accepts and
 * builds the same value; what it refuses gets the schema's field-named error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdmissionError } from './errors.js';
import { extractImages, podSpecSchema, podSpecWithinBounds } from './images.js';
import { admissionReviewSchema, parseAdmissionReview, readAdmissionReview, toAdmissionReview } from './review-types.js';

type Json = Record<string, any>;

function fullReview(): Json {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      subResource: '',
      requestKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      requestResource: { group: 'apps', version: 'v1', resource: 'deployments' },
      requestSubResource: '',
      name: 'web',
      namespace: 'shop',
      operation: 'UPDATE',
      userInfo: { username: 'admin', uid: '014fbff9a07c', groups: ['system:authenticated'], extra: { scopes: ['x'] } },
      object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'a:1' }] } } } },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions' },
    },
  };
}

function minimalReview(): Json {
  return { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, operation: 'CREATE' } };
}

/** Values that each field gets in turn: wrong types, boundaries of every limit, prototype tricks. */
const HOSTILE: readonly unknown[] = [
  undefined,
  null,
  0,
  -1,
  Number.NaN,
  true,
  false,
  '',
  'x',
  'CREATE',
  'create',
  'AdmissionReview',
  'admission.k8s.io/v1',
  'admission.k8s.io/v2',
  'a'.repeat(63),
  'a'.repeat(64),
  'a'.repeat(253),
  'a'.repeat(254),
  'a'.repeat(256),
  'a'.repeat(257),
  'a'.repeat(1024),
  'a'.repeat(1025),
  '😀'.repeat(126),
  '😀'.repeat(127),
  '😀'.repeat(253),
  '😀'.repeat(254),
  '😀'.repeat(252) + '\ud800\ud800',
  '\udc00'.repeat(254),
  '\u0000\ud800',
  [],
  ['x'],
  {},
  { group: '', version: 'v1', kind: 'Pod' },
  { group: '', version: 'v1', resource: 'pods' },
  { group: 1, version: 'v1', kind: 'Pod' },
  { username: 'u' },
  { username: 7 },
  { username: undefined },
  JSON.parse('{"__proto__": {"uid": "planted"}}'),
  Object.create(null),
  Object.assign(Object.create({ uid: 'inherited', kind: 'AdmissionReview' }), {}),
  new Date(0),
  () => undefined,
];

/** Every path of the review, down to the fields of kind/resource/userInfo. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || prefix.length >= 3) return [];
  return Object.keys(value).flatMap((key) => [[...prefix, key], ...(key === 'object' || key === 'oldObject' ? [] : paths((value as Json)[key], [...prefix, key]))]);
}

function withValue(base: Json, path: readonly string[], value: unknown, remove = false): Json {
  const copy = structuredClone(base);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  if (remove) delete node[path.at(-1)!];
  else node[path.at(-1)!] = value;
  return copy;
}

function schemaError(value: unknown): string | undefined {
  try {
    toAdmissionReview(value);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof AdmissionError && error.code === 'ERR_ADMISSION_REQUEST_INVALID', `unexpected error ${String(error)}`);
    return error.message;
  }
}

/** The hand check must agree with the schema: same acceptance, same value. */
function agree(value: unknown, label: string): void {
  const reference = admissionReviewSchema.safeParse(value);
  const fast = readAdmissionReview(value);
  if (reference.success) {
    assert.notEqual(fast, undefined, `${label}: the schema accepts it, the hand check must too`);
    assert.deepStrictEqual(fast, reference.data, `${label}: same value as the schema`);
    assert.equal(JSON.stringify(fast), JSON.stringify(reference.data), `${label}: same key order`);
  } else {
    assert.equal(fast, undefined, `${label}: the schema refuses it, the hand check must too`);
  }
}

describe('AdmissionReview hand check', () => {
  it('agrees with the schema on full and minimal reviews', () => {
    agree(fullReview(), 'full');
    agree(minimalReview(), 'minimal');
    assert.notEqual(readAdmissionReview(fullReview()), undefined);
  });

  it('agrees with the schema when any field is missing, replaced by a hostile value, or present as undefined', () => {
    let cases = 0;
    for (const base of [fullReview(), minimalReview()]) {
      for (const path of paths(base)) {
        agree(withValue(base, path, undefined, true), `delete ${path.join('.')}`);
        for (const [index, value] of HOSTILE.entries()) {
          agree(withValue(base, path, value), `${path.join('.')} = hostile[${index}]`);
          cases += 1;
        }
      }
      for (const [index, value] of HOSTILE.entries()) {
        agree(value, `review = hostile[${index}]`);
        agree({ ...base, request: value }, `request = hostile[${index}]`);
        agree({ ...base, request: { ...base.request, extra: value, [`__proto__`]: value } }, `unknown keys with hostile[${index}]`);
      }
    }
    assert.ok(cases > 1000, `${cases} cases`);
  });

  it('keeps object and oldObject as given and drops unknown keys', () => {
    const review = fullReview();
    const read = readAdmissionReview(review)!;
    assert.equal(read.request.object, review.request.object);
    assert.equal('options' in read.request, false);
    assert.deepEqual(read.request.userInfo, { username: 'admin' });
    const planted = JSON.parse(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"__proto__":{"uid":"x","operation":"CREATE"},"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"}}}`);
    assert.equal(readAdmissionReview(planted), undefined, 'an own __proto__ key supplies no field');
    assert.match(schemaError(planted)!, /request\.uid/);
  });

  it('refuses what the schema refuses with the schema\'s field-named errors and limits', () => {
    const cases: Array<[string[], unknown, RegExp]> = [
      [['request', 'uid'], '', /request\.uid/],
      [['request', 'uid'], 'u'.repeat(257), /request\.uid/],
      [['request', 'namespace'], 'n'.repeat(254), /request\.namespace/],
      [['request', 'kind', 'version'], 'v'.repeat(64), /request\.kind\.version/],
      [['request', 'operation'], 'PATCH', /request\.operation/],
      [['request', 'userInfo', 'username'], 'u'.repeat(1025), /request\.userInfo\.username/],
      [['request', 'dryRun'], 'yes', /request\.dryRun/],
      [['request', 'resource'], [], /request\.resource/],
      [['apiVersion'], 'admission.k8s.io/v2', /apiVersion/],
    ];
    for (const [path, value, pattern] of cases) {
      const review = withValue(fullReview(), path, value);
      assert.equal(readAdmissionReview(review), undefined, path.join('.'));
      assert.match(schemaError(review)!, pattern);
      assert.throws(() => parseAdmissionReview(Buffer.from(JSON.stringify(review))), (error: unknown) => error instanceof AdmissionError && pattern.test(error.message));
    }
    assert.equal(readAdmissionReview(withValue(fullReview(), ['request', 'uid'], 'u'.repeat(256)))?.request.uid.length, 256);
  });
});

describe('pod spec hand check', () => {
  const spec = (): Json => ({
    containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: 'y' }] }, { name: 'b' }],
    initContainers: [{ name: 'i', image: 'i:1' }],
    ephemeralContainers: null,
    imagePullSecrets: [{ name: 's' }, {}],
    serviceAccountName: 'sa',
    volumes: [{ name: 'v' }],
  });
  const SPEC_HOSTILE: readonly unknown[] = [
    ...HOSTILE,
    [{}],
    [null],
    [[]],
    [{ name: 1 }],
    [{ image: null }],
    [{ image: 'i'.repeat(4096) }],
    [{ image: 'i'.repeat(4097) }],
    [{ name: 'n'.repeat(254) }],
    Array.from({ length: 1000 }, () => ({})),
    Array.from({ length: 1001 }, () => ({})),
    // eslint-disable-next-line no-sparse-arrays
    [, { image: 'x' }],
  ];

  function agreeSpec(value: unknown, label: string): void {
    const reference = podSpecSchema.safeParse(value);
    assert.equal(podSpecWithinBounds(value), reference.success, label);
    const object = { spec: value };
    if (reference.success) {
      const expected = [];
      for (const type of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
        for (const [index, entry] of (reference.data[type] ?? []).entries()) {
          if (entry.image !== undefined && entry.image !== '') expected.push({ path: `/spec/${type}/${index}/image`, image: entry.image, containerType: type, containerName: entry.name ?? '' });
        }
      }
      const images = extractImages('Pod', object);
      assert.deepStrictEqual(images, {
        images: expected,
        imagePullSecrets: (reference.data.imagePullSecrets ?? []).map((secret) => secret.name ?? '').filter((name) => name !== ''),
        serviceAccountName: reference.data.serviceAccountName || 'default',
      });
    } else if (value !== undefined && value !== null) {
      assert.throws(() => extractImages('Pod', object), (error: unknown) => error instanceof AdmissionError && error.code === 'ERR_ADMISSION_REQUEST_INVALID' && /^invalid Pod in object: spec/.test(error.message), label);
    }
  }

  it('agrees with the schema on a pod spec with any field missing or hostile', () => {
    agreeSpec(spec(), 'spec');
    for (const key of Object.keys(spec())) {
      agreeSpec(withValue(spec(), [key], undefined, true), `delete ${key}`);
      for (const [index, value] of SPEC_HOSTILE.entries()) agreeSpec(withValue(spec(), [key], value), `${key} = hostile[${index}]`);
    }
    for (const [index, value] of SPEC_HOSTILE.entries()) {
      agreeSpec(value, `spec = hostile[${index}]`);
      agreeSpec({ containers: [{ name: 'a', image: value }] }, `image = hostile[${index}]`);
      agreeSpec({ containers: [{ name: value, image: 'a' }] }, `name = hostile[${index}]`);
      agreeSpec({ imagePullSecrets: [{ name: value }] }, `secret = hostile[${index}]`);
    }
  });

  it('names the field of a refused spec, under the kind\'s pod spec path', () => {
    assert.throws(() => extractImages('CronJob', { spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ image: 5 }] } } } } } }), /spec\.jobTemplate\.spec\.template\.spec\.initContainers\[0\]\.image/);
    assert.deepEqual(extractImages('constructor', { spec: { containers: [{ image: 'x' }] } }).images, [], 'inherited names are not kinds');
  });
});
