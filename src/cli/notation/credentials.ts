/**
 * Which credentials file Notation's commands use (notaryproject/notation internal/auth
 * `NewCredentialsStore`): Notation's own `config.json` when it configures credentials (a
 * `credsStore`, `credHelpers` or `auths`), else the docker config (`$DOCKER_CONFIG/config.json`
 * or `~/.docker/config.json`). `login` stores there, `logout` erases there, and sign, verify,
 * list and inspect read credentials from there after `-u/-p` and NOTATION_USERNAME/PASSWORD.
 * (Notation would then probe the platform's native store; Portcullis keeps the docker config.)
 */
import { homedir } from 'node:os';
import type { NotationPaths } from '../../config/index.js';
import { dockerConfigPath, isAuthConfigured } from '../../registry/client/index.js';
import type { CliContext } from '../context.js';

export async function notationCredentialsFile(paths: NotationPaths, context: CliContext): Promise<string> {
  if (await isAuthConfigured(paths.configFile).catch(() => false)) return paths.configFile;
  return dockerConfigPath(context.env, context.env.HOME ?? homedir());
}
