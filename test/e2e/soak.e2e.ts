import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SoakReport } from '../soak/soak.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm run soak -- --minutes N --json` as a user runs it (tsx, after the build the e2e suite has
 * already done), one minute long: every request is answered — pieces for good ones, a refusal for
 * bad seeds and broken uploads — nothing is logged as an error, descriptors come back to where
 * they were, and the played pieces reached the voice channel. Halfway, a small burst (6 composes
 * more than the queue holds: 12 at once while a piece plays) fills the queue: the refused ones are
 * told "try again in N s" and each hint is compared with when a slot freed. The 60-minute figures
 * (growth, stalls, gaps, the 30-compose burst) are measured by running the same command for an
 * hour (docs/reliability.md).
 */
describe('npm run soak', () => {
  it('a one-minute soak with a burst answers everything, logs no error and leaks no descriptor', { timeout: 480_000 }, async () => {
    const burst = 6;
    const child = spawn(
      process.execPath,
      [`${root}/node_modules/tsx/dist/cli.mjs`, 'scripts/soak.ts', '--minutes', '1', '--interval', '6', '--burst', String(burst), '--json'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as SoakReport;
    expect(Object.keys(report).slice(0, 10)).toEqual([
      'composes',
      'answered',
      'errors',
      'rss_start_mb',
      'rss_end_mb',
      'rss_growth_mb_per_hour',
      'fds_start',
      'fds_end',
      'loop_max_ms',
      'voice_max_gap_ms',
    ]);
    expect(report.problems).toEqual([]);
    expect(report.errors).toBe(0);
    expect(report.answered).toBe(report.composes);
    expect(report.pieces).toBeGreaterThanOrEqual(5);
    expect(report.bad_inputs_refused).toBeGreaterThanOrEqual(2);
    expect(report.plays).toBeGreaterThanOrEqual(1);
    expect(report.voice_packets).toBeGreaterThan(100);
    expect(report.fds_end).toBeLessThanOrEqual(report.fds_start + 3);
    expect(report.rss_end_mb).toBeGreaterThan(0);
    // The burst: every one of its composes sent, the queue full (its maximum, burst + 2, waiting),
    // the voice playing meanwhile, and the refused ones' hints checked against when a slot freed.
    expect(report.burst_requests).toBeGreaterThanOrEqual(burst + 6);
    expect(report.burst_max_queued).toBe(burst + 2);
    expect(report.voice_packets_burst).toBeGreaterThan(50);
    expect(report.voice_max_gap_ms_burst).toBeGreaterThan(0);
    expect(report.busy).toBeGreaterThanOrEqual(1);
    expect(report.retry_hints).toBeGreaterThanOrEqual(1);
    expect(report.retry_hint_error_median_pct).toBeGreaterThanOrEqual(0);
  });
});
