/**
 * The bot's composition root: configuration → database (migrations applied), job queue, voice
 * players, discord.js client, router and rating listeners → logged in and ready.
 * `rhythmix bot` / `npm start` call `startBot`; the end-to-end tests do too, against the simulator.
 */
import path from 'node:path';
import { Events, type Client } from 'discord.js';
import { COMMANDS, commandPayloads } from './commands/index.js';
import type { BotConfig } from '../config/index.js';
import { piecesDirectory } from '../config/settings.js';
import { openDatabase, type OpenedDatabase } from '../db/index.js';
import { JobQueue, type WorkQueue } from '../jobs/queue.js';
import type { WorkerPool } from '../jobs/worker-pool.js';
import { ClusterClient } from '../cluster/client.js';
import { storeRegistry } from '../cluster/store-registry.js';
import { RedisJobQueue } from '../cluster/redis-queue.js';
import { RemoteComposer } from '../cluster/remote-compose.js';
import { remoteRetrainRunner } from '../cluster/remote-retrain.js';
import { composeWorkerPool } from './compose/workers.js';
import { ScoreEngraver } from './compose/score-engraver.js';
import { RhythmixError } from '../util/errors.js';
import { createLogger, type Logger } from '../util/logger.js';
import { createClient, discordApiUrl } from './client.js';
import type { BotContext, SlashCommand } from './context.js';
import { FeedbackService } from '../feedback/service.js';
import { modelsDirectory } from '../model/model-files.js';
import { announceNewVersions } from './commands/retrain.js';
import { startHealthLog } from './health.js';
import { attachRatingListeners } from './ratings.js';
import { createRouter } from './router.js';
import { announcePlaybackStopped, createPlayerRegistry } from './voice/index.js';
import { BotLifecycle } from './lifecycle.js';
import { leftoverJobs, recoverInterruptedJobs, removeStrayWorkFolders } from './compose/recovery.js';
import { startRetention } from './retention.js';
import { isManagedShard, processShards, runsOncePerBot, servesGuild } from './shard.js';
import { startWebServer, type RunningWebServer } from '../web/server.js';

/** How long a stop waits, after the jobs ended, for their users to be told. */
const STOP_ANSWER_TIMEOUT_MS = 2500;

export interface StartBotOptions {
  readonly config: BotConfig;
  readonly logger?: Logger;
  /** REST base; default DISCORD_API_URL, else Discord itself. */
  readonly apiUrl?: string;
  /** Default PIECES_DIR, else data/pieces (relative to the working folder). */
  readonly piecesDir?: string;
  /** Register the slash commands at start (globally, or in `commandsGuildId`); default false. */
  readonly deployCommands?: boolean;
  readonly commandsGuildId?: string;
  /** The slash commands to route; default all of `COMMANDS`. */
  readonly commands?: readonly SlashCommand[];
  /** Give up when the gateway is not ready after this long; default 60 s. */
  readonly readyTimeoutMs?: number;
}

export interface RunningBot {
  readonly client: Client;
  readonly context: BotContext;
  /**
   * Stops taking composes (new ones are told the bot is restarting), gives running ones `graceMs`
   * (default 0) to finish, cancels the rest telling their users (message edited, Try again
   * offered), leaves voice, logs out and closes the database. Idempotent: a second call returns
   * the first one's promise.
   */
  stop(options?: { readonly graceMs?: number }): Promise<void>;
}

async function loginAndWait(client: Client, token: string, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    client.once(Events.ClientReady, () => resolve());
    timer = setTimeout(
      () => reject(new RhythmixError(`Discord did not get ready within ${timeoutMs / 1000} s — check the network`, { exitCode: 1 })),
      timeoutMs,
    );
  });
  try {
    await client.login(token);
    await ready;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'TokenInvalid' || (error as { status?: unknown }).status === 401) {
      throw new RhythmixError('Discord refused DISCORD_TOKEN — copy a fresh one from the Developer Portal → your application → Bot → Reset Token', {
        exitCode: 2,
        cause: error,
      });
    }
    if (code === 'DisallowedIntents') {
      throw new RhythmixError('Discord refused the gateway intents — the bot needs no privileged intent; check the application settings', {
        exitCode: 2,
        cause: error,
      });
    }
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export async function startBot(options: StartBotOptions): Promise<RunningBot> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'rhythmix-bot', secrets: [config.discordToken] });
  const db: OpenedDatabase = await openDatabase(config.databaseUrl);
  let cluster: ClusterClient | undefined;
  let composeWorkers: WorkerPool | undefined;
  try {
    // With REDIS_URL the jobs go to BullMQ and `rhythmix worker` processes run them: no local workers.
    if (config.redisUrl) cluster = await ClusterClient.open(config.redisUrl);
    // Started now, so the first composes find the model loaded.
    else composeWorkers = composeWorkerPool(config.composeWorkers, logger);
  } catch (error) {
    await db.close();
    throw error;
  }
  const queue: WorkQueue = cluster
    ? new RedisJobQueue(cluster, config.queue)
    : new JobQueue({
        ...config.queue,
        // Each "try again in N s" beside when the request would really have been accepted (the soak reads these).
        onRetryHint: ({ limit, hintMs, actualMs }) => logger.info({ limit, hint_ms: Math.round(hintMs), actual_ms: Math.round(actualMs) }, 'retry hint'),
      });
  const client = createClient({ apiUrl: options.apiUrl ?? discordApiUrl() });
  const feedback = new FeedbackService({
    db,
    config,
    logger,
    excludeUserIds: config.discordAppId ? [config.discordAppId] : [],
    guildMinRatings: config.retrain.guildMinRatings,
    // In a cluster retrains run on a worker, and the versions live in the store, not this machine's folder:
    // `/model` lists the store's versions and `/model use` switches the whole cluster.
    ...(cluster ? { runner: remoteRetrainRunner(cluster), syncsRegistry: false, registry: storeRegistry(cluster.redis, path.resolve(modelsDirectory())) } : {}),
  });
  const context: BotContext = {
    client,
    config,
    logger,
    db,
    queue,
    ...(composeWorkers ? { composeWorkers } : {}),
    // With REDIS_URL the worker's job engraves the score (its files travel with the answer).
    ...(cluster ? { remoteCompose: new RemoteComposer(cluster) } : { scoreEngraver: new ScoreEngraver(logger) }),
    players: createPlayerRegistry(logger, {
      ...config.voice,
      healthIntervalMs: config.healthLogMs,
      onPlaybackStopped: announcePlaybackStopped(client, logger),
    }),
    piecesDir: piecesDirectory(options.piecesDir),
    feedback,
    lifecycle: new BotLifecycle(),
  };
  const lifecycle = context.lifecycle!;
  // Before any interaction of this run can add its own rows.
  // A shard's own servers only: the other shards' jobs may be running (here or on another machine).
  const leftover = await leftoverJobs(db.prisma, new Date(), (guildId) => servesGuild(client, guildId)).catch((error: unknown) => {
    logger.error({ err: error }, 'could not read the composes a previous run left unanswered');
    return [];
  });
  // A shard leaves the folder to its manager, which sweeps it before any shard runs: a respawned
  // shard starts while the others compose in it.
  const strayWorkFolders = isManagedShard(client) ? 0 : await removeStrayWorkFolders(context.piecesDir);
  if (strayWorkFolders > 0) logger.info({ folders: strayWorkFolders }, 'work folders of dead jobs removed');
  const commands = options.commands ?? COMMANDS;
  const router = createRouter(context, commands);
  router.attach();
  const ratings = attachRatingListeners(context);
  const stopHealthLog = startHealthLog(
    logger,
    config.healthLogMs,
    cluster ? () => cluster.composeJobCounts() : queue instanceof JobQueue ? () => queue.stats() : undefined,
  );
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord client warning'));
  client.on(Events.ShardDisconnect, (event) => logger.warn({ code: event.code }, 'gateway disconnected'));
  client.on(Events.ShardResume, () => logger.info('gateway resumed'));
  client.rest.on('rateLimited', (info) => logger.debug({ route: info.route, retryAfter: info.retryAfter }, 'rate limited'));

  // Set once ready; a stop before that has no retention timer to end.
  let stopRetention: (() => Promise<void>) | undefined = undefined;
  // WEB_PORT: the web gallery and playground, on this bot's queue and workers (set once ready).
  let web: RunningWebServer | undefined;
  let stopped: Promise<void> | undefined;
  const stop = ({ graceMs = 0 }: { readonly graceMs?: number } = {}) =>
    (stopped ??= (async () => {
      // The router stays attached while jobs drain: new composes get the "restarting" answer.
      lifecycle.beginStop();
      await web?.close().catch((error: unknown) => logger.warn({ err: error }, 'could not stop the web server cleanly'));
      ratings.stop();
      stopHealthLog();
      await stopRetention?.();
      await feedback.stop().catch((error: unknown) => logger.warn({ err: error }, 'could not stop the feedback loop cleanly'));
      await queue.drain(graceMs).catch(() => undefined);
      await queue.close().catch(() => undefined);
      // The flows cut short now edit their messages; a hung Discord call must not hold the exit.
      if (!(await lifecycle.settled(STOP_ANSWER_TIMEOUT_MS))) logger.warn('some composes could not tell their users before the stop');
      router.detach();
      context.players.destroyAll();
      await composeWorkers?.close().catch((error: unknown) => logger.warn({ err: error }, 'could not stop the compose workers cleanly'));
      await context.scoreEngraver?.close().catch((error: unknown) => logger.warn({ err: error }, 'could not stop the score worker cleanly'));
      await client.destroy().catch(() => undefined);
      await cluster?.close();
      await db.close();
      logger.info('bot stopped');
    })());

  try {
    await loginAndWait(client, config.discordToken, options.readyTimeoutMs ?? 60_000);
    if (options.deployCommands) {
      const payloads = commandPayloads(commands);
      if (options.commandsGuildId) await client.application!.commands.set(payloads, options.commandsGuildId);
      else await client.application!.commands.set(payloads);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  // A previous run may have died with composes under way: their users are told before anything else.
  await recoverInterruptedJobs(context, leftover).catch((error: unknown) => logger.error({ err: error }, 'could not recover the interrupted composes'));
  stopRetention = startRetention(db.prisma, context.piecesDir, config.retention, logger);
  announceNewVersions(feedback, client, config.announceChannelId, logger);
  // With shards, every process serves commands and ratings; the retrain schedule runs once, on shard 0.
  feedback.start({ schedule: runsOncePerBot(client) });
  // One web server per bot: with shards, shard 0's process serves it (on whichever machine runs shard 0).
  if (config.web.port !== undefined && !runsOncePerBot(client)) logger.info("web server not started here: shard 0's process serves it");
  if (config.web.port !== undefined && runsOncePerBot(client)) {
    try {
      const { port, host, trustProxy } = config.web;
      web = await startWebServer({
        prisma: db.prisma,
        queue,
        composeWorkers,
        // With REDIS_URL the playground's composes go to the cluster's workers, as the bot's do.
        runCompose: context.remoteCompose?.runner(),
        piecesDir: context.piecesDir,
        model: config.model,
        ratingWeights: config.ratingWeights,
        logger,
        trustProxy,
        host,
        port,
      });
      logger.info({ url: web.url }, 'web gallery and playground ready');
    } catch (error) {
      await stop();
      throw error;
    }
  }
  logger.info(
    { user: client.user?.tag, guilds: client.guilds.cache.size, shards: processShards(client)?.ids, database: db.location, pieces: context.piecesDir },
    'bot ready',
  );
  return { client, context, stop };
}
