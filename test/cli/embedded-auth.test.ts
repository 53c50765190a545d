import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { runCli, runCliOk } from '../helpers/cli.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { startTestRegistry, type TestRegistry } from '../registry/helpers.js';

/**
 * The whole chain a user walks on the embedded registry with Basic auth: `login` checks and stores
 * the credentials in a docker config file, later commands find them there, `logout` removes them.
 */
describe('login, push and pull against the embedded registry with htpasswd', () => {
  let registry: TestRegistry;
  let host: string;
  let work: string;
  let env: Record<string, string>;

  before(async () => {
    work = (await temporaryDirectory()).path;
    const htpasswd = join(work, 'htpasswd');
    await writeFile(htpasswd, `alice:${bcrypt.hashSync('wonderland', 4).replace(/^\$2b\$/, '$2y$')}\n`);
    registry = await startTestRegistry({ htpasswdFile: htpasswd });
    host = new URL(registry.url).host;
    env = { DOCKER_CONFIG: join(work, 'docker'), HOME: work, PATH: process.env.PATH ?? '' };
    await writeFile(join(work, 'file.txt'), 'secret sauce');
  });
  after(() => registry.dispose());

  it('refuses anonymous and wrong credentials with exit 1 and a clear message', async () => {
    const anonymous = await runCli(['push', `${host}/team/app:v1`, 'file.txt'], { cwd: work, env });
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /UNAUTHORIZED|401/);
    const wrong = await runCli(['login', host, '-u', 'alice', '-p', 'nope'], { cwd: work, env });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /UNAUTHORIZED|401|unauthorized/i);
  });

  it('stores working credentials, uses them, and forgets them on logout', async () => {
    const login = await runCliOk(['login', host, '-u', 'alice', '--password-stdin'], { cwd: work, env, stdin: 'wonderland\n' });
    assert.match(login.stdout, /Login Succeeded/);
    await runCliOk(['push', `${host}/team/app:v1`, 'file.txt'], { cwd: work, env });
    await runCliOk(['pull', `${host}/team/app:v1`, '--output-directory', join(work, 'out')], { cwd: work, env });
    await runCliOk(['logout', host], { cwd: work, env });
    const after = await runCli(['resolve', `${host}/team/app:v1`], { cwd: work, env });
    assert.equal(after.code, 1);
  });

  it('takes -u/-p for one command without storing anything', async () => {
    const resolved = await runCliOk(['resolve', `${host}/team/app:v1`, '-u', 'alice', '-p', 'wonderland'], { cwd: work, env });
    assert.match(resolved.stdout, /^sha256:[0-9a-f]{64}\n$/);
  });
});
