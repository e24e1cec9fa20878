/**
 * `rhythmix worker` and the bot's side of a remote compose (src/cluster) against a real
 * redis-server and the built compose worker (`npm run build` first): the answer and its files
 * come back through Redis alone, a new model version in the store is fetched and used from the
 * next job, and a worker killed mid-job leaves the job to another worker — one answer.
 */
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterClient } from '../../src/cluster/client.js';
import { publishModel, setStoreCurrent } from '../../src/cluster/model-store.js';
import { RedisJobQueue } from '../../src/cluster/redis-queue.js';
import { KEYS } from '../../src/cluster/redis.js';
import { RemoteComposer } from '../../src/cluster/remote-compose.js';
import { remoteRetrainRunner } from '../../src/cluster/remote-retrain.js';
import { startClusterWorker, type RunningClusterWorker } from '../../src/cluster/worker.js';
import type { ComposeProgress } from '../../src/compose/pipeline.js';
import type { JobUpdate } from '../../src/jobs/queue.js';
import { createLogger } from '../../src/util/logger.js';
import type { ComposeChildOutput } from '../../src/workers/compose-worker.js';
import { cleanEnv, killHard, startCli, type CliRun } from '../e2e/support/bot-process.js';
import { redisUnavailable, startRedis, type RedisServer } from '../support/redis.js';
import { TempDirs } from '../support/temp-dirs.js';

const MODELS = fileURLToPath(new URL('../../models', import.meta.url));

describe.skipIf(redisUnavailable)('rhythmix worker (BullMQ on Redis)', () => {
  let server: RedisServer;
  let bot: ClusterClient;
  let queue: RedisJobQueue;
  let composer: RemoteComposer;
  const temp = new TempDirs();
  const workers: RunningClusterWorker[] = [];
  const processes: CliRun[] = [];

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((run) => killHard(run)));
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await queue?.close();
    await bot?.close();
    temp.removeAll();
  });

  const openBot = async (): Promise<void> => {
    bot = await ClusterClient.open(server.url);
    await bot.redis.flushall();
    await bot.retrainQueue.setGlobalConcurrency(1);
    queue = new RedisJobQueue(bot, { perUser: 2, perGuild: 6, maxQueued: 20 });
    composer = new RemoteComposer(bot);
  };

  const inProcessWorker = async (cacheDir = temp.make('rhythmix-cache-')): Promise<RunningClusterWorker> => {
    const worker = await startClusterWorker({
      redisUrl: server.url,
      concurrency: 1,
      lockMs: 5000,
      cacheDir,
      databaseUrl: 'file:./unused.db',
      modelsDir: MODELS,
      logger: createLogger({ level: 'silent', name: 'test-worker' }),
      retrains: false,
    });
    workers.push(worker);
    return worker;
  };

  /** A compose submitted the way the bot does: admitted by the queue, run on a worker under the queue's job id. */
  const compose = async (options: Record<string, unknown>, updates: Array<JobUpdate<ComposeProgress>> = []) => {
    const outDir = temp.make('rhythmix-bot-piece-');
    const handle = await queue.submit<ComposeChildOutput, ComposeProgress>({
      kind: 'compose',
      userId: `user-${Math.random()}`,
      guildId: 'guild',
      onUpdate: (update) => updates.push(update),
      run: (job) => composer.run(job.id, { options: { ...options, outDir } }, { onProgress: job.progress, signal: job.signal }),
    });
    return { handle, outDir, updates };
  };

  const SHORT = { style: 'classical', seed: 'C4q E4q G4h', bars: 2, samplingSeed: 7 };

  it("answers with the worker's files written into the bot's folder, through Redis alone", async () => {
    await openBot();
    await inProcessWorker();
    const { handle, outDir, updates } = await compose(SHORT);
    const output = await handle.result;
    for (const key of ['midi', 'audio', 'image'] as const) {
      const file = output.summary[key];
      expect(path.dirname(file)).toBe(outDir);
      expect(statSync(file).size).toBeGreaterThan(100);
    }
    expect(output.tokens?.length).toBeGreaterThan(10);
    expect(updates.map((u) => u.state)).toContain('running');
    expect(updates.at(-1)).toEqual({ state: 'done' });
    // Read once and gone; the limits are free again.
    expect(await bot.redis.exists(KEYS.result(handle.id))).toBe(0);
    await expect.poll(() => bot.redis.hlen(KEYS.active)).toBe(0);
  });

  it('runs the two takes of one request as two results under one place in the queue', async () => {
    await openBot();
    await inProcessWorker();
    const outDirs = [temp.make('rhythmix-take-a-'), temp.make('rhythmix-take-b-')];
    const activeBetweenTakes: number[] = [];
    const handle = await queue.submit<ComposeChildOutput[], ComposeProgress>({
      kind: 'compose',
      userId: 'takes-user',
      guildId: 'guild',
      run: async (job) => {
        const outputs: ComposeChildOutput[] = [];
        for (const [index, name] of ['take-a', 'take-b'].entries()) {
          const options = { ...SHORT, samplingSeed: SHORT.samplingSeed + index, outDir: outDirs[index] };
          outputs.push(await composer.run(job.id, { options }, { signal: job.signal }, { name, last: index === 1 }));
          if (index === 0) activeBetweenTakes.push(await bot.redis.hlen(KEYS.active));
        }
        return outputs;
      },
    });
    const [a, b] = await handle.result;
    // Each take's files land in its own folder, and the takes differ.
    expect(path.dirname(a!.summary.midi)).toBe(outDirs[0]);
    expect(path.dirname(b!.summary.midi)).toBe(outDirs[1]);
    expect(b!.tokens).not.toEqual(a!.tokens);
    // Take A did not free the request's place: B still ran under it.
    expect(activeBetweenTakes).toEqual([1]);
    await expect.poll(() => bot.redis.hlen(KEYS.active)).toBe(0);
  });

  it('fetches a new active model version from the store and uses it from the next job on', async () => {
    await openBot();
    const cache = temp.make('rhythmix-cache-');
    await inProcessWorker(cache);
    // A version that exists only in the store (not in any models folder on this machine).
    await publishModel(bot.redis, 'store-only-v1', path.join(MODELS, 'jsb-bench'));
    await publishModel(bot.redis, 'rhythmix-base', path.join(MODELS, 'rhythmix-base'));
    await setStoreCurrent(bot.redis, 'store-only-v1');
    const first = await (await compose(SHORT)).handle.result;
    await setStoreCurrent(bot.redis, 'rhythmix-base');
    const second = await (await compose(SHORT)).handle.result;
    // A job that names its version (a guild's own variant) gets that one.
    const third = await (await compose({ ...SHORT, model: 'store-only-v1' })).handle.result;
    expect([first.summary.model, second.summary.model, third.summary.model]).toEqual(['store-only-v1', 'rhythmix-base', 'store-only-v1']);
    const fetched = readdirSync(cache).flatMap((digest) => readdirSync(path.join(cache, digest)));
    expect(fetched.sort()).toEqual(['rhythmix-base', 'store-only-v1']);
  });

  it('a worker killed mid-job (SIGKILL): another worker runs the job and the user gets one answer', { timeout: 180_000 }, async () => {
    await openBot();
    const env = { ...cleanEnv(), REDIS_URL: server.url, WORKER_LOCK_SECONDS: '2', COMPOSE_WORKERS: '1', LOG_LEVEL: 'info' };
    const cwd = temp.make('rhythmix-workers-');
    const first = startCli(['worker', '--no-retrains', '--cache', path.join(cwd, 'cache-a')], env, cwd);
    processes.push(first);
    await expect.poll(() => first.output(), { timeout: 60_000 }).toContain('worker ready');
    // Long enough (64 bars, 4 tracks) to be killed while composing.
    const { handle, outDir, updates } = await compose({ style: 'classical', seed: 'C4q E4q G4h', bars: 64, tracks: 4, samplingSeed: 3 });
    await expect.poll(() => updates.some((u) => u.state === 'progress'), { timeout: 60_000 }).toBe(true);
    const second = startCli(['worker', '--no-retrains', '--cache', path.join(cwd, 'cache-b')], env, cwd);
    processes.push(second);
    await expect.poll(() => second.output(), { timeout: 60_000 }).toContain('worker ready');
    await killHard(first);
    const output = await handle.result;
    expect(existsSync(output.summary.audio)).toBe(true);
    expect(path.dirname(output.summary.midi)).toBe(outDir);
    expect(first.output()).not.toContain('"compose done"');
    expect(second.output()).toContain('"compose done"');
    expect(second.output()).toContain('a job lost its worker');
    // One answer: one "done", no failure, and nothing left in Redis for the job.
    expect(updates.filter((u) => u.state === 'done' || u.state === 'failed' || u.state === 'cancelled')).toEqual([{ state: 'done' }]);
    expect(await bot.redis.exists(KEYS.result(handle.id))).toBe(0);
    await expect.poll(() => bot.redis.hlen(KEYS.active)).toBe(0);
  });
});

describe.skipIf(redisUnavailable)('retrains on workers (BullMQ on Redis)', () => {
  let server: RedisServer;
  let bot: ClusterClient | undefined;
  const workers: RunningClusterWorker[] = [];
  const temp = new TempDirs();

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await bot?.close();
    temp.removeAll();
  });

  it('run one at a time across two workers; an accepted version is published to the store and made current', { timeout: 60_000 }, async () => {
    bot = await ClusterClient.open(server.url);
    // Nothing set: the workers themselves limit retrains to one at a time in the cluster.
    await bot.redis.flushall();
    let running = 0;
    let mostAtOnce = 0;
    const ranOn: string[] = [];
    // Two workers, each with its own models folder; the retrain itself is stubbed: it "trains" by copying a model.
    for (const name of ['a', 'b']) {
      const modelsDir = temp.make(`rhythmix-models-${name}-`);
      workers.push(
        await startClusterWorker({
          redisUrl: server.url,
          concurrency: 1,
          lockMs: 5000,
          cacheDir: modelsDir,
          databaseUrl: 'file:./unused.db',
          modelsDir,
          logger: createLogger({ level: 'silent', name: `worker-${name}` }),
          retrainRunner: async (input, { onProgress } = {}) => {
            running++;
            mostAtOnce = Math.max(mostAtOnce, running);
            ranOn.push(name);
            const version = `v-${input.guildId ?? 'global'}`;
            cpSync(path.join(MODELS, 'jsb-bench'), path.join(input.modelsDir, version), { recursive: true });
            onProgress?.({ stage: 'training', epoch: 1, epochs: 1 } as never);
            await new Promise((resolve) => setTimeout(resolve, 300));
            running--;
            return {
              status: 'accepted',
              version,
              parent: 'rhythmix-base',
              reason: 'better',
              runId: null,
              activated: true,
              ratingsUsed: 3,
              likedPieces: 2,
              dislikedPieces: 1,
              referenceNll: null,
              parentNll: null,
              candidateNll: null,
              trainingSeconds: 0.3,
            };
          },
        }),
      );
    }
    const retrain = remoteRetrainRunner(bot);
    const request = { databaseUrl: 'file:./bot.db', modelsDir: '/nowhere', weights: [['👍', 1]] as Array<[string, number]> };
    const outcomes = await Promise.all([
      retrain(request, {}),
      retrain({ ...request, guildId: '42' }, {}),
      retrain({ ...request, guildId: '43' }, {}),
      retrain({ ...request, guildId: '44' }, {}),
    ]);
    expect(outcomes.map((o) => o.version)).toEqual(['v-global', 'v-42', 'v-43', 'v-44']);
    expect(mostAtOnce).toBe(1);
    expect(ranOn).toHaveLength(4);
    // Every accepted version is in the store; only the global one became the store's current version.
    const files = readdirSync(path.join(MODELS, 'jsb-bench')).length;
    for (const version of ['v-global', 'v-42', 'v-43', 'v-44']) expect(await bot.redis.hlen(KEYS.model(version))).toBe(files);
    expect(await bot.redis.get(KEYS.currentModel)).toBe('v-global');
  });
});
