/**
 * `rhythmix bot` (= `npm start`): runs the Discord bot until Ctrl-C or SIGTERM. Needs only
 * DISCORD_TOKEN and DISCORD_APP_ID (environment or .env); a missing one stops start-up with a
 * line saying what to set. `--shards auto|N` runs N shard processes, each a plain `rhythmix bot`,
 * under discord.js's ShardingManager (src/bot/sharding.ts); `--shard-list` runs some of them
 * here and leaves the rest to other machines (src/bot/shard-list.ts).
 */
import type { Command } from 'commander';
import { loadBotConfig } from '../../config/index.js';
import { InvalidInputError } from '../../util/errors.js';
import { createLogger } from '../../util/logger.js';
import { quoteInput } from '../../util/text.js';
import { parseShardList } from '../../bot/shard-list.js';

/** More would be processes nobody can run on one machine; Discord wants one shard per 1000 guilds. */
const MAX_SHARDS = 256;

interface BotFlags {
  deployCommands?: boolean;
  guild?: string;
  shards?: number | 'auto';
  shardList?: number[];
}

function parseShards(text: string): number | 'auto' {
  const value = text.trim().toLowerCase();
  if (value === 'auto') return 'auto';
  const count = /^\d+$/.test(value) ? Number(value) : NaN;
  if (count >= 1 && count <= MAX_SHARDS) return count;
  throw new InvalidInputError(`--shards must be auto or a whole number from 1 to ${MAX_SHARDS}, got ${quoteInput(text)}`, { field: 'shards' });
}

async function runShards(flags: BotFlags, shards: number | 'auto'): Promise<void> {
  const config = loadBotConfig();
  const logger = createLogger({ level: config.logLevel, name: 'rhythmix-shards', secrets: [config.discordToken] });
  const [{ startShards }, { discordApiUrl }] = await Promise.all([import('../../bot/sharding.js'), import('../../bot/client.js')]);
  // Listening from the start, so Ctrl-C while the shards start stops them too. The first signal
  // stops the shards gently (SIGTERM, their own shutdown); a second kills them now.
  const stopping = new AbortController();
  const killing = new AbortController();
  const onSignal = () => (stopping.signal.aborted ? killing.abort() : stopping.abort());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const running = await startShards({
      config,
      shards,
      logger,
      apiUrl: discordApiUrl(),
      shardList: flags.shardList,
      deployCommands: flags.deployCommands === true,
      commandsGuildId: flags.guild,
      stopSignal: stopping.signal,
      killSignal: killing.signal,
    });
    if (!stopping.signal.aborted) {
      const here = running.ids.length < running.count ? ` here: ${running.ids.join(', ')} of ${running.count}, the rest on other machines` : '';
      console.error(`rhythmix: ${running.ids.length} shard(s) online${here} (Discord recommends ${running.recommended}) — Ctrl-C to stop`);
      await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
    }
    await running.stop();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function register(program: Command): void {
  program
    .command('bot')
    .description('Run the Discord bot (needs DISCORD_TOKEN and DISCORD_APP_ID in .env or the environment)')
    .option('--deploy-commands', 'register the slash commands globally at start (same as `rhythmix deploy-commands`)')
    .option('--guild <id>', 'with --deploy-commands: register them in this server only (instant)')
    .option('--shards <auto|N>', "run N shard processes (auto: Discord's recommended count) under one manager; default: one process", parseShards)
    .option(
      '--shard-list <ids>',
      'with --shards N: run only these shards here (e.g. 0,1 or 0-4), the others on other machines; needs REDIS_URL',
      parseShardList,
    )
    .action(async (flags: BotFlags) => {
      if (flags.shardList !== undefined && flags.shards === undefined) {
        throw new InvalidInputError('--shard-list needs --shards N: the shard count of the whole bot, the same on every machine', { field: 'shardList' });
      }
      if (flags.shards !== undefined) return runShards(flags, flags.shards);
      const config = loadBotConfig();
      const [{ startBot }, { isManagedShard, shardLabel }] = await Promise.all([import('../../bot/app.js'), import('../../bot/shard.js')]);
      const bot = await startBot({ config, deployCommands: flags.deployCommands === true, ...(flags.guild ? { commandsGuildId: flags.guild } : {}) });
      console.error(
        `rhythmix: bot online as ${bot.client.user?.tag ?? 'unknown'} in ${bot.client.guilds.cache.size} server(s)${shardLabel(bot.client)} — Ctrl-C to stop`,
      );
      await untilStopped(bot, config.shutdownGraceMs, { shard: isManagedShard(bot.client) });
    });
}

/** Past the grace period and the users' answers, a stop that still hangs is cut short. */
const STOP_OVERRUN_MS = 5500;
/** After a stop, how long a lingering handle may keep the process up before it exits anyway. */
const EXIT_LINGER_MS = 1500;

/**
 * SIGINT / SIGTERM: a graceful stop (new composes refused, running ones get `graceMs` to finish,
 * the rest are cancelled and their users told, voice closed) and exit 0. A plain bot exits at
 * once on a second signal (code 130); a shard ignores repeats (Ctrl-C reaches it and its manager
 * forwards SIGTERM too; the manager kills a hung one) and also stops when its manager is gone
 * (IPC channel closed). A stop that hangs past the grace period plus a margin exits with 1.
 */
function untilStopped(bot: { stop(options: { graceMs: number }): Promise<void> }, graceMs: number, options: { shard: boolean }): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const shutdown = (reason: string) => {
      if (stopping) return;
      stopping = true;
      console.error(`rhythmix: ${reason} — stopping (running composes get ${graceMs / 1000} s${options.shard ? '' : `; ${reason} again to quit now`})`);
      if (!options.shard) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.once('SIGINT', () => process.exit(130));
        process.once('SIGTERM', () => process.exit(130));
      }
      setTimeout(() => {
        console.error('rhythmix: the stop took too long — exiting anyway');
        process.exit(1);
      }, graceMs + STOP_OVERRUN_MS).unref();
      void bot.stop({ graceMs }).finally(() => {
        resolve();
        // The manager's IPC channel would keep a shard's process alive.
        if (process.connected) process.disconnect();
        // Ends on its own once the log is flushed; nothing may keep it up longer (a lingering socket, a timer).
        setTimeout(() => process.exit(process.exitCode ?? 0), EXIT_LINGER_MS).unref();
      });
    };
    const onSignal = (signal: NodeJS.Signals) => shutdown(signal);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (options.shard) {
      process.once('disconnect', () => shutdown('manager gone'));
      // The manager went away while this shard was starting: nobody manages it any more.
      if (!process.connected) shutdown('manager gone');
    }
  });
}
