/**
 * The report's originality measure (docs/originality.md): per (model, style), the longest phrase
 * each generated piece shares with the model's training pieces, in bars — the model's takes as
 * sampled, before compose's re-sampling — next to the same measure of held-out excerpts (unseen
 * music of the style also shares idioms with the training data). Pieces at or over the copy limit
 * are flagged with their sampling seed and the training piece.
 */
import type { LoadedOriginality } from '../model/originality-file.js';
import { COPY_LIMIT_BARS, roundBars } from '../music/originality.js';
import type { Piece } from '../music/piece.js';
import type { Style } from '../music/styles.js';

/** Where a longest copy falls: the report's histogram columns. */
export const ORIGINALITY_BUCKETS = [
  { label: '0', below: 1e-9 },
  { label: '< 1', below: 1 },
  { label: '1–2', below: 2 },
  { label: '2–4', below: COPY_LIMIT_BARS },
  { label: `≥ ${COPY_LIMIT_BARS}`, below: Infinity },
] as const;

export interface OriginalityStats {
  readonly pieces: number;
  readonly median: number;
  readonly mean: number;
  readonly max: number;
  /** Pieces per bucket of ORIGINALITY_BUCKETS, in order. */
  readonly buckets: readonly number[];
}

export interface FlaggedCopy {
  readonly seed: number;
  readonly bars: number;
  readonly copiedFrom: string;
}

export interface OriginalityRow {
  readonly model: string;
  readonly style: Style;
  /** Null when the model has no index (then `note` says why and nothing is measured). */
  readonly generated: OriginalityStats | null;
  readonly heldOut: OriginalityStats | null;
  /** Generated pieces sharing COPY_LIMIT_BARS or more. */
  readonly flagged: readonly FlaggedCopy[];
  readonly note: string | null;
}

export function originalityStats(bars: readonly number[]): OriginalityStats {
  const sorted = [...bars].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? NaN : n % 2 === 1 ? (sorted[(n - 1) / 2] as number) : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
  const buckets = ORIGINALITY_BUCKETS.map(() => 0);
  for (const value of sorted) {
    const bucket = ORIGINALITY_BUCKETS.findIndex((b) => value < b.below);
    buckets[bucket] = (buckets[bucket] ?? 0) + 1;
  }
  return {
    pieces: n,
    median: roundBars(median),
    mean: n === 0 ? NaN : sorted.reduce((s, v) => s + v, 0) / n,
    max: n === 0 ? NaN : (sorted[n - 1] as number),
    buckets,
  };
}

/** The row of one (model, style): `generated` with their sampling seeds, `heldOut` excerpts of the style. */
export function originalityRow(
  model: string,
  style: Style,
  loaded: LoadedOriginality,
  generated: ReadonlyArray<{ seed: number; piece: Piece }>,
  heldOut: readonly Piece[],
): OriginalityRow {
  if (loaded.index === null) return { model, style, generated: null, heldOut: null, flagged: [], note: loaded.note };
  const index = loaded.index;
  const flagged: FlaggedCopy[] = [];
  const bars = generated.map(({ seed, piece }) => {
    const copy = index.longestCopy(piece);
    const value = roundBars(copy?.bars ?? 0);
    if (value >= COPY_LIMIT_BARS && copy) flagged.push({ seed, bars: value, copiedFrom: copy.piece.id });
    return value;
  });
  return {
    model,
    style,
    generated: originalityStats(bars),
    heldOut: originalityStats(heldOut.map((piece) => index.longestCopiedBars(piece))),
    flagged,
    note: null,
  };
}
