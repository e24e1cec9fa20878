/**
 * The warm worker pool (src/jobs/worker-pool.ts) over real child processes: the fixture
 * test/jobs/fixtures/pool-entry.mjs, and the bot's compose worker from dist/ (`npm run build` first).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { JobCancelledError, WorkerCrashedError, WorkerTimeoutError } from '../../src/jobs/errors.js';
import { WorkerPool } from '../../src/jobs/worker-pool.js';
import { composeWorkerPool, runCompose } from '../../src/bot/compose/workers.js';
import { TempDirs } from '../support/temp-dirs.js';
import { isRunning } from '../support/processes.js';

const fixture = fileURLToPath(new URL('./fixtures/pool-entry.mjs', import.meta.url));
const pools: WorkerPool[] = [];
const dirs = new TempDirs();

type Lost = { pid: number | undefined; retrying: boolean };

function pool(size: number, graceMs = 300, lost: Lost[] = []): WorkerPool {
  const created = new WorkerPool(fixture, {
    via: 'process',
    name: 'test',
    size,
    graceMs,
    onWorkerLost: ({ pid, retrying }) => lost.push({ pid, retrying }),
  }).start();
  pools.push(created);
  return created;
}

const tempDir = (): string => dirs.make('rhythmix-pool-');

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  dirs.removeAll();
});

describe('WorkerPool', () => {
  it('starts its workers at once and runs every job in one of them, without a new process', async () => {
    const workers = pool(2);
    const started = workers.pids;
    expect(started).toHaveLength(2);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await workers.call<{ pid: number }>({ mode: 'pid' }));
    for (const { pid } of answers) expect(started).toContain(pid);
    expect(workers.pids).toEqual(started);
  });

  it('runs as many jobs at once as it has workers; the rest wait for a free one', async () => {
    const workers = pool(2);
    const controller = new AbortController();
    const busy = [workers.call({ mode: 'cancellable' }, { signal: controller.signal }), workers.call({ mode: 'cancellable' }, { signal: controller.signal })];
    let thirdDone = false;
    const third = workers.call<{ pid: number }>({ mode: 'pid' }).then((answer) => {
      thirdDone = true;
      return answer;
    });
    // Both workers are busy until cancelled: the third job has to wait.
    await new Promise((resolve) => setImmediate(resolve));
    expect(thirdDone).toBe(false);
    controller.abort();
    await expect(Promise.all(busy)).rejects.toBeInstanceOf(JobCancelledError);
    expect(workers.pids).toContain((await third).pid);
  });

  it('retries a job whose worker died under it once, on a fresh worker, and answers it once', async () => {
    const lost: Lost[] = [];
    const workers = pool(1, 300, lost);
    const [first] = workers.pids;
    const marker = path.join(tempDir(), 'crashed');
    const progress: number[] = [];
    const answer = await workers.call<{ pid: number }, { pid: number }>({ mode: 'crash-once', marker }, { onProgress: (p) => progress.push(p.pid) });
    expect(Number(readFileSync(marker, 'utf8'))).toBe(first);
    expect(answer.pid).not.toBe(first);
    expect(progress.at(-1)).toBe(answer.pid);
    expect(isRunning(first!)).toBe(false);
    expect(workers.pids).toEqual([answer.pid]);
    expect(lost).toEqual([{ pid: first, retrying: true }]);
  });

  it('fails a job whose worker dies twice with a clear message, and keeps serving the next job', async () => {
    const lost: Lost[] = [];
    const workers = pool(1, 300, lost);
    const failure = await workers.call({ mode: 'crash' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkerCrashedError);
    expect((failure as Error).message).toMatch(/crashed twice on this job/);
    expect(lost.map((l) => l.retrying)).toEqual([true, false]);
    const { pid } = await workers.call<{ pid: number }>({ mode: 'pid' });
    expect(workers.pids).toEqual([pid]);
  });

  it('kills a worker that ignores a timed-out job, answers the job with the timeout, and replaces the worker', async () => {
    const workers = pool(1);
    const [hung] = workers.pids;
    await expect(workers.call({ mode: 'hang' }, { timeoutMs: 200 })).rejects.toBeInstanceOf(WorkerTimeoutError);
    expect(isRunning(hung!)).toBe(false);
    const { pid } = await workers.call<{ pid: number }>({ mode: 'pid' });
    expect(pid).not.toBe(hung);
  });

  it('keeps a worker that stops its cancelled job in time', async () => {
    const workers = pool(1);
    const [worker] = workers.pids;
    const controller = new AbortController();
    const cancelled = workers.call({ mode: 'cancellable' }, { signal: controller.signal });
    controller.abort();
    await expect(cancelled).rejects.toBeInstanceOf(JobCancelledError);
    expect((await workers.call<{ pid: number }>({ mode: 'pid' })).pid).toBe(worker);
  });

  it('leaves no process behind when closed, and refuses jobs afterwards', async () => {
    const workers = pool(3);
    const pids = workers.pids;
    let started!: () => void;
    const hanging = new Promise<void>((resolve) => (started = resolve));
    const running = workers.call({ mode: 'hang' }, { onProgress: () => started() }).catch((error: unknown) => error);
    await hanging;
    await workers.close();
    expect(await running).toBeInstanceOf(WorkerCrashedError);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    await expect(workers.call({ mode: 'pid' })).rejects.toThrow(/closed/);
  });
});

describe('the bot’s compose workers', () => {
  it('compose in the same warm process job after job, and a model switch between jobs takes the other model', async () => {
    const workers = composeWorkerPool(1)!;
    pools.push(workers);
    const [pid] = workers.pids;
    const dir = tempDir();
    const job = (model: string, outDir: string) =>
      runCompose(workers, { options: { style: 'classical', seed: 'C4q E4q G4h', bars: 2, model, outDir, samplingSeed: 7 } }, {});
    const first = await job('rhythmix-base', path.join(dir, 'a'));
    const second = await job('jsb-bench', path.join(dir, 'b'));
    const third = await job('rhythmix-base', path.join(dir, 'c'));
    expect([first.summary.model, second.summary.model, third.summary.model]).toEqual(['rhythmix-base', 'jsb-bench', 'rhythmix-base']);
    expect(third.tokens).toEqual(first.tokens);
    expect(workers.pids).toEqual([pid]);
  });
});
