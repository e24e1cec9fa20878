import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertValidPiece, mergeRepeatedNotes, noteCount } from '../../src/music/piece.js';
import { framesToPiece, JSB_FILES, loadJsbDataset } from '../../src/datasets/jsb.js';
import { datasetsRoot } from '../../src/datasets/paths.js';
import { InvalidInputError, MissingDependencyError } from '../../src/util/errors.js';

describe('framesToPiece', () => {
  it('merges a pitch held over consecutive frames into one note', () => {
    const piece = framesToPiece([[60, 64], [60, 65], [60], []], 1, 'x');
    assertValidPiece(piece);
    expect(piece.tracks).toHaveLength(1);
    expect(piece.tracks[0]!.notes).toEqual([
      { pitch: 60, start: 0, duration: 3, velocity: 80 },
      { pitch: 64, start: 0, duration: 1, velocity: 80 },
      { pitch: 65, start: 1, duration: 1, velocity: 80 },
    ]);
    expect(piece.title).toBe('x');
  });

  it('treats -1 as a silent voice and unisons as one note, on a 16th grid', () => {
    const piece = framesToPiece(
      [
        [67, 64, 60, 48],
        [67, 64, -1, 48],
        [-1, 60, 60, 48],
      ],
      4,
    );
    expect(piece.tracks[0]!.notes).toEqual([
      { pitch: 48, start: 0, duration: 0.75, velocity: 80 },
      { pitch: 60, start: 0, duration: 0.25, velocity: 80 },
      { pitch: 64, start: 0, duration: 0.5, velocity: 80 },
      { pitch: 67, start: 0, duration: 0.5, velocity: 80 },
      { pitch: 60, start: 0.5, duration: 0.25, velocity: 80 },
    ]);
  });
});

describe('framesToPiece, frame by frame', () => {
  const frames = [[60, 64], [60, 65], [60], [], [62]];

  it('writes one note per sounding pitch per frame', () => {
    const piece = framesToPiece(frames, 1, 'x', 'frames');
    assertValidPiece(piece);
    expect(piece.tracks[0]!.notes.map((n) => [n.pitch, n.start, n.duration])).toEqual([
      [60, 0, 1],
      [64, 0, 1],
      [60, 1, 1],
      [65, 1, 1],
      [60, 2, 1],
      [62, 4, 1],
    ]);
  });

  it('merges back into the held reading', () => {
    expect(mergeRepeatedNotes(framesToPiece(frames, 1, 'x', 'frames'))).toEqual(framesToPiece(frames, 1, 'x'));
  });
});

describe('loadJsbDataset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rhythmix-jsb-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'jsb-chorales'));

  it('keeps the standard split and labels the pieces classical', async () => {
    writeFileSync(join(dir, JSB_FILES.quarter), JSON.stringify({ train: [[[60]], [[62]]], valid: [[[64]]], test: [] }));
    const dataset = await loadJsbDataset(dir, 'quarter');
    expect(dataset.style).toBe('classical');
    expect(dataset.entries.map((e) => [e.id, e.split])).toEqual([
      ['jsb/train/0', 'train'],
      ['jsb/train/1', 'train'],
      ['jsb/valid/0', 'valid'],
    ]);
    const piece = await dataset.entries[2]!.load();
    expect(piece.tracks[0]!.notes[0]!.pitch).toBe(64);
  });

  it('names the frame-by-frame reading jsb-frames', async () => {
    writeFileSync(join(dir, JSB_FILES.quarter), JSON.stringify({ train: [[[60], [60]]], valid: [], test: [] }));
    const dataset = await loadJsbDataset(dir, 'quarter', 'frames');
    expect(dataset.name).toBe('jsb-frames');
    expect(dataset.entries[0]!.id).toBe('jsb-frames/train/0');
    expect((await dataset.entries[0]!.load()).tracks[0]!.notes).toHaveLength(2);
  });

  it('rejects a malformed file and reports a missing one', async () => {
    writeFileSync(join(dir, JSB_FILES['16th']), JSON.stringify({ train: [[['C4']]], valid: [], test: [] }));
    await expect(loadJsbDataset(dir, '16th')).rejects.toThrow(InvalidInputError);
    await expect(loadJsbDataset(join(dir, 'nowhere'), 'quarter')).rejects.toThrow(MissingDependencyError);
  });
});

const root = datasetsRoot();
describe.skipIf(!existsSync(join(root, JSB_FILES.quarter)))('JSB chorales in ../shared/datasets', () => {
  it.each(['quarter', '16th'] as const)('%s grid: 229 / 76 / 77 valid pieces', async (grid) => {
    const dataset = await loadJsbDataset(root, grid);
    const count = (split: string) => dataset.entries.filter((e) => e.split === split).length;
    expect([count('train'), count('valid'), count('test')]).toEqual([229, 76, 77]);
    for (const entry of dataset.entries) {
      const piece = await entry.load();
      assertValidPiece(piece);
      expect(noteCount(piece), entry.id).toBeGreaterThan(0);
    }
  });

  it('reads every chorale frame by frame as the same music once repeats are merged', async () => {
    const [held, frames] = await Promise.all([loadJsbDataset(root, 'quarter'), loadJsbDataset(root, 'quarter', 'frames')]);
    expect(frames.entries).toHaveLength(held.entries.length);
    let moreNotes = 0;
    for (const [i, entry] of frames.entries.entries()) {
      const piece = await entry.load();
      const reference = await held.entries[i]!.load();
      expect(mergeRepeatedNotes(piece).tracks, entry.id).toEqual(reference.tracks);
      if (noteCount(piece) > noteCount(reference)) moreNotes++;
    }
    expect(moreNotes).toBe(frames.entries.length);
  });
});
