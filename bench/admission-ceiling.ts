/**
 * The ceiling for the admission benchmark: a bare node:https server that reads the same
 * AdmissionReview, parses it and allows it without verifying anything. Whatever the webhook
 * costs on top of this is the price of verification, caching and policy.
 * Usage: node dist/bench/admission-ceiling.js PORT CERT KEY
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [port, cert, key] = process.argv.slice(2);
const server = createServer({ cert: readFileSync(cert!), key: readFileSync(key!) }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { apiVersion: string; request: { uid: string } };
    const body = JSON.stringify({ apiVersion: review.apiVersion, kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
