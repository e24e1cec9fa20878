/**
 * With REDIS_URL the web playground queues on the cluster like the bot (src/cluster/compose-queue.ts,
 * the server's `runCompose`): its compose waits in BullMQ until a `rhythmix worker` takes it, the
 * per-address limit holds in Redis, and the answer (files included) comes back to the web server's
 * pieces folder. Also the health log's counts from BullMQ (ClusterClient.composeJobCounts). Real
 * redis-server, the built compose worker (`npm run build` first), SQLite.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHealthLog, type HealthSample } from '../../src/bot/health.js';
import { ClusterClient } from '../../src/cluster/client.js';
import { openClusterComposeQueue, type ClusterComposeQueue } from '../../src/cluster/compose-queue.js';
import { bullConnection, COMPOSE_QUEUE } from '../../src/cluster/redis.js';
import { startClusterWorker, type RunningClusterWorker } from '../../src/cluster/worker.js';
import { parseRatingEmojis, ratingWeights } from '../../src/config/index.js';
import { openDatabase, WEB_PLAYGROUND_ID, type OpenedDatabase } from '../../src/db/index.js';
import { createLogger, type Logger } from '../../src/util/logger.js';
import { createWebServer } from '../../src/web/server.js';
import { cleanEnv, killHard, startCli } from '../e2e/support/bot-process.js';
import { redisUnavailable, startRedis, type RedisServer } from '../support/redis.js';
import { TempDirs } from '../support/temp-dirs.js';

const MODELS = fileURLToPath(new URL('../../models', import.meta.url));
const SHORT = { seed: 'C4q E4q G4h', style: 'classical', length: 2 };

describe.skipIf(redisUnavailable)('the cluster queue (REDIS_URL) for the web playground and the health log', () => {
  let server: RedisServer;
  const temp = new TempDirs();
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    temp.removeAll();
  });

  const flush = async (): Promise<void> => {
    const client = await ClusterClient.open(server.url);
    await client.redis.flushall();
    await client.close();
  };

  it("runs a playground compose on a rhythmix worker, holds the address's limit in Redis, and stores the piece", { timeout: 120_000 }, async () => {
    await flush();
    const db: OpenedDatabase = await openDatabase(`file:${path.join(temp.make('rhythmix-web-db-'), 'web.db')}`);
    closers.push(() => db.close());
    const cluster: ClusterComposeQueue = await openClusterComposeQueue(server.url, { perUser: 1, perGuild: 6, maxQueued: 20 });
    closers.push(() => cluster.close());
    const piecesDir = temp.make('rhythmix-web-pieces-');
    const app: FastifyInstance = await createWebServer({
      prisma: db.prisma,
      queue: cluster.queue,
      runCompose: cluster.runCompose,
      piecesDir,
      ratingWeights: ratingWeights(parseRatingEmojis('👍=1,👎=-1').emojis),
      logger: createLogger({ level: 'silent' }),
    });
    closers.push(() => app.close());
    const stats = await ClusterClient.open(server.url);
    closers.push(() => stats.close());

    // No worker yet: the compose waits in BullMQ (this process composes nothing itself).
    const accepted = await app.inject({ method: 'POST', url: '/api/compose', payload: SHORT });
    expect(accepted.statusCode).toBe(202);
    const { id } = accepted.json<{ id: string }>();
    await expect.poll(() => stats.composeJobCounts(), { timeout: 20_000 }).toEqual({ running: 0, queued: 1 });
    // QUEUE_PER_USER=1 for this address, counted in Redis: a second compose is refused.
    const second = await app.inject({ method: 'POST', url: '/api/compose', payload: SHORT });
    expect(second.statusCode).toBe(429);
    expect(second.json<{ error: string }>().error).toMatch(/you already have 1 job queued or running/);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
    const view = async () => (await app.inject({ method: 'GET', url: `/api/jobs/${id}` })).json<{ state: string; pieceId?: number; error?: string }>();
    expect((await view()).state).toBe('queued');

    const lines: string[] = [];
    const worker: RunningClusterWorker = await startClusterWorker({
      redisUrl: server.url,
      concurrency: 1,
      lockMs: 5000,
      cacheDir: temp.make('rhythmix-cache-'),
      databaseUrl: 'file:./unused.db',
      modelsDir: MODELS,
      logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } }),
      retrains: false,
    });
    closers.push(() => worker.stop());
    await expect.poll(async () => (await view()).state, { timeout: 90_000, interval: 250 }).toBe('done');
    const { pieceId } = await view();

    // The worker ran it, once: its log names the job the web server queued.
    const composed = lines.map((line) => JSON.parse(line) as { msg: string; job?: string }).filter((entry) => entry.msg === 'compose done');
    expect(composed).toHaveLength(1);
    const piece = await db.prisma.piece.findUniqueOrThrow({ where: { id: pieceId! } });
    expect(piece.guildId).toBe(WEB_PLAYGROUND_ID);
    // The worker's files reached this server's pieces folder through Redis.
    for (const file of [piece.audioPath, piece.imagePath, piece.midiPath]) {
      expect(file?.startsWith(piecesDir + path.sep)).toBe(true);
      expect(existsSync(file!)).toBe(true);
    }
    expect((await app.inject({ method: 'GET', url: `/api/pieces/${pieceId}` })).statusCode).toBe(200);
    // The place is free again: the address may compose anew.
    await expect.poll(() => stats.composeJobCounts()).toEqual({ running: 0, queued: 0 });
    expect((await app.inject({ method: 'POST', url: '/api/compose', payload: SHORT })).statusCode).toBe(202);
  });

  it('rhythmix web with REDIS_URL queues its composes on the cluster and starts no compose workers', { timeout: 60_000 }, async () => {
    await flush();
    const dir = temp.make('rhythmix-web-cli-');
    const web = startCli(['web', '--port', '0'], { ...cleanEnv(), REDIS_URL: server.url, DATABASE_URL: 'file:./web.db', LOG_LEVEL: 'info' }, dir);
    closers.push(() => killHard(web));
    await expect.poll(() => web.output(), { timeout: 30_000 }).toMatch(/web playground at http:\/\/\S+ \(composes run on the cluster's workers\)/);
    const url = /web playground at (http:\/\/\S+)/.exec(web.output())![1]!;
    const posted = await fetch(new URL('/api/compose', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SHORT) });
    expect(posted.status).toBe(202);
    const stats = await ClusterClient.open(server.url);
    closers.push(() => stats.close());
    // Waiting in BullMQ for a worker: nothing composes it in the web process.
    await expect.poll(() => stats.composeJobCounts(), { timeout: 20_000 }).toEqual({ running: 0, queued: 1 });
  });

  it("logs the cluster's BullMQ counts in the health line: running on a worker and waiting", { timeout: 60_000 }, async () => {
    await flush();
    const client = await ClusterClient.open(server.url);
    closers.push(() => client.close());
    // A worker that holds the first job until released: one active, two waiting.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => {
      const worker = new Worker(
        COMPOSE_QUEUE,
        async () => {
          resolve();
          await held;
        },
        { connection: bullConnection(server.url), concurrency: 1 },
      );
      closers.push(async () => {
        release();
        await worker.close();
      });
    });
    for (const n of [1, 2, 3]) await client.composeQueue.add('compose', { n }, { jobId: `compose-${n}` });
    await started;
    expect(await client.composeJobCounts()).toEqual({ running: 1, queued: 2 });

    const samples: HealthSample[] = [];
    const logger = { info: (sample: HealthSample, message: string) => message === 'health' && samples.push(sample) } as unknown as Logger;
    const stop = startHealthLog(logger, 100, () => client.composeJobCounts());
    closers.push(async () => stop());
    await expect.poll(() => samples.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(samples.at(-1)).toMatchObject({ jobs_running: 1, jobs_queued: 2 });
    release();
    await expect.poll(() => samples.at(-1)?.jobs_running, { timeout: 10_000 }).toBe(0);
    expect(samples.at(-1)?.jobs_queued).toBe(0);
  });
});
