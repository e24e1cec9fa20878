/** Voice playback for the bot: per-guild players and `playPiece` (the commands are src/bot/commands/). */
import type { Client } from 'discord.js';
import { errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { PlayerRegistry, type GuildPlayerOptions } from './guild-player.js';

export {
  GuildPlayer,
  PlayerRegistry,
  VoiceQueueFullError,
  DEFAULT_ALONE_TIMEOUT_MS,
  DEFAULT_MAX_QUEUE_LENGTH,
  DEFAULT_VOICE_THREAD_NICE,
  type GuildPlayerOptions,
  type LeaveReason,
  type QueueItem,
  type VoiceTarget,
} from './guild-player.js';
export { playPiece, type PlayOutcome } from './playback.js';
export { watchVoicePresence } from './presence.js';

/**
 * Leave after two minutes with nothing playing or 15 s without listeners (VOICE_IDLE_SECONDS,
 * VOICE_ALONE_SECONDS in the bot's config override both); give up joining after 15 s.
 */
export const DEFAULT_VOICE_OPTIONS = {
  idleTimeoutMs: 120_000,
  connectTimeoutMs: 15_000,
  aloneTimeoutMs: 15_000,
  maxQueueLength: 25,
} as const satisfies GuildPlayerOptions;

/**
 * The bot's players with the defaults above (overridable), logging errors and departures. The
 * voice thread starts at once, so its start-up never overlaps the first piece.
 */
/** Tells a text channel that playback stopped without anyone asking (the queue is gone). */
export function announcePlaybackStopped(client: Client, logger: Logger): NonNullable<GuildPlayerOptions['onPlaybackStopped']> {
  return (guildId, textChannelId, reason) => {
    const channel = client.channels.cache.get(textChannelId);
    if (!channel?.isSendable()) return;
    channel
      .send({
        content: '⚠️ Playback stopped: I lost the voice connection and had to leave. Press **Play** on a piece to start again.',
        allowedMentions: { parse: [] },
      })
      .catch((error: unknown) => logger.warn({ guildId, err: errorMessage(error) }, 'voice: could not announce that playback stopped'));
    logger.warn({ guildId, reason }, 'voice: playback stopped unexpectedly');
  };
}

export function createPlayerRegistry(logger: Logger, overrides: Partial<GuildPlayerOptions> = {}): PlayerRegistry {
  const registry = new PlayerRegistry({
    ...DEFAULT_VOICE_OPTIONS,
    onError: (error, guildId) => logger.warn({ guildId, err: error.message }, 'voice: playback error'),
    onLeave: (guildId, reason) => logger.info({ guildId, reason }, 'voice: left the channel'),
    onThreadStart: (nice, niceError, realtime) =>
      nice !== null
        ? logger.info({ realtime: realtime?.priority ?? null, ...(realtime?.error ? { realtime_error: realtime.error } : {}), nice }, 'voice: thread started')
        : logger.info({ reason: niceError }, 'voice: thread started at normal priority (raising it needs CAP_SYS_NICE)'),
    onThreadHealth: (health) => logger.info(health, 'voice health'),
    ...overrides,
  });
  registry.warmUp();
  return registry;
}
