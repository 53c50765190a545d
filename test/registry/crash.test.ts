import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fsck } from '../../src/registry/server/index.js';
import { REPOSITORY_ROOT } from '../helpers/tools.js';
import { call } from './helpers.js';

/**
 * SIGKILL the registry (a separate process) while 20 uploads run, restart it on the same root,
 * and check the durability promise: every blob acknowledged with 201 is intact, every chunk
 * acknowledged with 202 is still in its session, and fsck finds no corrupt blob.
 */
const ROUNDS = 3;
const UPLOADS = 20;
const CHUNK = 256 * 1024;

interface Upload {
  readonly repository: string;
  readonly content: Buffer;
  readonly digest: string;
  readonly chunked: boolean;
  location?: string;
  /** Bytes the server acknowledged with a 202. */
  acknowledged: number;
  /** The closing request answered 201. */
  created: boolean;
}

/** Counts acknowledgements (202s and 201s) so the kill lands while uploads are in flight. */
class Progress {
  private count = 0;
  private readonly waiters: Array<{ target: number; resolve: () => void }> = [];
  tick(): void {
    this.count += 1;
    for (const waiter of this.waiters.filter((entry) => entry.target <= this.count)) waiter.resolve();
  }
  reach(target: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ target, resolve });
      setTimeout(resolve, timeoutMs);
      if (this.count >= target) resolve();
    });
  }
}

function newUpload(index: number): Upload {
  const content = randomBytes(randomInt(100 * 1024, 2 * 1024 * 1024));
  return {
    repository: `crash/r${index % 4}`,
    content,
    digest: `sha256:${createHash('sha256').update(content).digest('hex')}`,
    chunked: index % 2 === 1,
    acknowledged: 0,
    created: false,
  };
}

async function run(url: string, upload: Upload, progress: Progress): Promise<void> {
  if (!upload.chunked) {
    const answer = await call(url, 'POST', `/v2/${upload.repository}/blobs/uploads/?digest=${upload.digest}`, { body: upload.content });
    upload.created = answer.status === 201;
    progress.tick();
    return;
  }
  const started = await call(url, 'POST', `/v2/${upload.repository}/blobs/uploads/`);
  if (started.status !== 202) return;
  upload.location = String(started.headers.location);
  await sendChunksFrom(url, upload, 0, progress);
}

async function sendChunksFrom(url: string, upload: Upload, offset: number, progress = new Progress()): Promise<void> {
  for (let start = offset; start < upload.content.length; start += CHUNK) {
    const body = upload.content.subarray(start, Math.min(start + CHUNK, upload.content.length));
    const answer = await call(url, 'PATCH', upload.location!, { body, headers: { 'Content-Range': `${start}-${start + body.length - 1}` } });
    if (answer.status !== 202) throw new Error(`PATCH answered ${answer.status}`);
    upload.acknowledged = start + body.length;
    progress.tick();
  }
  const closed = await call(url, 'PUT', `${upload.location!}?digest=${upload.digest}`);
  upload.created = closed.status === 201;
}

async function startServer(root: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(REPOSITORY_ROOT, 'bin', 'portcullis.js'), 'registry', 'serve', '--root', root, '--addr', '127.0.0.1:0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`registry did not start: ${seen}`)), 10_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const line = seen.split('\n').find((entry) => entry.includes('"msg":"listening"'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.once('exit', (code) => reject(new Error(`registry exited with ${code}: ${seen}`)));
  });
  child.stderr!.resume();
  return { child, url };
}

function killed(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.kill(signal);
    }
  });
}

describe('registry crash safety', () => {
  let root: string;
  const children: ChildProcess[] = [];
  after(async () => {
    for (const child of children) await killed(child, 'SIGKILL');
    if (root) await rm(root, { recursive: true, force: true });
  });

  it(`keeps every acknowledged upload across ${ROUNDS} SIGKILLs`, { timeout: 60_000 }, async (t) => {
    root = await mkdtemp(join(tmpdir(), 'portcullis-crash-'));
    const acknowledged: Upload[] = [];
    let interrupted = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const first = await startServer(root);
      children.push(first.child);
      const uploads = Array.from({ length: UPLOADS }, (_, index) => newUpload(index));
      const progress = new Progress();
      const running = uploads.map((upload) => run(first.url, upload, progress).catch(() => undefined));
      // Somewhere between the first and the ~60th acknowledgement of about 80.
      await progress.reach(randomInt(1, 60), 5_000);
      await killed(first.child, 'SIGKILL');
      await Promise.all(running);
      const lost = uploads.filter((upload) => !upload.created).length;
      interrupted += lost;

      const second = await startServer(root);
      children.push(second.child);
      for (const upload of uploads.filter((entry) => entry.created)) acknowledged.push(upload);
      for (const upload of acknowledged) {
        const answer = await call(second.url, 'GET', `/v2/${upload.repository}/blobs/${upload.digest}`);
        assert.equal(answer.status, 200, `acknowledged blob ${upload.digest} is missing after the crash`);
        assert.ok(answer.body.equals(upload.content), `acknowledged blob ${upload.digest} changed`);
      }
      const resumable = uploads.filter((entry) => entry.chunked && !entry.created && entry.acknowledged > 0);
      t.diagnostic(`round ${round + 1}: ${UPLOADS - lost} acknowledged, ${lost} interrupted, ${resumable.length} resumed`);
      for (const upload of resumable) {
        const status = await call(second.url, 'GET', upload.location!);
        if (status.status === 404) {
          // Killed during the closing PUT, after the commit was journaled: finished at restart.
          const blob = await call(second.url, 'GET', `/v2/${upload.repository}/blobs/${upload.digest}`);
          assert.ok(blob.status === 200 && blob.body.equals(upload.content), 'a vanished session left its blob');
          acknowledged.push(upload);
          continue;
        }
        assert.equal(status.status, 204, 'a session with acknowledged chunks survives');
        const received = Number(String(status.headers.range).split('-')[1]) + 1;
        assert.ok(received >= upload.acknowledged, `session lost acknowledged bytes: ${received} < ${upload.acknowledged}`);
        await sendChunksFrom(second.url, upload, received);
        assert.ok(upload.created, 'the resumed upload completes');
        acknowledged.push(upload);
      }
      await killed(second.child, 'SIGTERM');
      const report = await fsck(root);
      assert.deepEqual(report.findings.filter((finding) => finding.severity === 'corruption'), []);
    }
    assert.ok(interrupted > 0, 'the kills interrupted at least one upload');
    assert.ok(acknowledged.length > 0, 'at least one upload was acknowledged');
  });
});
