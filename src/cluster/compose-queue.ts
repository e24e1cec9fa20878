/**
 * Composes queued on the cluster by a process that is not a bot (`rhythmix web` with REDIS_URL):
 * the Redis job queue — the same admission, limits and positions as every bot's — and the remote
 * runner that hands each job's compose to a `rhythmix worker`, on one set of connections.
 */
import type { ComposeRunner } from '../app/compose-job.js';
import { ClusterClient } from './client.js';
import { RedisJobQueue, type RedisJobQueueOptions } from './redis-queue.js';
import { RemoteComposer } from './remote-compose.js';

export interface ClusterComposeQueue {
  readonly queue: RedisJobQueue;
  readonly runCompose: ComposeRunner;
  /** Cancels what is still queued here and closes the connections. */
  close(): Promise<void>;
}

export async function openClusterComposeQueue(url: string, options: RedisJobQueueOptions): Promise<ClusterComposeQueue> {
  const cluster = await ClusterClient.open(url);
  const queue = new RedisJobQueue(cluster, options);
  return {
    queue,
    runCompose: new RemoteComposer(cluster).runner(),
    close: async () => {
      await queue.close();
      await cluster.close();
    },
  };
}
