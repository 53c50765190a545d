import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { isValidRegistryHost } from '../../oci/index.js';
import {
  eraseCredential,
  RegistryClient,
  registryOfKey,
  staticCredentials,
  storeCredential,
  type Credential,
} from '../../registry/client/index.js';
import type { CliContext } from '../context.js';
import { notationCredentialsFile } from '../notation/credentials.js';
import { notationPaths } from '../notation-shell.js';
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
    .option('--registry-config <path>', "credentials file (default: Notation's config.json when it configures credentials, else $DOCKER_CONFIG/config.json or ~/.docker/config.json)")
    .action((server: string, flags: LoginFlags) => runLogout(server, flags, context));
};

function addConnectionOptions(command: Command): Command {
  return command
    .option('--plain-http', 'use plain HTTP (automatic for localhost)')
    .option('--insecure-registry', 'same as --plain-http')
    .option('--registry-config <path>', "credentials file (default: Notation's config.json when it configures credentials, else $DOCKER_CONFIG/config.json or ~/.docker/config.json)");
}

async function runLogin(server: string, flags: LoginFlags, context: CliContext): Promise<void> {
  const registry = registryName(server);
  const credential = await credentialFromFlags(flags, context);
  const path = await configPath(flags, context);
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
  await storeCredential(path, registry, credential, { env: context.env });
  context.stdout.write('Login Succeeded\n');
}

async function runLogout(server: string, flags: LoginFlags, context: CliContext): Promise<void> {
  const registry = registryName(server);
  const removed = await eraseCredential(await configPath(flags, context), registry, { env: context.env });
  context.stdout.write(removed ? 'Logout Succeeded\n' : `Not logged in to ${registry}\n`);
}

/** `https://registry.example/` → `registry.example`; Docker Hub's aliases → `docker.io`. */
function registryName(server: string): string {
  const registry = registryOfKey(server);
  if (!isValidRegistryHost(registry)) throw new UsageError(`"${server}" is not a registry host[:port]`);
  return registry;
}

/**
 * Reads prompt answers: on a terminal line by line (the password without echo), otherwise from
 * the whole of standard input, one line per prompt (as Notation's bufio reader does).
 */
function promptReader(context: CliContext): { line(): Promise<string | undefined>; secret(): Promise<string | undefined> } {
  if (context.isTerminal && context.readLine) {
    const line = context.readLine;
    return { line, secret: context.readSecretLine ?? line };
  }
  let lines: Promise<string[]> | undefined;
  const next = async (): Promise<string | undefined> => {
    lines ??= context.readStdin().then((bytes) => bytes.toString('utf8').split('\n'));
    const all = await lines;
    return all.length > 0 && !(all.length === 1 && all[0] === '') ? all.shift()!.replace(/\r$/, '') : undefined;
  };
  return { line: next, secret: next };
}

async function credentialFromFlags(flags: LoginFlags, context: CliContext): Promise<Credential> {
  if (flags.password !== undefined && flags.passwordStdin) throw new UsageError('--password and --password-stdin are mutually exclusive');
  if (flags.identityToken !== undefined) {
    if (flags.password !== undefined || flags.passwordStdin) throw new UsageError('--identity-token replaces the password');
    return { identityToken: flags.identityToken };
  }
  let username = flags.username ?? context.env.NOTATION_USERNAME;
  if (flags.password !== undefined) {
    if (!username) throw new UsageError('a username is required: -u/--username (or $NOTATION_USERNAME), or use --identity-token');
    context.stderr.write('Warning: Using --password via the CLI is insecure. Use --password-stdin.\n');
    return { username, password: flags.password };
  }
  if (flags.passwordStdin) {
    if (!username) throw new UsageError('a username is required: -u/--username (or $NOTATION_USERNAME), or use --identity-token');
    const password = (await context.readStdin()).toString('utf8').replace(/\r?\n$/, '');
    if (!password) throw new UsageError('a password is required: --password-stdin, -p/--password or $NOTATION_PASSWORD');
    return { username, password };
  }
  const fromEnvironment = context.env.NOTATION_PASSWORD;
  if (username && fromEnvironment) return { username, password: fromEnvironment };
  // Notation's prompts: `Username: ` (empty: the secret is an identity token), then `Password: ` / `Token: `.
  const prompt = promptReader(context);
  if (!username) {
    context.stdout.write('Username: ');
    username = ((await prompt.line()) ?? '').trim();
  }
  const isToken = username === '';
  context.stdout.write(isToken ? 'Token: ' : 'Password: ');
  const secret = (await prompt.secret()) ?? '';
  context.stdout.write('\n');
  if (secret === '') throw new UsageError(isToken ? 'token required' : 'password required');
  return isToken ? { identityToken: secret } : { username, password: secret };
}

/** `--registry-config`, else the file Notation's credentials live in (see notation/credentials.ts). */
async function configPath(flags: LoginFlags, context: CliContext): Promise<string> {
  if (flags.registryConfig !== undefined) return resolve(context.cwd, flags.registryConfig);
  return notationCredentialsFile(notationPaths(context), context);
}
