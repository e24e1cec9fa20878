import type { LstmNetwork } from '../model/network.js';

export interface SequenceNll {
  /** Summed negative log-likelihood in nats of every token after the first. */
  nll: number;
  /** Number of predicted tokens. */
  tokens: number;
  /** Per sequence, in input order. */
  perSequence: Float64Array;
}

/**
 * Exact NLL of whole token sequences with the full left context (the state is
 * carried from the first token to the last, not reset per window). Runs
 * `batch` sequences side by side through the stateful stepper.
 */
export function sequenceNll(net: LstmNetwork, sequences: ReadonlyArray<ArrayLike<number>>, batch = 16): SequenceNll {
  const V = net.config.vocabSize;
  const perSequence = new Float64Array(sequences.length);
  let nll = 0;
  let tokens = 0;
  // Longest first so a batch's sequences have similar lengths.
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[b]!.length - sequences[a]!.length);
  for (let from = 0; from < order.length; from += batch) {
    const group = order.slice(from, from + batch);
    const state = net.pooledState(group.length);
    const longest = Math.max(...group.map((i) => sequences[i]!.length));
    const input = new Int32Array(group.length);
    for (let t = 0; t + 1 < longest; t++) {
      group.forEach((i, r) => {
        const seq = sequences[i]!;
        input[r] = t < seq.length ? seq[t]! : 0;
      });
      const probs = net.step(state, input);
      group.forEach((i, r) => {
        const seq = sequences[i]!;
        if (t + 1 < seq.length) {
          const p = probs[r * V + seq[t + 1]!]!;
          const cost = -Math.log(Math.max(p, 1e-30));
          perSequence[i] = perSequence[i]! + cost;
          nll += cost;
          tokens++;
        }
      });
    }
  }
  return { nll, tokens, perSequence };
}
