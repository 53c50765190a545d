import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultCredentials } from './default-credentials.js';

describe('default credential order', () => {
  it('prefers flags, then NOTATION_* variables, then the docker config', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'portcullis-default-credentials-'));
    try {
      const configPath = join(directory, 'config.json');
      await writeFile(configPath, JSON.stringify({ auths: { 'a.example': { auth: Buffer.from('file:file').toString('base64') } } }));
      const fileOnly = defaultCredentials({ configPath, env: {} });
      assert.deepEqual(await fileOnly('a.example'), { username: 'file', password: 'file' });
      assert.equal(await fileOnly('b.example'), undefined);

      const withEnvironment = defaultCredentials({ configPath, env: { NOTATION_USERNAME: 'env', NOTATION_PASSWORD: 'env' } });
      assert.deepEqual(await withEnvironment('a.example'), { username: 'env', password: 'env' });

      const withFlags = defaultCredentials({
        configPath,
        env: { NOTATION_USERNAME: 'env', NOTATION_PASSWORD: 'env' },
        credential: { username: 'flag', password: 'flag' },
        registries: ['a.example'],
      });
      assert.deepEqual(await withFlags('a.example'), { username: 'flag', password: 'flag' });
      assert.deepEqual(await withFlags('b.example'), { username: 'env', password: 'env' });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
