/**
 * The Notation e2e contract: shared/conformance/notation-e2e/cases.json (310 cases). Types and
 * loading only; see setup.ts for how setup texts become recipes and runner.ts for execution.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPOSITORY_ROOT } from '../../helpers/tools.js';

export interface Expectation {
  readonly exitCode: number;
  readonly stdoutContains: readonly string[];
  readonly stderrContains: readonly string[];
  readonly stdoutEquals?: string;
  readonly stdoutEqualsFile?: string;
  readonly stderrEquals?: string;
  readonly stderrNotContains?: readonly string[];
}

export interface StepDetail {
  readonly expect: Expectation;
  readonly stdin?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly before?: string;
  readonly binary?: string;
  readonly cwd?: string;
}

export interface Artifact {
  readonly sourceLayout: string;
  readonly digest: string;
  readonly digestPlaceholder: string;
  readonly repository?: string;
  readonly fixedName?: boolean;
  readonly layoutPlaceholder?: string;
}

export interface E2eCase {
  readonly id: string;
  readonly suite: string;
  readonly describe: string;
  readonly title: string;
  readonly profile: string;
  readonly setup: string;
  readonly steps: readonly string[];
  readonly argv: readonly (readonly string[])[];
  readonly stepDetails: readonly StepDetail[];
  readonly needs: readonly string[];
  readonly artifacts?: readonly Artifact[];
  readonly notes?: string;
  readonly postconditions?: readonly string[];
  readonly skippedUpstream?: string;
  readonly orderedGroup?: string;
  readonly dependsOn?: readonly string[];
}

/** `shared/conformance/notation-e2e`: beside the repository (developer worktrees, CI's copy of shared/). */
export function findConformanceDirectory(): string | undefined {
  const candidates = [
    process.env.PORTCULLIS_NOTATION_E2E,
    path.join(REPOSITORY_ROOT, '..', 'shared', 'conformance', 'notation-e2e'),
    path.join(REPOSITORY_ROOT, 'shared', 'conformance', 'notation-e2e'),
    '/work/shared/conformance/notation-e2e',
  ].filter((candidate): candidate is string => Boolean(candidate));
  return candidates.find((candidate) => existsSync(path.join(candidate, 'cases.json')));
}

export function loadCases(directory: string): E2eCase[] {
  return JSON.parse(readFileSync(path.join(directory, 'cases.json'), 'utf8')) as E2eCase[];
}
