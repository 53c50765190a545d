import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopbackRegistry, RegistryClient, registryBaseUrl } from './client.js';
import { redact } from './http.js';
import { formatRequestEvent } from './logger.js';

describe('registry origins', () => {
  it('maps docker.io to its API host and keeps other hosts', () => {
    assert.equal(registryBaseUrl('docker.io', false).origin, 'https://registry-1.docker.io');
    assert.equal(registryBaseUrl('registry.example:5000', false).origin, 'https://registry.example:5000');
    assert.equal(registryBaseUrl('registry.example', true).origin, 'http://registry.example');
  });

  it('talks plain HTTP to loopback hosts, listed insecure registries, or everything when asked', async () => {
    for (const host of ['localhost', 'localhost:5000', '127.0.0.1:5000', '[::1]:5000']) assert.equal(isLoopbackRegistry(host), true, host);
    for (const host of ['registry.example', 'localhost.example', '127.0.0.2', '10.0.0.1:5000']) assert.equal(isLoopbackRegistry(host), false, host);
    const client = new RegistryClient({ insecureRegistries: ['registry.example'] });
    const everything = new RegistryClient({ plainHttp: true });
    try {
      assert.equal(client.isPlainHttp('registry.example'), true);
      assert.equal(client.isPlainHttp('other.example'), false);
      assert.equal(client.isPlainHttp('localhost:5000'), true);
      assert.equal(everything.isPlainHttp('other.example'), true);
    } finally {
      await client.close();
      await everything.close();
    }
  });
});

describe('request reporting', () => {
  it('redacts Authorization, keeping only the scheme', () => {
    assert.deepEqual(redact({ authorization: 'Bearer secret.token', accept: 'x' }), { authorization: 'Bearer [redacted]', accept: 'x' });
    const line = formatRequestEvent({
      method: 'GET',
      url: 'https://r.example/v2/',
      status: 401,
      durationMs: 1.25,
      requestHeaders: redact({ authorization: 'Basic dTpw' }),
      responseHeaders: {},
    });
    assert.equal(line, 'GET https://r.example/v2/ -> 401 in 1.3 ms [authorization: Basic [redacted]]');
    assert.doesNotMatch(line, /dTpw/);
  });
});
