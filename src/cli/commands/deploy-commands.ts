/**
 * `rhythmix deploy-commands [--guild ID]` registers the slash commands (the same objects the bot
 * dispatches on: `COMMANDS` in src/bot/commands/index.ts) and prints the invite URL;
 * `rhythmix invite-url` prints only the URL. Both read DISCORD_APP_ID (and the token to deploy).
 */
import { REST, Routes } from 'discord.js';
import type { Command } from 'commander';
import { commandPayloads } from '../../bot/commands/index.js';
import { discordApiUrl } from '../../bot/client.js';
import { BOT_PERMISSIONS, invitePermissions, inviteUrl } from '../../bot/permissions.js';
import { loadBotConfig, readEnvironment } from '../../config/index.js';
import { InvalidInputError, RhythmixError } from '../../util/errors.js';
import { quoteInput } from '../../util/text.js';

function inviteText(applicationId: string): string {
  const list = BOT_PERMISSIONS.map((p) => p.label).join(', ');
  return `Invite URL (permissions ${invitePermissions()}: ${list}):\n  ${inviteUrl(applicationId)}`;
}

export function register(program: Command): void {
  program
    .command('deploy-commands')
    .description('Register the slash commands with Discord (globally, or in one server with --guild) and print the invite URL')
    .option('--guild <id>', 'register in this server only (shows up at once; global commands may take up to an hour)')
    .action(async (flags: { guild?: string }) => {
      if (flags.guild !== undefined && !/^\d{1,20}$/.test(flags.guild))
        throw new InvalidInputError(`--guild must be a numeric server id, got ${quoteInput(flags.guild)}`);
      const config = loadBotConfig();
      // Validated as required by loadBotConfig; the type only says "snowflake or undefined".
      const appId = config.discordAppId as string;
      const apiUrl = discordApiUrl();
      const rest = new REST(apiUrl ? { api: apiUrl } : {}).setToken(config.discordToken);
      const route = flags.guild ? Routes.applicationGuildCommands(appId, flags.guild) : Routes.applicationCommands(appId);
      const payloads = commandPayloads();
      try {
        await rest.put(route, { body: payloads });
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        if (status === 401)
          throw new RhythmixError('Discord refused DISCORD_TOKEN — reset it in the Developer Portal → Bot and set it again', { exitCode: 2, cause: error });
        if (status === 403 || status === 404) {
          throw new RhythmixError(
            `Discord refused the registration (HTTP ${status}) — check DISCORD_APP_ID${flags.guild ? ' and that the bot is in that server' : ''}`,
            { exitCode: 2, cause: error },
          );
        }
        throw error;
      } finally {
        rest.clearHashSweeper();
        rest.clearHandlerSweeper();
      }
      console.log(
        `Registered ${payloads.length} commands ${flags.guild ? `in server ${flags.guild}` : 'globally (may take up to an hour to show everywhere)'}: ${payloads.map((p) => `/${p.name}`).join(' ')}`,
      );
      console.log(inviteText(appId));
    });

  program
    .command('invite-url')
    .description('Print the URL that adds the bot to a server, with exactly the permissions it uses')
    .option('--app-id <id>', 'application id (default DISCORD_APP_ID)')
    .action((flags: { appId?: string }) => {
      const appId = flags.appId ?? readEnvironment().DISCORD_APP_ID?.trim();
      if (!appId || !/^\d{1,20}$/.test(appId)) {
        throw new InvalidInputError(
          'DISCORD_APP_ID is missing — set it in .env or the environment (Developer Portal → General Information → Application ID), or pass --app-id',
        );
      }
      console.log(inviteText(appId));
    });
}
