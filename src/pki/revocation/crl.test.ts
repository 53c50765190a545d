/**
 * CRLs: the Notation e2e CRL PKI (LeafCert → IntermediateCA → RootCA, CRLs from
 * testdata/config/crl served on 127.0.0.1 in place of localhost:10086, the intermediate's OCSP URL
 * unreachable) and a generated PKI for what those files cannot show (hold, delta CRLs, critical
 * extensions, invalidity dates, hostile bodies).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { readTestdata } from '../../../test/helpers/conformance.js';
import { authorityInfoAccess, buildCrl, distributionPoints, closedLoopbackUrl, recordingLogger, startCrlFileServer, startLoopbackServer, type CrlSpec, type LoopbackServer } from '../../../test/helpers/pki-responders.js';
import { createCrlFileCache, crlCacheFileName } from '../../config/crl-file-cache.js';
import { createRevocationFetcher } from '../../fetcher/http.js';
import { generateTestCertificate, OID_EKU_TIME_STAMPING, parseCertificate, pemToDer, type Certificate, type TestCertificate } from '../index.js';
import { checkCrl, checkRevocation, parseCrl, revocationFailureMessage, revocationVerdict, REASON_CERTIFICATE_HOLD, REASON_REMOVE_FROM_CRL, type CrlCache } from './index.js';

const LEAF = 'CN=LeafCert,OU=OrgUnit,O=Organization,L=City,ST=State,C=US';
const INTERMEDIATE = 'CN=IntermediateCA,OU=OrgUnit,O=Organization,L=City,ST=State,C=US';
const FALLBACK_WARNING = `WARN OCSP check failed with unknown error and fallback to CRL check for certificate #2 in chain with subject "${INTERMEDIATE}"`;

describe('CRL (e2e CRL PKI)', () => {
  let chain: Certificate[];
  let server: LoopbackServer;
  let closedUrl: string;
  const served: Record<string, string> = {};
  let cacheDir: string;

  before(async () => {
    chain = pemToDer(readTestdata('config', 'crl', 'certchain_with_crl.pem').toString('utf8')).map((der) => parseCertificate(der));
    server = await startCrlFileServer(served);
    closedUrl = await closedLoopbackUrl();
    cacheDir = mkdtempSync(join(tmpdir(), 'portcullis-crl-cache-'));
  });
  after(async () => {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    served['/leaf.crl'] = 'leaf.crl';
    served['/intermediate.crl'] = 'intermediate.crl';
  });

  const fetcher = () =>
    createRevocationFetcher({ resolveUrl: (url) => url.replace('http://localhost:10086', server.url).replace('http://localhost.test', closedUrl) });
  const run = (options: { now?: Date; cache?: CrlCache; logger?: ReturnType<typeof recordingLogger> } = {}) =>
    checkRevocation(chain, {
      fetcher: fetcher(),
      now: options.now ?? new Date('2025-06-01T00:00:00Z'),
      ...(options.cache ? { crlCache: options.cache } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });

  it('unrevoked: ok, the intermediate falls back from its unreachable OCSP responder to its CRL', async () => {
    const results = await run();
    assert.deepEqual(results.map((r) => [r.result, r.method]), [
      ['ok', 'crl'],
      ['ok', 'ocspFallbackCrl'],
      ['nonRevokable', 'unknown'],
    ]);
    assert.deepEqual(results[0]!.serverResults, [{ result: 'ok', server: 'http://localhost:10086/leaf.crl', method: 'crl' }]);
    assert.equal(results[1]!.serverResults[0]!.server, 'http://localhost.test/ocsp');
    assert.equal(results[1]!.serverResults[0]!.result, 'unknown');
    const logger = recordingLogger();
    assert.deepEqual(revocationVerdict(results, chain, logger), { result: 'ok', subject: '' });
    assert.equal(logger.lines[0], FALLBACK_WARNING);
    assert.match(logger.lines[1]!, /^DEBUG Certificate #2 in chain with subject ".*" encountered an error for revocation method OCSP at URL "http:\/\/localhost\.test\/ocsp": error checking revocation status via OCSP: Get "http:\/\/localhost\.test\/ocsp\/MEMw/);
    assert.equal(logger.lines.length, 2);
  });

  it('revoked leaf (leaf_revoked.crl, serial 1000) ⇒ "is revoked"', async () => {
    served['/leaf.crl'] = 'leaf_revoked.crl';
    const results = await run();
    const verdict = revocationVerdict(results, chain);
    assert.deepEqual(verdict, { result: 'revoked', subject: LEAF });
    assert.equal(revocationFailureMessage('signing', verdict), `signing certificate with subject "${LEAF}" is revoked`);
    assert.deepEqual(results[0]!.serverResults, [{ result: 'revoked', server: 'http://localhost:10086/leaf.crl', method: 'crl' }]);
  });

  it('revoked intermediate (intermediate_revoked.crl, serial 1002) ⇒ "is revoked" naming the intermediate', async () => {
    served['/intermediate.crl'] = 'intermediate_revoked.crl';
    const verdict = revocationVerdict(await run(), chain);
    assert.equal(revocationFailureMessage('signing', verdict), `signing certificate with subject "${INTERMEDIATE}" is revoked`);
  });

  it('a CRL past its nextUpdate ⇒ unknown', async () => {
    const results = await run({ now: new Date('2124-12-01T00:00:00Z') });
    assert.equal(results[0]!.result, 'unknown');
    assert.equal(
      results[0]!.serverResults[0]!.error,
      'failed to validate CRL from http://localhost:10086/leaf.crl: failed to validate base CRL: expired CRL. Current time 2124-12-01 00:00:00 +0000 UTC is after CRL NextUpdate 2124-10-18 05:30:52 +0000 UTC',
    );
    // Both CRLs are expired; Notation names the certificate nearest the leaf.
    assert.equal(revocationFailureMessage('signing', revocationVerdict(results, chain)), `signing certificate with subject "${LEAF}" revocation status is unknown`);
  });

  it('leaf_expired.crl (nextUpdate 2023-12-25, another key) ⇒ unknown', async () => {
    served['/leaf.crl'] = 'leaf_expired.crl';
    const results = await run();
    assert.match(results[0]!.serverResults[0]!.error!, /^failed to validate CRL from http:\/\/localhost:10086\/leaf\.crl: failed to validate base CRL: CRL is not signed by CA CN=IntermediateCA.*: crypto\/rsa: verification error,$/);
  });

  it('a missing CRL (404) and an unreachable server ⇒ unknown', async () => {
    delete served['/leaf.crl'];
    let results = await run();
    assert.equal(results[0]!.serverResults[0]!.error, 'failed to download CRL from http://localhost:10086/leaf.crl: failed to retrieve CRL: failed to download with status code: 404');
    results = await checkRevocation(chain, { fetcher: createRevocationFetcher({ resolveUrl: (url) => url.replace(/^http:\/\/localhost[.:][^/]*/, closedUrl) }), now: new Date() });
    assert.match(results[0]!.serverResults[0]!.error!, /^failed to download CRL from http:\/\/localhost:10086\/leaf\.crl: failed to retrieve CRL: request failed: Get "http:\/\/localhost:10086\/leaf\.crl": connect ECONNREFUSED/);
  });

  it('file cache: miss and store, then served from the cache without a download (crl-success-with-cache)', async () => {
    const dir = join(cacheDir, 'success', 'crl');
    const logger = recordingLogger();
    const cache = await createCrlFileCache(dir, { logger, now: () => new Date('2025-06-01T00:00:00Z') });
    const before = server.requests.length;
    assert.equal(revocationVerdict(await run({ cache }), chain).result, 'ok');
    assert.equal(server.requests.length - before, 2);
    assert.ok(logger.lines.includes('DEBUG Retrieving crl bundle from file cache with key "http://localhost:10086/leaf.crl" ...'));
    assert.ok(logger.lines.includes('DEBUG CRL file cache miss. Key "http://localhost:10086/leaf.crl" does not exist'));
    assert.ok(logger.lines.includes('DEBUG Storing crl bundle to file cache with key "http://localhost:10086/leaf.crl" ...'));
    const name = crlCacheFileName('http://localhost:10086/leaf.crl');
    assert.deepEqual(readdirSync(dir).sort(), [name, crlCacheFileName('http://localhost:10086/intermediate.crl')].sort());
    const stored = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { baseCRL: string };
    assert.deepEqual(Object.keys(stored), ['baseCRL']);
    assert.deepEqual(Buffer.from(stored.baseCRL, 'base64'), readTestdata('config', 'crl', 'leaf.crl'));

    logger.lines.length = 0;
    const second = server.requests.length;
    served['/leaf.crl'] = 'leaf_revoked.crl'; // not seen: the cached CRL is still current
    assert.equal(revocationVerdict(await run({ cache }), chain).result, 'ok');
    assert.equal(server.requests.length, second);
    assert.ok(!logger.lines.some((line) => line.includes('cache miss') || line.includes('Storing')));
  });

  it('file cache: an expired cached CRL is fetched again (crl-expired-cache-refetch-*)', async () => {
    const dir = join(cacheDir, 'expired', 'crl');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, crlCacheFileName('http://localhost:10086/leaf.crl')), JSON.stringify({ baseCRL: readTestdata('config', 'crl', 'leaf_expired.crl').toString('base64') }));
    const logger = recordingLogger();
    const cache = await createCrlFileCache(dir, { logger, now: () => new Date('2025-06-01T00:00:00Z') });
    served['/leaf.crl'] = 'leaf_revoked.crl';
    const verdict = revocationVerdict(await run({ cache }), chain);
    assert.equal(verdict.result, 'revoked');
    assert.ok(logger.lines.includes('DEBUG CRL bundle retrieved from file cache has expired at 2023-12-25 08:15:42 +0000 UTC'));
    assert.ok(logger.lines.includes('DEBUG Storing crl bundle to file cache with key "http://localhost:10086/leaf.crl" ...'));
  });

  it('file cache errors are only logged (crl-cache-get-set-error)', async () => {
    const dir = join(cacheDir, 'broken', 'crl');
    const name = crlCacheFileName('http://localhost:10086/leaf.crl');
    // A directory where the cache file should be: reading and replacing it both fail, even as root.
    mkdirSync(join(dir, name, 'x'), { recursive: true });
    const logger = recordingLogger();
    const warnings: string[] = [];
    const cache = await createCrlFileCache(dir, { logger, onFirstError: (w) => warnings.push(w) });
    served['/leaf.crl'] = 'leaf_revoked.crl';
    const verdict = revocationVerdict(await run({ cache, logger }), chain, logger);
    assert.equal(verdict.result, 'revoked');
    assert.ok(logger.lines.includes(`DEBUG failed to get crl bundle from file cache with key "http://localhost:10086/leaf.crl": read ${join(dir, name)}: is a directory`), logger.lines.join('\n'));
    assert.ok(logger.lines.some((l) => l.startsWith('DEBUG failed to store crl bundle in file cache: ')), logger.lines.join('\n'));
    assert.deepEqual(warnings, ["CRL cache error discarded. Enable debug log through '-d' for error details."]);
  });

  it('file cache creation failure is reported as Notation words it (crl-cache-creation-warning-*)', async () => {
    const file = join(cacheDir, 'not-a-dir');
    writeFileSync(file, '');
    await assert.rejects(createCrlFileCache(join(file, 'crl')), /^Error: failed to create crl file cache: mkdir .*not-a-dir(\/crl)?: (not a directory|file exists)$/);
  });
});

describe('CRL semantics (generated PKI)', () => {
  const NOW = new Date('2025-06-01T12:00:00Z');
  const DAY = 86_400_000;
  let root: TestCertificate;
  let intermediate: TestCertificate;
  let server: LoopbackServer;
  const crls = new Map<string, Uint8Array | { status: number } | { body: Uint8Array }>();
  let url: string;

  const leafWith = (extensions: { oid: string; value: Uint8Array; critical?: boolean }[], serialNumber = '1234') =>
    generateTestCertificate({ commonName: 'leaf', keySpec: 'EC-256', issuer: intermediate, notBefore: new Date(NOW.getTime() - DAY), notAfter: new Date(NOW.getTime() + DAY), serialNumber, extraExtensions: extensions });
  const cdp = (...paths: string[]) => ({ oid: '2.5.29.31', value: distributionPoints(...paths.map((p) => `${url}${p}`)) });
  const crl = (spec: Partial<CrlSpec>) => buildCrl({ issuer: { certificate: intermediate.certificate, privateKey: intermediate.privateKey }, thisUpdate: new Date(NOW.getTime() - DAY), nextUpdate: new Date(NOW.getTime() + DAY), number: 10n, ...spec });

  before(async () => {
    const validity = { notBefore: new Date(NOW.getTime() - 10 * DAY), notAfter: new Date(NOW.getTime() + 10 * DAY) };
    root = await generateTestCertificate({ commonName: 'CRL Root', keySpec: 'EC-256', isCA: true, ...validity });
    intermediate = await generateTestCertificate({ commonName: 'CRL Intermediate', keySpec: 'EC-256', isCA: true, issuer: root, ...validity });
    server = await startLoopbackServer((request, response) => {
      const entry = crls.get(request.url);
      if (!entry) {
        response.statusCode = 404;
        response.end();
      } else if ('status' in entry) {
        response.statusCode = entry.status;
        response.end();
      } else response.end(Buffer.from('body' in entry ? entry.body : entry));
    });
    url = server.url;
  });
  after(() => server.close());
  beforeEach(() => crls.clear());

  async function status(leaf: TestCertificate, signingTime?: Date): Promise<{ result: string; error?: string | undefined }> {
    const result = await checkCrl(parseCertificate(leaf.certificate), parseCertificate(intermediate.certificate), {
      fetcher: createRevocationFetcher(),
      now: NOW,
      ...(signingTime ? { signingTime } : {}),
    });
    return { result: result.result, error: result.serverResults[0]?.error };
  }

  it('certificateHold ⇒ revoked; a later removeFromCRL ⇒ ok; hold after remove ⇒ revoked', async () => {
    const leaf = await leafWith([cdp('/a.crl')]);
    const serial = 0x1234n;
    crls.set('/a.crl', crl({ entries: [{ serial, revocationDate: new Date(NOW.getTime() - 5 * DAY), reason: REASON_CERTIFICATE_HOLD }] }));
    assert.equal((await status(leaf)).result, 'revoked');
    crls.set('/a.crl', crl({ entries: [
      { serial, revocationDate: new Date(NOW.getTime() - 5 * DAY), reason: REASON_CERTIFICATE_HOLD },
      { serial, revocationDate: new Date(NOW.getTime() - 4 * DAY), reason: REASON_REMOVE_FROM_CRL },
    ] }));
    assert.equal((await status(leaf)).result, 'ok');
    crls.set('/a.crl', crl({ entries: [
      { serial, revocationDate: new Date(NOW.getTime() - 3 * DAY), reason: REASON_CERTIFICATE_HOLD },
      { serial, revocationDate: new Date(NOW.getTime() - 4 * DAY), reason: REASON_REMOVE_FROM_CRL },
    ] }));
    assert.equal((await status(leaf)).result, 'revoked');
    crls.set('/a.crl', crl({ entries: [{ serial, revocationDate: new Date(NOW.getTime() - 5 * DAY), reason: 1 }, { serial: 99n, revocationDate: NOW }] }));
    assert.equal((await status(leaf)).result, 'revoked', 'keyCompromise');
    crls.set('/a.crl', crl({ entries: [{ serial: 0x1235n, revocationDate: NOW }] }));
    assert.equal((await status(leaf)).result, 'ok', 'another serial');
  });

  it('invalidity date after the authentic signing time ⇒ ok', async () => {
    const leaf = await leafWith([cdp('/b.crl')]);
    crls.set('/b.crl', crl({ entries: [{ serial: 0x1234n, revocationDate: NOW, reason: 1, invalidityDate: new Date(NOW.getTime() - DAY / 2) }] }));
    assert.equal((await status(leaf, new Date(NOW.getTime() - DAY))).result, 'ok');
    assert.equal((await status(leaf, new Date(NOW.getTime() - DAY / 4))).result, 'revoked');
    assert.equal((await status(leaf)).result, 'revoked');
  });

  it('delta CRL from the base CRL\'s Freshest CRL extension: its entries count, its numbering is checked', async () => {
    const leaf = await leafWith([cdp('/base.crl')]);
    crls.set('/base.crl', crl({ number: 10n, freshest: [`${url}/delta.crl`] }));
    crls.set('/delta.crl', crl({ number: 11n, deltaOf: 10n, entries: [{ serial: 0x1234n, revocationDate: NOW, reason: 1 }] }));
    assert.equal((await status(leaf)).result, 'revoked');
    crls.set('/delta.crl', crl({ number: 10n, deltaOf: 10n }));
    assert.deepEqual(await status(leaf), {
      result: 'unknown',
      error: `failed to validate CRL from ${url}/base.crl: delta CRL number 10 is not greater than the base CRL number 10`,
    });
    crls.set('/delta.crl', crl({ number: 12n, deltaOf: 11n }));
    assert.match((await status(leaf)).error!, /delta CRL indicator 11 is not less than or equal to the base CRL number 10$/);
    crls.set('/delta.crl', crl({ number: 12n }));
    assert.match((await status(leaf)).error!, /delta CRL indicator extension is not found$/);
    crls.delete('/delta.crl');
    assert.match((await status(leaf)).error!, /^failed to download CRL from .*\/base\.crl: failed to retrieve CRL: failed to download with status code: 404$/);
  });

  it('a delta CRL served as the base CRL is refused', async () => {
    const leaf = await leafWith([cdp('/c.crl')]);
    crls.set('/c.crl', crl({ deltaOf: 9n }));
    assert.match((await status(leaf)).error!, /failed to validate base CRL: base CRL carries a delta CRL indicator$/);
  });

  it('Freshest CRL only in the certificate ⇒ unsupported ⇒ unknown', async () => {
    const leaf = await leafWith([cdp('/d.crl'), { oid: '2.5.29.46', value: distributionPoints(`${url}/d-delta.crl`) }]);
    crls.set('/d.crl', crl({}));
    assert.deepEqual(await status(leaf), { result: 'unknown', error: 'freshest CRL from certificate extension is not supported' });
  });

  it('unsupported critical extensions (CRL or entry) ⇒ unknown', async () => {
    const leaf = await leafWith([cdp('/e.crl')]);
    crls.set('/e.crl', crl({ criticalUnknownExtension: true }));
    assert.match((await status(leaf)).error!, /failed to validate base CRL: unsupported critical extension found in CRL: 1\.2\.3\.4\.6$/);
    crls.set('/e.crl', crl({ entries: [{ serial: 0x1234n, revocationDate: NOW, criticalUnknown: true }] }));
    assert.match((await status(leaf)).error!, /^failed to check revocation status from .*: unsupported critical extension found in CRL: 1\.2\.3\.4\.5$/);
  });

  it('signature, nextUpdate and issuer checks', async () => {
    const leaf = await leafWith([cdp('/f.crl')]);
    crls.set('/f.crl', crl({ tamper: true }));
    assert.match((await status(leaf)).error!, /CRL is not signed by CA CN=CRL Intermediate,O=Notary,L=Seattle,ST=WA,C=US: x509: ECDSA verification failure,$/);
    crls.set('/f.crl', crl({ nextUpdate: null }));
    assert.match((await status(leaf)).error!, /failed to validate base CRL: CRL NextUpdate is not set$/);
    crls.set('/f.crl', buildCrl({ issuer: { certificate: root.certificate, privateKey: root.privateKey }, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + DAY) }));
    assert.match((await status(leaf)).error!, /CRL is not signed by CA .*: x509: ECDSA verification failure,$/);
  });

  it('every distribution point is checked; the first error stops with unknown', async () => {
    const leaf = await leafWith([cdp('/g1.crl', '/g2.crl')]);
    crls.set('/g1.crl', crl({}));
    crls.set('/g2.crl', crl({ entries: [{ serial: 0x1234n, revocationDate: NOW }] }));
    assert.equal((await status(leaf)).result, 'revoked');
    crls.set('/g2.crl', crl({}));
    const result = await checkCrl(parseCertificate(leaf.certificate), parseCertificate(intermediate.certificate), { fetcher: createRevocationFetcher(), now: NOW });
    assert.deepEqual(result.serverResults.map((r) => r.server), [`${url}/g1.crl`, `${url}/g2.crl`]);
  });

  it('hostile bodies: garbage, oversized, HTTP errors, non-http URLs', async () => {
    const leaf = await leafWith([cdp('/h.crl')]);
    crls.set('/h.crl', { body: Buffer.from('-----BEGIN X509 CRL-----\nnot der\n') });
    assert.match((await status(leaf)).error!, /^failed to download CRL from .*: failed to retrieve CRL: x509: malformed crl/);
    crls.set('/h.crl', { body: new Uint8Array(32 * 1024 * 1024 + 100) });
    assert.match((await status(leaf)).error!, /failed to retrieve CRL: CRL size exceeds the limit: 33554432$/);
    crls.set('/h.crl', { status: 503 });
    assert.match((await status(leaf)).error!, /failed to download with status code: 503$/);
    const https = await generateTestCertificate({ commonName: 'leaf', keySpec: 'EC-256', issuer: intermediate, notBefore: NOW, extraExtensions: [{ oid: '2.5.29.31', value: distributionPoints('https://example.invalid/x.crl') }] });
    assert.match((await status(https)).error!, /failed to retrieve CRL: unsupported scheme: https\. Only supports CRL URL in HTTP protocol$/);
  });

  it('a certificate with neither method is nonRevokable, and Notation warns about it', async () => {
    const leaf = await leafWith([]);
    const chain = [leaf, intermediate, root].map((c) => parseCertificate(c.certificate));
    const results = await checkRevocation(chain, { fetcher: async () => assert.fail('no request'), now: NOW });
    assert.deepEqual(results.map((r) => r.result), ['nonRevokable', 'nonRevokable', 'nonRevokable']);
    const logger = recordingLogger();
    assert.equal(revocationVerdict(results, chain, logger).result, 'ok');
    assert.equal(logger.lines.filter((l) => l.includes('neither has an OCSP nor a CRL revocation method')).length, 2);
  });

  it('an https OCSP responder is not supported, and falls back to the CRL', async () => {
    const leaf = await leafWith([{ oid: '1.3.6.1.5.5.7.1.1', value: authorityInfoAccess('https://ocsp.example.invalid') }, cdp('/i.crl')]);
    crls.set('/i.crl', crl({}));
    const chain = [leaf, intermediate, root].map((c) => parseCertificate(c.certificate));
    const results = await checkRevocation(chain, { fetcher: createRevocationFetcher(), now: NOW });
    assert.equal(results[0]!.method, 'ocspFallbackCrl');
    assert.equal(results[0]!.result, 'ok');
    assert.equal(results[0]!.serverResults[0]!.error, 'error checking revocation status via OCSP: OCSPServer protocol https is not supported');
  });

  it('timestamping chains: the TSA profile is required, and the failure names a timestamping certificate', async () => {
    const tsa = await generateTestCertificate({
      commonName: 'TSA',
      keySpec: 'EC-256',
      issuer: intermediate,
      notBefore: NOW,
      extKeyUsage: [OID_EKU_TIME_STAMPING],
      extKeyUsageCritical: true,
      serialNumber: '77',
      extraExtensions: [cdp('/tsa.crl')],
    });
    crls.set('/tsa.crl', crl({ entries: [{ serial: 0x77n, revocationDate: NOW }] }));
    const chain = [tsa, intermediate, root].map((c) => parseCertificate(c.certificate));
    const results = await checkRevocation(chain, { fetcher: createRevocationFetcher(), now: NOW, purpose: 'timestamping' });
    assert.equal(revocationFailureMessage('timestamping', revocationVerdict(results, chain)), 'timestamping certificate with subject "CN=TSA,O=Notary,L=Seattle,ST=WA,C=US" is revoked');
    await assert.rejects(checkRevocation(chain, { fetcher: createRevocationFetcher(), now: NOW }), /^PkiError: invalid chain: expected chain to be correct and complete: .*extended key usage must not contain Timestamping eku/);
  });

  it('parseCrl reads the e2e CRLs', () => {
    const revoked = parseCrl(readTestdata('config', 'crl', 'leaf_revoked.crl'));
    assert.equal(revoked.entryCount, 1);
    assert.equal(revoked.number, 4097n);
    assert.deepEqual(revoked.entriesFor(0x1000n).map((e) => e.serial), [0x1000n]);
    assert.equal(revoked.nextUpdate?.toISOString(), '2124-10-18T05:30:52.000Z');
  });
});

describe('hostile CRL bytes', () => {
  it('random corruptions of a real CRL only ever fail with a PkiError (or parse)', async () => {
    const { PkiError } = await import('../../errors.js');
    const original = readTestdata('config', 'crl', 'leaf_revoked.crl');
    let seed = 0x1d872b41;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    for (let round = 0; round < 400; round++) {
      const copy = Uint8Array.from(original);
      for (let i = 0; i < 1 + Math.floor(random() * 3); i++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      try {
        const crl = parseCrl(copy);
        crl.entriesFor(0x1000n);
      } catch (error) {
        assert.ok(error instanceof PkiError && error.code === 'ERR_PKI_REVOCATION_INVALID', `round ${round}: ${String(error)}`);
      }
    }
  });
});
