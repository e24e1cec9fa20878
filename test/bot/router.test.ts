/** The router with stand-in interactions: dispatch by `data.name`, unknown commands, failures. */
import { EventEmitter } from 'node:events';
import { Events, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { describe, expect, it, vi } from 'vitest';
import type { BotContext, SlashCommand } from '../../src/bot/context.js';
import { createRouter } from '../../src/bot/router.js';
import { InvalidInputError } from '../../src/util/errors.js';

function world(commands: readonly SlashCommand[]) {
  const client = new EventEmitter();
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn() };
  const context = { client, logger: { ...logger, child: () => logger } } as unknown as BotContext;
  createRouter(context, commands, []).attach();
  return { client, logger };
}

function chatInput(commandName: string) {
  const replies: unknown[] = [];
  const interaction = {
    id: '1',
    user: { id: '2' },
    guildId: '3',
    commandName,
    deferred: false,
    replied: false,
    isChatInputCommand: () => true,
    isCommand: () => true,
    isAutocomplete: () => false,
    isButton: () => false,
    isRepliable: () => true,
    reply: vi.fn(async (payload: unknown) => void replies.push(payload)),
  };
  return { interaction, replies };
}

/** Lets the listener's promise chain (dispatch, then the error answer) settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const command = (name: string, execute: SlashCommand['execute']): SlashCommand => ({
  data: new SlashCommandBuilder().setName(name).setDescription('test'),
  execute,
});

describe('createRouter', () => {
  it('answers an unknown command that it is not available, only to the caller', async () => {
    const { client } = world([]);
    const { interaction, replies } = chatInput('nope');
    client.emit(Events.InteractionCreate, interaction);
    await settle();
    expect(replies).toEqual([{ content: '/nope is not available on this bot yet.', flags: MessageFlags.Ephemeral }]);
  });

  it('dispatches by the module’s data.name', async () => {
    const hello = vi.fn(async () => undefined);
    const other = vi.fn(async () => undefined);
    const { client } = world([command('other', other), command('hello', hello)]);
    const { interaction } = chatInput('hello');
    client.emit(Events.InteractionCreate, interaction);
    await settle();
    expect(hello).toHaveBeenCalledOnce();
    expect(other).not.toHaveBeenCalled();
  });

  it('answers a refused command with its message, ephemerally', async () => {
    const { client, logger } = world([command('hello', async () => Promise.reject(new InvalidInputError('`tempo` must be at most 300')))]);
    const { interaction, replies } = chatInput('hello');
    client.emit(Events.InteractionCreate, interaction);
    await settle();
    expect(replies).toEqual([{ content: expect.stringContaining('`tempo` must be at most 300'), flags: MessageFlags.Ephemeral }]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('hands autocomplete to the command that owns it', async () => {
    const autocomplete = vi.fn(async () => undefined);
    const { client } = world([{ ...command('hello', async () => undefined), autocomplete }]);
    const { interaction } = chatInput('hello');
    client.emit(Events.InteractionCreate, { ...interaction, isChatInputCommand: () => false, isAutocomplete: () => true, isRepliable: () => false });
    await settle();
    expect(autocomplete).toHaveBeenCalledOnce();
  });
});
