/**
 * The plugin directory `{NOTATION_LIBEXEC}/plugins/<name>/notation-<name>`: list, inspect,
 * install and uninstall, as notation-go plugin/manager.go (CLIManager) and the notation CLI's
 * `plugin install` (cmd/notation/plugin/install.go) do, with their validation order and messages.
 *
 * Installation is staged: the source is extracted (or copied) into a fresh directory beside
 * `plugins/`, the staged executable is validated by running `get-plugin-metadata`, and only then
 * is the staged directory renamed into place (an installed version is first renamed aside, then
 * deleted). A reader of `plugins/<name>` sees the old plugin or the new one, never a partial copy,
 * and a failed install leaves the installed plugin untouched. Notation instead deletes the old
 * directory and copies file by file. Uninstalling renames the directory aside before deleting it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PluginError, isPortcullisError } from '../errors.js';
import { compareGoStrings, goQuote } from '../gocompat/index.js';
import { MAX_PLUGIN_SOURCE_BYTES } from '../limits.js';
import { detectPluginSourceType, extractTarGzPlugin, extractZipPlugin } from './archive.js';
import {
  PLUGIN_BINARY_PREFIX,
  checkPluginExecutable,
  getPluginMetadata,
  goPathErrorText,
  pluginExecutableName,
  type PluginLogger,
  type PluginMetadata,
  type PluginRunOptions,
} from './protocol.js';
import { comparePluginVersions } from './semver.js';

export type PluginManagerOptions = PluginRunOptions;

/** Names of this manager's staging and set-aside directories (never plugins). */
const WORK_DIRECTORY = /^\.plugin-(staging|removed)-/;

/** Errors after which a directory beside `plugins/` cannot be used, but `plugins/` itself may be. */
function isPermissionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
}

/** One row of `plugin list`: the metadata, or why it could not be had. */
export interface PluginListEntry {
  readonly name: string;
  readonly metadata?: PluginMetadata;
  readonly error?: PluginError;
}

export interface InstallOptions {
  /** Skip the version check and replace a malfunctioning plugin (`--force`). */
  readonly overwrite?: boolean;
  /** Expected SHA-256 of the source, hex, compared case-insensitively (`--sha256sum`). */
  readonly sha256?: string;
  /** How messages name the source (the path as the user typed it); defaults to `source`. */
  readonly sourceDisplay?: string;
}

export interface InstallResult {
  readonly name: string;
  readonly installed: PluginMetadata;
  /** The metadata of the plugin replaced, when there was one that answered. */
  readonly previous?: PluginMetadata;
}

/**
 * A plugin name that can name a directory under `plugins/`: not empty, `.` or `..`, and without
 * path separators or NUL. Go joins the name into a path unchecked, so a plugin file named
 * `notation-..` would make Notation delete the directory above `plugins/`.
 */
export function isValidPluginName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** notation-go `parsePluginName`: the plugin name of an executable file name, or undefined. */
export function parsePluginName(fileName: string, platform: NodeJS.Platform = process.platform): string | undefined {
  if (!fileName.startsWith(PLUGIN_BINARY_PREFIX)) return undefined;
  let name = fileName.slice(PLUGIN_BINARY_PREFIX.length);
  if (platform === 'win32') {
    if (!name.toLowerCase().endsWith('.exe')) return undefined;
    name = name.slice(0, -4);
  }
  return isValidPluginName(name) ? name : undefined;
}

function invalidFileName(fileName: string): string {
  return `invalid plugin executable file name. Plugin file name requires format notation-{plugin-name}, but got ${fileName}`;
}

/** Re-wraps a PluginError with Go's `fmt.Errorf("...: %w")`, keeping its code and errno. */
function wrap(prefix: string, error: unknown): unknown {
  if (!(error instanceof PluginError)) return error;
  return new PluginError(error.code, `${prefix}: ${error.message}`, {
    cause: error,
    ...(error.systemCode !== undefined && { systemCode: error.systemCode }),
  });
}

function ioError(message: string, error: unknown): PluginError {
  const systemCode = (error as { code?: unknown }).code;
  return new PluginError('ERR_PLUGIN_IO', message, { cause: error, ...(typeof systemCode === 'string' && { systemCode }) });
}

/** notation-go `ValidateSHA256Sum`. */
async function checkSha256(file: string, expected: string): Promise<void> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  if (hash.digest('hex').toLowerCase() !== expected.toLowerCase()) {
    throw new PluginError('ERR_PLUGIN_CHECKSUM_MISMATCH', `plugin SHA-256 checksum does not match user input. Expecting ${expected}`);
  }
}

async function isOwnerExecutable(file: string, platform: NodeJS.Platform): Promise<boolean> {
  const info = await stat(file);
  if (!info.isFile()) throw new PluginError('ERR_PLUGIN_INVALID', 'plugin executable file is not a regular file');
  if (platform === 'win32') return path.extname(file).toLowerCase() === '.exe';
  return (info.mode & 0o100) !== 0;
}

export class PluginManager {
  /** `{NOTATION_LIBEXEC}/plugins`. */
  readonly directory: string;
  readonly #options: PluginManagerOptions;
  readonly #platform: NodeJS.Platform;

  constructor(pluginsDirectory: string, options: PluginManagerOptions = {}) {
    this.directory = pluginsDirectory;
    this.#options = options;
    this.#platform = options.platform ?? process.platform;
  }

  get #logger(): PluginLogger {
    return this.#options.logger ?? {};
  }

  /** `plugins/<name>/notation-<name>`. */
  executablePath(name: string): string {
    return path.join(this.directory, name, pluginExecutableName(name, this.#platform));
  }

  /**
   * Names of the plugin directories (symbolic links and files ignored), in Go's byte order.
   * A missing plugins directory means no plugins.
   * @throws PluginError `ERR_PLUGIN_IO` (`failed to list plugin: ...`)
   */
  async list(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.directory, { withFileTypes: true });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw ioError(`failed to list plugin: ${goPathErrorText('open', '.', error)}`, error);
    }
    return entries
      .filter((entry) => entry.isDirectory() && !WORK_DIRECTORY.test(entry.name))
      .map((entry) => entry.name)
      .sort(compareGoStrings);
  }

  /**
   * notation-go `CLIManager.Get` + `GetMetadata`: the plugin's validated metadata.
   * @throws PluginError `ERR_PLUGIN_NOT_FOUND` | `ERR_PLUGIN_INVALID` | `ERR_PLUGIN_EXECUTION_FAILED` | `ERR_PLUGIN_MALFORMED` | ...
   */
  async metadata(name: string): Promise<PluginMetadata> {
    const executable = await this.#checkInstalled(name);
    return getPluginMetadata(name, executable, this.#options);
  }

  async #checkInstalled(name: string): Promise<string> {
    if (!isValidPluginName(name)) {
      throw new PluginError('ERR_PLUGIN_NOT_FOUND', `plugin executable file is either not found or inaccessible: invalid plugin name ${goQuote(name)}`, {
        systemCode: 'ENOENT',
      });
    }
    const executable = this.executablePath(name);
    await checkPluginExecutable(executable);
    return executable;
  }

  /** Every plugin directory with its metadata or its error, for `plugin list`. */
  async describe(): Promise<PluginListEntry[]> {
    const rows: PluginListEntry[] = [];
    for (const name of await this.list()) {
      try {
        rows.push({ name, metadata: await this.metadata(name) });
      } catch (error) {
        if (!(error instanceof PluginError)) throw error;
        rows.push({ name, error });
      }
    }
    return rows;
  }

  /**
   * Whether `plugins/<name>/notation-<name>` exists (the notation CLI's `checkPluginExistence`).
   * @throws PluginError when it exists but cannot be checked (permissions, not a regular file)
   */
  async exists(name: string): Promise<boolean> {
    try {
      await this.#checkInstalled(name);
      return true;
    } catch (error) {
      if (error instanceof PluginError && error.code === 'ERR_PLUGIN_NOT_FOUND') return false;
      throw error;
    }
  }

  /**
   * Removes `plugins/<name>`: renamed aside first, so it disappears at once, then deleted.
   * @throws PluginError `ERR_PLUGIN_NOT_FOUND` | `ERR_PLUGIN_IO`
   */
  async uninstall(name: string): Promise<void> {
    if (!isValidPluginName(name)) throw new PluginError('ERR_PLUGIN_NOT_FOUND', `stat ${name}: invalid plugin name`, { systemCode: 'ENOENT' });
    const target = path.join(this.directory, name);
    try {
      await stat(target);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new PluginError(code === 'ENOENT' ? 'ERR_PLUGIN_NOT_FOUND' : 'ERR_PLUGIN_IO', goPathErrorText('stat', target, error), {
        cause: error,
        ...(typeof code === 'string' && { systemCode: code }),
      });
    }
    let trash = this.#asideName(path.dirname(this.directory));
    try {
      try {
        await rename(target, trash);
      } catch (error) {
        if (!isPermissionError(error)) throw error;
        trash = this.#asideName(this.directory);
        await rename(target, trash);
      }
    } catch (error) {
      throw ioError(goPathErrorText('rename', target, error), error);
    }
    await rm(trash, { recursive: true, force: true });
  }

  /** A fresh set-aside name in `work` (beside or inside `plugins/`: the same file system, so renames are atomic). */
  #asideName(work: string): string {
    return path.join(work, `.plugin-removed-${randomBytes(6).toString('hex')}`);
  }

  /**
   * A fresh staging directory beside `plugins/` (so a crash never leaves anything Notation would
   * list), or inside it when the parent is not writable; returns it and the directory it is in.
   */
  async #makeStaging(): Promise<{ staging: string; work: string }> {
    const parent = path.dirname(this.directory);
    try {
      await mkdir(parent, { recursive: true, mode: 0o755 });
      return { staging: await mkdtemp(path.join(parent, '.plugin-staging-')), work: parent };
    } catch (error) {
      if (!isPermissionError(error)) throw ioError(`failed to create temporary directory: ${goPathErrorText('mkdir', parent, error)}`, error);
    }
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o755 });
      return { staging: await mkdtemp(path.join(this.directory, '.plugin-staging-')), work: this.directory };
    } catch (error) {
      throw ioError(`failed to create temporary directory: ${goPathErrorText('mkdir', this.directory, error)}`, error);
    }
  }

  /**
   * `notation plugin install --file <source>`: a `.zip`, a `.tar.gz` or a single executable
   * named `notation-<name>`. Messages are notation's, without its "plugin installation failed: "
   * prefix (the CLI adds it).
   * @throws PluginError
   */
  async install(source: string, options: InstallOptions = {}): Promise<InstallResult> {
    const display = options.sourceDisplay ?? source;
    let info;
    try {
      info = await stat(source);
    } catch (error) {
      throw ioError(goPathErrorText('stat', display, error), error);
    }
    if (!info.isFile()) throw new PluginError('ERR_PLUGIN_INVALID', `${display} is not a valid file`);
    if (options.sha256 !== undefined && options.sha256 !== '') await checkSha256(source, options.sha256);
    const type = await detectPluginSourceType(source);
    if (type === 'executable' && info.size >= MAX_PLUGIN_SOURCE_BYTES) {
      throw new PluginError('ERR_PLUGIN_SIZE_EXCEEDED', `file size reached the ${MAX_PLUGIN_SOURCE_BYTES / 1024 / 1024} MiB size limit`);
    }

    const { staging, work } = await this.#makeStaging();
    try {
      let name: string;
      let executable: string;
      if (type === 'executable') {
        ({ name, executable } = await this.#stageExecutable(source, display, staging));
      } else {
        const extract = type === 'zip' ? extractZipPlugin : extractTarGzPlugin;
        await extract(source, staging, { logger: this.#logger });
        this.#logger.debug?.(`Installing plugin from path ${staging}`);
        ({ name, executable } = await this.#findExecutable(staging));
      }
      return await this.#installStaged(name, executable, staging, work, Boolean(options.overwrite));
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** notation-go `Install` for a single file: name from the file name, owner-executable, copied with `mode & 0755`. */
  async #stageExecutable(source: string, display: string, staging: string): Promise<{ name: string; executable: string }> {
    this.#logger.debug?.(`Installing plugin from path ${display}`);
    const fileName = path.basename(source);
    const name = parsePluginName(fileName, this.#platform);
    if (name === undefined) throw new PluginError('ERR_PLUGIN_INVALID', `failed to read plugin name from input file ${fileName}: ${invalidFileName(fileName)}`);
    let executableBit: boolean;
    try {
      executableBit = await isOwnerExecutable(source, this.#platform);
    } catch (error) {
      if (isPortcullisError(error)) throw wrap(`failed to check if input file ${fileName} is executable`, error);
      throw ioError(`failed to check if input file ${fileName} is executable: ${goPathErrorText('stat', source, error)}`, error);
    }
    if (!executableBit) throw new PluginError('ERR_PLUGIN_INVALID', `input file ${fileName} is not executable`);
    const executable = path.join(staging, fileName);
    try {
      await copyFile(source, executable);
      await chmod(executable, (await stat(source)).mode & 0o755);
    } catch (error) {
      throw ioError(`failed to copy plugin executable file from ${source} to ${staging}: ${(error as Error).message}`, error);
    }
    return { name, executable };
  }

  /** notation-go `parsePluginFromDir`: exactly one `notation-*` executable, or one candidate made executable. */
  async #findExecutable(staging: string): Promise<{ name: string; executable: string }> {
    const fail = (message: string): PluginError => new PluginError('ERR_PLUGIN_INVALID', `failed to read plugin from input directory: ${message}`);
    const files = (await readdir(staging, { withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort(compareGoStrings);
    const candidates: { file: string; name: string }[] = [];
    let found: { file: string; name: string } | undefined;
    for (const file of files) {
      const name = parsePluginName(file, this.#platform);
      if (name === undefined) continue;
      candidates.push({ file, name });
      if (!(await isOwnerExecutable(path.join(staging, file), this.#platform))) continue;
      if (found !== undefined) throw fail('found more than one plugin executable files');
      found = { file, name };
    }
    if (found === undefined) {
      if (candidates.length !== 1) throw fail('no plugin executable file was found');
      found = candidates[0]!;
      const candidate = path.join(staging, found.file);
      await chmod(candidate, (await stat(candidate)).mode | 0o100);
      this.#logger.warn?.(
        `Found candidate plugin executable file ${goQuote(found.file)} without executable permission. Setting user executable bit and trying to install.`,
      );
    }
    return { name: found.name, executable: path.join(staging, found.file) };
  }

  /** Validates the staged plugin, checks the installed one, and swaps the directories. */
  async #installStaged(name: string, executable: string, staging: string, work: string, overwrite: boolean): Promise<InstallResult> {
    // The staged file is what gets installed, so the file validated is the file installed. On
    // Windows `notation-x.EXE` is given the name the plugin will be looked up by.
    const staged = path.join(staging, pluginExecutableName(name, this.#platform));
    if (staged !== executable) await rename(executable, staged);
    executable = staged;
    await checkPluginExecutable(executable);
    let installed: PluginMetadata;
    try {
      installed = await getPluginMetadata(name, executable, this.#options);
    } catch (error) {
      throw wrap('failed to get metadata of new plugin', error);
    }

    let previous: PluginMetadata | undefined;
    let present = true;
    try {
      await this.#checkInstalled(name);
    } catch (error) {
      present = false;
      if (!(error instanceof PluginError && error.code === 'ERR_PLUGIN_NOT_FOUND') && !overwrite) {
        throw wrap('failed to check plugin existence', error);
      }
    }
    if (present) {
      try {
        previous = await getPluginMetadata(name, this.executablePath(name), this.#options);
      } catch (error) {
        if (!overwrite) throw wrap('failed to get metadata of existing plugin', error);
      }
      if (!overwrite && previous !== undefined) {
        let order: number;
        try {
          order = comparePluginVersions(installed.version, previous.version);
        } catch (error) {
          throw wrap('failed to compare plugin versions', error);
        }
        if (order < 0) {
          throw new PluginError(
            'ERR_PLUGIN_DOWNGRADE',
            `failed to install plugin ${name}. The installing plugin version ${installed.version} is lower than the existing plugin version ${previous.version}`,
          );
        }
        if (order === 0) throw new PluginError('ERR_PLUGIN_ALREADY_INSTALLED', `plugin ${name} with version ${previous.version} already exists`);
      }
    }

    await this.#swapIn(name, staging, work);
    return { name, installed, ...(previous !== undefined && { previous }) };
  }

  /** Renames `staging` to `plugins/<name>`, moving what was there aside and deleting it afterwards. */
  async #swapIn(name: string, staging: string, work: string): Promise<void> {
    const target = path.join(this.directory, name);
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o755 });
      await chmod(staging, 0o755);
    } catch (error) {
      throw ioError(`failed to create the plugin directory ${this.directory}: ${(error as Error).message}`, error);
    }
    let aside: string | undefined;
    try {
      await lstat(target);
      aside = this.#asideName(work);
    } catch {
      // nothing installed under that name
    }
    if (aside !== undefined) {
      try {
        await rename(target, aside);
      } catch (error) {
        throw ioError(`failed to clean up plugin ${name} before installation: ${goPathErrorText('rename', target, error)}`, error);
      }
    }
    try {
      await rename(staging, target);
    } catch (error) {
      if (aside !== undefined) await rename(aside, target).catch(() => undefined);
      throw ioError(`failed to install plugin ${name} into ${target}: ${goPathErrorText('rename', staging, error)}`, error);
    }
    if (aside !== undefined) await rm(aside, { recursive: true, force: true });
  }
}
