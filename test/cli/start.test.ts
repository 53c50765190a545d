import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { REPOSITORY_ROOT } from '../helpers/tools.js';

describe('npm start (the whole scenario on the embedded registry)', () => {
  it('pushes, signs, verifies, and the webhook admits the signed Pod and denies the unsigned one', async () => {
    const root = (await temporaryDirectory('start')).path;
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPOSITORY_ROOT, 'dist', 'scripts', 'start.js')], {
      env: { ...process.env, PORTCULLIS_START_ONCE: '1', PORTCULLIS_REGISTRY_ADDR: '127.0.0.1:0', PORTCULLIS_REGISTRY_ROOT: join(root, 'registry'), PORTCULLIS_WORK_DIR: join(root, 'work') },
      timeout: 120_000,
    });
    assert.match(stdout, /Successfully signed /);
    assert.match(stdout, /Successfully verified signature for /);
    assert.match(stdout, /├── application\/vnd\.cncf\.notary\.signature\n│ {3}└── sha256:[0-9a-f]{64}\n└── application\/spdx\+json/);
    assert.match(stdout, /Pod signed-pod \(.*\/demo\/hello:v1\): ADMITTED/);
    assert.match(stdout, /Pod unsigned-pod \(.*\/demo\/unsigned:v1\): DENIED — .*no signature/);
  });
});
