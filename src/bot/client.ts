/**
 * The discord.js client the bot runs on. Only non-privileged intents: Guilds (commands,
 * channels), GuildVoiceStates (who sits in which voice channel) and GuildMessageReactions
 * (ratings). The partials let reactions on old, uncached messages arrive as events.
 */
import { Client, GatewayIntentBits, Options, Partials, type ClientOptions } from 'discord.js';
import type { Environment } from '../config/env-file.js';
import { discordApiUrlSetting, processEnvironment } from '../config/settings.js';

export const BOT_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMessageReactions] as const;
export const BOT_PARTIALS = [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User] as const;

/**
 * The REST base to talk to: DISCORD_API_URL when set (the local simulator in tests, e.g.
 * http://127.0.0.1:PORT/api), else discord.js's default (https://discord.com/api).
 */
export function discordApiUrl(env: Environment = processEnvironment()): string | undefined {
  return discordApiUrlSetting(env);
}

/**
 * No message is kept in memory: the bot reads messages and their reactions by id over REST
 * (ratings, reconciliation), and discord.js would otherwise keep the last 200 of every channel —
 * every reply, follow-up and reacted-to message, with its embeds and reactions — growing with the
 * number of channels the bot has ever answered in.
 */
export const BOT_CACHE = Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 });

export function createClient(options: { apiUrl?: string | undefined; extra?: Partial<ClientOptions> } = {}): Client {
  return new Client({
    intents: [...BOT_INTENTS],
    partials: [...BOT_PARTIALS],
    makeCache: BOT_CACHE,
    ...(options.apiUrl ? { rest: { api: options.apiUrl } } : {}),
    ...options.extra,
  });
}
