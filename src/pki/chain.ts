/**
 * Certificate-chain checks of the Notary Project certificate profile, for the chain carried by a
 * signature (code signing) and the chain of a timestamp token (timestamping). These are integrity
 * checks, independent of any trust store.
 *
 * Messages follow notation-core-go's wording word for word, because Notation users (and our e2e
 * conformance cases) read them; Portcullis-only checks say so in their comment.
 *
 * @see notaryproject/specifications specs/signature-specification.md § Certificate Requirements
 * @see notaryproject/notation-core-go x509/codesigning_cert_validations.go, x509/timestamp_cert_validations.go, x509/helper.go
 */
import { PkiError, type PkiErrorCode } from '../errors.js';
import { goQuote, goTimeString } from '../gocompat/index.js';
import type { CertificateCache } from './cache.js';
import {
  checkSignature,
  checkSignatureFrom,
  KEY_USAGE,
  OID_EKU_ANY,
  OID_EKU_CLIENT_AUTH,
  OID_EKU_EMAIL_PROTECTION,
  OID_EKU_OCSP_SIGNING,
  OID_EKU_SERVER_AUTH,
  OID_EKU_TIME_STAMPING,
  OID_KEY_USAGE,
  OID_EXT_KEY_USAGE,
  sameBytes,
  type Certificate,
} from './certificate.js';

export type CertificatePurpose = 'codeSigning' | 'timestamping';

export interface ChainValidationOptions {
  /** Default `codeSigning`. */
  readonly purpose?: CertificatePurpose;
  /**
   * When given, every certificate must be valid at this instant (inclusive bounds). Signing passes
   * the signing time; integrity verification passes nothing (validity is a trust decision).
   */
  readonly signingTime?: Date;
  /** Memoises verified issuer signatures across calls. */
  readonly cache?: CertificateCache;
}

function chainError(message: string, code: PkiErrorCode = 'ERR_PKI_CHAIN_INVALID'): never {
  throw new PkiError(code, message);
}

const q = (cert: Certificate): string => goQuote(cert.subject);

/** The validity status of one certificate at an instant; bounds are inclusive as in Go. */
export function checkValidity(cert: Certificate, at: Date): 'valid' | 'notYetValid' | 'expired' {
  if (at.getTime() < cert.notBefore.getTime()) return 'notYetValid';
  if (at.getTime() > cert.notAfter.getTime()) return 'expired';
  return 'valid';
}

function validateSigningTime(cert: Certificate, signingTime: Date | undefined): void {
  if (signingTime && checkValidity(cert, signingTime) !== 'valid') {
    chainError(
      `certificate with subject ${q(cert)} was invalid at signing time of ${goTimeString(signingTime)}. ` +
        `Certificate is valid from [${goTimeString(cert.notBefore)}] to [${goTimeString(cert.notAfter)}]`,
      'ERR_PKI_CERTIFICATE_EXPIRED',
    );
  }
}

/** Go's isSelfSigned: the certificate may sign certificates, its signature verifies with its own key, and issuer == subject. */
function selfSignedProblem(
  cert: Certificate,
  verifyLink: (cert: Certificate, parent: Certificate) => string | undefined = checkSignatureFrom,
): { error?: string; selfSigned: boolean } {
  const error = verifyLink(cert, cert);
  if (error !== undefined) return { error, selfSigned: false };
  return { selfSigned: sameBytes(cert.rawSubject, cert.rawIssuer) };
}

function validateCaBasicConstraints(cert: Certificate, expectedPathLength: number): void {
  const bc = cert.basicConstraints;
  // Spec: present, critical, cA=true. Go checks presence and cA only; we also require critical (spec MUST).
  if (!bc || !bc.ca || !bc.critical) {
    chainError(`certificate with subject ${q(cert)}: ca field in basic constraints must be present, critical, and set to true`);
  }
  if (bc.pathLength !== undefined && bc.pathLength < expectedPathLength) {
    chainError(
      `certificate with subject ${q(cert)}: expected path length of ${expectedPathLength} but certificate has path length ${bc.pathLength} instead`,
    );
  }
}

function validateLeafBasicConstraints(cert: Certificate): void {
  if (cert.basicConstraints?.ca) {
    chainError(`certificate with subject ${q(cert)}: if the basic constraints extension is present, the ca field must be set to false`);
  }
}

function validateKeyUsagePresent(cert: Certificate, mustBeCritical: boolean): void {
  const ext = cert.extensions.find((e) => e.oid === OID_KEY_USAGE);
  if (!ext) chainError(`certificate with subject ${q(cert)}: key usage extension must be present`);
  if (mustBeCritical && !ext.critical) chainError(`certificate with subject ${q(cert)}: key usage extension must be marked critical`);
}

const FORBIDDEN_LEAF_USAGES: readonly [number, string][] = [
  [KEY_USAGE.keyEncipherment, '"KeyEncipherment"'],
  [KEY_USAGE.dataEncipherment, '"DataEncipherment"'],
  [KEY_USAGE.keyAgreement, '"KeyAgreement"'],
  [KEY_USAGE.keyCertSign, '"CertSign"'],
  [KEY_USAGE.cRLSign, '"CRLSign"'],
  [KEY_USAGE.encipherOnly, '"EncipherOnly"'],
  [KEY_USAGE.decipherOnly, '"DecipherOnly"'],
];

function validateLeafKeyUsage(cert: Certificate): void {
  const bits = cert.keyUsage?.bits ?? 0;
  if ((bits & KEY_USAGE.digitalSignature) === 0) {
    chainError(`the certificate with subject ${q(cert)} is invalid. The key usage must have the bit positions for "Digital Signature" set`);
  }
  const found = FORBIDDEN_LEAF_USAGES.filter(([bit]) => bits & bit).map(([, name]) => name);
  if (found.length > 0) {
    chainError(`the certificate with subject ${q(cert)} is invalid. The key usage must be "Digital Signature" only, but found ${found.join(', ')}`);
  }
}

/**
 * EKUs a code-signing leaf must not carry: the spec's list (anyExtendedKeyUsage, serverAuth,
 * clientAuth, emailProtection, timeStamping) united with Go's (which adds OCSPSigning but omits
 * anyExtendedKeyUsage). Names are Go's `ekuToString`.
 */
const FORBIDDEN_CODE_SIGNING_EKUS: readonly [string, string][] = [
  [OID_EKU_ANY, 'Any'],
  [OID_EKU_SERVER_AUTH, 'ServerAuth'],
  [OID_EKU_CLIENT_AUTH, 'ClientAuth'],
  [OID_EKU_EMAIL_PROTECTION, 'EmailProtection'],
  [OID_EKU_TIME_STAMPING, 'Timestamping'],
  [OID_EKU_OCSP_SIGNING, 'OCSPSigning'],
];

function validateCodeSigningExtendedKeyUsage(cert: Certificate): void {
  for (const oid of cert.extKeyUsage?.oids ?? []) {
    const forbidden = FORBIDDEN_CODE_SIGNING_EKUS.find(([candidate]) => candidate === oid);
    if (forbidden) chainError(`certificate with subject ${q(cert)}: extended key usage must not contain ${forbidden[1]} eku`);
  }
}

function validateTimestampingExtendedKeyUsage(cert: Certificate): void {
  const eku = cert.extKeyUsage;
  // RFC 3161 §2.3: exactly one EKU, id-kp-timeStamping, in a critical extension.
  if (!eku || eku.oids.length !== 1 || eku.oids[0] !== OID_EKU_TIME_STAMPING) {
    chainError(`timestamp signing certificate with subject ${q(cert)} must have and only have Timestamping as extended key usage`);
  }
  const ext = cert.extensions.find((e) => e.oid === OID_EXT_KEY_USAGE);
  if (ext && !ext.critical) {
    chainError(`timestamp signing certificate with subject ${q(cert)} must have extended key usage extension marked as critical`);
  }
}

function keySizeProblem(cert: Certificate): string {
  const info = cert.publicKeyInfo;
  if (info.type === 'RSA') return `rsa key size ${Math.ceil(info.bits / 8) * 8} bits is not supported`;
  if (info.type === 'EC') return `ecdsa key size ${info.bits} bits is not supported`;
  return 'unsupported public key type';
}

/** Go's message for a certificate whose key is not one of the six key specs. */
export function unsupportedKeyMessage(cert: Certificate): string {
  return `certificate with subject ${q(cert)}: ${keySizeProblem(cert)}`;
}

/** The leaf's key must be one of the six key specs (Go's `validateSignatureAlgorithm`). */
function validateLeafKey(cert: Certificate): void {
  if (cert.keySpec === undefined) {
    chainError(`certificate with subject ${q(cert)}: ${keySizeProblem(cert)}`, 'ERR_PKI_UNSUPPORTED_ALGORITHM');
  }
}

/**
 * Portcullis-only: the spec's key-length floor (RSA ≥ 2048, EC ≥ 256) applied to CA certificates
 * too. Go does not check CA keys. Ed25519 CAs are allowed (Go can verify their signatures).
 */
function validateCaKey(cert: Certificate): void {
  const info = cert.publicKeyInfo;
  const ok = (info.type === 'RSA' && info.bits >= 2048) || (info.type === 'EC' && info.bits >= 256) || info.type === 'Ed25519';
  if (!ok) chainError(`certificate with subject ${q(cert)}: ${keySizeProblem(cert)}`, 'ERR_PKI_UNSUPPORTED_ALGORITHM');
}

function validateLeaf(cert: Certificate, purpose: CertificatePurpose): void {
  validateLeafBasicConstraints(cert);
  validateKeyUsagePresent(cert, purpose === 'codeSigning');
  validateLeafKeyUsage(cert);
  if (purpose === 'codeSigning') validateCodeSigningExtendedKeyUsage(cert);
  else validateTimestampingExtendedKeyUsage(cert);
  validateLeafKey(cert);
}

function validateCa(cert: Certificate, expectedPathLength: number, purpose: CertificatePurpose): void {
  validateCaBasicConstraints(cert, expectedPathLength);
  validateKeyUsagePresent(cert, purpose === 'codeSigning');
  if (((cert.keyUsage?.bits ?? 0) & KEY_USAGE.keyCertSign) === 0) {
    chainError(`certificate with subject ${q(cert)}: key usage must have the bit positions for key cert sign set`);
  }
  validateCaKey(cert);
}

/**
 * Validates an ordered chain (leaf first, root last) against the Notary certificate profile:
 * each certificate is issued (names and signature) by the next, the last is a self-signed root,
 * no earlier certificate is self-signed, CA and leaf extension rules hold, the leaf key is one of
 * the six key specs, no SHA-1 signatures, and optionally every certificate is valid at
 * `signingTime`. A single self-signed certificate is checked against the leaf rules only.
 *
 * Throws PkiError (ERR_PKI_CHAIN_INVALID, ERR_PKI_CERTIFICATE_EXPIRED or
 * ERR_PKI_UNSUPPORTED_ALGORITHM) with notation-core-go's message.
 */
export function validateCertificateChain(chain: readonly Certificate[], options: ChainValidationOptions = {}): void {
  const purpose = options.purpose ?? 'codeSigning';
  const verifyLink = (cert: Certificate, parent: Certificate): string | undefined =>
    options.cache ? options.cache.checkSignatureFrom(cert, parent) : checkSignatureFrom(cert, parent);
  if (chain.length < 1) chainError('certificate chain must contain at least one certificate');

  if (chain.length === 1) {
    const cert = chain[0]!;
    // A self-signed signing certificate need not be a CA, so only the signature is checked (not CheckSignatureFrom).
    const signatureError = checkSignature(cert, cert);
    if (signatureError !== undefined) {
      chainError(`invalid self-signed certificate. subject: ${q(cert)}. Error: ${signatureError}`);
    }
    if (!sameBytes(cert.rawSubject, cert.rawIssuer)) {
      const gap = purpose === 'codeSigning' ? '' : ' ';
      chainError(
        `invalid self-signed certificate. subject: ${q(cert)}. Error: issuer${gap}(${cert.issuer}) and subject${gap}(${cert.subject}) are not the same`,
      );
    }
    if (purpose === 'codeSigning') validateSigningTime(cert, options.signingTime);
    try {
      validateLeaf(cert, purpose);
    } catch (error) {
      if (error instanceof PkiError) throw new PkiError(error.code, `invalid self-signed certificate. Error: ${error.message}`);
      throw error;
    }
    return;
  }

  chain.forEach((cert, i) => {
    if (purpose === 'codeSigning') validateSigningTime(cert, options.signingTime);
    if (i === chain.length - 1) {
      const { error, selfSigned } = selfSignedProblem(cert, verifyLink);
      if (error !== undefined) {
        chainError(
          `root certificate with subject ${q(cert)} is invalid or not self-signed. Certificate chain must end with a valid self-signed root certificate. Error: ${error}`,
        );
      }
      if (!selfSigned) {
        chainError(`root certificate with subject ${q(cert)} is not self-signed. Certificate chain must end with a valid self-signed root certificate`);
      }
    } else {
      // A self-signed certificate before the end means an extra root or an unrelated certificate.
      const { error, selfSigned } = selfSignedProblem(cert, verifyLink);
      if (error === undefined && selfSigned) {
        if (i === 0) {
          chainError(`leaf certificate with subject ${q(cert)} is self-signed. Certificate chain must not contain self-signed leaf certificate`);
        }
        chainError(
          `intermediate certificate with subject ${q(cert)} is self-signed. Certificate chain must not contain self-signed intermediate certificate`,
        );
      }
      const parent = chain[i + 1]!;
      const issuedError = verifyLink(cert, parent);
      if (issuedError !== undefined) {
        chainError(`invalid certificates or certificate with subject ${q(cert)} is not issued by ${q(parent)}. Error: ${issuedError}`);
      }
      if (!sameBytes(parent.rawSubject, cert.rawIssuer)) {
        chainError(`certificate with subject ${q(cert)} is not issued by ${q(parent)}`);
      }
    }
    if (i === 0) validateLeaf(cert, purpose);
    else validateCa(cert, i - 1, purpose);
  });
}

/** Code-signing profile (the chain in a signature envelope). */
export function validateCodeSigningChain(chain: readonly Certificate[], options: Omit<ChainValidationOptions, 'purpose'> = {}): void {
  validateCertificateChain(chain, { ...options, purpose: 'codeSigning' });
}

/** Timestamping profile (the chain of an RFC 3161 token's signer). Validity is checked by the caller at genTime. */
export function validateTimestampingChain(chain: readonly Certificate[], options: Pick<ChainValidationOptions, 'cache'> = {}): void {
  validateCertificateChain(chain, { ...options, purpose: 'timestamping' });
}

export type TrustStoreType = 'ca' | 'signingAuthority' | 'tsa';

/**
 * Checks a certificate loaded from a trust store the way notation-go does
 * (verifier/truststore `ValidateCertificates`, `isRootCACertificate`): `ca` and
 * `signingAuthority` stores accept CA certificates or self-signed signing certificates (the
 * self-signature checked as Go's `Certificate.CheckSignature` does, which still verifies SHA-1);
 * `tsa` stores accept root CA certificates only (`CheckSignatureFrom` itself, then issuer ==
 * subject). Throws PkiError ERR_PKI_CHAIN_INVALID with notation-go's message.
 */
export function validateTrustStoreCertificate(cert: Certificate, storeType: TrustStoreType): void {
  if (!cert.basicConstraints?.ca && checkSignature(cert, cert, { allowSha1: true }) !== undefined) {
    chainError(`certificate with subject ${q(cert)} is not a CA certificate or self-signed signing certificate`);
  }
  if (storeType === 'tsa') {
    const error = checkSignatureFrom(cert, cert);
    if (error !== undefined) chainError(`certificate with subject ${q(cert)} is not a root CA certificate: ${error}`);
    if (!sameBytes(cert.rawSubject, cert.rawIssuer)) {
      chainError(`certificate with subject ${q(cert)} is not a root CA certificate: issuer (${cert.issuer}) and subject (${cert.subject}) are not the same`);
    }
  }
}
