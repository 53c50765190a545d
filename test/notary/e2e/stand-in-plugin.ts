/**
 * A stand-in for upstream's e2e test plugin (`<e2e-plugin>`, `<e2e-plugin-tar.gz>`): a shell
 * script that answers `get-plugin-metadata` exactly as the Go plugin does without plugin config
 * (name e2e-plugin, version 1.0.0, the two verifier capabilities) and, like it, fails when
 * registry credentials reach its environment. It signs and verifies nothing, so only the cases of
 * the install, list and uninstall suites can use it; the sign and verify suites stay skipped.
 */
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildTar, testPluginScript } from '../../helpers/archives.js';

/** Suites whose cases need nothing from the plugin but its metadata. */
export const STAND_IN_PLUGIN_SUITES: ReadonlySet<string> = new Set(['suite/plugin/install.go', 'suite/plugin/list.go', 'suite/plugin/uninstall.go']);

export interface StandInPlugin {
  /** `<e2e-plugin>`: `.../notation-e2e-plugin`, mode 0755. */
  readonly executable: string;
  /** `<e2e-plugin-tar.gz>`: a tar.gz holding just that executable. */
  readonly tarGz: string;
}

const SCRIPT = testPluginScript({
  name: 'e2e-plugin',
  version: '1.0.0',
  description: 'The e2e-plugin is a Notation compatible plugin for Notation E2E test',
  capabilities: ['SIGNATURE_VERIFIER.TRUSTED_IDENTITY', 'SIGNATURE_VERIFIER.REVOCATION_CHECK'],
});

/** Writes the stand-in plugin and its tar.gz under `directory`. */
export async function createStandInPlugin(directory: string): Promise<StandInPlugin> {
  await mkdir(directory, { recursive: true });
  const executable = path.join(directory, 'notation-e2e-plugin');
  await writeFile(executable, SCRIPT);
  await chmod(executable, 0o755);
  const tarGz = path.join(directory, 'e2e-plugin.tar.gz');
  await writeFile(tarGz, gzipSync(buildTar([{ name: 'notation-e2e-plugin', data: SCRIPT, mode: 0o755 }])));
  return { executable, tarGz };
}

/** "The e2e test plugin is installed by hand": the executable and pluginkeys.json in a case's config. */
export async function installStandInPlugin(plugin: StandInPlugin, config: string): Promise<void> {
  const target = path.join(config, 'plugins', 'e2e-plugin', 'notation-e2e-plugin');
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(plugin.executable, target);
  await chmod(target, 0o755);
  const keys = {
    keys: [{ id: 'key1', pluginName: 'e2e-plugin', keyPath: path.join(config, 'localkeys', 'e2e.key'), certPath: path.join(config, 'localkeys', 'e2e.crt') }],
  };
  await writeFile(path.join(config, 'pluginkeys.json'), `${JSON.stringify(keys, null, 2)}\n`);
}
