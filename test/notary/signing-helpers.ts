/**
 * Shared by the sign/verify suites: a Notation configuration directory built the way the e2e
 * profiles build it (signing key, trust store, trust policy), runners for `portcullis` (in-process
 * or as a process) and for the real `notation` binary on the same directory, and the e2e data.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { derToPem, generateTestCertificate, type KeySpec, type TestCertificate } from '../../src/pki/index.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { REPOSITORY_ROOT, requiredTool } from '../helpers/tools.js';

export const SHARED = process.env.PORTCULLIS_SHARED_DIR ?? join(REPOSITORY_ROOT, '..', 'shared');
export const E2E = join(SHARED, 'conformance', 'notation-e2e', 'testdata');
export const E2E_LAYOUTS = join(E2E, 'registry', 'oci_layout');
export const E2E_DIGEST = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
export const e2eSkip: string | false = existsSync(E2E) || process.env.CI ? false : `shared e2e testdata not found at ${E2E}`;

export const notationTool = requiredTool('notation', 'Notation v1.3.2, installed by .ci/install-tools.sh into .tools/bin');
export const registryTool = requiredTool('registry', 'distribution v3, built by .ci/install-tools.sh into .tools/bin');

/** An isolated Notation home: XDG_CONFIG_HOME=<home>, TZ=UTC; `config` is `<home>/notation`. */
export function homeEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { XDG_CONFIG_HOME: home, NOTATION_CACHE: join(home, '.cache'), HOME: home, TZ: 'UTC', ...extra };
}

/** `<home>` of an e2e case: XDG_CONFIG_HOME, with Notation's directory at `<home>/notation`. */
export interface NotationHome {
  readonly home: string;
  readonly config: string;
  readonly env: Record<string, string>;
}

export interface HomeOptions {
  /** Signing keys to write to localkeys/ and signingkeys.json; the first is the default. */
  readonly keys?: readonly { readonly name: string; readonly key: TestCertificate | { readonly keyPem: string; readonly certificatePem: string } }[];
  /** Certificates (PEM or DER file contents) per `type/store`. */
  readonly trustStores?: Readonly<Record<string, readonly (string | Uint8Array)[]>>;
  /** Trust policy document (written to the legacy trustpolicy.json that notation v1.3.2 reads). */
  readonly trustPolicy?: unknown;
}

export async function notationHome(options: HomeOptions = {}): Promise<NotationHome> {
  const home = (await temporaryDirectory('notary')).path;
  const config = join(home, 'notation');
  await mkdir(join(config, 'localkeys'), { recursive: true });
  const keys: { name: string; keyPath: string; certPath: string }[] = [];
  for (const { name, key } of options.keys ?? []) {
    const keyPath = join(config, 'localkeys', `${name}.key`);
    const certPath = join(config, 'localkeys', `${name}.crt`);
    if ('privateKey' in key) {
      await writeFile(keyPath, key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
      await writeFile(certPath, key.certificatePem);
    } else {
      await writeFile(keyPath, key.keyPem, { mode: 0o600 });
      await writeFile(certPath, key.certificatePem);
    }
    keys.push({ name, keyPath, certPath });
  }
  if (keys.length > 0) await writeFile(join(config, 'signingkeys.json'), JSON.stringify({ default: keys[0]!.name, keys }, null, 4));
  for (const [store, certificates] of Object.entries(options.trustStores ?? {})) {
    const directory = join(config, 'truststore', 'x509', store);
    await mkdir(directory, { recursive: true });
    let index = 0;
    for (const certificate of certificates) {
      await writeFile(join(directory, `cert-${index++}.crt`), typeof certificate === 'string' ? certificate : derToPem(certificate));
    }
  }
  if (options.trustPolicy !== undefined) await writeFile(join(config, 'trustpolicy.json'), JSON.stringify(options.trustPolicy, null, 2));
  return { home, config, env: homeEnv(home) };
}

/** The e2e `base` profile's policy: one statement, scope `*`, the given level, store `ca:e2e`, any identity. */
export function wildcardPolicy(level = 'strict', stores: readonly string[] = ['ca:e2e']): unknown {
  return {
    version: '1.0',
    trustPolicies: [{ name: 'e2e', registryScopes: ['*'], signatureVerification: { level }, trustStores: stores, trustedIdentities: ['*'] }],
  };
}

/** Copies an e2e policy file into the home as trustpolicy.json. */
export async function useE2EPolicy(home: NotationHome, file: string): Promise<void> {
  await cp(join(E2E, 'config', 'trustpolicies', file), join(home.config, 'trustpolicy.json'));
}

/** `portcullis` in-process with the home's environment. */
export function portcullis(home: NotationHome, argv: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runCli(argv, { env: { ...home.env, ...extraEnv }, cwd: home.home });
}

/** Runs a program with the home's environment (and PATH), never rejecting: the exit code is in the result. */
export function runProcess(binary: string, argv: readonly string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(binary, [...argv], { env: { PATH: process.env.PATH ?? '', ...env }, cwd, timeout: 60_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The real notation binary on the same home. */
export function notation(home: NotationHome, argv: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runProcess(notationTool.path!, argv, { ...home.env, ...extraEnv }, home.home);
}

/** `portcullis` as its own process (bin/portcullis.js), as users and the bench run it. */
export function portcullisProcess(home: NotationHome, argv: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runProcess(process.execPath, [join(REPOSITORY_ROOT, 'bin', 'portcullis.js'), ...argv], { ...home.env, ...extraEnv }, home.home);
}

/** A self-signed signing certificate like `notation cert generate-test` makes, valid from an hour ago for a day. */
export function testSigningCertificate(commonName: string, keySpec: KeySpec): Promise<TestCertificate> {
  return generateTestCertificate({ commonName, keySpec, notBefore: new Date(Date.now() - 3600_000) });
}

export function describeRun(run: CliRun): string {
  return `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}
