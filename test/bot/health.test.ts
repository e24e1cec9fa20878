import { describe, expect, it, vi } from 'vitest';
import { JOB_COUNTS_TIMEOUT_MS, startHealthLog, type HealthSample } from '../../src/bot/health.js';
import type { Logger } from '../../src/util/logger.js';

describe('the health log', () => {
  it("reports a blocked event loop in the next sample's loop_max_ms, and memory", async () => {
    const samples: HealthSample[] = [];
    const logger = { info: (sample: HealthSample, message: string) => message === 'health' && samples.push(sample) } as unknown as Logger;
    const stop = startHealthLog(logger, 50, () => ({ running: 1, queued: 30 }));
    try {
      await new Promise((resolve) => setTimeout(resolve, 80));
      const until = performance.now() + 150;
      while (performance.now() < until); // the event loop is blocked for 150 ms
      await new Promise((resolve) => setTimeout(resolve, 120));
    } finally {
      stop();
    }
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...samples.map((s) => s.loop_max_ms))).toBeGreaterThanOrEqual(120);
    expect(samples.every((s) => s.rss_mb > 10 && s.heap_used_mb > 1 && s.heap_total_mb >= s.heap_used_mb && s.external_mb > 0)).toBe(true);
    // the queue's depth at each sample (the soak finds its burst in it)
    expect(samples.every((s) => s.jobs_running === 1 && s.jobs_queued === 30)).toBe(true);
  });

  it('asks an asynchronous source (Redis) once per line, and leaves counts out of a line when it fails or hangs', async () => {
    const samples: HealthSample[] = [];
    const logger = { info: (sample: HealthSample, message: string) => message === 'health' && samples.push(sample) } as unknown as Logger;
    let asked = 0;
    const answers: Array<() => Promise<{ running: number; queued: number }>> = [
      () => Promise.resolve({ running: 2, queued: 5 }),
      () => Promise.reject(new Error('Redis is down')),
    ];
    const stop = startHealthLog(logger, 40, () => (answers[asked++] ?? (() => new Promise<never>(() => undefined)))());
    try {
      await vi.waitFor(() => expect(samples.length).toBeGreaterThanOrEqual(3), { timeout: JOB_COUNTS_TIMEOUT_MS + 2000 });
    } finally {
      stop();
    }
    expect(samples[0]).toMatchObject({ jobs_running: 2, jobs_queued: 5 });
    // The failed and the hung reads: the line still comes, without counts.
    for (const sample of samples.slice(1, 3)) {
      expect(sample).not.toHaveProperty('jobs_running');
      expect(sample.rss_mb).toBeGreaterThan(10);
    }
  });

  it('logs nothing when switched off', async () => {
    const samples: unknown[] = [];
    const stop = startHealthLog({ info: (sample: unknown) => samples.push(sample) } as unknown as Logger, 0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    stop();
    expect(samples).toEqual([]);
  });
});
