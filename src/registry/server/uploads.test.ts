import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { digestOf } from '../../oci/index.js';
import { RootLayout } from './root-layout.js';
import { UploadSessions } from './uploads.js';

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

describe('UploadSessions', () => {
  let layout: RootLayout;
  before(async () => {
    layout = new RootLayout(await mkdtemp(join(tmpdir(), 'portcullis-uploads-')));
    await mkdir(layout.uploads, { recursive: true });
  });
  after(() => rm(layout.root, { recursive: true, force: true }));

  it('resumes after a restart with exactly the acknowledged bytes', async () => {
    const before = new UploadSessions(layout, 60_000);
    const session = await before.create('repo', 'sha256');
    await before.append(session, chunks('hello ', 'wor'), { maxBytes: 1000 });
    // A crash after bytes hit the file but before state.json recorded them: never acknowledged.
    await appendFile(session.dataPath, 'GARBAGE');
    const after = new UploadSessions(layout, 60_000);
    const resumed = await after.get('repo', session.id);
    assert.equal(resumed.offset, 9);
    await after.append(resumed, chunks('ld'), { start: 9, maxBytes: 1000 });
    assert.equal(await after.digest(resumed, 'sha256'), digestOf('hello world'));
    assert.equal(await after.digest(resumed, 'sha512'), digestOf('hello world', 'sha512'));
    await assert.rejects(after.get('other', session.id), { code: 'ERR_REGISTRY_SERVER_BLOB_UPLOAD_UNKNOWN' });
  });

  it('refuses out-of-order chunks with 416 and rolls back failed ones', async () => {
    const sessions = new UploadSessions(layout, 60_000);
    const session = await sessions.create('repo', 'sha256');
    await assert.rejects(sessions.append(session, chunks('x'), { start: 5, maxBytes: 10 }), { status: 416 });
    await assert.rejects(sessions.append(session, chunks('0123456789', 'x'), { maxBytes: 10 }), { status: 413 });
    await assert.rejects(sessions.append(session, chunks('abc'), { length: 4, maxBytes: 10 }), { code: 'ERR_REGISTRY_SERVER_SIZE_INVALID' });
    assert.equal(session.offset, 0);
    await sessions.append(session, chunks('ok'), { start: 0, maxBytes: 10 });
    assert.equal(await sessions.digest(session, 'sha256'), digestOf('ok'), 'the running hash forgot the rolled-back bytes');
  });

  it('expires idle sessions and folders that never became one', async () => {
    const sessions = new UploadSessions(layout, 1_000);
    const session = await sessions.create('repo', 'sha256');
    await mkdir(join(layout.uploads, 'half-created'));
    const restarted = new UploadSessions(layout, 1_000);
    const old = new Date(Date.now() - 10_000);
    await utimes(join(session.directory, 'state.json'), old, old);
    await restarted.expire();
    const left = await readdir(layout.uploads);
    assert.ok(!left.includes(session.id));
    assert.ok(!left.includes('half-created'));
  });
});
