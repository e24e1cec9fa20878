import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JobCancelledError, WorkerCrashedError, WorkerFailedError, WorkerTimeoutError } from '../../src/jobs/errors.js';
import { JobQueue, type JobUpdate } from '../../src/jobs/queue.js';
import { runInChild } from '../../src/jobs/run-in-child.js';
import { withHugePageMalloc } from '../../src/util/huge-pages.js';
import { InvalidInputError } from '../../src/util/errors.js';

const fixture = fileURLToPath(new URL('./fixtures/child-echo.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/jobs/run-in-child.js', import.meta.url)));

describe('withHugePageMalloc', () => {
  it('adds the malloc tunable, keeps other tunables and a hugetlb choice already made', () => {
    expect(withHugePageMalloc({}).GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
    expect(withHugePageMalloc({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    expect(withHugePageMalloc({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }).GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=0');
    const base = { PATH: '/bin' };
    withHugePageMalloc(base);
    expect(base).toEqual({ PATH: '/bin' });
  });
});

describe.skipIf(!built)('runInChild (needs npm run build)', () => {
  it('returns the result, relays progress, keeps typed arrays, runs at nice 10, hides the token and asks for huge pages', async () => {
    const progress: unknown[] = [];
    const previous = process.env.DISCORD_TOKEN;
    process.env.DISCORD_TOKEN = 'test.token.secret-value';
    const result = await runInChild<
      { mode: string; value: string },
      { echoed: string; bytes: Uint8Array; priority: number; token: string | null; tunables: string | null },
      { step: number }
    >(fixture, { mode: 'echo', value: 'hello' }, { onProgress: (p) => progress.push(p) }).finally(() => {
      if (previous === undefined) delete process.env.DISCORD_TOKEN;
      else process.env.DISCORD_TOKEN = previous;
    });
    expect(result.token).toBeNull();
    expect(result.tunables).toContain('glibc.malloc.hugetlb=1');
    expect(result.echoed).toBe('hello');
    expect(result.bytes).toBeInstanceOf(Uint8Array);
    expect([...result.bytes]).toEqual([1, 2, 3]);
    expect(progress).toEqual([{ step: 1 }, { step: 2 }]);
    expect(result.priority).toBe(Math.min(19, (await import('node:os')).getPriority() + 10));
  });

  it('keeps user errors user-facing, with their fields', async () => {
    const error = await runInChild(fixture, { mode: 'user-error' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).message).toBe('bad seed at 4');
    expect((error as { position?: number }).position).toBe(4);
  });

  it('turns other errors into WorkerFailedError and a crash into WorkerCrashedError', async () => {
    await expect(runInChild(fixture, { mode: 'nope' })).rejects.toBeInstanceOf(WorkerFailedError);
    await expect(runInChild(fixture, { mode: 'crash' })).rejects.toThrow(WorkerCrashedError);
  });

  it('stops a child that outlives its time limit', async () => {
    const error = await runInChild(fixture, { mode: 'hang' }, { timeoutMs: 300, name: 'hanger' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerTimeoutError);
    expect((error as Error).message).toContain('hanger');
  });

  it('kills a cancelled child whose handler ignores the abort', async () => {
    const controller = new AbortController();
    let pid = 0;
    const run = runInChild<{ mode: string }, never, { pid: number }>(
      fixture,
      { mode: 'hang' },
      {
        signal: controller.signal,
        onProgress: (p) => {
          pid = p.pid;
          controller.abort();
        },
      },
    );
    await expect(run).rejects.toBeInstanceOf(JobCancelledError);
    expect(pid).toBeGreaterThan(0);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await expect.poll(alive, { timeout: 6000, interval: 100 }).toBe(false);
  });

  it('cancels through the signal', async () => {
    const controller = new AbortController();
    const run = runInChild(fixture, { mode: 'hang' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(run).rejects.toBeInstanceOf(JobCancelledError);
    const aborted = new AbortController();
    aborted.abort();
    await expect(runInChild(fixture, { mode: 'echo' }, { signal: aborted.signal })).rejects.toBeInstanceOf(JobCancelledError);
  });

  it("the parent's event loop keeps ticking while a child burns a core", async () => {
    const interval = 10;
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, interval);
    try {
      const result = await runInChild<{ mode: string; ms: number }, { iterations: number }>(fixture, { mode: 'spin', ms: 1500 }, { timeoutMs: 30_000 });
      expect(result.iterations).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
    // Blocking the loop for the whole run would give one huge gap (the child's start-up included).
    expect(gaps.length).toBeGreaterThan(60);
    expect(Math.max(...gaps)).toBeLessThan(400);
  });

  it('runs as queue jobs: progress forwarded, a crash in between survived, the queue time limit applied', async () => {
    const queue = new JobQueue({ concurrency: 1, maxQueued: 5, perUser: 5, jobTimeoutMs: 20_000 });
    const updates: string[] = [];
    const track = (name: string) => (u: JobUpdate<{ step: number }>) => updates.push(`${name} ${u.state === 'progress' ? `step ${u.progress.step}` : u.state}`);
    const first = queue.submit<{ echoed: string }, { step: number }>({
      run: (ctx) =>
        runInChild(
          fixture,
          { mode: 'echo', value: 'a' },
          { onProgress: ctx.progress, signal: ctx.signal, ...(ctx.timeoutMs === undefined ? {} : { timeoutMs: ctx.timeoutMs }) },
        ),
      onUpdate: track('a'),
    });
    const crash = queue.submit({ run: (ctx) => runInChild(fixture, { mode: 'crash' }, { signal: ctx.signal }) });
    const last = queue.submit<{ echoed: string }>({ run: (ctx) => runInChild(fixture, { mode: 'echo', value: 'c' }, { signal: ctx.signal }) });
    await expect(first.result).resolves.toMatchObject({ echoed: 'a' });
    await expect(crash.result).rejects.toBeInstanceOf(WorkerCrashedError);
    await expect(last.result).resolves.toMatchObject({ echoed: 'c' });
    expect(updates).toEqual(['a running', 'a step 1', 'a step 2', 'a done']);

    const limited = new JobQueue({ concurrency: 1, jobTimeoutMs: 300 });
    const hung = limited.submit({
      run: (ctx) =>
        runInChild(fixture, { mode: 'hang' }, { signal: ctx.signal, name: 'render', ...(ctx.timeoutMs === undefined ? {} : { timeoutMs: ctx.timeoutMs }) }),
    });
    await expect(hung.result).rejects.toThrow('render took longer than 0.3 s and was stopped');
  });
});
