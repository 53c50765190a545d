import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { REPOSITORY_ROOT } from '../helpers/tools.js';

describe('npm start (the walk-through on the embedded registry)', () => {
  it('pushes, attaches, discovers and pulls back an artifact', async () => {
    const root = (await temporaryDirectory('start')).path;
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPOSITORY_ROOT, 'dist', 'scripts', 'start.js')], {
      env: { ...process.env, PORTCULLIS_START_ONCE: '1', PORTCULLIS_REGISTRY_ADDR: '127.0.0.1:0', PORTCULLIS_REGISTRY_ROOT: join(root, 'registry'), PORTCULLIS_WORK_DIR: join(root, 'work') },
      timeout: 60_000,
    });
    assert.match(stdout, /└── application\/spdx\+json\n {4}└── sha256:[0-9a-f]{64}/);
    assert.match(stdout, /pulled file is byte-identical to the pushed one/);
  });
});
