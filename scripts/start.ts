/**
 * `npm start`: the main job on the embedded default. Starts the embedded registry on
 * 127.0.0.1:5000 with its storage in ./.portcullis/registry, walks one artifact through it (push,
 * attach a referrer, discover, pull back and compare), then keeps serving and prints what to try.
 * Override with PORTCULLIS_REGISTRY_ROOT and PORTCULLIS_REGISTRY_ADDR; stop with Ctrl-C.
 * PORTCULLIS_START_ONCE=1 runs the walk-through and exits (used by the tests).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import type { CliContext } from '../src/cli/context.js';
import { jsonLogger, parseListenAddress, startRegistry } from '../src/registry/server/index.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const dataRoot = resolve(process.env.PORTCULLIS_REGISTRY_ROOT ?? join(repositoryRoot, '.portcullis', 'registry'));
const address = parseListenAddress(process.env.PORTCULLIS_REGISTRY_ADDR ?? '127.0.0.1:5000');

function step(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

/** Runs one CLI command in-process, echoing it as a user would type it. */
async function portcullis(context: CliContext, ...argv: string[]): Promise<string> {
  process.stdout.write(`$ portcullis ${argv.join(' ')}\n`);
  let printed = '';
  const code = await main(argv, {
    ...context,
    stdout: { write: (text) => void ((printed += text), process.stdout.write(text)) },
  });
  if (code !== 0) throw new Error(`portcullis ${argv.join(' ')} failed (exit ${code})`);
  return printed;
}

const controller = new AbortController();
const registry = await startRegistry({
  root: dataRoot,
  host: address.host,
  port: address.port,
  logger: jsonLogger({ write: (line) => void (process.env.PORTCULLIS_DEBUG ? process.stderr.write(line) : undefined) }),
}).catch((error: Error) => {
  process.stderr.write(`Error: could not start the registry on ${address.host}:${address.port}: ${error.message}\n`);
  process.stderr.write('Is something else listening there? Set PORTCULLIS_REGISTRY_ADDR=127.0.0.1:5001 to use another port.\n');
  process.exit(1);
});
const host = new URL(registry.url).host;
process.stdout.write(`Portcullis registry serving ${registry.url} (data in ${dataRoot})\n`);

const work = resolve(process.env.PORTCULLIS_WORK_DIR ?? join(repositoryRoot, '.portcullis', 'walk-through'));
await mkdir(work, { recursive: true });
await writeFile(join(work, 'hello.txt'), `hello from portcullis at ${new Date().toISOString()}\n`);
await writeFile(join(work, 'sbom.spdx.json'), JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'hello' }));
const context: CliContext = {
  stdout: { write: (text) => void process.stdout.write(text) },
  stderr: { write: (text) => void process.stderr.write(text) },
  env: process.env,
  isTerminal: Boolean(process.stdout.isTTY),
  cwd: work,
  readStdin: async () => Buffer.alloc(0),
  stopSignal: controller.signal,
};

async function walkThrough(): Promise<boolean> {
step('push an artifact');
await portcullis(context, 'push', `${host}/hello/world:v1`, 'hello.txt:text/plain');
step('attach an SBOM to it as a referrer');
await portcullis(context, 'attach', `${host}/hello/world:v1`, 'sbom.spdx.json', '--artifact-type', 'application/spdx+json');
step('discover its referrers');
await portcullis(context, 'discover', `${host}/hello/world:v1`);
step('pull it back');
await portcullis(context, 'pull', `${host}/hello/world:v1`, '--output-directory', 'pulled');
const same = (await readFile(join(work, 'pulled', 'hello.txt'), 'utf8')) === (await readFile(join(work, 'hello.txt'), 'utf8'));
process.stdout.write(same ? 'pulled file is byte-identical to the pushed one\n' : 'MISMATCH between pushed and pulled file\n');
return same;
}

const succeeded = await walkThrough().catch((error: Error) => {
  process.stderr.write(`Error: ${error.message}\n`);
  return false;
});
if (!succeeded) process.exitCode = 1;

if (process.env.PORTCULLIS_START_ONCE) {
  await registry.close();
} else {
  process.stdout.write(`
The registry keeps running at ${registry.url}. Try, from another terminal:
  npx portcullis discover ${host}/hello/world:v1
  npx portcullis copy -r ${host}/hello/world:v1 --to-oci-layout ./hello-layout:v1
  oras discover --plain-http ${host}/hello/world:v1      (if you have oras)
  notation ls ${host}/hello/world:v1                       (if you have notation)
Stop with Ctrl-C.
`);
  const stop = (): void => void registry.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
