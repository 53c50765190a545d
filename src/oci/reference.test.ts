import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReference, parseDockerReference, parseReference } from './reference.js';

const DIGEST = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';

describe('parseReference (ORAS/Notation style, registry required)', () => {
  it('splits registry, repository, tag and digest', () => {
    assert.deepEqual(parseReference('localhost:5000/net-monitor:v1'), {
      registry: 'localhost:5000',
      repository: 'net-monitor',
      tag: 'v1',
    });
    assert.deepEqual(parseReference(`example.com/a/b@${DIGEST}`), {
      registry: 'example.com',
      repository: 'a/b',
      digest: DIGEST,
    });
    assert.deepEqual(parseReference(`[::1]:5000/a:t@${DIGEST}`), {
      registry: '[::1]:5000',
      repository: 'a',
      tag: 't',
      digest: DIGEST,
    });
  });

  for (const [input, problem] of [
    ['', /empty/],
    ['nginx', /missing repository/],
    ['localhost:5000/UPPER', /lowercase/],
    ['localhost:5000/../etc', /repository/],
    ['localhost:5000/a:-bad', /tag/],
    ['localhost:5000/a@sha256:abc', /64 lowercase hex/],
    ['localhost:5000/a@md5:d41d8cd98f00b204e9800998ecf8427e', /unsupported digest algorithm/],
    ['bad_host!/a', /registry/],
    [`r/${'a'.repeat(300)}`, /255/],
  ] as const) {
    it(`rejects ${JSON.stringify(input).slice(0, 40)}`, () => {
      assert.throws(() => parseReference(input), (error: Error & { code?: string }) => {
        assert.equal(error.code?.startsWith('ERR_OCI_'), true);
        assert.match(error.message, problem);
        return true;
      });
    });
  }
});

describe('parseDockerReference (Docker and Kubernetes defaults)', () => {
  const cases: ReadonlyArray<[string, string]> = [
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['bitnami/redis', 'docker.io/bitnami/redis:latest'],
    ['index.docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['ghcr.io/org/app:v2', 'ghcr.io/org/app:v2'],
    [`nginx@${DIGEST}`, `docker.io/library/nginx@${DIGEST}`],
    [`nginx:1.25@${DIGEST}`, `docker.io/library/nginx:1.25@${DIGEST}`],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => assert.equal(formatReference(parseDockerReference(input)), expected));
  }
});
