import { describe, expect, it } from 'vitest';
import { JobCancelledError, JobQueue, QueueFullError, type JobContext, type JobUpdate } from '../../src/jobs/index.js';

/** A job the test finishes by hand. */
function manualJob<T = string>() {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  let context: JobContext<unknown> | undefined;
  let ready: () => void = () => undefined;
  const started = new Promise<void>((res) => (ready = res));
  const run = (ctx: JobContext<unknown>) =>
    new Promise<T>((res, rej) => {
      context = ctx;
      resolve = res;
      reject = rej;
      ctx.signal.addEventListener('abort', () => rej(ctx.signal.reason));
      ready();
    });
  return { run, started, finish: (value: T) => resolve(value), fail: (error: unknown) => reject(error), context: () => context };
}

function recorder() {
  const updates: string[] = [];
  return {
    updates,
    onUpdate: (u: JobUpdate<unknown>) => {
      updates.push(u.state === 'queued' ? `queued ${u.position}/${u.queued}` : u.state === 'progress' ? `progress ${JSON.stringify(u.progress)}` : u.state);
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('JobQueue', () => {
  it('runs jobs in order, one at a time, and tells waiting jobs their place', async () => {
    const queue = new JobQueue({ concurrency: 1, maxQueued: 5, perUser: 5, perGuild: 5 });
    const jobs = [manualJob(), manualJob(), manualJob()];
    const logs = jobs.map(() => recorder());
    const order: number[] = [];
    const handles = jobs.map((job, i) =>
      queue.submit({
        userId: `u${i}`,
        run: async (ctx) => {
          order.push(i);
          ctx.progress({ fraction: 0.5 });
          return job.run(ctx);
        },
        onUpdate: logs[i]!.onUpdate,
      }),
    );
    expect(handles.map((h) => h.state)).toEqual(['running', 'queued', 'queued']);
    expect(queue.stats()).toMatchObject({ running: 1, queued: 2 });
    jobs[0]!.finish('a');
    await expect(handles[0]!.result).resolves.toBe('a');
    await jobs[1]!.started;
    jobs[1]!.finish('b');
    await jobs[2]!.started;
    jobs[2]!.finish('c');
    await expect(Promise.all(handles.map((h) => h.result))).resolves.toEqual(['a', 'b', 'c']);
    expect(order).toEqual([0, 1, 2]);
    expect(logs[0]!.updates).toEqual(['running', 'progress {"fraction":0.5}', 'done']);
    expect(logs[1]!.updates).toEqual(['queued 1/1', 'queued 1/2', 'running', 'progress {"fraction":0.5}', 'done']);
    expect(logs[2]!.updates).toEqual(['queued 2/2', 'queued 1/1', 'running', 'progress {"fraction":0.5}', 'done']);
    await queue.idle();
  });

  it('runs up to `concurrency` jobs at once', async () => {
    const queue = new JobQueue({ concurrency: 2, maxQueued: 5, perUser: 5 });
    const jobs = [manualJob(), manualJob(), manualJob()];
    const handles = jobs.map((job) => queue.submit({ run: job.run }));
    expect(handles.map((h) => h.state)).toEqual(['running', 'running', 'queued']);
    jobs[1]!.finish('second');
    await jobs[2]!.started;
    expect(handles.map((h) => h.state)).toEqual(['running', 'done', 'running']);
    jobs[0]!.finish('first');
    jobs[2]!.finish('third');
    await queue.idle();
  });

  it('enforces per-user, per-guild and queue-length limits with a retry estimate', async () => {
    let now = 0;
    const queue = new JobQueue({ concurrency: 1, maxQueued: 2, perUser: 2, perGuild: 3, initialEstimateMs: 20_000, now: () => now });
    // Teach the queue that jobs take 10 s.
    const warmup = manualJob();
    const first = queue.submit({ run: warmup.run });
    now = 10_000;
    warmup.finish('x');
    await first.result;
    expect(queue.estimateMs()).toBe(10_000);

    const running = manualJob();
    queue.submit({ userId: 'ann', guildId: 'g1', run: running.run });
    now += 4_000; // 6 s left on the running job
    queue.submit({ userId: 'ann', guildId: 'g1', run: manualJob().run });

    const userLimit = captureError(() => queue.submit({ userId: 'ann', guildId: 'g2', run: manualJob().run }));
    expect(userLimit).toBeInstanceOf(QueueFullError);
    expect(userLimit).toMatchObject({ limit: 'user', retryAfterMs: 6_000 });
    expect(userLimit.message).toBe('you already have 2 jobs queued or running — try again in 6 s');

    queue.submit({ userId: 'bob', guildId: 'g1', run: manualJob().run });
    const guildLimit = captureError(() => queue.submit({ userId: 'cid', guildId: 'g1', run: manualJob().run }));
    expect(guildLimit).toMatchObject({ limit: 'guild', retryAfterMs: 6_000 });
    expect(guildLimit.message).toBe('this server already has 3 jobs queued or running — try again in 6 s');

    const queueLimit = captureError(() => queue.submit({ userId: 'dan', guildId: 'g9', run: manualJob().run }));
    expect(queueLimit).toMatchObject({ limit: 'queue', retryAfterMs: 6_000, retryAfterSeconds: 6 });
    expect(queueLimit.message).toBe('the queue is full (2 waiting, 1 running) — try again in 6 s');
    expect(queue.stats()).toMatchObject({ running: 1, queued: 2 });
  });

  it('a user whose jobs are all waiting is told when the first of them should finish', () => {
    let now = 0;
    const queue = new JobQueue({ concurrency: 1, maxQueued: 10, perUser: 1, initialEstimateMs: 30_000, now: () => now });
    queue.submit({ userId: 'ann', run: manualJob().run }); // running, 30 s
    queue.submit({ userId: 'bob', run: manualJob().run }); // waiting: starts at 30 s, ends at 60 s
    now = 5_000;
    const error = captureError(() => queue.submit({ userId: 'bob', run: manualJob().run }));
    expect(error).toMatchObject({ limit: 'user', retryAfterMs: 55_000 });
  });

  it('cancels a waiting job at once and a running one through its signal', async () => {
    const queue = new JobQueue({ concurrency: 1, maxQueued: 5, perUser: 5 });
    const jobs = [manualJob(), manualJob(), manualJob()];
    const logs = jobs.map(() => recorder());
    const handles = jobs.map((job, i) => queue.submit({ run: job.run, onUpdate: logs[i]!.onUpdate }));
    expect(handles[1]!.cancel()).toBe(true);
    await expect(handles[1]!.result).rejects.toBeInstanceOf(JobCancelledError);
    expect(logs[1]!.updates).toEqual(['queued 1/1', 'queued 1/2', 'cancelled']);
    expect(logs[2]!.updates).toEqual(['queued 2/2', 'queued 1/1']);
    expect(handles[1]!.cancel()).toBe(false);

    expect(handles[0]!.cancel()).toBe(true);
    expect(jobs[0]!.context()?.signal.aborted).toBe(true);
    await expect(handles[0]!.result).rejects.toBeInstanceOf(JobCancelledError);
    await jobs[2]!.started; // the slot was freed
    jobs[2]!.finish('last');
    await expect(handles[2]!.result).resolves.toBe('last');
    expect(logs[0]!.updates).toEqual(['running', 'cancelled']);
  });

  it('a failing job (or a throwing listener) does not stop the queue', async () => {
    const queue = new JobQueue({ concurrency: 1, maxQueued: 5, perUser: 5 });
    const failing = queue.submit({
      run: () => Promise.reject(new Error('render failed')),
      onUpdate: () => {
        throw new Error('listener bug');
      },
    });
    const thrown = queue.submit({
      run: () => {
        throw new Error('sync throw');
      },
    });
    const fine = queue.submit({ run: async () => 'ok' });
    await expect(failing.result).rejects.toThrow('render failed');
    await expect(thrown.result).rejects.toThrow('sync throw');
    await expect(fine.result).resolves.toBe('ok');
    expect([failing.state, thrown.state, fine.state]).toEqual(['failed', 'failed', 'done']);
  });

  it('close cancels everything and refuses new jobs', async () => {
    const queue = new JobQueue({ concurrency: 1, maxQueued: 5, perUser: 5 });
    const a = manualJob();
    const running = queue.submit({ run: a.run });
    const waiting = queue.submit({ run: manualJob().run });
    await tick();
    await queue.close();
    await expect(running.result).rejects.toBeInstanceOf(JobCancelledError);
    await expect(waiting.result).rejects.toBeInstanceOf(JobCancelledError);
    expect(() => queue.submit({ run: async () => 1 })).toThrow(JobCancelledError);
  });

  it('drain refuses new jobs and cancels waiting ones at once, and lets a running job finish within the grace period', async () => {
    const queue = new JobQueue({ concurrency: 1, maxQueued: 5, perUser: 5 });
    const a = manualJob();
    const running = queue.submit({ run: a.run });
    const waiting = queue.submit({ run: manualJob().run });
    await a.started;
    // A long grace: the job ends by itself first, and drain resolves with it.
    const drained = queue.drain(3_600_000);
    expect(queue.accepting).toBe(false);
    await expect(waiting.result).rejects.toBeInstanceOf(JobCancelledError);
    expect(() => queue.submit({ run: async () => 1 })).toThrow(JobCancelledError);
    expect(running.state).toBe('running');
    a.finish('piece');
    await drained;
    await expect(running.result).resolves.toBe('piece');
  });

  it('drain cancels a running job that outlasts the grace period', async () => {
    const queue = new JobQueue({ concurrency: 1, maxQueued: 5, perUser: 5 });
    const a = manualJob();
    const running = queue.submit({ run: a.run });
    await a.started;
    await queue.drain(1);
    expect(a.context()!.signal.aborted).toBe(true);
    await expect(running.result).rejects.toBeInstanceOf(JobCancelledError);
  });
});

function captureError(action: () => unknown): QueueFullError {
  try {
    action();
  } catch (error) {
    return error as QueueFullError;
  }
  throw new Error('expected an error');
}
