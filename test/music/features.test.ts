import { describe, expect, it } from 'vitest';
import {
  FEATURE_NAMES,
  meanInterOnsetInterval,
  meanMelodicInterval,
  noteLengthClass,
  noteLengthHistogram,
  notesPerBar,
  pieceFeatures,
  pitchClassHistogram,
  pitchRangeSemitones,
  topLine,
} from '../../src/music/features.js';
import { createPiece, type Note, type Track } from '../../src/music/piece.js';

const note = (pitch: number, start: number, duration: number): Note => ({ pitch, start, duration, velocity: 80 });
const track = (notes: Note[], isDrum = false): Track => ({ name: 't', program: 0, isDrum, notes });

// Bar 1 (4/4): C4 E4 G4 chord for a half note, then D5 quarter, E5 quarter. Bar 2: C5 whole.
const melody = createPiece([
  track([note(60, 0, 2), note(64, 0, 2), note(67, 0, 2), note(74, 2, 1), note(76, 3, 1), note(72, 4, 4)]),
  track([note(36, 0, 1), note(38, 1, 1), note(36, 4, 0.25)], true),
]);

describe('mgeval features on a hand-built piece', () => {
  it('pitch-class histogram counts each pitched note once (drums left out)', () => {
    const expected = new Array<number>(12).fill(0);
    expected[0] = 2 / 6; // C4, C5
    expected[4] = 2 / 6; // E4, E5
    expected[7] = 1 / 6; // G4
    expected[2] = 1 / 6; // D5
    expect(pitchClassHistogram(melody)).toEqual(expected);
  });

  it('pitch range is highest minus lowest pitched note', () => {
    expect(pitchRangeSemitones(melody)).toBe(76 - 60);
  });

  it('notes per bar divides the pitched notes by the bars they reach into', () => {
    expect(notesPerBar(melody)).toBe(6 / 2);
    const threeFour = createPiece([track([note(60, 0, 1), note(62, 3, 1), note(64, 6, 1)])], { timeSignature: { numerator: 3, denominator: 4 } });
    expect(notesPerBar(threeFour)).toBe(1); // three bars of 3/4, one note each
  });

  it('inter-onset interval is the mean gap between distinct onsets', () => {
    // onsets 0 (chord), 2, 3, 4 → gaps 2, 1, 1
    expect(meanInterOnsetInterval(melody)).toBeCloseTo(4 / 3, 12);
  });

  it("note length uses the nearest of mgeval's 12 classes", () => {
    expect(noteLengthClass(4)).toBe(0);
    expect(noteLengthClass(8)).toBe(0); // longer than a whole note → whole
    expect(noteLengthClass(1)).toBe(2);
    expect(noteLengthClass(1.5)).toBe(6);
    expect(noteLengthClass(0.25)).toBe(4);
    expect(noteLengthClass(1 / 3)).toBe(11);
    const histogram = noteLengthHistogram(melody)!;
    expect(histogram).toHaveLength(12);
    expect(histogram[1]).toBeCloseTo(3 / 6, 12); // three half notes
    expect(histogram[2]).toBeCloseTo(2 / 6, 12); // two quarters
    expect(histogram[0]).toBeCloseTo(1 / 6, 12); // one whole
    expect(histogram.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("melodic interval follows each track's top line", () => {
    expect(topLine(melody.tracks[0]!)).toEqual([67, 74, 76, 72]);
    // |74−67| + |76−74| + |72−76| = 7 + 2 + 4 over 3 steps
    expect(meanMelodicInterval(melody)).toBeCloseTo(13 / 3, 12);
  });

  it('gives all six features as vectors, undefined where a piece has too few notes', () => {
    const features = pieceFeatures(melody);
    expect(Object.keys(features)).toEqual([...FEATURE_NAMES]);
    expect(features.pitch_range).toEqual([16]);
    const single = pieceFeatures(createPiece([track([note(60, 0, 1)])]));
    expect(single.pitch_class_histogram).toBeDefined();
    expect(single.inter_onset_interval).toBeUndefined();
    expect(single.melodic_interval).toBeUndefined();
    const drumsOnly = pieceFeatures(createPiece([track([note(36, 0, 1), note(38, 1, 1)], true)]));
    expect(Object.values(drumsOnly).every((v) => v === undefined)).toBe(true);
  });
});
