import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { describe, it } from 'node:test';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { assertTool, findTool, requiredTool, skipWithoutTool } from '../helpers/tools.js';
import { startTestRegistry } from '../registry/helpers.js';

/**
 * The OCI distribution-spec conformance suites (built into .tools/bin by .ci/install-tools.sh)
 * against the embedded registry, every workflow on. Absent binaries skip the test on a developer
 * machine and fail it in CI.
 */
const GINKGO_SUITES = ['oci-conformance-v1.1.1.test', 'oci-conformance-legacy.test'];
const MAIN_SUITE = 'oci-conformance-main';
const HINT = 'run .ci/install-tools.sh';

/** The ginkgo (v1.1.x) suites, each once even when two names point at one binary. */
function ginkgoSuites(): string[] {
  const found = new Map<string, string>();
  for (const name of GINKGO_SUITES) {
    const path = findTool(name);
    if (path !== undefined) found.set(realpathSync(path), path);
  }
  return [...found.values()];
}

interface SuiteRun {
  readonly code: number;
  readonly output: string;
}

function runSuite(binary: string, env: Record<string, string>, cwd: string): Promise<SuiteRun> {
  return new Promise((resolve) => {
    execFile(binary, [], { env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, cwd, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}\n${stderr}` });
    });
  });
}

const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');

describe('OCI distribution-spec conformance', () => {
  const ginkgo = ginkgoSuites();
  const ginkgoCases = ginkgo.length > 0 ? ginkgo : [undefined];
  for (const binary of ginkgoCases) {
    for (const anonymousMount of [false, true]) {
      const title = `${binary ? binaryLabel(binary) : 'v1.1.x suite'}: pull, push, discovery, management (anonymous mount ${anonymousMount ? 'on' : 'off'})`;
      it(title, { skip: skipWithoutTool('a ginkgo conformance suite', binary, HINT), timeout: 300_000 }, async (t) => {
        const suite = assertTool(GINKGO_SUITES.join(' or '), binary);
        const registry = await startTestRegistry({ anonymousMount });
        const reports = await temporaryDirectory('conformance');
        try {
          const run = await runSuite(
            suite,
            {
              OCI_ROOT_URL: registry.url,
              OCI_NAMESPACE: 'conformance/repo1',
              OCI_CROSSMOUNT_NAMESPACE: 'conformance/repo2',
              OCI_TEST_PULL: '1',
              OCI_TEST_PUSH: '1',
              OCI_TEST_CONTENT_DISCOVERY: '1',
              OCI_TEST_CONTENT_MANAGEMENT: '1',
              OCI_AUTOMATIC_CROSSMOUNT: anonymousMount ? '1' : '0',
              OCI_HIDE_SKIPPED_WORKFLOWS: '0',
              OCI_REPORT_DIR: reports.path,
            },
            reports.path,
          );
          const text = plain(run.output);
          const counts = /(\d+) Passed \| (\d+) Failed \| (\d+) Pending \| (\d+) Skipped/.exec(text);
          assert.ok(counts, `no ginkgo summary in the output:\n${text.slice(-3000)}`);
          t.diagnostic(`${binaryLabel(suite)}: ${counts[1]} passed, ${counts[2]} failed, ${counts[4]} skipped`);
          assert.equal(Number(counts[2]), 0, text.slice(-6000));
          assert.equal(run.code, 0, text.slice(-3000));
          assert.ok(Number(counts[1]) >= 70, 'the suite ran its specs');
        } finally {
          await registry.dispose();
          await reports.remove();
        }
      });
    }
  }

  const main = requiredTool(MAIN_SUITE, HINT);
  it('main-branch suite: every API (upload cancel, tag params, digest headers) and data type (sha512)', { skip: main.skip, timeout: 300_000 }, async (t) => {
    const suite = assertTool(MAIN_SUITE, main.path);
    const registry = await startTestRegistry({ anonymousMount: true });
    const results = await temporaryDirectory('conformance-main');
    try {
      const run = await runSuite(
        suite,
        {
          OCI_REGISTRY: new URL(registry.url).host,
          OCI_TLS: 'disabled',
          OCI_REPO1: 'conformance/repo1',
          OCI_REPO2: 'conformance/repo2',
          OCI_API_BLOBS_UPLOAD_CANCEL: 'true',
          OCI_API_BLOBS_MOUNT_ANONYMOUS: 'true',
          OCI_API_BLOBS_DIGEST_HEADER: 'true',
          OCI_API_MANIFESTS_DIGEST_HEADER: 'true',
          OCI_API_MANIFESTS_TAG_PARAM: 'true',
          OCI_API_REFERRER: 'true',
          OCI_DATA_SHA512: 'true',
          OCI_RESULTS_DIR: results.path,
        },
        results.path,
      );
      const field = (name: string): number => Number(new RegExp(`${name}\\.*:\\s+(\\d+)`).exec(run.output)?.[1] ?? NaN);
      t.diagnostic(`main: ${field('Pass')} passed, ${field('FAIL')} failed, ${field('Skip')} skipped, ${field('Error')} errors`);
      assert.match(run.output, /OCI Conformance Result: Pass/, run.output.slice(-6000));
      assert.equal(field('FAIL'), 0);
      assert.equal(field('Error'), 0);
      assert.ok(field('Pass') > 900, 'the suite ran its tests');
      assert.equal(run.code, 0);
    } finally {
      await registry.dispose();
      await results.remove();
    }
  });
});

function binaryLabel(path: string): string {
  return realpathSync(path).split('/').pop()!.replace(/^oci-conformance-/, '').replace(/\.test$/, '');
}
