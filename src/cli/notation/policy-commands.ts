/**
 * `policy import|show|init` and `blob policy import|show|init` share their shape; this builds
 * either group over src/config's trust policy operations (notaryproject/notation
 * cmd/notation/policy/*.go and cmd/notation/blob/policy/*.go).
 */
import type { Command } from 'commander';
import {
  importBlobTrustPolicy,
  importOCITrustPolicy,
  initBlobTrustPolicy,
  initOCITrustPolicy,
  showBlobTrustPolicy,
  showOCITrustPolicy,
  type PolicyWriteResult,
} from '../../config/index.js';
import { UsageError } from '../../errors.js';
import type { VerificationLevelName } from '../../trust/index.js';
import type { CliContext } from '../context.js';
import { askForConfirmation, notationPaths, requireFlags, resolvePath } from './common.js';

const LEVELS: readonly string[] = ['strict', 'permissive', 'audit', 'skip'];
const isVerificationLevelName = (value: string): value is VerificationLevelName => LEVELS.includes(value);

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function print(context: CliContext, result: PolicyWriteResult): void {
  for (const warning of result.warnings) context.stderr.write(`${warning}\n`);
  for (const message of result.messages) context.stdout.write(`${message}\n`);
}

export function registerPolicyCommands(group: Command, kind: 'oci' | 'blob', context: CliContext): void {
  const what = kind === 'oci' ? 'OCI' : 'blob';
  const usage = kind === 'oci' ? 'notation policy import' : 'notation blob policy import';
  const locationWord = kind === 'oci' ? 'file' : 'configuration';

  group
    .command('import')
    .description(`Import ${what} trust policy configuration from a JSON file`)
    .usage('[flags] <file_path>')
    .argument('[file_path...]')
    .option('--force', `override the existing ${what} trust policy configuration without prompt`)
    .action(async (files: string[], options: { force?: boolean }) => {
      if (files.length !== 1) {
        throw new UsageError(
          `requires 1 argument but received ${files.length}.\nUsage: ${usage} <path-to-policy.json>\nPlease specify a trust policy ${locationWord} location as the argument`,
        );
      }
      const paths = notationPaths(context);
      const write = { force: Boolean(options.force), confirm: (prompt: string) => askForConfirmation(context, prompt) };
      const source = resolvePath(context, files[0]!);
      print(context, kind === 'oci' ? await importOCITrustPolicy(paths, source, write) : await importBlobTrustPolicy(paths, source, write));
    });

  group
    .command('show')
    .description(`Show ${what} trust policy configuration`)
    .action(async () => {
      const paths = notationPaths(context);
      const shown = kind === 'oci' ? await showOCITrustPolicy(paths) : await showBlobTrustPolicy(paths);
      for (const warning of shown.warnings) context.stderr.write(`${warning}\n`);
      if (shown.error) {
        context.stderr.write(`${shown.invalidHint ?? ''}\n`);
        context.stdout.write(Buffer.from(shown.content).toString('utf8'));
        throw shown.error;
      }
      context.stdout.write(Buffer.from(shown.content).toString('utf8'));
    });

  const init = group
    .command('init')
    .description(`Initialize ${what} trust policy configuration`)
    .usage(`[flags] --name <policy_name>${kind === 'oci' ? ' --registry-scope <scope>' : ''} --trust-store "<store_type>:<store_name>" --trusted-identity "<trusted_identity>"`)
    .option('-n, --name <policy_name>', `name of the ${what} trust policy`)
    .option('--trust-store <store>', 'trust store in the format "<store_type>:<store_name>"', collect)
    .option(
      '--trusted-identity <identity>',
      'trusted identity, use the format "x509.subject:<subject_of_signing_certificate>" for x509 CA scheme and "<signing_authority_identity>" for x509 signingAuthority scheme',
      collect,
    )
    .option('--force', `override the existing ${what} trust policy configuration, never prompt (default --force=false)`);
  if (kind === 'oci') {
    init
      .option('--registry-scope <scope>', 'registry scope, "<registry>/<repository>" or "*"', collect)
      .option('--level <level>', 'verification level: strict, permissive, audit or skip', 'strict');
  } else {
    init.option('--global', 'set the policy as the global policy (default --global=false)');
  }
  init.action(
    async (options: {
      name?: string;
      trustStore?: string[];
      trustedIdentity?: string[];
      registryScope?: string[];
      level?: string;
      force?: boolean;
      global?: boolean;
    }) => {
      requireFlags(options as Record<string, unknown>, kind === 'oci' ? ['name', 'registry-scope', 'trust-store', 'trusted-identity'] : ['name', 'trust-store', 'trusted-identity']);
      const paths = notationPaths(context);
      const common = {
        name: options.name ?? '',
        trustStores: options.trustStore ?? [],
        trustedIdentities: options.trustedIdentity ?? [],
        force: Boolean(options.force),
        confirm: (prompt: string) => askForConfirmation(context, prompt),
      };
      if (kind === 'oci') {
        const level = options.level ?? 'strict';
        if (!isVerificationLevelName(level)) throw new UsageError(`invalid verification level "${level}": use strict, permissive, audit or skip`);
        print(context, await initOCITrustPolicy(paths, { ...common, registryScopes: options.registryScope ?? [], level }));
      } else {
        print(context, await initBlobTrustPolicy(paths, { ...common, global: Boolean(options.global) }));
      }
    },
  );
}
