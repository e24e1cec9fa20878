import type { Dataset, Split } from '../datasets/dataset.js';
import { encodeDatasetPiece } from '../datasets/encode.js';
import { pieceLengthBeats } from '../music/piece.js';
import { TokenStreamState } from '../music/tokens.js';
import { Vocabulary } from '../music/vocabulary.js';
import { readsPianoRollFrames, type LoadedModel } from '../model/model-files.js';
import { languageModelFrom } from '../model/create-language-model.js';
import type { LanguageModel } from '../model/language-model.js';
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
  /**
   * True when each prediction was renormalised over the tokens the grammar allows — the
   * distribution `compose` samples from at temperature 1; the raw softmax figures follow.
   */
  grammar_masked: boolean;
  unmasked_frame_nll: number;
  unmasked_token_nll: number;
  pieces: number;
  tokens: number;
  frames: number;
  /** Entries that could not be loaded or encoded, with the reason. */
  skipped: Array<{ id: string; reason: string }>;
}

/** The token grammar the sequences are written in; given, predictions are scored as `compose` samples them. */
export interface ScoringGrammar {
  vocabulary: Vocabulary;
  stepsPerQuarter: number;
}

/**
 * Generic evaluator: exact full-context NLL of each sequence (end token
 * included), normalised per predicted token and per quarter-note frame.
 */
export function evaluateSequences(net: LanguageModel, sequences: readonly ScoredSequence[], grammar?: ScoringGrammar): Omit<EvaluationResult, 'skipped'> {
  if (sequences.length === 0) throw new InvalidInputError('nothing to evaluate: no pieces');
  const mask = grammar ? () => new TokenStreamState(grammar) : undefined;
  const result = sequenceNll(
    net,
    sequences.map((s) => s.tokens),
    mask ? { mask } : {},
  );
  const frames = sequences.reduce((sum, s) => sum + s.frames, 0);
  const unmasked = result.unmaskedNll ?? result.nll;
  return {
    frame_nll: result.nll / frames,
    token_nll: result.nll / result.tokens,
    grammar_masked: mask !== undefined,
    unmasked_frame_nll: unmasked / frames,
    unmasked_token_nll: unmasked / result.tokens,
    pieces: sequences.length,
    tokens: result.tokens,
    frames,
  };
}

/** Encodes a data set's pieces (optionally one split) as the model's token language. */
export async function encodeDataset(
  dataset: Dataset,
  options: { split?: Split; vocabulary: Vocabulary; stepsPerQuarter: number },
): Promise<{ sequences: ScoredSequence[]; skipped: Array<{ id: string; reason: string }> }> {
  const hasSplits = dataset.entries.some((e) => e.split !== undefined);
  const entries = options.split && hasSplits ? dataset.entries.filter((e) => e.split === options.split) : dataset.entries;
  if (options.split && hasSplits && entries.length === 0) throw new InvalidInputError(`data set ${dataset.name} has no ${options.split} split`);
  const sequences: ScoredSequence[] = [];
  const skipped: Array<{ id: string; reason: string }> = [];
  for (const entry of entries) {
    try {
      const { piece: quantized, tokens } = encodeDatasetPiece(dataset, await entry.load(), options);
      const frames = Math.ceil(pieceLengthBeats(quantized) - 1e-9);
      if (frames <= 0) throw new InvalidInputError('the piece has no notes');
      sequences.push({ id: entry.id, tokens: Int32Array.from(tokens), frames });
    } catch (error) {
      skipped.push({ id: entry.id, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { sequences, skipped };
}

/**
 * The data-set spec to score a model on when `spec` is asked for: a model trained on the chorales
 * read frame by frame (`jsb-frames`) is scored on them read that way — the same piano rolls, in
 * the encoding the model speaks. Any other spec is returned as is.
 */
export function datasetSpecForModel(spec: string, model: Pick<LoadedModel, 'card'>): string {
  return spec === 'jsb' && readsPianoRollFrames(model.card) ? 'jsb-frames' : spec;
}

/** Evaluates a loaded model on a data set (e.g. JSB test). */
export async function evaluateModelOnDataset(model: LoadedModel, dataset: Dataset, split?: Split): Promise<EvaluationResult> {
  const vocabulary = Vocabulary.fromJSON(model.vocabulary);
  if (vocabulary.size !== model.config.vocabSize)
    throw new InvalidInputError(`${model.dir}: vocabulary.json has ${vocabulary.size} tokens but the model expects ${model.config.vocabSize}`);
  const stored = model.card?.data?.stepsPerQuarter;
  const stepsPerQuarter = typeof stored === 'number' ? stored : 4;
  const { sequences, skipped } = await encodeDataset(dataset, { vocabulary, stepsPerQuarter, ...(split ? { split } : {}) });
  return { ...evaluateSequences(languageModelFrom(model), sequences, { vocabulary, stepsPerQuarter }), skipped };
}
