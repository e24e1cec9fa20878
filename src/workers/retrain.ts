/**
 * Child-process entry of a retrain (src/feedback/retrain-child.ts `retrainInChild`): opens the
 * database itself, runs one round of the retrain use case (src/app/retrain.ts) and answers the
 * outcome. If the parent dies, serve() aborts the signal and the round stops before publishing or
 * switching anything.
 */
import { retrain } from '../app/retrain.js';
import { openDatabase } from '../db/index.js';
import type { RetrainChildInput } from '../feedback/retrain-child.js';
import type { RetrainOutcome, RetrainProgress } from '../feedback/retrain.js';
import { serve } from '../jobs/serve.js';

serve<RetrainChildInput, RetrainOutcome, RetrainProgress>(async (input, { progress, signal }) => {
  const { databaseUrl, modelsDir, weights, ...request } = input;
  const db = await openDatabase(databaseUrl);
  try {
    return await retrain(request, { prisma: db.prisma, weights: new Map(weights), modelsDir, signal, onProgress: progress });
  } finally {
    await db.close();
  }
});
