/**
 * Runs cases.json cases in-process: builds each case's isolated home from its setup recipe,
 * pushes its artifacts to the embedded registry (htpasswd user testuser/testpassword) or copies
 * its layouts, substitutes placeholders, runs each step with `main(argv, memoryContext(...))` and
 * checks exit code and output with the upstream matching rules (case-insensitive substrings,
 * exact equality for *Equals).
 *
 * The `before` actions drive the services of services.ts (CRL server state, OCSP answers, a CRL
 * cache seeded with an expired bundle); `<domain-registry>` is the TLS front of the registry,
 * trusted through SSL_CERT_FILE; PATH starts with the stand-in `docker-credential-pass`. Cases in
 * deviations.ts are judged by their documented deviation instead of the upstream expectation.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmod, chown, copyFile, cp, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../../src/cli/main.js';
import { memoryContext } from '../../../src/cli/context.js';
import { copy } from '../../../src/content/index.js';
import { LayoutStore } from '../../../src/layout/index.js';
import { RegistryClient, staticCredentials } from '../../../src/registry/client/index.js';
import { DELIBERATE_DEVIATIONS } from './deviations.js';
import { parseSetup, type SetupRecipe } from './setup.js';
import { STAND_IN_PLUGIN_SUITES, installStandInPlugin, type StandInPlugin } from './stand-in-plugin.js';
import type { CrlServer, DomainRegistry, OcspResponder } from './services.js';
import type { E2eCase, Expectation, StepDetail } from './cases.js';

export const REGISTRY_USERNAME = 'testuser';
export const REGISTRY_PASSWORD = 'testpassword';
/** The address upstream's expectations and trust policies hard-code. */
export const UPSTREAM_REGISTRY = 'localhost:5000';

export interface HarnessEnvironment {
  /** shared/conformance/notation-e2e */
  readonly conformance: string;
  /** `localhost:<port>` of the embedded registry. */
  readonly registry: string;
  /** A scratch directory for case homes. */
  readonly scratch: string;
  readonly isRoot: boolean;
  /** The stand-in for upstream's e2e plugin (metadata only; see stand-in-plugin.ts). */
  readonly plugin?: StandInPlugin;
  /** The `crl` service (localhost:10086), when it could be started. */
  readonly crl?: CrlServer;
  /** The `ocsp` service (localhost:10087), when it could be started. */
  readonly ocsp?: OcspResponder;
  /** The TLS `<domain-registry>` in front of the registry. */
  readonly domainRegistry?: DomainRegistry;
  /**
   * A directory put first on the commands' PATH holding `docker-credential-pass`, a stand-in for
   * the `pass` credential helper the login cases configure (upstream skips them for want of it).
   */
  readonly helperBin?: string;
  /**
   * When the harness runs as root: the unprivileged user (and the CLI entry point) the cases that
   * rely on file permissions run as, in a child process, so that a 0000 file really is unreadable.
   */
  readonly unprivileged?: { readonly uid: number; readonly gid: number; readonly binary: string };
}

/**
 * - `pass` / `fail`: the case ran; every expectation held / one did not.
 * - `skip`: the case cannot run here (an external service, root, upstream's own skip).
 * - `deviation`: the case ran and failed exactly where Portcullis deliberately differs from
 *   Notation (see deviations.ts); not a failure.
 */
export type Outcome = 'pass' | 'fail' | 'skip' | 'deviation';

export interface StepResult {
  readonly argv: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly problems: readonly string[];
}

export interface CaseResult {
  readonly id: string;
  readonly suite: string;
  readonly outcome: Outcome;
  /** Why it failed or was skipped (first problem), grouped in the report. */
  readonly reason?: string;
  readonly steps: readonly StepResult[];
  readonly unparsedSetup: readonly string[];
  readonly durationMs: number;
}

/** Upstream skips these only for want of infrastructure the harness provides. */
function upstreamSkipLifted(testCase: E2eCase, environment: HarnessEnvironment): boolean {
  const argv = JSON.stringify(testCase.argv);
  if (argv.includes('<domain-registry>')) return environment.domainRegistry !== undefined;
  if (/'pass' credential helper/.test(testCase.skippedUpstream ?? '')) return environment.helperBin !== undefined;
  return false;
}

/** Why a case cannot run here at all, or undefined. */
export function unsupported(testCase: E2eCase, environment: HarnessEnvironment): string | undefined {
  const standIn = environment.plugin !== undefined && STAND_IN_PLUGIN_SUITES.has(testCase.suite);
  const provided = (need: string): boolean =>
    need === 'registry' ||
    (need === 'plugin' && standIn) ||
    (need === 'crl' && environment.crl !== undefined) ||
    (need === 'ocsp' && environment.ocsp !== undefined);
  const external = testCase.needs.filter((need) => !provided(need));
  if (external.includes('tsa')) return 'needs the public internet TSAs (timestamp.digicert.com, rfc3161timestamp.globalsign.com)';
  if (external.length > 0) return `needs ${external.join(', ')}`;
  if (testCase.skippedUpstream && !upstreamSkipLifted(testCase, environment)) return `skipped upstream: ${testCase.skippedUpstream}`;
  const text = JSON.stringify(testCase.argv);
  if (text.includes('<domain-registry>') && environment.domainRegistry === undefined) return 'needs the TLS domain registry (GitHub Actions only upstream)';
  if (text.includes('<e2e-plugin') && !standIn) return 'needs the e2e plugin';
  if (reliesOnPermissions(testCase) && environment.isRoot && environment.unprivileged === undefined) {
    return 'relies on file permissions (running as root)';
  }
  return undefined;
}

/** Cases whose expectations need file modes to bite: they must run as a non-root user. */
export function reliesOnPermissions(testCase: E2eCase): boolean {
  const permissionStep = testCase.stepDetails.some((step) => /mode 0/.test(step.before ?? ''));
  return parseSetup(testCase.setup).needsNonRoot || permissionStep || /Relies on file permissions/.test(testCase.notes ?? '');
}

/** chown -R, as root, so the unprivileged user owns a case's files. */
async function chownTree(target: string, owner: { uid: number; gid: number }): Promise<void> {
  const info = await lstat(target).catch(() => undefined);
  if (info === undefined) return;
  await chown(target, owner.uid, owner.gid);
  if (info.isDirectory()) for (const entry of await readdir(target)) await chownTree(path.join(target, entry), owner);
}

/** Runs the CLI in a child process as `user` (the permission cases when the harness is root). */
function runAsUser(
  user: NonNullable<HarnessEnvironment['unprivileged']>,
  argv: readonly string[],
  options: { env: Record<string, string | undefined>; cwd: string; stdin?: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [user.binary, ...argv], { uid: user.uid, gid: user.gid, env: options.env as NodeJS.ProcessEnv, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

interface CaseState {
  readonly home: string;
  readonly oldHome: string;
  /** Set when the steps run as the unprivileged user: files the harness creates are given to it. */
  readonly owner?: { readonly uid: number; readonly gid: number };
  env: Record<string, string | undefined>;
  readonly placeholders: Map<string, string>;
}

function substitute(text: string, state: CaseState, environment: HarnessEnvironment): string {
  let out = text;
  for (const [placeholder, value] of state.placeholders) out = out.split(placeholder).join(value);
  if (environment.plugin) {
    out = out.split('<e2e-plugin-tar.gz>').join(environment.plugin.tarGz).split('<e2e-plugin>').join(environment.plugin.executable);
  }
  if (environment.domainRegistry) out = out.split('<domain-registry>').join(environment.domainRegistry.address);
  out = out.split('<registry>').join(environment.registry);
  out = out.split('<testdata>').join(path.join(environment.conformance, 'testdata'));
  out = out.split('<home>').join(state.home);
  out = out.split('<username>').join(REGISTRY_USERNAME).split('<password>').join(REGISTRY_PASSWORD);
  return out.split(UPSTREAM_REGISTRY).join(environment.registry);
}

async function pushLayout(sourceLayout: string, repository: string, environment: HarnessEnvironment): Promise<void> {
  const source = await LayoutStore.open(path.join(environment.conformance, sourceLayout), { create: false });
  const client = new RegistryClient({ credentials: staticCredentials({ username: REGISTRY_USERNAME, password: REGISTRY_PASSWORD }) });
  try {
    await copy(source, 'v1', client.repository(`${environment.registry}/${repository}`), 'v1', { recursive: true });
  } finally {
    await client.close();
  }
}

async function applyRecipe(recipe: SetupRecipe, home: string, environment: HarnessEnvironment, applyModes = !environment.isRoot): Promise<void> {
  const config = path.join(home, 'notation');
  const testdata = (file: string): string => path.join(environment.conformance, file);
  for (const action of recipe.actions) {
    switch (action.kind) {
      case 'signingKey': {
        const keys = path.join(config, 'localkeys');
        await mkdir(keys, { recursive: true, mode: 0o700 });
        const keyPath = path.join(keys, `${action.name}.key`);
        const certPath = path.join(keys, `${action.name}.crt`);
        await copyFile(testdata(action.key), keyPath);
        await copyFile(testdata(action.cert), certPath);
        const document = { default: action.name, keys: [{ name: action.name, keyPath, certPath }] };
        await writeFile(path.join(config, 'signingkeys.json'), `${JSON.stringify(document, null, 4)}\n`, { mode: 0o600 });
        break;
      }
      case 'trustStore': {
        const store = path.join(config, 'truststore', 'x509', action.type, action.store);
        await mkdir(store, { recursive: true, mode: 0o700 });
        for (const file of action.files) await copyFile(testdata(file), path.join(store, path.basename(file)));
        break;
      }
      case 'copy': {
        const target = path.join(config, action.to);
        await mkdir(path.dirname(target), { recursive: true });
        const content = (await readFile(testdata(action.from), 'utf8')).split(UPSTREAM_REGISTRY).join(environment.registry);
        await writeFile(target, content, { mode: 0o600 });
        break;
      }
      case 'writeFile':
        await mkdir(path.dirname(path.join(home, action.path)), { recursive: true });
        await writeFile(path.join(home, action.path), action.content);
        break;
      case 'base64File':
        await mkdir(path.dirname(path.join(home, action.to)), { recursive: true });
        await writeFile(path.join(home, action.to), Buffer.from((await readFile(testdata(action.from), 'utf8')).trim(), 'base64'));
        break;
      case 'mkdir':
        await mkdir(path.join(home, action.path), { recursive: true });
        break;
      case 'chmod':
        if (applyModes || action.mode & 0o100) await chmod(path.join(home, action.path), action.mode);
        break;
      case 'e2ePlugin':
        if (!environment.plugin) throw new Error('the e2e plugin stand-in is not available');
        await installStandInPlugin(environment.plugin, config);
        break;
    }
  }
}

const LEAF_CRL_URL = 'http://localhost:10086/leaf.crl';

/** `CRL server state: leaf revoked (serves leaf_revoked.crl), intermediate unrevoked (…)`. */
function applyCrlState(text: string, environment: HarnessEnvironment): void {
  const state = /CRL server state: leaf (unrevoked|revoked|expired)\b.*?intermediate (unrevoked|revoked)\b/.exec(text);
  if (!state) return;
  if (!environment.crl) throw new Error('the CRL server is not running');
  environment.crl.state = { leaf: state[1] as 'unrevoked' | 'revoked' | 'expired', intermediate: state[2] as 'unrevoked' | 'revoked' };
}

/**
 * Seeds the CRL file cache with the expired leaf CRL, as upstream does with notation-go's own
 * fetcher: the file is written here in notation-go's on-disk format (`<sha256 of the URL>` holding
 * `{"baseCRL":"<base64 DER>"}`), independently of Portcullis's cache writer, so reading it back
 * also checks that the two formats agree.
 */
async function seedExpiredCrlCache(state: CaseState, environment: HarnessEnvironment): Promise<void> {
  if (!environment.crl) throw new Error('the CRL server is not running');
  environment.crl.state = { ...environment.crl.state, leaf: 'expired' };
  const response = await fetch(LEAF_CRL_URL);
  const der = Buffer.from(await response.arrayBuffer());
  const directory = path.join(state.home, '.cache', 'crl');
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await writeFile(path.join(directory, createHash('sha256').update(LEAF_CRL_URL).digest('hex')), JSON.stringify({ baseCRL: der.toString('base64') }), { mode: 0o600 });
}

/** The `before` actions the cases use. */
async function applyBefore(before: string, state: CaseState, environment: HarnessEnvironment): Promise<void> {
  const text = substitute(before, state, environment);
  const remove = /^delete the file (\S+)$/.exec(text);
  if (remove) return rm(remove[1]!, { force: true });
  const move = /^rename (\S+) to (\S+)$/.exec(text);
  if (move) return rename(move[1]!, move[2]!);
  const mode = /^set (?:directory )?(\S+) to mode (0[0-7]{3})$/.exec(text);
  if (mode) return chmod(mode[1]!, Number.parseInt(mode[2]!, 8));
  const wait = /^wait ([\d.]+) seconds/.exec(text);
  if (wait) return new Promise((resolve) => setTimeout(resolve, Number(wait[1]) * 1000));
  if (/^after signing, the CRL server leaf is switched to expired/.test(text)) {
    await seedExpiredCrlCache(state, environment);
    applyCrlState(text.slice(text.indexOf('afterwards')), environment);
    return;
  }
  applyCrlState(text, environment);
  const created = /directory (\S+) is created with mode (0[0-7]{3})/.exec(text);
  if (created) {
    await mkdir(created[1]!, { recursive: true });
    if (state.owner) await chown(created[1]!, state.owner.uid, state.owner.gid);
    await chmod(created[1]!, Number.parseInt(created[2]!, 8));
  }
  const changed = /directory (\S+) is set to mode (0[0-7]{3})/.exec(text);
  if (changed) await chmod(changed[1]!, Number.parseInt(changed[2]!, 8));
  const ocsp = /^OCSP control: (unrevoke|revoke|unknown)\b/.exec(text);
  if (ocsp) {
    if (!environment.ocsp) throw new Error('the OCSP responder is not running');
    environment.ocsp.state = ocsp[1] === 'unrevoke' ? 'good' : ocsp[1] === 'revoke' ? 'revoked' : 'unknown';
  }
  // "check that …" is an assertion upstream makes between steps; postconditions cover it.
}

function checkExpectation(expect: Expectation, result: { code: number; stdout: string; stderr: string }, state: CaseState, environment: HarnessEnvironment): string[] {
  const problems: string[] = [];
  const sub = (text: string): string => substitute(text, state, environment);
  if ((expect.exitCode === 0) !== (result.code === 0)) problems.push(`exit code ${result.code}, expected ${expect.exitCode === 0 ? 0 : 'non-zero'}`);
  const contains = (haystack: string, needle: string): boolean => haystack.toLowerCase().includes(sub(needle).toLowerCase());
  for (const needle of expect.stdoutContains) if (!contains(result.stdout, needle)) problems.push(`stdout lacks ${JSON.stringify(sub(needle))}`);
  for (const needle of expect.stderrContains) {
    if (!contains(result.stderr, needle)) problems.push(`stderr lacks ${JSON.stringify(sub(needle))}`);
  }
  for (const needle of expect.stderrNotContains ?? []) if (contains(result.stderr, needle)) problems.push(`stderr has ${JSON.stringify(sub(needle))}`);
  if (expect.stdoutEquals !== undefined && result.stdout !== sub(expect.stdoutEquals)) problems.push('stdout differs from stdoutEquals');
  if (expect.stderrEquals !== undefined && result.stderr !== sub(expect.stderrEquals)) problems.push('stderr differs from stderrEquals');
  return problems;
}

async function checkPostconditions(testCase: E2eCase, state: CaseState, environment: HarnessEnvironment): Promise<string[]> {
  const problems: string[] = [];
  for (const condition of testCase.postconditions ?? []) {
    const text = substitute(condition, state, environment);
    const gone = /^directory (\S+) no longer exists/.exec(text);
    const kept = /^directory (\S+) still exists/.exec(text) ?? /^(\S+) exists$/.exec(text);
    const exists = async (target: string): Promise<boolean> => stat(target).then(() => true, () => false);
    if (gone && (await exists(gone[1]!))) problems.push(`postcondition: ${gone[1]} still exists`);
    if (kept && !(await exists(kept[1]!))) problems.push(`postcondition: ${kept[1]} is missing`);
  }
  return problems;
}

let uniqueCounter = 0;

/** State shared by the ordered quickstart group. */
const sharedStates = new Map<string, CaseState>();

export async function runCase(testCase: E2eCase, environment: HarnessEnvironment): Promise<CaseResult> {
  const started = Date.now();
  const base = { id: testCase.id, suite: testCase.suite, unparsedSetup: [] as string[] };
  const why = unsupported(testCase, environment);
  if (why !== undefined) return { ...base, outcome: 'skip', reason: why, steps: [], durationMs: 0 };
  const recipe = parseSetup(testCase.setup);
  const asUser = environment.isRoot && reliesOnPermissions(testCase) ? environment.unprivileged : undefined;
  let state = testCase.orderedGroup ? sharedStates.get(testCase.orderedGroup) : undefined;
  try {
    if (state === undefined) {
      const slug = `${testCase.id.slice(0, 40)}-${++uniqueCounter}`;
      const home = path.join(environment.scratch, slug);
      const oldHome = path.join(environment.scratch, `${slug}-old`);
      await mkdir(path.join(home, 'notation'), { recursive: true, mode: 0o700 });
      state = {
        home,
        oldHome,
        ...(asUser && { owner: { uid: asUser.uid, gid: asUser.gid } }),
        env: {
          XDG_CONFIG_HOME: home,
          NOTATION_CACHE: path.join(home, '.cache'),
          HOME: home,
          TZ: 'UTC',
          PATH: [environment.helperBin, process.env.PATH].filter(Boolean).join(path.delimiter),
          // The commands trust the domain registry's certificate as Go would: SSL_CERT_FILE.
          ...(environment.domainRegistry && JSON.stringify(testCase.argv).includes('<domain-registry>') && { SSL_CERT_FILE: environment.domainRegistry.certificateFile }),
          ...(recipe.credentials && { NOTATION_USERNAME: REGISTRY_USERNAME, NOTATION_PASSWORD: REGISTRY_PASSWORD }),
          ...(recipe.experimental && { NOTATION_EXPERIMENTAL: '1' }),
        },
        placeholders: new Map(),
      };
      await applyRecipe(recipe, home, environment, !environment.isRoot || asUser !== undefined);
      if (asUser) await chownTree(home, asUser);
      for (const artifact of testCase.artifacts ?? []) {
        if (artifact.layoutPlaceholder) {
          const target = path.join(environment.scratch, `layout-${++uniqueCounter}`);
          await cp(path.join(environment.conformance, artifact.sourceLayout), target, { recursive: true });
          if (asUser) await chownTree(target, asUser);
          state.placeholders.set(artifact.layoutPlaceholder, target);
        } else if (artifact.repository) {
          let repository = artifact.repository;
          if (!artifact.fixedName) {
            repository = `e2e-${testCase.id.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40)}-${++uniqueCounter}`;
            state.placeholders.set(artifact.repository, repository);
          }
          await pushLayout(artifact.sourceLayout, repository, environment);
        }
        state.placeholders.set(artifact.digestPlaceholder, artifact.digest);
      }
      // `notation-old` signs in its own isolated configuration: key e2e = e2e.key + new_e2e.crt.
      if (testCase.stepDetails.some((step) => step.binary === 'notation-old')) {
        await mkdir(path.join(oldHome, 'notation'), { recursive: true });
        await applyRecipe(
          { ...recipe, actions: [{ kind: 'signingKey', name: 'e2e', key: 'testdata/config/localkeys/e2e.key', cert: 'testdata/config/localkeys/new_e2e.crt' }] },
          oldHome,
          environment,
        );
      }
      if (testCase.orderedGroup) sharedStates.set(testCase.orderedGroup, state);
    }
  } catch (error) {
    return { ...base, unparsedSetup: recipe.unparsed, outcome: 'fail', reason: `setup failed: ${(error as Error).message}`, steps: [], durationMs: Date.now() - started };
  }

  // A case without steps (quickstart-create-trust-policy) describes its one action in its notes.
  const noteCopy = testCase.argv.length === 0 ? /copies (testdata\/\S+) .*?to <home>\/notation\/([\w./-]*[\w-])/.exec(testCase.notes ?? '') : null;
  if (noteCopy) await applyRecipe({ ...recipe, actions: [{ kind: 'copy', from: noteCopy[1]!, to: noteCopy[2]! }] }, state.home, environment);

  const steps: StepResult[] = [];
  let reason: string | undefined;
  for (const [index, rawArgv] of testCase.argv.entries()) {
    const detail: StepDetail = testCase.stepDetails[index] ?? { expect: { exitCode: 0, stdoutContains: [], stderrContains: [] } };
    if (detail.before) {
      try {
        await applyBefore(detail.before, state, environment);
      } catch (error) {
        const problem = `before "${detail.before}" failed: ${(error as Error).message}`;
        steps.push({ argv: rawArgv, code: -1, stdout: '', stderr: '', problems: [problem] });
        reason ??= `step ${index + 1} (${rawArgv.slice(0, 2).join(' ')}): ${problem}`;
        break;
      }
    }
    for (const [name, value] of Object.entries(detail.env ?? {})) state.env[name] = substitute(value, state, environment);
    const argv = rawArgv.map((arg) => substitute(arg, state!, environment));
    const old = detail.binary === 'notation-old';
    const env = old
      ? { ...state.env, XDG_CONFIG_HOME: state.oldHome, NOTATION_CACHE: path.join(state.oldHome, '.cache'), NOTATION_USERNAME: REGISTRY_USERNAME, NOTATION_PASSWORD: REGISTRY_PASSWORD }
      : state.env;
    const cwd = detail.cwd ? substitute(detail.cwd, state, environment) : state.home;
    const stdin = detail.stdin !== undefined ? substitute(detail.stdin, state, environment) : undefined;
    let result: { code: number; stdout: string; stderr: string };
    if (asUser) {
      result = await runAsUser(asUser, argv, { env, cwd, ...(stdin !== undefined && { stdin }) });
    } else {
      const context = memoryContext({ env, cwd, ...(stdin !== undefined && { stdin }) });
      const code = await main(argv, context);
      result = { code, stdout: context.out(), stderr: context.err() };
    }
    const problems = checkExpectation(detail.expect, result, state, environment);
    if (detail.expect.stdoutEqualsFile !== undefined) {
      const expected = await readFile(path.join(environment.conformance, detail.expect.stdoutEqualsFile), 'utf8');
      if (result.stdout !== expected.split(UPSTREAM_REGISTRY).join(environment.registry)) problems.push(`stdout differs from ${detail.expect.stdoutEqualsFile}`);
    }
    steps.push({ argv, ...result, problems });
    if (problems.length > 0 && reason === undefined) reason = `step ${index + 1} (${rawArgv.slice(0, 2).join(' ')}): ${problems[0]}`;
  }
  const post = await checkPostconditions(testCase, state, environment);
  if (post.length > 0 && reason === undefined) reason = post[0];
  let outcome: Outcome = reason === undefined ? 'pass' : 'fail';
  const deviation = DELIBERATE_DEVIATIONS[testCase.id];
  if (deviation !== undefined) {
    // A deviation must fail, and fail the way the product decision says it does.
    const problem = reason === undefined ? 'passes although it is listed as a deliberate deviation (remove it from deviations.ts)' : deviation.confirm(steps);
    if (problem === undefined) {
      outcome = 'deviation';
      reason = `deliberate deviation: ${deviation.reason}`;
    } else {
      outcome = 'fail';
      reason = `deviation not confirmed: ${problem}`;
    }
  }
  return {
    ...base,
    unparsedSetup: recipe.unparsed,
    outcome,
    ...(reason !== undefined && { reason }),
    steps,
    durationMs: Date.now() - started,
  };
}
