/**
 * The original training data a fine-tune replays (so nothing is forgotten) and whose held-out
 * split the guardrail scores: token shards (`rhythmix dataset build`) or a data-set spec
 * (jsb, nottingham, game, a MIDI folder) encoded on the fly in the model's token language.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { assignSplit } from '../datasets/build.js';
import { openDataset } from '../datasets/spec.js';
import { MANIFEST_FILE, readShards } from '../datasets/shards.js';
import { quantizePiece } from '../music/quantize.js';
import { encodePiece } from '../music/tokens.js';
import type { Vocabulary } from '../music/vocabulary.js';
import type { ModelCard } from '../model/model-files.js';
import { InvalidInputError, RhythmixError } from '../util/errors.js';

export interface OriginalData {
  /** Where it came from (shard folder or data-set spec). */
  source: string;
  train: Int32Array[];
  /** Held-out pieces the guardrail's NLL is measured on. */
  valid: Int32Array[];
}

const STYLE_DATASETS: Record<string, string> = { classical: 'jsb', folk: 'nottingham', game: 'game' };

/**
 * The data a model was trained on, from its card: its shard folder when it still exists, else the
 * data-set specs its shards were built from, else the named data sets of its styles.
 */
export function originalDataSpecs(card: ModelCard | null): string[] {
  const source = card?.data?.source;
  if (typeof source === 'string' && existsSync(path.join(source, MANIFEST_FILE))) return [source];
  const built = card?.data?.datasets;
  if (Array.isArray(built) && built.length > 0 && built.every((s): s is string => typeof s === 'string')) return built;
  const styles = Array.isArray(card?.data?.styles) ? card.data.styles : [];
  const specs = styles.flatMap((s) => (STYLE_DATASETS[s] ? [STYLE_DATASETS[s]] : []));
  return specs.length > 0 ? specs : ['jsb'];
}

function checkIds(pieces: Int32Array[], vocabulary: Vocabulary, source: string): Int32Array[] {
  for (const tokens of pieces) {
    for (const id of tokens) {
      if (id < 0 || id >= vocabulary.size) throw new InvalidInputError(`${source} holds token id ${id}, outside the model's vocabulary of ${vocabulary.size}`);
    }
  }
  return pieces;
}

async function loadSpec(spec: string, vocabulary: Vocabulary, stepsPerQuarter: number, maxPieces: number): Promise<OriginalData> {
  if (existsSync(path.join(spec, MANIFEST_FILE))) {
    const shards = await readShards(spec);
    if (shards.vocabulary.size !== vocabulary.size)
      throw new InvalidInputError(`${spec}: its vocabulary has ${shards.vocabulary.size} tokens, the model's ${vocabulary.size}`);
    const [train, valid] = await Promise.all([shards.load('train'), shards.load('valid')]);
    return {
      source: path.resolve(spec),
      train: checkIds(
        train.slice(0, maxPieces).map((p) => p.tokens),
        vocabulary,
        spec,
      ),
      valid: checkIds(
        valid.slice(0, maxPieces).map((p) => p.tokens),
        vocabulary,
        spec,
      ),
    };
  }
  const dataset = await openDataset(spec);
  const result: OriginalData = { source: spec, train: [], valid: [] };
  for (const entry of dataset.entries) {
    const split = assignSplit(entry, 1, 0.15);
    if (split === 'test') continue;
    const bucket = split === 'valid' ? result.valid : result.train;
    if (bucket.length >= maxPieces) continue;
    try {
      const piece = dataset.prepare(await entry.load());
      const quantized = quantizePiece(piece, { stepsPerQuarter }).piece;
      bucket.push(Int32Array.from(encodePiece(quantized, { style: dataset.style, stepsPerQuarter, vocabulary })));
    } catch (error) {
      if (!(error instanceof RhythmixError)) throw error;
    }
  }
  return result;
}

/**
 * Loads and concatenates the specs; at most `maxPieces` per split and spec (bounds the
 * guardrail's cost on large data sets). Throws when no held-out piece remains.
 */
export async function loadOriginalData(
  specs: readonly string[],
  options: { vocabulary: Vocabulary; stepsPerQuarter: number; maxPieces?: number },
): Promise<OriginalData> {
  const parts = [];
  for (const spec of specs) parts.push(await loadSpec(spec, options.vocabulary, options.stepsPerQuarter, options.maxPieces ?? 400));
  const data: OriginalData = { source: specs.join(','), train: parts.flatMap((p) => p.train), valid: parts.flatMap((p) => p.valid) };
  if (data.valid.length === 0) throw new InvalidInputError(`the original data (${data.source}) has no held-out pieces for the guardrail`);
  return data;
}
