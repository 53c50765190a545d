import { Option, type Command } from 'commander';

/** Flags shared by every command that talks to a registry or a layout, optionally prefixed (`--from-`, `--to-`). */
export interface RemoteFlags {
  readonly ociLayout?: boolean;
  readonly plainHttp?: boolean;
  readonly insecureRegistry?: boolean;
  readonly caFile?: string;
  readonly username?: string;
  readonly password?: string;
  readonly registryConfig?: string;
}

export function addRemoteOptions(command: Command, prefix = ''): Command {
  const flag = (name: string): string => `--${prefix}${name}`;
  const what = prefix === '' ? '' : ` of the ${prefix.replace(/-$/, '')} side`;
  return command
    .addOption(new Option(`${flag('oci-layout')}`, `the reference${what} is an OCI image layout <dir>[:<tag>|@<digest>]`))
    .addOption(new Option(`${flag('plain-http')}`, `use plain HTTP${what} (automatic for localhost)`))
    .addOption(new Option(`${flag('insecure-registry')}`, `same as --plain-http${what} (Notation's name)`).hideHelp())
    .addOption(new Option(`${flag('ca-file')} <file>`, `extra trusted CA certificates (PEM) for TLS${what}`))
    .addOption(new Option(`${prefix === '' ? '-u, ' : ''}${flag('username')} <name>`, `registry username${what}`))
    .addOption(new Option(`${prefix === '' ? '-p, ' : ''}${flag('password')} <secret>`, `registry password or identity token${what}`))
    .addOption(new Option(`${flag('registry-config')} <path>`, `docker-style credentials file${what}`));
}

/** Picks the prefixed flags out of commander's camel-cased option bag. */
export function remoteFlags(options: Record<string, unknown>, prefix = ''): RemoteFlags {
  const key = (name: string): string => {
    const full = `${prefix}${name}`.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
    return full;
  };
  const get = <T>(name: string): T | undefined => options[key(name)] as T | undefined;
  return {
    ociLayout: get<boolean>('oci-layout'),
    plainHttp: get<boolean>('plain-http'),
    insecureRegistry: get<boolean>('insecure-registry'),
    caFile: get<string>('ca-file'),
    username: get<string>('username'),
    password: get<string>('password'),
    registryConfig: get<string>('registry-config'),
  };
}

/** `-a key=value`, repeatable. */
export function collectKeyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const equals = value.indexOf('=');
  if (equals <= 0) throw new Error(`expected key=value, got "${value}"`);
  return { ...previous, [value.slice(0, equals)]: value.slice(equals + 1) };
}
