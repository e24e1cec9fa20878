import { describe, expect, it } from 'vitest';
import { AdamOptimizer, DEFAULT_ADAM } from '../../src/model/adam.js';
import type { ModelConfig } from '../../src/model/config.js';
import { createLanguageModel } from '../../src/model/create-language-model.js';
import type { LanguageModel } from '../../src/model/language-model.js';
import { Rng } from '../../src/model/rng.js';

const config: ModelConfig = { vocabSize: 9, embedding: 4, layers: [6], cell: 'gru', dropout: 0 };
const B = 2;
const T = 5;
const rng = new Rng(3);
const inputs = Int32Array.from({ length: B * T }, () => rng.int(9));
const targets = Int32Array.from({ length: B * T }, () => rng.int(9));

function gradientStep(model: LanguageModel, adam: AdamOptimizer): void {
  model.zeroGradients();
  model.runBatch(inputs, targets, B, T, { backward: true });
  adam.step(1 / (B * T), 1);
}

describe('AdamOptimizer', () => {
  it('takes the textbook Adam step (bias-corrected moments) on the model’s parameters', () => {
    const model = createLanguageModel(config);
    model.initialize(1);
    const before = model.getParameters();
    const adam = new AdamOptimizer(model, { ...DEFAULT_ADAM, learningRate: 0.01 });
    model.zeroGradients();
    model.runBatch(inputs, targets, B, T, { backward: true });
    const gradient = model.gradientView().slice();
    adam.step(0.5);
    const after = model.getParameters();
    let moved = 0;
    for (let i = 0; i < before.length; i++) {
      // Step 1: m̂ = g, v̂ = g², so the step is lr · g / (|g| + ε).
      const g = gradient[i]! * 0.5;
      const expected = before[i]! - (0.01 * g) / (Math.abs(g) + 1e-7);
      expect(after[i]!).toBeCloseTo(expected, 6);
      if (after[i] !== before[i]) moved++;
    }
    expect(moved).toBeGreaterThan(before.length / 2);
    expect(adam.getState().step).toBe(1);
  });

  it('resumes exactly from its state: a restored optimizer takes the same steps as the original', () => {
    const original = createLanguageModel(config);
    original.initialize(2);
    const adam = new AdamOptimizer(original, { ...DEFAULT_ADAM, learningRate: 0.02 });
    for (let i = 0; i < 3; i++) gradientStep(original, adam);
    const saved = { params: original.getParameters(), optimizer: adam.getState() };
    const restored = createLanguageModel(config);
    restored.setParameters(saved.params);
    const again = new AdamOptimizer(restored, { ...DEFAULT_ADAM, learningRate: 0.02 });
    again.setState(saved.optimizer);
    // The same weights with fresh moments (step 0): what resuming without the optimizer state would do.
    const forgetful = createLanguageModel(config);
    forgetful.setParameters(saved.params);
    const fresh = new AdamOptimizer(forgetful, { ...DEFAULT_ADAM, learningRate: 0.02 });
    for (let i = 0; i < 2; i++) {
      gradientStep(original, adam);
      gradientStep(restored, again);
      gradientStep(forgetful, fresh);
    }
    const bytes = (model: LanguageModel): Buffer => Buffer.from(model.getParameters().buffer);
    expect(bytes(restored).equals(bytes(original))).toBe(true);
    expect(bytes(forgetful).equals(bytes(original))).toBe(false);
  });

  it('refuses a state of another size', () => {
    const model = createLanguageModel(config);
    const adam = new AdamOptimizer(model);
    expect(() => adam.setState({ step: 1, m: new Float32Array(3), v: new Float32Array(3) })).toThrow(/3 moments/);
  });
});
