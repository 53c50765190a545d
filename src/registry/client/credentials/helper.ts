import { spawn } from 'node:child_process';
import { RegistryError } from '../../../errors.js';
import { MAX_AUTH_RESPONSE_BYTES } from '../../../limits.js';
import { isIdentityToken, type Credential } from './credential.js';
import { isObject } from './docker-config.js';

/** Helpers may talk to a keychain or a remote vault; one that hangs must not hang the client. */
export const DEFAULT_HELPER_TIMEOUT_MS = 10_000;
/** The username Docker's helpers use to mark an identity token rather than a password. */
const IDENTITY_TOKEN_USERNAME = '<token>';
/** What `docker-credential-*` print when they hold nothing for the server (docker-credential-helpers). */
const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';

export interface CredentialHelperOptions {
  readonly timeoutMs?: number;
  /** Environment of the helper process, PATH included (tests put a fake helper first on PATH). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export type HelperAction = 'get' | 'store' | 'erase';

/** `docker-credential-<name> get` with the server URL on stdin; undefined when the helper has none. */
export async function getFromHelper(
  name: string,
  serverUrl: string,
  options: CredentialHelperOptions = {},
): Promise<Credential | undefined> {
  const result = await runHelper(name, 'get', serverUrl, options);
  if (result === 'not-found') return undefined;
  let document: unknown;
  try {
    document = JSON.parse(result);
  } catch {
    throw helperError(name, 'get', 'printed something that is not JSON');
  }
  if (!isObject(document) || typeof document.Username !== 'string' || typeof document.Secret !== 'string') {
    throw helperError(name, 'get', 'printed JSON without "Username" and "Secret" strings');
  }
  if (document.Secret === '') return undefined;
  if (document.Username === IDENTITY_TOKEN_USERNAME || document.Username === '') return { identityToken: document.Secret };
  return { username: document.Username, password: document.Secret };
}

/** `docker-credential-<name> store` with `{"ServerURL","Username","Secret"}` on stdin. */
export async function storeInHelper(
  name: string,
  serverUrl: string,
  credential: Credential,
  options: CredentialHelperOptions = {},
): Promise<void> {
  const payload = isIdentityToken(credential)
    ? { ServerURL: serverUrl, Username: IDENTITY_TOKEN_USERNAME, Secret: credential.identityToken }
    : { ServerURL: serverUrl, Username: credential.username, Secret: credential.password };
  await runHelper(name, 'store', JSON.stringify(payload), options);
}

/** `docker-credential-<name> erase` with the server URL on stdin; erasing what is not there succeeds. */
export async function eraseFromHelper(name: string, serverUrl: string, options: CredentialHelperOptions = {}): Promise<void> {
  await runHelper(name, 'erase', serverUrl, options);
}

/** True when the error says the helper program is not installed (so the caller can fall back). */
export function isHelperMissing(error: unknown): boolean {
  return error instanceof RegistryError && (error.cause as { code?: unknown } | undefined)?.code === 'ENOENT';
}

function helperError(name: string, action: HelperAction, problem: string, cause?: unknown): RegistryError {
  return new RegistryError('ERR_REGISTRY_CREDENTIALS', `credential helper docker-credential-${name} ${action} ${problem}`, {
    cause,
  });
}

/**
 * Runs a helper without a shell, feeding `input` on stdin. Resolves with stdout, or 'not-found'
 * when the helper says it holds nothing. Output is capped and the process is killed on timeout.
 */
function runHelper(name: string, action: HelperAction, input: string, options: CredentialHelperOptions): Promise<string | 'not-found'> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${name}`, [action], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so a timeout also ends what the helper started (gpg, a keychain agent).
      detached: true,
    });
    const stdout = new CappedText();
    const stderr = new CappedText();
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      killGroup(child.pid);
      finish(() => reject(helperError(name, action, `did not finish within ${timeoutMs} ms`)));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      const problem = error.code === 'ENOENT' ? 'could not run: the program is not on PATH' : `could not run: ${error.message}`;
      finish(() => reject(helperError(name, action, problem, error)));
    });
    child.on('close', (code) => {
      const output = stdout.text().trim();
      if (code === 0) return finish(() => resolve(output));
      if (output.includes(NOT_FOUND_MESSAGE) || stderr.text().includes(NOT_FOUND_MESSAGE)) {
        return finish(() => resolve('not-found'));
      }
      const detail = (stderr.text() || output).trim().slice(0, 200);
      finish(() => reject(helperError(name, action, `failed with exit code ${code}${detail ? `: ${detail}` : ''}`)));
    });
    // A helper that exits without reading stdin makes the write fail with EPIPE; 'close' reports it.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Collects process output up to MAX_AUTH_RESPONSE_BYTES and drops the rest. */
class CappedText {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  add(chunk: Buffer): void {
    const room = MAX_AUTH_RESPONSE_BYTES - this.size;
    if (room <= 0) return;
    const kept = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.byteLength;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
