/**
 * Directory resolution, config.json / signingkeys.json round trips (bytes checked against
 * notation-go's Save on the same inputs) and atomic writes.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat, writeFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configSandbox, failure } from '../../test/helpers/fixtures.js';
import {
  NotationPaths,
  deleteSigningKeys,
  getSigningKey,
  keySuite,
  loadConfig,
  loadSigningKeys,
  resolveNotationDirectories,
  saveConfig,
  saveSigningKeys,
  updateDefaultSigningKey,
  addSigningKeyToConfig,
  writeFileAtomic,
} from './index.js';

const sandbox = configSandbox('config');

describe('resolveNotationDirectories', () => {
  it('follows XDG on Linux, with NOTATION_* overrides', () => {
    assert.deepEqual(resolveNotationDirectories({ env: { HOME: '/h' }, platform: 'linux' }), {
      config: '/h/.config/notation',
      cache: '/h/.cache/notation',
      libexec: '/h/.config/notation',
    });
    assert.deepEqual(resolveNotationDirectories({ env: { HOME: '/h', XDG_CONFIG_HOME: '/x', XDG_CACHE_HOME: '/c' }, platform: 'linux' }), {
      config: '/x/notation',
      cache: '/c/notation',
      libexec: '/x/notation',
    });
    assert.deepEqual(
      resolveNotationDirectories({ env: { HOME: '/h', NOTATION_CONFIG: '/cfg', NOTATION_CACHE: '/cache', NOTATION_LIBEXEC: '' }, platform: 'linux' }),
      { config: '/cfg', cache: '/cache', libexec: '/cfg' },
    );
  });

  it('falls back to .notation when Go has no user directory (relative XDG, no HOME)', () => {
    assert.deepEqual(resolveNotationDirectories({ env: { XDG_CONFIG_HOME: 'rel', XDG_CACHE_HOME: 'rel' }, platform: 'linux' }), {
      config: '.notation',
      cache: '.notation/cache',
      libexec: '.notation',
    });
  });

  it('uses Application Support on macOS and AppData on Windows', () => {
    assert.equal(resolveNotationDirectories({ env: { HOME: '/Users/u' }, platform: 'darwin' }).config, '/Users/u/Library/Application Support/notation');
    assert.equal(resolveNotationDirectories({ env: { HOME: '/Users/u' }, platform: 'darwin' }).cache, '/Users/u/Library/Caches/notation');
    const windows = resolveNotationDirectories({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming', LOCALAPPDATA: 'C:\\L' }, platform: 'win32' });
    assert.equal(windows.config, 'C:\\Users\\u\\AppData\\Roaming\\notation');
    assert.equal(windows.cache, 'C:\\L\\notation');
  });

  it('names the files and directories Notation uses', () => {
    const paths = NotationPaths.fromConfigDir('/n');
    assert.equal(paths.ociTrustPolicyFile, '/n/trustpolicy.oci.json');
    assert.equal(paths.legacyTrustPolicyFile, '/n/trustpolicy.json');
    assert.equal(paths.blobTrustPolicyFile, '/n/trustpolicy.blob.json');
    assert.equal(paths.trustStoreDir('ca', 'acme'), '/n/truststore/x509/ca/acme');
    assert.deepEqual(paths.localKeyPaths('k'), { keyPath: '/n/localkeys/k.key', certPath: '/n/localkeys/k.crt' });
    assert.equal(paths.pluginsDir, '/n/plugins');
  });
});

describe('config.json', () => {
  it('defaults when missing and round-trips as notation-go writes it', async () => {
    const paths = await sandbox.fresh('config');
    assert.deepEqual(await loadConfig(paths), { insecureRegistries: null, credsStore: '', credHelpers: null, signatureFormat: '' });
    await writeFile(paths.configFile, '{"credsStore":"pass","credHelpers":{"z.io":"b","a.io":"x<&>"},"insecureRegistries":[],"Unknown":1}');
    await saveConfig(paths, await loadConfig(paths));
    assert.equal(
      await readFile(paths.configFile, 'utf8'),
      '{\n    "insecureRegistries": [],\n    "credsStore": "pass",\n    "credHelpers": {\n        "a.io": "x\\u003c\\u0026\\u003e",\n        "z.io": "b"\n    }\n}\n',
    );
    await writeFile(paths.configFile, '{}');
    await saveConfig(paths, await loadConfig(paths));
    assert.equal(await readFile(paths.configFile, 'utf8'), '{\n    "insecureRegistries": null\n}\n');
    assert.equal((await stat(paths.configFile)).mode & 0o777, 0o600);
  });

  it('reports Go\'s decoding errors, and refuses symlinks', async () => {
    const paths = await sandbox.fresh('config-bad');
    await writeFile(paths.configFile, '{"signatureFormat":1}');
    assert.deepEqual(await failure(() => loadConfig(paths)), {
      code: 'ERR_CONFIG_MALFORMED',
      message: 'json: cannot unmarshal number into Go struct field Config.signatureFormat of type string',
    });
    await writeFile(paths.configFile, '');
    assert.equal((await failure(() => loadConfig(paths))).message, 'EOF');
    await rm(paths.configFile);
    await writeFile(join(sandbox.root, 'elsewhere.json'), '{}');
    await symlink(join(sandbox.root, 'elsewhere.json'), paths.configFile);
    assert.equal((await failure(() => loadConfig(paths))).message, `"${paths.configFile}" is not a regular file (symlinks are not supported)`);
  });
});

describe('signingkeys.json', () => {
  const NOTATION_GO_TESTDATA = `{
    "default": "wabbit-networks",
    "keys": [
        {
            "name": "wabbit-networks",
            "keyPath": "/home/demo/.config/notation/localkeys/wabbit-networks.key",
            "certPath": "/home/demo/.config/notation/localkeys/wabbit-networks.crt"
        },
        {
            "name": "import.acme-rockets",
            "keyPath": "/home/demo/.config/notation/localkeys/import.acme-rockets.key",
            "certPath": "/home/demo/.config/notation/localkeys/import.acme-rockets.crt"
        },
        {
            "name": "external-key",
            "id": "id1",
            "pluginName": "pluginX",
            "pluginConfig": {
                "key": "value"
            }
        }
    ]
}
`;

  it('round-trips notation-go\'s own test file byte for byte', async () => {
    const paths = await sandbox.fresh('keys');
    await writeFile(paths.signingKeysFile, NOTATION_GO_TESTDATA);
    const keys = await loadSigningKeys(paths);
    assert.equal(getSigningKey(keys).name, 'wabbit-networks');
    assert.equal(getSigningKey(keys, 'external-key').pluginConfig?.get('key'), 'value');
    await saveSigningKeys(paths, keys);
    assert.equal(await readFile(paths.signingKeysFile, 'utf8'), NOTATION_GO_TESTDATA);
  });

  it('lists, sets the default and deletes like `notation key`', async () => {
    const paths = await sandbox.fresh('keys-ops');
    await writeFile(paths.signingKeysFile, NOTATION_GO_TESTDATA);
    await updateDefaultSigningKey(paths, 'external-key');
    assert.equal((await loadSigningKeys(paths)).default, 'external-key');
    assert.deepEqual(await failure(() => updateDefaultSigningKey(paths, 'nope')), { code: 'ERR_CONFIG_NOT_FOUND', message: 'signing key nope not found' });
    assert.deepEqual(await deleteSigningKeys(paths, ['external-key', 'import.acme-rockets']), {
      deleted: ['external-key', 'import.acme-rockets'],
      previousDefault: 'external-key',
    });
    const after = await loadSigningKeys(paths);
    assert.equal(after.default, null);
    assert.deepEqual(after.keys?.map((k) => k.name), ['wabbit-networks']);
    // all-or-nothing: an unknown name leaves the file untouched
    const before = await readFile(paths.signingKeysFile, 'utf8');
    assert.equal((await failure(() => deleteSigningKeys(paths, ['wabbit-networks', 'nope']))).message, 'signing key nope not found');
    assert.equal(await readFile(paths.signingKeysFile, 'utf8'), before);
    await addSigningKeyToConfig(paths, keySuite({ name: 'k2', keyPath: '/k', certPath: '/c' }), true);
    assert.equal((await loadSigningKeys(paths)).default, 'k2');
    assert.equal(
      (await failure(() => addSigningKeyToConfig(paths, keySuite({ name: 'k2', keyPath: '/k' }), false))).message,
      'signing key with name "k2" already exists',
    );
  });

  it('validates as notation-go does', async () => {
    const paths = await sandbox.fresh('keys-bad');
    for (const [content, message] of [
      ['{"keys":[{"name":"a"},{"name":"a"}]}', "malformed signingkeys.json: multiple keys with name 'a' found"],
      ['{"default":"x","keys":[]}', "malformed signingkeys.json: default key 'x' not found"],
      ['{"default":"","keys":[]}', 'malformed signingkeys.json: default key name cannot be empty'],
      ['{"keys":[{"name":""}]}', 'malformed signingkeys.json: key name cannot be empty'],
    ] as const) {
      await writeFile(paths.signingKeysFile, content);
      assert.deepEqual(await failure(() => loadSigningKeys(paths)), { code: 'ERR_CONFIG_INVALID', message });
    }
    await writeFile(paths.signingKeysFile, '{"default":null,"keys":null}');
    await saveSigningKeys(paths, await loadSigningKeys(paths));
    assert.equal(await readFile(paths.signingKeysFile, 'utf8'), '{\n    "keys": null\n}\n');
  });
});

describe('writeFileAtomic', () => {
  it('replaces content, applies 0600 and leaves no temporary file', async () => {
    const dir = join(sandbox.root, 'atomic', 'deep');
    const target = join(dir, 'f.json');
    await writeFileAtomic(target, 'one');
    await writeFileAtomic(target, 'two');
    assert.equal(await readFile(target, 'utf8'), 'two');
    assert.equal((await stat(target)).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.deepEqual(await readdir(dir), ['f.json']);
  });

  it('cleans up after a failed rename', async () => {
    const dir = join(sandbox.root, 'atomic-fail');
    await mkdir(join(dir, 'target-is-dir', 'child'), { recursive: true });
    await assert.rejects(() => writeFileAtomic(join(dir, 'target-is-dir'), 'x'), /rename .*target-is-dir: (is a directory|directory not empty)/);
    assert.deepEqual(await readdir(dir), ['target-is-dir']);
  });

  it('keeps readers on whole contents during concurrent writes', async () => {
    const target = join(sandbox.root, 'atomic-race.txt');
    await writeFileAtomic(target, 'a'.repeat(100_000));
    const writes = Array.from({ length: 20 }, (_, i) => writeFileAtomic(target, String.fromCharCode(98 + (i % 20)).repeat(100_000)));
    const reads = Array.from({ length: 40 }, async () => {
      const content = await readFile(target, 'utf8');
      assert.equal(content.length, 100_000);
      assert.equal(new Set(content).size, 1);
    });
    await Promise.all([...writes, ...reads]);
    assert.deepEqual((await readdir(sandbox.root)).filter((n) => n.includes('.tmp-')), []);
  });
});
