import { launch, type LaunchedEntry } from '../jobs/launch.js';
import { workerEntryPath } from '../util/built-entry.js';
import type { EpochDone, ReplicaCall, ReplicaProgress, Snapshot, TrainWorkerData, Validated } from './replica-calls.js';

/** The training replicas: one worker thread each (src/workers/train-worker.ts), driven by calls. */
export class ReplicaPool {
  onProgress: ((progress: ReplicaProgress) => void) | undefined;

  private constructor(private readonly replicas: LaunchedEntry[]) {}

  static async start(world: number, base: Omit<TrainWorkerData, 'rank' | 'world'>): Promise<ReplicaPool> {
    const file = workerEntryPath('train-worker');
    const replicas: LaunchedEntry[] = [];
    try {
      for (let rank = 0; rank < world; rank++) {
        replicas.push(launch(file, { via: 'thread', name: `training worker ${rank}`, data: { ...base, rank, world } satisfies TrainWorkerData }));
      }
    } catch (error) {
      for (const replica of replicas) replica.stop();
      throw error;
    }
    return new ReplicaPool(replicas);
  }

  /** Runs (the rest of) one epoch on every replica; replica 0 reports progress. */
  epoch(call: Extract<ReplicaCall, { type: 'epoch' }>): Promise<EpochDone[]> {
    return this.all<EpochDone>(call);
  }

  /** Each replica's share of the validation NLL. */
  validate(): Promise<Validated[]> {
    return this.all<Validated>({ type: 'validate' });
  }

  /** Weights and optimizer state (every replica holds the same; replica 0 answers). */
  snapshot(): Promise<Snapshot> {
    return this.call<Snapshot>(0, { type: 'snapshot' });
  }

  close(): Promise<void> {
    for (const replica of this.replicas) replica.stop();
    return Promise.resolve();
  }

  private all<R>(call: ReplicaCall): Promise<R[]> {
    return Promise.all(this.replicas.map((_, rank) => this.call<R>(rank, call)));
  }

  private async call<R>(rank: number, call: ReplicaCall): Promise<R> {
    const onProgress = rank === 0 ? (progress: ReplicaProgress) => this.onProgress?.(progress) : undefined;
    try {
      return await this.replicas[rank]!.call<R, ReplicaProgress>(call, onProgress ? { onProgress } : {});
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(message.startsWith('training worker') ? message : `training worker ${rank}: ${message}`, { cause: error });
    }
  }
}
