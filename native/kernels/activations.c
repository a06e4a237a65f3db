/* Fused norms and activations: softmax/logSoftmax, layerNorm and exact GELU, forward and backward.
 * One pass over memory where the composites make five to ten; the composites in src/functional.ts
 * stay the reference (test/fused.test.ts spells out the same maths in JS). Every array is
 * contiguous float32; "rows" are the leading dims flattened, n the last dim. Row statistics
 * accumulate in double, like the js reference. Work splits over the thread pool by rows (or by
 * element ranges) when it is large enough to pay for the hand-off (dl_per_task). */
#include <math.h>
#include <string.h>

#include "common.h"
#include "fused.h"
#include "vmath.h"

typedef struct {
  int64_t rows, per; /* rows in total, rows per task */
  void (*row)(void* ctx, int64_t r);
  void* ctx;
} rows_job;

static void rows_task(void* p, int64_t t) {
  const rows_job* j = (const rows_job*)p;
  const int64_t r1 = dl_min64(j->rows, (t + 1) * j->per);
  for (int64_t r = t * j->per; r < r1; r++) j->row(j->ctx, r);
}

/* fn(ctx, r) for every row, split over the pool in contiguous blocks of rows */
static void for_rows(int64_t rows, int64_t n, void (*fn)(void*, int64_t), void* ctx) {
  rows_job j = { rows, dl_per_task(rows, n, 4), fn, ctx };
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
  const float mf = dl_max_f(x, v) * sc; /* sc > 0, so max(sc·x) = sc·max(x) */
  for (int64_t i = 0; i < v; i++) o[i] = dl_exp_f(x[i] * sc - mf); /* exp once, into out: vectorised, ~1 ulp */
  /* (x - m) - log(sum) in float, in that order as in PyTorch: m + log(sum) would lose the log where
   * |m| is huge (a row [8.5e37, 1, 8.5e37] must give -log 2, not 0). The sum is rounded to float
   * before its log, as PyTorch's float accumulation (and the js backend's float32 sum) ends: a row
   * with one dominant entry sums to exactly 1, and its log-probability is 0 as there, not -4.6e-12,
   * which a following sign, floor, remainder or rsqrt would turn into a different answer. */
  const float ls = (float)log((double)(float)dl_sum_f(o, v));
  for (int64_t i = 0; i < v; i++) o[i] = (x[i] * sc - mf) - ls;
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

/* Terms per float lane (16 lanes) in a row's sums before they go into double (layerNorm's forward
 * and backward). */
#define LN_CHUNK 512

/* Σ x[0..n): 16 float lanes (vmath.h's vf) per chunk of LN_CHUNK, then double; again in double if
 * a float sum overflowed. */
static inline double ln_sum(const float* x, int64_t n) {
  double s = 0;
  for (int64_t i0 = 0; i0 < n; i0 += LN_CHUNK) {
    const int64_t i1 = dl_min64(n, i0 + LN_CHUNK);
    vf as[DL_V16] = { 0 };
    int64_t i = i0;
    for (; i + 16 <= i1; i += 16)
      for (int h = 0; h < DL_V16; h++) as[h] += ldv(x + i + h * DL_VW);
    for (; i < i1; i++) as[0][0] += x[i];
    s += hsum16v(as);
  }
  if (!isfinite(s)) { /* a float sum overflowed (values near 3e38): again in double */
    s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i];
  }
  return s;
}

/* Σ (x − mu) over x[0..n), and Σ (x − mu)² into *q, as ln_sum. */
static inline double ln_sums(const float* x, int64_t n, float mu, double* q) {
  double s = 0, sq = 0;
  for (int64_t i0 = 0; i0 < n; i0 += LN_CHUNK) {
    const int64_t i1 = dl_min64(n, i0 + LN_CHUNK);
    vf as[DL_V16] = { 0 }, aq[DL_V16] = { 0 };
    int64_t i = i0;
    for (; i + 16 <= i1; i += 16)
      for (int h = 0; h < DL_V16; h++) {
        const vf v = ldv(x + i + h * DL_VW) - mu;
        as[h] += v;
        aq[h] += v * v;
      }
    for (; i < i1; i++) {
      const float v = x[i] - mu;
      as[0][0] += v;
      aq[0][0] += v * v;
    }
    s += hsum16v(as);
    sq += hsum16v(aq);
  }
  if (!isfinite(sq)) { /* the squares overflowed float (|x − mu| > ~1e19): again in double */
    s = sq = 0;
    for (int64_t i = 0; i < n; i++) {
      const double v = x[i] - mu;
      s += v;
      sq += v * v;
    }
  }
  *q = sq;
  return s;
}

/* One row: the mean, rounded to float (mu); the sum and sum of squares of the centred values x - mu
 * (exact for values near mu), whose mean d is mu's rounding error: the corrected two-pass form,
 * (x - mu) - d, keeps it out of xhat and of the variance. (Centred on mu alone, a row whose spread
 * is 1e-4 of its mean was 3e-4 off.) Three passes, the sums in float lanes (ln_sum, ln_sums): it
 * was five, three of them sums converted to double: [2048, 128] 71 -> 44 us on 2 threads (Zen 5,
 * in-process A/B). has_w and has_b are constants at each call, so no load is conditional and
 * every loop vectorises. */
static inline void layernorm_row_(const ln_ctx* c, int64_t r, const int has_w, const int has_b) {
  const int64_t n = c->n;
  const float* x = c->x + r * n;
  float* o = c->out + r * n;
  double q;
  const float mu = (float)(ln_sum(x, n) / (double)n);
  const double d = ln_sums(x, n, mu, &q) / (double)n;
  const float rs = (float)(1.0 / sqrt(fmax(q / (double)n - d * d, 0.0) + c->eps)), df = (float)d;
  c->mean[r] = (float)(mu + d);
  c->rstd[r] = rs;
  const float *w = c->w, *b = c->b;
  for (int64_t i = 0; i < n; i++) o[i] = (x[i] - mu - df) * rs * (has_w ? w[i] : 1.0f) + (has_b ? b[i] : 0.0f);
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

/* Rows of gw's and gb's partial sums kept in float before they go into the task's double ones. */
#define LNB_ROWS 16

/* One row in two passes that vectorise. The first takes the row's three sums over xs = (x −
 * mean)·rstd and dxhat = g·w: Σ xs, whose mean d is the saved mean's rounding to float (the forward
 * corrects by the same), Σ dxhat and Σ dxhat·xs, so that with xhat = xs − d, mean(dxhat·xhat) =
 * (Σ dxhat·xs − d·Σ dxhat) / n; in 16 float lanes (vf) per chunk of LN_CHUNK, then double, and
 * again in double if a float sum overflowed. The second forms xhat again and writes gx, with
 * g·xhat and g into the float sums fw and fb. It was seven passes, four of them sums converted to
 * double: [2048, 128] 83 -> 51 us on 2 threads, 156 -> 70 on one (Zen 5, in-process A/B); errors
 * against a double reference the same (~1e-7 of the largest entry). has_w is a constant at each
 * call, so the weight's load is not conditional. */
static inline void layernorm_backward_row(const lnb_ctx* c, int64_t r, float* restrict fw, float* restrict fb,
                                          const int has_w) {
  const int64_t n = c->n;
  const float* g = c->g + r * n;
  const float* x = c->x + r * n;
  const float* w = c->w;
  float* gx = c->gx + r * n;
  const float mu = c->mean[r], rs = c->rstd[r];
  double sx = 0, sd = 0, sdx = 0;
  for (int64_t i0 = 0; i0 < n; i0 += LN_CHUNK) {
    const int64_t i1 = dl_min64(n, i0 + LN_CHUNK);
    vf ax[DL_V16] = { 0 }, ad[DL_V16] = { 0 }, adx[DL_V16] = { 0 };
    int64_t i = i0;
    for (; i + 16 <= i1; i += 16)
      for (int h = 0; h < DL_V16; h++) {
        const int64_t e = i + h * DL_VW;
        const vf xs = (ldv(x + e) - mu) * rs, dx = has_w ? ldv(g + e) * ldv(w + e) : ldv(g + e);
        ax[h] += xs;
        ad[h] += dx;
        adx[h] += dx * xs;
      }
    for (; i < i1; i++) {
      const float xs = (x[i] - mu) * rs, dx = has_w ? g[i] * w[i] : g[i];
      ax[0][0] += xs;
      ad[0][0] += dx;
      adx[0][0] += dx * xs;
    }
    sx += hsum16v(ax);
    sd += hsum16v(ad);
    sdx += hsum16v(adx);
  }
  if (!isfinite(sx) || !isfinite(sd) || !isfinite(sdx)) { /* overflow in float, or inf/NaN in the row */
    sx = sd = sdx = 0;
    for (int64_t i = 0; i < n; i++) {
      const float xs = (x[i] - mu) * rs, dx = has_w ? g[i] * w[i] : g[i];
      sx += xs;
      sd += dx;
      sdx += (double)dx * xs;
    }
  }
  const double d = sx / (double)n;
  const float df = (float)d, s1 = (float)(sd / (double)n), s2 = (float)((sdx - d * sd) / (double)n);
  /* an inf in g·w makes the row's sums infinite and its true gradient inf − inf: NaN for the whole
     row, as PyTorch's (a·g·w + b·x + c, b and c NaN) and the composite's; this form gave ±inf in
     some entries */
  const bool bad = !isfinite(s1) || !isfinite(s2);
  for (int64_t i = 0; i < n; i++) {
    const float xh = (x[i] - mu) * rs - df, dx = has_w ? g[i] * w[i] : g[i];
    fw[i] += g[i] * xh;
    fb[i] += g[i];
    gx[i] = bad ? NAN : rs * (dx - s1 - xh * s2);
  }
}

/* the float sums fw and fb into the task's double ones, and zeroed */
static void lnb_flush(double* restrict pw, double* restrict pb, float* restrict fw, float* restrict fb, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    pw[i] += fw[i];
    pb[i] += fb[i];
    fw[i] = 0.0f;
    fb[i] = 0.0f;
  }
}

static void layernorm_backward_task(void* p, int64_t t) {
  const lnb_ctx* c = (const lnb_ctx*)p;
  const int64_t n = c->n, r0 = t * c->per, r1 = dl_min64(c->rows, r0 + c->per);
  double* pw = c->part + t * 2 * n;
  double* pb = pw + n;
  float* fw = dl_scratch((size_t)(2 * n)); /* the float sums of gw and gb */
  if (!fw) { ((lnb_ctx*)p)->failed = 1; return; }
  float* fb = fw + n;
  memset(fw, 0, (size_t)(2 * n) * sizeof(float));
  for (int64_t r = r0; r < r1; r++) {
    if (c->w) layernorm_backward_row(c, r, fw, fb, 1);
    else layernorm_backward_row(c, r, fw, fb, 0);
    if ((r - r0) % LNB_ROWS == LNB_ROWS - 1 || r == r1 - 1) lnb_flush(pw, pb, fw, fb, n);
  }
}

int dl_layernorm_backward_f32(float* gx, float* gw, float* gb, const float* g, const float* x, const float* mean,
                              const float* rstd, const float* w, int64_t rows, int64_t n) {
  const int64_t per = dl_per_task(rows, n, 2), tasks = rows > 0 ? (rows + per - 1) / per : 1;
  size_t cls;
  bool fresh;
  double* part = (double*)dl_pool_get((size_t)(tasks * 2 * n) * sizeof(double), &cls, &fresh);
  if (!part) return -1;
  if (!fresh) memset(part, 0, (size_t)(tasks * 2 * n) * sizeof(double));
  lnb_ctx c = { gx, g, x, mean, rstd, w, part, rows, n, per, gw != NULL, gb != NULL, 0 };
  dl_parallel(tasks, layernorm_backward_task, &c);
  if (c.failed) {
    dl_pool_put(part, cls);
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
  dl_pool_put(part, cls);
  return 0;
}

/* ---- GELU ----------------------------------------------------------------------------------- */

typedef struct { float* out; const float* g; const float* x; int64_t n, per; } gelu_ctx;

/* Phi(v) = 0.5 (1 + erf(v / sqrt 2)), and phi(v) = exp(-v^2 / 2) / sqrt(2 pi) for the backward, from
 * one exp: erfc(z) ~ t·P(t)·exp(-z^2) with t = 1 / (1 + p·z) (Abramowitz & Stegun 7.1.26, |error| <
 * 1.5e-7; PyTorch's vectorised CPU erf is the same formula). Phi is formed as PyTorch forms it,
 * 0.5 (1 + erf), so the far negative tail rounds to 0 as there (gelu(-6) is 0, not -7e-9: a
 * reciprocal or a sign after it would otherwise disagree with PyTorch). NaN gives NaN. */
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
  const float erf_abs = 1.0f - t * q * e; /* erf(|z|) = 1 - erfc(|z|) */
  return 0.5f * (v >= 0.0f ? 1.0f + erf_abs : 1.0f - erf_abs);
}

static void gelu_task(void* p, int64_t t) {
  const gelu_ctx* c = (const gelu_ctx*)p;
  const int64_t i0 = t * c->per, i1 = dl_min64(c->n, i0 + c->per);
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
  const int64_t i0 = t * c->per, i1 = dl_min64(c->n, i0 + c->per);
  float* out = c->out;
  const float* x = c->x;
  const float* g = c->g;
  for (int64_t i = i0; i < i1; i++) {
    const float v = x[i];
    float pdf;
    const float cdf = gelu_cdf_f(v, &pdf);
    /* at ±inf, x·phi(x) is inf·0: NaN, as in PyTorch (the exp above is clamped, not exactly 0) */
    out[i] = g[i] * (fabsf(v) == INFINITY ? NAN : fmaf(v, pdf, cdf));
  }
}

static void for_elements(int64_t n, void (*fn)(void*, int64_t), gelu_ctx* c) {
  c->per = dl_per_task(n, 1, 4);
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
