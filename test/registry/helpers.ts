import { rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { startRegistry, type RegistryServerOptions, type RunningRegistry } from '../../src/registry/server/index.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

export interface TestRegistry extends RunningRegistry {
  readonly root: string;
  readonly logs: string[];
  /** Closes the server and deletes its root. */
  dispose(): Promise<void>;
}

/** Starts the registry in-process on 127.0.0.1, port 0, on a fresh temporary root. */
export async function startTestRegistry(options: Partial<RegistryServerOptions> = {}): Promise<TestRegistry> {
  const root = options.root ?? (await temporaryDirectory('registry')).path;
  const logs: string[] = [];
  const running = await startRegistry({
    port: 0,
    ...options,
    root,
    logger: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })),
  });
  return {
    ...running,
    root,
    logs,
    dispose: async () => {
      await running.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  json<T = unknown>(): T;
  /** The first OCI error code of the body. */
  readonly errorCode: string | undefined;
}

/**
 * One HTTP request with the path sent exactly as given: fetch() and URL would resolve `..` and
 * `%2e%2e` before the server ever saw them, hiding exactly what the hostile-input tests send.
 */
export function call(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string | number>; body?: Buffer | string } = {},
): Promise<HttpAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          let errorCode: string | undefined;
          try {
            errorCode = (JSON.parse(body.toString()) as { errors?: Array<{ code: string }> }).errors?.[0]?.code;
          } catch {
            errorCode = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body.toString()) as T, errorCode });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Uploads a blob with POST + PUT and returns the answer of the PUT. */
export async function pushBlob(base: string, name: string, content: Buffer, digest: string): Promise<HttpAnswer> {
  const started = await call(base, 'POST', `/v2/${name}/blobs/uploads/`);
  const location = String(started.headers.location);
  return call(base, 'PUT', `${location}?digest=${digest}`, { body: content, headers: { 'Content-Type': 'application/octet-stream' } });
}
