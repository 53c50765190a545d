/**
 * The plugin directory and the plugin protocol with a real plugin: a shell script written by the
 * test that answers get-plugin-metadata, installed from a file, a zip and a tar.gz, listed,
 * upgraded, downgraded and uninstalled; and plugins that misbehave (bad metadata, error
 * responses, crashes, hangs, floods, files that are not executables).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildTar, buildZip, testPluginScript, writeTestPlugin, type TestPluginSpec } from '../../test/helpers/archives.js';
import { failure } from '../../test/helpers/fixtures.js';
import { temporaryDirectory, type TemporaryDirectory } from '../../test/helpers/temporary-directory.js';
import { PluginError } from '../errors.js';
import { PluginManager, getPluginMetadata, isValidPluginName, parsePluginName, runPluginCommand, type PluginManagerOptions } from './index.js';

const posix = process.platform !== 'win32';
let scratch: TemporaryDirectory;
let counter = 0;
before(async () => {
  scratch = await temporaryDirectory('plugin-manager');
});
after(async () => {
  await scratch.remove();
});

/** A fresh libexec directory and its manager. */
async function freshManager(options: PluginManagerOptions = {}): Promise<{ manager: PluginManager; libexec: string }> {
  const libexec = path.join(scratch.path, `libexec-${++counter}`);
  return { manager: new PluginManager(path.join(libexec, 'plugins'), options), libexec };
}

/** A source file in its own directory. */
async function source(fileName: string, content: Buffer | string, mode = 0o755): Promise<string> {
  const directory = path.join(scratch.path, `source-${++counter}`);
  await mkdir(directory);
  const file = path.join(directory, fileName);
  await writeFile(file, content);
  await chmod(file, mode);
  return file;
}

const script = (spec: Partial<TestPluginSpec> = {}): string => testPluginScript({ name: 'demo', ...spec });

describe('PluginManager', { skip: posix ? false : 'the test plugin is a POSIX shell script' }, () => {
  it('installs a single executable, lists it and uninstalls it', async () => {
    const { manager, libexec } = await freshManager();
    assert.deepEqual(await manager.list(), []);
    const result = await manager.install(await source('notation-demo', script()));
    assert.equal(result.name, 'demo');
    assert.equal(result.installed.version, '1.0.0');
    assert.equal(result.previous, undefined);
    const installed = path.join(libexec, 'plugins', 'demo', 'notation-demo');
    assert.equal((await stat(installed)).mode & 0o777, 0o755);
    assert.equal((await stat(path.dirname(installed))).mode & 0o777, 0o755);
    assert.deepEqual(await manager.list(), ['demo']);
    const [row] = await manager.describe();
    assert.equal(row?.name, 'demo');
    assert.deepEqual(row?.metadata?.capabilities, ['SIGNATURE_VERIFIER.TRUSTED_IDENTITY', 'SIGNATURE_VERIFIER.REVOCATION_CHECK']);
    assert.equal(row?.error, undefined);
    assert.equal(await manager.exists('demo'), true);
    await manager.uninstall('demo');
    assert.equal(await manager.exists('demo'), false);
    assert.deepEqual(await manager.list(), []);
    // Nothing staged or set aside is left beside plugins/.
    assert.deepEqual(await readdir(libexec), ['plugins']);
  });

  it('installs from a zip and from a tar.gz, with their other files', async () => {
    const { manager, libexec } = await freshManager();
    const zip = buildZip([
      { name: 'notation-demo', data: script(), mode: 0o100755 },
      { name: 'LICENSE', data: 'Apache-2.0' },
      { name: 'docs/README.md', data: 'not installed: Notation skips sub-directories of a zip' },
    ]);
    await manager.install(await source('demo.zip', zip, 0o644));
    assert.deepEqual((await readdir(path.join(libexec, 'plugins', 'demo'))).sort(), ['LICENSE', 'notation-demo']);

    const tar = gzipSync(
      buildTar([
        { name: 'demo_1.1.0/', type: '5', mode: 0o755 },
        { name: 'demo_1.1.0/notation-demo', data: script({ version: '1.1.0' }), mode: 0o755 },
        { name: 'demo_1.1.0/NOTICE', data: 'notice' },
      ]),
    );
    const upgrade = await manager.install(await source('demo.tar.gz', tar, 0o644));
    assert.equal(upgrade.previous?.version, '1.0.0');
    assert.equal(upgrade.installed.version, '1.1.0');
    // The new directory replaced the old one: LICENSE is gone, NOTICE came.
    assert.deepEqual((await readdir(path.join(libexec, 'plugins', 'demo'))).sort(), ['NOTICE', 'notation-demo']);
    assert.deepEqual(await readdir(libexec), ['plugins']);
  });

  it('compares versions: same version refused, lower refused, --force reinstalls', async () => {
    const { manager, libexec } = await freshManager();
    await manager.install(await source('notation-demo', script({ version: '1.2.0' })));
    assert.deepEqual(await failure(async () => manager.install(await source('notation-demo', script({ version: '1.2.0' })))), {
      code: 'ERR_PLUGIN_ALREADY_INSTALLED',
      message: 'plugin demo with version 1.2.0 already exists',
    });
    assert.deepEqual(await failure(async () => manager.install(await source('notation-demo', script({ version: '1.1.9' })))), {
      code: 'ERR_PLUGIN_DOWNGRADE',
      message: 'failed to install plugin demo. The installing plugin version 1.1.9 is lower than the existing plugin version 1.2.0',
    });
    const forced = await manager.install(await source('notation-demo', script({ version: '1.1.9' })), { overwrite: true });
    assert.equal(forced.previous?.version, '1.2.0');
    assert.equal((await manager.metadata('demo')).version, '1.1.9');
    assert.deepEqual(await failure(async () => manager.install(await source('notation-demo', script({ version: 'v2' })))), {
      code: 'ERR_PLUGIN_VERSION_INVALID',
      message: 'failed to compare plugin versions: v2 is not a valid semantic version',
    });
    assert.deepEqual(await readdir(libexec), ['plugins']);
  });

  it('replaces a broken installed plugin only with --force, and keeps it on any failure', async () => {
    const { manager, libexec } = await freshManager();
    await mkdir(path.join(libexec, 'plugins', 'demo'), { recursive: true });
    await writeFile(path.join(libexec, 'plugins', 'demo', 'notation-demo'), '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    assert.deepEqual(await failure(async () => manager.install(await source('notation-demo', script()))), {
      code: 'ERR_PLUGIN_EXECUTION_FAILED',
      message: 'failed to get metadata of existing plugin: exit status 3',
    });
    assert.equal(await readFile(path.join(libexec, 'plugins', 'demo', 'notation-demo'), 'utf8'), '#!/bin/sh\nexit 3\n');
    // A new plugin that fails validation leaves the installed one alone.
    assert.equal((await failure(async () => manager.install(await source('notation-demo', '#!/bin/sh\nexit 4\n'), { overwrite: true }))).message, 'failed to get metadata of new plugin: exit status 4');
    assert.equal(await readFile(path.join(libexec, 'plugins', 'demo', 'notation-demo'), 'utf8'), '#!/bin/sh\nexit 3\n');
    const result = await manager.install(await source('notation-demo', script()), { overwrite: true });
    assert.equal(result.previous, undefined); // the old one gave no metadata: "installed", not "updated"
    assert.equal((await manager.metadata('demo')).version, '1.0.0');
    assert.deepEqual(await readdir(libexec), ['plugins']);
  });

  it('finds the executable in an archive as notation-go parsePluginFromDir does', async () => {
    const { manager, libexec } = await freshManager({ logger: { warn: (message) => warnings.push(message) } });
    const warnings: string[] = [];
    // One candidate without the execute bit: made executable, with Notation's warning.
    const result = await manager.install(await source('demo.zip', buildZip([{ name: 'notation-demo', data: script(), mode: 0o100644 }]), 0o644));
    assert.equal(result.name, 'demo');
    assert.equal((await stat(path.join(libexec, 'plugins', 'demo', 'notation-demo'))).mode & 0o777, 0o744);
    assert.deepEqual(warnings, ['Found candidate plugin executable file "notation-demo" without executable permission. Setting user executable bit and trying to install.']);

    const cases: [Buffer, string][] = [
      [buildZip([{ name: 'README', data: 'x' }]), 'failed to read plugin from input directory: no plugin executable file was found'],
      [buildZip([{ name: 'notation-a', data: 'x' }, { name: 'notation-b', data: 'x' }]), 'failed to read plugin from input directory: no plugin executable file was found'],
      [
        buildZip([{ name: 'notation-a', data: 'x', mode: 0o100755 }, { name: 'notation-b', data: 'x', mode: 0o100755 }]),
        'failed to read plugin from input directory: found more than one plugin executable files',
      ],
      // "notation-.." would name the directory above plugins/: never a candidate.
      [gzipSync(buildTar([{ name: 'x/notation-.', data: 'x', mode: 0o755 }])), 'failed to read plugin from input directory: no plugin executable file was found'],
    ];
    for (const [archive, message] of cases) {
      const type = archive[0] === 0x1f ? 'tgz' : 'zip';
      assert.deepEqual(await failure(async () => manager.install(await source(`bad.${type}`, archive, 0o644))), { code: 'ERR_PLUGIN_INVALID', message });
    }
  });

  it('checks a single executable\'s name, permission, size and checksum', async () => {
    const { manager } = await freshManager();
    assert.deepEqual(await failure(async () => manager.install(await source('demo', script()))), {
      code: 'ERR_PLUGIN_INVALID',
      message: 'failed to read plugin name from input file demo: invalid plugin executable file name. Plugin file name requires format notation-{plugin-name}, but got demo',
    });
    assert.deepEqual(await failure(async () => manager.install(await source('notation-demo', script(), 0o644))), {
      code: 'ERR_PLUGIN_INVALID',
      message: 'input file notation-demo is not executable',
    });
    assert.deepEqual(await failure(async () => manager.install(await source('notation-other', script()))), {
      code: 'ERR_PLUGIN_INVALID',
      message: 'failed to get metadata of new plugin: plugin executable file name must be "notation-demo" instead of "notation-other"',
    });
    const file = await source('notation-demo', script());
    const digest = createHash('sha256').update(await readFile(file)).digest('hex');
    assert.deepEqual(await failure(() => manager.install(file, { sha256: 'abcd' })), {
      code: 'ERR_PLUGIN_CHECKSUM_MISMATCH',
      message: 'plugin SHA-256 checksum does not match user input. Expecting abcd',
    });
    assert.equal((await manager.install(file, { sha256: digest.toUpperCase() })).name, 'demo');
    assert.deepEqual(await failure(() => manager.install(path.join(scratch.path, 'missing'), { sourceDisplay: './missing' })), {
      code: 'ERR_PLUGIN_IO',
      message: 'stat ./missing: no such file or directory',
    });
    assert.deepEqual(await failure(() => manager.install(scratch.path, { sourceDisplay: 'dir' })), { code: 'ERR_PLUGIN_INVALID', message: 'dir is not a valid file' });
  });

  it('lists plugin directories only, and reports what is wrong with each', async () => {
    const { manager, libexec } = await freshManager();
    const plugins = path.join(libexec, 'plugins');
    await mkdir(path.join(plugins, 'missing'), { recursive: true });
    await mkdir(path.join(plugins, 'invalid'));
    await writeFile(path.join(plugins, 'invalid', 'notation-invalid'), 'invalid', { mode: 0o755 });
    await mkdir(path.join(plugins, 'good'));
    await writeTestPlugin(path.join(plugins, 'good', 'notation-good'), { name: 'good' });
    await writeFile(path.join(plugins, 'a-file'), 'not a plugin');
    await symlink(path.join(plugins, 'good'), path.join(plugins, 'linked'));
    const rows = await manager.describe();
    assert.deepEqual(rows.map((row) => row.name), ['good', 'invalid', 'missing']);
    assert.equal(rows[0]?.metadata?.name, 'good');
    assert.equal(rows[1]?.error?.systemCode, 'ENOEXEC');
    assert.equal(rows[1]?.error?.message, `fork/exec ${path.join(plugins, 'invalid', 'notation-invalid')}: exec format error`);
    assert.equal(rows[2]?.error?.code, 'ERR_PLUGIN_NOT_FOUND');
    assert.equal(rows[2]?.error?.systemCode, 'ENOENT');
  });

  it('uninstalls only real plugin names', async () => {
    const { manager, libexec } = await freshManager();
    await mkdir(path.join(libexec, 'plugins'), { recursive: true });
    await writeFile(path.join(libexec, 'precious'), 'keep');
    for (const name of ['..', '.', '', '../precious', 'a/b', 'a\\b']) {
      assert.equal(await manager.exists(name), false, name);
      assert.equal((await failure(() => manager.uninstall(name))).code, 'ERR_PLUGIN_NOT_FOUND', name);
    }
    assert.equal(await readFile(path.join(libexec, 'precious'), 'utf8'), 'keep');
    assert.deepEqual(['notation-demo', 'notation-', 'notation-..', 'notation-.', 'demo'].map((n) => parsePluginName(n, 'linux')), ['demo', undefined, undefined, undefined, undefined]);
    assert.deepEqual(['notation-demo.exe', 'notation-demo.EXE', 'notation-demo'].map((n) => parsePluginName(n, 'win32')), ['demo', 'demo', undefined]);
    assert.equal(isValidPluginName('azure-kv'), true);
  });
});

describe('plugin protocol', { skip: posix ? false : 'the test plugins are POSIX shell scripts' }, () => {
  async function plugin(content: string): Promise<string> {
    return source('notation-demo', content);
  }

  it('validates metadata as notation-go does', async () => {
    const cases: [Record<string, unknown> | string, string, string][] = [
      [{ name: 'demo', version: '1.0.0', url: 'u', capabilities: ['X'], supportedContractVersions: ['1.0'] }, 'ERR_PLUGIN_MALFORMED', 'metadata validation failed for plugin demo: empty description'],
      [{ name: 'demo', description: 'd', version: '1.0.0', url: 'u', capabilities: [], supportedContractVersions: ['1.0'] }, 'ERR_PLUGIN_MALFORMED', 'metadata validation failed for plugin demo: empty capabilities'],
      [{ name: 'demo', description: 'd', version: '1.0.0', url: 'u', capabilities: ['X'] }, 'ERR_PLUGIN_MALFORMED', 'metadata validation failed for plugin demo: supported contract versions not specified'],
      [
        { name: 'demo', description: 'd', version: '1.0.0', url: 'u', capabilities: ['X'], supportedContractVersions: ['2.0', '3.0'] },
        'ERR_PLUGIN_MALFORMED',
        'metadata validation failed for plugin demo: contract version "1.0" is not in the list of the plugin supported versions [2.0 3.0]',
      ],
      ['{"name": 1}', 'ERR_PLUGIN_MALFORMED', 'failed to unmarshal the response of get-plugin-metadata command for plugin demo'],
      ['not json', 'ERR_PLUGIN_MALFORMED', 'failed to unmarshal the response of get-plugin-metadata command for plugin demo'],
    ];
    for (const [metadata, code, message] of cases) {
      const file = await plugin(script({ metadata: typeof metadata === 'string' ? metadata : JSON.stringify(metadata) }));
      assert.deepEqual(await failure(() => getPluginMetadata('demo', file)), { code, message }, message);
    }
    // Unknown fields are ignored and keys match case-insensitively, as encoding/json does.
    const file = await plugin(script({ metadata: '{"NAME":"demo","description":"d","version":"1.0.0","url":"u","capabilities":["X"],"supportedContractVersions":["1.0"],"extra":true}' }));
    assert.equal((await getPluginMetadata('demo', file)).name, 'demo');
  });

  it('classifies failures as notation-go run() does', async () => {
    const cases: [string, string, string][] = [
      ['#!/bin/sh\nexit 3\n', 'ERR_PLUGIN_EXECUTION_FAILED', 'exit status 3'],
      ['#!/bin/sh\nkill -SEGV $$\n', 'ERR_PLUGIN_EXECUTION_FAILED', 'signal: segmentation fault'],
      [`#!/bin/sh\nprintf '%s' '{"errorCode":"ACCESS_DENIED","errorMessage":"no key for you"}' >&2\nexit 1\n`, 'ERR_PLUGIN_ERROR_RESPONSE', 'no key for you'],
      [`#!/bin/sh\nprintf '%s' '{"errorCode":"ERROR"}' >&2\nexit 1\n`, 'ERR_PLUGIN_ERROR_RESPONSE', '<nil>'],
      [`#!/bin/sh\nprintf '%s' '{}' >&2\nexit 1\n`, 'ERR_PLUGIN_MALFORMED', 'incomplete json'],
      ['#!/bin/sh\necho panic: oops >&2\nexit 2\n', 'ERR_PLUGIN_MALFORMED', "invalid character 'p' looking for beginning of value"],
      ['#!/nonexistent/interpreter\n', 'ERR_PLUGIN_EXECUTION_FAILED', 'fork/exec FILE: no such file or directory'],
      ['this is not a program', 'ERR_PLUGIN_EXECUTION_FAILED', 'fork/exec FILE: exec format error'],
    ];
    for (const [content, code, message] of cases) {
      const file = await plugin(content);
      const error = await failure(() => runPluginCommand('demo', file, 'get-plugin-metadata', '{}'));
      assert.deepEqual(error, { code, message: message.replace('FILE', file) }, content);
    }
    const denied = await plugin('#!/bin/sh\n');
    await chmod(denied, 0o644);
    const error = await runPluginCommand('demo', denied, 'get-plugin-metadata', '{}').catch((e: unknown) => e);
    assert.ok(error instanceof PluginError);
    assert.equal(error.systemCode, 'EACCES');
  });

  it('passes the request on stdin and never the registry credentials', async () => {
    const echo = await plugin('#!/bin/sh\nread -r line\nprintf \'%s|%s|%s\' "$1" "$line" "${NOTATION_USERNAME-unset}${NOTATION_PASSWORD-unset}${OTHER-unset}"\n');
    const out = await runPluginCommand('demo', echo, 'describe-key', '{"contractVersion":"1.0"}\n', {
      env: { NOTATION_USERNAME: 'u', NOTATION_PASSWORD: 'p', OTHER: 'kept' },
    });
    assert.equal(out.toString(), 'describe-key|{"contractVersion":"1.0"}|unsetunsetkept');
  });

  it('kills a plugin at the deadline, even one whose child holds its output open', async () => {
    for (const before of ['exec sleep 5', 'sleep 5 & wait']) {
      const file = await plugin(script({ before }));
      const started = Date.now();
      assert.deepEqual(await failure(() => getPluginMetadata('demo', file, { timeoutMs: 300 })), {
        code: 'ERR_PLUGIN_EXECUTION_FAILED',
        message: `'${file} get-plugin-metadata' command execution timeout: signal: killed`,
      });
      assert.ok(Date.now() - started < 10_000, before);
    }
  });

  it('caps each output stream', async () => {
    const loop = (stream: string) => `#!/bin/sh\ni=0\nwhile [ $i -lt 100 ]; do printf '%s' '${'x'.repeat(100)}' ${stream}; i=$((i+1)); done\n`;
    for (const [stream, redirect] of [['stdout', ''], ['stderr', '>&2']] as const) {
      const file = await plugin(loop(redirect));
      assert.deepEqual(await failure(() => runPluginCommand('demo', file, 'get-plugin-metadata', '{}', { maxOutputBytes: 1000 })), {
        code: 'ERR_PLUGIN_SIZE_EXCEEDED',
        message: `write limit exceeded: the ${stream} of plugin command get-plugin-metadata reached the 0 MiB limit`,
      });
    }
  });

  it('logs requests and responses at debug level, as notation-go does', async () => {
    const lines: string[] = [];
    await getPluginMetadata('demo', await plugin(script()), { logger: { debug: (message) => lines.push(message) } });
    assert.equal(lines[0], 'Plugin get-plugin-metadata request: {}');
    assert.match(lines[1] ?? '', /^Plugin get-plugin-metadata response: \{"name":"demo",/);
  });
});
