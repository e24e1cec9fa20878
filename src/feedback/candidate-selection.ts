/**
 * Which of a fine-tune's measured checkpoints becomes the candidate. Picking the lowest held-out NLL (what the
 * trainer does) favours the epoch that moved least towards the raters' taste; here each checkpoint is
 * measured on both sides — the held-out NLL of the original data, and how much likelier the
 * liked pieces became than the disliked ones (per token, against the parent) — and the choice
 * maximises
 *
 *   preference − nllWeight · (validationNll − referenceNll)
 *
 * among the epochs within this round's NLL cap. The cap paces the guardrail's budget (NLL at most
 * `maxRegression` above the reference, the lineage's root): a round may spend `budgetShare` of what
 * the parent left, so one round cannot use up the room every later round needs to keep learning.
 * If no epoch is within the cap, the one with the lowest NLL is kept (the guardrail still judges it).
 */
import type { LanguageModel } from '../model/language-model.js';
import { sequenceLogProbs } from './preference.js';

export interface CandidateMeasure {
  /** Optimizer steps the weights are from. */
  step: number;
  validationNll: number;
  /** Mean over liked pieces of (log p − parent's log p) per token. */
  likedGain: number;
  /** The same over disliked pieces (negative = they became less likely). */
  dislikedGain: number;
  /** likedGain − dislikedGain (likedGain alone when nothing was disliked). */
  preference: number;
}

export interface SelectionSettings {
  /** The guardrail's reference NLL (the lineage's root model). */
  referenceNll: number;
  maxRegression: number;
  /** Nats of preference one nat of held-out NLL is worth. */
  nllWeight: number;
  /** The parent's held-out NLL (the budget it left); default: the reference's (a root parent). */
  parentNll?: number;
  /** Share of the parent's remaining budget one round may spend (1 = all of it). */
  budgetShare?: number;
}

/** The highest held-out NLL this round's candidate may have. */
export function nllCap(settings: SelectionSettings): number {
  const ceiling = settings.referenceNll * (1 + settings.maxRegression);
  const parent = Math.min(ceiling, Math.max(settings.referenceNll, settings.parentNll ?? settings.referenceNll));
  return parent + (settings.budgetShare ?? 1) * (ceiling - parent);
}

export interface Selection {
  index: number;
  /** Each candidate's mix (−Infinity: over the NLL budget). */
  scores: number[];
  /** Why this one, in one line (for the card). */
  reason: string;
}

export function selectionScore(candidate: CandidateMeasure, settings: SelectionSettings): number {
  if (!Number.isFinite(candidate.validationNll) || candidate.validationNll > nllCap(settings) + 1e-12) return Number.NEGATIVE_INFINITY;
  return candidate.preference - settings.nllWeight * (candidate.validationNll - settings.referenceNll);
}

/** `rule` `nll` is the trainer's rule (the lowest held-out NLL), kept for comparison. */
export function selectCandidate(candidates: readonly CandidateMeasure[], settings: SelectionSettings, rule: 'mix' | 'nll' = 'mix'): Selection {
  if (candidates.length === 0) throw new Error('no candidate to select from');
  const scores = candidates.map((c) => (rule === 'mix' ? selectionScore(c, settings) : -c.validationNll));
  let index = -1;
  scores.forEach((score, i) => {
    if (score > Number.NEGATIVE_INFINITY && (index < 0 || score > scores[index]!)) index = i;
  });
  if (index >= 0) {
    const c = candidates[index]!;
    return {
      index,
      scores,
      reason: `step ${c.step} (candidate ${index + 1} of ${candidates.length}): preference ${c.preference.toFixed(4)} nats/token, validation NLL ${c.validationNll.toFixed(4)} (${rule === 'mix' ? 'best mix within the NLL cap' : 'lowest NLL'})`,
    };
  }
  index = candidates.reduce((best, c, i) => (c.validationNll < candidates[best]!.validationNll ? i : best), 0);
  return { index, scores, reason: `step ${candidates[index]!.step}: no candidate within the NLL cap, the lowest NLL kept` };
}

/** Per-token log p of each sequence. */
export function perTokenLogProbs(net: LanguageModel, sequences: ReadonlyArray<ArrayLike<number>>): Float64Array {
  const sums = sequenceLogProbs(net, sequences);
  return sums.map((s, i) => s / Math.max(1, sequences[i]!.length - 1));
}

const mean = (values: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length > 0 ? sum / values.length : 0;
};

/** The preference side of a candidate: liked/disliked per-token log p against the parent's. */
export function preferenceGain(
  current: { liked: ArrayLike<number>; disliked: ArrayLike<number> },
  parent: { liked: ArrayLike<number>; disliked: ArrayLike<number> },
): Pick<CandidateMeasure, 'likedGain' | 'dislikedGain' | 'preference'> {
  const diff = (a: ArrayLike<number>, b: ArrayLike<number>): number[] => Array.from({ length: a.length }, (_, i) => a[i]! - b[i]!);
  const likedGain = mean(diff(current.liked, parent.liked));
  const dislikedGain = mean(diff(current.disliked, parent.disliked));
  return { likedGain, dislikedGain, preference: likedGain - (current.disliked.length > 0 ? dislikedGain : 0) };
}
