/**
 * The Notation e2e contract (shared/conformance/notation-e2e/cases.json) run against Portcullis
 * in-process: every case whose `needs` is [] or ["registry"] (and ["plugin"] for the plugin
 * install/list/uninstall suites, with a stand-in plugin), with an embedded registry
 * (htpasswd testuser/testpassword on a free port; `localhost:5000` in expectations and policy
 * files is rewritten to it); the `crl` and `ocsp` cases with local CRL (localhost:10086) and OCSP
 * (localhost:10087) responders for the e2e testdata PKI; the `<domain-registry>` cases with a TLS
 * front for the registry (see e2e/services.ts). The `tsa` cases need the public internet TSAs and
 * are skipped; so are the plugin and internet cases, which this test does not load. Cases that
 * rely on file permissions run in-process as a non-root user, and as `nobody` in a child process
 * (bin/portcullis.js) when the test runs as root.
 *
 * The test prints a per-case table and `notation e2e cases: N of T pass (…)` per group, writes
 * `.tmp/e2e-report.json`, and fails only when a case listed in e2e/expected-to-pass.ts fails or a
 * case listed in e2e/deviations.ts does not deviate as documented — so coverage can grow while CI
 * stays green. Promote cases as described in e2e/expected-to-pass.ts.
 *
 * Set PORTCULLIS_E2E_ONLY=<id>[,<id>…] to run only some cases, PORTCULLIS_E2E_VERBOSE=1 to print
 * each failing step's output.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { startRegistry, type RunningRegistry } from '../../src/registry/server/index.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { REPOSITORY_ROOT } from '../helpers/tools.js';
import { findConformanceDirectory, loadCases } from './e2e/cases.js';
import { DELIBERATE_DEVIATIONS } from './e2e/deviations.js';
import { EXPECTED_TO_PASS } from './e2e/expected-to-pass.js';
import { REGISTRY_PASSWORD, REGISTRY_USERNAME, runCase, type CaseResult, type HarnessEnvironment } from './e2e/runner.js';
import { startCrlServer, startDomainRegistry, startOcspResponder, writeCredentialHelper } from './e2e/services.js';
import { parseSetup, recipeSignature } from './e2e/setup.js';
import { createStandInPlugin } from './e2e/stand-in-plugin.js';
import type { E2eCase } from './e2e/cases.js';

/** The needs this test provides (or, for `tsa`, reports as skipped; `plugin` cases the metadata-only stand-in cannot serve are skipped by runCase). */
const LOADED_NEEDS = new Set(['registry', 'crl', 'ocsp', 'tsa', 'plugin']);

/** Report groups: the offline/registry contract, and the revocation and timestamp cases. */
function groupOf(testCase: E2eCase): 'offline+registry' | 'crl+ocsp' | 'tsa' {
  if (testCase.needs.includes('tsa')) return 'tsa';
  if (testCase.needs.includes('crl') || testCase.needs.includes('ocsp')) return 'crl+ocsp';
  return 'offline+registry';
}

/**
 * Starts a service on a fixed port. Locally a taken port leaves it out (its cases are skipped,
 * and listed as such, instead of failing the run); under CI it fails the run.
 */
async function optional<T>(name: string, start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (error) {
    if (process.env.CI) throw error;
    console.log(`${name} not started: ${(error as Error).message}`);
    return undefined;
  }
}

const conformance = findConformanceDirectory();

describe('notation e2e cases (cases.json)', { skip: conformance === undefined && !process.env.CI ? 'shared/conformance/notation-e2e not found' : false }, () => {
  let registry: RunningRegistry;
  let environment: HarnessEnvironment;
  const results: CaseResult[] = [];

  before(async () => {
    assert.ok(conformance, 'shared/conformance/notation-e2e is required under CI');
    const scratch = (await temporaryDirectory('e2e')).path;
    const htpasswd = path.join(scratch, 'htpasswd');
    await writeFile(htpasswd, `${REGISTRY_USERNAME}:${bcrypt.hashSync(REGISTRY_PASSWORD, 4)}\n`);
    registry = await startRegistry({ root: path.join(scratch, 'registry'), port: 0, htpasswdFile: htpasswd });
    const testdata = path.join(conformance!, 'testdata');
    const crl = await optional('CRL server (localhost:10086)', () => startCrlServer(testdata));
    const ocsp = await optional('OCSP responder (localhost:10087)', () => startOcspResponder(testdata));
    const domainRegistry = await optional('TLS domain registry', () => startDomainRegistry(testdata, registry.port));
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    // As root, the cases relying on file permissions run as `nobody` in a child process; it must reach the case homes.
    if (isRoot) await chmod(scratch, 0o711);
    environment = {
      conformance: conformance!,
      registry: `localhost:${registry.port}`,
      scratch,
      isRoot,
      ...(isRoot && { unprivileged: { uid: 65534, gid: 65534, binary: path.join(REPOSITORY_ROOT, 'bin', 'portcullis.js') } }),
      ...(crl && { crl }),
      ...(ocsp && { ocsp }),
      ...(domainRegistry && { domainRegistry }),
      helperBin: await writeCredentialHelper(path.join(scratch, 'bin')),
      // A shell script: POSIX only.
      ...(process.platform !== 'win32' && { plugin: await createStandInPlugin(path.join(scratch, 'e2e-plugin')) }),
    };
  });

  after(async () => {
    await environment?.domainRegistry?.close();
    await environment?.crl?.close();
    await environment?.ocsp?.close();
    await registry?.close();
  });

  it('runs every offline, registry, CRL and OCSP case; the expected-to-pass list must pass', { timeout: 20 * 60 * 1000 }, async () => {
    const only = process.env.PORTCULLIS_E2E_ONLY?.split(',').filter(Boolean);
    const cases = loadCases(conformance!).filter((c) => c.needs.every((need) => LOADED_NEEDS.has(need)));
    for (const testCase of cases) {
      if (only && !only.includes(testCase.id)) continue;
      let result: CaseResult;
      try {
        result = await runCase(testCase, environment);
      } catch (error) {
        result = { id: testCase.id, suite: testCase.suite, outcome: 'fail', reason: `harness error: ${(error as Error).message}`, steps: [], unparsedSetup: [], durationMs: 0 };
      }
      results.push(result);
    }

    const width = Math.max(...results.map((r) => r.id.length));
    const lines = results.map((r) => `${r.outcome.toUpperCase().padEnd(4)}  ${r.id.padEnd(width)}  ${r.reason ?? ''}`);
    const passed = results.filter((r) => r.outcome === 'pass');
    const failed = results.filter((r) => r.outcome === 'fail');
    const skipped = results.filter((r) => r.outcome === 'skip');
    const deviations = results.filter((r) => r.outcome === 'deviation');
    const caseGroup = new Map(cases.map((c) => [c.id, groupOf(c)]));
    const groups = Object.fromEntries(
      (['offline+registry', 'crl+ocsp', 'tsa'] as const).map((group) => {
        const inGroup = results.filter((r) => caseGroup.get(r.id) === group);
        const count = (outcome: CaseResult['outcome']): number => inGroup.filter((r) => r.outcome === outcome).length;
        return [group, { total: inGroup.length, passed: count('pass'), failed: count('fail'), skipped: count('skip'), deviations: count('deviation') }];
      }),
    );
    const recipes = new Set(cases.map((c) => recipeSignature(parseSetup(c.setup))));
    const unparsed = [...new Set(results.flatMap((r) => r.unparsedSetup))];
    console.log(lines.join('\n'));
    if (process.env.PORTCULLIS_E2E_VERBOSE) {
      for (const r of failed) {
        for (const step of r.steps.filter((s) => s.problems.length > 0)) {
          console.log(`--- ${r.id}: ${step.argv.join(' ')} -> ${step.code}\n${step.problems.join('\n')}\n[stdout]\n${step.stdout}[stderr]\n${step.stderr}`);
        }
      }
    }
    console.log(`setup recipes: ${recipes.size} distinct among ${cases.length} cases; unparsed setup sentences: ${unparsed.length}`);
    // Worded so it cannot be mistaken for the run's closing "N passed, N failed" line.
    for (const [group, counts] of Object.entries(groups)) {
      console.log(
        `notation e2e cases [${group}]: ${counts.passed} of ${counts.total} pass (${counts.failed} not yet, ${counts.skipped} skipped, ${counts.deviations} deliberate deviations)`,
      );
    }

    const reportDirectory = path.join(REPOSITORY_ROOT, '.tmp');
    await mkdir(reportDirectory, { recursive: true });
    await writeFile(
      path.join(reportDirectory, 'e2e-report.json'),
      `${JSON.stringify(
        {
          registry: environment.registry,
          summary: { passed: passed.length, failed: failed.length, skipped: skipped.length, deviations: deviations.length },
          groups,
          passed: passed.map((r) => r.id),
          deviations: deviations.map((r) => ({ id: r.id, reason: r.reason })),
          expectedToPass: EXPECTED_TO_PASS,
          unparsedSetup: unparsed,
          results,
        },
        null,
        2,
      )}\n`,
    );

    // A case skipped because a local service could not start (a taken port, outside CI) is reported above, not a regression.
    const unavailable = (r: CaseResult): boolean => r.outcome === 'skip' && /^needs (crl|ocsp)/.test(r.reason ?? '');
    const regressions = results.filter((r) => EXPECTED_TO_PASS.includes(r.id) && r.outcome !== 'pass' && !unavailable(r));
    assert.deepEqual(
      regressions.map((r) => `${r.id}: ${r.reason}`),
      [],
      'cases in test/notary/e2e/expected-to-pass.ts must pass',
    );
    const unconfirmed = results.filter((r) => r.id in DELIBERATE_DEVIATIONS && r.outcome !== 'deviation' && r.outcome !== 'skip');
    assert.deepEqual(
      unconfirmed.map((r) => `${r.id}: ${r.reason}`),
      [],
      'cases in test/notary/e2e/deviations.ts must deviate as documented',
    );
    if (!only) {
      const missing = EXPECTED_TO_PASS.filter((id) => !results.some((r) => r.id === id));
      assert.deepEqual(missing, [], 'every expected-to-pass id names a case that runs here');
    }
  });
});
