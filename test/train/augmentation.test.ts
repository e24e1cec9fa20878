import { describe, expect, it } from 'vitest';
import { parseSeed } from '../../src/music/seed.js';
import { encodePiece } from '../../src/music/tokens.js';
import { transposeTokens } from '../../src/music/transpose.js';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import { epochShifts, planTransposition } from '../../src/train/trainer.js';
import { buildCorpus, buildWindows, fillBatch } from '../../src/train/windows.js';

const vocabulary = DEFAULT_VOCABULARY;
const pieces = [
  encodePiece(parseSeed('C4q E4q G4q C5q | [C4 E4 G4]w'), { style: 'classical', stepsPerQuarter: 4, key: { tonicPitchClass: 0, mode: 'major' } }),
  encodePiece(parseSeed('A2q B2q C3h'), { style: 'folk', stepsPerQuarter: 4, key: { tonicPitchClass: 9, mode: 'minor' } }),
  encodePiece(parseSeed('G9q F9q'), { style: 'folk', stepsPerQuarter: 4 }), // top of the MIDI range: only downwards
];

describe('transposition augmentation', () => {
  const corpus = buildCorpus(pieces, false);
  const plan = planTransposition(corpus, vocabulary.toJSON(), 6)!;

  it('plans per-piece shift ranges that keep pitches in the vocabulary', () => {
    expect(Array.from(plan.min)).toEqual([-6, -6, -6]);
    expect(Array.from(plan.max)).toEqual([6, 6, 0]);
    expect(planTransposition(corpus, vocabulary.toJSON(), 0)).toBeNull();
  });

  it('draws each epoch’s shifts inside the ranges, the same for the same seed and epoch', () => {
    const seen = new Set<number>();
    for (let epoch = 0; epoch < 40; epoch++) {
      const shifts = epochShifts(plan, 3, epoch);
      expect(Array.from(epochShifts(plan, 3, epoch))).toEqual(Array.from(shifts));
      shifts.forEach((s, p) => {
        expect(s).toBeGreaterThanOrEqual(plan.min[p]!);
        expect(s).toBeLessThanOrEqual(plan.max[p]!);
      });
      seen.add(shifts[0]!);
    }
    expect(seen.size).toBeGreaterThan(6); // not stuck on one key
  });

  it('turns the key token with the notes, round the circle and keeping the mode', () => {
    const names = (tokens: ArrayLike<number>): string[] => vocabulary.describe(Array.from(tokens));
    expect(names(pieces[0]!).slice(0, 4)).toEqual(['<start>', 'style:classical', 'key:C', 'meter:4/4']);
    expect(names(transposeTokens(pieces[0]!, 2, vocabulary))[2]).toBe('key:D');
    expect(names(transposeTokens(pieces[0]!, -1, vocabulary))[2]).toBe('key:B');
    expect(names(transposeTokens(pieces[1]!, 4, vocabulary))[2]).toBe('key:C#m');
    expect(names(transposeTokens(pieces[1]!, -6, vocabulary))[2]).toBe('key:D#m');
  });

  it('fills batches with the transposed streams, pitch and key tokens only', () => {
    const seqLen = 8;
    const windows = buildWindows(corpus, seqLen);
    const shifts = Int8Array.from([2, -3, -1]);
    const ids = Int32Array.from(windows.windowStart, (_, w) => w);
    const inputs = new Int32Array(ids.length * seqLen);
    const targets = new Int32Array(ids.length * seqLen);
    fillBatch(corpus, windows, ids, seqLen, inputs, targets, { shiftable: plan.shiftable, shifts, keyFirst: plan.keyFirst });
    const expected = pieces.map((p, i) => transposeTokens(p, shifts[i]!, vocabulary));
    const plainCorpus = buildCorpus(expected, false);
    const plainInputs = new Int32Array(inputs.length);
    const plainTargets = new Int32Array(targets.length);
    fillBatch(plainCorpus, buildWindows(plainCorpus, seqLen), ids, seqLen, plainInputs, plainTargets);
    expect(Array.from(inputs)).toEqual(Array.from(plainInputs));
    expect(Array.from(targets)).toEqual(Array.from(plainTargets));
  });
});
