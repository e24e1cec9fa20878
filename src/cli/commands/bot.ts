/**
 * `rhythmix bot` (= `npm start`): runs the Discord bot until Ctrl-C or SIGTERM. Needs only
 * DISCORD_TOKEN and DISCORD_APP_ID (environment or .env); a missing one stops start-up with a
 * line saying what to set. `--shards auto|N` runs N shard processes, each a plain `rhythmix bot`,
 * under discord.js's ShardingManager (src/bot/sharding.ts).
 */
import type { Command } from 'commander';
import { loadBotConfig } from '../../config/index.js';
import { InvalidInputError } from '../../util/errors.js';
import { createLogger } from '../../util/logger.js';
import { quoteInput } from '../../util/text.js';

/** More would be processes nobody can run on one machine; Discord wants one shard per 1000 guilds. */
const MAX_SHARDS = 256;

interface BotFlags {
  deployCommands?: boolean;
  guild?: string;
  shards?: number | 'auto';
}

function parseShards(text: string): number | 'auto' {
  const value = text.trim().toLowerCase();
  if (value === 'auto') return 'auto';
  const count = /^\d+$/.test(value) ? Number(value) : NaN;
  if (count >= 1 && count <= MAX_SHARDS) return count;
  throw new InvalidInputError(`--shards must be auto or a whole number from 1 to ${MAX_SHARDS}, got ${quoteInput(text)}`, { field: 'shards' });
}

/**
 * Resolves on the first SIGINT or SIGTERM. A plain bot then lets a second signal kill it (a hung
 * stop); a shard ignores repeats (Ctrl-C reaches it and its manager forwards SIGTERM too; the
 * manager kills a hung one) and also stops when its manager is gone (IPC channel closed).
 */
function untilStopSignal(options: { shard: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      if (!options.shard) {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (options.shard) {
      process.once('disconnect', stop);
      // The manager went away while this shard was starting: nobody manages it any more.
      if (!process.connected) stop();
    }
  });
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
      deployCommands: flags.deployCommands === true,
      commandsGuildId: flags.guild,
      stopSignal: stopping.signal,
      killSignal: killing.signal,
    });
    if (!stopping.signal.aborted) {
      console.error(`rhythmix: ${running.count} shard(s) online (Discord recommends ${running.recommended}) — Ctrl-C to stop`);
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
    .action(async (flags: BotFlags) => {
      if (flags.shards !== undefined) return runShards(flags, flags.shards);
      const config = loadBotConfig();
      const [{ startBot }, { isManagedShard, shardLabel }] = await Promise.all([import('../../bot/app.js'), import('../../bot/shard.js')]);
      const bot = await startBot({ config, deployCommands: flags.deployCommands === true, ...(flags.guild ? { commandsGuildId: flags.guild } : {}) });
      console.error(
        `rhythmix: bot online as ${bot.client.user?.tag ?? 'unknown'} in ${bot.client.guilds.cache.size} server(s)${shardLabel(bot.client)} — Ctrl-C to stop`,
      );
      await untilStopSignal({ shard: isManagedShard(bot.client) });
      await bot.stop();
      // The manager's IPC channel would keep a shard's process alive.
      if (process.connected) process.disconnect();
    });
}
