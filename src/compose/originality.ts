/**
 * The originality check where compose runs (the CLI's process, the bot's compose worker): the
 * composed piece against the index beside its model (docs/originality.md). A piece sharing
 * `COPY_LIMIT_BARS` or more with a training piece is composed again with another sampling seed,
 * up to `MAX_ORIGINALITY_ATTEMPTS` takes in all, unless copies are allowed; the least-copying take
 * is kept and the result says what happened.
 */
import { loadOriginalityIndex, type LoadedOriginality } from '../model/originality-file.js';
import { COPY_LIMIT_BARS, roundBars, type OriginalityQuery } from '../music/originality.js';
import type { Piece } from '../music/piece.js';
import { MAX_SAMPLING_SEED } from './options.js';

/** Takes in all, the first included, before compose keeps the least-copying one. */
export const MAX_ORIGINALITY_ATTEMPTS = 4;

/** Finds the index of a model (tests inject one). */
export type OriginalityLookup = (model: string) => Promise<LoadedOriginality>;

export interface OriginalityOutcome {
  /** Longest phrase shared with a training piece, in bars (one decimal); null when the model has no index. */
  readonly longestCopiedBars: number | null;
  /** The training piece it is shared with (its data-set id); null when nothing is shared or unknown. */
  readonly copiedFrom: string | null;
  /** Takes composed (1 = the first was kept as it came). */
  readonly attempts: number;
  /** What happened, in words: re-sampled, kept despite a copy, or why originality is unknown. */
  readonly note: string | null;
}

interface Take {
  readonly piece: Piece;
  readonly samplingSeed: number;
  readonly bars: number;
  readonly copiedFrom: string | null;
}

/** The sampling seed of take `attempt` (1-based): the first is the asked one, the others follow from it. */
export function resampledSeed(samplingSeed: number, attempt: number): number {
  return attempt === 1 ? samplingSeed : (samplingSeed + (attempt - 1) * 0x9e3779b1) % (MAX_SAMPLING_SEED + 1);
}

const barsText = (bars: number): string => `${bars} bar${bars === 1 ? '' : 's'}`;

/**
 * Composes with `compose(samplingSeed)` and checks each take; returns the take kept, its sampling
 * seed (the one that makes it again) and the outcome.
 */
export async function composeOriginal(args: {
  readonly model: string;
  readonly samplingSeed: number;
  readonly allowCopies: boolean;
  readonly query: OriginalityQuery;
  readonly compose: (samplingSeed: number) => Promise<Piece>;
  readonly lookup?: OriginalityLookup;
  /** Told before each take after the first. */
  readonly onResample?: (attempt: number, copiedBars: number) => void;
}): Promise<{ piece: Piece; samplingSeed: number; outcome: OriginalityOutcome }> {
  const first = await args.compose(args.samplingSeed);
  const loaded = await (args.lookup ?? loadOriginalityIndex)(args.model);
  if (loaded.index === null) {
    return { piece: first, samplingSeed: args.samplingSeed, outcome: { longestCopiedBars: null, copiedFrom: null, attempts: 1, note: loaded.note } };
  }
  const index = loaded.index;
  const check = (piece: Piece, samplingSeed: number): Take => {
    const copy = index.longestCopy(piece, args.query);
    const bars = roundBars(copy?.bars ?? 0);
    return { piece, samplingSeed, bars, copiedFrom: bars > 0 ? (copy?.piece.id ?? null) : null };
  };
  const firstTake = check(first, args.samplingSeed);
  let best = firstTake;
  let attempts = 1;
  while (!args.allowCopies && best.bars >= COPY_LIMIT_BARS && attempts < MAX_ORIGINALITY_ATTEMPTS) {
    attempts++;
    args.onResample?.(attempts, best.bars);
    const seed = resampledSeed(args.samplingSeed, attempts);
    const take = check(await args.compose(seed), seed);
    if (take.bars < best.bars) best = take;
  }
  const note =
    best.bars >= COPY_LIMIT_BARS
      ? args.allowCopies
        ? `shares ${barsText(best.bars)} with ${best.copiedFrom ?? 'a training piece'} (copies allowed)`
        : `still shares ${barsText(best.bars)} with ${best.copiedFrom ?? 'a training piece'} after ${attempts} takes: the least-copying one is kept`
      : attempts > 1
        ? `composed again ${attempts - 1} time${attempts === 2 ? '' : 's'}: the first take shared ${barsText(firstTake.bars)} with ${firstTake.copiedFrom ?? 'a training piece'}`
        : null;
  return { piece: best.piece, samplingSeed: best.samplingSeed, outcome: { longestCopiedBars: best.bars, copiedFrom: best.copiedFrom, attempts, note } };
}
