/**
 * `plugin install|add`, `plugin list|ls`, `plugin uninstall|remove|rm`, as the Notation CLI v1.3.2
 * (notaryproject/notation cmd/notation/plugin/*.go): same flags, validation order, messages and
 * table, over src/plugin's directory manager. Plugins run with the command's environment minus
 * NOTATION_USERNAME/NOTATION_PASSWORD.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { endianness, tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { PluginError, UsageError } from '../../errors.js';
import { goQuote } from '../../gocompat/index.js';
import { PLUGIN_DOWNLOAD_TIMEOUT_MS, PluginManager, downloadPluginSource, pluginExecutableName, type InstallResult } from '../../plugin/index.js';
import type { CliContext } from '../context.js';
import { VERSION } from '../main.js';
import { acceptGoBooleans, mutuallyExclusive, notationLogger } from '../notation-shell.js';
import { addLoggingOptions, askForConfirmation, notationPaths, resolvePath } from '../notation/common.js';
import { tabwrite } from '../notation/tabwriter.js';

interface LoggingFlags {
  readonly debug?: boolean;
  readonly verbose?: boolean;
}

interface InstallFlags extends LoggingFlags {
  readonly file?: boolean;
  readonly url?: boolean;
  readonly sha256sum?: string;
  readonly force?: boolean;
}

/** Go's `runtime.GOOS/runtime.GOARCH` for this process, as Notation prints it in hints. */
function goPlatform(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform === 'sunos' ? 'solaris' : process.platform;
  const arches: Record<string, string> = { x64: 'amd64', ia32: '386', mipsel: 'mipsle', ppc64: endianness() === 'LE' ? 'ppc64le' : 'ppc64' };
  return `${os}/${arches[process.arch] ?? process.arch}`;
}

/** The PluginError a message is about, anywhere in the cause chain, deepest first for `code`. */
function deepest(error: unknown, code: PluginError['code']): PluginError | undefined {
  let found: PluginError | undefined;
  for (let current: unknown = error; current instanceof Error; current = (current as { cause?: unknown }).cause) {
    if (current instanceof PluginError && current.code === code) found = current;
  }
  return found;
}

/** The hints notation's `installPluginWithOptions` adds for downgrades, unrunnable and malformed plugins. */
function explainInstallError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof PluginError)) return message;
  switch (error.code) {
    case 'ERR_PLUGIN_DOWNGRADE':
      return `${message}.\nIt is not recommended to install an older version. To force the installation, use the "--force" option`;
    case 'ERR_PLUGIN_EXECUTION_FAILED':
      return `${message}.\nPlease ensure that the plugin executable file is compatible with ${goPlatform()} and has appropriate permissions.`;
    case 'ERR_PLUGIN_MALFORMED':
      // Go formats the PluginMalformedError itself here, without what wraps it.
      return `${deepest(error, 'ERR_PLUGIN_MALFORMED')?.message ?? message}.\nPlease ensure that the plugin executable file is intact and compatible with ${goPlatform()}. Contact the plugin publisher for further assistance.`;
    default:
      return message;
  }
}

/** `fmt.Errorf("<prefix>: %w", err)`, keeping the PluginError code for PORTCULLIS_DEBUG. */
function failure(message: string, error: unknown): Error {
  return error instanceof PluginError
    ? new PluginError(error.code, message, { cause: error, ...(error.systemCode !== undefined && { systemCode: error.systemCode }) })
    : new Error(message, { cause: error });
}

/** The notation CLI's `userFriendlyError` for the ERROR column of `plugin list`. */
function friendlyListError(name: string, error: PluginError): string {
  const executable = pluginExecutableName(name);
  if (error.systemCode === 'ENOENT') {
    return `plugin executable file \`${executable}\` not found. Use \`notation plugin install\` command to install the plugin`;
  }
  if (error.systemCode === 'ENOEXEC') {
    return `plugin file \`${executable}\` is not executable. Use \`notation plugin install\` command to install the plugin. Please ensure that the plugin executable file is compatible with ${goPlatform()}`;
  }
  return error.message;
}

/**
 * The scheme Go's `url.Parse` finds (lower-cased), `''` for none.
 * @throws Error `parse "<url>": ...` where Go's parser fails before reaching the scheme check
 */
function goUrlScheme(raw: string): string {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new Error(`parse ${goQuote(raw)}: net/url: invalid control character in URL`);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) return '';
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new Error(`parse ${goQuote(raw)}: missing protocol scheme`);
      return raw.slice(0, i).toLowerCase();
    }
    return '';
  }
  return '';
}

function manager(context: CliContext, flags: LoggingFlags): PluginManager {
  return new PluginManager(notationPaths(context).pluginsDir, { env: context.env, cwd: context.cwd, logger: notationLogger(context, flags) });
}

function printInstalled(context: CliContext, result: InstallResult): void {
  context.stdout.write(
    result.previous !== undefined
      ? `Successfully updated plugin ${result.name} from version ${result.previous.version} to ${result.installed.version}\n`
      : `Successfully installed plugin ${result.name}, version ${result.installed.version}\n`,
  );
}

async function install(context: CliContext, source: string, flags: InstallFlags): Promise<void> {
  const plugins = manager(context, flags);
  const installFrom = async (file: string, display: string): Promise<void> => {
    let result: InstallResult;
    try {
      result = await plugins.install(file, {
        overwrite: Boolean(flags.force),
        ...(flags.sha256sum !== undefined && { sha256: flags.sha256sum }),
        sourceDisplay: display,
      });
    } catch (error) {
      throw failure(`plugin installation failed: ${explainInstallError(error)}`, error);
    }
    printInstalled(context, result);
  };

  if (flags.file) {
    await installFrom(resolvePath(context, source), source);
    return;
  }
  if (!flags.sha256sum) throw new UsageError('installing from URL requires non-empty SHA256 checksum of the plugin source');
  let scheme: string;
  try {
    scheme = goUrlScheme(source);
  } catch (error) {
    throw new UsageError(`failed to parse plugin download URL ${source} with error: ${(error as Error).message}`);
  }
  if (scheme !== 'https') throw new UsageError(`failed to download plugin from URL: only the HTTPS scheme is supported, but got ${scheme}`);
  let directory: string;
  try {
    directory = await mkdtemp(path.join(tmpdir(), 'notation-plugin-download-'));
  } catch (error) {
    throw new Error(`failed to create temporary file required for downloading plugin: ${(error as Error).message}`, { cause: error });
  }
  try {
    // Notation's temporary file name; a single executable downloaded this way fails its name check, as in Notation.
    const file = path.join(directory, 'notation-plugin-download');
    context.stdout.write(`Downloading plugin from ${source}\n`);
    try {
      await downloadPluginSource(source, file, { userAgent: `portcullis/${VERSION}`, timeoutMs: PLUGIN_DOWNLOAD_TIMEOUT_MS });
    } catch (error) {
      throw failure(`failed to download plugin from URL ${source} with error: ${(error as Error).message}`, error);
    }
    context.stdout.write('Download completed\n');
    await installFrom(file, file);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

export function registerPlugin(program: Command, context: CliContext): void {
  const plugin = program.command('plugin').description('Manage plugins');

  plugin
    .command('list')
    .alias('ls')
    .description('List installed plugins')
    .usage('[flags]')
    .allowExcessArguments(true)
    .action(async () => {
      const rows = await manager(context, {})
        .describe()
        .catch((error: unknown) => {
          if (error instanceof PluginError && error.code === 'ERR_PLUGIN_IO') {
            throw failure(`${error.message}.\nPlease ensure that the current user has permission to access the plugin directory: ${notationPaths(context).pluginsDir}`, error);
          }
          throw error;
        });
      context.stdout.write(
        tabwrite([
          ['NAME', 'DESCRIPTION', 'VERSION', 'CAPABILITIES', 'ERROR'],
          ...rows.map((row) => [
            row.name,
            row.metadata?.description ?? '',
            row.metadata?.version ?? '',
            `[${(row.metadata?.capabilities ?? []).join(' ')}]`,
            row.error === undefined ? '<nil>' : friendlyListError(row.name, row.error),
          ]),
        ]),
      );
    });

  const installCommand = addLoggingOptions(
    plugin
      .command('install')
      .alias('add')
      .description('Install a plugin')
      .usage('[flags] <--file|--url> <plugin_source>')
      .argument('[plugin_source...]')
      .option('--file', 'install plugin from a file on file system')
      .option('--url', `install plugin from an HTTPS URL. The plugin download timeout is ${PLUGIN_DOWNLOAD_TIMEOUT_MS / 60_000}m0s`)
      .option('--sha256sum <checksum>', 'must match SHA256 of the plugin source, required when "--url" flag is set')
      .option('--force', 'force the installation of the plugin'),
  );
  acceptGoBooleans(installCommand, ['file', 'url', 'force', 'debug', 'verbose']);
  installCommand.action(async (sources: string[], flags: InstallFlags) => {
    // cobra's order: the Args check, then the flag groups (one required, then mutually exclusive).
    if (sources.length === 0) {
      if (flags.file) throw new UsageError('missing plugin file path');
      if (flags.url) throw new UsageError('missing plugin URL');
      throw new UsageError('missing plugin source location');
    }
    if (sources.length > 1) throw new UsageError(`can only install one plugin at a time, but got [${sources.join(' ')}]`);
    if (!flags.file && !flags.url) throw new UsageError('at least one of the flags in the group [file url] is required');
    mutuallyExclusive(['file', 'url'], (name) => Boolean(flags[name as 'file' | 'url']));
    await install(context, sources[0]!, flags);
  });

  const uninstallCommand = addLoggingOptions(
    plugin
      .command('uninstall')
      .aliases(['remove', 'rm'])
      .description('Uninstall a plugin')
      .usage('[flags] <plugin_name>')
      .argument('[plugin_name...]')
      .option('-y, --yes', 'do not prompt for confirmation'),
  );
  acceptGoBooleans(uninstallCommand, ['yes', 'debug', 'verbose']);
  uninstallCommand.action(async (names: string[], flags: LoggingFlags & { yes?: boolean }) => {
    if (names.length === 0) throw new UsageError('plugin name is required');
    if (names.length > 1) throw new UsageError('only one plugin can be removed at a time');
    const name = names[0]!;
    const plugins = manager(context, flags);
    let exists: boolean;
    try {
      exists = await plugins.exists(name);
    } catch (error) {
      throw failure(`failed to check plugin existence: ${(error as Error).message}`, error);
    }
    if (!exists) throw new Error(`unable to find plugin ${name}.\nTo view a list of installed plugins, use \`notation plugin list\``);
    if (!(await askForConfirmation(context, `Are you sure you want to uninstall plugin ${goQuote(name)}?`, Boolean(flags.yes)))) return;
    try {
      await plugins.uninstall(name);
    } catch (error) {
      throw failure(`failed to uninstall plugin ${name}: ${(error as Error).message}`, error);
    }
    context.stdout.write(`Successfully uninstalled plugin ${name}\n`);
  });
}
