/**
 * `rhythmix bot` (= `npm start`): runs the Discord bot until Ctrl-C or SIGTERM. Needs only
 * DISCORD_TOKEN and DISCORD_APP_ID (environment or .env); a missing one stops start-up with a
 * line saying what to set.
 */
import type { Command } from 'commander';
import { loadBotConfig } from '../../config/index.js';

export function register(program: Command): void {
  program
    .command('bot')
    .description('Run the Discord bot (needs DISCORD_TOKEN and DISCORD_APP_ID in .env or the environment)')
    .option('--deploy-commands', 'register the slash commands globally at start (same as `rhythmix deploy-commands`)')
    .option('--guild <id>', 'with --deploy-commands: register them in this server only (instant)')
    .action(async (flags: { deployCommands?: boolean; guild?: string }) => {
      const config = loadBotConfig();
      const { startBot } = await import('../../bot/app.js');
      const bot = await startBot({ config, deployCommands: flags.deployCommands === true, ...(flags.guild ? { commandsGuildId: flags.guild } : {}) });
      console.error(`rhythmix: bot online as ${bot.client.user?.tag ?? 'unknown'} in ${bot.client.guilds.cache.size} server(s) — Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          process.off('SIGINT', shutdown);
          process.off('SIGTERM', shutdown);
          void bot.stop().finally(resolve);
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
    });
}
