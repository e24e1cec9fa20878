import { describe, expect, it } from 'vitest';
import { clashRate, isClash, strongBeats, sumClashCounts } from '../../src/music/clash.js';
import { createPiece, type Note } from '../../src/music/piece.js';

const note = (pitch: number, start: number, duration: number): Note => ({ pitch, start, duration, velocity: 80 });

describe('isClash', () => {
  it('counts semitones, minor ninths and tritones, not major sevenths or consonances', () => {
    expect([1, 13, 25, 6, 18].map((d) => isClash(60, 60 - d))).toEqual([true, true, true, true, true]);
    expect([0, 3, 4, 5, 7, 11, 12, 23].map((d) => isClash(60, 60 + d))).toEqual([false, false, false, false, false, false, false, false]);
  });
});

describe('strongBeats', () => {
  it('takes bar lines and the middle of even-numerator bars', () => {
    expect(strongBeats(createPiece([]), 8)).toEqual([0, 2, 4, 6]);
    expect(strongBeats(createPiece([], { timeSignature: { numerator: 3, denominator: 4 } }), 9)).toEqual([0, 3, 6]);
    expect(strongBeats(createPiece([], { timeSignature: { numerator: 6, denominator: 8 } }), 6)).toEqual([0, 1.5, 3, 4.5]);
  });
});

describe('clashRate', () => {
  it('counts accompaniment notes sounding on a strong beat against the melody notes sounding there', () => {
    // Melody: C5 for two beats, then F#5 for two beats (4/4: strong beats 0 and 2).
    const melody = [note(72, 0, 2), note(78, 2, 2)];
    const accompaniment = [
      note(48, 0, 4), // C3: an octave multiple below C5 (fine), a tritone below F#5 on beat 2 (clash)
      note(59, 0, 1), // B3 on beat 0: a minor ninth below C5 (clash)
      note(64, 1, 1), // E4 on beat 1 only: not a strong beat, not counted
      note(71, 2, 2), // B4 on beat 2: a fourth below F#5 (fine)
    ];
    expect(clashRate(melody, accompaniment, strongBeats(createPiece([]), 4))).toEqual({ notes: 4, clashes: 2, rate: 0.5 });
  });

  it('is 0 without accompaniment on the strong beats, and sums over pieces', () => {
    expect(clashRate([note(60, 0, 4)], [note(61, 1, 0.5)], [0, 2])).toEqual({ notes: 0, clashes: 0, rate: 0 });
    expect(
      sumClashCounts([
        { notes: 3, clashes: 1, rate: 1 / 3 },
        { notes: 1, clashes: 1, rate: 1 },
      ]),
    ).toEqual({ notes: 4, clashes: 2, rate: 0.5 });
  });
});
