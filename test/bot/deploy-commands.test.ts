/**
 * The registered slash commands are a documented contract (docs/bot.md): the body that
 * `deploy-commands` sends must stay exactly what it was. The fixture was captured from the bot
 * before commands became modules; change it only together with the contract.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandPayloads } from '../../src/bot/commands/index.js';

const fixture: unknown = JSON.parse(readFileSync(new URL('./fixtures/deploy-commands.json', import.meta.url), 'utf8'));

describe('deploy-commands body', () => {
  it('equals the captured contract', () => {
    expect(JSON.parse(JSON.stringify(commandPayloads()))).toEqual(fixture);
  });
});
