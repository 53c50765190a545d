import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile, readFile, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryError } from '../../../errors.js';
import { MAX_JSON_DOCUMENT_BYTES } from '../../../limits.js';
import { eraseCredential, storeCredential } from './credential-store.js';
import {
  credentialFromAuths,
  credentialKey,
  dockerConfigPath,
  helperFor,
  parseDockerConfig,
  readDockerConfig,
  registryOfKey,
} from './docker-config.js';
import { dockerCredentials } from './docker-credentials.js';

const encode = (text: string) => Buffer.from(text).toString('base64');
const parse = (document: unknown) => parseDockerConfig(Buffer.from(JSON.stringify(document)), '/tmp/config.json');
const isCredentialsError = (error: unknown) => error instanceof RegistryError && error.code === 'ERR_REGISTRY_CREDENTIALS';

describe('docker config keys', () => {
  it('normalises keys to registry names, Docker Hub included', () => {
    assert.equal(registryOfKey('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(registryOfKey('registry-1.docker.io'), 'docker.io');
    assert.equal(registryOfKey('https://Registry.Example:5000/'), 'registry.example:5000');
    assert.equal(registryOfKey('http://localhost:5000/v2/'), 'localhost:5000');
    assert.equal(registryOfKey('localhost:5000'), 'localhost:5000');
  });

  it('stores Docker Hub under the key docker login uses', () => {
    assert.equal(credentialKey('docker.io'), 'https://index.docker.io/v1/');
    assert.equal(credentialKey('localhost:5000'), 'localhost:5000');
  });

  it('finds the file through DOCKER_CONFIG, else the home directory', () => {
    assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/etc/d' }, '/home/u'), '/etc/d/config.json');
    assert.equal(dockerConfigPath({}, '/home/u'), '/home/u/.docker/config.json');
  });
});

describe('docker config credentials', () => {
  it('decodes base64 auth, username/password and identity tokens', () => {
    const config = parse({
      auths: {
        'https://index.docker.io/v1/': { auth: encode('hub:secret:with:colons') },
        'https://plain.example': { username: 'u', password: 'p' },
        'token.example': { auth: '', identitytoken: 'refresh-me' },
        'empty.example': {},
      },
    });
    assert.deepEqual(credentialFromAuths(config, 'docker.io'), { username: 'hub', password: 'secret:with:colons' });
    assert.deepEqual(credentialFromAuths(config, 'plain.example'), { username: 'u', password: 'p' });
    assert.deepEqual(credentialFromAuths(config, 'token.example'), { identityToken: 'refresh-me' });
    assert.equal(credentialFromAuths(config, 'empty.example'), undefined);
    assert.equal(credentialFromAuths(config, 'other.example'), undefined);
  });

  it('rejects bad base64 and auth without a colon, naming the key but not the secret', () => {
    const config = parse({
      auths: { 'bad.example': { auth: 'not*base64!' }, 'nocolon.example': { auth: encode('justuser') }, 'ok.example': { auth: encode('a:b') } },
    });
    assert.throws(() => credentialFromAuths(config, 'bad.example'), (error: unknown) => {
      return isCredentialsError(error) && /"bad\.example".*not valid base64/.test((error as Error).message);
    });
    assert.throws(() => credentialFromAuths(config, 'nocolon.example'), /username:password/);
    assert.throws(() => credentialFromAuths(config, 'nocolon.example'), (error: unknown) => !(error as Error).message.includes('justuser'));
    // One broken entry does not spoil the others.
    assert.deepEqual(credentialFromAuths(config, 'ok.example'), { username: 'a', password: 'b' });
  });

  it('rejects malformed documents with typed errors', () => {
    for (const text of ['{', '[]', '"x"', '{"auths":[]}', '{"auths":{"a":"b"}}', '{"credsStore":"../../bin/sh"}', '{"credHelpers":{"a":1}}']) {
      assert.throws(() => parseDockerConfig(Buffer.from(text), '/c.json'), isCredentialsError, text);
    }
    assert.deepEqual([...parseDockerConfig(Buffer.alloc(0), '/c.json').auths], []);
  });

  it('picks the per-registry helper before the default store', () => {
    const config = parse({ credsStore: 'desktop', credHelpers: { 'https://special.example': 'ecr-login' } });
    assert.equal(helperFor(config, 'special.example'), 'ecr-login');
    assert.equal(helperFor(config, 'other.example'), 'desktop');
    assert.equal(helperFor(parse({}), 'other.example'), undefined);
  });
});

describe('docker config files', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'portcullis-docker-config-'));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('treats a missing file as no credentials', async () => {
    assert.equal(await readDockerConfig(join(directory, 'absent.json')), undefined);
    const provider = dockerCredentials({ path: join(directory, 'absent.json') });
    assert.equal(await provider('registry.example'), undefined);
  });

  it('refuses a file over the size cap without reading it all', async () => {
    const path = join(directory, 'huge.json');
    await writeFile(path, '');
    await truncate(path, MAX_JSON_DOCUMENT_BYTES + 1);
    await assert.rejects(readDockerConfig(path), (error: unknown) => isCredentialsError(error) && /larger than/.test((error as Error).message));
  });

  it('reads the file through DOCKER_CONFIG', async () => {
    await writeFile(join(directory, 'config.json'), JSON.stringify({ auths: { 'r.example': { auth: encode('u:p') } } }));
    const provider = dockerCredentials({ env: { DOCKER_CONFIG: directory }, homeDirectory: '/nonexistent' });
    assert.deepEqual(await provider('r.example'), { username: 'u', password: 'p' });
  });

  it('stores credentials atomically with mode 0600, keeping other fields, and erases them', async () => {
    const path = join(directory, 'store', 'config.json');
    await storeCredential(path, 'docker.io', { username: 'u', password: 'p' });
    await writeFile(
      path,
      JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: encode('old:old') }, 'keep.example': { auth: encode('k:k') } }, psFormat: 'x' }),
    );
    const location = await storeCredential(path, 'docker.io', { username: 'new', password: 'secret' });
    assert.deepEqual(location, { file: path });
    const document = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(document.psFormat, 'x');
    assert.deepEqual(Object.keys(document.auths).sort(), ['https://index.docker.io/v1/', 'keep.example']);
    assert.equal(document.auths['https://index.docker.io/v1/'].auth, encode('new:secret'));
    assert.equal((await stat(path)).mode & 0o777, 0o600);

    await storeCredential(path, 'https://keep.example/', { identityToken: 'tok' });
    assert.deepEqual(await dockerCredentials({ path })('keep.example'), { identityToken: 'tok' });

    assert.equal(await eraseCredential(path, 'docker.io'), true);
    assert.equal(await eraseCredential(path, 'docker.io'), false);
    assert.deepEqual(Object.keys(JSON.parse(await readFile(path, 'utf8')).auths), ['keep.example']);
  });
});
