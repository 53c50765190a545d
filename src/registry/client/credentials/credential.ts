/**
 * What the client presents to a registry: a username and password (Basic, or the token realm), or
 * an identity token (an OAuth2 refresh token, as `docker login` stores for some registries).
 */
export type Credential =
  | { readonly username: string; readonly password: string }
  | { readonly identityToken: string };

/**
 * The credential port: the credentials for a registry host (`localhost:5000`, `docker.io`), or
 * undefined to go anonymous. Called only when a registry asks for authentication.
 */
export type CredentialProvider = (registry: string) => Promise<Credential | undefined>;

export function isIdentityToken(credential: Credential): credential is { readonly identityToken: string } {
  return 'identityToken' in credential;
}

/** No credentials for anybody. */
export const anonymousCredentials: CredentialProvider = async () => undefined;

/**
 * The same credentials for the listed registries (every registry when `registries` is omitted):
 * for `-u`/`-p` flags, which name the credentials of the one registry a command talks to.
 */
export function staticCredentials(credential: Credential, registries?: readonly string[]): CredentialProvider {
  return async (registry) => (registries === undefined || registries.includes(registry) ? credential : undefined);
}

/** Notation's `NOTATION_USERNAME` / `NOTATION_PASSWORD` (both must be set). */
export function environmentCredentials(env: Readonly<Record<string, string | undefined>>): CredentialProvider {
  const username = env.NOTATION_USERNAME;
  const password = env.NOTATION_PASSWORD;
  if (!username || !password) return anonymousCredentials;
  return staticCredentials({ username, password });
}

/** Asks each provider in turn; the first that has credentials wins. */
export function chainCredentials(...providers: readonly CredentialProvider[]): CredentialProvider {
  return async (registry) => {
    for (const provider of providers) {
      const credential = await provider(registry);
      if (credential !== undefined) return credential;
    }
    return undefined;
  };
}
