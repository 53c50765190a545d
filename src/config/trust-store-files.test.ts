/**
 * The file-system trust store and `cert add | list | show | delete` in temporary config
 * directories, replaying the Notation e2e cert cases at the library level.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { skipWithoutTestdata, testdata } from '../../test/helpers/conformance.js';
import { configSandbox, failure } from '../../test/helpers/fixtures.js';
import { certificateSubject, goDistinguishedNameString } from '../trust/index.js';
import {
  addCertificates,
  createFileSystemTrustStore,
  deleteAllCertificates,
  deleteCertificate,
  listCertificates,
  showCertificates,
} from './index.js';

const skip = skipWithoutTestdata('config');
const E2E_CRT = testdata('config', 'localkeys', 'e2e.crt');
const EXPIRED_CRT = testdata('config', 'localkeys', 'expired_e2e.crt');

const sandbox = configSandbox('store');

describe('cert add / list / show', { skip }, () => {
  it('adds certificates, refuses duplicates and files without certificates', async () => {
    const paths = await sandbox.fresh();
    const empty = join(sandbox.root, 'empty.crt');
    await writeFile(empty, '');
    const result = await addCertificates(paths, 'ca', 'e2e', [E2E_CRT, E2E_CRT, empty, '/no/such.crt']);
    assert.deepEqual(result.added, [E2E_CRT]);
    assert.deepEqual(result.failed, [
      { path: E2E_CRT, error: 'certificate already exists in the Trust Store' },
      { path: empty, error: 'no valid certificate found in the file' },
      { path: '/no/such.crt', error: 'open /no/such.crt: no such file or directory' },
    ]);
    const stored = paths.trustStoreDir('ca', 'e2e');
    assert.equal((await stat(join(stored, 'e2e.crt'))).mode & 0o777, 0o600);
    assert.equal((await stat(stored)).mode & 0o777, 0o700);
    assert.deepEqual(await readdir(stored), ['e2e.crt']);
    assert.deepEqual(await failure(() => addCertificates(paths, 'CA', 'e2e', [E2E_CRT])), {
      code: 'ERR_CONFIG_INVALID_ARGUMENT',
      message: 'unsupported store type: CA',
    });
    assert.equal((await failure(() => addCertificates(paths, '', 'e2e', [E2E_CRT]))).message, 'store type cannot be empty');
    assert.equal(
      (await failure(() => addCertificates(paths, 'ca', 'a/b', [E2E_CRT]))).message,
      'named store name needs to follow [a-zA-Z0-9_.-]+ format',
    );
  });

  it('lists with the filters of `cert list` and shows certificates', async () => {
    const paths = await sandbox.fresh();
    await addCertificates(paths, 'ca', 'e2e', [E2E_CRT, EXPIRED_CRT]);
    await addCertificates(paths, 'tsa', 'ts', [testdata('config', 'timestamp', 'DigiCertTSARootSHA384.cer')]);
    await addCertificates(paths, 'signingAuthority', 'e2e', [E2E_CRT]);
    const names = (list: { storeType: string; namedStore: string; fileName: string }[]): string[] =>
      list.map((c) => `${c.storeType}/${c.namedStore}/${c.fileName}`);
    assert.deepEqual(names(await listCertificates(paths)), [
      'ca/e2e/e2e.crt',
      'ca/e2e/expired_e2e.crt',
      'signingAuthority/e2e/e2e.crt',
      'tsa/ts/DigiCertTSARootSHA384.cer',
    ]);
    assert.deepEqual(names(await listCertificates(paths, { type: 'ca' })), ['ca/e2e/e2e.crt', 'ca/e2e/expired_e2e.crt']);
    assert.deepEqual(names(await listCertificates(paths, { namedStore: 'e2e' })), [
      'ca/e2e/e2e.crt',
      'ca/e2e/expired_e2e.crt',
      'signingAuthority/e2e/e2e.crt',
    ]);
    assert.deepEqual(names(await listCertificates(paths, { type: 'tsa', namedStore: 'ts' })), ['tsa/ts/DigiCertTSARootSHA384.cer']);
    assert.deepEqual(await listCertificates(paths, { type: 'bogus' }), []);
    const [der] = await showCertificates(paths, 'ca', 'e2e', 'e2e.crt');
    assert.ok(der);
    assert.equal(goDistinguishedNameString(certificateSubject(der)), 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US');
    assert.deepEqual(await failure(() => showCertificates(paths, 'ca', 'e2e', 'missing.crt')), {
      code: 'ERR_CONFIG_NOT_FOUND',
      message: `failed to show details of certificate missing.crt, with error: open ${join(paths.trustStoreDir('ca', 'e2e'), 'missing.crt')}: no such file or directory`,
    });
    assert.equal((await failure(() => showCertificates(paths, 'ca', 'e2e', '../../../config.json'))).code, 'ERR_CONFIG_INVALID_ARGUMENT');
    // a file that is not a certificate makes the listing fail, as in Notation
    await writeFile(join(paths.trustStoreDir('ca', 'e2e'), 'junk.crt'), 'junk');
    assert.match((await failure(() => listCertificates(paths, { type: 'ca' }))).message, /^failed to list all certificates stored of type ca, with error: x509: malformed certificate$/);
  });

  it('backs verification: the e2e profile store works, a missing store is named', async () => {
    const paths = await sandbox.fresh();
    await addCertificates(paths, 'ca', 'e2e', [E2E_CRT]);
    const store = createFileSystemTrustStore(paths);
    assert.equal((await store.getCertificates('ca', 'e2e')).length, 1);
    assert.deepEqual(await failure(() => store.getCertificates('ca', 'invalid_store')), {
      code: 'ERR_TRUST_STORE_NOT_FOUND',
      message: 'the trust store "invalid_store" of type "ca" does not exist',
    });
    await mkdir(join(paths.trustStoreDir('ca', 'e2e'), 'sub'));
    assert.equal(
      (await failure(() => store.getCertificates('ca', 'e2e'))).message,
      'trusted certificate sub in trust store e2e of type ca is not a regular file (directories or symlinks are not supported)',
    );
    await symlink(paths.trustStoreDir('ca', 'e2e'), paths.trustStoreDir('ca', 'linked'));
    assert.match((await failure(() => store.getCertificates('ca', 'linked'))).message, /is not a regular directory \(symlinks are not supported\)$/);
  });
});

describe('cert delete', { skip }, () => {
  it('deletes one certificate and removes the store once empty (cert-delete-specific-*)', async () => {
    const paths = await sandbox.fresh();
    await addCertificates(paths, 'ca', 'e2e', [E2E_CRT, EXPIRED_CRT]);
    const store = paths.trustStoreDir('ca', 'e2e');
    assert.deepEqual(await deleteCertificate(paths, 'ca', 'e2e', 'expired_e2e.crt', { confirmed: true }), {
      deleted: true,
      messages: ['Successfully deleted expired_e2e.crt from trust store e2e of type ca'],
      warnings: [],
    });
    assert.ok(existsSync(store));
    await deleteCertificate(paths, 'ca', 'e2e', 'e2e.crt', { confirmed: true });
    assert.equal(existsSync(store), false);
  });

  it('asks first, and reports a missing file (cert-delete-nonexistent)', async () => {
    const paths = await sandbox.fresh();
    await addCertificates(paths, 'ca', 'e2e', [E2E_CRT]);
    const prompts: string[] = [];
    const declined = await deleteCertificate(paths, 'ca', 'e2e', 'e2e.crt', { confirm: (p) => (prompts.push(p), false) });
    assert.equal(declined.deleted, false);
    assert.deepEqual(prompts, ['Are you sure you want to delete "e2e.crt" in "e2e" of type "ca"?']);
    const file = join(paths.trustStoreDir('ca', 'e2e'), 'non-exist.crt');
    assert.deepEqual(await failure(() => deleteCertificate(paths, 'ca', 'e2e', 'non-exist.crt', { confirmed: true })), {
      code: 'ERR_CONFIG_NOT_FOUND',
      message: `failed to delete the certificate file: stat ${file}: no such file or directory`,
    });
    assert.equal((await failure(() => deleteCertificate(paths, 'ca', 'e2e', '../e2e', { confirmed: true }))).code, 'ERR_CONFIG_INVALID_ARGUMENT');
  });

  it('deletes a whole store (cert-delete-all)', async () => {
    const paths = await sandbox.fresh();
    await addCertificates(paths, 'ca', 'e2e', [E2E_CRT, EXPIRED_CRT]);
    const store = paths.trustStoreDir('ca', 'e2e');
    assert.deepEqual(await deleteAllCertificates(paths, 'ca', 'e2e', { confirmed: true }), {
      deleted: true,
      messages: [`Successfully deleted ${store}`],
      warnings: [],
    });
    assert.equal(existsSync(store), false);
    assert.deepEqual(await failure(() => deleteAllCertificates(paths, 'ca', 'e2e', { confirmed: true })), {
      code: 'ERR_CONFIG_NOT_FOUND',
      message: `failed to delete the named trust store: stat ${store}: no such file or directory`,
    });
  });

  it('warns when the store cannot be checked for emptiness (cert-delete-warn-store-dir-unreadable)', { skip: process.getuid?.() === 0 ? 'root ignores modes' : false }, async () => {
    const paths = await sandbox.fresh();
    await addCertificates(paths, 'ca', 'e2e', [E2E_CRT]);
    const store = paths.trustStoreDir('ca', 'e2e');
    const { chmod } = await import('node:fs/promises');
    await chmod(store, 0o300);
    try {
      const result = await deleteCertificate(paths, 'ca', 'e2e', 'e2e.crt', { confirmed: true });
      assert.deepEqual(result.warnings, [`Warning: failed to check if the trust store directory ${store} is empty: open ${store}: permission denied`]);
    } finally {
      await chmod(store, 0o700);
    }
  });
});
