import { nextSnowflake } from './snowflake.js';

/** The simulator's in-memory Discord: users, one or more guilds, messages, commands, interactions. */
export type Json = Record<string, unknown>;

export const ChannelType = { GuildText: 0, GuildVoice: 2 } as const;

export interface SimUserRecord {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
}

export interface SimChannel {
  id: string;
  guildId: string;
  name: string;
  type: number;
  position: number;
}

export interface SimRole {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
}

export interface SimMember {
  userId: string;
  roles: string[];
  joinedAt: string;
  nick: string | null;
}

export interface SimVoiceState {
  userId: string;
  guildId: string;
  channelId: string | null;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
}

export interface SimGuild {
  id: string;
  name: string;
  ownerId: string;
  channels: SimChannel[];
  roles: SimRole[];
  members: Map<string, SimMember>;
  voiceStates: Map<string, SimVoiceState>;
}

export interface SimAttachment {
  id: string;
  filename: string;
  contentType: string | undefined;
  size: number;
  url: string;
  description: string | undefined;
  data: Buffer;
}

export interface SimMessageSnapshot {
  content: string;
  embeds: Json[];
  components: Json[];
  attachments: string[];
  flags: number;
  at: number;
}

export interface SimMessage {
  id: string;
  channelId: string;
  guildId: string | undefined;
  authorId: string;
  content: string;
  embeds: Json[];
  components: Json[];
  attachments: SimAttachment[];
  flags: number;
  type: number;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  /** Set on messages created through an interaction response or follow-up. */
  interactionId: string | undefined;
  webhookId: string | undefined;
  referencedMessageId: string | undefined;
  /** Emoji key (unicode name or `name:id`) → user ids. */
  reactions: Map<string, Set<string>>;
  /** Every earlier state, oldest first (edits push the previous state here). */
  history: SimMessageSnapshot[];
}

export interface SimCommand {
  id: string;
  applicationId: string;
  guildId: string | undefined;
  name: string;
  type: number;
  description: string;
  options: Json[];
  raw: Json;
}

export interface SimInteractionRecord {
  id: string;
  token: string;
  type: number;
  userId: string;
  guildId: string;
  channelId: string;
  createdAt: number;
  /** Set by a test to end the token's life now, whatever its lifetime (see SimInteraction.expireToken). */
  tokenExpired?: boolean;
  /** Callback types in the order they arrived (4 reply, 5 deferred, 6 deferred update, 7 update, 9 modal). */
  callbacks: Array<{ type: number; at: number }>;
  originalMessageId: string | undefined;
  followUpIds: string[];
  /** For component interactions: the message the component sits on. */
  sourceMessageId: string | undefined;
  commandName: string | undefined;
  customId: string | undefined;
  /** The modal the bot opened with callback type 9 (its `data`: custom_id, title, components). */
  modal: Json | undefined;
}

export const MessageFlags = { Ephemeral: 1 << 6, Loading: 1 << 7, ComponentsV2: 1 << 15 } as const;

/** Permission bits the default roles grant (view, send, embed, attach, history, react, connect, speak, app commands). */
export const DEFAULT_MEMBER_PERMISSIONS =
  (1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 6n) | (1n << 20n) | (1n << 21n) | (1n << 31n);
export const ADMINISTRATOR = 1n << 3n;

export function createUser(username: string, bot = false, id: string = nextSnowflake()): SimUserRecord {
  return { id, username, globalName: bot ? null : username[0]!.toUpperCase() + username.slice(1), bot };
}

export function emojiKey(emoji: string): string {
  // Custom emoji arrive as `name:id` (path) or `<:name:id>` (message text); unicode stays as it is.
  const custom = /^<?a?:?([\w~]+):(\d+)>?$/.exec(emoji);
  return custom ? `${custom[1]}:${custom[2]}` : emoji;
}

export function emojiFromKey(key: string): { id: string | null; name: string } {
  const custom = /^([\w~]+):(\d+)$/.exec(key);
  return custom ? { id: custom[2]!, name: custom[1]! } : { id: null, name: key };
}

export class World {
  readonly users = new Map<string, SimUserRecord>();
  readonly guilds = new Map<string, SimGuild>();
  readonly messages = new Map<string, SimMessage>();
  readonly commands = new Map<string, SimCommand>();
  readonly interactions = new Map<string, SimInteractionRecord>();
  readonly attachments = new Map<string, SimAttachment>();

  constructor(readonly bot: SimUserRecord) {
    this.users.set(bot.id, bot);
  }

  addUser(user: SimUserRecord): SimUserRecord {
    this.users.set(user.id, user);
    return user;
  }

  userByName(name: string): SimUserRecord | undefined {
    for (const user of this.users.values()) if (user.username === name) return user;
    return undefined;
  }

  channel(id: string): SimChannel | undefined {
    for (const guild of this.guilds.values()) {
      const found = guild.channels.find((channel) => channel.id === id);
      if (found) return found;
    }
    return undefined;
  }

  channelByName(name: string, guildId?: string): SimChannel | undefined {
    for (const guild of this.guilds.values()) {
      if (guildId && guild.id !== guildId) continue;
      const found = guild.channels.find((channel) => channel.name === name);
      if (found) return found;
    }
    return undefined;
  }

  memberPermissions(guild: SimGuild, userId: string): bigint {
    const member = guild.members.get(userId);
    if (guild.ownerId === userId) return ADMINISTRATOR | DEFAULT_MEMBER_PERMISSIONS;
    let permissions = guild.roles.find((role) => role.id === guild.id)?.permissions ?? 0n;
    for (const roleId of member?.roles ?? []) permissions |= guild.roles.find((role) => role.id === roleId)?.permissions ?? 0n;
    return permissions;
  }

  channelMessages(channelId: string): SimMessage[] {
    return [...this.messages.values()].filter((message) => message.channelId === channelId && !message.deleted);
  }
}
