/**
 * CRL retrieval and checking as notation-core-go does it (revocation/crl/fetcher.go,
 * revocation/internal/crl/crl.go): base CRL plus a delta from the base CRL's Freshest CRL
 * extension, signature by the issuer, `nextUpdate` required and not passed, unsupported critical
 * extensions refused, serial lookup with certificateHold/removeFromCRL semantics and the
 * invalidity-date relief. Messages are Go's.
 *
 * @see RFC 5280 §5 (CRL profile), §5.2.4 (delta CRL indicator), §5.3.1 (reason codes)
 */
import { PkiError, isPortcullisError } from '../../errors.js';
import { MAX_CRL_BYTES, MAX_CRL_ENTRIES } from '../../limits.js';
import {
  KEY_USAGE,
  checkSignatureOver,
  parseExtensionSequence,
  parseSignatureAlgorithm,
  sameBytes,
  type Certificate,
  type CertificateSignatureAlgorithm,
  type Extension,
  type ExtensionErrors,
} from '../certificate.js';
import {
  children,
  expectTag,
  readBigInt,
  readElement,
  readOctetAlignedBits,
  readRoot,
  readSmallInt,
  readTime,
  TAG_INTEGER,
  TAG_SEQUENCE,
  whole,
  type DerElement,
} from '../der.js';
import { goTimeString } from '../../gocompat/index.js';
import { parseGeneralizedTime } from '../timestamp/token.js';
import { OID_FRESHEST_CRL, parseDistributionPointUrls, revocationInfo } from '../x509-extensions.js';
import { NOOP_LOGGER, type CertRevocationResult, type CrlBundleBytes, type CrlCache, type RevocationFetcher, type RevocationLogger, type ServerResult } from './types.js';

export const OID_CRL_NUMBER = '2.5.29.20';
export const OID_DELTA_CRL_INDICATOR = '2.5.29.27';
export const OID_ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
export const OID_REASON_CODE = '2.5.29.21';
export const OID_INVALIDITY_DATE = '2.5.29.24';

export const REASON_CERTIFICATE_HOLD = 6;
export const REASON_REMOVE_FROM_CRL = 8;

/** notation-core-go's CRL download timeout. */
export const DEFAULT_CRL_TIMEOUT_MS = 5_000;

export interface CrlEntry {
  readonly serial: bigint;
  readonly revocationDate: Date;
  /** RFC 5280 CRLReason; 0 (unspecified) when absent. */
  readonly reasonCode: number;
  readonly extensions: readonly Extension[];
}

/** A parsed CRL. Entries are read lazily: a large CRL is only walked, never materialised. */
export interface Crl {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: CertificateSignatureAlgorithm;
  readonly signature: Uint8Array;
  readonly rawIssuer: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** CRL number, when present. */
  readonly number: bigint | undefined;
  readonly extensions: readonly Extension[];
  readonly entryCount: number;
  /** Entries whose serial equals `serial`, in CRL order. */
  entriesFor(serial: bigint): CrlEntry[];
}

function invalid(message: string, cause?: unknown): never {
  throw new PkiError('ERR_PKI_REVOCATION_INVALID', message, { cause });
}

const CRL_EXTENSION_ERRORS: ExtensionErrors = {
  fail: invalid,
  missingOid: 'x509: malformed extension',
  malformed: () => 'x509: malformed extension',
  duplicate: (oid) => `x509: duplicate extension ${oid}`,
};

function parseExtensionList(element: DerElement): Extension[] {
  return parseExtensionSequence(element, CRL_EXTENSION_ERRORS);
}

function parseEntry(element: DerElement): CrlEntry {
  expectTag(element, TAG_SEQUENCE, 'revokedCertificate');
  const [serial, date, extensionsElement, ...rest] = children(element);
  if (!serial || !date || rest.length > 0) invalid('x509: malformed crl entry');
  const extensions = extensionsElement ? parseExtensionList(extensionsElement) : [];
  let reasonCode = 0;
  const reason = extensions.find((ext) => ext.oid === OID_REASON_CODE);
  if (reason) {
    const value = readRoot(reason.value);
    if (value.tag !== 0x0a) invalid('x509: malformed reasonCode extension');
    reasonCode = Number(readBigInt({ ...value, tag: TAG_INTEGER }));
  }
  return { serial: readBigInt(serial), revocationDate: readTime(date), reasonCode, extensions };
}

/**
 * Parses a DER CRL (X.509 CertificateList). Throws PkiError ERR_PKI_REVOCATION_INVALID with a
 * Go-like `x509: malformed crl` message. PEM is not accepted (Go's parser does not either).
 */
export function parseCrl(der: Uint8Array): Crl {
  const bytes = Uint8Array.from(der);
  try {
    const root = readRoot(bytes);
    expectTag(root, TAG_SEQUENCE, 'CertificateList');
    const [tbsElement, algorithm, signatureBits, ...rest] = children(root);
    if (!tbsElement || !algorithm || !signatureBits || rest.length > 0) invalid('x509: malformed crl');
    expectTag(tbsElement, TAG_SEQUENCE, 'TBSCertList');
    const fields = children(tbsElement);
    let i = 0;
    if (fields[i]?.tag === TAG_INTEGER) {
      const version = readSmallInt(fields[i++]!);
      if (version !== 1) invalid(`x509: unsupported crl version: ${version}`);
    }
    const innerAlgorithm = fields[i++] ?? invalid('x509: malformed crl');
    if (!sameBytes(whole(innerAlgorithm), whole(algorithm))) invalid("x509: inner and outer signature algorithm identifiers don't match");
    const issuer = fields[i++] ?? invalid('x509: malformed issuer');
    expectTag(issuer, TAG_SEQUENCE, 'Name');
    const thisUpdate = readTime(fields[i++] ?? invalid('x509: malformed thisUpdate'));
    let nextUpdate: Date | undefined;
    if (fields[i] && (fields[i]!.tag === 0x17 || fields[i]!.tag === 0x18)) nextUpdate = readTime(fields[i++]!);
    let revoked: DerElement | undefined;
    if (fields[i]?.tag === TAG_SEQUENCE) revoked = fields[i++];
    let extensions: Extension[] = [];
    if (fields[i]?.tag === 0xa0) {
      const [list, ...more] = children(fields[i++]!);
      if (!list || more.length > 0) invalid('x509: malformed extensions');
      extensions = parseExtensionList(list);
    }
    if (i !== fields.length) invalid('x509: malformed crl');
    let number: bigint | undefined;
    const numberExt = extensions.find((ext) => ext.oid === OID_CRL_NUMBER);
    if (numberExt) number = readBigInt(readRoot(numberExt.value));
    // Validate every entry once, as Go's parser does (so a malformed CRL is refused before it is
    // cached), but keep only offsets: entries are decoded again on demand for one serial.
    const offsets: number[] = [];
    if (revoked) {
      for (let offset = revoked.contentStart; offset < revoked.end; ) {
        const entry = readElement(bytes, offset, revoked.end);
        parseEntry(entry);
        offsets.push(offset);
        if (offsets.length > MAX_CRL_ENTRIES) invalid(`x509: crl has more than ${MAX_CRL_ENTRIES} entries`);
        offset = entry.end;
      }
    }
    const revokedEnd = revoked?.end ?? 0;
    return {
      der: bytes,
      tbs: whole(tbsElement),
      signatureAlgorithm: parseSignatureAlgorithm(algorithm),
      signature: readOctetAlignedBits(signatureBits),
      rawIssuer: whole(issuer),
      thisUpdate,
      nextUpdate,
      number,
      extensions,
      entryCount: offsets.length,
      entriesFor(serial: bigint): CrlEntry[] {
        const out: CrlEntry[] = [];
        for (const offset of offsets) {
          const element = readElement(bytes, offset, revokedEnd);
          const [serialElement] = children(element);
          if (serialElement && readBigInt(serialElement) === serial) out.push(parseEntry(element));
        }
        return out;
      },
    };
  } catch (error) {
    if (isPortcullisError(error) && error.code === 'ERR_PKI_REVOCATION_INVALID') throw error;
    invalid(`x509: malformed crl: ${(error as Error).message.replace(/^malformed DER: /, '')}`, error);
  }
}

/** Whether the CRL is still current at `now` (nextUpdate present and not passed). */
export function isCrlEffective(crl: Crl, now: Date): boolean {
  return crl.nextUpdate !== undefined && now.getTime() <= crl.nextUpdate.getTime();
}

/** Go's `RevocationList.CheckSignatureFrom` plus an issuer-name match (RFC 5280 §6.3.3 b). */
function checkCrlSignature(crl: Crl, issuer: Certificate): string | undefined {
  const bc = issuer.basicConstraints;
  if ((issuer.version === 3 && !bc) || (bc && !bc.ca)) return 'x509: invalid signature: parent certificate cannot sign this kind of certificate';
  if (issuer.keyUsage && issuer.keyUsage.bits !== 0 && (issuer.keyUsage.bits & KEY_USAGE.cRLSign) === 0) {
    return 'x509: invalid signature: parent certificate cannot sign this kind of certificate';
  }
  const problem = checkSignatureOver(crl.signatureAlgorithm, crl.tbs, crl.signature, issuer);
  if (problem) return problem;
  // Portcullis-only: Go verifies the key but not the name; an indirect CRL is not supported either way.
  if (!sameBytes(crl.rawIssuer, issuer.rawSubject)) return 'CRL issuer does not match the certificate issuer';
  return undefined;
}

function validateCrl(crl: Crl, issuer: Certificate, now: Date, role: 'base' | 'delta'): void {
  const problem = checkCrlSignature(crl, issuer);
  if (problem) throw new Error(`CRL is not signed by CA ${issuer.subject}: ${problem},`);
  if (!crl.nextUpdate) throw new Error('CRL NextUpdate is not set');
  if (now.getTime() > crl.nextUpdate.getTime()) {
    throw new Error(`expired CRL. Current time ${goTimeString(now)} is after CRL NextUpdate ${goTimeString(crl.nextUpdate)}`);
  }
  for (const ext of crl.extensions) {
    if (ext.oid === OID_ISSUING_DISTRIBUTION_POINT) continue; // scope: every distribution point is checked anyway
    if (ext.oid === OID_DELTA_CRL_INDICATOR) {
      // Portcullis-only: a delta CRL served as the base CRL would hide every earlier revocation.
      if (role === 'base') throw new Error('base CRL carries a delta CRL indicator');
      continue;
    }
    if (ext.critical) throw new Error(`unsupported critical extension found in CRL: ${ext.oid}`);
  }
}

export interface ParsedCrlBundle {
  readonly base: Crl;
  readonly delta?: Crl;
}

/** notation-core-go `validate`: base and delta CRL checks, delta numbering rules (RFC 5280 §5.2.4). */
export function validateCrlBundle(bundle: ParsedCrlBundle, issuer: Certificate, now: Date): void {
  try {
    validateCrl(bundle.base, issuer, now, 'base');
  } catch (error) {
    throw new Error(`failed to validate base CRL: ${(error as Error).message}`);
  }
  const delta = bundle.delta;
  if (!delta) return;
  try {
    validateCrl(delta, issuer, now, 'delta');
  } catch (error) {
    throw new Error(`failed to validate delta CRL: ${(error as Error).message}`);
  }
  const baseNumber = bundle.base.number;
  if (baseNumber === undefined || delta.number === undefined) throw new Error('CRL number is missing in the base or delta CRL');
  if (delta.number <= baseNumber) throw new Error(`delta CRL number ${delta.number} is not greater than the base CRL number ${baseNumber}`);
  const indicator = delta.extensions.find((ext) => ext.oid === OID_DELTA_CRL_INDICATOR);
  if (!indicator) throw new Error('delta CRL indicator extension is not found');
  let minimumBase: bigint;
  try {
    const value = readRoot(indicator.value);
    expectTag(value, TAG_INTEGER, 'BaseCRLNumber');
    minimumBase = readBigInt(value);
  } catch {
    throw new Error('failed to parse delta CRL indicator extension');
  }
  if (minimumBase > baseNumber) throw new Error(`delta CRL indicator ${minimumBase} is not less than or equal to the base CRL number ${baseNumber}`);
}

function invalidityDateOf(entry: CrlEntry): Date | undefined {
  let date: Date | undefined;
  for (const ext of entry.extensions) {
    if (ext.oid === OID_INVALIDITY_DATE) {
      try {
        const { nanos } = parseGeneralizedTime(readRoot(ext.value));
        date = new Date(Number(nanos / 1_000_000n));
      } catch (error) {
        throw new Error(`failed to parse invalidity date: ${(error as Error).message.replace(/^malformed DER: /, 'asn1: ')}`);
      }
    } else if (ext.critical) {
      // As Go: only the invalidity date is processed; any critical entry extension (even a critical reason code) is refused.
      throw new Error(`unsupported critical extension found in CRL: ${ext.oid}`);
    }
  }
  return date;
}

/**
 * notation-core-go `checkRevocation`: the certificate's entries in the base then delta CRL. An
 * entry whose invalidity date is after the authentic signing time means "not revoked when it
 * mattered" (ok). certificateHold/removeFromCRL: the latest by revocation date decides (hold ⇒
 * revoked, remove ⇒ ok). Any other reason ⇒ revoked.
 */
export function crlStatus(serial: bigint, bundle: ParsedCrlBundle, signingTime: Date | undefined): 'ok' | 'revoked' {
  let latestTemporary: CrlEntry | undefined;
  for (const crl of bundle.delta ? [bundle.base, bundle.delta] : [bundle.base]) {
    for (const entry of crl.entriesFor(serial)) {
      const invalidityDate = invalidityDateOf(entry);
      if (signingTime && invalidityDate && signingTime.getTime() < invalidityDate.getTime()) return 'ok';
      if (entry.reasonCode === REASON_CERTIFICATE_HOLD || entry.reasonCode === REASON_REMOVE_FROM_CRL) {
        if (!latestTemporary || latestTemporary.revocationDate.getTime() < entry.revocationDate.getTime()) latestTemporary = entry;
      } else {
        return 'revoked';
      }
    }
  }
  return latestTemporary?.reasonCode === REASON_CERTIFICATE_HOLD ? 'revoked' : 'ok';
}

export interface CrlFetchOptions {
  readonly fetcher: RevocationFetcher;
  readonly now: Date;
  readonly cache?: CrlCache;
  /** Default 5 s. */
  readonly timeoutMs?: number;
  readonly logger?: RevocationLogger;
}

function isTimeout(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown };
  return e?.code === 'ETIMEDOUT' || e?.name === 'TimeoutError';
}

async function downloadCrl(url: string, options: CrlFetchOptions): Promise<Crl> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`invalid CRL URL: parse ${JSON.stringify(url)}: invalid URI`);
  }
  if (parsed.protocol !== 'http:') throw new Error(`unsupported scheme: ${parsed.protocol.slice(0, -1)}. Only supports CRL URL in HTTP protocol`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_CRL_TIMEOUT_MS;
  let response;
  try {
    response = await withDeadline(options.fetcher({ method: 'GET', url, timeoutMs, maxBytes: MAX_CRL_BYTES }), timeoutMs);
  } catch (error) {
    const reason = isTimeout(error) ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : (error as Error).message;
    throw new Error(`request failed: Get ${JSON.stringify(url)}: ${reason}`);
  }
  if (response.status !== 200) throw new Error(`failed to download with status code: ${response.status}`);
  if (response.body.length >= MAX_CRL_BYTES) throw new Error(`CRL size exceeds the limit: ${MAX_CRL_BYTES}`);
  try {
    return parseCrl(response.body);
  } catch (error) {
    throw new Error((error as Error).message);
  }
}

/** Races the port against a deadline of its own, in case an adapter ignores `timeoutMs`. */
export async function withDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('deadline exceeded'), { code: 'ETIMEDOUT' })), timeoutMs + 250);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function parseBundle(bytes: CrlBundleBytes): ParsedCrlBundle {
  const base = parseCrl(bytes.baseCrl);
  return bytes.deltaCrl ? { base, delta: parseCrl(bytes.deltaCrl) } : { base };
}

/**
 * notation-core-go `HTTPFetcher.Fetch` with Notation's CLI settings: a current cached bundle is
 * used as is; otherwise the base CRL (and the delta named by its Freshest CRL extension) is
 * downloaded and stored. Cache errors are logged and ignored (`DiscardCacheError`).
 */
export async function fetchCrlBundle(url: string, options: CrlFetchOptions): Promise<ParsedCrlBundle> {
  const logger = options.logger ?? NOOP_LOGGER;
  if (url === '') throw new Error('CRL URL cannot be empty');
  if (options.cache) {
    try {
      const cached = await options.cache.get(url);
      if (cached) {
        const bundle = parseBundle(cached);
        if (isCrlEffective(bundle.base, options.now) && (!bundle.delta || isCrlEffective(bundle.delta, options.now))) return bundle;
      }
    } catch (error) {
      logger.debug((error as Error).message);
    }
  }
  let bundle: ParsedCrlBundle;
  try {
    const base = await downloadCrl(url, options);
    let delta: Crl | undefined;
    const freshest = base.extensions.find((ext) => ext.oid === OID_FRESHEST_CRL);
    if (freshest) {
      let urls: string[];
      try {
        urls = parseDistributionPointUrls(freshest.value);
      } catch (error) {
        throw new Error(`failed to parse Freshest CRL extension: ${(error as Error).message}`);
      }
      let lastError: unknown;
      for (const deltaUrl of urls) {
        try {
          delta = await downloadCrl(deltaUrl, options);
          break;
        } catch (error) {
          lastError = error;
        }
      }
      if (!delta && lastError) throw lastError;
    }
    bundle = delta ? { base, delta } : { base };
  } catch (error) {
    throw new Error(`failed to retrieve CRL: ${(error as Error).message}`);
  }
  if (options.cache) {
    try {
      await options.cache.set(url, bundle.delta ? { baseCrl: bundle.base.der, deltaCrl: bundle.delta.der } : { baseCrl: bundle.base.der });
    } catch (error) {
      logger.debug((error as Error).message);
    }
  }
  return bundle;
}

export interface CrlCheckOptions extends CrlFetchOptions {
  /** Authentic signing time (signingAuthority scheme) for the invalidity-date rule; Notation passes none otherwise. */
  readonly signingTime?: Date;
}

/** Whether the certificate names CRL distribution points. */
export function supportsCrl(cert: Certificate): boolean {
  return revocationInfo(cert).crlDistributionPoints.length > 0;
}

/**
 * notation-core-go `crl.CertCheckStatus`: checks every distribution point of `cert` (issued by
 * `issuer`). The first error stops the check with `unknown`; a revoked status stops it with
 * `revoked`; otherwise `ok` with one server result per URL.
 */
export async function checkCrl(cert: Certificate, issuer: Certificate, options: CrlCheckOptions): Promise<CertRevocationResult> {
  const info = revocationInfo(cert);
  if (info.crlDistributionPoints.length === 0) {
    return { result: 'nonRevokable', serverResults: [{ result: 'nonRevokable', server: '', error: 'CRL is not supported', method: 'crl' }], method: 'crl' };
  }
  const results: ServerResult[] = [];
  for (const url of info.crlDistributionPoints) {
    let step = 'download';
    try {
      const bundle = await fetchCrlBundle(url, options);
      if (info.hasFreshestCrl && !bundle.delta) {
        throw Object.assign(new Error('freshest CRL from certificate extension is not supported'), { bare: true });
      }
      step = 'validate';
      validateCrlBundle(bundle, issuer, options.now);
      step = 'check';
      const status = crlStatus(info.serial, bundle, options.signingTime);
      if (status === 'revoked') return { result: 'revoked', serverResults: [{ result: 'revoked', server: url, method: 'crl' }], method: 'crl' };
      results.push({ result: 'ok', server: url, method: 'crl' });
    } catch (error) {
      const detail = (error as Error).message;
      const message = (error as { bare?: boolean }).bare
        ? detail
        : step === 'download'
          ? `failed to download CRL from ${url}: ${detail}`
          : step === 'validate'
            ? `failed to validate CRL from ${url}: ${detail}`
            : `failed to check revocation status from ${url}: ${detail}`;
      return { result: 'unknown', serverResults: [{ result: 'unknown', server: url, error: message, method: 'crl' }], method: 'crl' };
    }
  }
  return { result: 'ok', serverResults: results, method: 'crl' };
}
