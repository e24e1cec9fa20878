import { type ModelConfig, type ParamBlock, paramCount, paramLayout } from './config.js';
import { KernelHeap } from './kernels.js';
import { Rng } from './rng.js';

interface LayerPointers {
  inputs: number;
  units: number;
  kernel: number; // [in, 4H]
  recurrent: number; // [H, 4H]
  bias: number; // [4H]
  dKernel: number;
  dRecurrent: number;
  dBias: number;
  kernelPacked: number; // pack(kernel)              x·W
  recurrentPacked: number; // pack(recurrent)        h·U
  recurrentTPacked: number; // pack(recurrentᵀ)      dG·Uᵀ
  kernelTPacked: number; // pack(kernelᵀ)            dG·Wᵀ
}

interface BatchBuffers {
  capacity: number; // rows = B*T
  tokens: number;
  targets: number;
  embedded: number; // [rows, E]
  gates: number[]; // per layer [rows, 4H] (activations after forward)
  cells: number[]; // per layer [rows, H]
  tanhCells: number[];
  outputs: number[]; // per layer [rows, H]
  masks: number[]; // per layer [rows, H] dropout masks (scaled)
  dropped: number[]; // per layer [rows, H] outputs × mask
  logits: number; // [rows, V]
  dGates: number; // [rows, 4H max]
  dInputs: number; // [rows, max(E, H)]
  dCell: number; // [B, H max]
  dHidden: number; // [B, H max]
}

export interface BatchOptions {
  /** Compute gradients (added to the gradient vector) as well as the loss. */
  backward: boolean;
  /** Dropout masks are drawn from this generator when the model has dropout; none = evaluation mode. */
  dropoutRng?: Rng;
  /**
   * Stateful truncated BPTT: start every row from the LSTM state the previous carried batch
   * ended in (same row), except rows flagged 1 here, which start from zero (a new piece).
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

export interface AdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_ADAM: AdamSettings = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/**
 * The stacked-LSTM network on the wasm kernels: embedding → LSTM×N → dense
 * softmax. Float32 throughout; parameters, gradients and Adam moments are each
 * one contiguous vector in Keras layout (see paramLayout). Activations are
 * time-major (row = t*B + b) so each time step is one contiguous block and
 * every GEMM is a plain one against a pre-packed weight panel.
 */
export class LstmNetwork {
  readonly config: ModelConfig;
  readonly layout: ParamBlock[];
  readonly size: number;
  readonly heap: KernelHeap;
  readonly params: number;
  readonly grads: number;
  private adamM = 0;
  private adamV = 0;
  /** Completed Adam steps (bias correction). */
  adamStep = 0;
  private readonly layers: LayerPointers[];
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
  /** Generation: (embedding · W0 + b0) per token, [V, 4H0]. */
  private inputTable = 0;
  private inputTableFresh = false;

  constructor(config: ModelConfig) {
    this.config = config;
    this.layout = paramLayout(config);
    this.size = paramCount(config);
    const heap = (this.heap = new KernelHeap());
    const k = heap.k;
    this.params = heap.alloc(this.size);
    this.grads = heap.alloc(this.size);
    const at = (base: number, name: string): number => base + 4 * this.block(name).offset;
    this.embedding = at(this.params, 'embedding/embeddings');
    this.dEmbedding = at(this.grads, 'embedding/embeddings');
    this.outKernel = at(this.params, 'output/kernel');
    this.outBias = at(this.params, 'output/bias');
    this.dOutKernel = at(this.grads, 'output/kernel');
    this.dOutBias = at(this.grads, 'output/bias');
    let inputs = config.embedding;
    this.layers = config.layers.map((units, index) => {
      const name = `lstm_${index + 1}`;
      const layer: LayerPointers = {
        inputs,
        units,
        kernel: at(this.params, `${name}/kernel`),
        recurrent: at(this.params, `${name}/recurrent_kernel`),
        bias: at(this.params, `${name}/bias`),
        dKernel: at(this.grads, `${name}/kernel`),
        dRecurrent: at(this.grads, `${name}/recurrent_kernel`),
        dBias: at(this.grads, `${name}/bias`),
        kernelPacked: heap.alloc(k.packed_size(inputs, 4 * units)),
        recurrentPacked: heap.alloc(k.packed_size(units, 4 * units)),
        recurrentTPacked: heap.alloc(k.packed_size(4 * units, units)),
        kernelTPacked: heap.alloc(k.packed_size(4 * units, inputs)),
      };
      inputs = units;
      return layer;
    });
    this.outPacked = heap.alloc(k.packed_size(inputs, config.vocabSize));
    this.outTPacked = heap.alloc(k.packed_size(config.vocabSize, inputs));
  }

  block(name: string): ParamBlock {
    const found = this.layout.find((b) => b.name === name);
    if (!found) throw new Error(`no parameter ${name}`);
    return found;
  }

  /** Keras-style initialisation: uniform embeddings, Glorot kernels, forget-gate bias 1. */
  initialize(seed: number): void {
    const rng = new Rng(seed);
    const p = this.parameterView();
    for (const block of this.layout) {
      const view = p.subarray(block.offset, block.offset + block.size);
      if (block.name.endsWith('/bias')) {
        view.fill(0);
        if (block.name.startsWith('lstm_')) {
          const units = block.size / 4;
          view.fill(1, units, 2 * units);
        }
        continue;
      }
      const [fanIn, fanOut] = block.shape as [number, number];
      const limit = block.name.startsWith('embedding') ? 0.05 : Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < view.length; i++) view[i] = rng.uniform(-limit, limit);
    }
    this.parametersChanged();
  }

  /** Live view of the parameter vector; call parametersChanged() after writing. */
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

  /** Re-packs the weight panels after the parameters changed. */
  private pack(): void {
    if (this.packedFresh) return;
    const k = this.heap.k;
    for (const l of this.layers) {
      const G = 4 * l.units;
      k.pack_b(0, l.inputs, G, l.kernel, G, l.kernelPacked);
      k.pack_b(0, l.units, G, l.recurrent, G, l.recurrentPacked);
      k.pack_b(1, G, l.units, l.recurrent, G, l.recurrentTPacked);
      k.pack_b(1, G, l.inputs, l.kernel, G, l.kernelTPacked);
    }
    const H = this.layers[this.layers.length - 1]!.units;
    const V = this.config.vocabSize;
    k.pack_b(0, H, V, this.outKernel, V, this.outPacked);
    k.pack_b(1, V, H, this.outKernel, V, this.outTPacked);
    this.packedFresh = true;
  }

  private buffers(batchRows: number, T: number): BatchBuffers {
    if (this.batch && this.batch.capacity >= batchRows * T && this.batchB >= batchRows) return this.batch;
    // Grow to cover this batch and every earlier one: batches of alternating shapes (windows, whole
    // pieces) would otherwise re-allocate on every call, and the heap does not free.
    const rows = Math.max(batchRows * T, this.batch?.capacity ?? 0);
    const B = Math.max(batchRows, this.batchB);
    const heap = this.heap;
    const maxUnits = Math.max(...this.config.layers);
    const dropout = this.config.dropout > 0;
    this.batchB = B;
    this.batch = {
      capacity: rows,
      tokens: heap.alloc(rows),
      targets: heap.alloc(rows),
      embedded: heap.alloc(rows * this.config.embedding),
      gates: this.layers.map((l) => heap.alloc(rows * 4 * l.units)),
      cells: this.layers.map((l) => heap.alloc(rows * l.units)),
      tanhCells: this.layers.map((l) => heap.alloc(rows * l.units)),
      outputs: this.layers.map((l) => heap.alloc(rows * l.units)),
      masks: this.layers.map((l) => (dropout ? heap.alloc(rows * l.units) : 0)),
      dropped: this.layers.map((l) => (dropout ? heap.alloc(rows * l.units) : 0)),
      logits: heap.alloc(rows * this.config.vocabSize),
      dGates: heap.alloc(rows * 4 * maxUnits),
      dInputs: heap.alloc(rows * Math.max(maxUnits, this.config.embedding)),
      dCell: heap.alloc(B * maxUnits),
      dHidden: heap.alloc(B * maxUnits),
    };
    return this.batch;
  }
  private batchB = 0;

  /** Per layer [B, H] h and c carried between batches (stateful training), allocated on first use. */
  private carried: { B: number; h: number[]; c: number[] } | undefined;

  private carriedState(B: number, reset: Uint8Array): { h: number[]; c: number[] } {
    if (reset.length !== B) throw new Error(`carry flags must hold one entry per batch row (${B})`);
    const k = this.heap.k;
    if (!this.carried || this.carried.B !== B) {
      this.carried = { B, h: this.layers.map((l) => this.heap.alloc(B * l.units)), c: this.layers.map((l) => this.heap.alloc(B * l.units)) };
      this.layers.forEach((l, i) => {
        k.fill(B * l.units, this.carried!.h[i]!, 0);
        k.fill(B * l.units, this.carried!.c[i]!, 0);
      });
    }
    const carried = this.carried;
    this.layers.forEach((l, i) => {
      for (let b = 0; b < B; b++) {
        if (!reset[b]) continue;
        k.fill(l.units, carried.h[i]! + 4 * b * l.units, 0);
        k.fill(l.units, carried.c[i]! + 4 * b * l.units, 0);
      }
    });
    return carried;
  }

  /**
   * Runs one batch. `inputs` and `targets` are batch-major [B][T] token ids;
   * a target < 0 is ignored (padding). Returns the summed loss; with
   * `backward` the gradient of that sum is added to the gradient vector.
   */
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
    this.layers.forEach((l, index) => {
      const H = l.units;
      const G = 4 * H;
      const gates = buf.gates[index]!;
      const cells = buf.cells[index]!;
      const tanhCells = buf.tanhCells[index]!;
      const out = buf.outputs[index]!;
      k.gemm_packed(0, rows, G, l.inputs, input, l.inputs, l.kernelPacked, gates, G, 0);
      k.add_row_bias(rows, G, gates, l.bias);
      for (let t = 0; t < T; t++) {
        const g = gates + 4 * t * B * G;
        const hPrev = t > 0 ? out + 4 * (t - 1) * B * H : (carried?.h[index] ?? 0);
        if (hPrev) k.gemm_packed(0, B, G, H, hPrev, H, l.recurrentPacked, g, G, 1);
        const cPrev = t > 0 ? cells + 4 * (t - 1) * B * H : (carried?.c[index] ?? 0);
        const o = 4 * t * B * H;
        k.lstm_cell_forward(B, H, g, cPrev, cells + o, tanhCells + o, out + o, H);
      }
      if (dropoutRng) {
        k.mul_to(rows * H, buf.dropped[index]!, out, buf.masks[index]!);
        input = buf.dropped[index]!;
      } else {
        input = out;
      }
    });
    const top = this.layers[this.layers.length - 1]!;
    const H = top.units;
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
      const l = this.layers[index]!;
      const Hl = l.units;
      const G = 4 * Hl;
      const dY = buf.dInputs; // [rows, H]: gradient w.r.t. this layer's (dropped) output
      if (dropoutRng) k.mul_into(rows * Hl, dY, buf.masks[index]!);
      const gates = buf.gates[index]!;
      const cells = buf.cells[index]!;
      const tanhCells = buf.tanhCells[index]!;
      const out = buf.outputs[index]!;
      k.fill(B * Hl, buf.dCell, 0);
      for (let t = T - 1; t >= 0; t--) {
        const o = 4 * t * B * Hl;
        if (t < T - 1) k.add_into(B * Hl, dY + o, buf.dHidden);
        const cPrev = t > 0 ? cells + 4 * (t - 1) * B * Hl : (carried?.c[index] ?? 0);
        const dG = buf.dGates + 4 * t * B * G;
        k.lstm_cell_backward(B, Hl, gates + 4 * t * B * G, cPrev, tanhCells + o, dY + o, buf.dCell, dG);
        if (t > 0) k.gemm_packed(0, B, Hl, G, dG, G, l.recurrentTPacked, buf.dHidden, Hl, 0);
      }
      // dU += h_{t-1}ᵀ · dG_t for t ≥ 1: output rows [0, (T-1)B) against dG rows [B, TB).
      if (T > 1) k.gemm(1, 0, Hl, G, (T - 1) * B, out, Hl, buf.dGates + 4 * B * G, G, l.dRecurrent, G, 1);
      // …and for t = 0 against the carried state (its own gradient is truncated).
      if (carried) k.gemm(1, 0, Hl, G, B, carried.h[index]!, Hl, buf.dGates, G, l.dRecurrent, G, 1);
      const layerInput = index === 0 ? buf.embedded : dropoutRng ? buf.dropped[index - 1]! : buf.outputs[index - 1]!;
      k.gemm(1, 0, l.inputs, G, rows, layerInput, l.inputs, buf.dGates, G, l.dKernel, G, 1);
      k.column_sums_add(rows, G, buf.dGates, l.dBias);
      k.gemm_packed(0, rows, l.inputs, G, buf.dGates, G, l.kernelTPacked, buf.dInputs, l.inputs, 0);
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

  /** The last step's h and c become the next carried batch's starting state. */
  private keepFinalState(buf: BatchBuffers, carried: { h: number[]; c: number[] }, B: number, T: number): void {
    const k = this.heap.k;
    this.layers.forEach((l, index) => {
      const last = 4 * (T - 1) * B * l.units;
      k.copy(B * l.units, carried.h[index]!, buf.outputs[index]! + last);
      k.copy(B * l.units, carried.c[index]!, buf.cells[index]! + last);
    });
  }

  private drawMasks(buf: BatchBuffers, rows: number, rng: Rng): void {
    const keep = 1 - this.config.dropout;
    const scale = 1 / keep;
    this.layers.forEach((l, index) => {
      const mask = this.heap.floats(buf.masks[index]!, rows * l.units);
      for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < keep ? scale : 0;
    });
  }

  /** Softmax probabilities of the last runBatch, time-major [T*B, V] (valid until the next call). */
  lastProbabilities(B: number, T: number): Float32Array {
    return this.heap.floats(this.batch!.logits, B * T * this.config.vocabSize);
  }

  /** Global L2 norm of the gradient vector (after scaling by `scale`). */
  gradientNorm(scale = 1): number {
    return Math.sqrt(this.heap.k.sum_squares(this.size, this.grads)) * Math.abs(scale);
  }

  /**
   * One Adam step on the gradient vector scaled by `gradScale` (e.g. 1/tokens
   * to turn a summed loss into a mean), clipped to `clipNorm` when > 0.
   */
  applyAdam(settings: AdamSettings, gradScale: number, clipNorm = 0): void {
    const k = this.heap.k;
    if (!this.adamM) {
      this.adamM = this.heap.alloc(this.size);
      this.adamV = this.heap.alloc(this.size);
      k.fill(this.size, this.adamM, 0);
      k.fill(this.size, this.adamV, 0);
    }
    let scale = gradScale;
    if (clipNorm > 0) {
      const norm = this.gradientNorm(gradScale);
      if (norm > clipNorm) scale *= clipNorm / norm;
    }
    this.adamStep++;
    const c1 = 1 - Math.pow(settings.beta1, this.adamStep);
    const c2 = Math.sqrt(1 - Math.pow(settings.beta2, this.adamStep));
    k.adam_update(
      this.size,
      this.params,
      this.grads,
      this.adamM,
      this.adamV,
      (settings.learningRate * c2) / c1,
      settings.beta1,
      settings.beta2,
      settings.epsilon * c2,
      scale,
    );
    this.parametersChanged();
  }

  /** Adam moments for checkpoints: [m, v] copies (zeros before the first step). */
  getOptimizerState(): { step: number; m: Float32Array; v: Float32Array } {
    if (!this.adamM) return { step: 0, m: new Float32Array(this.size), v: new Float32Array(this.size) };
    return { step: this.adamStep, m: this.heap.floats(this.adamM, this.size).slice(), v: this.heap.floats(this.adamV, this.size).slice() };
  }

  setOptimizerState(state: { step: number; m: Float32Array; v: Float32Array }): void {
    if (!this.adamM) {
      this.adamM = this.heap.alloc(this.size);
      this.adamV = this.heap.alloc(this.size);
    }
    this.heap.floats(this.adamM, this.size).set(state.m);
    this.heap.floats(this.adamV, this.size).set(state.v);
    this.adamStep = state.step;
  }

  // ---- generation ------------------------------------------------------------

  /** Creates recurrent state for `batch` parallel streams (zeros = start of a stream). */
  createState(batch: number): GenerationState {
    const heap = this.heap;
    const V = this.config.vocabSize;
    const state: GenerationState = {
      batch,
      hidden: this.layers.map((l) => heap.alloc(batch * l.units)),
      cells: this.layers.map((l) => heap.alloc(batch * l.units)),
      gates: heap.alloc(batch * 4 * Math.max(...this.config.layers)),
      tanhCells: heap.alloc(batch * Math.max(...this.config.layers)),
      tokens: heap.alloc(batch),
      probs: heap.alloc(batch * V),
    };
    this.resetState(state);
    return state;
  }

  /** A reusable state for `batch` streams (reset to zeros); shared by callers of this network. */
  pooledState(batch: number): GenerationState {
    let state = this.statePool.get(batch);
    if (!state) {
      state = this.createState(batch);
      this.statePool.set(batch, state);
    } else {
      this.resetState(state);
    }
    return state;
  }
  private readonly statePool = new Map<number, GenerationState>();

  resetState(state: GenerationState): void {
    const k = this.heap.k;
    this.layers.forEach((l, i) => {
      k.fill(state.batch * l.units, state.hidden[i]!, 0);
      k.fill(state.batch * l.units, state.cells[i]!, 0);
    });
  }

  /** Copies the recurrent state (h, c per layer) out, e.g. to branch a stream. */
  saveState(state: GenerationState): Float32Array[] {
    return this.layers.flatMap((l, i) => [
      this.heap.floats(state.hidden[i]!, state.batch * l.units).slice(),
      this.heap.floats(state.cells[i]!, state.batch * l.units).slice(),
    ]);
  }

  restoreState(state: GenerationState, saved: Float32Array[]): void {
    this.layers.forEach((l, i) => {
      this.heap.floats(state.hidden[i]!, state.batch * l.units).set(saved[2 * i]!);
      this.heap.floats(state.cells[i]!, state.batch * l.units).set(saved[2 * i + 1]!);
    });
  }

  private ensureInputTable(): void {
    this.pack();
    if (this.inputTableFresh) return;
    const k = this.heap.k;
    const l0 = this.layers[0]!;
    const G = 4 * l0.units;
    const V = this.config.vocabSize;
    if (!this.inputTable) this.inputTable = this.heap.alloc(V * G);
    // One-hot input: x·W0 + b0 is a row lookup in (embedding · W0 + b0).
    k.gemm_packed(0, V, G, this.config.embedding, this.embedding, this.config.embedding, l0.kernelPacked, this.inputTable, G, 0);
    k.add_row_bias(V, G, this.inputTable, l0.bias);
    this.inputTableFresh = true;
  }

  /**
   * Advances every stream by one token and returns the next-token
   * distributions [batch, V] (a live view, valid until the next call).
   */
  step(state: GenerationState, tokens: ArrayLike<number>): Float32Array {
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
    this.layers.forEach((l, index) => {
      const H = l.units;
      const G = 4 * H;
      const h = state.hidden[index]!;
      const c = state.cells[index]!;
      if (index === 0) {
        k.embed_forward(B, G, state.tokens, this.inputTable, state.gates);
      } else {
        const below = state.hidden[index - 1]!;
        if (B === 1) k.gemv_packed(G, l.inputs, below, l.kernelPacked, state.gates, 0);
        else k.gemm_packed(0, B, G, l.inputs, below, l.inputs, l.kernelPacked, state.gates, G, 0);
        k.add_row_bias(B, G, state.gates, l.bias);
      }
      if (B === 1) k.gemv_packed(G, H, h, l.recurrentPacked, state.gates, 1);
      else k.gemm_packed(0, B, G, H, h, H, l.recurrentPacked, state.gates, G, 1);
      k.lstm_cell_forward(B, H, state.gates, c, c, state.tanhCells, h, H);
    });
    const top = this.layers[this.layers.length - 1]!;
    const hTop = state.hidden[this.layers.length - 1]!;
    if (B === 1) k.gemv_packed(V, top.units, hTop, this.outPacked, state.probs, 0);
    else k.gemm_packed(0, B, V, top.units, hTop, top.units, this.outPacked, state.probs, V, 0);
    k.add_row_bias(B, V, state.probs, this.outBias);
    k.softmax_xent(B, V, state.probs, 0, 0);
    return this.heap.floats(state.probs, B * V);
  }
}

/** Recurrent state of `batch` generation streams inside a network's heap. */
export interface GenerationState {
  batch: number;
  hidden: number[];
  cells: number[];
  gates: number;
  tanhCells: number;
  tokens: number;
  probs: number;
}
