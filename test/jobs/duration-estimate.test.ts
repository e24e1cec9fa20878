import { describe, expect, it } from 'vitest';
import { DurationEstimate } from '../../src/jobs/index.js';

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
