import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { rawText } from './raw-data.js';
import {
  SILENCE_FRAME,
  analyseTiming,
  compareWithSource,
  pcmStats,
  type AudioComparison,
  type PcmStats,
  type ReceivedPacket,
  type TimingReport,
} from './audio-analysis.js';
import type { SimCore, UserVoiceChange } from './core.js';
import { Intents } from './core.js';
import type { GatewaySession } from './gateway.js';
import { DaveCall, DaveOp, type BotLink } from './dave-call.js';
import { readOggOpus } from './ogg.js';
import { decodeOpusPackets } from './opus-decode.js';
import { apiVoiceState } from './payloads.js';
import { ENCRYPTION_MODES, OPUS_PAYLOAD_TYPE, decryptRtpSize, readRtpHeader, type EncryptionMode } from './rtp.js';
import type { TlsMaterial } from './tls.js';
import { waitUntil } from './wait.js';
import type { Json } from './world.js';

export const VoiceOp = {
  Identify: 0,
  SelectProtocol: 1,
  Ready: 2,
  Heartbeat: 3,
  SessionDescription: 4,
  Speaking: 5,
  HeartbeatAck: 6,
  Resume: 7,
  Hello: 8,
  Resumed: 9,
} as const;

export interface AudioWindow {
  guildId?: string;
  /** Only packets (and SPEAKING events) from this `performance.now()` time on; see `VoiceServer#mark`. */
  since?: number;
}

export interface VoiceOptions {
  /** Modes offered in READY, in order (default: AES-GCM first, then XChaCha20). */
  modes: EncryptionMode[];
  /**
   * Close with 4017 when the client announces `max_dave_protocol_version: 0`, as Discord does now that
   * DAVE is mandatory.
   */
  requireDaveCapableClient: boolean;
  /**
   * The DAVE protocol version offered in SESSION_DESCRIPTION (default 1: end-to-end encryption with
   * the simulated listeners as MLS group members). 0 only as an explicit test option.
   */
  daveProtocolVersion: 0 | 1;
  heartbeatIntervalMs: number;
}

/** One voice connection of the bot to a guild's voice server. */
export interface VoiceConnectionRecord {
  guildId: string;
  channelId: string;
  userId: string;
  sessionId: string;
  token: string;
  ssrc: number;
  /** What the client announced in IDENTIFY: @discordjs/voice sends 0 only when DAVE was turned off. */
  maxDaveProtocolVersion: number | undefined;
  gatewayVersion: string | null;
  mode: EncryptionMode | undefined;
  secretKey: Uint8Array | undefined;
  clientAddress: { address: string; port: number } | undefined;
  /** SPEAKING ops (op 5) from the client; `at` is performance.now(), like packet arrival times. */
  speaking: Array<{ at: number; speaking: number }>;
  heartbeats: Array<{ at: number; seqAck: number | undefined }>;
  packets: ReceivedPacket[];
  decryptFailures: number;
  socket: WebSocket | undefined;
  closed: boolean;
  resumes: number;
  /** Server → client sequence number (v8 `seq`). */
  seq: number;
  /** The DAVE protocol version negotiated in SESSION_DESCRIPTION. */
  daveProtocolVersion: number;
  /** The DAVE call (MLS group) the connection is a member of, with DAVE v1. */
  dave: DaveCall | undefined;
  daveLink: BotLink | undefined;
  /** Server messages held while the socket is down (sent after RESUMED). */
  outbox: Array<string | Buffer>;
}

/** What arrived on one voice connection, decoded on demand. */
export class ReceivedAudio {
  constructor(readonly packets: readonly ReceivedPacket[]) {}

  /** Packets carrying audio (the player's silence frames left out). */
  get audioPackets(): ReceivedPacket[] {
    return this.packets.filter((packet) => !packet.silence);
  }

  get durationMs(): number {
    return this.audioPackets.length * 20;
  }

  pcm(): Int16Array {
    return decodeOpusPackets(this.audioPackets.map((packet) => packet.opus));
  }

  stats(): PcmStats {
    return pcmStats(this.pcm());
  }

  timing(gapThresholdMs = 40): TimingReport {
    return analyseTiming(this.packets, gapThresholdMs);
  }

  /** Compares with the Opus packets of an Ogg/Opus file (the bytes of the file the bot played). */
  compareWithOgg(oggBytes: Buffer): AudioComparison {
    return compareWithSource(this.packets, readOggOpus(oggBytes).packets);
  }
}

export class VoiceServer {
  readonly connections: VoiceConnectionRecord[] = [];
  /** Voice gateway handshakes the simulator refused (close code and why). */
  readonly rejections: Array<{ at: number; code: number; reason: string; maxDaveProtocolVersion: number | undefined }> = [];
  private readonly pending = new Map<string, Omit<VoiceConnectionRecord, 'ssrc'>>();
  /** DAVE calls by voice channel id. */
  private readonly calls = new Map<string, DaveCall>();
  private readonly https: Server;
  private readonly wss: WebSocketServer;
  private readonly udp: Socket;
  private nextSsrc = 1000 + Math.floor(Math.random() * 1000);

  constructor(
    private readonly core: SimCore,
    tls: TlsMaterial,
    private readonly options: VoiceOptions,
  ) {
    this.https = createServer({ cert: tls.cert, key: tls.key });
    this.wss = new WebSocketServer({ server: this.https });
    this.wss.on('connection', (socket, req) => this.onConnection(socket, new URL(req.url ?? '/', 'wss://127.0.0.1').searchParams.get('v')));
    this.udp = createSocket('udp4');
    this.udp.on('message', (message, remote) => this.onDatagram(message, remote));
    core.signals.on('user-voice', (change: UserVoiceChange) => this.onUserVoice(change));
  }

  /**
   * The DAVE call of a voice channel (by id), or of the latest connection's channel. It exists once
   * someone is in the channel (with DAVE v1); tests read its transitions and can make it hostile.
   */
  dave(channelId?: string): DaveCall | undefined {
    const id = channelId ?? this.connection()?.channelId;
    return id ? this.calls.get(id) : undefined;
  }

  /**
   * Disconnects the bot from voice as a moderator's "Disconnect" does: its voice state loses the
   * channel and the voice gateway closes with 4014. @discordjs/voice does not rejoin by itself.
   */
  disconnectBot(guildId?: string): void {
    const guild = guildId ? this.core.world.guilds.get(guildId) : this.core.world.guilds.values().next().value;
    const state = guild?.voiceStates.get(this.core.applicationId);
    if (!guild || !state?.channelId) throw new Error('the bot is not in a voice channel');
    const next = { ...state, channelId: null };
    guild.voiceStates.set(state.userId, next);
    for (const connection of this.connections.filter((c) => c.guildId === guild.id && !c.closed)) this.closeConnection(connection, 4014);
    this.core.dispatch('VOICE_STATE_UPDATE', apiVoiceState(this.core.world, guild, next), Intents.GuildVoiceStates);
  }

  /** Kills the latest connection's voice gateway socket (1006): @discordjs/voice resumes the session. */
  dropSocket(guildId?: string): void {
    const connection = this.connection(guildId);
    if (!connection?.socket) throw new Error('no open voice gateway socket to drop');
    connection.socket.terminate();
  }

  private callFor(guildId: string, channelId: string): DaveCall {
    let call = this.calls.get(channelId);
    if (!call) {
      call = new DaveCall(channelId, () => this.core.changed());
      this.calls.set(channelId, call);
      const guild = this.core.world.guilds.get(guildId);
      for (const state of guild?.voiceStates.values() ?? [])
        if (state.channelId === channelId && state.userId !== this.core.applicationId) call.listenerJoined(state.userId);
    }
    return call;
  }

  private onUserVoice(change: UserVoiceChange): void {
    if (this.options.daveProtocolVersion === 0) return;
    if (change.from) this.calls.get(change.from)?.listenerLeft(change.userId);
    if (change.to) {
      const guild = [...this.core.world.guilds.values()].find((g) => g.channels.some((channel) => channel.id === change.to));
      if (guild) this.callFor(guild.id, change.to).listenerJoined(change.userId);
    }
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.https.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => this.udp.bind(0, '127.0.0.1', resolve));
  }

  get endpoint(): string {
    return `127.0.0.1:${(this.https.address() as AddressInfo).port}`;
  }

  get udpPort(): number {
    return this.udp.address().port;
  }

  /** The latest connection (optionally of one guild). */
  connection(guildId?: string): VoiceConnectionRecord | undefined {
    return this.connections.filter((connection) => !guildId || connection.guildId === guildId).at(-1);
  }

  /** A point in time (performance.now()) to look at audio from, e.g. before the bot plays a second piece. */
  mark(): number {
    return performance.now();
  }

  /** What the latest connection (of a guild) received, optionally only since a `mark()`. */
  received(options: AudioWindow = {}): ReceivedAudio {
    const connection = this.connection(options.guildId);
    const since = options.since ?? -Infinity;
    return new ReceivedAudio(connection ? connection.packets.filter((packet) => packet.receivedAtMs >= since) : []);
  }

  /**
   * Resolves once the bot has sent at least `minPackets` audio packets (since `since`) and then stopped
   * speaking: SPEAKING 0, or five silence frames in a row.
   */
  waitForAudioEnd(options: AudioWindow & { minPackets?: number; timeoutMs?: number } = {}): Promise<ReceivedAudio> {
    const minPackets = options.minPackets ?? 1;
    const since = options.since ?? -Infinity;
    return waitUntil(
      this.core.signals,
      () => {
        const connection = this.connection(options.guildId);
        if (!connection) return undefined;
        const packets = connection.packets.filter((packet) => packet.receivedAtMs >= since);
        if (packets.filter((packet) => !packet.silence).length < minPackets) return undefined;
        const last = connection.speaking.filter((event) => event.at >= since).at(-1);
        const tail = packets.slice(-5);
        const stopped = (last !== undefined && last.speaking === 0) || (tail.length === 5 && tail.every((packet) => packet.silence));
        return stopped ? new ReceivedAudio(packets) : undefined;
      },
      'the bot to play audio and stop speaking',
      options.timeoutMs ?? 30_000,
      () => `voice connections: ${this.connections.map((c) => `${c.guildId}/${c.channelId} mode=${c.mode} packets=${c.packets.length}`).join(', ') || 'none'}`,
    );
  }

  waitForConnection(options: { guildId?: string; timeoutMs?: number } = {}): Promise<VoiceConnectionRecord> {
    return waitUntil(
      this.core.signals,
      () => this.connections.find((connection) => (!options.guildId || connection.guildId === options.guildId) && connection.secretKey && !connection.closed),
      'a voice connection with a negotiated session',
      options.timeoutMs,
    );
  }

  /** Gateway op 4 from the bot: update its voice state and hand it this voice server. */
  onVoiceStateUpdate(_session: GatewaySession, d: Json): void {
    const guild = typeof d.guild_id === 'string' ? this.core.world.guilds.get(d.guild_id) : undefined;
    if (!guild) return;
    const channelId = typeof d.channel_id === 'string' ? d.channel_id : null;
    const userId = this.core.applicationId;
    const previous = guild.voiceStates.get(userId);
    // The voice session id belongs to the gateway session: it stays while the bot moves or re-sends op 4.
    const sessionId = previous?.sessionId ?? randomBytes(16).toString('hex');
    const state = { userId, guildId: guild.id, channelId, sessionId, selfMute: Boolean(d.self_mute), selfDeaf: Boolean(d.self_deaf) };
    guild.voiceStates.set(userId, state);
    const live = this.connections.filter((connection) => connection.guildId === guild.id && !connection.closed);
    const unchanged = channelId !== null && previous?.channelId === channelId && live.some((connection) => connection.channelId === channelId);
    for (const connection of unchanged ? [] : live) {
      // Leaving ends the voice session (4014); moving hands out a new server, and the client drops the old link.
      if (channelId === null) this.closeConnection(connection, 4014);
      else this.endConnection(connection);
    }
    this.core.dispatch('VOICE_STATE_UPDATE', apiVoiceState(this.core.world, guild, state), Intents.GuildVoiceStates);
    // Re-sending op 4 for the channel it is connected to (e.g. mute flags) only updates the voice state.
    if (!channelId || unchanged) return;
    const token = randomBytes(8).toString('hex');
    this.pending.set(token, {
      guildId: guild.id,
      channelId,
      userId,
      sessionId,
      token,
      maxDaveProtocolVersion: undefined,
      gatewayVersion: null,
      mode: undefined,
      secretKey: undefined,
      clientAddress: undefined,
      speaking: [],
      heartbeats: [],
      packets: [],
      decryptFailures: 0,
      socket: undefined,
      closed: false,
      resumes: 0,
      seq: 0,
      daveProtocolVersion: 0,
      dave: undefined,
      daveLink: undefined,
      outbox: [],
    });
    this.core.dispatch('VOICE_SERVER_UPDATE', { token, guild_id: guild.id, endpoint: this.endpoint });
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.https.closeAllConnections();
    await new Promise<void>((resolve) => this.https.close(() => resolve()));
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
  }

  private send(connection: VoiceConnectionRecord | undefined, socket: WebSocket, op: number, d: unknown): void {
    const payload: Record<string, unknown> = { op, d };
    if (connection && op !== VoiceOp.HeartbeatAck && op !== VoiceOp.Hello) payload.seq = ++connection.seq;
    socket.send(JSON.stringify(payload));
  }

  private reject(socket: WebSocket, code: number, reason: string, maxDaveProtocolVersion: number | undefined): void {
    this.rejections.push({ at: Date.now(), code, reason, maxDaveProtocolVersion });
    socket.close(code, reason);
    this.core.changed();
  }

  private closeConnection(connection: VoiceConnectionRecord, code: number): void {
    this.endConnection(connection);
    connection.socket?.close(code);
    this.core.changed();
  }

  private endConnection(connection: VoiceConnectionRecord): void {
    connection.closed = true;
    if (connection.dave && connection.daveLink) connection.dave.detachBot(connection.daveLink);
  }

  /** Sends now, or after RESUMED when the socket is down. */
  private deliver(connection: VoiceConnectionRecord, data: string | Buffer): void {
    if (connection.socket && connection.socket.readyState === connection.socket.OPEN) connection.socket.send(data);
    else connection.outbox.push(data);
  }

  private joinDaveCall(connection: VoiceConnectionRecord): void {
    const call = this.callFor(connection.guildId, connection.channelId);
    const link: BotLink = {
      userId: connection.userId,
      sendJson: (op, d) => this.deliver(connection, JSON.stringify({ op, d, seq: ++connection.seq })),
      // Server → client binary: u16 sequence number | u8 opcode | body.
      sendBinary: (op, body) => {
        const head = Buffer.alloc(3);
        head.writeUInt16BE(++connection.seq & 0xffff);
        head[2] = op;
        this.deliver(connection, Buffer.concat([head, body]));
      },
      sendRaw: (data) => this.deliver(connection, data),
    };
    connection.dave = call;
    connection.daveLink = link;
    call.attachBot(link);
  }

  private onConnection(socket: WebSocket, version: string | null): void {
    let connection: VoiceConnectionRecord | undefined;
    this.send(undefined, socket, VoiceOp.Hello, { v: Number(version ?? 4), heartbeat_interval: this.options.heartbeatIntervalMs });
    socket.on('message', (raw: RawData, isBinary: boolean) => {
      if (isBinary) {
        // DAVE MLS messages from the client: u8 opcode | body.
        const bytes = Buffer.isBuffer(raw) ? raw : Buffer.concat(Array.isArray(raw) ? raw : [Buffer.from(raw)]);
        if (connection?.dave && bytes.length > 0) connection.dave.onBotBinary(bytes[0]!, bytes.subarray(1));
        this.core.changed();
        return;
      }
      let packet: { op?: number; d?: Json };
      try {
        packet = JSON.parse(rawText(raw)) as { op?: number; d?: Json };
      } catch {
        socket.close(4002, 'Failed to decode payload.');
        return;
      }
      const d = packet.d ?? {};
      switch (packet.op) {
        case VoiceOp.Identify: {
          const pending = typeof d.token === 'string' ? this.pending.get(d.token) : undefined;
          const maxDave = typeof d.max_dave_protocol_version === 'number' ? d.max_dave_protocol_version : undefined;
          if (!pending || d.session_id !== pending.sessionId || d.user_id !== pending.userId || d.server_id !== pending.guildId) {
            this.reject(socket, 4004, 'Authentication failed.', maxDave);
            return;
          }
          if (this.options.requireDaveCapableClient && !(maxDave && maxDave >= 1)) {
            this.reject(socket, 4017, 'E2EE/DAVE protocol required.', maxDave);
            return;
          }
          this.pending.delete(pending.token);
          connection = { ...pending, ssrc: this.nextSsrc++, maxDaveProtocolVersion: maxDave, gatewayVersion: version, socket };
          this.connections.push(connection);
          this.send(connection, socket, VoiceOp.Ready, {
            ssrc: connection.ssrc,
            ip: '127.0.0.1',
            port: this.udpPort,
            modes: this.options.modes,
            heartbeat_interval: 1,
          });
          break;
        }
        case VoiceOp.SelectProtocol: {
          if (!connection) return void socket.close(4003, 'Not authenticated.');
          const data = (d.data ?? {}) as Json;
          const mode = data.mode as EncryptionMode;
          if (d.protocol !== 'udp' || !this.options.modes.includes(mode)) return void socket.close(4016, 'Unknown encryption mode.');
          connection.mode = mode;
          connection.secretKey = new Uint8Array(randomBytes(32));
          connection.clientAddress = { address: String(data.address), port: Number(data.port) };
          connection.daveProtocolVersion = Math.min(this.options.daveProtocolVersion, connection.maxDaveProtocolVersion ?? 0);
          this.send(connection, socket, VoiceOp.SessionDescription, {
            mode,
            secret_key: [...connection.secretKey],
            dave_protocol_version: connection.daveProtocolVersion,
            audio_codec: 'opus',
            video_codec: null,
            media_session_id: randomBytes(16).toString('hex'),
          });
          if (connection.daveProtocolVersion >= 1) this.joinDaveCall(connection);
          break;
        }
        case VoiceOp.Heartbeat:
          if (connection) connection.heartbeats.push({ at: Date.now(), seqAck: typeof d.seq_ack === 'number' ? d.seq_ack : undefined });
          this.send(connection, socket, VoiceOp.HeartbeatAck, { t: d.t });
          break;
        case VoiceOp.Speaking:
          if (connection) connection.speaking.push({ at: performance.now(), speaking: Number(d.speaking) });
          break;
        case VoiceOp.Resume: {
          const found = this.connections.find((c) => c.token === d.token && c.sessionId === d.session_id && c.guildId === d.server_id && !c.closed);
          if (!found) return void socket.close(4006, 'Session no longer valid.');
          connection = found;
          connection.socket = socket;
          connection.resumes++;
          this.send(connection, socket, VoiceOp.Resumed, null);
          for (const data of connection.outbox.splice(0)) socket.send(data);
          break;
        }
        case DaveOp.TransitionReady:
        case DaveOp.InvalidCommitWelcome:
          connection?.dave?.onBotJson(packet.op, d);
          break;
        default:
          break;
      }
      this.core.changed();
    });
    socket.on('close', () => {
      if (connection?.socket === socket) connection.socket = undefined;
      this.core.changed();
    });
    socket.on('error', () => undefined);
  }

  private onDatagram(message: Buffer, remote: RemoteInfo): void {
    const receivedAtMs = performance.now();
    if (message.length === 74 && message.readUInt16BE(0) === 1) {
      // IP discovery: echo the address and port the request came from.
      const response = Buffer.alloc(74);
      response.writeUInt16BE(2, 0);
      response.writeUInt16BE(70, 2);
      response.writeUInt32BE(message.readUInt32BE(4), 4);
      response.write(remote.address, 8, 'utf8');
      response.writeUInt16BE(remote.port, 72);
      this.udp.send(response, remote.port, remote.address);
      return;
    }
    if (message.length === 8) {
      this.udp.send(message, remote.port, remote.address); // keep-alive echo
      return;
    }
    const header = readRtpHeader(message);
    if (!header || header.payloadType !== OPUS_PAYLOAD_TYPE) return;
    const connection = this.connections.find((c) => c.ssrc === header.ssrc && !c.closed);
    if (!connection?.mode || !connection.secretKey) return;
    try {
      const frame = decryptRtpSize(message, connection.mode, connection.secretKey);
      if (connection.dave) {
        // What the simulated listeners hear: the DAVE frame decrypted by each member of the group.
        const { opus, ...dave } = connection.dave.decryptFrame(connection.userId, frame);
        connection.packets.push({ ...header, receivedAtMs, opus, silence: opus.equals(SILENCE_FRAME), dave });
      } else {
        connection.packets.push({ ...header, receivedAtMs, opus: frame, silence: frame.equals(SILENCE_FRAME) });
      }
    } catch {
      connection.decryptFailures++;
    }
    this.core.changed();
  }
}

export const DEFAULT_VOICE_OPTIONS: VoiceOptions = {
  modes: [...ENCRYPTION_MODES],
  requireDaveCapableClient: true,
  daveProtocolVersion: 1,
  heartbeatIntervalMs: 13_750,
};
