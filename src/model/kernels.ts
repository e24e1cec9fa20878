import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MissingDependencyError } from '../util/errors.js';

// The project compiles without lib "dom", which is where TypeScript declares
// WebAssembly; these are the few pieces used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Exports of wasm/kernels.wasm (see wasm/kernels.c); pointers are byte offsets. */
export interface KernelExports {
  memory: WasmMemory;
  __heap_base: { value: number };
  packed_size(K: number, N: number): number;
  pack_b(transB: number, K: number, N: number, B: number, ldb: number, out: number): void;
  gemm_packed(transA: number, M: number, N: number, K: number, A: number, lda: number, Bp: number, C: number, ldc: number, accumulate: number): void;
  gemm(
    transA: number,
    transB: number,
    M: number,
    N: number,
    K: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    C: number,
    ldc: number,
    accumulate: number,
  ): void;
  gemv_packed(N: number, K: number, x: number, Bp: number, y: number, accumulate: number): void;
  lstm_cell_forward(B: number, H: number, gates: number, cprev: number, c: number, tanhc: number, h: number, hstride: number): void;
  lstm_cell_backward(B: number, H: number, gates: number, cprev: number, tanhc: number, dh: number, dc: number, dgates: number): void;
  gru_reset_forward(B: number, H: number, gates: number, hprev: number, rh: number): void;
  gru_cell_forward(B: number, H: number, gates: number, hprev: number, h: number): void;
  gru_cell_backward(B: number, H: number, gates: number, hprev: number, dh: number, dgates: number, dhprev: number): void;
  gru_reset_backward(B: number, H: number, gates: number, hprev: number, drh: number, dgates: number, dhprev: number): void;
  add_row_bias(rows: number, cols: number, X: number, bias: number): void;
  column_sums_add(rows: number, cols: number, X: number, out: number): void;
  add_into(n: number, y: number, x: number): void;
  mul_into(n: number, y: number, x: number): void;
  mul_to(n: number, out: number, a: number, b: number): void;
  scale_into(n: number, y: number, s: number): void;
  fill(n: number, y: number, v: number): void;
  copy(n: number, dst: number, src: number): void;
  sum_squares(n: number, x: number): number;
  embed_forward(n: number, E: number, tokens: number, table: number, out: number): void;
  embed_backward(n: number, E: number, tokens: number, dout: number, dtable: number): void;
  softmax_xent(n: number, V: number, logits: number, targets: number, grad: number): number;
  adam_update(n: number, p: number, g: number, m: number, v: number, lrT: number, b1: number, b2: number, epsT: number, gscale: number): void;
}

/** src/model and dist/model are both two levels below the package root. */
export const KERNELS_WASM_PATH = fileURLToPath(new URL('../../wasm/kernels.wasm', import.meta.url));

let compiled: WasmModule | undefined;

function kernelModule(): WasmModule {
  if (!compiled) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(KERNELS_WASM_PATH);
    } catch {
      throw new MissingDependencyError(`engine kernels not found at ${KERNELS_WASM_PATH} (rebuild with scripts/build-wasm.sh)`);
    }
    compiled = new wasm.Module(bytes);
  }
  return compiled;
}

/**
 * One kernel instance with its own linear memory and a bump allocator. Each
 * network owns one, so growing memory never detaches another network's views.
 */
export class KernelHeap {
  readonly k: KernelExports;
  private top: number;
  private f32View: Float32Array;
  private i32View: Int32Array;

  constructor() {
    const instance = new wasm.Instance(kernelModule(), {});
    this.k = instance.exports as unknown as KernelExports;
    this.top = this.k.__heap_base.value;
    this.f32View = new Float32Array(this.k.memory.buffer);
    this.i32View = new Int32Array(this.k.memory.buffer);
  }

  /** Reserves `count` 4-byte slots (64-byte aligned); returns the byte offset. */
  alloc(count: number): number {
    const offset = (this.top + 63) & ~63;
    this.top = offset + Math.max(1, count) * 4;
    const missing = this.top - this.k.memory.buffer.byteLength;
    if (missing > 0) this.k.memory.grow(Math.ceil(missing / 65536));
    return offset;
  }

  get f32(): Float32Array {
    if (this.f32View.buffer !== this.k.memory.buffer) this.f32View = new Float32Array(this.k.memory.buffer);
    return this.f32View;
  }

  get i32(): Int32Array {
    if (this.i32View.buffer !== this.k.memory.buffer) this.i32View = new Int32Array(this.k.memory.buffer);
    return this.i32View;
  }

  /** A live view of `length` floats at byte offset `ptr` (invalid after a later alloc). */
  floats(ptr: number, length: number): Float32Array {
    return this.f32.subarray(ptr >> 2, (ptr >> 2) + length);
  }

  ints(ptr: number, length: number): Int32Array {
    return this.i32.subarray(ptr >> 2, (ptr >> 2) + length);
  }
}
