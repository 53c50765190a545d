import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenges, selectChallenge } from './challenge.js';

const single = (value: string) => parseChallenges([value]);
const parameters = (value: string) => Object.fromEntries(single(value)[0]?.parameters ?? []);

describe('WWW-Authenticate challenges', () => {
  it('parses the distribution Bearer challenge with a comma inside a quoted scope', () => {
    const [challenge] = single(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:ns/app:pull,push"',
    );
    assert.equal(challenge?.scheme, 'bearer');
    assert.deepEqual(Object.fromEntries(challenge!.parameters), {
      realm: 'https://auth.example/token',
      service: 'registry.example',
      scope: 'repository:ns/app:pull,push',
    });
  });

  it('lowercases scheme and parameter names, keeps values, allows spaces around "="', () => {
    const [challenge] = single('BEARER Realm = "https://a/t" ,  Service=svc');
    assert.equal(challenge?.scheme, 'bearer');
    assert.deepEqual(Object.fromEntries(challenge!.parameters), { realm: 'https://a/t', service: 'svc' });
  });

  it('splits several challenges in one header and across headers', () => {
    const challenges = parseChallenges(['Basic realm="x, y", Bearer realm="https://a/t"', 'Negotiate']);
    assert.deepEqual(
      challenges.map((challenge) => challenge.scheme),
      ['basic', 'bearer', 'negotiate'],
    );
    assert.equal(challenges[0]?.parameters.get('realm'), 'x, y');
    assert.equal(selectChallenge(challenges)?.scheme, 'bearer');
  });

  it('unescapes quoted-pairs and accepts bare URL values', () => {
    assert.equal(parameters('Bearer realm="a \\"quoted\\" \\\\ value"').realm, 'a "quoted" \\ value');
    assert.equal(parameters('Bearer realm=https://auth.example/token?x=1,service=s').realm, 'https://auth.example/token?x=1');
  });

  it('keeps the first of duplicated parameters', () => {
    assert.equal(parameters('Bearer realm="https://good/t",realm="https://evil/t"').realm, 'https://good/t');
  });

  it('skips a token68 credential blob', () => {
    const challenges = single('Basic dXNlcjpwYXNz==, Bearer realm="r"');
    assert.deepEqual(challenges.map((c) => [c.scheme, c.parameters.size]), [['basic', 0], ['bearer', 1]]);
  });

  it('survives hostile headers without throwing', () => {
    const hostile = [
      '',
      ',,,,',
      '"""',
      '=====',
      'Bearer realm="unterminated, service=x',
      'Bearer realm=',
      'Bearer ,,, realm="r" ,,,',
      '\u0000Bearer\u0000 realm="\u0000"',
      'Bearer __proto__="polluted", constructor=x',
      'Bearer ' + 'a="b",'.repeat(5000),
      '(weird), Bearer realm="r"',
    ];
    for (const header of hostile) assert.doesNotThrow(() => parseChallenges([header]), header.slice(0, 40));
    assert.equal(parameters('Bearer realm="unterminated, service=x').realm, 'unterminated, service=x');
    assert.equal(parameters('Bearer __proto__="polluted"').__proto__, 'polluted');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // Junk is skipped up to the next comma; the challenge after it still counts.
    assert.equal(parseChallenges(['(weird), Bearer realm="r"']).at(-1)?.parameters.get('realm'), 'r');
  });

  it('parses a 16 KiB header quickly (no quadratic scanning)', () => {
    const started = performance.now();
    parseChallenges(['Bearer ' + 'a=b,'.repeat(4096)]);
    assert.ok(performance.now() - started < 200);
  });

  it('selects Basic when no Bearer is offered and nothing when neither is', () => {
    assert.equal(selectChallenge(single('Basic realm="r"'))?.scheme, 'basic');
    assert.equal(selectChallenge(single('Digest realm="r"')), undefined);
  });
});
