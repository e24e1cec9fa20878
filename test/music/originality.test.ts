import { describe, expect, it } from 'vitest';
import { indexPieces, melodicLines, NGRAM, OriginalityIndex } from '../../src/music/originality.js';
import { barsAt, createPiece, slicePiece, transposePiece, type Note, type Piece, type Track } from '../../src/music/piece.js';
import { randomMelody } from './random-melody.js';

const track = (notes: Note[], extra: Partial<Track> = {}): Track => ({ name: 'melody', program: 0, isDrum: false, notes, ...extra });
const piece = (notes: Note[], meter: { numerator: number; denominator: number } = { numerator: 4, denominator: 4 }): Piece =>
  createPiece([track(notes)], { timeSignature: meter });

/** An index of pieces 1..n made by `randomMelody(seed, 32)` (8 bars of 4/4 each). */
function trainingIndex(count = 20, meter?: { numerator: number; denominator: number }): OriginalityIndex {
  const pieces = Array.from({ length: count }, (_, i) => ({ id: `train/${i + 1}`, style: 'folk', piece: piece(randomMelody(i + 1, 32), meter) }));
  return new OriginalityIndex(indexPieces(pieces, 4));
}

describe('melodic lines', () => {
  it('reads a polyphonic track as its top and bottom lines, and leaves drums out', () => {
    const chords = [0, 1, 2].flatMap((beat) => [60, 64, 67 + beat].map((pitch) => ({ pitch: pitch - beat, start: beat, duration: 1, velocity: 80 })));
    const drums = track(
      [0, 1, 2, 3].map((b) => ({ pitch: 36, start: b, duration: 0.25, velocity: 90 })),
      { isDrum: true },
    );
    const lines = melodicLines(createPiece([track(chords), drums]), 4);
    expect(lines).toHaveLength(2);
    // Top line 67 → 67 → 67 (the top voice rises as the chord falls), bottom 60 → 59 → 58; one beat apart each.
    expect(lines.map((l) => l.onsets)).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(lines[0]!.features).not.toEqual(lines[1]!.features);
  });

  it('hears a note repeated without a gap as one held note, as a frame model writes it', () => {
    const held = melodicLines(
      piece([
        { pitch: 60, start: 0, duration: 2, velocity: 80 },
        { pitch: 62, start: 2, duration: 1, velocity: 80 },
      ]),
      4,
    );
    const frames = melodicLines(
      piece([
        { pitch: 60, start: 0, duration: 1, velocity: 80 },
        { pitch: 60, start: 1, duration: 1, velocity: 80 },
        { pitch: 62, start: 2, duration: 1, velocity: 80 },
      ]),
      4,
    );
    expect(frames).toEqual(held);
  });
});

describe('bars in the piece’s meter', () => {
  it('counts 12 beats as 3 bars of 4/4 and 4 bars of 3/4 or 6/8', () => {
    expect(barsAt(createPiece([]), 12)).toBe(3);
    expect(barsAt(createPiece([], { timeSignature: { numerator: 3, denominator: 4 } }), 12)).toBe(4);
    expect(barsAt(createPiece([], { timeSignature: { numerator: 6, denominator: 8 } }), 12)).toBe(4);
  });

  it('follows meter changes, each starting a new bar', () => {
    const changing = {
      ...createPiece([]),
      timeSignatures: [
        { time: 0, numerator: 4, denominator: 4 },
        { time: 8, numerator: 3, denominator: 4 },
      ],
    };
    expect(barsAt(changing, 8)).toBe(2);
    expect(barsAt(changing, 14)).toBe(4);
  });
});

describe('the originality index', () => {
  const index = trainingIndex();

  it('finds a training piece copied at its full length, from its own id', () => {
    const copy = index.longestCopy(piece(randomMelody(7, 32)));
    expect(copy?.piece.id).toBe('train/7');
    expect(copy?.bars).toBeCloseTo(8, 6);
    expect(index.longestCopiedBars(piece(randomMelody(7, 32)))).toBe(8);
  });

  it('is transposition-invariant: a transposed excerpt is found at the excerpt’s length', () => {
    const excerpt = transposePiece(slicePiece(piece(randomMelody(3, 32)), 8, 24), 5);
    const found = index.longestCopy(excerpt);
    expect(found?.piece.id).toBe('train/3');
    // 16 beats from the first note of the excerpt to the end of its last: 4 bars (less when the cut falls mid-note).
    const firstOnset = excerpt.tracks[0]!.notes[0]!.start;
    expect(found?.bars).toBeCloseTo((16 - firstOnset) / 4, 6);
    expect(found!.bars).toBeGreaterThan(3.5);
  });

  it('measures the same copy in the queried piece’s meter: 3/4 bars are shorter', () => {
    const notes = randomMelody(5, 32);
    const inFour = index.longestCopy(piece(notes));
    const inThree = index.longestCopy(piece(notes, { numerator: 3, denominator: 4 }));
    expect(inFour?.bars).toBeCloseTo(8, 6);
    expect(inThree?.bars).toBeCloseTo(32 / 3, 6);
  });

  it('scores an unrelated piece low', () => {
    for (const seed of [101, 202, 303]) {
      expect(index.longestCopiedBars(piece(randomMelody(seed, 64, { low: 50 })))).toBeLessThan(2);
    }
  });

  it('finds nothing in a piece of fewer notes than an n-gram spans', () => {
    expect(index.longestCopy(piece(randomMelody(7, 32).slice(0, NGRAM)))).toBeUndefined();
    expect(index.longestCopiedBars(piece(randomMelody(7, 32).slice(0, NGRAM)))).toBe(0);
  });

  it('counts only what lies after `countFrom` (a seed is the user’s) and skips the tracks asked', () => {
    const copied = piece(randomMelody(9, 32));
    expect(index.longestCopy(copied, { countFrom: 12 })?.bars).toBeCloseTo(5, 6);
    expect(index.longestCopy(copied, { countFrom: 32 })).toBeUndefined();
    const withMelody = createPiece([track(randomMelody(9, 32)), track(randomMelody(404, 32, { low: 48 }))]);
    expect(index.longestCopiedBars(withMelody)).toBe(8);
    expect(index.longestCopiedBars(withMelody, { skipTracks: [0] })).toBeLessThan(2);
  });

  it('joins two copied phrases only where they are consecutive in one training piece', () => {
    // Four bars of piece 2 followed by four bars of piece 4: two copies of about 4 bars, not one of 8.
    const two = slicePiece(piece(randomMelody(2, 32)), 0, 16);
    const four = slicePiece(piece(randomMelody(4, 32)), 16, 32);
    const spliced = createPiece([track([...two.tracks[0]!.notes, ...four.tracks[0]!.notes.map((n) => ({ ...n, start: n.start + 16 }))])]);
    const bars = index.longestCopy(spliced)!.bars;
    expect(bars).toBeGreaterThan(3);
    expect(bars).toBeLessThanOrEqual(4.5);
  });
});
