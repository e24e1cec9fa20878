import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { apiGuildCreate, apiUser } from './payloads.js';
import type { Json } from './world.js';
import type { SimCore } from './core.js';
import { rawText } from './raw-data.js';
import { identifyShard, routingGuildId, ShardCloseCode, shardOwns, type ShardPair } from './sharding.js';

export const GatewayOp = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/** A bot's gateway session; it outlives its socket so RESUME can replay what was missed. */
export interface GatewaySession {
  id: string;
  intents: number;
  /** `[shard_id, num_shards]` from IDENTIFY ([0, 1] without sharding): which guilds' events it gets. */
  shard: ShardPair;
  seq: number;
  /** Every dispatch of the session (bounded), for RESUME replays. */
  events: Array<{ s: number; t: string; d: Json }>;
  socket: WebSocket | undefined;
  /** Dispatches the client has not been sent yet (socket gone or stalled). */
  resumable: boolean;
  identifies: number;
  resumes: number;
  /** Events replayed by RESUMEs so far. */
  replayed: number;
  lastHeartbeatAt: number;
  heartbeats: number;
}

export interface GatewayOptions {
  heartbeatIntervalMs: number;
  /** Called for op 4 so the voice side can answer with VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE. */
  onVoiceStateUpdate: (session: GatewaySession, data: Json) => void;
  /** A session that would hold more guilds than this is refused with 4011 Sharding required (Discord: 2500). */
  maxGuildsPerShard: number;
}

/** Client → server payloads the gateway saw, for assertions (op, data, when). */
export interface GatewayLogEntry {
  at: number;
  op: number;
  d: unknown;
  sessionId: string | undefined;
}

const MAX_BUFFERED_EVENTS = 2000;

export class GatewayServer {
  readonly sessions = new Map<string, GatewaySession>();
  readonly received: GatewayLogEntry[] = [];
  /** Connections whose heartbeats go unanswered and dispatches unsent (a zombie link). */
  private readonly stalled = new Set<WebSocket>();
  private readonly server = new WebSocketServer({ noServer: true });
  private url = '';

  constructor(
    private readonly core: SimCore,
    private readonly options: GatewayOptions,
  ) {
    core.dispatcher = this;
    this.server.on('connection', (socket) => this.onConnection(socket));
  }

  setUrl(url: string): void {
    this.url = url;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.server.handleUpgrade(req, socket, head, (ws) => this.server.emit('connection', ws, req));
  }

  /** The one bot session (the latest identified). */
  get session(): GatewaySession | undefined {
    return [...this.sessions.values()].at(-1);
  }

  /** The sessions on shard `shardId` (latest last). */
  shardSessions(shardId: number): GatewaySession[] {
    return [...this.sessions.values()].filter((session) => session.shard[0] === shardId);
  }

  /** Sends an event to the sessions of the shard that owns its guild (DMs: shard 0), filtered by intent. */
  dispatch(event: string, data: Json, intent?: number): void {
    const guildId = routingGuildId(event, data);
    for (const session of this.sessions.values()) {
      if (intent !== undefined && !(session.intents & intent)) continue;
      if (!shardOwns(session.shard, guildId)) continue;
      this.send(session, event, data);
    }
  }

  /** Drops the bot's connection: abruptly (like a network failure) or with a close code. */
  drop(options: { code?: number } = {}): void {
    for (const session of this.sessions.values()) {
      const socket = session.socket;
      session.socket = undefined;
      if (!socket) continue;
      if (options.code === undefined) socket.terminate();
      else socket.close(options.code, 'Dropped by the simulator');
    }
  }

  /** Stops answering heartbeats and sending dispatches on the current connection until the client gives up on it. */
  stall(): void {
    for (const session of this.sessions.values()) {
      if (session.socket) this.stalled.add(session.socket);
    }
  }

  /** Op 9: a resumable invalid session lets the client RESUME, otherwise it must IDENTIFY again. */
  invalidateSession(resumable = false): void {
    for (const session of [...this.sessions.values()]) {
      if (!resumable) {
        session.resumable = false;
        this.sessions.delete(session.id);
      }
      session.socket?.send(JSON.stringify({ op: GatewayOp.InvalidSession, d: resumable }));
    }
  }

  /** Op 7: asks the client to reconnect and resume. */
  requestReconnect(): void {
    for (const session of this.sessions.values()) session.socket?.send(JSON.stringify({ op: GatewayOp.Reconnect, d: null }));
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private send(session: GatewaySession, event: string, data: Json): void {
    session.seq++;
    const payload = { op: GatewayOp.Dispatch, t: event, s: session.seq, d: data };
    session.events.push({ s: session.seq, t: event, d: data });
    if (session.events.length > MAX_BUFFERED_EVENTS) session.events.shift();
    const socket = session.socket;
    if (socket && socket.readyState === socket.OPEN && !this.stalled.has(socket)) socket.send(JSON.stringify(payload));
  }

  private onConnection(socket: WebSocket): void {
    let session: GatewaySession | undefined;
    socket.send(JSON.stringify({ op: GatewayOp.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs, _trace: ['rhythmix-sim'] } }));
    socket.on('message', (raw: RawData) => {
      let packet: { op?: number; d?: unknown };
      try {
        packet = JSON.parse(rawText(raw)) as { op?: number; d?: unknown };
      } catch {
        socket.close(4002, 'Error while decoding payload.');
        return;
      }
      this.received.push({ at: Date.now(), op: Number(packet.op), d: packet.d, sessionId: session?.id });
      const d = (packet.d && typeof packet.d === 'object' ? packet.d : {}) as Json;
      switch (packet.op) {
        case GatewayOp.Heartbeat:
          if (session) {
            session.heartbeats++;
            session.lastHeartbeatAt = Date.now();
          }
          if (!this.stalled.has(socket)) socket.send(JSON.stringify({ op: GatewayOp.HeartbeatAck }));
          break;
        case GatewayOp.Identify:
          if (session) return void socket.close(4005, 'Already authenticated.');
          if (d.token !== this.core.token) return void socket.close(4004, 'Authentication failed.');
          session = this.identify(socket, Number(d.intents ?? 0), d.shard);
          break;
        case GatewayOp.Resume:
          if (session) return void socket.close(4005, 'Already authenticated.');
          session = this.resume(socket, d);
          break;
        case GatewayOp.VoiceStateUpdate:
          if (!session) return void socket.close(4003, 'Not authenticated.');
          this.options.onVoiceStateUpdate(session, d);
          break;
        case GatewayOp.RequestGuildMembers:
          if (session) this.sendMemberChunk(session, d);
          break;
        case GatewayOp.PresenceUpdate:
          break;
        default:
          socket.close(4001, 'Unknown opcode.');
      }
      this.core.changed();
    });
    socket.on('close', () => {
      this.stalled.delete(socket);
      if (session?.socket === socket) session.socket = undefined;
      this.core.changed();
    });
    socket.on('error', () => undefined);
  }

  /** The shard count of the connected sessions, if any is connected. */
  private connectedShardCount(): number | undefined {
    return [...this.sessions.values()].find((session) => session.socket !== undefined && session.socket.readyState === session.socket.OPEN)?.shard[1];
  }

  private identify(socket: WebSocket, intents: number, shardField: unknown): GatewaySession | undefined {
    const shard = identifyShard(shardField);
    const running = this.connectedShardCount();
    // Discord checks the pair itself; a count that differs from the running sessions' is invalid too.
    if (!shard || (running !== undefined && running !== shard[1])) {
      socket.close(ShardCloseCode.InvalidShard, 'Invalid shard.');
      return undefined;
    }
    const guilds = [...this.core.world.guilds.values()].filter((guild) => guild.members.has(this.core.applicationId) && shardOwns(shard, guild.id));
    if (guilds.length > this.options.maxGuildsPerShard) {
      socket.close(ShardCloseCode.ShardingRequired, 'Sharding required.');
      return undefined;
    }
    const session: GatewaySession = {
      id: randomBytes(16).toString('hex'),
      intents,
      shard,
      seq: 0,
      events: [],
      socket,
      resumable: true,
      identifies: 1,
      resumes: 0,
      replayed: 0,
      lastHeartbeatAt: 0,
      heartbeats: 0,
    };
    this.sessions.set(session.id, session);
    this.send(session, 'READY', {
      v: 10,
      user: { ...apiUser(this.core.world.bot), verified: true, mfa_enabled: false, email: null },
      guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.url,
      shard: [...shard],
      application: { id: this.core.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['local'],
      user_settings: {},
      auth_session_id_hash: '',
      _trace: ['rhythmix-sim'],
    });
    for (const guild of guilds) this.send(session, 'GUILD_CREATE', apiGuildCreate(this.core.world, guild));
    return session;
  }

  private resume(socket: WebSocket, d: Json): GatewaySession | undefined {
    const session = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    if (!session || !session.resumable || d.token !== this.core.token) {
      socket.send(JSON.stringify({ op: GatewayOp.InvalidSession, d: false }));
      return undefined;
    }
    const previous = session.socket;
    if (previous && previous !== socket) previous.terminate();
    session.socket = socket;
    session.resumes++;
    const after = Number(d.seq ?? 0);
    for (const event of session.events) {
      if (event.s <= after) continue;
      socket.send(JSON.stringify({ op: GatewayOp.Dispatch, t: event.t, s: event.s, d: event.d }));
      session.replayed++;
    }
    this.send(session, 'RESUMED', { _trace: ['rhythmix-sim'] });
    return session;
  }

  private sendMemberChunk(session: GatewaySession, d: Json): void {
    const guild = typeof d.guild_id === 'string' ? this.core.world.guilds.get(d.guild_id) : undefined;
    if (!guild) return;
    const userIds = Array.isArray(d.user_ids) ? (d.user_ids as string[]) : undefined;
    const members = [...guild.members.values()].filter((member) => !userIds || userIds.includes(member.userId));
    this.send(session, 'GUILD_MEMBERS_CHUNK', {
      guild_id: guild.id,
      members: members.map((member) => ({
        user: apiUser(this.core.world.users.get(member.userId)!),
        roles: member.roles,
        joined_at: member.joinedAt,
        deaf: false,
        mute: false,
        flags: 0,
      })),
      chunk_index: 0,
      chunk_count: 1,
      ...(typeof d.nonce === 'string' ? { nonce: d.nonce } : {}),
    });
  }
}
