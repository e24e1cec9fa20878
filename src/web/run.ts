/**
 * `rhythmix web` on its own: the embedded defaults (SQLite in data/, the bundled model), its own
 * job queue and warm compose workers, no Discord token — or, given the cluster's queue (REDIS_URL,
 * opened by the command line), no workers of its own: the composes go to `rhythmix worker`s. The
 * bot with WEB_PORT starts the same server on its own queue and runner instead (src/bot/app.ts).
 */
import { composeWorkerPool } from '../app/compose-job.js';
import { piecesDirectory, type CliConfig } from '../config/index.js';
import { openDatabase } from '../db/index.js';
import type { ComposeRunner } from '../app/compose-job.js';
import { JobQueue, type WorkQueue } from '../jobs/queue.js';
import type { Logger } from '../util/logger.js';
import { startWebServer } from './server.js';

export interface StandaloneWeb {
  readonly url: string;
  /** Stops listening, cancels running composes, stops the workers and closes the database. */
  stop(): Promise<void>;
}

export async function startStandaloneWeb(options: {
  config: CliConfig;
  host: string;
  port: number;
  logger: Logger;
  piecesDir?: string;
  /** The cluster's queue and runner (REDIS_URL): composes run on its workers; closed by stop(). */
  cluster?: { readonly queue: WorkQueue; readonly runCompose: ComposeRunner; close(): Promise<void> };
}): Promise<StandaloneWeb> {
  const { config, logger, cluster } = options;
  const db = await openDatabase(config.databaseUrl).catch(async (error: unknown) => {
    await cluster?.close();
    throw error;
  });
  const queue = cluster?.queue ?? new JobQueue(config.queue);
  const composeWorkers = cluster ? undefined : composeWorkerPool(config.composeWorkers, logger);
  const closeQueue = () => (cluster ? cluster.close() : queue.close());
  try {
    const server = await startWebServer({
      prisma: db.prisma,
      queue,
      composeWorkers,
      runCompose: cluster?.runCompose,
      piecesDir: piecesDirectory(options.piecesDir),
      model: config.model,
      ratingWeights: config.ratingWeights,
      logger,
      trustProxy: config.web.trustProxy,
      host: options.host,
      port: options.port,
    });
    let stopped: Promise<void> | undefined;
    return {
      url: server.url,
      stop: () =>
        (stopped ??= (async () => {
          await server.close();
          await closeQueue();
          await composeWorkers?.close();
          await db.close();
        })()),
    };
  } catch (error) {
    await closeQueue();
    await composeWorkers?.close();
    await db.close();
    throw error;
  }
}
