/**
 * Harmonize with a tiny untrained model: whatever the model would rather write, the melody comes
 * out note for note (pitch, onset, length) as track 0 and the other tracks carry an accompaniment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { melodyTrack, parseHarmonizeOptions, sameMelody } from '../../src/compose/harmonize.js';
import { LstmComposer, melodyNotes } from '../../src/compose/lstm-composer.js';
import { loadSeed } from '../../src/compose/seed-input.js';
import { styleInstruments } from '../../src/compose/instruments.js';
import { Generator } from '../../src/model/generator.js';
import { createPiece, type Piece } from '../../src/music/piece.js';
import { saveTinyModel } from './tiny-model.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-harmonize-'));
const modelDir = path.join(dir, 'model');
let composer: LstmComposer;

beforeAll(async () => {
  await saveTinyModel(modelDir);
  composer = new LstmComposer('tiny-harmonize', await Generator.load(modelDir));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A rest before the first note, a chord, and a note tied over two bar lines (40 steps: dur:32 dur:8).
const MELODY = 'rq E4q G4e A4e [C4 E4]q | B3w+w+h C5q';
const notesOf = (piece: Piece, track: number) => (piece.tracks[track]?.notes ?? []).map((n) => `${n.pitch}@${n.start}+${n.duration}`);

async function harmonizeWith(samplingSeed: number, tracks = 3, melody?: Piece): Promise<{ melody: Piece; piece: Piece }> {
  const seed = melody ? { piece: melody, bars: 1, beats: 4 } : await loadSeed({ notation: MELODY, seedBars: 64 });
  const piece = await composer.compose(
    seed.piece,
    {
      style: 'folk',
      instruments: styleInstruments('folk', tracks),
      bars: seed.bars,
      totalBeats: seed.beats,
      bpm: 120,
      timeSignature: { numerator: 4, denominator: 4 },
      samplingSeed,
      seedBeats: 0,
      harmonize: true,
    },
    () => {},
  );
  return { melody: seed.piece, piece };
}

describe('forced-melody generation', () => {
  it('keeps every melody note as track 0 and samples other tracks around it, for any sampling seed', async () => {
    const accompaniments = new Set<string>();
    for (let samplingSeed = 1; samplingSeed <= 6; samplingSeed++) {
      const { melody, piece } = await harmonizeWith(samplingSeed);
      expect(notesOf(piece, 0)).toEqual(notesOf(melody, 0));
      expect(sameMelody(melodyTrack(melody)!, piece.tracks[0])).toBe(true);
      const accompaniment = piece.tracks.slice(1).flatMap((t) => t.notes);
      expect(accompaniment.length).toBeGreaterThan(0);
      // Nothing sounds past the melody's bars.
      expect(Math.max(...piece.tracks.flatMap((t) => t.notes.map((n) => n.start + n.duration)))).toBeLessThanOrEqual(16);
      accompaniments.add(
        piece.tracks
          .slice(1)
          .map((_, i) => notesOf(piece, i + 1).join(' '))
          .join('|'),
      );
    }
    expect(accompaniments.size).toBeGreaterThan(1);
  });

  it('forces the melody on the model grid, chords and notes longer than the longest duration token included', async () => {
    const seed = await loadSeed({ notation: MELODY, seedBars: 64 });
    expect(melodyNotes(seed.piece, 4)).toEqual([
      { pitch: 64, startStep: 4, durationSteps: 4, velocity: 80 },
      { pitch: 67, startStep: 8, durationSteps: 2, velocity: 80 },
      { pitch: 69, startStep: 10, durationSteps: 2, velocity: 80 },
      { pitch: 60, startStep: 12, durationSteps: 4, velocity: 80 },
      { pitch: 64, startStep: 12, durationSteps: 4, velocity: 80 },
      { pitch: 59, startStep: 16, durationSteps: 40, velocity: 80 },
      { pitch: 72, startStep: 56, durationSteps: 4, velocity: 80 },
    ]);
  });

  it("writes the melody's dynamics: a louder note gets its velocity token, and the next one returns to the track's level", async () => {
    const note = (pitch: number, start: number, velocity: number) => ({ pitch, start, duration: 1, velocity });
    const melody = createPiece([{ name: 'melody', program: 0, isDrum: false, notes: [note(67, 0, 80), note(69, 1, 100), note(67, 2, 100), note(64, 3, 40)] }]);
    const { piece } = await harmonizeWith(2, 2, melody);
    expect(piece.tracks[0]!.notes.map((n) => [n.pitch, n.start, n.velocity])).toEqual([
      [67, 0, 80],
      [69, 1, 104],
      [67, 2, 104],
      [64, 3, 40],
    ]);
  });

  it('sameMelody notices a changed, moved or missing note', async () => {
    const { melody, piece } = await harmonizeWith(3, 2);
    const track = piece.tracks[0]!;
    const [first, ...rest] = track.notes;
    expect(sameMelody(melody.tracks[0]!, { ...track, notes: [{ ...first!, pitch: first!.pitch + 1 }, ...rest] })).toBe(false);
    expect(sameMelody(melody.tracks[0]!, { ...track, notes: [{ ...first!, start: first!.start + 0.25 }, ...rest] })).toBe(false);
    expect(sameMelody(melody.tracks[0]!, { ...track, notes: rest })).toBe(false);
  });
});

describe('harmonize options', () => {
  it('asks for a melody and at least two tracks, naming the field', () => {
    expect(() => parseHarmonizeOptions({})).toThrow(/\{seed\}|seed/);
    expect(() => parseHarmonizeOptions({ seed: 'C4q', tracks: 1 })).toThrow(/tracks/);
    expect(() => parseHarmonizeOptions({ seed: 'C4q', instruments: ['piano'] })).toThrow(/instruments/);
    expect(() => parseHarmonizeOptions({ seed: 'C4q', bars: 8 })).toThrow(/bars/);
  });
});
