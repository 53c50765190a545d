/**
 * Per-verify cost of envelope integrity verification, JWS and COSE, with cold certificate parsing
 * (no cache) and with a warm CertificateCache. Run: npx tsc -p . && node dist/bench/envelope-verify.js
 */
import { performance } from 'node:perf_hooks';
import { signEnvelope, createLocalSigner, verifyEnvelope, type EnvelopeFormat } from '../src/envelope/index.js';
import { buildTestChain, CertificateCache, type KeySpec } from '../src/pki/index.js';

const NOW = new Date('2025-03-01T12:00:00Z');

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const [leafKeySpec, caKeySpec] of [['RSA-3072', 'RSA-3072'], ['RSA-2048', 'RSA-2048'], ['EC-256', 'EC-384']] as [KeySpec, KeySpec][]) {
    const chain = await buildTestChain({ notBefore: NOW, leafKeySpec, caKeySpec });
    const signer = createLocalSigner(chain.leaf.privateKey, chain.chain);
    for (const format of ['jws', 'cose'] as EnvelopeFormat[]) {
      const bytes = await signEnvelope({
        format,
        payload: { targetArtifact: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}` as never, size: 517 } },
        signer,
        signingTime: NOW,
        signingAgent: 'portcullis/0.1.0',
      });
      const measure = (label: string, iterations: number, make: () => CertificateCache | undefined): void => {
        for (let i = 0; i < 50; i++) verifyEnvelope(format, bytes, { certificateCache: make() }); // warm-up
        const cache = make();
        const start = performance.now();
        for (let i = 0; i < iterations; i++) verifyEnvelope(format, bytes, { certificateCache: label === 'cold' ? undefined : cache });
        const us = ((performance.now() - start) * 1000) / iterations;
        rows.push(`${format.padEnd(4)} ${leafKeySpec}/${caKeySpec} leaf+root ${bytes.length} B  ${label.padEnd(6)} ${us.toFixed(0)} µs/verify`);
      };
      measure('cold', 300, () => undefined);
      measure('cached', 2000, () => new CertificateCache());
    }
  }
  console.log(rows.join('\n'));
}

await main();
