/**
 * Play a composed piece in the caller's voice channel: the bot core calls `playPiece` for the
 * Play button and for /compose with `play`. Every path answers the interaction; a refusal or a
 * failure is one ephemeral sentence, never a stack trace.
 */
import { PermissionFlagsBits, PermissionsBitField, type Guild, type VoiceBasedChannel } from 'discord.js';
import type { BotContext } from '../context.js';
import { errorMessage } from '../../util/errors.js';
import { DEFAULT_MAX_QUEUE_LENGTH, VoiceQueueFullError, type GuildPlayer, type QueueItem } from './guild-player.js';
import { updateAlone, watchVoicePresence } from './presence.js';
import { describeEnqueued } from './queue-view.js';
import { memberVoiceChannelId, respond, type VoiceInteraction } from './respond.js';
import { channelMention, checkPlayRequest } from './rules.js';

export type PlayOutcome =
  /** `position` 0 = playing now, n = n-th in the queue. */
  | { readonly status: 'queued'; readonly position: number; readonly channelId: string }
  /** The caller cannot play here (not in voice, bot busy elsewhere, queue full, permissions). */
  | { readonly status: 'refused'; readonly reason: string }
  /** Joining the channel failed. */
  | { readonly status: 'failed'; readonly reason: string };

/** What the bot needs in a voice channel to play, with the names Discord shows. */
const VOICE_PERMISSIONS = [
  [PermissionFlagsBits.ViewChannel, 'View Channel'],
  [PermissionFlagsBits.Connect, 'Connect'],
  [PermissionFlagsBits.Speak, 'Speak'],
] as const;

/**
 * Joins the caller's voice channel (moving there if the bot is idle elsewhere), enqueues the
 * piece and answers with its place in the queue. A fresh interaction is deferred first (the
 * voice handshake can outlast Discord's 3 s); a deferred or answered one gets a follow-up, so
 * call this after sending your own result.
 */
export async function playPiece(context: BotContext, interaction: VoiceInteraction, item: QueueItem): Promise<PlayOutcome> {
  const guild = interaction.guild;
  if (!guild) return refuse(interaction, 'Voice playback works in a server, not in direct messages.');
  const memberChannelId = memberVoiceChannelId(interaction);
  const existing = context.players.get(guild.id);
  const verdict = checkPlayRequest({
    memberChannelId,
    botChannelId: existing?.channelId,
    busy: existing?.busy ?? false,
    queued: existing?.upcoming.length ?? 0,
    maxQueueLength: existing?.maxQueueLength ?? context.players.options.maxQueueLength ?? DEFAULT_MAX_QUEUE_LENGTH,
  });
  if (!verdict.ok) return refuse(interaction, verdict.reason);
  const channel = guild.channels.cache.get(memberChannelId!);
  if (!channel?.isVoiceBased()) return refuse(interaction, 'I cannot see your voice channel — check my View Channel permission.');
  const missing = missingVoicePermissions(guild, channel);
  if (missing) return refuse(interaction, missing);

  const ownDeferral = !interaction.deferred && !interaction.replied;
  if (ownDeferral) await interaction.deferReply();
  watchVoicePresence(context.client, context.players);
  try {
    const player = await connectedPlayer(context, guild, channel.id);
    updateAlone(guild, player);
    const position = await player.enqueue(item);
    player.announceChannelId = interaction.channelId ?? undefined;
    context.logger.info({ guildId: guild.id, channelId: channel.id, pieceId: item.pieceId, position }, 'voice: piece queued');
    await respond(interaction, describeEnqueued(item, position, channel.id), { ownDeferral });
    return { status: 'queued', position, channelId: channel.id };
  } catch (error) {
    if (error instanceof VoiceQueueFullError) {
      const reason = 'The queue just filled up — try again when a few pieces have played.';
      await respond(interaction, reason, { ephemeral: true, ownDeferral });
      return { status: 'refused', reason };
    }
    context.logger.warn({ guildId: guild.id, channelId: channel.id, err: errorMessage(error) }, 'voice: could not join');
    const reason = `I could not join ${channelMention(channel.id)} — try again in a moment.`;
    await respond(interaction, reason, { ephemeral: true, ownDeferral });
    return { status: 'failed', reason };
  }
}

/** A ready player in the channel; a player that left (idle) while we connected is replaced once. */
async function connectedPlayer(context: BotContext, guild: Guild, channelId: string): Promise<GuildPlayer> {
  for (let attempt = 0; ; attempt++) {
    const player = context.players.getOrCreate(guild.id);
    await player.connect({ guildId: guild.id, channelId, adapterCreator: guild.voiceAdapterCreator });
    if (!player.isDestroyed || attempt > 0) return player;
  }
}

/** The permissions the bot lacks in the channel, as a sentence; undefined when it has them all. */
export function missingVoicePermissions(guild: Guild, channel: VoiceBasedChannel): string | undefined {
  const me = guild.members.me;
  if (!me) return undefined; // not cached: let the join itself find out
  const granted = channel.permissionsFor(me) ?? new PermissionsBitField();
  const lacking = VOICE_PERMISSIONS.filter(([flag]) => !granted.has(flag)).map(([, name]) => name);
  if (lacking.length > 0) {
    return `I need the ${lacking.join(' and ')} permission${lacking.length > 1 ? 's' : ''} in ${channelMention(channel.id)} — ask a server admin to grant ${lacking.length > 1 ? 'them' : 'it'}.`;
  }
  if (channel.full && !granted.has(PermissionFlagsBits.MoveMembers)) return `${channelMention(channel.id)} is full — I cannot join it.`;
  return undefined;
}

async function refuse(interaction: VoiceInteraction, reason: string): Promise<PlayOutcome> {
  await respond(interaction, reason, { ephemeral: true });
  return { status: 'refused', reason };
}
