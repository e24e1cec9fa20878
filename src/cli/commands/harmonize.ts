/**
 * `rhythmix harmonize`: a melody (seed notes or a MIDI file's first pitched track) kept exactly as
 * the first track, the model's accompaniment around it → piece.mid, piece.ogg and piece.png in
 * --out. A thin adapter: flags → the harmonize use case (src/app/harmonize.ts) → the summary
 * printed; `--json` prints compose's document plus `melody_kept`.
 */
import type { Command } from 'commander';
import { harmonize, harmonizeInputSchema, type HarmonizeSummary } from '../../app/harmonize.js';
import { STYLES } from '../../music/styles.js';
import { fieldParser, withFlagNames } from '../flags.js';
import { COMPOSE_FLAGS, composeInput, composeJson, originalityLine, stageLabel } from './compose.js';
import { createProgressDisplay } from './render.js';

const parse = (field: keyof typeof harmonizeInputSchema.shape): ((raw: string) => unknown) => fieldParser(harmonizeInputSchema, field, COMPOSE_FLAGS);

/** The `--json` document: compose's, plus `melody_kept`. */
export function harmonizeJson(summary: HarmonizeSummary): Record<string, unknown> {
  const { melodyKept, ...rest } = summary;
  return { ...composeJson(rest), melody_kept: melodyKept };
}

export function register(program: Command): void {
  program
    .command('harmonize')
    .description('Keep a melody exactly and let the model write the other tracks around it (piece.mid, piece.ogg, piece.png)')
    .option('--seed <notation>', 'the melody in seed notation, e.g. "E4q D4q C4h" (docs/seed-notation.md)')
    .option('--midi <file>', 'the melody from a MIDI file: its first pitched track (up to 64 bars)')
    .option('--style <style>', `style: ${STYLES.join(', ')}`, 'folk')
    .option('--instruments <list>', "comma-separated instruments, the melody's first, e.g. flute,piano,bass", parse('instruments'))
    .option('--tracks <n>', "number of tracks, the melody's included (at least 2), instruments chosen for the style", parse('tracks'))
    .option('--tempo <bpm>', "tempo in beats per minute (default: the melody's, else 120)", parse('tempo'))
    .option('--temperature <t>', 'sampling temperature of the accompaniment', parse('temperature'))
    .option('--top-k <k>', 'sample only from the k likeliest tokens (0 = no cut-off)', parse('topK'))
    .option('--sample-seed <n>', 'seed of the sampling, 0-2147483647 (default: a random one, printed)', parse('samplingSeed'))
    .option('--key <key>', 'keep the accompaniment to a key, e.g. "C major"')
    .option('--model <name|dir>', 'model name (models/<name>/) or directory (default: the bundled model)')
    .option('--soundfont <sf2>', 'General MIDI soundfont for the audio')
    .option('--out <dir>', 'output directory', 'out')
    .option('--allow-copies', 'keep an accompaniment that shares 4 bars or more with a training piece (default: sample it again, up to 4 takes)')
    .option('--score', 'also engrave the score: piece.musicxml and score.png (its first page)')
    .option('--json', 'print one JSON document {midi, audio, image, …, sample_seed, melody_kept}')
    .action(
      withFlagNames(COMPOSE_FLAGS, async (flags: Parameters<typeof composeInput>[0]) => {
        const display = createProgressDisplay(flags.json);
        let summary;
        try {
          summary = await harmonize(composeInput(flags), { onProgress: (p) => display.update(stageLabel(p), p.fraction) });
        } finally {
          display.stop();
        }
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(harmonizeJson(summary))}\n`);
          return;
        }
        console.log(
          `${summary.bars} bars, ${summary.notes} notes, ${summary.seconds.toFixed(1)} s (${summary.style}, model ${summary.model}, --sample-seed ${summary.samplingSeed}); ` +
            (summary.melodyKept ? 'melody kept' : 'melody NOT kept exactly'),
        );
        console.log(`  ${summary.midi}\n  ${summary.audio}\n  ${summary.image}`);
        console.log(originalityLine(summary));
        if (summary.musicxml && summary.scorePng) console.log(`  ${summary.musicxml}\n  ${summary.scorePng}`);
      }),
    );
}
