/**
 * Extracting a plugin archive into a directory the caller owns, with Notation's selection rules
 * (notaryproject/notation cmd/notation/plugin/install.go) and its messages, made safe:
 *
 * - zip: every name is checked for `..` first (Notation's zip-slip check); only top-level regular
 *   files are extracted (Go walks the archive as an fs.FS and skips sub-directories).
 * - tar.gz: entries are taken in order; a name with `..` fails; every regular file is extracted
 *   under its base name (Go flattens with filepath.Base).
 * - both: the declared sizes of the files to extract must sum to less than 256 MiB (checked
 *   before a byte is inflated), and each file is then inflated up to its declared size only.
 *
 * Refused beyond Notation (which skips or flattens them): absolute names, symbolic and hard
 * links, device and FIFO entries, names that are not valid UTF-8 or contain NUL, two files with
 * the same name, overlapping zip entries (see zip.ts) and more than 1000 entries. Files are
 * created with O_EXCL in a directory only this process writes to, so nothing is written through
 * a link, and get mode `mode & 0755` as Notation's copy does.
 */
import { createReadStream } from 'node:fs';
import { chmod, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { PluginError } from '../errors.js';
import { compareGoStrings, goQuote } from '../gocompat/index.js';
import { MAX_PLUGIN_SOURCE_BYTES } from '../limits.js';
import { TarReader, type TarReaderOptions } from './tar.js';
import { ZipReader, type ZipReaderOptions } from './zip.js';

/** What a plugin source file is, by its first bytes (Go's http.DetectContentType, as Notation uses it). */
export type PluginSourceType = 'zip' | 'gzip' | 'executable';

export async function detectPluginSourceType(file: string): Promise<PluginSourceType> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead >= 4 && head.readUInt32BE(0) === 0x504b0304) return 'zip';
    if (bytesRead >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
    return 'executable';
  } finally {
    await handle.close();
  }
}

export interface ExtractOptions {
  /** Receives Notation's `Extracting file <name>...` debug lines. */
  readonly logger?: { debug?(message: string): void };
  /** Cap on the sum of extracted file sizes (exclusive); default {@link MAX_PLUGIN_SOURCE_BYTES}. */
  readonly maxTotalBytes?: number;
  readonly zip?: ZipReaderOptions;
  readonly tar?: TarReaderOptions;
}

const unsafe = (message: string): PluginError => new PluginError('ERR_PLUGIN_ARCHIVE_UNSAFE', message);

function totalExceeded(max: number): PluginError {
  return new PluginError('ERR_PLUGIN_SIZE_EXCEEDED', `total file size reached the ${Math.floor(max / (1024 * 1024))} MiB size limit`);
}

function isAbsoluteName(name: string): boolean {
  return name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name);
}

/** The checks both formats share, on the full entry name. */
function checkName(name: string, format: 'zip' | 'tar.gz'): void {
  // Notation's own zip-slip check and message, kept verbatim (any "..", even inside a name).
  if (name.includes('..')) throw unsafe(`file name in ${format} cannot contain '..', but found ${goQuote(name)}`);
  if (isAbsoluteName(name)) throw unsafe(`file name in ${format} cannot be an absolute path, but found ${goQuote(name)}`);
  if (name.includes('\0')) throw unsafe(`file name in ${format} cannot contain NUL, but found ${goQuote(name)}`);
}

/** A base name we are willing to create in the extraction directory. */
function checkFileName(fileName: string, fullName: string, validUtf8: boolean, format: 'zip' | 'tar.gz'): void {
  if (!validUtf8) throw unsafe(`file name in ${format} is not valid UTF-8: ${goQuote(fullName)}`);
  if (fileName === '' || fileName === '.' || fileName === '..' || /[/\\]/.test(fileName)) {
    throw unsafe(`file name in ${format} is not a usable file name: ${goQuote(fullName)}`);
  }
}

/** Creates `directory/fileName` exclusively and fills it from `produce`. */
async function writeNew(directory: string, fileName: string, mode: number, produce: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
  const target = path.join(directory, fileName);
  let handle: FileHandle;
  try {
    handle = await open(target, 'wx', 0o600);
  } catch (error) {
    throw new PluginError('ERR_PLUGIN_IO', `failed to create ${target}: ${(error as Error).message}`, { cause: error });
  }
  try {
    await produce(async (chunk) => {
      await handle.write(chunk);
    });
  } finally {
    await handle.close();
  }
  // Notation copies with `mode & 0755`: no setuid/setgid, nothing group- or world-writable.
  await chmod(target, mode & 0o755);
}

/** Go's archive/zip `toValidName` after the checks above: backslashes are separators, `.` and empty segments vanish. */
function cleanZipName(name: string): string {
  return name
    .replace(/\\/g, '/')
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

/**
 * Extracts the top-level regular files of a zip into `directory` (which must exist and be empty).
 * @throws PluginError `ERR_PLUGIN_ARCHIVE_UNSAFE` | `ERR_PLUGIN_ARCHIVE_INVALID` | `ERR_PLUGIN_SIZE_EXCEEDED` | `ERR_PLUGIN_IO`
 */
export async function extractZipPlugin(archive: string, directory: string, options: ExtractOptions = {}): Promise<void> {
  const maxTotal = options.maxTotalBytes ?? MAX_PLUGIN_SOURCE_BYTES;
  const handle = await open(archive, 'r');
  try {
    const zip = await ZipReader.open(handle, options.zip);
    for (const entry of zip.entries) checkName(entry.name, 'zip');
    for (const entry of zip.entries) {
      if (entry.kind === 'symlink') throw unsafe(`file in zip cannot be a symbolic link, but found ${goQuote(entry.name)}`);
      if (entry.kind === 'other') throw unsafe(`file in zip must be a regular file or a directory, but found ${goQuote(entry.name)}`);
    }
    const files = zip.entries
      .map((entry) => ({ entry, fileName: cleanZipName(entry.name) }))
      .filter(({ entry, fileName }) => entry.kind === 'file' && fileName !== '' && !fileName.includes('/'))
      .sort((a, b) => compareGoStrings(a.fileName, b.fileName));
    let total = 0;
    const seen = new Set<string>();
    for (const { entry, fileName } of files) {
      checkFileName(fileName, entry.name, entry.validUtf8, 'zip');
      if (seen.has(fileName)) throw unsafe(`file name in zip is not unique: ${goQuote(fileName)}`);
      seen.add(fileName);
      // Notation's zip-bomb check, on the declared sizes, before anything is inflated.
      total += entry.size;
      if (total >= maxTotal) throw totalExceeded(maxTotal);
    }
    await zip.checkLayout();
    for (const { entry, fileName } of files) {
      options.logger?.debug?.(`Extracting file ${fileName}...`);
      await writeNew(directory, fileName, entry.mode, (write) => zip.read(entry, write));
    }
  } finally {
    await handle.close();
  }
}

/** node:zlib gunzip failures in Go's compress/gzip words. */
function translateGzipError(error: unknown): unknown {
  if (error instanceof PluginError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/.test(message)) return new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', 'unexpected EOF', { cause: error });
  if (/header check|unknown compression method/.test(message)) return new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', 'gzip: invalid header', { cause: error });
  if (/data check|length check/.test(message)) return new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', 'gzip: invalid checksum', { cause: error });
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new PluginError('ERR_PLUGIN_ARCHIVE_INVALID', `flate: corrupt input: ${message}`, { cause: error });
  }
  return error;
}

async function* gunzipFile(file: string): AsyncGenerator<Uint8Array> {
  const input = createReadStream(file);
  const gunzip = createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    throw translateGzipError(error);
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/**
 * Extracts every regular file of a tar.gz, flattened to its base name, into `directory`.
 * @throws PluginError `ERR_PLUGIN_ARCHIVE_UNSAFE` | `ERR_PLUGIN_ARCHIVE_INVALID` | `ERR_PLUGIN_SIZE_EXCEEDED` | `ERR_PLUGIN_IO`
 */
export async function extractTarGzPlugin(archive: string, directory: string, options: ExtractOptions = {}): Promise<void> {
  const maxTotal = options.maxTotalBytes ?? MAX_PLUGIN_SOURCE_BYTES;
  const source = gunzipFile(archive);
  const tar = new TarReader(source, options.tar);
  try {
    let total = 0;
    const seen = new Set<string>();
    for (let entry = await tar.next(); entry !== undefined; entry = await tar.next()) {
      checkName(entry.name, 'tar.gz');
      switch (entry.kind) {
        case 'directory':
        case 'global':
          continue;
        case 'symlink':
        case 'hardlink':
          throw unsafe(`file in tar.gz cannot be a link, but found ${goQuote(entry.name)}`);
        case 'other':
          throw unsafe(`file in tar.gz must be a regular file or a directory, but found ${goQuote(entry.name)}`);
        case 'file':
          break;
      }
      total += entry.size;
      if (total >= maxTotal) throw totalExceeded(maxTotal);
      const fileName = path.posix.basename(entry.name.replace(/\/+$/, ''));
      checkFileName(fileName, entry.name, entry.validUtf8, 'tar.gz');
      if (seen.has(fileName)) throw unsafe(`file name in tar.gz is not unique once directories are dropped: ${goQuote(fileName)}`);
      seen.add(fileName);
      options.logger?.debug?.(`Extracting file ${fileName}...`);
      await writeNew(directory, fileName, entry.mode, (write) => tar.read(write));
    }
    // Go stops at the end-of-archive blocks and never checks the gzip trailer; read on to it.
    await tar.drain();
  } catch (error) {
    throw translateGzipError(error);
  } finally {
    await source.return(undefined);
  }
}
