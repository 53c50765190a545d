/**
 * Verification of a signature's timestamp countersignature, as notation-go's `verifyTimestamp`
 * does it (steps 2–4 of the authentic-timestamp check), with Notation's messages.
 *
 * @see notaryproject/specifications specs/trust-store-trust-policy.md § Timestamp Countersignature Verification details
 * @see notaryproject/notation-go verifier/verifier.go (verifyTimestamp)
 */
import { PkiError, isPortcullisError } from '../../errors.js';
import type { CertificateCache } from '../cache.js';
import type { Certificate } from '../certificate.js';
import { validateTimestampingChain } from '../chain.js';
import { goQuote } from '../../gocompat/index.js';
import {
  boundedAfter,
  boundedBefore,
  hashOfOid,
  parseSignedToken,
  validateTstInfo,
  verifySignedToken,
  type SignedToken,
  type TimestampHash,
  type TimestampRange,
} from './token.js';

export interface VerifyTimestampTokenOptions {
  /** The bytes that were timestamped: the envelope's primitive signature. */
  readonly signatureBytes: Uint8Array;
  /** Trust anchors from the policy's `tsa` trust stores. Empty ⇒ fails (Notation: no trusted TSA certificate). */
  readonly trustedRoots: readonly Certificate[];
  /**
   * When given, the token's message imprint must use this hash. Notation accepts any of SHA-256/
   * 384/512 when verifying, so the verification pipeline leaves this unset; signing sets it.
   */
  readonly hash?: TimestampHash;
  /** Instant at which the TSA chain must be valid. Default: the token's genTime (as Notation). */
  readonly at?: Date;
  readonly cache?: CertificateCache;
}

export interface VerifiedTimestamp {
  /** `[genTime − accuracy, genTime + accuracy]`. */
  readonly range: TimestampRange;
  /** TSA signing certificate first, trust anchor last; validated against the timestamping profile. */
  readonly tsaChain: readonly Certificate[];
  readonly token: SignedToken;
}

function fail(code: 'ERR_PKI_TIMESTAMP_MALFORMED' | 'ERR_PKI_TIMESTAMP_INVALID', message: string, cause?: unknown): never {
  throw new PkiError(code, message, { cause });
}

const codeOf = (error: unknown) =>
  isPortcullisError(error) && error.code === 'ERR_PKI_TIMESTAMP_MALFORMED' ? 'ERR_PKI_TIMESTAMP_MALFORMED' : 'ERR_PKI_TIMESTAMP_INVALID';

/**
 * Verifies an RFC 3161 TimeStampToken countersigning `signatureBytes` and returns the authentic
 * time range with the TSA chain. Order and messages are notation-go's:
 *
 * 1. parse — `failed to parse timestamp countersignature with error: <cms error>`
 * 2. TSTInfo version/imprint — `failed to get timestamp from timestamp countersignature with error: invalid TSTInfo: mismatched message`
 * 3. no roots — `no trusted TSA certificate found in trust store`
 * 4. CMS signature, ESS binding, chain to the roots at genTime, EKU — `failed to verify the timestamp countersignature with error: failed to verify signed token: ...`
 * 5. timestamping certificate profile — `failed to validate the timestamping certificate chain with error: ...`
 *
 * The caller then checks the range against the signing chain (`checkTimestampAgainstChain`) and
 * the TSA chain's revocation (`checkRevocation(tsaChain, {purpose: 'timestamping'})`).
 * Throws PkiError ERR_PKI_TIMESTAMP_MALFORMED (step 1) or ERR_PKI_TIMESTAMP_INVALID.
 *
 * @example
 * const { range, tsaChain } = verifyTimestampToken(envelope.unsignedAttributes.timestampSignature!, {
 *   signatureBytes: envelope.signature, trustedRoots: tsaStoreCerts });
 */
export function verifyTimestampToken(tokenBytes: Uint8Array, options: VerifyTimestampTokenOptions): VerifiedTimestamp {
  if (tokenBytes.length === 0) fail('ERR_PKI_TIMESTAMP_INVALID', 'no timestamp countersignature was found in the signature envelope');
  let token: SignedToken;
  try {
    token = parseSignedToken(tokenBytes, options.cache ? { cache: options.cache } : {});
  } catch (error) {
    const message = (error as Error).message;
    // The TSTInfo is parsed by a separate step in notation-go ("failed to get the timestamp TSTInfo").
    if (message.startsWith('cannot unmarshal TSTInfo')) fail(codeOf(error), `failed to get the timestamp TSTInfo with error: ${message}`, error);
    fail(codeOf(error), `failed to parse timestamp countersignature with error: ${message}`, error);
  }
  let range: TimestampRange;
  try {
    range = validateTstInfo(token.info, options.signatureBytes);
    if (options.hash && hashOfOid(token.info.messageImprint.hashAlgorithm) !== options.hash) {
      fail('ERR_PKI_TIMESTAMP_INVALID', `invalid TSTInfo: message imprint must use ${options.hash}, but got ${token.info.messageImprint.hashAlgorithm}`);
    }
  } catch (error) {
    fail(codeOf(error), `failed to get timestamp from timestamp countersignature with error: ${(error as Error).message}`, error);
  }
  if (options.trustedRoots.length === 0) fail('ERR_PKI_TIMESTAMP_INVALID', 'no trusted TSA certificate found in trust store');
  let tsaChain: Certificate[];
  try {
    tsaChain = verifySignedToken(token, {
      roots: options.trustedRoots,
      at: options.at ?? range.genTime,
      ...(options.cache ? { cache: options.cache } : {}),
    });
  } catch (error) {
    fail('ERR_PKI_TIMESTAMP_INVALID', `failed to verify the timestamp countersignature with error: ${(error as Error).message}`, error);
  }
  try {
    validateTimestampingChain(tsaChain, options.cache ? { cache: options.cache } : {});
  } catch (error) {
    fail('ERR_PKI_TIMESTAMP_INVALID', `failed to validate the timestamping certificate chain with error: ${(error as Error).message}`, error);
  }
  return { range, tsaChain, token };
}

/** Go's `time.RFC1123Z` in UTC: `Tue, 27 Jun 2023 06:10:00 +0000`. */
export function rfc1123z(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/**
 * Step 4 of notation-go's timestamp verification: the whole timestamp range must lie within every
 * signing-chain certificate's validity. Returns undefined, or Notation's message
 * (`timestamp can be after certificate "…" validity period, it was expired at "…"`).
 */
export function checkTimestampAgainstChain(range: TimestampRange, signingChain: readonly Certificate[]): string | undefined {
  for (const cert of signingChain) {
    if (!boundedAfter(range, cert.notBefore)) {
      return `timestamp can be before certificate ${goQuote(cert.subject)} validity period, it will be valid from ${goQuote(rfc1123z(cert.notBefore))}`;
    }
    if (!boundedBefore(range, cert.notAfter)) {
      return `timestamp can be after certificate ${goQuote(cert.subject)} validity period, it was expired at ${goQuote(rfc1123z(cert.notAfter))}`;
    }
  }
  return undefined;
}
