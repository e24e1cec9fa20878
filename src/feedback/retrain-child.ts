/**
 * A retrain in a child process at low priority (the bot's FeedbackService and `rhythmix retrain`);
 * the entry is src/workers/retrain.ts, which opens the database itself and runs one round of the
 * retrain use case (src/app/retrain.ts).
 * Training inside it uses worker threads, which inherit the low priority.
 */
import { runJob } from '../jobs/launch.js';
import { workerEntryPath } from '../util/built-entry.js';
import type { FineTuneSettings, RetrainOutcome, RetrainProgress } from './retrain.js';

/** Plain data only: it crosses the process boundary. */
export interface RetrainChildInput {
  databaseUrl: string;
  /** Absolute models folder. */
  modelsDir: string;
  weights: Array<[string, number]>;
  baseModel?: string;
  data?: string[];
  guildId?: string;
  excludeUserIds?: string[];
  settings?: Partial<FineTuneSettings>;
  activate?: boolean;
}

/**
 * Runs one retrain in a niced child process; cancelling stops it (the serving model is untouched),
 * and the child ends by itself, without publishing, if this process dies.
 */
export function retrainInChild(
  input: RetrainChildInput,
  options: { onProgress?: (p: RetrainProgress) => void; signal?: AbortSignal; timeoutMs?: number; nice?: number } = {},
): Promise<RetrainOutcome> {
  return runJob<RetrainOutcome, RetrainProgress>(workerEntryPath('retrain'), input, {
    via: 'process',
    name: 'retrain',
    nice: options.nice ?? 15,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}
