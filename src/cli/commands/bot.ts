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
      await untilStopped(bot, config.shutdownGraceMs);
    });
}

/** Past the grace period and the users' answers, a stop that still hangs is cut short. */
const STOP_OVERRUN_MS = 5500;

/**
 * SIGINT / SIGTERM: a graceful stop (new composes refused, running ones get `graceMs` to finish,
 * the rest are cancelled and their users told, voice closed) and exit 0. A second signal exits
 * at once (code 130); a stop that hangs past the grace period plus a margin exits with 1.
 */
function untilStopped(bot: { stop(options: { graceMs: number }): Promise<void> }, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      console.error(`rhythmix: ${signal} — stopping (running composes get ${graceMs / 1000} s; ${signal} again to quit now)`);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(130));
      setTimeout(() => {
        console.error('rhythmix: the stop took too long — exiting anyway');
        process.exit(1);
      }, graceMs + STOP_OVERRUN_MS).unref();
      void bot.stop({ graceMs }).finally(() => {
        resolve();
        // Nothing may keep the process up once the bot is stopped (a lingering socket, a timer).
        setImmediate(() => process.exit(process.exitCode ?? 0));
      });
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}
