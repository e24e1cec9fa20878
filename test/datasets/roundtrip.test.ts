/**
 * The round trip MIDI → Piece → quantise → tokens → Piece → MIDI on synthetic pieces and on
 * every file of ../shared/datasets (skipped where the folder is absent).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPiece, noteCount, type Piece } from '../../src/music/piece.js';
import { isNoteOnGrid } from '../../src/music/quantize.js';
import { velocityBin } from '../../src/music/vocabulary.js';
import { parseMidi } from '../../src/midi/read.js';
import { writeMidi } from '../../src/midi/write.js';
import type { Dataset } from '../../src/datasets/dataset.js';
import { countKeptNotes, gridPlace, roundTrip } from '../../src/datasets/roundtrip.js';
import { datasetsRoot } from '../../src/datasets/paths.js';
import { openDataset } from '../../src/datasets/spec.js';

const STEPS_PER_QUARTER = 4;

/** Notes as comparable strings: track, pitch, start, duration (to 1e-6 beat) and velocity bin. */
function noteSet(piece: Piece): string[] {
  return piece.tracks
    .flatMap((track, t) => track.notes.map((n) => `${t}:${n.pitch}:${Math.round(n.start * 1e6)}:${Math.round(n.duration * 1e6)}:v${velocityBin(n.velocity)}`))
    .sort();
}

/** Notes of `expected` missing from `actual` (multisets of noteSet keys), at most `limit` of them. */
function missingNotes(expected: Piece, actual: Piece, limit = 3): string[] {
  const counts = new Map<string, number>();
  for (const key of noteSet(actual)) counts.set(key, (counts.get(key) ?? 0) + 1);
  const missing: string[] = [];
  for (const key of noteSet(expected)) {
    const count = counts.get(key) ?? 0;
    if (count > 0) counts.set(key, count - 1);
    else if (missing.length < limit) missing.push(key);
  }
  return missing;
}

describe('round trip on synthetic pieces', () => {
  const piece = createPiece(
    [
      {
        name: 'lead',
        program: 81,
        isDrum: false,
        notes: [
          { pitch: 72, start: 0, duration: 0.25, velocity: 100 },
          { pitch: 76, start: 0.25, duration: 1.75, velocity: 57 },
          { pitch: 79, start: 2, duration: 12, velocity: 127 }, // longer than the longest duration token
          { pitch: 60, start: 1 / 3, duration: 1 / 3, velocity: 80 }, // a triplet: off the grid
        ],
      },
      { name: 'kit', program: 0, isDrum: true, notes: [{ pitch: 36, start: 0, duration: 0.25, velocity: 110 }] },
    ],
    { bpm: 96, timeSignature: { numerator: 3, denominator: 4 } },
  );

  it('brings on-grid notes back exactly and off-grid notes back on their grid place', () => {
    const result = roundTrip(parseMidi(writeMidi(piece)), { style: 'game', stepsPerQuarter: STEPS_PER_QUARTER });
    expect(result.quantized.offGridNotes).toBe(1);
    expect(result.exactNotes).toBe(4);
    expect(result.keptNotes).toBe(5);
    expect(noteSet(result.reread)).toEqual(noteSet(result.quantized.piece));
    expect(result.reread.tracks.map((t) => [t.isDrum, t.program])).toEqual([
      [false, 81],
      [true, 0],
    ]);
  });

  it('counts notes one-to-one', () => {
    const twice = createPiece([{ name: 'a', program: 0, isDrum: false, notes: [piece.tracks[0]!.notes[0]!, piece.tracks[0]!.notes[0]!] }]);
    const once = createPiece([{ name: 'a', program: 0, isDrum: false, notes: [piece.tracks[0]!.notes[0]!] }]);
    expect(countKeptNotes(twice, once)).toBe(1);
    expect(countKeptNotes(once, twice)).toBe(1);
    expect(gridPlace({ pitch: 60, start: 1 / 3, duration: 1 / 3, velocity: 80 }, 4)).toEqual({ start: 0.25, duration: 0.5 });
  });
});

const root = datasetsRoot();
const FOLDERS = ['nottingham/train', 'nottingham/valid', 'game-music/freedoom', 'game-music/openmsx', 'game-music/planetblupi'] as const;

/**
 * Per file: (1) the quantised piece comes back from tokens and MIDI note for note (track, pitch,
 * start, duration, velocity bin); (2) every note exactly on the grid comes back exactly, except
 * where quantisation itself resolved a same-pitch collision (a duplicate or an overlap).
 */
async function checkDataset(dataset: Dataset): Promise<void> {
  const problems: string[] = [];
  let files = 0;
  for (const entry of dataset.entries) {
    const piece = dataset.prepare(await entry.load());
    const result = roundTrip(piece, { style: dataset.style, stepsPerQuarter: STEPS_PER_QUARTER });
    const missing = missingNotes(result.quantized.piece, result.reread);
    if (missing.length > 0 || noteCount(result.reread) !== noteCount(result.quantized.piece)) {
      problems.push(`${entry.id}: tokens/MIDI changed the quantised notes, e.g. ${missing.join(', ')}`);
    }
    const onGrid = piece.tracks.flatMap((t) => t.notes).filter((n) => isNoteOnGrid(n, STEPS_PER_QUARTER, 0)).length;
    const collisions = result.quantized.droppedDuplicates + result.quantized.truncatedNotes;
    if (result.exactNotes < onGrid - collisions) {
      problems.push(`${entry.id}: ${onGrid - result.exactNotes} of ${onGrid} on-grid notes lost (collisions: ${collisions})`);
    }
    files += 1;
  }
  expect(problems.slice(0, 10)).toEqual([]);
  expect(files).toBe(dataset.entries.length);
}

describe.skipIf(!existsSync(root))('round trip on every file of ../shared/datasets', () => {
  for (const folder of FOLDERS) {
    it.skipIf(!existsSync(join(root, folder)))(folder, async () => {
      await checkDataset(await openDataset(join(root, folder), { root }));
    });
  }
  it.each(['jsb', 'jsb16'])('%s', async (spec) => {
    await checkDataset(await openDataset(spec, { root }));
  });
});
