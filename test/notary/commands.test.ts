/**
 * The Notation-compatible commands on real config directories (temp homes) with real
 * certificates: trust store, generate-test/cleanup-test, keys, policies, blob inspect, version.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { parseCertificate, pemToDer } from '../../src/pki/index.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { findConformanceDirectory } from './e2e/cases.js';
import { homeEnv, portcullis } from './helpers.js';

const conformance = findConformanceDirectory();
const testdata = conformance === undefined ? '' : path.join(conformance, 'testdata');
const skip = conformance === undefined && !process.env.CI ? 'shared/conformance/notation-e2e not found' : false;

const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe('portcullis certificate', { skip }, () => {
  let home: string;
  let env: Record<string, string>;
  let config: string;
  before(async () => {
    home = (await temporaryDirectory('cert')).path;
    env = homeEnv(home);
    config = path.join(home, 'notation');
  });

  it('adds certificates, lists them in a Go tabwriter table and shows their details', async () => {
    const e2e = path.join(testdata, 'config/localkeys/e2e.crt');
    const expired = path.join(testdata, 'config/localkeys/expired_e2e.crt');
    const added = await portcullis(['cert', 'add', '--type', 'ca', '--store', 'e2e', e2e, expired], env);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, `Successfully added following certificates to named store e2e of type ca:\n${e2e}\n${expired}\n`);
    assert.equal(await mode(path.join(config, 'truststore/x509/ca/e2e/e2e.crt')), 0o600);
    assert.equal(await mode(path.join(config, 'truststore/x509/ca/e2e')), 0o700);

    const listed = await portcullis(['cert', 'ls'], env);
    assert.equal(
      listed.stdout,
      'STORE TYPE   STORE NAME   CERTIFICATE       \nca           e2e          e2e.crt           \nca           e2e          expired_e2e.crt   \n',
    );
    assert.equal((await portcullis(['cert', 'ls', '--type', 'tsa'], env)).stdout, '');

    const shown = await portcullis(['cert', 'show', '-t', 'ca', '-s', 'e2e', 'e2e.crt'], env);
    assert.equal(shown.code, 0, shown.stderr);
    const cert = parseCertificate(pemToDer(await readFile(e2e, 'utf8'))[0]!);
    assert.equal(
      shown.stdout,
      [
        'Certificate details',
        '-'.repeat(80),
        'Issuer: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US',
        'Subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US',
        'Valid from: 2022-12-19 02:43:39 +0000 UTC',
        'Valid to: 2122-12-19 02:43:39 +0000 UTC',
        'IsCA: false',
        `SHA256 Thumbprint: ${cert.fingerprint256}`,
        '',
      ].join('\n'),
    );
  });

  it('refuses a duplicate and a file without certificates, reporting each path', async () => {
    const notCert = path.join(home, 'not-a-cert.pem');
    await writeFile(notCert, 'hello\n');
    const e2e = path.join(testdata, 'config/localkeys/e2e.crt');
    const result = await portcullis(['cert', 'add', '-t', 'ca', '-s', 'e2e', e2e, notCert], env);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `Error: Failed to add following certificates to named store e2e of type ca:\n${e2e}, with error "certificate already exists in the Trust Store"\n${notCert}, with error "x509: malformed certificate"\n\n`,
    );
    const missing = await portcullis(['cert', 'add', '-t', 'ca', e2e], env);
    assert.match(missing.stderr, /required flag\(s\) "store" not set/);
    const badType = await portcullis(['cert', 'add', '-t', 'bogus', '-s', 'x', e2e], env);
    assert.match(badType.stderr, /^Error: unsupported store type: bogus\n$/);
  });

  it('asks before deleting: "n" cancels, end of input cancels, "y" deletes and removes the empty store', async () => {
    const cancelled = await portcullis(['cert', 'delete', '-t', 'ca', '-s', 'e2e', 'expired_e2e.crt'], env, 'n\n');
    assert.equal(cancelled.code, 0);
    assert.equal(cancelled.stdout, 'Are you sure you want to delete "expired_e2e.crt" in "e2e" of type "ca"? [y/N] Operation cancelled.\n');
    const eof = await portcullis(['cert', 'delete', '-t', 'ca', '-s', 'e2e', 'expired_e2e.crt'], env);
    assert.equal(eof.stdout, 'Are you sure you want to delete "expired_e2e.crt" in "e2e" of type "ca"? [y/N] ');
    const yes = await portcullis(['cert', 'delete', '-t', 'ca', '-s', 'e2e', 'expired_e2e.crt'], env, 'YES\n');
    assert.equal(yes.stdout, 'Are you sure you want to delete "expired_e2e.crt" in "e2e" of type "ca"? [y/N] Successfully deleted expired_e2e.crt from trust store e2e of type ca\n');
    const last = await portcullis(['cert', 'delete', '-t', 'ca', '-s', 'e2e', 'e2e.crt', '-y'], env);
    assert.equal(last.stdout, 'Successfully deleted e2e.crt from trust store e2e of type ca\n');
    await assert.rejects(stat(path.join(config, 'truststore/x509/ca/e2e')), { code: 'ENOENT' });
    const again = await portcullis(['cert', 'delete', '-t', 'ca', '-s', 'e2e', 'e2e.crt', '-y'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^Error: failed to delete the certificate file: stat .*e2e\.crt: no such file or directory\n$/);
    const both = await portcullis(['cert', 'delete', '-t', 'ca', '-s', 'e2e', '--all', 'x.crt'], env);
    assert.match(both.stderr, /cannot delete a single certificate file when --all flag is set/);
  });

  it('generate-test writes an RSA-2048 key (0600) and a one-day code-signing certificate (0644), the key list and ca:<name>', async () => {
    const result = await portcullis(['cert', 'generate-test', '--default', 'wabbit-networks.io'], env);
    assert.equal(result.code, 0, result.stderr);
    const keyPath = path.join(config, 'localkeys/wabbit-networks.io.key');
    const certPath = path.join(config, 'localkeys/wabbit-networks.io.crt');
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], 'generating RSA Key with 2048 bits');
    assert.match(lines[1]!, /^generated certificate expiring on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(lines.slice(2), [
      `wrote key: ${keyPath}`,
      `wrote certificate: ${certPath}`,
      'Successfully added wabbit-networks.io.crt to named store wabbit-networks.io of type ca',
      'wabbit-networks.io: added to the key list',
      'wabbit-networks.io: marked as default signing key',
      '',
    ]);
    assert.equal(await mode(keyPath), 0o600);
    assert.equal(await mode(certPath), 0o644);
    assert.equal(await mode(path.join(config, 'signingkeys.json')), 0o600);
    const key = createPrivateKey(await readFile(keyPath, 'utf8'));
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    assert.match(await readFile(keyPath, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    const cert = parseCertificate(pemToDer(await readFile(certPath, 'utf8'))[0]!);
    assert.equal(cert.subject, 'CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US');
    assert.equal(cert.issuer, cert.subject);
    assert.equal(cert.notAfter.getTime() - cert.notBefore.getTime(), 24 * 3600 * 1000);
    assert.equal(cert.basicConstraints?.ca ?? false, false);
    assert.deepEqual(cert.extKeyUsage?.oids, ['1.3.6.1.5.5.7.3.3']);
    assert.equal(cert.keyUsage?.critical, true);
    assert.equal(cert.keySpec, 'RSA-2048');
    assert.deepEqual(await readFile(path.join(config, 'truststore/x509/ca/wabbit-networks.io/wabbit-networks.io.crt')), await readFile(certPath));
    assert.deepEqual(JSON.parse(await readFile(path.join(config, 'signingkeys.json'), 'utf8')), {
      default: 'wabbit-networks.io',
      keys: [{ name: 'wabbit-networks.io', keyPath, certPath }],
    });

    const again = await portcullis(['cert', 'generate-test', 'wabbit-networks.io'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^Error: failed to write key file: open .*wabbit-networks\.io\.key: file exists\n$/);
    const bits = await portcullis(['cert', 'generate-test', '--bits', '3072', 'big'], env);
    assert.equal(bits.code, 0, bits.stderr);
    assert.equal(createPrivateKey(await readFile(path.join(config, 'localkeys/big.key'), 'utf8')).asymmetricKeyDetails?.modulusLength, 3072);
    assert.match((await portcullis(['cert', 'generate-test', 'bad/name'], env)).stderr, /name needs to follow \[a-zA-Z0-9_.-\]\+ format/);
  });

  it('lists, updates and deletes signing keys with Notation messages; plugin keys are refused', async () => {
    const keyDir = path.join(config, 'localkeys');
    const listed = await portcullis(['key', 'ls'], env);
    const rows = [
      ['NAME', 'KEY PATH', 'CERTIFICATE PATH', 'ID', 'PLUGIN NAME'],
      ['* wabbit-networks.io', `${keyDir}/wabbit-networks.io.key`, `${keyDir}/wabbit-networks.io.crt`, '', ''],
      ['big', `${keyDir}/big.key`, `${keyDir}/big.crt`, '', ''],
    ];
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)) + 3);
    assert.equal(listed.stdout, rows.map((row) => `${row.map((cell, column) => cell.padEnd(widths[column]!)).join('')}\n`).join(''));
    assert.equal((await portcullis(['key', 'set', '--default', 'big'], env)).stdout, 'big: marked as default\n');
    assert.equal((await portcullis(['key', 'update', 'big'], env)).stdout, '');
    const unknown = await portcullis(['key', 'update', '--default', 'nope'], env);
    assert.equal(unknown.stderr, 'Error: signing key nope not found\n');
    const plugin = await portcullis(['key', 'add', '--plugin', 'azure-kv', '--id', 'k', 'remote'], env);
    assert.equal(plugin.code, 1);
    assert.match(plugin.stderr, /does not support signing plugins/);
    assert.match((await portcullis(['key', 'add', 'remote'], env)).stderr, /required flag\(s\) "plugin" not set/);
    const deleted = await portcullis(['key', 'delete', 'big', 'wabbit-networks.io'], env);
    assert.equal(
      deleted.stdout,
      'Removed the following keys from Notation signing key list. The source keys still exist.\nbig (default)\nwabbit-networks.io\n',
    );
    assert.equal((await portcullis(['key', 'ls'], env)).stdout, 'NAME   KEY PATH   CERTIFICATE PATH   ID   PLUGIN NAME   \n');
  });

  it('cleanup-test removes what generate-test made and says what was missing', async () => {
    await portcullis(['cert', 'generate-test', 'tmp-test'], env);
    const result = await portcullis(['cert', 'cleanup-test', 'tmp-test'], env, 'y\n');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Are you sure you want to continue\? \[y\/N\] Successfully deleted tmp-test\.crt from trust store tmp-test of type ca\n/);
    assert.match(result.stdout, /Successfully removed key tmp-test from the key list\nSuccessfully deleted key file: .*tmp-test\.key\nSuccessfully deleted certificate file: .*tmp-test\.crt\nCleanup completed successfully\n$/);
    const twice = await portcullis(['cert', 'cleanup-test', '-y', 'tmp-test'], env);
    assert.match(twice.stdout, /^Certificate tmp-test\.crt does not exist in trust store tmp-test of type ca\nKey tmp-test does not exist in the key list\n/);
  });
});

describe('portcullis policy and blob policy', { skip }, () => {
  let env: Record<string, string>;
  let config: string;
  before(async () => {
    const home = (await temporaryDirectory('policy')).path;
    env = homeEnv(home);
    config = path.join(home, 'notation');
  });

  it('shows the legacy trustpolicy.json with a warning, imports over it after confirmation and removes it', async () => {
    const policy = path.join(testdata, 'config/trustpolicies/trustpolicy.json');
    await mkdir(config, { recursive: true });
    await writeFile(path.join(config, 'trustpolicy.json'), await readFile(policy));
    const shown = await portcullis(['policy', 'show'], env);
    assert.equal(shown.stdout, await readFile(policy, 'utf8'));
    assert.match(shown.stderr, /^Warning: old trust policy `trustpolicy.json` is deprecated/);
    const skipPolicy = path.join(testdata, 'config/trustpolicies/skip_trustpolicy.json');
    const imported = await portcullis(['policy', 'import', skipPolicy], env, 'y\n');
    assert.equal(
      imported.stdout,
      `The OCI trust policy configuration already exists, do you want to overwrite it? [y/N] Deleted old trust policy configuration trustpolicy.json.\nSuccessfully imported OCI trust policy configuration to ${path.join(config, 'trustpolicy.oci.json')}.\n`,
    );
    await assert.rejects(stat(path.join(config, 'trustpolicy.json')), { code: 'ENOENT' });
    assert.equal((await portcullis(['policy', 'show'], env)).stdout, await readFile(skipPolicy, 'utf8'));
  });

  it('policy init writes a one-statement OCI policy (Portcullis extension)', async () => {
    const result = await portcullis(
      ['policy', 'init', '--name', 'wabbit', '--registry-scope', 'localhost:5000/net-monitor', '--trust-store', 'ca:wabbit', '--trusted-identity', '*', '--force'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Warning: existing OCI trust policy configuration will be overwritten/);
    const document = JSON.parse(await readFile(path.join(config, 'trustpolicy.oci.json'), 'utf8'));
    assert.equal(document.trustPolicies[0].name, 'wabbit');
    assert.deepEqual(document.trustPolicies[0].registryScopes, ['localhost:5000/net-monitor']);
    assert.match((await portcullis(['policy', 'init', '--name', 'x'], env)).stderr, /required flag\(s\) "registry-scope", "trust-store", "trusted-identity" not set/);
  });

  it('blob policy init writes the policy without a trailing newline; show prints it as is', async () => {
    const result = await portcullis(['blob', 'policy', 'init', '-n', 'blobs', '--trust-store', 'ca:e2e', '--trusted-identity', '*', '--global'], env);
    assert.equal(result.stdout, `Successfully initialized blob trust policy file to ${path.join(config, 'trustpolicy.blob.json')}.\n`);
    const shown = await portcullis(['blob', 'policy', 'show'], env);
    assert.equal(
      shown.stdout,
      '{\n  "version": "1.0",\n  "trustPolicies": [\n    {\n      "name": "blobs",\n      "signatureVerification": {\n        "level": "strict"\n      },\n      "trustStores": [\n        "ca:e2e"\n      ],\n      "trustedIdentities": [\n        "*"\n      ],\n      "globalPolicy": true\n    }\n  ]\n}',
    );
  });
});

describe('portcullis blob inspect and version', { skip }, () => {
  it('blob inspect rejects names without a format and reports timestamp parse errors like tspclient-go', async () => {
    const env = homeEnv((await temporaryDirectory('blob')).path);
    assert.match((await portcullis(['blob', 'inspect', 'x.txt'], env)).stderr, /invalid signature filename x\.txt\. The file extension must be \.sig/);
    const json = await portcullis(['blob', 'inspect', '-o', 'json', path.join(testdata, 'signatures/blob.jws.sig')], env);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).signedArtifact.digest, 'sha256:c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4');
  });

  it('version prints Notation-style lines', async () => {
    const result = await portcullis(['version'], {});
    assert.match(result.stdout, /^Portcullis - a tool to sign and verify artifacts\.\n\nVersion: {5}v\d+\.\d+\.\d+\nNotation: {4}v1\.3\.2 compatible\n/);
  });
});
