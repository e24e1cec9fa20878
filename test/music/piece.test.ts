import { describe, expect, it } from 'vitest';
import { barLengthBeats, beatsToSeconds, createPiece, noteCount, pieceLengthBeats } from '../../src/music/piece.js';

describe('Piece', () => {
  const piece = createPiece(
    [{ name: 'lead', program: 0, isDrum: false, notes: [
      { pitch: 64, start: 1, duration: 1, velocity: 80 },
      { pitch: 60, start: 0, duration: 2, velocity: 80 },
    ] }],
    { bpm: 90 },
  );

  it('sorts notes canonically and measures length', () => {
    expect(piece.tracks[0]?.notes.map((n) => n.pitch)).toEqual([60, 64]);
    expect(pieceLengthBeats(piece)).toBe(2);
    expect(noteCount(piece)).toBe(2);
  });

  it('converts beats to seconds through a tempo map', () => {
    expect(beatsToSeconds(piece, 3)).toBeCloseTo(2);
    const twoTempos = { tempos: [{ time: 0, bpm: 120 }, { time: 4, bpm: 60 }] };
    expect(beatsToSeconds(twoTempos, 6)).toBeCloseTo(2 + 2);
  });

  it('knows bar lengths', () => {
    expect(barLengthBeats({ numerator: 6, denominator: 8 })).toBe(3);
    expect(barLengthBeats({ numerator: 4, denominator: 4 })).toBe(4);
  });
});
