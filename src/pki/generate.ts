/**
 * Test certificates: Notation's `cert generate-test` equivalent and CA→leaf chain builders for
 * tests. Uses @peculiar/x509 over node's WebCrypto, loaded lazily so verification code paths never
 * load it (nor the `reflect-metadata` global polyfill it needs).
 *
 * Time is passed in (`notBefore`); nothing here reads the clock.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { PkiError } from '../errors.js';
import { KEY_SPECS, keySpecOfKey, type KeySpec } from './algorithm.js';
import { derToPem, KEY_USAGE, OID_EKU_CODE_SIGNING } from './certificate.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface TestCertificate {
  /** DER of the certificate. */
  readonly certificate: Uint8Array;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Undefined when the key is deliberately outside the six Notary key specs. */
  readonly keySpec: KeySpec | undefined;
  /** Go-style subject string (`CN=...,O=Notary,L=Seattle,ST=WA,C=US`). */
  readonly subject: string;
}

export interface TestCertificateOptions {
  readonly commonName: string;
  /** Default `RSA-3072`. Ignored when `privateKey` is given. */
  readonly keySpec?: KeySpec;
  /** Use this key instead of generating one (for keys outside the six specs, e.g. RSA-1024). */
  readonly privateKey?: KeyObject;
  readonly notBefore: Date;
  /** Default `notBefore` + 1 day, like Notation's generate-test. */
  readonly notAfter?: Date;
  /** Signs with this certificate's key and takes its subject as issuer; default self-signed. */
  readonly issuer?: TestCertificate;
  /** `null` omits the extension. Default: absent for leaves, `{ca: true, critical: true}` when `isCA`. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number; readonly critical?: boolean } | null;
  /** Shorthand for a CA: basicConstraints cA=true critical, key usage keyCertSign|cRLSign, no EKU. */
  readonly isCA?: boolean;
  /** KEY_USAGE bit mask; `null` omits the extension. Default digitalSignature (leaf) or keyCertSign|cRLSign (CA). */
  readonly keyUsage?: number | null;
  /** Default true. */
  readonly keyUsageCritical?: boolean;
  /** EKU OIDs; `null` omits the extension. Default [codeSigning] for leaves, none for CAs. */
  readonly extKeyUsage?: readonly string[] | null;
  readonly extKeyUsageCritical?: boolean;
  /** Hash of the certificate's own signature; default follows the issuer's key spec. `SHA-1` for hostile tests. */
  readonly signatureHash?: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
  /** Hex serial number; default random. */
  readonly serialNumber?: string;
  /** Further extensions, DER values as is (CRL distribution points, authority information access, ...). */
  readonly extraExtensions?: readonly { readonly oid: string; readonly critical?: boolean; readonly value: Uint8Array }[];
}

type X509Module = typeof import('@peculiar/x509');
let x509Module: Promise<X509Module> | undefined;

async function loadX509(): Promise<X509Module> {
  x509Module ??= (async () => {
    // @peculiar/x509 resolves its dependency container through tsyringe, which needs the Reflect
    // metadata polyfill loaded first.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return x509Module;
}

async function generatePrivateKey(keySpec: KeySpec): Promise<KeyObject> {
  const details = KEY_SPECS[keySpec];
  if (details.keyType === 'RSA') {
    const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: details.size, publicExponent: 0x10001 });
    return privateKey;
  }
  const { privateKey } = await generateKeyPairAsync('ec', { namedCurve: details.namedCurve! });
  return privateKey;
}

function hashForKey(key: KeyObject): 'SHA-256' | 'SHA-384' | 'SHA-512' {
  try {
    const hash = KEY_SPECS[keySpecOfKey(key)].hash;
    return hash === 'sha256' ? 'SHA-256' : hash === 'sha384' ? 'SHA-384' : 'SHA-512';
  } catch {
    return 'SHA-256';
  }
}

const WEBCRYPTO_CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

async function toCryptoKeys(privateKey: KeyObject, hash: string): Promise<webcrypto.CryptoKeyPair> {
  const subtle = webcrypto.subtle;
  const publicKey = createPublicKey(privateKey);
  let algorithm: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  if (privateKey.asymmetricKeyType === 'rsa') {
    algorithm = { name: 'RSASSA-PKCS1-v1_5', hash };
  } else if (privateKey.asymmetricKeyType === 'ec') {
    const curve = WEBCRYPTO_CURVES[privateKey.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!curve) throw new PkiError('ERR_PKI_UNSUPPORTED_ALGORITHM', 'test certificates support P-256, P-384 and P-521 only');
    algorithm = { name: 'ECDSA', namedCurve: curve };
  } else {
    throw new PkiError('ERR_PKI_UNSUPPORTED_ALGORITHM', `test certificates do not support ${privateKey.asymmetricKeyType} keys`);
  }
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    privateKey: await subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']),
    publicKey: await subtle.importKey('spki', spki, algorithm, true, ['verify']),
  };
}

function escapeRdnValue(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ');
}

/**
 * Generates a key (default RSA-3072) and a certificate shaped like Notation's `cert generate-test`
 * output: subject `C=US, ST=WA, L=Seattle, O=Notary, CN=<commonName>`, key usage digitalSignature
 * (critical), EKU codeSigning, self-signed and not a CA. Options reshape it for chains and for
 * hostile tests.
 */
export async function generateTestCertificate(options: TestCertificateOptions): Promise<TestCertificate> {
  const x509 = await loadX509();
  const privateKey = options.privateKey ?? (await generatePrivateKey(options.keySpec ?? 'RSA-3072'));
  const publicKey = createPublicKey(privateKey);
  const isCA = options.isCA ?? false;
  const signerKey = options.issuer?.privateKey ?? privateKey;
  const hash = options.signatureHash ?? hashForKey(signerKey);

  const subjectKeys = await toCryptoKeys(privateKey, 'SHA-256');
  const signingKeys = await toCryptoKeys(signerKey, hash);

  const extensions: InstanceType<X509Module['Extension']>[] = [];
  const basicConstraints = options.basicConstraints === undefined ? (isCA ? { ca: true, critical: true } : null) : options.basicConstraints;
  if (basicConstraints) {
    extensions.push(new x509.BasicConstraintsExtension(basicConstraints.ca, basicConstraints.pathLength, basicConstraints.critical ?? true));
  }
  const keyUsage =
    options.keyUsage === undefined ? (isCA ? KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign : KEY_USAGE.digitalSignature) : options.keyUsage;
  if (keyUsage !== null) {
    // @peculiar/x509's KeyUsageFlags number bits from the other end: digitalSignature = 1, ..., decipherOnly = 256,
    // which matches our KEY_USAGE numbering (bit 0 = digitalSignature).
    extensions.push(new x509.KeyUsagesExtension(keyUsage, options.keyUsageCritical ?? true));
  }
  const extKeyUsage = options.extKeyUsage === undefined ? (isCA ? null : [OID_EKU_CODE_SIGNING]) : options.extKeyUsage;
  if (extKeyUsage !== null) {
    extensions.push(new x509.ExtendedKeyUsageExtension([...extKeyUsage], options.extKeyUsageCritical ?? false));
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(subjectKeys.publicKey));
  for (const extra of options.extraExtensions ?? []) {
    extensions.push(new x509.Extension(extra.oid, extra.critical ?? false, Uint8Array.from(extra.value)));
  }

  const subject = `C=US, ST=WA, L=Seattle, O=Notary, CN=${escapeRdnValue(options.commonName)}`;
  const issuerName = options.issuer ? new x509.X509Certificate(options.issuer.certificate).subjectName : subject;
  const notAfter = options.notAfter ?? new Date(options.notBefore.getTime() + 24 * 60 * 60 * 1000);
  const signingAlgorithm =
    signingKeys.privateKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash } : { name: 'RSASSA-PKCS1-v1_5' };
  const serialNumber = options.serialNumber ?? Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1');

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject,
    issuer: issuerName,
    notBefore: options.notBefore,
    notAfter,
    publicKey: subjectKeys.publicKey,
    signingKey: signingKeys.privateKey,
    signingAlgorithm,
    extensions,
  });
  const der = new Uint8Array(cert.rawData);
  let keySpec: KeySpec | undefined;
  try {
    keySpec = keySpecOfKey(publicKey);
  } catch {
    keySpec = undefined;
  }
  const { parseCertificate } = await import('./certificate.js');
  return { certificate: der, certificatePem: derToPem(der), privateKey, publicKey, keySpec, subject: parseCertificate(der).subject };
}

export interface TestChainOptions {
  /** Default `RSA-3072`. */
  readonly leafKeySpec?: KeySpec;
  /** Key spec of the root and intermediates; default `RSA-3072`. */
  readonly caKeySpec?: KeySpec;
  /** Intermediate CAs between leaf and root; default 0. */
  readonly intermediates?: number;
  readonly notBefore: Date;
  /** Default `notBefore` + 1 day. */
  readonly notAfter?: Date;
  /** Leaf common name; default `Portcullis Test Leaf`. */
  readonly commonName?: string;
  /** Passed to the leaf, e.g. to give it a bad EKU. */
  readonly leaf?: Partial<Omit<TestCertificateOptions, 'issuer' | 'notBefore' | 'notAfter'>>;
}

export interface TestChain {
  readonly leaf: TestCertificate;
  /** Intermediates, nearest to the leaf first. */
  readonly intermediates: readonly TestCertificate[];
  readonly root: TestCertificate;
  /** DER chain in envelope order: leaf, intermediates, root. */
  readonly chain: readonly Uint8Array[];
}

/** Builds root CA → intermediates → leaf with the Notary profile's extensions. */
export async function buildTestChain(options: TestChainOptions): Promise<TestChain> {
  const caKeySpec = options.caKeySpec ?? 'RSA-3072';
  const count = options.intermediates ?? 0;
  const validity = { notBefore: options.notBefore, ...(options.notAfter ? { notAfter: options.notAfter } : {}) };
  const root = await generateTestCertificate({ commonName: 'Portcullis Test Root', keySpec: caKeySpec, isCA: true, ...validity });
  const intermediates: TestCertificate[] = [];
  let issuer = root;
  for (let i = count; i >= 1; i--) {
    issuer = await generateTestCertificate({
      commonName: `Portcullis Test Intermediate ${i}`,
      keySpec: caKeySpec,
      isCA: true,
      issuer,
      ...validity,
    });
    intermediates.unshift(issuer);
  }
  const leaf = await generateTestCertificate({
    commonName: options.commonName ?? 'Portcullis Test Leaf',
    keySpec: options.leafKeySpec ?? 'RSA-3072',
    ...options.leaf,
    issuer,
    ...validity,
  });
  return { leaf, intermediates, root, chain: [leaf.certificate, ...intermediates.map((c) => c.certificate), root.certificate] };
}

/** Loads a PEM/DER private key (tests and the CLI read the file; this only converts). */
export function toPrivateKey(pemOrDer: string | Uint8Array): KeyObject {
  return typeof pemOrDer === 'string' ? createPrivateKey(pemOrDer) : createPrivateKey({ key: Buffer.from(pemOrDer), format: 'der', type: 'pkcs8' });
}
