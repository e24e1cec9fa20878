/** The fuzz harness's watchdog: a case that hangs or kills its worker is counted, and the run goes on. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFuzz } from '../../src/fuzz/harness.js';

describe('runFuzz', () => {
  it('counts a hang and a dead worker, replaces the worker and finishes the run', async () => {
    const report = await runFuzz({
      cases: 5,
      seed: 1,
      targets: ['midi'],
      timeoutMs: 1000,
      workerFile: join(import.meta.dirname, 'fixtures/misbehaving-worker.mjs'),
    });
    expect(report).toMatchObject({ cases: 5, accepted: 3, typed_errors: 0, crashes: 1, hangs: 1 });
    expect(report.failures.map((f) => [f.index, f.outcome])).toEqual([
      [1, 'hang'],
      [2, 'crash'],
    ]);
    expect(report.failures[1]!.detail).toMatch(/worker died/);
  });
});
