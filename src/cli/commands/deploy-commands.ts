/**
 * `rhythmix deploy-commands [--guild ID]` registers the slash commands (the same objects the bot
 * dispatches on: `COMMANDS` in src/bot/commands/index.ts) and prints the invite URL;
 * `rhythmix invite-url` prints only the URL. Both read DISCORD_APP_ID (and the token to deploy).
 */
import type { Command } from 'commander';
import { discordApiUrl } from '../../bot/client.js';
import { registerCommands } from '../../bot/register-commands.js';
import { BOT_PERMISSIONS, invitePermissions, inviteUrl } from '../../bot/permissions.js';
import { loadBotConfig, readEnvironment } from '../../config/index.js';
import { InvalidInputError } from '../../util/errors.js';
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
      const payloads = await registerCommands({ token: config.discordToken, applicationId: appId, apiUrl: discordApiUrl(), guildId: flags.guild });
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
