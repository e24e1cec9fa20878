/**
 * `rhythmix compose`: seed notes (notation or the first bars of a MIDI file) → the model →
 * piece.mid, piece.ogg and piece.png in --out (with --score also piece.musicxml and score.png), and
 * a summary (JSON keys: midi, audio, image, seconds, notes, model, sample_seed, …, musicxml, score_png). `--sample-seed N` makes a take again; without it every
 * run is a new one. A thin adapter: flags → the compose use case (src/app/compose.ts, shared with
 * the Discord bot) → the summary printed.
 */
import type { Command } from 'commander';
import { compose, composeInputSchema, type ComposeProgress, type ComposeSummary } from '../../app/compose.js';
import { STYLES } from '../../music/styles.js';
import { fieldParser, flagNamer, withFlagNames } from '../flags.js';
import { createProgressDisplay } from './render.js';

/** The compose fields whose flag is not the field's name in kebab-case. */
export const COMPOSE_FLAGS = flagNamer({ samplingSeed: '--sample-seed', outDir: '--out' });
const parse = (field: keyof typeof composeInputSchema.shape): ((raw: string) => unknown) => fieldParser(composeInputSchema, field, COMPOSE_FLAGS);

export interface ComposeFlags {
  /** Seed notes in seed notation (`--seed`). */
  seed?: string;
  midi?: string;
  seedBars?: number;
  style?: string;
  instruments?: string[];
  tracks?: number;
  tempo?: number;
  bars?: number;
  seconds?: number;
  temperature?: number;
  topK?: number;
  sampleSeed?: number;
  key?: string;
  model?: string;
  soundfont?: string;
  out?: string;
  score?: boolean;
  json?: boolean;
}

/** Commander flags → the compose use case's input (checked there as a whole). */
export function composeInput(flags: ComposeFlags): Record<string, unknown> {
  const { sampleSeed, out, json: _json, style, ...rest } = flags;
  const entries: Record<string, unknown> = { ...rest, style: style?.trim().toLowerCase(), samplingSeed: sampleSeed, outDir: out };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

/** The `--json` document: the summary with the sampling seed under its documented key, `sample_seed`, and the score's picture as `score_png`. */
export function composeJson(summary: ComposeSummary): Record<string, unknown> {
  const { samplingSeed, scorePng, ...rest } = summary;
  return { ...rest, sample_seed: samplingSeed, ...(scorePng !== undefined ? { score_png: scorePng } : {}) };
}

export function stageLabel(progress: ComposeProgress): string {
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
    .option('--seed-bars <n>', 'bars of --midi used as the seed', parse('seedBars'), 4)
    .option('--style <style>', `style: ${STYLES.join(', ')}`, 'folk')
    .option('--instruments <list>', 'comma-separated instruments, e.g. piano,strings,drums (or GM programs 0-127)', parse('instruments'))
    .option('--tracks <n>', 'number of tracks, instruments chosen for the style', parse('tracks'))
    .option('--tempo <bpm>', "tempo in beats per minute (default: the seed's, else 120)", parse('tempo'))
    .option('--bars <n>', 'length in bars, seed included (default 16)', parse('bars'))
    .option('--seconds <s>', 'length in seconds (rounded up to whole bars)', parse('seconds'))
    .option('--temperature <t>', 'sampling temperature: higher = more adventurous, 0 = always the likeliest token', parse('temperature'))
    .option('--top-k <k>', 'sample only from the k likeliest tokens (0 = no cut-off)', parse('topK'))
    .option(
      '--sample-seed <n>',
      'seed of the sampling, 0-2147483647: same value and options, same piece (default: a random one, printed)',
      parse('samplingSeed'),
    )
    .option('--key <key>', 'keep to a key, e.g. "C major", F#m, "D dorian"')
    .option('--model <name|dir>', 'model name (models/<name>/) or directory (default: the bundled model)')
    .option('--soundfont <sf2>', 'General MIDI soundfont for the audio')
    .option('--out <dir>', 'output directory', 'out')
    .option('--score', 'also engrave the score: piece.musicxml and score.png (its first page)')
    .option('--json', 'print one JSON document {midi, audio, image, seconds, notes, model, sample_seed, …; with --score musicxml, score_png}')
    .action(
      withFlagNames(COMPOSE_FLAGS, async (flags: ComposeFlags) => {
        const display = createProgressDisplay(flags.json);
        let summary;
        try {
          summary = await compose(composeInput(flags), {
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
        if (summary.musicxml && summary.scorePng) console.log(`  ${summary.musicxml}\n  ${summary.scorePng}`);
      }),
    );
}
