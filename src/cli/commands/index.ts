import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAdmission } from './admission.js';
import { registerAttach } from './attach.js';
import { registerCopy } from './copy.js';
import { registerDiscover } from './discover.js';
import { loginCommands } from './login.js';
import { registerManifest } from './manifest.js';
import { registerPull } from './pull.js';
import { registerPush } from './push.js';
import { registryCommands } from './registry.js';
import { registerRepo } from './repo.js';
import { registerResolve } from './resolve.js';
import { registerTag } from './tag.js';

/** A command group adds itself to the program. One file per group under `commands/`. */
export type CommandModule = (program: Command, context: CliContext) => void;

/** Every command group, in help order: import each `commands/<group>.ts` here and list it. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  registerPush,
  registerPull,
  registerAttach,
  registerDiscover,
  registerManifest,
  registerResolve,
  registerTag,
  registerCopy,
  registerRepo,
  loginCommands,
  registryCommands,
  registerAdmission,
];
