/**
 * `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same
 * run. BENCH_SECONDS scales the load (default 2).
 */
import { benchRegistry } from './registry.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 2);
console.log(`# Portcullis benchmarks (node ${process.version}, ${new Date().toISOString()})\n`);
await benchRegistry(seconds);
