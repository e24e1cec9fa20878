import type { KernelHeap } from './kernels.js';
import type { LayerWeights, RecurrentLayer } from './recurrent-layer.js';

/**
 * GRU cell as Keras / TensorFlow.js run it (reset_after = false; gates z, r, n):
 * z, r = σ(x·W + h·U[z r] + b), n = tanh(x·Wn + (r·h)·Un + bn), h' = z·h + (1 − z)·n.
 * Two recurrent GEMMs per step, U[z r] before gru_reset_forward and Un after it, since
 * the candidate's product needs the reset gate.
 */
export class GruLayer implements RecurrentLayer {
  readonly stateVectors = 1; // h
  private readonly updateResetPacked: number; // pack(U[z r])    h·U[z r]
  private readonly candidatePacked: number; // pack(Un)          (r·h)·Un
  private readonly updateResetTPacked: number; // pack(U[z r]ᵀ)  dG[z r]·U[z r]ᵀ
  private readonly candidateTPacked: number; // pack(Unᵀ)        dG[n]·Unᵀ
  private resetHidden = 0; // [rows, H] r·h₋₁, the input of the candidate's product
  private dHidden = 0; // [B, H]
  private dResetHidden = 0; // [B, H]

  constructor(
    private readonly heap: KernelHeap,
    readonly weights: LayerWeights,
  ) {
    const k = heap.k;
    const H = weights.units;
    this.updateResetPacked = heap.alloc(k.packed_size(H, 2 * H));
    this.candidatePacked = heap.alloc(k.packed_size(H, H));
    this.updateResetTPacked = heap.alloc(k.packed_size(2 * H, H));
    this.candidateTPacked = heap.alloc(k.packed_size(H, H));
  }

  /** Byte offset of the candidate's block (columns [2H, 3H)) in a row of width 3H starting at `row`. */
  private candidate(row: number): number {
    return row + 4 * 2 * this.weights.units;
  }

  pack(): void {
    const k = this.heap.k;
    const { units: H, columns: G, recurrent } = this.weights;
    k.pack_b(0, H, 2 * H, recurrent, G, this.updateResetPacked);
    k.pack_b(0, H, H, this.candidate(recurrent), G, this.candidatePacked);
    k.pack_b(1, 2 * H, H, recurrent, G, this.updateResetTPacked);
    k.pack_b(1, H, H, this.candidate(recurrent), G, this.candidateTPacked);
  }

  reserve(rows: number, B: number): void {
    const H = this.weights.units;
    this.resetHidden = this.heap.alloc(rows * H);
    this.dHidden = this.heap.alloc(B * H);
    this.dResetHidden = this.heap.alloc(B * H);
  }

  forward(B: number, T: number, gates: number, out: number, start: readonly number[] | undefined): void {
    const k = this.heap.k;
    const H = this.weights.units;
    const G = this.weights.columns;
    for (let t = 0; t < T; t++) {
      const g = gates + 4 * t * B * G;
      const o = 4 * t * B * H;
      const hPrev = t > 0 ? out + o - 4 * B * H : (start?.[0] ?? 0);
      if (hPrev) k.gemm_packed(0, B, 2 * H, H, hPrev, H, this.updateResetPacked, g, G, 1);
      k.gru_reset_forward(B, H, g, hPrev, this.resetHidden + o);
      if (hPrev) k.gemm_packed(0, B, H, H, this.resetHidden + o, H, this.candidatePacked, this.candidate(g), G, 1);
      k.gru_cell_forward(B, H, g, hPrev, out + o);
    }
  }

  backward(B: number, T: number, gates: number, out: number, dOut: number, dGates: number, start: readonly number[] | undefined): void {
    const k = this.heap.k;
    const H = this.weights.units;
    const G = this.weights.columns;
    for (let t = T - 1; t >= 0; t--) {
      const o = 4 * t * B * H;
      if (t < T - 1) k.add_into(B * H, dOut + o, this.dHidden);
      const hPrev = t > 0 ? out + o - 4 * B * H : (start?.[0] ?? 0);
      const g = gates + 4 * t * B * G;
      const dG = dGates + 4 * t * B * G;
      // dG[z n] and dh₋₁ = dh·z; with no previous state r has no effect (dG[r] = 0).
      k.gru_cell_backward(B, H, g, hPrev, dOut + o, dG, this.dHidden);
      if (!hPrev) continue;
      k.gemm_packed(0, B, H, H, this.candidate(dG), G, this.candidateTPacked, this.dResetHidden, H, 0);
      k.gru_reset_backward(B, H, g, hPrev, this.dResetHidden, dG, this.dHidden);
      if (t > 0) k.gemm_packed(0, B, H, 2 * H, dG, G, this.updateResetTPacked, this.dHidden, H, 1);
    }
    const dU = this.weights.dRecurrent;
    // dU[z r] += h_{t-1}ᵀ · dG[z r]_t for t ≥ 1, and for t = 0 against the carried state.
    if (T > 1) k.gemm(1, 0, H, 2 * H, (T - 1) * B, out, H, dGates + 4 * B * G, G, dU, G, 1);
    if (start) k.gemm(1, 0, H, 2 * H, B, start[0]!, H, dGates, G, dU, G, 1);
    // dUn += (r·h_{t-1})ᵀ · dG[n]_t over every step (zero rows where there was no previous state).
    k.gemm(1, 0, H, H, T * B, this.resetHidden, H, this.candidate(dGates), G, this.candidate(dU), G, 1);
  }

  keepFinalState(B: number, T: number, out: number, carried: readonly number[]): void {
    const H = this.weights.units;
    this.heap.k.copy(B * H, carried[0]!, out + 4 * (T - 1) * B * H);
  }

  step(B: number, gates: number, state: readonly number[], scratch: number): void {
    const k = this.heap.k;
    const H = this.weights.units;
    const G = this.weights.columns;
    const h = state[0]!;
    if (B === 1) k.gemv_packed(2 * H, H, h, this.updateResetPacked, gates, 1);
    else k.gemm_packed(0, B, 2 * H, H, h, H, this.updateResetPacked, gates, G, 1);
    k.gru_reset_forward(B, H, gates, h, scratch);
    if (B === 1) k.gemv_packed(H, H, scratch, this.candidatePacked, this.candidate(gates), 1);
    else k.gemm_packed(0, B, H, H, scratch, H, this.candidatePacked, this.candidate(gates), G, 1);
    k.gru_cell_forward(B, H, gates, h, h);
  }
}
