/**
 * The DPO objective on the engine: its loss and derivatives, the gradient the signed target
 * weights produce (checked against finite differences of the float64 reference network), and
 * that a few steps make the chosen sequences likelier than the parent made them and the rejected ones less.
 */
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/model/config.js';
import { AdamOptimizer, DEFAULT_ADAM } from '../../src/model/adam.js';
import { RecurrentNetwork } from '../../src/model/recurrent-network.js';
import { referenceLoss } from '../../src/model/reference.js';
import { Rng } from '../../src/model/rng.js';
import { addDpoGradient, dpoTerms, sequenceBatch, sequenceLogProbs } from '../../src/feedback/preference.js';

const config: ModelConfig = { vocabSize: 9, embedding: 4, layers: [6], dropout: 0 };

function randomSequence(rng: Rng, length: number, from = 0, to = config.vocabSize): Int32Array {
  return Int32Array.from({ length }, () => from + rng.int(to - from));
}

/** log p of one sequence under the float64 reference network. */
function referenceLogProb(params: ArrayLike<number>, sequence: Int32Array): number {
  const batch = sequenceBatch([sequence]);
  return -referenceLoss(config, params, batch.inputs, batch.targets, 1, batch.T).loss;
}

describe('dpoTerms', () => {
  it('is log 2 with gradient −β/2 per pair when policy and reference agree', () => {
    const terms = dpoTerms({ chosen: [-5, -7], rejected: [-6, -4] }, { chosen: [-5, -7], rejected: [-6, -4] }, 0.5);
    expect(terms.loss).toBeCloseTo(Math.log(2), 12);
    expect(Array.from(terms.margins)).toEqual([0, 0]);
    // Mean over two pairs: each ∂/∂log π(w) = −β·σ(0)/2.
    expect(Array.from(terms.chosenGradients)).toEqual([-0.125, -0.125]);
    expect(terms.accuracy).toBe(0);
  });

  it('falls as the chosen sequence gains on the rejected one, relative to the reference', () => {
    const reference = { chosen: [-10], rejected: [-10] };
    const worse = dpoTerms({ chosen: [-11], rejected: [-9] }, reference, 1);
    const better = dpoTerms({ chosen: [-9], rejected: [-11] }, reference, 1);
    expect(better.margins[0]).toBeCloseTo(2, 12);
    expect(better.loss).toBeCloseTo(Math.log1p(Math.exp(-2)), 12);
    expect(worse.loss).toBeGreaterThan(better.loss);
    // A pair already ranked right pulls less.
    expect(Math.abs(better.chosenGradients[0]!)).toBeLessThan(Math.abs(worse.chosenGradients[0]!));
    expect(better.accuracy).toBe(1);
  });
});

describe('addDpoGradient', () => {
  it('measures log p like the float64 reference network', () => {
    const net = new RecurrentNetwork(config);
    net.initialize(5);
    const rng = new Rng(6);
    const sequences = [randomSequence(rng, 7), randomSequence(rng, 4), randomSequence(rng, 9)];
    const logps = sequenceLogProbs(net, sequences);
    sequences.forEach((s, i) => expect(logps[i]).toBeCloseTo(referenceLogProb(net.getParameters(), s), 4));
  });

  it('adds the gradient of the mean DPO loss (central finite differences)', () => {
    const net = new RecurrentNetwork(config);
    net.initialize(11);
    const p = net.parameterView();
    // Larger weights make the gates non-trivial; the reference is the initial network.
    for (let i = 0; i < p.length; i++) p[i] = p[i]! * 3;
    net.parametersChanged();
    const rng = new Rng(12);
    const chosen = [randomSequence(rng, 6), randomSequence(rng, 8)];
    const rejected = [randomSequence(rng, 7), randomSequence(rng, 5)];
    const referenceParams = Float64Array.from(net.getParameters());
    const referenceChosen = chosen.map((s) => referenceLogProb(referenceParams, s));
    const referenceRejected = rejected.map((s) => referenceLogProb(referenceParams, s));
    // Move the policy away from the reference so the margins are not zero.
    for (let i = 0; i < p.length; i++) p[i] = p[i]! + (rng.next() - 0.5) * 0.2;
    net.parametersChanged();
    const beta = 0.7;
    const loss = (params: Float64Array): number =>
      dpoTerms(
        { chosen: chosen.map((s) => referenceLogProb(params, s)), rejected: rejected.map((s) => referenceLogProb(params, s)) },
        { chosen: referenceChosen, rejected: referenceRejected },
        beta,
      ).loss;
    net.zeroGradients();
    const terms = addDpoGradient(net, { chosen, rejected, referenceChosen, referenceRejected }, beta, 2);
    const params = Float64Array.from(net.getParameters());
    expect(terms.loss).toBeCloseTo(loss(params), 4);
    expect(terms.margins.some((m) => Math.abs(m) > 1e-3)).toBe(true);
    const grads = net.gradientView().slice();
    const eps = 1e-5;
    let checked = 0;
    for (const block of net.layout) {
      const picks = new Set<number>();
      for (let n = 0; n < 5; n++) picks.add(rng.int(block.size));
      if (block.name.startsWith('embedding')) picks.add(chosen[0]![0]! * config.embedding);
      for (const i of picks) {
        const index = block.offset + i;
        const saved = params[index]!;
        params[index] = saved + eps;
        const up = loss(params);
        params[index] = saved - eps;
        const down = loss(params);
        params[index] = saved;
        // scale 2: the added gradient is twice the loss's.
        const numeric = (2 * (up - down)) / (2 * eps);
        expect(Math.abs(grads[index]! - numeric), `${block.name}[${i}]`).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('a few steps make the chosen sequences likelier and the rejected ones less likely than under the parent', () => {
    const net = new RecurrentNetwork(config);
    net.initialize(21);
    const rng = new Rng(22);
    // A toy taste: chosen sequences use the high tokens, rejected ones the low tokens.
    const chosen = Array.from({ length: 4 }, () => randomSequence(rng, 10, 5, 9));
    const rejected = Array.from({ length: 4 }, () => randomSequence(rng, 10, 0, 4));
    const referenceChosen = sequenceLogProbs(net, chosen);
    const referenceRejected = sequenceLogProbs(net, rejected);
    const optimizer = new AdamOptimizer(net, { ...DEFAULT_ADAM, learningRate: 0.01 });
    let first = 0;
    let last = 0;
    for (let step = 0; step < 30; step++) {
      net.zeroGradients();
      const terms = addDpoGradient(net, { chosen, rejected, referenceChosen, referenceRejected }, 0.5);
      if (step === 0) first = terms.loss;
      last = terms.loss;
      optimizer.step(1, 5);
    }
    expect(last).toBeLessThan(first);
    const afterChosen = sequenceLogProbs(net, chosen);
    const afterRejected = sequenceLogProbs(net, rejected);
    const gain = (after: Float64Array, before: Float64Array): number => after.reduce((s, v, i) => s + v - before[i]!, 0) / after.length;
    expect(gain(afterChosen, referenceChosen)).toBeGreaterThan(0);
    expect(gain(afterRejected, referenceRejected)).toBeLessThan(0);
  });
});

describe('runBatch target weights', () => {
  it('weigh each position’s gradient term (negative weights included)', () => {
    const net = new RecurrentNetwork(config);
    net.initialize(31);
    const rng = new Rng(32);
    const B = 2;
    const T = 4;
    const inputs = randomSequence(rng, B * T);
    const targets = randomSequence(rng, B * T);
    const gradientWith = (weights: Float32Array | undefined, mask?: (i: number) => boolean): Float32Array => {
      net.zeroGradients();
      const masked = mask ? targets.map((t, i) => (mask(i) ? t : -1)) : targets;
      net.runBatch(inputs, masked, B, T, { backward: true, ...(weights ? { targetWeights: weights } : {}) });
      return net.gradientView().slice();
    };
    const row0 = gradientWith(undefined, (i) => i < T);
    const row1 = gradientWith(undefined, (i) => i >= T);
    const weights = Float32Array.from({ length: B * T }, (_, i) => (i < T ? 0.5 : -2));
    const weighted = gradientWith(weights);
    let worst = 0;
    for (let i = 0; i < weighted.length; i++) worst = Math.max(worst, Math.abs(weighted[i]! - (0.5 * row0[i]! - 2 * row1[i]!)));
    expect(worst).toBeLessThan(1e-5);
    expect(net.gradientNorm()).toBeGreaterThan(0);
  });
});
