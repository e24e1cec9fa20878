/**
 * `rhythmix bench train [--json] [--threads N]` and `rhythmix bench generate [--json]`:
 * the engine against stock tf.layers on the reference configuration, measured
 * side by side in one run (see src/train/benchmark.ts).
 */
import type { Command } from 'commander';
import { z } from 'zod';
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

export function register(program: Command): void {
  const bench = program.command('bench').description('Measure the engine against stock TensorFlow.js layers (reference configuration)');
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
}
