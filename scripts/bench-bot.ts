/**
 * `rhythmix bench bot [--jobs N] [--concurrency 1,4] [--bars 16] [--cold] [--json]` runs this with
 * tsx (the simulator is TypeScript under test/); so does `npm run bench:bot -- …`, which builds
 * dist/ first. The measurement itself is test/bench/bot-bench.ts.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runBotBench } from '../test/bench/bot-bench.js';

const whole = (name: string, max: number) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}`);
  return number;
};
const levels = (value: string) => value.split(',').map((part) => whole('--concurrency', 32)(part.trim()));

const program = new Command('bench bot')
  .description('Drive the real bot through the Discord simulator: /compose to the posted piece, p50 and p95 per concurrency level')
  .option('--jobs <n>', 'composes measured per concurrency level', whole('--jobs', 1000), 12)
  .option('--concurrency <list>', 'requests in flight at once, comma-separated levels', levels, [1, 4])
  .option('--bars <n>', 'bars per piece', whole('--bars', 64), 16)
  .option('--cold', 'also measure the bot without warm workers (COMPOSE_WORKERS=0), in the same run')
  .option('--json', 'print the report as JSON')
  .action(async (flags: { jobs: number; concurrency: number[]; bars: number; cold?: boolean; json?: boolean }) => {
    const report = await runBotBench({
      jobs: flags.jobs,
      concurrency: flags.concurrency,
      bars: flags.bars,
      modes: flags.cold ? ['warm', 'cold'] : ['warm'],
      log: (line) => console.error(line),
    });
    if (flags.json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(`${flags.bars} bars, ${report.cores} cores, load ${report.load_start} → ${report.load_end}`);
      for (const r of report.results)
        console.log(`${r.workers.padEnd(5)} concurrency ${r.concurrency}: p50 ${r.p50_ms} ms, p95 ${r.p95_ms} ms (${r.jobs} composes, ${r.failed} failed)`);
    }
    process.exit(report.results.some((r) => r.failed > 0) ? 1 : 0);
  });

await program.parseAsync();
