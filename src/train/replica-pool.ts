import { Worker } from 'node:worker_threads';
import { workerEntryPath } from '../util/built-entry.js';
import type { FromWorker, ToWorker, TrainWorkerData } from './worker-protocol.js';

type Reply<K extends FromWorker['type']> = Extract<FromWorker, { type: K }>;

/** The training replicas: one worker thread each, driven by request/collect. */
export class ReplicaPool {
  private readonly workers: Worker[] = [];
  private readonly inbox: FromWorker[][] = [];
  private readonly waiters: Array<() => void> = [];
  private failure: Error | undefined;
  onProgress: ((message: Reply<'progress'>) => void) | undefined;

  static async start(world: number, base: Omit<TrainWorkerData, 'rank' | 'world'>): Promise<ReplicaPool> {
    const pool = new ReplicaPool();
    const file = workerEntryPath('train-worker');
    for (let rank = 0; rank < world; rank++) {
      const worker = new Worker(file, { workerData: { ...base, rank, world } satisfies TrainWorkerData });
      pool.workers.push(worker);
      pool.inbox.push([]);
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'progress') pool.onProgress?.(message);
        else if (message.type === 'error') pool.fail(new Error(`training worker ${rank}: ${message.message}`));
        else pool.inbox[rank]!.push(message);
        pool.wake();
      });
      worker.on('error', (error) => pool.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) pool.fail(new Error(`training worker ${rank} exited with code ${code}`));
      });
    }
    try {
      await pool.collect('ready');
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  broadcast(message: ToWorker): void {
    for (const worker of this.workers) worker.postMessage(message);
  }

  /** Waits for one reply of `type` from every worker. */
  async collect<K extends FromWorker['type']>(type: K): Promise<Array<Reply<K>>> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.inbox.every((queue) => queue.some((m) => m.type === type))) {
        return this.inbox.map((queue) => {
          const index = queue.findIndex((m) => m.type === type);
          return queue.splice(index, 1)[0] as Reply<K>;
        });
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Waits for a reply from worker 0 only. */
  async first<K extends FromWorker['type']>(type: K): Promise<Reply<K>> {
    for (;;) {
      if (this.failure) throw this.failure;
      const queue = this.inbox[0]!;
      const index = queue.findIndex((m) => m.type === type);
      if (index >= 0) return queue.splice(index, 1)[0] as Reply<K>;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  send(rank: number, message: ToWorker): void {
    this.workers[rank]!.postMessage(message);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
