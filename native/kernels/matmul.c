/* Batched SGEMM: out[b] (M x N, row stride ldc, contiguous rows) = a[b] (M x K) @ b[b] (K x N).
 *
 * a and b may be strided in every dim: a transpose arrives as swapped strides and is read through
 * them while packing (no copies of whole operands). The structure is the classic one (Goto/BLIS):
 *   for each NC-wide block of columns, for each KC-deep slice of K:
 *     pack the KC x NC block of b into NR-wide panels (kept in L2/L3)
 *     for each MC-tall block of rows: pack the MC x KC block of a into MR-tall panels (L2)
 *       for each NR panel, for each MR panel: the register-blocked micro-kernel (b panel in L1,
 *       or in L2 for AVX-512's 64 KiB panels)
 * The micro-kernel (gemm.h, shared with attention.c): AVX-512 12x32 (24 zmm accumulators),
 * AVX2/FMA 6x16, or plain C 4x16.
 * Tiny products (M*N*K <= 4096) skip packing and sum in double, which gives bit-for-bit the js
 * backend's result. Large work is split over the thread pool: by batch when there are enough,
 * otherwise each product is split along its larger dim, on x86 mostly as one range per thread
 * with work stealing at the end (mm_task_steal). */
#include <string.h>

#include "common.h"
#include "gemm.h"
#include "kernels.h"
#include "transpose.h"

#define MR DL_MR
#define NR DL_NR
#if defined(__AVX512F__)
/* KC 1024: each K slice reads and writes C once more (at 2048², KC 256 meant 8 passes over a 16 MiB
 * output, whose rows at a 4 KiB-multiple stride also conflict in the caches); b's KC x NR panel is
 * then 128 KiB and streams from L2 instead of sitting in L1, which the kernel absorbs. On Zen 5,
 * with gemm.h's C prefetch, KC 512 ran 1024² and 2048² ~5 % and ~10 % faster than KC 256 and MC
 * 144; KC 1024 (one slice at 1024², so C is written once) another 1-5 % at 1024² (4 alternated
 * pairs: 373-395 → 392-401 GFLOP/s), the same at 256²-2048² and on the GPT step's shapes.
 * MC 48: 192 KiB of packed a in L2 */
#define MC (MR * 4)
#define KC 1024
#elif defined(__AVX2__) && defined(__FMA__)
#define MC (MR * 28) /* 168 rows x KC: 168 KiB of packed a, in L2 (512 KiB on Zen 3) */
#define KC 256
#else
#define MC (MR * 12)
#define KC 256
#endif
#define NC (NR * 64)
#define PB_K 8 /* rows of b per block in dl_gemm_pack_b */
#define TINY 4096
#define PAR_MIN ((int64_t)1 << 20) /* M*N*K (times batch) above which threads are used */

#if defined(__wasm__)
/* The wasm build: sgemm alone may use the second thread (native/wasm/platform.c: its tasks must
 * not allocate, and the other kernels' may), and only for products that pay for waking it. */
/* the 2x16 micro-kernel (gemm.h): blocks of 48 rows of packed a (48 KiB at KC) */
#undef MC
#define MC (MR * 24)
int dl_wasm_gemm_threads(void);
void dl_wasm_gemm_parallel(int64_t ntasks, dl_task_fn fn, void* ctx);
/* Packed a holds each value stored whole, as 4 lanes (A_SPLAT): the kernel then reads a row's
 * value with a plain vector load instead of a load-and-splat. In headless Chromium (bench:web, one
 * thread, 1024², four pairs alternated with the code before in the same page sessions) dlgrad's
 * GFLOP/s over TF.js's went 1.27-1.28x -> 1.29-1.31x; in Node the two measure the same within the
 * noise (-2 to +3 %). The cost: 4x the packed a (192 KiB at MC x KC), still in L2. */
#define A_SPLAT 4
size_t dl_wasm_gemm_scratch_floats(void) { return (size_t)(A_SPLAT * MC + NC) * KC; }
#define dl_num_threads dl_wasm_gemm_threads
#define dl_parallel dl_wasm_gemm_parallel
#undef PAR_MIN
#define PAR_MIN ((int64_t)1 << 21)
#endif

#ifndef A_SPLAT
#define A_SPLAT 1 /* floats per value of packed a */
#endif

const char* dl_gemm_kind(void) { return DL_GEMM_KIND; }

/* the micro-kernel (gemm.h) on packed panels: A k-major MR-row panels, B k-major NR-column panels */
#if A_SPLAT == 1
__attribute__((noinline)) static void ukernel(int64_t kc, const float* restrict A, const float* restrict B,
                                              float* restrict C, int64_t ldc, int acc, int mr, const float* bias) {
  dl_ukernel(kc, A, 1, MR, B, NR, C, ldc, acc, mr, bias, 0);
}
#else
/* gemm.h's 2x16 SIMD128 kernel with a's two values per k already splatted (see A_SPLAT) */
static inline __attribute__((always_inline)) void ukernel_splat(int64_t kc, const float* restrict A,
                                                                const float* restrict B, float* restrict C,
                                                                int64_t ldc, int acc, int mr, const float* bias) {
  DL_WACC
  const float* ak = A;
  const float* bk = B;
  const float* const bend = B + kc * (ptrdiff_t)NR;
#pragma clang loop unroll(disable)
  for (; bk != bend; ak += MR * A_SPLAT, bk += NR) {
    DL_WLOADB(bk)
    const v128_t a0 = wasm_v128_load(ak), a1 = wasm_v128_load(ak + 4);
    DL_WMULADD(0, a0)
    DL_WMULADD(1, a1)
  }
  DL_WROWS(DL_WSTORE)
}
__attribute__((noinline)) static void ukernel(int64_t kc, const float* restrict A, const float* restrict B,
                                              float* restrict C, int64_t ldc, int acc, int mr, const float* bias) {
  ukernel_splat(kc, A, B, C, ldc, acc, mr, bias);
}
/* a full column panel's tiles for all mc rows in one call: ~2 % of a 1024² product went to calling
   the kernel tile by tile (its arguments and the caller's loop state through the stack) */
__attribute__((noinline)) static void ukernel_strip(int64_t kc, const float* restrict A, const float* restrict B,
                                                    float* restrict C, int64_t ldc, int acc, int64_t mc,
                                                    const float* bias) {
  for (int64_t ir = 0; ir < mc; ir += MR)
    ukernel_splat(kc, A + ir * kc * A_SPLAT, B, C + ir * ldc, ldc, acc, (int)dl_min64(MR, mc - ir), bias);
}

/* ukernel_strip for the first column panel of a block of rows, reading a's values from a itself
 * (through its strides) and storing them splatted into Ap as it goes, for the later panels: the
 * block needs no pass of pack_a_splat. Rows in whole MR panels only (mc % MR == 0). */
static inline __attribute__((always_inline)) void tile_pack(int64_t kc, const float* a0p, const float* a1p,
                                                            ptrdiff_t as, float* restrict ap,
                                                            const float* restrict B, float* restrict C,
                                                            int64_t ldc, int acc, const float* bias) {
  const int mr = MR;
  DL_WACC
  const float* bk = B;
  const float* const bend = B + kc * (ptrdiff_t)NR;
#pragma clang loop unroll(disable)
  for (; bk != bend; bk += NR, a0p += as, a1p += as, ap += MR * A_SPLAT) {
    DL_WLOADB(bk)
    const v128_t a0 = wasm_v128_load32_splat(a0p), a1 = wasm_v128_load32_splat(a1p);
    wasm_v128_store(ap, a0);
    wasm_v128_store(ap + 4, a1);
    DL_WMULADD(0, a0)
    DL_WMULADD(1, a1)
  }
  DL_WROWS(DL_WSTORE)
}
__attribute__((noinline)) static void ukernel_strip_pack(int64_t kc, const float* A, int64_t sam, int64_t sak,
                                                         float* restrict Ap, const float* restrict B, float* restrict C,
                                                         int64_t ldc, int acc, int64_t mc, const float* bias) {
  for (int64_t ir = 0; ir < mc; ir += MR)
    tile_pack(kc, A + ir * sam, A + (ir + 1) * sam, (ptrdiff_t)sak, Ap + ir * kc * A_SPLAT, B, C + ir * ldc, ldc, acc,
              bias);
}

/* The micro-kernel's own rate, the ceiling of sgemm's (npm run bench:web puts each library's GEMM
 * beside it): `reps` calls on one panel pair that stays in L1 (KC x MR of splatted a, 8 KiB; KC x
 * NR of b, 16 KiB), accumulating into one tile, so no packing and no traffic beyond L1. Returns the
 * flops done. The values stay normal (no denormal slow path): each call adds KC·0.25·0.5 to C. */
double dl_wasm_gemm_ceiling(int reps) {
  float* s = dl_scratch((size_t)(A_SPLAT * MR + NR) * KC + MR * NR);
  if (!s || reps <= 0) return 0.0;
  float *A = s, *B = A + A_SPLAT * MR * KC, *C = B + NR * KC;
  for (int64_t i = 0; i < A_SPLAT * MR * KC; i++) A[i] = 0.5f;
  for (int64_t i = 0; i < NR * KC; i++) B[i] = 0.25f;
  for (int i = 0; i < reps; i++) ukernel_strip(KC, A, B, C, NR, i > 0, MR, NULL); /* the GEMM's own function */
  return 2.0 * MR * NR * KC * reps;
}

/* packed a (n floats) spread in place to A_SPLAT copies of each value, from the end backwards:
 * value i goes to [A_SPLAT·i, A_SPLAT·i + A_SPLAT), never over a value not yet moved */
static void splat_a(float* Ap, int64_t n) {
  for (int64_t i = n - 1; i >= 0; i--) wasm_v128_store(Ap + A_SPLAT * i, wasm_f32x4_splat(Ap[i]));
}
#endif

/* ---- packing --------------------------------------------------------------------------------- */

/* A points at element (row 0, k 0) of an mc x kc block; panels of MR rows, k-major, zero padded */
static void pack_a(float* restrict Ap, const float* A, int64_t sam, int64_t sak, int64_t mc, int64_t kc) {
  if (sam == 1 && sak != 1) {
    /* a transposed (the weight gradient's Gᵀ): for each k its mc values are contiguous. Walk k
       outermost and read each such run once; panel by panel, the runs of one panel would be
       re-read for the next from lines whose stride (often 2 KiB) maps them to a couple of L1 sets */
    for (int64_t k = 0; k < kc; k++) {
      const float* s = A + k * sak;
      /* each run is a separate short stream the hardware prefetcher is late for: ask 8 rows ahead */
      if (k + 8 < kc)
        for (int64_t p = 0; p < mc; p += 16) __builtin_prefetch(s + 8 * sak + p);
      for (int64_t p = 0; p < mc; p += MR) {
        const int64_t mr = dl_min64(MR, mc - p);
        float* restrict d = Ap + p * kc + k * MR;
        if (mr == MR)
          for (int r = 0; r < MR; r++) d[r] = s[p + r];
        else
          for (int r = 0; r < MR; r++) d[r] = r < mr ? s[p + r] : 0.0f;
      }
    }
    return;
  }
  for (int64_t p = 0; p < mc; p += MR) {
    const int64_t mr = dl_min64(MR, mc - p);
    float* restrict d = Ap + p * kc;
    const float* s = A + p * sam;
    if (sam == 1 && mr == MR) {
      for (int64_t k = 0; k < kc; k++)
        for (int r = 0; r < MR; r++) d[k * MR + r] = s[k * sak + r];
    } else if (sak == 1) {
      const float* rows[MR];
      for (int r = 0; r < MR; r++) rows[r] = s + (r < mr ? r : 0) * sam;
      int64_t k0 = 0;
#if defined(__AVX512F__)
      /* 16 k at a time: load MR rows, transpose, store MR lanes per k */
      for (; k0 + 16 <= kc; k0 += 16) {
        __m512 v[16];
        for (int r = 0; r < 16; r++) v[r] = r < mr ? _mm512_loadu_ps(rows[r < MR ? r : 0] + k0) : _mm512_setzero_ps();
        tr16(v);
        for (int k = 0; k < 16; k++) _mm512_mask_storeu_ps(d + (k0 + k) * MR, (__mmask16)((1u << MR) - 1), v[k]);
      }
#elif defined(__AVX2__)
      /* 8 k at a time: load the 6 rows (and 2 zero rows), transpose, store 6 lanes per k. A full
         panel loads without a per-row test (the tests were a quarter of the packing time). */
      for (; k0 + 8 <= kc; k0 += 8) {
        __m256 v[8];
        if (mr == MR) {
          for (int r = 0; r < MR; r++) v[r] = _mm256_loadu_ps(rows[r] + k0);
          v[6] = v[7] = _mm256_setzero_ps();
        } else {
          for (int r = 0; r < 8; r++) v[r] = r < mr ? _mm256_loadu_ps(rows[r < MR ? r : 0] + k0) : _mm256_setzero_ps();
        }
        tr8(v);
        for (int k = 0; k < 8; k++) {
          _mm_storeu_ps(d + (k0 + k) * MR, _mm256_castps256_ps128(v[k]));
          _mm_storel_pi((__m64*)(d + (k0 + k) * MR + 4), _mm256_extractf128_ps(v[k], 1));
        }
      }
#endif
      for (int64_t k = k0; k < kc; k++)
        for (int r = 0; r < MR; r++) d[k * MR + r] = r < mr ? rows[r][k] : 0.0f;
    } else {
      for (int64_t k = 0; k < kc; k++)
        for (int r = 0; r < MR; r++) d[k * MR + r] = r < mr ? s[r * sam + k * sak] : 0.0f;
    }
  }
}

#if A_SPLAT > 1
/* packs and splats in one pass where a is row-major (its 2 rows read 4 k at a time; each value's
   4 copies stored at once); otherwise pack_a, then splat_a. With ukernel_strip, against packing
   and splatting in two passes and one call per tile (1024², one thread, alternated in one page or
   process, Zen 5; bench/wasm-ab.ts): headless Chromium 156 +3.0-5.7 % (6 pairs; the strip calls
   alone +1.4-3.0 %), Node 26 (V8 14.6) +1.8-2.7 %, Node 20 (V8 11.3) -1.5 to +1.1 % in quiet
   minutes and +6 to +13 % in slow ones. Chromium's V8 compiled the two passes' scalar stores and
   the per-tile calls worse than Node 20's did. */
_Static_assert(MR == 2 && A_SPLAT == 4, "pack_a_splat writes 2 rows of 4 copies");
static void pack_a_splat(float* restrict Ap, const float* A, int64_t sam, int64_t sak, int64_t mc, int64_t kc) {
  if (sak != 1) {
    pack_a(Ap, A, sam, sak, mc, kc);
    splat_a(Ap, (mc + MR - 1) / MR * MR * kc);
    return;
  }
  for (int64_t p = 0; p < mc; p += MR) {
    const float* r0 = A + p * sam;
    const float* r1 = p + 1 < mc ? r0 + sam : NULL; /* a short last panel: row 1 is zeros */
    float* restrict d = Ap + p * kc * A_SPLAT;
    int64_t k = 0;
#define DL_SPLAT_LANE(j)                                                          \
  wasm_v128_store(d + (k + (j)) * 8, wasm_i32x4_shuffle(v0, v0, j, j, j, j));    \
  wasm_v128_store(d + (k + (j)) * 8 + 4, wasm_i32x4_shuffle(v1, v1, j, j, j, j));
    for (; k + 4 <= kc; k += 4) {
      const v128_t v0 = wasm_v128_load(r0 + k), v1 = r1 ? wasm_v128_load(r1 + k) : wasm_f32x4_splat(0.0f);
      DL_SPLAT_LANE(0) DL_SPLAT_LANE(1) DL_SPLAT_LANE(2) DL_SPLAT_LANE(3)
    }
#undef DL_SPLAT_LANE
    for (; k < kc; k++) {
      wasm_v128_store(d + k * 8, wasm_f32x4_splat(r0[k]));
      wasm_v128_store(d + k * 8 + 4, wasm_f32x4_splat(r1 ? r1[k] : 0.0f));
    }
  }
}
#endif

/* B points at element (k 0, col 0) of a kc x nc block; panels of NR columns, k-major, zero padded */
void dl_gemm_pack_b(float* restrict Bp, const float* B, int64_t sbk, int64_t sbn, int64_t kc, int64_t nc) {
  if (sbn == 1 && sbk != 1) {
    /* rows of b contiguous: blocks of PB_K rows, panel by panel. Row by row, each row's NR-wide
       pieces went to every panel at the panel stride (kc·NR floats, a multiple of 4 KiB when kc is
       a power of two), so the stores all fell into the same few L1 and L2 sets and thrashed them
       (packing 512x1024 of a 1024-wide b took 2.5x as long, warm); panel by panel, each row's
       piece is a short stream at the row stride, which the prefetchers follow badly. A block of
       PB_K rows is read once from L2, and each panel gets PB_K·NR contiguous floats. */
    for (int64_t k0 = 0; k0 < kc; k0 += PB_K) {
      const int64_t kn = dl_min64(PB_K, kc - k0);
      const float* s = B + k0 * sbk;
      int64_t q = 0;
      for (; q + NR <= nc; q += NR) {
        float* restrict d = Bp + q * kc + k0 * NR;
        for (int64_t k = 0; k < kn; k++) memcpy(d + k * NR, s + k * sbk + q, NR * sizeof(float));
      }
      if (q < nc) {
        float* d = Bp + q * kc + k0 * NR;
        for (int64_t k = 0; k < kn; k++)
          for (int64_t j = 0; j < NR; j++) d[k * NR + j] = q + j < nc ? s[k * sbk + q + j] : 0.0f;
      }
    }
    return;
  }
  for (int64_t q = 0; q < nc; q += NR) {
    const int64_t nr = dl_min64(NR, nc - q);
    float* restrict d = Bp + q * kc;
    const float* s = B + q * sbn;
    if (sbn == 1 && nr == NR) {
      for (int64_t k = 0; k < kc; k++) memcpy(d + k * NR, s + k * sbk, NR * sizeof(float));
    } else if (sbk == 1) {
      /* transposed b: each column is contiguous along k */
      int64_t kk = 0;
#if defined(__AVX512F__)
      for (; kk + 16 <= kc; kk += 16) {
        for (int h = 0; h < NR; h += 16) {
          __m512 v[16];
          for (int j = 0; j < 16; j++) v[j] = h + j < nr ? _mm512_loadu_ps(s + (h + j) * sbn + kk) : _mm512_setzero_ps();
          tr16(v);
          for (int k = 0; k < 16; k++) _mm512_store_ps(d + (kk + k) * NR + h, v[k]);
        }
      }
#elif defined(__AVX2__)
      for (; kk + 8 <= kc; kk += 8) {
        for (int h = 0; h < NR; h += 8) {
          __m256 v[8];
          for (int j = 0; j < 8; j++) v[j] = h + j < nr ? _mm256_loadu_ps(s + (h + j) * sbn + kk) : _mm256_setzero_ps();
          tr8(v);
          for (int k = 0; k < 8; k++) _mm256_store_ps(d + (kk + k) * NR + h, v[k]);
        }
      }
#endif
      for (int64_t k0 = kk; k0 < kc; k0 += 16) {
        const int64_t kn = dl_min64(16, kc - k0);
        for (int j = 0; j < NR; j++) {
          if (j < nr) {
            const float* col = s + j * sbn + k0;
            for (int64_t k = 0; k < kn; k++) d[(k0 + k) * NR + j] = col[k];
          } else {
            for (int64_t k = 0; k < kn; k++) d[(k0 + k) * NR + j] = 0.0f;
          }
        }
      }
    } else {
      for (int64_t k = 0; k < kc; k++)
        for (int j = 0; j < NR; j++) d[k * NR + j] = j < nr ? s[k * sbk + j * sbn] : 0.0f;
    }
  }
}

/* ---- one product, a block of it ------------------------------------------------------------- */

typedef struct {
  int64_t M, N, K;
  int64_t sam, sak, sbk, sbn, ldc;
  bool acc; /* C += the product (dl_gemm_serial's callers); sgemm writes C */
} gemm_dims;

/* split n into parts of at most blk, as equal as possible, rounded up to `unit` */
static int64_t balanced(int64_t n, int64_t blk, int64_t unit) {
  const int64_t parts = (n + blk - 1) / blk;
  int64_t b = (n + parts - 1) / parts;
  b = (b + unit - 1) / unit * unit;
  return b < blk ? b : blk;
}

/* the product rounded to float32, then + bias[j] in float32: what the matmul-then-add composite gives */
static void gemm_naive(const gemm_dims* g, float* C, const float* A, const float* B, const float* bias) {
  for (int64_t i = 0; i < g->M; i++)
    for (int64_t j = 0; j < g->N; j++) {
      double acc = 0.0;
      const float* a = A + i * g->sam;
      const float* b = B + j * g->sbn;
      for (int64_t k = 0; k < g->K; k++) acc += (double)a[k * g->sak] * (double)b[k * g->sbk];
      float* c = &C[i * g->ldc + j];
      *c = g->acc ? *c + (float)acc : bias ? (float)acc + bias[j] : (float)acc;
    }
}

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
/* ---- x86: a read in place --------------------------------------------------------------------
 *
 * Packing costs a pass over each operand, paid back over the other operand's extent: a's pack
 * over N columns, b's over M rows. In the GPT step's shapes (N = 128, or aᵀ·b with K = 2048)
 * that was a fifth of the product. So on x86 a is read in place when that is cheap:
 * - row-major a (sak = 1) when N is small: its MR rows are then reused over only a few NR
 *   panels, from L1, and an MC block of rows stays in L2 as the packed one would (not when its
 *   row stride is a multiple of 4 KiB: all MR rows would fall into the same L1 sets);
 * - transposed a (sam = 1, the weight gradient's Gᵀ), with AVX-512 only (a_mode says why): each
 *   k's MR values are contiguous, a packed panel with a longer k stride.
 * Threads each pack their own copy of what they share. Packing b once for both threads, its
 * panels split over them and a second dl_parallel before the products, measured slower on the
 * 2-vCPU Zen 5 (1024²: 3-4 %; 512×2048·2048×128: 15 %): reading the other core's half costs more
 * than packing it again, and every KC slice paid a second wait for the threads. */
#define DL_X86_GEMM 1

__attribute__((noinline)) static void ukernel_rows(int64_t kc, const float* restrict A, int64_t lda,
                                                   const float* restrict B, float* restrict C, int64_t ldc, int acc,
                                                   int mr, const float* bias) {
  dl_ukernel(kc, A, lda, 1, B, NR, C, ldc, acc, mr, bias, 1);
}

__attribute__((noinline)) static void ukernel_cols(int64_t kc, const float* restrict A, int64_t lda,
                                                   const float* restrict B, float* restrict C, int64_t ldc, int acc,
                                                   int mr, const float* bias) {
  dl_ukernel(kc, A, 1, lda, B, NR, C, ldc, acc, mr, bias, 1);
}

/* Both operands in place: a transposed, b row-major (B(k, :) at B + k·ldb), for the weight
 * gradient Gᵀ·X. Its b (K = 2048 rows) was packed in full by each thread, 7-13 % of the product
 * (2048x512: 0.1 ms warm, 0.2 ms cold); a tile's 32 columns of b come from L2 either way (a KC x NR
 * panel is 32-64 KiB). Measured on Zen 5 against packing (per-call alternation, the GPT step's
 * Gᵀ·X with N = 128): 1 thread 1-9 % faster, 2 threads 2-7 %, with K slices of KC_BD = 256
 * (512 deep was mixed, 128 no faster). Not when b's row stride is a multiple of 2 KiB (N = 512):
 * its 2·KC_BD rows then crowd a few L2 sets (with 2 threads 3 % slower in a short test). */
__attribute__((noinline)) static void ukernel_cols_bd(int64_t kc, const float* restrict A, int64_t lda,
                                                      const float* restrict B, int64_t ldb, float* restrict C,
                                                      int64_t ldc, int acc, int mr, const float* bias) {
  dl_ukernel(kc, A, 1, lda, B, ldb, C, ldc, acc, mr, bias, 1);
}
#define KC_BD 256
#endif

#define AMODE_PACK 0 /* a packed into MR-row panels */
#define AMODE_ROWS 1 /* a read in place, row-major: A(r, k) = a[r·sam + k] (x86 only) */
#define AMODE_COLS 2 /* a read in place, transposed: A(r, k) = a[r + k·sak] (AVX-512 only) */
#define ROWS_MAX_N 512 /* row-major a in place up to this many columns of C */

static int a_mode(const gemm_dims* g) {
#if defined(DL_X86_GEMM)
  if (g->sak == 1 && g->sam != 1 && g->N <= ROWS_MAX_N && g->sam % 1024 != 0) return AMODE_ROWS;
#endif
#if defined(__AVX512F__)
  /* Not on AVX2: on a Zen 3 (32 KiB 8-way L1, 512 KiB L2) the GPT step's weight gradients Gᵀ·X,
     K = 2048, ran 14-40 % slower in place than packed (in-process A/B, 2 threads, warm and cold;
     1 thread 14-40 % too): a's k stride (M floats, 512-2048 B) and b's row stride put a tile's
     256 k steps into a few L1 sets, so every tile streams both from L2. */
  if (g->sam == 1 && g->sak != 1 && g->M > 1) return AMODE_COLS;
#endif
  (void)g;
  return AMODE_PACK;
}

/* Whether b is read in place too (ukernel_cols_bd): with a transposed and read in place (amode,
 * a_mode's), and b row-major, unless b's row stride is a multiple of 512 floats (see there) */
static bool b_in_place(const gemm_dims* g, int amode) {
#if defined(DL_X86_GEMM)
  return amode == AMODE_COLS && g->sbn == 1 && g->sbk != 1 && g->sbk % 512 != 0;
#else
  (void)g;
  (void)amode;
  return false;
#endif
}

/* one tile of C, mr x nr (nr < NR through tmp): a is a packed panel, or for the in-place modes
 * row 0 of the tile in a itself (lda: its row stride, or its k stride when transposed) */
static inline void gemm_tile(int amode, int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                             int64_t ldc, int acc, int mr, int64_t nr, const float* bias, float* tmp) {
  float* d = nr == NR ? c : tmp;
  const int64_t ldd = nr == NR ? ldc : NR;
  const int accd = nr == NR ? acc : 0;
  const float* bd = nr == NR ? bias : NULL;
#if defined(DL_X86_GEMM)
  if (ldb != NR) ukernel_cols_bd(kc, a, lda, b, ldb, d, ldd, accd, mr, bd);
  else if (amode == AMODE_ROWS) ukernel_rows(kc, a, lda, b, d, ldd, accd, mr, bd);
  else if (amode == AMODE_COLS) ukernel_cols(kc, a, lda, b, d, ldd, accd, mr, bd);
  else
#endif
    ukernel(kc, a, b, d, ldd, accd, mr, bd);
  (void)amode;
  (void)lda;
  (void)ldb;
  if (nr < NR) /* a short column panel went through tmp (short row panels store their mr rows directly) */
    for (int64_t i = 0; i < mr; i++)
      for (int64_t j = 0; j < nr; j++)
        c[i * ldc + j] = acc ? c[i * ldc + j] + tmp[i * NR + j] : bias ? tmp[i * NR + j] + bias[j] : tmp[i * NR + j];
}

/* rows [m0, m1) (in blocks of mcb) x columns [jc, jc + nc) of C for the K slice [pc, pc + kc), b's
 * kc x nc block already packed in Bp, or (Bd not NULL: x86, a transposed) its full panels read in
 * place from Bd with b's row stride and only the short last one packed; Ap: room for a packed
 * MC x KC block when `pack` */
static void gemm_rows(const gemm_dims* g, int amode, bool pack, float* C, const float* A, const float* Bp, float* Ap,
                      const float* bias, int64_t m0, int64_t m1, int64_t mcb, int64_t jc, int64_t nc, int64_t pc,
                      int64_t kc, const float* Bd) {
  _Alignas(64) float tmp[MR * NR];
  const int64_t ldc = g->ldc, lda = amode == AMODE_ROWS ? g->sam : g->sak;
  for (int64_t ic = m0; ic < m1; ic += mcb) {
    const int64_t mc = dl_min64(mcb, m1 - ic);
#if A_SPLAT > 1
    const bool fuse = nc >= NR && mc % MR == 0; /* ukernel_strip_pack packs a with the first panel */
    if (!fuse) pack_a_splat(Ap, A + ic * g->sam + pc * g->sak, g->sam, g->sak, mc, kc);
#else
    if (pack) pack_a(Ap, A + ic * g->sam + pc * g->sak, g->sam, g->sak, mc, kc);
#endif
    for (int64_t jr = 0; jr < nc; jr += NR) {
      const int64_t nr = dl_min64(NR, nc - jr);
      const float* bj = bias && pc == 0 ? bias + jc + jr : NULL;
      const bool direct = Bd && nr == NR;
#if A_SPLAT > 1
      if (jr == 0 && fuse) { /* nc >= NR: a whole panel */
        ukernel_strip_pack(kc, A + ic * g->sam + pc * g->sak, g->sam, g->sak, Ap, Bp, C + ic * ldc + jc, ldc,
                           pc > 0 || g->acc, mc, bj);
        continue;
      }
      if (nr == NR) {
        ukernel_strip(kc, Ap, Bp + jr * kc, C + ic * ldc + jc + jr, ldc, pc > 0 || g->acc, mc, bj);
        continue;
      }
#endif
      for (int64_t ir = 0; ir < mc; ir += MR)
        gemm_tile(amode, kc, pack ? Ap + ir * kc * A_SPLAT : A + (ic + ir) * g->sam + pc * g->sak, lda,
                  direct ? Bd + jr : Bp + jr * kc, direct ? g->sbk : NR, C + (ic + ir) * ldc + jc + jr, ldc, pc > 0 || g->acc,
                  (int)dl_min64(MR, mc - ir), nr, bj, tmp);
    }
  }
}

/* rows [m0, m1) x columns [n0, n1) of C, a read as `amode` says. bias (contiguous, N) or NULL:
 * added to every row by the stores of the first K slice. K > 0 (K = 0 is a tiny product:
 * gemm_naive) */
static void gemm_block(const gemm_dims* g, int amode, float* C, const float* A, const float* B, const float* bias,
                       int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m1 <= m0 || n1 <= n0) return;
#if defined(DL_X86_GEMM)
  const bool pack = amode == AMODE_PACK;
#else
  const bool pack = true; /* a constant: the loops compile as they did before the in-place modes */
#endif
  float* Bp = dl_scratch((size_t)(NC + (pack ? A_SPLAT * MC : 0)) * KC); /* packed b, then packed a */
  if (!Bp) { /* out of memory: the slow path still gives the right answer */
    gemm_dims h = *g;
    h.M = m1 - m0;
    h.N = n1 - n0;
    gemm_naive(&h, C + m0 * g->ldc + n0, A + m0 * g->sam, B + n0 * g->sbn, bias ? bias + n0 : NULL);
    return;
  }
  float* Ap = Bp + NC * KC;
  const int64_t K = g->K;
  const bool bdirect = b_in_place(g, amode);
#if defined(DL_X86_GEMM)
  const int64_t kcb = balanced(K, bdirect ? KC_BD : KC, 1);
#else
  const int64_t kcb = balanced(K, KC, 1);
#endif
  const int64_t mcb = balanced(m1 - m0, MC, MR);
  for (int64_t jc = n0; jc < n1; jc += NC) {
    const int64_t nc = dl_min64(NC, n1 - jc);
    for (int64_t pc = 0; pc < K; pc += kcb) {
      const int64_t kc = dl_min64(kcb, K - pc);
      const float* bs = B + pc * g->sbk + jc * g->sbn;
      if (!bdirect) dl_gemm_pack_b(Bp, bs, g->sbk, g->sbn, kc, nc);
      else if (nc % NR) /* full panels are read in place; the short last one is packed */
        dl_gemm_pack_b(Bp + nc / NR * NR * kc, bs + nc / NR * NR, g->sbk, g->sbn, kc, nc % NR);
      gemm_rows(g, amode, pack, C, A, Bp, Ap, bias, m0, m1, mcb, jc, nc, pc, kc, bdirect ? bs : NULL);
    }
  }
}

/* ---- batches and threads --------------------------------------------------------------------- */

#define MAX_RANGES 64

typedef struct {
  gemm_dims g;
  float* C;
  const float* A;
  const float* B;
  const float* bias;         /* contiguous [N] or NULL */
  int nb;                    /* batch dims */
  int64_t bshape[DL_MAXD];
  int64_t bsa[DL_MAXD], bsb[DL_MAXD], bsc[DL_MAXD];
  int64_t nbatch;
  int parts;                 /* tasks per product */
  bool split_m;
  /* work stealing (x86, mm_task_steal): units of MR rows or, by_cols, NR columns, `per` per
     product, numbered over all products and cut into nranges equal ranges, one per thread;
     range[r]: (first unclaimed << 32) | end; maxu: the most units in one chunk */
  bool by_cols;
  int nranges;
  int64_t per, maxu;
  uint64_t range[MAX_RANGES];
  int64_t pc, kc; /* chunks of rows: the K slice [pc, pc + kc) of this pass */
} mm_job;

static void batch_ptrs(const mm_job* j, int64_t b, float** C, const float** A, const float** B) {
  int64_t oa = 0, ob = 0, oc = 0;
  for (int d = j->nb - 1; d >= 0; d--) {
    const int64_t i = b % j->bshape[d];
    b /= j->bshape[d];
    oa += i * j->bsa[d];
    ob += i * j->bsb[d];
    oc += i * j->bsc[d];
  }
  *C = j->C + oc;
  *A = j->A + oa;
  *B = j->B + ob;
}

static void mm_task(void* ctx, int64_t t) {
  const mm_job* j = (const mm_job*)ctx;
  const int64_t b = t / j->parts, p = t % j->parts;
  float* C;
  const float* A;
  const float* B;
  batch_ptrs(j, b, &C, &A, &B);
  const gemm_dims* g = &j->g;
  const int amode = a_mode(g);
  if (j->parts == 1) {
    gemm_block(g, amode, C, A, B, j->bias, 0, g->M, 0, g->N);
  } else if (j->split_m) {
    const int64_t units = (g->M + MR - 1) / MR;
    const int64_t m0 = dl_min64(g->M, units * p / j->parts * MR), m1 = dl_min64(g->M, units * (p + 1) / j->parts * MR);
    gemm_block(g, amode, C, A, B, j->bias, m0, m1, 0, g->N);
  } else {
    const int64_t units = (g->N + NR - 1) / NR;
    const int64_t n0 = dl_min64(g->N, units * p / j->parts * NR), n1 = dl_min64(g->N, units * (p + 1) / j->parts * NR);
    gemm_block(g, amode, C, A, B, j->bias, 0, g->M, n0, n1);
  }
}

#if defined(DL_X86_GEMM)
/* A chunk [*u0, *u1) of the units of range r, never across two products, half of what is left and
 * at most maxu: from its front (its own thread) or from its back (another thread, stealing). False
 * when the range is used up. Half, not maxu, at the front too: the chunks shrink towards the end
 * of a range, so the thread that finishes first waits less for the other's last chunk (1024² on 2
 * threads: maxu units, 48 rows, are ~0.5 ms, and the two ended ~200 us apart; now 40-100). */
static bool claim(mm_job* j, int r, bool front, int64_t* u0, int64_t* u1) {
  uint64_t w = __atomic_load_n(&j->range[r], __ATOMIC_RELAXED);
  for (;;) {
    const int64_t f = (int64_t)(w >> 32), e = (int64_t)(w & 0xffffffffu);
    if (f >= e) return false;
    const int64_t c = dl_min64((e - f + 1) / 2, j->maxu);
    int64_t lo, hi;
    if (front) {
      lo = f;
      hi = dl_min64(f + c, (f / j->per + 1) * j->per);
    } else {
      hi = e;
      lo = e - c;
      if ((e - 1) / j->per * j->per > lo) lo = (e - 1) / j->per * j->per;
    }
    const uint64_t v = front ? ((uint64_t)hi << 32) | (uint64_t)e : ((uint64_t)f << 32) | (uint64_t)lo;
    if (__atomic_compare_exchange_n(&j->range[r], &w, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
      *u0 = lo;
      *u1 = hi;
      return true;
    }
  }
}

/* Task t of one per thread: the units of range t from its front, then, when they are done, chunks
 * stolen from the backs of the others. With fixed parts alone, the caller waited at the end for
 * a worker that woke up late (~50 us after a sleep here) or was preempted by another process; a
 * shared queue of chunks instead measured slower on an idle machine (each thread's rows changed
 * from call to call: less of a and C left in its caches). Chunks of rows share b's K slice of
 * this pass (all its columns: N <= NC), packed once per product a thread works on, and not at all
 * by a thread that finds nothing left; chunks of columns (a transposed, read in place) pack only
 * their own part of b. */
static void mm_task_steal(void* ctx, int64_t t) {
  mm_job* j = (mm_job*)ctx;
  const gemm_dims* g = &j->g;
  const int amode = a_mode(g);
  const bool pack = amode == AMODE_PACK;
  float* Bp = NULL;
  int64_t packed = -1, u0, u1;
  for (int i = 0; i < j->nranges; i++) {
    const int r = (int)((t + i) % j->nranges);
    while (claim(j, r, i == 0, &u0, &u1)) {
      const int64_t b = u0 / j->per;
      float* C;
      const float* A;
      const float* B;
      batch_ptrs(j, b, &C, &A, &B);
      u0 -= b * j->per;
      u1 -= b * j->per;
      if (j->by_cols) {
        gemm_block(g, amode, C, A, B, j->bias, 0, g->M, u0 * NR, dl_min64(g->N, u1 * NR));
        continue;
      }
      const int64_t m0 = u0 * MR, m1 = dl_min64(g->M, u1 * MR);
      if (!Bp) Bp = dl_scratch((size_t)(NC + (pack ? A_SPLAT * MC : 0)) * KC);
      if (!Bp) { /* out of memory: gemm_block's slow path */
        gemm_block(g, amode, C, A, B, j->bias, m0, m1, 0, g->N);
        continue;
      }
      if (packed != b) dl_gemm_pack_b(Bp, B + j->pc * g->sbk, g->sbk, g->sbn, j->kc, g->N);
      packed = b;
      gemm_rows(g, amode, pack, C, A, Bp, Bp + NC * KC, j->bias, m0, m1, MC, 0, g->N, j->pc, j->kc, NULL);
    }
  }
}
#endif

/* Whether to compute Cᵀ = Bᵀ·Aᵀ instead, then transpose its M·N elements into C (small next to
 * M·N·K over a long K). Two reasons to:
 * - C fits the MR×NR tiles much worse than Cᵀ does: the weight gradient of a convolution, 32×144
 *   from K = 12544 in the MNIST CNN, needs 3 row panels (the last 8 of 12 rows) and 5 column
 *   panels (the last half empty), while 144×32 fills 12 × 1 exactly: 1.6× faster there (360 vs
 *   600 µs on the Zen 5).
 * - (AVX-512) a transposed and b row-major, as in a weight gradient Gᵀ·X, where b's row stride is a
 *   multiple of 512 floats (X with 512 features), so b is packed rather than read in place
 *   (b_in_place), once per thread's chunk of columns, each chunk reading all of a again; in
 *   Cᵀ = Xᵀ·G both are read in place. Not over a shorter K, where the transpose and the scratch
 *   cost more than that saves (128×1024·1024×512: 2 % slower), nor where Cᵀ's tiles waste more
 *   than C's (a tall a of 12 rows fills one row panel exactly). The GPT step's 128×2048·2048×512
 *   (in-process A/B on the Zen 5): 2 threads 4-5 % faster warm, 4-10 % on cold caches; 1 thread
 *   8-9 %. Cᵀ's product is never turned again (may_swap). */
static bool swap_pays(const gemm_dims* g) {
  const int64_t M = g->M, N = g->N, K = g->K;
  if (K < 1024 || M * N > ((int64_t)1 << 20)) return false;
  const int64_t pad = (M + MR - 1) / MR * MR * ((N + NR - 1) / NR * NR);
  const int64_t padt = (N + MR - 1) / MR * MR * ((M + NR - 1) / NR * NR);
  if (padt * 10 < pad * 9) return true; /* at least 10 % fewer padded multiply-adds */
  if (K < 2048 || padt > pad || a_mode(g) != AMODE_COLS || b_in_place(g, AMODE_COLS)) return false;
  const gemm_dims t = { N, M, K, g->sbn, g->sbk, g->sak, g->sam, M, false }; /* Cᵀ's: a' = Bᵀ, b' = Aᵀ */
  return b_in_place(&t, a_mode(&t));
}

/* C [M, N] (row stride ldc) = or (acc) += A·B on the calling thread alone, for kernels that split
 * their own work over the threads and multiply inside their tasks (conv.c's per-image products):
 * the blocking, packing and micro-kernel of sgemm, without its threads or batches. */
void dl_gemm_serial(float* C, int64_t ldc, const float* A, int64_t sam, int64_t sak, const float* B, int64_t sbk,
                    int64_t sbn, int64_t M, int64_t N, int64_t K, bool acc) {
  const gemm_dims g = { M, N, K, sam, sak, sbk, sbn, ldc, acc };
  if (M == 0 || N == 0) return;
  if (M * N * K <= TINY) gemm_naive(&g, C, A, B, NULL); /* K = 0 too: C stays, or gets the empty sums */
  else gemm_block(&g, a_mode(&g), C, A, B, NULL, 0, M, 0, N);
}

/* batch dims: nb, bshape, and the batch strides of a, b and out; offsets already applied to the pointers */
static int matmul_f32(float* C, const float* A, const float* B, int nb, const int64_t* bshape, const int64_t* bsa,
                      const int64_t* bsb, const int64_t* bsc, int64_t M, int64_t N, int64_t K, int64_t sam,
                      int64_t sak, int64_t sbk, int64_t sbn, int64_t ldc, const float* bias, int64_t sbias,
                      bool may_swap) {
  mm_job j;
  memset(&j, 0, sizeof j);
  j.g.M = M; j.g.N = N; j.g.K = K;
  j.g.sam = sam; j.g.sak = sak; j.g.sbk = sbk; j.g.sbn = sbn; j.g.ldc = ldc;
  j.C = C; j.A = A; j.B = B;
  j.nbatch = 1;
  for (int d = 0; d < nb; d++) {
    if (bshape[d] == 1) continue;
    j.bshape[j.nb] = bshape[d];
    j.bsa[j.nb] = bsa[d];
    j.bsb[j.nb] = bsb[d];
    j.bsc[j.nb] = bsc[d];
    j.nbatch *= bshape[d];
    j.nb++;
  }
  if (j.nbatch == 0 || M == 0 || N == 0) return 0;
  if (may_swap && j.nbatch == 1 && !bias && swap_pays(&j.g)) {
    size_t cls;
    bool fresh0;
    float* t = (float*)dl_pool_get((size_t)(M * N) * sizeof(float), &cls, &fresh0);
    if (!t) return -1;
    /* t = Cᵀ [N, M]: a' = b read as Bᵀ (rows n, k stride sbk), b' = a read as Aᵀ */
    const int rc = matmul_f32(t, B, A, 0, NULL, NULL, NULL, NULL, N, M, K, sbn, sbk, sak, sam, M, NULL, 0, false);
    if (rc == 0) dl_transpose_32((uint32_t*)C, ldc, (const uint32_t*)t, M, M, N);
    dl_pool_put(t, cls);
    return rc;
  }
  float* bias_copy = NULL;
  size_t bias_cls = 0;
  bool fresh;
  if (bias && sbias != 1 && N > 1) { /* the stores read NR consecutive bias values */
    bias_copy = (float*)dl_pool_get((size_t)N * sizeof(float), &bias_cls, &fresh);
    if (!bias_copy) return -1;
    for (int64_t n = 0; n < N; n++) bias_copy[n] = bias[n * sbias];
    bias = bias_copy;
  }
  j.bias = bias;
  if (M * N * K <= TINY) {
    for (int64_t b = 0; b < j.nbatch; b++) {
      float* c;
      const float* a;
      const float* bb;
      batch_ptrs(&j, b, &c, &a, &bb);
      gemm_naive(&j.g, c, a, bb, bias); /* K = 0 too: the sums are 0 */
    }
  } else {
    const int nt = dl_num_threads();
    const int64_t work = j.nbatch * M * N * K;
    j.parts = 1;
    if (nt > 1 && work >= PAR_MIN && j.nbatch < 2 * nt) {
      j.split_m = M >= N;
#if defined(DL_X86_GEMM)
      /* a transposed read in place: split by columns on a tie, so b is not packed twice (each
         thread packs only its columns; a needs no packing). 128×2048·2048×128: ~10 % faster */
      if (M == N && a_mode(&j.g) == AMODE_COLS) j.split_m = false;
#endif
      const int64_t units = j.split_m ? (M + MR - 1) / MR : (N + NR - 1) / NR;
      /* one part per thread: each part packs its own copy of b's blocks, so more parts cost more
         packing (measured: 4 parts per thread lost 10-20 % at 256..2048 on 2 cores) */
      j.parts = units >= nt ? nt : (int)units;
      if (j.parts < 1) j.parts = 1;
    }
    const int64_t ntasks = j.nbatch * j.parts;
#if defined(DL_X86_GEMM)
    const int amode = a_mode(&j.g);
    /* a transposed and read in place, split by columns (as chosen above): a by-rows split of it
       stays fixed (its threads each pack all of b's K slices) */
    const bool cols = amode == AMODE_COLS && !j.split_m && (N + NR - 1) / NR >= 2 * nt;
    const int64_t per = cols ? (N + NR - 1) / NR : (M + MR - 1) / MR;
    if (j.parts > 1 && (cols || (j.split_m && N <= NC && amode != AMODE_COLS)) &&
        j.nbatch * per < ((int64_t)1 << 31)) { /* range[] holds 32-bit unit numbers */
      /* a range of rows per thread when b's columns are one block (chunks of at most an MC
         block), of columns when a is read in place transposed (chunks of 2 panels: each reads all
         of a and all of K), with work stealing (mm_task_steal). Rows go in one pass per K slice,
         gemm_block's slices, so each thread packs one slice of b at a time, and every row gets its
         slices in order whichever thread does it (the same sums as one thread). At 2048² the two
         fixed halves, without stealing, ended 0.4-2 ms apart in 44 ms. */
      j.by_cols = cols;
      j.per = per;
      j.maxu = cols ? 2 : MC / MR;
      j.nranges = nt < MAX_RANGES ? nt : MAX_RANGES;
      const int64_t units = j.nbatch * j.per, kstep = cols ? K : balanced(K, KC, 1);
      for (j.pc = 0; j.pc < K; j.pc += kstep) {
        j.kc = dl_min64(kstep, K - j.pc);
        for (int r = 0; r < j.nranges; r++)
          j.range[r] = ((uint64_t)(units * r / j.nranges) << 32) | (uint64_t)(units * (r + 1) / j.nranges);
        dl_parallel(j.nranges, mm_task_steal, &j);
      }
    } else
#endif
    if (nt > 1 && work >= PAR_MIN && ntasks > 1) dl_parallel(ntasks, mm_task, &j);
    else for (int64_t t = 0; t < ntasks; t++) mm_task(&j, t);
  }
  if (bias_copy) dl_pool_put(bias_copy, bias_cls);
  return 0;
}

int dl_matmul_f32(float* C, const float* A, const float* B, int nb, const int64_t* bshape, const int64_t* bsa,
                  const int64_t* bsb, const int64_t* bsc, int64_t M, int64_t N, int64_t K, int64_t sam,
                  int64_t sak, int64_t sbk, int64_t sbn, int64_t ldc, const float* bias, int64_t sbias) {
  return matmul_f32(C, A, B, nb, bshape, bsa, bsb, bsc, M, N, K, sam, sak, sbk, sbn, ldc, bias, sbias, true);
}
