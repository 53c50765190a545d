/**
 * `key`: add | list/ls | update/set | delete, as notaryproject/notation cmd/notation/key.go, over
 * src/config's signingkeys.json operations. Local keys come from `certificate generate-test`;
 * `key add` registers plugin-backed keys, which Portcullis cannot sign with, so it refuses them.
 */
import type { Command } from 'commander';
import { deleteSigningKeys, listSigningKeys, updateDefaultSigningKey } from '../../config/index.js';
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { addLoggingOptions, notationPaths, requireFlags } from '../notation/common.js';
import { tabwrite } from '../notation/tabwriter.js';

export function registerKey(program: Command, context: CliContext): void {
  const key = program.command('key').description('Manage keys used for signing');

  addLoggingOptions(
    key
      .command('add')
      .description('Add key to Notation signing key list')
      .usage('--plugin <plugin_name> [flags] <key_name>')
      .argument('[key_name...]')
      .option('--plugin <plugin_name>', 'signing plugin name')
      .option('--id <key_id>', 'key id (required if --plugin is set)')
      .option('--plugin-config <key=value>', '{key}={value} pairs that are passed as it is to a plugin, refer plugin\'s documentation to set appropriate values', (v: string, p: string[] = []) => [...p, v])
      .option('--default', 'mark as default'),
  ).action(async (names: string[], options: { plugin?: string }) => {
    if (names.length !== 1) throw new UsageError('either missing key name or unnecessary parameters passed');
    requireFlags(options as Record<string, unknown>, ['plugin']);
    throw new UsageError(
      `failed to add key ${names[0]}: plugin "${options.plugin}" cannot be used: Portcullis does not support signing plugins; use "certificate generate-test" for a local test key`,
    );
  });

  addLoggingOptions(
    key
      .command('update')
      .alias('set')
      .description('Update key in Notation signing key list')
      .usage('[flags] <key_name>')
      .argument('[key_name...]')
      .option('--default', 'mark as default'),
  ).action(async (names: string[], options: { default?: boolean; debug?: boolean; verbose?: boolean }) => {
    if (names.length === 0) throw new UsageError('missing key name');
    const name = names[0]!;
    if (!options.default) {
      if (options.debug || options.verbose) context.stderr.write('Warning: --default flag is not set, command did not take effect\n');
      return;
    }
    await updateDefaultSigningKey(notationPaths(context), name);
    context.stdout.write(`${name}: marked as default\n`);
  });

  key
    .command('list')
    .alias('ls')
    .description('List keys used for signing')
    .action(async () => {
      const signingKeys = await listSigningKeys(notationPaths(context));
      const rows = (signingKeys.keys ?? []).map((k) => [
        signingKeys.default !== null && k.name === signingKeys.default ? `* ${k.name}` : k.name,
        k.keyPath,
        k.certPath,
        k.id,
        k.pluginName,
      ]);
      context.stdout.write(tabwrite([['NAME', 'KEY PATH', 'CERTIFICATE PATH', 'ID', 'PLUGIN NAME'], ...rows]));
    });

  addLoggingOptions(
    key.command('delete').description('Remove key from Notation signing key list').usage('[flags] <key_name>...').argument('[key_name...]'),
  ).action(async (names: string[]) => {
    if (names.length === 0) throw new UsageError('missing key names');
    const { deleted, previousDefault } = await deleteSigningKeys(notationPaths(context), names);
    if (deleted.length === 1) {
      const name = deleted[0]!;
      context.stdout.write(
        name === previousDefault
          ? `Removed default key ${name} from Notation signing key list. The source key still exists.\n`
          : `Removed ${name} from Notation signing key list. The source key still exists.\n`,
      );
    } else if (deleted.length > 1) {
      context.stdout.write('Removed the following keys from Notation signing key list. The source keys still exist.\n');
      for (const name of deleted) context.stdout.write(name === previousDefault ? `${name} (default)\n` : `${name}\n`);
    }
  });
}
