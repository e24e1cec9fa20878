/**
 * `npm run soak -- --minutes N [--seed S] [--interval SECONDS] [--json]`: runs the real bot
 * against the simulator for N minutes under a steady mix and prints the report (test/soak/soak.ts).
 * Run with tsx (the simulator is TypeScript under test/); `npm run soak` builds dist/ first.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runSoak } from '../test/soak/soak.js';

const positive = (name: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return number;
};

const program = new Command('soak')
  .description('Drive the real bot through the Discord simulator and watch memory, descriptors, the event loop and voice')
  .requiredOption('--minutes <n>', 'how long to run', positive('--minutes'))
  .option('--seed <n>', 'seed of the request mix', positive('--seed'), 1)
  .option('--interval <seconds>', 'seconds between two rounds of requests', positive('--interval'), 12)
  .option('--warmup <minutes>', 'leading minutes left out of growth and stall figures (default 20 % of the run, at most 2)', positive('--warmup'))
  .option(
    '--burst <n>',
    'composes sent at once halfway through while a piece plays (0 = none)',
    (value: string) => {
      const number = Number(value);
      if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('--burst must be a whole number ≥ 0');
      return number;
    },
    30,
  )
  .option('--bot-node-arg <arg...>', "node options for the bot's process only (e.g. --cpu-prof)")
  .option('--bot-log <file>', "copy the bot's log (JSON lines) into FILE")
  .option('--json', 'print the report as JSON')
  .action(
    async (flags: {
      minutes: number;
      seed: number;
      interval: number;
      warmup?: number;
      burst: number;
      botNodeArg?: string[];
      botLog?: string;
      json?: boolean;
    }) => {
      const report = await runSoak({
        minutes: flags.minutes,
        seed: flags.seed,
        intervalSeconds: flags.interval,
        ...(flags.warmup !== undefined ? { warmupMinutes: flags.warmup } : {}),
        burst: flags.burst,
        ...(flags.botNodeArg !== undefined ? { botNodeArgs: flags.botNodeArg } : {}),
        ...(flags.botLog !== undefined ? { botLogFile: flags.botLog } : {}),
        log: (line) => console.error(line),
      });
      if (flags.json) console.log(JSON.stringify(report, null, 2));
      else
        for (const [key, value] of Object.entries(report))
          console.log(`${key.padEnd(24)} ${Array.isArray(value) ? value.join('\n' + ' '.repeat(25)) || '—' : value}`);
      // Nothing else may keep the process alive (the simulator is closed).
      process.exit(report.errors > 0 || report.answered < report.composes ? 1 : 0);
    },
  );

await program.parseAsync();
