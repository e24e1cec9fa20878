/**
 * `rhythmix web` on its own: the embedded defaults (SQLite in data/, the bundled model), its own
 * job queue and warm compose workers, no Discord token. The bot with WEB_PORT starts the same
 * server on its own queue and workers instead (src/bot/app.ts).
 */
import path from 'node:path';
import { composeWorkerPool } from '../app/compose-job.js';
import { piecesDirSetting, type CliConfig } from '../config/index.js';
import { openDatabase } from '../db/index.js';
import { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../util/logger.js';
import { startWebServer } from './server.js';

/** The bot's default pieces folder (src/bot/app.ts): both serve the same pieces. */
const DEFAULT_PIECES_DIR = 'data/pieces';

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
}): Promise<StandaloneWeb> {
  const { config, logger } = options;
  const db = await openDatabase(config.databaseUrl);
  const queue = new JobQueue(config.queue);
  const composeWorkers = composeWorkerPool(config.composeWorkers, logger);
  try {
    const server = await startWebServer({
      prisma: db.prisma,
      queue,
      composeWorkers,
      piecesDir: path.resolve(options.piecesDir ?? piecesDirSetting() ?? DEFAULT_PIECES_DIR),
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
          await queue.close();
          await composeWorkers?.close();
          await db.close();
        })()),
    };
  } catch (error) {
    await queue.close();
    await composeWorkers?.close();
    await db.close();
    throw error;
  }
}
