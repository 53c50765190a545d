import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { descriptorFor, digestOf, MEDIA_TYPE_EMPTY_JSON, MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST } from '../../src/oci/index.js';
import { call, pushBlob, startTestRegistry, type TestRegistry } from './helpers.js';

const LAYER = Buffer.from('layer content for the server test');
const LAYER_DIGEST = digestOf(LAYER);
const EMPTY = descriptorFor(MEDIA_TYPE_EMPTY_JSON, '{}');

function imageManifest(extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
      config: EMPTY,
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: LAYER_DIGEST, size: LAYER.length }],
      ...extra,
    }),
  );
}

const manifestHeaders = { 'Content-Type': MEDIA_TYPE_IMAGE_MANIFEST };

describe('registry server over HTTP', () => {
  let registry: TestRegistry;
  let url: string;
  before(async () => {
    registry = await startTestRegistry();
    url = registry.url;
    assert.equal((await pushBlob(url, 'app', LAYER, LAYER_DIGEST)).status, 201);
    assert.equal((await pushBlob(url, 'app', Buffer.from('{}'), EMPTY.digest)).status, 201);
  });
  after(async () => {
    // Whatever the hostile tests sent, the server still answers.
    const answer = await call(url, 'GET', '/v2/');
    assert.equal(answer.status, 200);
    await registry.dispose();
  });

  it('answers GET /v2/ with the API version header', async () => {
    const answer = await call(url, 'GET', '/v2/');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['docker-distribution-api-version'], 'registry/2.0');
  });

  describe('blobs', () => {
    it('serves GET and HEAD with digest and length, and byte ranges', async () => {
      const get = await call(url, 'GET', `/v2/app/blobs/${LAYER_DIGEST}`);
      assert.equal(get.status, 200);
      assert.deepEqual(get.body, LAYER);
      assert.equal(get.headers['docker-content-digest'], LAYER_DIGEST);
      const head = await call(url, 'HEAD', `/v2/app/blobs/${LAYER_DIGEST}`);
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(LAYER.length));
      const part = await call(url, 'GET', `/v2/app/blobs/${LAYER_DIGEST}`, { headers: { Range: 'bytes=6-12' } });
      assert.equal(part.status, 206);
      assert.equal(part.body.toString(), 'content');
      assert.equal(part.headers['content-range'], `bytes 6-12/${LAYER.length}`);
      const outside = await call(url, 'GET', `/v2/app/blobs/${LAYER_DIGEST}`, { headers: { Range: 'bytes=1000-' } });
      assert.equal(outside.status, 416);
      assert.equal(outside.headers['content-range'], `bytes */${LAYER.length}`);
    });

    it('answers 404 BLOB_UNKNOWN for missing blobs and 400 DIGEST_INVALID for bad digests', async () => {
      assert.equal((await call(url, 'GET', `/v2/app/blobs/${digestOf('nope')}`)).errorCode, 'BLOB_UNKNOWN');
      for (const bad of ['sha256:zz', 'md5:d41d8cd98f00b204e9800998ecf8427e', `sha256:${'A'.repeat(64)}`, 'sha256']) {
        const answer = await call(url, 'GET', `/v2/app/blobs/${bad}`);
        assert.equal(answer.status, 400, bad);
        assert.equal(answer.errorCode, 'DIGEST_INVALID', bad);
      }
    });

    it('keeps blobs per repository until mounted', async () => {
      const content = Buffer.from('only in app');
      const digest = digestOf(content);
      assert.equal((await pushBlob(url, 'app', content, digest)).status, 201);
      assert.equal((await call(url, 'GET', `/v2/other/blobs/${digest}`)).status, 404);
      const anonymous = await call(url, 'POST', `/v2/other/blobs/uploads/?mount=${digest}`);
      assert.equal(anonymous.status, 202, 'anonymous mount is off by default: a session opens');
      const missing = await call(url, 'POST', `/v2/other/blobs/uploads/?mount=${digestOf('absent')}&from=app`);
      assert.equal(missing.status, 202);
      const mounted = await call(url, 'POST', `/v2/other/blobs/uploads/?mount=${digest}&from=app`);
      assert.equal(mounted.status, 201);
      assert.equal(mounted.headers.location, `/v2/other/blobs/${digest}`);
      assert.deepEqual((await call(url, 'GET', `/v2/other/blobs/${digest}`)).body, content);
    });

    it('deletes a blob from one repository only', async () => {
      const content = Buffer.from('delete me');
      const digest = digestOf(content);
      await pushBlob(url, 'app', content, digest);
      await call(url, 'POST', `/v2/keep/blobs/uploads/?mount=${digest}&from=app`);
      assert.equal((await call(url, 'DELETE', `/v2/app/blobs/${digest}`)).status, 202);
      assert.equal((await call(url, 'GET', `/v2/app/blobs/${digest}`)).status, 404);
      assert.equal((await call(url, 'DELETE', `/v2/app/blobs/${digest}`)).errorCode, 'BLOB_UNKNOWN');
      assert.equal((await call(url, 'GET', `/v2/keep/blobs/${digest}`)).status, 200);
    });
  });

  describe('uploads', () => {
    it('completes a monolithic POST with ?digest= in one request (sha512 too)', async () => {
      const content = Buffer.from('monolithic sha512');
      const digest = digestOf(content, 'sha512');
      const answer = await call(url, 'POST', `/v2/app/blobs/uploads/?digest=${digest}`, { body: content });
      assert.equal(answer.status, 201);
      assert.equal(answer.headers['docker-content-digest'], digest);
      assert.deepEqual((await call(url, 'GET', `/v2/app/blobs/${digest}`)).body, content);
    });

    it('takes chunks in order, refuses out-of-order and malformed ranges with 416, reports progress', async () => {
      const content = Buffer.from('0123456789abcdef');
      const started = await call(url, 'POST', '/v2/app/blobs/uploads/', { headers: { 'Content-Length': 0 } });
      assert.equal(started.status, 202);
      const location = String(started.headers.location);
      assert.match(location, /^\/v2\/app\/blobs\/uploads\/[0-9a-f-]{36}$/);
      const patch = (range: string, body: Buffer) =>
        call(url, 'PATCH', location, { body, headers: { 'Content-Range': range, 'Content-Type': 'application/octet-stream' } });
      assert.equal((await patch('8-15', content.subarray(8))).status, 416);
      const first = await patch('0-7', content.subarray(0, 8));
      assert.equal(first.status, 202);
      assert.equal(first.headers.range, '0-7');
      const retry = await patch('0-7', content.subarray(0, 8));
      assert.equal(retry.status, 416);
      assert.equal(retry.headers.range, '0-7');
      for (const bad of ['abc', '8-3', '8-15/x', '8-20']) assert.equal((await patch(bad, content.subarray(8))).status, 416, bad);
      const status = await call(url, 'GET', location);
      assert.equal(status.status, 204);
      assert.equal(status.headers.range, '0-7');
      assert.equal((await patch('8-15', content.subarray(8))).status, 202);
      const done = await call(url, 'PUT', `${location}?digest=${digestOf(content)}`);
      assert.equal(done.status, 201);
      assert.deepEqual((await call(url, 'GET', `/v2/app/blobs/${digestOf(content)}`)).body, content);
      assert.equal((await call(url, 'GET', location)).errorCode, 'BLOB_UPLOAD_UNKNOWN');
    });

    it('streams PATCH bodies without Content-Range and accepts a final chunk on PUT', async () => {
      const started = await call(url, 'POST', '/v2/app/blobs/uploads/');
      const location = String(started.headers.location);
      assert.equal((await call(url, 'PATCH', location, { body: 'stream ' })).headers.range, '0-6');
      const done = await call(url, 'PUT', `${location}?digest=${digestOf('stream end')}`, { body: 'end' });
      assert.equal(done.status, 201);
    });

    it('refuses a wrong digest on PUT with DIGEST_INVALID and publishes nothing', async () => {
      const started = await call(url, 'POST', '/v2/app/blobs/uploads/');
      const location = String(started.headers.location);
      const claimed = digestOf('something else');
      const wrong = await call(url, 'PUT', `${location}?digest=${claimed}`, { body: 'actual content' });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.errorCode, 'DIGEST_INVALID');
      assert.equal((await call(url, 'GET', `/v2/app/blobs/${claimed}`)).status, 404);
      assert.equal((await call(url, 'GET', `/v2/app/blobs/${digestOf('actual content')}`)).status, 404);
      const noDigest = await call(url, 'PUT', String((await call(url, 'POST', '/v2/app/blobs/uploads/')).headers.location));
      assert.equal(noDigest.errorCode, 'DIGEST_INVALID');
      const monolithic = await call(url, 'POST', `/v2/app/blobs/uploads/?digest=${claimed}`, { body: 'actual content' });
      assert.equal(monolithic.errorCode, 'DIGEST_INVALID');
    });

    it('cancels with DELETE, and keeps sessions to their repository', async () => {
      const location = String((await call(url, 'POST', '/v2/app/blobs/uploads/')).headers.location);
      const stolen = location.replace('/v2/app/', '/v2/other/');
      assert.equal((await call(url, 'GET', stolen)).errorCode, 'BLOB_UPLOAD_UNKNOWN');
      assert.equal((await call(url, 'DELETE', location)).status, 204);
      assert.equal((await call(url, 'GET', location)).errorCode, 'BLOB_UPLOAD_UNKNOWN');
      assert.equal((await call(url, 'GET', '/v2/app/blobs/uploads/not-a-uuid')).errorCode, 'BLOB_UPLOAD_UNKNOWN');
      assert.equal((await call(url, 'GET', '/v2/app/blobs/uploads/..%2F..%2Fetc')).status, 404);
    });

    it('cuts a truncated chunk back to what was acknowledged', async () => {
      const location = String((await call(url, 'POST', '/v2/app/blobs/uploads/')).headers.location);
      assert.equal((await call(url, 'PATCH', location, { body: 'abcd' })).status, 202);
      await sendTruncated(url, `PATCH ${location}`, 100, Buffer.alloc(40, 1));
      const status = await call(url, 'GET', location);
      assert.equal(status.status, 204);
      assert.equal(status.headers.range, '0-3');
      assert.equal((await call(url, 'PUT', `${location}?digest=${digestOf('abcdef')}`, { body: 'ef' })).status, 201);
    });

    it('leaves no blob behind a truncated monolithic upload', async () => {
      const content = Buffer.alloc(100, 2);
      await sendTruncated(url, `POST /v2/app/blobs/uploads/?digest=${digestOf(content)}`, 100, content.subarray(0, 60));
      assert.equal((await call(url, 'GET', `/v2/app/blobs/${digestOf(content)}`)).status, 404);
    });
  });

  describe('manifests', () => {
    it('stores the exact bytes under a tag and serves them by tag and digest', async () => {
      const bytes = Buffer.from(imageManifest().toString().replace('{', '{ '));
      const digest = digestOf(bytes);
      const put = await call(url, 'PUT', '/v2/app/manifests/v1', { body: bytes, headers: manifestHeaders });
      assert.equal(put.status, 201);
      assert.equal(put.headers['docker-content-digest'], digest);
      assert.equal(put.headers.location, `/v2/app/manifests/${digest}`);
      for (const reference of ['v1', digest]) {
        const get = await call(url, 'GET', `/v2/app/manifests/${reference}`);
        assert.equal(get.status, 200);
        assert.deepEqual(get.body, bytes);
        assert.equal(get.headers['content-type'], MEDIA_TYPE_IMAGE_MANIFEST);
        assert.equal(get.headers['docker-content-digest'], digest);
        const head = await call(url, 'HEAD', `/v2/app/manifests/${reference}`);
        assert.equal(head.headers['content-length'], String(bytes.length));
      }
    });

    it('refuses missing blobs, malformed JSON, a wrong digest and oversized manifests', async () => {
      const dangling = imageManifest({ config: descriptorFor('application/vnd.oci.image.config.v1+json', 'absent') });
      assert.equal((await call(url, 'PUT', '/v2/app/manifests/x', { body: dangling, headers: manifestHeaders })).errorCode, 'MANIFEST_BLOB_UNKNOWN');
      for (const junk of ['{"schemaVersion":', '[]', '{"schemaVersion":1}', JSON.stringify({ schemaVersion: 2, config: {}, layers: [] })]) {
        const answer = await call(url, 'PUT', '/v2/app/manifests/x', { body: junk, headers: manifestHeaders });
        assert.equal(answer.status, 400, junk);
        assert.equal(answer.errorCode, 'MANIFEST_INVALID', junk);
      }
      const mismatch = await call(url, 'PUT', `/v2/app/manifests/${digestOf('other')}`, { body: imageManifest(), headers: manifestHeaders });
      assert.equal(mismatch.errorCode, 'DIGEST_INVALID');
      const huge = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
      const tooLarge = await call(url, 'PUT', '/v2/app/manifests/x', { body: huge, headers: manifestHeaders });
      assert.equal(tooLarge.status, 413);
      assert.equal((await call(url, 'PUT', '/v2/app/manifests/bad!tag', { body: imageManifest(), headers: manifestHeaders })).status, 400);
      assert.equal((await call(url, 'GET', '/v2/app/manifests/x')).errorCode, 'MANIFEST_UNKNOWN');
      assert.equal((await call(url, 'GET', '/v2/app/manifests/.INVALID_MANIFEST_NAME')).status, 404);
      assert.equal((await call(url, 'GET', '/v2/app/manifests/sha256:totallywrong')).errorCode, 'DIGEST_INVALID');
      assert.equal((await call(url, 'GET', '/v2/never-pushed/manifests/v1')).errorCode, 'NAME_UNKNOWN');
    });

    it('answers OCI-Subject (also for a missing subject) and lists referrers with the artifactType filter', async () => {
      const subject = { mediaType: MEDIA_TYPE_IMAGE_MANIFEST, digest: digestOf('not pushed'), size: 10 };
      const referrerFor = (artifactType: string) => imageManifest({ artifactType, subject, annotations: { note: artifactType } });
      for (const type of ['application/vnd.example.sbom', 'application/vnd.example.sig']) {
        const body = referrerFor(type);
        const put = await call(url, 'PUT', `/v2/app/manifests/${digestOf(body)}`, { body, headers: manifestHeaders });
        assert.equal(put.status, 201);
        assert.equal(put.headers['oci-subject'], subject.digest);
      }
      const all = await call(url, 'GET', `/v2/app/referrers/${subject.digest}`);
      assert.equal(all.headers['content-type'], MEDIA_TYPE_IMAGE_INDEX);
      const index = all.json<{ mediaType: string; manifests: Array<{ artifactType: string; annotations: Record<string, string> }> }>();
      assert.equal(index.mediaType, MEDIA_TYPE_IMAGE_INDEX);
      assert.deepEqual(index.manifests.map((entry) => entry.artifactType).sort(), ['application/vnd.example.sbom', 'application/vnd.example.sig']);
      assert.ok(index.manifests.every((entry) => entry.annotations.note === entry.artifactType));
      const filtered = await call(url, 'GET', `/v2/app/referrers/${subject.digest}?artifactType=application/vnd.example.sig`);
      assert.equal(filtered.headers['oci-filters-applied'], 'artifactType');
      assert.equal(filtered.json<{ manifests: unknown[] }>().manifests.length, 1);
      const none = await call(url, 'GET', `/v2/app/referrers/${digestOf('nothing refers')}`);
      assert.equal(none.status, 200);
      assert.deepEqual(none.json<{ manifests: unknown[] }>().manifests, []);
      assert.equal((await call(url, 'GET', `/v2/unknown-repo/referrers/${subject.digest}`)).status, 200);
      assert.equal((await call(url, 'GET', '/v2/app/referrers/sha256:bad')).errorCode, 'DIGEST_INVALID');
    });

    it('tags several names at once with ?tag= and pages through tags with Link', async () => {
      const bytes = imageManifest({ annotations: { multi: 'tag' } });
      const digest = digestOf(bytes);
      const put = await call(url, 'PUT', `/v2/tagged/manifests/${digest}?tag=b&tag=a&tag=c`, { body: bytes, headers: manifestHeaders });
      assert.equal(put.errorCode, 'MANIFEST_BLOB_UNKNOWN', 'blobs of another repository do not count');
      await call(url, 'POST', `/v2/tagged/blobs/uploads/?mount=${LAYER_DIGEST}&from=app`);
      await call(url, 'POST', `/v2/tagged/blobs/uploads/?mount=${EMPTY.digest}&from=app`);
      const tagged = await call(url, 'PUT', `/v2/tagged/manifests/${digest}?tag=b&tag=a&tag=c`, { body: bytes, headers: manifestHeaders });
      assert.equal(tagged.status, 201);
      assert.equal(tagged.headers['oci-tag'], 'b, a, c');
      assert.deepEqual((await call(url, 'GET', '/v2/tagged/tags/list')).json(), { name: 'tagged', tags: ['a', 'b', 'c'] });
      const page = await call(url, 'GET', '/v2/tagged/tags/list?n=2');
      assert.deepEqual(page.json<{ tags: string[] }>().tags, ['a', 'b']);
      assert.equal(page.headers.link, '</v2/tagged/tags/list?n=2&last=b>; rel="next"');
      const rest = await call(url, 'GET', '/v2/tagged/tags/list?n=2&last=b');
      assert.deepEqual(rest.json<{ tags: string[] }>().tags, ['c']);
      assert.equal(rest.headers.link, undefined);
      assert.deepEqual((await call(url, 'GET', '/v2/tagged/tags/list?n=0')).json<{ tags: string[] }>().tags, []);
      assert.equal((await call(url, 'GET', '/v2/no-such-repo/tags/list')).errorCode, 'NAME_UNKNOWN');
    });

    it('deletes a tag alone, then the manifest by digest', async () => {
      const bytes = imageManifest({ annotations: { delete: 'me' } });
      const digest = digestOf(bytes);
      await call(url, 'PUT', '/v2/app/manifests/doomed', { body: bytes, headers: manifestHeaders });
      assert.equal((await call(url, 'DELETE', '/v2/app/manifests/doomed')).status, 202);
      assert.equal((await call(url, 'GET', '/v2/app/manifests/doomed')).status, 404);
      assert.equal((await call(url, 'GET', `/v2/app/manifests/${digest}`)).status, 200);
      assert.equal((await call(url, 'DELETE', `/v2/app/manifests/${digest}`)).status, 202);
      assert.equal((await call(url, 'GET', `/v2/app/manifests/${digest}`)).errorCode, 'MANIFEST_UNKNOWN');
    });
  });

  describe('hostile requests', () => {
    const paths = [
      '/v2/../etc/blobs/uploads/',
      '/v2/%2e%2e/etc/manifests/v1',
      '/v2/a/%2e%2e/b/tags/list',
      '/v2/a/../../tags/list',
      '/v2/UPPER/tags/list',
      '/v2/a%2fb/tags/list',
      `/v2/${'a'.repeat(300)}/tags/list`,
    ];
    for (const path of paths) {
      it(`refuses the name in ${path.slice(0, 60)} with NAME_INVALID`, async () => {
        const answer = await call(url, 'GET', path);
        assert.equal(answer.status, 400);
        assert.equal(answer.errorCode, 'NAME_INVALID');
      });
    }

    it('answers unknown endpoints with 404 and wrong methods with 405', async () => {
      assert.equal((await call(url, 'GET', '/v3/')).status, 404);
      assert.equal((await call(url, 'GET', '/etc/passwd')).status, 404);
      const wrong = await call(url, 'POST', '/v2/app/tags/list');
      assert.equal(wrong.status, 405);
      assert.equal(wrong.errorCode, 'UNSUPPORTED');
    });

    it('answers an internal failure with a 500 JSON error and keeps serving', async () => {
      // A repository whose index.json was damaged on disk: the server cannot serve it, and says so.
      const { mkdir, writeFile } = await import('node:fs/promises');
      await mkdir(`${registry.root}/repositories/broken`);
      await writeFile(`${registry.root}/repositories/broken/oci-layout`, '{"imageLayoutVersion":"1.0.0"}');
      await writeFile(`${registry.root}/repositories/broken/index.json`, '{"schemaVersion":2,"manif');
      const answer = await call(url, 'GET', '/v2/broken/tags/list');
      assert.equal(answer.status, 500);
      assert.equal(answer.errorCode, 'UNKNOWN');
      assert.ok(registry.logs.some((line) => line.includes('"status":500') && line.includes('"cause"')));
      assert.equal((await call(url, 'GET', '/v2/')).status, 200);
    });

    it('lists repositories in _catalog', async () => {
      const catalog = await call(url, 'GET', '/v2/_catalog');
      assert.ok(catalog.json<{ repositories: string[] }>().repositories.includes('app'));
      assert.equal(catalog.json<{ repositories: string[] }>().repositories.length >= 3, true);
      assert.equal((await call(url, 'GET', '/v2/_catalog?n=1')).json<{ repositories: string[] }>().repositories.length, 1);
    });
  });
});

/** Sends a request whose body stops short of its Content-Length, then hangs up. */
async function sendTruncated(base: string, requestLine: string, declared: number, body: Buffer): Promise<void> {
  const { hostname, port } = new URL(base);
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`${requestLine} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: ${declared}\r\n\r\n`);
      socket.write(body, () => setTimeout(() => socket.destroy(), 50));
    });
    socket.on('close', () => setTimeout(resolve, 100));
    socket.on('error', reject);
  });
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
