/* Scans and sorts along one dim: cumsum, cumprod, logcumsumexp, cummax, cummin (Backend.scan) and
 * a stable sort with indices (Backend.sort).
 *
 * The work is a set of independent lines: the iterator walks a's shape with the dim dropped (each
 * element is the first element of one line) and each line of n elements is copied into this
 * thread's scratch first, so an out that overlaps a is handled, then scanned or sorted from there.
 * Float scans accumulate in double, as PyTorch's CPU kernels do (its acc_type of float), and round
 * once per stored element; int32 sums and products wrap. */
#include <math.h>
#include <string.h>

#include "common.h"
#include "kernels.h"

typedef struct {
  int op, dtype;
  bool rev, desc;
  char* o;
  int32_t* ix;
  const char* a;
  int64_t n, so, sa, si;
  int bad; /* scratch memory could not be had */
} line_ctx;

/* PyTorch's log_add_exp_helper: log(e^x + e^y), NaN propagating, equal infinities kept */
static double log_add_exp(double x, double y) {
  if (isnan(x) || isnan(y)) return NAN;
  const double lo = x < y ? x : y, hi = x < y ? y : x;
  if (lo != hi || isfinite(lo)) return log1p(exp(lo - hi)) + hi;
  return x;
}

static void scan_line(const line_ctx* c, float* o, const float* a, int32_t* ix, const uint32_t* buf) {
  const int64_t n = c->n, so = c->so;
  (void)a;
  if (c->dtype == DL_I32) {
    const int32_t* x = (const int32_t*)buf;
    int32_t* oi = (int32_t*)o;
    uint32_t acc = c->op == DL_SCAN_CUMPROD ? 1u : 0u;
    int32_t best = 0, bi = 0;
    for (int64_t k = 0; k < n; k++) {
      const int64_t i = c->rev ? n - 1 - k : k;
      const int32_t v = x[i];
      switch (c->op) {
        case DL_SCAN_CUMSUM: acc += (uint32_t)v; oi[i * so] = (int32_t)acc; break;
        case DL_SCAN_CUMPROD: acc *= (uint32_t)v; oi[i * so] = (int32_t)acc; break;
        default: /* cummax, cummin: a later equal value takes over */
          if (k == 0 || (c->op == DL_SCAN_CUMMAX ? v >= best : v <= best)) { best = v; bi = (int32_t)i; }
          oi[i * so] = best;
          ix[i * c->si] = bi;
      }
    }
    return;
  }
  const float* x = (const float*)buf;
  double acc = c->op == DL_SCAN_CUMPROD ? 1.0 : c->op == DL_SCAN_LOGCUMSUMEXP ? -INFINITY : 0.0;
  float best = 0.0f;
  int32_t bi = 0;
  for (int64_t k = 0; k < n; k++) {
    const int64_t i = c->rev ? n - 1 - k : k;
    const float v = x[i];
    switch (c->op) {
      case DL_SCAN_CUMSUM: acc += v; o[i * so] = (float)acc; break;
      case DL_SCAN_CUMPROD: acc *= v; o[i * so] = (float)acc; break;
      case DL_SCAN_LOGCUMSUMEXP: acc = log_add_exp(v, acc); o[i * so] = (float)acc; break;
      default: { /* a NaN takes over and stays; otherwise a later equal value takes over */
        const bool better = c->op == DL_SCAN_CUMMAX ? v >= best : v <= best;
        if (k == 0 || isnan(v) || (!isnan(best) && better)) { best = v; bi = (int32_t)i; }
        o[i * so] = best;
        ix[i * c->si] = bi;
      }
    }
  }
}

/* key i sorts before key j (NaN is the largest float); equal keys are not before each other */
#define BEFORE(i, j) (isint ? (desc ? ki[i] > ki[j] : ki[i] < ki[j]) \
                            : (desc ? (kf[i] > kf[j] || (isnan(kf[i]) && !isnan(kf[j]))) \
                                    : (kf[i] < kf[j] || (isnan(kf[j]) && !isnan(kf[i])))))

/* Stable merge sort of the positions p[0..n) by their keys (t: n ints of scratch). Returns the
 * array that holds the result (p or t). Insertion sort on runs of 16, then bottom-up merges that
 * take from the right run only when its key is strictly before the left one's. */
static int32_t* sort_positions(int32_t* p, int32_t* t, int64_t n, const uint32_t* keys, bool isint, bool desc) {
  const float* kf = (const float*)keys;
  const int32_t* ki = (const int32_t*)keys;
  for (int64_t i = 0; i < n; i++) p[i] = (int32_t)i;
  for (int64_t lo = 0; lo < n; lo += 16) {
    const int64_t hi = dl_min64(lo + 16, n);
    for (int64_t i = lo + 1; i < hi; i++) {
      const int32_t v = p[i];
      int64_t j = i;
      while (j > lo && BEFORE(v, p[j - 1])) { p[j] = p[j - 1]; j--; }
      p[j] = v;
    }
  }
  for (int64_t w = 16; w < n; w *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      const int64_t mid = dl_min64(lo + w, n), hi = dl_min64(lo + 2 * w, n);
      int64_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) t[k++] = BEFORE(p[j], p[i]) ? p[j++] : p[i++];
      while (i < mid) t[k++] = p[i++];
      while (j < hi) t[k++] = p[j++];
    }
    int32_t* s = p;
    p = t;
    t = s;
  }
  return p;
}

static void line_run(void* ctx, const int64_t* off, int64_t m, const int64_t* st) {
  line_ctx* c = (line_ctx*)ctx;
  const int64_t n = c->n, sa = c->sa;
  const bool sorting = c->op < 0;
  float* scratch = dl_scratch((size_t)(sorting ? 3 * n : n));
  if (!scratch) { c->bad = 1; return; }
  uint32_t* buf = (uint32_t*)scratch;
  for (int64_t l = 0; l < m; l++) {
    uint32_t* o = (uint32_t*)c->o + off[0] + l * st[0];
    const uint32_t* a = (const uint32_t*)c->a + off[1] + l * st[1];
    int32_t* ix = c->ix ? c->ix + off[2] + l * st[2] : NULL;
    for (int64_t i = 0; i < n; i++) buf[i] = a[i * sa];
    if (!sorting) {
      scan_line(c, (float*)o, (const float*)a, ix, buf);
      continue;
    }
    int32_t* p = sort_positions((int32_t*)buf + n, (int32_t*)buf + 2 * n, n, buf, c->dtype == DL_I32, c->desc);
    for (int64_t k = 0; k < n; k++) {
      o[k * c->so] = buf[p[k]];
      ix[k * c->si] = p[k];
    }
  }
}

/* the lines of a view set: shape without `dim`, each view's strides without it */
static void lines_iter(dl_iter* it, int nd, const int64_t* shape, int dim, int nv, const int64_t* offs, const int64_t* const* sts) {
  it->nd = 0;
  it->nv = nv;
  for (int d = 0; d < nd; d++) {
    if (d == dim) continue;
    it->shape[it->nd] = shape[d];
    for (int v = 0; v < nv; v++) it->st[v][it->nd] = sts[v][d];
    it->nd++;
  }
  for (int v = 0; v < nv; v++) it->off[v] = offs[v];
  dl_iter_coalesce(it);
}

static int run_lines(line_ctx* c, int nd, const int64_t* shape, int dim, const int64_t* offs, const int64_t* const* sts) {
  dl_iter it;
  lines_iter(&it, nd, shape, dim, 3, offs, sts);
  if (c->n == 0 || dl_iter_numel(&it) == 0) return 0;
  /* a line is a task's worth of work once it is long; short lines are grouped */
  const int64_t grain = c->n >= 4096 ? 2 : 32768 / c->n + 1;
  dl_iter_run(&it, line_run, c, grain, true);
  return c->bad ? -1 : 0;
}

int dl_scan(int op, int dtype, bool rev, int nd, const int64_t* shape, int dim, char* o, int64_t oo, const int64_t* so,
            const char* a, int64_t ao, const int64_t* sa, int32_t* ix, int64_t io, const int64_t* si) {
  line_ctx c = { op, dtype, rev, false, o, ix, a, shape[dim], so[dim], sa[dim], ix ? si[dim] : 0, 0 };
  const int64_t offs[3] = { oo, ao, ix ? io : 0 };
  const int64_t* sts[3] = { so, sa, ix ? si : so };
  return run_lines(&c, nd, shape, dim, offs, sts);
}

int dl_sort(int dtype, bool desc, int nd, const int64_t* shape, int dim, char* o, int64_t oo, const int64_t* so,
            int32_t* ix, int64_t io, const int64_t* si, const char* a, int64_t ao, const int64_t* sa) {
  line_ctx c = { -1, dtype, false, desc, o, ix, a, shape[dim], so[dim], sa[dim], si[dim], 0 };
  const int64_t offs[3] = { oo, ao, io };
  const int64_t* sts[3] = { so, sa, si };
  return run_lines(&c, nd, shape, dim, offs, sts);
}
