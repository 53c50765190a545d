/**
 * Fixtures shared by the config and trust tests: the PortcullisError a call fails with, and
 * throwaway Notation config directories.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { NotationPaths } from '../../src/config/index.js';
import { isPortcullisError } from '../../src/errors.js';
import { temporaryDirectory, type TemporaryDirectory } from './temporary-directory.js';

/** What tests compare: the stable code and, where it is the user interface, the message. */
export interface Failure {
  readonly code: string;
  readonly message: string;
}

function toFailure(error: unknown): Failure {
  assert.ok(isPortcullisError(error), String(error));
  return { code: error.code, message: error.message };
}

/** The code and message of the PortcullisError `run` rejects with; fails the test otherwise. */
export async function failure(run: () => Promise<unknown>): Promise<Failure> {
  try {
    await run();
  } catch (error) {
    return toFailure(error);
  }
  assert.fail('expected an error');
}

/** {@link failure} for a synchronous call. */
export function failureSync(run: () => unknown): Failure {
  try {
    run();
  } catch (error) {
    return toFailure(error);
  }
  assert.fail('expected an error');
}

export interface ConfigSandbox {
  /** The sandbox directory, for files that live outside any config directory. */
  readonly root: string;
  /** A new, empty Notation config directory `<root>/<name>/notation`; names default to home1, home2, … */
  fresh(name?: string): Promise<NotationPaths>;
}

/**
 * A temporary directory for the config directories of one test file, made before its tests run
 * and removed after them. Call it at the top level of the test file.
 */
export function configSandbox(prefix: string): ConfigSandbox {
  let directory: TemporaryDirectory | undefined;
  let counter = 0;
  before(async () => {
    directory = await temporaryDirectory(prefix);
  });
  after(() => directory?.remove());
  const root = (): string => {
    assert.ok(directory, 'the sandbox is made in a before hook');
    return directory.path;
  };
  return {
    get root() {
      return root();
    },
    async fresh(name?: string) {
      counter += 1;
      const dir = join(root(), name ?? `home${counter}`, 'notation');
      await mkdir(dir, { recursive: true });
      return NotationPaths.fromConfigDir(dir);
    },
  };
}
