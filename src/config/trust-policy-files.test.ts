/**
 * `policy import | show | init` and `blob policy …` on temporary config directories, replaying
 * the Notation e2e cases (command/policy.go, command/blob/policy.go) at the library level.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { skipWithoutTestdata, testdata } from '../../test/helpers/conformance.js';
import { configSandbox, failure } from '../../test/helpers/fixtures.js';
import {
  LEGACY_POLICY_WARNING,
  importBlobTrustPolicy,
  importOCITrustPolicy,
  initBlobTrustPolicy,
  initOCITrustPolicy,
  loadBlobTrustPolicy,
  loadOCITrustPolicy,
  showBlobTrustPolicy,
  showOCITrustPolicy,
} from './index.js';

const skip = skipWithoutTestdata('config', 'trustpolicies');
const policy = (name: string): string => testdata('config', 'trustpolicies', name);
const LINK = 'https://notaryproject.dev/docs/quickstart/#create-a-trust-policy';

const sandbox = configSandbox('policy');

const yes = (): boolean => true;
const no = (): boolean => false;

describe('OCI trust policy files', { skip }, () => {
  it('show: missing, legacy with warning, invalid with hint (policy-show-*)', async () => {
    const paths = await sandbox.fresh();
    assert.deepEqual(await failure(() => showOCITrustPolicy(paths)), {
      code: 'ERR_CONFIG_NOT_FOUND',
      message: 'failed to show OCI trust policy as it does not exist.\nYou can import one using `notation policy import <path-to-policy.json>`',
    });
    await writeFile(paths.legacyTrustPolicyFile, readFileSync(policy('trustpolicy.json')));
    const shown = await showOCITrustPolicy(paths);
    assert.deepEqual(shown.warnings, [LEGACY_POLICY_WARNING]);
    assert.deepEqual(Buffer.from(shown.content), readFileSync(policy('trustpolicy.json')));
    assert.equal(shown.error, undefined);
    await writeFile(paths.legacyTrustPolicyFile, readFileSync(policy('invalid_format_trustpolicy.json')));
    const invalid = await showOCITrustPolicy(paths);
    assert.match(invalid.invalidHint ?? '', /^Existing OCI trust policy configuration is invalid/);
    assert.equal(invalid.error?.message, "invalid character '}' after array element");
    assert.deepEqual(Buffer.from(invalid.content), readFileSync(policy('invalid_format_trustpolicy.json')));
  });

  it('import: new, then refused without confirmation, then confirmed; legacy file removed', async () => {
    const paths = await sandbox.fresh();
    await writeFile(paths.legacyTrustPolicyFile, readFileSync(policy('trustpolicy.json')));
    // an existing (legacy) policy: no confirm callback means cancelled, as with closed stdin
    const cancelled = await importOCITrustPolicy(paths, policy('skip_trustpolicy.json'));
    assert.equal(cancelled.written, false);
    const declined = await importOCITrustPolicy(paths, policy('skip_trustpolicy.json'), { confirm: no });
    assert.equal(declined.written, false);
    assert.equal(existsSync(paths.ociTrustPolicyFile), false);
    const prompts: string[] = [];
    const done = await importOCITrustPolicy(paths, policy('skip_trustpolicy.json'), {
      confirm: (prompt) => prompts.push(prompt) > 0,
    });
    assert.deepEqual(prompts, ['The OCI trust policy configuration already exists, do you want to overwrite it?']);
    assert.deepEqual(done.messages, [
      'Deleted old trust policy configuration trustpolicy.json.',
      `Successfully imported OCI trust policy configuration to ${paths.ociTrustPolicyFile}.`,
    ]);
    assert.equal(existsSync(paths.legacyTrustPolicyFile), false);
    assert.deepEqual(await readFile(paths.ociTrustPolicyFile), readFileSync(policy('skip_trustpolicy.json')));
    assert.equal((await stat(paths.ociTrustPolicyFile)).mode & 0o777, 0o600);
    const forced = await importOCITrustPolicy(paths, policy('trustpolicy.json'), { force: true });
    assert.deepEqual(forced.warnings, ['Warning: existing OCI trust policy configuration will be overwritten']);
    assert.deepEqual((await readdir(paths.directories.config)).sort(), ['trustpolicy.oci.json']);
  });

  it('import: a malformed existing policy is replaced without asking (policy-import-existing-malformed-skips-confirmation)', async () => {
    const paths = await sandbox.fresh();
    await writeFile(paths.legacyTrustPolicyFile, readFileSync(policy('invalid_format_trustpolicy.json')));
    const result = await importOCITrustPolicy(paths, policy('skip_trustpolicy.json'), { confirm: no });
    assert.equal(result.written, true);
  });

  it('import: refuses invalid files with the CLI\'s prefixes', async () => {
    const paths = await sandbox.fresh();
    assert.equal(
      (await failure(() => importOCITrustPolicy(paths, policy('invalid_format_trustpolicy.json')))).message,
      "failed to parse OCI trust policy configuration: invalid character '}' after array element",
    );
    assert.match(
      (await failure(() => importOCITrustPolicy(paths, policy('malformed_registry_scope_trustpolicy.json')))).message,
      /^failed to validate OCI trust policy configuration: registry scope "localhost:5000\\\\test-repo" is not valid/,
    );
    assert.equal(
      (await failure(() => importOCITrustPolicy(paths, '/??/???'))).message,
      'failed to read OCI trust policy configuration: open /??/???: no such file or directory',
    );
    assert.deepEqual(await readdir(paths.directories.config), []);
  });

  it('import: warns when the legacy file cannot be deleted (policy-import-warn-old-policy-not-deleted)', async () => {
    const paths = await sandbox.fresh();
    await mkdir(paths.legacyTrustPolicyFile);
    await writeFile(join(paths.legacyTrustPolicyFile, 'placeholder'), 'fake');
    const result = await importOCITrustPolicy(paths, policy('trustpolicy.json'), { force: true });
    assert.equal(result.written, true);
    assert.deepEqual(result.warnings, [
      `Warning: failed to delete old trust policy configuration trustpolicy.json: remove ${paths.legacyTrustPolicyFile}: directory not empty`,
    ]);
  });

  it('import: reports an unwritable config directory (policy-import-new-unwritable-config-dir)', { skip: process.getuid?.() === 0 ? 'root ignores modes' : false }, async () => {
    const paths = await sandbox.fresh();
    const { chmod } = await import('node:fs/promises');
    await chmod(paths.directories.config, 0o400);
    try {
      assert.match((await failure(() => importOCITrustPolicy(paths, policy('trustpolicy.json')))).message, /^failed to write OCI trust policy configuration: .*permission denied/);
    } finally {
      await chmod(paths.directories.config, 0o700);
    }
  });

  it('init: writes one statement as MarshalIndent would, then validates it on load', async () => {
    const paths = await sandbox.fresh();
    const result = await initOCITrustPolicy(paths, {
      name: 'wabbit',
      registryScopes: ['registry.wabbit-networks.io/net-monitor'],
      trustStores: ['ca:wabbit'],
      trustedIdentities: ['x509.subject: C=US, ST=WA, O=wabbit-networks.io'],
    });
    assert.deepEqual(result.messages, [`Successfully initialized OCI trust policy file to ${paths.ociTrustPolicyFile}.`]);
    assert.equal(
      await readFile(paths.ociTrustPolicyFile, 'utf8'),
      '{\n  "version": "1.0",\n  "trustPolicies": [\n    {\n      "name": "wabbit",\n      "signatureVerification": {\n        "level": "strict"\n      },\n      "trustStores": [\n        "ca:wabbit"\n      ],\n      "trustedIdentities": [\n        "x509.subject: C=US, ST=WA, O=wabbit-networks.io"\n      ],\n      "registryScopes": [\n        "registry.wabbit-networks.io/net-monitor"\n      ]\n    }\n  ]\n}',
    );
    const loaded = await loadOCITrustPolicy(paths);
    assert.equal(loaded.legacy, false);
    assert.equal(loaded.document.trustPolicies?.[0]?.name, 'wabbit');
    assert.equal(
      (await failure(() => initOCITrustPolicy(paths, { name: 'x', registryScopes: ['*'], trustStores: ['ca:x'], trustedIdentities: ['invalid'], force: true }))).message,
      'invalid OCI trust policy: oci trust policy: trust policy statement "x" has trusted identity "invalid" missing separator',
    );
    const again = await initOCITrustPolicy(paths, { name: 'y', registryScopes: ['*'], trustStores: ['ca:y'], trustedIdentities: ['*'], level: 'audit' });
    assert.equal(again.written, false);
  });

  it('load for verification: not present, symlink, malformed, legacy fallback', async () => {
    const paths = await sandbox.fresh();
    assert.deepEqual(await failure(() => loadOCITrustPolicy(paths)), {
      code: 'ERR_TRUST_POLICY_NOT_FOUND',
      message: `trust policy is not present. To create a trust policy, see: ${LINK}`,
    });
    await writeFile(paths.legacyTrustPolicyFile, readFileSync(policy('invalid_format_trustpolicy.json')));
    assert.deepEqual(await failure(() => loadOCITrustPolicy(paths)), {
      code: 'ERR_TRUST_POLICY_MALFORMED',
      message: `malformed trust policy. To create a trust policy, see: ${LINK}`,
    });
    await writeFile(paths.legacyTrustPolicyFile, `${readFileSync(policy('trustpolicy.json'), 'utf8')} trailing text is never read`);
    assert.equal((await loadOCITrustPolicy(paths)).legacy, true);
    await symlink(policy('trustpolicy.json'), paths.ociTrustPolicyFile);
    assert.equal(
      (await failure(() => loadOCITrustPolicy(paths))).message,
      `trust policy is not a regular file (symlinks are not supported). To create a trust policy, see: ${LINK}`,
    );
    await rm(paths.ociTrustPolicyFile);
    await writeFile(paths.ociTrustPolicyFile, readFileSync(policy('multi_statements_with_the_same_name_trustpolicy.json')));
    assert.equal(
      (await failure(() => loadOCITrustPolicy(paths))).message,
      'multiple oci trust policy statements use the same name "e2e", statement names must be unique',
    );
  });
});

describe('blob trust policy files', { skip }, () => {
  it('show: missing, valid, invalid (blob-policy-show-*)', async () => {
    const paths = await sandbox.fresh();
    assert.equal(
      (await failure(() => showBlobTrustPolicy(paths))).message,
      'failed to show blob trust policy as the configuration does not exist.\nYou can import one using `notation blob policy import <path-to-policy.json>`',
    );
    await writeFile(paths.blobTrustPolicyFile, readFileSync(policy('blob_trust_policy.json')));
    assert.equal((await showBlobTrustPolicy(paths)).error, undefined);
    await writeFile(paths.blobTrustPolicyFile, readFileSync(policy('invalid_format_trustpolicy.json')));
    assert.match((await showBlobTrustPolicy(paths)).invalidHint ?? '', /^Existing blob trust policy configuration is invalid/);
  });

  it('import accepts an OCI-shaped file (registryScopes is ignored) and asks before overwriting', async () => {
    const paths = await sandbox.fresh();
    await importBlobTrustPolicy(paths, policy('blob_trust_policy.json'));
    assert.equal((await importBlobTrustPolicy(paths, policy('skip_trustpolicy.json'), { confirm: no })).written, false);
    const done = await importBlobTrustPolicy(paths, policy('skip_trustpolicy.json'), { confirm: yes });
    assert.deepEqual(done.messages, [`Successfully imported blob trust policy configuration to ${paths.blobTrustPolicyFile}.`]);
    assert.deepEqual(await readFile(paths.blobTrustPolicyFile), readFileSync(policy('skip_trustpolicy.json')));
    assert.match(
      (await failure(() => importBlobTrustPolicy(paths, policy('malformed_trusted_identity_trustpolicy.json')))).message,
      /^failed to validate blob trust policy configuration: blob trust policy: trust policy statement "e2e" has trusted identity/,
    );
  });

  it('init writes exactly what notation writes (blob-policy-init-success)', async () => {
    const paths = await sandbox.fresh();
    const result = await initBlobTrustPolicy(paths, {
      name: 'example-policy',
      global: true,
      trustStores: ['ca:example-store', 'ca:example-store2'],
      trustedIdentities: ['x509.subject: C=example,ST=example,O=example', 'x509.subject: C=example2,ST=example,O=example'],
    });
    assert.deepEqual(result.messages, [`Successfully initialized blob trust policy file to ${paths.blobTrustPolicyFile}.`]);
    assert.equal(
      Buffer.from((await showBlobTrustPolicy(paths)).content).toString('utf8'),
      '{\n  "version": "1.0",\n  "trustPolicies": [\n    {\n      "name": "example-policy",\n      "signatureVerification": {\n        "level": "strict"\n      },\n      "trustStores": [\n        "ca:example-store",\n        "ca:example-store2"\n      ],\n      "trustedIdentities": [\n        "x509.subject: C=example,ST=example,O=example",\n        "x509.subject: C=example2,ST=example,O=example"\n      ],\n      "globalPolicy": true\n    }\n  ]\n}',
    );
    assert.equal((await loadBlobTrustPolicy(paths)).trustPolicies?.[0]?.globalPolicy, true);
    assert.match(
      (await failure(() => initBlobTrustPolicy(paths, { name: 'p', trustStores: ['ca:s'], trustedIdentities: ['invalid'], force: true }))).message,
      /^invalid blob policy: /,
    );
    const forced = await initBlobTrustPolicy(paths, {
      name: 'new-policy',
      trustStores: ['ca:new-store'],
      trustedIdentities: ['x509.subject: C=example, ST=example, O=example'],
      force: true,
    });
    assert.deepEqual(forced.warnings, ['Warning: existing blob trust policy configuration will be overwritten']);
  });
});
