/**
 * A retrain on a `rhythmix worker` (REDIS_URL): the bot's feedback loop adds it to the retrain
 * queue, whose global concurrency is 1, so retrains run one at a time in the whole cluster. The
 * worker opens its own database (DATABASE_URL, shared) and models folder, publishes an accepted
 * version to the model store and, when activated, makes it the store's current one.
 */
import { randomUUID } from 'node:crypto';
import type { RetrainChildInput } from '../feedback/retrain-child.js';
import type { RetrainOutcome, RetrainProgress } from '../feedback/retrain.js';
import { JobCancelledError } from '../jobs/errors.js';
import type { ClusterClient } from './client.js';

/** What a retrain job carries: the request, without this machine's database URL and folders. */
export type RetrainJobData = Omit<RetrainChildInput, 'databaseUrl' | 'modelsDir'>;

export function remoteRetrainRunner(cluster: ClusterClient) {
  return async (input: RetrainChildInput, options: { onProgress?: (p: RetrainProgress) => void; signal?: AbortSignal }): Promise<RetrainOutcome> => {
    const { databaseUrl: _databaseUrl, modelsDir: _modelsDir, ...data } = input;
    const job = await cluster.retrainQueue.add('retrain', data satisfies RetrainJobData, {
      jobId: `retrain-${randomUUID()}`,
      attempts: 1,
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    const onProgress = ({ jobId, data: progress }: { jobId: string; data: unknown }): void => {
      if (jobId === job.id) options.onProgress?.(progress as RetrainProgress);
    };
    cluster.retrainEvents.on('progress', onProgress);
    const onAbort = (): void => void job.remove().catch(() => undefined);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = (await job.waitUntilFinished(cluster.retrainEvents)) as RetrainOutcome;
      if (options.signal?.aborted) throw new JobCancelledError();
      return outcome;
    } finally {
      cluster.retrainEvents.off('progress', onProgress);
      options.signal?.removeEventListener('abort', onAbort);
    }
  };
}
