/**
 * What the voice commands share (/queue, /skip, /stop, /pause, /resume, /leave: one module each
 * next to this helper, which is not a command itself). Anyone may look at the queue; only members
 * of the bot's voice channel control playback. Refusals are ephemeral; actions are announced in
 * the channel so the other listeners see who did what.
 */
import type { ChatInputCommandInteraction } from 'discord.js';
import type { BotContext, SlashCommand } from '../context.js';
import type { GuildPlayer } from '../voice/guild-player.js';
import { safeTitle } from '../voice/queue-view.js';
import { memberVoiceChannelId, respond } from '../voice/respond.js';
import { checkControl, type PlaybackSnapshot, type VoiceControlCommand } from '../voice/rules.js';
import { serverCommand } from './builder.js';

export const NOT_IN_A_SERVER = 'This command works in a server, not in direct messages.';

export function snapshotOf(player: GuildPlayer | undefined): PlaybackSnapshot {
  if (!player || player.isDestroyed) return { botChannelId: undefined, playing: false, paused: false, queued: 0 };
  return { botChannelId: player.channelId, playing: player.nowPlaying !== undefined, paused: player.paused, queued: player.upcoming.length };
}

/** The playing piece's title, bold, for announcements. */
export const nowPlayingTitle = (player: GuildPlayer): string => (player.nowPlaying ? `**${safeTitle(player.nowPlaying.title)}**` : 'the piece');

/** What a control command does once allowed; returns the public announcement. */
export type VoiceControlAction = (player: GuildPlayer, userId: string, context: BotContext) => Promise<string>;

/**
 * A control command: `rules.ts` decides whether the caller may run it now (its name is the rule's
 * key), then `action` runs and its announcement is posted.
 */
export function voiceControlCommand(name: VoiceControlCommand, description: string, action: VoiceControlAction): SlashCommand {
  return {
    data: serverCommand(name, description),
    async execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
      const guild = interaction.guild;
      if (!guild) return respond(interaction, NOT_IN_A_SERVER, { ephemeral: true });
      const player = context.players.get(guild.id);
      const verdict = checkControl(name, snapshotOf(player), memberVoiceChannelId(interaction));
      if (!verdict.ok || !player) return respond(interaction, verdict.ok ? 'Nothing is playing.' : verdict.reason, { ephemeral: true });
      const announcement = await action(player, interaction.user.id, context);
      context.logger.info({ guildId: guild.id, userId: interaction.user.id, command: name }, 'voice: control');
      await respond(interaction, announcement);
    },
  };
}
