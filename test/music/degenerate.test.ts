import { describe, expect, it } from 'vitest';
import { degenerateReasons, dominantPitch, soundingBeats } from '../../src/music/degenerate.js';
import { createPiece, type Note, type Track } from '../../src/music/piece.js';

const note = (pitch: number, start: number, duration = 1): Note => ({ pitch, start, duration, velocity: 80 });
const track = (notes: Note[], isDrum = false): Track => ({ name: 't', program: 0, isDrum, notes });
const rules = (piece: Parameters<typeof degenerateReasons>[0], options?: Parameters<typeof degenerateReasons>[1]) =>
  degenerateReasons(piece, options).map((r) => r.rule);

/** Four bars: a stepwise melody in quarters over a bass in whole notes. */
const healthy = createPiece([
  track(Array.from({ length: 16 }, (_, i) => note(60 + (i % 8), i))),
  track([note(48, 0, 4), note(43, 4, 4), note(45, 8, 4), note(41, 12, 4)]),
]);

describe('degenerate samples', () => {
  it('passes a healthy piece', () => {
    expect(degenerateReasons(healthy, { requestedTracks: 2, lengthBeats: 16 })).toEqual([]);
  });

  it('flags one repeated note, and a piece with ≥ 90 % of its notes on one pitch', () => {
    const one = createPiece([track(Array.from({ length: 16 }, (_, i) => note(60, i)))]);
    expect(degenerateReasons(one)).toEqual([{ rule: 'one-pitch', detail: '100 % of 16 notes are pitch 60' }]);
    const nearly = createPiece([track(Array.from({ length: 20 }, (_, i) => note(i === 5 || i === 11 ? 62 : 60, i)))]);
    expect(rules(nearly)).toEqual(['one-pitch']); // 18 of 20 = 90 %
    const varied = createPiece([track(Array.from({ length: 20 }, (_, i) => note(i % 4 === 0 ? 62 : 60, i)))]);
    expect(rules(varied)).toEqual([]); // 75 %
    // Drums do not count: a steady kick under a melody is fine.
    const kick = createPiece([
      track(
        Array.from({ length: 32 }, (_, i) => note(36, i / 2, 0.5)),
        true,
      ),
      ...healthy.tracks,
    ]);
    expect(dominantPitch(kick)?.notes).toBe(20);
    expect(rules(kick)).toEqual([]);
  });

  it('flags a requested track without notes, missing or empty', () => {
    expect(degenerateReasons(healthy, { requestedTracks: 3 })).toEqual([{ rule: 'empty-track', detail: 'track 3 of 3 without notes' }]);
    const emptyFirst = createPiece([track([]), healthy.tracks[0]!]);
    expect(degenerateReasons(emptyFirst, { requestedTracks: 2 })).toEqual([{ rule: 'empty-track', detail: 'track 1 of 2 without notes' }]);
    expect(rules(emptyFirst)).toEqual([]); // no request, no rule
  });

  it('flags a piece that is silent more than half of its length', () => {
    const sparse = createPiece([track([note(60, 0, 2), note(64, 8, 2), note(67, 8, 4), note(72, 14, 1)])]);
    expect(soundingBeats(sparse, 16)).toBe(7); // 0–2, 8–12, 14–15
    expect(degenerateReasons(sparse, { lengthBeats: 16 })).toEqual([{ rule: 'silence', detail: '56 % of 16 beats silent' }]);
    // Exactly half silent is not "more than half".
    expect(rules(createPiece([track([note(60, 0, 4), note(62, 8, 4)])]), { lengthBeats: 16 })).toEqual([]);
    // A piece that stops early is measured against the requested length.
    const early = createPiece([healthy.tracks[0]!]);
    expect(rules(early, { lengthBeats: 64 })).toEqual(['silence']);
    expect(rules(early)).toEqual([]); // its own length: up to the bar line after the last note
  });

  it('names every reason of an empty piece', () => {
    expect(rules(createPiece([track([]), track([])]), { requestedTracks: 2, lengthBeats: 16 })).toEqual(['no-notes', 'empty-track', 'silence']);
  });
});
