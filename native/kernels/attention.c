/* Fused scaled dot-product attention, forward and backward, one (batch, head) per task.
 *
 *   forward:  S = scale·q·kᵀ, P = softmax(S) over each row (causal: row i keeps j <= i, the rest
 *             are 0), out = P·v. P is written out: the backward reads it instead of recomputing.
 *   backward: dP = g·vᵀ, dS = scale·P∘(dP − rowsum(P∘dP)), gq = dS·k, gk = dSᵀ·q, gv = Pᵀ·g.
 *
 * Why fused: each head's q, k, v (T x D) and its T x T scores fit in L1/L2, so the five small
 * products run from cache, causal tiles above the diagonal are skipped (half the work), and
 * q, k, v and the gradients are read and written through their strides (no transposed copies,
 * no full-size temporaries for the scores, their scaled and masked versions and their softmax).
 *
 * Every product goes through sgemm's register-blocked micro-kernel (gemm.h) with A read in place
 * through two strides (so Aᵀ costs nothing) and B first packed into zero-padded per-thread scratch
 * (dl_gemm_pack_b), so the micro-kernel never reads past an edge of B.
 *
 * Views are [B1, B2, T, D] with any strides (last dim contiguous); binding.c has checked that
 * every element each one reaches lies inside its array. */
#include <string.h>

#include "common.h"
#include "fused.h"
#include "gemm.h"
#include "vmath.h"
#if defined(__AVX__)
#include <immintrin.h>
#endif

static inline int64_t padnr(int64_t n) { return (n + DL_NR - 1) / DL_NR * DL_NR; }

/* the micro-kernel on A in place (rows past mr read row 0: A may end there) and packed B */
__attribute__((noinline)) static void mk(int64_t kc, const float* a, int64_t ars, int64_t aks, const float* b,
                                         float* c, int64_t ldc, int mr) {
  dl_ukernel(kc, a, ars, aks, b, DL_NR, c, ldc, 0, mr, NULL, 1);
}

typedef struct {
  const dl_att_dims* d;
  float *out, *p, *gq, *gk, *gv;
  const float *q, *k, *v, *g, *pin;
  int failed; /* set by a task that could not get its scratch */
} att_ctx;

/* element offset of (b1, b2, row 0) of view x */
static inline int64_t base(const int64_t* st, int64_t b1, int64_t b2) { return b1 * st[0] + b2 * st[1]; }

/* What a causal mask leaves of the row block [i0, i0 + mr) of a product: k in [k0, k1), columns < n1.
 *   SCORES (q·kᵀ, g·vᵀ): query i keeps keys j <= i, so columns below i0 + mr;
 *   KEYS_OF_ROWS (P·v, dS·k): query i sums over keys j <= i;
 *   ROWS_OF_KEYS (dSᵀ·q, Pᵀ·g; rows are keys): key j gets queries i >= j. */
enum { SCORES, KEYS_OF_ROWS, ROWS_OF_KEYS };

/* C (rows x cols, row stride ldc) = A·B with A(r, k) = a[r·ars + k·aks] and B(k, j) = b[k·sbk + j·sbn]
 * (K x cols), packed into bp first. padded: C's rows have room up to the next multiple of DL_NR
 * (scratch), so every tile is stored straight into C; otherwise short tiles go through tmp. */
static void product(const dl_att_dims* d, int kind, int64_t rows, int64_t cols, int64_t K, const float* a,
                    int64_t ars, int64_t aks, const float* b, int64_t sbk, int64_t sbn, float* bp, float* c,
                    int64_t ldc, bool padded) {
  dl_gemm_pack_b(bp, b, sbk, sbn, K, cols);
  _Alignas(64) float tmp[DL_MR * DL_NR];
  for (int64_t i0 = 0; i0 < rows; i0 += DL_MR) {
    const int mr = (int)dl_min64(DL_MR, rows - i0);
    int64_t k0 = 0, k1 = K, n1 = cols;
    if (d->causal && kind == SCORES) n1 = dl_min64(cols, i0 + mr);
    if (d->causal && kind == KEYS_OF_ROWS) k1 = dl_min64(K, i0 + mr);
    if (d->causal && kind == ROWS_OF_KEYS) k0 = dl_min64(K, i0);
    for (int64_t j0 = 0; j0 < n1; j0 += DL_NR) {
      const int64_t nr = dl_min64(DL_NR, cols - j0);
      const bool direct = padded || nr == DL_NR;
      float* t = direct ? c + i0 * ldc + j0 : tmp;
      const int64_t ldt = direct ? ldc : DL_NR;
      if (k1 > k0) mk(k1 - k0, a + i0 * ars + k0 * aks, ars, aks, bp + j0 * K + k0 * DL_NR, t, ldt, mr);
      else for (int r = 0; r < mr; r++) memset(t + r * ldt, 0, DL_NR * sizeof(float));
      if (!direct)
        for (int r = 0; r < mr; r++) memcpy(c + (i0 + r) * ldc + j0, tmp + r * DL_NR, (size_t)nr * sizeof(float));
    }
  }
}

/* entries of row i that are kept */
static inline int64_t kept(const dl_att_dims* d, int64_t i) { return d->causal ? dl_min64(i + 1, d->S) : d->S; }

/* The forward's softmax rows, in whole groups of 16 lanes over a row of scratch (padnr(S) floats,
 * DL_NR being 16 or 32, so round16(n) <= padnr(S)), the lanes past n masked by a select: no scalar
 * tail (a causal row keeps i + 1 entries, so up to 15 scalar exps a row), and whatever the scratch
 * held past the computed tiles never leaks in. Sums in float (dl_sum16_f's order): a row has at
 * most a few thousand terms in (0, 1]. Measured on the GPT's heads (16·4 of 128 x 32, causal,
 * cold): forward 685-727 -> 610-652 us. */
static inline int64_t round16(int64_t n) { return (n + 15) & ~(int64_t)15; }

/* max of r[0..n), n >= 1 (masked AVX-512 lanes: GCC leaves the masked select of a generic loop scalar) */
static float row_max(const float* r, int64_t n) {
#if defined(__AVX512F__)
  __m512 m = _mm512_set1_ps(-INFINITY);
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 k = (__mmask16)(n - j >= 16 ? 0xFFFFu : (1u << (n - j)) - 1u);
    m = _mm512_mask_max_ps(m, k, m, _mm512_maskz_loadu_ps(k, r + j));
  }
  return _mm512_reduce_max_ps(m);
#else
  return dl_max_f(r, n);
#endif
}

/* r[j] = exp(scale·r[j] − sub) for j < n, 0 for n <= j < w; returns Σ r[0..w) in float, lane
 * j % 16's partial sums added in j order, then dl_hsum16: dl_sum16_f's order, so the same bits as
 * the pass of its own that it replaces.
 * scale·r[j] is rounded before the subtraction, as the composite's scaled scores are, so the row's
 * maximum gives exp(0) = 1 exactly: fused into one fma, its rounding residue (up to 2^74 for
 * scores near 1e30) went through exp, to 0 or overflow, and a one-key row became 0/0 = NaN */
static float row_exp_sum(float* r, int64_t n, int64_t w, float scale, float sub) {
  float acc[16] = { 0 };
  for (int64_t j = 0; j < w; j += 16) {
    const int lim = (int)dl_min64(16, n - j);
    for (int l = 0; l < 16; l++) {
      const float e = dl_exp_f(r[j + l] * scale - sub);
      const float v = l < lim ? e : 0.0f;
      r[j + l] = v;
      acc[l] += v;
    }
  }
  return dl_hsum16(acc);
}

/* The row's normalisation and its copy out to P, in one pass: src[0..w) *= inv, dst[0..w) = the
 * same, dst[w..n) = 0 (w <= n, w a multiple of 16 or n). P goes to memory only for the backward,
 * much later: streaming stores skip reading its lines in first (and keep them out of the cache)
 * when the row is aligned. With the sum taken in the exp pass, this took the GPT's heads (16·4 of
 * 128 x 32, causal, warm, in-process A/B on the Zen 5) 578 -> 550 us on 2 threads, 914 -> 871 on
 * one, against separate passes with 32-byte streaming stores. One loop over groups of 16 floats
 * for every x86 target (vmath.h's vf: one 64-byte line with AVX-512, its two halves with AVX),
 * streamv storing each vector at an address aligned to DL_STREAM_ALIGN. */
#if defined(__AVX512F__)
#define DL_STREAM_ALIGN 64
#define streamv(p, v) _mm512_stream_ps((p), (__m512)(v)) /* vmath.h's vf: 16 floats */
#elif defined(__AVX__)
#define DL_STREAM_ALIGN 32
#define streamv(p, v) _mm256_stream_ps((p), (__m256)(v)) /* 8 floats */
#endif
static void scale_store_row(float* dst, float* src, int64_t w, int64_t n, float inv) {
  int64_t j = 0;
#if defined(DL_STREAM_ALIGN)
  if (((uintptr_t)dst & (DL_STREAM_ALIGN - 1)) == 0) {
    for (; j + 16 <= w; j += 16)
      for (int h = 0; h < DL_V16; h++) {
        const vf v = ldv(src + j + h * DL_VW) * inv;
        stv(src + j + h * DL_VW, v);
        streamv(dst + j + h * DL_VW, v);
      }
    if (j == w)
      for (; j + 16 <= n; j += 16)
        for (int h = 0; h < DL_V16; h++) streamv(dst + j + h * DL_VW, (vf){ 0 });
  }
#endif
  for (int64_t i = j; i < w; i++) src[i] *= inv;
  if (w > j) memcpy(dst + j, src + j, (size_t)(w - j) * sizeof(float));
  if (n > dl_max64(j, w)) memset(dst + dl_max64(j, w), 0, (size_t)(n - dl_max64(j, w)) * sizeof(float));
}

static void forward_task(void* p, int64_t t) {
  att_ctx* c = (att_ctx*)p;
  const dl_att_dims* d = c->d;
  const int64_t b1 = t / d->B2, b2 = t % d->B2;
  const int64_t L = d->L, S = d->S, E = d->E, Ev = d->Ev, Sp = padnr(S);
  float* sc = dl_scratch((size_t)(L * Sp + dl_max64(E * Sp, S * padnr(Ev)))); /* scores, then packed B */
  if (!sc) { c->failed = 1; return; }
  float* P = c->p + base(d->sp, b1, b2);
  product(d, SCORES, L, S, E, c->q + base(d->sq, b1, b2), d->sq[2], 1, c->k + base(d->sk, b1, b2), 1, d->sk[2],
          sc + L * Sp, sc, Sp, true); /* q·kᵀ */
  const float scale = (float)d->scale;
  for (int64_t i = 0; i < L; i++) { /* P in place of the scores, then out to p */
    float* row = sc + i * Sp;
    const int64_t n = kept(d, i), w = round16(n);
    const float inv = n > 0 ? 1.0f / row_exp_sum(row, n, w, scale, row_max(row, n) * scale) : 0.0f;
    scale_store_row(P + i * d->sp[2], row, dl_min64(w, S), S, inv);
    memset(row + w, 0, (size_t)(Sp - w) * sizeof(float));
  }
  product(d, KEYS_OF_ROWS, L, Ev, S, sc, Sp, 1, c->v + base(d->sv, b1, b2), d->sv[2], 1, sc + L * Sp,
          c->out + base(d->so, b1, b2), d->so[2], false); /* P·v */
#if defined(__AVX__)
  _mm_sfence(); /* streaming stores are weakly ordered: make P visible before the task ends */
#endif
}

static void backward_task(void* p, int64_t t) {
  att_ctx* c = (att_ctx*)p;
  const dl_att_dims* d = c->d;
  const int64_t b1 = t / d->B2, b2 = t % d->B2;
  const int64_t L = d->L, S = d->S, E = d->E, Ev = d->Ev, Sp = padnr(S), Ep = padnr(E), Evp = padnr(Ev);
  const int64_t nb = dl_max64(dl_max64(Ev * Sp, S * Ep), L * dl_max64(Ep, Evp)); /* the largest packed B */
  float* ds = dl_scratch((size_t)(L * Sp + nb));
  if (!ds) { c->failed = 1; return; }
  float* bp = ds + L * Sp;
  const float* g = c->g + base(d->so, b1, b2);
  const float* q = c->q + base(d->sq, b1, b2);
  const float* k = c->k + base(d->sk, b1, b2);
  const float* P = c->pin + base(d->sp, b1, b2);
  const int64_t ps = d->sp[2], gs = d->so[2];
  /* P was streamed to memory by the forward: start fetching it now, it is needed after dP */
  for (int64_t i = 0; i < L; i++)
    for (int64_t j = 0; j < kept(d, i); j += 16) __builtin_prefetch(P + i * ps + j);
  product(d, SCORES, L, S, Ev, g, gs, 1, c->v + base(d->sv, b1, b2), 1, d->sv[2], bp, ds, Sp, true); /* dP = g·vᵀ */
  const float scale = (float)d->scale;
  for (int64_t i = 0; i < L; i++) { /* dS = scale·P∘(dP − Σ P∘dP), 0 past the kept entries */
    const int64_t n = kept(d, i);
    float* r = ds + i * Sp;
    const float* pr = P + i * ps;
    const float df = (float)dl_dot_f(pr, r, n);
    for (int64_t j = 0; j < n; j++) r[j] = scale * pr[j] * (r[j] - df);
    for (int64_t j = n; j < Sp; j++) r[j] = 0.0f;
  }
  /* gq = dS·k, gk = dSᵀ·q, gv = Pᵀ·g */
  product(d, KEYS_OF_ROWS, L, E, S, ds, Sp, 1, k, d->sk[2], 1, bp, c->gq + base(d->sgq, b1, b2), d->sgq[2], false);
  product(d, ROWS_OF_KEYS, S, E, L, ds, 1, Sp, q, d->sq[2], 1, bp, c->gk + base(d->sgk, b1, b2), d->sgk[2], false);
  product(d, ROWS_OF_KEYS, S, Ev, L, P, 1, ps, g, gs, 1, bp, c->gv + base(d->sgv, b1, b2), d->sgv[2], false);
}

int dl_attention_f32(float* out, float* p, const float* q, const float* k, const float* v, const dl_att_dims* d) {
  att_ctx c = { d, out, p, NULL, NULL, NULL, q, k, v, NULL, NULL, 0 };
  if (d->B1 * d->B2 == 0 || d->L == 0) return 0;
  dl_parallel(d->B1 * d->B2, forward_task, &c);
  return c.failed ? -1 : 0;
}

int dl_attention_backward_f32(float* gq, float* gk, float* gv, const float* g, const float* p, const float* q,
                              const float* k, const float* v, const dl_att_dims* d) {
  att_ctx c = { d, NULL, NULL, gq, gk, gv, q, k, v, g, p, 0 };
  if (d->B1 * d->B2 == 0) return 0;
  dl_parallel(d->B1 * d->B2, backward_task, &c);
  return c.failed ? -1 : 0;
}
