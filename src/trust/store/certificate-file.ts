/**
 * Certificate files as Notation reads them (notation-core-go `x509.ReadCertificateFile`):
 * if the bytes contain a PEM block, every PEM block (whatever its label) must be a certificate;
 * otherwise the bytes are one or more concatenated DER certificates. An empty file yields none.
 *
 * The PEM reader follows Go's `encoding/pem.Decode` (blocks that do not close properly are
 * skipped, `Key: value` header lines allowed, base64 strict about padding); certificates are
 * parsed by pki (`parseCertificates` is Go's `x509.ParseCertificates`: each element must parse,
 * trailing bytes are an error), so trust and pki share one DER reader and one certificate model.
 */
import { PkiError } from '../../errors.js';
import { parseCertificate, parseCertificates, type Certificate } from '../../pki/index.js';
import type { SubjectRdns } from '../policy/index.js';

const PEM_START = Buffer.from('\n-----BEGIN ');
const PEM_END = Buffer.from('\n-----END ');
const PEM_END_OF_LINE = Buffer.from('-----');

/** The message Go's x509 parser gives for bytes that are not a certificate. */
export const MALFORMED_CERTIFICATE = 'x509: malformed certificate';

function indexOf(haystack: Buffer, needle: Buffer, from = 0): number {
  return haystack.indexOf(needle, from);
}

/** Go's pem `getLine`: the line without its `\n` and trailing spaces/tabs/CRs, and the rest. */
function getLine(data: Buffer): [Buffer, Buffer] {
  const newline = data.indexOf(0x0a);
  let line: Buffer;
  let rest: Buffer;
  if (newline < 0) {
    line = data;
    rest = data.subarray(data.length);
  } else {
    line = data.subarray(0, newline);
    rest = data.subarray(newline + 1);
  }
  let end = line.length;
  while (end > 0 && (line[end - 1] === 0x20 || line[end - 1] === 0x09 || line[end - 1] === 0x0d)) end -= 1;
  return [line.subarray(0, end), rest];
}

const BASE64 = /^[A-Za-z0-9+/]*$/;

/** Go's `base64.StdEncoding.Decode` (CR/LF ignored, padding required); undefined when invalid. */
function decodeStdBase64(data: Buffer): Buffer | undefined {
  const text = data.toString('latin1').replace(/[\r\n]/g, '');
  if (text.length % 4 !== 0) return undefined;
  const body = text.endsWith('==') ? text.slice(0, -2) : text.endsWith('=') ? text.slice(0, -1) : text;
  if (!BASE64.test(body)) return undefined;
  return Buffer.from(text, 'base64');
}

/** One PEM block as Go's `pem.Decode` returns it, or undefined when there is none left. */
function pemDecode(input: Buffer): { type: string; bytes: Buffer; rest: Buffer } | undefined {
  let rest = input;
  for (;;) {
    if (rest.subarray(0, PEM_START.length - 1).equals(PEM_START.subarray(1))) {
      rest = rest.subarray(PEM_START.length - 1);
    } else {
      const at = indexOf(rest, PEM_START);
      if (at < 0) return undefined;
      rest = rest.subarray(at + PEM_START.length);
    }
    let typeLine: Buffer;
    [typeLine, rest] = getLine(rest);
    if (!typeLine.subarray(typeLine.length - PEM_END_OF_LINE.length).equals(PEM_END_OF_LINE)) continue;
    if (typeLine.length < PEM_END_OF_LINE.length) continue;
    typeLine = typeLine.subarray(0, typeLine.length - PEM_END_OF_LINE.length);

    let headers = 0;
    let truncated = false;
    for (;;) {
      if (rest.length === 0) {
        truncated = true;
        break;
      }
      const [line, next] = getLine(rest);
      if (line.indexOf(0x3a /* : */) < 0) break;
      headers += 1;
      rest = next;
    }
    if (truncated) return undefined;

    let endIndex: number;
    let endTrailerIndex: number;
    if (headers === 0 && rest.subarray(0, PEM_END.length - 1).equals(PEM_END.subarray(1))) {
      endIndex = 0;
      endTrailerIndex = PEM_END.length - 1;
    } else {
      endIndex = indexOf(rest, PEM_END);
      endTrailerIndex = endIndex + PEM_END.length;
    }
    if (endIndex < 0) continue;
    let endTrailer = rest.subarray(endTrailerIndex);
    const endTrailerLength = typeLine.length + PEM_END_OF_LINE.length;
    if (endTrailer.length < endTrailerLength) continue;
    const restOfEndLine = endTrailer.subarray(endTrailerLength);
    endTrailer = endTrailer.subarray(0, endTrailerLength);
    if (
      !endTrailer.subarray(0, typeLine.length).equals(typeLine) ||
      !endTrailer.subarray(typeLine.length).equals(PEM_END_OF_LINE)
    ) {
      continue;
    }
    if (getLine(restOfEndLine)[0].length !== 0) continue;
    const base64 = Buffer.from(rest.subarray(0, endIndex).filter((b) => b !== 0x20 && b !== 0x09));
    const bytes = decodeStdBase64(base64);
    if (bytes === undefined) continue;
    const [, after] = getLine(rest.subarray(endIndex + PEM_END.length - 1));
    return { type: typeLine.toString('latin1'), bytes, rest: after };
  }
}

/** Runs a pki parse, reporting any failure with the one message Notation gives here. */
function orMalformed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof PkiError) throw new Error(MALFORMED_CERTIFICATE, { cause: error });
    throw error;
  }
}

/**
 * Parses a certificate file (see the module comment) with pki's X.509 parser.
 * Returns an empty list for a file with no certificate (for example an empty file).
 * @throws Error `x509: malformed certificate` when a block or element is not a certificate
 */
export function parseCertificateFile(bytes: Uint8Array): Certificate[] {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let block = pemDecode(data);
  if (block === undefined) return orMalformed(() => parseCertificates(data));
  const certificates: Certificate[] = [];
  while (block !== undefined) {
    const der = block.bytes;
    certificates.push(orMalformed(() => parseCertificate(der)));
    block = pemDecode(block.rest);
  }
  return certificates;
}

/**
 * Splits a certificate file into DER certificates, each checked to parse as X.509.
 * Returns an empty list for a file with no certificate (for example an empty file).
 * @throws Error `x509: malformed certificate` when a block or element is not a certificate
 */
export function readCertificateFile(bytes: Uint8Array): Uint8Array[] {
  return parseCertificateFile(bytes).map((certificate) => certificate.der);
}

/**
 * The subject of a DER certificate as RDNs in encoding order, ready for
 * {@link verifyX509TrustedIdentities} (`leafSubject` argument).
 * @throws Error `x509: malformed certificate`
 */
export function certificateSubject(der: Uint8Array): SubjectRdns {
  return orMalformed(() => parseCertificate(der)).subjectRdns;
}

/** PEM-encodes DER certificates (64-column base64, `CERTIFICATE` label, LF line ends). */
export function encodeCertificatesPem(certificates: readonly Uint8Array[]): string {
  return certificates
    .map((der) => {
      const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
      return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
    })
    .join('');
}
