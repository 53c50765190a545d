import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { PkiError, type PkiErrorCode } from '../errors.js';
import {
  buildTestChain,
  CertificateCache,
  generateTestCertificate,
  KEY_USAGE,
  OID_EKU_ANY,
  OID_EKU_CODE_SIGNING,
  OID_EKU_OCSP_SIGNING,
  OID_EKU_SERVER_AUTH,
  OID_EKU_TIME_STAMPING,
  parseCertificate,
  validateCodeSigningChain,
  validateTimestampingChain,
  validateTrustStoreCertificate,
  type Certificate,
  type TestCertificate,
  type TestCertificateOptions,
  type TestChain,
} from './index.js';
import { RSA_8192_TEST_KEY_PEM } from '../../test/fixtures/rsa-8192-key.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const parse = (certs: readonly (TestCertificate | Uint8Array)[]): Certificate[] =>
  certs.map((c) => parseCertificate(c instanceof Uint8Array ? c : c.certificate));

function rejects(fn: () => void, code: PkiErrorCode, message: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof PkiError, `expected PkiError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

describe('validateCodeSigningChain', () => {
  let chain: TestChain;
  let root: TestCertificate;
  before(async () => {
    chain = await buildTestChain({ notBefore: NOW, intermediates: 1, leafKeySpec: 'EC-256', caKeySpec: 'EC-256' });
    root = chain.root;
  });

  /** A leaf under the chain's intermediate with some options changed. */
  async function leafWith(options: Partial<TestCertificateOptions>): Promise<Certificate[]> {
    const leaf = await generateTestCertificate({ commonName: 'leaf', keySpec: 'EC-256', notBefore: NOW, issuer: chain.intermediates[0], ...options });
    return parse([leaf, chain.intermediates[0]!, root]);
  }

  it('accepts leaf → intermediate → root, with and without a signing time inside validity', () => {
    const certs = parse(chain.chain);
    validateCodeSigningChain(certs);
    validateCodeSigningChain(certs, { signingTime: NOW });
    validateCodeSigningChain(certs, { signingTime: new Date(NOW.getTime() + 24 * 3600 * 1000) }); // notAfter is inclusive
  });

  it('accepts every CA/leaf key spec pairing it is given', async () => {
    for (const [leafKeySpec, caKeySpec] of [['RSA-2048', 'EC-384'], ['EC-521', 'RSA-2048']] as const) {
      const c = await buildTestChain({ notBefore: NOW, leafKeySpec, caKeySpec });
      validateCodeSigningChain(parse(c.chain), { signingTime: NOW });
    }
  });

  it('accepts a single self-signed signing certificate (generate-test shape)', async () => {
    const single = await generateTestCertificate({ commonName: 'self', keySpec: 'EC-256', notBefore: NOW });
    validateCodeSigningChain(parse([single]), { signingTime: NOW });
  });

  it('memoises verified links in a cache without changing results', () => {
    const cache = new CertificateCache();
    const certs = chain.chain.map((der) => cache.get(der));
    validateCodeSigningChain(certs, { cache });
    validateCodeSigningChain(certs, { cache });
    assert.equal(cache.stats.links, 3); // leaf→intermediate, intermediate→root, root self-signature
    rejects(() => validateCodeSigningChain([certs[0]!, certs[2]!], { cache }), 'ERR_PKI_CHAIN_INVALID', /is not issued by/);
  });

  it('rejects an empty chain', () => {
    rejects(() => validateCodeSigningChain([]), 'ERR_PKI_CHAIN_INVALID', 'certificate chain must contain at least one certificate');
  });

  it('rejects a chain out of order', () => {
    const [leaf, intermediate, rootCert] = parse(chain.chain);
    rejects(
      () => validateCodeSigningChain([leaf!, rootCert!, intermediate!]),
      'ERR_PKI_CHAIN_INVALID',
      'invalid certificates or certificate with subject "CN=Portcullis Test Leaf,O=Notary,L=Seattle,ST=WA,C=US" is not issued by ' +
        '"CN=Portcullis Test Root,O=Notary,L=Seattle,ST=WA,C=US". Error: x509: ECDSA verification failure',
    );
    rejects(() => validateCodeSigningChain([rootCert!, intermediate!, leaf!]), 'ERR_PKI_CHAIN_INVALID', /self-signed/);
  });

  it('rejects a chain that does not end in a root', () => {
    const [leaf, intermediate] = parse(chain.chain);
    rejects(
      () => validateCodeSigningChain([leaf!, intermediate!]),
      'ERR_PKI_CHAIN_INVALID',
      /^root certificate with subject "CN=Portcullis Test Intermediate 1,.*" is invalid or not self-signed\. Certificate chain must end with a valid self-signed root certificate\. Error: x509: ECDSA verification failure$/,
    );
  });

  it('rejects an unrelated extra root', async () => {
    const other = await generateTestCertificate({ commonName: 'Other Root', keySpec: 'EC-256', isCA: true, notBefore: NOW });
    const [leaf, intermediate, rootCert] = parse(chain.chain);
    rejects(
      () => validateCodeSigningChain([leaf!, intermediate!, rootCert!, parseCertificate(other.certificate)]),
      'ERR_PKI_CHAIN_INVALID',
      /^intermediate certificate with subject "CN=Portcullis Test Root,.*" is self-signed/,
    );
  });

  it('rejects a CA certificate as leaf', async () => {
    const certs = await leafWith({ isCA: true, extKeyUsage: [OID_EKU_CODE_SIGNING], keyUsage: KEY_USAGE.digitalSignature | KEY_USAGE.keyCertSign });
    rejects(
      () => validateCodeSigningChain(certs),
      'ERR_PKI_CHAIN_INVALID',
      'certificate with subject "CN=leaf,O=Notary,L=Seattle,ST=WA,C=US": if the basic constraints extension is present, the ca field must be set to false',
    );
  });

  for (const [oid, name] of [
    [OID_EKU_SERVER_AUTH, 'ServerAuth'],
    [OID_EKU_TIME_STAMPING, 'Timestamping'],
    [OID_EKU_OCSP_SIGNING, 'OCSPSigning'],
    [OID_EKU_ANY, 'Any'],
  ] as const) {
    it(`rejects a leaf whose EKU contains ${name}`, async () => {
      const certs = await leafWith({ extKeyUsage: [OID_EKU_CODE_SIGNING, oid] });
      rejects(
        () => validateCodeSigningChain(certs),
        'ERR_PKI_CHAIN_INVALID',
        `certificate with subject "CN=leaf,O=Notary,L=Seattle,ST=WA,C=US": extended key usage must not contain ${name} eku`,
      );
    });
  }

  it('accepts a leaf without EKU', async () => {
    validateCodeSigningChain(await leafWith({ extKeyUsage: null }));
  });

  it('rejects leaf key usage problems', async () => {
    rejects(
      () => validateCodeSigningChain(certsNoKu),
      'ERR_PKI_CHAIN_INVALID',
      'certificate with subject "CN=leaf,O=Notary,L=Seattle,ST=WA,C=US": key usage extension must be present',
    );
    rejects(() => validateCodeSigningChain(certsKuNotCritical), 'ERR_PKI_CHAIN_INVALID', /key usage extension must be marked critical$/);
    rejects(
      () => validateCodeSigningChain(certsKuEncipher),
      'ERR_PKI_CHAIN_INVALID',
      'the certificate with subject "CN=leaf,O=Notary,L=Seattle,ST=WA,C=US" is invalid. The key usage must be "Digital Signature" only, but found "KeyEncipherment", "CRLSign"',
    );
    rejects(
      () => validateCodeSigningChain(certsKuNoDigital),
      'ERR_PKI_CHAIN_INVALID',
      'the certificate with subject "CN=leaf,O=Notary,L=Seattle,ST=WA,C=US" is invalid. The key usage must have the bit positions for "Digital Signature" set',
    );
  });
  let certsNoKu: Certificate[];
  let certsKuNotCritical: Certificate[];
  let certsKuEncipher: Certificate[];
  let certsKuNoDigital: Certificate[];
  before(async () => {
    certsNoKu = await leafWith({ keyUsage: null });
    certsKuNotCritical = await leafWith({ keyUsageCritical: false });
    certsKuEncipher = await leafWith({ keyUsage: KEY_USAGE.digitalSignature | KEY_USAGE.keyEncipherment | KEY_USAGE.cRLSign });
    certsKuNoDigital = await leafWith({ keyUsage: KEY_USAGE.contentCommitment });
  });

  it('rejects RSA-1024 and RSA-8192 leaf keys', () => {
    rejects(
      () => validateCodeSigningChain(awaitLeaf1024),
      'ERR_PKI_UNSUPPORTED_ALGORITHM',
      'certificate with subject "CN=leaf,O=Notary,L=Seattle,ST=WA,C=US": rsa key size 1024 bits is not supported',
    );
    rejects(
      () => validateCodeSigningChain(awaitLeaf8192),
      'ERR_PKI_UNSUPPORTED_ALGORITHM',
      'certificate with subject "CN=leaf,O=Notary,L=Seattle,ST=WA,C=US": rsa key size 8192 bits is not supported',
    );
  });
  let awaitLeaf1024: Certificate[];
  let awaitLeaf8192: Certificate[];
  before(async () => {
    awaitLeaf1024 = await leafWith({ privateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey });
    awaitLeaf8192 = await leafWith({ privateKey: createPrivateKey(RSA_8192_TEST_KEY_PEM) });
  });

  it('rejects a SHA-1 signed certificate anywhere in the chain', async () => {
    const certs = await leafWith({ signatureHash: 'SHA-1' });
    rejects(() => validateCodeSigningChain(certs), 'ERR_PKI_CHAIN_INVALID', /Error: x509: cannot verify signature: insecure algorithm ECDSA-SHA1$/);
    const selfSigned = await generateTestCertificate({ commonName: 'sha1', keySpec: 'RSA-2048', notBefore: NOW, signatureHash: 'SHA-1' });
    rejects(
      () => validateCodeSigningChain(parse([selfSigned])),
      'ERR_PKI_CHAIN_INVALID',
      'invalid self-signed certificate. subject: "CN=sha1,O=Notary,L=Seattle,ST=WA,C=US". Error: x509: cannot verify signature: insecure algorithm SHA1-RSA',
    );
  });

  it('enforces CA basic constraints, path length and keyCertSign', async () => {
    const bcNotCritical = await generateTestCertificate({ commonName: 'root-nc', keySpec: 'EC-256', isCA: true, basicConstraints: { ca: true, critical: false }, notBefore: NOW });
    const leafA = await generateTestCertificate({ commonName: 'leaf', keySpec: 'EC-256', notBefore: NOW, issuer: bcNotCritical });
    rejects(
      () => validateCodeSigningChain(parse([leafA, bcNotCritical])),
      'ERR_PKI_CHAIN_INVALID',
      'certificate with subject "CN=root-nc,O=Notary,L=Seattle,ST=WA,C=US": ca field in basic constraints must be present, critical, and set to true',
    );

    const rootPath0 = await generateTestCertificate({ commonName: 'root-p0', keySpec: 'EC-256', isCA: true, basicConstraints: { ca: true, pathLength: 0 }, notBefore: NOW });
    const intermediate = await generateTestCertificate({ commonName: 'int', keySpec: 'EC-256', isCA: true, issuer: rootPath0, notBefore: NOW });
    const leafB = await generateTestCertificate({ commonName: 'leaf', keySpec: 'EC-256', notBefore: NOW, issuer: intermediate });
    rejects(
      () => validateCodeSigningChain(parse([leafB, intermediate, rootPath0])),
      'ERR_PKI_CHAIN_INVALID',
      'certificate with subject "CN=root-p0,O=Notary,L=Seattle,ST=WA,C=US": expected path length of 1 but certificate has path length 0 instead',
    );
    validateCodeSigningChain(parse([await generateTestCertificate({ commonName: 'leaf', keySpec: 'EC-256', notBefore: NOW, issuer: rootPath0 }), rootPath0]));

    const noCertSign = await generateTestCertificate({ commonName: 'root-ku', keySpec: 'EC-256', isCA: true, keyUsage: KEY_USAGE.digitalSignature, notBefore: NOW });
    const leafC = await generateTestCertificate({ commonName: 'leaf', keySpec: 'EC-256', notBefore: NOW, issuer: noCertSign });
    rejects(() => validateCodeSigningChain(parse([leafC, noCertSign])), 'ERR_PKI_CHAIN_INVALID', /parent certificate cannot sign this kind of certificate|key cert sign/);
  });

  it('checks validity at the signing time only when given one', async () => {
    const certs = parse(chain.chain);
    rejects(
      () => validateCodeSigningChain(certs, { signingTime: new Date('2025-03-01T11:59:59Z') }),
      'ERR_PKI_CERTIFICATE_EXPIRED',
      'certificate with subject "CN=Portcullis Test Leaf,O=Notary,L=Seattle,ST=WA,C=US" was invalid at signing time of 2025-03-01 11:59:59 +0000 UTC. ' +
        'Certificate is valid from [2025-03-01 12:00:00 +0000 UTC] to [2025-03-02 12:00:00 +0000 UTC]',
    );
  });
});

describe('validateTimestampingChain', () => {
  it('requires exactly the timeStamping EKU, critical', async () => {
    const root = await generateTestCertificate({ commonName: 'TSA Root', keySpec: 'EC-384', isCA: true, notBefore: NOW });
    const make = (options: { extKeyUsage?: string[] | null; extKeyUsageCritical?: boolean }) =>
      generateTestCertificate({ commonName: 'TSA', keySpec: 'EC-256', notBefore: NOW, issuer: root, ...options });
    validateTimestampingChain(parse([await make({ extKeyUsage: [OID_EKU_TIME_STAMPING], extKeyUsageCritical: true }), root]));
    const nonCritical = parse([await make({ extKeyUsage: [OID_EKU_TIME_STAMPING], extKeyUsageCritical: false }), root]);
    rejects(
      () => validateTimestampingChain(nonCritical),
      'ERR_PKI_CHAIN_INVALID',
      'timestamp signing certificate with subject "CN=TSA,O=Notary,L=Seattle,ST=WA,C=US" must have extended key usage extension marked as critical',
    );
    const mixed = parse([await make({ extKeyUsage: [OID_EKU_TIME_STAMPING, OID_EKU_CODE_SIGNING], extKeyUsageCritical: true }), root]);
    rejects(() => validateTimestampingChain(mixed), 'ERR_PKI_CHAIN_INVALID', /must have and only have Timestamping as extended key usage$/);
    const codeSigning = parse([await make({}), root]);
    rejects(() => validateTimestampingChain(codeSigning), 'ERR_PKI_CHAIN_INVALID', /must have and only have Timestamping/);
  });
});

describe('validateTrustStoreCertificate', () => {
  it('accepts CA and self-signed signing certificates, and only roots for tsa', async () => {
    const chain = await buildTestChain({ notBefore: NOW, intermediates: 1, leafKeySpec: 'EC-256', caKeySpec: 'EC-256' });
    const [leaf, intermediate, root] = parse(chain.chain);
    validateTrustStoreCertificate(root!, 'ca');
    validateTrustStoreCertificate(intermediate!, 'ca');
    validateTrustStoreCertificate(root!, 'tsa');
    rejects(
      () => validateTrustStoreCertificate(leaf!, 'ca'),
      'ERR_PKI_CHAIN_INVALID',
      'certificate with subject "CN=Portcullis Test Leaf,O=Notary,L=Seattle,ST=WA,C=US" is not a CA certificate or self-signed signing certificate',
    );
    rejects(() => validateTrustStoreCertificate(intermediate!, 'tsa'), 'ERR_PKI_CHAIN_INVALID', /is not a root CA certificate: x509: ECDSA verification failure$/);
    const selfSigned = parseCertificate((await generateTestCertificate({ commonName: 'self', keySpec: 'EC-256', notBefore: NOW })).certificate);
    validateTrustStoreCertificate(selfSigned, 'signingAuthority');
    rejects(() => validateTrustStoreCertificate(selfSigned, 'tsa'), 'ERR_PKI_CHAIN_INVALID', /parent certificate cannot sign this kind of certificate/);
  });

  it('verifies SHA-1 self-signatures for ca stores (Go CheckSignature) but not for tsa roots (CheckSignatureFrom)', async () => {
    const sha1Leaf = parseCertificate((await generateTestCertificate({ commonName: 'sha1', keySpec: 'RSA-2048', signatureHash: 'SHA-1', notBefore: NOW })).certificate);
    assert.equal(sha1Leaf.signatureAlgorithm.name, 'SHA1-RSA');
    validateTrustStoreCertificate(sha1Leaf, 'ca');
    const sha1Root = parseCertificate((await generateTestCertificate({ commonName: 'sha1 root', keySpec: 'RSA-2048', signatureHash: 'SHA-1', isCA: true, notBefore: NOW })).certificate);
    rejects(() => validateTrustStoreCertificate(sha1Root, 'tsa'), 'ERR_PKI_CHAIN_INVALID', /is not a root CA certificate: x509: cannot verify signature: insecure algorithm SHA1-RSA$/);
  });
});
