/**
 * The one off-thread runtime (src/jobs/launch.ts ⇄ src/jobs/serve.ts), as child processes and
 * worker threads, against the fixture entry test/jobs/fixtures/entry.mjs (serve from dist/).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deserializeError, serializeError } from '../../src/jobs/envelope.js';
import { JobCancelledError, WorkerCrashedError, WorkerFailedError, WorkerTimeoutError } from '../../src/jobs/errors.js';
import { launch, runJob, type Isolation } from '../../src/jobs/launch.js';
import { JobQueue, type JobUpdate } from '../../src/jobs/queue.js';
import { withHugePageMalloc, withLongRunningMalloc } from '../../src/util/malloc-tunables.js';
import { InvalidInputError, MissingDependencyError, RhythmixError } from '../../src/util/errors.js';
import { isRunning } from '../support/processes.js';

const fixture = fileURLToPath(new URL('./fixtures/entry.mjs', import.meta.url));
const parentFixture = fileURLToPath(new URL('./fixtures/parent.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/jobs/serve.js', import.meta.url)));

describe('withHugePageMalloc', () => {
  it('adds the malloc tunable, keeps other tunables and a hugetlb choice already made', () => {
    expect(withHugePageMalloc({}).GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
    expect(withHugePageMalloc({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    expect(withHugePageMalloc({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }).GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=0');
    const base = { PATH: '/bin' };
    withHugePageMalloc(base);
    expect(base).toEqual({ PATH: '/bin' });
  });

  it('gives long-running processes few arenas too, unless the caller chose an arena count', () => {
    expect(withLongRunningMalloc({}).GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2');
    expect(withLongRunningMalloc({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=8' }).GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=8:glibc.malloc.hugetlb=1');
    // a name that only starts like another tunable is not a choice for it
    expect(withLongRunningMalloc({ GLIBC_TUNABLES: 'glibc.malloc.arena_max_x=1' }).GLIBC_TUNABLES).toBe(
      'glibc.malloc.arena_max_x=1:glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2',
    );
  });
});

describe('typed errors across the envelope', () => {
  it('rebuilds known classes by name, user-facing ones by exit code, the caller’s own by its table', () => {
    const seed = deserializeError(serializeError(Object.assign(new InvalidInputError('bad seed at 4'), { position: 4 })));
    expect(seed).toBeInstanceOf(InvalidInputError);
    expect((seed as { position?: number }).position).toBe(4);
    expect(deserializeError(serializeError(new MissingDependencyError('no ffmpeg')))).toBeInstanceOf(MissingDependencyError);
    expect(deserializeError(serializeError(new JobCancelledError()))).toBeInstanceOf(JobCancelledError);
    const internal = deserializeError(serializeError(new RhythmixError('disk full', { exitCode: 1 })));
    expect(internal).toBeInstanceOf(RhythmixError);
    expect((internal as RhythmixError).exitCode).toBe(1);
    expect(deserializeError(serializeError(new TypeError('oops')))).toBeInstanceOf(WorkerFailedError);
    class QueueFull extends Error {
      override name = 'QueueFull';
    }
    expect(deserializeError(serializeError(new QueueFull('full')), { classes: { QueueFull: (m) => new QueueFull(m) } })).toBeInstanceOf(QueueFull);
    expect(deserializeError(serializeError(new TypeError('oops')), { unknown: (e) => new RangeError(e.message) })).toBeInstanceOf(RangeError);
  });
});

describe.skipIf(!built)('runJob in a child process (needs npm run build)', () => {
  it('returns the result, relays progress, keeps typed arrays, runs at nice 10, hides the token and asks for huge pages', async () => {
    const progress: unknown[] = [];
    const previous = process.env.DISCORD_TOKEN;
    process.env.DISCORD_TOKEN = 'test.token.secret-value';
    const result = await runJob<{ echoed: string; bytes: Uint8Array; priority: number; token: string | null; tunables: string | null }, { step: number }>(
      fixture,
      { mode: 'echo', value: 'hello' },
      { via: 'process', onProgress: (p) => progress.push(p) },
    ).finally(() => {
      if (previous === undefined) delete process.env.DISCORD_TOKEN;
      else process.env.DISCORD_TOKEN = previous;
    });
    expect(result.token).toBeNull();
    expect(result.tunables).toContain('glibc.malloc.hugetlb=1');
    expect(result.tunables).toContain('glibc.malloc.arena_max=2');
    expect(result.echoed).toBe('hello');
    expect(result.bytes).toBeInstanceOf(Uint8Array);
    expect([...result.bytes]).toEqual([1, 2, 3]);
    expect(progress).toEqual([{ step: 1 }, { step: 2 }]);
    expect(result.priority).toBe(Math.min(19, (await import('node:os')).getPriority() + 10));
  });

  it('turns other errors into WorkerFailedError and a crash into WorkerCrashedError', async () => {
    await expect(runJob(fixture, { mode: 'nope' }, { via: 'process' })).rejects.toBeInstanceOf(WorkerFailedError);
    await expect(runJob(fixture, { mode: 'crash' }, { via: 'process' })).rejects.toThrow(WorkerCrashedError);
  });

  it('stops a child that outlives its time limit', async () => {
    const error = await runJob(fixture, { mode: 'hang' }, { via: 'process', timeoutMs: 300, name: 'hanger', graceMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerTimeoutError);
    expect((error as Error).message).toContain('hanger');
  });

  it('kills a cancelled child whose handler ignores the abort', async () => {
    const controller = new AbortController();
    let pid = 0;
    const run = runJob<never, { pid: number }>(
      fixture,
      { mode: 'hang' },
      {
        via: 'process',
        signal: controller.signal,
        onProgress: (p) => {
          pid = p.pid;
          controller.abort();
        },
      },
    );
    await expect(run).rejects.toBeInstanceOf(JobCancelledError);
    expect(pid).toBeGreaterThan(0);
    await expect.poll(() => isRunning(pid), { timeout: 6000, interval: 100 }).toBe(false);
  });

  it('cancels through the signal: the handler sees its own signal abort; an aborted signal starts nothing', async () => {
    const controller = new AbortController();
    let pid = 0;
    const run = runJob<never, { pid: number }>(
      fixture,
      { mode: 'cancellable' },
      {
        via: 'process',
        signal: controller.signal,
        onProgress: (p) => {
          pid = p.pid;
          controller.abort();
        },
      },
    );
    await expect(run).rejects.toBeInstanceOf(JobCancelledError);
    await expect.poll(() => isRunning(pid), { timeout: 2000, interval: 50 }).toBe(false);
    const aborted = new AbortController();
    aborted.abort();
    await expect(runJob(fixture, { mode: 'echo' }, { via: 'process', signal: aborted.signal })).rejects.toBeInstanceOf(JobCancelledError);
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
      const result = await runJob<{ iterations: number }>(fixture, { mode: 'spin', ms: 1500 }, { via: 'process', timeoutMs: 30_000 });
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
        runJob(
          fixture,
          { mode: 'echo', value: 'a' },
          { via: 'process', onProgress: ctx.progress, signal: ctx.signal, ...(ctx.timeoutMs === undefined ? {} : { timeoutMs: ctx.timeoutMs }) },
        ),
      onUpdate: track('a'),
    });
    const crash = queue.submit({ run: (ctx) => runJob(fixture, { mode: 'crash' }, { via: 'process', signal: ctx.signal }) });
    const last = queue.submit<{ echoed: string }>({ run: (ctx) => runJob(fixture, { mode: 'echo', value: 'c' }, { via: 'process', signal: ctx.signal }) });
    await expect(first.result).resolves.toMatchObject({ echoed: 'a' });
    await expect(crash.result).rejects.toBeInstanceOf(WorkerCrashedError);
    await expect(last.result).resolves.toMatchObject({ echoed: 'c' });
    expect(updates).toEqual(['a running', 'a step 1', 'a step 2', 'a done']);

    const limited = new JobQueue({ concurrency: 1, jobTimeoutMs: 300 });
    const hung = limited.submit({
      run: (ctx) =>
        runJob(
          fixture,
          { mode: 'hang' },
          { via: 'process', signal: ctx.signal, name: 'render', graceMs: 200, ...(ctx.timeoutMs === undefined ? {} : { timeoutMs: ctx.timeoutMs }) },
        ),
    });
    await expect(hung.result).rejects.toThrow('render took longer than 0.3 s and was stopped');
  });
});

describe.skipIf(!built)('the same entry on either side (needs npm run build)', () => {
  it.each<Isolation>(['thread', 'process'])('via %s: result, progress and a user error keeping its class and fields', async (via) => {
    const progress: unknown[] = [];
    await expect(runJob(fixture, { mode: 'echo', value: via }, { via, onProgress: (p) => progress.push(p) })).resolves.toMatchObject({ echoed: via });
    expect(progress).toEqual([{ step: 1 }, { step: 2 }]);
    const error = await runJob(fixture, { mode: 'user-error' }, { via }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).message).toBe('bad seed at 4');
    expect((error as { position?: number }).position).toBe(4);
  });

  it('a cancelled thread answers through its own signal; one that ignores it is terminated', async () => {
    const controller = new AbortController();
    const cancellable = runJob(fixture, { mode: 'cancellable' }, { via: 'thread', signal: controller.signal, onProgress: () => controller.abort() });
    await expect(cancellable).rejects.toBeInstanceOf(JobCancelledError);
    const stubborn = new AbortController();
    const hang = runJob(fixture, { mode: 'hang' }, { via: 'thread', signal: stubborn.signal, graceMs: 200, onProgress: () => stubborn.abort() });
    await expect(hang).rejects.toBeInstanceOf(JobCancelledError);
  });

  it('a long-lived entry answers overlapping calls by id, relays events both ways, and fails open calls when it ends', async () => {
    const entry = launch(fixture, { via: 'thread', name: 'adder', data: { calls: true } });
    const events: unknown[] = [];
    entry.onEvent((event) => events.push(event));
    const progress: unknown[] = [];
    const slow = entry.call<number>({ add: [1, 2], delayMs: 200 }, { onProgress: (p) => progress.push(p) });
    const fast = entry.call<number>({ add: [10, 20], delayMs: 0 });
    // The fast one answers first; each answer reaches its own call.
    expect(await fast).toBe(30);
    expect(await slow).toBe(3);
    expect(progress).toEqual([{ started: [1, 2] }]);
    await expect(entry.call({ add: [-1, 0] })).rejects.toBeInstanceOf(InvalidInputError);
    entry.notify('hello');
    await expect.poll(() => events).toEqual([{ echo: 'hello' }]);
    const open = entry.call({ add: [1, 1], delayMs: 10_000 });
    entry.stop(new Error('adder stopped'));
    await expect(open).rejects.toThrow('adder stopped');
    await expect(entry.call({ add: [1, 1] })).rejects.toThrow('adder stopped');
  });
});

/** Starts fixtures/parent.mjs with `mode` and resolves with its first progress line. */
async function parentWithChild(mode: string): Promise<{ parent: ReturnType<typeof spawn>; report: { pid: number; tool?: number }; output: () => string }> {
  const parent = spawn(process.execPath, [parentFixture, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  parent.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const lines = createInterface({ input: parent.stdout });
  const report = await new Promise<{ pid: number; tool?: number }>((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line) as { pid: number; tool?: number }));
    parent.once('exit', () => reject(new Error(`parent ended early: ${output}`)));
  });
  lines.on('line', (line) => (output += `${line}\n`));
  return { parent, report, output: () => output };
}

describe.skipIf(!built || process.platform !== 'linux')('a child process outlives no parent (needs npm run build)', () => {
  it('ends itself and the tool it started within 2 s of its parent’s kill -9, printing no IPC error', async () => {
    const { parent, report, output } = await parentWithChild('grandchild');
    expect(isRunning(report.pid)).toBe(true);
    expect(isRunning(report.tool!)).toBe(true);
    parent.kill('SIGKILL');
    await expect.poll(() => isRunning(report.pid) || isRunning(report.tool!), { timeout: 2000, interval: 50 }).toBe(false);
    expect(output()).not.toMatch(/ERR_IPC|Uncaught|Error/);
  });

  it('ends at once when its parent dies while it still loads, long before serve() could notice', async () => {
    const { parent, report } = await parentWithChild('slow-start');
    parent.kill('SIGKILL');
    // The entry holds its main thread for 10 s before serve(); the kernel's parent-death signal does not wait.
    await expect.poll(() => isRunning(report.pid), { timeout: 1000, interval: 25 }).toBe(false);
  });

  it('ends within 2 s even while its main thread is busy in synchronous work', async () => {
    const { parent, report } = await parentWithChild('spin');
    parent.kill('SIGKILL');
    await expect.poll(() => isRunning(report.pid), { timeout: 2000, interval: 50 }).toBe(false);
  });
});
