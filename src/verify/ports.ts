/**
 * The ports verification reaches the outside world through, besides the repository (a content
 * Storage) and the trust store (src/trust): time, logging, certificate revocation and RFC 3161
 * timestamp verification. Each has a default so `verify` runs with none of them given.
 */
import type { Certificate, TimestampRange } from '../pki/index.js';

/** Time as the verifier sees it (milliseconds since the epoch). Expiry and certificate validity are judged against it. */
export interface VerifyClock {
  now(): number;
}

/**
 * Where verification reports its steps, with notation-go's messages (the CLI prints them for
 * `--debug` / `--verbose`). Every method is optional; the default is silent.
 */
export interface VerifyLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

export const silentLogger: VerifyLogger = {};

/** notation-core-go `result.Result`. */
export type RevocationResult = 'ok' | 'revoked' | 'unknown' | 'nonRevokable';

/** notation-core-go `result.RevocationMethod`. */
export type RevocationMethod = 'ocsp' | 'crl' | 'ocspFallbackCrl' | 'unknown';

/** What one OCSP responder or CRL distribution point said about one certificate. */
export interface RevocationServerResult {
  /** The URL asked. */
  readonly server: string;
  readonly method: 'ocsp' | 'crl';
  readonly result: RevocationResult;
  /** Why the server gave no usable answer (network error, bad signature, expired response...). */
  readonly error?: string;
}

/** The revocation status of one certificate of a chain (notation-core-go `result.CertRevocationResult`). */
export interface CertificateRevocationResult {
  readonly result: RevocationResult;
  readonly method?: RevocationMethod;
  readonly serverResults?: readonly RevocationServerResult[];
}

export interface RevocationCheckRequest {
  /** The chain as carried by the signature (or the TSA chain), leaf first, root last; already validated. */
  readonly chain: readonly Certificate[];
  readonly purpose: 'codeSigning' | 'timestamping';
  /**
   * Under `notary.x509.signingAuthority`, the authentic signing time: a revocation whose
   * invalidity date is after it does not invalidate the signature (notation-go passes nothing else).
   */
  readonly authenticSigningTime?: Date;
  readonly signal?: AbortSignal;
}

/**
 * Certificate revocation (OCSP and CRL, notation-core-go `revocation.Validator`). Returns one result
 * per certificate, in chain order; the root is `nonRevokable`. Throws only when the chain cannot be
 * evaluated at all (Notation then fails the check with "unable to check revocation status").
 * {@link createRevocationChecker} builds one on pki's `checkRevocation` over a network port.
 */
export interface RevocationChecker {
  check(request: RevocationCheckRequest): Promise<readonly CertificateRevocationResult[]>;
}

/** Certificate extensions that make a certificate revocable: CRL distribution points, and AIA with an OCSP access method. */
const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
const OID_AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';
/** DER of the OID id-ad-ocsp (1.3.6.1.5.5.7.48.1). */
const ID_AD_OCSP_DER = Buffer.from([0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01]);

/** Whether a certificate names an OCSP responder or a CRL distribution point. */
export function hasRevocationEndpoints(certificate: Certificate): boolean {
  return certificate.extensions.some(
    (extension) =>
      extension.oid === OID_CRL_DISTRIBUTION_POINTS ||
      (extension.oid === OID_AUTHORITY_INFO_ACCESS && Buffer.from(extension.value).includes(ID_AD_OCSP_DER)),
  );
}

/**
 * The revocation checker used when none is configured. It answers what it can without a network:
 * the root and any certificate without an OCSP or CRL endpoint are `nonRevokable` (as in Notation,
 * such certificates count as not revoked); a certificate that does name an endpoint is `unknown`,
 * so under `enforce` the check fails closed (Notation's "revocation status is unknown") instead of
 * pretending it was checked.
 */
export const offlineRevocationChecker: RevocationChecker = {
  async check(request) {
    return request.chain.map((certificate, index): CertificateRevocationResult => {
      if (index === request.chain.length - 1 || !hasRevocationEndpoints(certificate)) return { result: 'nonRevokable' };
      return {
        result: 'unknown',
        method: 'unknown',
        serverResults: [{ server: '', method: 'crl', result: 'unknown', error: 'no revocation checker is configured' }],
      };
    });
  },
};

export interface TimestampVerificationRequest {
  /** The DER TimeStampToken (CMS SignedData) from the envelope's `io.cncf.notary.timestampSignature`. */
  readonly token: Uint8Array;
  /** The primitive signature value the token must countersign (its message imprint). */
  readonly signature: Uint8Array;
  /** Roots from the trust policy's `tsa:` stores. */
  readonly trustAnchors: readonly Certificate[];
  readonly signal?: AbortSignal;
}

export interface VerifiedTimestamp {
  /** genTime − accuracy and genTime + accuracy: the interval the signature provably existed in. */
  readonly earliest: Date;
  readonly latest: Date;
  /** The TSA signing chain, leaf first, ending at one of the trust anchors; validated against the timestamping profile at genTime. */
  readonly tsaChain: readonly Certificate[];
  /** The exact range (nanoseconds) when known; the bounds above are then its millisecond view. */
  readonly range?: TimestampRange;
}

/**
 * RFC 3161 countersignature verification (tspclient-go `SignedToken.Verify` + `TSTInfo.Validate`):
 * parse the token, check its message imprint against `signature`, verify the CMS signature and the
 * TSA chain up to a trust anchor at genTime. Throws when any of that fails, with the message
 * Notation prints for it (`failed to parse timestamp countersignature with error: …`,
 * `failed to verify the timestamp countersignature with error: …`): the pipeline reports it as is.
 * The default, {@link createTimestampVerifier}, is pki's `verifyTimestampToken`.
 */
export interface TimestampVerifier {
  verify(request: TimestampVerificationRequest): Promise<VerifiedTimestamp>;
}
