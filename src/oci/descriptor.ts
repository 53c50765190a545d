import { createHash } from 'node:crypto';
import { OciError } from '../errors.js';
import { digestOf, parseDigest, type Digest } from './digest.js';

/** An OCI content descriptor: what a piece of content is, its digest and its size. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly urls?: readonly string[];
  readonly data?: string;
  readonly platform?: Platform;
}

export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly 'os.version'?: string;
  readonly 'os.features'?: readonly string[];
  readonly variant?: string;
}

/** RFC 6838 media type grammar (type/subtype, no parameters) as the image spec requires. */
const MEDIA_TYPE_GRAMMAR = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isValidMediaType(value: unknown): value is string {
  return typeof value === 'string' && MEDIA_TYPE_GRAMMAR.test(value);
}

export function descriptorFor(mediaType: string, content: Uint8Array | string, extra?: Partial<Descriptor>): Descriptor {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return { ...extra, mediaType, digest: digestOf(bytes), size: bytes.byteLength };
}

/**
 * The descriptor of content given as bytes or as a stream (read once, never buffered whole),
 * hashed with `algorithm`. sha384 is allowed here: Notary blob payloads digest the blob with the
 * signing key spec's hash (go-digest registers sha384 too), though OCI content is sha256/sha512.
 */
/** Content given whole or as a stream of chunks. */
export type ContentSource = Uint8Array | AsyncIterable<Uint8Array>;

export async function descriptorOfContent(
  mediaType: string,
  content: ContentSource,
  algorithm: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): Promise<Descriptor> {
  const hash = createHash(algorithm);
  let size = 0;
  if (content instanceof Uint8Array) {
    hash.update(content);
    size = content.byteLength;
  } else {
    for await (const chunk of content) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
  }
  return { mediaType, digest: `${algorithm}:${hash.digest('hex')}` as Digest, size };
}

type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(path: string, problem: string): never {
  throw new OciError('ERR_OCI_INVALID_DESCRIPTOR', `invalid descriptor at ${path}: ${problem}`);
}

export function parseStringMap(value: unknown, path: string): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) invalid(path, 'must be an object of strings');
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') invalid(`${path}.${key}`, 'must be a string');
  }
  return value as Record<string, string>;
}

function parsePlatform(value: unknown, path: string): Platform | undefined {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) invalid(path, 'must be an object');
  if (typeof value.architecture !== 'string') invalid(`${path}.architecture`, 'must be a string');
  if (typeof value.os !== 'string') invalid(`${path}.os`, 'must be a string');
  return value as unknown as Platform;
}

/**
 * Validates an untrusted descriptor object and returns it typed. `path` names where it sits in the
 * enclosing document, so errors point at the field (for example `manifests[3].digest`).
 */
export function parseDescriptor(value: unknown, path = 'descriptor'): Descriptor {
  if (!isJsonObject(value)) invalid(path, 'must be an object');
  if (!isValidMediaType(value.mediaType)) invalid(`${path}.mediaType`, 'must be a media type like type/subtype');
  if (typeof value.digest !== 'string') invalid(`${path}.digest`, 'must be a string');
  try {
    parseDigest(value.digest);
  } catch (error) {
    invalid(`${path}.digest`, (error as Error).message);
  }
  if (typeof value.size !== 'number' || !Number.isSafeInteger(value.size) || value.size < 0) {
    invalid(`${path}.size`, 'must be a non-negative integer');
  }
  if (value.artifactType !== undefined && !isValidMediaType(value.artifactType)) {
    invalid(`${path}.artifactType`, 'must be a media type');
  }
  parseStringMap(value.annotations, `${path}.annotations`);
  if (value.urls !== undefined && (!Array.isArray(value.urls) || value.urls.some((url) => typeof url !== 'string'))) {
    invalid(`${path}.urls`, 'must be an array of strings');
  }
  if (value.data !== undefined && typeof value.data !== 'string') invalid(`${path}.data`, 'must be a base64 string');
  parsePlatform(value.platform, `${path}.platform`);
  return value as unknown as Descriptor;
}

/** The fields that identify content; annotations and other metadata are dropped. */
export function toPlainDescriptor(descriptor: Descriptor): Descriptor {
  const plain: { mediaType: string; digest: Digest; size: number; artifactType?: string } = {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
  };
  if (descriptor.artifactType !== undefined) plain.artifactType = descriptor.artifactType;
  return plain;
}

export function sameContent(a: Descriptor, b: Descriptor): boolean {
  return a.digest === b.digest && a.size === b.size;
}
