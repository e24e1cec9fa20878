/**
 * Interactions → handlers: slash commands by name (handlers.ts), buttons by custom-id prefix.
 * Every failure is answered (ephemeral when nothing was said yet) with a message meant for
 * users — never a stack trace — and logged through the redacting logger.
 */
import { Events, MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import type { BotContext, SlashCommandHandler } from './context.js';
import { isExpectedError, userMessage } from './errors.js';
import { buttonHandlers, type ButtonHandler } from './handlers.js';

/** Answers a failed interaction in whatever state it is in. */
export async function answerWithError(interaction: RepliableInteraction, error: unknown): Promise<void> {
  const content = userMessage(error);
  if (interaction.deferred && !interaction.replied) await interaction.editReply({ content, embeds: [], components: [], files: [] });
  else if (interaction.replied) await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
  else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
}

export function createRouter(context: BotContext, handlers: readonly SlashCommandHandler[], buttons: readonly ButtonHandler[] = buttonHandlers) {
  const byName = new Map(handlers.map((handler) => [handler.name, handler]));

  async function dispatch(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand()) {
      const handler = byName.get(interaction.commandName);
      if (!handler) {
        await interaction.reply({ content: `/${interaction.commandName} is not available on this bot yet.`, flags: MessageFlags.Ephemeral });
        return;
      }
      await handler.execute(interaction, context);
    } else if (interaction.isButton()) {
      const route = buttons.find((r) => r.matches(interaction.customId));
      if (route) await route.execute(interaction, context);
    }
  }

  const listener = (interaction: Interaction) => {
    const log = context.logger.child({ interaction: interaction.id, user: interaction.user.id, guild: interaction.guildId });
    dispatch(interaction).catch(async (error: unknown) => {
      if (isExpectedError(error)) log.info({ reason: (error as Error).message }, 'refused');
      else log.error({ err: error, command: interaction.isCommand() ? interaction.commandName : undefined }, 'interaction failed');
      if (!interaction.isRepliable()) return;
      await answerWithError(interaction, error).catch((e: unknown) => log.warn({ err: e }, 'could not answer the interaction'));
    });
  };
  return {
    attach: () => context.client.on(Events.InteractionCreate, listener),
    detach: () => context.client.off(Events.InteractionCreate, listener),
  };
}
