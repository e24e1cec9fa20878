/**
 * Every slash command the router dispatches, by name (`commands/definitions.ts` registers the
 * same names), and every button family, by custom-id prefix. Adding a command = one import line
 * and one entry here.
 */
import type { ButtonInteraction } from 'discord.js';
import type { BotContext, SlashCommandHandler } from './context.js';
import { handlePieceButton } from './compose/buttons.js';
import { isPieceButton } from './compose/embed.js';
import { composeHandler } from './commands/compose.js';
import { modelHandler } from './commands/model.js';
import { pieceHandler } from './commands/piece.js';
import { retrainHandler } from './commands/retrain.js';
import { topHandler } from './commands/top.js';
import { voiceCommandHandlers } from './voice/commands.js';

export const slashCommandHandlers: readonly SlashCommandHandler[] = [composeHandler, topHandler, pieceHandler, retrainHandler, modelHandler, ...voiceCommandHandlers];

/** Buttons: the first whose `matches(customId)` is true handles the click. */
export interface ButtonHandler {
  readonly matches: (customId: string) => boolean;
  execute(interaction: ButtonInteraction, context: BotContext): Promise<void>;
}

/** Play, Variation, Continue and Re-roll under a piece (`piece:<action>:<id>`). */
export const buttonHandlers: readonly ButtonHandler[] = [{ matches: isPieceButton, execute: handlePieceButton }];
