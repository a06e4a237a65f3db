/* Reductions: sum / max / min over a set of axes, argmax / argmin along one axis, on dl_iter.
 *
 * The iterator walks a (view 1) together with out (view 0), whose stride is 0 along the reduced
 * dims, so every element of a meets its slot. After coalescing, a run along the last dim is
 * either reduced into one slot (the last dim is reduced: "H") or folded into a row of slots
 * (the last dim is kept: "V").
 *
 * Semantics, as in the js backend:
 *  - max/min propagate NaN; otherwise the result is the FIRST element (row-major order of a's
 *    index space) equal to the extreme, which only matters for the sign of a zero.
 *  - float32 sum: where the innermost dim is kept, every element is added to its slot in float32,
 *    in order (exactly what JS does). Where the innermost dim is reduced, runs are summed in
 *    double (JS does the same per run; here the lanes are summed in a fixed order), and the
 *    slot accumulates in double until the single final rounding (so does JS's).
 *  - int32 sum wraps mod 2^32.
 *  - argmax/argmin: index of the first extreme; the first NaN wins.
 *  - empty reductions give 0 (sum, arg*), -Inf/+Inf (float32 max/min), the int32 limits (int32
 *    max/min).
 */
#include <math.h>
#include <string.h>

#include "common.h"
#include "kernels.h"
#include "ops.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

/* ---- run reducers ---------------------------------------------------------------------------- */

/* lanes of doubles, then a pairwise tree in a fixed order (constant bounds: it stays in registers) */
static double sum_f32_run(const float* a, int64_t n, int64_t s) {
  double r = 0.0;
  int64_t i = 0;
  if (s == 1 ? n >= 32 : n >= 4) {
    double acc[32] = { 0 };
    if (s == 1) {
      for (; i + 32 <= n; i += 32)
        for (int j = 0; j < 32; j++) acc[j] += (double)a[i + j];
    } else {
      for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) acc[j] += (double)a[(i + j) * s];
    }
    for (int j = 0; j < 16; j++) acc[j] += acc[j + 16];
    for (int j = 0; j < 8; j++) acc[j] += acc[j + 8];
    for (int j = 0; j < 4; j++) acc[j] += acc[j + 4];
    for (int j = 0; j < 2; j++) acc[j] += acc[j + 2];
    r = acc[0] + acc[1];
  }
  for (; i < n; i++) r += (double)a[i * s];
  return r;
}

static uint32_t sum_i32_run(const int32_t* a, int64_t n, int64_t s) {
  uint32_t acc = 0;
  if (s == 1) for (int64_t i = 0; i < n; i++) acc += (uint32_t)a[i];
  else for (int64_t i = 0; i < n; i++) acc += (uint32_t)a[i * s];
  return acc;
}

/* the js backend's update of a slot: NaN always replaces, then strictly greater (less) */
static inline float ext_step(float cur, float v, bool is_max) {
  const float m = is_max ? (v > cur ? v : cur) : (v < cur ? v : cur); /* maxss / minss: no branch */
  return v != v ? v : m;
}

/* max (or min) of a float run: NaN when the run holds one, else the first element equal to the
 * extreme (so the sign of a zero is the first zero's). Folding runs with ext_step in order keeps
 * both properties. */
static float ext_f32_run(const float* a, int64_t n, int64_t s, bool is_max) {
  /* lanes take NaN and keep it (v > NaN is false), like the js backend's update; the lanes are
     combined afterwards, and only the sign of a zero depends on which equal element came first */
  float r = is_max ? -INFINITY : INFINITY;
  int64_t i = 0;
#if defined(__AVX512F__)
  if (s == 1 && n >= 64) {
    __m512 m0 = _mm512_set1_ps(r), m1 = m0, m2 = m0, m3 = m0;
#define EXT_LANE(M, P)                                                                           \
    {                                                                                            \
      const __m512 v = _mm512_loadu_ps(P);                                                       \
      const __mmask16 k = (is_max ? _mm512_cmp_ps_mask(v, M, _CMP_GT_OQ) : _mm512_cmp_ps_mask(v, M, _CMP_LT_OQ)) | \
                          _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);                                \
      M = _mm512_mask_mov_ps(M, k, v);                                                           \
    }
    for (; i + 64 <= n; i += 64) {
      EXT_LANE(m0, a + i)
      EXT_LANE(m1, a + i + 16)
      EXT_LANE(m2, a + i + 32)
      EXT_LANE(m3, a + i + 48)
    }
#undef EXT_LANE
    float lanes[64];
    _mm512_storeu_ps(lanes, m0);
    _mm512_storeu_ps(lanes + 16, m1);
    _mm512_storeu_ps(lanes + 32, m2);
    _mm512_storeu_ps(lanes + 48, m3);
    for (int j = 0; j < 64; j++) r = ext_step(r, lanes[j], is_max);
  }
#endif
  for (; i < n; i++) r = ext_step(r, a[i * s], is_max);
  if (r == 0.0f) /* which zero came first */
    for (int64_t k = 0; k < n; k++)
      if (a[k * s] == 0.0f) return a[k * s];
  return r;
}

static int32_t ext_i32_run(const int32_t* a, int64_t n, int64_t s, bool is_max) {
  int32_t r = is_max ? INT32_MIN : INT32_MAX;
  if (s == 1) {
    if (is_max) for (int64_t i = 0; i < n; i++) r = a[i] > r ? a[i] : r;
    else for (int64_t i = 0; i < n; i++) r = a[i] < r ? a[i] : r;
  } else {
    if (is_max) for (int64_t i = 0; i < n; i++) r = a[i * s] > r ? a[i * s] : r;
    else for (int64_t i = 0; i < n; i++) r = a[i * s] < r ? a[i * s] : r;
  }
  return r;
}

/* ---- H: the last dim reduced; each run is folded into one slot ------------------------------ */

typedef union { double d; float f; int32_t i; } cell; /* a float32 sum's value is a double */

typedef struct {
  int kind, dtype;
  bool max;
  const dl_iter* it; /* coalesced; view 0 (out) is dense over the kept dims, 0 along the reduced */
  char* o;
  const char* a;
  double* dacc;      /* float32 sums whose slots get several runs: a double per slot */
  int64_t L;         /* H: run length */
  int64_t rows, sr;  /* V: rows folded per run, and their step in a */
  int64_t ntasks;
  cell* part;        /* H, one slot split over the tasks: each task's piece */
} red_job;

static cell run_value(const red_job* j, const int64_t* off, int64_t n, const int64_t* st) {
  cell v;
  if (j->dtype == DL_F32) {
    const float* a = (const float*)j->a + off[1];
    if (j->kind == DL_SUM) v.d = sum_f32_run(a, n, st[1]);
    else v.f = ext_f32_run(a, n, st[1], j->max);
  } else {
    const int32_t* a = (const int32_t*)j->a + off[1];
    v.i = j->kind == DL_SUM ? (int32_t)sum_i32_run(a, n, st[1]) : ext_i32_run(a, n, st[1], j->max);
  }
  return v;
}

static cell combine(const red_job* j, cell acc, cell v) {
  if (j->kind == DL_SUM && j->dtype == DL_F32) acc.d += v.d;
  else if (j->kind == DL_SUM) acc.i = (int32_t)((uint32_t)acc.i + (uint32_t)v.i);
  else if (j->dtype == DL_F32) acc.f = ext_step(acc.f, v.f, j->max);
  else acc.i = j->max ? (v.i > acc.i ? v.i : acc.i) : (v.i < acc.i ? v.i : acc.i);
  return acc;
}

/* folds v into the slot at element `at` of out */
static void fold_slot(const red_job* j, int64_t at, cell v) {
  if (j->dtype == DL_F32) {
    float* o = (float*)j->o + at;
    if (j->kind != DL_SUM) *o = ext_step(*o, v.f, j->max);
    else if (j->dacc) j->dacc[at - j->it->off[0]] += v.d;
    else *o = (float)v.d; /* the slot's only run: its single rounding */
  } else {
    int32_t* o = (int32_t*)j->o + at;
    *o = combine(j, (cell){ .i = *o }, v).i;
  }
}

static void h_run(void* ctx, const int64_t* off, int64_t n, const int64_t* st) {
  const red_job* j = (const red_job*)ctx;
  fold_slot(j, off[0], run_value(j, off, n, st));
}

/* slots [nout·t/ntasks, nout·(t+1)/ntasks), each one run of L elements */
static void h_task(void* ctx, int64_t t) {
  const red_job* j = (const red_job*)ctx;
  const int64_t nout = dl_iter_numel(j->it) / j->L;
  dl_iter_range(j->it, nout * t / j->ntasks * j->L, nout * (t + 1) / j->ntasks * j->L, h_run, ctx);
}

/* task t's piece of the run that starts at element `start`: one call of part_run */
typedef struct { const red_job* j; int64_t start, t; } piece;

static void part_run(void* ctx, const int64_t* off, int64_t n, const int64_t* st) {
  const piece* p = (const piece*)ctx;
  p->j->part[p->t] = run_value(p->j, off, n, st);
}

static void split_task(void* ctx, int64_t t) {
  piece p = *(const piece*)ctx;
  const int64_t L = p.j->L, nt = p.j->ntasks;
  p.t = t;
  dl_iter_range(p.j->it, p.start + L * t / nt, p.start + L * (t + 1) / nt, part_run, &p);
}

static int reduce_h(red_job* j, int64_t numel, int64_t nout) {
  const dl_iter* it = j->it;
  bool once = true; /* every slot is one run: only the (coalesced) last dim is reduced */
  for (int d = 0; d < it->nd - 1; d++) once = once && it->st[0][d] != 0;
  const int nt = dl_num_threads();
  if (!once) { /* in order, on one thread; float32 sums in double slots, rounded at the end */
    size_t cls = 0;
    bool fresh;
    if (j->dtype == DL_F32 && j->kind == DL_SUM) {
      j->dacc = (double*)dl_pool_get((size_t)nout * sizeof(double), &cls, &fresh);
      if (!j->dacc) return -1;
      memset(j->dacc, 0, (size_t)nout * sizeof(double));
    }
    dl_iter_range(it, 0, numel, h_run, j);
    if (j->dacc) {
      float* o = (float*)j->o + it->off[0];
      for (int64_t i = 0; i < nout; i++) o[i] = (float)j->dacc[i];
      dl_pool_put(j->dacc, cls);
    }
  } else if (nt <= 1 || numel < (1 << 17)) {
    dl_iter_range(it, 0, numel, h_run, j);
  } else if (nout >= 4 * nt) {
    j->ntasks = nt;
    dl_parallel(nt, h_task, j);
  } else { /* few slots: split each run, then fold the pieces in order */
    cell part[64];
    j->ntasks = nt > 64 ? 64 : nt;
    j->part = part;
    for (int64_t slot = 0; slot < nout; slot++) {
      piece p = { j, slot * j->L, 0 };
      dl_parallel(j->ntasks, split_task, &p);
      for (int64_t t = 1; t < j->ntasks; t++) part[0] = combine(j, part[0], part[t]);
      fold_slot(j, it->off[0] + slot, part[0]);
    }
  }
  return 0;
}

/* ---- V: the last dim kept; each run is folded into a row of slots ---------------------------- */

/* `rows` rows (a step `sr` apart) folded into o[0..n) in order. Four rows go through each pass:
 * t = o[i]; t op= a0[i]; t op= a1[i]; ... performs exactly the same float operations in the same
 * order as one row at a time, with a quarter of the loads and stores of o. */
static void v_rows_f32(int kind, bool mx, float* restrict o, const float* a, int64_t sr, int64_t rows, int64_t n,
                       int64_t sa) {
  int64_t r = 0;
  if (sa == 1) {
    for (; r + 4 <= rows; r += 4) {
      const float* restrict a0 = a + r * sr;
      const float* restrict a1 = a0 + sr;
      const float* restrict a2 = a1 + sr;
      const float* restrict a3 = a2 + sr;
      if (kind == DL_SUM) {
        for (int64_t i = 0; i < n; i++) { float t = o[i]; t += a0[i]; t += a1[i]; t += a2[i]; t += a3[i]; o[i] = t; }
      } else if (mx) {
        for (int64_t i = 0; i < n; i++) {
          float t = o[i];
          t = ext_step(t, a0[i], true); t = ext_step(t, a1[i], true); t = ext_step(t, a2[i], true); t = ext_step(t, a3[i], true);
          o[i] = t;
        }
      } else {
        for (int64_t i = 0; i < n; i++) {
          float t = o[i];
          t = ext_step(t, a0[i], false); t = ext_step(t, a1[i], false); t = ext_step(t, a2[i], false); t = ext_step(t, a3[i], false);
          o[i] = t;
        }
      }
    }
  }
  for (; r < rows; r++) {
    const float* restrict ar = a + r * sr;
    if (kind == DL_SUM) {
      if (sa == 1) for (int64_t i = 0; i < n; i++) o[i] += ar[i];
      else for (int64_t i = 0; i < n; i++) o[i] += ar[i * sa];
    } else if (mx) {
      if (sa == 1) for (int64_t i = 0; i < n; i++) o[i] = ext_step(o[i], ar[i], true);
      else for (int64_t i = 0; i < n; i++) o[i] = ext_step(o[i], ar[i * sa], true);
    } else {
      if (sa == 1) for (int64_t i = 0; i < n; i++) o[i] = ext_step(o[i], ar[i], false);
      else for (int64_t i = 0; i < n; i++) o[i] = ext_step(o[i], ar[i * sa], false);
    }
  }
}

static void v_rows_i32(int kind, bool mx, int32_t* restrict o, const int32_t* a, int64_t sr, int64_t rows, int64_t n,
                       int64_t sa) {
  for (int64_t r = 0; r < rows; r++) {
    const int32_t* restrict ar = a + r * sr;
    if (kind == DL_SUM) for (int64_t i = 0; i < n; i++) o[i] = (int32_t)((uint32_t)o[i] + (uint32_t)ar[i * sa]);
    else if (mx) for (int64_t i = 0; i < n; i++) o[i] = ar[i * sa] > o[i] ? ar[i * sa] : o[i];
    else for (int64_t i = 0; i < n; i++) o[i] = ar[i * sa] < o[i] ? ar[i * sa] : o[i];
  }
}

static void v_run(void* ctx, const int64_t* off, int64_t n, const int64_t* st) {
  const red_job* j = (const red_job*)ctx;
  if (j->dtype == DL_F32) v_rows_f32(j->kind, j->max, (float*)j->o + off[0], (const float*)j->a + off[1], j->sr, j->rows, n, st[1]);
  else v_rows_i32(j->kind, j->max, (int32_t*)j->o + off[0], (const int32_t*)j->a + off[1], j->sr, j->rows, n, st[1]);
}

/* task t: the columns [c0, c1) of the last dim (multiples of 16: no cache line of out is shared)
 * for every outer index: an iterator with a narrower last dim */
static void v_task(void* ctx, int64_t t) {
  const red_job* j = (const red_job*)ctx;
  dl_iter w = *j->it;
  const int last = w.nd - 1;
  const int64_t L = w.shape[last];
  const int64_t c0 = (L * t / j->ntasks) & ~(int64_t)15, c1 = t + 1 == j->ntasks ? L : (L * (t + 1) / j->ntasks) & ~(int64_t)15;
  if (c1 <= c0) return;
  w.shape[last] = c1 - c0;
  for (int v = 0; v < w.nv; v++) w.off[v] += c0 * w.st[v][last];
  dl_iter_range(&w, 0, dl_iter_numel(&w), v_run, ctx);
}

static void reduce_v(red_job* j, int64_t numel) {
  /* the dim before the last, when reduced, is folded by v_rows (several rows per pass) */
  dl_iter w = *j->it;
  j->rows = 1;
  j->sr = 0;
  if (w.nd >= 2 && w.st[0][w.nd - 2] == 0) {
    const int f = w.nd - 2;
    j->rows = w.shape[f];
    j->sr = w.st[1][f];
    w.shape[f] = w.shape[f + 1];
    for (int v = 0; v < w.nv; v++) w.st[v][f] = w.st[v][f + 1];
    w.nd--;
  }
  j->it = &w;
  /* threads split the kept columns, so only when each gets 512 or more: with 2 KB or less of each
     row apiece, two threads ran slower than one on the 2-vCPU Zen 5 (2048 rows of 512 columns: 84
     against 51 us; of 768: 103 against 83; of 128: 11-20 against 10), with 512+ faster (1024
     rows of 1024: 33 against 52) */
  const int nt = dl_num_threads();
  j->ntasks = nt > 1 && numel >= (1 << 18) && w.shape[w.nd - 1] >= 512 * nt ? nt : 1;
  if (j->ntasks > 1) dl_parallel(j->ntasks, v_task, j);
  else dl_iter_range(&w, 0, dl_iter_numel(&w), v_run, j);
}

/* ---- argmax / argmin ------------------------------------------------------------------------- */

static int32_t arg_f32_run(const float* a, int64_t n, int64_t s, bool is_max) {
  float best = a[0];
  int64_t bi = 0;
  if (best != best) return 0;
  for (int64_t i = 1; i < n; i++) {
    const float v = a[i * s];
    if (v != v) return (int32_t)i;
    if (is_max ? v > best : v < best) { best = v; bi = i; }
  }
  return (int32_t)bi;
}

static int32_t arg_i32_run(const int32_t* a, int64_t n, int64_t s, bool is_max) {
  int32_t best = a[0];
  int64_t bi = 0;
  for (int64_t i = 1; i < n; i++) {
    const int32_t v = a[i * s];
    if (is_max ? v > best : v < best) { best = v; bi = i; }
  }
  return (int32_t)bi;
}

typedef struct { int dtype; bool max; char* o; const char* a; int64_t L, s; } arg_job;

/* n elements of out along a run of the kept dims; each one's search runs over L elements of the
 * axis, a step s apart */
static void arg_run(void* ctx, const int64_t* off, int64_t n, const int64_t* st) {
  const arg_job* j = (const arg_job*)ctx;
  int32_t* o = (int32_t*)j->o + off[0];
  const int64_t L = j->L, s = j->s, so = st[0], sa = st[1];
  float* best = so == 1 && sa == 1 && s != 1 && L > 1 ? dl_scratch((size_t)n) : NULL;
  if (!best) { /* one search per element */
    for (int64_t i = 0; i < n; i++)
      o[i * so] = j->dtype == DL_F32 ? arg_f32_run((const float*)j->a + off[1] + i * sa, L, s, j->max)
                                     : arg_i32_run((const int32_t*)j->a + off[1] + i * sa, L, s, j->max);
    return;
  }
  /* the n elements are contiguous in a: walk the axis row by row, n searches side by side */
  if (j->dtype == DL_F32) {
    const float* a0 = (const float*)j->a + off[1];
    for (int64_t c = 0; c < n; c++) { best[c] = a0[c]; o[c] = 0; }
    for (int64_t r = 1; r < L; r++) {
      const float* ar = a0 + r * s;
      if (j->max) {
        for (int64_t c = 0; c < n; c++) {
          const float v = ar[c], b = best[c];
          const bool take = b == b && (v != v || v > b);
          best[c] = take ? v : b;
          o[c] = take ? (int32_t)r : o[c];
        }
      } else {
        for (int64_t c = 0; c < n; c++) {
          const float v = ar[c], b = best[c];
          const bool take = b == b && (v != v || v < b);
          best[c] = take ? v : b;
          o[c] = take ? (int32_t)r : o[c];
        }
      }
    }
  } else {
    int32_t* bi = (int32_t*)best;
    const int32_t* a0 = (const int32_t*)j->a + off[1];
    for (int64_t c = 0; c < n; c++) { bi[c] = a0[c]; o[c] = 0; }
    for (int64_t r = 1; r < L; r++) {
      const int32_t* ar = a0 + r * s;
      for (int64_t c = 0; c < n; c++) {
        const int32_t v = ar[c];
        const bool take = j->max ? v > bi[c] : v < bi[c];
        bi[c] = take ? v : bi[c];
        o[c] = take ? (int32_t)r : o[c];
      }
    }
  }
}

/* it: out and a over a's shape, not coalesced; the search runs along `axis` */
static void reduce_arg(const red_job* j, const dl_iter* it, int axis) {
  arg_job k = { j->dtype, j->max, j->o, j->a, it->shape[axis], it->st[1][axis] };
  dl_iter w = *it; /* the kept dims */
  for (int d = axis; d + 1 < w.nd; d++) {
    w.shape[d] = w.shape[d + 1];
    for (int v = 0; v < w.nv; v++) w.st[v][d] = w.st[v][d + 1];
  }
  w.nd--;
  dl_iter_coalesce(&w);
  dl_iter_range(&w, 0, dl_iter_numel(&w), arg_run, &k);
}

/* ---- entry ----------------------------------------------------------------------------------- */

/* out dense over the kept dims (view 0 of it: 0 along the reduced dims) and apart from a */
static int reduce_dense(red_job* j, dl_iter* it, uint32_t mask, int64_t numel, int64_t nout) {
  if (j->kind != DL_ARG || numel == 0) { /* every slot's starting value */
    const float f = j->kind == DL_SUM ? 0.0f : j->max ? -INFINITY : INFINITY;
    const int32_t i = j->kind != DL_EXT ? 0 : j->max ? INT32_MIN : INT32_MAX;
    if (j->dtype == DL_F32 && j->kind != DL_ARG) for (int64_t k = 0; k < nout; k++) ((float*)j->o + it->off[0])[k] = f;
    else for (int64_t k = 0; k < nout; k++) ((int32_t*)j->o + it->off[0])[k] = i;
  }
  if (numel == 0) return 0;
  if (j->kind == DL_ARG) {
    int axis = 0;
    while (!((mask >> axis) & 1u)) axis++;
    reduce_arg(j, it, axis);
    return 0;
  }
  dl_iter_coalesce(it);
  j->it = it;
  j->L = it->shape[it->nd - 1];
  if (it->st[0][it->nd - 1] == 0) return reduce_h(j, numel, nout);
  reduce_v(j, numel);
  return 0;
}

int dl_reduce(int op, int dtype, uint32_t mask, dl_iter* it, char* o, const char* a) {
  red_job j;
  memset(&j, 0, sizeof j);
  j.kind = dl_reduce_kind[op].kind;
  j.max = dl_reduce_kind[op].max;
  j.dtype = dtype;
  j.a = a;
  const int nd = it->nd;
  int64_t numel = 1, nout = 1, dense[DL_MAXD];
  bool direct = true;
  for (int d = nd - 1; d >= 0; d--) {
    numel *= it->shape[d];
    const bool red = (mask >> d) & 1u;
    dense[d] = red ? 0 : nout;
    if (!red && it->shape[d] != 1 && it->st[0][d] != nout) direct = false;
    if (red) it->st[0][d] = 0;
    else nout *= it->shape[d];
  }
  if (nout == 0) return 0;
  if (direct && numel > 0) { /* ... and apart from a */
    int64_t lo, hi;
    dl_view_extent(nd, it->shape, it->off[1], it->st[1], &lo, &hi);
    direct = o + (it->off[0] + nout) * 4 <= a + lo * 4 || a + (hi + 1) * 4 <= o + it->off[0] * 4;
  }
  j.o = o;
  if (direct) return reduce_dense(&j, it, mask, numel, nout);
  /* reduce into scratch, then copy out */
  size_t cls;
  bool fresh;
  char* tmp = (char*)dl_pool_get((size_t)nout * 4, &cls, &fresh);
  if (!tmp) return -1;
  dl_iter w = *it, cp = *it;
  w.off[0] = 0;
  for (int d = 0; d < nd; d++) {
    w.st[0][d] = dense[d];
    if ((mask >> d) & 1u) cp.shape[d] = 1;
    cp.st[1][d] = dense[d];
  }
  cp.off[1] = 0;
  j.o = tmp;
  const int rc = reduce_dense(&j, &w, mask, numel, nout);
  if (rc == 0) dl_copy(DL_F32, false, &cp, o, tmp);
  dl_pool_put(tmp, cls);
  return rc;
}
