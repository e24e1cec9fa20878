/** Choosing a fine-tune's epoch on the taste and the held-out NLL together. */
import { describe, expect, it } from 'vitest';
import { checkpointSteps, trainingSteps } from '../../src/feedback/fine-tune.js';
import { type CandidateMeasure, nllCap, preferenceGain, selectCandidate, selectionScore } from '../../src/feedback/candidate-selection.js';

const settings = { referenceNll: 1, maxRegression: 0.05, nllWeight: 10 };

function candidate(step: number, validationNll: number, preference: number): CandidateMeasure {
  return { step, validationNll, likedGain: preference, dislikedGain: 0, preference };
}

describe('candidate selection', () => {
  it('prefers the checkpoint that moved furthest towards the taste while the NLL cost is worth it', () => {
    // Step 1 has the lowest NLL (the old rule's pick); step 3 gained 0.2 nats of preference for 0.01 of NLL.
    const epochs = [candidate(1, 1.01, 0.05), candidate(2, 1.015, 0.12), candidate(3, 1.02, 0.2), candidate(4, 1.04, 0.25)];
    const mix = selectCandidate(epochs, settings);
    expect(mix.index).toBe(2);
    expect(mix.reason).toMatch(/step 3 \(candidate 3 of 4\)/);
    expect(selectCandidate(epochs, settings, 'nll').index).toBe(0);
    // A heavier NLL weight moves the choice back towards the cheap checkpoints.
    expect(selectCandidate(epochs, { ...settings, nllWeight: 100 }).index).toBe(0);
  });

  it('never picks a checkpoint the guardrail would reject when another fits the budget', () => {
    const epochs = [candidate(1, 1.03, 0.1), candidate(2, 1.06, 5)];
    expect(selectionScore(epochs[1]!, settings)).toBe(Number.NEGATIVE_INFINITY);
    expect(selectCandidate(epochs, settings).index).toBe(0);
  });

  it('paces the budget: a round spends at most its share of what the parent left', () => {
    // Root 1.00, limit 1.05; the parent is at 1.02, so half the remaining room caps this round at 1.035.
    const paced = { ...settings, parentNll: 1.02, budgetShare: 0.5, nllWeight: 0 };
    expect(nllCap(paced)).toBeCloseTo(1.035, 12);
    expect(nllCap({ ...paced, parentNll: undefined })).toBeCloseTo(1.025, 12);
    const epochs = [candidate(1, 1.03, 0.1), candidate(2, 1.04, 0.3)];
    expect(selectCandidate(epochs, paced).index).toBe(0);
    expect(selectCandidate(epochs, { ...paced, budgetShare: 1 }).index).toBe(1);
  });

  it('keeps the lowest-NLL checkpoint when none fits (the guardrail then rejects it, with its reason)', () => {
    const epochs = [candidate(1, 1.08, 0.3), candidate(2, 1.07, 0.1), candidate(3, Number.NaN, 1)];
    const selection = selectCandidate(epochs, settings);
    expect(selection.index).toBe(1);
    expect(selection.reason).toMatch(/no candidate within the NLL cap/);
  });

  it('measures the preference as the liked pieces’ per-token gain minus the disliked ones’', () => {
    const gain = preferenceGain({ liked: [-1, -2], disliked: [-3, -5] }, { liked: [-1.5, -2.5], disliked: [-2.5, -4.5] });
    expect(gain.likedGain).toBeCloseTo(0.5, 12);
    expect(gain.dislikedGain).toBeCloseTo(-0.5, 12);
    expect(gain.preference).toBeCloseTo(1, 12);
    // Nothing disliked: the liked gain alone.
    expect(preferenceGain({ liked: [-1], disliked: [] }, { liked: [-1.25], disliked: [] }).preference).toBeCloseTo(0.25, 12);
  });
});

describe('training schedule', () => {
  it('takes `epochs` passes, at most maxSteps, and measures evenly spaced checkpoints ending with the last step', () => {
    expect(trainingSteps({ epochs: 4, maxSteps: 24 }, 3)).toBe(12);
    expect(trainingSteps({ epochs: 4, maxSteps: 24 }, 30)).toBe(24);
    expect([...checkpointSteps(12, 6)]).toEqual([2, 4, 6, 8, 10, 12]);
    expect([...checkpointSteps(10, 4)]).toEqual([3, 5, 8, 10]);
    expect([...checkpointSteps(2, 6)]).toEqual([1, 2]);
  });

  it('with early spacing measures at 1/16 and 1/8 of the round, then evenly', () => {
    expect([...checkpointSteps(80, 6, 'early')]).toEqual([5, 10, 20, 40, 60, 80]);
    // Rounding merges nothing away: still `count` distinct steps, the last one included.
    expect([...checkpointSteps(12, 6, 'early')]).toEqual([1, 2, 3, 6, 9, 12]);
    expect([...checkpointSteps(3, 6, 'early')]).toEqual([1, 2, 3]);
    expect([...checkpointSteps(4, 4, 'early')]).toEqual([1, 2, 3, 4]);
  });
});
