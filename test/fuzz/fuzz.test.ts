/**
 * `npm run fuzz` as the test command runs it: 2,000 mutated MIDI files and 2,000 mutated seed
 * strings through the built reader and seed parser (npm run build first). Nothing may crash or
 * hang; both outcomes must occur for each target, or the mutator has stopped reaching the parser.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FuzzReport } from '../../src/fuzz/harness.js';
import { assertCliBuilt, projectRoot } from '../cli/run-cli.js';

const CASES = 2000;

describe('npm run fuzz', () => {
  it(`${CASES} MIDI files and ${CASES} seeds: typed errors or accepted, no crash, no hang`, () => {
    assertCliBuilt();
    const run = spawnSync(process.execPath, [join(projectRoot, 'dist/fuzz/main.js'), '--cases', String(CASES), '--seed', '2026', '--json'], {
      cwd: projectRoot,
      encoding: 'utf8',
      timeout: 280_000,
    });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as FuzzReport;
    expect(report.failures).toEqual([]);
    expect(run.status).toBe(0);
    expect(report).toMatchObject({ cases: 2 * CASES, crashes: 0, hangs: 0 });
    for (const target of ['midi', 'seed'] as const) {
      const counts = report.by_target[target];
      expect(counts.cases).toBe(CASES);
      expect(counts.typed_errors, target).toBeGreaterThan(CASES / 20);
      expect(counts.accepted, target).toBeGreaterThan(CASES / 20);
    }
    expect(report.max_ms).toBeGreaterThan(0);
  }, 300_000);
});
