/**
 * Notation's directories and file names (notation-go dir/path.go, dir/fs.go; the environment
 * overrides are applied by the notation CLI's root command).
 *
 * | directory | override | default (Go `os.UserConfigDir` / `os.UserCacheDir` + `/notation`) |
 * |---|---|---|
 * | config  | `NOTATION_CONFIG`  | Linux `$XDG_CONFIG_HOME/notation` (absolute only) else `$HOME/.config/notation`; macOS `$HOME/Library/Application Support/notation`; Windows `%AppData%\notation`; if none can be had, `.notation` |
 * | cache   | `NOTATION_CACHE`   | Linux `$XDG_CACHE_HOME/notation` else `$HOME/.cache/notation`; macOS `$HOME/Library/Caches/notation`; Windows `%LocalAppData%\notation`; else `.notation/cache` |
 * | libexec | `NOTATION_LIBEXEC` | the config directory (after `NOTATION_CONFIG`) |
 *
 * Empty variables count as unset, as in Go.
 */
import path from 'node:path';
import type { TrustStoreType } from '../trust/index.js';

export const CONFIG_FILE = 'config.json';
export const SIGNING_KEYS_FILE = 'signingkeys.json';
/** The OCI policy file `policy import` writes (notation v1.3 main branch and later). */
export const OCI_TRUST_POLICY_FILE = 'trustpolicy.oci.json';
/** The legacy OCI policy file, read when `trustpolicy.oci.json` does not exist. */
export const LEGACY_TRUST_POLICY_FILE = 'trustpolicy.json';
export const BLOB_TRUST_POLICY_FILE = 'trustpolicy.blob.json';
export const LOCAL_KEYS_DIR = 'localkeys';
export const LOCAL_KEY_EXTENSION = '.key';
export const LOCAL_CERTIFICATE_EXTENSION = '.crt';
export const TRUST_STORE_DIR = 'truststore';
export const PLUGINS_DIR = 'plugins';
export const CRL_CACHE_DIR = 'crl';

export interface NotationDirectories {
  readonly config: string;
  readonly cache: string;
  readonly libexec: string;
}

export interface ResolveDirectoriesOptions {
  /** Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to `process.platform`. */
  readonly platform?: NodeJS.Platform;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function userDir(kind: 'config' | 'cache', env: ResolveDirectoriesOptions['env'] & object, platform: NodeJS.Platform): string | undefined {
  const home = nonEmpty(env['HOME']);
  switch (platform) {
    case 'win32':
      return nonEmpty(kind === 'config' ? env['AppData'] ?? env['APPDATA'] : env['LocalAppData'] ?? env['LOCALAPPDATA']);
    case 'darwin':
      return home === undefined ? undefined : `${home}/Library/${kind === 'config' ? 'Application Support' : 'Caches'}`;
    default: {
      const xdg = nonEmpty(env[kind === 'config' ? 'XDG_CONFIG_HOME' : 'XDG_CACHE_HOME']);
      if (xdg !== undefined) return path.posix.isAbsolute(xdg) ? xdg : undefined;
      return home === undefined ? undefined : `${home}/${kind === 'config' ? '.config' : '.cache'}`;
    }
  }
}

/** Resolves Notation's directories from the environment, as the notation CLI does. */
export function resolveNotationDirectories(options?: ResolveDirectoriesOptions): NotationDirectories {
  const env = options?.env ?? process.env;
  const platform = options?.platform ?? process.platform;
  const p = platform === 'win32' ? path.win32 : path.posix;
  const userConfig = userDir('config', env, platform);
  const userCache = userDir('cache', env, platform);
  const config = nonEmpty(env['NOTATION_CONFIG']) ?? (userConfig === undefined ? '.notation' : p.join(userConfig, 'notation'));
  const cache =
    nonEmpty(env['NOTATION_CACHE']) ?? (userCache === undefined ? p.join('.notation', 'cache') : p.join(userCache, 'notation'));
  const libexec = nonEmpty(env['NOTATION_LIBEXEC']) ?? config;
  return { config, cache, libexec };
}

/** Paths inside Notation's directories. */
export class NotationPaths {
  readonly directories: NotationDirectories;

  constructor(directories: NotationDirectories) {
    this.directories = directories;
  }

  /** From the environment (see {@link resolveNotationDirectories}). */
  static fromEnvironment(options?: ResolveDirectoriesOptions): NotationPaths {
    return new NotationPaths(resolveNotationDirectories(options));
  }

  /** Everything under one directory (tests, embedders). */
  static fromConfigDir(config: string): NotationPaths {
    return new NotationPaths({ config, cache: path.join(config, 'cache'), libexec: config });
  }

  /** A path in the config directory (Go's `ConfigFS().SysPath(...)`, cleaned like `filepath.Join`). */
  config(...items: string[]): string {
    return path.join(this.directories.config, ...items);
  }

  get configFile(): string {
    return this.config(CONFIG_FILE);
  }

  get signingKeysFile(): string {
    return this.config(SIGNING_KEYS_FILE);
  }

  get ociTrustPolicyFile(): string {
    return this.config(OCI_TRUST_POLICY_FILE);
  }

  get legacyTrustPolicyFile(): string {
    return this.config(LEGACY_TRUST_POLICY_FILE);
  }

  get blobTrustPolicyFile(): string {
    return this.config(BLOB_TRUST_POLICY_FILE);
  }

  /** `localkeys/<name>.key` and `.crt`, as `cert generate-test` writes them. */
  localKeyPaths(name: string): { readonly keyPath: string; readonly certPath: string } {
    return {
      keyPath: this.config(LOCAL_KEYS_DIR, `${name}${LOCAL_KEY_EXTENSION}`),
      certPath: this.config(LOCAL_KEYS_DIR, `${name}${LOCAL_CERTIFICATE_EXTENSION}`),
    };
  }

  /** `truststore/x509[/<type>[/<name>]]`. */
  trustStoreDir(type?: TrustStoreType, namedStore?: string): string {
    const items = [TRUST_STORE_DIR, 'x509'];
    if (type !== undefined) items.push(type);
    if (namedStore !== undefined) items.push(namedStore);
    return this.config(...items);
  }

  get pluginsDir(): string {
    return path.join(this.directories.libexec, PLUGINS_DIR);
  }

  get crlCacheDir(): string {
    return path.join(this.directories.cache, CRL_CACHE_DIR);
  }
}
