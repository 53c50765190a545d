import { createReadStream, type ReadStream } from 'node:fs';
import { link, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import { toStream, notFound } from '../content/index.js';
import type { ContentSource } from '../content/index.js';
import {
  DigestVerifier,
  digestAlgorithm,
  digestEncoded,
  isDigest,
  isDigestAlgorithm,
  parseDigest,
  type Descriptor,
  type Digest,
} from '../oci/index.js';
import { ensureDirectory, fsyncDirectory, isErrorCode, publishFile, tempPath, writeFully } from './atomic.js';

/** An inclusive byte range, as HTTP `Range` and `Content-Range` count. */
const READ_CHUNK_BYTES = 1024 * 1024;

export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * A content-addressed directory `<root>/<alg>/<hex>`: the `blobs/` of an OCI image layout, or the
 * registry's global blob store. A blob appears under its digest only complete and verified;
 * temporary files live in `ingestDirectory`, which must be on the same file system.
 */
export class BlobDirectory {
  constructor(
    readonly root: string,
    readonly ingestDirectory: string,
  ) {}

  /** Where a digest's content lives. Re-validates the digest: this string becomes a file path. */
  pathOf(digest: Digest): string {
    const valid = parseDigest(digest);
    return join(this.root, digestAlgorithm(valid), digestEncoded(valid));
  }

  async stat(digest: Digest): Promise<Stats | undefined> {
    try {
      const info = await stat(this.pathOf(digest));
      return info.isFile() ? info : undefined;
    } catch (error) {
      if (isErrorCode(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  async has(digest: Digest): Promise<boolean> {
    return (await this.stat(digest)) !== undefined;
  }

  /** Streams a blob, or the inclusive `range` of it. Throws ERR_CONTENT_NOT_FOUND. */
  async openRead(digest: Digest, range?: ByteRange): Promise<ReadStream> {
    // Open first so a missing blob fails here, not later as a stream error.
    let handle;
    try {
      handle = await open(this.pathOf(digest), 'r');
    } catch (error) {
      if (isErrorCode(error, 'ENOENT')) throw notFound(digest);
      throw error;
    }
    // 1 MiB reads: the 64 KiB default costs a syscall and an event-loop turn per 64 KiB of a layer.
    return createReadStream('', { fd: handle, autoClose: true, highWaterMark: READ_CHUNK_BYTES, ...(range && { start: range.start, end: range.end }) });
  }

  /**
   * Stores content under its descriptor: streams into a temp file while hashing, and publishes it
   * only when digest and size match, after fsync. Concurrent writers of one digest are safe: the
   * first to publish wins, the others drop their identical copy. Returns whether it was new.
   */
  async write(descriptor: Descriptor, content: ContentSource): Promise<boolean> {
    if (await this.has(descriptor.digest)) return false;
    await ensureDirectory(this.ingestDirectory);
    const temp = tempPath(this.ingestDirectory);
    try {
      await writeVerified(temp, descriptor, content);
      return await this.adopt(descriptor.digest, temp);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Publishes a file whose content the caller has verified and fsynced (a finished upload) under
   * `digest`. The source name is consumed. Returns whether the blob was new.
   */
  async adopt(digest: Digest, verifiedFile: string): Promise<boolean> {
    const target = this.pathOf(digest);
    await ensureDirectory(join(this.root, digestAlgorithm(digest)));
    return publishFile(verifiedFile, target);
  }

  /**
   * Hard-links an existing verified blob file (for example from the registry's global store) into
   * this directory: no copy, and membership is just the link. Existing entries are kept.
   */
  async linkFrom(digest: Digest, sourceFile: string): Promise<boolean> {
    const target = this.pathOf(digest);
    await ensureDirectory(join(this.root, digestAlgorithm(digest)));
    try {
      await link(sourceFile, target);
    } catch (error) {
      if (isErrorCode(error, 'EEXIST')) return false;
      if (isErrorCode(error, 'ENOENT')) throw notFound(digest);
      throw error;
    }
    await fsyncDirectory(join(this.root, digestAlgorithm(digest)));
    return true;
  }

  /** Removes a blob; returns false when it was not there. */
  async remove(digest: Digest): Promise<boolean> {
    try {
      await unlink(this.pathOf(digest));
    } catch (error) {
      if (isErrorCode(error, 'ENOENT')) return false;
      throw error;
    }
    await fsyncDirectory(join(this.root, digestAlgorithm(digest)));
    return true;
  }

  /** Every stored blob with a well-formed digest name; other files are reported as `strays`. */
  async list(): Promise<{ digests: Digest[]; strays: string[] }> {
    const digests: Digest[] = [];
    const strays: string[] = [];
    for (const algorithm of await readdirOrEmpty(this.root)) {
      const folder = join(this.root, algorithm);
      if (!isDigestAlgorithm(algorithm)) {
        strays.push(folder);
        continue;
      }
      for (const name of await readdirOrEmpty(folder)) {
        const digest = `${algorithm}:${name}`;
        if (isDigest(digest)) digests.push(digest);
        else strays.push(join(folder, name));
      }
    }
    return { digests, strays };
  }
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch (error) {
    if (isErrorCode(error, 'ENOENT') || isErrorCode(error, 'ENOTDIR')) return [];
    throw error;
  }
}

async function writeVerified(path: string, descriptor: Descriptor, content: ContentSource): Promise<void> {
  const verifier = new DigestVerifier(descriptor.digest, descriptor.size);
  const handle = await open(path, 'wx');
  try {
    for await (const chunk of toStream(content)) {
      verifier.update(chunk);
      await writeFully(handle, chunk);
    }
    verifier.verify();
    await handle.sync();
  } finally {
    await handle.close();
  }
}
