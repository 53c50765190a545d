import { Option, type Command } from 'commander';
import { createFileSystemTrustStore, loadOCITrustPolicy, type NotationPaths } from '../../config/index.js';
import { UsageError, VerificationError } from '../../errors.js';
import { CertificateCache } from '../../pki/index.js';
import { Verifier, createTimestampVerifier, isTrustStoreFailure, outcomeOf, type CheckResult, type VerificationOutcome } from '../../verify/index.js';
import type { CliContext } from '../context.js';
import { notationRevocationChecker, notationRevocationPorts } from '../notation/network.js';
import { printJson } from '../output.js';
import {
  acceptGoBooleans,
  collect,
  experimentalNotice,
  flagSet,
  notationLogger,
  type LevelLogger,
  notationPaths,
  openNotationTarget,
  type NotationTargetFlags,
  parseFlagMap,
  requireTogether,
  resolveNotationTarget,
} from '../notation-shell.js';
import type { CommandModule } from './index.js';

interface VerifyFlags extends NotationTargetFlags {
  readonly scope?: string;
  readonly maxSignatures: string;
  readonly output: 'text' | 'json';
}

/** `portcullis verify <reference>`: Notation v1.3.2's `notation verify`, plus `-o json` with per-check outcomes. */
export const registerVerify: CommandModule = (program, context) => {
  const command = program
    .command('verify')
    .description('Verify the signatures of an OCI artifact against the trust policy and trust store (Notation-compatible)')
    .argument('<reference>', '<registry>/<repository>{:<tag>|@<digest>}, or with --oci-layout <dir>{:<tag>|@<digest>}')
    .option('--oci-layout', 'the reference is an OCI image layout directory (needs --scope)')
    .option('--scope <registry-scope>', 'trust policy registry scope to verify an OCI layout artifact under')
    .option('-m, --user-metadata <key=value>', 'metadata that must be signed into the payload (repeatable)', collect)
    .addOption(new Option('--plugin-config <key=value>', 'verification plugin configuration').argParser(collect))
    .option('--max-signatures <n>', 'maximum number of signatures to evaluate', '100')
    .addOption(new Option('--allow-referrers-api', 'deprecated').hideHelp())
    .addOption(new Option('--no-allow-referrers-api').hideHelp())
    .option('--insecure-registry', 'use plain HTTP to the registry')
    .option('-u, --username <name>', 'registry username (default: $NOTATION_USERNAME)')
    .option('-p, --password <secret>', 'registry password or identity token (default: $NOTATION_PASSWORD)')
    .addOption(new Option('-o, --output <format>', 'output format: text, or json with every check of every signature examined').choices(['text', 'json']).default('text'))
    .option('-d, --debug', 'debug output')
    .option('-v, --verbose', 'verbose output');
  acceptGoBooleans(command, ['allow-referrers-api', 'oci-layout', 'insecure-registry', 'debug', 'verbose']);
  command.action(async (reference: string, flags: VerifyFlags, self: Command) => runVerify(reference, flags, self, context));
};

/** Parsed certificates stay cached across verifications of one process (tests, embedders calling main repeatedly). */
const certificateCache = new CertificateCache();

async function runVerify(raw: string, flags: VerifyFlags, command: Command, context: CliContext): Promise<void> {
  const isSet = flagSet(command);
  experimentalNotice(context, isSet('oci-layout') || isSet('scope') || isSet('allow-referrers-api'));
  requireTogether(['oci-layout', 'scope'], isSet);
  const maxSignatures = Number(flags.maxSignatures);
  if (!/^[+-]?\d+$/.test(flags.maxSignatures.trim()) || !Number.isSafeInteger(maxSignatures)) {
    throw new UsageError(`invalid argument "${flags.maxSignatures}" for "--max-signatures" flag: strconv.ParseInt: parsing "${flags.maxSignatures}": invalid syntax`);
  }
  if (maxSignatures <= 0) throw new UsageError(`max-signatures value ${maxSignatures} must be a positive number`);
  if (isSet('allow-referrers-api')) {
    context.stderr.write("Warning: flag '--allow-referrers-api' is deprecated and will be removed in future versions.\n");
  }
  const log = notationLogger(context, flags);
  const paths = notationPaths(context);

  // Notation builds its verifier (revocation validators, then the trust policy) before touching the registry.
  const ports = await notationVerifierPorts(context, paths, log, certificateCache);
  const policy = await loadOCITrustPolicy(paths);
  const verifier = new Verifier({ trustPolicy: policy.document, ...ports });
  parseFlagMap(flags.pluginConfig, 'plugin-config');
  const userMetadata = parseFlagMap(flags.userMetadata, 'user-metadata');

  const target = await openNotationTarget(raw, flags, context, paths, log);
  try {
    const descriptor = await resolveNotationTarget(target, log, (tag) => {
      context.stderr.write(
        `Warning: Always verify the artifact using digest(@sha256:...) rather than a tag(:${tag}) because resolved digest may not point to the same signed artifact, as tags are mutable.\n`,
      );
    });
    const resolvedReference = `${target.name}@${descriptor.digest}`;
    const scope = flags.ociLayout ? flags.scope! : target.name;
    let outcome: VerificationOutcome;
    try {
      outcome = await verifier.verify(target.storage, { scope, reference: descriptor }, { userMetadata, maxSignatures, logger: log });
    } catch (error) {
      if (flags.output === 'json') {
        const failed = outcomeOf(error);
        printJson(context.stdout, {
          reference: resolvedReference,
          ...(failed ?? { verified: false }),
          error: { code: (error as VerificationError).code, message: (error as Error).message },
        });
      }
      throw failureFor(error, resolvedReference);
    }
    if (flags.output === 'json') {
      printJson(context.stdout, { reference: resolvedReference, ...outcome });
      return;
    }
    reportVerified(outcome, resolvedReference, context);
  } finally {
    await target.close();
  }
}

/**
 * What `verify` and `blob verify` give their verifier besides the trust policy: the file system
 * trust store, the wall clock, Notation's revocation validators (built first, as Notation does)
 * and the RFC 3161 timestamp verifier.
 */
export async function notationVerifierPorts(context: CliContext, paths: NotationPaths, log: LevelLogger, certificateCache: CertificateCache) {
  const revocationChecker = notationRevocationChecker(await notationRevocationPorts(context, paths, log), certificateCache);
  return {
    trustStore: createFileSystemTrustStore(paths),
    clock: { now: () => Date.now() },
    certificateCache,
    revocationChecker,
    timestampVerifier: createTimestampVerifier({ certificateCache }),
  };
}

/**
 * Notation's `parseErrorOnVerificationFailure` for trust store problems: an enforced check that
 * failed on a trust store is reported with its hint (`Use command 'notation cert add' …` for a
 * missing store, else the underlying file error).
 */
export function trustStoreFailureMessage(checks: readonly CheckResult[]): string | undefined {
  const storeFailure = checks.find((check) => check.status === 'failed' && check.action === 'enforce' && isTrustStoreFailure(check.errorCode));
  if (storeFailure === undefined) return undefined;
  const hint =
    storeFailure.errorCode === 'ERR_TRUST_STORE_NOT_FOUND' ? "Use command 'notation cert add' to create and add trusted certificates to the trust store" : storeFailure.errorDetail;
  return hint === undefined ? storeFailure.error! : `${storeFailure.error!}. ${hint}`;
}

/** Notation's `checkVerificationFailure`: what the user is told when no signature passed. */
function failureFor(error: unknown, resolvedReference: string): Error {
  if (!(error instanceof VerificationError)) return error as Error;
  if (error.code === 'ERR_VERIFY_FAILED' || error.code === 'ERR_VERIFY_LIMIT_EXCEEDED') {
    const outcome = outcomeOf(error);
    const storeFailure = trustStoreFailureMessage(outcome?.signatures.flatMap((signature) => signature.checks) ?? []);
    if (storeFailure !== undefined) return new Error(storeFailure, { cause: error });
    return new Error(`signature verification failed for all the signatures associated with ${resolvedReference}`, { cause: error });
  }
  return new Error(`signature verification failed: ${error.message}`, { cause: error });
}

/**
 * What `verify` and `blob verify` print for an accepted artifact: warnings on stderr, then the
 * skip or success line and any signed user metadata. `blob verify` puts a blank line on stdout
 * after warnings.
 */
export function reportVerified(
  outcome: Pick<VerificationOutcome, 'warnings' | 'skipped' | 'userMetadata'>,
  resolvedReference: string,
  context: CliContext,
  options: { readonly blankLineAfterWarnings?: boolean } = {},
): void {
  for (const warning of outcome.warnings) context.stderr.write(`Warning: ${warning}\n`);
  if (options.blankLineAfterWarnings === true && outcome.warnings.length > 0) context.stdout.write('\n');
  if (outcome.skipped) {
    context.stdout.write(`Trust policy is configured to skip signature verification for ${resolvedReference}\n`);
    return;
  }
  context.stdout.write(`Successfully verified signature for ${resolvedReference}\n`);
  const metadata = Object.entries(outcome.userMetadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (metadata.length > 0) {
    context.stdout.write('\nThe artifact was signed with the following user metadata.\n');
    context.stdout.write(`\n${tabulate([['KEY', 'VALUE'], ...metadata])}`);
  }
}

/** Go's tabwriter with padding 3 and every cell tab-terminated, as Notation's `PrintMetadataMap` uses it. */
export function tabulate(rows: readonly (readonly string[])[]): string {
  const width = (text: string) => [...text].length;
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) => Math.max(...rows.map((row) => width(row[column] ?? ''))) + 3);
  return rows.map((row) => `${row.map((cell, column) => cell + ' '.repeat(widths[column]! - width(cell))).join('')}\n`).join('');
}
