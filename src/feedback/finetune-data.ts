/**
 * Fine-tuning data from the signal: reward-weighted likelihood, implemented by repetition.
 * A liked piece (score > 0) appears round(score) times (at least once, at most `maxCopies`),
 * so training maximises Σ score · log p(piece); a piece with score ≤ 0 — disliked, or liked and
 * disliked equally — gets weight 0 here. Disliked pieces act through the preference pairs
 * (`ratedPieces`, DPO in preference.ts), which push them down relative to liked ones; two takes
 * of one request rated apart are a pair of their own (`takePreferencePairs`).
 * Original training pieces are mixed in (replay, `replayRatio` of the tokens) so the model keeps
 * what it knew.
 */
import { Rng } from '../model/rng.js';
import type { Vocabulary } from '../music/vocabulary.js';
import type { PieceSignal } from './signal.js';

export interface FineTuneDataOptions {
  vocabulary: Vocabulary;
  /** Most copies of one piece. */
  maxCopies: number;
  /** Share of the training tokens taken from the original data (0..0.95). */
  replayRatio: number;
  seed: number;
}

export interface FineTuneData {
  train: Int32Array[];
  likedPieces: number;
  /** Pieces with score ≤ 0 (kept out). */
  dislikedPieces: number;
  /** Pieces whose tokens do not fit the model's vocabulary (another model's language). */
  skippedPieces: number;
  feedbackTokens: number;
  replayPieces: number;
  replayTokens: number;
  /** Ratings (reactions) behind the pieces used. */
  ratingsUsed: number;
}

/** True when the stream starts `<start> style:…` and every id is in the vocabulary. */
export function fitsVocabulary(tokens: ArrayLike<number>, vocabulary: Vocabulary): boolean {
  if (tokens.length < 3 || tokens[0] !== vocabulary.startId || vocabulary.kind(tokens[1]!) !== 'style') return false;
  for (let i = 0; i < tokens.length; i++) if (!(tokens[i]! >= 0 && tokens[i]! < vocabulary.size)) return false;
  return true;
}

/** Closes a stream cut off by a length limit with `<end>`, as training pieces have. */
export function withEnd(tokens: Int32Array, vocabulary: Vocabulary): Int32Array {
  if (tokens[tokens.length - 1] === vocabulary.endId) return tokens;
  const closed = new Int32Array(tokens.length + 1);
  closed.set(tokens);
  closed[tokens.length] = vocabulary.endId;
  return closed;
}

export function copiesFor(score: number, maxCopies: number): number {
  return score > 0 ? Math.max(1, Math.min(maxCopies, Math.round(score))) : 0;
}

export function buildFineTuneData(signals: readonly PieceSignal[], original: readonly Int32Array[], options: FineTuneDataOptions): FineTuneData {
  const train: Int32Array[] = [];
  let liked = 0;
  let disliked = 0;
  let skipped = 0;
  let feedbackTokens = 0;
  let ratingsUsed = 0;
  for (const signal of signals) {
    if (!fitsVocabulary(signal.tokens, options.vocabulary)) {
      skipped++;
      continue;
    }
    ratingsUsed += signal.ratings;
    const copies = copiesFor(signal.score, options.maxCopies);
    if (copies === 0) {
      disliked++;
      continue;
    }
    liked++;
    const tokens = withEnd(signal.tokens, options.vocabulary);
    for (let c = 0; c < copies; c++) train.push(tokens);
    feedbackTokens += copies * tokens.length;
  }
  const ratio = Math.min(0.95, Math.max(0, options.replayRatio));
  const wanted = ratio > 0 && feedbackTokens > 0 ? (feedbackTokens * ratio) / (1 - ratio) : 0;
  const order = original.map((_, i) => i);
  new Rng(options.seed >>> 0).shuffle(order);
  let replayTokens = 0;
  let replayPieces = 0;
  for (const index of order) {
    if (replayTokens >= wanted) break;
    const piece = original[index]!;
    train.push(piece);
    replayTokens += piece.length;
    replayPieces++;
  }
  return { train, likedPieces: liked, dislikedPieces: disliked, skippedPieces: skipped, feedbackTokens, replayPieces, replayTokens, ratingsUsed };
}

/**
 * Least score difference that makes two takes a preference pair: half a 👍 vote. Recency decay
 * alone (equal votes cast days apart) never separates two takes this far — that would take a month.
 */
export const MIN_TAKE_SCORE_GAP = 0.5;

/** Preference pairs as token streams: `chosen[i]` was preferred to `rejected[i]`. */
export interface PreferencePairData {
  chosen: Int32Array[];
  rejected: Int32Array[];
}

/**
 * Two takes of one request whose scores differ, as preference pairs: the better-rated take is
 * chosen, the other rejected — one prompt answered twice, DPO's own setting, and a preference the
 * liked × disliked pairs miss when both takes are liked (or both disliked) to different degrees.
 * Both takes need a counted reaction (a take nobody rated may simply not have been heard) and
 * must fit the model's language, and their scores must differ by at least `MIN_TAKE_SCORE_GAP`.
 */
export function takePreferencePairs(signals: readonly PieceSignal[], vocabulary: Vocabulary): PreferencePairData {
  const byId = new Map(signals.map((s) => [s.pieceId, s]));
  const pairs: PreferencePairData = { chosen: [], rejected: [] };
  for (const a of signals) {
    if (!a.takePair || a.takePair.pieceA !== a.pieceId) continue;
    const b = byId.get(a.takePair.pieceB);
    if (!b || Math.abs(a.score - b.score) < MIN_TAKE_SCORE_GAP || !fitsVocabulary(a.tokens, vocabulary) || !fitsVocabulary(b.tokens, vocabulary)) continue;
    const [chosen, rejected] = a.score > b.score ? [a, b] : [b, a];
    pairs.chosen.push(withEnd(chosen.tokens, vocabulary));
    pairs.rejected.push(withEnd(rejected.tokens, vocabulary));
  }
  return pairs;
}

/**
 * The rated pieces that fit the model's language, closed with `<end>`: liked (score > 0) and
 * disliked (score < 0), and the take pairs rated apart (`takePreferencePairs`).
 */
export function ratedPieces(
  signals: readonly PieceSignal[],
  vocabulary: Vocabulary,
): { liked: Int32Array[]; disliked: Int32Array[]; takePairs: PreferencePairData } {
  const fitting = signals.filter((s) => s.score !== 0 && fitsVocabulary(s.tokens, vocabulary));
  return {
    liked: fitting.filter((s) => s.score > 0).map((s) => withEnd(s.tokens, vocabulary)),
    disliked: fitting.filter((s) => s.score < 0).map((s) => withEnd(s.tokens, vocabulary)),
    takePairs: takePreferencePairs(signals, vocabulary),
  };
}

/** A stable number in [0, 1) for a piece id (the same piece lands on the same side every round). */
export function pieceFraction(pieceId: number): number {
  let h = Math.imul(pieceId ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/**
 * Splits the rated pieces: about `share` of them (by id, so the same ones every round) are held
 * out of training, to measure how the taste generalises. Nothing is held out unless both sides
 * keep a liked and a disliked piece (the pairs and the measure each need one).
 */
export function splitHeldOut(signals: readonly PieceSignal[], share: number): { fit: PieceSignal[]; heldOut: PieceSignal[] } {
  if (share <= 0) return { fit: [...signals], heldOut: [] };
  const held = (s: PieceSignal): boolean => s.score !== 0 && pieceFraction(s.pieceId) < share;
  const heldOut = signals.filter(held);
  const fit = signals.filter((s) => !held(s));
  const bothSides = (list: readonly PieceSignal[]): boolean => list.some((s) => s.score > 0) && list.some((s) => s.score < 0);
  return bothSides(heldOut) && bothSides(fit) ? { fit, heldOut } : { fit: [...signals], heldOut: [] };
}
