import { type ModelConfig, cellOf, paramLayout, recurrentLayerName } from './config.js';

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
  const cell = cellOf(config);
  for (let b = 0; b < B; b++) {
    const h = config.layers.map((units) => new Float64Array(units));
    const c = config.layers.map((units) => new Float64Array(units));
    for (let t = 0; t < T; t++) {
      const token = inputs[b * T + t]!;
      let x = new Float64Array(E);
      for (let e = 0; e < E; e++) x[e] = get('embedding/embeddings', token * E + e);
      config.layers.forEach((H, l) => {
        const name = recurrentLayerName(cell, l);
        // x·W + b and h·U of every gate column, the two kept apart (the GRU's candidate needs them so).
        const product = (vector: Float64Array, weights: string, columns: number, from = 0, to = columns): Float64Array => {
          const out = new Float64Array(to - from);
          for (let j = from; j < to; j++) {
            let s = 0;
            for (let i = 0; i < vector.length; i++) s += vector[i]! * get(weights, i * columns + j);
            out[j - from] = s;
          }
          return out;
        };
        const hNew = new Float64Array(H);
        if (cell === 'lstm') {
          const G = 4 * H;
          const xw = product(x, `${name}/kernel`, G);
          const hu = product(h[l]!, `${name}/recurrent_kernel`, G);
          const z = xw.map((v, j) => v + hu[j]! + get(`${name}/bias`, j));
          for (let j = 0; j < H; j++) {
            const ig = sigmoid(z[j]!);
            const fg = sigmoid(z[H + j]!);
            const gg = Math.tanh(z[2 * H + j]!);
            const og = sigmoid(z[3 * H + j]!);
            c[l]![j] = fg * c[l]![j]! + ig * gg;
            hNew[j] = og * Math.tanh(c[l]![j]!);
          }
        } else {
          // GRU, reset_after = false: gates z, r, n.
          const G = 3 * H;
          const xw = product(x, `${name}/kernel`, G);
          const hu = product(h[l]!, `${name}/recurrent_kernel`, G, 0, 2 * H);
          const update = new Float64Array(H);
          const resetHidden = new Float64Array(H);
          for (let j = 0; j < H; j++) {
            update[j] = sigmoid(xw[j]! + hu[j]! + get(`${name}/bias`, j));
            resetHidden[j] = sigmoid(xw[H + j]! + hu[H + j]! + get(`${name}/bias`, H + j)) * h[l]![j]!;
          }
          const candidate = product(resetHidden, `${name}/recurrent_kernel`, G, 2 * H, G);
          for (let j = 0; j < H; j++) {
            const n = Math.tanh(xw[2 * H + j]! + candidate[j]! + get(`${name}/bias`, 2 * H + j));
            hNew[j] = update[j]! * h[l]![j]! + (1 - update[j]!) * n;
          }
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
