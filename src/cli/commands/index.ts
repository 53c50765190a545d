import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** A command group adds itself to the program. One file per group under `commands/`. */
export type CommandModule = (program: Command, context: CliContext) => void;

/**
 * A command group and the top-level names (with aliases) it registers. The module is imported
 * only when its command runs (or for `--help`), so `portcullis verify` never loads the registry
 * server, the admission controller or the ORAS commands: Node's start-up cost is per module loaded.
 * `commands.test.ts` checks that every entry registers exactly the names listed here.
 */
export interface CommandEntry {
  readonly names: readonly string[];
  readonly load: () => Promise<CommandModule>;
}

/** Every command group, in help order (Notation's, then ORAS's, then servers). Add a group with one entry here. */
export const COMMANDS: readonly CommandEntry[] = [
  { names: ['sign'], load: async () => (await import('./sign.js')).registerSign },
  { names: ['verify'], load: async () => (await import('./verify.js')).registerVerify },
  { names: ['inspect'], load: async () => (await import('./inspect.js')).registerInspect },
  { names: ['list', 'ls'], load: async () => (await import('./list.js')).registerList },
  { names: ['certificate', 'cert'], load: async () => (await import('./certificate.js')).registerCertificate },
  { names: ['key'], load: async () => (await import('./key.js')).registerKey },
  { names: ['policy'], load: async () => (await import('./policy.js')).registerPolicy },
  { names: ['blob'], load: async () => (await import('./blob.js')).registerBlob },
  { names: ['plugin'], load: async () => (await import('./plugin.js')).registerPlugin },
  { names: ['push'], load: async () => (await import('./push.js')).registerPush },
  { names: ['pull'], load: async () => (await import('./pull.js')).registerPull },
  { names: ['attach'], load: async () => (await import('./attach.js')).registerAttach },
  { names: ['discover'], load: async () => (await import('./discover.js')).registerDiscover },
  { names: ['manifest'], load: async () => (await import('./manifest.js')).registerManifest },
  { names: ['resolve'], load: async () => (await import('./resolve.js')).registerResolve },
  { names: ['tag'], load: async () => (await import('./tag.js')).registerTag },
  { names: ['copy', 'cp'], load: async () => (await import('./copy.js')).registerCopy },
  { names: ['repo', 'repository'], load: async () => (await import('./repo.js')).registerRepo },
  { names: ['login', 'logout'], load: async () => (await import('./login.js')).loginCommands },
  { names: ['registry'], load: async () => (await import('./registry.js')).registryCommands },
  { names: ['admission'], load: async () => (await import('./admission.js')).registerAdmission },
  { names: ['version'], load: async () => (await import('./version.js')).registerVersion },
];
