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
 * Every product goes through one register-blocked micro-kernel, C[mr x 16] = Σ_k A(r, k)·B(k, :),
 * with A read through two strides (so Aᵀ costs nothing) and B a row of 16 contiguous floats. The
 * operands that play B are first copied into zero-padded per-thread scratch (kᵀ, vᵀ, and k, q, g
 * rows padded to 16), so the micro-kernel never reads or writes past an edge.
 *
 * Views are [B1, B2, T, D] with any strides (last dim contiguous); binding.c has checked that
 * every element each one reaches lies inside its array. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "fused.h"
#include "kernels.h"
#include "vmath.h"
#if defined(__AVX__)
#include <immintrin.h>
#endif

#define MR 6
#define NR 16

static inline int64_t pad16(int64_t n) { return (n + NR - 1) / NR * NR; }

/* C[r][0..16) = Σ_{k < kn} A(r, k)·B(k, 0..16) for r < mr, with A(r, k) = a[r·ars + k·aks] and
 * B(k, :) = b + k·bks. Rows r >= mr are not stored (and read row 0 of A, which exists). */
#if defined(__AVX2__) && defined(__FMA__)
#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define DECL(i) __m256 c##i##0 = _mm256_setzero_ps(), c##i##1 = _mm256_setzero_ps(); \
                const float* a##i = a + ((i) < mr ? (i) : 0) * ars;
#define STEP(i)                                                   \
  {                                                               \
    const __m256 av = _mm256_broadcast_ss(a##i + k * aks);        \
    c##i##0 = _mm256_fmadd_ps(av, b0, c##i##0);                   \
    c##i##1 = _mm256_fmadd_ps(av, b1, c##i##1);                   \
  }
#define STORE(i)                                                  \
  if ((i) < mr) {                                                 \
    _mm256_storeu_ps(c + (i) * ldc, c##i##0);                     \
    _mm256_storeu_ps(c + (i) * ldc + 8, c##i##1);                 \
  }
static void mk(int64_t kn, const float* a, int64_t ars, int64_t aks, const float* b, int64_t bks, float* c,
               int64_t ldc, int mr) {
  ROWS(DECL)
  for (int64_t k = 0; k < kn; k++) {
    const __m256 b0 = _mm256_loadu_ps(b + k * bks), b1 = _mm256_loadu_ps(b + k * bks + 8);
    ROWS(STEP)
  }
  ROWS(STORE)
}
#undef ROWS
#undef DECL
#undef STEP
#undef STORE
#else
static void mk(int64_t kn, const float* a, int64_t ars, int64_t aks, const float* b, int64_t bks, float* c,
               int64_t ldc, int mr) {
  for (int r = 0; r < mr; r++) {
    float acc[NR] = { 0 };
    for (int64_t k = 0; k < kn; k++) {
      const float av = a[r * ars + k * aks];
      for (int j = 0; j < NR; j++) acc[j] += av * b[k * bks + j];
    }
    memcpy(c + r * ldc, acc, sizeof acc);
  }
}
#endif

typedef struct {
  const dl_att_dims* d;
  float *out, *p, *gq, *gk, *gv;
  const float *q, *k, *v, *g, *pin;
  int failed; /* set by a task that could not get its scratch */
} att_ctx;

/* element offset of (b1, b2, row 0) of view x */
static inline int64_t base(const int64_t* st, int64_t b1, int64_t b2) { return b1 * st[0] + b2 * st[1]; }

/* dst (rows x pitch, zero padded) = src rows (row stride ss, n contiguous floats each) */
static void pack_rows(float* dst, int64_t pitch, const float* src, int64_t ss, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; r++) {
    memcpy(dst + r * pitch, src + r * ss, (size_t)n * sizeof(float));
    memset(dst + r * pitch + n, 0, (size_t)(pitch - n) * sizeof(float));
  }
}

/* dst (n x pitch, zero padded) = transpose of src (rows x n, row stride ss) */
static void pack_cols(float* dst, int64_t pitch, const float* src, int64_t ss, int64_t rows, int64_t n) {
  dl_transpose_32((uint32_t*)dst, pitch, (const uint32_t*)src, ss, n, rows);
  for (int64_t e = 0; e < n; e++) memset(dst + e * pitch + rows, 0, (size_t)(pitch - rows) * sizeof(float));
}

/* C (rows x cols at c, row stride ldc) = A·B through the micro-kernel, tile by tile: rows in
 * blocks of MR, columns in blocks of NR (cols <= the padded width of B and of the tile buffer
 * tmp). kn(i0, mr) gives the k range [k0, k1) of a row block; A(r, k) = a[r·ars + k·aks] with r
 * counted from the block's first row; B(k, :) = b + k·bks. */
typedef void (*krange_fn)(const dl_att_dims* d, int64_t i0, int mr, int64_t* k0, int64_t* k1);

static void product(const dl_att_dims* d, int64_t rows, int64_t cols, krange_fn kr, const float* a, int64_t ars,
                    int64_t aks, const float* b, int64_t bks, float* tmp, float* c, int64_t ldc) {
  const int64_t cp = pad16(cols);
  const bool direct = cols == cp; /* whole tiles: store straight into c, no copy through tmp */
  float* t = direct ? c : tmp;
  const int64_t ldt = direct ? ldc : cp;
  for (int64_t i0 = 0; i0 < rows; i0 += MR) {
    const int mr = (int)dl_min64(MR, rows - i0);
    int64_t k0, k1;
    kr(d, i0, mr, &k0, &k1);
    float* ti = direct ? t + i0 * ldt : t;
    for (int64_t j0 = 0; j0 < cp; j0 += NR) {
      if (k1 > k0) mk(k1 - k0, a + i0 * ars + k0 * aks, ars, aks, b + k0 * bks + j0, bks, ti + j0, ldt, mr);
      else for (int r = 0; r < mr; r++) memset(ti + r * ldt + j0, 0, NR * sizeof(float));
    }
    if (!direct)
      for (int r = 0; r < mr; r++) memcpy(c + (i0 + r) * ldc, tmp + r * cp, (size_t)cols * sizeof(float));
  }
}

/* row blocks of P·v and dS·k: causal rows i0..i0+mr-1 see keys j < i0 + mr */
static void keys_of_rows(const dl_att_dims* d, int64_t i0, int mr, int64_t* k0, int64_t* k1) {
  *k0 = 0;
  *k1 = d->causal ? dl_min64(d->S, i0 + mr) : d->S;
}
/* row blocks of dSᵀ·q and Pᵀ·g (rows are keys j0..): causal queries i >= j0 see them */
static void rows_of_keys(const dl_att_dims* d, int64_t j0, int mr, int64_t* k0, int64_t* k1) {
  (void)mr;
  *k0 = d->causal ? dl_min64(j0, d->L) : 0;
  *k1 = d->L;
}

/* sc (L x Sp) = a·bt for the tiles each causal row block needs (a: L x E rows, stride as; bt:
 * E x Sp, the transposed keys or values) */
static void scores(const dl_att_dims* d, float* sc, int64_t Sp, const float* a, int64_t as, const float* bt, int64_t E) {
  for (int64_t i0 = 0; i0 < d->L; i0 += MR) {
    const int mr = (int)dl_min64(MR, d->L - i0);
    const int64_t jend = d->causal ? dl_min64(d->S, i0 + mr) : d->S;
    for (int64_t j0 = 0; j0 < jend; j0 += NR) mk(E, a + i0 * as, as, 1, bt + j0, Sp, sc + i0 * Sp + j0, Sp, mr);
  }
}

/* entries of row i that are kept */
static inline int64_t kept(const dl_att_dims* d, int64_t i) { return d->causal ? dl_min64(i + 1, d->S) : d->S; }

/* dst[0..n) = src[0..n). P goes to memory only for the backward, much later: streaming stores
 * skip reading its lines in first (and keep them out of the cache) when the row is aligned. */
static void store_row(float* dst, const float* src, int64_t n) {
#if defined(__AVX__)
  if (((uintptr_t)dst & 31) == 0) {
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) _mm256_stream_ps(dst + j, _mm256_loadu_ps(src + j));
    for (; j < n; j++) dst[j] = src[j];
    return;
  }
#endif
  memcpy(dst, src, (size_t)n * sizeof(float));
}

static void forward_task(void* p, int64_t t) {
  att_ctx* c = (att_ctx*)p;
  const dl_att_dims* d = c->d;
  const int64_t b1 = t / d->B2, b2 = t % d->B2;
  const int64_t L = d->L, S = d->S, E = d->E, Ev = d->Ev, Sp = pad16(S), Evp = pad16(Ev);
  float* buf = dl_scratch((size_t)(E * Sp + S * Evp + L * Sp + MR * Evp));
  if (!buf) { c->failed = 1; return; }
  float *kt = buf, *vp = kt + E * Sp, *sc = vp + S * Evp, *tmp = sc + L * Sp;
  const float* q = c->q + base(d->sq, b1, b2);
  float* P = c->p + base(d->sp, b1, b2);
  float* out = c->out + base(d->so, b1, b2);
  pack_cols(kt, Sp, c->k + base(d->sk, b1, b2), d->sk[2], S, E);
  pack_rows(vp, Evp, c->v + base(d->sv, b1, b2), d->sv[2], S, Ev);
  scores(d, sc, Sp, q, d->sq[2], kt, E);
  const float scale = (float)d->scale;
  for (int64_t i = 0; i < L; i++) { /* P in place of the scores, then out to p */
    dl_softmax_row_f(sc + i * Sp, sc + i * Sp, kept(d, i), Sp, scale);
    store_row(P + i * d->sp[2], sc + i * Sp, S);
  }
  product(d, L, Ev, keys_of_rows, sc, Sp, 1, vp, Evp, tmp, out, d->so[2]);
#if defined(__AVX__)
  _mm_sfence(); /* streaming stores are weakly ordered: make P visible before the task ends */
#endif
}

static void backward_task(void* p, int64_t t) {
  att_ctx* c = (att_ctx*)p;
  const dl_att_dims* d = c->d;
  const int64_t b1 = t / d->B2, b2 = t % d->B2;
  const int64_t L = d->L, S = d->S, E = d->E, Ev = d->Ev, Sp = pad16(S), Ep = pad16(E), Evp = pad16(Ev);
  const int64_t W = Ep > Evp ? Ep : Evp;
  float* buf = dl_scratch((size_t)(Ev * Sp + L * Sp + S * Ep + L * Ep + L * Evp + MR * W));
  if (!buf) { c->failed = 1; return; }
  float *vt = buf, *ds = vt + Ev * Sp, *kp = ds + L * Sp, *qp = kp + S * Ep, *gp = qp + L * Ep, *tmp = gp + L * Evp;
  const float* g = c->g + base(d->so, b1, b2);
  const float* P = c->pin + base(d->sp, b1, b2);
  const int64_t ps = d->sp[2];
  /* P was streamed to memory by the forward: start fetching it now, it is needed after dP */
  for (int64_t i = 0; i < L; i++)
    for (int64_t j = 0; j < kept(d, i); j += 16) __builtin_prefetch(P + i * ps + j);
  pack_cols(vt, Sp, c->v + base(d->sv, b1, b2), d->sv[2], S, Ev);
  pack_rows(kp, Ep, c->k + base(d->sk, b1, b2), d->sk[2], S, E);
  pack_rows(qp, Ep, c->q + base(d->sq, b1, b2), d->sq[2], L, E);
  pack_rows(gp, Evp, g, d->so[2], L, Ev);
  scores(d, ds, Sp, gp, Evp, vt, Ev); /* dP = g·vᵀ */
  const float scale = (float)d->scale;
  for (int64_t i = 0; i < L; i++) { /* dS = scale·P∘(dP − Σ P∘dP), 0 past the kept entries */
    const int64_t n = kept(d, i);
    float* r = ds + i * Sp;
    const float* pr = P + i * ps;
    const float df = (float)dl_dot_f(pr, r, n);
    for (int64_t j = 0; j < n; j++) r[j] = scale * pr[j] * (r[j] - df);
    for (int64_t j = n; j < Sp; j++) r[j] = 0.0f;
  }
  product(d, L, E, keys_of_rows, ds, Sp, 1, kp, Ep, tmp, c->gq + base(d->sgq, b1, b2), d->sgq[2]);
  product(d, S, E, rows_of_keys, ds, 1, Sp, qp, Ep, tmp, c->gk + base(d->sgk, b1, b2), d->sgk[2]);
  product(d, S, Ev, rows_of_keys, P, 1, ps, gp, Evp, tmp, c->gv + base(d->sgv, b1, b2), d->sgv[2]);
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
