/**
 * File helpers for the configuration directory: atomic writes with Notation's modes, bounded
 * reads, and Go-style error texts (`open /path: permission denied`) so messages match Notation's.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, rename, rm, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** Mode of files Notation writes in its config directory (config, keys, policies, certificates). */
export const FILE_MODE = 0o600;
/** Mode of directories Notation creates there. */
export const DIRECTORY_MODE = 0o700;

const GO_ERRNO_TEXT: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  EEXIST: 'file exists',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
  ELOOP: 'too many levels of symbolic links',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EBUSY: 'device or resource busy',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
};

/** The node error code (`ENOENT`, ...) of an error, if any. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

export function isNotFound(error: unknown): boolean {
  return errorCode(error) === 'ENOENT';
}

/** Go's `*fs.PathError` text: `op path: reason`. */
export function goPathError(op: string, target: string, error: unknown): string {
  const code = errorCode(error);
  const reason = (code !== undefined ? GO_ERRNO_TEXT[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
  return `${op} ${target}: ${reason}`;
}

/** An Error whose message is Go's path error text, keeping the node error as cause. */
export function pathError(op: string, target: string, error: unknown): Error {
  const wrapped = new Error(goPathError(op, target, error), { cause: error });
  const code = errorCode(error);
  if (code !== undefined) Object.assign(wrapped, { code });
  return wrapped;
}

/** Thrown when a file is larger than the cap for its kind. */
export class FileTooLargeError extends Error {
  constructor(target: string, limit: number) {
    super(`${target} is larger than the limit of ${limit} bytes`);
    this.name = 'FileTooLargeError';
  }
}

/** Reads a whole file (following symlinks, as `os.ReadFile`), refusing more than `maxBytes`. */
export async function readFileLimited(target: string, maxBytes: number, displayPath = target): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(target, 'r');
  } catch (error) {
    throw pathError('open', displayPath, error);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, null));
      } catch (error) {
        throw pathError('read', displayPath, error);
      }
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new FileTooLargeError(displayPath, maxBytes);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return new Uint8Array(Buffer.concat(chunks, total));
  } finally {
    await handle.close();
  }
}

/** lstat kind of a path, or `'missing'`. */
export async function lstatKind(target: string): Promise<'file' | 'directory' | 'symlink' | 'other' | 'missing'> {
  try {
    const stats = await lstat(target);
    if (stats.isSymbolicLink()) return 'symlink';
    if (stats.isDirectory()) return 'directory';
    if (stats.isFile()) return 'file';
    return 'other';
  } catch (error) {
    if (isNotFound(error)) return 'missing';
    throw pathError('lstat', target, error);
  }
}

/** `os.MkdirAll(dir, 0700)`. */
export async function ensureDirectory(directory: string): Promise<void> {
  try {
    await mkdir(directory, { recursive: true, mode: DIRECTORY_MODE });
  } catch (error) {
    throw pathError('mkdir', directory, error);
  }
}

/**
 * Writes `data` to `target` atomically: a temporary file in the same directory, written,
 * fsync'ed, then renamed over the target (and the directory fsync'ed, where the platform allows).
 * Readers see the old or the new content, never a mix; a crash leaves at most a stray temporary
 * file named `.<name>.tmp-<random>`, which is removed on any error we can observe.
 * The parent directory is created with mode 0700 if missing, the file gets `mode` (0600).
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string, mode = FILE_MODE): Promise<void> {
  const directory = path.dirname(target);
  await ensureDirectory(directory);
  const temporary = path.join(directory, `.${path.basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
  let handle: FileHandle | undefined;
  try {
    try {
      handle = await open(temporary, 'wx', mode);
    } catch (error) {
      throw pathError('open', temporary, error);
    }
    await handle.writeFile(data);
    await handle.chmod(mode); // the umask may have narrowed or (for 0644) widened nothing; be exact
    await handle.sync();
    await handle.close();
    handle = undefined;
    try {
      await rename(temporary, target);
    } catch (error) {
      throw pathError('rename', target, error);
    }
  } catch (error) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Best effort: some file systems refuse fsync on directories.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Go's `os.Remove`: a file, or an empty directory. Errors read `remove <path>: <reason>`. */
export async function removePath(target: string): Promise<void> {
  let unlinkError: unknown;
  try {
    await unlink(target);
    return;
  } catch (error) {
    unlinkError = error;
  }
  try {
    await rmdir(target);
  } catch (rmdirError) {
    throw pathError('remove', target, errorCode(rmdirError) !== 'ENOTDIR' ? rmdirError : unlinkError);
  }
}
