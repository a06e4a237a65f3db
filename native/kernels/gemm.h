/* The register-blocked GEMM micro-kernel and B packing of sgemm (matmul.c), shared with attention.c.
 *
 * dl_ukernel: C[r][0..DL_NR) (=|+=) Σ_{k < kc} A(r, k)·B(k, 0..DL_NR) for r < mr <= DL_MR, with
 * A(r, k) = a[r·ars + k·aks] and B(k, :) = b + k·bks (DL_NR floats). acc: C += the sums; otherwise
 * C = the sums (+ bias[0..DL_NR) when bias is not NULL). Rows mr..DL_MR-1 are computed but not
 * stored; with `clamp` they read row 0 of A (for operands read in place, which end at row mr-1).
 * It is always inlined into one noinline function per caller, so constant strides fold away:
 * sgemm passes its packed panels' (ars = 1, aks = DL_MR, bks = DL_NR, clamp 0: panels are zero
 * padded), attention reads A in place through its two strides (so Aᵀ costs nothing) and B from
 * dl_gemm_pack_b's panels. */
#ifndef DL_GEMM_H
#define DL_GEMM_H

#include "common.h"
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

/* B (kc x nc, B(k, j) = B[k·sbk + j·sbn]) into panels of DL_NR columns, k-major, zero padded:
 * panel j0 (a multiple of DL_NR) starts at Bp + j0·kc, and its row k at Bp + j0·kc + k·DL_NR */
void dl_gemm_pack_b(float* restrict Bp, const float* B, int64_t sbk, int64_t sbn, int64_t kc, int64_t nc);

#define DL_ROW(i) const float* a##i = a + (clamp && (i) >= mr ? 0 : (i)) * ars;

#if defined(__AVX512F__)
#define DL_MR 12
#define DL_NR 32
#define DL_GEMM_KIND "avx512 12x32"
#define DL_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define DL_VEC __m512
#define DL_W 16
#define DL_ZERO _mm512_setzero_ps
#define DL_LOAD _mm512_loadu_ps
#define DL_STOREV _mm512_storeu_ps
#define DL_ADD _mm512_add_ps
#define DL_FMA _mm512_fmadd_ps
#define DL_BCAST(p) _mm512_set1_ps(*(p))
#elif defined(__AVX2__) && defined(__FMA__)
#define DL_MR 6
#define DL_NR 16
#define DL_GEMM_KIND "avx2 6x16"
#define DL_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define DL_VEC __m256
#define DL_W 8
#define DL_ZERO _mm256_setzero_ps
#define DL_LOAD _mm256_loadu_ps
#define DL_STOREV _mm256_storeu_ps
#define DL_ADD _mm256_add_ps
#define DL_FMA _mm256_fmadd_ps
#define DL_BCAST(p) _mm256_broadcast_ss(p)
#elif defined(__wasm_simd128__)
/* WebAssembly SIMD128 (the wasm backend): no fused multiply-add, so a multiply and an add. 2 rows
 * of 4 vectors, one k per loop iteration (dl_ukernel below). Why so: V8's TurboFan places every
 * load of an iteration (B's vectors, each row's broadcast) before that iteration's arithmetic, so
 * the loads of a k-step are all live at once beside the accumulators and the product temporary;
 * 8 accumulators + 6 loads + 1 = 15 of the 16 xmm registers V8 allocates. A 6x8 tile or any
 * unrolled k (its loads come first too) spills on every k; this loop has no spill (checked with
 * node --print-wasm-code). 2x16 rather than 4x8 (the same registers and loads per k): a row's
 * broadcast (vbroadcastss) costs more than a vector load on x86, and 2x16 has 2 of them per k
 * instead of 4: measured 3-6 % faster at 1024² and 256² (~91 % of the multiply-plus-add peak on
 * the Zen 5 machine). sgemm stores packed a's values whole (matmul.c's A_SPLAT): the same speed in
 * Node, 2-3 % faster in Chromium. */
#include <wasm_simd128.h>
#define DL_MR 2
#define DL_NR 16
#define DL_GEMM_KIND "wasm simd128 2x16"
#else
#define DL_MR 4
#define DL_NR 16
#define DL_GEMM_KIND "c 4x16"
#endif

#if defined(__wasm_simd128__)
/* the 2x16 SIMD128 kernel (see above). 32-bit indices: wasm32 addresses fit (64-bit ones cost
 * i64 arithmetic and wraps in the loop). */
#define DL_WROW(i) const ptrdiff_t r##i = (clamp && (i) >= mr ? 0 : (i)) * (ptrdiff_t)ars;
/* the tile's accumulators; B's row k (4 vectors); row i's products with its value av (splatted) */
#define DL_WACC v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
#define DL_WLOADB(bk)                                                                            \
  const v128_t b0 = wasm_v128_load(bk), b1 = wasm_v128_load((bk) + 4), b2 = wasm_v128_load((bk) + 8), \
               b3 = wasm_v128_load((bk) + 12);
#define DL_WMULADD(i, av)                                                  \
  c##i##0 = wasm_f32x4_add(c##i##0, wasm_f32x4_mul(av, b0));               \
  c##i##1 = wasm_f32x4_add(c##i##1, wasm_f32x4_mul(av, b1));               \
  c##i##2 = wasm_f32x4_add(c##i##2, wasm_f32x4_mul(av, b2));               \
  c##i##3 = wasm_f32x4_add(c##i##3, wasm_f32x4_mul(av, b3));
#define DL_WSTEP(i)                                                        \
  {                                                                        \
    const v128_t av = wasm_v128_load32_splat(ak + r##i);                   \
    DL_WMULADD(i, av)                                                      \
  }
#define DL_WSTORE(i)                                                       \
  if ((i) < mr) {                                                          \
    float* cp = C + (i) * (ptrdiff_t)ldc;                                  \
    if (acc) {                                                             \
      c##i##0 = wasm_f32x4_add(wasm_v128_load(cp), c##i##0);               \
      c##i##1 = wasm_f32x4_add(wasm_v128_load(cp + 4), c##i##1);           \
      c##i##2 = wasm_f32x4_add(wasm_v128_load(cp + 8), c##i##2);           \
      c##i##3 = wasm_f32x4_add(wasm_v128_load(cp + 12), c##i##3);          \
    } else if (bias) {                                                     \
      c##i##0 = wasm_f32x4_add(c##i##0, wasm_v128_load(bias));             \
      c##i##1 = wasm_f32x4_add(c##i##1, wasm_v128_load(bias + 4));         \
      c##i##2 = wasm_f32x4_add(c##i##2, wasm_v128_load(bias + 8));         \
      c##i##3 = wasm_f32x4_add(c##i##3, wasm_v128_load(bias + 12));        \
    }                                                                      \
    wasm_v128_store(cp, c##i##0);                                          \
    wasm_v128_store(cp + 4, c##i##1);                                      \
    wasm_v128_store(cp + 8, c##i##2);                                      \
    wasm_v128_store(cp + 12, c##i##3);                                     \
  }
#define DL_WROWS(X) X(0) X(1)
static inline __attribute__((always_inline)) void dl_ukernel(int64_t kc, const float* restrict a, int64_t ars,
                                                             int64_t aks, const float* restrict b, int64_t bks,
                                                             float* restrict C, int64_t ldc, int acc, int mr,
                                                             const float* bias, const int clamp) {
  DL_WROWS(DL_WROW)
  DL_WACC
  /* pointers stepped by the strides, the loop ended by B's (bks = DL_NR > 0 in every caller):
     two adds per k instead of two multiply-adds and a counter */
  const float* ak = a;
  const float* bk = b;
  const float* const bend = b + kc * (ptrdiff_t)bks;
  const ptrdiff_t as = (ptrdiff_t)aks, bs = (ptrdiff_t)bks;
#pragma clang loop unroll(disable)
  for (; bk != bend; ak += as, bk += bs) {
    /* row i's A at ak + r_i: packed panels (ars = 1) give constant offsets the loads fold */
    DL_WLOADB(bk)
    DL_WROWS(DL_WSTEP)
  }
  DL_WROWS(DL_WSTORE)
}
#elif defined(DL_VEC)
/* two vectors of accumulators per row: DL_NR = 2·DL_W */
#define DL_DECL(i) DL_ROW(i) DL_VEC c##i##0 = DL_ZERO(), c##i##1 = DL_ZERO();
#if defined(__wasm_simd128__)
#define DL_PF(i) /* no prefetch in wasm */
#elif defined(__AVX512F__)
/* A long kernel (kc > 4·DL_PF_AHEAD) fetches C's tile into L2 when it starts and into L1
 * DL_PF_AHEAD steps before its stores. Fetched into L1 at the start, its lines (MR rows at C's row
 * stride, often a multiple of 4 KiB, so all in the same two L1 sets) were evicted again by the a
 * and b streams before the stores: 2048² with its 8 KiB rows ran 9 % slower than with padded
 * rows. A short one (the GPT step's K = 128) fetches it into L1 at the start, as on AVX2. */
#define DL_PF_AHEAD 32
#define DL_PF_T0(i) _mm_prefetch((const char*)(C + (i) * ldc), _MM_HINT_T0); \
                    _mm_prefetch((const char*)(C + (i) * ldc + DL_NR - 1), _MM_HINT_T0);
#define DL_PF_T1(i) _mm_prefetch((const char*)(C + (i) * ldc), _MM_HINT_T1); \
                    _mm_prefetch((const char*)(C + (i) * ldc + DL_NR - 1), _MM_HINT_T1);
#else
#define DL_PF(i) _mm_prefetch((const char*)(C + (i) * ldc), _MM_HINT_T0); \
                 _mm_prefetch((const char*)(C + (i) * ldc + DL_NR - 1), _MM_HINT_T0);
#endif
#define DL_STEP(i)                                   \
  {                                                  \
    const DL_VEC av = DL_BCAST(a##i + k * aks);      \
    c##i##0 = DL_FMA(av, b0, c##i##0);               \
    c##i##1 = DL_FMA(av, b1, c##i##1);               \
  }
/* one k step of the tile: B's row k (two vectors) times every row's A(r, k) */
#define DL_KSTEP                                                                \
  {                                                                             \
    const DL_VEC b0 = DL_LOAD(b + k * bks), b1 = DL_LOAD(b + k * bks + DL_W); \
    DL_ROWS(DL_STEP)                                                            \
  }
#define DL_STORE(i)                                                   \
  if ((i) < mr) {                                                     \
    float* cp = C + (i) * ldc;                                        \
    if (acc) {                                                        \
      c##i##0 = DL_ADD(DL_LOAD(cp), c##i##0);                         \
      c##i##1 = DL_ADD(DL_LOAD(cp + DL_W), c##i##1);                  \
    } else if (bias) {                                                \
      c##i##0 = DL_ADD(c##i##0, DL_LOAD(bias));                       \
      c##i##1 = DL_ADD(c##i##1, DL_LOAD(bias + DL_W));                \
    }                                                                 \
    DL_STOREV(cp, c##i##0);                                           \
    DL_STOREV(cp + DL_W, c##i##1);                                    \
  }

static inline __attribute__((always_inline)) void dl_ukernel(int64_t kc, const float* restrict a, int64_t ars,
                                                             int64_t aks, const float* restrict b, int64_t bks,
                                                             float* restrict C, int64_t ldc, int acc, int mr,
                                                             const float* bias, const int clamp) {
  DL_ROWS(DL_DECL)
  int64_t k = 0;
#if defined(DL_PF_AHEAD)
  const bool long_k = kc > 4 * DL_PF_AHEAD;
  if (long_k) {
    DL_ROWS(DL_PF_T1)
  } else {
    DL_ROWS(DL_PF_T0)
  }
  const int64_t kpf = long_k ? kc - DL_PF_AHEAD : kc;
  /* the k loop twice, around the L1 fetch: one loop run over the two ranges by an outer loop
     measured 6-7 % slower (1024², 2048²) */
#pragma GCC unroll 4
  for (; k < kpf; k++) DL_KSTEP
  DL_ROWS(DL_PF_T0)
#else
  DL_ROWS(DL_PF)
#endif
#pragma GCC unroll 4
  for (; k < kc; k++) DL_KSTEP
  DL_ROWS(DL_STORE)
}
#else
static inline __attribute__((always_inline)) void dl_ukernel(int64_t kc, const float* restrict a, int64_t ars,
                                                             int64_t aks, const float* restrict b, int64_t bks,
                                                             float* restrict C, int64_t ldc, int acc, int mr,
                                                             const float* bias, const int clamp) {
  float c[DL_MR][DL_NR] = { { 0 } };
  for (int64_t k = 0; k < kc; k++)
    for (int i = 0; i < DL_MR; i++) {
      const float av = a[(clamp && i >= mr ? 0 : i) * ars + k * aks];
      for (int j = 0; j < DL_NR; j++) c[i][j] += av * b[k * bks + j];
    }
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < DL_NR; j++)
      C[i * ldc + j] = acc ? C[i * ldc + j] + c[i][j] : bias ? c[i][j] + bias[j] : c[i][j];
}
#endif

#endif
