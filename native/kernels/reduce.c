/* Reductions: sum / max / min over a set of axes, argmax / argmin along one axis.
 *
 * a: any strided view; out: contiguous, a's shape with the reduced dims set to 1 (keepdim).
 *
 * Semantics, as in the js backend:
 *  - max/min propagate NaN; otherwise the result is the FIRST element (row-major order of a's
 *    index space) equal to the extreme, which only matters for the sign of a zero.
 *  - float32 sum: where the innermost dim is kept, every element is added to its slot in float32,
 *    in order (exactly what JS does). Where the innermost dim is reduced, runs are summed in
 *    double (JS does the same per run; here the lanes are summed in a fixed order), and the
 *    slot accumulates in double until the single final rounding.
 *  - int32 sum wraps mod 2^32.
 *  - argmax/argmin: index of the first extreme; the first NaN wins.
 *  - empty reductions give 0 (sum), -Inf/+Inf (float max/min), 0 (int32 max/min and arg*: JS stores
 *    +-Infinity into an Int32Array, which gives 0).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kernels.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

/* ---- run reducers ---------------------------------------------------------------------------- */

static double sum_f32_run(const float* a, int64_t n, int64_t s) {
  double acc[32];
  for (int j = 0; j < 32; j++) acc[j] = 0.0;
  int64_t i = 0;
  if (s == 1) {
    for (; i + 32 <= n; i += 32)
      for (int j = 0; j < 32; j++) acc[j] += (double)a[i + j];
  } else {
    for (; i + 4 <= n; i += 4)
      for (int j = 0; j < 4; j++) acc[j] += (double)a[(i + j) * s];
  }
  for (int w = 16; w >= 1; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  double r = acc[0];
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
  return (v != v || (is_max ? v > cur : v < cur)) ? v : cur;
}

/* max (or min) of a float run: *nan set when the run holds a NaN; the returned value is the first
 * element equal to the extreme (so the sign of a zero is the first zero's) */
static float ext_f32_run(const float* a, int64_t n, int64_t s, bool is_max, bool* nan) {
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
  *nan = r != r;
  if (r != r) return NAN;
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


/* ---- dims ------------------------------------------------------------------------------------ */

typedef struct {
  int k;              /* dims after dropping size 1 and merging */
  int64_t n[DL_MAXD]; /* sizes */
  int64_t sa[DL_MAXD];/* strides in a */
  int64_t so[DL_MAXD];/* strides in out (0 on reduced dims) */
  bool red[DL_MAXD];
} rdims;

static void build_dims(rdims* r, int nd, const int64_t* shape, const int64_t* st, uint32_t mask) {
  int64_t so_full[DL_MAXD];
  int64_t s = 1;
  for (int d = nd - 1; d >= 0; d--) {
    const bool red = (mask >> d) & 1u;
    so_full[d] = red ? 0 : s;
    if (!red) s *= shape[d];
  }
  int k = 0;
  for (int d = 0; d < nd; d++) {
    if (shape[d] == 1) continue;
    const bool red = (mask >> d) & 1u;
    if (k > 0 && r->red[k - 1] == red && r->sa[k - 1] == st[d] * shape[d] && r->so[k - 1] == so_full[d] * shape[d]) {
      r->n[k - 1] *= shape[d];
      r->sa[k - 1] = st[d];
      r->so[k - 1] = so_full[d];
      continue;
    }
    r->n[k] = shape[d];
    r->sa[k] = st[d];
    r->so[k] = so_full[d];
    r->red[k] = red;
    k++;
  }
  r->k = k;
}

/* ---- sum / max / min ------------------------------------------------------------------------- */

typedef struct {
  int op, dtype;
  const rdims* r;
  char* o;
  const char* a;
  int64_t a_off;
  int64_t nouter;    /* H1: number of slots; V: rows walked */
  int64_t L;         /* run length */
  int64_t s;         /* run stride */
  int64_t ntasks;
  /* single-slot split */
  double* dpart;
  float* fpart;
  bool* npart;
  uint32_t* ipart;
} red_job;

/* H1: every slot is one run of the last dim; slots = outer dims, all kept */
static void h1_slots(const red_job* j, int64_t s0, int64_t s1) {
  const rdims* r = j->r;
  const int ko = r->k - 1;
  /* outer multi-index of slot s0 */
  int64_t idx[DL_MAXD], rem = s0, base = j->a_off;
  for (int d = ko - 1; d >= 0; d--) { idx[d] = rem % r->n[d]; rem /= r->n[d]; base += idx[d] * r->sa[d]; }
  const bool is_max = j->op == RED_MAX;
  for (int64_t slot = s0; slot < s1; slot++) {
    if (j->dtype == DL_F32) {
      const float* a = (const float*)j->a + base;
      float* o = (float*)j->o + slot;
      if (j->op == RED_SUM) *o = (float)sum_f32_run(a, j->L, j->s);
      else { bool nan; *o = ext_f32_run(a, j->L, j->s, is_max, &nan); }
    } else {
      const int32_t* a = (const int32_t*)j->a + base;
      int32_t* o = (int32_t*)j->o + slot;
      if (j->op == RED_SUM) *o = (int32_t)sum_i32_run(a, j->L, j->s);
      else *o = ext_i32_run(a, j->L, j->s, is_max);
    }
    for (int d = ko - 1; d >= 0; d--) {
      idx[d]++;
      base += r->sa[d];
      if (idx[d] < r->n[d]) break;
      base -= r->sa[d] * r->n[d];
      idx[d] = 0;
    }
  }
}

static void h1_task(void* c, int64_t t) {
  const red_job* j = (const red_job*)c;
  h1_slots(j, j->nouter * t / j->ntasks, j->nouter * (t + 1) / j->ntasks);
}

/* one slot, one long run, split in ntasks pieces */
static void h1_split_task(void* c, int64_t t) {
  const red_job* j = (const red_job*)c;
  const int64_t a0 = j->L * t / j->ntasks, a1 = j->L * (t + 1) / j->ntasks;
  const int64_t off = j->a_off + a0 * j->s;
  if (j->dtype == DL_F32) {
    const float* a = (const float*)j->a + off;
    if (j->op == RED_SUM) j->dpart[t] = sum_f32_run(a, a1 - a0, j->s);
    else j->fpart[t] = ext_f32_run(a, a1 - a0, j->s, j->op == RED_MAX, &j->npart[t]);
  } else {
    const int32_t* a = (const int32_t*)j->a + off;
    if (j->op == RED_SUM) j->ipart[t] = sum_i32_run(a, a1 - a0, j->s);
    else j->ipart[t] = (uint32_t)ext_i32_run(a, a1 - a0, j->s, j->op == RED_MAX);
  }
}

/* V: the last dim is kept; out[j] = step(out[j], a[..., j]) over all outer index tuples, in order.
 * Task t handles columns [c0, c1) for every outer tuple. */
/* `rows` consecutive rows (a step `sr` apart) folded into o[0..n) in order. Four rows go through
 * each pass: t = o[i]; t op= a0[i]; t op= a1[i]; ... performs exactly the same float operations in
 * the same order as one row at a time, with a quarter of the loads and stores of o. */
static void v_rows_f32(int op, float* restrict o, const float* a, int64_t sr, int64_t rows, int64_t n, int64_t sa) {
  int64_t r = 0;
  if (sa == 1) {
    for (; r + 4 <= rows; r += 4) {
      const float* restrict a0 = a + r * sr;
      const float* restrict a1 = a0 + sr;
      const float* restrict a2 = a1 + sr;
      const float* restrict a3 = a2 + sr;
      if (op == RED_SUM) {
        for (int64_t i = 0; i < n; i++) { float t = o[i]; t += a0[i]; t += a1[i]; t += a2[i]; t += a3[i]; o[i] = t; }
      } else if (op == RED_MAX) {
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
    if (op == RED_SUM) {
      if (sa == 1) for (int64_t i = 0; i < n; i++) o[i] += ar[i];
      else for (int64_t i = 0; i < n; i++) o[i] += ar[i * sa];
    } else if (op == RED_MAX) {
      if (sa == 1) for (int64_t i = 0; i < n; i++) o[i] = ext_step(o[i], ar[i], true);
      else for (int64_t i = 0; i < n; i++) o[i] = ext_step(o[i], ar[i * sa], true);
    } else {
      if (sa == 1) for (int64_t i = 0; i < n; i++) o[i] = ext_step(o[i], ar[i], false);
      else for (int64_t i = 0; i < n; i++) o[i] = ext_step(o[i], ar[i * sa], false);
    }
  }
}

static void v_rows_i32(int op, int32_t* restrict o, const int32_t* a, int64_t sr, int64_t rows, int64_t n, int64_t sa) {
  for (int64_t r = 0; r < rows; r++) {
    const int32_t* restrict ar = a + r * sr;
    if (op == RED_SUM) for (int64_t i = 0; i < n; i++) o[i] = (int32_t)((uint32_t)o[i] + (uint32_t)ar[i * sa]);
    else if (op == RED_MAX) for (int64_t i = 0; i < n; i++) o[i] = ar[i * sa] > o[i] ? ar[i * sa] : o[i];
    else for (int64_t i = 0; i < n; i++) o[i] = ar[i * sa] < o[i] ? ar[i * sa] : o[i];
  }
}

/* V: the last dim is kept; out[j] = step(out[j], a[..., j]) over all outer index tuples, in order.
 * Columns [c0, c1) for every outer tuple. The innermost outer dim, when reduced, is walked by
 * v_rows (several rows per pass). out never overlaps a (binding.c sees to that). */
static void v_cols(const red_job* j, int64_t c0, int64_t c1) {
  const rdims* r = j->r;
  const int ko = r->k - 1;
  const int64_t sa = r->sa[ko];
  const int64_t n = c1 - c0;
  /* the dim walked by v_rows: the innermost outer dim if it is reduced, else none */
  const bool fold = ko >= 1 && r->so[ko - 1] == 0;
  const int nout = fold ? ko - 1 : ko; /* dims left to the odometer */
  const int64_t rows = fold ? r->n[ko - 1] : 1, sr = fold ? r->sa[ko - 1] : 0;
  int64_t idx[DL_MAXD];
  for (int d = 0; d < nout; d++) idx[d] = 0;
  int64_t ab = j->a_off + c0 * sa, ob = c0;
  for (;;) {
    if (j->dtype == DL_F32) v_rows_f32(j->op, (float*)j->o + ob, (const float*)j->a + ab, sr, rows, n, sa);
    else v_rows_i32(j->op, (int32_t*)j->o + ob, (const int32_t*)j->a + ab, sr, rows, n, sa);
    int d = nout - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      ab += r->sa[d];
      ob += r->so[d];
      if (idx[d] < r->n[d]) break;
      ab -= r->sa[d] * r->n[d];
      ob -= r->so[d] * r->n[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

static void v_task(void* c, int64_t t) {
  const red_job* j = (const red_job*)c;
  const int64_t L = j->L;
  int64_t c0 = (L * t / j->ntasks) & ~(int64_t)15, c1 = t + 1 == j->ntasks ? L : (L * (t + 1) / j->ntasks) & ~(int64_t)15;
  if (c1 > c0) v_cols(j, c0, c1);
}

/* General: last dim reduced, some outer dims reduced too. One thread, slot accumulators. */
static void h_general(const red_job* j, int64_t nout) {
  const rdims* r = j->r;
  const int ko = r->k - 1;
  const bool is_max = j->op == RED_MAX;
  double* dacc = NULL;
  if (j->dtype == DL_F32 && j->op == RED_SUM) {
    dacc = (double*)calloc((size_t)nout, sizeof(double));
    if (!dacc) { /* fall back to float slot accumulation */ }
  }
  int64_t idx[DL_MAXD];
  for (int d = 0; d < ko; d++) idx[d] = 0;
  int64_t ab = j->a_off, ob = 0;
  for (;;) {
    if (j->dtype == DL_F32) {
      const float* a = (const float*)j->a + ab;
      float* o = (float*)j->o + ob;
      if (j->op == RED_SUM) {
        const double s = sum_f32_run(a, j->L, j->s);
        if (dacc) dacc[ob] += s;
        else *o = (float)((double)*o + s);
      } else {
        bool nan;
        const float v = ext_f32_run(a, j->L, j->s, is_max, &nan);
        *o = ext_step(*o, v, is_max);
      }
    } else {
      const int32_t* a = (const int32_t*)j->a + ab;
      int32_t* o = (int32_t*)j->o + ob;
      if (j->op == RED_SUM) *o = (int32_t)((uint32_t)*o + sum_i32_run(a, j->L, j->s));
      else {
        const int32_t v = ext_i32_run(a, j->L, j->s, is_max);
        *o = is_max ? (v > *o ? v : *o) : (v < *o ? v : *o);
      }
    }
    int d = ko - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      ab += r->sa[d];
      ob += r->so[d];
      if (idx[d] < r->n[d]) break;
      ab -= r->sa[d] * r->n[d];
      ob -= r->so[d] * r->n[d];
      idx[d] = 0;
    }
    if (d < 0) break;
  }
  if (dacc) {
    float* o = (float*)j->o;
    for (int64_t i = 0; i < nout; i++) o[i] = (float)dacc[i];
    free(dacc);
  }
}

static void fill_init(int op, int dtype, char* o, int64_t n, bool nonempty) {
  if (dtype == DL_F32) {
    const float v = op == RED_SUM ? 0.0f : op == RED_MAX ? -INFINITY : INFINITY;
    float* f = (float*)o;
    for (int64_t i = 0; i < n; i++) f[i] = v;
  } else {
    /* JS stores -Infinity into an Int32Array as 0; with elements present the real extreme wins */
    const int32_t v = (op == RED_SUM || !nonempty) ? 0 : op == RED_MAX ? INT32_MIN : INT32_MAX;
    int32_t* f = (int32_t*)o;
    for (int64_t i = 0; i < n; i++) f[i] = v;
  }
}

static void reduce_arg(int op, int dtype, int32_t* out, const char* a, int nd, const int64_t* shape,
                       int64_t a_off, const int64_t* st, int axis);

void dl_reduce(int op, int dtype, char* out, const char* a, int nd, const int64_t* shape, int64_t a_off,
               const int64_t* st, uint32_t mask) {
  int64_t numel = 1, nout = 1;
  for (int d = 0; d < nd; d++) {
    numel *= shape[d];
    if (!((mask >> d) & 1u)) nout *= shape[d];
  }
  if (op == RED_ARGMAX || op == RED_ARGMIN) {
    int axis = 0;
    while (axis < nd && !((mask >> axis) & 1u)) axis++;
    if (numel == 0) { memset(out, 0, (size_t)nout * 4); return; }
    reduce_arg(op, dtype, (int32_t*)out, a, nd, shape, a_off, st, axis);
    return;
  }
  if (nout == 0) return;
  if (numel == 0) { fill_init(op, dtype, out, nout, false); return; }

  rdims r;
  build_dims(&r, nd, shape, st, mask);
  red_job j;
  memset(&j, 0, sizeof j);
  j.op = op; j.dtype = dtype; j.r = &r; j.o = out; j.a = a; j.a_off = a_off;
  const int nt = dl_num_threads();

  if (r.k == 0 || !r.red[r.k - 1]) {
    /* V (or no reduced dim at all: every slot gets one element) */
    fill_init(op, dtype, out, nout, true);
    if (r.k == 0) { /* single element */
      r.k = 1; r.n[0] = 1; r.sa[0] = 0; r.so[0] = 0; r.red[0] = false;
    }
    j.L = r.n[r.k - 1];
    j.ntasks = 1;
    if (nt > 1 && numel >= (1 << 18) && j.L >= 64 * nt) j.ntasks = nt;
    if (j.ntasks > 1) dl_parallel(j.ntasks, v_task, &j);
    else v_cols(&j, 0, j.L);
    return;
  }
  /* the last dim is reduced */
  j.L = r.n[r.k - 1];
  j.s = r.sa[r.k - 1];
  bool outer_all_kept = true;
  for (int d = 0; d < r.k - 1; d++) if (r.red[d]) outer_all_kept = false;
  if (!outer_all_kept) {
    fill_init(op, dtype, out, nout, true);
    h_general(&j, nout);
    return;
  }
  j.nouter = nout;
  if (nt <= 1 || numel < (1 << 17)) { h1_slots(&j, 0, nout); return; }
  if (nout >= 4 * nt) {
    j.ntasks = nt;
    dl_parallel(nt, h1_task, &j);
    return;
  }
  /* few slots: split each run */
  double dpart[64]; float fpart[64]; bool npart[64]; uint32_t ipart[64];
  j.ntasks = nt > 64 ? 64 : nt;
  j.dpart = dpart; j.fpart = fpart; j.npart = npart; j.ipart = ipart;
  const int64_t L = j.L;
  const bool is_max = op == RED_MAX;
  for (int64_t slot = 0; slot < nout; slot++) {
    /* slot's base offset: outer dims are kept and map to slot in row-major order */
    int64_t rem = slot, base = a_off;
    for (int d = r.k - 2; d >= 0; d--) { base += (rem % r.n[d]) * r.sa[d]; rem /= r.n[d]; }
    j.a_off = base;
    dl_parallel(j.ntasks, h1_split_task, &j);
    if (dtype == DL_F32) {
      float* o = (float*)out + slot;
      if (op == RED_SUM) {
        double s = 0.0;
        for (int64_t t = 0; t < j.ntasks; t++) s += dpart[t];
        *o = (float)s;
      } else {
        float v = is_max ? -INFINITY : INFINITY;
        bool nan = false;
        for (int64_t t = 0; t < j.ntasks; t++) { nan |= npart[t]; v = is_max ? (fpart[t] > v ? fpart[t] : v) : (fpart[t] < v ? fpart[t] : v); }
        if (nan) v = NAN;
        else if (v == 0.0f) {
          const float* ap = (const float*)a + base;
          for (int64_t k = 0; k < L; k++) if (ap[k * j.s] == 0.0f) { v = ap[k * j.s]; break; }
        }
        *o = v;
      }
    } else {
      int32_t* o = (int32_t*)out + slot;
      if (op == RED_SUM) {
        uint32_t s = 0;
        for (int64_t t = 0; t < j.ntasks; t++) s += ipart[t];
        *o = (int32_t)s;
      } else {
        int32_t v = is_max ? INT32_MIN : INT32_MAX;
        for (int64_t t = 0; t < j.ntasks; t++) { const int32_t p = (int32_t)ipart[t]; v = is_max ? (p > v ? p : v) : (p < v ? p : v); }
        *o = v;
      }
    }
  }
}

/* ---- argmax / argmin ------------------------------------------------------------------------- */

static int32_t arg_f32_run(const float* a, int64_t n, int64_t s, bool is_max) {
  float best = a[0];
  int64_t bi = 0;
  if (best != best) return 0;
  if (is_max) {
    for (int64_t i = 1; i < n; i++) {
      const float v = a[i * s];
      if (v != v) return (int32_t)i;
      if (v > best) { best = v; bi = i; }
    }
  } else {
    for (int64_t i = 1; i < n; i++) {
      const float v = a[i * s];
      if (v != v) return (int32_t)i;
      if (v < best) { best = v; bi = i; }
    }
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

static void reduce_arg(int op, int dtype, int32_t* out, const char* a, int nd, const int64_t* shape,
                       int64_t a_off, const int64_t* st, int axis) {
  const bool is_max = op == RED_ARGMAX;
  const int64_t L = shape[axis], s = st[axis];
  /* kept dims in order, merged where contiguous in a (out is contiguous over them) */
  int64_t kn[DL_MAXD], ks[DL_MAXD];
  int k = 0;
  for (int d = 0; d < nd; d++) {
    if (d == axis || shape[d] == 1) continue;
    if (k > 0 && ks[k - 1] == st[d] * shape[d]) { kn[k - 1] *= shape[d]; ks[k - 1] = st[d]; continue; }
    kn[k] = shape[d];
    ks[k] = st[d];
    k++;
  }
  int64_t nout = 1;
  for (int d = 0; d < k; d++) nout *= kn[d];
  if (k > 0 && ks[k - 1] == 1 && s != 1 && L > 1) {
    /* vertical: the innermost kept dim is contiguous in a; walk rows of the reduced axis */
    const int64_t C = kn[k - 1];
    const int64_t nrows = nout / C;
    float* bestf = NULL;
    int32_t* besti = NULL;
    if (dtype == DL_F32) bestf = (float*)malloc((size_t)C * sizeof(float));
    else besti = (int32_t*)malloc((size_t)C * sizeof(int32_t));
    if ((dtype == DL_F32 && bestf) || (dtype == DL_I32 && besti)) {
      int64_t idx[DL_MAXD];
      for (int d = 0; d < k - 1; d++) idx[d] = 0;
      int64_t base = a_off;
      for (int64_t row = 0; row < nrows; row++) {
        int32_t* o = out + row * C;
        if (dtype == DL_F32) {
          const float* a0 = (const float*)a + base;
          for (int64_t c = 0; c < C; c++) { bestf[c] = a0[c]; o[c] = 0; }
          for (int64_t r = 1; r < L; r++) {
            const float* ar = a0 + r * s;
            if (is_max) {
              for (int64_t c = 0; c < C; c++) {
                const float v = ar[c], b = bestf[c];
                const bool take = b == b && (v != v || v > b);
                bestf[c] = take ? v : b;
                o[c] = take ? (int32_t)r : o[c];
              }
            } else {
              for (int64_t c = 0; c < C; c++) {
                const float v = ar[c], b = bestf[c];
                const bool take = b == b && (v != v || v < b);
                bestf[c] = take ? v : b;
                o[c] = take ? (int32_t)r : o[c];
              }
            }
          }
        } else {
          const int32_t* a0 = (const int32_t*)a + base;
          for (int64_t c = 0; c < C; c++) { besti[c] = a0[c]; o[c] = 0; }
          for (int64_t r = 1; r < L; r++) {
            const int32_t* ar = a0 + r * s;
            for (int64_t c = 0; c < C; c++) {
              const int32_t v = ar[c];
              const bool take = is_max ? v > besti[c] : v < besti[c];
              besti[c] = take ? v : besti[c];
              o[c] = take ? (int32_t)r : o[c];
            }
          }
        }
        for (int d = k - 2; d >= 0; d--) {
          idx[d]++;
          base += ks[d];
          if (idx[d] < kn[d]) break;
          base -= ks[d] * kn[d];
          idx[d] = 0;
        }
      }
      free(bestf);
      free(besti);
      return;
    }
    free(bestf);
    free(besti);
  }
  /* horizontal: one run per out element */
  int64_t idx[DL_MAXD];
  for (int d = 0; d < k; d++) idx[d] = 0;
  int64_t base = a_off;
  for (int64_t i = 0; i < nout; i++) {
    out[i] = dtype == DL_F32 ? arg_f32_run((const float*)a + base, L, s, is_max)
                             : arg_i32_run((const int32_t*)a + base, L, s, is_max);
    for (int d = k - 1; d >= 0; d--) {
      idx[d]++;
      base += ks[d];
      if (idx[d] < kn[d]) break;
      base -= ks[d] * kn[d];
      idx[d] = 0;
    }
  }
}
