import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeOriginal, MAX_ORIGINALITY_ATTEMPTS, resampledSeed, type OriginalityLookup } from '../../src/compose/originality.js';
import {
  copyOriginalityIndex,
  loadOriginalityIndex,
  ORIGINALITY_FILE,
  parseOriginalityIndex,
  writeOriginalityIndex,
} from '../../src/model/originality-file.js';
import { indexPieces, OriginalityIndex } from '../../src/music/originality.js';
import { createPiece, type Piece } from '../../src/music/piece.js';
import { randomMelody } from '../music/random-melody.js';
import { InvalidInputError } from '../../src/util/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rhythmix-originality-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A seeded melody of `beats` quarter notes as a one-track piece. */
const line = (seed: number, beats: number): Piece => createPiece([{ name: 'melody', program: 0, isDrum: false, notes: randomMelody(seed, beats) }]);

const TRAINING = [1, 2, 3].map((seed) => ({ id: `folk/train/${seed}.mid`, style: 'folk', piece: line(seed, 32) }));
const index = new OriginalityIndex(indexPieces(TRAINING, 4));
const withIndex: OriginalityLookup = async () => ({ index, provenance: { datasets: ['test'], split: 'train', createdAt: 'now' } });

/** A composer that copies training piece 2 for its first `copies` takes, then writes its own line. */
function copyingComposer(copies: number) {
  const seeds: number[] = [];
  return {
    seeds,
    compose: async (samplingSeed: number): Promise<Piece> => {
      seeds.push(samplingSeed);
      return seeds.length <= copies ? line(2, 32) : line(100 + seeds.length, 32);
    },
  };
}

describe('compose re-samples a piece that copies 4 bars or more', () => {
  it('keeps an original first take as it is', async () => {
    const composer = copyingComposer(0);
    const result = await composeOriginal({ model: 'm', samplingSeed: 42, allowCopies: false, query: {}, lookup: withIndex, compose: composer.compose });
    expect(composer.seeds).toEqual([42]);
    expect(result.samplingSeed).toBe(42);
    expect(result.outcome).toMatchObject({ attempts: 1, note: null });
    expect(result.outcome.longestCopiedBars).toBeLessThan(4);
  });

  it('composes again with the next sampling seed when a take copies a training piece, and says so', async () => {
    const composer = copyingComposer(1);
    const result = await composeOriginal({ model: 'm', samplingSeed: 42, allowCopies: false, query: {}, lookup: withIndex, compose: composer.compose });
    expect(composer.seeds).toEqual([42, resampledSeed(42, 2)]);
    expect(result.samplingSeed).toBe(resampledSeed(42, 2));
    expect(result.outcome.attempts).toBe(2);
    expect(result.outcome.longestCopiedBars).toBeLessThan(4);
    expect(result.outcome.note).toBe('composed again 1 time: the first take shared 8 bars with folk/train/2.mid');
  });

  it('stops after the bounded number of takes and keeps the least-copying one', async () => {
    const composer = copyingComposer(Infinity);
    const result = await composeOriginal({ model: 'm', samplingSeed: 7, allowCopies: false, query: {}, lookup: withIndex, compose: composer.compose });
    expect(composer.seeds).toHaveLength(MAX_ORIGINALITY_ATTEMPTS);
    expect(new Set(composer.seeds).size).toBe(MAX_ORIGINALITY_ATTEMPTS);
    expect(result.outcome).toMatchObject({ longestCopiedBars: 8, copiedFrom: 'folk/train/2.mid', attempts: MAX_ORIGINALITY_ATTEMPTS });
    expect(result.outcome.note).toMatch(/^still shares 8 bars with folk\/train\/2\.mid after 4 takes/);
  });

  it('keeps a copy when copies are allowed, and counts only the music after the seed', async () => {
    const allowed = copyingComposer(1);
    const kept = await composeOriginal({ model: 'm', samplingSeed: 1, allowCopies: true, query: {}, lookup: withIndex, compose: allowed.compose });
    expect(allowed.seeds).toEqual([1]);
    expect(kept.outcome).toMatchObject({ longestCopiedBars: 8, attempts: 1, note: 'shares 8 bars with folk/train/2.mid (copies allowed)' });

    // The first 5 of 8 bars are the user's seed: the model's 3 copied bars are under the limit.
    const seeded = copyingComposer(1);
    const result = await composeOriginal({
      model: 'm',
      samplingSeed: 1,
      allowCopies: false,
      query: { countFrom: 20 },
      lookup: withIndex,
      compose: seeded.compose,
    });
    expect(seeded.seeds).toHaveLength(1);
    expect(result.outcome.longestCopiedBars).toBe(3);
  });

  it('reports originality as unknown (null) with the reason when the model has no index', async () => {
    const composer = copyingComposer(Infinity);
    const result = await composeOriginal({ model: path.join(dir, 'no-such-model'), samplingSeed: 3, allowCopies: false, query: {}, compose: composer.compose });
    expect(composer.seeds).toEqual([3]);
    expect(result.outcome.longestCopiedBars).toBeNull();
    expect(result.outcome.note).toMatch(/has no originality index \(build it: rhythmix model index-originality /);
  });
});

describe('the index file beside a model', () => {
  it('round-trips: the loaded index answers as the built one', async () => {
    const modelDir = path.join(dir, 'model-a');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(modelDir);
    const written = await writeOriginalityIndex(modelDir, index.data, { datasets: ['nottingham'], split: 'train', createdAt: '2026-12-05T00:00:00Z' });
    expect(written.path).toBe(path.join(modelDir, ORIGINALITY_FILE));
    const loaded = await loadOriginalityIndex(modelDir);
    if (loaded.index === null) throw new Error(loaded.note);
    expect(loaded.provenance.datasets).toEqual(['nottingham']);
    expect(loaded.index.longestCopy(line(3, 32))).toMatchObject({ bars: 8, piece: { id: 'folk/train/3.mid' } });
    expect(loaded.index.longestCopiedBars(line(200, 32))).toBe(index.longestCopiedBars(line(200, 32)));
  });

  it("gives a fine-tuned version its parent's index, and nothing where the parent has none", async () => {
    const { mkdir } = await import('node:fs/promises');
    const child = path.join(dir, 'model-a-ft');
    await mkdir(child);
    expect(await copyOriginalityIndex(path.join(dir, 'model-a'), child)).toBe(true);
    const loaded = await loadOriginalityIndex(child);
    expect(loaded.index?.longestCopiedBars(line(3, 32))).toBe(8);
    expect(await copyOriginalityIndex(path.join(dir, 'no-such-parent'), child)).toBe(false);
  });

  it('holds hashes and names, never the notes', () => {
    const bytes = readFileSync(path.join(dir, 'model-a', ORIGINALITY_FILE));
    const { index: parsed } = parseOriginalityIndex(bytes, 'x');
    expect(Object.keys(parsed.data).sort()).toEqual(['hashes', 'lineLengths', 'linePieces', 'ngram', 'pieces', 'stepsPerQuarter']);
  });

  it('says why a damaged file cannot be used, and compose goes on without it', async () => {
    expect(() => parseOriginalityIndex(new Uint8Array([1, 2, 3]), 'bad.bin')).toThrow(InvalidInputError);
    const modelDir = path.join(dir, 'model-b');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(modelDir);
    writeFileSync(path.join(modelDir, ORIGINALITY_FILE), 'not gzip');
    const loaded = await loadOriginalityIndex(modelDir);
    expect(loaded.index).toBeNull();
    expect(loaded.index === null && loaded.note).toMatch(/cannot be read/);
  });
});
