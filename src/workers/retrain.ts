/**
 * Child-process entry of a retrain (src/feedback/retrain-child.ts `retrainInChild`): opens the
 * database itself, runs one round and answers the outcome. If the parent dies, serve() aborts the
 * signal and runRetrain stops before publishing or switching anything.
 */
import { openDatabase } from '../db/index.js';
import type { RetrainChildInput } from '../feedback/retrain-child.js';
import { runRetrain, type RetrainOutcome, type RetrainProgress } from '../feedback/retrain.js';
import { serve } from '../jobs/serve.js';

serve<RetrainChildInput, RetrainOutcome, RetrainProgress>(async (input, { progress, signal }) => {
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
      signal,
      onProgress: progress,
    });
  } finally {
    await db.close();
  }
});
