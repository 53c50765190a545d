/**
 * The distribution-spec v1.1 registry client: `RegistryClient` opens `RemoteRepository` storages;
 * credentials come from a `CredentialProvider` (static, environment, docker config, chains).
 */
export {
  RegistryClient,
  type RegistryClientOptions,
  type RegistryTimeouts,
  type RepositoryOptions,
  type UploadOptions,
} from './client.js';
export { RemoteRepository } from './repository.js';
export type { FetchedManifest } from './manifests.js';
export { referrersTag, REFERRERS_GC_WARNING } from './referrers-tag.js';
export { ZERO_DIGEST } from './referrers-api.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export { formatRequestEvent, type RegistryLogger, type RequestEvent, type RequestListener } from './logger.js';
export { DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryPolicy } from './retry.js';
export { parseChallenges, type Challenge } from './auth/challenge.js';
export { parseNextLink } from './link.js';
export {
  anonymousCredentials,
  chainCredentials,
  environmentCredentials,
  staticCredentials,
  type Credential,
  type CredentialProvider,
} from './credentials/credential.js';
export { dockerCredentials, type DockerCredentialsOptions } from './credentials/docker-credentials.js';
export { defaultCredentials, type DefaultCredentialsOptions } from './credentials/default-credentials.js';
export { credentialKey, dockerConfigPath, DOCKER_HUB_CREDENTIAL_KEY, isAuthConfigured, registryOfKey } from './credentials/docker-config.js';
export { eraseCredential, storeCredential, type CredentialLocation } from './credentials/credential-store.js';
export type { CredentialHelperOptions } from './credentials/helper.js';
