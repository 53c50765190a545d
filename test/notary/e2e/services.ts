/**
 * The external services some cases.json cases need, run in the test process on the addresses the
 * e2e testdata PKI names (see the README of shared/conformance/notation-e2e, "External services"):
 *
 * - `crl`: an HTTP server on localhost:10086 serving `/leaf.crl` and `/intermediate.crl` from
 *   testdata/config/crl, switched between the normal, revoked and expired files by the cases'
 *   `before` actions (upstream POSTs to /leaf/revoke etc.; here the harness flips the state
 *   directly, and the POST endpoints exist too).
 * - `ocsp`: an OCSP responder on localhost:10087 for testdata/config/ocsp, signing with the
 *   delegated responder certificate `ocsp.crt`/`ocsp.key` as upstream's `openssl ocsp -rsigner`
 *   does, `nextUpdate` five minutes ahead (`-nmin 5`); the leaf is good, revoked or unknown
 *   (upstream rewrites demoCA/index.txt and restarts openssl).
 * - the TLS "domain registry" `notation-e2e.registry.io`: upstream puts nginx with
 *   testdata/nginx/notation-e2e.registry.io.{crt,key} on ports 80 and 443 in front of the
 *   registry and adds an /etc/hosts entry. Here one port plays both: a connection whose first byte
 *   is a TLS handshake is terminated with the nginx certificate, any other is plain HTTP, and both
 *   are piped to the embedded registry. The name resolves to 127.0.0.1 through a `dns.lookup`
 *   override for that one name, in this process only (no /etc/hosts edit); the commands trust the
 *   certificate through SSL_CERT_FILE, which Portcullis honours as Go does.
 */
import { createPrivateKey } from 'node:crypto';
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, connect, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { buildOcspResponse, ocspRequestSerial, startLoopbackServer, type LoopbackServer, type SigningIdentity } from '../../helpers/pki-responders.js';
import { parseCertificate } from '../../../src/pki/index.js';

export const CRL_PORT = 10086;
export const OCSP_PORT = 10087;
export const DOMAIN_REGISTRY_HOST = 'notation-e2e.registry.io';

export type LeafCrlState = 'unrevoked' | 'revoked' | 'expired';
export type IntermediateCrlState = 'unrevoked' | 'revoked';
export type OcspState = 'good' | 'revoked' | 'unknown';

export interface CrlServer {
  readonly url: string;
  state: { leaf: LeafCrlState; intermediate: IntermediateCrlState };
  close(): Promise<void>;
}

const LEAF_FILES: Record<LeafCrlState, string> = { unrevoked: 'leaf.crl', revoked: 'leaf_revoked.crl', expired: 'leaf_expired.crl' };
const INTERMEDIATE_FILES: Record<IntermediateCrlState, string> = { unrevoked: 'intermediate.crl', revoked: 'intermediate_revoked.crl' };

/** The CRL test server of the `crl` cases on localhost:10086. */
export async function startCrlServer(testdata: string): Promise<CrlServer> {
  const directory = path.join(testdata, 'config', 'crl');
  const server: CrlServer & { loopback?: LoopbackServer } = {
    url: `http://localhost:${CRL_PORT}`,
    state: { leaf: 'unrevoked', intermediate: 'unrevoked' },
    close: async () => server.loopback?.close(),
  };
  server.loopback = await startLoopbackServer((request, response) => {
    if (request.method === 'GET' && (request.url === '/leaf.crl' || request.url === '/intermediate.crl')) {
      const file = request.url === '/leaf.crl' ? LEAF_FILES[server.state.leaf] : INTERMEDIATE_FILES[server.state.intermediate];
      response.setHeader('Content-Type', 'application/pkix-crl');
      response.end(readFileSync(path.join(directory, file)));
      return;
    }
    const control = /^\/(leaf|intermediate)\/(revoke|unrevoke|expired)$/.exec(request.url);
    if (request.method === 'POST' && control && !(control[1] === 'intermediate' && control[2] === 'expired')) {
      const state = control[2] === 'revoke' ? 'revoked' : control[2] === 'unrevoke' ? 'unrevoked' : 'expired';
      if (control[1] === 'leaf') server.state.leaf = state;
      else server.state.intermediate = state as IntermediateCrlState;
      response.end('ok');
      return;
    }
    response.statusCode = 404;
    response.end();
  }, CRL_PORT);
  return server;
}

export interface OcspResponder {
  readonly url: string;
  state: OcspState;
  close(): Promise<void>;
}

function identity(directory: string, certificate: string, key: string): SigningIdentity {
  const pem = readFileSync(path.join(directory, certificate), 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return { certificate: new Uint8Array(der), privateKey: createPrivateKey(readFileSync(path.join(directory, key))) };
}

/** The OCSP responder of the `ocsp` cases on localhost:10087, answering for testdata/config/ocsp/leaf.crt. */
export async function startOcspResponder(testdata: string): Promise<OcspResponder> {
  const directory = path.join(testdata, 'config', 'ocsp');
  const root = identity(directory, 'root.crt', 'root.key');
  const responder = identity(directory, 'ocsp.crt', 'ocsp.key');
  const leaf = parseCertificate(identity(directory, 'leaf.crt', 'leaf.key').certificate);
  const revokedAt = new Date('2025-02-14T02:00:00Z');
  const server: OcspResponder & { loopback?: LoopbackServer } = {
    url: `http://localhost:${OCSP_PORT}`,
    state: 'good',
    close: async () => server.loopback?.close(),
  };
  server.loopback = await startLoopbackServer((request, response) => {
    let der: Uint8Array;
    try {
      der =
        request.method === 'POST'
          ? new Uint8Array(request.body)
          : new Uint8Array(Buffer.from(decodeURIComponent(request.url.replace(/^\/+/, '')), 'base64'));
      const serial = ocspRequestSerial(der);
      const now = new Date();
      // openssl ocsp answers "unknown" for a serial its index does not list.
      const status: OcspState = serial === BigInt(`0x${leaf.serialNumber}`) ? server.state : 'unknown';
      response.setHeader('Content-Type', 'application/ocsp-response');
      response.end(
        Buffer.from(
          buildOcspResponse({
            cert: leaf,
            issuer: root,
            responder,
            includeCertificate: true,
            status,
            ...(status === 'revoked' && { revokedAt }),
            thisUpdate: now,
            nextUpdate: new Date(now.getTime() + 5 * 60_000),
            ...(status === 'unknown' && serial !== BigInt(`0x${leaf.serialNumber}`) && { serialOverride: serial }),
          }),
        ),
      );
    } catch {
      response.statusCode = 400;
      response.end();
    }
  }, OCSP_PORT);
  return server;
}

export interface DomainRegistry {
  /** `notation-e2e.registry.io:<port>`, the value of `<domain-registry>`. */
  readonly address: string;
  /** The nginx certificate (PEM file) the commands must trust. */
  readonly certificateFile: string;
  close(): Promise<void>;
}

/**
 * nginx's role for the `<domain-registry>` cases: TLS (the nginx certificate) and plain HTTP on
 * one port in front of the registry at `127.0.0.1:registryPort`, and the name resolving to it.
 */
export async function startDomainRegistry(testdata: string, registryPort: number): Promise<DomainRegistry> {
  const certificateFile = path.join(testdata, 'nginx', `${DOMAIN_REGISTRY_HOST}.crt`);
  const key = readFileSync(path.join(testdata, 'nginx', `${DOMAIN_REGISTRY_HOST}.key`));
  const sockets = new Set<Socket>();
  const track = (socket: Socket): Socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    return socket;
  };
  const pipeTo = (client: Socket, port: number, first: Buffer): void => {
    const upstream = track(connect(port, '127.0.0.1'));
    upstream.write(first);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };
  // The TLS side listens on a port of its own; the front hands it the raw bytes.
  const tlsServer = createTlsServer({ cert: readFileSync(certificateFile), key }, (secure) => {
    track(secure);
    const upstream = track(connect(registryPort, '127.0.0.1'));
    secure.pipe(upstream).pipe(secure);
    secure.on('close', () => upstream.destroy());
    upstream.on('close', () => secure.destroy());
  });
  tlsServer.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  const tlsPort = (tlsServer.address() as { port: number }).port;
  const front: Server = createNetServer((socket) => {
    track(socket);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      // 0x16: a TLS handshake record.
      pipeTo(socket, first[0] === 0x16 ? tlsPort : registryPort, first);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const port = (front.address() as { port: number }).port;

  const originalLookup = dns.lookup;
  const lookup = function (this: unknown, hostname: string, options: unknown, callback?: unknown): void {
    const done = (typeof options === 'function' ? options : callback) as (error: Error | null, address: unknown, family?: number) => void;
    const settings = (typeof options === 'object' && options !== null ? options : typeof options === 'number' ? { family: options } : {}) as { all?: boolean };
    if (hostname.toLowerCase() === DOMAIN_REGISTRY_HOST) {
      process.nextTick(() => (settings.all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4)));
      return;
    }
    (originalLookup as (...args: unknown[]) => void).call(this, hostname, options, callback);
  };
  (dns as { lookup: unknown }).lookup = lookup;
  return {
    address: `${DOMAIN_REGISTRY_HOST}:${port}`,
    certificateFile,
    close: async () => {
      (dns as { lookup: unknown }).lookup = originalLookup;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    },
  };
}

/**
 * Writes `docker-credential-pass`, a stand-in for the `pass` credential helper the login cases
 * select in config.json (upstream skips those cases: GitHub's runners have no `pass`). It speaks
 * the docker-credential-helpers protocol (store, get, erase, list) over a JSON file in $HOME.
 * Returns the directory to put first on PATH.
 */
export async function writeCredentialHelper(directory: string): Promise<string> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(directory, { recursive: true });
  const script = `#!${process.execPath}
'use strict';
const fs = require('fs');
const path = require('path');
const file = path.join(process.env.HOME || '/tmp', '.docker-credential-pass.json');
const load = () => { try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return {}; } };
const save = (table) => fs.writeFileSync(file, JSON.stringify(table), { mode: 0o600 });
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const table = load();
  switch (process.argv[2]) {
    case 'store': {
      const entry = JSON.parse(input);
      table[entry.ServerURL] = { Username: entry.Username, Secret: entry.Secret };
      save(table);
      break;
    }
    case 'get': {
      const entry = table[input.trim()];
      if (!entry) {
        process.stdout.write('credentials not found in native keychain\\n');
        process.exit(1);
      }
      process.stdout.write(JSON.stringify({ ServerURL: input.trim(), Username: entry.Username, Secret: entry.Secret }));
      break;
    }
    case 'erase':
      delete table[input.trim()];
      save(table);
      break;
    case 'list':
      process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(table).map(([url, entry]) => [url, entry.Username]))));
      break;
    default:
      process.stderr.write('unknown action\\n');
      process.exit(1);
  }
});
`;
  await writeFile(path.join(directory, 'docker-credential-pass'), script, { mode: 0o755 });
  return directory;
}
