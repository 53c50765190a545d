/**
 * Notation plugins: the plugin directory (list, install from a file or archive, uninstall), the
 * caller side of the plugin protocol (`get-plugin-metadata` with a deadline and output caps),
 * HTTPS download of a plugin source, and plugin version comparison.
 *
 * @see https://github.com/notaryproject/specifications/blob/main/specs/plugin-extensibility.md
 */
export {
  PluginManager,
  isValidPluginName,
  parsePluginName,
  type InstallOptions,
  type InstallResult,
  type PluginListEntry,
  type PluginManagerOptions,
} from './manager.js';
export {
  PLUGIN_BINARY_PREFIX,
  PLUGIN_COMMAND_TIMEOUT_MS,
  PLUGIN_CONTRACT_VERSION,
  PluginErrorResponseError,
  checkPluginExecutable,
  getPluginMetadata,
  pluginExecutableName,
  runPluginCommand,
  type PluginCommand,
  type PluginErrorResponse,
  type PluginLogger,
  type PluginMetadata,
  type PluginRunOptions,
} from './protocol.js';
export { PLUGIN_DOWNLOAD_TIMEOUT_MS, downloadPluginSource, type DownloadOptions } from './download.js';
export { comparePluginVersions, isSemver } from './semver.js';
export { detectPluginSourceType, extractTarGzPlugin, extractZipPlugin, type ExtractOptions, type PluginSourceType } from './archive.js';
