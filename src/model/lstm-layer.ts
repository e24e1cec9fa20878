import type { KernelHeap } from './kernels.js';
import type { LayerWeights, RecurrentLayer } from './recurrent-layer.js';

/**
 * LSTM cell (Keras gates i, f, c, o): c = f·c₋₁ + i·g, h = o·tanh(c), fused in
 * lstm_cell_forward / lstm_cell_backward; one recurrent GEMM against U per step.
 */
export class LstmLayer implements RecurrentLayer {
  readonly stateVectors = 2; // h, c
  private readonly recurrentPacked: number; // pack(U)    h·U
  private readonly recurrentTPacked: number; // pack(Uᵀ)  dG·Uᵀ
  private cells = 0; // [rows, H]
  private tanhCells = 0; // [rows, H]
  private dCell = 0; // [B, H]
  private dHidden = 0; // [B, H]

  constructor(
    private readonly heap: KernelHeap,
    readonly weights: LayerWeights,
  ) {
    const { units, columns } = weights;
    this.recurrentPacked = heap.alloc(heap.k.packed_size(units, columns));
    this.recurrentTPacked = heap.alloc(heap.k.packed_size(columns, units));
  }

  pack(): void {
    const { units, columns, recurrent } = this.weights;
    this.heap.k.pack_b(0, units, columns, recurrent, columns, this.recurrentPacked);
    this.heap.k.pack_b(1, columns, units, recurrent, columns, this.recurrentTPacked);
  }

  reserve(rows: number, B: number): void {
    const H = this.weights.units;
    this.cells = this.heap.alloc(rows * H);
    this.tanhCells = this.heap.alloc(rows * H);
    this.dCell = this.heap.alloc(B * H);
    this.dHidden = this.heap.alloc(B * H);
  }

  forward(B: number, T: number, gates: number, out: number, start: readonly number[] | undefined): void {
    const k = this.heap.k;
    const H = this.weights.units;
    const G = this.weights.columns;
    for (let t = 0; t < T; t++) {
      const g = gates + 4 * t * B * G;
      const hPrev = t > 0 ? out + 4 * (t - 1) * B * H : (start?.[0] ?? 0);
      if (hPrev) k.gemm_packed(0, B, G, H, hPrev, H, this.recurrentPacked, g, G, 1);
      const cPrev = t > 0 ? this.cells + 4 * (t - 1) * B * H : (start?.[1] ?? 0);
      const o = 4 * t * B * H;
      k.lstm_cell_forward(B, H, g, cPrev, this.cells + o, this.tanhCells + o, out + o, H);
    }
  }

  backward(B: number, T: number, gates: number, out: number, dOut: number, dGates: number, start: readonly number[] | undefined): void {
    const k = this.heap.k;
    const H = this.weights.units;
    const G = this.weights.columns;
    k.fill(B * H, this.dCell, 0);
    for (let t = T - 1; t >= 0; t--) {
      const o = 4 * t * B * H;
      if (t < T - 1) k.add_into(B * H, dOut + o, this.dHidden);
      const cPrev = t > 0 ? this.cells + 4 * (t - 1) * B * H : (start?.[1] ?? 0);
      const dG = dGates + 4 * t * B * G;
      k.lstm_cell_backward(B, H, gates + 4 * t * B * G, cPrev, this.tanhCells + o, dOut + o, this.dCell, dG);
      if (t > 0) k.gemm_packed(0, B, H, G, dG, G, this.recurrentTPacked, this.dHidden, H, 0);
    }
    // dU += h_{t-1}ᵀ · dG_t for t ≥ 1: output rows [0, (T-1)B) against dG rows [B, TB).
    if (T > 1) k.gemm(1, 0, H, G, (T - 1) * B, out, H, dGates + 4 * B * G, G, this.weights.dRecurrent, G, 1);
    // …and for t = 0 against the carried state (its own gradient is truncated).
    if (start) k.gemm(1, 0, H, G, B, start[0]!, H, dGates, G, this.weights.dRecurrent, G, 1);
  }

  keepFinalState(B: number, T: number, out: number, carried: readonly number[]): void {
    const H = this.weights.units;
    const last = 4 * (T - 1) * B * H;
    this.heap.k.copy(B * H, carried[0]!, out + last);
    this.heap.k.copy(B * H, carried[1]!, this.cells + last);
  }

  step(B: number, gates: number, state: readonly number[], scratch: number): void {
    const k = this.heap.k;
    const H = this.weights.units;
    const G = this.weights.columns;
    const [h, c] = state as [number, number];
    if (B === 1) k.gemv_packed(G, H, h, this.recurrentPacked, gates, 1);
    else k.gemm_packed(0, B, G, H, h, H, this.recurrentPacked, gates, G, 1);
    k.lstm_cell_forward(B, H, gates, c, c, scratch, h, H);
  }
}
