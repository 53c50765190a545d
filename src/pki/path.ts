/**
 * Certificate path building from a leaf to a set of trust anchors through untrusted intermediates,
 * the subset of Go's `x509.Certificate.Verify` that Notation relies on for TSA chains: issuer name
 * and signature links (CheckSignatureFrom), validity of every certificate at one instant, and
 * extended key usage nesting. Messages are Go's.
 *
 * Not implemented (Notation does not configure them): name constraints, policy constraints, DNS
 * name checks. Path length constraints are checked later by the Notary profile.
 */
import { OID_EKU_ANY, sameBytes, type Certificate } from './certificate.js';
import type { CertificateCache } from './cache.js';
import { checkSignatureFrom } from './certificate.js';

export interface BuildPathOptions {
  /** Trust anchors: a path ends at the first certificate byte-equal to one of these. */
  readonly roots: readonly Certificate[];
  /** Candidate intermediates (for a TSA: the certificates carried in the token). */
  readonly intermediates: readonly Certificate[];
  /** Every certificate of the path must be valid at this instant (inclusive bounds). */
  readonly at: Date;
  /** Required extended key usage (Go's `KeyUsages`); certificates without an EKU extension pass. */
  readonly keyUsage?: string;
  readonly cache?: CertificateCache;
}

/** A path problem, with Go's `x509` error text as its message. */
export class PathError extends Error {}

const MAX_DEPTH = 10;
const MAX_SIGNATURE_CHECKS = 100;

/** Go's RFC 3339 rendering of an instant in UTC, without fractional seconds. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function validityProblem(cert: Certificate, at: Date): string | undefined {
  if (at.getTime() < cert.notBefore.getTime()) {
    return `x509: certificate has expired or is not yet valid: current time ${rfc3339(at)} is before ${rfc3339(cert.notBefore)}`;
  }
  if (at.getTime() > cert.notAfter.getTime()) {
    return `x509: certificate has expired or is not yet valid: current time ${rfc3339(at)} is after ${rfc3339(cert.notAfter)}`;
  }
  return undefined;
}

function commonNameOf(cert: Certificate): string {
  for (const rdn of cert.subjectRdns) {
    for (const atv of rdn) if (atv.type === '2.5.4.3') return atv.value;
  }
  for (const rdn of cert.subjectRdns) {
    for (const atv of rdn) if (atv.type === '2.5.4.10') return atv.value;
  }
  return `serial:${BigInt(`0x${cert.serialNumber}`).toString()}`;
}

function permitsUsage(cert: Certificate, usage: string): boolean {
  const oids = cert.extKeyUsage?.oids;
  if (!oids || oids.length === 0) return true;
  return oids.includes(OID_EKU_ANY) || oids.includes(usage);
}

/**
 * Builds one path `[leaf, ..., anchor]`. Throws PathError with Go's message:
 * `x509: certificate signed by unknown authority`, `x509: certificate has expired or is not yet
 * valid: ...`, or `x509: certificate specifies an incompatible key usage`.
 */
export function buildPath(leaf: Certificate, options: BuildPathOptions): Certificate[] {
  const isRoot = (cert: Certificate) => options.roots.some((root) => sameBytes(root.der, cert.der));
  const leafProblem = validityProblem(leaf, options.at);
  if (leafProblem) throw new PathError(leafProblem);
  const link = (cert: Certificate, parent: Certificate) =>
    options.cache ? options.cache.checkSignatureFrom(cert, parent) : checkSignatureFrom(cert, parent);

  let checks = 0;
  let hint: { error: string; cert: Certificate } | undefined;
  let invalidity: string | undefined;
  const found: Certificate[][] = [];

  const extend = (path: Certificate[]): void => {
    const current = path[path.length - 1]!;
    if (isRoot(current)) {
      found.push(path);
      return;
    }
    if (path.length > MAX_DEPTH) return;
    const candidates = [...options.roots, ...options.intermediates].filter(
      (candidate, index, all) =>
        sameBytes(candidate.rawSubject, current.rawIssuer) &&
        !path.some((inPath) => sameBytes(inPath.der, candidate.der)) &&
        all.findIndex((other) => sameBytes(other.der, candidate.der)) === index,
    );
    for (const candidate of candidates) {
      if (found.length > 0) return;
      if (++checks > MAX_SIGNATURE_CHECKS) return;
      const problem = link(current, candidate);
      if (problem !== undefined) {
        hint ??= { error: problem, cert: candidate };
        continue;
      }
      const expired = validityProblem(candidate, options.at);
      if (expired) {
        invalidity ??= expired;
        continue;
      }
      extend([...path, candidate]);
    }
  };
  extend([leaf]);

  if (found.length === 0) {
    if (invalidity) throw new PathError(invalidity);
    let message = 'x509: certificate signed by unknown authority';
    if (hint) message += ` (possibly because of ${JSON.stringify(hint.error)} while trying to verify candidate authority certificate ${JSON.stringify(commonNameOf(hint.cert))})`;
    throw new PathError(message);
  }
  const path = found[0]!;
  if (options.keyUsage && !path.every((cert) => permitsUsage(cert, options.keyUsage!))) {
    throw new PathError('x509: certificate specifies an incompatible key usage');
  }
  return path;
}
