import { describe, expect, it } from 'vitest';
import { RECURRENT_CELLS } from '../../src/model/cells.js';
import type { ModelConfig } from '../../src/model/config.js';
import { RecurrentNetwork } from '../../src/model/recurrent-network.js';
import { Rng } from '../../src/model/rng.js';

/** Stateful truncated BPTT: the LSTM state carried from one batch to the next. */
describe.each(RECURRENT_CELLS)('carried state between batches (%s)', (cell) => {
  const config: ModelConfig = { vocabSize: 13, embedding: 5, layers: [7, 6], cell, dropout: 0 };
  const B = 3;
  const T = 4;

  function sequences(seed: number, length: number): { inputs: Int32Array; targets: Int32Array } {
    const rng = new Rng(seed);
    const inputs = new Int32Array(B * length);
    const targets = new Int32Array(B * length);
    for (let i = 0; i < inputs.length; i++) {
      inputs[i] = rng.int(config.vocabSize);
      targets[i] = rng.int(config.vocabSize);
    }
    return { inputs, targets };
  }

  /** Columns [from, from+T) of batch-major [B][length] arrays. */
  function window(a: Int32Array, length: number, from: number): Int32Array {
    const out = new Int32Array(B * T);
    for (let b = 0; b < B; b++) out.set(a.subarray(b * length + from, b * length + from + T), b * T);
    return out;
  }

  function scaledNet(seed: number): RecurrentNetwork {
    const net = new RecurrentNetwork(config);
    net.initialize(seed);
    const p = net.parameterView();
    for (let i = 0; i < p.length; i++) p[i] = p[i]! * 3; // non-trivial gates, so the state matters
    net.parametersChanged();
    return net;
  }

  it('two carried windows score exactly what one window over both does', () => {
    const net = scaledNet(1);
    const { inputs, targets } = sequences(2, 2 * T);
    const whole = net.runBatch(inputs, targets, B, 2 * T, { backward: false }).loss;
    const first = net.runBatch(window(inputs, 2 * T, 0), window(targets, 2 * T, 0), B, T, { backward: false, carry: new Uint8Array(B).fill(1) }).loss;
    const second = net.runBatch(window(inputs, 2 * T, T), window(targets, 2 * T, T), B, T, { backward: false, carry: new Uint8Array(B) }).loss;
    expect(Math.abs(first + second - whole) / whole).toBeLessThan(1e-5);
    // Without the carried state the second window is scored differently: the state matters.
    const fresh = net.runBatch(window(inputs, 2 * T, T), window(targets, 2 * T, T), B, T, { backward: false }).loss;
    expect(Math.abs(fresh - second)).toBeGreaterThan(1e-3);
  });

  it('a row flagged for reset starts from zero like a fresh batch', () => {
    const net = scaledNet(3);
    const { inputs, targets } = sequences(4, 2 * T);
    net.runBatch(window(inputs, 2 * T, 0), window(targets, 2 * T, 0), B, T, { backward: false, carry: new Uint8Array(B).fill(1) });
    const x = window(inputs, 2 * T, T);
    const y = window(targets, 2 * T, T);
    // Only row 1 is scored; it is reset, so it must match a stateless run of the same row.
    const onlyRow1 = y.map((v, i) => (Math.floor(i / T) === 1 ? v : -1));
    const carried = net.runBatch(x, onlyRow1, B, T, { backward: false, carry: Uint8Array.from([0, 1, 0]) }).loss;
    const stateless = net.runBatch(x, onlyRow1, B, T, { backward: false }).loss;
    expect(Math.abs(carried - stateless) / stateless).toBeLessThan(1e-6);
  });

  it('gradients of a carried window match finite differences with the carried state held fixed', () => {
    const net = scaledNet(5);
    const { inputs, targets } = sequences(6, 2 * T);
    const x1 = window(inputs, 2 * T, 0);
    const y1 = window(targets, 2 * T, 0);
    const x2 = window(inputs, 2 * T, T);
    const y2 = window(targets, 2 * T, T);
    const original = net.getParameters();
    // Window 1 at the original weights sets the state; window 2 is the function being differentiated.
    const secondLoss = (params: Float32Array, backward: boolean): number => {
      net.setParameters(original);
      net.runBatch(x1, y1, B, T, { backward: false, carry: new Uint8Array(B).fill(1) });
      net.setParameters(params);
      if (backward) net.zeroGradients();
      return net.runBatch(x2, y2, B, T, { backward, carry: new Uint8Array(B) }).loss;
    };
    secondLoss(original, true);
    const grads = net.gradientView().slice();
    const rng = new Rng(7);
    const eps = 1e-2;
    let checked = 0;
    for (const name of [`${cell}_1/recurrent_kernel`, `${cell}_2/recurrent_kernel`, `${cell}_1/kernel`, 'output/kernel']) {
      const block = net.block(name);
      for (let n = 0; n < 5; n++) {
        const index = block.offset + rng.int(block.size);
        const params = original.slice();
        params[index] = original[index]! + eps;
        const up = secondLoss(params, false);
        params[index] = original[index]! - eps;
        const down = secondLoss(params, false);
        const numeric = (up - down) / (2 * eps);
        expect(Math.abs(grads[index]! - numeric), `${name}[${index - block.offset}]`).toBeLessThan(5e-3 + 0.02 * Math.abs(numeric));
        checked++;
      }
    }
    expect(checked).toBe(20);
  });
});
