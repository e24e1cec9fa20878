import { describe, expect, it } from 'vitest';
import { DurationEstimate } from '../../src/jobs/index.js';
import { Rng } from '../../src/model/rng.js';

describe('DurationEstimate', () => {
  it('starts from the initial guess, then follows recent durations (an EWMA) when jobs have no size', () => {
    const estimate = new DurationEstimate({ initialMs: 30_000, weight: 0.5 });
    expect(estimate.expectedMs('compose')).toBe(30_000);
    estimate.record('compose', undefined, 10_000);
    expect(estimate.expectedMs('compose')).toBe(10_000);
    estimate.record('compose', undefined, 4_000);
    // weights 1 and 0.5 → (4000 + 0.5 × 10000) / 1.5
    expect(estimate.expectedMs('compose')).toBeCloseTo(6_000, 6);
    for (let i = 0; i < 30; i++) estimate.record('compose', undefined, 2_000);
    expect(estimate.expectedMs('compose')).toBeCloseTo(2_000, 0);
  });

  it('learns how duration grows with size, so a small job is not quoted a big one’s time', () => {
    const estimate = new DurationEstimate({ weight: 0.1 });
    // 1 s overhead + 200 ms per unit, sizes mixed
    for (let i = 0; i < 40; i++) {
      const size = [4, 64, 16, 8, 32][i % 5]!;
      estimate.record('compose', size, 1_000 + 200 * size);
    }
    expect(estimate.expectedMs('compose', 4)).toBeCloseTo(1_800, 0);
    expect(estimate.expectedMs('compose', 64)).toBeCloseTo(13_800, 0);
    // a size not seen yet: on the line
    expect(estimate.expectedMs('compose', 100)).toBeCloseTo(21_000, 0);
  });

  it('scales by size while all recent jobs had one size, and never predicts below zero', () => {
    const estimate = new DurationEstimate();
    estimate.record('compose', 8, 4_000);
    expect(estimate.expectedMs('compose', 16)).toBe(8_000);
    const steep = new DurationEstimate({ weight: 0.5 });
    steep.record('render', 10, 100);
    steep.record('render', 20, 10_000);
    expect(steep.expectedMs('render', 1)).toBeGreaterThan(0);
  });

  it('keeps kinds apart and falls back to all kinds for a kind never seen', () => {
    const estimate = new DurationEstimate({ initialMs: 30_000 });
    estimate.record('render', undefined, 2_000);
    estimate.record('compose', undefined, 20_000);
    expect(estimate.expectedMs('render')).toBe(2_000);
    expect(estimate.expectedMs('compose')).toBe(20_000);
    expect(estimate.expectedMs('train')).toBeGreaterThan(2_000);
    expect(estimate.expectedMs('train')).toBeLessThan(20_000);
  });
});

describe('DurationEstimate after a change of job sizes (the soak: small composes, then a burst of long ones)', () => {
  it('quotes the running job’s remaining time within ±50 % for most refusals once the sizes jump', () => {
    const rng = new Rng(7);
    const next = () => rng.next();
    // What a compose costs: a fixed part, per bar, a little per track — not proportional to
    // bars × tracks, the size the queue knows. Small jobs vary ±40 % (start-up, the machine's other
    // work weigh more), long ones ±10 %.
    const duration = (bars: number, tracks: number) => (400 + 30 * bars + 60 * tracks) * (bars < 16 ? 0.6 + 0.8 * next() : 0.9 + 0.2 * next());
    const estimate = new DurationEstimate();
    for (let i = 0; i < 120; i++) {
      const bars = 3 + Math.floor(next() * 6);
      const tracks = 1 + Math.floor(next() * 3);
      estimate.record('compose', bars * tracks, duration(bars, tracks));
    }
    let within = 0;
    let refusals = 0;
    for (let i = 0; i < 45; i++) {
      const bars = 16 * (1 + (i % 3));
      const tracks = 1 + (i % 3);
      const took = duration(bars, tracks);
      // three refusals at random moments of this job, each told the expected wait for it to end
      for (let k = 0; k < 3; k++) {
        const elapsedMs = next() * took;
        const hint = estimate.firstEndMs([{ kind: 'compose', size: bars * tracks, elapsedMs }]);
        const actual = took - elapsedMs;
        // the first jobs of the burst are the fit's first sight of these sizes: not counted
        if (i >= 6) {
          refusals++;
          if (Math.abs(hint - actual) <= 0.5 * actual) within++;
        }
      }
      estimate.record('compose', bars * tracks, took);
    }
    expect(within / refusals).toBeGreaterThanOrEqual(0.7);
  });
});
