import { describe, expect, it } from 'vitest';
import { barNoteSets, barRepetition, barSimilarity } from '../../src/music/repetition.js';
import { createPiece, type Note, type Track } from '../../src/music/piece.js';
import { rng, int } from './random-pieces.js';

const note = (pitch: number, start: number, duration = 1): Note => ({ pitch, start, duration, velocity: 80 });
const track = (notes: Note[], isDrum = false): Track => ({ name: 't', program: 0, isDrum, notes });

/** A two-bar 4/4 theme: bar 1 C D E F quarters, bar 2 G half, E half. */
const theme = (offset: number, shift = 0): Note[] => [
  note(60 + shift, offset),
  note(62 + shift, offset + 1),
  note(64 + shift, offset + 2),
  note(65 + shift, offset + 3),
  note(67 + shift, offset + 4, 2),
  note(64 + shift, offset + 6, 2),
];
const themeFourTimes = createPiece([track([0, 8, 16, 24].flatMap((o) => theme(o)))]);

describe('bar note sets', () => {
  it('groups onsets by bar with the step inside the bar, drums left out, doubled notes once', () => {
    const piece = createPiece([track([note(60, 0), note(64, 0.5), note(67, 4.25)]), track([note(60, 0), note(48, 4)]), track([note(36, 0)], true)]);
    expect(barNoteSets(piece)).toEqual([
      [
        [0, 60],
        [2, 64],
      ],
      [
        [0, 48],
        [1, 67],
      ],
    ]);
  });

  it('follows the metre (3/4 bars of 12 steps)', () => {
    const piece = createPiece([track([note(60, 0), note(62, 3), note(64, 5)])], { timeSignature: { numerator: 3, denominator: 4 } });
    expect(barNoteSets(piece)).toEqual([
      [[0, 60]],
      [
        [0, 62],
        [8, 64],
      ],
    ]);
  });

  it('measures similarity as the Jaccard index, optionally transposed', () => {
    expect(
      barSimilarity(
        [
          [0, 60],
          [4, 62],
        ],
        [
          [0, 60],
          [4, 62],
        ],
      ),
    ).toBe(1);
    expect(
      barSimilarity(
        [
          [0, 60],
          [4, 62],
        ],
        [
          [0, 60],
          [8, 62],
        ],
      ),
    ).toBeCloseTo(1 / 3, 12);
    expect(barSimilarity([[0, 60]], [[4, 61]])).toBe(0);
    expect(
      barSimilarity(
        [
          [0, 62],
          [4, 64],
        ],
        [
          [0, 60],
          [4, 62],
        ],
        2,
      ),
    ).toBe(1);
  });
});

describe('bar repetition', () => {
  it('scores a 2-bar theme played four times near 1 with most bars exact repeats', () => {
    const r = barRepetition(themeFourTimes)!;
    expect(r.bars).toBe(8);
    expect(r.compared).toBe(7);
    // Bar 2 shares only E on beat 3 with bar 1 (1 of 5 notes); bars 3–8 repeat exactly.
    expect(r.exactShare).toBeCloseTo(6 / 7, 12);
    expect(r.score).toBeCloseTo((1 / 5 + 6) / 7, 12);
    expect(r.score).toBeGreaterThan(0.85);
  });

  it('scores random notes low', () => {
    const random = rng(13);
    const notes = Array.from({ length: 8 * 16 }, (_, i) => note(int(random, 40, 90), i / 4, 0.25)).filter(() => random() < 0.6);
    const r = barRepetition(createPiece([track(notes)]))!;
    expect(r.bars).toBe(8);
    expect(r.score).toBeLessThan(0.2);
    expect(r.exactShare).toBe(0);
  });

  it('scores a variation between the two', () => {
    // Theme, then the theme with one note changed per bar, twice.
    const varied = (offset: number): Note[] => theme(offset).map((n, i) => (i === 1 || i === 5 ? { ...n, pitch: n.pitch + 2 } : n));
    const r = barRepetition(createPiece([track([...theme(0), ...varied(8), ...theme(16), ...varied(24)])]))!;
    const full = barRepetition(themeFourTimes)!;
    expect(r.score).toBeLessThan(full.score);
    expect(r.score).toBeGreaterThan(0.5);
    expect(r.exactShare).toBeLessThan(full.exactShare);
  });

  it('counts a transposed repeat only in the transposition-invariant score', () => {
    const r = barRepetition(createPiece([track([...theme(0), ...theme(8, 2)])]))!;
    // Untransposed, bars 2 and 4 each share one note of five with an earlier bar, bar 3 none.
    expect(r.score).toBeCloseTo((1 / 5 + 0 + 1 / 5) / 3, 12);
    // Transposed, bars 3 and 4 are bars 1 and 2 a tone up.
    expect(r.transposedScore).toBeCloseTo((1 / 5 + 1 + 1) / 3, 12);
    expect(r.exactShare).toBe(0);
  });

  it('leaves empty bars out and needs two non-empty bars', () => {
    // Bar 1 theme bar, bars 2–3 rests, bar 4 the same bar again: one comparison, an exact repeat.
    const r = barRepetition(createPiece([track([...theme(0).slice(0, 4), ...theme(12).slice(0, 4)])]))!;
    expect(r.bars).toBe(2);
    expect(r.compared).toBe(1);
    expect(r.score).toBe(1);
    expect(barRepetition(createPiece([track([note(60, 0)])]))).toBeUndefined();
    expect(barRepetition(createPiece([]))).toBeUndefined();
    expect(barRepetition(createPiece([track([note(36, 0), note(36, 4)], true)]))).toBeUndefined();
  });

  it('takes every track together', () => {
    // Melody repeats, the bass changes: the bars only partly repeat.
    const melody = track([note(72, 0), note(74, 2), note(72, 4), note(74, 6)]);
    const bass = track([note(48, 0, 4), note(43, 4, 4)]);
    const r = barRepetition(createPiece([melody, bass]))!;
    expect(r.score).toBeCloseTo(2 / 4, 12); // {72@0, 74@8, 48@0} vs {72@0, 74@8, 43@0}: 2 shared of 4
    const same = barRepetition(createPiece([melody, track([note(48, 0, 4), note(48, 4, 4)])]))!;
    expect(same.score).toBe(1);
  });
});
