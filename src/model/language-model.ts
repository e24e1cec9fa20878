import type { ModelConfig } from './config.js';
import type { KernelHeap } from './kernels.js';
import type { Rng } from './rng.js';

/**
 * The seam between the engine's architectures and everything that trains, samples or scores
 * them (trainer, sampler, evaluation, guardrail, benchmarks): a next-token model over token
 * ids with its parameters in one float vector, in the order of paramLayout(config), which is
 * also the order of the saved weights (src/model/model-files.ts). createLanguageModel picks
 * the implementation from the configuration.
 */
export interface LanguageModel {
  readonly config: ModelConfig;
  /** Number of parameters: the length of the parameter and gradient vectors. */
  readonly size: number;
  /** Where those vectors live, for an optimizer that updates them in place (AdamOptimizer). */
  readonly memory: ParameterMemory;

  /** Fresh weights for training from scratch, a fixed function of the seed. */
  initialize(seed: number): void;
  /** Live view of the parameter vector; call parametersChanged() after writing it. */
  parameterView(): Float32Array;
  /** Live view of the gradient vector runBatch adds to. */
  gradientView(): Float32Array;
  getParameters(): Float32Array;
  setParameters(values: Float32Array): void;
  /** The parameters were written in place: derived data (packed weight panels) is stale. */
  parametersChanged(): void;
  zeroGradients(): void;
  /** Global L2 norm of the gradient vector scaled by `scale`. */
  gradientNorm(scale?: number): number;

  /**
   * Runs one batch. `inputs` and `targets` are batch-major [B][T] token ids; a target < 0 is
   * ignored (padding). Returns the summed loss; with `backward` the gradient of that sum is
   * added to the gradient vector.
   */
  runBatch(inputs: Int32Array, targets: Int32Array, B: number, T: number, options: BatchOptions): BatchResult;
  /** Softmax probabilities of the last runBatch, time-major [T*B, V] (valid until the next call). */
  lastProbabilities(B: number, T: number): Float32Array;

  /** Recurrent state for `batch` parallel generation streams (zeros = start of a stream). */
  createState(batch: number): GenerationState;
  /** A reusable state for `batch` streams, reset to zeros; shared by every caller of this model. */
  pooledState(batch: number): GenerationState;
  /**
   * Advances every stream by one token and returns the next-token distributions [batch, V]
   * (a live view, valid until the next call).
   */
  step(state: GenerationState, tokens: ArrayLike<number>): Float32Array;
}

/** The state of `batch` generation streams; only the model that made it can step it. */
export interface GenerationState {
  readonly batch: number;
}

export interface BatchOptions {
  /** Compute gradients (added to the gradient vector) as well as the loss. */
  backward: boolean;
  /** Dropout masks are drawn from this generator when the model has dropout; none = evaluation mode. */
  dropoutRng?: Rng;
  /**
   * Stateful truncated BPTT: start every row from the recurrent state the previous carried
   * batch ended in (same row), except rows flagged 1 here, which start from zero (a new piece).
   * The state at the end of this batch is kept for the next one; no gradient flows back
   * across the batch boundary. Length B.
   */
  carry?: Uint8Array;
  /**
   * Per target position (batch-major [B][T], like `targets`): the weight of that position's
   * term in the gradient; it may be negative (a preference step pushes rejected sequences down).
   * Without it every term weighs 1. The returned loss stays the unweighted sum.
   */
  targetWeights?: Float32Array;
}

export interface BatchResult {
  /** Summed cross-entropy (nats) over target positions >= 0. */
  loss: number;
  /** Number of target positions counted. */
  count: number;
}

/** A model's parameter and gradient vectors in kernel memory: byte offsets of `size` floats each. */
export interface ParameterMemory {
  readonly heap: KernelHeap;
  readonly parameters: number;
  readonly gradients: number;
  readonly size: number;
}
