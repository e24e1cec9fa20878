/**
 * `rhythmix compose`: seed notes (notation or the first bars of a MIDI file) → the model →
 * piece.mid, piece.ogg and piece.png in --out (with --score also piece.musicxml and score.png), and
 * a summary (JSON keys: midi, audio, image, seconds, notes, model, sample_seed, meter, form, …, musicxml, score_png).
 * `--sample-seed N` makes a take again; without it every run is a new one. `--takes 2` composes two
 * takes, in take-a/ and take-b/ of --out. A thin adapter: flags → the compose use case (src/app/compose.ts, shared with
 * the Discord bot) → the summary printed.
 */
import type { Command } from 'commander';
import { compose, composeInputSchema, takeLetter, type ComposeProgress, type ComposeResult, type ComposeSummary } from '../../app/compose.js';
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
  meter?: string;
  form?: string;
  model?: string;
  soundfont?: string;
  out?: string;
  takes?: number;
  allowCopies?: boolean;
  score?: boolean;
  json?: boolean;
}

/** Commander flags → the compose use case's input (checked there as a whole). */
export function composeInput(flags: ComposeFlags): Record<string, unknown> {
  const { sampleSeed, out, json: _json, style, ...rest } = flags;
  const entries: Record<string, unknown> = { ...rest, style: style?.trim().toLowerCase(), samplingSeed: sampleSeed, outDir: out };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

/**
 * One piece's JSON: the summary with the sampling seed under its documented key, `sample_seed`,
 * the originality check as `longest_copied_bars` and `originality` (docs/originality.md), and the
 * score's picture as `score_png` (with `--score`).
 */
function pieceJson(summary: ComposeSummary): Record<string, unknown> {
  const { samplingSeed, longestCopiedBars, originality, scorePng, ...rest } = summary;
  return {
    ...rest,
    ...(scorePng !== undefined ? { score_png: scorePng } : {}),
    sample_seed: samplingSeed,
    longest_copied_bars: longestCopiedBars,
    originality: { copied_from: originality.copiedFrom, attempts: originality.attempts, note: originality.note },
  };
}

/** The originality line of the plain output. */
export function originalityLine(summary: Pick<ComposeSummary, 'longestCopiedBars' | 'originality'>): string {
  const bars = summary.longestCopiedBars === null ? 'unknown' : `${summary.longestCopiedBars} bar${summary.longestCopiedBars === 1 ? '' : 's'}`;
  return `  longest shared phrase: ${bars}${summary.originality.note ? ` (${summary.originality.note})` : ''}`;
}

/**
 * The `--json` document: the piece's summary. With `--takes 2` the same keys describe take A (so
 * a script reading one piece keeps working) and `takes` lists every take, each with its `take` letter.
 */
export function composeJson(result: ComposeResult): Record<string, unknown> {
  const { takes, ...summary } = result;
  return { ...pieceJson(summary), ...(takes ? { takes: takes.map(pieceJson) } : {}) };
}

/** The lines printed without `--json`: the piece (or each take) and its files. */
export function composeText(result: ComposeResult): string {
  return (result.takes ?? [result])
    .map((s) => {
      const take = 'take' in s ? `take ${s.take}: ` : '';
      return (
        `${take}${s.bars} bars, ${s.notes} notes, ${s.seconds.toFixed(1)} s (${s.style}, model ${s.model}, --sample-seed ${s.samplingSeed})\n` +
        `  ${s.midi}\n  ${s.audio}\n  ${s.image}\n` +
        (s.musicxml && s.scorePng ? `  ${s.musicxml}\n  ${s.scorePng}\n` : '') +
        originalityLine(s)
      );
    })
    .join('\n');
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
    .option('--meter <meter>', "time signature, e.g. 3/4 or 6/8 (default: the seed's, else 4/4)")
    .option('--form <form>', 'sections of equal length, a returning letter restating its first statement: AABA, ABAB, AABB, ABA, verse-chorus… (docs/form.md)')
    .option('--model <name|dir>', 'model name (models/<name>/) or directory (default: the bundled model)')
    .option('--soundfont <sf2>', 'General MIDI soundfont for the audio')
    .option('--out <dir>', 'output directory', 'out')
    .option('--takes <n>', 'takes of the request, 1-2: with 2, take-a/ and take-b/ in --out, sample seeds N and N+1', parse('takes'))
    .option('--allow-copies', 'keep a piece that shares 4 bars or more with a training piece (default: compose it again, up to 4 takes)')
    .option('--score', 'also engrave the score: piece.musicxml and score.png (its first page)')
    .option(
      '--json',
      'print one JSON document {midi, audio, image, seconds, notes, model, sample_seed, longest_copied_bars, …} (with --score also musicxml, score_png; with --takes 2 also takes: [...])',
    )
    .action(
      withFlagNames(COMPOSE_FLAGS, async (flags: ComposeFlags) => {
        const display = createProgressDisplay(flags.json);
        let take = '';
        let result;
        try {
          result = await compose(composeInput(flags), {
            onTake: (index) => (take = `take ${takeLetter(index)}: `),
            onProgress: (p) => display.update(`${take}${stageLabel(p)}`, p.fraction),
          });
        } finally {
          display.stop();
        }
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(composeJson(result))}\n`);
          return;
        }
        console.log(composeText(result));
      }),
    );
}
