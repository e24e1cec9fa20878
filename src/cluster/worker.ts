/**
 * `rhythmix worker`: runs the cluster's compose and retrain jobs from BullMQ (REDIS_URL). Any
 * number of these, on any machine that reaches Redis (and, for retrains, the database).
 *
 * Composes run in this process's own pool of warm compose workers (src/jobs/worker-pool.ts, niced
 * child processes, the same entry and use cases as the bot's local ones), so this event loop only
 * moves bytes and keeps BullMQ's job locks fresh. Before each job the model is fetched from the
 * model store (model-store.ts) when it changed; the answer — files included — is stored in Redis
 * (results.ts). A worker killed mid-job stops renewing its lock: after WORKER_LOCK_SECONDS BullMQ
 * hands the job to another worker, and since the answer is written once, its user gets one.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import type { ComposeProgress } from '../compose/pipeline.js';
import { retrainInChild } from '../feedback/retrain-child.js';
import type { RetrainOutcome, RetrainProgress } from '../feedback/retrain.js';
import { JobCancelledError } from '../jobs/errors.js';
import { WorkerPool } from '../jobs/worker-pool.js';
import { workerEntryPath } from '../util/built-entry.js';
import type { Logger } from '../util/logger.js';
import type { ComposeChildOutput } from '../workers/compose-worker.js';
import { markEnded, markStarted } from './admission.js';
import { followStoreCurrent, modelForWorkerJob, publishLineage, setStoreCurrent } from './model-store.js';
import { admissionId, bullConnection, CHANNELS, COMPOSE_QUEUE, connectRedis, resultId, RETRAIN_QUEUE } from './redis.js';
import type { ComposeJobData, ComposeJobValue } from './remote-compose.js';
import type { RetrainJobData } from './remote-retrain.js';
import { storeFailure, storeResult } from './results.js';

export interface ClusterWorkerOptions {
  readonly redisUrl: string;
  /** Composes at once (= warm compose processes). */
  readonly concurrency: number;
  /** BullMQ's lock: a job whose worker stopped renewing it this long runs again elsewhere. */
  readonly lockMs: number;
  /** Where fetched model versions are kept. */
  readonly cacheDir: string;
  /** For retrains: the shared database and this machine's models folder. */
  readonly databaseUrl: string;
  readonly modelsDir: string;
  readonly logger: Logger;
  /** Take retrain jobs too (default true). */
  readonly retrains?: boolean;
  /** How a retrain runs; default a niced child process (src/feedback/retrain-child.ts). */
  readonly retrainRunner?: typeof retrainInChild;
}

export interface RunningClusterWorker {
  /** The warm compose processes' pids. */
  readonly pids: () => number[];
  /** Finishes the jobs it has (new ones stay for other workers), then stops. */
  stop(): Promise<void>;
}

/** Progress at most this often: each update is a Redis write and an event every bot reads. */
const PROGRESS_INTERVAL_MS = 500;

function throttled<P>(send: (value: P) => Promise<unknown>): (value: P) => void {
  let last = 0;
  return (value) => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    void send(value).catch(() => undefined);
  };
}

export async function startClusterWorker(options: ClusterWorkerOptions): Promise<RunningClusterWorker> {
  const { logger } = options;
  const redis = connectRedis(options.redisUrl, 'worker');
  const subscriber = connectRedis(options.redisUrl, 'worker-events');
  redis.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  const running = new Map<string, AbortController>();
  subscriber.on('message', (_channel: string, id: string) => running.get(id)?.abort(new JobCancelledError()));
  await subscriber.subscribe(CHANNELS.cancel);

  const pool = new WorkerPool(workerEntryPath('compose-worker'), {
    via: 'process',
    name: 'compose',
    size: options.concurrency,
    onWorkerLost: ({ pid, error, retrying }) => logger.warn({ pid, reason: error.message, retrying }, 'a compose process died under its job'),
  }).start();

  const compose = async (job: Job<ComposeJobData>): Promise<{ stored: boolean }> => {
    const id = resultId(job.id!);
    const admission = admissionId(job.id!);
    if (!(await markStarted(redis, admission))) {
      logger.info({ job: id }, 'compose cancelled before it started');
      return { stored: false };
    }
    const started = Date.now();
    logger.info({ job: id, attempt: job.attemptsStarted }, 'compose started');
    const controller = new AbortController();
    running.set(id, controller);
    const dir = await mkdtemp(path.join(tmpdir(), 'rhythmix-job-'));
    try {
      const options_ = { ...job.data.input.options, outDir: dir } as Record<string, unknown>;
      if (job.data.midi) {
        const seed = path.join(dir, 'seed.mid');
        await writeFile(seed, Buffer.from(job.data.midi, 'base64'));
        options_.midi = seed;
      }
      const model = await modelForWorkerJob(redis, typeof options_.model === 'string' ? options_.model : undefined, options.cacheDir);
      if (model !== undefined) options_.model = model.dir;
      const composed = await pool.call<ComposeChildOutput, ComposeProgress>(
        { ...job.data.input, options: options_ },
        {
          onProgress: throttled((progress) => job.updateProgress(progress as object)),
          signal: controller.signal,
          ...(job.data.timeoutMs !== undefined ? { timeoutMs: job.data.timeoutMs } : {}),
        },
      );
      // The piece records the version, not where this worker keeps its files.
      const output = model && composed.summary.model === model.dir ? { ...composed, summary: { ...composed.summary, model: model.name } } : composed;
      const stored = await storeResult(redis, id, { output, outDir: dir } satisfies ComposeJobValue, dir);
      if (job.data.endsAdmission !== false) await markEnded(redis, admission, Date.now() - started);
      logger.info({ job: id, ms: Date.now() - started, model: output.summary.model, stored }, 'compose done');
      return { stored };
    } catch (error) {
      await storeFailure(redis, id, error).catch(() => undefined);
      await markEnded(redis, admission).catch(() => undefined);
      logger.info({ job: id, reason: (error as Error).message }, 'compose failed');
      throw error;
    } finally {
      running.delete(id);
      await rm(dir, { recursive: true, force: true });
    }
  };

  const retrain = async (job: Job<RetrainJobData>): Promise<RetrainOutcome> => {
    const controller = new AbortController();
    running.set(job.id!, controller);
    try {
      // Fine-tune what the cluster serves now (a version made elsewhere, or chosen by `/model use`).
      const parent = await followStoreCurrent(redis, options.modelsDir, options.cacheDir);
      logger.info({ job: job.id, parent: parent ?? "this machine's current model" }, 'retrain started');
      const outcome = await (options.retrainRunner ?? retrainInChild)(
        { ...job.data, databaseUrl: options.databaseUrl, modelsDir: options.modelsDir },
        { onProgress: throttled<RetrainProgress>((progress) => job.updateProgress(progress)), signal: controller.signal },
      );
      if (outcome.status === 'accepted' && outcome.version) {
        // Workers fetch versions from the store, never from this machine's folder; its parents go too (roll-backs).
        await publishLineage(redis, outcome.version, options.modelsDir);
        if (outcome.activated && !job.data.guildId) await setStoreCurrent(redis, outcome.version);
      }
      logger.info({ job: job.id, status: outcome.status, version: outcome.version }, 'retrain done');
      return outcome;
    } finally {
      running.delete(job.id!);
    }
  };

  if (options.retrains !== false) {
    // One retrain at a time in the whole cluster (the bots set it too; whoever starts first).
    const retrainQueue = new Queue(RETRAIN_QUEUE, { connection: bullConnection(options.redisUrl) });
    try {
      await retrainQueue.setGlobalConcurrency(1);
    } finally {
      await retrainQueue.close();
    }
  }
  const common = { connection: bullConnection(options.redisUrl), lockDuration: options.lockMs, stalledInterval: options.lockMs, maxStalledCount: 1 };
  const workers = [new Worker<ComposeJobData>(COMPOSE_QUEUE, compose, { ...common, concurrency: options.concurrency })];
  if (options.retrains !== false) workers.push(new Worker(RETRAIN_QUEUE, retrain, { ...common, concurrency: 1 }) as unknown as Worker<ComposeJobData>);
  for (const worker of workers) {
    worker.on('error', (error) => logger.warn({ err: error }, 'worker connection problem'));
    worker.on('stalled', (jobId) => logger.warn({ job: jobId }, 'a job lost its worker; it runs again'));
  }
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));

  let stopping: Promise<void> | undefined;
  return {
    pids: () => pool.pids,
    stop: () =>
      (stopping ??= (async () => {
        await Promise.allSettled(workers.map((worker) => worker.close()));
        await pool.close();
        subscriber.disconnect();
        redis.disconnect();
      })()),
  };
}
