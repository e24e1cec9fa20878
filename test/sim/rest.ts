import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, invalidFormBody, unknown } from './api-error.js';
import { CallbackType, Intents, type SimCore } from './core.js';
import type { UploadedFile } from './message-payload.js';
import { apiChannel, apiGuild, apiMember, apiMessage, apiUser } from './payloads.js';
import { nextSnowflake } from './snowflake.js';
import { emojiFromKey, emojiKey, type Json, type SimCommand, type SimGuild } from './world.js';

/** One REST request the bot made, as the simulator saw it. */
export interface RestLogEntry {
  at: number;
  method: string;
  /** Path below `/api/v10`, percent-decoded, e.g. `/channels/123/messages/456/reactions/👍/@me`. */
  path: string;
  /** The route template that matched, e.g. `POST /channels/:channel/messages`, or `unmatched`. */
  route: string;
  query: Record<string, string>;
  status: number;
  body: Json | undefined;
  files: Array<{ field: string; filename: string; contentType: string | undefined; size: number }>;
  errorCode: number | undefined;
}

/** A failure the next matching request gets (a test hook: 429s, 500s, any Discord error). */
export interface InjectedFailure {
  method?: string;
  /** Substring of, or pattern for, the path below `/api/v10`. */
  path?: string | RegExp;
  status?: number;
  code?: number;
  message?: string;
  /** For 429s: seconds the client must wait (default 0.05). */
  retryAfter?: number;
  global?: boolean;
  /** How many matching requests fail (default 1). */
  times?: number;
}

interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json;
  files: UploadedFile[];
}

type RouteResult = { status: number; body?: unknown };
type RouteHandler = (ctx: RouteContext) => RouteResult | Promise<RouteResult>;

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  keys: string[];
  auth: boolean;
  handler: RouteHandler;
}

const ok = (body: unknown): RouteResult => ({ status: 200, body });
const noContent: RouteResult = { status: 204 };

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON or multipart (`payload_json` + `files[n]`); multipart is parsed by undici's FormData. */
async function parseRequestBody(req: IncomingMessage, raw: Buffer): Promise<{ body: Json; files: UploadedFile[] }> {
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { body: {}, files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    let body: Json = {};
    const files: UploadedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value) as Json;
        continue;
      }
      files.push({ field, filename: value.name, contentType: value.type || undefined, data: Buffer.from(await value.arrayBuffer()) });
    }
    return { body, files };
  }
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return { body: parsed && typeof parsed === 'object' ? (parsed as Json) : {}, files: [] };
  } catch {
    throw new ApiError(400, 50109, 'The request body contains invalid JSON.');
  }
}

export class RestServer {
  readonly log: RestLogEntry[] = [];
  /** `shards` in `GET /gateway/bot`: the shard count Discord recommends (what `totalShards: 'auto'` follows). */
  recommendedShards = 1;
  private readonly routes: Route[] = [];
  private readonly failures: InjectedFailure[] = [];
  private readonly buckets = new Map<string, { remaining: number; resetAt: number }>();

  constructor(
    private readonly core: SimCore,
    private readonly gatewayUrl: () => string,
    /** Requests per bucket per window, like Discord's per-route limits (discord.js honours the headers). */
    private readonly rateLimit = { limit: 50, windowMs: 1000 },
  ) {
    this.defineRoutes();
  }

  /** Makes the next matching request(s) fail; a 429 by default. */
  failNext(failure: InjectedFailure = {}): void {
    this.failures.push({ times: 1, ...failure });
  }

  async handle(req: IncomingMessage, res: ServerResponse, apiPath: string, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const entry: RestLogEntry = {
      at: Date.now(),
      method,
      path: safeDecode(apiPath),
      route: 'unmatched',
      query: Object.fromEntries(query),
      status: 0,
      body: undefined,
      files: [],
      errorCode: undefined,
    };
    this.log.push(entry);
    let status = 500;
    let body: unknown;
    const headers: Record<string, string> = {};
    try {
      const { body: parsed, files } = await parseRequestBody(req, raw);
      entry.body = raw.length ? parsed : undefined;
      entry.files = files.map((file) => ({ field: file.field, filename: file.filename, contentType: file.contentType, size: file.data.length }));
      const { route, params } = this.match(method, apiPath);
      entry.route = route.template;
      if (route.auth && req.headers.authorization !== `Bot ${this.core.token}`) throw new ApiError(401, 0, '401: Unauthorized');
      const bucket = `${route.template}:${params.channel ?? params.guild ?? params.token ?? ''}`;
      this.injectFailure(method, entry.path, headers);
      this.takeFromBucket(bucket, headers);
      const result = await route.handler({ params, query, body: parsed, files });
      status = result.status;
      body = result.body;
    } catch (error) {
      if (error instanceof ApiError) {
        status = error.status;
        body =
          error.status === 429
            ? { ...error.body(), retry_after: Number(headers['Retry-After'] ?? 0), global: headers['X-RateLimit-Global'] === 'true' }
            : error.body();
        entry.errorCode = error.code;
      } else {
        status = 500;
        body = { message: `Simulator error: ${error instanceof Error ? error.message : String(error)}`, code: 0 };
      }
    }
    entry.status = status;
    this.core.changed();
    if (status === 204 || body === undefined) {
      res.writeHead(status === 200 ? 204 : status, headers).end();
      return;
    }
    res.writeHead(status, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }

  private injectFailure(method: string, apiPath: string, headers: Record<string, string>): void {
    const index = this.failures.findIndex(
      (failure) =>
        (!failure.method || failure.method.toUpperCase() === method) &&
        (!failure.path || (typeof failure.path === 'string' ? apiPath.includes(failure.path) : failure.path.test(apiPath))),
    );
    if (index === -1) return;
    const failure = this.failures[index]!;
    failure.times = (failure.times ?? 1) - 1;
    if (failure.times <= 0) this.failures.splice(index, 1);
    const status = failure.status ?? 429;
    if (status === 429) {
      const retryAfter = failure.retryAfter ?? 0.05;
      headers['Retry-After'] = String(retryAfter);
      headers['X-RateLimit-Scope'] = failure.global ? 'global' : 'user';
      if (failure.global) headers['X-RateLimit-Global'] = 'true';
      throw new ApiError(429, failure.code ?? 0, failure.message ?? 'You are being rate limited.');
    }
    throw new ApiError(status, failure.code ?? 0, failure.message ?? `Injected ${status}`);
  }

  private takeFromBucket(bucket: string, headers: Record<string, string>): void {
    const now = Date.now();
    let state = this.buckets.get(bucket);
    if (!state || now >= state.resetAt) {
      state = { remaining: this.rateLimit.limit, resetAt: now + this.rateLimit.windowMs };
      this.buckets.set(bucket, state);
    }
    const resetAfter = Math.max(0, state.resetAt - now) / 1000;
    headers['X-RateLimit-Limit'] = String(this.rateLimit.limit);
    headers['X-RateLimit-Reset'] = (state.resetAt / 1000).toFixed(3);
    headers['X-RateLimit-Reset-After'] = resetAfter.toFixed(3);
    headers['X-RateLimit-Bucket'] = Buffer.from(bucket.split(':')[0]!).toString('base64url').slice(0, 16);
    if (state.remaining <= 0) {
      // A client that ignores X-RateLimit-Remaining gets a real 429, as on Discord.
      headers['X-RateLimit-Remaining'] = '0';
      headers['Retry-After'] = resetAfter.toFixed(3);
      headers['X-RateLimit-Scope'] = 'user';
      throw new ApiError(429, 0, 'You are being rate limited.');
    }
    state.remaining--;
    headers['X-RateLimit-Remaining'] = String(state.remaining);
  }

  private match(method: string, apiPath: string): { route: Route; params: Record<string, string> } {
    let pathMatched = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(apiPath);
      if (!found) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, index) => (params[key] = decodeURIComponent(found[index + 1]!)));
      return { route, params };
    }
    throw pathMatched ? new ApiError(405, 0, '405: Method Not Allowed') : new ApiError(404, 0, '404: Not Found');
  }

  private route(method: string, template: string, handler: RouteHandler, auth = true): void {
    const keys: string[] = [];
    const pattern = new RegExp(
      `^${template.replace(/:(\w+)/g, (_whole, key: string) => {
        keys.push(key);
        return '([^/]+)';
      })}$`,
    );
    this.routes.push({ method, template: `${method} ${template}`, pattern, keys, auth, handler });
  }

  private guild(id: string): SimGuild {
    const guild = this.core.world.guilds.get(id);
    if (!guild || !guild.members.has(this.core.applicationId)) throw unknown.guild();
    return guild;
  }

  private defineRoutes(): void {
    const { core } = this;
    const { world } = core;

    this.route('GET', '/gateway', () => ok({ url: this.gatewayUrl() }), false);
    this.route('GET', '/gateway/bot', () =>
      ok({
        url: this.gatewayUrl(),
        shards: this.recommendedShards,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
      }),
    );
    this.route('GET', '/users/@me', () => ok(apiUser(world.bot)));
    this.route('GET', '/users/:user', ({ params }) => {
      const user = world.users.get(params.user!);
      if (!user) throw unknown.user();
      return ok(apiUser(user));
    });
    this.route('GET', '/applications/@me', () => ok(this.application()));
    this.route('GET', '/oauth2/applications/@me', () => ok(this.application()));

    // Application commands: bulk overwrite replaces the whole set for that scope.
    const commandRoutes = (template: string, scope: (params: Record<string, string>) => string | undefined): void => {
      this.route('GET', template, ({ params }) => ok(this.commands(params.application!, scope(params)).map((command) => command.raw)));
      this.route('PUT', template, ({ params, body }) => {
        const guildId = scope(params);
        const list = Array.isArray(body) ? (body as Json[]) : [];
        for (const command of this.commands(params.application!, guildId)) world.commands.delete(command.id);
        return ok(list.map((raw, index) => this.saveCommand(raw, guildId, `${index}`).raw));
      });
      this.route('POST', template, ({ params, body }) => {
        const guildId = scope(params);
        const existing = this.commands(params.application!, guildId).find((command) => command.name === body.name);
        if (existing) world.commands.delete(existing.id);
        return { status: existing ? 200 : 201, body: this.saveCommand(body, guildId, '0').raw };
      });
      this.route('DELETE', `${template}/:command`, ({ params }) => {
        const command = world.commands.get(params.command!);
        if (!command || command.guildId !== scope(params)) throw unknown.command();
        world.commands.delete(command.id);
        return noContent;
      });
    };
    commandRoutes('/applications/:application/commands', () => undefined);
    commandRoutes('/applications/:application/guilds/:guild/commands', (params) => this.guild(params.guild!).id);

    this.route(
      'POST',
      '/interactions/:interaction/:token/callback',
      ({ params, body, files, query }) => {
        const { interaction, message } = core.interactionCallback(params.interaction!, params.token!, body, files);
        if (query.get('with_response') !== 'true') return noContent;
        const type = Number(body.type);
        return ok({
          interaction: {
            id: interaction.id,
            type: interaction.type,
            activity_instance_id: null,
            response_message_id: message?.id ?? null,
            response_message_loading: type === CallbackType.Deferred,
            response_message_ephemeral: Boolean(message && message.flags & (1 << 6)),
          },
          resource: { type, ...(message ? { message: apiMessage(world, message) } : {}) },
        });
      },
      false,
    );

    this.route(
      'POST',
      '/webhooks/:application/:token',
      ({ params, body, files, query }) => {
        const interaction = core.interactionByToken(params.application!, params.token!);
        const message = core.followUp(interaction, body, files);
        return query.get('wait') === 'false' ? noContent : ok(apiMessage(world, message));
      },
      false,
    );
    this.route(
      'GET',
      '/webhooks/:application/:token/messages/:message',
      ({ params }) => ok(apiMessage(world, core.interactionMessage(core.interactionByToken(params.application!, params.token!), params.message!))),
      false,
    );
    this.route(
      'PATCH',
      '/webhooks/:application/:token/messages/:message',
      ({ params, body, files }) => {
        const interaction = core.interactionByToken(params.application!, params.token!);
        const message = core.editMessage(core.interactionMessage(interaction, params.message!), body, files);
        core.recordInteractionEdit(interaction, 'edit', message.id);
        return ok(apiMessage(world, message));
      },
      false,
    );
    this.route(
      'DELETE',
      '/webhooks/:application/:token/messages/:message',
      ({ params }) => {
        const interaction = core.interactionByToken(params.application!, params.token!);
        const message = core.interactionMessage(interaction, params.message!);
        core.deleteMessage(message);
        core.recordInteractionEdit(interaction, 'delete', message.id);
        return noContent;
      },
      false,
    );

    this.route('GET', '/channels/:channel', ({ params }) => {
      const channel = world.channel(params.channel!);
      if (!channel) throw unknown.channel();
      return ok(apiChannel(channel));
    });
    this.route('POST', '/channels/:channel/typing', () => noContent);
    this.route('GET', '/channels/:channel/messages', ({ params, query }) => {
      if (!world.channel(params.channel!)) throw unknown.channel();
      const limit = Math.min(100, Number(query.get('limit') ?? 50));
      const list = world.channelMessages(params.channel!).filter((message) => !(message.flags & (1 << 6)));
      return ok(
        list
          .slice(-limit)
          .reverse()
          .map((message) => apiMessage(world, message)),
      );
    });
    this.route('POST', '/channels/:channel/messages', ({ params, body, files }) => {
      const reference = body.message_reference as Json | undefined;
      const message = core.createMessage({
        channelId: params.channel!,
        authorId: core.applicationId,
        payload: body,
        files,
        type: reference ? 19 : 0,
        ...(typeof reference?.message_id === 'string' ? { referencedMessageId: reference.message_id } : {}),
      });
      return ok(apiMessage(world, message));
    });
    this.route('GET', '/channels/:channel/messages/:message', ({ params }) => ok(apiMessage(world, core.message(params.channel!, params.message!))));
    this.route('PATCH', '/channels/:channel/messages/:message', ({ params, body, files }) => {
      const message = core.message(params.channel!, params.message!);
      if (message.authorId !== core.applicationId) throw new ApiError(403, 50005, 'Cannot edit a message authored by another user');
      return ok(apiMessage(world, core.editMessage(message, body, files)));
    });
    this.route('DELETE', '/channels/:channel/messages/:message', ({ params }) => {
      core.deleteMessage(core.message(params.channel!, params.message!));
      return noContent;
    });

    const reaction = (params: Record<string, string>): { key: string; users: Set<string> | undefined; messageId: string } => {
      const message = core.message(params.channel!, params.message!);
      const key = emojiKey(params.emoji!);
      if (!key || /^\w+$/.test(key)) throw unknown.emoji();
      return { key, users: message.reactions.get(key), messageId: message.id };
    };
    this.route('PUT', '/channels/:channel/messages/:message/reactions/:emoji/@me', ({ params }) => {
      const { key, messageId } = reaction(params);
      this.react(messageId, key, core.applicationId, true);
      return noContent;
    });
    this.route('DELETE', '/channels/:channel/messages/:message/reactions/:emoji/@me', ({ params }) => {
      const { key, messageId } = reaction(params);
      this.react(messageId, key, core.applicationId, false);
      return noContent;
    });
    this.route('DELETE', '/channels/:channel/messages/:message/reactions/:emoji/:user', ({ params }) => {
      const { key, messageId } = reaction(params);
      this.react(messageId, key, params.user!, false);
      return noContent;
    });
    // Discord pages reaction users by id: `limit` 1–100 (default 25), `after` a user id.
    this.route('GET', '/channels/:channel/messages/:message/reactions/:emoji', ({ params, query }) => {
      const { users } = reaction(params);
      const limit = Math.max(1, Math.min(100, Number(query.get('limit') ?? 25)));
      const after = BigInt(query.get('after') ?? '0');
      return ok(
        [...(users ?? [])]
          .map((id) => BigInt(id))
          .filter((id) => id > after)
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
          .slice(0, limit)
          .map((id) => world.users.get(String(id)))
          .filter((user) => user !== undefined)
          .map(apiUser),
      );
    });
    this.route('DELETE', '/channels/:channel/messages/:message/reactions', ({ params }) => {
      core.message(params.channel!, params.message!).reactions.clear();
      return noContent;
    });

    this.route('GET', '/guilds/:guild', ({ params }) => ok(apiGuild(world, this.guild(params.guild!))));
    this.route('GET', '/guilds/:guild/channels', ({ params }) => ok(this.guild(params.guild!).channels.map(apiChannel)));
    this.route('GET', '/guilds/:guild/roles', ({ params }) => ok((apiGuild(world, this.guild(params.guild!)) as { roles: unknown }).roles));
    this.route('GET', '/guilds/:guild/members', ({ params, query }) => {
      const guild = this.guild(params.guild!);
      const limit = Math.min(1000, Number(query.get('limit') ?? 1));
      return ok([...guild.members.values()].slice(0, limit).map((member) => apiMember(world, guild, member)));
    });
    this.route('GET', '/guilds/:guild/members/:user', ({ params }) => {
      const guild = this.guild(params.guild!);
      const member = guild.members.get(params.user === '@me' ? core.applicationId : params.user!);
      if (!member) throw unknown.member();
      return ok(apiMember(world, guild, member));
    });
    this.route('GET', '/guilds/:guild/voice-states/:user', ({ params }) => {
      const guild = this.guild(params.guild!);
      const state = guild.voiceStates.get(params.user === '@me' ? core.applicationId : params.user!);
      if (!state?.channelId) throw new ApiError(404, 10065, 'Unknown Voice State');
      return ok({
        guild_id: guild.id,
        channel_id: state.channelId,
        user_id: state.userId,
        session_id: state.sessionId,
        deaf: false,
        mute: false,
        self_deaf: state.selfDeaf,
        self_mute: state.selfMute,
        self_video: false,
        suppress: false,
        request_to_speak_timestamp: null,
      });
    });
  }

  /** Adds or removes a reaction and tells the gateway (bots get their own reaction events too). */
  react(messageId: string, key: string, userId: string, add: boolean): void {
    const message = this.core.world.messages.get(messageId);
    if (!message || message.deleted) throw unknown.message();
    let users = message.reactions.get(key);
    if (!users) message.reactions.set(key, (users = new Set()));
    const had = users.has(userId);
    if (add === had) return;
    if (add) users.add(userId);
    else users.delete(userId);
    this.dispatchReaction(messageId, key, userId, add);
  }

  /**
   * Sends a reaction event without changing the message: a stale or duplicated event, as a
   * gateway may deliver around a resume (the world keeps what really is).
   */
  dispatchReaction(messageId: string, key: string, userId: string, add: boolean): void {
    const message = this.core.world.messages.get(messageId);
    if (!message || message.deleted) throw unknown.message();
    const guild = message.guildId ? this.core.world.guilds.get(message.guildId) : undefined;
    const member = guild?.members.get(userId);
    this.core.dispatch(
      add ? 'MESSAGE_REACTION_ADD' : 'MESSAGE_REACTION_REMOVE',
      {
        user_id: userId,
        channel_id: message.channelId,
        message_id: message.id,
        guild_id: message.guildId,
        emoji: emojiFromKey(key),
        burst: false,
        type: 0,
        ...(add && guild && member ? { member: apiMember(this.core.world, guild, member), message_author_id: message.authorId, burst_colors: [] } : {}),
      },
      Intents.GuildMessageReactions,
    );
  }

  private application(): Json {
    return {
      id: this.core.applicationId,
      name: this.core.world.bot.username,
      icon: null,
      description: 'Simulated application',
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: '0'.repeat(64),
      flags: 0,
      owner: apiUser(this.core.world.bot),
      team: null,
      bot: apiUser(this.core.world.bot),
    };
  }

  private commands(applicationId: string, guildId: string | undefined): SimCommand[] {
    if (applicationId !== this.core.applicationId) throw new ApiError(403, 50001, 'Missing Access');
    return [...this.core.world.commands.values()].filter((command) => command.guildId === guildId);
  }

  private saveCommand(raw: Json, guildId: string | undefined, index: string): SimCommand {
    const name = typeof raw.name === 'string' ? raw.name : '';
    const type = typeof raw.type === 'number' ? raw.type : 1;
    if (!/^[-_\p{L}\p{N}]{1,32}$/u.test(name) || (type === 1 && name !== name.toLowerCase())) {
      throw invalidFormBody(`${index}.name`, 'APPLICATION_COMMAND_INVALID_NAME', `Command name is invalid: ${JSON.stringify(name)}`);
    }
    const description = typeof raw.description === 'string' ? raw.description : '';
    if (type === 1 && (description.length < 1 || description.length > 100)) {
      throw invalidFormBody(`${index}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    const id = nextSnowflake();
    const options = Array.isArray(raw.options) ? (raw.options as Json[]) : [];
    const command: SimCommand = {
      id,
      applicationId: this.core.applicationId,
      guildId,
      name,
      type,
      description,
      options,
      raw: {
        ...raw,
        id,
        application_id: this.core.applicationId,
        ...(guildId ? { guild_id: guildId } : {}),
        version: nextSnowflake(),
        type,
        options,
        default_member_permissions: raw.default_member_permissions ?? null,
      },
    };
    this.core.world.commands.set(id, command);
    return command;
  }
}
