import {
  emojiFromKey,
  type Json,
  type SimAttachment,
  type SimChannel,
  type SimGuild,
  type SimMember,
  type SimMessage,
  type SimUserRecord,
  type SimVoiceState,
  type World,
} from './world.js';

/** Serialisers from the simulator's records to Discord API v10 JSON shapes. */
export function apiUser(user: SimUserRecord): Json {
  return {
    id: user.id,
    username: user.username,
    global_name: user.globalName,
    discriminator: '0',
    avatar: null,
    bot: user.bot,
    system: false,
    public_flags: 0,
    flags: 0,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
  };
}

export function apiMember(world: World, guild: SimGuild, member: SimMember): Json {
  const user = world.users.get(member.userId);
  return {
    user: user ? apiUser(user) : { id: member.userId },
    nick: member.nick,
    avatar: null,
    roles: member.roles,
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: null,
    permissions: world.memberPermissions(guild, member.userId).toString(),
  };
}

export function apiChannel(channel: SimChannel): Json {
  return {
    id: channel.id,
    guild_id: channel.guildId,
    name: channel.name,
    type: channel.type,
    position: channel.position,
    permission_overwrites: [],
    parent_id: null,
    nsfw: false,
    flags: 0,
    ...(channel.type === 2 ? { bitrate: 64_000, user_limit: 0, rtc_region: null } : { topic: null, last_message_id: null, rate_limit_per_user: 0 }),
  };
}

export function apiVoiceState(world: World, guild: SimGuild, state: SimVoiceState): Json {
  const member = guild.members.get(state.userId);
  return {
    guild_id: guild.id,
    channel_id: state.channelId,
    user_id: state.userId,
    member: member ? apiMember(world, guild, member) : undefined,
    session_id: state.sessionId,
    deaf: false,
    mute: false,
    self_deaf: state.selfDeaf,
    self_mute: state.selfMute,
    self_video: false,
    self_stream: false,
    suppress: false,
    request_to_speak_timestamp: null,
  };
}

export function apiGuild(world: World, guild: SimGuild): Json {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    vanity_url_code: null,
    features: [],
    emojis: [],
    stickers: [],
    roles: guild.roles.map((role) => ({
      id: role.id,
      name: role.name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: false,
      mentionable: false,
      flags: 0,
    })),
    max_members: 500_000,
    max_video_channel_users: 25,
    premium_progress_bar_enabled: false,
    application_id: null,
  };
}

/** The GUILD_CREATE payload: the guild plus channels, members and voice states. */
export function apiGuildCreate(world: World, guild: SimGuild): Json {
  return {
    ...apiGuild(world, guild),
    joined_at: new Date().toISOString(),
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    channels: guild.channels.map((channel) => {
      const { guild_id: _guildId, ...rest } = apiChannel(channel);
      return rest;
    }),
    threads: [],
    members: [...guild.members.values()].map((member) => apiMember(world, guild, member)),
    voice_states: [...guild.voiceStates.values()]
      .filter((state) => state.channelId)
      .map((state) => {
        const { guild_id: _guildId, member: _member, ...rest } = apiVoiceState(world, guild, state);
        return rest;
      }),
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function apiAttachment(attachment: SimAttachment): Json {
  return {
    id: attachment.id,
    filename: attachment.filename,
    size: attachment.size,
    url: attachment.url,
    proxy_url: attachment.url,
    ...(attachment.contentType ? { content_type: attachment.contentType } : {}),
    ...(attachment.description ? { description: attachment.description } : {}),
  };
}

export function apiMessage(world: World, message: SimMessage, viewerId: string = world.bot.id): Json {
  const author = world.users.get(message.authorId);
  const referenced = message.referencedMessageId ? world.messages.get(message.referencedMessageId) : undefined;
  const interaction = message.interactionId ? world.interactions.get(message.interactionId) : undefined;
  const interactionUser = interaction ? world.users.get(interaction.userId) : undefined;
  return {
    id: message.id,
    channel_id: message.channelId,
    ...(message.guildId ? { guild_id: message.guildId } : {}),
    author: author ? apiUser(author) : { id: message.authorId },
    content: message.content,
    timestamp: new Date(message.createdAt).toISOString(),
    edited_timestamp: message.editedAt ? new Date(message.editedAt).toISOString() : null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: message.attachments.map(apiAttachment),
    embeds: message.embeds,
    components: message.components,
    reactions: [...message.reactions.entries()]
      .filter(([, users]) => users.size > 0)
      .map(([key, users]) => ({
        count: users.size,
        count_details: { burst: 0, normal: users.size },
        me: users.has(viewerId),
        me_burst: false,
        burst_colors: [],
        emoji: emojiFromKey(key),
      })),
    pinned: false,
    type: message.type,
    flags: message.flags,
    ...(message.webhookId ? { webhook_id: message.webhookId, application_id: message.webhookId } : {}),
    ...(message.referencedMessageId
      ? {
          message_reference: { type: 0, message_id: message.referencedMessageId, channel_id: message.channelId, guild_id: message.guildId },
          referenced_message: referenced ? apiMessage(world, referenced, viewerId) : null,
        }
      : {}),
    ...(interaction && interactionUser
      ? {
          interaction_metadata: {
            id: interaction.id,
            type: interaction.type,
            user: apiUser(interactionUser),
            authorizing_integration_owners: { '0': interaction.guildId },
            ...(interaction.sourceMessageId ? { interacted_message_id: interaction.sourceMessageId } : {}),
          },
        }
      : {}),
  };
}
