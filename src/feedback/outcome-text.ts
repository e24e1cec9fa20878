/** What an accepted retrain changed, in words and measured figures (the announcement, /retrain's reply). */
import { formatShare } from './liked-share.js';
import type { RetrainOutcome } from './retrain.js';

const percent = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

export function changeSummary(outcome: RetrainOutcome): string {
  const parts: string[] = [];
  if (outcome.candidateNll !== null && outcome.parentNll !== null) {
    const vsBase = outcome.referenceNll !== null ? `; ${percent(outcome.candidateNll / outcome.referenceNll - 1)} vs the base, at most +5 % allowed` : '';
    parts.push(
      `held-out NLL ${outcome.parentNll.toFixed(3)} → ${outcome.candidateNll.toFixed(3)} (${percent(outcome.candidateNll / outcome.parentNll - 1)}${vsBase})`,
    );
  }
  parts.push(
    outcome.parentLiked
      ? `pieces liked before: ${formatShare(outcome.parentLiked)} of ${outcome.parent}; after: /model shows this version's share as you rate`
      : `this version's liked share shows in /model as you rate`,
  );
  return `What changed: ${parts.join('; ')}.`;
}
