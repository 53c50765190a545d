import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { BasicAuthenticator, parseHtpasswd } from './auth.js';

// Apache's htpasswd -B writes $2y$; bcryptjs writes $2b$ for the same scheme.
const HASH = bcrypt.hashSync('s3cret', 4).replace(/^\$2b\$/, '$2y$');
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('htpasswd', () => {
  it('reads bcrypt entries and skips comments', () => {
    const users = parseHtpasswd(`# users\nalice:${HASH}\n\n`);
    assert.deepEqual([...users.keys()], ['alice']);
  });
  it('refuses other schemes, naming the line', () => {
    assert.throws(() => parseHtpasswd('bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', 'users.htpasswd'), /users\.htpasswd:1: .*htpasswd -B/);
    assert.throws(() => parseHtpasswd(`ok:${HASH}\nbroken`), /:2:/);
  });
});

describe('BasicAuthenticator', () => {
  const authenticator = new BasicAuthenticator(parseHtpasswd(`alice:${HASH}`));
  it('accepts the right password', async () => {
    assert.equal(await authenticator.authenticate(basic('alice', 's3cret')), 'alice');
    assert.equal(await authenticator.authenticate(basic('alice', 's3cret')), 'alice', 'cached');
  });
  for (const [name, header] of [
    ['no header', undefined],
    ['a bearer token', 'Bearer abc'],
    ['a wrong password', basic('alice', 'wrong')],
    ['an unknown user', basic('mallory', 's3cret')],
    ['no colon', `Basic ${Buffer.from('alice').toString('base64')}`],
  ] as const) {
    it(`answers ${name} with a Basic challenge`, async () => {
      await assert.rejects(authenticator.authenticate(header), (error: { code?: string; status?: number; headers?: Record<string, string> }) => {
        assert.equal(error.code, 'ERR_REGISTRY_SERVER_UNAUTHORIZED');
        assert.equal(error.status, 401);
        assert.equal(error.headers?.['WWW-Authenticate'], 'Basic realm="portcullis"');
        return true;
      });
    });
  }
});
