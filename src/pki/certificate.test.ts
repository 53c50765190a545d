import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readTestdata, testdata } from '../../test/helpers/conformance.js';
import { PkiError } from '../errors.js';
import { CertificateCache, goQuote, goTimeString, parseCertificate, parseCertificates, pemToDer } from './index.js';
import { formatName } from './name.js';

function pemFile(...parts: string[]): Uint8Array[] {
  return pemToDer(readTestdata(...parts).toString('utf8'));
}

/** Every certificate shipped with the Notation e2e data: PEM files and the DER TSA roots. */
function allConformanceCertificates(): { name: string; der: Uint8Array }[] {
  const out: { name: string; der: Uint8Array }[] = [];
  for (const dir of ['config/localkeys', 'config/crl', 'config/ocsp']) {
    for (const file of readdirSync(testdata(dir))) {
      if (!/\.(crt|pem)$/.test(file)) continue;
      pemFile(dir, file).forEach((der, i) => out.push({ name: `${dir}/${file}#${i}`, der }));
    }
  }
  for (const file of ['DigiCertTSARootSHA384.cer', 'globalsignTSARoot.cer']) {
    out.push({ name: file, der: new Uint8Array(readTestdata('config/timestamp', file)) });
  }
  return out;
}

describe('parseCertificate', () => {
  const all = allConformanceCertificates();

  it('finds the conformance certificates', () => {
    assert.ok(all.length >= 10, `only ${all.length} certificates found`);
  });

  for (const { name, der } of all) {
    it(`agrees with node:crypto on ${name}`, () => {
      const ours = parseCertificate(der);
      const node = new X509Certificate(der);
      assert.equal(ours.fingerprint256, node.fingerprint256.replaceAll(':', '').toLowerCase());
      assert.equal(ours.notBefore.getTime(), new Date(node.validFrom).getTime());
      assert.equal(ours.notAfter.getTime(), new Date(node.validTo).getTime());
      assert.equal(ours.basicConstraints?.ca ?? false, node.ca);
      assert.equal(ours.serialNumber.toUpperCase().replace(/^0+/, ''), node.serialNumber.replace(/^0+/, ''));
      assert.ok(ours.publicKey, 'public key');
      assert.deepEqual(
        ours.publicKey.export({ format: 'der', type: 'spki' }),
        node.publicKey.export({ format: 'der', type: 'spki' }),
      );
      assert.equal(node.subject === node.issuer, Buffer.compare(ours.rawSubject, ours.rawIssuer) === 0);
      if (ours.extKeyUsage) assert.deepEqual([...ours.extKeyUsage.oids].sort(), [...(node.keyUsage ?? [])].sort());
    });
  }

  it('renders names the way Go pkix.Name.String() does', () => {
    const e2e = parseCertificate(pemFile('config/localkeys/e2e.crt')[0]!);
    assert.equal(e2e.subject, 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US');
    assert.equal(e2e.issuer, e2e.subject);
    const widgits = parseCertificate(pemFile('config/localkeys/new_e2e.crt')[0]!);
    assert.equal(widgits.subject, 'O=Internet Widgits Pty Ltd,ST=Some-State,C=AU');
    assert.equal(e2e.fingerprint256.slice(0, 8), 'e38aea13');
    assert.equal(e2e.keySpec, 'RSA-2048');
  });

  it('keeps the subject RDNs in encoding order with OIDs, values and value DER', () => {
    const e2e = parseCertificate(pemFile('config/localkeys/e2e.crt')[0]!);
    assert.deepEqual(
      e2e.subjectRdns.map((rdn) => rdn.map(({ type, value }) => `${type}=${value}`).join('+')),
      ['2.5.4.6=US', '2.5.4.8=WA', '2.5.4.7=Seattle', '2.5.4.10=Notary', '2.5.4.3=e2e'],
    );
    const [c] = e2e.subjectRdns[0]!;
    assert.deepEqual(c?.valueDer, Uint8Array.from([0x13, 0x02, 0x55, 0x53])); // PrintableString "US"
    assert.equal(e2e.version, 3);
  });

  it('parses concatenated DER as Go x509.ParseCertificates does', () => {
    const roots = ['DigiCertTSARootSHA384.cer', 'globalsignTSARoot.cer'].map((file) => readTestdata('config/timestamp', file));
    assert.deepEqual(
      parseCertificates(Buffer.concat(roots)).map((cert) => cert.subject),
      roots.map((der) => parseCertificate(der).subject),
    );
    assert.deepEqual(parseCertificates(new Uint8Array()), []);
    assert.throws(() => parseCertificates(Buffer.concat([roots[0]!, Buffer.from('junk')])), PkiError);
  });

  it('orders, groups and escapes attributes like Go', () => {
    const rdns = [
      [{ type: '2.5.4.3', value: 'a,b' }],
      [{ type: '2.5.4.10', value: ' Org' }],
      [{ type: '2.5.4.10', value: 'Second#' }],
      [{ type: '1.2.840.113549.1.9.1', value: 'x@example.com' }],
      [{ type: '2.5.4.6', value: 'US' }],
    ];
    // Unknown types first (printed last), then C, O (multi-valued RDN), CN; printed in reverse.
    assert.equal(formatName(rdns), 'CN=a\\,b,O=\\ Org+O=Second#,C=US,1.2.840.113549.1.9.1=#0c0d78406578616d706c652e636f6d');
  });

  it('quotes and formats times like Go', () => {
    assert.equal(goQuote('CN="x"\\y\n'), '"CN=\\"x\\"\\\\y\\n"');
    assert.equal(goTimeString(new Date('2023-06-27T06:10:00Z')), '2023-06-27 06:10:00 +0000 UTC');
  });

  const e2eDer = pemFile('config/localkeys/e2e.crt')[0]!;
  const hostile: [string, Uint8Array][] = [
    ['empty input', new Uint8Array()],
    ['truncated', e2eDer.subarray(0, e2eDer.length - 10)],
    ['trailing byte', Buffer.concat([e2eDer, Buffer.from([0])])],
    ['indefinite length', Buffer.concat([Buffer.from([0x30, 0x80]), e2eDer.subarray(4), Buffer.from([0, 0])])],
    ['non-minimal length', Buffer.concat([Buffer.from([0x30, 0x84, 0, 0]), e2eDer.subarray(2)])],
    ['not a certificate', Buffer.from('30030201ff', 'hex')],
  ];
  for (const [name, bytes] of hostile) {
    it(`rejects ${name}`, () => {
      assert.throws(() => parseCertificate(bytes), (error: unknown) => error instanceof PkiError && error.code === 'ERR_PKI_CERTIFICATE_INVALID');
    });
  }

  it('rejects a certificate whose inner and outer algorithms differ', () => {
    const der = Buffer.from(e2eDer);
    // Flip the outer AlgorithmIdentifier's last OID byte (sha256WithRSA 0x0b → sha384WithRSA 0x0c).
    const outer = der.lastIndexOf(Buffer.from('2a864886f70d01010b', 'hex'));
    der[outer + 8] = 0x0c;
    assert.throws(() => parseCertificate(der), /inner and outer signature algorithm/);
  });
});

describe('CertificateCache', () => {
  it('parses once, returns the same object, and evicts the least recently used', () => {
    const ders = allConformanceCertificates().slice(0, 3).map((c) => c.der);
    const cache = new CertificateCache({ maxEntries: 2 });
    const a = cache.get(ders[0]!);
    assert.equal(cache.get(Uint8Array.from(ders[0]!)), a);
    cache.get(ders[1]!);
    cache.get(ders[0]!); // a is now most recent
    cache.get(ders[2]!); // evicts ders[1]
    assert.equal(cache.size, 2);
    assert.equal(cache.stats.hits, 2);
    assert.equal(cache.stats.misses, 3);
    cache.get(ders[1]!);
    assert.equal(cache.stats.misses, 4);
    assert.equal(cache.get(ders[0]!) === a || cache.stats.misses === 5, true);
  });

  it('does not cache failures', () => {
    const cache = new CertificateCache();
    assert.throws(() => cache.get(new Uint8Array([0x30, 0x00])), PkiError);
    assert.equal(cache.size, 0);
  });
});
