/**
 * The recurrent cells the engine runs, as data: how many gate blocks a layer's weights hold,
 * how Keras / TensorFlow.js names the layer, and Keras's bias initialisation. The cells
 * themselves (training and generation on the wasm kernels) are src/model/NAME-layer.ts.
 */
export const RECURRENT_CELLS = ['lstm', 'gru'] as const;
export type RecurrentCell = (typeof RECURRENT_CELLS)[number];

export interface CellSpec {
  /** Gate blocks of `units` columns in the kernel, recurrent kernel and bias, in Keras order. */
  gates: number;
  /** The Keras layer class of a model.json topology. */
  kerasClass: string;
  /** The keys of the Keras layer config that make it this cell (beside units, activations, initialisers). */
  kerasOptions: Readonly<Record<string, unknown>>;
  /** Keras's bias initialisation, written into the zeroed bias of one layer. */
  initializeBias(bias: Float32Array, units: number): void;
}

export const CELLS: Readonly<Record<RecurrentCell, CellSpec>> = {
  // Gates i, f, c, o; the forget gate's bias starts at 1 (unit_forget_bias).
  lstm: {
    gates: 4,
    kerasClass: 'LSTM',
    kerasOptions: { unit_forget_bias: true },
    initializeBias: (bias, units) => bias.fill(1, units, 2 * units),
  },
  // Gates z, r, n (update, reset, candidate) with the reset applied before the recurrent
  // product: reset_after = false, the only GRU TensorFlow.js runs.
  gru: {
    gates: 3,
    kerasClass: 'GRU',
    kerasOptions: { reset_after: false },
    initializeBias: () => undefined,
  },
};
