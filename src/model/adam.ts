import type { LanguageModel } from './language-model.js';

export interface AdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_ADAM: AdamSettings = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** Adam's moments and completed steps: what a checkpoint keeps to resume exactly. */
export interface OptimizerState {
  step: number;
  m: Float32Array;
  v: Float32Array;
}

/**
 * Adam on a model's parameter vector, in place with the wasm `adam_update` kernel: the
 * moments are allocated on the model's kernel heap beside its parameters and gradients.
 */
export class AdamOptimizer {
  /** Byte offsets of the first and second moments, allocated on first use. */
  private moments: { m: number; v: number } | undefined;
  /** Completed steps (bias correction). */
  private steps = 0;

  constructor(
    private readonly model: Pick<LanguageModel, 'memory' | 'gradientNorm' | 'parametersChanged'>,
    readonly settings: AdamSettings = { ...DEFAULT_ADAM },
  ) {}

  private allocate(): { m: number; v: number } {
    if (!this.moments) {
      const { heap, size } = this.model.memory;
      this.moments = { m: heap.alloc(size), v: heap.alloc(size) };
      heap.k.fill(size, this.moments.m, 0);
      heap.k.fill(size, this.moments.v, 0);
    }
    return this.moments;
  }

  /**
   * One step on the gradient vector scaled by `gradScale` (e.g. 1/tokens to turn a summed
   * loss into a mean), clipped to a global norm of `clipNorm` when > 0.
   */
  step(gradScale: number, clipNorm = 0): void {
    const { heap, size, parameters, gradients } = this.model.memory;
    const { m, v } = this.allocate();
    let scale = gradScale;
    if (clipNorm > 0) {
      const norm = this.model.gradientNorm(gradScale);
      if (norm > clipNorm) scale *= clipNorm / norm;
    }
    this.steps++;
    const { learningRate, beta1, beta2, epsilon } = this.settings;
    const c1 = 1 - Math.pow(beta1, this.steps);
    const c2 = Math.sqrt(1 - Math.pow(beta2, this.steps));
    heap.k.adam_update(size, parameters, gradients, m, v, (learningRate * c2) / c1, beta1, beta2, epsilon * c2, scale);
    this.model.parametersChanged();
  }

  /** Copies of the moments (zeros before the first step). */
  getState(): OptimizerState {
    const { heap, size } = this.model.memory;
    if (!this.moments) return { step: 0, m: new Float32Array(size), v: new Float32Array(size) };
    return { step: this.steps, m: heap.floats(this.moments.m, size).slice(), v: heap.floats(this.moments.v, size).slice() };
  }

  setState(state: OptimizerState): void {
    const { heap, size } = this.model.memory;
    if (state.m.length !== size || state.v.length !== size) throw new Error(`optimizer state holds ${state.m.length} moments, the model ${size} parameters`);
    const { m, v } = this.allocate();
    heap.floats(m, size).set(state.m);
    heap.floats(v, size).set(state.v);
    this.steps = state.step;
  }
}
