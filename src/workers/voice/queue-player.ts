import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  AudioPlayerStatus,
  NoSubscriberBehavior,
  StreamType,
  VoiceConnectionStatus,
  createAudioPlayer,
  createAudioResource,
  entersState,
  joinVoiceChannel,
  type AudioPlayer,
  type AudioResource,
  type DiscordGatewayAdapterCreator,
  type VoiceConnection,
} from '@discordjs/voice';
import { errorMessage } from '../../util/errors.js';
import { DEFAULT_ALONE_TIMEOUT_MS, DEFAULT_MAX_QUEUE_LENGTH, VoiceQueueFullError, type LeaveReason, type PlayerSnapshot, type QueueItem } from './protocol.js';
import { guardDaveMessages } from './dave-guard.js';

export interface VoiceTarget {
  readonly guildId: string;
  readonly channelId: string;
  readonly adapterCreator: DiscordGatewayAdapterCreator;
}

export interface QueuePlayerOptions {
  /** Leave the channel after this long with nothing playing (a paused piece counts as nothing). */
  readonly idleTimeoutMs: number;
  /** How long a voice connection may take to become ready. */
  readonly connectTimeoutMs: number;
  /** Leave this long after the last listener left the channel (default 15 s). */
  readonly aloneTimeoutMs?: number;
  /** Pieces one guild may have waiting (default 25). */
  readonly maxQueueLength?: number;
  readonly onError?: (error: Error, guildId: string) => void;
  readonly onLeave?: (guildId: string, reason: LeaveReason) => void;
  /** After every change of what /queue would show (piece started or ended, pause, queue, channel). */
  readonly onChange?: (player: QueuePlayer) => void;
}

/** Slices handed to the Ogg demuxer: small, so no single step parses a whole file on the event loop. */
const DEMUX_CHUNK_BYTES = 16 * 1024;

/**
 * One guild's voice playback: a queue of rendered pieces played into one voice channel. It runs
 * on the voice thread (src/workers/voice-thread.ts); the main thread talks to it through GuildPlayer.
 * DAVE end-to-end encryption is always requested — real Discord refuses voice without it.
 *
 * Each piece is read into memory before it starts and handed to the Ogg demuxer in small
 * slices: the 20 ms packet clock then never waits for the disk (the thread pool may be busy
 * with other work) and never parses a whole file in one go.
 */
export class QueuePlayer {
  readonly guildId: string;
  readonly maxQueueLength: number;
  private readonly queue: QueueItem[] = [];
  private readonly player: AudioPlayer;
  private connection: VoiceConnection | undefined;
  private current: { item: QueueItem; resource?: AudioResource<QueueItem> } | undefined;
  /** Bumped whenever a pending load must be discarded (skip, stop, leave). */
  private generation = 0;
  private userPaused = false;
  private destroyed = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private aloneTimer: NodeJS.Timeout | undefined;

  constructor(
    guildId: string,
    private readonly options: QueuePlayerOptions,
    private readonly onDestroyed: (player: QueuePlayer) => void,
  ) {
    this.guildId = guildId;
    this.maxQueueLength = options.maxQueueLength ?? DEFAULT_MAX_QUEUE_LENGTH;
    this.player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Pause } });
    this.player.on(AudioPlayerStatus.Idle, () => {
      // Fires when a piece ends, is skipped or failed (after 'error'): go on with the next one.
      if (this.destroyed || !this.current?.resource) return;
      this.current = undefined;
      this.playNext();
    });
    this.player.on('stateChange', (_old, now) => {
      if (now.status === AudioPlayerStatus.Playing && this.userPaused) this.player.pause(true);
      this.changed();
    });
    // The player goes Idle right after 'error', so the Idle listener moves on; here we only report.
    this.player.on('error', (error) => {
      const item = error.resource.metadata as QueueItem | undefined;
      this.reportError(new Error(`playback of piece ${item?.pieceId ?? '?'} failed: ${error.message}`, { cause: error }));
    });
  }

  /** The voice channel the bot is in, if any. */
  get channelId(): string | undefined {
    if (!this.connection || this.connection.state.status === VoiceConnectionStatus.Destroyed) return undefined;
    return this.connection.joinConfig.channelId ?? undefined;
  }

  get nowPlaying(): QueueItem | undefined {
    return this.current?.item;
  }

  /** Seconds of the current piece played so far. */
  get elapsedSeconds(): number {
    return (this.current?.resource?.playbackDuration ?? 0) / 1000;
  }

  get upcoming(): readonly QueueItem[] {
    return this.queue;
  }

  get paused(): boolean {
    return this.userPaused;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** The audio player's own status (Idle while a piece loads); for logs and tests. */
  get audioStatus(): AudioPlayerStatus {
    return this.player.state.status;
  }

  /** Playing, paused, loading or with pieces waiting. */
  get busy(): boolean {
    return this.current !== undefined || this.queue.length > 0;
  }

  snapshot(): PlayerSnapshot {
    return {
      channelId: this.channelId,
      current: this.current?.item,
      upcoming: [...this.queue],
      paused: this.userPaused,
      playbackMs: this.current?.resource?.playbackDuration ?? 0,
      advancing: this.player.state.status === AudioPlayerStatus.Playing,
      destroyed: this.destroyed,
    };
  }

  /** Joins (or moves to) the target channel and waits until the connection is ready. */
  async connect(target: VoiceTarget): Promise<void> {
    if (this.destroyed) throw new Error('this player has left; use a new one');
    if (this.connection && this.connection.state.status !== VoiceConnectionStatus.Destroyed && this.channelId === target.channelId) {
      if (this.connection.state.status !== VoiceConnectionStatus.Ready) await this.waitReady(this.connection);
      return;
    }
    guardDaveMessages();
    const previous = this.connection;
    // Moving: join again with the same guild id; @discordjs/voice reuses a live connection.
    const connection = joinVoiceChannel({
      guildId: target.guildId,
      channelId: target.channelId,
      adapterCreator: target.adapterCreator,
      selfDeaf: true,
      selfMute: false,
      daveEncryption: true,
    });
    this.connection = connection;
    if (previous !== connection) this.watchConnection(connection);
    connection.subscribe(this.player);
    await this.waitReady(connection);
    this.changed();
  }

  /** Adds a piece to the queue; returns its position (0 = playing now). */
  enqueue(item: QueueItem): number {
    if (this.destroyed) throw new Error('this player has left; use a new one');
    if (this.queue.length >= this.maxQueueLength) throw new VoiceQueueFullError(`the queue is full (${this.maxQueueLength} pieces)`);
    this.queue.push(item);
    if (!this.current) {
      this.playNext();
      return 0;
    }
    this.changed();
    return this.queue.length;
  }

  /** Ends the current piece; the next one starts. */
  skip(): QueueItem | undefined {
    const skipped = this.current?.item;
    this.endCurrent();
    return skipped;
  }

  /** Stops playback and empties the queue; stays in the channel until idle. */
  stop(): number {
    const dropped = this.queue.length + (this.current ? 1 : 0);
    this.queue.length = 0;
    this.endCurrent();
    return dropped;
  }

  pause(): boolean {
    if (!this.current || this.userPaused) return false;
    this.userPaused = true;
    this.changed();
    // While loading, buffering or auto-paused the pause is applied once the piece plays (stateChange).
    if (this.player.state.status === AudioPlayerStatus.Playing) this.player.pause(true);
    this.startIdleTimer();
    return true;
  }

  resume(): boolean {
    if (!this.current || !this.userPaused) return false;
    this.userPaused = false;
    this.clearIdleTimer();
    this.changed();
    if (this.player.state.status === AudioPlayerStatus.Paused) this.player.unpause();
    return true;
  }

  /** Called by the presence watcher: leave after the grace period unless someone comes back. */
  setAlone(alone: boolean): void {
    if (!alone) {
      if (this.aloneTimer) clearTimeout(this.aloneTimer);
      this.aloneTimer = undefined;
      return;
    }
    if (this.aloneTimer || this.destroyed) return;
    this.aloneTimer = setTimeout(() => this.destroy('alone'), this.options.aloneTimeoutMs ?? DEFAULT_ALONE_TIMEOUT_MS);
    this.aloneTimer.unref();
  }

  /** Leaves the voice channel and forgets the queue. Idempotent. */
  destroy(reason: LeaveReason = 'command'): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.clearIdleTimer();
    this.setAlone(false);
    this.queue.length = 0;
    this.current = undefined;
    this.generation++;
    const connection = this.connection;
    this.connection = undefined;
    // Tell the main thread first: it must not answer "still in #channel" after the leave went out.
    this.changed();
    this.player.stop(true);
    if (connection && connection.state.status !== VoiceConnectionStatus.Destroyed) connection.destroy();
    this.onDestroyed(this);
    this.options.onLeave?.(this.guildId, reason);
  }

  private async waitReady(connection: VoiceConnection): Promise<void> {
    try {
      await entersState(connection, VoiceConnectionStatus.Ready, this.options.connectTimeoutMs);
    } catch (error) {
      if (this.connection === connection) this.destroy('connect-failed');
      throw new Error(`could not connect to the voice channel within ${Number((this.options.connectTimeoutMs / 1000).toFixed(1))} s`, { cause: error });
    }
  }

  private watchConnection(connection: VoiceConnection): void {
    connection.on('error', (error) => this.reportError(error));
    connection.on(VoiceConnectionStatus.Disconnected, () => {
      // A move between channels or a short network blip reconnects by itself; otherwise give up.
      Promise.race([entersState(connection, VoiceConnectionStatus.Signalling, 5_000), entersState(connection, VoiceConnectionStatus.Connecting, 5_000)]).catch(
        () => {
          if (this.connection === connection) this.destroy('disconnected');
        },
      );
    });
    connection.on('stateChange', () => this.changed());
    connection.on(VoiceConnectionStatus.Destroyed, () => {
      if (this.connection === connection) this.destroy('disconnected');
    });
  }

  private endCurrent(): void {
    if (!this.current) return;
    this.userPaused = false;
    if (this.current.resource) {
      // Synchronously emits Idle, whose listener starts the next piece.
      this.player.stop(true);
    } else {
      // Still loading: discard the load and move on.
      this.current = undefined;
      this.generation++;
      this.playNext();
    }
  }

  private playNext(): void {
    if (this.destroyed) return;
    const next = this.queue.shift();
    this.userPaused = false;
    if (!next) {
      this.current = undefined;
      this.startIdleTimer();
      this.changed();
      return;
    }
    this.clearIdleTimer();
    this.current = { item: next };
    this.changed();
    const generation = ++this.generation;
    readFile(next.audioPath).then(
      (bytes) => {
        if (this.destroyed || generation !== this.generation) return;
        const chunks: Buffer[] = [];
        for (let offset = 0; offset < bytes.length; offset += DEMUX_CHUNK_BYTES) chunks.push(bytes.subarray(offset, offset + DEMUX_CHUNK_BYTES));
        const resource = createAudioResource(Readable.from(chunks, { objectMode: false }), {
          inputType: StreamType.OggOpus,
          metadata: next,
        });
        this.current = { item: next, resource };
        this.player.play(resource);
      },
      (error: unknown) => {
        if (this.destroyed || generation !== this.generation) return;
        this.reportError(new Error(`cannot read ${next.audioPath}: ${errorMessage(error)}`, { cause: error }));
        this.current = undefined;
        this.playNext();
      },
    );
  }

  private changed(): void {
    this.options.onChange?.(this);
  }

  private reportError(error: Error): void {
    this.options.onError?.(error, this.guildId);
  }

  private startIdleTimer(): void {
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => this.destroy('idle'), this.options.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
