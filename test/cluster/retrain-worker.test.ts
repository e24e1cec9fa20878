/**
 * A real retrain in a cluster (REDIS_URL): stored ratings in the database, the bot's feedback loop
 * asks, a worker fine-tunes in its retrain child (guardrail included) with a models folder of its
 * own, publishes the version to the Redis model store and makes it current; another worker, which
 * never saw a models folder, then composes with it. `/model` lists the store's versions, and
 * retrains run one at a time cluster-wide. The model is the tiny one of the feedback tests, so a
 * retrain takes seconds. Needs redis-server and `npm run build` (workers and children run from dist/).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ChatInputCommandInteraction } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as modelCommand from '../../src/bot/commands/model.js';
import type { BotContext } from '../../src/bot/context.js';
import { ClusterClient } from '../../src/cluster/client.js';
import { storeCurrent, storeVersions } from '../../src/cluster/model-store.js';
import { RedisJobQueue } from '../../src/cluster/redis-queue.js';
import { KEYS } from '../../src/cluster/redis.js';
import { RemoteComposer } from '../../src/cluster/remote-compose.js';
import { remoteRetrainRunner } from '../../src/cluster/remote-retrain.js';
import { storeRegistry } from '../../src/cluster/store-registry.js';
import { startClusterWorker, type RunningClusterWorker } from '../../src/cluster/worker.js';
import { parseRatingEmojis, ratingWeights } from '../../src/config/rating-emojis.js';
import { addRating, createPiece, getActiveModelVersion, openDatabase, type OpenedDatabase } from '../../src/db/index.js';
import type { RetrainProgress } from '../../src/feedback/retrain.js';
import { FeedbackService } from '../../src/feedback/service.js';
import { listModels, readCurrentPointer } from '../../src/model/registry.js';
import { Rng } from '../../src/model/rng.js';
import { createLogger } from '../../src/util/logger.js';
import type { ComposeChildOutput } from '../../src/workers/compose-worker.js';
import { cleanEnv, killHard, startCli, type CliRun } from '../e2e/support/bot-process.js';
import { melodyTokens, tinyWorld, type TinyWorld } from '../feedback/fixtures.js';
import { redisUnavailable, startRedis, type RedisServer } from '../support/redis.js';
import { TempDirs } from '../support/temp-dirs.js';
import { processesWith } from '../support/processes.js';

const weights = ratingWeights(parseRatingEmojis('👍=1,👎=-1').emojis);
/** Two short epochs at a rate that moves the tiny model, and a lenient guardrail: accepted in seconds. */
const SETTINGS = { threads: 1 };
/** One request, composed by the parent and by the fine-tuned version with the same sampling seed. */
const PIECE = { style: 'folk', bars: 8, samplingSeed: 11 };

describe.skipIf(redisUnavailable)('a real retrain on a worker (BullMQ on Redis)', () => {
  let server: RedisServer;
  let world: TinyWorld;
  let db: OpenedDatabase;
  let bot: ClusterClient;
  let queue: RedisJobQueue;
  const temp = new TempDirs();
  const workers: RunningClusterWorker[] = [];
  const processes: CliRun[] = [];
  const clients: ClusterClient[] = [];

  beforeAll(async () => {
    server = await startRedis();
    world = await tinyWorld();
    db = await openDatabase(`file:${path.join(world.root, 'cluster.db')}`);
    // Six pieces liked by six listeners: what a retrain learns from.
    const rng = new Rng(9);
    for (let i = 0; i < 6; i++) {
      const piece = await createPiece(db.prisma, { style: 'folk', tokens: melodyTokens(rng, 72), guild: { id: 'g1' }, modelVersion: world.baseName });
      await addRating(db.prisma, { pieceId: piece.id, user: { id: `listener-${i}` }, emoji: '👍' });
    }
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await server?.stop();
    world?.cleanup();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((run) => killHard(run)));
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await queue?.close();
    await Promise.all(clients.splice(0).map((client) => client.close()));
    temp.removeAll();
  });

  /** A bot process's side: its cluster connection and feedback loop as `startBot` wires them (its own folder holds the base model only). */
  const openBot = async (): Promise<{ cluster: ClusterClient; feedback: FeedbackService }> => {
    const cluster = await ClusterClient.open(server.url);
    clients.push(cluster);
    const feedback = new FeedbackService({
      db,
      config: { ratingWeights: weights, retrain: { schedule: { kind: 'off' }, minRatings: 1 } },
      modelsDir: world.modelsDir,
      data: [world.shardsDir],
      settings: SETTINGS,
      runner: remoteRetrainRunner(cluster),
      syncsRegistry: false,
      registry: storeRegistry(cluster.redis, world.modelsDir),
    });
    return { cluster, feedback };
  };

  /** A fresh cluster whose store serves the tiny base model, put there by an admin's `/model use` on a bot. */
  const freshCluster = async () => {
    const first = await openBot();
    await first.cluster.redis.flushall();
    await first.cluster.retrainQueue.setGlobalConcurrency(1);
    await first.feedback.useModel(world.baseName, { by: 'admin' });
    bot = first.cluster;
    queue = new RedisJobQueue(bot, { perUser: 2, perGuild: 6, maxQueued: 20 });
    return first;
  };

  /** A `rhythmix worker` in this process: its own empty models folder and model cache, nothing shared. */
  const inProcessWorker = async (name: string, options: { retrains: boolean }) => {
    const modelsDir = temp.make(`rhythmix-worker-${name}-models-`);
    const worker = await startClusterWorker({
      redisUrl: server.url,
      concurrency: 1,
      lockMs: 2000,
      cacheDir: temp.make(`rhythmix-worker-${name}-cache-`),
      databaseUrl: db.url,
      modelsDir,
      logger: createLogger({ level: 'silent', name: `worker-${name}` }),
      retrains: options.retrains,
    });
    workers.push(worker);
    return { worker, modelsDir };
  };

  /** A compose the way the bot submits it: admitted by the Redis queue, run on whichever worker takes it. */
  const compose = async (): Promise<ComposeChildOutput> => {
    const composer = new RemoteComposer(bot);
    const outDir = temp.make('rhythmix-bot-piece-');
    const handle = await queue.submit<ComposeChildOutput>({
      kind: 'compose',
      userId: `user-${Math.random()}`,
      guildId: 'g1',
      run: (job) => composer.run(job.id, { options: { ...PIECE, outDir } }, { signal: job.signal }),
    });
    return handle.result;
  };

  const adminList = async (feedback: FeedbackService): Promise<string> => {
    let content = '';
    const interaction = {
      memberPermissions: { has: () => true },
      options: { getString: () => null },
      user: { id: 'admin' },
      reply: async (payload: { content?: string }) => void (content = payload.content ?? ''),
    } as unknown as ChatInputCommandInteraction;
    await modelCommand.execute(interaction, { feedback, db } as unknown as BotContext);
    return content;
  };

  it(
    'a retrain asked by the bot fine-tunes on a worker, publishes the version to the store, and another worker composes with it',
    { timeout: 120_000 },
    async () => {
      const { feedback } = await freshCluster();
      const a = await inProcessWorker('a', { retrains: true });
      const parentPiece = await compose();
      expect(parentPiece.summary.model).toBe(world.baseName);

      const progress: RetrainProgress[] = [];
      const running = feedback.retrainNow({ trigger: 'test', onProgress: (p) => progress.push(p) });
      // The same bot process asked twice: refused at once, with a clear message.
      await expect(feedback.retrainNow({ trigger: 'test' })).rejects.toThrow('a retrain is already running — try again when it has finished');
      const outcome = await running;
      expect(outcome).toMatchObject({ status: 'accepted', parent: world.baseName, activated: true, ratingsUsed: 6, likedPieces: 6 });
      const version = outcome.version!;
      expect(version).toMatch(/^tiny-base-ft\d{14}$/);
      // The worker's progress reached the bot through BullMQ.
      expect(progress.length).toBeGreaterThan(0);

      // Published to the store and current there; the worker's own folder got the base from the store.
      expect(await storeCurrent(bot.redis)).toBe(version);
      expect((await storeVersions(bot.redis)).map((v) => [v.name, v.status, v.current])).toEqual([
        [world.baseName, 'base', false],
        [version, 'accepted', true],
      ]);
      // Fine-tuned for real: the weights differ from the parent's.
      const weightsOf = (name: string) => bot.redis.hget(KEYS.model(name), 'weights.bin');
      expect(await weightsOf(version)).not.toBe(await weightsOf(world.baseName));
      expect(readCurrentPointer(a.modelsDir)?.model).toBe(version);
      expect((await listModels(a.modelsDir)).map((m) => m.name).sort()).toEqual([world.baseName, version].sort());
      // The database's registry follows the worker that retrained.
      expect((await getActiveModelVersion(db.prisma, null))?.name).toBe(version);

      // `/model` on a bot lists the store's versions, the active one marked — the bot's own folder has only the base.
      const list = await adminList(feedback);
      expect(list).toMatch(new RegExp(`▶ \`${version}\` accepted · NLL \\d\\.\\d{3} \\(parent \\d\\.\\d{3}\\)`));
      expect(list).toMatch(new RegExp(`• \`${world.baseName}\` base · NLL \\d\\.\\d{3}`));
      expect(existsSync(path.join(world.modelsDir, version))).toBe(false);

      // A second worker, which has never seen a model, composes the same request with the new version.
      await a.worker.stop();
      workers.splice(workers.indexOf(a.worker), 1);
      const b = await inProcessWorker('b', { retrains: false });
      const childPiece = await compose();
      expect(childPiece.summary.model).toBe(version);
      expect(childPiece.tokens).not.toEqual(parentPiece.tokens);
      expect(readdirSync(b.modelsDir)).toEqual([]);

      // `/model use` rolls the whole cluster back: the same request gives the parent's piece again.
      await feedback.useModel(world.baseName, { by: 'admin' });
      const rolledBack = await compose();
      expect(rolledBack.summary.model).toBe(world.baseName);
      expect(rolledBack.tokens).toEqual(parentPiece.tokens);
      expect(await adminList(feedback)).toMatch(new RegExp(`▶ \`${world.baseName}\` base`));
    },
  );

  it(
    'two retrains asked at once by two bot processes run one after the other: the second fine-tunes the first one’s version',
    { timeout: 150_000 },
    async () => {
      const first = await freshCluster();
      const second = await openBot();
      // Two workers that take retrains, each with its own models folder.
      await inProcessWorker('a', { retrains: true });
      await inProcessWorker('b', { retrains: true });
      const outcomes = await Promise.all([first.feedback.retrainNow({ trigger: 'shard 0' }), second.feedback.retrainNow({ trigger: 'shard 1' })]);
      const [earlier, later] = [...outcomes].sort((x, y) => (x.version! < y.version! ? -1 : 1));
      // Had they run at once, both would have fine-tuned the base.
      expect(earlier!.parent).toBe(world.baseName);
      expect(later!.parent).toBe(earlier!.version);
      // Each is judged by its own guardrail; only accepted versions reach the store, the newest one current.
      expect(earlier!.status).toBe('accepted');
      const accepted = [earlier!, later!].filter((o) => o.status === 'accepted').map((o) => o.version);
      expect(await storeCurrent(bot.redis)).toBe(accepted.at(-1));
      expect((await storeVersions(bot.redis)).map((v) => v.name)).toEqual([world.baseName, ...accepted]);
    },
  );

  it(
    'a worker killed mid-retrain publishes and switches nothing; the retrain runs again on another worker and is answered once',
    { timeout: 150_000 },
    async () => {
      const { feedback } = await freshCluster();
      const cwd = temp.make('rhythmix-killed-worker-');
      const modelsDir = path.join(cwd, 'models');
      const env = {
        ...cleanEnv(),
        REDIS_URL: server.url,
        DATABASE_URL: db.url,
        RHYTHMIX_MODELS_DIR: modelsDir,
        WORKER_LOCK_SECONDS: '2',
        COMPOSE_WORKERS: '1',
        LOG_LEVEL: 'info',
      };
      const doomed = startCli(['worker', '--cache', path.join(cwd, 'cache')], env, cwd);
      processes.push(doomed);
      await expect.poll(() => doomed.output(), { timeout: 60_000 }).toContain('worker ready');

      const progress: RetrainProgress[] = [];
      const running = feedback.retrainNow({ trigger: 'test', onProgress: (p) => progress.push(p) });
      // Kill it once the candidate is being fine-tuned (its staging folder exists): well before publishing.
      const staging = path.join(modelsDir, '.staging');
      await expect
        .poll(() => existsSync(staging) && readdirSync(staging, { withFileTypes: true }).some((entry) => entry.isDirectory()), {
          timeout: 60_000,
          interval: 20,
        })
        .toBe(true);
      await killHard(doomed);
      expect(progress.map((p) => p.stage)).not.toContain('publish');
      // Its compose process and retrain child end with it (they carry its models folder in their environment).
      const marker = `RHYTHMIX_MODELS_DIR=${modelsDir}`;
      await expect.poll(() => processesWith(marker), { timeout: 5000, interval: 50 }).toEqual([]);
      expect(await storeCurrent(bot.redis)).toBe(world.baseName);
      expect((await storeVersions(bot.redis)).map((v) => v.name)).toEqual([world.baseName]);
      expect((await listModels(modelsDir)).map((m) => m.name)).toEqual([world.baseName]);
      expect(readCurrentPointer(modelsDir)?.model).toBe(world.baseName);

      // Its lock runs out and another worker takes the retrain: one outcome for the bot, one version published.
      await inProcessWorker('b', { retrains: true });
      const outcome = await running;
      expect(outcome).toMatchObject({ status: 'accepted', parent: world.baseName, activated: true });
      expect(await storeCurrent(bot.redis)).toBe(outcome.version);
      expect((await storeVersions(bot.redis)).map((v) => v.name)).toEqual([world.baseName, outcome.version]);
      // The killed run is on record as interrupted, marked so by the run that finished.
      const runs = await db.prisma.retrainRun.findMany({ orderBy: { id: 'desc' }, take: 2 });
      expect(runs.map((r) => r.status)).toEqual(['accepted', 'failed']);
    },
  );
});
