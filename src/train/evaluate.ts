import type { LanguageModel } from '../model/language-model.js';
import type { TokenMask } from '../model/sampler.js';

export interface SequenceNll {
  /** Summed negative log-likelihood in nats of every token after the first. */
  nll: number;
  /** Number of predicted tokens. */
  tokens: number;
  /** Per sequence, in input order. */
  perSequence: Float64Array;
  /** With a mask: the same sum scored on the raw softmax, for comparison. */
  unmaskedNll?: number;
}

export interface SequenceNllOptions {
  /** Sequences run side by side through the stateful stepper (default 16). */
  batch?: number;
  /**
   * A fresh grammar mask per sequence: each prediction is renormalised over the tokens the
   * mask allows, which is the distribution the sampler draws from at temperature 1. Without
   * it the raw softmax is scored.
   */
  mask?: (index: number) => TokenMask;
}

/**
 * Exact NLL of whole token sequences with the full left context (the state is
 * carried from the first token to the last, not reset per window). Runs
 * `batch` sequences side by side through the stateful stepper.
 */
export function sequenceNll(net: LanguageModel, sequences: ReadonlyArray<ArrayLike<number>>, options: SequenceNllOptions = {}): SequenceNll {
  const { batch = 16, mask } = options;
  const V = net.config.vocabSize;
  const perSequence = new Float64Array(sequences.length);
  let nll = 0;
  let unmaskedNll = 0;
  let tokens = 0;
  // Longest first so a batch's sequences have similar lengths.
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[b]!.length - sequences[a]!.length);
  for (let from = 0; from < order.length; from += batch) {
    const group = order.slice(from, from + batch);
    const masks = mask ? group.map((i) => mask(i)) : undefined;
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
        if (t + 1 >= seq.length) return;
        const target = seq[t + 1]!;
        const raw = probs[r * V + target]!;
        let p = raw;
        const grammar = masks?.[r];
        if (grammar) {
          unmaskedNll -= Math.log(Math.max(raw, 1e-30));
          grammar.push(seq[t]!);
          const allowed = grammar.allowed();
          let total = 0;
          for (let v = 0; v < V; v++) if (allowed[v]) total += probs[r * V + v]!;
          p = allowed[target] ? p / Math.max(total, 1e-30) : 0;
        }
        const cost = -Math.log(Math.max(p, 1e-30));
        perSequence[i] = perSequence[i]! + cost;
        nll += cost;
        tokens++;
      });
    }
  }
  return { nll, tokens, perSequence, ...(mask ? { unmaskedNll } : {}) };
}
