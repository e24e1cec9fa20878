/**
 * A retrain in a child process at low priority (the bot's FeedbackService, `rhythmix retrain`):
 * the caller's side. The child's entry is src/workers/retrain-worker.ts, which opens the database
 * itself and runs the retrain use case. Training inside it uses worker threads, which inherit the
 * low priority.
 */
import { runInChild } from '../jobs/run-in-child.js';
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

/** Runs one retrain in a niced child process; cancelling kills the child (the serving model is untouched). */
export function retrainInChild(
  input: RetrainChildInput,
  options: { onProgress?: (p: RetrainProgress) => void; signal?: AbortSignal; timeoutMs?: number; nice?: number } = {},
): Promise<RetrainOutcome> {
  return runInChild<RetrainChildInput, RetrainOutcome, RetrainProgress>(workerEntryPath('retrain-worker'), input, {
    name: 'retrain',
    nice: options.nice ?? 15,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}
