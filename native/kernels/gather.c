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

/* it: views out, index, a (a's strides with 0 along dim), shape = out's */
int dl_gather(dl_iter* it, char* o, const char* a, const int32_t* ix, int64_t sdim, int64_t lim) {
  gather_ctx g = { o, a, ix, sdim, lim, -1 };
  dl_iter_coalesce(it);
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
  for (int64_t i = 0; i < n; i++) bad |= ix[i * si] < 0 || ix[i * si] >= lim;
  if (bad) g->bad = 1;
}

int dl_scatter_add(int dtype, dl_iter* it, char* o, const int32_t* ix, const char* src, int64_t sdim, int64_t lim) {
  scatter_ctx g = { dtype, o, src, ix, sdim, lim, -1 };
  dl_iter_coalesce(it);
  /* check every index first so that a bad call leaves out untouched */
  dl_iter_range(it, 0, dl_iter_numel(it), check_run, &g);
  if (g.bad >= 0) return -1;
  dl_iter_range(it, 0, dl_iter_numel(it), scatter_run, &g);
  return g.bad >= 0 ? -1 : 0;
}
