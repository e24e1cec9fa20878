/**
 * How much of a piece repeats or varies its earlier bars (issue #13, "structure you can
 * measure"). Pure: a Piece in, plain numbers out.
 *
 * Definition, bar by bar:
 *
 * 1. A bar is the set of (onset step within the bar, pitch) of the pitched notes (drums left
 *    out) whose onset falls in it, all tracks together; a note doubled by two tracks counts
 *    once. Onsets are put on the grid of `stepsPerQuarter` steps (default 16ths) by the
 *    quantiser's rounding, so the measure needs no prior quantisation. What a note does after
 *    its onset (its length, a tie into the next bar) is not part of the bar.
 * 2. The similarity of two bars is the Jaccard index |A ∩ B| / |A ∪ B| of their sets, in [0, 1]:
 *    1 for the same notes on the same steps, 0 for nothing in common.
 * 3. Empty bars (rests) take no part, as neither a bar nor a match: silence repeating silence is
 *    no structure, and long silences are a degenerate-sample rule of their own (degenerate.ts).
 * 4. Each non-empty bar after the first non-empty one gets its best similarity against every
 *    earlier non-empty bar; the piece's `score` is the mean of those best matches, and
 *    `exactShare` the share of them that are 1 (a literal repeat of an earlier bar).
 * 5. `transposedScore` is the same with each earlier bar also moved by −12…+12 semitones and the
 *    best shift kept: a sequence (a figure repeated a step higher) counts as a repeat there.
 *
 * A piece with fewer than two non-empty bars has nothing to compare: `undefined`.
 *
 *     barRepetition(themeTwiceOver)  // { score: 1, exactShare: 1, transposedScore: 1, bars: 4, compared: 3 }
 */
import { barCount, barStartBeats, type Piece } from './piece.js';
import { DEFAULT_STEPS_PER_QUARTER, toStep } from './quantize.js';

export interface RepetitionOptions {
  /** Grid of the onsets within a bar (default 4 = 16ths). */
  stepsPerQuarter?: number;
}

export interface Repetition {
  /** Mean best Jaccard similarity of each bar to an earlier bar, 0..1. */
  readonly score: number;
  /** Share of the compared bars that repeat an earlier bar exactly, 0..1. */
  readonly exactShare: number;
  /** As `score`, with earlier bars also transposed by up to an octave either way. */
  readonly transposedScore: number;
  /** Non-empty bars. */
  readonly bars: number;
  /** Bars that got a best match (non-empty bars after the first one). */
  readonly compared: number;
}

/** Max semitones an earlier bar is moved for `transposedScore`. */
export const MAX_TRANSPOSITION = 12;

/** A bar's notes as (step, pitch) pairs, step-major. */
export type BarNotes = ReadonlyArray<readonly [step: number, pitch: number]>;

// Pitches are 0..127 and shifts ±12: a key with room for both, and unique per (step, pitch).
const PITCH_SPAN = 256;
const key = (step: number, pitch: number): number => step * PITCH_SPAN + pitch + MAX_TRANSPOSITION;

/** Each bar's (onset step, pitch) set, one entry per bar the notes reach into (empty bars included). */
export function barNoteSets(piece: Piece, options: RepetitionOptions = {}): BarNotes[] {
  const spq = options.stepsPerQuarter ?? DEFAULT_STEPS_PER_QUARTER;
  const total = barCount(piece);
  const starts = Array.from({ length: total + 1 }, (_, i) => barStartBeats(piece, i));
  const sets = Array.from({ length: total }, () => new Map<number, readonly [number, number]>());
  for (const track of piece.tracks) {
    if (track.isDrum) continue;
    for (const note of track.notes) {
      // The last bar whose start is at or before the onset (bars are few: a linear scan is fine).
      let bar = 0;
      while (bar + 1 < total && (starts[bar + 1] as number) <= note.start + 1e-9) bar++;
      const step = toStep(note.start - (starts[bar] as number), spq);
      sets[bar]?.set(key(step, note.pitch), [step, note.pitch]);
    }
  }
  return sets.map((set) => [...set.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
}

/** Jaccard index of two bars, the second moved by `shift` semitones (1 for two empty bars). */
export function barSimilarity(a: BarNotes, b: BarNotes, shift = 0): number {
  if (a.length === 0 && b.length === 0) return 1;
  const keys = new Set(a.map(([step, pitch]) => key(step, pitch)));
  let shared = 0;
  for (const [step, pitch] of b) if (keys.has(key(step, pitch + shift))) shared++;
  return shared / (a.length + b.length - shared);
}

function bestMatch(bar: BarNotes, earlier: readonly BarNotes[], transpose: boolean): number {
  let best = 0;
  for (const other of earlier) {
    for (let shift = transpose ? -MAX_TRANSPOSITION : 0; shift <= (transpose ? MAX_TRANSPOSITION : 0); shift++) {
      best = Math.max(best, barSimilarity(bar, other, shift));
      if (best === 1) return 1;
    }
  }
  return best;
}

/** The piece's repetition (see the module comment), or undefined with fewer than two non-empty bars. */
export function barRepetition(piece: Piece, options: RepetitionOptions = {}): Repetition | undefined {
  const bars = barNoteSets(piece, options).filter((bar) => bar.length > 0);
  if (bars.length < 2) return undefined;
  let score = 0;
  let exact = 0;
  let transposed = 0;
  for (let i = 1; i < bars.length; i++) {
    const bar = bars[i] as BarNotes;
    const earlier = bars.slice(0, i);
    const best = bestMatch(bar, earlier, false);
    score += best;
    if (best === 1) exact++;
    transposed += best === 1 ? 1 : bestMatch(bar, earlier, true);
  }
  const compared = bars.length - 1;
  return { score: score / compared, exactShare: exact / compared, transposedScore: transposed / compared, bars: bars.length, compared };
}
