import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { memoryContext } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { startDistributionRegistry, type RunningRegistry } from '../helpers/distribution-registry.js';
import { temporaryDirectory, type TemporaryDirectory } from '../helpers/temporary-directory.js';
import { assertTool, requiredTool } from '../helpers/tools.js';

const registryTool = requiredTool('registry', 'distribution v3, built by .ci/install-tools.sh into .tools/bin');

describe('portcullis login / logout (distribution v3 with htpasswd)', { skip: registryTool.skip }, () => {
  let directory: TemporaryDirectory;
  let registry: RunningRegistry;
  let configPath: string;

  const run = async (argv: string[], stdin?: string) => {
    const context = memoryContext({ env: { HOME: directory.path }, cwd: directory.path, ...(stdin !== undefined && { stdin }) });
    const code = await main(argv, context);
    return { code, out: context.out(), err: context.err() };
  };
  const storedAuths = async () => JSON.parse(await readFile(configPath, 'utf8')).auths as Record<string, { auth: string }>;

  before(async () => {
    directory = await temporaryDirectory('login');
    const htpasswdPath = join(directory.path, 'htpasswd');
    await writeFile(htpasswdPath, `alice:${bcrypt.hashSync('wonderland', 4)}\n`);
    registry = await startDistributionRegistry(assertTool('registry', registryTool.path), { kind: 'htpasswd', htpasswdPath });
    configPath = join(directory.path, '.docker', 'config.json');
  });
  after(async () => {
    await registry?.stop();
    await directory?.remove();
  });

  it('refuses wrong credentials and stores nothing', async () => {
    const result = await run(['login', registry.host, '-u', 'alice', '--password-stdin'], 'wrong\n');
    assert.equal(result.code, 1);
    assert.match(result.err, new RegExp(`Error: failed to authenticate with ${registry.host}: UNAUTHORIZED: authentication required \\(HTTP 401\\)`));
    await assert.rejects(stat(configPath), { code: 'ENOENT' });
  });

  it('verifies and stores credentials from --password-stdin in ~/.docker/config.json with mode 0600', async () => {
    const result = await run(['login', registry.host, '-u', 'alice', '--password-stdin'], 'wonderland\n');
    assert.equal(result.code, 0, result.err);
    assert.equal(result.out, 'Login Succeeded\n');
    assert.equal((await storedAuths())[registry.host]?.auth, Buffer.from('alice:wonderland').toString('base64'));
    assert.equal((await stat(configPath)).mode & 0o777, 0o600);
  });

  it('warns about -p and honours --registry-config', async () => {
    const result = await run(['login', `http://${registry.host}/`, '-u', 'alice', '-p', 'wonderland', '--registry-config', 'custom.json']);
    assert.equal(result.code, 0, result.err);
    assert.match(result.err, /Using --password via the CLI is insecure/);
    const custom = JSON.parse(await readFile(join(directory.path, 'custom.json'), 'utf8'));
    assert.ok(custom.auths[registry.host]);
  });

  it('logs out, and says so when there is nothing to remove', async () => {
    assert.deepEqual(await run(['logout', registry.host]), { code: 0, out: 'Logout Succeeded\n', err: '' });
    assert.equal((await storedAuths())[registry.host], undefined);
    assert.equal((await run(['logout', registry.host])).out, `Not logged in to ${registry.host}\n`);
  });

  it('rejects incomplete or contradictory flags as usage errors', async () => {
    const noUser = await run(['login', registry.host, '-p', 'x']);
    assert.equal(noUser.code, 1);
    assert.match(noUser.err, /a username is required/);
    const both = await run(['login', registry.host, '-u', 'a', '-p', 'x', '--password-stdin']);
    assert.match(both.err, /mutually exclusive/);
    const badHost = await run(['login', 'not a host', '-u', 'a', '-p', 'x']);
    assert.match(badHost.err, /is not a registry host/);
  });
});
