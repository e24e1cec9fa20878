/**
 * The "Try again" button under a compose that a restart cut short: runs its stored request anew
 * (a new take, as Re-roll makes one), answered like any compose. Each offer works once.
 */
import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { claimInterruptedJob } from '../../db/index.js';
import type { BotContext, ButtonHandler } from '../context.js';
import { COMPOSE_PERMISSIONS, missingPermissionMessage, missingPermissions } from '../permissions.js';
import { isRetryButton, parseRetryButtonId, requestFromJson } from './interrupted.js';
import { composeForInteraction } from './service.js';

const GONE = 'This request can no longer be retried — use /compose to ask again.';

export async function handleRetryButton(interaction: ButtonInteraction, context: BotContext): Promise<void> {
  const id = parseRetryButtonId(interaction.customId);
  const missing = missingPermissions(interaction.appPermissions, COMPOSE_PERMISSIONS);
  if (missing.length > 0) {
    await interaction.reply({ content: missingPermissionMessage(missing, 'post a piece in this channel'), flags: MessageFlags.Ephemeral });
    return;
  }
  const row = id === undefined ? undefined : await claimInterruptedJob(context.db.prisma, id);
  const stored = row ? requestFromJson(row.request) : undefined;
  if (!stored) {
    await interaction.reply({ content: GONE, flags: MessageFlags.Ephemeral });
    return;
  }
  // As with the piece buttons, the new take plays only if the clicker sits in a voice channel.
  const play = stored.play && Boolean(interaction.guild?.voiceStates.cache.get(interaction.user.id)?.channelId);
  await composeForInteraction(context, interaction, { ...stored, play });
}

export const retryButtons: ButtonHandler = { matches: isRetryButton, execute: handleRetryButton };
