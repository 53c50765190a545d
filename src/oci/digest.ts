import { createHash, type Hash } from 'node:crypto';
import { OciError } from '../errors.js';

/** A validated digest string such as `sha256:…`. The brand stops a raw string from being passed by mistake. */
export type Digest = string & { readonly __digest: unique symbol };

export type DigestAlgorithm = 'sha256' | 'sha512';

const ENCODED_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

/** Grammar from the OCI image spec: algorithm ":" encoded. */
const DIGEST_GRAMMAR = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

export function isDigestAlgorithm(value: string): value is DigestAlgorithm {
  return value === 'sha256' || value === 'sha512';
}

/**
 * Says what is wrong with an untrusted digest, or nothing. Kept separate from `parseDigest` so that
 * `isDigest`, called on every tag-or-digest lookup, never pays for building an exception.
 */
function digestProblem(value: unknown): { code: 'ERR_OCI_INVALID_DIGEST' | 'ERR_OCI_UNSUPPORTED_DIGEST_ALGORITHM'; message: string } | undefined {
  if (typeof value !== 'string' || value.length > 200) {
    return { code: 'ERR_OCI_INVALID_DIGEST', message: 'invalid digest: not a string of at most 200 characters' };
  }
  const match = DIGEST_GRAMMAR.exec(value);
  if (!match) return { code: 'ERR_OCI_INVALID_DIGEST', message: `invalid digest "${value}": expected <algorithm>:<hex>` };
  const algorithm = match[1]!;
  const encoded = match[2]!;
  if (!isDigestAlgorithm(algorithm)) {
    return {
      code: 'ERR_OCI_UNSUPPORTED_DIGEST_ALGORITHM',
      message: `unsupported digest algorithm "${algorithm}" in "${value}": use sha256 or sha512`,
    };
  }
  if (encoded.length !== ENCODED_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(encoded)) {
    return {
      code: 'ERR_OCI_INVALID_DIGEST',
      message: `invalid digest "${value}": ${algorithm} needs ${ENCODED_LENGTH[algorithm]} lowercase hex characters`,
    };
  }
  return undefined;
}

/** Parses an untrusted digest. Only registered algorithms with lowercase hex of the right length pass. */
export function parseDigest(value: string): Digest {
  const problem = digestProblem(value);
  if (problem) throw new OciError(problem.code, problem.message);
  return value as Digest;
}

export function isDigest(value: string): value is Digest {
  return digestProblem(value) === undefined;
}

export function digestAlgorithm(digest: Digest): DigestAlgorithm {
  return digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
}

export function digestEncoded(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

export function digestOf(content: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(content).digest('hex')}` as Digest;
}

/**
 * Hashes content as it streams past and checks it against an expected digest and size, so a blob is
 * never trusted before its last byte is seen. Counts bytes so an over-long stream fails early.
 */
export class DigestVerifier {
  readonly expected: Digest;
  readonly expectedSize: number | undefined;
  private readonly hash: Hash;
  private received = 0;

  constructor(expected: Digest, expectedSize?: number) {
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.hash = createHash(digestAlgorithm(expected));
  }

  get bytesReceived(): number {
    return this.received;
  }

  update(chunk: Uint8Array): void {
    this.received += chunk.byteLength;
    if (this.expectedSize !== undefined && this.received > this.expectedSize) {
      throw new OciError(
        'ERR_OCI_SIZE_MISMATCH',
        `content of ${this.expected} is larger than its descriptor says (${this.expectedSize} bytes)`,
      );
    }
    this.hash.update(chunk);
  }

  /** Throws unless every byte has arrived and the digest matches. */
  verify(): void {
    if (this.expectedSize !== undefined && this.received !== this.expectedSize) {
      throw new OciError(
        'ERR_OCI_SIZE_MISMATCH',
        `content of ${this.expected} has ${this.received} bytes, its descriptor says ${this.expectedSize}`,
      );
    }
    const actual = `${digestAlgorithm(this.expected)}:${this.hash.digest('hex')}`;
    if (actual !== this.expected) {
      throw new OciError('ERR_OCI_DIGEST_MISMATCH', `digest mismatch: expected ${this.expected}, got ${actual}`);
    }
  }
}

/** Verifies a whole buffer against a digest (and size when given). */
export function verifyContent(content: Uint8Array, expected: Digest, expectedSize?: number): void {
  const verifier = new DigestVerifier(expected, expectedSize);
  verifier.update(content);
  verifier.verify();
}
