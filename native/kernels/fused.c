/* Fused kernels: softmax/logSoftmax, layerNorm, exact GELU (forward and backward) and the Adam step.
 * One pass over memory where the composites make five to ten; the composites in src/functional.ts
 * and src/optim/updates.ts stay the reference (test/fused.test.ts spells out the same maths in JS).
 * Every array is contiguous float32; "rows" are the leading dims flattened, n the last dim.
 * Row statistics accumulate in double, like the js reference. Work splits over the thread pool by
 * rows (or by element ranges) when it is large enough to pay for the hand-off. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "fused.h"
#include "vmath.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#define GRAIN 32768 /* elements per task below which a single thread does the job */

typedef struct {
  int64_t rows, n, per; /* rows in total, row length, rows per task */
  void (*row)(void* ctx, int64_t r);
  void* ctx;
} rows_job;

static void rows_task(void* p, int64_t t) {
  const rows_job* j = (const rows_job*)p;
  const int64_t r0 = t * j->per, r1 = r0 + j->per < j->rows ? r0 + j->per : j->rows;
  for (int64_t r = r0; r < r1; r++) j->row(j->ctx, r);
}

/* fn(ctx, r) for every row, split over the pool in contiguous blocks of rows */
static void for_rows(int64_t rows, int64_t n, void (*fn)(void*, int64_t), void* ctx) {
  int64_t per = rows;
  if (rows * n >= 2 * GRAIN && dl_num_threads() > 1) {
    int64_t tasks = dl_num_threads() * 4;
    if (tasks > rows) tasks = rows;
    per = (rows + tasks - 1) / tasks;
  }
  rows_job j = { rows, n, per > 0 ? per : 1, fn, ctx };
  dl_parallel((rows + j.per - 1) / j.per, rows_task, &j);
}

/* ---- softmax -------------------------------------------------------------------------------- */

/* scale multiplies the inputs first; causal > 0: the rows are [.., L, n] matrices with L = causal,
 * and row i of each keeps only its first i + 1 entries (top-left aligned, like PyTorch's is_causal):
 * the rest get probability 0 (log: -inf) and gradient 0. */
typedef struct { float* out; const float* x; int64_t n; int log; float scale; int64_t causal; } sm_ctx;

static void softmax_row(void* p, int64_t r) {
  const sm_ctx* c = (const sm_ctx*)p;
  const int64_t n = c->n, v = c->causal && r % c->causal + 1 < n ? r % c->causal + 1 : n;
  const float* x = c->x + r * n;
  float* o = c->out + r * n;
  const float sc = c->scale;
  if (!c->log) return dl_softmax_row_f(o, x, v, n, sc);
  const double m = (double)dl_max_f(x, v) * sc; /* sc > 0, so max(sc·x) = sc·max(x) */
  const float mf = (float)m;
  for (int64_t i = 0; i < v; i++) o[i] = dl_exp_f(x[i] * sc - mf); /* exp once, into out: vectorised, ~1 ulp */
  const double ls = m + log(dl_sum_f(o, v));
  for (int64_t i = 0; i < v; i++) o[i] = (float)((double)(x[i] * sc) - ls);
  for (int64_t i = v; i < n; i++) o[i] = -INFINITY;
}

void dl_softmax_f32(float* out, const float* x, int64_t rows, int64_t n, int log_, double scale, int64_t causal) {
  sm_ctx c = { out, x, n, log_, (float)scale, causal };
  for_rows(rows, n, softmax_row, &c);
}

typedef struct { float* gx; const float* g; const float* y; int64_t n; int log; float scale; int64_t causal; } smb_ctx;

static void softmax_backward_row(void* p, int64_t r) {
  const smb_ctx* c = (const smb_ctx*)p;
  const int64_t n = c->n, v = c->causal && r % c->causal + 1 < n ? r % c->causal + 1 : n;
  const float* g = c->g + r * n;
  const float* y = c->y + r * n;
  float* gx = c->gx + r * n;
  const float sc = c->scale;
  if (c->log) {
    const float s = (float)dl_sum_f(g, v);
    for (int64_t i = 0; i < v; i++) gx[i] = sc * (g[i] - dl_exp_f(y[i]) * s); /* g - softmax·Σg */
  } else {
    const double s = dl_dot_f(g, y, v);
    for (int64_t i = 0; i < v; i++) gx[i] = sc * (float)(y[i] * (g[i] - s)); /* y·(g - Σ g·y) */
  }
  for (int64_t i = v; i < n; i++) gx[i] = 0.0f;
}

void dl_softmax_backward_f32(float* gx, const float* g, const float* y, int64_t rows, int64_t n, int log_, double scale,
                             int64_t causal) {
  smb_ctx c = { gx, g, y, n, log_, (float)scale, causal };
  for_rows(rows, n, softmax_backward_row, &c);
}

/* ---- layerNorm ------------------------------------------------------------------------------ */

typedef struct {
  float *out, *mean, *rstd;
  const float *x, *w, *b;
  int64_t n;
  double eps;
} ln_ctx;

/* One row: the mean in double, the centred values into o, the variance from them in double
 * (eight partial sums), then o = xhat·w + b in float. has_w and has_b are constants at each call,
 * so no load is conditional and every loop vectorises. */
static inline void layernorm_row_(const ln_ctx* c, int64_t r, const int has_w, const int has_b) {
  const int64_t n = c->n;
  const float* x = c->x + r * n;
  float* o = c->out + r * n;
  const float mu = (float)(dl_sum_f(x, n) / (double)n);
  for (int64_t i = 0; i < n; i++) o[i] = x[i] - mu;
  const double v = dl_dot_f(o, o, n);
  const float rs = (float)(1.0 / sqrt(v / (double)n + c->eps));
  c->mean[r] = mu;
  c->rstd[r] = rs;
  const float *w = c->w, *b = c->b;
  for (int64_t i = 0; i < n; i++) o[i] = o[i] * rs * (has_w ? w[i] : 1.0f) + (has_b ? b[i] : 0.0f);
}

static void layernorm_row(void* p, int64_t r) {
  const ln_ctx* c = (const ln_ctx*)p;
  if (c->w && c->b) layernorm_row_(c, r, 1, 1);
  else if (c->w) layernorm_row_(c, r, 1, 0);
  else if (c->b) layernorm_row_(c, r, 0, 1);
  else layernorm_row_(c, r, 0, 0);
}

void dl_layernorm_f32(float* out, float* mean, float* rstd, const float* x, const float* w, const float* b,
                      int64_t rows, int64_t n, double eps) {
  ln_ctx c = { out, mean, rstd, x, w, b, n, eps };
  for_rows(rows, n, layernorm_row, &c);
}

/* Backward: per row, dxhat = g·w and gx = rstd·(dxhat - mean(dxhat) - xhat·mean(dxhat·xhat)).
 * gw = Σ_rows g·xhat and gb = Σ_rows g go into one partial sum per task, added up at the end in
 * task order, so the result does not depend on scheduling. */
typedef struct {
  float* gx;
  const float *g, *x, *mean, *rstd, *w;
  double* part; /* [ntasks][2n]: gw then gb */
  int64_t rows, n, per;
  int want_w, want_b;
  int failed; /* a task could not get its scratch */
} lnb_ctx;

/* One row, in simple loops that vectorise: xhat and dxhat = g·w in float into scratch, the two
 * row sums over them in double (eight partial sums), the parameter gradients, then gx. has_w is a
 * constant at each call, so the weight's load is not conditional. */
static inline void layernorm_backward_row(const lnb_ctx* c, int64_t r, double* pw, double* pb, float* xh,
                                          float* dxh, const int has_w) {
  const int64_t n = c->n;
  const float* g = c->g + r * n;
  const float* x = c->x + r * n;
  const float* w = c->w;
  float* gx = c->gx + r * n;
  const float mu = c->mean[r], rs = c->rstd[r];
  for (int64_t i = 0; i < n; i++) {
    xh[i] = (x[i] - mu) * rs;
    dxh[i] = has_w ? g[i] * w[i] : g[i];
  }
  const float s1 = (float)(dl_sum_f(dxh, n) / (double)n), s2 = (float)(dl_dot_f(dxh, xh, n) / (double)n);
  for (int64_t i = 0; i < n; i++) {
    pw[i] += (double)(g[i] * xh[i]);
    pb[i] += g[i];
  }
  for (int64_t i = 0; i < n; i++) gx[i] = rs * (dxh[i] - s1 - xh[i] * s2);
}

static void layernorm_backward_task(void* p, int64_t t) {
  const lnb_ctx* c = (const lnb_ctx*)p;
  const int64_t n = c->n, r0 = t * c->per, r1 = r0 + c->per < c->rows ? r0 + c->per : c->rows;
  double* pw = c->part + t * 2 * n;
  double* pb = pw + n;
  float* xh = dl_scratch((size_t)(2 * n)); /* xhat and dxhat of one row */
  if (!xh) { ((lnb_ctx*)p)->failed = 1; return; }
  for (int64_t r = r0; r < r1; r++) {
    if (c->w) layernorm_backward_row(c, r, pw, pb, xh, xh + n, 1);
    else layernorm_backward_row(c, r, pw, pb, xh, xh + n, 0);
  }
}

int dl_layernorm_backward_f32(float* gx, float* gw, float* gb, const float* g, const float* x, const float* mean,
                              const float* rstd, const float* w, int64_t rows, int64_t n) {
  int64_t tasks = 1;
  if (rows * n >= 2 * GRAIN && dl_num_threads() > 1) tasks = dl_num_threads() * 2;
  if (tasks > rows) tasks = rows > 0 ? rows : 1;
  const int64_t per = rows > 0 ? (rows + tasks - 1) / tasks : 1;
  tasks = rows > 0 ? (rows + per - 1) / per : 1;
  double* part = (double*)calloc((size_t)(tasks * 2 * n), sizeof(double));
  if (!part) return -1;
  lnb_ctx c = { gx, g, x, mean, rstd, w, part, rows, n, per, gw != NULL, gb != NULL, 0 };
  dl_parallel(tasks, layernorm_backward_task, &c);
  if (c.failed) {
    free(part);
    return -1;
  }
  for (int64_t i = 0; i < n; i++) {
    double sw = 0, sb = 0;
    for (int64_t t = 0; t < tasks; t++) {
      sw += part[t * 2 * n + i];
      sb += part[t * 2 * n + n + i];
    }
    if (gw) gw[i] = (float)sw;
    if (gb) gb[i] = (float)sb;
  }
  free(part);
  return 0;
}

/* ---- GELU ----------------------------------------------------------------------------------- */

typedef struct { float* out; const float* g; const float* x; int64_t n, per; } gelu_ctx;

/* Phi(v) = 0.5 erfc(-v / sqrt 2), and phi(v) = exp(-v^2 / 2) / sqrt(2 pi) for the backward, from one
 * exp: erfc(z) ~ t·P(t)·exp(-z^2) with t = 1 / (1 + p·z) (Abramowitz & Stegun 7.1.26, |error| <
 * 1.5e-7; PyTorch's vectorised CPU erf is the same formula). For v < 0 it is 0.5 erfc(|z|)
 * directly, without the cancellation of 1 + erf. NaN gives NaN. */
static inline float gelu_cdf_f(float v, float* pdf) {
  const float z = fabsf(v) * 0.70710678118654752f;
  const float t = 1.0f / fmaf(0.3275911f, z, 1.0f);
  float q = 1.061405429f;
  q = fmaf(q, t, -1.453152027f);
  q = fmaf(q, t, 1.421413741f);
  q = fmaf(q, t, -0.284496736f);
  q = fmaf(q, t, 0.254829592f);
  const float e = dl_exp_f(-z * z);
  *pdf = e * 0.39894228040143268f; /* 1/sqrt(2 pi) */
  const float h = 0.5f * t * q * e; /* 0.5 erfc(|z|) */
  return v >= 0.0f ? 1.0f - h : h;
}

static void gelu_task(void* p, int64_t t) {
  const gelu_ctx* c = (const gelu_ctx*)p;
  const int64_t i0 = t * c->per, i1 = i0 + c->per < c->n ? i0 + c->per : c->n;
  float* out = c->out;
  const float* x = c->x;
  for (int64_t i = i0; i < i1; i++) {
    const float v = x[i];
    float pdf;
    out[i] = v * gelu_cdf_f(v, &pdf);
  }
}

static void gelu_backward_task(void* p, int64_t t) {
  const gelu_ctx* c = (const gelu_ctx*)p;
  const int64_t i0 = t * c->per, i1 = i0 + c->per < c->n ? i0 + c->per : c->n;
  float* out = c->out;
  const float* x = c->x;
  const float* g = c->g;
  for (int64_t i = i0; i < i1; i++) {
    const float v = x[i];
    float pdf;
    const float cdf = gelu_cdf_f(v, &pdf);
    out[i] = g[i] * fmaf(v, pdf, cdf);
  }
}

static void for_elements(int64_t n, void (*fn)(void*, int64_t), gelu_ctx* c) {
  int64_t tasks = 1;
  if (n >= 2 * GRAIN && dl_num_threads() > 1) tasks = dl_num_threads() * 4;
  c->per = (n + tasks - 1) / tasks;
  if (c->per < 1) c->per = 1;
  dl_parallel((n + c->per - 1) / c->per, fn, c);
}

void dl_gelu_f32(float* out, const float* x, int64_t n) {
  gelu_ctx c = { out, NULL, x, n, 0 };
  for_elements(n, gelu_task, &c);
}

void dl_gelu_backward_f32(float* gx, const float* g, const float* x, int64_t n) {
  gelu_ctx c = { gx, g, x, n, 0 };
  for_elements(n, gelu_backward_task, &c);
}

/* ---- Adam / AdamW --------------------------------------------------------------------------- */

typedef struct {
  float *p, *m, *v;
  const float* g;
  int64_t n, per;
  double lr, b1, b2, eps, wd, bc1, bc2s;
  int decoupled;
} adam_ctx;

/* PyTorch's single-tensor Adam, in the same order of operations as src/optim/updates.ts */
static void adam_task(void* p_, int64_t t) {
  const adam_ctx* c = (const adam_ctx*)p_;
  const int64_t i0 = t * c->per, i1 = i0 + c->per < c->n ? i0 + c->per : c->n;
  const float b1 = (float)c->b1, b2 = (float)c->b2, omb1 = (float)(1 - c->b1), omb2 = (float)(1 - c->b2);
  const float step = (float)(c->lr / c->bc1), bc2s = (float)c->bc2s, eps = (float)c->eps;
  const float decay = (float)(1 - c->lr * c->wd), wd = (float)c->wd;
  for (int64_t i = i0; i < i1; i++) {
    float p = c->p[i], g = c->g[i];
    if (c->wd != 0) {
      if (c->decoupled) p = p * decay;
      else g = g + p * wd;
    }
    const float m = c->m[i] * b1 + g * omb1;
    const float v = c->v[i] * b2 + (g * omb2) * g;
    c->m[i] = m;
    c->v[i] = v;
    c->p[i] = p + (m * -step) / (sqrtf(v) / bc2s + eps);
  }
}

void dl_adam_f32(float* p, const float* g, float* m, float* v, int64_t n, double lr, double beta1, double beta2,
                 double eps, double weight_decay, int decoupled, double step) {
  adam_ctx c = { p, m, v, g, n, 0, lr, beta1, beta2, eps, weight_decay,
                 1 - pow(beta1, step), sqrt(1 - pow(beta2, step)), decoupled };
  int64_t tasks = 1;
  if (n >= 2 * GRAIN && dl_num_threads() > 1) tasks = dl_num_threads() * 4;
  c.per = (n + tasks - 1) / tasks;
  if (c.per < 1) c.per = 1;
  dl_parallel((n + c.per - 1) / c.per, adam_task, &c);
}

/* ---- max-pooling window indices -------------------------------------------------------------- */

typedef struct { int32_t* idx; const float* x; int64_t H, W, kh, kw, sh, sw, OH, OW; } pool_ctx;

#define POOL_CHUNK 64

#if defined(__AVX2__)
/* One output row of the common 2x2 / stride 2 pool, 8 windows at a time: the even and odd columns
 * of the two input rows are the four candidates, compared in the window's row-major order. The
 * last group may be short: masked loads (nothing read past the row's 2·rem columns) and a masked
 * store. Returns OW: the whole row is done. */
static int64_t maxpool2x2_row(int32_t* idx, const float* x, int64_t W, int64_t oh, int64_t OW) {
  const float* r0 = x + 2 * oh * W;
  const float* r1 = r0 + W;
  const __m256i step = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int32_t offs[4] = { 0, 1, (int32_t)W, (int32_t)W + 1 };
  for (int64_t ow = 0; ow < OW; ow += 8) {
    const int32_t rem = OW - ow < 8 ? (int32_t)(OW - ow) : 8;
    const __m256i ma = _mm256_cmpgt_epi32(_mm256_set1_epi32(2 * rem), lane);
    const __m256i mb = _mm256_cmpgt_epi32(_mm256_set1_epi32(2 * rem - 8), lane);
    const int64_t c0 = 2 * ow;
    __m256 v[4];
    for (int r = 0; r < 2; r++) {
      const float* row = r ? r1 : r0;
      const __m256 a = rem == 8 ? _mm256_loadu_ps(row + c0) : _mm256_maskload_ps(row + c0, ma);
      const __m256 b = rem == 8 ? _mm256_loadu_ps(row + c0 + 8) : _mm256_maskload_ps(row + c0 + 8, mb);
      const __m256 ev = _mm256_shuffle_ps(a, b, 0x88), od = _mm256_shuffle_ps(a, b, 0xDD); /* per lane */
      v[2 * r] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xD8));
      v[2 * r + 1] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(od), 0xD8));
    }
    const __m256i base = _mm256_add_epi32(_mm256_set1_epi32((int32_t)(2 * oh * W + c0)), step);
    __m256 best = v[0];
    __m256i bi = base;
    for (int t = 1; t < 4; t++) { /* a larger value, or the first NaN, takes over */
      const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v[t], best, _CMP_GT_OQ),
                                       _mm256_and_ps(_mm256_cmp_ps(v[t], v[t], _CMP_UNORD_Q), _mm256_cmp_ps(best, best, _CMP_ORD_Q)));
      best = _mm256_blendv_ps(best, v[t], take);
      const __m256i cand = _mm256_add_epi32(base, _mm256_set1_epi32(offs[t]));
      bi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(bi), _mm256_castsi256_ps(cand), take));
    }
    if (rem == 8) _mm256_storeu_si256((__m256i*)(idx + ow), bi);
    else _mm256_maskstore_epi32(idx + ow, _mm256_cmpgt_epi32(_mm256_set1_epi32(rem), lane), bi);
  }
  return OW;
}
#endif

static void maxpool_planes(void* ctx, int64_t p) {
  const pool_ctx* k = (const pool_ctx*)ctx;
  const int64_t H = k->H, W = k->W, kh = k->kh, kw = k->kw, sh = k->sh, sw = k->sw, OH = k->OH, OW = k->OW;
  const float* x = k->x + p * H * W;
  int32_t* idx = k->idx + p * OH * OW;
  float best[POOL_CHUNK];
  int32_t bi[POOL_CHUNK];
  /* 2x2 / stride 2 rows go to maxpool2x2_row on AVX2. Otherwise up to 64 windows of one output
     row at a time, tap by tap: the windows are independent, so the loop over them vectorises
     (branch-free selects) instead of chaining compares per window */
  for (int64_t oh = 0; oh < OH; oh++) {
    int64_t ow_start = 0;
#if defined(__AVX2__)
    if (kh == 2 && kw == 2 && sh == 2 && sw == 2) ow_start = maxpool2x2_row(idx + oh * OW, x, W, oh, OW);
#endif
    for (int64_t ow0 = ow_start; ow0 < OW; ow0 += POOL_CHUNK) {
      const int64_t m = OW - ow0 < POOL_CHUNK ? OW - ow0 : POOL_CHUNK;
      const int32_t base = (int32_t)(oh * sh * W + ow0 * sw);
      for (int64_t t = 0; t < m; t++) {
        bi[t] = base + (int32_t)(t * sw);
        best[t] = x[bi[t]];
      }
      for (int64_t i = 0; i < kh; i++) {
        for (int64_t j = (i == 0); j < kw; j++) {
          const int32_t off = base + (int32_t)(i * W + j);
          const float* row = x + off;
          /* a larger value, or the first NaN, takes over; once best is NaN nothing does */
          for (int64_t t = 0; t < m; t++) {
            const float v = row[t * sw], b = best[t];
            const bool take = (v > b) | ((v != v) & (b == b));
            best[t] = take ? v : b;
            bi[t] = take ? off + (int32_t)(t * sw) : bi[t];
          }
        }
      }
      memcpy(idx + oh * OW + ow0, bi, (size_t)m * sizeof(int32_t));
    }
  }
}

void dl_maxpool_indices_f32(int32_t* idx, const float* x, int64_t planes, int64_t H, int64_t W, int64_t kh,
                            int64_t kw, int64_t sh, int64_t sw) {
  pool_ctx k = { idx, x, H, W, kh, kw, sh, sw, (H - kh) / sh + 1, (W - kw) / sw + 1 };
  /* planes are independent: split them over the threads when there is enough work */
  if (planes > 1 && planes * k.OH * k.OW * kh * kw >= ((int64_t)1 << 16)) dl_parallel(planes, maxpool_planes, &k);
  else for (int64_t p = 0; p < planes; p++) maxpool_planes(&k, p);
}

/* ---- im2col / col2im ------------------------------------------------------------------------- */

typedef struct { float* o; const float* a; int64_t N, C, H, W, kh, kw, sh, sw, ph, pw, OH, OW; } conv_ctx;

static void conv_ctx_init(conv_ctx* k, float* o, const float* a, const int64_t* d) {
  k->o = o; k->a = a;
  k->N = d[0]; k->C = d[1]; k->H = d[2]; k->W = d[3]; k->kh = d[4]; k->kw = d[5];
  k->sh = d[6]; k->sw = d[7]; k->ph = d[8]; k->pw = d[9];
  k->OH = (k->H + 2 * k->ph - k->kh) / k->sh + 1;
  k->OW = (k->W + 2 * k->pw - k->kw) / k->sw + 1;
}

/* the output columns [w0, w1) of tap offset j whose input column ow*sw + j - pw is inside [0, W) */
static void tap_cols(const conv_ctx* k, int64_t j, int64_t* w0, int64_t* w1) {
  int64_t lo = 0, hi = k->OW;
  while (lo < hi && lo * k->sw + j - k->pw < 0) lo++;
  while (hi > lo && (hi - 1) * k->sw + j - k->pw >= k->W) hi--;
  *w0 = lo; *w1 = hi;
}

/* task t: row (c, i, j) = t / N of cols, image n = t % N */
static void im2col_task(void* ctx, int64_t t) {
  const conv_ctx* k = (const conv_ctx*)ctx;
  const int64_t row = t / k->N, n = t % k->N;
  const int64_t c = row / (k->kh * k->kw), i = (row / k->kw) % k->kh, j = row % k->kw;
  const int64_t OH = k->OH, OW = k->OW;
  float* dst = k->o + row * (k->N * OH * OW) + n * OH * OW;
  const float* src = k->a + (n * k->C + c) * k->H * k->W;
  int64_t w0, w1;
  tap_cols(k, j, &w0, &w1);
  for (int64_t oh = 0; oh < OH; oh++) {
    float* d = dst + oh * OW;
    const int64_t hh = oh * k->sh + i - k->ph;
    if (hh < 0 || hh >= k->H || w1 <= w0) { memset(d, 0, (size_t)OW * sizeof(float)); continue; }
    const float* s = src + hh * k->W + j - k->pw;
    for (int64_t ow = 0; ow < w0; ow++) d[ow] = 0.0f;
    if (k->sw == 1) memcpy(d + w0, s + w0, (size_t)(w1 - w0) * sizeof(float));
    else for (int64_t ow = w0; ow < w1; ow++) d[ow] = s[ow * k->sw];
    for (int64_t ow = w1; ow < OW; ow++) d[ow] = 0.0f;
  }
}

/* task t: plane (n, c) = (t / C, t % C) of x, so no two tasks write the same element */
static void col2im_task(void* ctx, int64_t t) {
  const conv_ctx* k = (const conv_ctx*)ctx;
  const int64_t n = t / k->C, c = t % k->C, OH = k->OH, OW = k->OW, L = k->N * OH * OW;
  float* dst = k->o + t * k->H * k->W;
  for (int64_t i = 0; i < k->kh; i++) {
    for (int64_t j = 0; j < k->kw; j++) {
      const float* src = k->a + ((c * k->kh + i) * k->kw + j) * L + n * OH * OW;
      int64_t w0, w1;
      tap_cols(k, j, &w0, &w1);
      for (int64_t oh = 0; oh < OH; oh++) {
        const int64_t hh = oh * k->sh + i - k->ph;
        if (hh < 0 || hh >= k->H) continue;
        float* d = dst + hh * k->W + j - k->pw;
        const float* s = src + oh * OW;
        if (k->sw == 1) for (int64_t ow = w0; ow < w1; ow++) d[ow] += s[ow]; /* vectorises */
        else for (int64_t ow = w0; ow < w1; ow++) d[ow * k->sw] += s[ow];
      }
    }
  }
}

/* both split over the threads when there is enough work */
void dl_im2col_f32(float* cols, const float* x, const int64_t* d) {
  conv_ctx k;
  conv_ctx_init(&k, cols, x, d);
  const int64_t ntasks = k.C * k.kh * k.kw * k.N;
  if (ntasks * k.OH * k.OW >= ((int64_t)1 << 15)) dl_parallel(ntasks, im2col_task, &k);
  else for (int64_t t = 0; t < ntasks; t++) im2col_task(&k, t);
}

void dl_col2im_f32(float* x, const float* cols, const int64_t* d) {
  conv_ctx k;
  conv_ctx_init(&k, x, cols, d);
  const int64_t ntasks = k.N * k.C;
  if (ntasks * k.kh * k.kw * k.OH * k.OW >= ((int64_t)1 << 15)) dl_parallel(ntasks, col2im_task, &k);
  else for (int64_t t = 0; t < ntasks; t++) col2im_task(&k, t);
}
