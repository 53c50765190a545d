/**
 * `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same
 * run. BENCH_SECONDS scales the load tests (default 2); BENCH_RUNS the verify runs (default 20).
 */
import { benchAdmission } from './admission.js';
import { benchRegistry } from './registry.js';
import { benchVerify } from './verify.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const runs = Number(process.env.BENCH_RUNS ?? 20);
console.log(`# Portcullis benchmarks (node ${process.version}, ${new Date().toISOString()})\n`);
console.log('## portcullis verify against notation verify (same image, same registry, alternating runs)\n');
await benchVerify({ runs });
await benchRegistry(seconds);
console.log('\n## Admission: warm-cache webhook against a bare HTTPS ceiling, and cold verification\n');
await benchAdmission(seconds);
