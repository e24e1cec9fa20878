/**
 * What crosses between the bot's main thread (src/bot/voice/guild-player.ts) and the voice
 * thread (src/workers/voice-thread.ts), riding on the off-thread runtime's envelope: requests are
 * calls (answered with a VoiceReply or a rebuilt error), everything else is an event. The voice
 * thread runs @discordjs/voice (connections, players, the 20 ms packet clock); the main thread
 * keeps the Discord gateway, so voice state/server updates and op 4 payloads cross over here.
 * Plain data and the one error class only: the main thread imports this, not the player.
 */
export interface QueueItem {
  readonly pieceId: string;
  readonly title: string;
  /** An Ogg/Opus file: played as is, without re-encoding. */
  readonly audioPath: string;
  /** Discord user id of who asked for it. */
  readonly requestedBy: string;
  readonly seconds: number;
}

/** Why a player left its channel (logged; tests check it). */
export type LeaveReason = 'idle' | 'alone' | 'command' | 'disconnected' | 'connect-failed' | 'shutdown';

export const DEFAULT_ALONE_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_QUEUE_LENGTH = 25;

/** Enqueueing into a full queue (the commands check first; this guards the invariant). */
export class VoiceQueueFullError extends Error {
  override readonly name = 'VoiceQueueFullError';
}

/** What the bot's main thread mirrors of a player (plain data, sent between threads). */
export interface PlayerSnapshot {
  readonly channelId: string | undefined;
  readonly current: QueueItem | undefined;
  readonly upcoming: readonly QueueItem[];
  readonly paused: boolean;
  /** Milliseconds of the current piece sent so far, and whether that number is growing. */
  readonly playbackMs: number;
  readonly advancing: boolean;
  readonly destroyed: boolean;
}

export interface VoiceThreadSettings {
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly aloneTimeoutMs?: number;
  readonly maxQueueLength?: number;
  /** Niceness the voice thread asks for (negative = ahead of other work); best effort. */
  readonly threadNice?: number;
  /**
   * Real-time round-robin priority (1–99) the voice thread asks for, so no ordinary process on a
   * busy machine can hold the 20 ms packet clock back; 0 or unset = none. Best effort (CAP_SYS_NICE).
   */
  readonly threadRealtimePriority?: number;
  /** How often the thread reports its own memory and event-loop delay (ms; 0 or unset = never). */
  readonly healthIntervalMs?: number;
}

/** The voice thread's own health: its V8 heap (apart from the main thread's) and its worst event-loop delay since the last one. */
export interface VoiceThreadHealth {
  readonly heap_used_mb: number;
  readonly heap_total_mb: number;
  readonly loop_max_ms: number;
}

/**
 * Requests (calls) that answer with a VoiceReply. `session` numbers the main thread's player
 * for the guild: after a leave, messages about the old player never touch a new one.
 */
export type VoiceRequest =
  | { readonly op: 'connect'; readonly guildId: string; readonly session: number; readonly channelId: string }
  | { readonly op: 'enqueue'; readonly guildId: string; readonly session: number; readonly item: QueueItem }
  | { readonly op: 'skip' | 'stop' | 'pause' | 'resume'; readonly guildId: string; readonly session: number };

/** One-way messages from the main thread. */
export type ToVoiceThread =
  | { readonly type: 'alone'; readonly guildId: string; readonly session: number; readonly alone: boolean }
  | { readonly type: 'leave'; readonly guildId: string; readonly session: number; readonly reason: LeaveReason }
  /** Gateway events for a guild's voice adapter (discord.js → @discordjs/voice). */
  | { readonly type: 'adapter-event'; readonly guildId: string; readonly event: 'server' | 'state'; readonly data: unknown }
  | { readonly type: 'adapter-destroyed'; readonly guildId: string };

export type ReplyValue = number | boolean | QueueItem | null;

/** The answer to a VoiceRequest; a failure comes back as the call's error (VoiceQueueFullError keeps its class). */
export interface VoiceReply {
  readonly value: ReplyValue;
  readonly snapshot: PlayerSnapshot;
}

/** One-way messages from the voice thread. */
export type FromVoiceThread =
  | { readonly type: 'ready'; readonly nice: number | null; readonly niceError?: string; readonly realtime?: number | null; readonly realtimeError?: string }
  | { readonly type: 'health'; readonly health: VoiceThreadHealth }
  | { readonly type: 'state'; readonly guildId: string; readonly session: number; readonly snapshot: PlayerSnapshot }
  | { readonly type: 'left'; readonly guildId: string; readonly session: number; readonly reason: LeaveReason }
  | { readonly type: 'error'; readonly guildId: string; readonly session: number; readonly message: string }
  /** The voice connection opened, used or closed the guild's gateway adapter. */
  | { readonly type: 'adapter-open'; readonly guildId: string }
  | { readonly type: 'adapter-send'; readonly guildId: string; readonly payload: unknown }
  | { readonly type: 'adapter-close'; readonly guildId: string };
