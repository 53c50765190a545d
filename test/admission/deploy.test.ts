/** deploy/ parses, holds what the docs promise, and its flags are ones `admission serve` knows. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { memoryContext } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { findTool, REPOSITORY_ROOT } from '../helpers/tools.js';

const DEPLOY = join(REPOSITORY_ROOT, 'deploy');

async function yamlFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? yamlFiles(join(directory, entry.name)) : Promise.resolve(entry.name.endsWith('.yaml') ? [join(directory, entry.name)] : []))),
  );
  return nested.flat().sort();
}

async function objects(): Promise<Array<Record<string, any>>> {
  const all: Array<Record<string, any>> = [];
  for (const file of await yamlFiles(DEPLOY)) {
    for (const document of parseAllDocuments(await readFile(file, 'utf8'))) {
      assert.deepEqual(document.errors, [], `${relative(REPOSITORY_ROOT, file)} parses`);
      const value = document.toJS() as Record<string, any> | null;
      if (value) all.push({ ...value, __file: relative(REPOSITORY_ROOT, file) });
    }
  }
  return all;
}

describe('deploy/ manifests', () => {
  it('parse and carry the objects the docs describe', async () => {
    const all = await objects();
    const kinds = all.map((object) => `${object.kind}/${object.metadata?.name}`);
    for (const expected of [
      'Namespace/portcullis-system',
      'ServiceAccount/portcullis-webhook',
      'ClusterRole/portcullis-webhook-pull-secrets',
      'ClusterRoleBinding/portcullis-webhook-pull-secrets',
      'ConfigMap/portcullis-trust',
      'ConfigMap/portcullis-policy',
      'Deployment/portcullis-webhook',
      'PodDisruptionBudget/portcullis-webhook',
      'Service/portcullis-webhook',
      'ValidatingWebhookConfiguration/portcullis',
      'MutatingWebhookConfiguration/portcullis',
      'Deployment/portcullis-redis',
    ]) {
      assert.ok(kinds.includes(expected), `${expected} in deploy/`);
    }
    const deployment = all.find((object) => object.kind === 'Deployment' && object.metadata.name === 'portcullis-webhook')!;
    assert.equal(deployment.spec.replicas, 2);
  });

  it('webhooks fail closed, time out, skip their own namespace and kube-system, and cover every workload kind', async () => {
    const all = await objects();
    for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
      const configuration = all.find((object) => object.kind === kind)!;
      for (const webhook of configuration.webhooks) {
        assert.equal(webhook.failurePolicy, 'Fail');
        assert.equal(webhook.sideEffects, 'None');
        assert.ok(webhook.timeoutSeconds >= 1 && webhook.timeoutSeconds <= 30);
        assert.deepEqual(webhook.namespaceSelector.matchExpressions[0].values.sort(), ['kube-system', 'portcullis-system']);
        const resources = webhook.rules.flatMap((rule: { resources: string[] }) => rule.resources).sort();
        assert.deepEqual(resources, ['cronjobs', 'daemonsets', 'deployments', 'jobs', 'pods', 'pods/ephemeralcontainers', 'replicasets', 'replicationcontrollers', 'statefulsets']);
        for (const rule of webhook.rules) assert.deepEqual(rule.operations, ['CREATE', 'UPDATE']);
      }
    }
  });

  it('the Deployment passes only flags that admission serve accepts, under the webhook timeout', async () => {
    const all = await objects();
    const container = all.find((object) => object.kind === 'Deployment' && object.metadata.name === 'portcullis-webhook')!.spec.template.spec.containers[0];
    const context = memoryContext();
    await main(['admission', 'serve', '--help'], context);
    for (const argument of container.args.slice(2) as string[]) {
      const flag = argument.split('=')[0]!;
      assert.ok(context.out().includes(flag), `${flag} is an option of admission serve`);
    }
    const timeout = (container.args as string[]).find((argument) => argument.startsWith('--timeout='))!;
    assert.ok(Number(timeout.slice('--timeout='.length, -1)) < 10);
  });

  it('kubectl accepts the files (when kubectl is installed; a client dry run needs an API server for discovery)', async (t) => {
    const kubectl = findTool('kubectl');
    if (kubectl === undefined) return t.skip('kubectl not installed');
    try {
      await promisify(execFile)(kubectl, ['apply', '--dry-run=client', '--validate=false', '-R', '-f', DEPLOY], { timeout: 60_000 });
    } catch (error) {
      const text = String((error as { stderr?: string }).stderr ?? error);
      if (/connection refused|unable to recognize|couldn't get current server API group list/.test(text)) return t.skip('no API server to discover kinds from');
      throw error;
    }
  });
});
