/**
 * `rhythmix bot --shards auto|N`: discord.js's ShardingManager (mode 'process') runs N processes,
 * each the plain `rhythmix bot` for its shard (discord.js hands it SHARDS/SHARD_COUNT through the
 * environment; see shard.ts). The manager itself holds no gateway connection: it checks the token
 * and asks Discord for the recommended count (GET /gateway/bot, through DISCORD_API_URL — discord.js's
 * own 'auto' always asks discord.com), applies the migrations once, registers the commands once,
 * spawns the shards 5.5 s apart (one IDENTIFY per 5 s), lets discord.js respawn one that dies, and
 * on stop sends SIGTERM to every shard and waits for them (SIGKILL after a grace period).
 */
import type { ChildProcess } from 'node:child_process';
import { Routes, ShardingManager, type RESTGetAPIGatewayBotResult, type Shard } from 'discord.js';
import { piecesDirectory, type BotConfig } from '../config/index.js';
import { openDatabase } from '../db/index.js';
import { cliLauncherPath } from '../util/built-entry.js';
import { InvalidInputError, RhythmixError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { removeStrayWorkFolders } from './compose/recovery.js';
import { registerCommands, shortLivedRest } from './register-commands.js';
import { checkShardList, runsPartOfShards, splitShardsProblems } from './shard-list.js';

export type ShardCount = number | 'auto';

/** Discord's identify rate for max_concurrency 1, with discord.js's margin. */
export const DEFAULT_SPAWN_DELAY_MS = 5_500;
export const DEFAULT_STOP_GRACE_MS = 30_000;

export interface StartShardsOptions {
  readonly config: BotConfig;
  readonly shards: ShardCount;
  /**
   * The shard ids this machine runs (`--shard-list`); default all of them. Fewer than the count:
   * the other machines run the rest (REDIS_URL required, see shard-list.ts).
   */
  readonly shardList?: readonly number[] | undefined;
  readonly logger: Logger;
  /** REST base; default Discord. */
  readonly apiUrl?: string | undefined;
  readonly deployCommands?: boolean;
  readonly commandsGuildId?: string | undefined;
  /** The program every shard runs and its arguments; default the launcher with `bot`. */
  readonly shardFile?: string;
  readonly shardArgs?: readonly string[];
  readonly spawnDelayMs?: number;
  /** How long one shard may take to get ready; default 60 s. */
  readonly readyTimeoutMs?: number;
  /** How long a shard may take to stop after SIGTERM before it is killed. */
  readonly stopGraceMs?: number;
  /** Stop the shards gently (also while they are still starting): the first Ctrl-C. */
  readonly stopSignal?: AbortSignal;
  /** Kill them now: a second Ctrl-C. */
  readonly killSignal?: AbortSignal;
}

export interface RunningShards {
  readonly manager: ShardingManager;
  /** The shard count of the whole bot (every machine's shards). */
  readonly count: number;
  /** The shard ids this manager runs. */
  readonly ids: readonly number[];
  /** What GET /gateway/bot recommended. */
  readonly recommended: number;
  /** SIGTERM to every shard (no respawns from now on), resolved once all have exited. Idempotent. */
  stop(): Promise<void>;
}

/** The token checked and Discord's recommended shard count, from GET /gateway/bot. */
export async function recommendedShardCount(token: string, apiUrl?: string): Promise<number> {
  const rest = shortLivedRest(token, apiUrl);
  try {
    const { shards } = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
    return shards;
  } catch (error) {
    if ((error as { status?: unknown }).status === 401) {
      throw new RhythmixError('Discord refused DISCORD_TOKEN — copy a fresh one from the Developer Portal → your application → Bot → Reset Token', {
        exitCode: 2,
        cause: error,
      });
    }
    throw error;
  } finally {
    rest.close();
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after `graceMs` (0: SIGKILL now); resolves on exit. */
function stopChild(child: ChildProcess | null, graceMs: number): Promise<void> {
  if (!child || exited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (graceMs > 0) child.kill('SIGTERM');
  });
}

function watchShard(shard: Shard, manager: ShardingManager, logger: Logger): void {
  shard.on('spawn', (child) => logger.info({ shard: shard.id, pid: 'pid' in child ? child.pid : undefined }, 'shard started'));
  shard.on('ready', () => logger.info({ shard: shard.id }, 'shard ready'));
  shard.on('death', (child) => {
    if (!manager.respawn) return;
    const code = 'exitCode' in child ? child.exitCode : undefined;
    logger.warn({ shard: shard.id, code }, 'shard exited — starting it again');
  });
  // A respawn that fails is reported here; without a listener the EventEmitter would throw.
  shard.on('error', (error) => logger.error({ err: error, shard: shard.id }, 'shard failed'));
}

export async function startShards(options: StartShardsOptions): Promise<RunningShards> {
  const { config, logger } = options;
  const partial = options.shardList !== undefined && options.shards !== 'auto' && runsPartOfShards(options.shardList, options.shards);
  if (options.shardList !== undefined && options.shards === 'auto') {
    // Every machine must agree on the count, and Discord's recommendation changes as the bot grows.
    throw new InvalidInputError('--shard-list needs --shards N, the same whole number on every machine (not auto)', { field: 'shardList' });
  }
  if (partial) {
    const { warning } = splitShardsProblems(config);
    if (warning) logger.warn(warning);
  }
  const recommended = await recommendedShardCount(config.discordToken, options.apiUrl);
  const count = options.shards === 'auto' ? recommended : options.shards;
  if (options.shardList) checkShardList(options.shardList, count);
  const ids = options.shardList ? [...options.shardList] : [...Array(count).keys()];
  // Once, before several processes open the file (WAL: they share it from then on). PostgreSQL's
  // migrations take an advisory lock, so managers on several machines starting at once apply each once.
  await (await openDatabase(config.databaseUrl)).close();
  // No shard runs yet: a work folder left in the pieces folder is a dead job's (each shard leaves
  // the others' alone, since a respawned shard starts while they compose).
  const stray = await removeStrayWorkFolders(piecesDirectory());
  if (stray > 0) logger.info({ folders: stray }, 'work folders of dead jobs removed');
  // Registered once per bot: by the machine that runs shard 0 (the others would only repeat it).
  if (options.deployCommands && !ids.includes(0)) {
    logger.info('commands not registered here: the machine that runs shard 0 registers them (--deploy-commands there)');
  } else if (options.deployCommands) {
    const payloads = await registerCommands({
      token: config.discordToken,
      applicationId: config.discordAppId as string,
      apiUrl: options.apiUrl,
      guildId: options.commandsGuildId,
    });
    logger.info({ commands: payloads.length, guild: options.commandsGuildId }, 'commands registered');
  }

  const manager = new ShardingManager(options.shardFile ?? cliLauncherPath(), {
    totalShards: count,
    shardList: ids,
    mode: 'process',
    respawn: true,
    shardArgs: [...(options.shardArgs ?? ['bot'])],
    token: config.discordToken,
  });
  let stopping = false;
  manager.on('shardCreate', (shard) => {
    watchShard(shard, manager, logger);
    // The spawn loop may start one more after a stop began (it was sleeping between shards): end it at once.
    if (stopping) shard.once('spawn', (child) => void stopChild('pid' in child ? child : null, 0));
  });
  // The spawn loop, once started (a stop waits for it to wind down).
  const spawn: { loop?: Promise<unknown> } = {};
  let stopped: Promise<void> | undefined;
  const stopAll = (graceMs: number) => Promise.all(manager.shards.map((shard) => stopChild(shard.process, graceMs)));
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      manager.respawn = false;
      const graceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
      await Promise.all([stopAll(graceMs), spawn.loop?.catch(() => undefined)]);
      await stopAll(graceMs);
      logger.info('shards stopped');
    })());
  options.stopSignal?.addEventListener('abort', () => void stop(), { once: true });
  options.killSignal?.addEventListener(
    'abort',
    () => {
      void stop();
      void stopAll(0);
    },
    { once: true },
  );
  const running: RunningShards = { manager, count, ids, recommended, stop };
  if (options.stopSignal?.aborted) {
    await stop();
    return running;
  }

  logger.info({ shards: count, ids, recommended }, 'starting shards');
  spawn.loop = manager.spawn({ amount: count, delay: options.spawnDelayMs ?? DEFAULT_SPAWN_DELAY_MS, timeout: options.readyTimeoutMs ?? 60_000 });
  try {
    await spawn.loop;
  } catch (error) {
    await stop();
    // Stopped on request while starting: not a failure.
    if (options.stopSignal?.aborted) return running;
    throw new RhythmixError(`a shard did not get ready (${(error as Error).message}) — see its output above`, { exitCode: 1, cause: error });
  }
  return running;
}
