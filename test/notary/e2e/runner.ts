/**
 * Runs cases.json cases in-process: builds each case's isolated home from its setup recipe,
 * pushes its artifacts to the embedded registry (htpasswd user testuser/testpassword) or copies
 * its layouts, substitutes placeholders, runs each step with `main(argv, memoryContext(...))` and
 * checks exit code and output with the upstream matching rules (case-insensitive substrings,
 * exact equality for *Equals).
 */
import { chmod, copyFile, cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../../src/cli/main.js';
import { memoryContext } from '../../../src/cli/context.js';
import { copy } from '../../../src/content/index.js';
import { LayoutStore } from '../../../src/layout/index.js';
import { RegistryClient, staticCredentials } from '../../../src/registry/client/index.js';
import { parseSetup, type SetupRecipe } from './setup.js';
import { STAND_IN_PLUGIN_SUITES, installStandInPlugin, type StandInPlugin } from './stand-in-plugin.js';
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
}

export type Outcome = 'pass' | 'fail' | 'skip';

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

/** Why a case cannot run here at all, or undefined. */
export function unsupported(testCase: E2eCase, environment: HarnessEnvironment): string | undefined {
  const standIn = environment.plugin !== undefined && STAND_IN_PLUGIN_SUITES.has(testCase.suite);
  const external = testCase.needs.filter((need) => need !== 'registry' && !(need === 'plugin' && standIn));
  if (external.length > 0) return `needs ${external.join(', ')}`;
  if (testCase.skippedUpstream) return 'skipped upstream';
  const text = JSON.stringify(testCase.argv);
  if (text.includes('<domain-registry>')) return 'needs the TLS domain registry (GitHub Actions only upstream)';
  if (text.includes('<e2e-plugin') && !standIn) return 'needs the e2e plugin';
  const recipe = parseSetup(testCase.setup);
  const permissionStep = testCase.stepDetails.some((step) => /mode 0/.test(step.before ?? ''));
  if ((recipe.needsNonRoot || permissionStep || /Relies on file permissions/.test(testCase.notes ?? '')) && environment.isRoot) {
    return 'relies on file permissions (running as root)';
  }
  return undefined;
}

interface CaseState {
  readonly home: string;
  readonly oldHome: string;
  env: Record<string, string | undefined>;
  readonly placeholders: Map<string, string>;
}

function substitute(text: string, state: CaseState, environment: HarnessEnvironment): string {
  let out = text;
  for (const [placeholder, value] of state.placeholders) out = out.split(placeholder).join(value);
  if (environment.plugin) {
    out = out.split('<e2e-plugin-tar.gz>').join(environment.plugin.tarGz).split('<e2e-plugin>').join(environment.plugin.executable);
  }
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

async function applyRecipe(recipe: SetupRecipe, home: string, environment: HarnessEnvironment): Promise<void> {
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
        if (!environment.isRoot || action.mode & 0o100) await chmod(path.join(home, action.path), action.mode);
        break;
      case 'e2ePlugin':
        if (!environment.plugin) throw new Error('the e2e plugin stand-in is not available');
        await installStandInPlugin(environment.plugin, config);
        break;
    }
  }
}

/** The few `before` actions the cases use. */
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
  // "check that …" is an assertion upstream makes between steps; postconditions cover it.
}

function checkExpectation(expect: Expectation, result: { code: number; stdout: string; stderr: string }, state: CaseState, environment: HarnessEnvironment): string[] {
  const problems: string[] = [];
  const sub = (text: string): string => substitute(text, state, environment);
  if ((expect.exitCode === 0) !== (result.code === 0)) problems.push(`exit code ${result.code}, expected ${expect.exitCode === 0 ? 0 : 'non-zero'}`);
  const contains = (haystack: string, needle: string): boolean => haystack.toLowerCase().includes(sub(needle).toLowerCase());
  for (const needle of expect.stdoutContains) if (!contains(result.stdout, needle)) problems.push(`stdout lacks ${JSON.stringify(sub(needle))}`);
  for (const needle of expect.stderrContains) {
    // Portcullis does not print Notation's "experimental feature" warning (see the README of the harness).
    if (/This feature is experimental and may not be fully tested/.test(needle)) continue;
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
        env: {
          XDG_CONFIG_HOME: home,
          NOTATION_CACHE: path.join(home, '.cache'),
          HOME: home,
          TZ: 'UTC',
          ...(recipe.credentials && { NOTATION_USERNAME: REGISTRY_USERNAME, NOTATION_PASSWORD: REGISTRY_PASSWORD }),
          ...(recipe.experimental && { NOTATION_EXPERIMENTAL: '1' }),
        },
        placeholders: new Map(),
      };
      await applyRecipe(recipe, home, environment);
      for (const artifact of testCase.artifacts ?? []) {
        if (artifact.layoutPlaceholder) {
          const target = path.join(environment.scratch, `layout-${++uniqueCounter}`);
          await cp(path.join(environment.conformance, artifact.sourceLayout), target, { recursive: true });
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
    const context = memoryContext({
      env,
      cwd: detail.cwd ? substitute(detail.cwd, state, environment) : state.home,
      ...(detail.stdin !== undefined && { stdin: substitute(detail.stdin, state, environment) }),
    });
    const code = await main(argv, context);
    const result = { code, stdout: context.out(), stderr: context.err() };
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
  return {
    ...base,
    unparsedSetup: recipe.unparsed,
    outcome: reason === undefined ? 'pass' : 'fail',
    ...(reason !== undefined && { reason }),
    steps,
    durationMs: Date.now() - started,
  };
}
