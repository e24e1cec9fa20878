import { describe, expect, it } from 'vitest';
import { RecurrentNetwork } from '../../src/model/recurrent-network.js';
import { referenceLoss } from '../../src/model/reference.js';
import { Rng } from '../../src/model/rng.js';
import { RECURRENT_CELLS } from '../../src/model/cells.js';
import type { ModelConfig } from '../../src/model/config.js';

function randomBatch(rng: Rng, V: number, B: number, T: number, padLast = false): { inputs: Int32Array; targets: Int32Array } {
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let i = 0; i < B * T; i++) {
    inputs[i] = rng.int(V);
    targets[i] = rng.int(V);
  }
  if (padLast) targets[B * T - 1] = -1;
  return { inputs, targets };
}

describe.each(RECURRENT_CELLS)('engine gradients (%s)', (cell) => {
  // Odd sizes exercise the GEMM edge tiles (MR 4, NR 16) and the cells' scalar tails (SIMD 4).
  const config: ModelConfig = { vocabSize: 11, embedding: 5, layers: [7, 6], cell, dropout: 0 };
  const B = 3;
  const T = 5;

  it('matches a float64 reference loss', () => {
    const net = new RecurrentNetwork(config);
    net.initialize(1);
    const rng = new Rng(2);
    const { inputs, targets } = randomBatch(rng, config.vocabSize, B, T, true);
    const engine = net.runBatch(inputs, targets, B, T, { backward: false });
    const reference = referenceLoss(config, net.getParameters(), inputs, targets, B, T);
    expect(engine.count).toBe(B * T - 1);
    expect(Math.abs(engine.loss - reference.loss) / reference.loss).toBeLessThan(1e-5);
  });

  it('matches central finite differences of the float64 reference', () => {
    const net = new RecurrentNetwork(config);
    net.initialize(3);
    // Larger weights make the gates non-trivial.
    const p = net.parameterView();
    for (let i = 0; i < p.length; i++) p[i] = p[i]! * 3;
    net.parametersChanged();
    const rng = new Rng(4);
    const { inputs, targets } = randomBatch(rng, config.vocabSize, B, T, true);
    net.zeroGradients();
    net.runBatch(inputs, targets, B, T, { backward: true });
    const grads = net.gradientView().slice();
    const params = Float64Array.from(net.getParameters());
    const eps = 1e-5;
    let checked = 0;
    for (const block of net.layout) {
      // A few entries of every parameter block, including the embedding rows in use.
      const picks = new Set<number>();
      for (let n = 0; n < 6; n++) picks.add(rng.int(block.size));
      if (block.name.startsWith('embedding')) picks.add(inputs[0]! * config.embedding);
      for (const i of picks) {
        const index = block.offset + i;
        const saved = params[index]!;
        params[index] = saved + eps;
        const up = referenceLoss(config, params, inputs, targets, B, T).loss;
        params[index] = saved - eps;
        const down = referenceLoss(config, params, inputs, targets, B, T).loss;
        params[index] = saved;
        const numeric = (up - down) / (2 * eps);
        const analytic = grads[index]!;
        expect(Math.abs(analytic - numeric), `${block.name}[${i}]`).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(net.gradientNorm()).toBeGreaterThan(0);
  });

  it('back-propagates through dropout masks (finite differences of the engine loss, same masks)', () => {
    const dropConfig: ModelConfig = { ...config, dropout: 0.3 };
    const net = new RecurrentNetwork(dropConfig);
    net.initialize(8);
    const rng = new Rng(9);
    const { inputs, targets } = randomBatch(rng, dropConfig.vocabSize, B, T);
    const loss = (): number => net.runBatch(inputs, targets, B, T, { backward: false, dropoutRng: new Rng(77) }).loss;
    net.zeroGradients();
    const withDropout = net.runBatch(inputs, targets, B, T, { backward: true, dropoutRng: new Rng(77) }).loss;
    expect(withDropout).not.toBeCloseTo(net.runBatch(inputs, targets, B, T, { backward: false }).loss, 3);
    const grads = net.gradientView().slice();
    const p = net.parameterView();
    const eps = 1e-2;
    for (const name of [`${cell}_1/kernel`, `${cell}_2/recurrent_kernel`, 'output/kernel']) {
      const block = net.block(name);
      for (let n = 0; n < 4; n++) {
        const index = block.offset + rng.int(block.size);
        const saved = p[index]!;
        p[index] = saved + eps;
        net.parametersChanged();
        const up = loss();
        p[index] = saved - eps;
        net.parametersChanged();
        const down = loss();
        p[index] = saved;
        net.parametersChanged();
        expect(Math.abs(grads[index]! - (up - down) / (2 * eps)), name).toBeLessThan(5e-3 + 0.02 * Math.abs(grads[index]!));
      }
    }
  });
});
