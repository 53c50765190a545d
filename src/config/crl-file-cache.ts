/**
 * The CRL file cache, on-disk compatible with notation-go's (verifier/crl/crl.go): one file per
 * CRL URL under `$NOTATION_CACHE/crl`, named by the lowercase hex SHA-256 of the URL, holding the
 * JSON `{"baseCRL":"<base64 DER>","deltaCRL":"<base64 DER>"}` (deltaCRL omitted when absent).
 * Writes are atomic (temp file in the same directory, fsync, rename). Entries past their
 * `nextUpdate` read as misses. Log lines are notation-go's, since the e2e cases look for them.
 *
 * Errors are thrown (the revocation core logs and ignores them, as Notation discards cache errors).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../layout/atomic.js';
import { goTimeString } from '../gocompat/index.js';
import { NOOP_LOGGER, parseCrl, type CrlBundleBytes, type CrlCache, type RevocationLogger } from '../pki/revocation/index.js';

/** Notation's subdirectory of the cache directory for CRLs (dir.PathCRLCache). */
export const CRL_CACHE_DIRECTORY = 'crl';

export interface CrlFileCacheOptions {
  readonly logger?: RevocationLogger;
  /** Clock for the expiry check; default the system clock. */
  readonly now?: () => Date;
  /**
   * Called once, on the first cache error, with Notation's warning ("CRL cache error discarded.
   * Enable debug log through '-d' for error details."); the error itself goes to debug.
   */
  readonly onFirstError?: (warning: string) => void;
}

const GO_ERRNO_TEXT: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'file exists',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
};

/** Renders a node fs error the way Go's *PathError prints: `open /path: permission denied`. */
export function goFsError(error: unknown, path?: string): string {
  const e = error as NodeJS.ErrnoException;
  const text = (e.code && GO_ERRNO_TEXT[e.code]) ?? e.message;
  const where = e.path ?? path;
  return e.syscall && where ? `${e.syscall} ${where}: ${text}` : text;
}

/** The cache file name of a CRL URL (lowercase hex SHA-256), as notation-go names it. */
export function crlCacheFileName(url: string): string {
  return createHash('sha256').update(url).digest('hex');
}

interface FileContent {
  readonly baseCRL: string;
  readonly deltaCRL?: string;
}

function decodeBase64(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new Error(`failed to decode file retrieved from file cache: illegal base64 data in field ${JSON.stringify(field)}`);
  }
  return new Uint8Array(Buffer.from(value, 'base64'));
}

/**
 * Creates (mkdir -p, mode 0700) and opens the CRL file cache at `root` (normally
 * `$NOTATION_CACHE/crl`). Rejects with `failed to create crl file cache: <reason>`, which Notation
 * prints as a warning before continuing without a cache.
 */
export async function createCrlFileCache(root: string, options: CrlFileCacheOptions = {}): Promise<CrlCache> {
  const logger = options.logger ?? NOOP_LOGGER;
  const now = options.now ?? (() => new Date());
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new Error(`failed to create crl file cache: ${goFsError(error)}`, { cause: error });
  }
  let warned = false;
  const report = (error: unknown): never => {
    if (!warned && options.onFirstError) {
      warned = true;
      options.onFirstError("CRL cache error discarded. Enable debug log through '-d' for error details.");
    }
    throw error;
  };

  return {
    async get(url: string): Promise<CrlBundleBytes | undefined> {
      logger.debug(`Retrieving crl bundle from file cache with key ${JSON.stringify(url)} ...`);
      const path = join(root, crlCacheFileName(url));
      let raw: string;
      try {
        raw = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          logger.debug(`CRL file cache miss. Key ${JSON.stringify(url)} does not exist`);
          return undefined;
        }
        return report(new Error(`failed to get crl bundle from file cache with key ${JSON.stringify(url)}: ${goFsError(error, path)}`, { cause: error }));
      }
      try {
        let content: FileContent;
        try {
          content = JSON.parse(raw) as FileContent;
          if (typeof content !== 'object' || content === null) throw new Error('not an object');
        } catch (error) {
          throw new Error(`failed to decode file retrieved from file cache: ${(error as Error).message}`);
        }
        const baseCrl = decodeBase64(content.baseCRL, 'baseCRL');
        const deltaCrl = content.deltaCRL === undefined || content.deltaCRL === null ? undefined : decodeBase64(content.deltaCRL, 'deltaCRL');
        const crls: [string, Uint8Array][] = deltaCrl ? [['BaseCRL', baseCrl], ['DeltaCRL', deltaCrl]] : [['BaseCRL', baseCrl]];
        for (const [name, der] of crls) {
          let nextUpdate: Date | undefined;
          try {
            nextUpdate = parseCrl(der).nextUpdate;
          } catch (error) {
            throw new Error(`failed to parse ${name === 'BaseCRL' ? 'base' : 'delta'} CRL of file retrieved from file cache: ${(error as Error).message}`);
          }
          if (!nextUpdate) throw new Error(`check ${name} expiry failed: crl bundle retrieved from file cache does not contain valid NextUpdate`);
          if (now().getTime() > nextUpdate.getTime()) {
            logger.debug(`CRL bundle retrieved from file cache has expired at ${goTimeString(nextUpdate)}`);
            return undefined;
          }
        }
        return deltaCrl ? { baseCrl, deltaCrl } : { baseCrl };
      } catch (error) {
        return report(error);
      }
    },

    async set(url: string, bundle: CrlBundleBytes): Promise<void> {
      logger.debug(`Storing crl bundle to file cache with key ${JSON.stringify(url)} ...`);
      const content: FileContent = {
        baseCRL: Buffer.from(bundle.baseCrl).toString('base64'),
        ...(bundle.deltaCrl ? { deltaCRL: Buffer.from(bundle.deltaCrl).toString('base64') } : {}),
      };
      try {
        await writeFileAtomic(join(root, crlCacheFileName(url)), Buffer.from(JSON.stringify(content)), root);
      } catch (error) {
        report(new Error(`failed to store crl bundle in file cache: ${goFsError(error)}`, { cause: error }));
      }
    },
  };
}
