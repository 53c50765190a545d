/**
 * `config.json` and `signingkeys.json` (notation-go config/config.go, keys.go, base.go).
 *
 * Files are read like notation-go's `load` (a regular file, no symlink; `json.Decoder` rules)
 * and written like its `save` (4-space indent, trailing newline, mode 0600, directory 0700), but
 * atomically. The models keep Go's zero values (`null` lists, `''` strings) so a file read and
 * saved again is byte-identical to what Notation writes.
 */
import {
  GO_STRING,
  GO_STRING_MAP,
  GO_STRING_SLICE,
  asGoString,
  asGoStringMap,
  asGoStrings,
  goQuote,
  goStringMapOutput,
  isGoJsonError,
  marshalGoJson,
  unmarshalGoJson,
  type GoStruct,
  type GoType,
  type JsonOutput,
} from '../gocompat/index.js';
import { ConfigError } from '../errors.js';
import { MAX_CONFIG_FILE_BYTES } from '../limits.js';
import { FileTooLargeError, lstatKind, readFileLimited, writeFileAtomic } from './fs-util.js';
import { SIGNING_KEYS_FILE, type NotationPaths } from './paths.js';

// ---------------------------------------------------------------------------------------------
// Shared load/save

/** Reads and decodes a config file; `undefined` when it does not exist. */
async function loadFile(target: string, type: GoType): Promise<GoStruct | undefined> {
  let kind: Awaited<ReturnType<typeof lstatKind>>;
  try {
    kind = await lstatKind(target);
  } catch (error) {
    throw new ConfigError('ERR_CONFIG_IO', (error as Error).message, { cause: error });
  }
  if (kind === 'missing') return undefined;
  if (kind === 'directory' || kind === 'symlink') {
    throw new ConfigError('ERR_CONFIG_INVALID', `${goQuote(target)} is not a regular file (symlinks are not supported)`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFileLimited(target, MAX_CONFIG_FILE_BYTES);
  } catch (error) {
    if (error instanceof FileTooLargeError) throw new ConfigError('ERR_CONFIG_INVALID', error.message);
    throw new ConfigError('ERR_CONFIG_IO', (error as Error).message, { cause: error });
  }
  try {
    return unmarshalGoJson(bytes, type, 'ignore') as GoStruct;
  } catch (error) {
    if (isGoJsonError(error)) throw new ConfigError('ERR_CONFIG_MALFORMED', error.message, { cause: error });
    throw error;
  }
}

/** `json.NewEncoder(f)` with `SetIndent("", "    ")`: 4 spaces and a trailing newline. */
function encodeFile(value: JsonOutput): string {
  return `${marshalGoJson(value, '    ')}\n`;
}

async function saveFile(target: string, content: string): Promise<void> {
  try {
    await writeFileAtomic(target, content);
  } catch (error) {
    throw new ConfigError('ERR_CONFIG_IO', (error as Error).message, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// config.json

/** `config.json`. */
export interface NotationConfig {
  /** Registries reached over plain HTTP; `null` when absent (Notation writes `null`). */
  readonly insecureRegistries: readonly string[] | null;
  /** Credential store (`docker-credential-<name>`); `''` when absent. */
  readonly credsStore: string;
  /** Per-registry credential helpers; `null` when absent. */
  readonly credHelpers: ReadonlyMap<string, string> | null;
  /** `jws` or `cose`; `''` when absent (JWS). */
  readonly signatureFormat: string;
}

export const DEFAULT_CONFIG: NotationConfig = Object.freeze({
  insecureRegistries: null,
  credsStore: '',
  credHelpers: null,
  signatureFormat: '',
});

const CONFIG_TYPE: GoType = {
  kind: 'struct',
  name: 'config.Config',
  fields: [
    { json: 'insecureRegistries', type: GO_STRING_SLICE },
    { json: 'credsStore', type: GO_STRING },
    { json: 'credHelpers', type: GO_STRING_MAP },
    { json: 'signatureFormat', type: GO_STRING },
  ],
};

/**
 * Reads `config.json`; a missing file gives {@link DEFAULT_CONFIG} (as notation-go).
 * @throws ConfigError `ERR_CONFIG_MALFORMED` (Go's JSON error text) | `ERR_CONFIG_INVALID` | `ERR_CONFIG_IO`
 */
export async function loadConfig(paths: NotationPaths): Promise<NotationConfig> {
  const root = await loadFile(paths.configFile, CONFIG_TYPE);
  if (root === undefined) return DEFAULT_CONFIG;
  return Object.freeze({
    insecureRegistries: asGoStrings(root['insecureRegistries']),
    credsStore: asGoString(root['credsStore']),
    credHelpers: asGoStringMap(root['credHelpers']),
    signatureFormat: asGoString(root['signatureFormat']),
  });
}

/** `config.json` content as notation-go's `Config.Save` writes it. */
export function marshalConfig(config: NotationConfig): string {
  const members: [string, JsonOutput][] = [
    ['insecureRegistries', config.insecureRegistries === null ? null : [...config.insecureRegistries]],
  ];
  if (config.credsStore !== '') members.push(['credsStore', config.credsStore]);
  if (config.credHelpers !== null && config.credHelpers.size > 0) members.push(['credHelpers', goStringMapOutput(config.credHelpers)]);
  if (config.signatureFormat !== '') members.push(['signatureFormat', config.signatureFormat]);
  return encodeFile({ object: members });
}

/** Writes `config.json` atomically (mode 0600). @throws ConfigError `ERR_CONFIG_IO` */
export async function saveConfig(paths: NotationPaths, config: NotationConfig): Promise<void> {
  await saveFile(paths.configFile, marshalConfig(config));
}

// ---------------------------------------------------------------------------------------------
// signingkeys.json

/** A signing key entry: a local key pair (`keyPath`/`certPath`) or a plugin key (`id`/`pluginName`). */
export interface KeySuite {
  readonly name: string;
  /** `''` when absent. */
  readonly keyPath: string;
  readonly certPath: string;
  readonly id: string;
  readonly pluginName: string;
  /** `null` when absent. */
  readonly pluginConfig: ReadonlyMap<string, string> | null;
}

/** `signingkeys.json`. */
export interface SigningKeys {
  /** Name of the default key; `null` when unset. */
  readonly default: string | null;
  /** `null` when the file has no `keys` (Notation then writes `"keys": null`). */
  readonly keys: readonly KeySuite[] | null;
}

export const EMPTY_SIGNING_KEYS: SigningKeys = Object.freeze({ default: null, keys: Object.freeze([]) });

const SIGNING_KEYS_TYPE: GoType = {
  kind: 'struct',
  name: 'config.SigningKeys',
  fields: [
    { json: 'default', type: { kind: 'pointer', name: '*string', elem: GO_STRING } },
    {
      json: 'keys',
      type: {
        kind: 'slice',
        name: '[]config.KeySuite',
        elem: {
          kind: 'struct',
          name: 'config.KeySuite',
          fields: [
            { json: 'name', type: GO_STRING },
            { json: 'keyPath', type: GO_STRING },
            { json: 'certPath', type: GO_STRING },
            { json: 'id', type: GO_STRING },
            { json: 'pluginName', type: GO_STRING },
            { json: 'pluginConfig', type: GO_STRING_MAP },
          ],
        },
      },
    },
  ],
};

/** A key entry with Go's zero values for what is not given. */
export function keySuite(fields: Partial<KeySuite> & { readonly name: string }): KeySuite {
  return Object.freeze({
    name: fields.name,
    keyPath: fields.keyPath ?? '',
    certPath: fields.certPath ?? '',
    id: fields.id ?? '',
    pluginName: fields.pluginName ?? '',
    pluginConfig: fields.pluginConfig ?? null,
  });
}

function malformed(message: string): never {
  throw new ConfigError('ERR_CONFIG_INVALID', `malformed ${SIGNING_KEYS_FILE}: ${message}`);
}

/**
 * notation-go `validateKeys`: names non-empty and unique, the default one of them.
 * @throws ConfigError `ERR_CONFIG_INVALID`
 */
export function validateSigningKeys(signingKeys: SigningKeys): void {
  const names = new Set<string>();
  for (const key of signingKeys.keys ?? []) {
    if (key.name === '') malformed('key name cannot be empty');
    if (names.has(key.name)) malformed(`multiple keys with name '${key.name}' found`);
    names.add(key.name);
  }
  if (signingKeys.default !== null) {
    if (signingKeys.default === '') malformed('default key name cannot be empty');
    if (!names.has(signingKeys.default)) malformed(`default key '${signingKeys.default}' not found`);
  }
}

/**
 * Reads and validates `signingkeys.json`; a missing file gives {@link EMPTY_SIGNING_KEYS}.
 * @throws ConfigError `ERR_CONFIG_MALFORMED` | `ERR_CONFIG_INVALID` | `ERR_CONFIG_IO`
 */
export async function loadSigningKeys(paths: NotationPaths): Promise<SigningKeys> {
  const root = await loadFile(paths.signingKeysFile, SIGNING_KEYS_TYPE);
  if (root === undefined) return EMPTY_SIGNING_KEYS;
  const keys = root['keys'];
  const defaultKey = root['default'];
  const signingKeys: SigningKeys = Object.freeze({
    default: typeof defaultKey === 'string' ? defaultKey : null,
    keys: Array.isArray(keys)
      ? Object.freeze(
          keys.map((entry) => {
            const k = entry as GoStruct;
            return keySuite({
              name: asGoString(k['name']),
              keyPath: asGoString(k['keyPath']),
              certPath: asGoString(k['certPath']),
              id: asGoString(k['id']),
              pluginName: asGoString(k['pluginName']),
              pluginConfig: asGoStringMap(k['pluginConfig']),
            });
          }),
        )
      : null,
  });
  validateSigningKeys(signingKeys);
  return signingKeys;
}

/** `signingkeys.json` content as notation-go writes it. */
export function marshalSigningKeys(signingKeys: SigningKeys): string {
  const members: [string, JsonOutput][] = [];
  if (signingKeys.default !== null) members.push(['default', signingKeys.default]);
  members.push([
    'keys',
    signingKeys.keys === null
      ? null
      : signingKeys.keys.map((key): JsonOutput => {
          const fields: [string, JsonOutput][] = [['name', key.name]];
          if (key.keyPath !== '') fields.push(['keyPath', key.keyPath]);
          if (key.certPath !== '') fields.push(['certPath', key.certPath]);
          if (key.id !== '') fields.push(['id', key.id]);
          if (key.pluginName !== '') fields.push(['pluginName', key.pluginName]);
          if (key.pluginConfig !== null && key.pluginConfig.size > 0) fields.push(['pluginConfig', goStringMapOutput(key.pluginConfig)]);
          return { object: fields };
        }),
  ]);
  return encodeFile({ object: members });
}

/** Validates, then writes `signingkeys.json` atomically (mode 0600). */
export async function saveSigningKeys(paths: NotationPaths, signingKeys: SigningKeys): Promise<void> {
  validateSigningKeys(signingKeys);
  await saveFile(paths.signingKeysFile, marshalSigningKeys(signingKeys));
}

// ---------------------------------------------------------------------------------------------
// Key list operations (pure), with notation-go's messages

const KEY_NAME_EMPTY = 'key name cannot be empty';

function keyNotFound(name: string): never {
  throw new ConfigError('ERR_CONFIG_NOT_FOUND', `signing key ${name} not found`);
}

/** Adds a key; optionally makes it the default. */
export function addSigningKey(signingKeys: SigningKeys, key: KeySuite, markDefault: boolean): SigningKeys {
  if (key.name === '') throw new ConfigError('ERR_CONFIG_INVALID_ARGUMENT', KEY_NAME_EMPTY);
  const keys = signingKeys.keys ?? [];
  if (keys.some((k) => k.name === key.name)) {
    throw new ConfigError('ERR_CONFIG_ALREADY_EXISTS', `signing key with name ${goQuote(key.name)} already exists`);
  }
  return Object.freeze({
    default: markDefault ? key.name : signingKeys.default,
    keys: Object.freeze([...keys, key]),
  });
}

/** Removes keys by name (all or nothing); the default is unset when it is removed. */
export function removeSigningKeys(signingKeys: SigningKeys, names: readonly string[]): SigningKeys {
  let keys = [...(signingKeys.keys ?? [])];
  let defaultKey = signingKeys.default;
  for (const name of names) {
    if (name === '') throw new ConfigError('ERR_CONFIG_INVALID_ARGUMENT', KEY_NAME_EMPTY);
    const index = keys.findIndex((k) => k.name === name);
    if (index < 0) keyNotFound(name);
    keys = [...keys.slice(0, index), ...keys.slice(index + 1)];
    if (defaultKey === name) defaultKey = null;
  }
  return Object.freeze({ default: defaultKey, keys: Object.freeze(keys) });
}

/** Makes an existing key the default. */
export function setDefaultSigningKey(signingKeys: SigningKeys, name: string): SigningKeys {
  if (name === '') throw new ConfigError('ERR_CONFIG_INVALID_ARGUMENT', KEY_NAME_EMPTY);
  if (!(signingKeys.keys ?? []).some((k) => k.name === name)) keyNotFound(name);
  return Object.freeze({ default: name, keys: signingKeys.keys });
}

/** The named key, or the default one when `name` is undefined. */
export function getSigningKey(signingKeys: SigningKeys, name?: string): KeySuite {
  if (name === undefined) {
    if (signingKeys.default === null) {
      throw new ConfigError(
        'ERR_CONFIG_NOT_FOUND',
        'default signing key not set. Please set default signing key or specify a key name',
      );
    }
    return getSigningKey(signingKeys, signingKeys.default);
  }
  if (name === '') throw new ConfigError('ERR_CONFIG_INVALID_ARGUMENT', KEY_NAME_EMPTY);
  return (signingKeys.keys ?? []).find((k) => k.name === name) ?? keyNotFound(name);
}

// ---------------------------------------------------------------------------------------------
// `notation key` operations

/** `key list`: the keys and the default. */
export async function listSigningKeys(paths: NotationPaths): Promise<SigningKeys> {
  return loadSigningKeys(paths);
}

/** `key update --default <name>`. */
export async function updateDefaultSigningKey(paths: NotationPaths, name: string): Promise<void> {
  await saveSigningKeys(paths, setDefaultSigningKey(await loadSigningKeys(paths), name));
}

/**
 * `key delete <name>...`: removes the entries (not the key files). Returns the names removed and
 * the default before the change, which the CLI needs for its message
 * (`Removed default key X from Notation signing key list. The source key still exists.`).
 */
export async function deleteSigningKeys(
  paths: NotationPaths,
  names: readonly string[],
): Promise<{ readonly deleted: readonly string[]; readonly previousDefault: string | null }> {
  const before = await loadSigningKeys(paths);
  const after = removeSigningKeys(before, names);
  await saveSigningKeys(paths, after);
  return { deleted: [...names], previousDefault: before.default };
}

/** `key add` for a key entry already resolved by the caller (plugin lookups happen in the CLI). */
export async function addSigningKeyToConfig(paths: NotationPaths, key: KeySuite, markDefault: boolean): Promise<void> {
  await saveSigningKeys(paths, addSigningKey(await loadSigningKeys(paths), key, markDefault));
}
