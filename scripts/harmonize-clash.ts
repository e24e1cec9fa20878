/**
 * The harmonization clash rate (docs/harmonize.md): the soprano lines of the JSB chorales' test
 * split harmonized by a model, against Bach's own alto, tenor and bass under the same melodies.
 * Measures `clashRate` (src/music/clash.ts) on strong beats (4/4 from the first frame) and, as a
 * check on the unknown bar phase of the chorales, on every quarter beat.
 *
 *     npx tsx scripts/harmonize-clash.ts [--model rhythmix-base] [--pieces 77] [--seeds 1]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LstmComposer, defaultModel } from '../src/compose/lstm-composer.js';
import { styleInstruments } from '../src/compose/instruments.js';
import { sameMelody } from '../src/compose/harmonize.js';
import { datasetsRoot } from '../src/datasets/paths.js';
import { Generator } from '../src/model/generator.js';
import { clashRate, strongBeats, sumClashCounts, type ClashCount } from '../src/music/clash.js';
import { createPiece, type Note } from '../src/music/piece.js';
import type { Style } from '../src/music/styles.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, pieces: { type: 'string', default: '77' }, seeds: { type: 'string', default: '1' } } });
const FRAMES_PER_QUARTER = 4;

/** One voice of the separated frames as notes (a pitch held over consecutive frames is one note). */
function voiceNotes(frames: readonly (readonly number[])[], voice: number): Note[] {
  const notes: Note[] = [];
  let start = -1;
  let pitch = -1;
  const close = (end: number) => {
    if (pitch >= 0) notes.push({ pitch, start: start / FRAMES_PER_QUARTER, duration: (end - start) / FRAMES_PER_QUARTER, velocity: 80 });
  };
  frames.forEach((frame, i) => {
    const p = frame[voice] ?? -1;
    if (p !== pitch) {
      close(i);
      pitch = p;
      start = i;
    }
  });
  close(frames.length);
  return notes;
}

const everyBeat = (end: number) => Array.from({ length: Math.ceil(end) }, (_, i) => i);
const percent = (c: ClashCount) => `${(100 * c.rate).toFixed(1)} % (${c.clashes}/${c.notes})`;

const file = join(datasetsRoot(), 'jsb-chorales', 'Jsb16thSeparated.json');
const chorales = (JSON.parse(readFileSync(file, 'utf8')) as { test: number[][][] }).test.slice(0, Number(values.pieces));
const model = values.model ?? defaultModel();
const composer = new LstmComposer(model, await Generator.load(model));

const bach: { strong: ClashCount[]; beats: ClashCount[] } = { strong: [], beats: [] };
/** Chance level: Bach's lower voices of the next chorale under this soprano (the shorter length). */
const mismatched: { strong: ClashCount[]; beats: ClashCount[] } = { strong: [], beats: [] };
const harmonized: Record<Style, { strong: ClashCount[]; beats: ClashCount[]; kept: number; takes: number }> = {
  classical: { strong: [], beats: [], kept: 0, takes: 0 },
  folk: { strong: [], beats: [], kept: 0, takes: 0 },
  game: { strong: [], beats: [], kept: 0, takes: 0 },
};
const styles: Style[] = ['classical', 'folk'];

for (const [index, frames] of chorales.entries()) {
  const soprano = voiceNotes(frames, 0);
  const lower = [1, 2, 3].flatMap((v) => voiceNotes(frames, v));
  const end = frames.length / FRAMES_PER_QUARTER;
  const melody = createPiece([{ name: 'soprano', program: 0, isDrum: false, notes: soprano }], { bpm: 80 });
  const bars = Math.ceil(end / 4 - 1e-9);
  const strong = strongBeats(melody, end);
  bach.strong.push(clashRate(soprano, lower, strong));
  bach.beats.push(clashRate(soprano, lower, everyBeat(end)));
  const other = chorales[(index + 1) % chorales.length]!;
  const otherLower = [1, 2, 3].flatMap((v) => voiceNotes(other, v));
  const shorter = Math.min(frames.length, other.length) / FRAMES_PER_QUARTER;
  mismatched.strong.push(clashRate(soprano, otherLower, strongBeats(melody, shorter)));
  mismatched.beats.push(clashRate(soprano, otherLower, everyBeat(shorter)));
  for (const style of styles) {
    for (let seed = 1; seed <= Number(values.seeds); seed++) {
      const piece = await composer.compose(
        melody,
        {
          style,
          instruments: styleInstruments(style, 2),
          bars,
          totalBeats: bars * 4,
          bpm: 80,
          timeSignature: { numerator: 4, denominator: 4 },
          samplingSeed: 1000 * index + seed,
          seedBeats: 0,
          harmonize: true,
        },
        () => {},
      );
      const accompaniment = piece.tracks.slice(1).flatMap((t) => t.notes);
      const result = harmonized[style];
      result.takes++;
      if (sameMelody(melody.tracks[0]!, piece.tracks[0])) result.kept++;
      result.strong.push(clashRate(soprano, accompaniment, strong));
      result.beats.push(clashRate(soprano, accompaniment, everyBeat(end)));
    }
  }
  process.stderr.write(`\r${index + 1}/${chorales.length}`);
}
process.stderr.write('\n');

console.log(`model ${model}, ${chorales.length} JSB test chorales (soprano = melody), ${values.seeds} take(s) per style`);
console.log(`| accompaniment | strong beats | every beat | melody kept |`);
console.log(`|---|---|---|---|`);
console.log(`| Bach (alto, tenor, bass) | ${percent(sumClashCounts(bach.strong))} | ${percent(sumClashCounts(bach.beats))} | — |`);
console.log(
  `| Bach's, under another chorale's soprano (chance) | ${percent(sumClashCounts(mismatched.strong))} | ${percent(sumClashCounts(mismatched.beats))} | — |`,
);
for (const style of styles) {
  const r = harmonized[style];
  console.log(`| harmonize, ${style} (2 tracks) | ${percent(sumClashCounts(r.strong))} | ${percent(sumClashCounts(r.beats))} | ${r.kept}/${r.takes} |`);
}
