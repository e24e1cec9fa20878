import { describe, expect, it } from 'vitest';
import { createPiece, type Note } from '../../src/music/piece.js';
import {
  SCALES,
  estimateKey,
  estimateKeyFromHistogram,
  keyPitchClasses,
  parseKey,
  pitchClassHistogram,
  scalePitchClasses,
  type ScaleName,
} from '../../src/music/key.js';

/** A piece playing a scale up and down, the tonic held longer (as a melody would). */
function scalePiece(tonic: number, scale: ScaleName, drums: Note[] = []) {
  const steps = SCALES[scale];
  const up = [...steps, 12].map((s, i) => ({ pitch: 60 + tonic + s, start: i, duration: s === 0 || s === 12 ? 2 : 1, velocity: 80 }));
  const triad = scale === 'major' ? [0, 4, 7] : [0, 3, 7];
  const chord = triad.map((s) => ({ pitch: 48 + tonic + s, start: up.length, duration: 4, velocity: 80 }));
  return createPiece([
    { name: 'melody', program: 0, isDrum: false, notes: [...up, ...chord] },
    { name: 'kit', program: 0, isDrum: true, notes: drums },
  ]);
}

describe('estimateKey', () => {
  const names = ['C', 'Db', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];
  const minorNames = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'G#', 'A', 'Bb', 'B'];

  it.each(names.map((name, pc) => [name, pc]))('finds %s major from its scale and tonic triad', (name, pc) => {
    const key = estimateKey(scalePiece(pc, 'major'));
    expect(key).toMatchObject({ tonic: name, tonicPitchClass: pc, mode: 'major', name: `${name} major` });
    expect(key?.confidence).toBeGreaterThan(0.7);
    expect(key?.margin).toBeGreaterThan(0);
  });

  it.each(minorNames.map((name, pc) => [name, pc]))('finds %s minor from its harmonic-minor scale and tonic triad', (name, pc) => {
    expect(estimateKey(scalePiece(pc, 'harmonic minor'))?.name).toBe(`${name} minor`);
  });

  it('ignores drums and is undefined without pitched notes', () => {
    const drums = Array.from({ length: 50 }, (_, i) => ({ pitch: 42 + (i % 3), start: i / 2, duration: 0.5, velocity: 90 }));
    expect(estimateKey(scalePiece(2, 'harmonic minor', drums))?.name).toBe('D minor');
    expect(estimateKey(createPiece([]))).toBeUndefined();
    expect(estimateKeyFromHistogram(new Array(12).fill(1))).toBeUndefined();
  });

  it('weights pitch classes by duration', () => {
    const piece = createPiece([
      {
        name: 'a',
        program: 0,
        isDrum: false,
        notes: [
          { pitch: 60, start: 0, duration: 3, velocity: 80 },
          { pitch: 74, start: 0, duration: 0.5, velocity: 80 },
        ],
      },
    ]);
    expect(pitchClassHistogram(piece)).toEqual([3, 0, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => estimateKeyFromHistogram([1, 2])).toThrow(/12 bins, got 2/);
  });
});

describe('parseKey and scales', () => {
  it.each([
    ['C major', 'C major', 0],
    ['c', 'C major', 0],
    ['F#m', 'F# minor', 6],
    ['bb minor', 'Bb minor', 10],
    ['Eb dorian', 'Eb dorian', 3],
    ['A harmonic minor', 'A harmonic minor', 9],
    ['  g   MIXOLYDIAN ', 'G mixolydian', 7],
    ['D♭ maj', 'Db major', 1],
    ['Cb', 'Cb major', 11],
    ['e minor pentatonic', 'E minor pentatonic', 4],
  ])('parses %j as %s', (text, name, pc) => {
    expect(parseKey(text)).toMatchObject({ name, tonicPitchClass: pc });
  });

  it.each(['H major', 'C superlocrian', '', 'major'])('rejects %j naming what is expected', (text) => {
    expect(() => parseKey(text)).toThrow(new RegExp(`unknown key "${text}": expected a tonic A-G`));
  });

  it('gives the pitch classes of scales and keys', () => {
    expect(scalePitchClasses(2, 'dorian')).toEqual([2, 4, 5, 7, 9, 11, 0]);
    expect(keyPitchClasses(parseKey('C major'))).toEqual([0, 2, 4, 5, 7, 9, 11]);
    expect(keyPitchClasses(parseKey('A minor')).sort((a, b) => a - b)).toEqual([0, 2, 4, 5, 6, 7, 8, 9, 11]);
    expect(keyPitchClasses(parseKey('D blues'))).toEqual([2, 5, 7, 8, 9, 0]);
  });
});
