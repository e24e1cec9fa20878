import { describe, expect, it } from 'vitest';
import { createPiece, type Note, type Piece } from '../../src/music/piece.js';
import { assertQuantized, gridDistance, isNoteOnGrid, isQuantized, quantizePiece, toStep } from '../../src/music/quantize.js';

const note = (pitch: number, start: number, duration: number, velocity = 80): Note => ({ pitch, start, duration, velocity });
const oneTrack = (notes: Note[]): Piece => createPiece([{ name: 'a', program: 0, isDrum: false, notes }]);

describe('toStep (the documented rounding rule)', () => {
  it('rounds to the nearest step with halves up, as in the worked example', () => {
    expect(toStep(1.12, 4)).toBe(4);
    expect(toStep(1.13, 4)).toBe(5);
    expect(toStep(0.125, 4)).toBe(1);
    expect(toStep(1 / 3, 4)).toBe(1);
    expect(toStep(1.998, 4)).toBe(8);
    expect(toStep(0.1249999, 4)).toBe(0);
    expect(toStep(2.5, 1)).toBe(3);
  });

  it('measures the distance to the grid', () => {
    expect(gridDistance(1 / 3, 4)).toBeCloseTo(1 / 3);
    expect(gridDistance(0.25, 4)).toBe(0);
    expect(isNoteOnGrid(note(60, 0.25, 0.5), 4)).toBe(true);
    expect(isNoteOnGrid(note(60, 0.25, 0.498), 4)).toBe(true); // a tick early at 480 PPQ
    expect(isNoteOnGrid(note(60, 1 / 3, 1 / 3), 4)).toBe(false);
  });
});

describe('quantizePiece', () => {
  it('leaves an on-grid piece unchanged and counts nothing off the grid', () => {
    const piece = oneTrack([note(60, 0, 1), note(64, 0.25, 0.75), note(67, 3.5, 0.5)]);
    const result = quantizePiece(piece);
    expect(result.piece).toEqual(piece);
    expect(result).toMatchObject({ stepsPerQuarter: 4, totalNotes: 3, offGridNotes: 0, offGridOnsets: 0, extendedNotes: 0 });
  });

  it('reports triplets and swing as off the grid instead of hiding them', () => {
    const triplets = [0, 1 / 3, 2 / 3].map((start) => note(60 + start * 3, start, 1 / 3));
    const swing = [note(72, 1, 0.6), note(74, 1.6, 0.4)];
    const result = quantizePiece(oneTrack([...triplets, ...swing, note(48, 2, 2)]));
    expect(result.totalNotes).toBe(6);
    // Triplet 1 starts on the grid but ends off it; triplets 2 and 3 start off it; both swing notes touch 1.6.
    expect(result.offGridNotes).toBe(5);
    expect(result.offGridOnsets).toBe(3);
    expect(result.piece.tracks[0]?.notes.map((n) => [n.start, n.duration])).toEqual([
      [0, 0.25],
      [0.25, 0.5],
      [0.75, 0.25],
      [1, 0.5],
      [1.5, 0.5],
      [2, 2],
    ]);
    expect(isQuantized(result.piece, 4)).toBe(true);
  });

  it('gives notes that collapse to nothing one step', () => {
    const result = quantizePiece(oneTrack([note(60, 1, 0.05), note(62, 2.01, 0.02), note(64, 3, 0)]));
    expect(result.extendedNotes).toBe(3);
    expect(result.piece.tracks[0]?.notes.map((n) => [n.start, n.duration])).toEqual([
      [1, 0.25],
      [2, 0.25],
      [3, 0.25],
    ]);
  });

  it('resolves same-pitch collisions deterministically: longest kept, earlier note cut', () => {
    const notes = [note(60, 0, 1, 50), note(60, 0.02, 2, 90), note(60, 1.5, 1), note(64, 0, 4), note(64, 1, 1)];
    const expected = [note(60, 0, 1.5, 90), note(60, 1.5, 1), note(64, 0, 1), note(64, 1, 1)];
    const forward = quantizePiece(oneTrack(notes));
    const backward = quantizePiece(oneTrack([...notes].reverse()));
    expect(forward.piece.tracks[0]?.notes).toEqual(expected.sort((a, b) => a.start - b.start || a.pitch - b.pitch));
    expect(backward.piece).toEqual(forward.piece);
    expect(forward.droppedDuplicates).toBe(1);
    expect(forward.truncatedNotes).toBe(2);
  });

  it('keeps other tracks and other pitches apart', () => {
    const piece = createPiece([
      { name: 'a', program: 0, isDrum: false, notes: [note(60, 0, 2)] },
      { name: 'b', program: 1, isDrum: false, notes: [note(60, 1, 2)] },
    ]);
    expect(quantizePiece(piece).piece).toEqual(piece);
  });

  it('quantises to other grids and moves metre and tempo changes onto them', () => {
    const piece: Piece = {
      ...oneTrack([note(60, 0.4, 1.3)]),
      tempos: [
        { time: 0, bpm: 100 },
        { time: 2.1, bpm: 100 },
        { time: 3.9, bpm: 90 },
      ],
      timeSignatures: [
        { time: 0, numerator: 4, denominator: 4 },
        { time: 4.1, numerator: 4, denominator: 4 },
        { time: 7.9, numerator: 3, denominator: 4 },
      ],
    };
    const result = quantizePiece(piece, { stepsPerQuarter: 2 });
    expect(result.piece.tracks[0]?.notes).toEqual([note(60, 0.5, 1)]);
    expect(result.piece.tempos).toEqual([
      { time: 0, bpm: 100 },
      { time: 4, bpm: 90 },
    ]);
    expect(result.piece.timeSignatures).toEqual([
      { time: 0, numerator: 4, denominator: 4 },
      { time: 8, numerator: 3, denominator: 4 },
    ]);
  });

  it('rejects a bad grid or an invalid piece with a clear message', () => {
    expect(() => quantizePiece(oneTrack([]), { stepsPerQuarter: 0 })).toThrow(/steps per quarter must be an integer 1\.\.96, got 0/);
    expect(() => quantizePiece(oneTrack([]), { tolerance: 0.5 })).toThrow(/tolerance/);
    expect(() => quantizePiece(oneTrack([note(60, -1, 1)]))).toThrow(/track 0 note 0 starts at -1/);
  });

  it('assertQuantized names the first note off the grid', () => {
    expect(() => assertQuantized(oneTrack([note(60, 0, 1), note(62, 1.1, 1)]), 4)).toThrow(/track 0 note 62 at beat 1\.1/);
    expect(() => assertQuantized(oneTrack([note(60, 0, 1)]), 4)).not.toThrow();
  });
});
