import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, waitFor } from './network.js';
import { temporaryDirectory, type TemporaryDirectory } from './temporary-directory.js';

export type RegistryAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'htpasswd'; readonly htpasswdPath: string }
  | {
      readonly kind: 'token';
      readonly realm: string;
      readonly service: string;
      readonly issuer: string;
      readonly rootCertificatePath: string;
    };

export interface RunningRegistry {
  /** `127.0.0.1:<port>`: a loopback host, so the client talks plain HTTP to it. */
  readonly host: string;
  readonly origin: string;
  /** Where the registry stores content. */
  readonly storagePath: string;
  stop(): Promise<void>;
}

/**
 * Starts a distribution registry (v3 `registry` or Debian's `docker-registry` 2.8) with its own
 * config on a free 127.0.0.1 port, storage in a temporary directory, and waits until `/v2/` answers.
 */
export interface RegistryProcessOptions {
  /** Allow DELETE of manifests and blobs. Default true. */
  readonly deleteEnabled?: boolean;
}

export async function startDistributionRegistry(
  binary: string,
  auth: RegistryAuth = { kind: 'none' },
  options: RegistryProcessOptions = {},
): Promise<RunningRegistry> {
  const directory = await temporaryDirectory('registry');
  const port = await freePort();
  const configPath = join(directory.path, 'config.yml');
  await writeFile(configPath, registryConfig(join(directory.path, 'storage'), port, auth, options.deleteEnabled ?? true));
  const log = await open(join(directory.path, 'registry.log'), 'w');
  const child = spawn(binary, ['serve', configPath], { stdio: ['ignore', log.fd, log.fd] });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => [200, 401].includes((await fetch(`${origin}/v2/`)).status), 15_000, `${binary} on ${origin}`);
  } catch (error) {
    await stopProcess(child, directory, log);
    throw new Error(`${(error as Error).message}\n${await readFile(join(directory.path, 'registry.log'), 'utf8').catch(() => '')}`);
  }
  return {
    host: `127.0.0.1:${port}`,
    origin,
    storagePath: join(directory.path, 'storage'),
    stop: () => stopProcess(child, directory, log),
  };
}

async function stopProcess(child: ChildProcess, directory: TemporaryDirectory, log: { close(): Promise<void> }): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolveDelay) => setTimeout(resolveDelay, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await log.close();
  await directory.remove();
}

function registryConfig(storagePath: string, port: number, auth: RegistryAuth, deleteEnabled: boolean): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storagePath}`,
    '  delete:',
    `    enabled: ${deleteEnabled}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    ...authConfig(auth),
    '',
  ].join('\n');
}

function authConfig(auth: RegistryAuth): string[] {
  switch (auth.kind) {
    case 'none':
      return [];
    case 'htpasswd':
      return ['auth:', '  htpasswd:', '    realm: portcullis-test', `    path: ${auth.htpasswdPath}`];
    case 'token':
      return [
        'auth:',
        '  token:',
        `    realm: ${auth.realm}`,
        `    service: ${auth.service}`,
        `    issuer: ${auth.issuer}`,
        `    rootcertbundle: ${auth.rootCertificatePath}`,
      ];
  }
}
