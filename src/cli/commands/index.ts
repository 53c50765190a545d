import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAdmission } from './admission.js';
import { registerAttach } from './attach.js';
import { registerBlob } from './blob.js';
import { registerCertificate } from './certificate.js';
import { registerCopy } from './copy.js';
import { registerDiscover } from './discover.js';
import { registerInspect } from './inspect.js';
import { registerKey } from './key.js';
import { registerList } from './list.js';
import { loginCommands } from './login.js';
import { registerManifest } from './manifest.js';
import { registerPlugin } from './plugin.js';
import { registerPolicy } from './policy.js';
import { registerPull } from './pull.js';
import { registerPush } from './push.js';
import { registryCommands } from './registry.js';
import { registerRepo } from './repo.js';
import { registerResolve } from './resolve.js';
import { registerSign } from './sign.js';
import { registerTag } from './tag.js';
import { registerVerify } from './verify.js';
import { registerVersion } from './version.js';

/** A command group adds itself to the program. One file per group under `commands/`. */
export type CommandModule = (program: Command, context: CliContext) => void;

/** Every command group, in help order (Notation's, then ORAS's, then servers): import each `commands/<group>.ts` here and list it. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  registerSign,
  registerVerify,
  registerInspect,
  registerList,
  registerCertificate,
  registerKey,
  registerPlugin,
  registerPolicy,
  registerBlob,
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
  registerVersion,
];
