/**
 * Messages between the bot's main thread and the voice thread. The voice thread runs
 * @discordjs/voice (connections, players, the 20 ms packet clock); the main thread keeps the
 * Discord gateway, so voice state/server updates and op 4 payloads cross over here.
 */
import type { LeaveReason, PlayerSnapshot, QueueItem } from './queue-player.js';

export interface VoiceThreadSettings {
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly aloneTimeoutMs?: number;
  readonly maxQueueLength?: number;
  /** Niceness the voice thread asks for (negative = ahead of other work); best effort. */
  readonly threadNice?: number;
}

/**
 * Requests that answer with `{ type: 'reply', id }`. `session` numbers the main thread's player
 * for the guild: after a leave, messages about the old player never touch a new one.
 */
export type VoiceRequest =
  | { readonly op: 'connect'; readonly guildId: string; readonly session: number; readonly channelId: string }
  | { readonly op: 'enqueue'; readonly guildId: string; readonly session: number; readonly item: QueueItem }
  | { readonly op: 'skip' | 'stop' | 'pause' | 'resume'; readonly guildId: string; readonly session: number };

export type ToVoiceThread =
  | { readonly type: 'request'; readonly id: number; readonly request: VoiceRequest }
  | { readonly type: 'alone'; readonly guildId: string; readonly session: number; readonly alone: boolean }
  | { readonly type: 'leave'; readonly guildId: string; readonly session: number; readonly reason: LeaveReason }
  /** Gateway events for a guild's voice adapter (discord.js → @discordjs/voice). */
  | { readonly type: 'adapter-event'; readonly guildId: string; readonly event: 'server' | 'state'; readonly data: unknown }
  | { readonly type: 'adapter-destroyed'; readonly guildId: string };

export type ReplyValue = number | boolean | QueueItem | null;

export type FromVoiceThread =
  | { readonly type: 'ready'; readonly nice: number | null; readonly niceError?: string }
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: ReplyValue; readonly snapshot: PlayerSnapshot }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly message: string; readonly queueFull: boolean }
  | { readonly type: 'state'; readonly guildId: string; readonly session: number; readonly snapshot: PlayerSnapshot }
  | { readonly type: 'left'; readonly guildId: string; readonly session: number; readonly reason: LeaveReason }
  | { readonly type: 'error'; readonly guildId: string; readonly session: number; readonly message: string }
  /** The voice connection opened, used or closed the guild's gateway adapter. */
  | { readonly type: 'adapter-open'; readonly guildId: string }
  | { readonly type: 'adapter-send'; readonly guildId: string; readonly payload: unknown }
  | { readonly type: 'adapter-close'; readonly guildId: string };
