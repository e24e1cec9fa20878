/**
 * The main thread's view of voice playback. Each guild's `GuildPlayer` mirrors the state of
 * its player on the voice thread (read synchronously by the commands) and forwards actions to
 * it; `PlayerRegistry` starts the voice thread on first use and bridges the gateway adapter.
 */
import type { DiscordGatewayAdapterCreator, DiscordGatewayAdapterImplementerMethods } from '@discordjs/voice';
import { launch, type LaunchedEntry } from '../../jobs/launch.js';
import { workerEntryPath } from '../../util/built-entry.js';
import {
  DEFAULT_MAX_QUEUE_LENGTH,
  VoiceQueueFullError,
  type FromVoiceThread,
  type LeaveReason,
  type PlayerSnapshot,
  type QueueItem,
  type ReplyValue,
  type ToVoiceThread,
  type VoiceReply,
  type VoiceRequest,
  type VoiceThreadHealth,
  type VoiceThreadSettings,
} from '../../workers/voice/protocol.js';

export {
  DEFAULT_ALONE_TIMEOUT_MS,
  DEFAULT_MAX_QUEUE_LENGTH,
  VoiceQueueFullError,
  type LeaveReason,
  type PlayerSnapshot,
  type QueueItem,
  type VoiceThreadHealth,
} from '../../workers/voice/protocol.js';

export interface VoiceTarget {
  readonly guildId: string;
  readonly channelId: string;
  readonly adapterCreator: DiscordGatewayAdapterCreator;
}

export interface GuildPlayerOptions {
  /** Leave the channel after this long with nothing playing (a paused piece counts as nothing). */
  readonly idleTimeoutMs: number;
  /** How long a voice connection may take to become ready. */
  readonly connectTimeoutMs: number;
  /** Leave this long after the last listener left the channel (default 15 s). */
  readonly aloneTimeoutMs?: number;
  /** Pieces one guild may have waiting (default 25). */
  readonly maxQueueLength?: number;
  /** Niceness the voice thread asks the OS for (default -10; best effort, needs CAP_SYS_NICE). */
  readonly threadNice?: number;
  /** Real-time round-robin priority the voice thread asks for (default 0 = none; best effort, needs CAP_SYS_NICE). */
  readonly threadRealtimePriority?: number;
  readonly onError?: (error: Error, guildId: string) => void;
  readonly onLeave?: (guildId: string, reason: LeaveReason) => void;
  /** The voice thread started (with the niceness it got, or why it got none). */
  readonly onThreadStart?: (
    nice: number | null,
    niceError: string | undefined,
    realtime?: { readonly priority: number | null; readonly error?: string },
  ) => void;
  /** How often the voice thread reports its health (ms; 0 or unset = never), and where it goes. */
  readonly healthIntervalMs?: number;
  readonly onThreadHealth?: (health: VoiceThreadHealth) => void;
  /**
   * Playback had to stop while pieces were playing or queued (the voice connection was lost for good,
   * or the voice thread stopped): `textChannelId` is where the last piece was asked for.
   */
  readonly onPlaybackStopped?: (guildId: string, textChannelId: string, reason: LeaveReason) => void;
}

/** Departures that were not asked for: users are told when these cut playback short. */
const UNPLANNED_LEAVES: ReadonlySet<LeaveReason> = new Set(['disconnected', 'connect-failed']);

export const DEFAULT_VOICE_THREAD_NICE = -10;
/**
 * Off: a real-time voice thread livelocks with V8's own helper threads. When its isolate finishes a
 * garbage collection it re-posts sweeping tasks until a background sweeper thread (an ordinary
 * thread) is done — which cannot run on a core the real-time thread holds — so the voice thread spun
 * until Linux's real-time throttling stopped it after 950 ms, and the bot's main thread on that
 * core stalled for as long (the soak, docs/reliability.md). Niceness −10 keeps the packet clock's
 * lead over compose jobs without that failure.
 */
export const DEFAULT_VOICE_THREAD_REALTIME_PRIORITY = 0;

const EMPTY: PlayerSnapshot = { channelId: undefined, current: undefined, upcoming: [], paused: false, playbackMs: 0, advancing: false, destroyed: false };

/** One guild's playback as the main thread sees it. Reads are instant; actions round-trip to the voice thread. */
export class GuildPlayer {
  private state: PlayerSnapshot = EMPTY;
  private stateAt = performance.now();
  private left = false;
  /** The text channel where the last piece was asked for (told there if playback has to stop). */
  announceChannelId: string | undefined;
  /** Something was playing or queued when the player left. */
  busyWhenLeft = false;

  constructor(
    readonly guildId: string,
    readonly session: number,
    readonly maxQueueLength: number,
    private readonly host: VoiceThreadHost,
    private readonly forget: (player: GuildPlayer) => void,
  ) {}

  /** The voice channel the bot is in, if any. */
  get channelId(): string | undefined {
    return this.left ? undefined : this.state.channelId;
  }

  get nowPlaying(): QueueItem | undefined {
    return this.left ? undefined : this.state.current;
  }

  get upcoming(): readonly QueueItem[] {
    return this.left ? [] : this.state.upcoming;
  }

  get paused(): boolean {
    return !this.left && this.state.paused;
  }

  /** Playing, paused, loading or with pieces waiting. */
  get busy(): boolean {
    return this.nowPlaying !== undefined || this.upcoming.length > 0;
  }

  get isDestroyed(): boolean {
    return this.left;
  }

  /** Seconds of the current piece played so far. */
  get elapsedSeconds(): number {
    const extra = this.state.advancing ? performance.now() - this.stateAt : 0;
    return (this.state.playbackMs + extra) / 1000;
  }

  /** Joins (or moves to) the target channel and waits until the connection is ready. */
  async connect(target: VoiceTarget): Promise<void> {
    if (this.left) throw new Error('this player has left; use a new one');
    this.host.setAdapterCreator(target.guildId, target.adapterCreator);
    await this.request({ op: 'connect', guildId: this.guildId, session: this.session, channelId: target.channelId });
  }

  /** Adds a piece to the queue; returns its position (0 = playing now). */
  async enqueue(item: QueueItem): Promise<number> {
    const position = await this.request({ op: 'enqueue', guildId: this.guildId, session: this.session, item });
    if (typeof position !== 'number' || position < 0) throw new Error('this player has left; use a new one');
    return position;
  }

  /** Ends the current piece (the next one starts); returns the skipped one. */
  async skip(): Promise<QueueItem | undefined> {
    const skipped = await this.request({ op: 'skip', guildId: this.guildId, session: this.session });
    return typeof skipped === 'object' && skipped !== null ? skipped : undefined;
  }

  /** Stops playback and empties the queue (stays in the channel until idle); returns how many pieces were dropped. */
  async stop(): Promise<number> {
    const dropped = await this.request({ op: 'stop', guildId: this.guildId, session: this.session });
    return typeof dropped === 'number' ? dropped : 0;
  }

  async pause(): Promise<boolean> {
    return (await this.request({ op: 'pause', guildId: this.guildId, session: this.session })) === true;
  }

  async resume(): Promise<boolean> {
    return (await this.request({ op: 'resume', guildId: this.guildId, session: this.session })) === true;
  }

  /** Presence watcher: start or cancel the leave-when-alone grace period. */
  setAlone(alone: boolean): void {
    if (!this.left) this.host.send({ type: 'alone', guildId: this.guildId, session: this.session, alone });
  }

  /** Leaves the voice channel and forgets the queue. Idempotent. */
  destroy(reason: LeaveReason = 'command'): void {
    if (this.left) return;
    this.markLeft();
    this.host.send({ type: 'leave', guildId: this.guildId, session: this.session, reason });
  }

  /** From the voice thread: its player changed. */
  apply(snapshot: PlayerSnapshot): void {
    const wasBusy = this.busy;
    this.state = snapshot;
    this.stateAt = performance.now();
    if (snapshot.destroyed) {
      this.busyWhenLeft ||= wasBusy;
      this.markLeft();
    }
  }

  /** The voice thread's player is gone (left by itself, or the thread stopped). */
  markLeft(): void {
    if (this.left) return;
    this.busyWhenLeft ||= this.busy;
    this.left = true;
    this.forget(this);
  }

  private async request(request: VoiceRequest): Promise<ReplyValue> {
    const { value, snapshot } = await this.host.request(request);
    if (!this.left) this.apply(snapshot);
    return value;
  }
}

/** The voice worker thread (src/workers/voice-thread.ts): requests as calls, state updates and the gateway adapters it borrows as events. */
class VoiceThreadHost {
  private thread: LaunchedEntry | undefined;
  private readonly creators = new Map<string, DiscordGatewayAdapterCreator>();
  private readonly adapters = new Map<string, DiscordGatewayAdapterImplementerMethods>();

  constructor(
    private readonly settings: VoiceThreadSettings,
    private readonly events: {
      onMessage: (message: FromVoiceThread) => void;
      onStopped: (error: Error) => void;
    },
  ) {}

  setAdapterCreator(guildId: string, creator: DiscordGatewayAdapterCreator): void {
    this.creators.set(guildId, creator);
  }

  send(message: ToVoiceThread): void {
    this.start().notify(message);
  }

  request(request: VoiceRequest): Promise<VoiceReply> {
    return this.start().call<VoiceReply>(request);
  }

  /** Leaves every voice channel through the main thread's own shard, then ends the thread. */
  shutdown(): void {
    for (const [guildId, adapter] of this.adapters) {
      adapter.sendPayload({ op: 4, d: { guild_id: guildId, channel_id: null, self_deaf: false, self_mute: false } });
      adapter.destroy();
    }
    this.adapters.clear();
    const thread = this.thread;
    this.thread = undefined;
    thread?.stop(new Error('voice stopped'));
  }

  /** Starts the thread now (module loading and compilation happen before anything plays). */
  warmUp(): void {
    this.start();
  }

  private start(): LaunchedEntry {
    if (this.thread) return this.thread;
    const thread = launch(workerEntryPath('voice-thread'), {
      via: 'thread',
      name: 'voice thread',
      data: this.settings,
      // The bot's gateway keeps the process alive; the voice thread alone must not.
      keepsAlive: false,
      classes: { VoiceQueueFullError: (message) => new VoiceQueueFullError(message) },
      unknown: (error) => new Error(error.message),
    });
    thread.onEvent((message) => this.onMessage(message as FromVoiceThread));
    thread.onEnd((error) => {
      if (this.thread !== thread) return;
      this.thread = undefined;
      for (const adapter of this.adapters.values()) adapter.destroy();
      this.adapters.clear();
      this.events.onStopped(error);
    });
    this.thread = thread;
    return thread;
  }

  private onMessage(message: FromVoiceThread): void {
    switch (message.type) {
      case 'adapter-open': {
        const creator = this.creators.get(message.guildId);
        if (!creator) return;
        const guildId = message.guildId;
        this.adapters.get(guildId)?.destroy();
        this.adapters.set(
          guildId,
          creator({
            onVoiceServerUpdate: (data) => this.send({ type: 'adapter-event', guildId, event: 'server', data }),
            onVoiceStateUpdate: (data) => this.send({ type: 'adapter-event', guildId, event: 'state', data }),
            destroy: () => {
              this.adapters.delete(guildId);
              this.thread?.notify({ type: 'adapter-destroyed', guildId } satisfies ToVoiceThread);
            },
          }),
        );
        return;
      }
      case 'adapter-send':
        this.adapters.get(message.guildId)?.sendPayload(message.payload);
        return;
      case 'adapter-close':
        this.adapters.get(message.guildId)?.destroy();
        this.adapters.delete(message.guildId);
        return;
      default:
        this.events.onMessage(message);
    }
  }
}

/** All guilds' players, created on demand; the voice thread starts with the first one. */
export class PlayerRegistry {
  private readonly players = new Map<string, GuildPlayer>();
  /** Each guild's last player that left, until the voice thread says why. */
  private readonly departed = new Map<string, GuildPlayer>();
  private readonly host: VoiceThreadHost;
  private nextSession = 1;

  constructor(readonly options: GuildPlayerOptions) {
    this.host = new VoiceThreadHost(
      {
        idleTimeoutMs: options.idleTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs,
        ...(options.aloneTimeoutMs !== undefined ? { aloneTimeoutMs: options.aloneTimeoutMs } : {}),
        ...(options.maxQueueLength !== undefined ? { maxQueueLength: options.maxQueueLength } : {}),
        threadNice: options.threadNice ?? DEFAULT_VOICE_THREAD_NICE,
        threadRealtimePriority: options.threadRealtimePriority ?? DEFAULT_VOICE_THREAD_REALTIME_PRIORITY,
        ...(options.healthIntervalMs ? { healthIntervalMs: options.healthIntervalMs } : {}),
      },
      { onMessage: (message) => this.onThreadMessage(message), onStopped: (error) => this.onThreadStopped(error) },
    );
  }

  get(guildId: string): GuildPlayer | undefined {
    return this.players.get(guildId);
  }

  /** Starts the voice thread ahead of the first piece (the bot calls it once it is online). */
  warmUp(): void {
    this.host.warmUp();
  }

  getOrCreate(guildId: string): GuildPlayer {
    let player = this.players.get(guildId);
    if (!player) {
      player = new GuildPlayer(guildId, this.nextSession++, this.options.maxQueueLength ?? DEFAULT_MAX_QUEUE_LENGTH, this.host, (gone) => {
        // A newer player for the guild may already be registered; only forget this one.
        if (this.players.get(gone.guildId) === gone) this.players.delete(gone.guildId);
        this.departed.set(gone.guildId, gone);
      });
      this.players.set(guildId, player);
    }
    return player;
  }

  all(): GuildPlayer[] {
    return [...this.players.values()];
  }

  /** Leaves every channel and stops the voice thread (shutdown). */
  destroyAll(): void {
    for (const player of [...this.players.values()]) {
      player.markLeft();
      this.options.onLeave?.(player.guildId, 'shutdown');
    }
    this.host.shutdown();
  }

  private current(guildId: string, session: number): GuildPlayer | undefined {
    const player = this.players.get(guildId);
    return player && player.session === session ? player : undefined;
  }

  private onThreadMessage(message: FromVoiceThread): void {
    switch (message.type) {
      case 'state':
        this.current(message.guildId, message.session)?.apply(message.snapshot);
        return;
      case 'left': {
        this.current(message.guildId, message.session)?.markLeft();
        this.options.onLeave?.(message.guildId, message.reason);
        const gone = this.departed.get(message.guildId);
        if (gone?.session === message.session) {
          this.departed.delete(message.guildId);
          if (UNPLANNED_LEAVES.has(message.reason)) this.playbackStopped(gone, message.reason);
        }
        return;
      }
      case 'error':
        this.options.onError?.(new Error(message.message), message.guildId);
        return;
      case 'ready':
        this.options.onThreadStart?.(message.nice, message.niceError, {
          priority: message.realtime ?? null,
          ...(message.realtimeError ? { error: message.realtimeError } : {}),
        });
        return;
      case 'health':
        this.options.onThreadHealth?.(message.health);
        return;
      default:
        return;
    }
  }

  private onThreadStopped(error: Error): void {
    for (const player of [...this.players.values()]) {
      player.markLeft();
      this.departed.delete(player.guildId);
      this.options.onLeave?.(player.guildId, 'disconnected');
      this.options.onError?.(error, player.guildId);
      this.playbackStopped(player, 'disconnected');
    }
  }

  private playbackStopped(player: GuildPlayer, reason: LeaveReason): void {
    if (player.busyWhenLeft && player.announceChannelId) this.options.onPlaybackStopped?.(player.guildId, player.announceChannelId, reason);
  }
}
