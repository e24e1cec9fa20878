import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Intents, SimCore } from './core.js';
import { apiGuildCreate } from './payloads.js';
import { GatewayServer } from './gateway.js';
import { RestServer, type RestLogEntry } from './rest.js';
import { SimUser, type ChannelRef } from './sim-user.js';
import { randomToken } from './snowflake.js';
import { nextSnowflake } from './snowflake.js';
import { obtainTlsMaterial, processTrusts, removeTlsMaterial, type TlsMaterial } from './tls.js';
import { DEFAULT_VOICE_OPTIONS, VoiceServer, type VoiceOptions } from './voice-server.js';
import { waitUntil } from './wait.js';
import { summarise } from './sim-interaction.js';
import {
  ADMINISTRATOR,
  ChannelType,
  DEFAULT_MEMBER_PERMISSIONS,
  World,
  createUser,
  type SimChannel,
  type SimCommand,
  type SimGuild,
  type Json,
  type SimMessage,
} from './world.js';

export interface GuildSpec {
  name: string;
  /** A snowflake to use as the guild id (e.g. `guildIdOnShard(1, 2)` to place it on shard 1); fresh by default. */
  id?: string;
  textChannels?: string[];
  voiceChannels?: string[];
  /** Usernames of members (the first owns the guild); the bot is always a member. */
  members?: string[];
}

export interface SimulatorOptions {
  /** Bot token the client must log in with (random by default). */
  token?: string;
  botName?: string;
  guilds?: GuildSpec[];
  /** HELLO heartbeat interval; Discord uses ~41 s, the default here is shorter so zombie links show up fast. */
  heartbeatIntervalMs?: number;
  /** Discord's 3 s acknowledgement deadline; later callbacks get 10062 Unknown interaction. */
  interactionAckTimeoutMs?: number;
  interactionTokenLifetimeMs?: number;
  voice?: Partial<VoiceOptions>;
  /** Per-bucket REST limit the simulator advertises and enforces. */
  rateLimit?: { limit: number; windowMs: number };
  /** `shards` in `GET /gateway/bot`, what `--shards auto` follows; default 1. */
  recommendedShards?: number;
  /** Guilds one session may hold before IDENTIFY is refused with 4011 Sharding required; default 2500, Discord's. */
  maxGuildsPerShard?: number;
}

export const DEFAULT_GUILD: GuildSpec = {
  name: 'Rhythmix Lab',
  textChannels: ['general', 'compositions'],
  voiceChannels: ['Music', 'Lounge'],
  members: ['alice', 'bob', 'carol'],
};

/**
 * A local Discord: REST + CDN + gateway on one HTTP port, the voice gateway on a TLS port and voice
 * RTP on a UDP port, all on 127.0.0.1 with ports picked by the OS. Point discord.js at it with
 * `new Client({ ...sim.clientOptions(), intents })` and `client.login(sim.token)`.
 */
export class DiscordSimulator {
  readonly world: World;
  readonly rest: RestServer;
  readonly gateway: GatewayServer;
  readonly voice: VoiceServer;
  /** Milliseconds `start()` took. */
  startupMs = 0;
  private readonly core: SimCore;
  private readonly http: Server;
  private readonly users = new Map<string, SimUser>();
  private closed = false;

  private constructor(
    options: SimulatorOptions,
    readonly tls: TlsMaterial,
    private readonly ownsTls: boolean,
  ) {
    const bot = createUser(options.botName ?? 'Rhythmix', true);
    this.world = new World(bot);
    this.core = new SimCore(this.world, options.token ?? `${Buffer.from(bot.id).toString('base64url')}.${randomToken(6)}.${randomToken(27)}`, {
      interactionAckTimeoutMs: options.interactionAckTimeoutMs ?? 3000,
      interactionTokenLifetimeMs: options.interactionTokenLifetimeMs ?? 15 * 60_000,
    });
    this.voice = new VoiceServer(this.core, tls, { ...DEFAULT_VOICE_OPTIONS, ...options.voice });
    this.gateway = new GatewayServer(this.core, {
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5000,
      onVoiceStateUpdate: (session, data) => this.voice.onVoiceStateUpdate(session, data),
      maxGuildsPerShard: options.maxGuildsPerShard ?? 2500,
    });
    this.rest = new RestServer(this.core, () => this.gatewayUrl, options.rateLimit);
    this.rest.recommendedShards = options.recommendedShards ?? 1;
    this.http = createServer((req, res) => void this.onRequest(req, res));
    this.http.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      if (new URL(req.url ?? '/', 'http://x').pathname === '/gateway') this.gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    for (const spec of options.guilds ?? [DEFAULT_GUILD]) this.addGuild(spec);
  }

  static async start(options: SimulatorOptions = {}): Promise<DiscordSimulator> {
    const started = performance.now();
    const { material, owned } = obtainTlsMaterial();
    const sim = new DiscordSimulator(options, material, owned);
    await new Promise<void>((resolve) => sim.http.listen(0, '127.0.0.1', resolve));
    await sim.voice.listen();
    sim.core.baseUrl = sim.baseUrl;
    sim.gateway.setUrl(sim.gatewayUrl);
    sim.startupMs = performance.now() - started;
    return sim;
  }

  get token(): string {
    return this.core.token;
  }

  get applicationId(): string {
    return this.core.applicationId;
  }

  get botUser() {
    return this.world.bot;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** REST base for discord.js's `rest.api` option (discord.js appends `/v10`). */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}/gateway`;
  }

  /** Spread into `new Client({...})`. */
  clientOptions(): { rest: { api: string } } {
    return { rest: { api: this.apiUrl } };
  }

  /**
   * Environment for a bot started as a child process: NODE_EXTRA_CA_CERTS makes it trust the voice
   * gateway's self-signed certificate (read once at process start, so it has to be set here).
   */
  clientEnv(): Record<string, string> {
    return { NODE_EXTRA_CA_CERTS: this.tls.certPath, DISCORD_TOKEN: this.token, DISCORD_API_URL: this.apiUrl };
  }

  /** Whether an in-process client can reach voice (the e2e global setup arranges this). */
  get processTrustsVoiceCertificate(): boolean {
    return processTrusts(this.tls);
  }

  /** Every REST request so far (optionally only those whose route template contains `route`). */
  requests(route?: string): RestLogEntry[] {
    return this.rest.log.filter((entry) => !route || entry.route.includes(route));
  }

  get guild(): SimGuild {
    const first = this.world.guilds.values().next().value;
    if (!first) throw new Error('The simulator has no guild');
    return first;
  }

  addGuild(spec: GuildSpec): SimGuild {
    const id = spec.id ?? nextSnowflake();
    if (this.world.guilds.has(id)) throw new Error(`A guild with id ${id} exists already`);
    const members = (spec.members ?? []).map((name) => this.world.userByName(name) ?? this.world.addUser(createUser(name)));
    const botRoleId = nextSnowflake();
    const guild: SimGuild = {
      id,
      name: spec.name,
      ownerId: members[0]?.id ?? this.world.bot.id,
      channels: [],
      roles: [
        { id, name: '@everyone', permissions: DEFAULT_MEMBER_PERMISSIONS, position: 0 },
        { id: botRoleId, name: this.world.bot.username, permissions: DEFAULT_MEMBER_PERMISSIONS | (1n << 13n), position: 1 },
        { id: nextSnowflake(), name: 'Admin', permissions: ADMINISTRATOR, position: 2 },
      ],
      members: new Map(),
      voiceStates: new Map(),
    };
    const joinedAt = new Date().toISOString();
    guild.members.set(this.world.bot.id, { userId: this.world.bot.id, roles: [botRoleId], joinedAt, nick: null });
    for (const user of members) guild.members.set(user.id, { userId: user.id, roles: [], joinedAt, nick: null });
    let position = 0;
    for (const name of spec.textChannels ?? [])
      guild.channels.push({ id: nextSnowflake(), guildId: id, name, type: ChannelType.GuildText, position: position++ });
    for (const name of spec.voiceChannels ?? [])
      guild.channels.push({ id: nextSnowflake(), guildId: id, name, type: ChannelType.GuildVoice, position: position++ });
    this.world.guilds.set(id, guild);
    // A guild added while the bot is connected arrives like a guild join.
    if (this.gateway.sessions.size > 0) this.core.dispatch('GUILD_CREATE', apiGuildCreate(this.world, guild), Intents.Guilds);
    return guild;
  }

  channel(ref: ChannelRef): SimChannel {
    if (typeof ref !== 'string') return ref;
    const channel = this.world.channel(ref) ?? this.world.channelByName(ref.replace(/^#/, ''));
    if (!channel) throw new Error(`No channel ${JSON.stringify(ref)}`);
    return channel;
  }

  /** A scripted user by name; unknown names become new users (they join the guild on first use). */
  user(name: string): SimUser {
    let user = this.users.get(name);
    if (!user) {
      const record = this.world.userByName(name) ?? this.world.addUser(createUser(name));
      user = new SimUser(
        this.core,
        this.rest,
        record,
        () => this.guild,
        (ref) => this.channel(ref),
      );
      this.users.set(name, user);
    }
    return user;
  }

  /** Messages that exist now (deleted ones left out), oldest first. */
  messages(predicate: (message: SimMessage) => boolean = () => true): SimMessage[] {
    return [...this.world.messages.values()].filter((message) => !message.deleted && predicate(message));
  }

  /**
   * A message from the bot that is already in the channel, e.g. posted by an earlier run of a bot
   * started as its own process (its buttons work: clicks reach whichever bot is connected).
   */
  seedBotMessage(channel: ChannelRef, payload: Json): SimMessage {
    return this.core.createMessage({ channelId: this.channel(channel).id, authorId: this.world.bot.id, payload });
  }

  waitForMessage(predicate: (message: SimMessage) => boolean, timeoutMs?: number): Promise<SimMessage> {
    return this.waitFor(() => this.messages(predicate)[0], 'a message matching the predicate', timeoutMs);
  }

  /** Resolves once the bot has registered these commands (globally or in a guild). */
  waitForCommands(names: string[], timeoutMs?: number): Promise<SimCommand[]> {
    return this.waitFor(
      () => {
        const commands = names.map((name) => [...this.world.commands.values()].find((command) => command.name === name));
        return commands.every(Boolean) ? (commands as SimCommand[]) : undefined;
      },
      `commands ${names.map((name) => `/${name}`).join(', ')} to be registered`,
      timeoutMs,
    );
  }

  /** Resolves once a client has identified on the gateway (READY and GUILD_CREATE were sent). */
  waitForLogin(timeoutMs?: number) {
    return this.waitFor(() => this.gateway.session, 'the bot to identify on the gateway', timeoutMs);
  }

  /** Generic awaitable: re-evaluates `probe` on every simulator change until it returns a value. */
  waitFor<T>(probe: () => T | undefined | false | null, what: string, timeoutMs?: number): Promise<T> {
    return waitUntil(this.core.signals, probe, what, timeoutMs, () => this.describeRecent());
  }

  /** Interaction responses (callbacks, follow-ups, edits), including late ones. */
  get interactionResponses() {
    return this.core.responses;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.gateway.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.voice.close();
    this.core.signals.removeAllListeners();
    if (this.ownsTls) removeTlsMaterial(this.tls);
  }

  private describeRecent(): string {
    const requests = this.rest.log.slice(-8).map((entry) => `  ${entry.status} ${entry.method} ${entry.path}${entry.errorCode ? ` (${entry.errorCode})` : ''}`);
    const messages = this.messages()
      .slice(-5)
      .map((message) => `  ${JSON.stringify(summarise(message))}`);
    return [`recent REST requests:`, ...requests, `recent messages:`, ...messages].join('\n');
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = /^\/api(?:\/v\d+)?(\/.*)$/.exec(url.pathname);
    if (api) return this.rest.handle(req, res, api[1]!, url.searchParams);
    const cdn = /^\/cdn\/attachments\/\d+\/(\d+)\/[^/]+$/.exec(url.pathname);
    const attachment = cdn ? this.world.attachments.get(cdn[1]!) : undefined;
    if (attachment && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': attachment.contentType ?? 'application/octet-stream', 'Content-Length': attachment.size });
      res.end(req.method === 'HEAD' ? undefined : attachment.data);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: '404: Not Found', code: 0 }));
  }
}
