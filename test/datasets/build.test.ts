import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_VOCABULARY } from '../../src/music/vocabulary.js';
import { decodeTokens } from '../../src/music/tokens.js';
import { assignSplit, buildShards } from '../../src/datasets/build.js';
import { readShards } from '../../src/datasets/shards.js';
import { openDataset } from '../../src/datasets/spec.js';
import { datasetStats } from '../../src/datasets/stats.js';
import { tune, writeFiles } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'rhythmix-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const files: Record<string, ReturnType<typeof tune> | string> = {};
for (let i = 0; i < 20; i += 1) files[join(root, 'folk-tunes', `tune${String(i).padStart(2, '0')}.mid`)] = tune(1 + (i % 3));
files[join(root, 'folk-tunes', 'broken.mid')] = 'MThd garbage';
writeFiles(files);

describe('assignSplit', () => {
  it('keeps a standard split and otherwise hashes seed and id, deterministically', () => {
    expect(assignSplit({ id: 'x', split: 'test' }, 1, 0.5)).toBe('test');
    const ids = Array.from({ length: 2000 }, (_, i) => `piece-${i}`);
    const valid = (seed: number) => ids.filter((id) => assignSplit({ id }, seed, 0.1) === 'valid');
    expect(valid(7)).toEqual(valid(7));
    expect(valid(7)).not.toEqual(valid(8));
    expect(valid(7).length).toBeGreaterThan(140);
    expect(valid(7).length).toBeLessThan(260);
    expect(ids.every((id) => assignSplit({ id }, 7, 0) === 'train')).toBe(true);
  });
});

describe('buildShards', () => {
  it('writes every usable piece once, labelled, split, decodable; skips broken files with a reason', async () => {
    const dataset = await openDataset(join(root, 'folk-tunes'), { root });
    const out = join(root, 'shards');
    const summary = await buildShards([dataset], { outDir: out, validFraction: 0.3, stepsPerQuarter: 4, seed: 1 });
    expect(summary.pieces).toBe(20);
    expect(summary.failed).toEqual([{ file: join(root, 'folk-tunes', 'broken.mid'), reason: 'truncated MIDI file: 12 bytes, the header alone needs 14' }]);

    const shards = await readShards(out);
    const train = await shards.load('train');
    const valid = await shards.load('valid');
    expect(train.length + valid.length).toBe(20);
    expect(valid.length).toBeGreaterThan(0);
    expect(new Set([...train, ...valid].map((p) => p.id)).size).toBe(20);
    expect(shards.manifest.styles).toEqual(['folk']);
    for (const piece of [...train, ...valid]) {
      expect(piece.style).toBe('folk');
      expect(DEFAULT_VOCABULARY.name(piece.tokens[1]!)).toBe('style:folk');
      expect(decodeTokens(piece.tokens, { stepsPerQuarter: 4 }).tracks.length).toBeGreaterThan(0);
    }
    // Same inputs, same seed: the same split.
    const again = await buildShards([dataset], { outDir: out, validFraction: 0.3, stepsPerQuarter: 4, seed: 1 });
    expect(again.manifest.splits.valid.pieces).toBe(valid.length);
  });
});

describe('datasetStats', () => {
  it('counts files, failures with reasons, notes, kept notes, tokens and coverage', async () => {
    const dataset = await openDataset(join(root, 'folk-tunes'), { root });
    const progress: number[] = [];
    const stats = await datasetStats(dataset, dataset.entries, { stepsPerQuarter: 4, onProgress: (done) => progress.push(done) });
    expect(stats.files).toBe(21);
    expect(stats.parsed).toBe(20);
    expect(stats.failed).toHaveLength(1);
    expect(stats.failed[0]!.reason).toMatch(/^truncated MIDI file/);
    // tune(n) has tracks of 8, 9, … notes: 7 tunes × 8 + 7 × (8 + 9) + 6 × (8 + 9 + 10).
    expect(stats.notes).toBe(7 * 8 + 7 * 17 + 6 * 27);
    expect(stats.notes_kept).toBe(stats.notes);
    expect(stats.notes_exact).toBe(stats.notes);
    expect(stats.off_grid_notes).toBe(0);
    expect(stats.tokens).toBeGreaterThan(stats.notes * 2);
    expect(stats.vocabulary_used).toBeGreaterThan(10);
    expect(stats.vocabulary_coverage).toBeCloseTo(stats.vocabulary_used / DEFAULT_VOCABULARY.size, 10);
    expect(progress).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });
});
