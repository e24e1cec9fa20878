/**
 * The index-originality use case (`rhythmix model index-originality MODEL`): the training pieces of
 * a model — the data sets its card names, the train split — read as training read them (prepared
 * by their data set, quantised to the model's grid), hashed into the originality index and written
 * beside the model as originality.bin (docs/originality.md).
 *
 * The train split is the one the model's token shards hold when they are still on disk (the card's
 * `data.source`), else the split `rhythmix train` builds for a preset: each data set's standard one,
 * the rest by hash with seed 0 and a tenth held out (src/app/train.ts).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { assignSplit } from '../datasets/build.js';
import { readShards } from '../datasets/shards.js';
import { openDataset } from '../datasets/spec.js';
import { MODEL_FILES, resolveModelDir } from '../model/model-files.js';
import { writeOriginalityIndex } from '../model/originality-file.js';
import { indexPieces } from '../music/originality.js';
import type { Piece } from '../music/piece.js';
import { quantizePiece } from '../music/quantize.js';
import { MissingDependencyError, RhythmixError, errorMessage, InvalidInputError } from '../util/errors.js';
import { parseInput } from '../util/parse-input.js';

export const indexOriginalityInputSchema = z
  .object({
    /** Model name (models/<name>/) or folder. */
    model: z.string().min(1),
    /** Data-set specs to index instead of the card's `data.datasets` (a model trained on a folder). */
    datasets: z.array(z.string().min(1)).min(1).optional(),
    /** Shard folder whose train split names the pieces; default the card's `data.source` when present. */
    shards: z.string().min(1).optional(),
  })
  .strict();
export type IndexOriginalityInput = z.input<typeof indexOriginalityInputSchema>;

export interface IndexOriginalitySummary {
  readonly model: string;
  readonly file: string;
  readonly bytes: number;
  readonly datasets: readonly string[];
  /** Where the train split came from: the shards' ids, or the preset's split rule. */
  readonly split: 'shards' | 'preset-rule';
  readonly pieces: number;
  readonly ngrams: number;
  /** Entries that could not be read (left out, as training left them out). */
  readonly failed: number;
}

/** The split rule of a preset's shards (src/app/train.ts builds them with these). */
const PRESET_SPLIT = { seed: 0, validFraction: 0.1 } as const;

interface CardData {
  readonly source?: unknown;
  readonly datasets?: unknown;
  readonly stepsPerQuarter?: unknown;
}

async function readCardData(dir: string): Promise<CardData> {
  const file = path.join(dir, MODEL_FILES.card);
  if (!existsSync(file)) throw new MissingDependencyError(`${file} does not exist: an originality index needs the model's card (which data it was trained on)`);
  const card = JSON.parse(await readFile(file, 'utf8')) as { data?: CardData };
  return card.data ?? {};
}

/** The train ids of a shard folder, or undefined when it is not there. */
async function shardTrainIds(dir: string | undefined): Promise<Set<string> | undefined> {
  if (dir === undefined || !existsSync(path.join(dir, 'manifest.json'))) return undefined;
  const shards = await readShards(dir);
  return new Set((await shards.load('train')).map((p) => p.id));
}

export async function indexOriginality(input: unknown, context: { onProgress?: (done: number, total: number) => void } = {}): Promise<IndexOriginalitySummary> {
  const options = parseInput(indexOriginalityInputSchema, input, 'index-originality options');
  const dir = resolveModelDir(options.model);
  const data = await readCardData(dir);
  const cardDatasets = Array.isArray(data.datasets) ? data.datasets.filter((d): d is string => typeof d === 'string') : [];
  const specs = options.datasets ?? cardDatasets;
  if (specs.length === 0) {
    throw new InvalidInputError(`the card of ${options.model} names no data sets (data.datasets): pass the ones it was trained on with {datasets}`, {
      field: 'datasets',
    });
  }
  const stepsPerQuarter = typeof data.stepsPerQuarter === 'number' ? data.stepsPerQuarter : 4;
  if (options.shards !== undefined && !existsSync(path.join(options.shards, 'manifest.json'))) {
    throw new InvalidInputError(`{shards} ${options.shards} holds no token shards (no manifest.json)`, { field: 'shards' });
  }
  const trainIds = await shardTrainIds(options.shards ?? (typeof data.source === 'string' ? data.source : undefined));

  const datasets = await Promise.all(specs.map((spec) => openDataset(spec)));
  const total = datasets.reduce((n, d) => n + d.entries.length, 0);
  const pieces: Array<{ id: string; style: string; piece: Piece }> = [];
  let failed = 0;
  let done = 0;
  for (const dataset of datasets) {
    for (const entry of dataset.entries) {
      done++;
      const inTrain = trainIds ? trainIds.has(entry.id) : assignSplit(entry, PRESET_SPLIT.seed, PRESET_SPLIT.validFraction) === 'train';
      if (inTrain) {
        try {
          pieces.push({ id: entry.id, style: dataset.style, piece: quantizePiece(dataset.prepare(await entry.load()), { stepsPerQuarter }).piece });
        } catch (error) {
          if (!(error instanceof RhythmixError)) throw error;
          failed++;
        }
      }
      context.onProgress?.(done, total);
    }
  }
  if (pieces.length === 0) {
    throw new InvalidInputError(`no training pieces of ${options.model} found in ${specs.join(', ')}${trainIds ? ' (none of the shards’ train ids)' : ''}`);
  }
  const index = indexPieces(pieces, stepsPerQuarter);
  let written;
  try {
    written = await writeOriginalityIndex(dir, index, { datasets: specs, split: 'train', createdAt: new Date().toISOString() });
  } catch (error) {
    throw new MissingDependencyError(`cannot write the originality index into ${dir}: ${errorMessage(error)}`);
  }
  return {
    model: options.model,
    file: written.path,
    bytes: written.bytes,
    datasets: specs,
    split: trainIds ? 'shards' : 'preset-rule',
    pieces: pieces.length,
    ngrams: index.hashes.length,
    failed,
  };
}
