/** The bot bench's figures (test/bench/bot-bench.ts): nearest-rank percentiles of the measured composes. */
import { describe, expect, it } from 'vitest';
import { percentile } from './bot-bench.js';

describe('percentile', () => {
  it('takes the nearest rank: the median of 12 is the 6th, the 95th percentile of 12 the slowest', () => {
    const times = [100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 900];
    expect(percentile(times, 50)).toBe(150);
    expect(percentile(times, 95)).toBe(900);
    expect(percentile([100, 200, 300, 400], 50)).toBe(200);
    expect(percentile([42], 95)).toBe(42);
    expect(percentile([], 50)).toBe(0);
  });
});
