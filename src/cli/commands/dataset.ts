/**
 * `rhythmix dataset stats SPEC [--json] [--split S]` and
 * `rhythmix dataset build SPEC… --out DIR [--valid-fraction 0.1] [--steps-per-quarter 4] [--seed N]`.
 * SPEC is jsb, jsb-frames, jsb16, nottingham, game or a folder of MIDI files (see src/datasets/spec.ts).
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import { STYLES } from '../../music/styles.js';
import { DEFAULT_STEPS_PER_QUARTER } from '../../music/quantize.js';
import { MIDI_LIMIT_FLAGS, midiLimitsFromFlags } from '../../midi/limits.js';
import { buildShards, type BuildSummary } from '../../datasets/build.js';
import { SPLITS } from '../../datasets/dataset.js';
import { openDataset } from '../../datasets/spec.js';
import { datasetStats, type DatasetStats } from '../../datasets/stats.js';
import { InvalidInputError } from '../../util/errors.js';
import { fieldParser, flagNamer, withFlagNames } from '../flags.js';
import { quoteInput } from '../../util/text.js';

/** The dataset commands' options (data preparation for the command line alone: its schema lives here). */
const datasetOptionsSchema = z.object({
  style: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(STYLES)).optional(),
  stepsPerQuarter: z.number().int().min(1).max(96).default(DEFAULT_STEPS_PER_QUARTER),
  split: z.enum(SPLITS).optional(),
  validFraction: z.number().min(0).lt(1).default(0.1),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
});
type DatasetOptions = z.output<typeof datasetOptionsSchema>;
const DATASET_FLAGS = flagNamer();
const parse = (field: keyof typeof datasetOptionsSchema.shape): ((raw: string) => unknown) => fieldParser(datasetOptionsSchema, field, DATASET_FLAGS);

interface CommonOptions {
  json?: boolean;
  style?: DatasetOptions['style'];
  stepsPerQuarter: number;
  [flag: string]: unknown;
}

interface StatsOptions extends CommonOptions {
  split?: DatasetOptions['split'];
}

interface BuildOptions extends CommonOptions {
  out: string;
  validFraction: number;
  seed: number;
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (stdout stays clean). */
function progressBar(label: string): { update(done: number, total: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} {eta_formatted}`,
      clearOnComplete: true,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0 %' : `${((100 * part) / whole).toFixed(2)} %`;
}

export function formatStats(stats: DatasetStats): string {
  const row = (label: string, value: string | number): string => `  ${label.padEnd(20)} ${value}`;
  const lines = [
    `${stats.dataset} (${stats.style}), grid of ${stats.steps_per_quarter} steps per quarter note`,
    row('files', stats.files),
    row('parsed', stats.parsed),
    row('failed', stats.failed.length),
    row('tracks', stats.tracks),
    row('notes', stats.notes),
  ];
  if (stats.notes_selected !== stats.notes) {
    lines.push(row('notes selected', `${stats.notes_selected} (${percent(stats.notes_selected, stats.notes)}; track selection)`));
  }
  lines.push(
    row('notes kept', `${stats.notes_kept} (${percent(stats.notes_kept, stats.notes)}) after MIDI → tokens → MIDI`),
    row('notes exact', `${stats.notes_exact} (${percent(stats.notes_exact, stats.notes)}) at their original time`),
    row('off-grid notes', `${stats.off_grid_notes} (${percent(stats.off_grid_notes, stats.notes_selected)})`),
    row('tokens', `${stats.tokens} (${stats.parsed === 0 ? 0 : Math.round(stats.tokens / stats.parsed)} per piece)`),
    row('vocabulary coverage', `${(100 * stats.vocabulary_coverage).toFixed(1)} % (${stats.vocabulary_used} of ${stats.vocabulary_size} tokens)`),
  );
  if (stats.failed.length > 0) {
    lines.push('  failed files:');
    for (const failure of stats.failed) lines.push(`    ${failure.file}: ${failure.reason}`);
  }
  return lines.join('\n');
}

function formatBuild(summary: BuildSummary): string {
  const { splits } = summary.manifest;
  const lines = [`wrote ${summary.pieces} pieces to ${summary.out} (styles: ${summary.manifest.styles.join(', ')})`];
  for (const split of SPLITS) {
    const part = splits[split];
    if (part !== undefined) lines.push(`  ${split.padEnd(6)} ${part.pieces} pieces, ${part.tokens} tokens, ${part.files.length} shard file(s)`);
  }
  lines.push(`  off-grid notes moved onto the grid: ${summary.off_grid_notes}`);
  if (summary.failed.length > 0) {
    lines.push(`  skipped ${summary.failed.length} file(s):`);
    for (const failure of summary.failed) lines.push(`    ${failure.file}: ${failure.reason}`);
  }
  return lines.join('\n');
}

async function runStats(spec: string, options: StatsOptions): Promise<void> {
  const { stepsPerQuarter, split, style } = options;
  const dataset = await openDataset(spec, { ...(style === undefined ? {} : { style }), limits: midiLimitsFromFlags(options) });
  const entries = split === undefined ? dataset.entries : dataset.entries.filter((entry) => entry.split === split);
  if (entries.length === 0) {
    throw new InvalidInputError(`data set ${quoteInput(spec)} has no entries in split "${split}"`);
  }
  const progress = progressBar(`stats ${dataset.name}`);
  let stats: DatasetStats;
  try {
    stats = await datasetStats(dataset, entries, { stepsPerQuarter, onProgress: (done, total) => progress.update(done, total) });
  } finally {
    progress.stop();
  }
  console.log(options.json ? JSON.stringify(stats, null, 2) : formatStats(stats));
}

async function runBuild(specs: readonly string[], options: BuildOptions): Promise<void> {
  const { stepsPerQuarter, validFraction, seed, style } = options;
  const limits = midiLimitsFromFlags(options);
  const datasets = [];
  for (const spec of specs) datasets.push(await openDataset(spec, { ...(style === undefined ? {} : { style }), limits }));
  const progress = progressBar('build');
  let summary: BuildSummary;
  try {
    summary = await buildShards(datasets, {
      outDir: options.out,
      validFraction,
      stepsPerQuarter,
      seed,
      sources: specs,
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
  }
  if (options.json) {
    const { manifest, ...rest } = summary;
    console.log(JSON.stringify({ ...rest, styles: manifest.styles, splits: manifest.splits }, null, 2));
  } else {
    console.log(formatBuild(summary));
  }
}

function addCommonOptions(command: Command): Command {
  command
    .option('--json', 'print one JSON document')
    .option('--style <style>', 'style of a folder of MIDI files: classical, folk or game (default: from the path)', parse('style'))
    .option(
      '--steps-per-quarter <n>',
      `quantisation grid (default ${DEFAULT_STEPS_PER_QUARTER} = 16th notes)`,
      parse('stepsPerQuarter'),
      DEFAULT_STEPS_PER_QUARTER,
    );
  for (const { flag, description } of MIDI_LIMIT_FLAGS) command.option(flag, description);
  return command;
}

export function register(program: Command): void {
  const dataset = program
    .command('dataset')
    .description('data sets: statistics and token shards for training (SPEC: jsb, jsb-frames, jsb16, nottingham, game or a folder)');

  addCommonOptions(
    dataset
      .command('stats')
      .description('files, notes, round-trip fidelity, tokens and vocabulary coverage of a data set')
      .argument('<spec>', 'jsb, jsb-frames, jsb16, nottingham, game or a folder of MIDI files')
      .option('--split <split>', `only one split: ${SPLITS.join(', ')}`, parse('split')),
  ).action(withFlagNames(DATASET_FLAGS, (spec: string, options: StatsOptions) => runStats(spec, options)));

  addCommonOptions(
    dataset
      .command('build')
      .description('write token shards with a train/valid split and style labels, ready for training')
      .argument('<spec...>', 'one or more of jsb, jsb-frames, jsb16, nottingham, game or folders of MIDI files')
      .requiredOption('--out <dir>', 'output folder for the shards')
      .option('--valid-fraction <f>', 'share of pieces without a standard split that go to valid', parse('validFraction'), 0.1)
      .option('--seed <n>', 'seed of the train/valid split', parse('seed'), 0),
  ).action(withFlagNames(DATASET_FLAGS, (specs: string[], options: BuildOptions) => runBuild(specs, options)));
}
