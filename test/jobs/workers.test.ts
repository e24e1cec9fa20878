import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  inWorker,
  JobCancelledError,
  JobQueue,
  runInWorker,
  WorkerCrashedError,
  WorkerFailedError,
  WorkerTimeoutError,
  workerEntry,
  type JobUpdate,
} from '../../src/jobs/index.js';
import { InvalidInputError, MissingDependencyError } from '../../src/util/errors.js';

// Worker threads run compiled JavaScript: the fixtures import dist/ (`npm test` builds first).
const fixture = (name: string) => new URL(`./fixtures/${name}.mjs`, import.meta.url);
const echo = fixture('echo-worker');
const failing = fixture('failing-worker');
const cpu = fixture('cpu-worker');

beforeAll(() => {
  const built = fileURLToPath(new URL('../../dist/jobs/worker-protocol.js', import.meta.url));
  if (!existsSync(built)) throw new Error(`${built} is missing — run npm run build before these tests`);
});

describe('runInWorker', () => {
  it('passes input, streams progress and returns the result', async () => {
    const progress: unknown[] = [];
    const result = await runInWorker<{ value: number; steps: number }, { doubled: number }, { step: number; of: number }>(
      echo,
      { value: 21, steps: 3 },
      (p) => progress.push(p),
    );
    expect(result).toEqual({ doubled: 42 });
    expect(progress).toEqual([
      { step: 1, of: 3 },
      { step: 2, of: 3 },
      { step: 3, of: 3 },
    ]);
  });

  it('a user-facing error keeps its class and fields; others keep their message', async () => {
    const error = await runInWorker(failing, { mode: 'invalid-input' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ message: 'expected a note name at position 4', position: 4, name: 'InvalidInputError' });
    const internal = await runInWorker(failing, { mode: 'plain-error' }).catch((e: unknown) => e);
    expect(internal).toBeInstanceOf(WorkerFailedError);
    expect(internal).toMatchObject({ message: 'something internal broke', remoteName: 'TypeError' });
  });

  it('a crashing worker rejects the job and the process carries on', async () => {
    await expect(runInWorker(failing, { mode: 'uncaught' })).rejects.toThrow(WorkerCrashedError);
    await expect(runInWorker(failing, { mode: 'uncaught' })).rejects.toThrow(/crashed: uncaught explosion in the worker/);
    await expect(runInWorker(failing, { mode: 'exit' })).rejects.toThrow(/exited with code 3 before finishing/);
    await expect(
      runInWorker(failing, { mode: 'oom' }, { resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 }, timeoutMs: 30_000 }),
    ).rejects.toThrow(WorkerCrashedError);
    // Still alive and working.
    await expect(runInWorker(echo, { value: 1, steps: 0 })).resolves.toEqual({ doubled: 2 });
  });

  it('a worker past its time limit is stopped', async () => {
    const started = Date.now();
    const error = await runInWorker(failing, { mode: 'hang' }, { timeoutMs: 300, name: 'compose' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerTimeoutError);
    expect((error as Error).message).toBe('compose took longer than 0.3 s and was stopped');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('aborting the signal terminates the worker', async () => {
    const controller = new AbortController();
    const pending = runInWorker(failing, { mode: 'hang' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toBeInstanceOf(JobCancelledError);
  });

  it('the main event loop keeps ticking while a worker burns a core', async () => {
    const interval = 10;
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, interval);
    try {
      const result = await runInWorker<{ ms: number }, { iterations: number }>(cpu, { ms: 1500 }, { timeoutMs: 30_000 });
      expect(result.iterations).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
    // ~150 ticks expected; blocking the loop for the whole run would give one huge gap.
    expect(gaps.length).toBeGreaterThan(60);
    expect(Math.max(...gaps)).toBeLessThan(400);
    const sorted = [...gaps].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]!).toBeLessThan(interval * 4);
  });

  it('an unbuilt worker entry is a clear MissingDependencyError', () => {
    expect(() => workerEntry('no-such-worker')).toThrow(MissingDependencyError);
    expect(() => workerEntry('no-such-worker')).toThrow(/run npm run build/);
  });
});

describe('JobQueue with workers', () => {
  it('runs worker jobs one at a time, forwarding progress, and survives a crash in between', async () => {
    const queue = new JobQueue({ concurrency: 1, maxQueued: 5, perUser: 5, jobTimeoutMs: 20_000 });
    const updates: string[] = [];
    const track = (name: string) => (u: JobUpdate<{ step: number }>) =>
      updates.push(`${name} ${u.state === 'queued' ? `queued ${u.position}/${u.queued}` : u.state === 'progress' ? `step ${u.progress.step}` : u.state}`);
    const first = queue.submit<{ doubled: number }, { step: number }>({
      run: (ctx) => runInWorker(echo, { value: 1, steps: 2 }, { onProgress: ctx.progress, signal: ctx.signal, timeoutMs: ctx.timeoutMs }),
      onUpdate: track('a'),
    });
    const crash = queue.submit({ run: (ctx) => runInWorker(failing, { mode: 'exit' }, { signal: ctx.signal }), onUpdate: track('b') });
    const last = queue.submit<{ doubled: number }, { step: number }>({ run: inWorker(echo, { value: 5, steps: 1 }), onUpdate: track('c') });
    await expect(first.result).resolves.toEqual({ doubled: 2 });
    await expect(crash.result).rejects.toBeInstanceOf(WorkerCrashedError);
    await expect(last.result).resolves.toEqual({ doubled: 10 });
    expect(updates.filter((u) => u.startsWith('a '))).toEqual(['a running', 'a step 1', 'a step 2', 'a done']);
    expect(updates.filter((u) => u.startsWith('b '))).toEqual(['b queued 1/1', 'b queued 1/2', 'b running', 'b failed']);
    expect(updates.filter((u) => u.startsWith('c '))).toEqual(['c queued 2/2', 'c queued 1/1', 'c running', 'c step 1', 'c done']);
  });

  it('the queue time limit applies to worker jobs', async () => {
    const queue = new JobQueue({ concurrency: 1, jobTimeoutMs: 200 });
    const hung = queue.submit({ run: inWorker(failing, { mode: 'hang' }, { name: 'render' }) });
    await expect(hung.result).rejects.toThrow('render took longer than 0.2 s and was stopped');
  });

  it('cancelling a running worker job stops the worker and frees the slot', async () => {
    const queue = new JobQueue({ concurrency: 1, maxQueued: 5, perUser: 5 });
    const hung = queue.submit({ run: inWorker(failing, { mode: 'hang' }) });
    const next = queue.submit({ run: (ctx) => runInWorker(echo, { value: 4, steps: 0 }, { signal: ctx.signal }) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hung.cancel()).toBe(true);
    await expect(hung.result).rejects.toBeInstanceOf(JobCancelledError);
    await expect(next.result).resolves.toEqual({ doubled: 8 });
  });
});
