import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdmissionError } from './errors.js';
import { DEFAULT_POLICY, globMatch, isExempt, namespaceIncluded, parseAdmissionPolicy, selectRule } from './policy.js';

const isPolicyError = (pattern: RegExp) => (error: unknown) => error instanceof AdmissionError && error.code === 'ERR_ADMISSION_POLICY_INVALID' && pattern.test(error.message);

describe('admission policy', () => {
  it('parses YAML with defaults inherited by rules', () => {
    const policy = parseAdmissionPolicy(`
namespaces: { include: ["team-*"], exclude: [team-legacy] }
exemptImages: ["registry.k8s.io/pause:*"]
defaults: { mode: warn, pinDigests: false }
rules:
  - { name: prod, namespaces: [team-prod], mode: enforce, multiArch: all }
  - { name: vendor, images: ["docker.io/library/*"], failurePolicy: Ignore }
`);
    assert.deepEqual(selectRule(policy, 'team-prod', ['x']), { name: 'prod', mode: 'enforce', pinDigests: false, failurePolicy: 'Fail', multiArch: 'all' });
    assert.deepEqual(selectRule(policy, 'team-a', ['nginx', 'docker.io/library/nginx:latest']), { name: 'vendor', mode: 'warn', pinDigests: false, failurePolicy: 'Ignore', multiArch: 'index' });
    assert.equal(selectRule(policy, 'team-a', ['ghcr.io/x/y:1']).name, 'default');
    assert.equal(namespaceIncluded(policy, 'team-a'), true);
    assert.equal(namespaceIncluded(policy, 'team-legacy'), false);
    assert.equal(namespaceIncluded(policy, 'other'), false);
    assert.equal(isExempt(policy, ['registry.k8s.io/pause:3.9']), true);
    assert.equal(namespaceIncluded(DEFAULT_POLICY, 'anything'), true);
  });

  it('names the field of every problem', () => {
    assert.throws(() => parseAdmissionPolicy('rules: [{ name: a, mode: sometimes }]'), isPolicyError(/rules\[0\]\.mode/));
    assert.throws(() => parseAdmissionPolicy('defaults: { pinDigests: "yes" }'), isPolicyError(/defaults\.pinDigests/));
    assert.throws(() => parseAdmissionPolicy('namespace: [x]'), isPolicyError(/namespace/));
    assert.throws(() => parseAdmissionPolicy('rules: [{ name: a }, { name: a }]'), isPolicyError(/rules\[1\]\.name: "a" is used by an earlier rule/));
    assert.throws(() => parseAdmissionPolicy('kind: Deployment'), isPolicyError(/kind/));
    assert.throws(() => parseAdmissionPolicy('a: [1, 2'), isPolicyError(/not valid YAML/));
    assert.throws(() => parseAdmissionPolicy('x'.repeat(1024 * 1024 + 1)), isPolicyError(/larger than/));
  });

  it('bounds YAML alias expansion', () => {
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [${'*a,'.repeat(50)}*a]\nc: &c [${'*b,'.repeat(50)}*b]\nexemptImages: *c\n`;
    assert.throws(() => parseAdmissionPolicy(bomb), isPolicyError(/./));
  });

  it('matches globs literally except for * and ?', () => {
    assert.equal(globMatch('ghcr.io/acme/*', 'ghcr.io/acme/app/sub:1'), true);
    assert.equal(globMatch('ghcr.io/acme/*', 'ghcr.io/acmex/app'), false);
    assert.equal(globMatch('a.b', 'aXb'), false);
    assert.equal(globMatch('v?', 'v1'), true);
  });
});
