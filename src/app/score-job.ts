/**
 * Engraving a piece's score.png after the piece has been answered: the bot's compose job writes
 * piece.musicxml and leaves the picture (Verovio + resvg: 0.1 s of CPU for 16 bars, over a second
 * for 64) to one warm child process of src/workers/score-worker.ts at the lowest CPU priority, so
 * the posted piece never waits for it and a compose running meanwhile keeps the cores.
 */
import { WorkerPool } from '../jobs/worker-pool.js';
import { workerEntryPath } from '../util/built-entry.js';
import type { Logger } from '../util/logger.js';

/** nice 19: below the compose workers (10), so engraving takes only the CPU they leave. */
export const SCORE_WORKER_NICE = 19;

export interface ScoreJobInput {
  /** The MusicXML to engrave (the compose job's `scorePreview`); else the file at `musicxmlPath` is read. */
  readonly preview?: string;
  readonly musicxmlPath: string;
  /** score.png to write. */
  readonly imagePath: string;
}

export interface ScoreJobOutput {
  readonly path: string;
  readonly width: number;
  readonly height: number;
}

/**
 * One warm engraving worker, started now: its start-up (Node, Verovio's wasm: about half a CPU-second)
 * happens with the bot's, not beside the first composes.
 */
export function scoreWorkerPool(logger?: Logger): WorkerPool {
  return new WorkerPool(workerEntryPath('score-worker'), {
    via: 'process',
    name: 'score',
    size: 1,
    nice: SCORE_WORKER_NICE,
    onWorkerLost: ({ pid, error, retrying }) => logger?.warn({ pid, reason: error.message, retrying }, 'the score worker died under its job'),
  }).start();
}

export function runScoreJob(pool: WorkerPool, input: ScoreJobInput, options: { readonly timeoutMs?: number } = {}): Promise<ScoreJobOutput> {
  return pool.call<ScoreJobOutput>(input, options);
}
