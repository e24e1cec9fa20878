/**
 * Sample statistics for the guardrail (and the simulated rater's taste): simple,
 * interpretable features of a token stream — note density, register, pitch span, pitch-class
 * variety. A candidate passes when the median of each over its samples lies inside the range
 * the original held-out data spans (5th–95th percentile, widened by a quarter of its width), and
 * few samples come out empty.
 */
import { pieceLengthBeats, type Piece } from '../music/piece.js';
import { decodeTokens } from '../music/tokens.js';
import type { Vocabulary } from '../music/vocabulary.js';

export const STAT_NAMES = ['notesPerQuarter', 'meanPitch', 'pitchSpan', 'pitchClasses'] as const;
export type StatName = (typeof STAT_NAMES)[number];
export type SampleStats = Record<StatName, number>;

export interface StatRange {
  min: number;
  max: number;
}
export type StatRanges = Record<StatName, StatRange>;

export interface StatsCheck {
  ok: boolean;
  /** Median of each statistic over the samples. */
  medians: SampleStats;
  emptyFraction: number;
  /** One line per statistic out of range (empty when ok). */
  problems: string[];
}

/** Tolerance beyond the data's 5–95 % band, as a share of its width. */
export const RANGE_MARGIN = 0.25;

/** Most samples allowed without a single note. */
export const MAX_EMPTY_FRACTION = 0.2;

export function pieceStats(piece: Piece): SampleStats | null {
  const notes = piece.tracks.filter((t) => !t.isDrum).flatMap((t) => t.notes);
  if (notes.length === 0) return null;
  const beats = Math.max(1, pieceLengthBeats(piece));
  let sum = 0;
  let lo = 127;
  let hi = 0;
  const classes = new Set<number>();
  for (const note of notes) {
    sum += note.pitch;
    lo = Math.min(lo, note.pitch);
    hi = Math.max(hi, note.pitch);
    classes.add(note.pitch % 12);
  }
  return { notesPerQuarter: notes.length / beats, meanPitch: sum / notes.length, pitchSpan: hi - lo, pitchClasses: classes.size };
}

/** Statistics of a token stream (decoded leniently: a cut-off stream still counts); null when it has no pitched note. */
export function tokenStats(tokens: ArrayLike<number>, options: { vocabulary: Vocabulary; stepsPerQuarter: number }): SampleStats | null {
  try {
    return pieceStats(decodeTokens(tokens, { vocabulary: options.vocabulary, stepsPerQuarter: options.stepsPerQuarter, mode: 'repair' }));
  } catch {
    return null;
  }
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** The 5th–95th percentile of each statistic over the original data's pieces. */
export function statRanges(stats: readonly SampleStats[], low = 0.05, high = 0.95): StatRanges {
  const ranges = {} as StatRanges;
  for (const name of STAT_NAMES) {
    const values = stats.map((s) => s[name]);
    ranges[name] = { min: quantile(values, low), max: quantile(values, high) };
  }
  return ranges;
}

/** How far `value` lies outside `range` (0 inside). */
export function distanceOutside(value: number, range: StatRange): number {
  return value < range.min ? range.min - value : value > range.max ? value - range.max : 0;
}

/**
 * A statistic passes when the samples' median lies inside the data's range — or, when the
 * reference model itself already lies outside, when the candidate is no further out than the
 * reference plus a tenth of the range's width (the guardrail guards against getting worse).
 */
export function checkStats(samples: ReadonlyArray<SampleStats | null>, ranges: StatRanges, reference?: StatsCheck): StatsCheck {
  const present = samples.filter((s): s is SampleStats => s !== null);
  const emptyFraction = samples.length === 0 ? 1 : 1 - present.length / samples.length;
  const medians = {} as SampleStats;
  const problems: string[] = [];
  for (const name of STAT_NAMES) {
    const median = quantile(
      present.map((s) => s[name]),
      0.5,
    );
    medians[name] = median;
    const range = ranges[name];
    // A quarter of the range's width either side: the 5–95 % band of a small held-out set is itself uncertain.
    const margin = RANGE_MARGIN * (range.max - range.min);
    const allowed = reference ? distanceOutside(reference.medians[name], range) : 0;
    const slack = allowed > margin ? allowed + margin : margin;
    if (!(distanceOutside(median, range) <= slack)) {
      problems.push(
        `${name} median ${round(median)} outside the data's ${round(range.min)}–${round(range.max)}${allowed > 0 ? ` (reference model: ${round(reference!.medians[name])})` : ''}`,
      );
    }
  }
  const maxEmpty = Math.max(MAX_EMPTY_FRACTION, reference ? reference.emptyFraction + 0.1 : 0);
  if (emptyFraction > maxEmpty) problems.push(`${Math.round(emptyFraction * 100)} % of samples have no notes (at most ${Math.round(maxEmpty * 100)} %)`);
  return { ok: problems.length === 0, medians, emptyFraction, problems };
}

const round = (x: number): number => Math.round(x * 100) / 100;
