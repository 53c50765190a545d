import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDirectory, isErrorCode, Mutex, writeFileAtomic, writeFully } from '../../layout/index.js';
import { isDigest, isDigestAlgorithm, isValidRepositoryName, type Digest, type DigestAlgorithm } from '../../oci/index.js';
import { RegistryServerError } from './errors.js';
import { uploadRange } from './ranges.js';
import type { RootLayout } from './root-layout.js';
import { isUploadId } from './root-layout.js';

const DATA_FILE = 'data';
const STATE_FILE = 'state.json';

/** What `state.json` records: the bytes acknowledged so far. Data past `offset` was never acknowledged. */
interface UploadState {
  readonly repository: string;
  readonly offset: number;
  readonly algorithm: DigestAlgorithm;
  readonly startedAt: number;
  /** Set, once verified, just before the data is published: a restart finishes the commit. */
  readonly completing?: Digest;
}

export class UploadSession {
  readonly lock = new Mutex();
  /** Hash of bytes [0, offset) when the session lived in this process throughout; else rebuilt from disk. */
  hash: Hash | undefined;
  closed = false;
  lastActive = Date.now();
  /** The verified digest being published, when the commit has begun. */
  completing: Digest | undefined;

  constructor(
    readonly id: string,
    readonly directory: string,
    readonly repository: string,
    public offset: number,
    readonly algorithm: DigestAlgorithm,
    readonly startedAt: number,
  ) {}

  get dataPath(): string {
    return join(this.directory, DATA_FILE);
  }
}

export interface AppendOptions {
  /** Where the chunk claims to start (Content-Range); must equal the session's offset. */
  readonly start?: number;
  /** How many bytes the chunk claims to hold (Content-Length / Content-Range); checked after reading. */
  readonly length?: number;
  /** The most the whole upload may hold. */
  readonly maxBytes: number;
}

/**
 * Blob upload sessions on disk, resumable across restarts. Each chunk is written at the
 * acknowledged offset, fsynced, and only then is the new offset recorded (atomically) and a 202
 * sent: after a crash, a session holds exactly what was acknowledged (longer data is cut back).
 */
export class UploadSessions {
  private readonly sessions = new Map<string, Promise<UploadSession>>();

  constructor(
    private readonly layout: RootLayout,
    private readonly timeoutMs: number,
  ) {}

  async create(repository: string, algorithm: DigestAlgorithm): Promise<UploadSession> {
    const id = randomUUID();
    const session = new UploadSession(id, this.layout.upload(id), repository, 0, algorithm, Date.now());
    session.hash = createHash(algorithm);
    await ensureDirectory(session.directory);
    const handle = await open(session.dataPath, 'wx');
    await handle.sync();
    await handle.close();
    await this.saveState(session);
    this.sessions.set(id, Promise.resolve(session));
    return session;
  }

  /** The open session `id` of `repository`; a session belongs to the repository it was opened in. */
  async get(repository: string, id: string): Promise<UploadSession> {
    const unknown = (): RegistryServerError =>
      new RegistryServerError('BLOB_UPLOAD_UNKNOWN', `blob upload ${id.slice(0, 64)} unknown to ${repository}`);
    if (!isUploadId(id)) throw unknown();
    let pending = this.sessions.get(id);
    if (!pending) {
      pending = this.load(id);
      this.sessions.set(id, pending);
      pending.catch(() => this.sessions.delete(id));
    }
    const session = await pending.catch(() => undefined);
    if (!session || session.closed || session.completing !== undefined || session.repository !== repository) throw unknown();
    session.lastActive = Date.now();
    return session;
  }

  /** Runs `section` holding the session's lock, so chunks and the closing PUT never interleave. */
  async withSession<T>(repository: string, id: string, section: (session: UploadSession) => Promise<T>): Promise<T> {
    const session = await this.get(repository, id);
    return session.lock.runExclusive(async () => {
      // It may have been completed or cancelled while this request waited for the lock.
      if (session.closed) throw new RegistryServerError('BLOB_UPLOAD_UNKNOWN', `blob upload ${id} unknown to ${repository}`);
      return section(session);
    });
  }

  /** Appends a chunk at the session's offset; on any failure the session is cut back to where it was. */
  async append(session: UploadSession, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: AppendOptions): Promise<void> {
    if (options.start !== undefined && options.start !== session.offset) throw outOfOrder(session, options.start);
    const handle = await open(session.dataPath, 'r+');
    const before = session.hash?.copy();
    let written = 0;
    try {
      // A data file with a second link was already published as a blob: never write into it.
      if ((await handle.stat()).nlink > 1) throw new RegistryServerError('BLOB_UPLOAD_UNKNOWN', 'upload already completed');
      await handle.truncate(session.offset);
      for await (const chunk of body) {
        if (session.offset + written + chunk.byteLength > options.maxBytes) {
          throw new RegistryServerError('SIZE_INVALID', `blob exceeds the limit of ${options.maxBytes} bytes`, { status: 413 });
        }
        await writeFully(handle, chunk, session.offset + written);
        session.hash?.update(chunk);
        written += chunk.byteLength;
      }
      if (options.length !== undefined && written !== options.length) {
        throw new RegistryServerError('SIZE_INVALID', `chunk has ${written} bytes, its headers say ${options.length}`);
      }
      await handle.sync();
    } catch (error) {
      session.hash = before;
      await handle.truncate(session.offset).catch(() => undefined);
      throw error;
    } finally {
      await handle.close();
    }
    session.offset += written;
    await this.saveState(session);
  }

  /** Journals that the verified content is being published as `digest` (see RegistryStorage.recover). */
  async markCompleting(session: UploadSession, digest: Digest): Promise<void> {
    session.completing = digest;
    await this.saveState(session);
  }

  /** Sessions whose commit began before a crash: verified, to be published. */
  async completing(): Promise<UploadSession[]> {
    const found: UploadSession[] = [];
    for (const id of await readdir(this.layout.uploads).catch(() => [] as string[])) {
      if (!isUploadId(id)) continue;
      const session = await this.load(id).catch(() => undefined);
      if (session?.completing !== undefined) found.push(session);
    }
    return found;
  }

  /** The digest of everything uploaded, in `algorithm`. */
  async digest(session: UploadSession, algorithm: DigestAlgorithm): Promise<Digest> {
    if (session.hash && algorithm === session.algorithm) {
      return `${algorithm}:${session.hash.copy().digest('hex')}` as Digest;
    }
    const hash = createHash(algorithm);
    if (session.offset > 0) {
      for await (const chunk of createReadStream(session.dataPath, { start: 0, end: session.offset - 1 })) {
        hash.update(chunk as Buffer);
      }
    }
    return `${algorithm}:${hash.digest('hex')}` as Digest;
  }

  async remove(session: UploadSession): Promise<void> {
    session.closed = true;
    this.sessions.delete(session.id);
    await rm(session.directory, { recursive: true, force: true });
  }

  /**
   * Removes sessions idle for longer than the timeout, and folders that never became a session
   * (crash before state.json) or whose data was already published (crash after commit).
   */
  async expire(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const id of await readdir(this.layout.uploads).catch(() => [] as string[])) {
      const directory = this.layout.upload(id);
      if (isUploadId(id) && !(await this.isStale(id, directory, now))) continue;
      if (this.sessions.has(id)) {
        const session = await this.sessions.get(id)!.catch(() => undefined);
        if (session) session.closed = true;
        this.sessions.delete(id);
      }
      await rm(directory, { recursive: true, force: true });
      removed += 1;
    }
    return removed;
  }

  private async isStale(id: string, directory: string, now: number): Promise<boolean> {
    const loaded = this.sessions.get(id);
    if (loaded) {
      const session = await loaded.catch(() => undefined);
      return !session || now - session.lastActive > this.timeoutMs;
    }
    try {
      const [state, data] = await Promise.all([stat(join(directory, STATE_FILE)), stat(join(directory, DATA_FILE))]);
      return data.nlink > 1 || now - state.mtimeMs > this.timeoutMs;
    } catch (error) {
      if (isErrorCode(error, 'ENOENT')) return true;
      throw error;
    }
  }

  private async load(id: string): Promise<UploadSession> {
    const directory = this.layout.upload(id);
    const state = parseState(await readFile(join(directory, STATE_FILE), 'utf8'));
    const session = new UploadSession(id, directory, state.repository, state.offset, state.algorithm, state.startedAt);
    session.completing = state.completing;
    if (session.completing !== undefined) return session;
    const data = await stat(join(directory, DATA_FILE));
    if (data.nlink > 1 || data.size < state.offset) throw new Error(`upload ${id} is not resumable`);
    return session;
  }

  private async saveState(session: UploadSession): Promise<void> {
    const state: UploadState = {
      repository: session.repository,
      offset: session.offset,
      algorithm: session.algorithm,
      startedAt: session.startedAt,
      ...(session.completing !== undefined && { completing: session.completing }),
    };
    await ensureDirectory(this.layout.ingest);
    await writeFileAtomic(join(session.directory, STATE_FILE), Buffer.from(JSON.stringify(state)), this.layout.ingest);
  }
}

function parseState(text: string): UploadState {
  const value = JSON.parse(text) as Partial<UploadState>;
  if (
    typeof value.repository !== 'string' ||
    !isValidRepositoryName(value.repository) ||
    !Number.isSafeInteger(value.offset) ||
    (value.offset as number) < 0 ||
    typeof value.algorithm !== 'string' ||
    !isDigestAlgorithm(value.algorithm)
  ) {
    throw new Error('invalid upload state');
  }
  if (value.completing !== undefined && !isDigest(value.completing)) throw new Error('invalid upload state');
  return { ...value, startedAt: Number(value.startedAt) || 0 } as UploadState;
}

function outOfOrder(session: UploadSession, start: number): RegistryServerError {
  return new RegistryServerError('BLOB_UPLOAD_INVALID', `chunk starts at ${start}, the upload has ${session.offset} bytes`, {
    status: 416,
    headers: {
      Location: `/v2/${session.repository}/blobs/uploads/${session.id}`,
      Range: uploadRange(session.offset),
      'Docker-Upload-UUID': session.id,
    },
  });
}
