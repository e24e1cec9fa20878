/**
 * Child-process entry of a retrain (started by retrainInChild, src/feedback/retrain-child.ts):
 * opens the database itself, runs one round of the retrain use case and answers the outcome.
 */
import { retrain } from '../app/retrain.js';
import { openDatabase } from '../db/index.js';
import type { RetrainChildInput } from '../feedback/retrain-child.js';
import type { RetrainOutcome, RetrainProgress } from '../feedback/retrain.js';
import { serveChild } from '../jobs/run-in-child.js';

serveChild<RetrainChildInput, RetrainOutcome, RetrainProgress>(async (input, { progress, signal }) => {
  const { databaseUrl, modelsDir, weights, ...request } = input;
  const db = await openDatabase(databaseUrl);
  try {
    return await retrain(request, { prisma: db.prisma, weights: new Map(weights), modelsDir, signal, onProgress: (p) => progress(p) });
  } finally {
    await db.close();
  }
});
