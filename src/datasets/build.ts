/**
 * `rhythmix dataset build`: data sets → quantised token streams → shards with a train/valid
 * split and style labels.
 *
 * Split: an entry's standard split where its data set has one (JSB's train/valid/test,
 * Nottingham's train/valid folders); otherwise a hash of the seed and the entry id decides, so
 * the split is the same on every run and a piece keeps its side when files are added.
 */
import { DEFAULT_VOCABULARY, type Vocabulary } from '../music/vocabulary.js';
import { errorMessage, RhythmixError } from '../util/errors.js';
import type { Dataset, DatasetEntry, Split } from './dataset.js';
import { encodeDatasetPiece } from './encode.js';
import { writeShards, type ShardManifest, type ShardRecord } from './shards.js';
import type { FailedEntry } from './stats.js';

export interface BuildOptions {
  readonly outDir: string;
  /** Share of entries without a standard split that go to valid (0 ≤ f < 1). */
  readonly validFraction: number;
  readonly stepsPerQuarter: number;
  readonly seed: number;
  readonly vocabulary?: Vocabulary;
  readonly sources?: readonly string[];
  readonly onProgress?: (done: number, total: number) => void;
}

export interface BuildSummary {
  readonly out: string;
  readonly manifest: ShardManifest;
  readonly pieces: number;
  readonly failed: readonly FailedEntry[];
  readonly off_grid_notes: number;
}

/** FNV-1a, 32 bits: a small, stable string hash (the split must not change between Node versions). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The split of an entry: its standard one, else valid for a `validFraction` share of ids. */
export function assignSplit(entry: Pick<DatasetEntry, 'id' | 'split'>, seed: number, validFraction: number): Split {
  if (entry.split !== undefined) return entry.split;
  return fnv1a(`${seed}:${entry.id}`) / 2 ** 32 < validFraction ? 'valid' : 'train';
}

export async function buildShards(datasets: readonly Dataset[], options: BuildOptions): Promise<BuildSummary> {
  const vocabulary = options.vocabulary ?? DEFAULT_VOCABULARY;
  const total = datasets.reduce((sum, dataset) => sum + dataset.entries.length, 0);
  const records: ShardRecord[] = [];
  const failed: FailedEntry[] = [];
  let offGrid = 0;
  let done = 0;
  for (const dataset of datasets) {
    for (const entry of dataset.entries) {
      try {
        const encoded = encodeDatasetPiece(dataset, await entry.load(), { stepsPerQuarter: options.stepsPerQuarter, vocabulary });
        offGrid += encoded.offGridNotes;
        records.push({
          id: entry.id,
          style: dataset.style,
          split: assignSplit(entry, options.seed, options.validFraction),
          tokens: Int32Array.from(encoded.tokens),
        });
      } catch (error) {
        if (!(error instanceof RhythmixError)) throw error;
        failed.push({ file: entry.source, reason: errorMessage(error).split('\n')[0] ?? '' });
      }
      done += 1;
      options.onProgress?.(done, total);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const manifest = await writeShards(options.outDir, {
    vocabulary,
    stepsPerQuarter: options.stepsPerQuarter,
    records,
    ...(options.sources === undefined ? {} : { sources: options.sources }),
  });
  return { out: options.outDir, manifest, pieces: records.length, failed, off_grid_notes: offGrid };
}
