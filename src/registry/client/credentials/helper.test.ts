import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryError } from '../../../errors.js';
import { eraseCredential, storeCredential } from './credential-store.js';
import { dockerCredentials } from './docker-credentials.js';
import { eraseFromHelper, getFromHelper, isHelperMissing, storeInHelper } from './helper.js';

/**
 * A real `docker-credential-test` program, first on PATH: it answers `get` from a table keyed by
 * server URL, records `store` and `erase` input into files next to itself, and misbehaves on cue.
 */
const FAKE_HELPER = `#!/bin/sh
dir=$(dirname "$0")
input=$(cat)
case "$1" in
  get)
    case "$input" in
      registry.test) echo '{"ServerURL":"registry.test","Username":"alice","Secret":"s3cret"}' ;;
      https://index.docker.io/v1/) echo '{"ServerURL":"x","Username":"hub","Secret":"hubpass"}' ;;
      token.test) echo '{"ServerURL":"token.test","Username":"<token>","Secret":"refresh"}' ;;
      garbage.test) echo 'not json' ;;
      slow.test) sleep 5 ;;
      broken.test) echo 'keychain exploded' >&2; exit 3 ;;
      *) echo 'credentials not found in native keychain'; exit 1 ;;
    esac ;;
  store) printf '%s' "$input" > "$dir/stored.json" ;;
  erase) printf '%s' "$input" > "$dir/erased.txt" ;;
  *) exit 2 ;;
esac
`;

describe('credential helpers', () => {
  let directory: string;
  let env: Record<string, string | undefined>;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'portcullis-helper-'));
    const program = join(directory, 'docker-credential-test');
    await writeFile(program, FAKE_HELPER);
    await chmod(program, 0o755);
    env = { ...process.env, PATH: `${directory}:${process.env.PATH ?? ''}` };
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('gets username/password and identity tokens', async () => {
    assert.deepEqual(await getFromHelper('test', 'registry.test', { env }), { username: 'alice', password: 's3cret' });
    assert.deepEqual(await getFromHelper('test', 'token.test', { env }), { identityToken: 'refresh' });
  });

  it('returns undefined when the helper holds nothing', async () => {
    assert.equal(await getFromHelper('test', 'unknown.test', { env }), undefined);
  });

  it('fails clearly on bad output, a failing helper and a hanging helper', async () => {
    const isCredentialsError = (pattern: RegExp) => (error: unknown) =>
      error instanceof RegistryError && error.code === 'ERR_REGISTRY_CREDENTIALS' && pattern.test(error.message);
    await assert.rejects(getFromHelper('test', 'garbage.test', { env }), isCredentialsError(/not JSON/));
    await assert.rejects(getFromHelper('test', 'broken.test', { env }), isCredentialsError(/exit code 3: keychain exploded/));
    const started = performance.now();
    await assert.rejects(getFromHelper('test', 'slow.test', { env, timeoutMs: 300 }), isCredentialsError(/within 300 ms/));
    assert.ok(performance.now() - started < 3000);
  });

  it('reports a missing helper program as such', async () => {
    const error = await getFromHelper('absent', 'registry.test', { env }).catch((caught: unknown) => caught);
    assert.equal(isHelperMissing(error), true);
    assert.match((error as Error).message, /docker-credential-absent get could not run: the program is not on PATH/);
  });

  it('stores and erases through the helper', async () => {
    await storeInHelper('test', 'registry.test', { username: 'bob', password: 'pw' }, { env });
    assert.deepEqual(JSON.parse(await readFile(join(directory, 'stored.json'), 'utf8')), {
      ServerURL: 'registry.test',
      Username: 'bob',
      Secret: 'pw',
    });
    await eraseFromHelper('test', 'registry.test', { env });
    assert.equal(await readFile(join(directory, 'erased.txt'), 'utf8'), 'registry.test');
  });

  it('is used by the docker config provider per registry and as the default store', async () => {
    const path = join(directory, 'config.json');
    await writeFile(path, JSON.stringify({ credHelpers: { 'registry.test': 'test' }, credsStore: 'test', auths: { 'file.test': { auth: Buffer.from('f:f').toString('base64') } } }));
    const provider = dockerCredentials({ path, env });
    assert.deepEqual(await provider('registry.test'), { username: 'alice', password: 's3cret' });
    assert.deepEqual(await provider('docker.io'), { username: 'hub', password: 'hubpass' });
    // The store holds nothing for file.test: the auths entry answers.
    assert.deepEqual(await provider('file.test'), { username: 'f', password: 'f' });
  });

  it('falls back to the file with one warning when the configured helper is missing', async () => {
    const path = join(directory, 'missing-helper.json');
    await writeFile(path, JSON.stringify({ credsStore: 'absent', auths: { 'r.test': { auth: Buffer.from('u:p').toString('base64') } } }));
    const warnings: string[] = [];
    const provider = dockerCredentials({ path, env, logger: { warn: (message) => warnings.push(message) } });
    assert.deepEqual(await provider('r.test'), { username: 'u', password: 'p' });
    assert.equal(await provider('other.test'), undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /docker-credential-absent .* is not installed; using the credentials stored in the file/);
  });

  it('routes login and logout to the configured helper', async () => {
    const path = join(directory, 'login.json');
    await writeFile(path, JSON.stringify({ credHelpers: { 'registry.test': 'test' } }));
    assert.deepEqual(await storeCredential(path, 'registry.test', { identityToken: 'tok' }, { env }), { helper: 'test' });
    assert.equal(JSON.parse(await readFile(join(directory, 'stored.json'), 'utf8')).Username, '<token>');
    assert.equal(await eraseCredential(path, 'registry.test', { env }), true);
  });
});
