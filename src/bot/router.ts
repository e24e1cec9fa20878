/**
 * Interactions → handlers: slash commands (and their autocomplete) by `data.name`, buttons by
 * custom id.
 * Every failure is answered (ephemeral when nothing was said yet) with a message meant for
 * users — never a stack trace — and logged through the redacting logger.
 */
import { Events, MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { pieceButtons } from './compose/buttons.js';
import { retryButtons } from './compose/retry.js';
import type { BotContext, ButtonHandler, SlashCommand } from './context.js';
import { isExpectedError, userMessage } from './errors.js';

/** Answers a failed interaction in whatever state it is in. */
export async function answerWithError(interaction: RepliableInteraction, error: unknown): Promise<void> {
  const content = userMessage(error);
  if (interaction.deferred && !interaction.replied) await interaction.editReply({ content, embeds: [], components: [], files: [] });
  else if (interaction.replied) await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
  else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
}

/** Buttons that are not a slash command's own: the first whose `matches` is true handles a click. */
export const BUTTONS: readonly ButtonHandler[] = [pieceButtons, retryButtons];

export function createRouter(context: BotContext, commands: readonly SlashCommand[], buttons: readonly ButtonHandler[] = BUTTONS) {
  const byName = new Map(commands.map((command) => [command.data.name, command]));

  async function dispatch(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand()) {
      const command = byName.get(interaction.commandName);
      if (!command) {
        await interaction.reply({ content: `/${interaction.commandName} is not available on this bot yet.`, flags: MessageFlags.Ephemeral });
        return;
      }
      await command.execute(interaction, context);
    } else if (interaction.isAutocomplete()) {
      const command = byName.get(interaction.commandName);
      if (command?.autocomplete) await command.autocomplete(interaction, context);
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
