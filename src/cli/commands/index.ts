import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { loginCommands } from './login.js';
import { registryCommands } from './registry.js';

/** A command group adds itself to the program. One file per group under `commands/`. */
export type CommandModule = (program: Command, context: CliContext) => void;

/** Every command group, in help order: import each `commands/<group>.ts` here and list it. */
export const COMMAND_MODULES: readonly CommandModule[] = [loginCommands, registryCommands];
