/**
 * The preference objective (DPO, Rafailov et al. 2023) on the LSTM engine, without new kernels.
 * For a pair (chosen w, rejected l) and the frozen parent π₀:
 *
 *   margin = β·[(log π(w) − log π₀(w)) − (log π(l) − log π₀(l))],   loss = −log σ(margin)
 *
 * ∂loss/∂log π(w) = −β·σ(−margin) and ∂loss/∂log π(l) = +β·σ(−margin), so the gradient is a
 * per-sequence weighted NLL gradient: weight +β·σ(−margin) on each of w's tokens and −β·σ(−margin)
 * on l's. One forward pass measures the margins; `runBatch` with those signed target weights
 * then adds the gradient. Pairs the model already ranks far apart weigh little (σ(−margin) → 0),
 * which is what keeps DPO from pushing without bound.
 */
import type { LanguageModel } from '../model/language-model.js';

/** Whole sequences as one batch: row r predicts sequence r's tokens 1…n−1 (shorter rows padded). */
export interface SequenceBatch {
  inputs: Int32Array;
  targets: Int32Array;
  B: number;
  T: number;
}

export function sequenceBatch(sequences: ReadonlyArray<ArrayLike<number>>): SequenceBatch {
  const B = sequences.length;
  const T = Math.max(1, ...sequences.map((s) => s.length - 1));
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T).fill(-1);
  sequences.forEach((seq, b) => {
    for (let t = 0; t + 1 < seq.length; t++) {
      inputs[b * T + t] = seq[t]!;
      targets[b * T + t] = seq[t + 1]!;
    }
  });
  return { inputs, targets, B, T };
}

/**
 * Per-token weights of a sequence's predicted tokens (index t: the token at t + 1), e.g. the
 * tokens a pair's credit counts (token-credit.ts); absent: every token weighs 1.
 */
export type TokenMask = ArrayLike<number>;

/** log p of each row's targets summed over the row (weighted by the row's mask), from a forward pass (no dropout). */
function rowLogProbs(net: LanguageModel, batch: SequenceBatch, masks?: ReadonlyArray<TokenMask | undefined>): Float64Array {
  net.runBatch(batch.inputs, batch.targets, batch.B, batch.T, { backward: false });
  const probs = net.lastProbabilities(batch.B, batch.T);
  const V = net.config.vocabSize;
  const out = new Float64Array(batch.B);
  for (let b = 0; b < batch.B; b++) {
    const mask = masks?.[b];
    for (let t = 0; t < batch.T; t++) {
      const target = batch.targets[b * batch.T + t]!;
      const weight = mask ? (mask[t] ?? 0) : 1;
      if (target >= 0 && weight !== 0) out[b] = out[b]! + weight * Math.log(Math.max(probs[(t * batch.B + b) * V + target]!, 1e-30));
    }
  }
  return out;
}

/** log p(sequence) (summed over its predicted tokens, full context; over the masked ones when masks are given) under the network's current weights. */
export function sequenceLogProbs(
  net: LanguageModel,
  sequences: ReadonlyArray<ArrayLike<number>>,
  batchSize = 16,
  masks?: ReadonlyArray<TokenMask | undefined>,
): Float64Array {
  const out = new Float64Array(sequences.length);
  // Longest first, so a batch pads little.
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[b]!.length - sequences[a]!.length);
  for (let from = 0; from < order.length; from += batchSize) {
    const group = order.slice(from, from + batchSize);
    const logps = rowLogProbs(net, sequenceBatch(group.map((i) => sequences[i]!)), masks ? group.map((i) => masks[i]) : undefined);
    group.forEach((i, r) => (out[i] = logps[r]!));
  }
  return out;
}

export interface DpoTerms {
  /** Mean −log σ(margin) over the pairs. */
  loss: number;
  margins: Float64Array;
  /** ∂(mean loss)/∂log π(chosen_i); the rejected one's is its negation. */
  chosenGradients: Float64Array;
  /** Share of pairs with a positive margin. */
  accuracy: number;
}

const softplus = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The DPO loss and its derivatives for pairs given as log-probabilities of the policy and the frozen reference. */
export function dpoTerms(
  policy: { chosen: ArrayLike<number>; rejected: ArrayLike<number> },
  reference: { chosen: ArrayLike<number>; rejected: ArrayLike<number> },
  beta: number,
): DpoTerms {
  const n = policy.chosen.length;
  const margins = new Float64Array(n);
  const chosenGradients = new Float64Array(n);
  let loss = 0;
  let right = 0;
  for (let i = 0; i < n; i++) {
    const margin = beta * (policy.chosen[i]! - reference.chosen[i]! - (policy.rejected[i]! - reference.rejected[i]!));
    margins[i] = margin;
    loss += softplus(-margin);
    chosenGradients[i] = (-beta * sigmoid(-margin)) / n;
    if (margin > 0) right++;
  }
  return { loss: n > 0 ? loss / n : 0, margins, chosenGradients, accuracy: n > 0 ? right / n : 0 };
}

export interface PreferencePairs {
  chosen: ReadonlyArray<ArrayLike<number>>;
  rejected: ReadonlyArray<ArrayLike<number>>;
  /** The frozen parent's log p of each chosen / rejected sequence (over its mask's tokens when masked). */
  referenceChosen: ArrayLike<number>;
  referenceRejected: ArrayLike<number>;
  /** Token-level credit: the tokens of each sequence the pair's log-ratio and gradient are taken on (default all). */
  chosenMasks?: ReadonlyArray<TokenMask>;
  rejectedMasks?: ReadonlyArray<TokenMask>;
}

/**
 * Adds `scale` × ∇(mean DPO loss over the pairs) to the network's gradient vector and returns the
 * terms measured before the step. Runs without dropout, so the measured margins are the ones differentiated.
 */
export function addDpoGradient(net: LanguageModel, pairs: PreferencePairs, beta: number, scale = 1): DpoTerms {
  const n = pairs.chosen.length;
  if (pairs.rejected.length !== n) throw new Error('every chosen sequence needs a rejected one');
  const batch = sequenceBatch([...pairs.chosen, ...pairs.rejected]);
  const masks = pairs.chosenMasks || pairs.rejectedMasks ? [...(pairs.chosenMasks ?? []), ...(pairs.rejectedMasks ?? [])] : undefined;
  if (masks && masks.length !== 2 * n) throw new Error('masks must come for every chosen and every rejected sequence');
  const logps = rowLogProbs(net, batch, masks);
  const terms = dpoTerms(
    { chosen: logps.subarray(0, n), rejected: logps.subarray(n) },
    { chosen: pairs.referenceChosen, rejected: pairs.referenceRejected },
    beta,
  );
  // runBatch differentiates Σ weight·(−log p): ∂loss/∂log π(w) = g means weight −g on w's tokens, +g on l's.
  const weights = new Float32Array(batch.B * batch.T);
  const put = (row: number, weight: number): void => {
    const mask = masks?.[row];
    if (!mask) weights.fill(weight, row * batch.T, (row + 1) * batch.T);
    else for (let t = 0; t < batch.T; t++) weights[row * batch.T + t] = weight * (mask[t] ?? 0);
  };
  for (let i = 0; i < n; i++) {
    const g = terms.chosenGradients[i]! * scale;
    put(i, -g);
    put(n + i, g);
  }
  net.runBatch(batch.inputs, batch.targets, batch.B, batch.T, { backward: true, targetWeights: weights });
  return terms;
}
