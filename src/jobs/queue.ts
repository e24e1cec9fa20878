/**
 * A bounded queue for heavy work (compose, render, train). At most `concurrency` jobs run at
 * once; beyond that up to `maxQueued` wait in order. A user or guild may hold only so many jobs
 * (queued or running) at a time. A job that cannot be accepted fails at once with a
 * QueueFullError telling when to retry, estimated from how long recent jobs of the kind and size
 * took (duration-estimate.ts) and the jobs ahead; each such hint is later compared with when the
 * request would really have been accepted (`onRetryHint`).
 */
import { defaultConcurrency } from '../config/schema.js';
import { DurationEstimate } from './duration-estimate.js';
import { JobCancelledError, QueueFullError, type QueueLimit } from './errors.js';
import { RetryHintWatch, type RetryHintOutcome } from './retry-hints.js';

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
  /** About how many recent durations the estimate follows (its EWMA weight is 2 / (n + 1)); default 20. */
  historySize?: number;
  /** A refusal's hint against when the request would really have been accepted (for logs and the soak). */
  onRetryHint?: (outcome: RetryHintOutcome) => void;
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
  /** e.g. "compose", "render": for logs and stats, and durations are learnt per kind. */
  kind?: string;
  /** How much work, in any unit proportional to the duration (a compose: bars × tracks); default 1. */
  size?: number;
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
  readonly size: number | undefined;
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
  private readonly durations: DurationEstimate;
  private readonly hints: RetryHintWatch;
  private readonly now: () => number;
  private readonly waiting: Job[] = [];
  private readonly running = new Set<Job>();
  private readonly idleWaiters: Array<() => void> = [];
  private nextId = 1;
  private closed = false;

  constructor(options: JobQueueOptions = {}) {
    this.concurrency = positive(options.concurrency ?? defaultConcurrency(), 'concurrency');
    this.maxQueued = Math.max(0, Math.floor(options.maxQueued ?? 20));
    this.perUser = positive(options.perUser ?? 2, 'perUser');
    this.perGuild = positive(options.perGuild ?? 6, 'perGuild');
    this.jobTimeoutMs = options.jobTimeoutMs;
    const historySize = positive(options.historySize ?? 20, 'historySize');
    this.durations = new DurationEstimate({ initialMs: options.initialEstimateMs ?? 30_000, weight: 2 / (historySize + 1) });
    this.now = options.now ?? Date.now;
    this.hints = new RetryHintWatch(this.now, options.onRetryHint);
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
      size: spec.size,
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

  /** Expected duration of a job of `kind` and `size` from recent ones (the initial estimate until one has finished). */
  estimateMs(kind = 'job', size?: number): number {
    return this.durations.expectedMs(kind, size);
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
    this.hints.clear();
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

  /**
   * Throws QueueFullError when a limit is reached. Its hint is when every reached limit should
   * have room again: the soonest expected end among the jobs holding each limit, the latest of those.
   */
  private checkLimits(spec: { userId?: string | undefined; guildId?: string | undefined }): void {
    const refusals = this.reachedLimits(spec);
    if (refusals.length === 0) return;
    const finishes = this.expectedFinishTimes();
    const now = this.now();
    const firstEnd = (blocking: readonly Job[]): number => {
      const running = blocking.filter((job) => job.state === 'running');
      const waiting = blocking.filter((job) => job.state !== 'running').map((job) => finishes.get(job) ?? Infinity);
      const first =
        running.length > 0 ? this.durations.firstEndMs(running.map((job) => ({ kind: job.kind, size: job.size, elapsedMs: now - job.startedAt }))) : Infinity;
      return Math.min(first, ...waiting);
    };
    const retryAfterMs = Math.max(...refusals.map(({ blocking }) => firstEnd(blocking)));
    const hintMs = Number.isFinite(retryAfterMs) ? retryAfterMs : this.estimateMs();
    const first = refusals[0]!;
    // Only the ids: a watched refusal must not keep the refused job's closures alive.
    const who = { userId: spec.userId, guildId: spec.guildId };
    this.hints.watch(first.limit, hintMs, () => this.reachedLimits(who).length === 0);
    throw new QueueFullError(first.limit, first.detail, hintMs);
  }

  /** The limits a job of this user and guild would break now, each with the jobs that hold it. */
  private reachedLimits(spec: { userId?: string | undefined; guildId?: string | undefined }): Array<{ limit: QueueLimit; detail: string; blocking: Job[] }> {
    const reached: Array<{ limit: QueueLimit; detail: string; blocking: Job[] }> = [];
    const active = [...this.running, ...this.waiting];
    if (spec.userId !== undefined) {
      const mine = active.filter((job) => job.userId === spec.userId);
      if (mine.length >= this.perUser) {
        reached.push({ limit: 'user', detail: `you already have ${mine.length} job${mine.length === 1 ? '' : 's'} queued or running`, blocking: mine });
      }
    }
    if (spec.guildId !== undefined) {
      const theirs = active.filter((job) => job.guildId === spec.guildId);
      if (theirs.length >= this.perGuild) {
        reached.push({ limit: 'guild', detail: `this server already has ${theirs.length} jobs queued or running`, blocking: theirs });
      }
    }
    const wouldWait = this.running.size >= this.concurrency;
    if (wouldWait && this.waiting.length >= this.maxQueued) {
      reached.push({ limit: 'queue', detail: `the queue is full (${this.waiting.length} waiting, ${this.running.size} running)`, blocking: [...this.running] });
    }
    return reached;
  }

  /**
   * When each job should end (ms from now), from its own expected duration (its kind and size):
   * running jobs that long after their start; waiting jobs start, in order, in whichever slot
   * frees first.
   */
  private expectedFinishTimes(): Map<Job, number> {
    const now = this.now();
    const finishes = new Map<Job, number>();
    // Something running longer than expected is expected to end soon, not in the past.
    const slots = [...this.running].map((job) => {
      const expected = this.expectedDuration(job);
      const remaining = Math.max(expected - (now - job.startedAt), Math.min(1000, expected));
      finishes.set(job, remaining);
      return remaining;
    });
    while (slots.length < this.concurrency) slots.push(0);
    for (const job of this.waiting) {
      slots.sort((a, b) => a - b);
      const end = (slots[0] as number) + this.expectedDuration(job);
      slots[0] = end;
      finishes.set(job, end);
    }
    return finishes;
  }

  private expectedDuration(job: Job): number {
    return this.durations.expectedMs(job.kind, job.size);
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
      if (!('error' in outcome)) this.durations.record(job.kind, job.size, this.now() - job.startedAt);
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
    this.hints.check();
    this.announcePositions();
    this.checkIdle();
  }

  private cancel(job: Job): boolean {
    if (job.state === 'queued') {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      job.state = 'cancelled';
      job.reject(new JobCancelledError());
      notify(job, { state: 'cancelled' });
      this.hints.check();
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
