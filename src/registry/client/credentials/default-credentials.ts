import type { RegistryLogger } from '../logger.js';
import { chainCredentials, environmentCredentials, staticCredentials, type Credential, type CredentialProvider } from './credential.js';
import { dockerCredentials } from './docker-credentials.js';

export interface DefaultCredentialsOptions {
  /** From `-u`/`-p` (or `--identity-token`): wins over everything else. */
  readonly credential?: Credential;
  /** The registries the flag credential is for; every registry when omitted. */
  readonly registries?: readonly string[];
  /** Read for NOTATION_USERNAME/NOTATION_PASSWORD and DOCKER_CONFIG, and handed to credential helpers. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `--registry-config`; default `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  readonly configPath?: string;
  readonly homeDirectory?: string;
  readonly helperTimeoutMs?: number;
  readonly logger?: RegistryLogger;
}

/**
 * Notation's order of credential sources (internal/auth/credentials.go): flags, then the
 * NOTATION_USERNAME/NOTATION_PASSWORD environment, then the docker config with its helpers.
 */
export function defaultCredentials(options: DefaultCredentialsOptions = {}): CredentialProvider {
  const env = options.env ?? process.env;
  const providers: CredentialProvider[] = [];
  if (options.credential !== undefined) providers.push(staticCredentials(options.credential, options.registries));
  providers.push(environmentCredentials(env));
  providers.push(
    dockerCredentials({
      env,
      ...(options.configPath !== undefined && { path: options.configPath }),
      ...(options.homeDirectory !== undefined && { homeDirectory: options.homeDirectory }),
      ...(options.helperTimeoutMs !== undefined && { helperTimeoutMs: options.helperTimeoutMs }),
      ...(options.logger !== undefined && { logger: options.logger }),
    }),
  );
  return chainCredentials(...providers);
}
