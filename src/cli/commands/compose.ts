/**
 * `rhythmix compose`: seed notes (notation or the first bars of a MIDI file) → the model →
 * piece.mid, piece.ogg and piece.png in --out, and a summary (JSON keys: midi, audio, image,
 * seconds, notes, model, sample_seed, …). `--sample-seed N` makes a take again; without it every
 * run is a new one. The work is done by src/compose/pipeline.ts, shared with the Discord bot.
 */
import type { Command } from 'commander';
import { composeToFiles, type ComposeProgress, type ComposeSummary } from '../../compose/pipeline.js';
import { STYLES } from '../../music/styles.js';
import { InvalidInputError } from '../../util/errors.js';
import { createProgressDisplay } from './render.js';
import { quoteInput } from '../../util/text.js';

interface ComposeFlags {
  /** Seed notes in seed notation (`--seed`). */
  seed?: string;
  midi?: string;
  seedBars?: string;
  style?: string;
  instruments?: string;
  tracks?: string;
  tempo?: string;
  bars?: string;
  seconds?: string;
  temperature?: string;
  topK?: string;
  sampleSeed?: string;
  key?: string;
  model?: string;
  soundfont?: string;
  out?: string;
  json?: boolean;
}

function number(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new InvalidInputError(`${flag} must be a number, got ${quoteInput(raw)}`);
  return value;
}

/** Commander flags → the pipeline's option object (validated there with zod). */
export function composeInput(flags: ComposeFlags): Record<string, unknown> {
  const entries: Record<string, unknown> = {
    seed: flags.seed,
    midi: flags.midi,
    seedBars: number('--seed-bars', flags.seedBars),
    style: flags.style?.trim().toLowerCase(),
    instruments: flags.instruments
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    tracks: number('--tracks', flags.tracks),
    tempo: number('--tempo', flags.tempo),
    bars: number('--bars', flags.bars),
    seconds: number('--seconds', flags.seconds),
    temperature: number('--temperature', flags.temperature),
    topK: number('--top-k', flags.topK),
    samplingSeed: number('--sample-seed', flags.sampleSeed),
    key: flags.key,
    model: flags.model,
    soundfont: flags.soundfont,
    outDir: flags.out,
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

/** The `--json` document: the summary with the sampling seed under its documented key, `sample_seed`. */
export function composeJson(summary: ComposeSummary): Record<string, unknown> {
  const { samplingSeed, ...rest } = summary;
  return { ...rest, sample_seed: samplingSeed };
}

function stageLabel(progress: ComposeProgress): string {
  switch (progress.stage) {
    case 'seed':
      return 'reading seed';
    case 'compose':
      return 'composing';
    case 'midi':
      return 'writing MIDI';
    case 'synthesis':
      return 'synthesising';
    case 'encoding':
      return 'encoding';
    case 'image':
      return 'drawing';
    case 'done':
      return 'done';
  }
}

export function register(program: Command): void {
  program
    .command('compose')
    .description('Compose a piece with the model and write piece.mid, piece.ogg and piece.png')
    .option('--seed <notation>', 'seed melody in seed notation, e.g. "C4q E4q G4h" (docs/seed-notation.md)')
    .option('--midi <file>', 'seed from the first bars of a MIDI file')
    .option('--seed-bars <n>', 'bars of --midi used as the seed', '4')
    .option('--style <style>', `style: ${STYLES.join(', ')}`, 'folk')
    .option('--instruments <list>', 'comma-separated instruments, e.g. piano,strings,drums (or GM programs 0-127)')
    .option('--tracks <n>', 'number of tracks, instruments chosen for the style')
    .option('--tempo <bpm>', "tempo in beats per minute (default: the seed's, else 120)")
    .option('--bars <n>', 'length in bars, seed included (default 16)')
    .option('--seconds <s>', 'length in seconds (rounded up to whole bars)')
    .option('--temperature <t>', 'sampling temperature: higher = more adventurous, 0 = always the likeliest token')
    .option('--top-k <k>', 'sample only from the k likeliest tokens (0 = no cut-off)')
    .option('--sample-seed <n>', 'seed of the sampling, 0-2147483647: same value and options, same piece (default: a random one, printed)')
    .option('--key <key>', 'keep to a key, e.g. "C major", F#m, "D dorian"')
    .option('--model <name|dir>', 'model name (models/<name>/) or directory (default: the bundled model)')
    .option('--soundfont <sf2>', 'General MIDI soundfont for the audio')
    .option('--out <dir>', 'output directory', 'out')
    .option('--json', 'print one JSON document {midi, audio, image, seconds, notes, model, sample_seed, …}')
    .action(async (flags: ComposeFlags) => {
      const display = createProgressDisplay(flags.json);
      let summary;
      try {
        summary = await composeToFiles(composeInput(flags), {
          onProgress: (p) => display.update(stageLabel(p), p.fraction),
        });
      } finally {
        display.stop();
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(composeJson(summary))}\n`);
        return;
      }
      console.log(
        `${summary.bars} bars, ${summary.notes} notes, ${summary.seconds.toFixed(1)} s (${summary.style}, model ${summary.model}, --sample-seed ${summary.samplingSeed})`,
      );
      console.log(`  ${summary.midi}\n  ${summary.audio}\n  ${summary.image}`);
    });
}
