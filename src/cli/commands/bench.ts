/**
 * `rhythmix bench train [--json] [--threads N]` and `rhythmix bench generate [--json]`:
 * the engine against stock tf.layers on the reference configuration, measured
 * side by side in one run (see src/train/benchmark.ts).
 * `rhythmix bench bot [--jobs N] [--concurrency 1,4] [--bars 16] [--cold] [--json]`: the real bot
 * through the Discord simulator (a development tool: scripts/bench-bot.ts, run with tsx).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { z } from 'zod';
import { MissingDependencyError } from '../../util/errors.js';
import { fieldParser, flagNamer } from '../flags.js';

interface BenchOptions {
  json?: boolean;
  threads?: number;
}

/** The benchmarks' options (the command line's alone: their schema lives here). */
const benchSchema = z.object({ threads: z.number().int().min(1).max(64).optional() });

function note(json: boolean | undefined, text: string): void {
  if (!json) process.stderr.write(`${text}\n`);
}

/** The checkout this CLI runs from (dist/cli/commands or src/cli/commands, three folders down). */
const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface BotBenchFlags {
  jobs?: string;
  concurrency?: string;
  bars?: string;
  cold?: boolean;
  json?: boolean;
}

/** Runs scripts/bench-bot.ts with tsx's loader: the simulator it drives is TypeScript under test/, not part of dist/. */
function runBotBench(flags: BotBenchFlags): Promise<number> {
  const script = path.join(PROJECT_ROOT, 'scripts', 'bench-bot.ts');
  if (!existsSync(script) || !existsSync(path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'package.json'))) {
    throw new MissingDependencyError(
      '`rhythmix bench bot` needs a development checkout: scripts/bench-bot.ts, test/sim and the dev dependency tsx (`npm install` without `--omit=dev`)',
    );
  }
  const args = [
    ...(flags.jobs !== undefined ? ['--jobs', flags.jobs] : []),
    ...(flags.concurrency !== undefined ? ['--concurrency', flags.concurrency] : []),
    ...(flags.bars !== undefined ? ['--bars', flags.bars] : []),
    ...(flags.cold ? ['--cold'] : []),
    ...(flags.json ? ['--json'] : []),
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

export function register(program: Command): void {
  const bench = program.command('bench').description('Measure the engine against stock TensorFlow.js layers, or the bot end to end');
  bench
    .command('train')
    .description('Training throughput in tokens/s: stock tf.layers, then the engine, and their ratio')
    .option('--json', 'print one JSON document {engine, stock, ratio, …}')
    .option('--threads <n>', 'engine worker threads (default: one per core)', fieldParser(benchSchema, 'threads', flagNamer()))
    .action(async (options: BenchOptions) => {
      const { threads } = options;
      note(options.json, 'measuring stock tf.layers training (~15 s), then the engine (~10 s)…');
      // Loaded on use: TensorFlow.js is heavy and only the benchmarks need it here.
      const { benchTraining } = await import('../../train/benchmark.js');
      const result = await benchTraining(threads === undefined ? {} : { threads });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      console.log(`stock tf.layers (${result.backend}): ${result.stock} tokens/s`);
      console.log(`engine (${result.threads} thread${result.threads === 1 ? '' : 's'}): ${result.engine} tokens/s`);
      console.log(`ratio: ${result.ratio}× (goal ≥ 10×)`);
    });
  bench
    .command('generate')
    .description('Batch-1 generation latency in ms per step: stock tf.layers, then the engine, and their ratio')
    .option('--json', 'print one JSON document {engine, stock, ratio, …}')
    .action(async (options: BenchOptions) => {
      note(options.json, 'measuring batch-1 generation steps (~8 s)…');
      const { benchGeneration } = await import('../../train/benchmark.js');
      const result = await benchGeneration();
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      console.log(`stock tf.layers (${result.backend}): ${result.stock} ms/step`);
      console.log(`engine: ${result.engine} ms/step`);
      console.log(`ratio: ${result.ratio}× (goal ≥ 4×)`);
    });
  bench
    .command('bot')
    .description('The real bot through the Discord simulator: /compose to the posted piece, p50/p95 per concurrency level (development checkout)')
    .option('--jobs <n>', 'composes measured per concurrency level (default 12)')
    .option('--concurrency <list>', 'requests in flight at once, comma-separated levels (default 1,4)')
    .option('--bars <n>', 'bars per piece (default 16)')
    .option('--cold', 'also measure the bot without warm workers (COMPOSE_WORKERS=0), in the same run')
    .option('--json', 'print {results: [{workers, concurrency, jobs, p50_ms, p95_ms, …}], …}')
    .action(async (flags: BotBenchFlags) => {
      process.exitCode = await runBotBench(flags);
    });
}
