/**
 * `portcullis plugin install|list|uninstall` in-process with a real shell-script plugin, and the
 * same command sequence run through the real `notation` v1.3.2 binary on a twin config directory:
 * exit status, stdout and stderr must match byte for byte (home directories normalised).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildTar, buildZip, testPluginScript, writeTestPlugin } from '../helpers/archives.js';
import { hasTestdata, testdata } from '../helpers/conformance.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { assertTool } from '../helpers/tools.js';
import { homeEnv, notationTool, portcullis, type RunResult } from './helpers.js';

const posix = process.platform !== 'win32';

/** Source files shared by both tools: plugins as files and archives, and broken ones. */
async function makeSources(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeTestPlugin(path.join(directory, 'notation-demo'), { name: 'demo' });
  await writeFile(
    path.join(directory, 'demo.zip'),
    buildZip([
      { name: 'notation-demo', data: testPluginScript({ name: 'demo' }), mode: 0o100644 },
      { name: 'LICENSE', data: 'Apache-2.0' },
    ]),
  );
  await writeFile(
    path.join(directory, 'demo.tar.gz'),
    gzipSync(buildTar([{ name: 'demo/', type: '5' }, { name: 'demo/notation-demo', data: testPluginScript({ name: 'demo', version: '1.1.0' }), mode: 0o755 }])),
  );
  for (const [sub, content] of [
    ['old', testPluginScript({ name: 'demo', version: '0.9.0' })],
    ['bad', '#!/bin/sh\nexit 3\n'],
    ['malformed', testPluginScript({ name: 'demo', metadata: '{"name":"demo","version":"1.0.0","url":"u","capabilities":["X"],"supportedContractVersions":["1.0"]}' })],
    ['lower', testPluginScript({ name: 'demo', metadata: '{"name":"demo","description":"d","version":"1.0","url":"u","capabilities":["X"],"supportedContractVersions":["1.0"]}' })],
  ] as const) {
    await mkdir(path.join(directory, sub));
    await writeFile(path.join(directory, sub, 'notation-demo'), content);
    await chmod(path.join(directory, sub, 'notation-demo'), 0o755);
  }
  await writeFile(path.join(directory, 'two.zip'), buildZip([{ name: 'notation-a', data: 'x', mode: 0o100755 }, { name: 'notation-b', data: 'x', mode: 0o100755 }]));
}

/** Broken plugin directories as `plugin list` must report them. */
async function makeBrokenPlugins(plugins: string, sources: string): Promise<void> {
  await mkdir(path.join(plugins, 'azure-kv'), { recursive: true });
  await mkdir(path.join(plugins, 'invalid'));
  await writeFile(path.join(plugins, 'invalid', 'notation-invalid'), 'invalid', { mode: 0o755 });
  await mkdir(path.join(plugins, 'wrongname'));
  await copyFile(path.join(sources, 'notation-demo'), path.join(plugins, 'wrongname', 'notation-wrongname'));
  await chmod(path.join(plugins, 'wrongname', 'notation-wrongname'), 0o755);
  await mkdir(path.join(plugins, 'dirbin', 'notation-dirbin'), { recursive: true });
}

interface Step {
  readonly argv: readonly string[];
  readonly stdin?: string;
}

/** The sequence both tools run (paths relative to the sources directory, the working directory). */
function sequence(): Step[] {
  const e2e = hasTestdata('malicious-plugin') ? [
    { argv: ['plugin', 'install', '--file', testdata('malicious-plugin/zip_slip.zip')] },
    { argv: ['plugin', 'install', '--file', testdata('malicious-plugin/large_file_tarGz.tar.gz')] },
    { argv: ['plugin', 'install', '--file', testdata('malicious-plugin/large_file_zip.zip')] },
  ] : [];
  // "./notation-demo", not "notation-demo": given a bare file name, notation v1.3.2 runs the
  // plugin through a PATH lookup and fails ("executable file not found in $PATH"); Portcullis
  // runs the staged copy by its absolute path and installs it.
  return [
    { argv: ['plugin', 'list'] },
    { argv: ['plugin', 'install', '--file', './notation-demo'] },
    { argv: ['plugin', 'ls'] },
    { argv: ['plugin', 'install', '--file', './notation-demo'] },
    { argv: ['plugin', 'add', '--file', 'demo.zip'] },
    { argv: ['plugin', 'install', '--file=true', 'demo.zip', '--force'] },
    { argv: ['plugin', 'install', '--file', 'demo.tar.gz'] },
    { argv: ['plugin', 'install', '--file', 'old/notation-demo'] },
    { argv: ['plugin', 'install', '--file', 'lower/notation-demo'] },
    { argv: ['plugin', 'install', '--file', 'bad/notation-demo', '--force'] },
    { argv: ['plugin', 'install', '--file', 'malformed/notation-demo', '--force'] },
    { argv: ['plugin', 'install', '--file', 'two.zip'] },
    { argv: ['plugin', 'install', '--file', 'missing'] },
    { argv: ['plugin', 'install', '--file', 'old'] },
    { argv: ['plugin', 'install', '--file', 'demo.zip', '--sha256sum', 'abcd'] },
    { argv: ['plugin', 'install', 'a', 'b', '--file'] },
    { argv: ['plugin', 'install', '--url', 'https://example.com/x.tar.gz'] },
    { argv: ['plugin', 'install', '--url', '::bad', '--sha256sum', 'abcd'] },
    { argv: ['plugin', 'install', '--url', 'localhost', '--sha256sum', 'abcd'] },
    { argv: ['plugin', 'install', '--url', 'HTTP://localhost', '--sha256sum', 'abcd'] },
    ...e2e,
    { argv: ['plugin', 'list'] },
    { argv: ['plugin', 'uninstall'] },
    { argv: ['plugin', 'uninstall', 'a', 'b'] },
    { argv: ['plugin', 'remove', '../x', '-y'] },
    { argv: ['plugin', 'rm', 'azure-kv', '-y'] },
    { argv: ['plugin', 'uninstall', 'dirbin', '--yes'] },
    { argv: ['plugin', 'uninstall', 'demo'], stdin: 'n\n' },
    { argv: ['plugin', 'uninstall', 'demo'], stdin: '' },
    { argv: ['plugin', 'uninstall', 'demo'], stdin: 'Yes\n' },
    { argv: ['plugin', 'list'] },
  ];
}

function runNotation(argv: readonly string[], env: Record<string, string>, cwd: string, stdin: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(notationTool.path!, [...argv], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => undefined); // notation exits without reading stdin for most commands
    child.stdin.end(stdin);
  });
}

describe('portcullis plugin', { skip: posix ? false : 'the test plugin is a POSIX shell script' }, () => {
  let root: string;
  let sources: string;
  before(async () => {
    root = (await temporaryDirectory('plugin-cli')).path;
    sources = path.join(root, 'sources');
    await makeSources(sources);
  });

  const home = async (name: string): Promise<{ env: Record<string, string>; plugins: string }> => {
    const directory = path.join(root, name);
    await mkdir(path.join(directory, 'notation'), { recursive: true });
    return { env: homeEnv(directory), plugins: path.join(directory, 'notation', 'plugins') };
  };
  const run = (argv: readonly string[], env: Record<string, string>, stdin?: string) => portcullis(argv, { ...env, HOME: sources }, stdin);

  it('installs, lists, updates and uninstalls with Notation\'s output', async () => {
    const { env, plugins } = await home('basic');
    assert.deepEqual(await run(['plugin', 'install', '--file', 'notation-demo'], env), { code: 0, stdout: 'Successfully installed plugin demo, version 1.0.0\n', stderr: '' });
    assert.equal(await readFile(path.join(plugins, 'demo', 'notation-demo'), 'utf8'), await readFile(path.join(sources, 'notation-demo'), 'utf8'));
    assert.deepEqual(await run(['plugin', 'list'], env), {
      code: 0,
      stdout:
        'NAME   DESCRIPTION                            VERSION   CAPABILITIES                                                                ERROR   \n' +
        'demo   The demo plugin for Portcullis tests   1.0.0     [SIGNATURE_VERIFIER.TRUSTED_IDENTITY SIGNATURE_VERIFIER.REVOCATION_CHECK]   <nil>   \n',
      stderr: '',
    });
    assert.deepEqual(await run(['plugin', 'install', '--file', 'demo.tar.gz'], env), { code: 0, stdout: 'Successfully updated plugin demo from version 1.0.0 to 1.1.0\n', stderr: '' });
    assert.deepEqual(await run(['plugin', 'install', '--file', 'old/notation-demo'], env), {
      code: 1,
      stdout: '',
      stderr:
        'Error: plugin installation failed: failed to install plugin demo. The installing plugin version 0.9.0 is lower than the existing plugin version 1.1.0.\n' +
        'It is not recommended to install an older version. To force the installation, use the "--force" option\n',
    });
    assert.deepEqual(await run(['plugin', 'uninstall', 'demo'], env, 'n\n'), { code: 0, stdout: 'Are you sure you want to uninstall plugin "demo"? [y/N] Operation cancelled.\n', stderr: '' });
    assert.deepEqual(await run(['plugin', 'uninstall', 'demo'], env, 'y\n'), {
      code: 0,
      stdout: 'Are you sure you want to uninstall plugin "demo"? [y/N] Successfully uninstalled plugin demo\n',
      stderr: '',
    });
    assert.deepEqual(await run(['plugin', 'uninstall', '-y', 'demo'], env), {
      code: 1,
      stdout: '',
      stderr: 'Error: unable to find plugin demo.\nTo view a list of installed plugins, use `notation plugin list`\n',
    });
  });

  it('adds Notation\'s hints to plugins that cannot run or answer badly', async () => {
    const { env } = await home('hints');
    const platform = `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`;
    assert.deepEqual(await run(['plugin', 'install', '--file', 'bad/notation-demo'], env), {
      code: 1,
      stdout: '',
      stderr: `Error: plugin installation failed: failed to get metadata of new plugin: exit status 3.\nPlease ensure that the plugin executable file is compatible with ${platform} and has appropriate permissions.\n`,
    });
    assert.deepEqual(await run(['plugin', 'install', '--file', 'malformed/notation-demo'], env), {
      code: 1,
      stdout: '',
      stderr: `Error: plugin installation failed: metadata validation failed for plugin demo: empty description.\nPlease ensure that the plugin executable file is intact and compatible with ${platform}. Contact the plugin publisher for further assistance.\n`,
    });
  });

  it('installs into NOTATION_LIBEXEC, never passes registry credentials, and logs the protocol with -d', async () => {
    const { env } = await home('libexec');
    const libexec = path.join(root, 'libexec');
    const withCredentials = { ...env, NOTATION_LIBEXEC: libexec, NOTATION_USERNAME: 'user', NOTATION_PASSWORD: 'secret' };
    const result = await run(['plugin', 'install', '--file', 'demo.zip', '-d'], withCredentials);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /level=debug msg=Extracting file notation-demo\.\.\.\n/);
    assert.match(result.stderr, /level=debug msg=Plugin get-plugin-metadata request: \{\}\n/);
    assert.doesNotMatch(result.stderr, /secret/);
    assert.equal((await readFile(path.join(libexec, 'plugins', 'demo', 'LICENSE'), 'utf8')), 'Apache-2.0');
  });

  it('reports unreachable download URLs with Notation\'s message', async () => {
    const { env } = await home('url');
    const result = await run(['plugin', 'install', '--url', 'https://127.0.0.1:1/plugin.tar.gz', '--sha256sum', 'abcd'], env);
    assert.deepEqual(result, {
      code: 1,
      stdout: 'Downloading plugin from https://127.0.0.1:1/plugin.tar.gz\n',
      stderr:
        'Error: failed to download plugin from URL https://127.0.0.1:1/plugin.tar.gz with error: Get "https://127.0.0.1:1/plugin.tar.gz": dial tcp 127.0.0.1:1: connect: connection refused\n',
    });
  });

  describe('against notation v1.3.2', { skip: notationTool.skip }, () => {
    it('prints exactly what notation prints for the same commands', async () => {
      assertTool('notation', notationTool.path);
      const ours = await home('twin-portcullis');
      const theirs = await home('twin-notation');
      await makeBrokenPlugins(ours.plugins, sources);
      await makeBrokenPlugins(theirs.plugins, sources);
      const normalise = (text: string, directory: string): string => text.split(path.dirname(path.dirname(directory))).join('<home>');
      const differences: string[] = [];
      for (const step of sequence()) {
        const expected = await runNotation(step.argv, theirs.env, sources, step.stdin ?? '');
        const actual = await run(step.argv, ours.env, step.stdin ?? '');
        const shown = (r: RunResult, plugins: string) => ({ ok: r.code === 0, stdout: normalise(r.stdout, plugins), stderr: normalise(r.stderr, plugins) });
        try {
          assert.deepEqual(shown(actual, ours.plugins), shown(expected, theirs.plugins));
        } catch (error) {
          differences.push(`${step.argv.join(' ')}:\n${(error as Error).message}`);
        }
      }
      assert.deepEqual(differences, []);
    });
  });
});
