import type { Dataset, Split } from '../datasets/dataset.js';
import { pieceLengthBeats } from '../music/piece.js';
import { quantizePiece } from '../music/quantize.js';
import { encodePiece } from '../music/tokens.js';
import { Vocabulary } from '../music/vocabulary.js';
import type { LoadedModel } from '../model/model-files.js';
import { LstmNetwork } from '../model/network.js';
import { InvalidInputError } from '../util/errors.js';
import { sequenceNll } from './evaluate.js';

/** A piece ready to score: its canonical token encoding and its length in quarter-note frames. */
export interface ScoredSequence {
  id: string;
  tokens: Int32Array;
  frames: number;
}

export interface EvaluationResult {
  /** Summed token NLL / summed quarter-note frames, nats per frame. */
  frame_nll: number;
  /** Summed token NLL / predicted tokens (all but each piece's first), nats per token. */
  token_nll: number;
  pieces: number;
  tokens: number;
  frames: number;
  /** Entries that could not be loaded or encoded, with the reason. */
  skipped: Array<{ id: string; reason: string }>;
}

/**
 * Generic evaluator: exact full-context NLL of each sequence (end token
 * included), normalised per predicted token and per quarter-note frame.
 */
export function evaluateSequences(net: LstmNetwork, sequences: readonly ScoredSequence[]): Omit<EvaluationResult, 'skipped'> {
  if (sequences.length === 0) throw new InvalidInputError('nothing to evaluate: no pieces');
  const result = sequenceNll(net, sequences.map((s) => s.tokens), 16);
  const frames = sequences.reduce((sum, s) => sum + s.frames, 0);
  return { frame_nll: result.nll / frames, token_nll: result.nll / result.tokens, pieces: sequences.length, tokens: result.tokens, frames };
}

/** Encodes a data set's pieces (optionally one split) as the model's token language. */
export async function encodeDataset(dataset: Dataset, options: { split?: Split; vocabulary: Vocabulary; stepsPerQuarter: number }): Promise<{ sequences: ScoredSequence[]; skipped: Array<{ id: string; reason: string }> }> {
  const hasSplits = dataset.entries.some((e) => e.split !== undefined);
  const entries = options.split && hasSplits ? dataset.entries.filter((e) => e.split === options.split) : dataset.entries;
  if (options.split && hasSplits && entries.length === 0) throw new InvalidInputError(`data set ${dataset.name} has no ${options.split} split`);
  const sequences: ScoredSequence[] = [];
  const skipped: Array<{ id: string; reason: string }> = [];
  for (const entry of entries) {
    try {
      const piece = dataset.prepare(await entry.load());
      const quantized = quantizePiece(piece, { stepsPerQuarter: options.stepsPerQuarter }).piece;
      const tokens = encodePiece(quantized, { style: dataset.style, stepsPerQuarter: options.stepsPerQuarter, vocabulary: options.vocabulary });
      const frames = Math.ceil(pieceLengthBeats(quantized) - 1e-9);
      if (frames <= 0) throw new InvalidInputError('the piece has no notes');
      sequences.push({ id: entry.id, tokens: Int32Array.from(tokens), frames });
    } catch (error) {
      skipped.push({ id: entry.id, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { sequences, skipped };
}

/** Evaluates a loaded model on a data set (e.g. JSB test). */
export async function evaluateModelOnDataset(model: LoadedModel, dataset: Dataset, split?: Split): Promise<EvaluationResult> {
  const vocabulary = Vocabulary.fromJSON(model.vocabulary);
  if (vocabulary.size !== model.config.vocabSize) throw new InvalidInputError(`${model.dir}: vocabulary.json has ${vocabulary.size} tokens but the model expects ${model.config.vocabSize}`);
  const stored = model.card?.data?.stepsPerQuarter;
  const stepsPerQuarter = typeof stored === 'number' ? stored : 4;
  const { sequences, skipped } = await encodeDataset(dataset, { vocabulary, stepsPerQuarter, ...(split ? { split } : {}) });
  const net = new LstmNetwork(model.config);
  net.setParameters(model.params);
  return { ...evaluateSequences(net, sequences), skipped };
}
