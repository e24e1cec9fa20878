/**
 * The discord.js client the bot runs on. Only non-privileged intents: Guilds (commands,
 * channels), GuildVoiceStates (who sits in which voice channel) and GuildMessageReactions
 * (ratings). The partials let reactions on old, uncached messages arrive as events.
 */
import { Client, GatewayIntentBits, Partials, type ClientOptions } from 'discord.js';
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

export function createClient(options: { apiUrl?: string | undefined; extra?: Partial<ClientOptions> } = {}): Client {
  return new Client({
    intents: [...BOT_INTENTS],
    partials: [...BOT_PARTIALS],
    ...(options.apiUrl ? { rest: { api: options.apiUrl } } : {}),
    ...options.extra,
  });
}
