/* The strided iterator shared by the elementwise kernels and the reductions, and small helpers. */
#include <math.h>

#include "common.h"

int32_t dl_toint32(double v) {
  if (!isfinite(v)) return 0;
  if (fabs(v) < 9.0e18) return (int32_t)(uint32_t)(uint64_t)(int64_t)v; /* truncates toward 0 */
  double m = fmod(trunc(v), 4294967296.0);                            /* exact */
  if (m < 0) m += 4294967296.0;
  return (int32_t)(uint32_t)m;
}

void dl_iter_coalesce(dl_iter* it) {
  int j = 0;
  for (int d = 0; d < it->nd; d++) {
    const int64_t s = it->shape[d];
    if (s == 1) continue;
    if (j > 0) {
      bool ok = true;
      for (int v = 0; v < it->nv; v++)
        if (it->st[v][j - 1] != it->st[v][d] * s) { ok = false; break; }
      if (ok) {
        it->shape[j - 1] *= s;
        for (int v = 0; v < it->nv; v++) it->st[v][j - 1] = it->st[v][d];
        continue;
      }
    }
    it->shape[j] = s;
    for (int v = 0; v < it->nv; v++) it->st[v][j] = it->st[v][d];
    j++;
  }
  if (j == 0) {
    j = 1;
    it->shape[0] = 1;
    for (int v = 0; v < it->nv; v++) it->st[v][0] = 0;
  }
  it->nd = j;
}

int64_t dl_iter_numel(const dl_iter* it) {
  int64_t n = 1;
  for (int d = 0; d < it->nd; d++) n *= it->shape[d];
  return n;
}

/* offs[v] = base[v] + a·sa[v] + b·sb[v], one scalar store per view: the kernels load them one by
 * one, and a vector store loaded in halves is not forwarded (a stall per run, which makes a
 * reduction of 64-element runs 2.5x slower) */
static inline void set_offs(int64_t* offs, int nv, const int64_t* base, int64_t a, const int64_t* sa, int64_t b,
                            const int64_t* sb) {
  offs[0] = base[0] + a * sa[0] + b * sb[0];
  if (nv > 1) offs[1] = base[1] + a * sa[1] + b * sb[1];
  if (nv > 2) offs[2] = base[2] + a * sa[2] + b * sb[2];
  if (nv > 3) offs[3] = base[3] + a * sa[3] + b * sb[3];
}

void dl_iter_range(const dl_iter* it, int64_t start, int64_t end, dl_run_fn fn, void* ctx) {
  if (start >= end) return;
  const int nd = it->nd, nv = it->nv;
  const int64_t n = it->shape[nd - 1];
  int64_t idx[DL_MAXD], base[DL_MAXV], inner[DL_MAXV], offs[DL_MAXV];
  int64_t rem = start / n, i = start % n;
  for (int d = nd - 2; d >= 0; d--) {
    idx[d] = rem % it->shape[d];
    rem /= it->shape[d];
  }
  for (int v = 0; v < nv; v++) {
    int64_t b = it->off[v];
    for (int d = 0; d < nd - 1; d++) b += idx[d] * it->st[v][d];
    base[v] = b;
    inner[v] = it->st[v][nd - 1];
  }
  int64_t pos = start;
  for (;;) {
    const int64_t cnt = (n - i < end - pos) ? n - i : end - pos;
    set_offs(offs, nv, base, i, inner, 0, inner);
    fn(ctx, offs, cnt, inner);
    pos += cnt;
    if (pos >= end) return;
    i = 0;
    for (int d = nd - 2; d >= 0; d--) {
      idx[d]++;
      for (int v = 0; v < nv; v++) base[v] += it->st[v][d];
      if (idx[d] < it->shape[d]) break;
      for (int v = 0; v < nv; v++) base[v] -= it->st[v][d] * it->shape[d];
      idx[d] = 0;
    }
  }
}

typedef struct {
  const dl_iter* it;
  dl_run_fn fn;
  void* ctx;
  int64_t total, ntasks;
} iter_job;

static void iter_task(void* p, int64_t t) {
  const iter_job* j = (const iter_job*)p;
  /* split on multiples of 16 elements so that no two threads write into one cache line
     of a contiguous output */
  int64_t a = (j->total * t / j->ntasks) & ~(int64_t)15;
  int64_t b = t + 1 == j->ntasks ? j->total : (j->total * (t + 1) / j->ntasks) & ~(int64_t)15;
  dl_iter_range(j->it, a, b, j->fn, j->ctx);
}

void dl_iter_run(const dl_iter* it, dl_run_fn fn, void* ctx, int64_t grain, bool parallel) {
  const int64_t total = dl_iter_numel(it);
  const int nt = dl_num_threads();
  if (!parallel || nt <= 1 || total < grain) {
    dl_iter_range(it, 0, total, fn, ctx);
    return;
  }
  iter_job j = { it, fn, ctx, total, nt };
  dl_parallel(nt, iter_task, &j);
}

void dl_view_extent(int nd, const int64_t* shape, int64_t off, const int64_t* st, int64_t* lo, int64_t* hi) {
  int64_t l = off, h = off;
  for (int d = 0; d < nd; d++) {
    const int64_t e = st[d] * (shape[d] - 1);
    if (e < 0) l += e; else h += e;
  }
  *lo = l;
  *hi = h;
}

void dl_view_span(const char* p, int nd, const int64_t* shape, int64_t off, const int64_t* st, const char** lo,
                  const char** hi) {
  int64_t n = 1, l, h;
  for (int d = 0; d < nd; d++) n *= shape[d];
  if (n == 0 || !p) { *lo = *hi = NULL; return; }
  dl_view_extent(nd, shape, off, st, &l, &h);
  *lo = p + l * 4;
  *hi = p + (h + 1) * 4;
}

bool dl_spans_apart(const char* lo, const char* hi, const char* lo2, const char* hi2) {
  return !lo || !lo2 || hi <= lo2 || hi2 <= lo;
}

/* ---- tiled walk for transposed inputs --------------------------------------------------------
 * When an input's last-dim stride is large but it is contiguous along another dim p, walking runs
 * along the last dim touches a new cache line (and often a new page) per element. Instead, runs
 * are visited tile by tile: TP consecutive indices of p times TL of the last dim, so the lines an
 * input tile touches are reused from L1. Only for kernels whose result does not depend on the
 * order of elements (no overlap between output and inputs). */

#define TP 32
#define TL 8

typedef struct {
  const dl_iter* it;
  dl_run_fn fn;
  void* ctx;
  int p, nod;
  int od[DL_MAXD];
  int64_t nbp, units, ntasks;
} tile_job;

static void tile_units(const tile_job* j, int64_t u0, int64_t u1) {
  const dl_iter* it = j->it;
  const int nd = it->nd, nv = it->nv, p = j->p;
  const int64_t L = it->shape[nd - 1], P = it->shape[p];
  int64_t base[DL_MAXV], offs[DL_MAXV], inner[DL_MAXV], sp[DL_MAXV];
  for (int v = 0; v < nv; v++) {
    inner[v] = it->st[v][nd - 1];
    sp[v] = it->st[v][p];
  }
  for (int64_t u = u0; u < u1; u++) {
    int64_t rem = u / j->nbp;
    const int64_t pb = u % j->nbp;
    for (int v = 0; v < nv; v++) base[v] = it->off[v];
    for (int k = j->nod - 1; k >= 0; k--) {
      const int d = j->od[k];
      const int64_t i = rem % it->shape[d];
      rem /= it->shape[d];
      for (int v = 0; v < nv; v++) base[v] += i * it->st[v][d];
    }
    const int64_t i0 = pb * TP, i1 = i0 + TP < P ? i0 + TP : P;
    for (int64_t j0 = 0; j0 < L; j0 += TL) {
      const int64_t n = L - j0 < TL ? L - j0 : TL;
      for (int64_t i = i0; i < i1; i++) {
        set_offs(offs, nv, base, i, sp, j0, inner);
        j->fn(j->ctx, offs, n, inner);
      }
    }
  }
}

static void tile_task(void* c, int64_t t) {
  const tile_job* j = (const tile_job*)c;
  tile_units(j, j->units * t / j->ntasks, j->units * (t + 1) / j->ntasks);
}

static int abs_lt(int64_t a, int64_t b) { return (a < 0 ? -a : a) < (b < 0 ? -b : b); }

void dl_iter_run_auto(const dl_iter* it, dl_run_fn fn, void* ctx, int64_t grain, bool parallel) {
  const int nd = it->nd;
  int p = -1;
  if (nd >= 2 && it->shape[nd - 1] >= 16 && (it->st[0][nd - 1] == 1 || it->st[0][nd - 1] == -1)) {
    for (int v = 1; v < it->nv && p < 0; v++) {
      const int64_t sl = it->st[v][nd - 1];
      if (!(sl >= 32 || sl <= -32)) continue;
      int best = -1;
      for (int d = 0; d < nd - 1; d++)
        if (it->st[v][d] != 0 && it->shape[d] >= 8 && (best < 0 || abs_lt(it->st[v][d], it->st[v][best]))) best = d;
      if (best >= 0 && abs_lt(it->st[v][best], 8)) p = best;
    }
  }
  if (p < 0) {
    dl_iter_run(it, fn, ctx, grain, parallel);
    return;
  }
  tile_job j;
  j.it = it;
  j.fn = fn;
  j.ctx = ctx;
  j.p = p;
  j.nod = 0;
  int64_t nouter = 1;
  for (int d = 0; d < nd - 1; d++)
    if (d != p) { j.od[j.nod++] = d; nouter *= it->shape[d]; }
  j.nbp = (it->shape[p] + TP - 1) / TP;
  j.units = nouter * j.nbp;
  const int nt = dl_num_threads();
  if (parallel && nt > 1 && dl_iter_numel(it) >= grain && j.units >= 2) {
    j.ntasks = j.units < nt ? j.units : nt;
    dl_parallel(j.ntasks, tile_task, &j);
  } else {
    tile_units(&j, 0, j.units);
  }
}
