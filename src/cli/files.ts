import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../errors.js';
import {
  ANNOTATION_TITLE,
  MEDIA_TYPE_IMAGE_LAYER,
  isValidMediaType,
  type Descriptor,
  type Digest,
} from '../oci/index.js';
import { verifyStream, type ContentStream } from '../content/index.js';

/** A file named on the command line as `path[:mediaType]`. */
export interface FileArgument {
  readonly path: string;
  readonly mediaType: string;
}

export function parseFileArgument(text: string, defaultMediaType = MEDIA_TYPE_IMAGE_LAYER): FileArgument {
  const colon = text.lastIndexOf(':');
  if (colon > 0 && isValidMediaType(text.slice(colon + 1))) {
    return { path: text.slice(0, colon), mediaType: text.slice(colon + 1) };
  }
  return { path: text, mediaType: defaultMediaType };
}

/** Hashes a file without holding it in memory and returns its descriptor, titled with its base name. */
export async function describeFile(file: FileArgument, cwd: string): Promise<Descriptor> {
  const path = resolve(cwd, file.path);
  const info = await stat(path).catch(() => {
    throw new UsageError(`file "${file.path}" does not exist`);
  });
  if (!info.isFile()) throw new UsageError(`"${file.path}" is not a regular file (directories are not supported yet)`);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return {
    mediaType: file.mediaType,
    digest: `sha256:${hash.digest('hex')}` as Digest,
    size: info.size,
    annotations: { [ANNOTATION_TITLE]: basename(file.path) },
  };
}

export function readFileStream(file: FileArgument, cwd: string): ContentStream {
  return createReadStream(resolve(cwd, file.path));
}

/**
 * Where a pulled layer lands: its title under the output directory. Titles come from the
 * (untrusted) manifest, so absolute paths and `..` escapes are refused.
 */
export function safeOutputPath(outputDirectory: string, title: string): string {
  if (title.length === 0 || title.includes('\0')) throw new UsageError(`layer title ${JSON.stringify(title)} is not a file name`);
  if (isAbsolute(title)) throw new UsageError(`layer title "${title}" is an absolute path; refusing to write outside the output directory`);
  const target = resolve(outputDirectory, title);
  const fromRoot = relative(resolve(outputDirectory), target);
  if (fromRoot.startsWith('..') || isAbsolute(fromRoot) || fromRoot === '') {
    throw new UsageError(`layer title "${title}" escapes the output directory`);
  }
  return target;
}

/** Writes a verified stream to `path` atomically: temp file, fsync, rename. */
export async function writeFileAtomic(path: string, stream: ContentStream, descriptor: Descriptor): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await pipeline(verifyStream(stream, descriptor), createWriteStream(temporary, { mode: 0o644 }));
    const handle = await open(temporary, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

