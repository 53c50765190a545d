import { createHash } from 'node:crypto';
import { checkSignatureFrom, parseCertificate, type Certificate } from './certificate.js';

export interface CertificateCacheOptions {
  /** Parsed certificates kept (least recently used evicted first). Default 1024. */
  readonly maxEntries?: number;
  /** Verified issuer→subject signature links kept. Default 4096. */
  readonly maxLinks?: number;
}

/**
 * A bounded LRU of parsed certificates keyed by the SHA-256 of their DER, plus a bounded memo of
 * issuer signatures that verified. Parsing and chain signature checks dominate per-signature cost
 * (limits.md §1.3–1.4), and signatures in one deployment share a handful of chains.
 *
 * Only successes are remembered: a cache hit can never turn a bad input into a good one, since the
 * key is a collision-resistant hash of the exact bytes. Pass one instance to every verification
 * (there is no global instance; each shell owns its cache).
 */
export class CertificateCache {
  readonly #maxEntries: number;
  readonly #maxLinks: number;
  readonly #entries = new Map<string, Certificate>();
  readonly #links = new Set<string>();
  #hits = 0;
  #misses = 0;

  constructor(options: CertificateCacheOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 1024);
    this.#maxLinks = Math.max(1, options.maxLinks ?? 4096);
  }

  /** The parsed certificate for `der`, parsing it on a miss. Throws PkiError for malformed DER. */
  get(der: Uint8Array): Certificate {
    const key = createHash('sha256').update(der).digest('hex');
    const cached = this.#entries.get(key);
    if (cached) {
      this.#hits++;
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    this.#misses++;
    const parsed = parseCertificate(der);
    this.#entries.set(key, parsed);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return parsed;
  }

  /** `checkSignatureFrom` with successes memoised by (subject, issuer) fingerprints. */
  checkSignatureFrom(cert: Certificate, parent: Certificate): string | undefined {
    const key = `${cert.fingerprint256}:${parent.fingerprint256}`;
    if (this.#links.has(key)) {
      this.#links.delete(key);
      this.#links.add(key);
      return undefined;
    }
    const problem = checkSignatureFrom(cert, parent);
    if (problem === undefined) {
      this.#links.add(key);
      if (this.#links.size > this.#maxLinks) this.#links.delete(this.#links.values().next().value as string);
    }
    return problem;
  }

  get size(): number {
    return this.#entries.size;
  }

  get stats(): { readonly hits: number; readonly misses: number; readonly entries: number; readonly links: number } {
    return { hits: this.#hits, misses: this.#misses, entries: this.#entries.size, links: this.#links.size };
  }

  clear(): void {
    this.#entries.clear();
    this.#links.clear();
  }
}
