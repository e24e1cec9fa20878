import { randomBytes } from 'node:crypto';
import { Intents, InteractionType, type SimCore, type UserVoiceChange } from './core.js';
import { buildCommandOptions, type OptionValue, type SimFile } from './interaction-options.js';
import { flattenComponents } from './message-payload.js';
import { apiAttachment, apiChannel, apiMember, apiMessage, apiUser, apiVoiceState } from './payloads.js';
import type { RestServer } from './rest.js';
import { SimInteraction } from './sim-interaction.js';
import { nextSnowflake } from './snowflake.js';
import { ChannelType, emojiKey, type Json, type SimChannel, type SimGuild, type SimMessage, type SimUserRecord } from './world.js';

export type ChannelRef = SimChannel | string;
export type MessageRef = SimMessage | string;

/** A scripted guild member: runs slash commands, clicks buttons, reacts, joins voice. */
export class SimUser {
  constructor(
    private readonly core: SimCore,
    private readonly rest: RestServer,
    readonly record: SimUserRecord,
    private readonly defaultGuild: () => SimGuild,
    private readonly resolveChannel: (ref: ChannelRef) => SimChannel,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get name(): string {
    return this.record.username;
  }

  /**
   * Runs a slash command the bot registered (guild commands first, then global). `command` may name a
   * subcommand: `'model rate'`. Attachment options take `simFile(name, bytes)`.
   */
  slash(command: string, options: Record<string, OptionValue> = {}, where: { channel?: ChannelRef } = {}): SimInteraction {
    const channel = where.channel ? this.resolveChannel(where.channel) : this.firstTextChannel();
    const guild = this.guildOf(channel);
    const [name, ...path] = command.trim().split(/\s+/);
    const registered = [...this.core.world.commands.values()];
    const found = registered.find((c) => c.name === name && c.guildId === guild.id) ?? registered.find((c) => c.name === name && c.guildId === undefined);
    if (!found) {
      throw new Error(`The bot has not registered /${name} (registered: ${registered.map((c) => `/${c.name}`).join(', ') || 'none'})`);
    }
    const built = buildCommandOptions(found, path, options, {
      upload: (file: SimFile) => this.core.storeUpload(channel.id, { filename: file.name, contentType: file.contentType, data: file.data }),
      user: (value) => this.userFrom(value),
      channel: (value) =>
        typeof value === 'string' || (typeof value === 'object' && 'guildId' in value) ? this.resolveChannel(value) : this.firstTextChannel(),
    });
    const resolved: Json = {};
    if (built.attachments.length) resolved.attachments = Object.fromEntries(built.attachments.map((a) => [a.id, { ...apiAttachment(a), ephemeral: true }]));
    if (built.users.length) {
      resolved.users = Object.fromEntries(built.users.map((u) => [u.id, apiUser(u)]));
      const members = built.users.map((u) => [u.id, guild.members.get(u.id)] as const).filter(([, m]) => m);
      resolved.members = Object.fromEntries(
        members.map(([id, m]) => [id, (({ user: _user, deaf: _d, mute: _m, ...rest }) => rest)(apiMember(this.core.world, guild, m!))]),
      );
    }
    if (built.channels.length) resolved.channels = Object.fromEntries(built.channels.map((c) => [c.id, { ...apiChannel(c), permissions: '0' }]));
    return this.interact(
      guild,
      channel,
      InteractionType.ApplicationCommand,
      {
        id: found.id,
        name: found.name,
        type: found.type,
        ...(found.guildId ? { guild_id: found.guildId } : {}),
        options: built.options,
        ...(Object.keys(resolved).length ? { resolved } : {}),
      },
      { commandName: [found.name, ...path].join(' ') },
    );
  }

  /** Clicks a button on a message (throws when there is no such enabled button). */
  click(message: MessageRef, customId: string): SimInteraction {
    return this.component(message, customId, 2);
  }

  /** Picks values in a string select menu. */
  select(message: MessageRef, customId: string, values: string[]): SimInteraction {
    return this.component(message, customId, 3, values);
  }

  /**
   * Submits the modal the bot opened in answer to `opener`, with text input values by custom id
   * (unknown ids and missing required inputs throw).
   */
  submitModal(opener: SimInteraction, values: Record<string, string>): SimInteraction {
    const modal = opener.record.modal;
    if (!modal) throw new Error(`The bot did not open a modal for interaction ${opener.id}`);
    const inputs = flattenComponents(Array.isArray(modal.components) ? (modal.components as Json[]) : []).filter((c) => c.type === 4);
    for (const id of Object.keys(values)) {
      if (!inputs.some((input) => input.custom_id === id)) throw new Error(`Modal "${String(modal.custom_id)}" has no text input "${id}"`);
    }
    for (const input of inputs) {
      if (input.required !== false && !(String(input.custom_id) in values)) throw new Error(`Modal input "${String(input.custom_id)}" is required`);
    }
    const channel = this.resolveChannel(opener.record.channelId);
    const sourceMessageId = opener.record.sourceMessageId;
    const source = sourceMessageId ? this.core.world.messages.get(sourceMessageId) : undefined;
    return this.interact(
      this.guildOf(channel),
      channel,
      InteractionType.ModalSubmit,
      {
        custom_id: modal.custom_id,
        components: inputs.map((input) => ({ type: 1, components: [{ type: 4, custom_id: input.custom_id, value: values[String(input.custom_id)] ?? '' }] })),
      },
      { customId: String(modal.custom_id), ...(source ? { sourceMessageId: source.id, message: apiMessage(this.core.world, source) } : {}) },
    );
  }

  react(message: MessageRef, emoji: string): void {
    this.rest.react(this.message(message).id, emojiKey(emoji), this.id, true);
  }

  unreact(message: MessageRef, emoji: string): void {
    this.rest.react(this.message(message).id, emojiKey(emoji), this.id, false);
  }

  /** A stale gateway event for this user's reaction, the message unchanged (see RestServer.dispatchReaction). */
  staleReactionEvent(message: MessageRef, emoji: string, add: boolean): void {
    this.rest.dispatchReaction(this.message(message).id, emojiKey(emoji), this.id, add);
  }

  /** Posts a plain message (MESSAGE_CREATE for bots with the GuildMessages intent). */
  say(channel: ChannelRef, content: string): SimMessage {
    return this.core.createMessage({ channelId: this.resolveChannel(channel).id, authorId: this.id, payload: { content } });
  }

  joinVoice(channel: ChannelRef): void {
    const target = this.resolveChannel(channel);
    if (target.type !== ChannelType.GuildVoice) throw new Error(`#${target.name} is not a voice channel`);
    this.setVoice(this.guildOf(target), target.id);
  }

  leaveVoice(guild: SimGuild = this.defaultGuild()): void {
    this.setVoice(guild, null);
  }

  /** The voice channel this user is in, if any. */
  voiceChannelId(guild: SimGuild = this.defaultGuild()): string | null {
    return guild.voiceStates.get(this.id)?.channelId ?? null;
  }

  private setVoice(guild: SimGuild, channelId: string | null): void {
    const previous = guild.voiceStates.get(this.id)?.channelId ?? null;
    const state = { userId: this.id, guildId: guild.id, channelId, sessionId: randomBytes(16).toString('hex'), selfMute: false, selfDeaf: false };
    guild.voiceStates.set(this.id, state);
    this.core.dispatch('VOICE_STATE_UPDATE', apiVoiceState(this.core.world, guild, state), Intents.GuildVoiceStates);
    if (previous !== channelId) this.core.signals.emit('user-voice', { userId: this.id, from: previous, to: channelId } satisfies UserVoiceChange);
  }

  private component(ref: MessageRef, customId: string, componentType: number, values?: string[]): SimInteraction {
    const message = this.message(ref);
    const component = flattenComponents(message.components).find((c) => c.custom_id === customId);
    if (!component) {
      const ids = flattenComponents(message.components)
        .map((c) => c.custom_id)
        .filter(Boolean);
      throw new Error(`Message ${message.id} has no component "${customId}" (has: ${ids.join(', ') || 'none'})`);
    }
    if (component.disabled) throw new Error(`Component "${customId}" is disabled`);
    if (component.type !== componentType) throw new Error(`Component "${customId}" has type ${String(component.type)}, not ${componentType}`);
    const channel = this.resolveChannel(message.channelId);
    return this.interact(
      this.guildOf(channel),
      channel,
      InteractionType.MessageComponent,
      { custom_id: customId, component_type: componentType, ...(values ? { values } : {}) },
      { customId, sourceMessageId: message.id, message: apiMessage(this.core.world, message) },
    );
  }

  private interact(
    guild: SimGuild,
    channel: SimChannel,
    type: number,
    data: Json,
    extra: { commandName?: string; customId?: string; sourceMessageId?: string; message?: Json },
  ): SimInteraction {
    const member = this.ensureMember(guild);
    const id = nextSnowflake();
    const token = `aW50ZXJhY3Rpb246${Buffer.from(id).toString('base64url')}${randomBytes(48).toString('base64url')}`;
    this.core.world.interactions.set(id, {
      id,
      token,
      type,
      userId: this.id,
      guildId: guild.id,
      channelId: channel.id,
      createdAt: Date.now(),
      callbacks: [],
      originalMessageId: undefined,
      followUpIds: [],
      sourceMessageId: extra.sourceMessageId,
      commandName: extra.commandName,
      customId: extra.customId,
      modal: undefined,
    });
    const bot = guild.members.get(this.core.applicationId);
    this.core.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.core.applicationId,
      type,
      data,
      guild_id: guild.id,
      guild: { id: guild.id, locale: 'en-US', features: [] },
      guild_locale: 'en-US',
      channel_id: channel.id,
      channel: { ...apiChannel(channel), permissions: this.core.world.memberPermissions(guild, this.id).toString() },
      member: apiMember(this.core.world, guild, member),
      token,
      version: 1,
      locale: 'en-US',
      app_permissions: bot ? this.core.world.memberPermissions(guild, bot.userId).toString() : '0',
      entitlements: [],
      entitlement_sku_ids: [],
      authorizing_integration_owners: { '0': guild.id },
      context: 0,
      attachment_size_limit: 26_214_400,
      ...(extra.message ? { message: extra.message } : {}),
    });
    return new SimInteraction(this.core, this.core.world.interactions.get(id)!);
  }

  private ensureMember(guild: SimGuild) {
    let member = guild.members.get(this.id);
    if (!member) {
      member = { userId: this.id, roles: [], joinedAt: new Date().toISOString(), nick: null };
      guild.members.set(this.id, member);
      this.core.dispatch('GUILD_MEMBER_ADD', { ...apiMember(this.core.world, guild, member), guild_id: guild.id }, Intents.GuildMembers);
    }
    return member;
  }

  private message(ref: MessageRef): SimMessage {
    const message = typeof ref === 'string' ? this.core.world.messages.get(ref) : ref;
    if (!message || message.deleted) throw new Error(`No such message: ${typeof ref === 'string' ? ref : ref.id}`);
    return this.core.world.messages.get(message.id) ?? message;
  }

  private userFrom(value: OptionValue): SimUserRecord {
    if (typeof value === 'object' && 'username' in value) return value;
    const user = typeof value === 'string' ? (this.core.world.users.get(value) ?? this.core.world.userByName(value)) : undefined;
    if (!user) throw new Error(`No simulated user ${JSON.stringify(value)}`);
    return user;
  }

  private guildOf(channel: SimChannel): SimGuild {
    return this.core.world.guilds.get(channel.guildId)!;
  }

  private firstTextChannel(): SimChannel {
    const channel = this.defaultGuild().channels.find((c) => c.type === ChannelType.GuildText);
    if (!channel) throw new Error('The default guild has no text channel');
    return channel;
  }
}
