/**
 * Issue #13's targets, checked against the report's numbers: per (model, style) every mgeval
 * overlap at or above the style's goal, folk pitch-class entropy within 0.1 bit of held-out,
 * bar repetition within 20 % of held-out, no degenerate generated piece, and the bundled models'
 * held-out frame NLL goals. Pure.
 */
import type { Style } from '../music/styles.js';
import type { OverlapSection } from './overlap-section.js';
import { REPETITION_TOLERANCE, type DegenerateRow, type RepetitionRow } from './structure.js';

/** Overlap goal per style: game soundtracks are more varied than chorales and folk tunes. */
export const OVERLAP_GOALS: Readonly<Record<Style, number>> = { classical: 0.85, folk: 0.85, game: 0.75 };

/** Largest |generated − held-out| mean pitch-class entropy in bits, where the issue sets one. */
export const ENTROPY_GAP_GOALS: Readonly<Partial<Record<Style, number>>> = { folk: 0.1 };

/** Frame NLL goals (nats per quarter-note frame) per bundled model and held-out data set. */
export const FRAME_NLL_GOALS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'jsb-bench': { 'jsb-frames': 5.0 },
  'rhythmix-base': { jsb: 8.0, nottingham: 4.6, game: 55 },
};

export type TargetName = 'overlap' | 'pitch-class entropy' | 'repetition' | 'degenerate' | 'frame NLL';

export interface TargetRow {
  model: string;
  style: Style;
  target: TargetName;
  /** The goal in words, e.g. "every overlap ≥ 0.85". */
  goal: string;
  /** The number the verdict is on: lowest overlap, entropy gap (bits), repetition ratio, degenerate count. */
  value: number;
  /** The measurement in words. */
  measured: string;
  /** null where the issue sets no target for the style (shown for information). */
  met: boolean | null;
}

export interface TargetInputs {
  overlaps: readonly OverlapSection[];
  /** Held-out likelihood per model and style (data is the data-set spec it was read as). */
  likelihood?: ReadonlyArray<{ model: string; style: Style; data: string; frameNll: number }>;
  repetition: readonly RepetitionRow[];
  degenerate: { rows: readonly DegenerateRow[] };
}

const f = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '—');

function overlapTarget(section: OverlapSection): TargetRow {
  const goal = OVERLAP_GOALS[section.style];
  // A feature without a comparison (NaN) counts as not met and as the lowest.
  const lowest = section.features.reduce((a, b) => (Number.isNaN(b.overlap) || b.overlap < a.overlap ? b : a));
  const met = section.features.filter((r) => r.overlap >= goal).length;
  return {
    model: section.model,
    style: section.style,
    target: 'overlap',
    goal: `every overlap ≥ ${goal}`,
    value: lowest.overlap,
    measured: `${met} of ${section.features.length} met; lowest ${lowest.feature} ${f(lowest.overlap, 3)}`,
    met: met === section.features.length,
  };
}

function entropyTarget(section: OverlapSection): TargetRow | undefined {
  const row = section.features.find((r) => r.feature === 'pitch_class_histogram');
  if (row === undefined) return undefined;
  const gap = row.generatedValue.mean - row.referenceValue.mean;
  const goal = ENTROPY_GAP_GOALS[section.style];
  return {
    model: section.model,
    style: section.style,
    target: 'pitch-class entropy',
    goal: goal === undefined ? 'no target (shown for information)' : `within ${goal} bit of held-out`,
    value: gap,
    measured: `${f(row.generatedValue.mean, 2)} vs ${f(row.referenceValue.mean, 2)} bits (${gap >= 0 ? '+' : ''}${f(gap, 2)})`,
    met: goal === undefined ? null : Math.abs(gap) <= goal,
  };
}

function repetitionTarget(row: RepetitionRow): TargetRow {
  return {
    model: row.model,
    style: row.style,
    target: 'repetition',
    goal: `within ${Math.round(REPETITION_TOLERANCE * 100)} % of held-out`,
    value: row.ratio,
    measured: `${f(row.generated.score.mean, 3)} vs ${f(row.held_out.score.mean, 3)} (ratio ${f(row.ratio, 2)})`,
    met: row.within,
  };
}

function degenerateTarget(row: DegenerateRow): TargetRow {
  return {
    model: row.model,
    style: row.style,
    target: 'degenerate',
    goal: 'no degenerate piece',
    value: row.count,
    measured: `${row.count} of ${row.pieces}`,
    met: row.count === 0,
  };
}

/** Every target row, grouped by (model, style) in the order of the overlap sections. */
export function issueTargets(inputs: TargetInputs): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const section of inputs.overlaps) {
    const same = (r: { model: string; style: Style }): boolean => r.model === section.model && r.style === section.style;
    rows.push(overlapTarget(section));
    const entropy = entropyTarget(section);
    if (entropy !== undefined) rows.push(entropy);
    const repetition = inputs.repetition.find(same);
    if (repetition !== undefined) rows.push(repetitionTarget(repetition));
    const degenerate = inputs.degenerate.rows.find(same);
    if (degenerate !== undefined) rows.push(degenerateTarget(degenerate));
  }
  for (const row of inputs.likelihood ?? []) {
    const goal = FRAME_NLL_GOALS[row.model]?.[row.data];
    if (goal === undefined) continue;
    rows.push({
      model: row.model,
      style: row.style,
      target: 'frame NLL',
      goal: `${row.data} frame NLL ≤ ${goal}`,
      value: row.frameNll,
      measured: `${f(row.frameNll, 3)} nats per frame`,
      met: row.frameNll <= goal,
    });
  }
  return rows;
}
