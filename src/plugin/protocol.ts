/**
 * The Notary Project plugin contract, caller side: run `notation-<name> <command>` with the JSON
 * request on stdin, read the JSON response on stdout (exit 0) or an error response on stderr
 * (non-zero exit), as notation-go plugin/plugin.go `run` does, with the same error classes:
 *
 * | Go (notation-go)            | here                                   | when |
 * |-----------------------------|----------------------------------------|------|
 * | PluginExecutableFileError   | `ERR_PLUGIN_EXECUTION_FAILED`          | cannot start, killed, non-zero exit with empty stderr |
 * | PluginMalformedError        | `ERR_PLUGIN_MALFORMED`                 | stdout/stderr not the JSON expected, metadata invalid |
 * | proto.RequestError          | `ERR_PLUGIN_ERROR_RESPONSE`            | a well-formed error response on stderr |
 *
 * Beyond Go: a deadline per command (Go waits forever), both output streams capped at 64 MiB
 * (Go truncates silently), registry credentials never passed on, and a file that is neither an
 * ELF/Mach-O binary nor a `#!` script is refused as `exec format error` before spawning. The
 * last matters because libuv, unlike Go, uses execvp(3), which hands a file the kernel refuses
 * (ENOEXEC) to /bin/sh: any text file would run as a shell script.
 *
 * @see https://github.com/notaryproject/specifications/blob/main/specs/plugin-extensibility.md#plugin-contract
 */
import { spawn } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { PluginError } from '../errors.js';
import {
  GO_STRING,
  GO_STRING_MAP,
  GO_STRING_SLICE,
  asGoString,
  asGoStringMap,
  asGoStrings,
  decodeGoValue,
  goQuote,
  isGoJsonError,
  parseGoJson,
  unmarshalGoJson,
  type GoStruct,
  type GoType,
} from '../gocompat/index.js';
import { MAX_PLUGIN_OUTPUT_BYTES } from '../limits.js';

/** `notation-` (notation-plugin-framework-go `BinaryPrefix`). */
export const PLUGIN_BINARY_PREFIX = 'notation-';
/** The contract version this caller speaks. */
export const PLUGIN_CONTRACT_VERSION = '1.0';
/**
 * Deadline for one plugin command. Notation has none; `get-plugin-metadata` is meant to be static
 * and offline (the spec), so 30 s only trips on a hung or hostile plugin, yet leaves room for a
 * slow interpreter start.
 */
export const PLUGIN_COMMAND_TIMEOUT_MS = 30_000;

export type PluginCommand = 'get-plugin-metadata' | 'describe-key' | 'generate-signature' | 'generate-envelope' | 'verify-signature';

/** Debug, warning and error lines, as Notation logs them with `-d`/`-v`. */
export interface PluginLogger {
  debug?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

export interface PluginRunOptions {
  /** The plugin's environment; defaults to `process.env`. NOTATION_USERNAME/NOTATION_PASSWORD are always removed. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Default {@link PLUGIN_COMMAND_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Cap on each of stdout and stderr; default {@link MAX_PLUGIN_OUTPUT_BYTES}. */
  readonly maxOutputBytes?: number;
  readonly logger?: PluginLogger;
  /** Defaults to `process.platform`. */
  readonly platform?: NodeJS.Platform;
}

/** `get-plugin-metadata` response (notation-plugin-framework-go `GetMetadataResponse`). */
export interface PluginMetadata {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly url: string;
  /** `null` when absent (Go's nil slice). */
  readonly supportedContractVersions: readonly string[] | null;
  readonly capabilities: readonly string[] | null;
}

/** A plugin error response (notation-go `proto.RequestError`). */
export interface PluginErrorResponse {
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly errorMetadata: ReadonlyMap<string, string> | null;
}

/** `PluginError` for an error response, carrying the response. */
export class PluginErrorResponseError extends PluginError {
  readonly response: PluginErrorResponse;
  constructor(response: PluginErrorResponse) {
    // RequestError.Error() is fmt.Sprintf("%v", e.Err): "<nil>" when the message is empty.
    super('ERR_PLUGIN_ERROR_RESPONSE', response.errorMessage === '' ? '<nil>' : response.errorMessage);
    this.response = response;
  }
}

/** `notation-<name>` (`.exe` on Windows). */
export function pluginExecutableName(name: string, platform: NodeJS.Platform = process.platform): string {
  return `${PLUGIN_BINARY_PREFIX}${name}${platform === 'win32' ? '.exe' : ''}`;
}

const GO_ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOEXEC: 'exec format error',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ETXTBSY: 'text file busy',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  E2BIG: 'argument list too long',
  ENOMEM: 'cannot allocate memory',
  EAGAIN: 'resource temporarily unavailable',
};

/** Go's `syscall.Signal.String()` for the signals a plugin is likely to die of. */
const GO_SIGNAL_TEXT: Readonly<Record<string, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGQUIT: 'quit',
  SIGABRT: 'aborted',
  SIGSEGV: 'segmentation fault',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'floating point exception',
  SIGPIPE: 'broken pipe',
  SIGTRAP: 'trace/breakpoint trap',
  SIGUSR1: 'user defined signal 1',
  SIGUSR2: 'user defined signal 2',
};

/** Go's `*fs.PathError` text for a system error on `target`. */
export function goPathErrorText(op: string, target: string, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const reason = (typeof code === 'string' ? GO_ERRNO_TEXT[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
  return `${op} ${target}: ${reason}`;
}

function systemCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** ELF, Mach-O (thin and fat, both byte orders) and `#!`: what execve(2) runs on Linux and macOS. */
function isExecutableFormat(head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) return true; // #!
  if (head.length < 4) return false;
  const magic = head.readUInt32BE(0);
  return [0x7f454c46, 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe, 0xbebafeca].includes(magic);
}

/** Refuses, as the kernel would, a file that is not a binary or script (see the module comment). */
async function checkExecutableFormat(executable: string): Promise<void> {
  let head: Buffer;
  try {
    const handle = await open(executable, 'r');
    try {
      const buffer = Buffer.alloc(4);
      const { bytesRead } = await handle.read(buffer, 0, 4, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return; // unreadable (e.g. mode 0111): let execve decide
  }
  if (!isExecutableFormat(head)) {
    throw new PluginError('ERR_PLUGIN_EXECUTION_FAILED', `fork/exec ${executable}: exec format error`, { systemCode: 'ENOEXEC' });
  }
}

interface Exchange {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** Go's `exec` error text when the command did not succeed. */
  readonly failure?: string;
  readonly systemCode?: string;
}

async function exchange(executable: string, command: PluginCommand, request: string, options: PluginRunOptions): Promise<Exchange> {
  const platform = options.platform ?? process.platform;
  if (platform !== 'win32') await checkExecutableFormat(executable);
  const timeoutMs = options.timeoutMs ?? PLUGIN_COMMAND_TIMEOUT_MS;
  const maxOutput = options.maxOutputBytes ?? MAX_PLUGIN_OUTPUT_BYTES;
  // The Notation CLI unsets the credential variables before anything runs, so plugins never see them.
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env ?? process.env)) {
    if (value !== undefined && key !== 'NOTATION_USERNAME' && key !== 'NOTATION_PASSWORD') env[key] = value;
  }

  return new Promise<Exchange>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const sizes = { stdout: 0, stderr: 0 };
    let settled = false;
    let timedOut = false;
    let overflow: 'stdout' | 'stderr' | undefined;
    const child = spawn(executable, [command], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      windowsHide: true,
    });
    const settle = (result: Exchange | PluginError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.stdin?.destroy();
      if (result instanceof PluginError) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const collect = (stream: 'stdout' | 'stderr', into: Buffer[]) => (chunk: Buffer) => {
      if (overflow !== undefined) return;
      sizes[stream] += chunk.length;
      if (sizes[stream] > maxOutput) {
        overflow = stream;
        child.kill('SIGKILL');
        return;
      }
      into.push(chunk);
    };
    child.stdout?.on('data', collect('stdout', stdout));
    child.stderr?.on('data', collect('stderr', stderr));
    // A plugin that exits without reading its request closes the pipe: not our failure.
    child.stdin?.on('error', () => undefined);
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (typeof error.syscall === 'string' && error.syscall.startsWith('spawn')) {
        const systemCode = systemCodeOf(error);
        settle({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), failure: goPathErrorText('fork/exec', executable, error), ...(systemCode && { systemCode }) });
      }
    });
    const done = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (overflow !== undefined) {
        settle(
          new PluginError(
            'ERR_PLUGIN_SIZE_EXCEEDED',
            `write limit exceeded: the ${overflow} of plugin command ${command} reached the ${Math.floor(maxOutput / (1024 * 1024))} MiB limit`,
          ),
        );
        return;
      }
      const status = signal !== null ? `signal: ${GO_SIGNAL_TEXT[signal] ?? signal}` : code !== 0 ? `exit status ${code}` : undefined;
      const failure = timedOut ? `'${executable} ${command}' command execution timeout: ${status ?? 'signal: killed'}` : status;
      settle({ stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), ...(failure !== undefined && { failure }) });
    };
    // After a kill, do not wait for grandchildren that may still hold the pipes open.
    child.on('exit', (code, signal) => {
      if (timedOut || overflow !== undefined) done(code, signal);
    });
    child.on('close', done);
    child.stdin?.end(request);
  });
}

const ERROR_RESPONSE_TYPE: GoType = {
  kind: 'struct',
  name: 'plugin.Error',
  fields: [
    { json: 'errorCode', type: { kind: 'string', name: 'plugin.ErrorCode' } },
    { json: 'errorMessage', type: GO_STRING },
    { json: 'errorMetadata', type: GO_STRING_MAP },
  ],
};

/**
 * Runs one plugin command and returns its stdout (the response bytes).
 * @throws PluginError `ERR_PLUGIN_EXECUTION_FAILED` | `ERR_PLUGIN_MALFORMED` | `ERR_PLUGIN_SIZE_EXCEEDED`,
 *   or {@link PluginErrorResponseError} (`ERR_PLUGIN_ERROR_RESPONSE`)
 */
export async function runPluginCommand(
  pluginName: string,
  executable: string,
  command: PluginCommand,
  request: string,
  options: PluginRunOptions = {},
): Promise<Buffer> {
  const logger = options.logger ?? {};
  logger.debug?.(`Plugin ${command} request: ${request}`);
  let result: Exchange;
  try {
    result = await exchange(executable, command, request, options);
  } catch (error) {
    if (error instanceof PluginError && error.code === 'ERR_PLUGIN_EXECUTION_FAILED') {
      logger.error?.(`plugin ${command} execution status: ${error.message}`);
      logger.error?.(`failed to execute the ${command} command for plugin ${pluginName}: ${error.message}`);
    }
    throw error;
  }
  if (result.failure !== undefined) {
    logger.error?.(`plugin ${command} execution status: ${result.failure}`);
    if (result.stderr.length === 0) {
      // Without an error response the plugin most likely did not run properly.
      logger.error?.(`failed to execute the ${command} command for plugin ${pluginName}: ${result.failure}`);
      throw new PluginError('ERR_PLUGIN_EXECUTION_FAILED', result.failure, result.systemCode !== undefined ? { systemCode: result.systemCode } : undefined);
    }
    let response: PluginErrorResponse;
    try {
      const decoded = decodeGoValue(parseGoJson(result.stderr), ERROR_RESPONSE_TYPE) as GoStruct;
      response = {
        errorCode: asGoString(decoded['errorCode']),
        errorMessage: asGoString(decoded['errorMessage']),
        errorMetadata: asGoStringMap(decoded['errorMetadata']),
      };
      if (response.errorCode === '' && response.errorMessage === '' && response.errorMetadata === null) throw new Error('incomplete json');
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      logger.error?.(`failed to execute the ${command} command for plugin ${pluginName}: ${result.stderr.toString('utf8').replace(/\n$/, '')}`);
      throw new PluginError('ERR_PLUGIN_MALFORMED', text, { cause: error });
    }
    const error = new PluginErrorResponseError(response);
    logger.error?.(`failed to execute the ${command} command for plugin ${pluginName}: ${response.errorCode}: ${error.message}`);
    throw error;
  }
  logger.debug?.(`Plugin ${command} response: ${result.stdout.toString('utf8')}`);
  return result.stdout;
}

const METADATA_TYPE: GoType = {
  kind: 'struct',
  name: 'plugin.GetMetadataResponse',
  fields: [
    { json: 'name', type: GO_STRING },
    { json: 'description', type: GO_STRING },
    { json: 'version', type: GO_STRING },
    { json: 'url', type: GO_STRING },
    { json: 'supportedContractVersions', type: GO_STRING_SLICE },
    { json: 'capabilities', type: { kind: 'slice', name: '[]plugin.Capability', elem: { kind: 'string', name: 'plugin.Capability' } } },
  ],
};

/** notation-go `validate(metadata)`: every field set and contract version 1.0 supported. */
function metadataProblem(metadata: PluginMetadata): string | undefined {
  if (metadata.name === '') return 'empty name';
  if (metadata.description === '') return 'empty description';
  if (metadata.version === '') return 'empty version';
  if (metadata.url === '') return 'empty url';
  if (metadata.capabilities === null || metadata.capabilities.length === 0) return 'empty capabilities';
  const versions = metadata.supportedContractVersions;
  if (versions === null || versions.length === 0) return 'supported contract versions not specified';
  if (!versions.includes(PLUGIN_CONTRACT_VERSION)) {
    return `contract version "${PLUGIN_CONTRACT_VERSION}" is not in the list of the plugin supported versions [${versions.join(' ')}]`;
  }
  return undefined;
}

/**
 * notation-go `NewCLIPlugin`: the executable must exist (following symlinks, as Go's os.Stat)
 * and be a regular file.
 * @throws PluginError `ERR_PLUGIN_NOT_FOUND` | `ERR_PLUGIN_INVALID`
 */
export async function checkPluginExecutable(executable: string): Promise<void> {
  let info;
  try {
    info = await stat(executable);
  } catch (error) {
    const systemCode = systemCodeOf(error);
    throw new PluginError(
      systemCode === 'ENOENT' || systemCode === 'ENOTDIR' ? 'ERR_PLUGIN_NOT_FOUND' : 'ERR_PLUGIN_INVALID',
      `plugin executable file is either not found or inaccessible: ${goPathErrorText('stat', executable, error)}`,
      { cause: error, ...(systemCode !== undefined && { systemCode }) },
    );
  }
  if (!info.isFile()) throw new PluginError('ERR_PLUGIN_INVALID', 'plugin executable file is not a regular file');
}

/**
 * Runs `get-plugin-metadata` and validates the answer as notation-go `CLIPlugin.GetMetadata`:
 * all fields present, contract 1.0 supported, and `name` matching the executable's name.
 * @throws PluginError (see {@link runPluginCommand}); `ERR_PLUGIN_MALFORMED` for invalid metadata,
 *   `ERR_PLUGIN_INVALID` when the name does not match
 */
export async function getPluginMetadata(pluginName: string, executable: string, options: PluginRunOptions = {}): Promise<PluginMetadata> {
  const stdout = await runPluginCommand(pluginName, executable, 'get-plugin-metadata', '{}', options);
  let metadata: PluginMetadata;
  try {
    const decoded = unmarshalGoJson(stdout, METADATA_TYPE) as GoStruct;
    metadata = Object.freeze({
      name: asGoString(decoded['name']),
      description: asGoString(decoded['description']),
      version: asGoString(decoded['version']),
      url: asGoString(decoded['url']),
      supportedContractVersions: asGoStrings(decoded['supportedContractVersions']),
      capabilities: asGoStrings(decoded['capabilities']),
    });
  } catch (error) {
    if (!isGoJsonError(error)) throw error;
    options.logger?.error?.(`failed to unmarshal plugin get-plugin-metadata response: ${error.message}`);
    throw new PluginError('ERR_PLUGIN_MALFORMED', `failed to unmarshal the response of get-plugin-metadata command for plugin ${pluginName}`, {
      cause: error,
    });
  }
  const problem = metadataProblem(metadata);
  if (problem !== undefined) {
    throw new PluginError('ERR_PLUGIN_MALFORMED', `metadata validation failed for plugin ${pluginName}: ${problem}`);
  }
  if (metadata.name !== pluginName) {
    throw new PluginError(
      'ERR_PLUGIN_INVALID',
      `plugin executable file name must be ${goQuote(pluginExecutableName(metadata.name, options.platform))} instead of ${goQuote(path.basename(executable))}`,
    );
  }
  return metadata;
}
