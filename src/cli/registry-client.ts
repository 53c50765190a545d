import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  RegistryClient,
  chainCredentials,
  dockerCredentials,
  staticCredentials,
  type CredentialProvider,
  type RegistryLogger,
} from '../registry/client/index.js';
import { UsageError } from '../errors.js';
import { closeOnExit } from './cleanup.js';
import type { CliContext } from './context.js';
import type { RemoteFlags } from './remote-flags.js';


export function commandLogger(context: CliContext): RegistryLogger {
  return {
    warn: (message) => context.stderr.write(`Warning: ${message}\n`),
    ...(context.env.PORTCULLIS_DEBUG ? { debug: (message: string) => context.stderr.write(`[debug] ${message}\n`) } : {}),
  };
}

function credentialsFor(flags: RemoteFlags, context: CliContext): CredentialProvider {
  const fromFile = dockerCredentials({
    env: context.env,
    logger: commandLogger(context),
    ...(flags.registryConfig !== undefined && { path: resolve(context.cwd, flags.registryConfig) }),
  });
  if (flags.username === undefined && flags.password === undefined) return fromFile;
  if (flags.password === undefined) throw new UsageError('--username needs --password (or use "portcullis login")');
  // An empty username with a password is an identity token, as in Notation and ORAS.
  const credential = flags.username ? { username: flags.username, password: flags.password } : { identityToken: flags.password };
  return chainCredentials(staticCredentials(credential), fromFile);
}

/** A registry client configured from a command's flags: credentials, plain HTTP, extra CA. */
export async function registryClientFor(flags: RemoteFlags, context: CliContext): Promise<RegistryClient> {
  const ca = flags.caFile === undefined ? undefined : await readFile(resolve(context.cwd, flags.caFile));
  const client = new RegistryClient({
    credentials: credentialsFor(flags, context),
    plainHttp: Boolean(flags.plainHttp || flags.insecureRegistry),
    logger: commandLogger(context),
    ...(ca !== undefined && { ca }),
  });
  // Ends the keep-alive pool when the command returns, so the CLI exits at once.
  closeOnExit(() => client.close());
  return client;
}
