/**
 * A bounded queue for heavy work (compose, render, train). At most `concurrency` jobs run at
 * once; beyond that up to `maxQueued` wait in order. A user or guild may hold only so many jobs
 * (queued or running) at a time. A job that cannot be accepted fails at once with a
 * QueueFullError telling when to retry, estimated from how long recent jobs took.
 */
import { defaultConcurrency } from '../config/schema.js';
import { JobCancelledError, QueueFullError, type QueueLimit } from './errors.js';

export interface JobQueueOptions {
  /** Jobs running at once; default one per two cores. */
  concurrency?: number;
  /** Jobs waiting at most (not counting running ones); default 20. */
  maxQueued?: number;
  /** Jobs one user may have queued or running; default 2. */
  perUser?: number;
  /** Jobs one guild may have queued or running; default 6. */
  perGuild?: number;
  /** Passed to jobs as a time limit to apply (e.g. to runInChild). */
  jobTimeoutMs?: number;
  /** Duration assumed before any job has finished (ms); default 30 s. */
  initialEstimateMs?: number;
  /** How many recent durations the estimate averages; default 20. */
  historySize?: number;
  now?: () => number;
}

export type JobUpdate<P> =
  | { readonly state: 'queued'; readonly position: number; readonly queued: number }
  | { readonly state: 'running' }
  | { readonly state: 'progress'; readonly progress: P }
  | { readonly state: 'done' }
  | { readonly state: 'failed'; readonly error: unknown }
  | { readonly state: 'cancelled' };

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobContext<P> {
  readonly id: number;
  /** Aborted when the job is cancelled; pass it on (runInChild stops its child). */
  readonly signal: AbortSignal;
  readonly timeoutMs: number | undefined;
  progress: (value: P) => void;
}

export interface JobSpec<T, P> {
  /** e.g. "compose", "render": for logs and stats. */
  kind?: string;
  userId?: string;
  guildId?: string;
  run(context: JobContext<P>): Promise<T>;
  /** Queue position ("queued 2/3"), start, progress and the end; exceptions are ignored. */
  onUpdate?(update: JobUpdate<P>): void;
}

export interface JobHandle<T> {
  readonly id: number;
  /** Settles when the job ends; rejects with JobCancelledError when cancelled. */
  readonly result: Promise<T>;
  readonly state: JobState;
  /** Waiting: removed at once. Running: its signal is aborted. False when already over. */
  cancel(): boolean;
}

export interface QueueStats {
  readonly running: number;
  readonly queued: number;
  readonly concurrency: number;
  readonly estimateMs: number;
}

/**
 * What the bot asks of a job queue: this in-process JobQueue (the embedded default), or the
 * Redis-backed one (src/cluster/redis-queue.ts) whose limits, positions and refusals hold across
 * bot processes. `submit` refuses with QueueFullError (nothing queued then).
 */
export interface WorkQueue {
  submit<T, P = unknown>(spec: JobSpec<T, P>): JobHandle<T> | Promise<JobHandle<T>>;
  /** False once drain() or close() was called: submit() then refuses. */
  readonly accepting: boolean;
  /** Refuses new jobs, cancels waiting ones, gives running ones `graceMs`, then cancels them. */
  drain(graceMs: number): Promise<void>;
  close(): Promise<void>;
}

interface Job {
  readonly id: number;
  readonly kind: string;
  readonly userId: string | undefined;
  readonly guildId: string | undefined;
  readonly controller: AbortController;
  readonly spec: JobSpec<unknown, unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  state: JobState;
  startedAt: number;
  lastPosition: string;
}

export class JobQueue implements WorkQueue {
  readonly concurrency: number;
  readonly maxQueued: number;
  readonly perUser: number;
  readonly perGuild: number;
  readonly jobTimeoutMs: number | undefined;
  private readonly initialEstimateMs: number;
  private readonly historySize: number;
  private readonly now: () => number;
  private readonly waiting: Job[] = [];
  private readonly running = new Set<Job>();
  private readonly durations: number[] = [];
  private readonly idleWaiters: Array<() => void> = [];
  private nextId = 1;
  private closed = false;

  constructor(options: JobQueueOptions = {}) {
    this.concurrency = positive(options.concurrency ?? defaultConcurrency(), 'concurrency');
    this.maxQueued = Math.max(0, Math.floor(options.maxQueued ?? 20));
    this.perUser = positive(options.perUser ?? 2, 'perUser');
    this.perGuild = positive(options.perGuild ?? 6, 'perGuild');
    this.jobTimeoutMs = options.jobTimeoutMs;
    this.initialEstimateMs = options.initialEstimateMs ?? 30_000;
    this.historySize = positive(options.historySize ?? 20, 'historySize');
    this.now = options.now ?? Date.now;
  }

  /** Accepts a job or throws QueueFullError (nothing is queued then). */
  submit<T, P = unknown>(spec: JobSpec<T, P>): JobHandle<T> {
    if (this.closed) throw new JobCancelledError('the job queue is shutting down');
    this.checkLimits(spec);
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res as (value: unknown) => void;
      reject = rej;
    });
    // Callers that only watch onUpdate must not get an unhandled rejection.
    result.catch(() => undefined);
    const job: Job = {
      id: this.nextId++,
      kind: spec.kind ?? 'job',
      userId: spec.userId,
      guildId: spec.guildId,
      controller: new AbortController(),
      spec,
      resolve,
      reject,
      state: 'queued',
      startedAt: 0,
      lastPosition: '',
    };
    this.waiting.push(job);
    this.pump();
    this.announcePositions();
    return {
      id: job.id,
      result,
      get state() {
        return job.state;
      },
      cancel: () => this.cancel(job),
    };
  }

  stats(): QueueStats {
    return { running: this.running.size, queued: this.waiting.length, concurrency: this.concurrency, estimateMs: this.estimateMs() };
  }

  /** Average duration of recent jobs (the initial estimate until one has finished). */
  estimateMs(): number {
    if (this.durations.length === 0) return this.initialEstimateMs;
    return this.durations.reduce((sum, d) => sum + d, 0) / this.durations.length;
  }

  /** Resolves when nothing is running or waiting. */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new jobs, cancels waiting and running ones, and waits for the running ones to stop. */
  async close(): Promise<void> {
    await this.drain(0);
  }

  /**
   * A graceful stop: refuses new jobs and cancels the waiting ones at once; running ones get
   * `graceMs` to finish, then are cancelled. Resolves when nothing runs any more.
   */
  async drain(graceMs: number): Promise<void> {
    this.closed = true;
    for (const job of [...this.waiting]) this.cancel(job);
    const idle = this.idle();
    if (graceMs > 0 && this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([idle, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const job of this.running) this.cancel(job);
    await idle;
  }

  /** True once close() or drain() was called: submit() then refuses. */
  get accepting(): boolean {
    return !this.closed;
  }

  private checkLimits(spec: { userId?: string | undefined; guildId?: string | undefined }): void {
    const active = [...this.running, ...this.waiting];
    if (spec.userId !== undefined) {
      const mine = active.filter((job) => job.userId === spec.userId);
      if (mine.length >= this.perUser) {
        throw this.full('user', `you already have ${mine.length} job${mine.length === 1 ? '' : 's'} queued or running`, mine);
      }
    }
    if (spec.guildId !== undefined) {
      const theirs = active.filter((job) => job.guildId === spec.guildId);
      if (theirs.length >= this.perGuild) {
        throw this.full('guild', `this server already has ${theirs.length} jobs queued or running`, theirs);
      }
    }
    const wouldWait = this.running.size >= this.concurrency;
    if (wouldWait && this.waiting.length >= this.maxQueued) {
      throw this.full('queue', `the queue is full (${this.waiting.length} waiting, ${this.running.size} running)`, [...this.running]);
    }
  }

  /** The error for a refused job: retry when the first of `blocking` is expected to end. */
  private full(limit: QueueLimit, detail: string, blocking: readonly Job[]): QueueFullError {
    const finishes = this.expectedFinishTimes();
    const soonest = Math.min(...blocking.map((job) => finishes.get(job) ?? this.estimateMs()));
    return new QueueFullError(limit, detail, Number.isFinite(soonest) ? soonest : this.estimateMs());
  }

  /**
   * When each job should end (ms from now): running jobs take the average duration; waiting
   * jobs start, in order, in whichever slot frees first.
   */
  private expectedFinishTimes(): Map<Job, number> {
    const now = this.now();
    const average = this.estimateMs();
    const finishes = new Map<Job, number>();
    // Something running longer than the average is expected to end soon, not in the past.
    const slots = [...this.running].map((job) => {
      const remaining = Math.max(average - (now - job.startedAt), Math.min(1000, average));
      finishes.set(job, remaining);
      return remaining;
    });
    while (slots.length < this.concurrency) slots.push(0);
    for (const job of this.waiting) {
      slots.sort((a, b) => a - b);
      const end = (slots[0] as number) + average;
      slots[0] = end;
      finishes.set(job, end);
    }
    return finishes;
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.waiting.length > 0) {
      this.start(this.waiting.shift() as Job);
    }
  }

  private start(job: Job): void {
    job.state = 'running';
    job.startedAt = this.now();
    this.running.add(job);
    notify(job, { state: 'running' });
    const context: JobContext<unknown> = {
      id: job.id,
      signal: job.controller.signal,
      timeoutMs: this.jobTimeoutMs,
      progress: (value) => {
        if (job.state === 'running') notify(job, { state: 'progress', progress: value });
      },
    };
    let outcome: Promise<unknown>;
    try {
      outcome = Promise.resolve(job.spec.run(context));
    } catch (error) {
      outcome = Promise.reject(error);
    }
    outcome.then(
      (value) => this.finish(job, { value }),
      (error: unknown) => this.finish(job, { error }),
    );
  }

  private finish(job: Job, outcome: { value?: unknown; error?: unknown }): void {
    this.running.delete(job);
    if (job.controller.signal.aborted) {
      job.state = 'cancelled';
      job.reject(new JobCancelledError());
      notify(job, { state: 'cancelled' });
    } else {
      // Only completed work says how long work takes; failures are often instant.
      if (!('error' in outcome)) this.recordDuration(this.now() - job.startedAt);
      if ('error' in outcome) {
        job.state = 'failed';
        job.reject(outcome.error);
        notify(job, { state: 'failed', error: outcome.error });
      } else {
        job.state = 'done';
        job.resolve(outcome.value);
        notify(job, { state: 'done' });
      }
    }
    this.pump();
    this.announcePositions();
    this.checkIdle();
  }

  private cancel(job: Job): boolean {
    if (job.state === 'queued') {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      job.state = 'cancelled';
      job.reject(new JobCancelledError());
      notify(job, { state: 'cancelled' });
      this.announcePositions();
      this.checkIdle();
      return true;
    }
    if (job.state === 'running' && !job.controller.signal.aborted) {
      job.controller.abort(new JobCancelledError());
      return true;
    }
    return false;
  }

  /** Tells each waiting job its place ("queued 2/3") when it changed. */
  private announcePositions(): void {
    const total = this.waiting.length;
    this.waiting.forEach((job, index) => {
      const key = `${index + 1}/${total}`;
      if (key === job.lastPosition) return;
      job.lastPosition = key;
      notify(job, { state: 'queued', position: index + 1, queued: total });
    });
  }

  private recordDuration(ms: number): void {
    this.durations.push(Math.max(0, ms));
    if (this.durations.length > this.historySize) this.durations.shift();
  }

  private checkIdle(): void {
    if (this.running.size > 0 || this.waiting.length > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function notify(job: Job, update: JobUpdate<unknown>): void {
  try {
    job.spec.onUpdate?.(update);
  } catch {
    // A listener's mistake (e.g. a failed Discord edit) must not break the queue.
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 1) throw new RangeError(`${name} must be at least 1, got ${value}`);
  return Math.floor(value);
}
