import { CELLS, type RecurrentCell } from './cells.js';
import { type ModelConfig, type ParamBlock, cellOf, paramCount, paramLayout, recurrentLayerName } from './config.js';
import { GruLayer } from './gru-layer.js';
import { KernelHeap } from './kernels.js';
import type { BatchOptions, BatchResult, GenerationState, LanguageModel, ParameterMemory } from './language-model.js';
import { LstmLayer } from './lstm-layer.js';
import type { RecurrentLayer, RecurrentLayerFactory } from './recurrent-layer.js';
import { Rng } from './rng.js';

/** The layer of each cell the configuration may name. */
const LAYERS: Readonly<Record<RecurrentCell, RecurrentLayerFactory>> = {
  lstm: (heap, weights) => new LstmLayer(heap, weights),
  gru: (heap, weights) => new GruLayer(heap, weights),
};

/** Packed panels of one layer's input kernel W. */
interface KernelPanels {
  packed: number; // pack(W)    x·W
  transposed: number; // pack(Wᵀ)   dG·Wᵀ
}

interface BatchBuffers {
  capacity: number; // rows = B*T
  B: number;
  tokens: number;
  targets: number;
  embedded: number; // [rows, E]
  gates: number[]; // per layer [rows, G] (the cell's activations after forward)
  outputs: number[]; // per layer [rows, H]
  masks: number[]; // per layer [rows, H] dropout masks (scaled)
  dropped: number[]; // per layer [rows, H] outputs × mask
  logits: number; // [rows, V]
  dGates: number; // [rows, G max]
  dInputs: number; // [rows, max(E, H)]
}

/** Recurrent state of `batch` generation streams inside a network's heap. */
interface StreamState extends GenerationState {
  owner: RecurrentNetwork;
  /** Per layer its state vectors, [batch, H] each (h first). */
  vectors: number[][];
  gates: number; // [batch, G max]
  scratch: number; // [batch, H max]
  tokens: number;
  probs: number;
}

/**
 * A stacked recurrent network on the wasm kernels: embedding → recurrent layer×N → dense
 * softmax, the cell (LSTM or GRU) named by the configuration. Float32 throughout; parameters
 * and gradients are each one contiguous vector in Keras layout (see paramLayout). Activations
 * are time-major (row = t*B + b) so each time step is one contiguous block and every GEMM is a
 * plain one against a pre-packed weight panel.
 */
export class RecurrentNetwork implements LanguageModel {
  readonly config: ModelConfig;
  readonly cell: RecurrentCell;
  readonly layout: ParamBlock[];
  readonly size: number;
  readonly memory: ParameterMemory;
  private readonly heap: KernelHeap;
  private readonly params: number;
  private readonly grads: number;
  private readonly layers: RecurrentLayer[];
  private readonly kernelPanels: KernelPanels[];
  private readonly embedding: number;
  private readonly dEmbedding: number;
  private readonly outKernel: number;
  private readonly outBias: number;
  private readonly dOutKernel: number;
  private readonly dOutBias: number;
  private readonly outPacked: number;
  private readonly outTPacked: number;
  private packedFresh = false;
  private batch: BatchBuffers | undefined;
  /** Per layer the state vectors [B, H] carried between batches (stateful training), allocated on first use. */
  private carried: { B: number; vectors: number[][] } | undefined;
  /** Generation: (embedding · W0 + b0) per token, [V, G0]. */
  private inputTable = 0;
  private inputTableFresh = false;
  private readonly statePool = new Map<number, StreamState>();

  constructor(config: ModelConfig) {
    this.config = config;
    this.cell = cellOf(config);
    this.layout = paramLayout(config);
    this.size = paramCount(config);
    const heap = (this.heap = new KernelHeap());
    const k = heap.k;
    this.params = heap.alloc(this.size);
    this.grads = heap.alloc(this.size);
    this.memory = { heap, parameters: this.params, gradients: this.grads, size: this.size };
    const at = (base: number, name: string): number => base + 4 * this.block(name).offset;
    this.embedding = at(this.params, 'embedding/embeddings');
    this.dEmbedding = at(this.grads, 'embedding/embeddings');
    this.outKernel = at(this.params, 'output/kernel');
    this.outBias = at(this.params, 'output/bias');
    this.dOutKernel = at(this.grads, 'output/kernel');
    this.dOutBias = at(this.grads, 'output/bias');
    const gates = CELLS[this.cell].gates;
    let inputs = config.embedding;
    this.layers = config.layers.map((units, index) => {
      const name = recurrentLayerName(this.cell, index);
      const layer = LAYERS[this.cell](heap, {
        inputs,
        units,
        columns: gates * units,
        kernel: at(this.params, `${name}/kernel`),
        recurrent: at(this.params, `${name}/recurrent_kernel`),
        bias: at(this.params, `${name}/bias`),
        dKernel: at(this.grads, `${name}/kernel`),
        dRecurrent: at(this.grads, `${name}/recurrent_kernel`),
        dBias: at(this.grads, `${name}/bias`),
      });
      inputs = units;
      return layer;
    });
    this.kernelPanels = this.layers.map(({ weights: w }) => ({
      packed: heap.alloc(k.packed_size(w.inputs, w.columns)),
      transposed: heap.alloc(k.packed_size(w.columns, w.inputs)),
    }));
    this.outPacked = heap.alloc(k.packed_size(inputs, config.vocabSize));
    this.outTPacked = heap.alloc(k.packed_size(config.vocabSize, inputs));
  }

  block(name: string): ParamBlock {
    const found = this.layout.find((b) => b.name === name);
    if (!found) throw new Error(`no parameter ${name}`);
    return found;
  }

  /** Keras-style initialisation: uniform embeddings, Glorot kernels, the cell's biases (LSTM: forget gate 1). */
  initialize(seed: number): void {
    const rng = new Rng(seed);
    const p = this.parameterView();
    const cell = CELLS[this.cell];
    for (const block of this.layout) {
      const view = p.subarray(block.offset, block.offset + block.size);
      if (block.name.endsWith('/bias')) {
        view.fill(0);
        if (block.name.startsWith(`${this.cell}_`)) cell.initializeBias(view, block.size / cell.gates);
        continue;
      }
      const [fanIn, fanOut] = block.shape as [number, number];
      const limit = block.name.startsWith('embedding') ? 0.05 : Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < view.length; i++) view[i] = rng.uniform(-limit, limit);
    }
    this.parametersChanged();
  }

  parameterView(): Float32Array {
    return this.heap.floats(this.params, this.size);
  }

  gradientView(): Float32Array {
    return this.heap.floats(this.grads, this.size);
  }

  getParameters(): Float32Array {
    return this.parameterView().slice();
  }

  setParameters(values: Float32Array): void {
    if (values.length !== this.size) throw new Error(`expected ${this.size} parameters, got ${values.length}`);
    this.parameterView().set(values);
    this.parametersChanged();
  }

  parametersChanged(): void {
    this.packedFresh = false;
    this.inputTableFresh = false;
  }

  zeroGradients(): void {
    this.heap.k.fill(this.size, this.grads, 0);
  }

  gradientNorm(scale = 1): number {
    return Math.sqrt(this.heap.k.sum_squares(this.size, this.grads)) * Math.abs(scale);
  }

  /** Re-packs the weight panels after the parameters changed. */
  private pack(): void {
    if (this.packedFresh) return;
    const k = this.heap.k;
    this.layers.forEach((layer, index) => {
      const { inputs, columns, kernel } = layer.weights;
      const panels = this.kernelPanels[index]!;
      k.pack_b(0, inputs, columns, kernel, columns, panels.packed);
      k.pack_b(1, columns, inputs, kernel, columns, panels.transposed);
      layer.pack();
    });
    const H = this.topUnits;
    const V = this.config.vocabSize;
    k.pack_b(0, H, V, this.outKernel, V, this.outPacked);
    k.pack_b(1, V, H, this.outKernel, V, this.outTPacked);
    this.packedFresh = true;
  }

  private get topUnits(): number {
    return this.layers[this.layers.length - 1]!.weights.units;
  }

  private buffers(batchRows: number, T: number): BatchBuffers {
    if (this.batch && this.batch.capacity >= batchRows * T && this.batch.B >= batchRows) return this.batch;
    // Grow to cover this batch and every earlier one: batches of alternating shapes (windows, whole
    // pieces) would otherwise re-allocate on every call, and the heap does not free.
    const rows = Math.max(batchRows * T, this.batch?.capacity ?? 0);
    const B = Math.max(batchRows, this.batch?.B ?? 0);
    const heap = this.heap;
    const maxUnits = Math.max(...this.config.layers);
    const maxColumns = Math.max(...this.layers.map((l) => l.weights.columns));
    const dropout = this.config.dropout > 0;
    for (const layer of this.layers) layer.reserve(rows, B);
    this.batch = {
      capacity: rows,
      B,
      tokens: heap.alloc(rows),
      targets: heap.alloc(rows),
      embedded: heap.alloc(rows * this.config.embedding),
      gates: this.layers.map((l) => heap.alloc(rows * l.weights.columns)),
      outputs: this.layers.map((l) => heap.alloc(rows * l.weights.units)),
      masks: this.layers.map((l) => (dropout ? heap.alloc(rows * l.weights.units) : 0)),
      dropped: this.layers.map((l) => (dropout ? heap.alloc(rows * l.weights.units) : 0)),
      logits: heap.alloc(rows * this.config.vocabSize),
      dGates: heap.alloc(rows * maxColumns),
      dInputs: heap.alloc(rows * Math.max(maxUnits, this.config.embedding)),
    };
    return this.batch;
  }

  private carriedState(B: number, reset: Uint8Array): { vectors: number[][] } {
    if (reset.length !== B) throw new Error(`carry flags must hold one entry per batch row (${B})`);
    const k = this.heap.k;
    if (!this.carried || this.carried.B !== B) {
      const vectors = this.layers.map((l) => Array.from({ length: l.stateVectors }, () => this.heap.alloc(B * l.weights.units)));
      this.layers.forEach((l, i) => {
        for (const v of vectors[i]!) k.fill(B * l.weights.units, v, 0);
      });
      this.carried = { B, vectors };
    }
    const carried = this.carried;
    this.layers.forEach((l, i) => {
      const H = l.weights.units;
      for (let b = 0; b < B; b++) {
        if (!reset[b]) continue;
        for (const v of carried.vectors[i]!) k.fill(H, v + 4 * b * H, 0);
      }
    });
    return carried;
  }

  runBatch(inputs: Int32Array, targets: Int32Array, B: number, T: number, options: BatchOptions): BatchResult {
    if (inputs.length !== B * T || targets.length !== B * T) throw new Error(`batch arrays must hold ${B}×${T} ids`);
    this.pack();
    const k = this.heap.k;
    const buf = this.buffers(B, T);
    const rows = B * T;
    const V = this.config.vocabSize;
    const E = this.config.embedding;
    // Batch-major → time-major.
    const tok = this.heap.ints(buf.tokens, rows);
    const tgt = this.heap.ints(buf.targets, rows);
    let count = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const token = inputs[b * T + t]!;
        if (token < 0 || token >= V) throw new Error(`token id ${token} outside the vocabulary (size ${V})`);
        tok[t * B + b] = token;
        const target = targets[b * T + t]!;
        if (target >= V) throw new Error(`target id ${target} outside the vocabulary (size ${V})`);
        tgt[t * B + b] = target;
        if (target >= 0) count++;
      }
    }
    const dropoutRng = this.config.dropout > 0 ? options.dropoutRng : undefined;
    if (dropoutRng) this.drawMasks(buf, rows, dropoutRng);
    // Allocate before taking pointers: a later alloc may grow memory (pointers stay valid, views do not).
    const carried = options.carry ? this.carriedState(B, options.carry) : undefined;

    // Forward.
    k.embed_forward(rows, E, buf.tokens, this.embedding, buf.embedded);
    let input = buf.embedded;
    this.layers.forEach((layer, index) => {
      const { inputs: I, units: H, columns: G, bias } = layer.weights;
      const gates = buf.gates[index]!;
      const out = buf.outputs[index]!;
      k.gemm_packed(0, rows, G, I, input, I, this.kernelPanels[index]!.packed, gates, G, 0);
      k.add_row_bias(rows, G, gates, bias);
      layer.forward(B, T, gates, out, carried?.vectors[index]);
      if (dropoutRng) {
        k.mul_to(rows * H, buf.dropped[index]!, out, buf.masks[index]!);
        input = buf.dropped[index]!;
      } else {
        input = out;
      }
    });
    const H = this.topUnits;
    k.gemm_packed(0, rows, V, H, input, H, this.outPacked, buf.logits, V, 0);
    k.add_row_bias(rows, V, buf.logits, this.outBias);
    const loss = k.softmax_xent(rows, V, buf.logits, buf.targets, options.backward ? 1 : 0);
    if (options.backward && options.targetWeights) this.weightRows(options.targetWeights, buf.logits, B, T);
    if (!options.backward) {
      if (carried) this.keepFinalState(buf, carried, B, T);
      return { loss, count };
    }

    // Backward (logits now hold dLoss/dlogits).
    k.gemm(1, 0, H, V, rows, input, H, buf.logits, V, this.dOutKernel, V, 1);
    k.column_sums_add(rows, V, buf.logits, this.dOutBias);
    k.gemm_packed(0, rows, H, V, buf.logits, V, this.outTPacked, buf.dInputs, H, 0);
    for (let index = this.layers.length - 1; index >= 0; index--) {
      const layer = this.layers[index]!;
      const { inputs: I, units: Hl, columns: G, dKernel, dBias } = layer.weights;
      const dY = buf.dInputs; // [rows, H]: gradient w.r.t. this layer's (dropped) output
      if (dropoutRng) k.mul_into(rows * Hl, dY, buf.masks[index]!);
      layer.backward(B, T, buf.gates[index]!, buf.outputs[index]!, dY, buf.dGates, carried?.vectors[index]);
      const layerInput = index === 0 ? buf.embedded : dropoutRng ? buf.dropped[index - 1]! : buf.outputs[index - 1]!;
      k.gemm(1, 0, I, G, rows, layerInput, I, buf.dGates, G, dKernel, G, 1);
      k.column_sums_add(rows, G, buf.dGates, dBias);
      k.gemm_packed(0, rows, I, G, buf.dGates, G, this.kernelPanels[index]!.transposed, buf.dInputs, I, 0);
    }
    k.embed_backward(rows, E, buf.tokens, buf.dInputs, this.dEmbedding);
    if (carried) this.keepFinalState(buf, carried, B, T);
    return { loss, count };
  }

  /** Scales each position's dLoss/dlogits row (time-major) by its weight (batch-major). */
  private weightRows(weights: Float32Array, logits: number, B: number, T: number): void {
    if (weights.length !== B * T) throw new Error(`target weights must hold ${B}×${T} entries`);
    const V = this.config.vocabSize;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const w = weights[b * T + t]!;
        if (w !== 1) this.heap.k.scale_into(V, logits + 4 * (t * B + b) * V, w);
      }
    }
  }

  /** The last step's state becomes the next carried batch's starting state. */
  private keepFinalState(buf: BatchBuffers, carried: { vectors: number[][] }, B: number, T: number): void {
    this.layers.forEach((layer, index) => layer.keepFinalState(B, T, buf.outputs[index]!, carried.vectors[index]!));
  }

  private drawMasks(buf: BatchBuffers, rows: number, rng: Rng): void {
    const keep = 1 - this.config.dropout;
    const scale = 1 / keep;
    this.layers.forEach((l, index) => {
      const mask = this.heap.floats(buf.masks[index]!, rows * l.weights.units);
      for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < keep ? scale : 0;
    });
  }

  lastProbabilities(B: number, T: number): Float32Array {
    return this.heap.floats(this.batch!.logits, B * T * this.config.vocabSize);
  }

  // ---- generation ------------------------------------------------------------

  createState(batch: number): GenerationState {
    const heap = this.heap;
    const maxUnits = Math.max(...this.config.layers);
    const state: StreamState = {
      owner: this,
      batch,
      vectors: this.layers.map((l) => Array.from({ length: l.stateVectors }, () => heap.alloc(batch * l.weights.units))),
      gates: heap.alloc(batch * Math.max(...this.layers.map((l) => l.weights.columns))),
      scratch: heap.alloc(batch * maxUnits),
      tokens: heap.alloc(batch),
      probs: heap.alloc(batch * this.config.vocabSize),
    };
    this.resetState(state);
    return state;
  }

  pooledState(batch: number): GenerationState {
    let state = this.statePool.get(batch);
    if (!state) {
      state = this.own(this.createState(batch));
      this.statePool.set(batch, state);
    } else {
      this.resetState(state);
    }
    return state;
  }

  private own(state: GenerationState): StreamState {
    if ((state as Partial<StreamState>).owner !== this) throw new Error('generation state of another model');
    return state as StreamState;
  }

  private resetState(state: StreamState): void {
    const k = this.heap.k;
    this.layers.forEach((l, i) => {
      for (const v of state.vectors[i]!) k.fill(state.batch * l.weights.units, v, 0);
    });
  }

  private ensureInputTable(): void {
    this.pack();
    if (this.inputTableFresh) return;
    const k = this.heap.k;
    const { columns: G, bias } = this.layers[0]!.weights;
    const V = this.config.vocabSize;
    const E = this.config.embedding;
    if (!this.inputTable) this.inputTable = this.heap.alloc(V * G);
    // One-hot input: x·W0 + b0 is a row lookup in (embedding · W0 + b0).
    k.gemm_packed(0, V, G, E, this.embedding, E, this.kernelPanels[0]!.packed, this.inputTable, G, 0);
    k.add_row_bias(V, G, this.inputTable, bias);
    this.inputTableFresh = true;
  }

  step(generationState: GenerationState, tokens: ArrayLike<number>): Float32Array {
    const state = this.own(generationState);
    this.ensureInputTable();
    const k = this.heap.k;
    const B = state.batch;
    const V = this.config.vocabSize;
    const tok = this.heap.ints(state.tokens, B);
    for (let b = 0; b < B; b++) {
      const token = tokens[b]!;
      if (!(token >= 0 && token < V)) throw new Error(`token id ${token} outside the vocabulary (size ${V})`);
      tok[b] = token;
    }
    this.layers.forEach((layer, index) => {
      const { inputs: I, columns: G, bias } = layer.weights;
      if (index === 0) {
        k.embed_forward(B, G, state.tokens, this.inputTable, state.gates);
      } else {
        const below = state.vectors[index - 1]![0]!;
        const panel = this.kernelPanels[index]!.packed;
        if (B === 1) k.gemv_packed(G, I, below, panel, state.gates, 0);
        else k.gemm_packed(0, B, G, I, below, I, panel, state.gates, G, 0);
        k.add_row_bias(B, G, state.gates, bias);
      }
      layer.step(B, state.gates, state.vectors[index]!, state.scratch);
    });
    const H = this.topUnits;
    const hTop = state.vectors[this.layers.length - 1]![0]!;
    if (B === 1) k.gemv_packed(V, H, hTop, this.outPacked, state.probs, 0);
    else k.gemm_packed(0, B, V, H, hTop, H, this.outPacked, state.probs, V, 0);
    k.add_row_bias(B, V, state.probs, this.outBias);
    k.softmax_xent(B, V, state.probs, 0, 0);
    return this.heap.floats(state.probs, B * V);
  }
}
