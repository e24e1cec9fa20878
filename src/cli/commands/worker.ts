/**
 * `rhythmix worker`: runs the compose and retrain jobs that bots put on BullMQ (REDIS_URL), until
 * Ctrl-C or SIGTERM (it finishes the jobs it has first). Start any number, on any machine that
 * reaches Redis (and the database, for retrains). docs/scaling.md.
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadCliConfig } from '../../config/index.js';
import { modelsDirectory } from '../../model/model-files.js';
import { InvalidInputError } from '../../util/errors.js';
import { createLogger } from '../../util/logger.js';
import { quoteInput } from '../../util/text.js';

interface WorkerFlags {
  concurrency?: number;
  retrains?: boolean;
  cache?: string;
}

function parseConcurrency(text: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (value >= 1 && value <= 64) return value;
  throw new InvalidInputError(`--concurrency must be a whole number from 1 to 64, got ${quoteInput(text)}`, { field: 'concurrency' });
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run compose and retrain jobs from Redis (REDIS_URL) for any number of bot processes')
    .option('--concurrency <n>', 'composes at once, each in a warm process (default: COMPOSE_WORKERS, else QUEUE_CONCURRENCY)', parseConcurrency)
    .option('--no-retrains', 'leave retrains to other workers')
    .option('--cache <dir>', 'where model versions fetched from the store are kept', path.join(os.tmpdir(), 'rhythmix-model-cache'))
    .action(async (flags: WorkerFlags) => {
      const config = loadCliConfig();
      if (!config.redisUrl) throw new InvalidInputError('rhythmix worker needs REDIS_URL (e.g. redis://127.0.0.1:6379) — set it in .env or the environment');
      const logger = createLogger({ level: config.logLevel, name: 'rhythmix-worker' });
      const { startClusterWorker } = await import('../../cluster/worker.js');
      const concurrency = flags.concurrency ?? Math.max(1, config.composeWorkers);
      const worker = await startClusterWorker({
        redisUrl: config.redisUrl,
        concurrency,
        lockMs: config.workerLockMs,
        cacheDir: path.resolve(flags.cache ?? path.join(os.tmpdir(), 'rhythmix-model-cache')),
        databaseUrl: config.databaseUrl,
        modelsDir: modelsDirectory(),
        logger,
        retrains: flags.retrains !== false,
      });
      logger.info({ pid: process.pid, concurrency, composePids: worker.pids() }, 'worker ready');
      console.error(`rhythmix: worker ready (${concurrency} compose slot(s)) — Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      console.error('rhythmix: worker stopping (finishing its jobs)…');
      await worker.stop();
      logger.info('worker stopped');
    });
}
