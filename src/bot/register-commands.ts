/**
 * Registering the slash commands over REST (no gateway): `rhythmix deploy-commands`, and
 * `rhythmix bot --shards … --deploy-commands` where the manager registers them once for all shards.
 */
import { REST, Routes } from 'discord.js';
import { RhythmixError } from '../util/errors.js';
import { commandPayloads } from './commands/index.js';

export interface RegisterCommandsOptions {
  readonly token: string;
  readonly applicationId: string;
  /** REST base (the simulator in tests); default Discord. */
  readonly apiUrl?: string | undefined;
  /** Register in this server only (instant) instead of globally. */
  readonly guildId?: string | undefined;
}

/** A REST client for one short task; `close()` stops its sweepers so the process can exit. */
export function shortLivedRest(token: string, apiUrl?: string): REST & { close(): void } {
  const rest = new REST(apiUrl ? { api: apiUrl } : {}).setToken(token);
  return Object.assign(rest, {
    close() {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    },
  });
}

/** Puts every command (bulk overwrite); returns the payloads registered. Refusals are worded for the user. */
export async function registerCommands(options: RegisterCommandsOptions): Promise<ReturnType<typeof commandPayloads>> {
  const rest = shortLivedRest(options.token, options.apiUrl);
  const route = options.guildId ? Routes.applicationGuildCommands(options.applicationId, options.guildId) : Routes.applicationCommands(options.applicationId);
  const payloads = commandPayloads();
  try {
    await rest.put(route, { body: payloads });
    return payloads;
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (status === 401)
      throw new RhythmixError('Discord refused DISCORD_TOKEN — reset it in the Developer Portal → Bot and set it again', { exitCode: 2, cause: error });
    if (status === 403 || status === 404) {
      throw new RhythmixError(
        `Discord refused the registration (HTTP ${status}) — check DISCORD_APP_ID${options.guildId ? ' and that the bot is in that server' : ''}`,
        { exitCode: 2, cause: error },
      );
    }
    throw error;
  } finally {
    rest.close();
  }
}
