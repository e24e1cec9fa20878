/** `rhythmix bench bot --json`: the real bot through the simulator, /compose to the posted piece (docs/scaling.md). */
import { describe, expect, it } from 'vitest';
import { assertCliBuilt, runCli } from './run-cli.js';

describe('rhythmix bench bot', () => {
  it('--json prints p50_ms and p95_ms per concurrency level, for the warm and, with --cold, the cold bot', { timeout: 240_000 }, () => {
    assertCliBuilt();
    const { status, stdout, stderr } = runCli(['bench', 'bot', '--jobs', '2', '--concurrency', '1,2', '--bars', '2', '--cold', '--json'], 230_000);
    expect(status, stderr).toBe(0);
    const report = JSON.parse(stdout) as { results: Array<Record<string, unknown>>; bars: number };
    expect(report.bars).toBe(2);
    expect(report.results.map((r) => [r.workers, r.concurrency, r.jobs, r.failed])).toEqual([
      ['warm', 1, 2, 0],
      ['warm', 2, 2, 0],
      ['cold', 1, 2, 0],
      ['cold', 2, 2, 0],
    ]);
    for (const result of report.results) {
      expect(result.p50_ms).toBeGreaterThan(0);
      expect(result.p95_ms).toBeGreaterThanOrEqual(result.p50_ms as number);
    }
  });

  it('refuses a bad level before starting anything', () => {
    assertCliBuilt();
    const { status, stderr } = runCli(['bench', 'bot', '--concurrency', '1,0']);
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/--concurrency must be a whole number from 1 to 32/);
  });
});
