/**
 * `npm start`: the embedded registry on 127.0.0.1:5000 with its storage in .tmp/registry, for
 * trying Portcullis locally (`notation`/`oras` against localhost:5000). Override with
 * PORTCULLIS_REGISTRY_ROOT and PORTCULLIS_REGISTRY_ADDR; stop with Ctrl-C.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const root = process.env.PORTCULLIS_REGISTRY_ROOT ?? resolve(repoRoot, '.tmp', 'registry');
const addr = process.env.PORTCULLIS_REGISTRY_ADDR ?? '127.0.0.1:5000';

process.exitCode = await main(['registry', 'serve', '--root', root, '--addr', addr]);
