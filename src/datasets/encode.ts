/**
 * One data-set piece in the token language, exactly as training shards and evaluation both read
 * it: prepared by its data set, quantised, and conditioned on its key (the file's key signature,
 * else the one its notes suggest) where the vocabulary has key tokens.
 */
import { pieceKey } from '../music/key.js';
import type { Piece } from '../music/piece.js';
import { quantizePiece } from '../music/quantize.js';
import { encodePiece } from '../music/tokens.js';
import type { Vocabulary } from '../music/vocabulary.js';
import type { Dataset } from './dataset.js';

export interface EncodedPiece {
  /** The quantised piece the tokens stand for. */
  readonly piece: Piece;
  readonly tokens: number[];
  /** Notes moved onto the grid by quantisation. */
  readonly offGridNotes: number;
}

export function encodeDatasetPiece(
  dataset: Pick<Dataset, 'prepare' | 'style'>,
  raw: Piece,
  options: { stepsPerQuarter: number; vocabulary: Vocabulary },
): EncodedPiece {
  const quantized = quantizePiece(dataset.prepare(raw), { stepsPerQuarter: options.stepsPerQuarter });
  const key = options.vocabulary.hasKeys ? pieceKey(quantized.piece) : undefined;
  const tokens = encodePiece(quantized.piece, {
    style: dataset.style,
    stepsPerQuarter: options.stepsPerQuarter,
    vocabulary: options.vocabulary,
    ...(key ? { key } : {}),
  });
  return { piece: quantized.piece, tokens, offGridNotes: quantized.offGridNotes };
}
