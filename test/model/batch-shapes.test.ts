import { describe, expect, it } from 'vitest';
import { RECURRENT_CELLS } from '../../src/model/cells.js';
import type { ModelConfig } from '../../src/model/config.js';
import { RecurrentNetwork } from '../../src/model/recurrent-network.js';
import { Rng } from '../../src/model/rng.js';

/**
 * Batches of alternating shapes (fine-tuning windows, then whole pieces for DPO): the batch
 * buffers grow to cover every shape seen once, instead of being re-allocated on each switch
 * (the kernel heap never frees, so that ran it out of memory), and results do not depend on
 * the shapes that came before.
 */
describe.each(RECURRENT_CELLS)('alternating batch shapes (%s)', (cell) => {
  const config: ModelConfig = { vocabSize: 300, embedding: 4, layers: [6], cell, dropout: 0 };
  const shapes: Array<[number, number]> = [
    [8, 8],
    [1, 96],
    [4, 20],
  ];

  function batch(seed: number, B: number, T: number): { inputs: Int32Array; targets: Int32Array } {
    const rng = new Rng(seed);
    const inputs = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
    const targets = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
    return { inputs, targets };
  }

  function run(net: RecurrentNetwork, B: number, T: number): { loss: number; grads: Float32Array } {
    const { inputs, targets } = batch(B * 100 + T, B, T);
    net.zeroGradients();
    const { loss } = net.runBatch(inputs, targets, B, T, { backward: true });
    return { loss, grads: net.gradientView().slice() };
  }

  it('allocates once for all shapes and scores each as a fresh network does', () => {
    const net = new RecurrentNetwork(config);
    net.initialize(3);
    for (const [B, T] of shapes) run(net, B, T);
    // The heap's bump allocator hands out its top: a one-float probe shows how far it has moved.
    const top = (): number => net.memory.heap.alloc(1);
    const before = top();
    for (let round = 0; round < 5; round++) {
      for (const [B, T] of shapes) {
        const fresh = new RecurrentNetwork(config);
        fresh.setParameters(net.getParameters());
        expect(run(net, B, T)).toEqual(run(fresh, B, T));
      }
    }
    // Fresh networks allocate on their own heaps; this one's allocated nothing after the first pass but the probe.
    expect(top() - before).toBeLessThanOrEqual(64);
  });
});
