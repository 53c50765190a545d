import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { isValidRegistryHost } from '../../oci/index.js';
import {
  dockerConfigPath,
  eraseCredential,
  RegistryClient,
  registryOfKey,
  staticCredentials,
  storeCredential,
  type Credential,
} from '../../registry/client/index.js';
import type { CliContext } from '../context.js';
import type { CommandModule } from './index.js';

interface LoginFlags {
  readonly username?: string;
  readonly password?: string;
  readonly passwordStdin?: boolean;
  readonly identityToken?: string;
  readonly plainHttp?: boolean;
  readonly insecureRegistry?: boolean;
  readonly registryConfig?: string;
}

/** `login <server>` and `logout <server>`: a thin shell over the registry client and the credential store. */
export const loginCommands: CommandModule = (program, context) => {
  const login = program
    .command('login')
    .description('Log in to a registry: checks the credentials against it, then stores them')
    .argument('<server>', 'registry host[:port]')
    .option('-u, --username <name>', 'username (default: $NOTATION_USERNAME)')
    .option('-p, --password <secret>', 'password (insecure on the command line; prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--identity-token <token>', 'an identity (OAuth2 refresh) token instead of a username and password');
  addConnectionOptions(login).action((server: string, flags: LoginFlags) => runLogin(server, flags, context));

  const logout = program
    .command('logout')
    .description('Remove the stored credentials of a registry')
    .argument('<server>', 'registry host[:port]');
  logout
    .option('--registry-config <path>', 'credentials file (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json)')
    .action((server: string, flags: LoginFlags) => runLogout(server, flags, context));
};

function addConnectionOptions(command: Command): Command {
  return command
    .option('--plain-http', 'use plain HTTP (automatic for localhost)')
    .option('--insecure-registry', 'same as --plain-http')
    .option('--registry-config <path>', 'credentials file (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json)');
}

async function runLogin(server: string, flags: LoginFlags, context: CliContext): Promise<void> {
  const registry = registryName(server);
  const credential = await credentialFromFlags(flags, context);
  const client = new RegistryClient({
    credentials: staticCredentials(credential, [registry]),
    insecureRegistries: flags.plainHttp || flags.insecureRegistry ? [registry] : [],
    logger: { warn: (message) => context.stderr.write(`Warning: ${message}\n`) },
  });
  try {
    // Stored only once the registry (or its token realm) has accepted them.
    await client.ping(registry);
  } finally {
    await client.close();
  }
  await storeCredential(configPath(flags, context), registry, credential, { env: context.env });
  context.stdout.write('Login Succeeded\n');
}

async function runLogout(server: string, flags: LoginFlags, context: CliContext): Promise<void> {
  const registry = registryName(server);
  const removed = await eraseCredential(configPath(flags, context), registry, { env: context.env });
  context.stdout.write(removed ? 'Logout Succeeded\n' : `Not logged in to ${registry}\n`);
}

/** `https://registry.example/` → `registry.example`; Docker Hub's aliases → `docker.io`. */
function registryName(server: string): string {
  const registry = registryOfKey(server);
  if (!isValidRegistryHost(registry)) throw new UsageError(`"${server}" is not a registry host[:port]`);
  return registry;
}

async function credentialFromFlags(flags: LoginFlags, context: CliContext): Promise<Credential> {
  if (flags.password !== undefined && flags.passwordStdin) throw new UsageError('--password and --password-stdin are mutually exclusive');
  if (flags.identityToken !== undefined) {
    if (flags.password !== undefined || flags.passwordStdin) throw new UsageError('--identity-token replaces the password');
    return { identityToken: flags.identityToken };
  }
  const username = flags.username ?? context.env.NOTATION_USERNAME;
  if (!username) throw new UsageError('a username is required: -u/--username (or $NOTATION_USERNAME), or use --identity-token');
  if (flags.password !== undefined) {
    context.stderr.write('Warning: Using --password via the CLI is insecure. Use --password-stdin.\n');
    return { username, password: flags.password };
  }
  const password = flags.passwordStdin ? (await context.readStdin()).toString('utf8').replace(/\r?\n$/, '') : context.env.NOTATION_PASSWORD;
  if (!password) throw new UsageError('a password is required: --password-stdin, -p/--password or $NOTATION_PASSWORD');
  return { username, password };
}

function configPath(flags: LoginFlags, context: CliContext): string {
  if (flags.registryConfig !== undefined) return resolve(context.cwd, flags.registryConfig);
  return dockerConfigPath(context.env, context.env.HOME ?? homedir());
}
