import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { main } from '../../src/cli/main.js';
import { memoryContext } from '../../src/cli/context.js';
import { digestOf } from '../../src/oci/index.js';
import { call, pushBlob, startTestRegistry } from './helpers.js';
import { hasOpenssl } from '../helpers/tools.js';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('registry options', () => {
  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'portcullis-options-'));
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  it('requires htpasswd credentials and never logs them', async () => {
    const htpasswd = join(scratch, 'htpasswd');
    await writeFile(htpasswd, `alice:${bcrypt.hashSync('pa55word', 4).replace(/^\$2b\$/, '$2y$')}\n`);
    const registry = await startTestRegistry({ htpasswdFile: htpasswd });
    try {
      const anonymous = await call(registry.url, 'GET', '/v2/');
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers['www-authenticate'], 'Basic realm="portcullis"');
      assert.equal(anonymous.errorCode, 'UNAUTHORIZED');
      const wrong = await call(registry.url, 'GET', '/v2/', { headers: { Authorization: basic('alice', 'nope') } });
      assert.equal(wrong.status, 401);
      const right = await call(registry.url, 'GET', '/v2/', { headers: { Authorization: basic('alice', 'pa55word') } });
      assert.equal(right.status, 200);
      const push = await call(registry.url, 'POST', `/v2/app/blobs/uploads/?digest=${digestOf('x')}`, {
        body: 'x',
        headers: { Authorization: basic('alice', 'pa55word') },
      });
      assert.equal(push.status, 201);
      const logs = registry.logs.join('\n');
      assert.ok(logs.includes('"user":"alice"'));
      assert.ok(!logs.includes('pa55word') && !logs.includes(basic('alice', 'pa55word').slice(6)), 'no credentials in logs');
    } finally {
      await registry.dispose();
    }
  });

  it('refuses writes when read-only', async () => {
    const registry = await startTestRegistry({ readOnly: true });
    try {
      const answer = await call(registry.url, 'POST', '/v2/app/blobs/uploads/');
      assert.equal(answer.status, 405);
      assert.equal(answer.errorCode, 'UNSUPPORTED');
      assert.equal((await call(registry.url, 'GET', '/v2/')).status, 200);
    } finally {
      await registry.dispose();
    }
  });

  it('links any repository blob on a mount without from when anonymous mount is on', async () => {
    const registry = await startTestRegistry({ anonymousMount: true });
    try {
      await pushBlob(registry.url, 'a', Buffer.from('shared'), digestOf('shared'));
      assert.equal((await call(registry.url, 'POST', `/v2/b/blobs/uploads/?mount=${digestOf('shared')}`)).status, 201);
      assert.equal((await call(registry.url, 'POST', `/v2/b/blobs/uploads/?mount=${digestOf('absent')}`)).status, 202);
    } finally {
      await registry.dispose();
    }
  });

  it('serves HTTPS with --tls-cert/--tls-key', { skip: hasOpenssl() ? false : 'openssl not installed' }, async () => {
    const key = join(scratch, 'key.pem');
    const cert = join(scratch, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], {
      stdio: 'ignore',
    });
    const registry = await startTestRegistry({ tls: { cert: await readFile(cert), key: await readFile(key) } });
    try {
      assert.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const status = await new Promise<number>((resolve, reject) => {
        httpsGet(`${registry.url}/v2/`, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(status, 200);
    } finally {
      await registry.dispose();
    }
  });
});

describe('portcullis registry serve|fsck', () => {
  it('serves until the stop signal, then shuts down gracefully', async () => {
    const root = await mkdtemp(join(tmpdir(), 'portcullis-cli-'));
    const context = memoryContext();
    try {
      const exit = main(['registry', 'serve', '--root', root, '--addr', '127.0.0.1:0'], context);
      const url = await waitForListening(context.err);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await call(url, 'GET', '/v2/')).status, 200);
      context.stop();
      assert.equal(await exit, 0);
      await assert.rejects(call(url, 'GET', '/v2/'), /ECONNREFUSED/);
      const logLines = context.err().trim().split('\n').map((line) => JSON.parse(line) as { msg: string; method?: string; status?: number });
      assert.ok(logLines.some((line) => line.msg === 'request' && line.method === 'GET' && line.status === 200));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('fsck exits 0 on a healthy root and 1 on corruption, in text and JSON', async () => {
    const registry = await startTestRegistry();
    await pushBlob(registry.url, 'app', Buffer.from('blob'), digestOf('blob'));
    await registry.close();
    try {
      const healthy = memoryContext();
      assert.equal(await main(['registry', 'fsck', '--root', registry.root], healthy), 0);
      assert.match(healthy.out(), /No corruption found/);
      await writeFile(join(registry.root, 'blobs', 'sha256', digestOf('blob').slice(7)), 'bl0b');
      const corrupt = memoryContext();
      assert.equal(await main(['registry', 'fsck', '--root', registry.root, '--output', 'json'], corrupt), 1);
      const report = JSON.parse(corrupt.out()) as { corrupt: boolean; findings: Array<{ kind: string }> };
      assert.equal(report.corrupt, true);
      assert.ok(report.findings.some((finding) => finding.kind === 'corrupt-blob'));
      assert.match(corrupt.err(), /corruption/);
    } finally {
      await rm(registry.root, { recursive: true, force: true });
    }
  });
});

async function waitForListening(stderr: () => string): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const line = stderr()
      .split('\n')
      .find((entry) => entry.includes('"msg":"listening"'));
    if (line) return (JSON.parse(line) as { url: string }).url;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`registry did not start: ${stderr()}`);
}
