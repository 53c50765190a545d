/**
 * Watching mounted files for changes. Kubernetes updates a ConfigMap or Secret volume by writing a
 * new timestamped directory and swapping the `..data` symlink, so watching the file itself misses
 * the change: the directory is watched instead, events are debounced, and a slow poll of a
 * fingerprint (paths, sizes, mtimes) catches what inotify does not report (nested directories,
 * network file systems, an editor's rename dance).
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface WatchOptions {
  readonly debounceMs?: number;
  readonly pollMs?: number;
}

export interface Watching {
  close(): void;
}

/** Files and directories visited by {@link fingerprint}: a hostile tree cannot make the poll unbounded. */
const MAX_FINGERPRINT_ENTRIES = 20_000;

/**
 * A cheap identity of a file or directory tree: the resolved path of each entry (so a `..data`
 * swap changes it), its size and mtime. Symlinks are followed, as readers of the tree follow them.
 */
export async function fingerprint(path: string): Promise<string> {
  const parts: string[] = [];
  const visit = async (current: string, depth: number): Promise<void> => {
    if (parts.length > MAX_FINGERPRINT_ENTRIES || depth > 12) return;
    let info;
    try {
      info = await stat(current);
    } catch {
      parts.push(`${current}:missing`);
      return;
    }
    const real = await realpath(current).catch(() => current);
    parts.push(`${current}>${real}:${info.size}:${info.mtimeMs}`);
    if (!info.isDirectory()) return;
    const entries = await readdir(current).catch(() => [] as string[]);
    for (const name of entries.sort()) await visit(join(current, name), depth + 1);
  };
  await visit(path, 0);
  return parts.join('\n');
}

/**
 * Calls `onChange` (debounced) when anything under `paths` may have changed. Each path may be a
 * file or a directory; for a file, its directory is watched.
 */
export function watchPaths(paths: readonly string[], onChange: () => void, options: WatchOptions = {}): Watching {
  const debounceMs = options.debounceMs ?? 300;
  const pollMs = options.pollMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const trigger = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) onChange();
    }, debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  const watchOne = async (path: string): Promise<void> => {
    let directory = path;
    try {
      if (!(await lstat(path)).isDirectory()) directory = join(path, '..');
    } catch {
      directory = join(path, '..');
    }
    try {
      const watcher = watch(directory, { persistent: false }, trigger);
      watcher.on('error', () => undefined);
      if (closed) watcher.close();
      else watchers.push(watcher);
    } catch {
      // Not watchable (missing directory): the poll still sees it appear.
    }
  };
  for (const path of paths) void watchOne(path);

  let last: Promise<string> | undefined = Promise.all(paths.map(fingerprint)).then((all) => all.join('\n--\n'));
  const poll = setInterval(() => {
    const previous = last;
    const next = Promise.all(paths.map(fingerprint)).then((all) => all.join('\n--\n'));
    last = next;
    void Promise.all([previous, next]).then(([before, after]) => {
      if (before !== after) trigger();
    });
  }, pollMs);
  poll.unref();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      clearInterval(poll);
      for (const watcher of watchers) watcher.close();
    },
  };
}
