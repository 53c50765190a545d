/**
 * RFC 3161 timestamping through the CLI against a loopback TSA: `sign` and `blob sign` with
 * --timestamp-url/--timestamp-root-cert, `verify` and `blob verify` with a tsa: store, and the
 * real notation v1.3.2 verifying what Portcullis timestamped. (The e2e cases that timestamp need
 * the public internet TSAs; these cover the same commands offline.)
 */
import assert from 'node:assert/strict';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateTestCertificate, OID_EKU_TIME_STAMPING, type TestCertificate } from '../../src/pki/index.js';
import { buildTimestampResponse, startLoopbackServer, type LoopbackServer } from '../helpers/pki-responders.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { E2E_DIGEST, E2E_LAYOUTS, describeRun, e2eSkip, notation, notationHome, notationTool, portcullis, testSigningCertificate, type NotationHome } from './signing-helpers.js';

describe('sign / blob sign with a TSA, verify / blob verify with a tsa: store', { skip: e2eSkip }, () => {
  let tsaRoot: TestCertificate;
  let tsa: TestCertificate;
  let server: LoopbackServer;
  let home: NotationHome;
  let rootFile: string;
  let failing = false;

  before(async () => {
    const validity = { notBefore: new Date(Date.now() - 24 * 3600_000), notAfter: new Date(Date.now() + 365 * 24 * 3600_000) };
    tsaRoot = await generateTestCertificate({ commonName: 'Portcullis Test TSA Root', keySpec: 'RSA-2048', isCA: true, ...validity });
    tsa = await generateTestCertificate({ commonName: 'Portcullis Test TSA', keySpec: 'RSA-2048', issuer: tsaRoot, extKeyUsage: [OID_EKU_TIME_STAMPING], extKeyUsageCritical: true, ...validity });
    server = await startLoopbackServer((request, response) => {
      if (failing) {
        response.statusCode = 503;
        response.end();
        return;
      }
      response.setHeader('Content-Type', 'application/timestamp-reply');
      response.end(buildTimestampResponse(request.body, { certificate: tsa.certificate, privateKey: tsa.privateKey }, [tsaRoot.certificate], { accuracy: { seconds: 1 } }));
    });
    const key = await testSigningCertificate('timestamped', 'RSA-2048');
    home = await notationHome({
      keys: [{ name: 'ts', key }],
      trustStores: { 'ca/ts': [key.certificate], 'tsa/ts': [tsaRoot.certificate] },
      trustPolicy: {
        version: '1.0',
        trustPolicies: [{ name: 'ts', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:ts', 'tsa:ts'], trustedIdentities: ['*'] }],
      },
    });
    await writeFile(
      join(home.config, 'trustpolicy.blob.json'),
      JSON.stringify({
        version: '1.0',
        trustPolicies: [{ name: 'blob-ts', signatureVerification: { level: 'strict', verifyTimestamp: 'always' }, trustStores: ['ca:ts', 'tsa:ts'], trustedIdentities: ['*'], globalPolicy: true }],
      }),
    );
    rootFile = join(home.home, 'tsa-root.crt');
    await writeFile(rootFile, tsaRoot.certificatePem);
  });
  after(() => server?.close());

  it('an OCI layout signed with a countersignature verifies, and inspect shows the timestamp', async () => {
    const layout = join((await temporaryDirectory('ts-layout')).path, 'layout');
    await cp(join(E2E_LAYOUTS, 'e2e'), layout, { recursive: true });
    const signed = await portcullis(home, ['sign', '--oci-layout', `${layout}@${E2E_DIGEST}`, '--timestamp-url', `${server.url}/tsa`, '--timestamp-root-cert', rootFile]);
    assert.equal(signed.code, 0, describeRun(signed));
    const verified = await portcullis(home, ['verify', '-d', '--oci-layout', '--scope', 'local/ts', `${layout}@${E2E_DIGEST}`]);
    assert.equal(verified.code, 0, describeRun(verified));
    assert.match(verified.stderr, /level=debug msg=Timestamp verification: Success/);
    const inspected = await portcullis(home, ['inspect', '--oci-layout', `${layout}@${E2E_DIGEST}`]);
    assert.equal(inspected.code, 0, describeRun(inspected));
    assert.match(inspected.stdout, /timestamp signature[\s\S]*timestamp: \[/);
    assert.match(inspected.stdout, /issued to: CN=Portcullis Test TSA,/);

    if (!notationTool.skip) {
      const theirs = await notation(home, ['verify', '-d', '--oci-layout', '--scope', 'local/ts', `${layout}@${E2E_DIGEST}`], { NOTATION_EXPERIMENTAL: '1' });
      assert.equal(theirs.code, 0, describeRun(theirs));
      assert.match(theirs.stderr, /Timestamp verification: Success/);
    }
  });

  it('a blob signed with a countersignature verifies against a verifyTimestamp: always statement', async () => {
    const blob = join(home.home, 'blob.txt');
    await writeFile(blob, 'timestamped blob');
    const signed = await portcullis(home, ['blob', 'sign', '--timestamp-url', `${server.url}/tsa`, '--timestamp-root-cert', rootFile, blob]);
    assert.equal(signed.code, 0, describeRun(signed));
    const verified = await portcullis(home, ['blob', 'verify', '-d', '--signature', `${blob}.jws.sig`, blob]);
    assert.equal(verified.code, 0, describeRun(verified));
    assert.match(verified.stderr, /Timestamp verification: Success/);
    // Without a countersignature, the same statement refuses the signature.
    const plain = join(home.home, 'plain.txt');
    await writeFile(plain, 'not timestamped');
    assert.equal((await portcullis(home, ['blob', 'sign', plain])).code, 0);
    const refused = await portcullis(home, ['blob', 'verify', '--signature', `${plain}.jws.sig`, plain]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Error: signature verification failed: no timestamp countersignature was found in the signature envelope/);
  });

  it('a TSA failure fails signing with Notation\'s message; a root that is not the TSA\'s fails too', async () => {
    const blob = join(home.home, 'other.txt');
    await writeFile(blob, 'other');
    failing = true;
    try {
      const down = await portcullis(home, ['blob', 'sign', '--timestamp-url', `${server.url}/tsa`, '--timestamp-root-cert', rootFile, blob]);
      assert.equal(down.code, 1);
      assert.match(down.stderr, new RegExp(`Error: timestamp: POST "${server.url}/tsa": https response bad status: 503`));
    } finally {
      failing = false;
    }
    const otherRoot = await generateTestCertificate({ commonName: 'Other Root', keySpec: 'RSA-2048', isCA: true, notBefore: new Date(Date.now() - 3600_000) });
    const otherFile = join(home.home, 'other-root.crt');
    await writeFile(otherFile, otherRoot.certificatePem);
    const untrusted = await portcullis(home, ['blob', 'sign', '--timestamp-url', `${server.url}/tsa`, '--timestamp-root-cert', otherFile, blob]);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /Error: timestamp: .*certificate signed by unknown authority/);
  });
});
