/**
 * Token-level credit for the preference pairs, learned from the ratings alone.
 *
 * A sequence-level DPO pair pushes every token of the liked piece up and every token of the
 * disliked one down. When the two differ in what the rater cares about by one or two tokens in
 * ~285 (a piece with one incomplete frame against one with none), almost all of that push teaches
 * things the rater does not care about, and the pull stalls once the pair is separated. Here each
 * predicted token gets a credit: how much more often its context appears in liked pieces than in
 * disliked ones (a smoothed log-odds of per-token rates, over all the rated pieces), and a pair's
 * log-ratio and gradient are taken only on the tokens that tell the two sides apart — the liked
 * piece's tokens whose credit is at least `threshold`, the disliked one's at most −`threshold`.
 *
 * Two contexts are counted for every token, so the credit can follow what a rater may hear
 * without knowing which: the token itself (a pitch, a duration: register, rhythm values) and the
 * shape of what led to it — the kinds (pitch / duration / position / bar …) of the tokens since
 * the last one of its own kind (how many notes a frame had when a position token closed it).
 * The credit of a token is the sum of its two contexts' log-odds.
 */
import type { Vocabulary } from '../music/vocabulary.js';

/** Every vocabulary id's kind as a small integer (the shape context's alphabet). */
export function tokenKindsOf(vocabulary: Pick<Vocabulary, 'size' | 'kind'>): Int32Array {
  const index = new Map<string, number>();
  return Int32Array.from({ length: vocabulary.size }, (_, id) => {
    const kind = vocabulary.kind(id) ?? '?';
    if (!index.has(kind)) index.set(kind, index.size);
    return index.get(kind)!;
  });
}

/** The kinds that place notes in time: bar lines, onsets, durations and the end. */
const TIMING_KINDS = new Set(['bar', 'position', 'duration', 'end']);

/** 1 for every vocabulary id that places notes in time (TIMING_KINDS), 0 for the rest (pitches, instruments, style …). */
export function timingTokensOf(vocabulary: Pick<Vocabulary, 'size' | 'kind'>): Uint8Array {
  return Uint8Array.from({ length: vocabulary.size }, (_, id) => (TIMING_KINDS.has(vocabulary.kind(id) ?? '') ? 1 : 0));
}

export interface TokenCreditSettings {
  /** Token kind of every vocabulary id (any stable integer per kind). */
  kinds: ArrayLike<number>;
  /** Tokens before the predicted one whose kinds form its shape context. */
  context: number;
  /** Credit (nats of log-odds) a token needs to be counted in a pair. */
  threshold: number;
  /** Pseudo-count added to both sides' counts. */
  smoothing?: number;
  /**
   * How often the context must have been expected, at the rate of both sides pooled, on the side
   * with fewer tokens for its log-odds to count (else 0): a context seen three times among six
   * liked melodies and never among three disliked ones is chance, not a taste (default 2).
   */
  minExpected?: number;
}

export interface TokenCreditTable {
  credit(sequence: ArrayLike<number>, target: number): number;
}

/**
 * The two context keys of the token at `target` (≥ 1) of `sequence`: the token, and the kinds
 * since the last token of its own kind (at most `context` tokens back). Going back only that
 * far keeps a frame's shape on the token that closed it: the note after an incomplete frame
 * has the same shape as any other note, so the credit stays on the decision that made it.
 */
export function contextKeys(sequence: ArrayLike<number>, target: number, kinds: ArrayLike<number>, context: number): [string, string] {
  const kindOf = (i: number): number => kinds[sequence[i]!] ?? -1;
  const own = kindOf(target);
  let from = target;
  while (from > 0 && target - from < context) {
    from--;
    if (kindOf(from) === own) break;
  }
  const shape: number[] = [];
  for (let i = from; i <= target; i++) shape.push(kindOf(i));
  return [`t${sequence[target]}`, `k${shape.join(',')}`];
}

/** Log-odds of each context between the liked and the disliked pieces' predicted tokens. */
export function tokenCreditTable(
  liked: ReadonlyArray<ArrayLike<number>>,
  disliked: ReadonlyArray<ArrayLike<number>>,
  settings: TokenCreditSettings,
): TokenCreditTable {
  const smoothing = settings.smoothing ?? 0.5;
  const minExpected = settings.minExpected ?? 2;
  const counts = new Map<string, [number, number]>();
  const totals = [0, 0];
  const count = (pieces: ReadonlyArray<ArrayLike<number>>, side: 0 | 1): void => {
    for (const piece of pieces) {
      for (let t = 1; t < piece.length; t++) {
        for (const key of contextKeys(piece, t, settings.kinds, settings.context)) {
          const entry = counts.get(key) ?? [0, 0];
          entry[side]++;
          counts.set(key, entry);
        }
        totals[side]!++;
      }
    }
  };
  count(liked, 0);
  count(disliked, 1);
  const logOdds = (key: string): number => {
    const [l, d] = counts.get(key) ?? [0, 0];
    if (totals[0] === 0 || totals[1] === 0) return 0;
    if (((l + d) * Math.min(totals[0]!, totals[1]!)) / (totals[0]! + totals[1]!) < minExpected) return 0;
    return Math.log((l + smoothing) / totals[0]!) - Math.log((d + smoothing) / totals[1]!);
  };
  return {
    credit: (sequence, target) => {
      const [token, shape] = contextKeys(sequence, target, settings.kinds, settings.context);
      return logOdds(token) + logOdds(shape);
    },
  };
}

/**
 * Which predicted tokens of a sequence a pair counts: 1 where the credit is on this side's end
 * (≥ threshold for a liked piece, ≤ −threshold for a disliked one), else 0; index t is the token
 * at t + 1 (the rows of `sequenceBatch`). A piece with nothing credited to its side has an
 * all-zero mask: it adds nothing to its pair's log-ratio (see `pairMasks`). With `boost`, every
 * token weighs 1 and a credited one 1 + boost: the whole-piece pair, leaning on the tokens that
 * tell the two sides apart. With `creditable` (a 0/1 per vocabulary id), only those tokens can be credited.
 */
export function creditMask(
  table: TokenCreditTable,
  sequence: ArrayLike<number>,
  side: 'chosen' | 'rejected',
  threshold: number,
  boost?: number,
  creditable?: ArrayLike<number>,
): Float32Array {
  const mask = new Float32Array(Math.max(0, sequence.length - 1)).fill(boost === undefined ? 0 : 1);
  for (let t = 1; t < sequence.length; t++) {
    if (creditable && !creditable[sequence[t]!]) continue;
    const credit = table.credit(sequence, t);
    if (side === 'chosen' ? credit >= threshold : credit <= -threshold) mask[t - 1] = boost === undefined ? 1 : 1 + boost;
  }
  return mask;
}

const counts = (mask: ArrayLike<number>): boolean => {
  for (let t = 0; t < mask.length; t++) if (mask[t] !== 0) return true;
  return false;
};

/**
 * The masks one pair uses. Each side counts only its credited tokens — a liked piece whose
 * tokens all look like the disliked ones' (a full frame is as common there) adds nothing, so
 * the pair's margin is not won by raising hundreds of tokens the rater does not hear while the
 * one that made the difference stays put. A pair with nothing credited on either side takes
 * both pieces whole, as a sequence-level pair.
 */
export function pairMasks(chosen: Float32Array, rejected: Float32Array): [Float32Array, Float32Array] {
  if (counts(chosen) || counts(rejected)) return [chosen, rejected];
  return [new Float32Array(chosen.length).fill(1), new Float32Array(rejected.length).fill(1)];
}
