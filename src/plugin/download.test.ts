/**
 * Plugin downloads against a loopback HTTPS server: redirects, status errors, the size cap, the
 * deadline, untrusted certificates and refused connections, with notation's Go-worded messages.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateServingCertificate } from '../../test/helpers/admission.js';
import { failure } from '../../test/helpers/fixtures.js';
import { freePort } from '../../test/helpers/network.js';
import { temporaryDirectory, type TemporaryDirectory } from '../../test/helpers/temporary-directory.js';
import { hasOpenssl } from '../../test/helpers/tools.js';
import { downloadPluginSource } from './download.js';

describe('downloadPluginSource', { skip: hasOpenssl() ? false : 'openssl not installed' }, () => {
  let scratch: TemporaryDirectory;
  let server: Server;
  let origin: string;
  let ca: Buffer;
  let counter = 0;
  const routes = new Map<string, (response: ServerResponse) => void>();

  before(async () => {
    scratch = await temporaryDirectory('plugin-download');
    const certificate = await generateServingCertificate(path.join(scratch.path, 'tls'));
    ca = certificate.ca;
    server = createServer({ cert: await readFile(certificate.certFile), key: await readFile(certificate.keyFile) }, (request, response) => {
      const route = routes.get(request.url ?? '');
      if (route) route(response);
      else {
        response.writeHead(404);
        response.end('no');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    routes.set('/plugin.tar.gz', (response) => response.end('plugin bytes'));
    routes.set('/redirect', (response) => {
      response.writeHead(302, { location: '/plugin.tar.gz' });
      response.end();
    });
    routes.set('/loop', (response) => {
      response.writeHead(307, { location: '/loop' });
      response.end();
    });
    routes.set('/to-http', (response) => {
      response.writeHead(301, { location: 'http://127.0.0.1:1/plugin.tar.gz' });
      response.end();
    });
    routes.set('/exactly-1000', (response) => response.end(Buffer.alloc(1000)));
    routes.set('/999', (response) => response.end(Buffer.alloc(999)));
    routes.set('/hang', () => undefined);
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await scratch.remove();
  });

  const target = (): string => path.join(scratch.path, `download-${++counter}`);

  it('downloads, following HTTPS redirects', async () => {
    const file = target();
    await downloadPluginSource(`${origin}/redirect`, file, { ca });
    assert.equal(await readFile(file, 'utf8'), 'plugin bytes');
  });

  it('fails on a bad status, a redirect loop or a redirect to plain HTTP', async () => {
    assert.deepEqual(await failure(() => downloadPluginSource(`${origin}/missing`, target(), { ca })), {
      code: 'ERR_PLUGIN_DOWNLOAD_FAILED',
      message: `GET "${origin}/missing": https response bad status: 404 Not Found`,
    });
    assert.deepEqual(await failure(() => downloadPluginSource(`${origin}/loop`, target(), { ca })), {
      code: 'ERR_PLUGIN_DOWNLOAD_FAILED',
      message: `Get "${origin}/loop": stopped after 10 redirects`,
    });
    assert.deepEqual(await failure(() => downloadPluginSource(`${origin}/to-http`, target(), { ca })), {
      code: 'ERR_PLUGIN_DOWNLOAD_FAILED',
      message: 'Get "http://127.0.0.1:1/plugin.tar.gz": redirect to a non-HTTPS URL is not allowed',
    });
  });

  it('requires the body to stay strictly under the cap', async () => {
    await downloadPluginSource(`${origin}/999`, target(), { ca, maxBytes: 1000 });
    assert.deepEqual(await failure(() => downloadPluginSource(`${origin}/exactly-1000`, target(), { ca, maxBytes: 1000 })), {
      code: 'ERR_PLUGIN_SIZE_EXCEEDED',
      message: `GET "${origin}/exactly-1000": https response reached the 0 MiB size limit`,
    });
  });

  it('gives up at the deadline', async () => {
    assert.deepEqual(await failure(() => downloadPluginSource(`${origin}/hang`, target(), { ca, timeoutMs: 200 })), {
      code: 'ERR_PLUGIN_DOWNLOAD_FAILED',
      message: `Get "${origin}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
  });

  it('refuses an untrusted certificate and reports refused connections as Go does', async () => {
    const untrusted = await failure(() => downloadPluginSource(`${origin}/plugin.tar.gz`, target()));
    assert.equal(untrusted.code, 'ERR_PLUGIN_DOWNLOAD_FAILED');
    assert.match(untrusted.message, /^Get "https:\/\/127\.0\.0\.1:\d+\/plugin\.tar\.gz": tls: failed to verify certificate: x509: /);
    const port = await freePort();
    assert.deepEqual(await failure(() => downloadPluginSource(`https://127.0.0.1:${port}/x`, target(), { ca })), {
      code: 'ERR_PLUGIN_DOWNLOAD_FAILED',
      message: `Get "https://127.0.0.1:${port}/x": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });
});
