import type { KernelHeap } from './kernels.js';

/** One recurrent layer's weights and their gradients in kernel memory (byte offsets, Keras layout). */
export interface LayerWeights {
  inputs: number;
  units: number;
  /** Columns of the kernel, recurrent kernel and bias: gates × units. */
  columns: number;
  kernel: number; // [inputs, columns]
  recurrent: number; // [units, columns]
  bias: number; // [columns]
  dKernel: number;
  dRecurrent: number;
  dBias: number;
}

/**
 * The cell of one layer of a RecurrentNetwork. The network does what every cell shares: the
 * input product x·W + b of all time steps in one GEMM before `forward`, and after `backward`
 * the kernel, bias and input gradients from the pre-activation gradients. The cell runs the
 * recurrence over the time steps. Activations are time-major (row = t·B + b); pointers are
 * byte offsets into the network's kernel heap.
 */
export interface RecurrentLayer {
  readonly weights: LayerWeights;
  /** Vectors of `units` floats per stream carried from step to step, the output h first (LSTM: h, c). */
  readonly stateVectors: number;
  /** Re-packs the recurrent weight panels after the parameters changed. */
  pack(): void;
  /** Makes room for batches of up to `rows` = B·T rows and B streams (allocations stay valid for smaller ones). */
  reserve(rows: number, B: number): void;
  /**
   * Training forward over T steps of B rows. `gates` [T·B, columns] holds x·W + b on entry and
   * the cell's activations after; the outputs h go to `out` [T·B, units]. `start` holds the
   * state vectors before step 0 ([B, units] each), or is undefined for zeros.
   */
  forward(B: number, T: number, gates: number, out: number, start: readonly number[] | undefined): void;
  /**
   * Backward over the same steps (after forward on the same buffers). `dOut` [T·B, units] is
   * the loss gradient w.r.t. the outputs (used as scratch); writes the gradient w.r.t. the
   * pre-activations to `dGates` [T·B, columns] and adds the recurrent kernel's gradient.
   * No gradient flows into `start`.
   */
  backward(B: number, T: number, gates: number, out: number, dOut: number, dGates: number, start: readonly number[] | undefined): void;
  /** Copies the state after the last step into `carried` (the state vectors, [B, units] each). */
  keepFinalState(B: number, T: number, out: number, carried: readonly number[]): void;
  /**
   * One generation step of B streams: `gates` [B, columns] holds x·W + b on entry; updates
   * `state` (the state vectors) in place. `scratch` holds B·units floats.
   */
  step(B: number, gates: number, state: readonly number[], scratch: number): void;
}

/** Makes the recurrent layer of a cell on `heap`. */
export type RecurrentLayerFactory = (heap: KernelHeap, weights: LayerWeights) => RecurrentLayer;
