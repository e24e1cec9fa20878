/**
 * A pool of long-lived entries (launch.ts) kept warm for one kind of job: the bot's compose jobs
 * run in N pre-started, niced child processes instead of a fresh child per job, so a job pays
 * neither Node's start-up nor the model load (the entry keeps what it loaded between calls).
 *
 * A job is one call on one idle worker. When the worker dies under a job (crash, out of memory)
 * the job is retried once on a replacement; a second death fails it with a clear message — either
 * way the caller gets exactly one answer. A cancelled or timed-out job whose worker does not stop
 * within the grace period is killed by launch.ts; its worker is replaced, the job is not retried.
 */
import { RhythmixError } from '../util/errors.js';
import { JobCancelledError, WorkerCrashedError } from './errors.js';
import { launch, type CallOptions, type LaunchedEntry, type LaunchOptions } from './launch.js';

export interface WorkerPoolOptions extends Omit<LaunchOptions, 'data' | 'keepsAlive'> {
  /** Workers kept running (at least 1). */
  readonly size: number;
  /** A worker died or was killed under a job and is being replaced (for a log line); `retrying` tells whether the job runs again. */
  readonly onWorkerLost?: (lost: { readonly pid: number | undefined; readonly error: Error; readonly retrying: boolean }) => void;
}

/** One place in the pool; its entry is replaced when it ends. */
interface Slot {
  entry: LaunchedEntry;
}

export class WorkerPool {
  private readonly name: string;
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<{ take: (slot: Slot) => void; reject: (error: Error) => void }> = [];
  private closed = false;
  private workerCount = 0;

  constructor(
    private readonly entry: string | URL,
    private readonly options: WorkerPoolOptions,
  ) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`WorkerPool size must be a whole number ≥ 1, got ${options.size}`);
    this.name = options.name ?? 'worker';
  }

  /** Starts every worker now (so the first jobs find them warm). Idempotent. */
  start(): this {
    if (this.closed) throw this.closedError();
    while (this.slots.length < this.options.size) {
      const slot = { entry: this.launchWorker() };
      this.slots.push(slot);
      this.release(slot);
    }
    return this;
  }

  get size(): number {
    return this.options.size;
  }

  /** The running workers' pids (process workers). */
  get pids(): number[] {
    return this.slots.flatMap((slot) => (slot.entry.ended || slot.entry.pid === undefined ? [] : [slot.entry.pid]));
  }

  /** Runs one job on an idle worker (waiting for one when all are busy); one answer, whatever happens to the worker. */
  async call<O, P = unknown>(input: unknown, options: CallOptions<P> = {}): Promise<O> {
    this.start();
    const slot = await this.acquire(options.signal);
    try {
      return await this.callOnSlot<O, P>(slot, input, options, true);
    } finally {
      this.release(slot);
    }
  }

  /** Stops every worker and waits until they are gone; jobs still running reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const reason = this.closedError();
    for (const waiter of this.waiting.splice(0)) waiter.reject(reason);
    const ends = this.slots.map((slot) => {
      const gone = slot.entry.exited;
      slot.entry.stop(reason);
      return gone;
    });
    this.idle.length = 0;
    await Promise.all(ends);
  }

  private async callOnSlot<O, P>(slot: Slot, input: unknown, options: CallOptions<P>, mayRetry: boolean): Promise<O> {
    if (this.closed) throw this.closedError();
    // A worker that died while idle is replaced when next needed, so a worker that cannot start does not loop.
    if (slot.entry.ended) slot.entry = this.launchWorker();
    const entry = slot.entry;
    try {
      return await entry.call<O, P>(input, options);
    } catch (error) {
      if (!entry.ended || this.closed) throw error;
      // The worker is gone: killed after a cancel or timeout (that error is the answer), or died under the job.
      slot.entry = this.launchWorker();
      const retrying = mayRetry && error instanceof WorkerCrashedError && !options.signal?.aborted;
      try {
        this.options.onWorkerLost?.({ pid: entry.pid, error: error as Error, retrying });
      } catch {
        // a listener's mistake must not change the job's answer
      }
      if (!(error instanceof WorkerCrashedError) || options.signal?.aborted) throw error;
      if (retrying) return this.callOnSlot<O, P>(slot, input, options, false);
      throw new WorkerCrashedError(`the ${this.name} worker crashed twice on this job (${error.message}); it was not finished`, { cause: error });
    }
  }

  private closedError(): WorkerCrashedError {
    return new WorkerCrashedError(`the ${this.name} pool was closed`);
  }

  private launchWorker(): LaunchedEntry {
    this.workerCount++;
    const { size: _size, onWorkerLost: _onWorkerLost, ...launchOptions } = this.options;
    return launch(this.entry, { ...launchOptions, name: `${this.name} worker ${this.workerCount}` });
  }

  private acquire(signal: AbortSignal | undefined): Promise<Slot> {
    if (signal?.aborted) return Promise.reject(signal.reason instanceof RhythmixError ? signal.reason : new JobCancelledError());
    const slot = this.idle.shift();
    if (slot) return Promise.resolve(slot);
    return new Promise<Slot>((resolve, reject) => {
      const waiter = {
        take: (got: Slot): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve(got);
        },
        reject: (error: Error): void => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = (): void => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason instanceof RhythmixError ? signal.reason : new JobCancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private release(slot: Slot): void {
    if (this.closed) return;
    const next = this.waiting.shift();
    if (next) next.take(slot);
    else this.idle.push(slot);
  }
}
