/**
 * The report's structure numbers (issue #13): bar repetition of generated vs held-out music per
 * (model, style), and the degenerate generated pieces. The per-piece measures are in
 * src/music/repetition.ts and src/music/degenerate.ts; this module only sums them up.
 */
import { DEGENERATE_RULES, type DegenerateReason, type DegenerateRule } from '../music/degenerate.js';
import type { Repetition } from '../music/repetition.js';
import type { Style } from '../music/styles.js';
import { summarize, type Summary } from './mgeval.js';

/** Generated repetition may differ from held-out by this share of it (issue #13: "within 20 %"). */
export const REPETITION_TOLERANCE = 0.2;

/** Repetition over a set of pieces: mean ± sd of each per-piece measure. */
export interface RepetitionSet {
  /** Pieces in the set. */
  pieces: number;
  /** Pieces with at least two non-empty bars (the others have no repetition to measure). */
  measured: number;
  score: Summary;
  exactShare: Summary;
  transposedScore: Summary;
}

export interface RepetitionRow {
  model: string;
  style: Style;
  generated: RepetitionSet;
  held_out: RepetitionSet;
  /** Mean generated score / mean held-out score. */
  ratio: number;
  /** |ratio − 1| ≤ REPETITION_TOLERANCE. */
  within: boolean;
}

export function repetitionSet(values: ReadonlyArray<Repetition | undefined>): RepetitionSet {
  const measured = values.filter((v): v is Repetition => v !== undefined);
  return {
    pieces: values.length,
    measured: measured.length,
    score: summarize(measured.map((r) => r.score)),
    exactShare: summarize(measured.map((r) => r.exactShare)),
    transposedScore: summarize(measured.map((r) => r.transposedScore)),
  };
}

export function repetitionRow(model: string, style: Style, generated: RepetitionSet, heldOut: RepetitionSet): RepetitionRow {
  const ratio = generated.score.mean / heldOut.score.mean;
  return { model, style, generated, held_out: heldOut, ratio, within: Math.abs(ratio - 1) <= REPETITION_TOLERANCE };
}

/**
 * Repetition of pieces composed in a form (`compose --form`, docs/form.md) beside the free pieces
 * of the same model and style and the held-out music: is the form's repetition nearer held-out?
 */
export interface FormRepetitionRow {
  model: string;
  style: Style;
  /** The form the pieces were composed in, e.g. "AABA". */
  form: string;
  free: RepetitionSet;
  formed: RepetitionSet;
  held_out: RepetitionSet;
  /** |mean free score − mean held-out score|. */
  freeGap: number;
  /** |mean form score − mean held-out score|. */
  formGap: number;
  /** The form pieces' mean is nearer held-out than the free pieces'. */
  closer: boolean;
}

export function formRepetitionRow(
  model: string,
  style: Style,
  form: string,
  free: RepetitionSet,
  formed: RepetitionSet,
  heldOut: RepetitionSet,
): FormRepetitionRow {
  const freeGap = Math.abs(free.score.mean - heldOut.score.mean);
  const formGap = Math.abs(formed.score.mean - heldOut.score.mean);
  return { model, style, form, free, formed, held_out: heldOut, freeGap, formGap, closer: formGap < freeGap };
}

/** One generated piece that broke a rule, by its sampling seed. */
export interface DegeneratePiece {
  seed: number;
  reasons: DegenerateReason[];
}

export type RuleCounts = Record<DegenerateRule, number>;

export interface DegenerateRow {
  model: string;
  style: Style;
  /** Generated pieces checked. */
  pieces: number;
  /** Pieces with at least one reason. */
  count: number;
  /** Pieces per rule (a piece can break several). */
  reasons: RuleCounts;
  flagged: DegeneratePiece[];
  /** The same rules over the held-out excerpts: how often real music trips them. */
  heldOut: HeldOutCheck;
}

/**
 * Held-out excerpts checked with the generated pieces' track request, but the silence rule over
 * each excerpt's own length (a short piece's only excerpt is shorter than the generation).
 */
export interface HeldOutCheck {
  pieces: number;
  count: number;
  reasons: RuleCounts;
}

export interface DegenerateTotal {
  count: number;
  pieces: number;
  reasons: RuleCounts;
  rows: DegenerateRow[];
}

function countRules(pieces: ReadonlyArray<{ reasons: readonly DegenerateReason[] }>): RuleCounts {
  const counts = Object.fromEntries(DEGENERATE_RULES.map((rule) => [rule, 0])) as RuleCounts;
  for (const piece of pieces) for (const rule of new Set(piece.reasons.map((r) => r.rule))) counts[rule] += 1;
  return counts;
}

export function heldOutCheck(excerpts: ReadonlyArray<readonly DegenerateReason[]>): HeldOutCheck {
  const flagged = excerpts.filter((reasons) => reasons.length > 0).map((reasons) => ({ reasons }));
  return { pieces: excerpts.length, count: flagged.length, reasons: countRules(flagged) };
}

export function degenerateRow(model: string, style: Style, checked: readonly DegeneratePiece[], heldOut: HeldOutCheck): DegenerateRow {
  const flagged = checked.filter((p) => p.reasons.length > 0);
  return { model, style, pieces: checked.length, count: flagged.length, reasons: countRules(flagged), flagged, heldOut };
}

export function degenerateTotal(rows: readonly DegenerateRow[]): DegenerateTotal {
  const reasons = countRules(rows.flatMap((r) => r.flagged));
  return {
    count: rows.reduce((sum, r) => sum + r.count, 0),
    pieces: rows.reduce((sum, r) => sum + r.pieces, 0),
    reasons,
    rows: [...rows],
  };
}
