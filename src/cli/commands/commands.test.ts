import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { memoryContext } from '../context.js';
import { COMMANDS } from './index.js';

describe('the lazy command table', () => {
  for (const entry of COMMANDS) {
    it(`${entry.names[0]} registers exactly ${entry.names.join(', ')}`, async () => {
      const program = new Command('portcullis');
      (await entry.load())(program, memoryContext());
      const registered = program.commands.flatMap((command) => [command.name(), ...command.aliases()]);
      assert.deepEqual(registered.sort(), [...entry.names].sort());
    });
  }

  it('names every command once', () => {
    const names = COMMANDS.flatMap((entry) => entry.names);
    assert.equal(new Set(names).size, names.length);
  });
});
