import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SoakReport } from '../soak/soak.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm run soak -- --minutes N --json` as a user runs it (tsx, after the build the e2e suite has
 * already done), one minute long: every request is answered — pieces for good ones, a refusal for
 * bad seeds and broken uploads — nothing is logged as an error, descriptors come back to where
 * they were, and the played pieces reached the voice channel. The 60-minute figures (growth,
 * stalls, gaps) are measured by running the same command for an hour (docs/reliability.md).
 */
describe('npm run soak', () => {
  it('a one-minute soak answers everything, logs no error and leaks no descriptor', { timeout: 240_000 }, async () => {
    const child = spawn(process.execPath, [`${root}/node_modules/tsx/dist/cli.mjs`, 'scripts/soak.ts', '--minutes', '1', '--interval', '6', '--json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
  });
});
