import { UsageError } from '../../errors.js';

/** Parses `--addr HOST:PORT` (`[::1]:5000` for IPv6; `:5000` means 127.0.0.1). Port 0 picks a free port. */
export function parseListenAddress(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new UsageError(`invalid address "${text}": expected HOST:PORT, e.g. 127.0.0.1:5000`);
  const host = match[1] ?? (match[2] === '' ? '127.0.0.1' : match[2]!);
  return { host, port };
}
