import { describe, expect, it } from 'vitest';
import { JobQueue, QueueFullError, type RetryHintOutcome } from '../../src/jobs/index.js';
import { mulberry32 } from '../support/random.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

interface Refusal {
  readonly atMs: number;
  readonly hintMs: number;
  readonly shownMs: number;
  /** When a slot really freed: the first running job's true end (the test's own bookkeeping). */
  readonly actualMs: number;
  readonly warm: boolean;
}

/**
 * A busy server on a deterministic clock: composes of mixed sizes (3–32 bars × 1–4 tracks, so
 * 2–34 s, ±15 % noise) arrive faster than two slots can serve them; the queue (5 waiting at most)
 * refuses the rest with "try again in N s". For each refusal the test knows, from the durations
 * it gave the jobs, when a slot really frees — independently of the queue's estimate.
 */
async function busyServer(options: { sized: boolean; concurrency?: number }) {
  let now = 0;
  const next = mulberry32(14);
  const outcomes: RetryHintOutcome[] = [];
  const queue = new JobQueue({
    concurrency: options.concurrency ?? 2,
    maxQueued: 5,
    perUser: 2,
    perGuild: 1000,
    initialEstimateMs: 30_000,
    now: () => now,
    onRetryHint: (o) => outcomes.push(o),
  });
  const ends = new Map<number, { atMs: number; finish: () => void }>();
  let refusals: Refusal[] = [];
  const trueDuration = (size: number) => (1_500 + 250 * size) * (0.85 + 0.3 * next());
  let completed = 0;
  let nextArrival = 0;
  for (let arrival = 0; arrival < 400;) {
    const soonest = [...ends.entries()].sort((a, b) => a[1].atMs - b[1].atMs)[0];
    if (soonest && soonest[1].atMs <= nextArrival) {
      now = soonest[1].atMs;
      ends.delete(soonest[0]);
      soonest[1].finish();
      completed++;
      await tick();
      continue;
    }
    now = nextArrival;
    nextArrival += 6_000 * -Math.log(1 - next()) * 0.5; // a request every 3 s on average
    arrival++;
    const size = (3 + Math.floor(next() * 30)) * (1 + Math.floor(next() * 4));
    try {
      queue.submit({
        kind: 'compose',
        ...(options.sized ? { size } : {}),
        userId: `user${arrival}`,
        run: (context) =>
          new Promise<void>((resolve) => {
            ends.set(context.id, { atMs: now + trueDuration(size), finish: resolve });
          }),
      });
    } catch (error) {
      if (!(error instanceof QueueFullError)) throw error;
      const slotFrees = Math.min(...[...ends.values()].map((end) => end.atMs));
      // The queue learns from ten finished jobs first, as a bot after start-up.
      refusals.push({ atMs: now, hintMs: error.retryAfterMs, shownMs: error.retryAfterSeconds * 1000, actualMs: slotFrees - now, warm: completed >= 10 });
    }
  }
  // Let the rest run out (each finish starts a waiting job).
  while (ends.size > 0) {
    for (const [id, end] of ends) {
      ends.delete(id);
      end.finish();
    }
    await tick();
  }
  await queue.idle();
  const all = refusals;
  refusals = all.filter((r) => r.warm);
  const errors = refusals.map((r) => Math.abs(r.hintMs - r.actualMs) / r.actualMs).sort((a, b) => a - b);
  const share = (limit: number) => errors.filter((e) => e <= limit).length / errors.length;
  return { all, refusals, outcomes, errors, median: errors[Math.floor(errors.length / 2)]!, withinHalf: share(0.5) };
}

describe('retry hints ("try again in N s")', () => {
  // Concurrency 1 is the bot's default on a 2-core machine (one slot per two cores), 2 on four cores.
  it.each([1, 2])('with %i slot(s), tell within ±50 percent when a slot really frees, for a mix of small and big composes', async (concurrency) => {
    const { refusals, errors, median, withinHalf } = await busyServer({ sized: true, concurrency });
    expect(refusals.length).toBeGreaterThan(50);
    console.info(
      `retry hints, ${concurrency} slot(s): ${refusals.length} refusals, median error ${(median * 100).toFixed(0)} %, ` +
        `${(withinHalf * 100).toFixed(0)} % within ±50 %, worst ${(errors.at(-1)! * 100).toFixed(0)} %`,
    );
    // A refusal just before a job ends waits a moment, and any hint is far off in proportion; the
    // typical hint is close (the plain average of recent jobs had a median error of 80 % here).
    expect(median).toBeLessThanOrEqual(0.3);
    expect(withinHalf).toBeGreaterThanOrEqual(0.75);
    // What the user reads (whole seconds, rounded up) never says "now" for a wait of seconds.
    for (const refusal of refusals) expect(refusal.shownMs).toBeGreaterThanOrEqual(Math.min(refusal.hintMs, 1000));
  });

  it('without sizes the hints are the EWMA of all composes, and far off for this mix (why sizes are passed)', async () => {
    const sized = await busyServer({ sized: true });
    const unsized = await busyServer({ sized: false });
    expect(unsized.median).toBeGreaterThan(sized.median * 2);
    expect(unsized.withinHalf).toBeLessThan(0.9);
  });

  it('reports each hint beside when the refused request would really have been accepted', async () => {
    const { all, outcomes } = await busyServer({ sized: true });
    // One outcome per refusal, in order, with the same actual wait as the test's own bookkeeping.
    expect(outcomes.map((o) => [o.limit, o.hintMs])).toEqual(all.map((r) => ['queue', r.hintMs]));
    outcomes.forEach((outcome, i) => expect(outcome.actualMs).toBeCloseTo(all[i]!.actualMs, 6));
  });

  it('reports a per-user refusal when that user’s first job ends', async () => {
    let now = 0;
    const outcomes: RetryHintOutcome[] = [];
    const queue = new JobQueue({ concurrency: 1, maxQueued: 10, perUser: 1, initialEstimateMs: 10_000, now: () => now, onRetryHint: (o) => outcomes.push(o) });
    let finishAnn: () => void = () => undefined;
    queue.submit({ userId: 'ann', run: () => new Promise<void>((resolve) => (finishAnn = resolve)) });
    now = 2_000;
    expect(() => queue.submit({ userId: 'ann', run: async () => undefined })).toThrow(/try again in 8 s/);
    now = 9_000;
    finishAnn();
    await queue.idle();
    expect(outcomes).toEqual([{ limit: 'user', hintMs: 8_000, actualMs: 7_000 }]);
  });
});
