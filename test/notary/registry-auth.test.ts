import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { copy } from '../../src/content/index.js';
import { LayoutStore } from '../../src/layout/index.js';
import { RegistryClient, staticCredentials } from '../../src/registry/client/index.js';
import { startDistributionRegistry, type RunningRegistry } from '../helpers/distribution-registry.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { assertTool } from '../helpers/tools.js';
import { E2E_DIGEST, E2E_LAYOUTS, describeRun, e2eSkip, notationHome, portcullis, registryTool, testSigningCertificate, wildcardPolicy, type NotationHome } from './signing-helpers.js';

/** sign and verify against a registry that wants Basic credentials: -u/-p, NOTATION_USERNAME/NOTATION_PASSWORD, none. */
describe('sign and verify with registry credentials', { skip: e2eSkip || registryTool.skip }, () => {
  let registry: RunningRegistry;
  let home: NotationHome;
  let reference: string;
  const credentials = { username: 'testuser', password: 'testpassword' };

  before(async () => {
    const htpasswd = join((await temporaryDirectory()).path, 'htpasswd');
    await writeFile(htpasswd, `${credentials.username}:${bcrypt.hashSync(credentials.password, 5)}\n`);
    registry = await startDistributionRegistry(assertTool('registry', registryTool.path), { kind: 'htpasswd', htpasswdPath: htpasswd });
    const client = new RegistryClient({ credentials: staticCredentials(credentials) });
    await copy(await LayoutStore.open(join(E2E_LAYOUTS, 'e2e'), { create: false }), 'v1', client.repository(`${registry.host}/secured/app`), 'v1');
    await client.close();
    const key = await testSigningCertificate('auth', 'EC-256');
    home = await notationHome({ keys: [{ name: 'auth', key }], trustStores: { 'ca/auth': [key.certificate] }, trustPolicy: wildcardPolicy('strict', ['ca:auth']) });
    reference = `${registry.host}/secured/app@${E2E_DIGEST}`;
  });
  after(async () => registry?.stop());

  it('login-wrong-credential-then-sign: without credentials the registry refuses, as oras-go words it', async () => {
    const run = await portcullis(home, ['sign', reference]);
    assert.equal(run.code, 1);
    assert.ok(run.stderr.includes('credential required for basic auth'), run.stderr);
  });

  it('wrong credentials are refused (without the "no credentials" hint)', async () => {
    const run = await portcullis(home, ['verify', reference, '-u', 'testuser', '-p', 'wrong']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /UNAUTHORIZED|401/);
    assert.ok(!run.stderr.includes('credential required'), run.stderr);
  });

  it('-u/-p flags sign, NOTATION_USERNAME/NOTATION_PASSWORD verify', async () => {
    const signed = await portcullis(home, ['sign', '-u', credentials.username, '-p', credentials.password, reference]);
    assert.equal(signed.code, 0, describeRun(signed));
    const verified = await portcullis(home, ['verify', reference], { NOTATION_USERNAME: credentials.username, NOTATION_PASSWORD: credentials.password });
    assert.equal(verified.code, 0, describeRun(verified));
    assert.equal(verified.stdout, `Successfully verified signature for ${reference}\n`);
  });
});
