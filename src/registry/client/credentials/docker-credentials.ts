import { homedir } from 'node:os';
import { silentLogger, type RegistryLogger } from '../logger.js';
import type { CredentialProvider } from './credential.js';
import { credentialFromAuths, credentialKey, dockerConfigPath, helperFor, readDockerConfig, type DockerConfig } from './docker-config.js';
import { getFromHelper, isHelperMissing } from './helper.js';

export interface DockerCredentialsOptions {
  /** The config file; default `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  readonly path?: string;
  /** Read for DOCKER_CONFIG and handed to credential helpers (PATH). Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly homeDirectory?: string;
  readonly helperTimeoutMs?: number;
  readonly logger?: RegistryLogger;
}

/**
 * Credentials from a docker `config.json`, as `docker login` and `oras login` leave them: the
 * registry's `credHelpers` entry, else the `credsStore` default, else the `auths` entry. A helper
 * that is not installed is reported as a warning and the `auths` entry is used instead.
 */
export function dockerCredentials(options: DockerCredentialsOptions = {}): CredentialProvider {
  const env = options.env ?? process.env;
  const path = options.path ?? dockerConfigPath(env, options.homeDirectory ?? homedir());
  const logger = options.logger ?? silentLogger;
  const warnedHelpers = new Set<string>();
  let config: Promise<DockerConfig | undefined> | undefined;
  return async (registry) => {
    config ??= readDockerConfig(path);
    const loaded = await config;
    if (loaded === undefined) return undefined;
    const helper = helperFor(loaded, registry);
    if (helper !== undefined) {
      try {
        const fromHelper = await getFromHelper(helper, credentialKey(registry), {
          env,
          ...(options.helperTimeoutMs !== undefined && { timeoutMs: options.helperTimeoutMs }),
        });
        if (fromHelper !== undefined) return fromHelper;
      } catch (error) {
        if (!isHelperMissing(error)) throw error;
        if (!warnedHelpers.has(helper)) {
          warnedHelpers.add(helper);
          logger.warn(
            `credential helper docker-credential-${helper} configured in ${path} is not installed; ` +
              'using the credentials stored in the file instead',
          );
        }
      }
    }
    return credentialFromAuths(loaded, registry);
  };
}
