import { createReadStream } from 'node:fs';
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
  type DiscordGatewayAdapterCreator,
  type VoiceConnection,
} from '@discordjs/voice';

export interface QueueItem {
  readonly pieceId: string;
  readonly title: string;
  /** An Ogg/Opus file: played as is, without re-encoding. */
  readonly audioPath: string;
  readonly requestedBy: string;
  readonly seconds: number;
}

export interface VoiceTarget {
  readonly guildId: string;
  readonly channelId: string;
  readonly adapterCreator: DiscordGatewayAdapterCreator;
}

export interface GuildPlayerOptions {
  /** Leave the channel after this long with nothing to play. */
  readonly idleTimeoutMs: number;
  /** How long a voice connection may take to become ready. */
  readonly connectTimeoutMs: number;
  readonly onError?: (error: Error) => void;
}

/**
 * One guild's voice playback: a queue of rendered pieces played into one voice channel.
 * DAVE end-to-end encryption is always requested — real Discord refuses voice without it.
 */
export class GuildPlayer {
  readonly guildId: string;
  private readonly queue: QueueItem[] = [];
  private readonly player: AudioPlayer;
  private connection: VoiceConnection | undefined;
  private current: QueueItem | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    guildId: string,
    private readonly options: GuildPlayerOptions,
    private readonly onDestroyed: (guildId: string) => void,
  ) {
    this.guildId = guildId;
    this.player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Pause } });
    this.player.on(AudioPlayerStatus.Idle, () => this.playNext());
    this.player.on('error', (error) => {
      this.options.onError?.(error);
      this.playNext();
    });
  }

  /** The voice channel the bot is in, if any. */
  get channelId(): string | undefined {
    return this.connection?.joinConfig.channelId ?? undefined;
  }

  get nowPlaying(): QueueItem | undefined {
    return this.current;
  }

  get upcoming(): readonly QueueItem[] {
    return this.queue;
  }

  get paused(): boolean {
    return this.player.state.status === AudioPlayerStatus.Paused;
  }

  /** Joins (or moves to) the target channel and waits until the connection is ready. */
  async connect(target: VoiceTarget): Promise<void> {
    if (this.connection && this.channelId === target.channelId) return;
    this.connection?.destroy();
    const connection = joinVoiceChannel({
      guildId: target.guildId,
      channelId: target.channelId,
      adapterCreator: target.adapterCreator,
      selfDeaf: true,
      selfMute: false,
      daveEncryption: true,
    });
    this.connection = connection;
    connection.on(VoiceConnectionStatus.Disconnected, () => {
      // A move between channels or a short network blip reconnects by itself; otherwise give up.
      Promise.race([
        entersState(connection, VoiceConnectionStatus.Signalling, 5_000),
        entersState(connection, VoiceConnectionStatus.Connecting, 5_000),
      ]).catch(() => this.destroy());
    });
    connection.subscribe(this.player);
    try {
      await entersState(connection, VoiceConnectionStatus.Ready, this.options.connectTimeoutMs);
    } catch (error) {
      this.destroy();
      throw new Error(`could not connect to the voice channel within ${this.options.connectTimeoutMs / 1000} s`, {
        cause: error,
      });
    }
  }

  /** Adds a piece to the queue; returns its position (0 = playing now). */
  enqueue(item: QueueItem): number {
    this.queue.push(item);
    this.clearIdleTimer();
    if (this.player.state.status === AudioPlayerStatus.Idle && !this.current) {
      this.playNext();
      return 0;
    }
    return this.queue.length;
  }

  skip(): QueueItem | undefined {
    const skipped = this.current;
    this.player.stop(true);
    return skipped;
  }

  /** Stops playback and empties the queue; stays in the channel until idle. */
  stop(): void {
    this.queue.length = 0;
    this.player.stop(true);
  }

  pause(): boolean {
    return this.player.pause(true);
  }

  resume(): boolean {
    return this.player.unpause();
  }

  /** Leaves the voice channel and forgets the queue. */
  destroy(): void {
    this.clearIdleTimer();
    this.queue.length = 0;
    this.current = undefined;
    this.player.stop(true);
    const connection = this.connection;
    this.connection = undefined;
    if (connection && connection.state.status !== VoiceConnectionStatus.Destroyed) connection.destroy();
    this.onDestroyed(this.guildId);
  }

  private playNext(): void {
    const next = this.queue.shift();
    this.current = next;
    if (!next) {
      this.startIdleTimer();
      return;
    }
    const resource = createAudioResource(createReadStream(next.audioPath), {
      inputType: StreamType.OggOpus,
      metadata: next,
    });
    this.player.play(resource);
  }

  private startIdleTimer(): void {
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => this.destroy(), this.options.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** All guilds' players, created on demand. */
export class PlayerRegistry {
  private readonly players = new Map<string, GuildPlayer>();

  constructor(private readonly options: GuildPlayerOptions) {}

  get(guildId: string): GuildPlayer | undefined {
    return this.players.get(guildId);
  }

  getOrCreate(guildId: string): GuildPlayer {
    let player = this.players.get(guildId);
    if (!player) {
      player = new GuildPlayer(guildId, this.options, (id) => this.players.delete(id));
      this.players.set(guildId, player);
    }
    return player;
  }

  destroyAll(): void {
    for (const player of [...this.players.values()]) player.destroy();
  }
}
