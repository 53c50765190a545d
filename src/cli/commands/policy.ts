/** `policy import | show | init`: the OCI trust policy (trustpolicy.oci.json, legacy trustpolicy.json). */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPolicyCommands } from '../notation/policy-commands.js';

export function registerPolicy(program: Command, context: CliContext): void {
  const policy = program
    .command('policy')
    .description('Manage OCI trust policy configuration for OCI artifact signature verification');
  registerPolicyCommands(policy, 'oci', context);
}
