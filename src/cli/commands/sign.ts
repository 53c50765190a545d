import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { CertificateCache } from '../../pki/index.js';
import { sign } from '../../sign/index.js';
import type { CliContext } from '../context.js';
import { expiryMilliseconds, resolveSigner, signatureFormat, signingAgent, signingTimestamper } from '../notation/signing.js';
import {
  acceptGoBooleans,
  collect,
  experimentalNotice,
  flagSet,
  mutuallyExclusive,
  notationLogger,
  notationPaths,
  openNotationTarget,
  type NotationTargetFlags,
  parseFlagMap,
  requireTogether,
  resolveNotationTarget,
} from '../notation-shell.js';
import type { CommandModule } from './index.js';

interface SignFlags extends NotationTargetFlags {
  readonly key?: string;
  readonly signatureFormat?: string;
  readonly expiry?: string;
  readonly id?: string;
  readonly plugin?: string;
  readonly forceReferrersTag?: boolean;
  readonly timestampUrl?: string;
  readonly timestampRootCert?: string;
}

/** `portcullis sign <reference>`: Notation v1.3.2's `notation sign`, local keys only. */
export const registerSign: CommandModule = (program, context) => {
  const command = program
    .command('sign')
    .description('Sign an OCI artifact and push the signature next to it (Notation-compatible)')
    .argument('<reference>', '<registry>/<repository>{:<tag>|@<digest>}, or with --oci-layout <dir>{:<tag>|@<digest>}')
    .option('-k, --key <name>', 'signing key name from signingkeys.json (default: the default key)')
    .option('--signature-format <format>', 'signature envelope format: jws or cose (default: config.json signatureFormat, else jws)')
    .option('-e, --expiry <duration>', 'signature validity after signing, as a Go duration: 24h, 30m, 3h20m')
    .option('-m, --user-metadata <key=value>', 'metadata signed into the payload (repeatable)', collect)
    .option('--oci-layout', 'the reference is an OCI image layout directory')
    .addOption(new Option('--force-referrers-tag', 'also index the signature in the referrers tag schema (Notation v1.3 default); =false: Referrers API when the registry has it').default(true))
    .addOption(new Option('--no-force-referrers-tag', 'use the Referrers API when the registry has it, else the tag schema').hideHelp())
    .addOption(new Option('--allow-referrers-api', 'deprecated').hideHelp())
    .addOption(new Option('--no-allow-referrers-api').hideHelp())
    .option('--timestamp-url <url>', 'RFC 3161 Timestamping Authority (TSA) server URL')
    .option('--timestamp-root-cert <file>', 'root certificate of the timestamp authority')
    .addOption(new Option('--plugin-config <key=value>', 'plugin configuration (plugin keys only)').argParser(collect))
    .addOption(new Option('--id <key-id>', 'key id of a plugin key').hideHelp())
    .addOption(new Option('--plugin <name>', 'signing plugin').hideHelp())
    .option('--insecure-registry', 'use plain HTTP to the registry')
    .option('-u, --username <name>', 'registry username (default: $NOTATION_USERNAME)')
    .option('-p, --password <secret>', 'registry password or identity token (default: $NOTATION_PASSWORD)')
    .option('-d, --debug', 'debug output')
    .option('-v, --verbose', 'verbose output');
  acceptGoBooleans(command, ['force-referrers-tag', 'allow-referrers-api', 'oci-layout', 'insecure-registry', 'debug', 'verbose']);
  command.action(async (reference: string, flags: SignFlags, self: Command) => runSign(reference, flags, self, context));
};

/** Parsed certificates (TSA roots and chains) stay cached across runs of one process. */
const certificateCache = new CertificateCache();

async function runSign(raw: string, flags: SignFlags, command: Command, context: CliContext): Promise<void> {
  const isSet = flagSet(command);
  experimentalNotice(context, Boolean(flags.ociLayout) || isSet('allow-referrers-api'));
  mutuallyExclusive(['oci-layout', 'force-referrers-tag', 'allow-referrers-api'], isSet);
  requireTogether(['timestamp-url', 'timestamp-root-cert'], isSet);
  requireTogether(['id', 'plugin'], isSet);
  mutuallyExclusive(['key', 'id'], isSet);
  mutuallyExclusive(['key', 'plugin'], isSet);
  if (isSet('timestamp-url')) {
    if (!flags.timestampUrl) throw new UsageError('timestamping: tsa url cannot be empty');
    if (!flags.timestampRootCert) throw new UsageError('timestamping: tsa root certificate path cannot be empty');
  }
  let forceReferrersTag = flags.forceReferrersTag ?? true;
  if (isSet('allow-referrers-api')) {
    if (flags.allowReferrersApi) {
      context.stderr.write(
        "Warning: flag '--allow-referrers-api' is deprecated and will be removed in future versions, use '--force-referrers-tag=false' instead.\n",
      );
      forceReferrersTag = false;
    } else {
      context.stderr.write("Warning: flag '--allow-referrers-api' is deprecated and will be removed in future versions.\n");
    }
  }
  const log = notationLogger(context, flags);
  const paths = notationPaths(context);

  const signer = await resolveSigner(flags, paths, context);
  const target = await openNotationTarget(raw, { ...flags, forceReferrersTag: forceReferrersTag && !flags.ociLayout }, context, paths, log);
  try {
    const format = await signatureFormat(flags, paths);
    const expiry = expiryMilliseconds(flags.expiry);
    parseFlagMap(flags.pluginConfig, 'plugin-config');
    const userMetadata = parseFlagMap(flags.userMetadata, 'user-metadata');
    const timestamper = await signingTimestamper(flags, context, paths, log, certificateCache);
    const descriptor = await resolveNotationTarget(target, log, (tag) => {
      context.stderr.write(
        `Warning: Always sign the artifact using digest(@sha256:...) rather than a tag(:${tag}) because tags are mutable and a tag reference can point to a different artifact than the one signed.\n`,
      );
    });
    const result = await sign(target.storage, descriptor, {
      signer,
      format,
      expiry,
      userMetadata,
      signingAgent: signingAgent(),
      clock: { now: () => Date.now() },
      ...(timestamper && { timestamper }),
      // Notation v1.3.2 finds signatures in a layout by walking `subject` links and recognises only
      // its own manifest form there; in registries both forms are found through the referrers index.
      manifestStyle: target.kind === 'oci-layout' ? 'configMediaType' : 'artifactType',
      logger: log,
    });
    context.stdout.write(`Successfully signed ${target.name}@${result.artifact.digest}\n`);
    // Notation v1.3.2 prints only the line above; v2 adds this one, and scripts written for v2 look for it.
    context.stdout.write(`Pushed the signature to ${target.name}@${result.signatureManifest.digest}\n`);
  } finally {
    await target.close();
  }
}

