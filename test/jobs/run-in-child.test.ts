import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JobCancelledError, WorkerCrashedError, WorkerFailedError, WorkerTimeoutError } from '../../src/jobs/errors.js';
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
    const result = await runInChild<{ mode: string; value: string }, { echoed: string; bytes: Uint8Array; priority: number; token: string | null; tunables: string | null }, { step: number }>(
      fixture,
      { mode: 'echo', value: 'hello' },
      { onProgress: (p) => progress.push(p) },
    ).finally(() => {
      if (previous === undefined) delete process.env.DISCORD_TOKEN;
      else process.env.DISCORD_TOKEN = previous;
    });
    expect(result.token).toBeNull();
    expect(result.tunables).toContain('glibc.malloc.hugetlb=1');
    expect(result.echoed).toBe('hello');
    expect(result.bytes).toBeInstanceOf(Uint8Array);
    expect([...result.bytes]).toEqual([1, 2, 3]);
    expect(progress).toEqual([{ step: 1 }, { step: 2 }]);
    expect(result.priority).toBe(Math.min(19, ((await import('node:os')).getPriority() + 10)));
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
    const run = runInChild<{ mode: string }, never, { pid: number }>(fixture, { mode: 'hang' }, {
      signal: controller.signal,
      onProgress: (p) => {
        pid = p.pid;
        controller.abort();
      },
    });
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
});
