/**
 * OCSP against the Notation e2e OCSP PKI (testdata/config/ocsp: LeafCert → RootCA, responder
 * OCSPResponder with id-kp-OCSPSigning), answered by an in-test responder signing real responses
 * with ocsp.key (delegated) or root.key (the issuer itself), served on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { readTestdata, testdata } from '../../../test/helpers/conformance.js';
import { buildOcspResponse, closedLoopbackUrl, ocspErrorResponse, ocspRequestSerial, recordingLogger, startLoopbackServer, type LoopbackServer, type OcspSpec, type SigningIdentity } from '../../../test/helpers/pki-responders.js';
import { createRevocationFetcher } from '../../fetcher/http.js';
import { PkiError } from '../../errors.js';
import { parseCertificate, pemToDer, type Certificate } from '../index.js';
import { checkRevocation, createOcspRequest, revocationFailureMessage, revocationVerdict, type CertRevocationResult } from './index.js';

const NOW = new Date('2025-06-01T00:00:00Z');
const HOUR = 3600_000;
const LEAF_SUBJECT = 'CN=LeafCert,OU=OrgUnit,O=Organization,L=City,ST=State,C=US';

type Reply = { kind: 'ocsp'; spec: Partial<OcspSpec> } | { kind: 'raw'; body: Uint8Array; status?: number; contentType?: string } | { kind: 'hang' };

describe('OCSP (e2e OCSP PKI, in-test responder)', () => {
  let chain: Certificate[];
  let leaf: Certificate;
  let root: SigningIdentity;
  let responder: SigningIdentity;
  let leafIdentity: SigningIdentity;
  let server: LoopbackServer;
  let closedUrl: string;
  let reply: Reply;

  before(async () => {
    chain = pemToDer(readTestdata('config', 'ocsp', 'certchain_with_ocsp.pem').toString('utf8')).map((der) => parseCertificate(der));
    leaf = chain[0]!;
    const pem = (name: string) => readTestdata('config', 'ocsp', name).toString('utf8');
    root = { certificate: pemToDer(pem('root.crt'))[0]!, privateKey: createPrivateKey(pem('root.key')) };
    responder = { certificate: pemToDer(pem('ocsp.crt'))[0]!, privateKey: createPrivateKey(pem('ocsp.key')) };
    leafIdentity = { certificate: leaf.der, privateKey: createPrivateKey(pem('leaf.key')) };
    server = await startLoopbackServer(async (request, response) => {
      if (reply.kind === 'hang') return; // never answers
      if (reply.kind === 'raw') {
        response.statusCode = reply.status ?? 200;
        response.setHeader('Content-Type', reply.contentType ?? 'application/ocsp-response');
        response.end(Buffer.from(reply.body));
        return;
      }
      const der = request.method === 'GET' ? Buffer.from(decodeURIComponent(request.url.slice(1)), 'base64') : request.body;
      assert.equal(ocspRequestSerial(der), BigInt(`0x${leaf.serialNumber}`));
      response.setHeader('Content-Type', 'application/ocsp-response');
      response.end(
        Buffer.from(
          buildOcspResponse({ cert: leaf, issuer: root, responder, status: 'good', thisUpdate: new Date(NOW.getTime() - HOUR), nextUpdate: new Date(NOW.getTime() + HOUR), ...reply.spec }),
        ),
      );
    });
    closedUrl = await closedLoopbackUrl();
  });
  after(() => server.close());
  beforeEach(() => {
    reply = { kind: 'ocsp', spec: {} };
  });

  const fetcher = () =>
    createRevocationFetcher({ resolveUrl: (url) => url.replace('http://localhost:10087', server.url).replace('http://localhost.test', closedUrl) });

  async function check(options: { signingTime?: Date; timeoutMs?: number; now?: Date } = {}): Promise<CertRevocationResult[]> {
    return checkRevocation(chain, {
      fetcher: fetcher(),
      now: options.now ?? NOW,
      ...(options.signingTime ? { authenticSigningTime: options.signingTime } : {}),
      ...(options.timeoutMs ? { ocspTimeoutMs: options.timeoutMs } : {}),
    });
  }

  function leafError(results: CertRevocationResult[]): string | undefined {
    return results[0]!.serverResults[0]!.error;
  }

  it('good (delegated responder) ⇒ ok; the request is a GET of the base64 SHA-1 CertID', async () => {
    const results = await check();
    assert.equal(results.length, 2);
    assert.deepEqual(results[0], { result: 'ok', serverResults: [{ result: 'ok', server: 'http://localhost:10087', method: 'ocsp' }], method: 'ocsp' });
    assert.equal(results[1]!.result, 'nonRevokable');
    const logger = recordingLogger();
    assert.deepEqual(revocationVerdict(results, chain, logger), { result: 'ok', subject: '' });
    assert.deepEqual(logger.lines, []);
    const request = server.requests.at(-1)!;
    assert.equal(request.method, 'GET');
    assert.equal(Buffer.from(decodeURIComponent(request.url.slice(1)), 'base64').compare(Buffer.from(createOcspRequest(leaf, chain[1]!))), 0);
    assert.match(request.url, /^\/MFUwUzBRME8wTTAJBgUrDgMCGgUABBS/);
  });

  it('good signed by the issuer itself (with and without its certificate) ⇒ ok', async () => {
    reply = { kind: 'ocsp', spec: { responder: root, includeCertificate: true } };
    assert.equal((await check())[0]!.result, 'ok');
    reply = { kind: 'ocsp', spec: { responder: root, includeCertificate: false } };
    assert.equal((await check())[0]!.result, 'ok');
  });

  it('revoked ⇒ Notation\'s messages', async () => {
    reply = { kind: 'ocsp', spec: { status: 'revoked', revokedAt: new Date(NOW.getTime() - 2 * HOUR) } };
    const results = await check();
    assert.deepEqual(results[0]!.serverResults, [{ result: 'revoked', server: 'http://localhost:10087', method: 'ocsp', error: 'certificate is revoked via OCSP' }]);
    const logger = recordingLogger();
    const verdict = revocationVerdict(results, chain, logger);
    assert.deepEqual(verdict, { result: 'revoked', subject: LEAF_SUBJECT });
    assert.equal(revocationFailureMessage('signing', verdict), `signing certificate with subject "${LEAF_SUBJECT}" is revoked`);
    assert.deepEqual(logger.lines, [
      `ERROR Certificate #1 in chain with subject "${LEAF_SUBJECT}" encountered an error for revocation method OCSP at URL "http://localhost:10087": certificate is revoked via OCSP`,
    ]);
  });

  it('revoked with an invalidity date after the authentic signing time ⇒ ok; before it ⇒ revoked', async () => {
    reply = { kind: 'ocsp', spec: { status: 'revoked', invalidityDate: new Date(NOW.getTime() - HOUR) } };
    assert.equal((await check({ signingTime: new Date(NOW.getTime() - 3 * HOUR) }))[0]!.result, 'ok');
    assert.equal((await check({ signingTime: new Date(NOW.getTime() - HOUR / 2) }))[0]!.result, 'revoked');
    assert.equal((await check())[0]!.result, 'revoked', 'without an authentic signing time (notary.x509) there is no relief');
  });

  it('unknown status ⇒ unknown, no fallback without a CRL distribution point', async () => {
    reply = { kind: 'ocsp', spec: { status: 'unknown' } };
    const results = await check();
    assert.equal(leafError(results), 'certificate has unknown status via OCSP');
    const verdict = revocationVerdict(results, chain);
    assert.equal(revocationFailureMessage('signing', verdict), `signing certificate with subject "${LEAF_SUBJECT}" revocation status is unknown`);
  });

  const unknownCases: [string, () => Reply, string | RegExp][] = [
    ['a tampered response signature', () => ({ kind: 'ocsp', spec: { tamper: true } }), 'bad signature on embedded certificate: crypto/rsa: verification error'],
    ['a tampered issuer-signed response', () => ({ kind: 'ocsp', spec: { tamper: true, responder: root, includeCertificate: false } }), 'bad OCSP signature: crypto/rsa: verification error'],
    ['an answer about another serial (wrong CertID)', () => ({ kind: 'ocsp', spec: { serialOverride: 12345n } }), 'no response matching the supplied certificate'],
    ['a CertID naming another issuer', () => ({ kind: 'ocsp', spec: { wrongIssuerHash: true } }), 'no response matching the supplied certificate: the CertID names another issuer'],
    ['a responder without id-kp-OCSPSigning', () => ({ kind: 'ocsp', spec: { responder: leafIdentity } }), 'bad OCSP signature: the responder certificate is not authorized for OCSP signing (no id-kp-OCSPSigning)'],
    ['an expired response', () => ({ kind: 'ocsp', spec: { thisUpdate: new Date(NOW.getTime() - 3 * HOUR), nextUpdate: new Date(NOW.getTime() - HOUR) } }), 'error checking revocation status via OCSP: expired OCSP response'],
    ['a response without nextUpdate', () => ({ kind: 'ocsp', spec: { nextUpdate: null } }), 'error checking revocation status via OCSP: expired OCSP response'],
    ['a critical single extension', () => ({ kind: 'ocsp', spec: { criticalSingleExtension: true } }), 'unsupported critical extension'],
    ['"try later"', () => ({ kind: 'raw', body: ocspErrorResponse(3) }), 'error checking revocation status via OCSP: OCSP try later'],
    ['"unauthorized"', () => ({ kind: 'raw', body: ocspErrorResponse(6) }), 'error checking revocation status via OCSP: OCSP unauthorized'],
    ['an unknown response status', () => ({ kind: 'raw', body: ocspErrorResponse(4) }), 'ocsp: error from server: unknown OCSP status: 4'],
    ['garbage bytes', () => ({ kind: 'raw', body: Buffer.from('<html>not ocsp</html>') }), /^asn1: /],
    ['an oversized body (truncated at 20,480 bytes)', () => ({ kind: 'raw', body: Buffer.concat([Buffer.from([0x30, 0x83, 0x01, 0x00, 0x00]), Buffer.alloc(65536)]) }), /^asn1: .*(runs past|truncated)/],
    ['HTTP 500', () => ({ kind: 'raw', body: Buffer.from('oops'), status: 500 }), 'failed to retrieve OCSP: response had status code 500'],
  ];
  for (const [name, make, message] of unknownCases) {
    it(`${name} ⇒ unknown`, async () => {
      reply = make();
      const results = await check();
      assert.equal(results[0]!.result, 'unknown');
      const error = leafError(results)!;
      if (typeof message === 'string') assert.equal(error, message);
      else assert.match(error, message);
      assert.equal(revocationVerdict(results, chain).result, 'unknown');
    });
  }

  it('an unreachable responder ⇒ unknown with the transport error', async () => {
    const results = await checkRevocation(chain, {
      fetcher: createRevocationFetcher({ resolveUrl: (url) => url.replace('http://localhost:10087', closedUrl) }),
      now: NOW,
    });
    assert.equal(results[0]!.result, 'unknown');
    assert.match(leafError(results)!, /^error checking revocation status via OCSP: Get "http:\/\/localhost:10087\/MFUw.*": connect ECONNREFUSED/);
  });

  it('a responder slower than the timeout ⇒ unknown with Go\'s timeout message', async () => {
    reply = { kind: 'hang' };
    const results = await check({ timeoutMs: 200 });
    assert.equal(leafError(results), 'exceeded timeout threshold of 0.20 seconds for OCSP check');
  });

  it('refuses an empty or invalid chain before any request', async () => {
    await assert.rejects(
      checkRevocation([], { fetcher: async () => assert.fail('no request'), now: NOW }),
      (e: unknown) => e instanceof PkiError && e.code === 'ERR_PKI_CHAIN_INVALID' && e.message === 'invalid chain: expected chain to be correct and complete: chain does not contain any certificates',
    );
    await assert.rejects(
      checkRevocation([leaf], { fetcher: async () => assert.fail('no request'), now: NOW }),
      (e: unknown) => e instanceof PkiError && e.code === 'ERR_PKI_CHAIN_INVALID' && e.message.startsWith('invalid chain: expected chain to be correct and complete: invalid self-signed certificate'),
    );
  });
});

/** The responder upstream's e2e runs: `openssl ocsp` over the same files (skipped without openssl). */
describe('OCSP interop with the openssl ocsp responder', { skip: spawnSync('openssl', ['version']).status !== 0 ? 'openssl not installed' : false }, () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let port: number;
  let chain: Certificate[];

  async function startResponder(indexLine: string): Promise<void> {
    writeFileSync(join(dir, 'demoCA', 'index.txt'), indexLine);
    const probe = await startLoopbackServer(() => undefined);
    port = probe.port;
    await probe.close();
    child = spawn('openssl', ['ocsp', '-index', 'demoCA/index.txt', '-port', String(port), '-CA', 'root.crt', '-rkey', 'ocsp.key', '-rsigner', 'ocsp.crt', '-nmin', '5'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('openssl ocsp did not start')), 5000);
      child!.stderr!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('waiting for OCSP client connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  async function stopResponder(): Promise<void> {
    if (!child) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill();
    await exited;
    child = undefined;
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-ocsp-'));
    cpSync(testdata('config', 'ocsp'), dir, { recursive: true });
    chain = pemToDer(readTestdata('config', 'ocsp', 'certchain_with_ocsp.pem').toString('utf8')).map((der) => parseCertificate(der));
  });
  after(async () => {
    await stopResponder();
    rmSync(dir, { recursive: true, force: true });
  });

  const subject = '/C=US/ST=State/L=City/O=Organization/OU=OrgUnit/CN=LeafCert';
  const serial = '520D9B1364D98367711DA2B6A0A0F34B23E3D02A';
  const run = () =>
    checkRevocation(chain, {
      fetcher: createRevocationFetcher({ resolveUrl: (url) => url.replace('http://localhost:10087', `http://127.0.0.1:${port}`) }),
      now: new Date(),
    });

  it('V (valid) ⇒ ok', async () => {
    await startResponder(`V\t21250121012109Z\t\t${serial}\tunknown\t${subject}\n`);
    try {
      const results = await run();
      assert.equal(results[0]!.result, 'ok', JSON.stringify(results[0]));
    } finally {
      await stopResponder();
    }
  });

  it('R (revoked) ⇒ revoked with Notation\'s message', async () => {
    await startResponder(`R\t21250121012109Z\t250214012109Z\t${serial}\tunknown\t${subject}\n`);
    try {
      const results = await run();
      const logger = recordingLogger();
      const verdict = revocationVerdict(results, chain, logger);
      assert.equal(verdict.result, 'revoked');
      assert.ok(
        logger.lines.includes(
          `ERROR Certificate #1 in chain with subject "${LEAF_SUBJECT}" encountered an error for revocation method OCSP at URL "http://localhost:10087": certificate is revoked via OCSP`,
        ),
      );
    } finally {
      await stopResponder();
    }
  });

  it('empty index (unknown) ⇒ "revocation status is unknown"', async () => {
    await startResponder('');
    try {
      const verdict = revocationVerdict(await run(), chain);
      assert.equal(revocationFailureMessage('signing', verdict), `signing certificate with subject "${LEAF_SUBJECT}" revocation status is unknown`);
    } finally {
      await stopResponder();
    }
  });
});
