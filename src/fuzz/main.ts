/**
 * `npm run fuzz -- [--cases N] [--seed S] [--timeout-ms T] [--json] [--worst-case]` (after
 * `npm run build`): N mutated MIDI files and N mutated seed strings (default 2000 each), counted
 * as {cases, typed_errors, accepted, crashes, hangs, max_ms}; `--worst-case` also measures each
 * worst-case file in a fresh process (time and peak memory). Exits 1 when anything crashed or hung.
 */
import { parseArgs } from 'node:util';
import { runFuzz } from './harness.js';
import { measureWorstCases } from './worst-case-run.js';

function count(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number ≥ 0, got ${JSON.stringify(raw.slice(0, 40))}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string' },
      seed: { type: 'string' },
      'timeout-ms': { type: 'string' },
      json: { type: 'boolean', default: false },
      'worst-case': { type: 'boolean', default: false },
    },
  });
  const report = await runFuzz({
    cases: count(values.cases, 'cases', 2000),
    seed: count(values.seed, 'seed', 1),
    timeoutMs: count(values['timeout-ms'], 'timeout-ms', 5000),
  });
  const worstCases = values['worst-case'] ? { worst_cases: measureWorstCases() } : {};
  if (values.json) {
    console.log(JSON.stringify({ ...report, ...worstCases }, null, 2));
  } else {
    const { cases, typed_errors, accepted, crashes, hangs, max_ms } = report;
    console.log(
      `seed ${report.seed}: ${cases} cases, ${accepted} accepted, ${typed_errors} typed errors, ${crashes} crashes, ${hangs} hangs, slowest ${max_ms} ms (${report.max_ms_raised_limits} ms with 65,535 tracks allowed)`,
    );
    for (const failure of report.failures) console.log(`  ${failure.outcome} ${failure.target} #${failure.index}: ${failure.detail}`);
    for (const m of worstCases.worst_cases ?? [])
      console.log(
        `  ${m.name.padEnd(22)} ${String(m.bytes).padStart(8)} bytes  ${m.outcome.padEnd(11)} ${String(m.ms).padStart(7)} ms  ${String(m.max_rss_mb).padStart(4)} MB  ${m.detail.slice(0, 80)}`,
      );
  }
  if (report.crashes + report.hangs > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`fuzz: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
