/**
 * /queue, /skip, /stop, /pause, /resume, /leave. Anyone may look at the queue; only members of
 * the bot's voice channel control playback. Refusals are ephemeral; actions are announced in the
 * channel so the other listeners see who did what.
 */
import type { ChatInputCommandInteraction } from 'discord.js';
import type { BotContext, SlashCommandHandler } from '../context.js';
import type { GuildPlayer } from './guild-player.js';
import { describeQueue, formatDuration, safeTitle } from './queue-view.js';
import { memberVoiceChannelId, respond } from './respond.js';
import { channelMention, checkControl, type PlaybackSnapshot, type VoiceControlCommand } from './rules.js';

export function snapshotOf(player: GuildPlayer | undefined): PlaybackSnapshot {
  if (!player || player.isDestroyed) return { botChannelId: undefined, playing: false, paused: false, queued: 0 };
  return { botChannelId: player.channelId, playing: player.nowPlaying !== undefined, paused: player.paused, queued: player.upcoming.length };
}

const title = (player: GuildPlayer): string => (player.nowPlaying ? `**${safeTitle(player.nowPlaying.title)}**` : 'the piece');

/** What each control command does once allowed; returns the public announcement. */
const ACTIONS: Record<VoiceControlCommand, (player: GuildPlayer, userId: string, context: BotContext) => Promise<string>> = {
  async skip(player, userId) {
    const skipped = await player.skip();
    const next = player.nowPlaying;
    const after = next ? ` Now playing **${safeTitle(next.title)}**.` : ' The queue is empty.';
    return `⏭️ <@${userId}> skipped **${safeTitle(skipped?.title ?? 'the piece')}**.${after}`;
  },
  async stop(player, userId, context) {
    const dropped = await player.stop();
    const idle = formatDuration((context.players.options.idleTimeoutMs ?? 0) / 1000);
    return `⏹️ <@${userId}> stopped playback and cleared the queue (${dropped} piece${dropped === 1 ? '' : 's'}). I leave after ${idle} of silence, or use /leave.`;
  },
  async pause(player, userId) {
    const name = title(player);
    await player.pause();
    return `⏸️ <@${userId}> paused ${name} — /resume continues it.`;
  },
  async resume(player, userId) {
    await player.resume();
    return `▶️ <@${userId}> resumed ${title(player)}.`;
  },
  async leave(player, userId) {
    const channelId = player.channelId;
    const dropped = player.upcoming.length + (player.nowPlaying ? 1 : 0);
    player.destroy('command');
    const cleared = dropped > 0 ? ` and cleared the queue (${dropped} piece${dropped === 1 ? '' : 's'})` : '';
    return `👋 <@${userId}> sent me out of ${channelId ? channelMention(channelId) : 'the voice channel'}${cleared}.`;
  },
};

function controlHandler(name: VoiceControlCommand): SlashCommandHandler {
  return {
    name,
    async execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
      const guild = interaction.guild;
      if (!guild) return respond(interaction, 'This command works in a server, not in direct messages.', { ephemeral: true });
      const player = context.players.get(guild.id);
      const verdict = checkControl(name, snapshotOf(player), memberVoiceChannelId(interaction));
      if (!verdict.ok || !player) return respond(interaction, verdict.ok ? 'Nothing is playing.' : verdict.reason, { ephemeral: true });
      const announcement = await ACTIONS[name](player, interaction.user.id, context);
      context.logger.info({ guildId: guild.id, userId: interaction.user.id, command: name }, 'voice: control');
      await respond(interaction, announcement);
    },
  };
}

const queueHandler: SlashCommandHandler = {
  name: 'queue',
  async execute(interaction, context) {
    const guild = interaction.guild;
    if (!guild) return respond(interaction, 'This command works in a server, not in direct messages.', { ephemeral: true });
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
  },
};

export const voiceCommandHandlers: SlashCommandHandler[] = [
  queueHandler,
  ...(['skip', 'stop', 'pause', 'resume', 'leave'] as const).map(controlHandler),
];
