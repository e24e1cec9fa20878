/** Choosing a fine-tune's epoch on the taste and the held-out NLL together. */
import { describe, expect, it } from 'vitest';
import { type CandidateMeasure, preferenceGain, selectCandidate, selectionScore } from '../../src/feedback/candidate-selection.js';

const settings = { referenceNll: 1, maxRegression: 0.05, nllWeight: 10 };

function candidate(epoch: number, validationNll: number, preference: number): CandidateMeasure {
  return { epoch, validationNll, likedGain: preference, dislikedGain: 0, preference };
}

describe('candidate selection', () => {
  it('prefers the epoch that moved furthest towards the taste while the NLL cost is worth it', () => {
    // Epoch 1 has the lowest NLL (the old rule's pick); epoch 3 gained 0.2 nats of preference for 0.01 of NLL.
    const epochs = [candidate(1, 1.01, 0.05), candidate(2, 1.015, 0.12), candidate(3, 1.02, 0.2), candidate(4, 1.04, 0.25)];
    const mix = selectCandidate(epochs, settings);
    expect(mix.index).toBe(2);
    expect(mix.reason).toMatch(/epoch 3 of 4/);
    expect(selectCandidate(epochs, settings, 'nll').index).toBe(0);
    // A heavier NLL weight moves the choice back towards the cheap epochs.
    expect(selectCandidate(epochs, { ...settings, nllWeight: 100 }).index).toBe(0);
  });

  it('never picks an epoch the guardrail would reject when another fits the budget', () => {
    const epochs = [candidate(1, 1.03, 0.1), candidate(2, 1.06, 5)];
    expect(selectionScore(epochs[1]!, settings)).toBe(Number.NEGATIVE_INFINITY);
    expect(selectCandidate(epochs, settings).index).toBe(0);
  });

  it('keeps the lowest-NLL epoch when none fits (the guardrail then rejects it, with its reason)', () => {
    const epochs = [candidate(1, 1.08, 0.3), candidate(2, 1.07, 0.1), candidate(3, Number.NaN, 1)];
    const selection = selectCandidate(epochs, settings);
    expect(selection.index).toBe(1);
    expect(selection.reason).toMatch(/no epoch within the NLL budget/);
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
