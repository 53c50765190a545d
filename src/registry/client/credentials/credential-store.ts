import { RegistryError } from '../../../errors.js';
import type { Credential } from './credential.js';
import { isIdentityToken } from './credential.js';
import { credentialKey, helperFor, readDockerConfig, registryOfKey } from './docker-config.js';
import { writeFileAtomically } from './atomic-write.js';
import { eraseFromHelper, storeInHelper, type CredentialHelperOptions } from './helper.js';

/** Where `storeCredential` put the secret. */
export type CredentialLocation = { readonly helper: string } | { readonly file: string };

/** Credentials files hold secrets: readable by the owner only. */
const CONFIG_FILE_MODE = 0o600;

/**
 * Saves credentials for `login`: into the credential helper configured for the registry, else as a
 * base64 `auths` entry of the config file (written atomically, mode 0600). Other fields of the file
 * and other registries' entries are kept; older spellings of the same registry's key are replaced.
 */
export async function storeCredential(
  configPath: string,
  registry: string,
  credential: Credential,
  options: CredentialHelperOptions = {},
): Promise<CredentialLocation> {
  const config = await readDockerConfig(configPath);
  const helper = config && helperFor(config, registry);
  if (helper !== undefined) {
    await storeInHelper(helper, credentialKey(registry), credential, options);
    return { helper };
  }
  const auths = withoutRegistry(config?.document.auths, registry);
  auths[credentialKey(registry)] = isIdentityToken(credential)
    ? { auth: '', identitytoken: credential.identityToken }
    : { auth: Buffer.from(`${credential.username}:${credential.password}`).toString('base64') };
  await writeConfig(configPath, { ...config?.document, auths });
  return { file: configPath };
}

/** Removes credentials for `logout`. Returns false when there were none in the file. */
export async function eraseCredential(
  configPath: string,
  registry: string,
  options: CredentialHelperOptions = {},
): Promise<boolean> {
  const config = await readDockerConfig(configPath);
  if (config === undefined) return false;
  const helper = helperFor(config, registry);
  if (helper !== undefined) {
    await eraseFromHelper(helper, credentialKey(registry), options);
    return true;
  }
  if (!config.auths.has(registryOfKey(registry))) return false;
  await writeConfig(configPath, { ...config.document, auths: withoutRegistry(config.document.auths, registry) });
  return true;
}

/** A copy of `auths` without any key that names `registry` (`https://host`, `host`, `host/v1/`). */
function withoutRegistry(auths: unknown, registry: string): Record<string, unknown> {
  const name = registryOfKey(registry);
  const entries = typeof auths === 'object' && auths !== null ? Object.entries(auths) : [];
  return Object.fromEntries(entries.filter(([key]) => registryOfKey(key) !== name));
}

async function writeConfig(path: string, document: Record<string, unknown>): Promise<void> {
  try {
    await writeFileAtomically(path, `${JSON.stringify(document, null, '\t')}\n`, CONFIG_FILE_MODE);
  } catch (error) {
    throw new RegistryError('ERR_REGISTRY_CREDENTIALS', `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}
