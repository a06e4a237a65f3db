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

/* A key whose unsigned order is the sort order: floats by their bits made monotonic (-0 as +0,
 * every NaN as the largest), int32 with the sign bit flipped; descending inverts it. The line
 * position in the low 32 bits breaks ties, so equal keys keep their order (a stable sort) and
 * every comparison is one 64-bit compare. */
static inline uint64_t sort_key(uint32_t bits, bool isint, bool desc, int64_t i) {
  uint32_t u;
  if (isint) u = bits ^ 0x80000000u;
  else if ((bits & 0x7fffffffu) > 0x7f800000u) u = 0xffffffffu;   /* NaN */
  else if ((bits & 0x7fffffffu) == 0) u = 0x80000000u;            /* ±0 */
  else u = (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
  if (desc) u = ~u;
  return ((uint64_t)u << 32) | (uint64_t)i;
}

/* Sorts k[0..n) ascending (t: n words of scratch); returns the array that holds the result.
 * Insertion sort on runs of 16, then bottom-up merges. */
static uint64_t* sort_keys(uint64_t* k, uint64_t* t, int64_t n) {
  for (int64_t lo = 0; lo < n; lo += 16) {
    const int64_t hi = dl_min64(lo + 16, n);
    for (int64_t i = lo + 1; i < hi; i++) {
      const uint64_t v = k[i];
      int64_t j = i;
      while (j > lo && v < k[j - 1]) { k[j] = k[j - 1]; j--; }
      k[j] = v;
    }
  }
  for (int64_t w = 16; w < n; w *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      const int64_t mid = dl_min64(lo + w, n), hi = dl_min64(lo + 2 * w, n);
      int64_t i = lo, j = mid, o = lo;
      while (i < mid && j < hi) t[o++] = k[j] < k[i] ? k[j++] : k[i++];
      while (i < mid) t[o++] = k[i++];
      while (j < hi) t[o++] = k[j++];
    }
    uint64_t* s = k;
    k = t;
    t = s;
  }
  return k;
}

/* cumsum/cumprod of m neighbouring lines at once (line l starts at element l of out and of a: a scan
 * along an outer dim), a block of lines per step along the dim, so that each step reads and
 * writes contiguous memory instead of one element per line. Only when out and a do not overlap. */
static bool scan_columns(const line_ctx* c, const int64_t* off, int64_t m, const int64_t* st) {
  const int64_t n = c->n, so = c->so, sa = c->sa;
  if (!(c->op == DL_SCAN_CUMSUM || c->op == DL_SCAN_CUMPROD) || m < 2 || st[0] != 1 || st[1] != 1 || so <= 0 || sa <= 0) return false;
  const uint32_t* o0 = (const uint32_t*)c->o + off[0];
  const uint32_t* a0 = (const uint32_t*)c->a + off[1];
  const uint32_t *o1 = o0 + (m - 1) + (n - 1) * so, *a1 = a0 + (m - 1) + (n - 1) * sa;
  if (!(o1 < a0 || a1 < o0)) return false;
  const bool sum = c->op == DL_SCAN_CUMSUM;
  enum { B = 256 };
  for (int64_t l0 = 0; l0 < m; l0 += B) {
    const int64_t b = dl_min64(B, m - l0);
    if (c->dtype == DL_I32) {
      uint32_t acc[B];
      for (int64_t l = 0; l < b; l++) acc[l] = sum ? 0u : 1u;
      for (int64_t k = 0; k < n; k++) {
        const int64_t i = c->rev ? n - 1 - k : k;
        const uint32_t* x = (const uint32_t*)a0 + l0 + i * sa;
        uint32_t* y = (uint32_t*)o0 + l0 + i * so;
        if (sum) for (int64_t l = 0; l < b; l++) y[l] = acc[l] += x[l];
        else for (int64_t l = 0; l < b; l++) y[l] = acc[l] *= x[l];
      }
    } else {
      double acc[B];
      for (int64_t l = 0; l < b; l++) acc[l] = sum ? 0.0 : 1.0;
      for (int64_t k = 0; k < n; k++) {
        const int64_t i = c->rev ? n - 1 - k : k;
        const float* x = (const float*)a0 + l0 + i * sa;
        float* y = (float*)o0 + l0 + i * so;
        if (sum) for (int64_t l = 0; l < b; l++) y[l] = (float)(acc[l] += x[l]);
        else for (int64_t l = 0; l < b; l++) y[l] = (float)(acc[l] *= x[l]);
      }
    }
  }
  return true;
}

static void line_run(void* ctx, const int64_t* off, int64_t m, const int64_t* st) {
  line_ctx* c = (line_ctx*)ctx;
  const int64_t n = c->n, sa = c->sa;
  const bool sorting = c->op < 0;
  if (!sorting && scan_columns(c, off, m, st)) return;
  /* the line's elements, then (sorting) two arrays of n 64-bit keys, 8-byte aligned */
  float* scratch = dl_scratch((size_t)(sorting ? (n + 1) / 2 * 2 + 4 * n : n));
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
    uint64_t* keys = (uint64_t*)(buf + (n + 1) / 2 * 2);
    for (int64_t i = 0; i < n; i++) keys[i] = sort_key(buf[i], c->dtype == DL_I32, c->desc, i);
    const uint64_t* sorted = sort_keys(keys, keys + n, n);
    for (int64_t k = 0; k < n; k++) {
      const int32_t p = (int32_t)(uint32_t)sorted[k];
      o[k * c->so] = buf[p];
      ix[k * c->si] = p;
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
