/**
 * The bot's job queue on Redis (REDIS_URL), behind the same WorkQueue interface as the in-process
 * JobQueue: the per-user and per-guild limits, the waiting limit, queue positions and "try again
 * in N s" are kept in Redis by atomic scripts (admission.ts), so they hold across every bot
 * process. A job's body runs in this process as before, but its heavy part is a BullMQ job that a
 * `rhythmix worker` runs (remote-compose.ts, keyed by this queue's job id): "running" is when a
 * worker took it, and positions move as workers start and end jobs anywhere in the cluster.
 */
import { JobCancelledError, QueueFullError } from '../jobs/errors.js';
import type { JobContext, JobHandle, JobSpec, JobState, JobUpdate, WorkQueue } from '../jobs/queue.js';
import { admit, markEnded, retryEstimateMs, snapshot, type AdmissionLimits } from './admission.js';
import type { ClusterClient } from './client.js';
import { CHANNELS } from './redis.js';

export interface RedisJobQueueOptions extends AdmissionLimits {
  readonly jobTimeoutMs?: number;
  /** Duration assumed before any job has finished (ms); default 30 s. */
  readonly initialEstimateMs?: number;
}

/** How often waiting jobs' positions are re-read without an event. */
const RESYNC_MS = 3000;

interface Job {
  readonly id: number;
  readonly spec: JobSpec<unknown, unknown>;
  readonly controller: AbortController;
  state: JobState;
  startedAt: number;
  lastPosition: string;
  readonly settled: Promise<void>;
}

export class RedisJobQueue implements WorkQueue {
  private readonly jobs = new Map<number, Job>();
  private closed = false;
  private refresh: { readonly since: number } | undefined;
  private refreshAgain = false;
  private readonly unsubscribe: () => void;
  private readonly resync: NodeJS.Timeout;

  constructor(
    private readonly cluster: ClusterClient,
    private readonly options: RedisJobQueueOptions,
  ) {
    this.unsubscribe = cluster.on(CHANNELS.changed, (message) => this.changed(message));
    // Pub/sub drops messages while a connection is down (a Redis restart): positions are also re-read now and then.
    this.resync = setInterval(() => this.refreshPositions(), RESYNC_MS);
    this.resync.unref();
  }

  get accepting(): boolean {
    return !this.closed;
  }

  async submit<T, P = unknown>(spec: JobSpec<T, P>): Promise<JobHandle<T>> {
    if (this.closed) throw new JobCancelledError('the job queue is shutting down');
    const kind = spec.kind ?? 'job';
    const admission = await admit(this.cluster.redis, { userId: spec.userId, guildId: spec.guildId, kind }, this.options);
    if (!admission.admitted) {
      const wait = await retryEstimateMs(this.cluster.redis, admission.blocking, this.options.initialEstimateMs ?? 30_000);
      const detail =
        admission.limit === 'user'
          ? `you already have ${admission.count} job${admission.count === 1 ? '' : 's'} queued or running`
          : admission.limit === 'guild'
            ? `this server already has ${admission.count} jobs queued or running`
            : `the queue is full (${admission.count} waiting)`;
      throw new QueueFullError(admission.limit, detail, wait);
    }
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    result.catch(() => undefined);
    const controller = new AbortController();
    const job: Job = {
      id: admission.id,
      spec: spec,
      controller,
      state: 'queued',
      startedAt: 0,
      lastPosition: '',
      settled: result.then(
        () => undefined,
        () => undefined,
      ),
    };
    this.jobs.set(job.id, job);
    this.announce(job, admission.position, admission.queued);
    const context: JobContext<P> = {
      id: job.id,
      signal: controller.signal,
      timeoutMs: this.options.jobTimeoutMs,
      progress: (value) => {
        if (job.state === 'queued' || job.state === 'running') notify(job, { state: 'progress', progress: value });
      },
    };
    let outcome: Promise<T>;
    try {
      outcome = Promise.resolve(spec.run(context));
    } catch (error) {
      outcome = Promise.reject(error);
    }
    outcome.then(
      (value) => this.finish(job, { value }, resolve, reject),
      (error: unknown) => this.finish(job, { error }, resolve, reject),
    );
    return {
      id: job.id,
      result,
      get state() {
        return job.state;
      },
      cancel: () => this.cancel(job),
    };
  }

  async drain(graceMs: number): Promise<void> {
    this.closed = true;
    const all = [...this.jobs.values()];
    for (const job of all) if (job.state === 'queued') this.cancel(job);
    const settled = Promise.all(all.map((job) => job.settled));
    if (graceMs > 0 && [...this.jobs.values()].some((job) => job.state === 'running')) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const job of this.jobs.values()) this.cancel(job);
    await settled;
  }

  async close(): Promise<void> {
    await this.drain(0);
    clearInterval(this.resync);
    this.unsubscribe();
  }

  private cancel(job: Job): boolean {
    if (job.state !== 'queued' && job.state !== 'running') return false;
    if (job.controller.signal.aborted) return false;
    // The job's body stops its BullMQ job (remote-compose.ts) and settles; the queue answers then.
    job.controller.abort(new JobCancelledError());
    return true;
  }

  private async finish(
    job: Job,
    outcome: { value?: unknown; error?: unknown },
    resolve: (value: never) => void,
    reject: (error: unknown) => void,
  ): Promise<void> {
    const completed = !('error' in outcome) && !job.controller.signal.aborted;
    // Ending twice is harmless: the worker ends it too; whoever is first frees the limits.
    await markEnded(this.cluster.redis, job.id, completed && job.startedAt > 0 ? Date.now() - job.startedAt : undefined).catch(() => undefined);
    this.jobs.delete(job.id);
    if (job.controller.signal.aborted) {
      job.state = 'cancelled';
      reject(new JobCancelledError());
      notify(job, { state: 'cancelled' });
    } else if ('error' in outcome) {
      job.state = 'failed';
      reject(outcome.error);
      notify(job, { state: 'failed', error: outcome.error });
    } else {
      job.state = 'done';
      resolve(outcome.value as never);
      notify(job, { state: 'done' });
    }
  }

  /** A job was admitted, started or ended somewhere: ours says "running"; waiting ones learn their new place. */
  private changed(message: string): void {
    const [event, rawId] = message.split(':');
    const job = this.jobs.get(Number(rawId));
    if (event === 'start' && job && job.state === 'queued') {
      job.state = 'running';
      job.startedAt = Date.now();
      notify(job, { state: 'running' });
    }
    this.refreshPositions();
  }

  /** One snapshot at a time; changes meanwhile ask for one more (a snapshot stuck on a lost connection is not waited for). */
  private refreshPositions(): void {
    if (this.refresh && Date.now() - this.refresh.since < RESYNC_MS) {
      this.refreshAgain = true;
      return;
    }
    const current = { since: Date.now() };
    this.refresh = current;
    void (async () => {
      do {
        this.refreshAgain = false;
        const waiting = [...this.jobs.values()].filter((job) => job.state === 'queued');
        if (waiting.length === 0) break;
        const now = await snapshot(
          this.cluster.redis,
          waiting.map((job) => job.id),
        ).catch(() => undefined);
        if (!now || this.refresh !== current) break;
        for (const job of waiting) {
          const position = now.positions.get(job.id);
          if (position !== undefined && job.state === 'queued') this.announce(job, position, now.queued);
        }
      } while (this.refreshAgain);
    })().finally(() => {
      if (this.refresh === current) this.refresh = undefined;
    });
  }

  private announce(job: Job, position: number, queued: number): void {
    const key = `${position}/${queued}`;
    if (key === job.lastPosition) return;
    job.lastPosition = key;
    notify(job, { state: 'queued', position, queued });
  }
}

function notify(job: Job, update: JobUpdate<unknown>): void {
  try {
    job.spec.onUpdate?.(update);
  } catch {
    // A listener's mistake (e.g. a failed Discord edit) must not break the queue.
  }
}
