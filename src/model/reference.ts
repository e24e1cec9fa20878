import { type ModelConfig, paramLayout } from './config.js';

/**
 * Plain float64 forward pass and summed cross-entropy of the same network, in
 * the most direct form. Slow; it exists to check the engine (finite-difference
 * gradients, loss and output parity), not to train.
 */
export function referenceLoss(
  config: ModelConfig,
  params: ArrayLike<number>,
  inputs: Int32Array,
  targets: Int32Array,
  B: number,
  T: number,
): { loss: number; probabilities: Float64Array } {
  const blocks = new Map(paramLayout(config).map((b) => [b.name, b]));
  const get = (name: string, i: number): number => params[blocks.get(name)!.offset + i]!;
  const V = config.vocabSize;
  const E = config.embedding;
  const probabilities = new Float64Array(B * T * V);
  let loss = 0;
  const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
  for (let b = 0; b < B; b++) {
    const h = config.layers.map((units) => new Float64Array(units));
    const c = config.layers.map((units) => new Float64Array(units));
    for (let t = 0; t < T; t++) {
      const token = inputs[b * T + t]!;
      let x = new Float64Array(E);
      for (let e = 0; e < E; e++) x[e] = get('embedding/embeddings', token * E + e);
      config.layers.forEach((H, l) => {
        const name = `lstm_${l + 1}`;
        const G = 4 * H;
        const z = new Float64Array(G);
        for (let j = 0; j < G; j++) {
          let s = get(`${name}/bias`, j);
          for (let i = 0; i < x.length; i++) s += x[i]! * get(`${name}/kernel`, i * G + j);
          for (let i = 0; i < H; i++) s += h[l]![i]! * get(`${name}/recurrent_kernel`, i * G + j);
          z[j] = s;
        }
        const hNew = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const ig = sigmoid(z[j]!);
          const fg = sigmoid(z[H + j]!);
          const gg = Math.tanh(z[2 * H + j]!);
          const og = sigmoid(z[3 * H + j]!);
          c[l]![j] = fg * c[l]![j]! + ig * gg;
          hNew[j] = og * Math.tanh(c[l]![j]!);
        }
        h[l] = hNew;
        x = hNew;
      });
      const logits = new Float64Array(V);
      let max = -Infinity;
      for (let v = 0; v < V; v++) {
        let s = get('output/bias', v);
        for (let i = 0; i < x.length; i++) s += x[i]! * get('output/kernel', i * V + v);
        logits[v] = s;
        max = Math.max(max, s);
      }
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(logits[v]! - max);
      const row = (b * T + t) * V;
      for (let v = 0; v < V; v++) probabilities[row + v] = Math.exp(logits[v]! - max) / sum;
      const target = targets[b * T + t]!;
      if (target >= 0) loss += Math.log(sum) - (logits[target]! - max);
    }
  }
  return { loss, probabilities };
}
