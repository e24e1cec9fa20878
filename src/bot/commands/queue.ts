/** /queue: what is playing and what comes next (anyone may look). */
import type { ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { describeQueue } from '../voice/queue-view.js';
import { respond } from '../voice/respond.js';
import { serverCommand } from './builder.js';
import { NOT_IN_A_SERVER } from './voice-control.js';

export const data = serverCommand('queue', 'Show what is playing and what comes next');

export async function execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
  const guild = interaction.guild;
  if (!guild) return respond(interaction, NOT_IN_A_SERVER, { ephemeral: true });
  const player = context.players.get(guild.id);
  const live = player && !player.isDestroyed ? player : undefined;
  await respond(
    interaction,
    describeQueue({
      channelId: live?.channelId,
      current: live?.nowPlaying,
      elapsedSeconds: live?.elapsedSeconds ?? 0,
      paused: live?.paused ?? false,
      upcoming: live?.upcoming ?? [],
    }),
  );
}
