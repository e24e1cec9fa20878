/**
 * Child-process entry of a retrain (started with runInChild at low priority by the bot's
 * FeedbackService and by `rhythmix retrain`): opens the database itself, runs one round and
 * answers the outcome. Training inside it uses worker threads, which inherit the low priority.
 */
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../db/index.js';
import { runInChild, serveChild } from '../jobs/run-in-child.js';
import { builtEntryPath } from '../util/built-entry.js';
import { runRetrain, type FineTuneSettings, type RetrainOutcome, type RetrainProgress } from './retrain.js';

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
  return runInChild<RetrainChildInput, RetrainOutcome, RetrainProgress>(builtEntryPath('feedback/retrain-child'), input, {
    name: 'retrain',
    nice: options.nice ?? 15,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}

async function handle(input: RetrainChildInput, context: { progress(p: RetrainProgress): void; signal: AbortSignal }): Promise<RetrainOutcome> {
  const db = await openDatabase(input.databaseUrl);
  try {
    return await runRetrain({
      prisma: db.prisma,
      weights: new Map(input.weights),
      modelsDir: input.modelsDir,
      ...(input.baseModel ? { baseModel: input.baseModel } : {}),
      ...(input.data ? { data: input.data } : {}),
      ...(input.guildId ? { guildId: input.guildId } : {}),
      ...(input.excludeUserIds ? { excludeUserIds: input.excludeUserIds } : {}),
      ...(input.settings ? { settings: input.settings } : {}),
      ...(input.activate !== undefined ? { activate: input.activate } : {}),
      signal: context.signal,
      onProgress: (p) => context.progress(p),
    });
  } finally {
    await db.close();
  }
}

// Only when started as a child (process.send exists); importing this module elsewhere serves nothing.
if (process.send && process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) serveChild(handle);
