// Rhythmix engine kernels: float32 GEMM with packed panels, fused LSTM and GRU
// cell forward/backward, softmax cross-entropy, embedding, Adam.
// Compiled to wasm32 + SIMD128 by scripts/build-wasm.sh; the built
// wasm/kernels.wasm is committed so machines without clang still run it.
// Every pointer is a byte offset into this module's memory, laid out by JS.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef float f32;

// ---- math -----------------------------------------------------------------
// expf without libc: Cody-Waite range reduction + degree-6 polynomial (~1 ulp).
static inline f32 exp_f32(f32 x) {
  if (x > 88.0f) x = 88.0f;
  if (x < -87.0f) x = -87.0f;
  f32 n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
  f32 r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  f32 p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union { f32 f; int i; } s;
  s.i = ((int)n + 127) << 23;
  return p * s.f;
}

static inline f32 sigmoid_f32(f32 x) { return 1.0f / (1.0f + exp_f32(-x)); }

static inline f32 tanh_f32(f32 x) {
  // Small |x|: odd polynomial keeps relative precision where 1 - 2/(e^2x+1) cancels.
  f32 ax = x < 0 ? -x : x;
  if (ax < 0.0625f) {
    f32 x2 = x * x;
    return x * (1.0f + x2 * (-0.333333333f + x2 * (0.133333333f + x2 * -0.0539682540f)));
  }
  f32 e = exp_f32(2.0f * ax);
  f32 t = 1.0f - 2.0f / (e + 1.0f);
  return x < 0 ? -t : t;
}

static inline f32 log_f32(f32 x) {
  // log via frexp + atanh series; accurate to ~1e-7 relative for normal x.
  union { f32 f; int i; } u;
  u.f = x;
  int e = ((u.i >> 23) & 0xff) - 127;
  u.i = (u.i & 0x007fffff) | 0x3f800000; // mantissa in [1, 2)
  f32 m = u.f;
  if (m > 1.41421356f) { m *= 0.5f; e += 1; }
  f32 s = (m - 1.0f) / (m + 1.0f);
  f32 s2 = s * s;
  f32 p = 2.0f * s * (1.0f + s2 * (0.333333333f + s2 * (0.2f + s2 * (0.142857143f + s2 * 0.111111111f))));
  return p + (f32)e * 0.693147180559945f;
}

// Four lanes of exp_f32 (same reduction and polynomial).
static inline v128_t exp4(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.0f)), wasm_f32x4_splat(88.0f));
  v128_t n = wasm_f32x4_floor(wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)), wasm_f32x4_splat(0.5f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), wasm_f32x4_splat(1.0f));
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

static inline v128_t sigmoid4(v128_t x) {
  v128_t one = wasm_f32x4_splat(1.0f);
  return wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(x))));
}

static inline v128_t tanh4(v128_t x) {
  v128_t ax = wasm_f32x4_abs(x);
  v128_t e = exp4(wasm_f32x4_add(ax, ax));
  v128_t one = wasm_f32x4_splat(1.0f);
  v128_t big = wasm_f32x4_sub(one, wasm_f32x4_div(wasm_f32x4_splat(2.0f), wasm_f32x4_add(e, one)));
  v128_t x2 = wasm_f32x4_mul(x, x);
  v128_t poly = wasm_f32x4_add(wasm_f32x4_splat(0.133333333f), wasm_f32x4_mul(x2, wasm_f32x4_splat(-0.0539682540f)));
  poly = wasm_f32x4_add(wasm_f32x4_splat(-0.333333333f), wasm_f32x4_mul(x2, poly));
  poly = wasm_f32x4_mul(ax, wasm_f32x4_add(one, wasm_f32x4_mul(x2, poly)));
  v128_t t = wasm_v128_bitselect(poly, big, wasm_f32x4_lt(ax, wasm_f32x4_splat(0.0625f)));
  // Copy the sign of x onto |tanh|.
  v128_t sign = wasm_v128_and(x, wasm_i32x4_splat((int)0x80000000));
  return wasm_v128_or(t, sign);
}

// ---- GEMM -----------------------------------------------------------------
// C[M×N] (+)= op(A)[M×K] · B[K×N], B pre-packed. Packed B: K split in blocks of
// KC rows; inside a block, strips of NR columns, each kc×NR contiguous, zero
// padded to Npad = ceil(N/NR)*NR. Block p starts at p*KC*Npad.
#define MR 4
#define NR 16
#define KC 256

static f32 packA[MR * KC] __attribute__((aligned(16)));
static f32 packB_scratch[KC * 2048 + NR * KC] __attribute__((aligned(16)));

static inline int npad_of(int n) { return (n + NR - 1) / NR * NR; }

EXPORT(packed_size)
int packed_size(int K, int N) { return K * npad_of(N); }

// Packs op(B) (K×N). transB = 0: B is K×N with row stride ldb; 1: B is N×K.
EXPORT(pack_b)
void pack_b(int transB, int K, int N, const f32* B, int ldb, f32* out) {
  int npad = npad_of(N);
  for (int pc = 0; pc < K; pc += KC) {
    int kc = K - pc < KC ? K - pc : KC;
    f32* blk = out + pc * npad;
    for (int j = 0; j < npad; j += NR) {
      f32* strip = blk + j * kc;
      int nr = N - j < NR ? N - j : NR;
      if (!transB) {
        for (int k = 0; k < kc; k++) {
          const f32* src = B + (pc + k) * ldb + j;
          f32* dst = strip + k * NR;
          if (nr == NR) {
            wasm_v128_store(dst, wasm_v128_load(src));
            wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
            wasm_v128_store(dst + 8, wasm_v128_load(src + 8));
            wasm_v128_store(dst + 12, wasm_v128_load(src + 12));
          } else {
            for (int c = 0; c < NR; c++) dst[c] = c < nr ? src[c] : 0.0f;
          }
        }
      } else {
        for (int c = 0; c < NR; c++) {
          if (c < nr) {
            const f32* src = B + (j + c) * ldb + pc;
            for (int k = 0; k < kc; k++) strip[k * NR + c] = src[k];
          } else {
            for (int k = 0; k < kc; k++) strip[k * NR + c] = 0.0f;
          }
        }
      }
    }
  }
}

// Packs rows i..i+mr of op(A), columns pc..pc+kc, as kc×MR interleaved.
static void pack_a(int transA, const f32* A, int lda, int i, int mr, int pc, int kc) {
  if (!transA) {
    for (int r = 0; r < MR; r++) {
      if (r < mr) {
        const f32* src = A + (i + r) * lda + pc;
        for (int k = 0; k < kc; k++) packA[k * MR + r] = src[k];
      } else {
        for (int k = 0; k < kc; k++) packA[k * MR + r] = 0.0f;
      }
    }
  } else {
    // op(A)[i+r][k] = A[k][i+r]: MR consecutive floats per k.
    for (int k = 0; k < kc; k++) {
      const f32* src = A + (pc + k) * lda + i;
      f32* dst = packA + k * MR;
      if (mr == MR) {
        wasm_v128_store(dst, wasm_v128_load(src));
      } else {
        for (int r = 0; r < MR; r++) dst[r] = r < mr ? src[r] : 0.0f;
      }
    }
  }
}

static void micro_kernel(int kc, const f32* a, const f32* b, f32* C, int ldc, int mr, int nr, int accumulate) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c02 = c00, c03 = c00;
  v128_t c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  v128_t c20 = c00, c21 = c00, c22 = c00, c23 = c00;
  v128_t c30 = c00, c31 = c00, c32 = c00, c33 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t b2 = wasm_v128_load(b + 8), b3 = wasm_v128_load(b + 12);
    v128_t a0 = wasm_v128_load32_splat(a);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
    c02 = wasm_f32x4_add(c02, wasm_f32x4_mul(a0, b2));
    c03 = wasm_f32x4_add(c03, wasm_f32x4_mul(a0, b3));
    v128_t a1 = wasm_v128_load32_splat(a + 1);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
    c12 = wasm_f32x4_add(c12, wasm_f32x4_mul(a1, b2));
    c13 = wasm_f32x4_add(c13, wasm_f32x4_mul(a1, b3));
    v128_t a2 = wasm_v128_load32_splat(a + 2);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
    c22 = wasm_f32x4_add(c22, wasm_f32x4_mul(a2, b2));
    c23 = wasm_f32x4_add(c23, wasm_f32x4_mul(a2, b3));
    v128_t a3 = wasm_v128_load32_splat(a + 3);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
    c32 = wasm_f32x4_add(c32, wasm_f32x4_mul(a3, b2));
    c33 = wasm_f32x4_add(c33, wasm_f32x4_mul(a3, b3));
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {
#define ROW(r, x0, x1, x2, x3)                                                   \
  {                                                                              \
    f32* cr = C + (r) * ldc;                                                     \
    if (accumulate) {                                                            \
      x0 = wasm_f32x4_add(x0, wasm_v128_load(cr));                               \
      x1 = wasm_f32x4_add(x1, wasm_v128_load(cr + 4));                           \
      x2 = wasm_f32x4_add(x2, wasm_v128_load(cr + 8));                           \
      x3 = wasm_f32x4_add(x3, wasm_v128_load(cr + 12));                          \
    }                                                                            \
    wasm_v128_store(cr, x0);                                                     \
    wasm_v128_store(cr + 4, x1);                                                 \
    wasm_v128_store(cr + 8, x2);                                                 \
    wasm_v128_store(cr + 12, x3);                                                \
  }
    ROW(0, c00, c01, c02, c03)
    ROW(1, c10, c11, c12, c13)
    ROW(2, c20, c21, c22, c23)
    ROW(3, c30, c31, c32, c33)
#undef ROW
    return;
  }
  f32 tmp[MR * NR] __attribute__((aligned(16)));
  wasm_v128_store(tmp + 0, c00); wasm_v128_store(tmp + 4, c01); wasm_v128_store(tmp + 8, c02); wasm_v128_store(tmp + 12, c03);
  wasm_v128_store(tmp + 16, c10); wasm_v128_store(tmp + 20, c11); wasm_v128_store(tmp + 24, c12); wasm_v128_store(tmp + 28, c13);
  wasm_v128_store(tmp + 32, c20); wasm_v128_store(tmp + 36, c21); wasm_v128_store(tmp + 40, c22); wasm_v128_store(tmp + 44, c23);
  wasm_v128_store(tmp + 48, c30); wasm_v128_store(tmp + 52, c31); wasm_v128_store(tmp + 56, c32); wasm_v128_store(tmp + 60, c33);
  for (int r = 0; r < mr; r++)
    for (int c = 0; c < nr; c++) C[r * ldc + c] = (accumulate ? C[r * ldc + c] : 0.0f) + tmp[r * NR + c];
}

// C (+)= op(A) · Bpacked, where Bpacked = pack_b(K, N).
EXPORT(gemm_packed)
void gemm_packed(int transA, int M, int N, int K, const f32* A, int lda, const f32* Bp, f32* C, int ldc, int accumulate) {
  int npad = npad_of(N);
  for (int pc = 0; pc < K; pc += KC) {
    int kc = K - pc < KC ? K - pc : KC;
    int acc = accumulate || pc > 0;
    const f32* blk = Bp + pc * npad;
    for (int i = 0; i < M; i += MR) {
      int mr = M - i < MR ? M - i : MR;
      pack_a(transA, A, lda, i, mr, pc, kc);
      for (int j = 0; j < N; j += NR) {
        int nr = N - j < NR ? N - j : NR;
        micro_kernel(kc, packA, blk + j * kc, C + i * ldc + j, ldc, mr, nr, acc);
      }
    }
  }
  if (K == 0 && !accumulate)
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[i * ldc + j] = 0.0f;
}

// General C (+)= op(A)·op(B); packs B one K block at a time into scratch.
EXPORT(gemm)
void gemm(int transA, int transB, int M, int N, int K, const f32* A, int lda, const f32* B, int ldb, f32* C, int ldc,
          int accumulate) {
  for (int jc = 0; jc < N; jc += 2048) {
    int nc = N - jc < 2048 ? N - jc : 2048;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      const f32* Bblk = transB ? B + jc * ldb + pc : B + pc * ldb + jc;
      pack_b(transB, kc, nc, Bblk, ldb, packB_scratch);
      const f32* Ablk = transA ? A + pc * lda : A + pc;
      gemm_packed(transA, M, nc, kc, Ablk, lda, packB_scratch, C + jc, ldc, accumulate || pc > 0);
    }
    if (K == 0 && !accumulate)
      for (int i = 0; i < M; i++)
        for (int j = 0; j < nc; j++) C[i * ldc + jc + j] = 0.0f;
  }
}

// y (+)= x[K] · Bpacked (K×N); two k-chains per strip hide add latency.
EXPORT(gemv_packed)
void gemv_packed(int N, int K, const f32* x, const f32* Bp, f32* y, int accumulate) {
  int npad = npad_of(N);
  for (int j = 0; j < N; j += NR) {
    v128_t s0 = wasm_f32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
    v128_t t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      const f32* b = Bp + pc * npad + j * kc;
      const f32* xp = x + pc;
      int k = 0;
      for (; k + 1 < kc; k += 2) {
        v128_t a = wasm_v128_load32_splat(xp + k);
        v128_t a2 = wasm_v128_load32_splat(xp + k + 1);
        const f32* bk = b + k * NR;
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(a, wasm_v128_load(bk)));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(a, wasm_v128_load(bk + 4)));
        s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(a, wasm_v128_load(bk + 8)));
        s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(a, wasm_v128_load(bk + 12)));
        t0 = wasm_f32x4_add(t0, wasm_f32x4_mul(a2, wasm_v128_load(bk + 16)));
        t1 = wasm_f32x4_add(t1, wasm_f32x4_mul(a2, wasm_v128_load(bk + 20)));
        t2 = wasm_f32x4_add(t2, wasm_f32x4_mul(a2, wasm_v128_load(bk + 24)));
        t3 = wasm_f32x4_add(t3, wasm_f32x4_mul(a2, wasm_v128_load(bk + 28)));
      }
      for (; k < kc; k++) {
        v128_t a = wasm_v128_load32_splat(xp + k);
        const f32* bk = b + k * NR;
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(a, wasm_v128_load(bk)));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(a, wasm_v128_load(bk + 4)));
        s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(a, wasm_v128_load(bk + 8)));
        s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(a, wasm_v128_load(bk + 12)));
      }
    }
    f32 tmp[NR] __attribute__((aligned(16)));
    wasm_v128_store(tmp, wasm_f32x4_add(s0, t0));
    wasm_v128_store(tmp + 4, wasm_f32x4_add(s1, t1));
    wasm_v128_store(tmp + 8, wasm_f32x4_add(s2, t2));
    wasm_v128_store(tmp + 12, wasm_f32x4_add(s3, t3));
    int nr = N - j < NR ? N - j : NR;
    for (int c = 0; c < nr; c++) y[j + c] = (accumulate ? y[j + c] : 0.0f) + tmp[c];
  }
}

// ---- LSTM cell --------------------------------------------------------------
// gates: B rows of 4H pre-activations [i f g o] (Keras order i, f, c, o);
// overwritten with activations. c = f*cprev + i*g, h = o*tanh(c).
// cprev == 0 means a zero initial state.
EXPORT(lstm_cell_forward)
void lstm_cell_forward(int B, int H, f32* gates, const f32* cprev, f32* c, f32* tanhc, f32* h, int hstride) {
  for (int b = 0; b < B; b++) {
    f32* g = gates + b * 4 * H;
    const f32* cp = cprev ? cprev + b * H : 0;
    f32* cb = c + b * H;
    f32* tb = tanhc + b * H;
    f32* hb = h + b * hstride;
    int j = 0;
    for (; j + 4 <= H; j += 4) {
      v128_t ig = sigmoid4(wasm_v128_load(g + j));
      v128_t fg = sigmoid4(wasm_v128_load(g + H + j));
      v128_t gg = tanh4(wasm_v128_load(g + 2 * H + j));
      v128_t og = sigmoid4(wasm_v128_load(g + 3 * H + j));
      wasm_v128_store(g + j, ig);
      wasm_v128_store(g + H + j, fg);
      wasm_v128_store(g + 2 * H + j, gg);
      wasm_v128_store(g + 3 * H + j, og);
      v128_t cv = wasm_f32x4_mul(ig, gg);
      if (cp) cv = wasm_f32x4_add(cv, wasm_f32x4_mul(fg, wasm_v128_load(cp + j)));
      v128_t tc = tanh4(cv);
      wasm_v128_store(cb + j, cv);
      wasm_v128_store(tb + j, tc);
      wasm_v128_store(hb + j, wasm_f32x4_mul(og, tc));
    }
    for (; j < H; j++) {
      f32 ig = sigmoid_f32(g[j]);
      f32 fg = sigmoid_f32(g[H + j]);
      f32 gg = tanh_f32(g[2 * H + j]);
      f32 og = sigmoid_f32(g[3 * H + j]);
      g[j] = ig;
      g[H + j] = fg;
      g[2 * H + j] = gg;
      g[3 * H + j] = og;
      f32 cv = ig * gg + (cp ? fg * cp[j] : 0.0f);
      f32 tc = tanh_f32(cv);
      cb[j] = cv;
      tb[j] = tc;
      hb[j] = og * tc;
    }
  }
}

// Backward through one step. dh: B×H gradient w.r.t. h_t (total). dc: in =
// gradient from step t+1 w.r.t. c_t, out = gradient w.r.t. c_{t-1}.
// dgates out: gradient w.r.t. the pre-activations.
EXPORT(lstm_cell_backward)
void lstm_cell_backward(int B, int H, const f32* gates, const f32* cprev, const f32* tanhc, const f32* dh, f32* dc,
                        f32* dgates) {
  for (int b = 0; b < B; b++) {
    const f32* g = gates + b * 4 * H;
    const f32* cp = cprev ? cprev + b * H : 0;
    const f32* tb = tanhc + b * H;
    const f32* dhb = dh + b * H;
    f32* dcb = dc + b * H;
    f32* dg = dgates + b * 4 * H;
    for (int j = 0; j < H; j++) {
      f32 ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
      f32 tc = tb[j];
      f32 dhv = dhb[j];
      f32 dcv = dcb[j] + dhv * og * (1.0f - tc * tc);
      f32 cpv = cp ? cp[j] : 0.0f;
      dg[j] = dcv * gg * ig * (1.0f - ig);
      dg[H + j] = dcv * cpv * fg * (1.0f - fg);
      dg[2 * H + j] = dcv * ig * (1.0f - gg * gg);
      dg[3 * H + j] = dhv * tc * og * (1.0f - og);
      dcb[j] = dcv * fg;
    }
  }
}

// ---- GRU cell ---------------------------------------------------------------
// Keras/TensorFlow.js GRU with reset_after = false (the form tfjs runs). Rows of
// 3H pre-activations [z r n] (update, reset, candidate); activations overwrite them:
//   z = sigmoid(x·Wz + h·Uz + bz), r = sigmoid(x·Wr + h·Ur + br),
//   n = tanh(x·Wn + (r*h)·Un + bn), h' = z*h + (1 - z)*n.
// The two recurrent GEMMs run between the kernels: h·U[z r] before gru_reset_forward,
// (r*h)·Un after it. hprev == 0 means a zero previous state.

// z and r from their pre-activations; rh = r * hprev (the candidate's recurrent input).
EXPORT(gru_reset_forward)
void gru_reset_forward(int B, int H, f32* gates, const f32* hprev, f32* rh) {
  v128_t zero = wasm_f32x4_splat(0.0f);
  for (int b = 0; b < B; b++) {
    f32* g = gates + b * 3 * H;
    const f32* hp = hprev ? hprev + b * H : 0;
    f32* rb = rh + b * H;
    int j = 0;
    for (; j + 4 <= H; j += 4) {
      v128_t zg = sigmoid4(wasm_v128_load(g + j));
      v128_t rg = sigmoid4(wasm_v128_load(g + H + j));
      wasm_v128_store(g + j, zg);
      wasm_v128_store(g + H + j, rg);
      wasm_v128_store(rb + j, hp ? wasm_f32x4_mul(rg, wasm_v128_load(hp + j)) : zero);
    }
    for (; j < H; j++) {
      f32 zg = sigmoid_f32(g[j]);
      f32 rg = sigmoid_f32(g[H + j]);
      g[j] = zg;
      g[H + j] = rg;
      rb[j] = hp ? rg * hp[j] : 0.0f;
    }
  }
}

// n from its pre-activation; h = z*hprev + (1 - z)*n. h may be hprev (each element is
// read before it is written).
EXPORT(gru_cell_forward)
void gru_cell_forward(int B, int H, f32* gates, const f32* hprev, f32* h) {
  v128_t one = wasm_f32x4_splat(1.0f);
  for (int b = 0; b < B; b++) {
    f32* g = gates + b * 3 * H;
    const f32* hp = hprev ? hprev + b * H : 0;
    f32* hb = h + b * H;
    int j = 0;
    for (; j + 4 <= H; j += 4) {
      v128_t zg = wasm_v128_load(g + j);
      v128_t ng = tanh4(wasm_v128_load(g + 2 * H + j));
      wasm_v128_store(g + 2 * H + j, ng);
      v128_t hv = wasm_f32x4_mul(wasm_f32x4_sub(one, zg), ng);
      if (hp) hv = wasm_f32x4_add(wasm_f32x4_mul(zg, wasm_v128_load(hp + j)), hv);
      wasm_v128_store(hb + j, hv);
    }
    for (; j < H; j++) {
      f32 zg = g[j];
      f32 ng = tanh_f32(g[2 * H + j]);
      g[2 * H + j] = ng;
      f32 hv = (1.0f - zg) * ng;
      hb[j] = hp ? zg * hp[j] + hv : hv;
    }
  }
}

// Backward through h = z*hprev + (1 - z)*n for one step; dh: B×H gradient w.r.t. h.
// dgates out: gradients w.r.t. the z and n pre-activations (r's is gru_reset_backward's,
// zero here when hprev == 0); dhprev out: dh*z, the direct part of the gradient w.r.t. hprev.
EXPORT(gru_cell_backward)
void gru_cell_backward(int B, int H, const f32* gates, const f32* hprev, const f32* dh, f32* dgates, f32* dhprev) {
  for (int b = 0; b < B; b++) {
    const f32* g = gates + b * 3 * H;
    const f32* hp = hprev ? hprev + b * H : 0;
    const f32* dhb = dh + b * H;
    f32* dg = dgates + b * 3 * H;
    f32* dhp = dhprev + b * H;
    for (int j = 0; j < H; j++) {
      f32 zg = g[j], ng = g[2 * H + j];
      f32 d = dhb[j];
      f32 hpv = hp ? hp[j] : 0.0f;
      dg[j] = d * (hpv - ng) * zg * (1.0f - zg);
      dg[2 * H + j] = d * (1.0f - zg) * (1.0f - ng * ng);
      if (!hp) dg[H + j] = 0.0f;
      dhp[j] = d * zg;
    }
  }
}

// Backward through the reset gate; drh: gradient w.r.t. r*hprev (dn·Unᵀ). Writes the
// gradient w.r.t. r's pre-activation and adds drh*r to dhprev. Needs hprev.
EXPORT(gru_reset_backward)
void gru_reset_backward(int B, int H, const f32* gates, const f32* hprev, const f32* drh, f32* dgates, f32* dhprev) {
  for (int b = 0; b < B; b++) {
    const f32* g = gates + b * 3 * H;
    const f32* hp = hprev + b * H;
    const f32* d = drh + b * H;
    f32* dg = dgates + b * 3 * H;
    f32* dhp = dhprev + b * H;
    for (int j = 0; j < H; j++) {
      f32 rg = g[H + j];
      dg[H + j] = d[j] * hp[j] * rg * (1.0f - rg);
      dhp[j] += d[j] * rg;
    }
  }
}

// ---- elementwise helpers ------------------------------------------------------
EXPORT(add_row_bias)
void add_row_bias(int rows, int cols, f32* X, const f32* bias) {
  for (int r = 0; r < rows; r++) {
    f32* x = X + r * cols;
    for (int c = 0; c < cols; c++) x[c] += bias[c];
  }
}

EXPORT(column_sums_add)
void column_sums_add(int rows, int cols, const f32* X, f32* out) {
  for (int r = 0; r < rows; r++) {
    const f32* x = X + r * cols;
    for (int c = 0; c < cols; c++) out[c] += x[c];
  }
}

EXPORT(add_into)
void add_into(int n, f32* y, const f32* x) {
  for (int i = 0; i < n; i++) y[i] += x[i];
}

EXPORT(mul_into)
void mul_into(int n, f32* y, const f32* x) {
  for (int i = 0; i < n; i++) y[i] *= x[i];
}

EXPORT(mul_to)
void mul_to(int n, f32* out, const f32* a, const f32* b) {
  for (int i = 0; i < n; i++) out[i] = a[i] * b[i];
}

EXPORT(scale_into)
void scale_into(int n, f32* y, f32 s) {
  for (int i = 0; i < n; i++) y[i] *= s;
}

EXPORT(fill)
void fill(int n, f32* y, f32 v) {
  for (int i = 0; i < n; i++) y[i] = v;
}

EXPORT(copy)
void copy(int n, f32* dst, const f32* src) { __builtin_memcpy(dst, src, (unsigned long)n * 4); }

EXPORT(sum_squares)
double sum_squares(int n, const f32* x) {
  double s = 0;
  for (int i = 0; i < n; i++) s += (double)x[i] * x[i];
  return s;
}

// ---- embedding ----------------------------------------------------------------
EXPORT(embed_forward)
void embed_forward(int n, int E, const int* tokens, const f32* table, f32* out) {
  for (int r = 0; r < n; r++) __builtin_memcpy(out + r * E, table + tokens[r] * E, (unsigned long)E * 4);
}

EXPORT(embed_backward)
void embed_backward(int n, int E, const int* tokens, const f32* dout, f32* dtable) {
  for (int r = 0; r < n; r++) {
    f32* d = dtable + tokens[r] * E;
    const f32* s = dout + r * E;
    for (int c = 0; c < E; c++) d[c] += s[c];
  }
}

// ---- softmax + cross-entropy ---------------------------------------------------
// logits (n×V) → probabilities in place. Returns the summed NLL over rows
// with target >= 0; rows with target < 0 get zero gradient. With grad != 0 the
// probabilities become dLoss/dlogits of the summed loss: p - onehot.
EXPORT(softmax_xent)
double softmax_xent(int n, int V, f32* logits, const int* targets, int grad) {
  double total = 0;
  for (int r = 0; r < n; r++) {
    f32* x = logits + r * V;
    f32 mx = x[0];
    for (int c = 1; c < V; c++) mx = x[c] > mx ? x[c] : mx;
    int t = targets ? targets[r] : -1;
    f32 xt = t >= 0 ? x[t] - mx : 0.0f;
    f32 s = 0;
    for (int c = 0; c < V; c++) {
      f32 e = exp_f32(x[c] - mx);
      x[c] = e;
      s += e;
    }
    f32 inv = 1.0f / s;
    if (t >= 0) total += (double)(log_f32(s) - xt);
    for (int c = 0; c < V; c++) x[c] *= inv;
    if (grad) {
      if (t >= 0) x[t] -= 1.0f;
      else
        for (int c = 0; c < V; c++) x[c] = 0.0f;
    }
  }
  return total;
}

// ---- Adam --------------------------------------------------------------------
// lr already includes the bias corrections: lr_t = lr*sqrt(1-b2^t)/(1-b1^t).
EXPORT(adam_update)
void adam_update(int n, f32* p, const f32* g, f32* m, f32* v, f32 lr_t, f32 b1, f32 b2, f32 eps_t, f32 gscale) {
  for (int i = 0; i < n; i++) {
    f32 gi = g[i] * gscale;
    f32 mi = b1 * m[i] + (1.0f - b1) * gi;
    f32 vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr_t * mi / (__builtin_sqrtf(vi) + eps_t);
  }
}
