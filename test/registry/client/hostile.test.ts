import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { readAll } from '../../../src/content/index.js';
import { RegistryError } from '../../../src/errors.js';
import { MAX_ERROR_BODY_BYTES, MAX_MANIFEST_BYTES, MAX_PAGES } from '../../../src/limits.js';
import { descriptorFor, digestOf, encodeManifest, MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST } from '../../../src/oci/index.js';
import { RegistryClient, referrersTag, staticCredentials, type Clock, type RegistryClientOptions } from '../../../src/registry/client/index.js';
import { sendRegistryError, startHttpServer, type Handler, type RecordedRequest, type TestServer } from '../../helpers/http-server.js';
import { blobOf, makeImage } from '../../helpers/oci-content.js';

/** Runs `body` against a loopback server answering with `handler`, then stops both. */
async function withServer(handler: Handler, body: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startHttpServer(handler);
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

async function withClient(options: RegistryClientOptions, body: (client: RegistryClient) => Promise<void>): Promise<void> {
  const client = new RegistryClient(options);
  try {
    await body(client);
  } finally {
    await client.close();
  }
}

/** Real time, but sleeps are recorded and skipped. */
function recordingClock(): Clock & { readonly sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => Date.now(), sleep: async (milliseconds) => void sleeps.push(milliseconds) };
}

const registryCode = (code: string, pattern?: RegExp) => (error: unknown) =>
  error instanceof RegistryError && error.code === code && (pattern === undefined || pattern.test(error.message));
const pathOf = (request: RecordedRequest) => new URL(request.url, 'http://x').pathname;
const json = (response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(value));
};

describe('hostile registry answers', () => {
  it('fails a blob whose bytes do not match its digest, after streaming it', async () => {
    const blob = blobOf(randomBytes(4096));
    await withServer((_request, response) => response.end(randomBytes(4096)), async (server) => {
      await withClient({}, async (client) => {
        const stream = await client.repository(`${server.host}/app`).fetch(blob.descriptor);
        await assert.rejects(readAll(stream, 1e6), { code: 'ERR_OCI_DIGEST_MISMATCH' });
      });
    });
  });

  it('refuses a blob whose Content-Length contradicts the descriptor before reading it', async () => {
    const blob = blobOf(randomBytes(100));
    await withServer((_request, response) => response.end(randomBytes(200)), async (server) => {
      await withClient({}, async (client) => {
        await assert.rejects(client.repository(`${server.host}/app`).fetch(blob.descriptor), registryCode('ERR_REGISTRY_RESPONSE_INVALID', /sends 200 bytes, the descriptor says 100/));
      });
    });
  });

  it('verifies manifests against the digest asked for and the Docker-Content-Digest of a tag', async () => {
    const image = makeImage();
    const other = makeImage();
    await withServer(
      (_request, response) => {
        response.writeHead(200, { 'content-type': MEDIA_TYPE_IMAGE_MANIFEST, 'docker-content-digest': image.manifest.descriptor.digest });
        response.end(other.manifest.bytes);
      },
      async (server) => {
        await withClient({}, async (client) => {
          const repository = client.repository(`${server.host}/app`);
          await assert.rejects(repository.fetchManifest(image.manifest.descriptor.digest), { code: 'ERR_OCI_DIGEST_MISMATCH' });
          await assert.rejects(repository.fetchManifest('v1'), (error: unknown) => {
            return (error as { code?: string }).code === 'ERR_OCI_DIGEST_MISMATCH' && /failed to fetch 127\.0\.0\.1:\d+\/app:v1/.test((error as Error).message);
          });
        });
      },
    );
  });

  it('refuses oversized manifests, declared or streamed', async () => {
    const oversized = MAX_MANIFEST_BYTES + 1;
    await withServer(
      (request, response) => {
        if (request.url.endsWith('/declared')) {
          response.writeHead(200, { 'content-type': MEDIA_TYPE_IMAGE_MANIFEST, 'content-length': String(oversized) });
          response.end(Buffer.alloc(oversized, 0x20));
          return;
        }
        // No Content-Length: chunked transfer, the cap must trip while reading.
        response.writeHead(200, { 'content-type': MEDIA_TYPE_IMAGE_MANIFEST });
        for (let sent = 0; sent < oversized; sent += 65536) response.write(Buffer.alloc(65536, 0x20));
        response.end();
      },
      async (server) => {
        await withClient({}, async (client) => {
          const repository = client.repository(`${server.host}/app`);
          for (const tag of ['declared', 'streamed']) {
            await assert.rejects(repository.fetchManifest(tag), registryCode('ERR_REGISTRY_SIZE_EXCEEDED', /manifest exceeds the limit of 4194304 bytes/));
          }
        });
      },
    );
  });

  it('stops following endless Link pages after MAX_PAGES', async () => {
    let page = 0;
    await withServer(
      (_request, response) => {
        page += 1;
        json(response, 200, { name: 'app', tags: [`t${page}`] }, { link: `</v2/app/tags/list?n=1&last=t${page}>; rel="next"` });
      },
      async (server) => {
        await withClient({}, async (client) => {
          await assert.rejects(client.repository(`${server.host}/app`).tags(), registryCode('ERR_REGISTRY_SIZE_EXCEEDED', /more than 1000 pages/));
          assert.equal(server.requests.length, MAX_PAGES);
        });
      },
    );
  });

  it('reads at most MAX_ERROR_BODY_BYTES of a huge error body', async () => {
    await withServer(
      (_request, response) => {
        response.writeHead(400, { 'content-type': 'application/json' });
        const message = 'x'.repeat(20 * 1024 * 1024);
        response.end(JSON.stringify({ errors: [{ code: 'MANIFEST_INVALID', message }] }));
      },
      async (server) => {
        await withClient({}, async (client) => {
          const error = await client.repository(`${server.host}/app`).tags().catch((caught: unknown) => caught);
          assert.ok(error instanceof RegistryError);
          assert.equal(error.code, 'ERR_REGISTRY_REQUEST_FAILED');
          assert.equal(error.status, 400);
          // The truncated JSON no longer parses: no codes, and a short message.
          assert.deepEqual(error.registryCodes, []);
          assert.ok(error.message.length < MAX_ERROR_BODY_BYTES);
          assert.match(error.message, /\(HTTP 400\)$/);
        });
      },
    );
  });

  it('waits as Retry-After says on 429 (seconds or HTTP date, capped) and then succeeds', async () => {
    const answers = ['1', new Date(Date.now() + 3000).toUTCString(), '86400'];
    await withServer(
      (_request, response) => {
        const retryAfter = answers.shift();
        if (retryAfter !== undefined) sendWithRetryAfter(response, retryAfter);
        else json(response, 200, { name: 'app', tags: ['v1'] });
      },
      async (server) => {
        const clock = recordingClock();
        await withClient({ clock, retry: { maxAttempts: 5, maxRetryAfterMs: 10_000 } }, async (client) => {
          assert.deepEqual(await client.repository(`${server.host}/app`).tags(), ['v1']);
        });
        assert.equal(clock.sleeps.length, 3);
        assert.equal(clock.sleeps[0], 1000);
        assert.ok(clock.sleeps[1]! > 1000 && clock.sleeps[1]! <= 3000, String(clock.sleeps[1]));
        assert.equal(clock.sleeps[2], 10_000, 'a day is capped');
      },
    );
  });

  it('honours a real one-second Retry-After', async () => {
    let first = true;
    await withServer(
      (_request, response) => {
        if (first) sendWithRetryAfter(response, '1');
        else json(response, 200, { name: 'app', tags: ['v1'] });
        first = false;
      },
      async (server) => {
        await withClient({}, async (client) => {
          const started = performance.now();
          assert.deepEqual(await client.repository(`${server.host}/app`).tags(), ['v1']);
          assert.ok(performance.now() - started >= 950);
        });
      },
    );
  });

  it('retries 503 with backoff, a bounded number of times', async () => {
    let failures = 2;
    await withServer(
      (_request, response) => {
        if (failures-- > 0) sendRegistryError(response, 503, 'UNAVAILABLE', 'try later');
        else json(response, 200, { name: 'app', tags: ['v1'] });
      },
      async (server) => {
        const clock = recordingClock();
        await withClient({ clock }, async (client) => {
          assert.deepEqual(await client.repository(`${server.host}/app`).tags(), ['v1']);
        });
        assert.equal(clock.sleeps.length, 2);
        assert.ok(clock.sleeps[1]! >= clock.sleeps[0]! / 2, 'the second wait is drawn from a doubled step');
      },
    );
    await withServer(
      (_request, response) => sendRegistryError(response, 503, 'UNAVAILABLE', 'down for good'),
      async (server) => {
        await withClient({ clock: recordingClock(), retry: { maxAttempts: 3 } }, async (client) => {
          await assert.rejects(client.repository(`${server.host}/app`).tags(), registryCode('ERR_REGISTRY_UNAVAILABLE', /down for good \(HTTP 503\)/));
        });
        assert.equal(server.requests.length, 3);
      },
    );
  });

  it('does not retry a streamed upload body, which cannot be replayed', async () => {
    const blob = blobOf(randomBytes(1000));
    await withServer(
      (request, response) => {
        if (request.method === 'POST') {
          response.writeHead(202, { location: '/v2/app/blobs/uploads/s1' });
          return response.end();
        }
        return sendRegistryError(response, 503, 'UNAVAILABLE', 'busy');
      },
      async (server) => {
        await withClient({ clock: recordingClock() }, async (client) => {
          async function* stream() {
            yield blob.bytes;
          }
          await assert.rejects(client.repository(`${server.host}/app`).push(blob.descriptor, stream()), registryCode('ERR_REGISTRY_UNAVAILABLE'));
          assert.equal(server.requests.filter((request) => request.method === 'PUT').length, 1);
        });
      },
    );
  });

  it('retries a request whose connection was reset', async () => {
    let resets = 1;
    const server = await startHttpServer((_request, response) => {
      if (resets-- > 0) {
        response.socket?.destroy();
        return;
      }
      json(response, 200, { name: 'app', tags: ['v1'] });
    });
    try {
      await withClient({ clock: recordingClock() }, async (client) => {
        assert.deepEqual(await client.repository(`${server.host}/app`).tags(), ['v1']);
      });
      assert.equal(server.requests.length, 2);
    } finally {
      await server.stop();
    }
  });

  it('fails a blob download that stalls longer than the body idle timeout', async () => {
    const blob = blobOf(randomBytes(4096));
    await withServer(
      (_request, response) => {
        response.writeHead(200, { 'content-length': '4096' });
        response.write(blob.bytes.subarray(0, 1000));
        // …and nothing more: the connection stays open until the server stops.
      },
      async (server) => {
        await withClient({ timeouts: { bodyIdleMs: 300 } }, async (client) => {
          const started = performance.now();
          const stream = await client.repository(`${server.host}/app`).fetch(blob.descriptor);
          await assert.rejects(readAll(stream, 1e6), registryCode('ERR_REGISTRY_UNAVAILABLE', /timed out waiting for the response body/));
          assert.ok(performance.now() - started < 5000);
        });
      },
    );
  });

  it('never sends Authorization to another origin a registry redirects to', async () => {
    const blob = blobOf(randomBytes(2048));
    await withServer(
      (_request, response) => response.end(blob.bytes),
      async (storage) => {
        await withServer(
          (request, response) => {
            if (request.headers.authorization === undefined) {
              response.writeHead(401, { 'www-authenticate': 'Basic realm="hostile"' });
              return response.end();
            }
            response.writeHead(307, { location: `${storage.origin}/bucket/blob?signature=abc` });
            return response.end();
          },
          async (registry) => {
            await withClient({ credentials: staticCredentials({ username: 'u', password: 'p' }) }, async (client) => {
              const stream = await client.repository(`${registry.host}/app`).fetch(blob.descriptor);
              assert.deepEqual(await readAll(stream, 1e6), blob.bytes);
            });
            assert.equal(registry.requests.at(-1)?.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
            assert.equal(storage.requests.length, 1);
            assert.equal(storage.requests[0]?.headers.authorization, undefined);
            assert.equal(storage.requests[0]?.url, '/bucket/blob?signature=abc');
          },
        );
      },
    );
  });

  it('reports a 401 after a fresh token as ERR_REGISTRY_UNAUTHORIZED with the registry message', async () => {
    await withServer(
      (_request, response) => json(response, 200, { token: 'opaque', expires_in: 300 }),
      async (realm) => {
        await withServer(
          (_request, response) => {
            response.setHeader('www-authenticate', `Bearer realm="${realm.origin}/token",service="hostile",scope="repository:app:pull"`);
            sendRegistryError(response, 401, 'UNAUTHORIZED', 'token rejected for reasons');
          },
          async (registry) => {
            await withClient({}, async (client) => {
              await assert.rejects(
                client.repository(`${registry.host}/app`).tags(),
                registryCode('ERR_REGISTRY_UNAUTHORIZED', /^failed to list tags of 127\.0\.0\.1:\d+\/app: UNAUTHORIZED: token rejected for reasons \(HTTP 401\)$/),
              );
            });
            assert.equal(registry.requests.length, 2);
            assert.equal(registry.requests[1]?.headers.authorization, 'Bearer opaque');
            assert.equal(realm.requests.length, 1);
            assert.equal(new URL(realm.requests[0]!.url, 'http://x').searchParams.get('service'), 'hostile');
          },
        );
      },
    );
  });

  it('refuses non-HTTP realms and oversized token answers', async () => {
    await withServer(
      (_request, response) => json(response, 200, { token: 'x'.repeat(200 * 1024) }),
      async (realm) => {
        for (const [challenge, code, pattern] of [
          ['Bearer realm="file:///etc/passwd"', 'ERR_REGISTRY_RESPONSE_INVALID', /no valid realm URL/],
          [`Bearer realm="${realm.origin}/token"`, 'ERR_REGISTRY_SIZE_EXCEEDED', /token response exceeds the limit of 131072 bytes/],
        ] as const) {
          await withServer(
            (_request, response) => {
              response.writeHead(401, { 'www-authenticate': challenge });
              response.end();
            },
            async (registry) => {
              await withClient({}, async (client) => {
                await assert.rejects(client.repository(`${registry.host}/app`).tags(), registryCode(code, pattern));
              });
            },
          );
        }
      },
    );
  });
});

describe('upload sessions', () => {
  /** A registry upload endpoint that keeps the bytes, can drop half a chunk and answer 416 once, and checks the digest. */
  function uploadRegistry(options: { chunkMinLength?: number; failSecondChunk?: boolean; relativeLocation?: boolean }) {
    let received = Buffer.alloc(0);
    let patches = 0;
    const stored = new Map<string, Buffer>();
    const range = () => `0-${Math.max(0, received.byteLength - 1)}`;
    const handler: Handler = (request, response) => {
      const url = new URL(request.url, 'http://x');
      if (request.method === 'POST') {
        const location = `/v2/app/blobs/uploads/s1?_state=a%3Db%2Bc`;
        response.writeHead(202, {
          location: options.relativeLocation ? location : `http://${request.headers.host}${location}`,
          ...(options.chunkMinLength !== undefined && { 'oci-chunk-min-length': String(options.chunkMinLength) }),
        });
        return response.end();
      }
      if (request.method === 'PATCH') {
        patches += 1;
        const [start] = (request.headers['content-range'] ?? '').split('-').map(Number);
        if (start !== received.byteLength) {
          response.writeHead(416, { range: range() });
          return response.end();
        }
        if (options.failSecondChunk && patches === 2) {
          // Keep half of the chunk, then answer as if the request went wrong.
          received = Buffer.concat([received, request.body.subarray(0, request.body.byteLength / 2)]);
          response.writeHead(416, { range: range() });
          return response.end();
        }
        received = Buffer.concat([received, request.body]);
        response.writeHead(202, { location: '/v2/app/blobs/uploads/s1?_state=a%3Db%2Bc', range: range() });
        return response.end();
      }
      if (request.method === 'GET' && url.pathname.endsWith('/s1')) {
        response.writeHead(204, { range: range(), location: '/v2/app/blobs/uploads/s1?_state=a%3Db%2Bc' });
        return response.end();
      }
      if (request.method === 'PUT') {
        const all = Buffer.concat([received, request.body]);
        const digest = url.searchParams.get('digest') ?? '';
        if (`sha256:${createHash('sha256').update(all).digest('hex')}` !== digest) return sendRegistryError(response, 400, 'DIGEST_INVALID', 'mismatch');
        stored.set(digest, all);
        response.writeHead(201, { location: `/v2/app/blobs/${digest}` });
        return response.end();
      }
      sendRegistryError(response, 404, 'NOT_FOUND', pathOf(request));
    };
    return { handler, stored };
  }

  it('keeps the session query and resolves a relative Location on a monolithic upload', async () => {
    const registry = uploadRegistry({ relativeLocation: true });
    const blob = blobOf(randomBytes(3000));
    await withServer(registry.handler, async (server) => {
      await withClient({}, async (client) => {
        await client.repository(`${server.host}/app`).push(blob.descriptor, blob.bytes);
      });
      const put = server.requests.find((request) => request.method === 'PUT');
      assert.equal(put?.url, `/v2/app/blobs/uploads/s1?_state=a%3Db%2Bc&digest=${encodeURIComponent(blob.descriptor.digest)}`);
      assert.deepEqual(registry.stored.get(blob.descriptor.digest), blob.bytes);
    });
  });

  it('recovers from a 416 by asking the session status and resending what is missing', async () => {
    const registry = uploadRegistry({ failSecondChunk: true });
    const blob = blobOf(randomBytes(50_000));
    await withServer(registry.handler, async (server) => {
      await withClient({ upload: { chunkSize: 16_384, chunkedThreshold: 1 } }, async (client) => {
        await client.repository(`${server.host}/app`).push(blob.descriptor, blob.bytes);
      });
      assert.deepEqual(registry.stored.get(blob.descriptor.digest), blob.bytes);
      const methods = server.requests.map((request) => request.method);
      assert.deepEqual(methods, ['POST', 'PATCH', 'PATCH', 'GET', 'PATCH', 'PATCH', 'PATCH', 'PUT']);
      assert.equal(server.requests[4]?.headers['content-range'], `${16_384 + 8192}-${2 * 16_384 - 1}`);
    });
  });

  it('raises the chunk size to OCI-Chunk-Min-Length', async () => {
    const registry = uploadRegistry({ chunkMinLength: 30_000 });
    const blob = blobOf(randomBytes(70_000));
    await withServer(registry.handler, async (server) => {
      await withClient({ upload: { chunkSize: 1024, chunkedThreshold: 1 } }, async (client) => {
        await client.repository(`${server.host}/app`).push(blob.descriptor, blob.bytes);
      });
      const sizes = server.requests.filter((request) => request.method === 'PATCH').map((request) => request.body.byteLength);
      assert.deepEqual(sizes, [30_000, 30_000, 10_000]);
      assert.deepEqual(registry.stored.get(blob.descriptor.digest), blob.bytes);
    });
  });
});

describe('Referrers API answers', () => {
  const subject = makeImage().manifest.descriptor;
  const entry = (artifactType: string) => ({ ...descriptorFor(MEDIA_TYPE_IMAGE_MANIFEST, randomBytes(8)), artifactType });
  const signature = entry('application/vnd.cncf.notary.signature');
  const sbom = entry('application/spdx+json');
  const page = (manifests: unknown[]) => encodeManifest({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests: manifests as never });

  function referrersRegistry(filtersApplied: boolean): Handler {
    return (request, response) => {
      const url = new URL(request.url, 'http://x');
      const headers = { 'content-type': MEDIA_TYPE_IMAGE_INDEX, ...(filtersApplied && { 'oci-filters-applied': 'artifactType' }) };
      if (url.searchParams.get('page') === '2') {
        response.writeHead(200, headers);
        return response.end(page([sbom]));
      }
      response.writeHead(200, { ...headers, link: `<${url.pathname}?page=2>; rel="next"` });
      return response.end(page([signature]));
    };
  }

  it('follows Link pages and filters locally when OCI-Filters-Applied is absent', async () => {
    await withServer(referrersRegistry(false), async (server) => {
      await withClient({}, async (client) => {
        const repository = client.repository(`${server.host}/app`);
        assert.deepEqual((await repository.referrers(subject)).map((d) => d.digest), [signature.digest, sbom.digest]);
        assert.deepEqual((await repository.referrers(subject, { artifactType: signature.artifactType })).map((d) => d.digest), [signature.digest]);
      });
      assert.equal(new URL(server.requests.at(-2)!.url, 'http://x').searchParams.get('artifactType'), signature.artifactType);
    });
  });

  it('trusts the registry filter when it says it applied it', async () => {
    await withServer(referrersRegistry(true), async (server) => {
      await withClient({}, async (client) => {
        // The registry claims to have filtered: its answer stands as given.
        const listed = await client.repository(`${server.host}/app`).referrers(subject, { artifactType: 'application/other' });
        assert.equal(listed.length, 2);
      });
    });
  });

  it('uses the API without touching tags when a pushed referrer comes back with OCI-Subject', async () => {
    const referrer = makeImage();
    const withSubject = encodeManifest({
      ...(JSON.parse(referrer.manifest.bytes.toString()) as object),
      subject,
    } as never);
    const descriptor = descriptorFor(MEDIA_TYPE_IMAGE_MANIFEST, withSubject);
    await withServer(
      (request, response) => {
        response.writeHead(201, { 'oci-subject': subject.digest, 'docker-content-digest': digestOf(request.body) });
        response.end();
      },
      async (server) => {
        await withClient({}, async (client) => {
          await client.repository(`${server.host}/app`).pushManifest(descriptor, withSubject);
        });
        assert.deepEqual(server.requests.map((request) => `${request.method} ${pathOf(request)}`), [`PUT /v2/app/manifests/${descriptor.digest}`]);
      },
    );
  });

  it('maintains the referrers tag anyway with forceReferrersTag', async () => {
    const referrer = makeImage();
    const withSubject = encodeManifest({ ...(JSON.parse(referrer.manifest.bytes.toString()) as object), subject } as never);
    const descriptor = descriptorFor(MEDIA_TYPE_IMAGE_MANIFEST, withSubject);
    const tagPath = `/v2/app/manifests/${referrersTag(subject.digest)}`;
    await withServer(
      (request, response) => {
        if (request.method === 'GET') return sendRegistryError(response, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
        response.writeHead(201, { 'oci-subject': subject.digest });
        return response.end();
      },
      async (server) => {
        await withClient({ forceReferrersTag: true }, async (client) => {
          await client.repository(`${server.host}/app`).pushManifest(descriptor, withSubject);
        });
        assert.deepEqual(server.requests.map((request) => `${request.method} ${pathOf(request)}`), [
          `PUT /v2/app/manifests/${descriptor.digest}`,
          `GET ${tagPath}`,
          `PUT ${tagPath}`,
        ]);
        const index = JSON.parse(server.requests[2]!.body.toString()) as { manifests: Array<{ digest: string }> };
        assert.deepEqual(index.manifests.map((entry) => entry.digest), [descriptor.digest]);
      },
    );
  });
});

function sendWithRetryAfter(response: ServerResponse, retryAfter: string): void {
  response.setHeader('retry-after', retryAfter);
  sendRegistryError(response, 429, 'TOOMANYREQUESTS', 'slow down');
}
