/* gather and scatterAdd along one dim (torch.gather / torch.scatter_add_).
 *
 * Indices are checked here as well (the TypeScript core checks them too): an index outside
 * [0, size of dim) stops the kernel and returns its position so that binding.c can throw. */
#include <string.h>

#include "common.h"
#include "kernels.h"

typedef struct {
  char* o;
  const char* a;
  const int32_t* ix;
  int64_t sdim, lim;
  int64_t bad; /* linear element position of the first bad index, or -1 */
} gather_ctx;

static void gather_run(void* c, const int64_t* off, int64_t n, const int64_t* st) {
  gather_ctx* g = (gather_ctx*)c;
  uint32_t* o = (uint32_t*)g->o + off[0];
  const int32_t* ix = g->ix + off[1];
  const uint32_t* a = (const uint32_t*)g->a + off[2];
  const int64_t so = st[0], si = st[1], sa = st[2], sd = g->sdim, lim = g->lim;
  if (g->bad >= 0) return;
  if (si == 0) { /* one index for the whole run (index_select, embedding rows): a strided copy */
    const int32_t k = ix[0];
    if (DL_UNLIKELY(k < 0 || k >= lim)) { g->bad = 1; return; }
    const uint32_t* src = a + (int64_t)k * sd;
    if (so == 1 && sa == 1) memcpy(o, src, (size_t)n * 4);
    else for (int64_t i = 0; i < n; i++) o[i * so] = src[i * sa];
    return;
  }
  for (int64_t i = 0; i < n; i++) {
    const int32_t k = ix[i * si];
    if (DL_UNLIKELY(k < 0 || k >= lim)) { g->bad = 1; return; }
    o[i * so] = a[i * sa + (int64_t)k * sd];
  }
}

/* ---- rows: gather / scatterAdd along the last dim of rows, every view contiguous along it -----
 * The hot case (max-pooling's values and its gradient, a loss's picks): after coalescing, at most
 * two dims, index and out/src with unit inner stride, the gathered (scattered) view with stride 0
 * inner and stride 1 along dim. Rows are split over the threads in contiguous blocks (rows of one
 * block are written by one thread, in order), so the result is the same as the walk in order. */

#define ROWS_MAX_TASKS 64

typedef struct {
  char* o;
  const char* s; /* gather: the gathered view; scatter: src */
  const int32_t* ix;
  int64_t rows, n, so, si, ss, lim; /* row strides: out (o), index, the other view (s) */
  int64_t ntasks;
  bool zero; /* scatterAdd into a fresh out: each row of out is zeroed (in cache) before its adds */
  int bad[ROWS_MAX_TASKS];
} rows_ctx;

/* the rows of task t: [r0, r1) */
static void rows_of(const rows_ctx* r, int64_t t, int64_t* r0, int64_t* r1) {
  *r0 = r->rows * t / r->ntasks;
  *r1 = r->rows * (t + 1) / r->ntasks;
}

/* The rows of task t: every index checked (one out of range marks the call bad) and, when `copy`,
 * gathered (a bad index reads element 0 instead: never a read outside). copy is a constant at
 * each call, so neither loop has a branch. */
static inline __attribute__((always_inline)) void walk_rows(rows_ctx* r, int64_t t, const bool copy) {
  int64_t r0, r1;
  rows_of(r, t, &r0, &r1);
  const int64_t n = r->n;
  const uint32_t lim = (uint32_t)r->lim;
  uint32_t bad = 0;
  for (int64_t i = r0; i < r1; i++) {
    const int32_t* ix = r->ix + i * r->si;
    if (!copy) {
      for (int64_t j = 0; j < n; j++) bad |= (uint32_t)ix[j] >= lim;
      continue;
    }
    uint32_t* o = (uint32_t*)r->o + i * r->so;
    const uint32_t* a = (const uint32_t*)r->s + i * r->ss;
    for (int64_t j = 0; j < n; j++) {
      const uint32_t k = (uint32_t)ix[j];
      bad |= k >= lim;
      o[j] = a[k < lim ? k : 0];
    }
  }
  r->bad[t] = bad != 0;
}

static void gather_rows_task(void* c, int64_t t) { walk_rows((rows_ctx*)c, t, true); }
static void check_rows_task(void* c, int64_t t) { walk_rows((rows_ctx*)c, t, false); }

/* out's rows += src's rows at the indices, for one element type (uint32_t: int32 sums wrap) */
#define SCATTER_ROWS(name, T)                                      \
  static void name(void* c, int64_t t) {                           \
    rows_ctx* r = (rows_ctx*)c;                                    \
    int64_t r0, r1;                                                \
    rows_of(r, t, &r0, &r1);                                       \
    for (int64_t i = r0; i < r1; i++) {                            \
      T* o = (T*)r->o + i * r->so;                                 \
      if (r->zero) memset(o, 0, (size_t)r->lim * sizeof(T));      \
      const int32_t* ix = r->ix + i * r->si;                       \
      const T* s = (const T*)r->s + i * r->ss;                     \
      for (int64_t j = 0; j < r->n; j++) o[ix[j]] += s[j];         \
    }                                                              \
  }
SCATTER_ROWS(scatter_rows_f32, float)
SCATTER_ROWS(scatter_rows_i32, uint32_t)

static int64_t rows_tasks(const rows_ctx* r) {
  const int64_t nt = dl_num_threads();
  if (r->rows < 2 || r->rows * r->n < 32768 || nt <= 1) return 1;
  return nt < r->rows ? (nt < ROWS_MAX_TASKS ? nt : ROWS_MAX_TASKS) : r->rows;
}

/* Plans the rows walk when the coalesced `it` is rows as above: views out (vo), index (vi) and the
 * other one (vs, based at s); vg (the gathered a, or out for scatterAdd) has stride 0 inner and 1
 * along dim, its rows `lim` long; the other two have unit inner stride. Out's rows must lie apart
 * (threads never share an element of out) and out must share no byte with the other two. */
static bool rows_plan(rows_ctx* r, const dl_iter* it, char* o, int vo, const int32_t* ix, int vi, const char* s, int vs,
                      int vg, int64_t sdim, int64_t lim) {
  const int nd = it->nd, in = nd - 1;
  r->zero = false;
  if (dl_iter_numel(it) == 0 || nd > 2 || sdim != 1 || it->st[vg][in] != 0) return false;
  const int views[3] = { vo, vi, vs };
  for (int i = 0; i < 3; i++)
    if (views[i] != vg && it->st[views[i]][in] != 1) return false;
  r->rows = nd == 2 ? it->shape[0] : 1;
  r->n = it->shape[in];
  const int64_t width = vg == vo ? lim : r->n; /* elements in a row of out */
  const int64_t so = nd == 2 ? it->st[vo][0] : 0;
  if (r->rows > 1 && so < width && -so < width) return false;
  const char *olo, *ohi, *slo, *shi, *ilo, *ihi;
  dl_view_span(o, nd, it->shape, it->off[vo], it->st[vo], &olo, &ohi);
  dl_view_span(s, nd, it->shape, it->off[vs], it->st[vs], &slo, &shi);
  dl_view_span((const char*)ix, nd, it->shape, it->off[vi], it->st[vi], &ilo, &ihi);
  if (vg == vo) ohi += (lim - 1) * 4; /* vg's whole rows along dim */
  else shi += (lim - 1) * 4;
  if (!dl_spans_apart(olo, ohi, slo, shi) || !dl_spans_apart(olo, ohi, ilo, ihi)) return false;
  r->o = o + it->off[vo] * 4;
  r->ix = ix + it->off[vi];
  r->s = s + it->off[vs] * 4;
  r->lim = lim;
  r->so = so;
  r->si = nd == 2 ? it->st[vi][0] : 0;
  r->ss = nd == 2 ? it->st[vs][0] : 0;
  r->ntasks = rows_tasks(r);
  return true;
}

static bool any_bad(const rows_ctx* r) {
  for (int64_t t = 0; t < r->ntasks; t++)
    if (r->bad[t]) return true;
  return false;
}

/* it: views out, index, a (a's strides with 0 along dim), shape = out's */
int dl_gather(dl_iter* it, char* o, const char* a, const int32_t* ix, int64_t sdim, int64_t lim) {
  gather_ctx g = { o, a, ix, sdim, lim, -1 };
  dl_iter_coalesce(it);
  rows_ctx r;
  if (rows_plan(&r, it, o, 0, ix, 1, a, 2, 2, sdim, lim)) {
    dl_parallel(r.ntasks, gather_rows_task, &r);
    return any_bad(&r) ? -1 : 0;
  }
  dl_iter_range(it, 0, dl_iter_numel(it), gather_run, &g);
  return g.bad >= 0 ? -1 : 0;
}

typedef struct {
  int dtype;
  char* o;
  const char* s;
  const int32_t* ix;
  int64_t sdim, lim;
  int64_t bad;
} scatter_ctx;

static void scatter_run(void* c, const int64_t* off, int64_t n, const int64_t* st) {
  scatter_ctx* g = (scatter_ctx*)c;
  const int32_t* ix = g->ix + off[0];
  const int64_t si = st[0], ss = st[1], so = st[2], sd = g->sdim, lim = g->lim;
  if (g->bad >= 0) return;
  if (si == 0 && n > 0) {
    /* one index for the whole run, as in gather_run (indexSelect's backward, so embedding's): one
       check, then a loop that vectorises, each element getting the same additions in the same order
       (2048 rows of 128 into 65: 405 -> 48-65 us with check_run's one check per run) */
    const int32_t k = ix[0];
    if (DL_UNLIKELY(k < 0 || k >= lim)) { g->bad = 1; return; }
    if (g->dtype == DL_F32) {
      const float* s = (const float*)g->s + off[1];
      float* o = (float*)g->o + off[2] + (int64_t)k * sd;
      if (so == 1 && ss == 1) for (int64_t i = 0; i < n; i++) o[i] += s[i];
      else for (int64_t i = 0; i < n; i++) o[i * so] += s[i * ss];
    } else {
      const int32_t* s = (const int32_t*)g->s + off[1];
      int32_t* o = (int32_t*)g->o + off[2] + (int64_t)k * sd;
      for (int64_t i = 0; i < n; i++) o[i * so] = (int32_t)((uint32_t)o[i * so] + (uint32_t)s[i * ss]);
    }
    return;
  }
  if (g->dtype == DL_F32) {
    const float* s = (const float*)g->s + off[1];
    float* o = (float*)g->o + off[2];
    for (int64_t i = 0; i < n; i++) {
      const int32_t k = ix[i * si];
      if (DL_UNLIKELY(k < 0 || k >= lim)) { g->bad = 1; return; }
      o[i * so + (int64_t)k * sd] += s[i * ss];
    }
  } else {
    const int32_t* s = (const int32_t*)g->s + off[1];
    int32_t* o = (int32_t*)g->o + off[2];
    for (int64_t i = 0; i < n; i++) {
      const int32_t k = ix[i * si];
      if (DL_UNLIKELY(k < 0 || k >= lim)) { g->bad = 1; return; }
      int32_t* p = o + i * so + (int64_t)k * sd;
      *p = (int32_t)((uint32_t)*p + (uint32_t)s[i * ss]);
    }
  }
}

/* it: views index, src, out (out's strides with 0 along dim), shape = index's. In order, one thread
 * (repeated indices accumulate in the same order as the js backend). */
static void check_run(void* c, const int64_t* off, int64_t n, const int64_t* st) {
  scatter_ctx* g = (scatter_ctx*)c;
  const int32_t* ix = g->ix + off[0];
  const int64_t si = st[0], lim = g->lim;
  int bad = 0;
  if (si == 0 && n > 1) n = 1; /* the same index along the run: check it once */
  for (int64_t i = 0; i < n; i++) bad |= ix[i * si] < 0 || ix[i * si] >= lim;
  if (bad) g->bad = 1;
}

int dl_scatter_add(int dtype, dl_iter* it, char* o, const int32_t* ix, const char* src, int64_t sdim, int64_t lim,
                   char* fresh, int64_t fresh_n) {
  scatter_ctx g = { dtype, o, src, ix, sdim, lim, -1 };
  dl_iter_coalesce(it);
  rows_ctx r;
  if (rows_plan(&r, it, o, 2, ix, 0, src, 1, 2, sdim, lim)) {
    /* every index first, so that a bad call leaves out untouched */
    dl_parallel(r.ntasks, check_rows_task, &r);
    if (any_bad(&r)) return -1;
    /* a fresh out whose rows are exactly the rows scattered into: each zeroed as it is scattered */
    r.zero = fresh && r.o == fresh && r.so == lim && r.rows * lim == fresh_n;
    if (fresh && !r.zero) dl_memzero(fresh, (size_t)fresh_n * 4);
    dl_parallel(r.ntasks, dtype == DL_F32 ? scatter_rows_f32 : scatter_rows_i32, &r);
    return 0;
  }
  /* check every index first so that a bad call leaves out untouched */
  dl_iter_range(it, 0, dl_iter_numel(it), check_run, &g);
  if (g.bad >= 0) return -1;
  if (fresh) dl_memzero(fresh, (size_t)fresh_n * 4);
  dl_iter_range(it, 0, dl_iter_numel(it), scatter_run, &g);
  return g.bad >= 0 ? -1 : 0;
}
