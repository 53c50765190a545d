/**
 * Trust store rules over an in-memory directory, with the certificates of the Notation e2e data.
 * Messages were checked against notation-go on the same layouts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasTestdata, readTestdata, skipWithoutTestdata } from '../../../test/helpers/conformance.js';
import { failure } from '../../../test/helpers/fixtures.js';
import { goDistinguishedNameString, verifyX509TrustedIdentities, type TrustStoreType } from '../policy/index.js';
import {
  MemoryTrustStore,
  X509TrustStore,
  certificateSubject,
  encodeCertificatesPem,
  loadTrustStoreCertificates,
  readCertificateFile,
  type EntryKind,
  type TrustStoreDirectory,
} from './index.js';

const present = hasTestdata('config');
const skip = skipWithoutTestdata('config');
const file = (...parts: string[]): Buffer => readTestdata('config', ...parts);

type Node = Uint8Array | 'directory' | 'symlink';

/** `{ 'ca/acme': { 'a.crt': bytes } }` as a TrustStoreDirectory. */
class MemoryDirectory implements TrustStoreDirectory {
  constructor(private readonly stores: Record<string, Record<string, Node> | 'symlink' | 'file'>) {}
  storePath(type: TrustStoreType, name: string): string {
    return `/cfg/truststore/x509/${type}/${name}`;
  }
  async statStore(type: TrustStoreType, name: string): Promise<EntryKind | 'missing'> {
    const store = this.stores[`${type}/${name}`];
    if (store === undefined) return 'missing';
    return store === 'symlink' ? 'symlink' : store === 'file' ? 'file' : 'directory';
  }
  async listStore(type: TrustStoreType, name: string): Promise<{ name: string; kind: EntryKind }[]> {
    const store = this.stores[`${type}/${name}`];
    assert.ok(typeof store === 'object');
    return Object.entries(store).map(([entry, node]) => ({
      name: entry,
      kind: node === 'directory' ? 'directory' : node === 'symlink' ? 'symlink' : 'file',
    }));
  }
  async readStoreFile(type: TrustStoreType, name: string, entry: string, maxBytes: number): Promise<Uint8Array> {
    const node = (this.stores[`${type}/${name}`] as Record<string, Node>)[entry];
    assert.ok(node instanceof Uint8Array);
    if (node.length > maxBytes) throw new Error('too large');
    return node;
  }
}


describe('certificate files', { skip }, () => {
  it('reads PEM (several blocks), DER and concatenated DER', () => {
    assert.equal(readCertificateFile(file('localkeys', 'e2e.crt')).length, 1);
    assert.equal(readCertificateFile(file('crl', 'certchain_with_crl.pem')).length, 3);
    const der = file('timestamp', 'DigiCertTSARootSHA384.cer');
    assert.equal(readCertificateFile(der).length, 1);
    assert.equal(readCertificateFile(Buffer.concat([der, file('timestamp', 'globalsignTSARoot.cer')])).length, 2);
    const pem = encodeCertificatesPem(readCertificateFile(der));
    assert.deepEqual(readCertificateFile(Buffer.from(pem)), [new Uint8Array(der)]);
  });

  it('gives none for an empty file and fails on garbage, empty PEM blocks and trailing bytes', () => {
    assert.deepEqual(readCertificateFile(new Uint8Array()), []);
    assert.throws(() => readCertificateFile(Buffer.from('hello world\n')), /x509: malformed certificate/);
    assert.throws(() => readCertificateFile(file('timestamp', 'invalid.crt')), /x509: malformed certificate/);
    const der = file('timestamp', 'DigiCertTSARootSHA384.cer');
    assert.throws(() => readCertificateFile(Buffer.concat([der, Buffer.from('junk')])), /x509: malformed certificate/);
  });

  it('renders subjects as Go does', () => {
    const [leaf] = readCertificateFile(file('localkeys', 'e2e.crt'));
    assert.ok(leaf);
    assert.equal(goDistinguishedNameString(certificateSubject(leaf)), 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US');
    verifyX509TrustedIdentities('e2e', ['x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US'], certificateSubject(leaf));
    const [digicert] = readCertificateFile(file('timestamp', 'DigiCertTSARootSHA384.cer'));
    assert.ok(digicert);
    assert.equal(
      goDistinguishedNameString(certificateSubject(digicert)),
      'CN=DigiCert Trusted Root G4,OU=www.digicert.com,O=DigiCert Inc,C=US',
    );
  });
});

describe('X509TrustStore', { skip }, () => {
  const e2e = present ? file('localkeys', 'e2e.crt') : Buffer.alloc(0);
  const chain = present ? file('crl', 'certchain_with_crl.pem') : Buffer.alloc(0);
  const directory = new MemoryDirectory({
    'ca/ok': { 'b.crt': e2e, 'a.pem': present ? file('localkeys', 'new_e2e.crt') : e2e },
    'ca/link': 'symlink',
    'ca/file': 'file',
    'ca/sub': { 'e2e.crt': e2e, sub: 'directory' },
    'ca/sym': { 'x.crt': 'symlink' },
    'ca/empty': {},
    'ca/emptyfile': { 'a.crt': new Uint8Array() },
    'ca/garbage': { 'g.crt': Buffer.from('hello') },
    'ca/leaf': { 'chain.pem': chain },
    'tsa/intermediate': { 'intermediate.pem': present ? file('timestamp', 'intermediate.pem') : e2e },
    'tsa/notSelfIssued': { 'n.crt': present ? file('timestamp', 'notSelfIssued.crt') : e2e },
    'tsa/e2e': { 'e2e.crt': e2e },
    'tsa/digicert': { 'd.cer': present ? file('timestamp', 'DigiCertTSARootSHA384.cer') : e2e },
  });
  const store = new X509TrustStore(directory);

  it('returns the certificates in file-name order', async () => {
    const certificates = await store.getCertificates('ca', 'ok');
    assert.equal(certificates.length, 2);
    assert.equal(goDistinguishedNameString(certificateSubject(certificates[0] as Uint8Array)), 'O=Internet Widgits Pty Ltd,ST=Some-State,C=AU');
    assert.equal((await store.getCertificates('tsa', 'digicert')).length, 1);
  });

  for (const [type, name, code, message] of [
    ['ca', 'missing', 'ERR_TRUST_STORE_NOT_FOUND', 'the trust store "missing" of type "ca" does not exist'],
    ['ca', 'link', 'ERR_TRUST_STORE_INVALID', 'the trust store link of type ca with path /cfg/truststore/x509/ca/link is not a regular directory (symlinks are not supported)'],
    ['ca', 'file', 'ERR_TRUST_STORE_INVALID', 'the trust store file of type ca with path /cfg/truststore/x509/ca/file is not a regular directory (symlinks are not supported)'],
    ['ca', 'sub', 'ERR_TRUST_STORE_CERTIFICATE', 'trusted certificate sub in trust store sub of type ca is not a regular file (directories or symlinks are not supported)'],
    ['ca', 'sym', 'ERR_TRUST_STORE_CERTIFICATE', 'trusted certificate x.crt in trust store sym of type ca is not a regular file (directories or symlinks are not supported)'],
    ['ca', 'empty', 'ERR_TRUST_STORE_EMPTY', 'no x509 certificates were found in trust store "empty" of type "ca"'],
    ['ca', 'emptyfile', 'ERR_TRUST_STORE_CERTIFICATE', 'failed to validate the trusted certificate a.crt in trust store emptyfile of type ca'],
    ['ca', 'garbage', 'ERR_TRUST_STORE_CERTIFICATE', 'failed to read the trusted certificate g.crt in trust store garbage of type ca'],
    ['ca', 'leaf', 'ERR_TRUST_STORE_CERTIFICATE', 'failed to validate the trusted certificate chain.pem in trust store leaf of type ca'],
    ['ca', 'a b', 'ERR_TRUST_STORE_INVALID', 'trust store name needs to follow [a-zA-Z0-9_.-]+ format, a b is invalid'],
    ['ca', '..', 'ERR_TRUST_STORE_INVALID', 'trust store name needs to follow [a-zA-Z0-9_.-]+ format, .. is invalid'],
    ['bogus', 'x', 'ERR_TRUST_STORE_INVALID', 'unsupported trust store type: bogus'],
    [
      'tsa',
      'intermediate',
      'ERR_TRUST_STORE_CERTIFICATE',
      'trusted certificate intermediate.pem in trust store intermediate of type tsa is invalid: certificate with subject "CN=Intermediate1" is not a root CA certificate: crypto/rsa: verification error',
    ],
    [
      'tsa',
      'e2e',
      'ERR_TRUST_STORE_CERTIFICATE',
      'trusted certificate e2e.crt in trust store e2e of type tsa is invalid: certificate with subject "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US" is not a root CA certificate: x509: invalid signature: parent certificate cannot sign this kind of certificate',
    ],
  ] as const) {
    it(`refuses ${type}/${name}: ${message.slice(0, 60)}…`, async () => {
      assert.deepEqual(await failure(() => store.getCertificates(type as TrustStoreType, name)), { code, message });
    });
  }

  it('says why a non-CA, non-self-signed certificate is refused (in the cause)', async () => {
    try {
      await store.getCertificates('ca', 'leaf');
      assert.fail('expected an error');
    } catch (error) {
      assert.equal(
        ((error as Error).cause as Error).message,
        'certificate with subject "CN=LeafCert,OU=OrgUnit,O=Organization,L=City,ST=State,C=US" is not a CA certificate or self-signed signing certificate',
      );
    }
  });

  it('loads each listed store of one type once, in statement order', async () => {
    const memory = new MemoryTrustStore({ 'ca:a': [new Uint8Array([1])], 'ca:b': [new Uint8Array([2])], 'tsa:t': [new Uint8Array([3])] });
    const loaded = await loadTrustStoreCertificates(memory, 'ca', 'p', ['ca:b', 'tsa:t', 'ca:a', 'ca:b']);
    assert.deepEqual(loaded.map((c) => c[0]), [2, 1]);
    assert.deepEqual(
      await failure(() => loadTrustStoreCertificates(memory, 'ca', 'p', ['ca:missing'])),
      { code: 'ERR_TRUST_STORE_NOT_FOUND', message: 'the trust store "missing" of type "ca" does not exist' },
    );
  });
});
