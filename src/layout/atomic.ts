import { randomUUID } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Crash-safe file primitives. A rename or link is durable only once the directory holding the new
 * entry is fsynced, and content only once the file itself is: every helper here does both, so a
 * SIGKILL or power cut leaves either the old state or the complete new one, never a torn file.
 */

/** Prefix of every temporary file, so cleanup can recognise (and only touch) our own leftovers. */
export const TEMP_PREFIX = '.tmp-';

export function isErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Flushes a directory's entries to disk. */
export async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `mkdir -p` that also makes every directory it creates durable in its parent. */
export async function ensureDirectory(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true });
  if (first === undefined) return;
  for (let created = path; ; created = dirname(created)) {
    await fsyncDirectory(dirname(created));
    if (created === first || dirname(created) === created) break;
  }
}

/** A fresh temporary file name inside `directory`. */
export function tempPath(directory: string, hint = ''): string {
  return join(directory, `${TEMP_PREFIX}${hint}${randomUUID()}`);
}

/**
 * Writes `data` to `target` atomically: temp file in `tempDirectory` (same file system), fsync,
 * rename over the target, fsync the target's directory.
 */
export async function writeFileAtomic(target: string, data: Uint8Array, tempDirectory: string): Promise<void> {
  const temp = tempPath(tempDirectory, basename(target));
  try {
    await writeAndSync(temp, data);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDirectory(dirname(target));
}

async function writeAndSync(path: string, data: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Publishes a complete, fsynced file under `target` by hard link, then drops the source name.
 * Unlike rename, a link never replaces an existing entry: when `target` exists (another writer of
 * the same content won the race) the existing file is kept. Returns whether this call created it.
 */
export async function publishFile(source: string, target: string): Promise<boolean> {
  let created = true;
  try {
    await link(source, target);
  } catch (error) {
    if (!isErrorCode(error, 'EEXIST')) throw error;
    created = false;
  }
  if (created) await fsyncDirectory(dirname(target));
  await unlink(source);
  return created;
}

/** Removes our temporary files in `directory` older than `maxAgeMs` (0: all of them). */
export async function removeStaleTemps(directory: string, maxAgeMs: number, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const path = join(directory, name);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || now - info.mtimeMs < maxAgeMs) continue;
    await rm(path, { force: true, recursive: true });
    removed += 1;
  }
  return removed;
}

/** Writes all of `chunk` at the handle's position (a short write is retried, not silently lost). */
export async function writeFully(handle: FileHandle, chunk: Uint8Array, position?: number): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const at = position === undefined ? null : position + offset;
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset, at);
    offset += bytesWritten;
  }
}
