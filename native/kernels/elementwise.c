/* Elementwise kernels: unary, cast, binary, where, copy, fill. The arms of unary and binary are in
 * ops.h; this file holds the loops around them.
 *
 * Every kernel walks its views with dl_iter (dims coalesced, runs along the last dim); each run
 * takes a contiguous or scalar-broadcast fast path when it can. Outputs that overlap an input in
 * any way other than element-for-element (out === a) are computed one element at a time, in
 * order, on one thread, which is what the js backend does. */
#include <math.h>
#include <string.h>

#include "common.h"
#include "kernels.h"
#include "ops.h"
#include "vmath.h"
#include "transpose.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#define CHUNK 256 /* scratch size for strided runs of the double-computed ops */

/* ---- overlap analysis ------------------------------------------------------------------------ */

/* true when view v of `it` may touch memory that view 0 (the output) also touches, other than as the
 * very same element at the same iteration point */
static bool hazard(const dl_iter* it, const char* const* base, int v, int esize) {
  if (base[v] == NULL || base[0] == NULL) return false;
  int64_t lo0, hi0, lo1, hi1;
  dl_view_extent(it->nd, it->shape, it->off[0], it->st[0], &lo0, &hi0);
  dl_view_extent(it->nd, it->shape, it->off[v], it->st[v], &lo1, &hi1);
  const char* a0 = base[0] + lo0 * esize; const char* b0 = base[0] + (hi0 + 1) * esize;
  const char* a1 = base[v] + lo1 * esize; const char* b1 = base[v] + (hi1 + 1) * esize;
  if (b0 <= a1 || b1 <= a0) return false; /* disjoint */
  if (base[0] + it->off[0] * esize != base[v] + it->off[v] * esize) return true;
  for (int d = 0; d < it->nd; d++)
    if (it->st[0][d] != it->st[v][d]) return true;
  return false; /* identical views: element i reads and writes only element i */
}

static bool any_hazard(const dl_iter* it, const char* const* base, int esize) {
  for (int v = 1; v < it->nv; v++)
    if (hazard(it, base, v, esize)) return true;
  return false;
}

/* true when no two index tuples of the view reach the same element */
bool dl_view_nonoverlapping(int nd, const int64_t* shape, const int64_t* st) {
  int64_t s[DL_MAXD], n[DL_MAXD];
  int k = 0;
  for (int d = 0; d < nd; d++) {
    if (shape[d] == 0) return true;
    if (shape[d] == 1) continue;
    if (st[d] == 0) return false;
    s[k] = st[d] < 0 ? -st[d] : st[d];
    n[k] = shape[d];
    k++;
  }
  for (int i = 1; i < k; i++) /* insertion sort by |stride| */
    for (int j = i; j > 0 && s[j] < s[j - 1]; j--) {
      int64_t t = s[j]; s[j] = s[j - 1]; s[j - 1] = t;
      t = n[j]; n[j] = n[j - 1]; n[j - 1] = t;
    }
  int64_t reach = 0; /* largest offset reachable with the smaller strides */
  for (int i = 0; i < k; i++) {
    if (s[i] <= reach) return false;
    reach += s[i] * (n[i] - 1);
  }
  return true;
}

/* ---- 2-D transposes of 32-bit elements ------------------------------------------------------
 * o[i*so + j] = a[i + j*sa] for i < P, j < L: a is contiguous along i, o along j. In 16 x 16 blocks
 * every load and every store is one full cache line, whatever the strides. */

void dl_transpose_32(uint32_t* o, int64_t so, const uint32_t* a, int64_t sa, int64_t P, int64_t L) {
  int64_t j0 = 0;
#if defined(__AVX512F__)
  /* column blocks outer: the 16 input columns are read as 16 sequential streams */
  for (; j0 + 16 <= L; j0 += 16) {
    int64_t i0 = 0;
    for (; i0 + 16 <= P; i0 += 16) {
      __m512 r[16];
      for (int j = 0; j < 16; j++) r[j] = _mm512_loadu_ps((const float*)(a + i0 + (j0 + j) * sa));
      tr16(r);
      for (int k = 0; k < 16; k++) _mm512_storeu_ps((float*)(o + (i0 + k) * so + j0), r[k]);
    }
    for (int64_t i = i0; i < P; i++)
      for (int64_t j = j0; j < j0 + 16; j++) o[i * so + j] = a[i + j * sa];
  }
#elif defined(__AVX2__)
  for (; j0 + 8 <= L; j0 += 8) {
    int64_t i0 = 0;
    for (; i0 + 8 <= P; i0 += 8) {
      __m256 r[8];
      for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_ps((const float*)(a + i0 + (j0 + j) * sa));
      tr8(r);
      for (int k = 0; k < 8; k++) _mm256_storeu_ps((float*)(o + (i0 + k) * so + j0), r[k]);
    }
    for (int64_t i = i0; i < P; i++)
      for (int64_t j = j0; j < j0 + 8; j++) o[i * so + j] = a[i + j * sa];
  }
#endif
  for (; j0 < L; j0 += 8) {
    const int64_t j1 = j0 + 8 < L ? j0 + 8 : L;
    for (int64_t i0 = 0; i0 < P; i0 += 8) {
      const int64_t i1 = i0 + 8 < P ? i0 + 8 : P;
      for (int64_t i = i0; i < i1; i++)
        for (int64_t j = j0; j < j1; j++) o[i * so + j] = a[i + j * sa];
    }
  }
}

typedef struct {
  const dl_iter* it;
  char* o;
  const char* a;
  int p, nod;
  int od[DL_MAXD];
  int64_t nbp, units, ntasks;
} trans_job;

#define TB 64 /* columns (along the last dim) per unit of work */

static void trans_units(const trans_job* j, int64_t u0, int64_t u1) {
  const dl_iter* it = j->it;
  const int nd = it->nd, p = j->p;
  const int64_t L = it->shape[nd - 1], P = it->shape[p];
  for (int64_t u = u0; u < u1; u++) {
    int64_t rem = u / j->nbp;
    const int64_t pb = u % j->nbp;
    int64_t bo = it->off[0], ba = it->off[1];
    for (int k = j->nod - 1; k >= 0; k--) {
      const int d = j->od[k];
      const int64_t i = rem % it->shape[d];
      rem /= it->shape[d];
      bo += i * it->st[0][d];
      ba += i * it->st[1][d];
    }
    const int64_t j0 = pb * TB, n = L - j0 < TB ? L - j0 : TB;
    dl_transpose_32((uint32_t*)j->o + bo + j0, it->st[0][p], (const uint32_t*)j->a + ba + j0 * it->st[1][nd - 1],
                    it->st[1][nd - 1], P, n);
  }
}

static void trans_task(void* c, int64_t t) {
  const trans_job* j = (const trans_job*)c;
  trans_units(j, j->units * t / j->ntasks, j->units * (t + 1) / j->ntasks);
}

/* A 2-view copy of 32-bit elements where a is transposed relative to out: done in blocks.
 * Returns false (nothing done) when the layout does not fit. it must be coalesced. */
static bool try_transpose(const dl_iter* it, char* o, const char* a) {
  const int nd = it->nd;
  if (nd < 2 || it->nv != 2 || it->st[0][nd - 1] != 1 || it->shape[nd - 1] < 16) return false;
  const int64_t sl = it->st[1][nd - 1];
  if (sl < 16 && sl > -16) return false;
  int p = -1;
  for (int d = 0; d < nd - 1; d++)
    if (it->st[1][d] == 1 && it->shape[d] >= 16) p = d;
  if (p < 0) return false;
  trans_job j;
  j.it = it;
  j.o = o;
  j.a = a;
  j.p = p;
  j.nod = 0;
  int64_t nouter = 1;
  for (int d = 0; d < nd - 1; d++)
    if (d != p) { j.od[j.nod++] = d; nouter *= it->shape[d]; }
  j.nbp = (it->shape[nd - 1] + TB - 1) / TB;
  j.units = nouter * j.nbp;
  const int nt = dl_num_threads();
  if (nt > 1 && dl_iter_numel(it) >= (1 << 18) && j.units >= 2) {
    j.ntasks = j.units < nt ? j.units : nt;
    dl_parallel(j.ntasks, trans_task, &j);
  } else {
    trans_units(&j, 0, j.units);
  }
  return true;
}

/* ---- unary ----------------------------------------------------------------------------------- */

#define UN_LOOP(EXPR, IA, IO) for (int64_t i = 0; i < n; i++) { const T x = a[IA]; o[IO] = (EXPR); }
#define UN_F32_CONTIG(name, grain, F, I) case UN_##name: UN_LOOP(F, i, i) break;
#define UN_F32_STRIDED(name, grain, F, I) case UN_##name: UN_LOOP(F, i * sa, i * so) break;
#define UN_I32_CONTIG(name, grain, F, I) case UN_##name: UN_LOOP(I, i, i) break;
#define UN_I32_STRIDED(name, grain, F, I) case UN_##name: UN_LOOP(I, i * sa, i * so) break;
#define UN_GRAIN(name, grain, F, I) [UN_##name] = grain,
static const signed char un_grain[UN_COUNT] = { DL_UNARY_ARMS(UN_GRAIN) };

#define T float
static void un_f32_contig(int op, float* o, const float* a, int64_t n) { switch (op) { DL_UNARY_ARMS(UN_F32_CONTIG) } }
static void un_f32_strided(int op, float* o, const float* a, int64_t n, int64_t so, int64_t sa) {
  switch (op) { DL_UNARY_ARMS(UN_F32_STRIDED) }
}
#undef T
#define T int32_t
static void un_i32_contig(int op, int32_t* o, const int32_t* a, int64_t n) { switch (op) { DL_UNARY_ARMS(UN_I32_CONTIG) } }
static void un_i32_strided(int op, int32_t* o, const int32_t* a, int64_t n, int64_t so, int64_t sa) {
  switch (op) { DL_UNARY_ARMS(UN_I32_STRIDED) }
}
#undef T

typedef struct { int op; char* o; const char* a; bool ordered; } un_ctx;

static void un_f32_run(void* c, const int64_t* off, int64_t n, const int64_t* st) {
  const un_ctx* u = (const un_ctx*)c;
  float* o = (float*)u->o + off[0];
  const float* a = (const float*)u->a + off[1];
  const int64_t so = st[0], sa = st[1];
  if (so == 1 && sa == 1 && !u->ordered) un_f32_contig(u->op, o, a, n);
  else if (u->ordered || un_grain[u->op] == 18) un_f32_strided(u->op, o, a, n, so, sa);
  else { /* gather a chunk, apply the vectorised contiguous loop, scatter */
    float tmp[CHUNK];
    for (int64_t i0 = 0; i0 < n; i0 += CHUNK) {
      const int64_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
      const float* ap = a + i0 * sa;
      for (int64_t j = 0; j < m; j++) tmp[j] = ap[j * sa];
      if (so == 1) un_f32_contig(u->op, o + i0, tmp, m);
      else {
        un_f32_contig(u->op, tmp, tmp, m);
        float* op = o + i0 * so;
        for (int64_t j = 0; j < m; j++) op[j * so] = tmp[j];
      }
    }
  }
}

static void un_i32_run(void* c, const int64_t* off, int64_t n, const int64_t* st) {
  const un_ctx* u = (const un_ctx*)c;
  int32_t* o = (int32_t*)u->o + off[0];
  const int32_t* a = (const int32_t*)u->a + off[1];
  if (!u->ordered && st[0] == 1 && st[1] == 1) un_i32_contig(u->op, o, a, n);
  else un_i32_strided(u->op, o, a, n, st[0], st[1]);
}

void dl_unary(int op, int dtype, dl_iter* it, char* o, const char* a) {
  const char* base[2] = { o, a };
  dl_iter_coalesce(it);
  un_ctx c = { op, o, a, any_hazard(it, base, 4) };
  if (op == UN_copy && !c.ordered && try_transpose(it, o, a)) return;
  dl_run_fn fn = dtype == DL_F32 ? un_f32_run : un_i32_run;
  if (c.ordered) dl_iter_run(it, fn, &c, 0, false);
  else dl_iter_run_auto(it, fn, &c, (int64_t)1 << un_grain[op], true);
}

/* ---- cast ------------------------------------------------------------------------------------ */

typedef struct { int from, to; char* o; const char* a; bool ordered; } cast_ctx;

static void cast_run(void* c, const int64_t* off, int64_t n, const int64_t* st) {
  const cast_ctx* k = (const cast_ctx*)c;
  const int64_t so = st[0], sa = st[1];
  if (k->from == k->to) { /* 32-bit words either way */
    uint32_t* o = (uint32_t*)k->o + off[0];
    const uint32_t* a = (const uint32_t*)k->a + off[1];
    if (!k->ordered && so == 1 && sa == 1) memmove(o, a, (size_t)n * 4);
    else for (int64_t i = 0; i < n; i++) o[i * so] = a[i * sa];
  } else if (k->to == DL_F32) { /* int32 -> float32: round to nearest, like JS */
    float* o = (float*)k->o + off[0];
    const int32_t* a = (const int32_t*)k->a + off[1];
    if (!k->ordered && so == 1 && sa == 1) for (int64_t i = 0; i < n; i++) o[i] = (float)a[i];
    else for (int64_t i = 0; i < n; i++) o[i * so] = (float)a[i * sa];
  } else { /* float32 -> int32: truncate toward zero, wrap mod 2^32, NaN/Inf -> 0 (ToInt32) */
    int32_t* o = (int32_t*)k->o + off[0];
    const float* a = (const float*)k->a + off[1];
    if (!k->ordered && so == 1 && sa == 1) {
      for (int64_t i0 = 0; i0 < n; i0 += 1024) {
        const int64_t m = n - i0 < 1024 ? n - i0 : 1024;
        const float* ac = a + i0;
        int32_t* oc = o + i0;
        int bad = 0;
        for (int64_t i = 0; i < m; i++) bad |= !(ac[i] >= -2147483648.0f && ac[i] < 2147483648.0f);
        if (!bad) for (int64_t i = 0; i < m; i++) oc[i] = (int32_t)ac[i];
        else for (int64_t i = 0; i < m; i++) oc[i] = dl_toint32((double)ac[i]);
      }
    } else {
      for (int64_t i = 0; i < n; i++) o[i * so] = dl_toint32((double)a[i * sa]);
    }
  }
}

void dl_cast(int to, int from, dl_iter* it, char* o, const char* a) {
  const char* base[2] = { o, a };
  dl_iter_coalesce(it);
  cast_ctx c = { from, to, o, a, any_hazard(it, base, 4) };
  if (from == to && !c.ordered && try_transpose(it, o, a)) return;
  if (c.ordered) dl_iter_run(it, cast_run, &c, 1 << 18, false);
  else dl_iter_run_auto(it, cast_run, &c, 1 << 18, true);
}

/* ---- binary ---------------------------------------------------------------------------------- */

/* pow as Math.pow: NaN exponent gives NaN, and (+-1) ** (+-Inf) is NaN (C's pow says 1) */
static inline double js_pow(double x, double y) {
  if (x == 1.0) return 1.0; /* C's and PyTorch's pow(1, y), NaN and ±inf included */
  if (y != y) return NAN;
  if (isinf(y) && fabs(x) == 1.0) return NAN;
  return pow(x, y);
}

/* Python's % (torch.remainder): C's fmod moved onto the divisor's side, as PyTorch computes it */
static inline float dl_rem_f(float x, float y) {
  const float m = fmodf(x, y);
  return (m != 0.0f && ((y < 0.0f) != (m < 0.0f))) ? m + y : m;
}

/* int32 fmod and remainder. A zero divisor gives 0 (the op refuses it before the kernel runs;
 * JS's x % 0 is NaN, which an Int32Array store makes 0), and y = -1 gives 0 without computing
 * INT32_MIN % -1, which is undefined behaviour in C (and traps on x86) */
static inline int32_t dl_fmod_i32(int32_t x, int32_t y) {
  return (y == 0 || y == -1) ? 0 : x % y;
}

static inline int32_t dl_rem_i32(int32_t x, int32_t y) {
  const int32_t m = dl_fmod_i32(x, y);
  return (m != 0 && ((y < 0) != (m < 0))) ? m + y : m;
}

/* div with rounding_mode 'trunc' and 'floor' on int32. A zero divisor gives 0 (refused before the
 * kernel runs, as for fmod); INT32_MIN / -1 wraps to INT32_MIN (C's x / y is undefined there and
 * traps on x86, as PyTorch's kernel does) */
static inline int32_t dl_divtrunc_i32(int32_t x, int32_t y) {
  if (y == 0) return 0;
  return y == -1 ? (int32_t)(0u - (uint32_t)x) : x / y;
}

static inline int32_t dl_divfloor_i32(int32_t x, int32_t y) {
  const int32_t q = dl_divtrunc_i32(x, y);
  return (y != 0 && y != -1 && x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
}

/* div with rounding_mode 'floor' on float32: PyTorch's div_floor_floating, the quotient of the
 * exact a - fmod(a, b) (so 1 // 0.1 is 9, where floor(1 / 0.1) is 10), moved down when the
 * remainder's sign differs from b's; b = 0 gives a / b */
static inline float dl_divfloor_f(float a, float b) {
  if (b == 0.0f) return a / b;
  const float mod = fmodf(a, b);
  float div = (a - mod) / b;
  if (mod != 0.0f && ((b < 0.0f) != (mod < 0.0f))) div -= 1.0f;
  if (div == 0.0f) return copysignf(0.0f, a / b);
  float fl = floorf(div);
  if (div - fl > 0.5f) fl += 1.0f;
  return fl;
}

#define BIN_LOOPS(EXPR)                                                                          \
  if (so == 1 && sa == 1 && sb == 1) {                                                           \
    for (int64_t i = 0; i < n; i++) { const TI x = a[i], y = b[i]; o[i] = (TO)(EXPR); }          \
  } else if (so == 1 && sa == 1 && sb == 0) {                                                    \
    const TI y = b[0];                                                                           \
    for (int64_t i = 0; i < n; i++) { const TI x = a[i]; o[i] = (TO)(EXPR); }                    \
  } else if (so == 1 && sa == 0 && sb == 1) {                                                    \
    const TI x = a[0];                                                                           \
    for (int64_t i = 0; i < n; i++) { const TI y = b[i]; o[i] = (TO)(EXPR); }                    \
  } else {                                                                                       \
    for (int64_t i = 0; i < n; i++) { const TI x = a[i * sa], y = b[i * sb]; o[i * so] = (TO)(EXPR); } \
  }

/* ordered: always the element-at-a-time loop, as the js backend does it */
#define BIN_CASE(name, EXPR)                                                                     \
  case BIN_##name:                                                                               \
    if (ordered) { for (int64_t i = 0; i < n; i++) { const TI x = a[i * sa], y = b[i * sb]; o[i * so] = (TO)(EXPR); } } \
    else { BIN_LOOPS(EXPR) }                                                                     \
    break;

/* which arms each dtype pair compiles: comparisons for every pair, no int32 FLOAT op */
#define BIN_IF_CMP_CMP(...) __VA_ARGS__
#define BIN_IF_CMP_ARITH(...)
#define BIN_IF_CMP_FLOAT(...)
#define BIN_IF_INT_CMP(...) __VA_ARGS__
#define BIN_IF_INT_ARITH(...) __VA_ARGS__
#define BIN_IF_INT_FLOAT(...)
#define BIN_F32_ARM(name, kind, grain, F, I) BIN_CASE(name, F)
#define BIN_F32_CMP(name, kind, grain, F, I) BIN_IF_CMP_##kind(BIN_CASE(name, F))
#define BIN_I32_ARM(name, kind, grain, F, I) BIN_IF_INT_##kind(BIN_CASE(name, I))
#define BIN_I32_CMP(name, kind, grain, F, I) BIN_IF_CMP_##kind(BIN_CASE(name, I))
#define BIN_GRAIN(name, kind, grain, F, I) [BIN_##name] = grain,
static const signed char bin_grain[BIN_COUNT] = { DL_BINARY_ARMS(BIN_GRAIN) };

#define BIN_FN(NAME, ARMS)                                                                       \
  static void NAME(int op, TO* o, const TI* a, const TI* b, int64_t n, int64_t so, int64_t sa,   \
                   int64_t sb, bool ordered) {                                                   \
    switch (op) { DL_BINARY_ARMS(ARMS) }                                                         \
  }

#define TI float
#define TO float
BIN_FN(bin_f32, BIN_F32_ARM)
#undef TO
#define TO int32_t
BIN_FN(cmp_f32_i32, BIN_F32_CMP)
#undef TO
#undef TI
#define TI int32_t
#define TO int32_t
BIN_FN(bin_i32, BIN_I32_ARM)
#undef TO
#define TO float
BIN_FN(cmp_i32_f32, BIN_I32_CMP)
#undef TO
#undef TI

/* Outputs larger than the last-level cache are written with non-temporal stores: they bypass the
 * cache, so the output's lines are not first read from memory (a third less traffic for a + b);
 * smaller outputs stay in cache for the next op to read. */
#define STREAM_BYTES ((int64_t)32 << 20)

#if defined(__AVX2__)
#define STREAM_LOOP(VEXPR, EXPR)                                                                 \
  for (; i < n && ((uintptr_t)(o + i) & 31) != 0; i++) { const float x = a[i], y = b[i]; o[i] = (EXPR); } \
  for (; i + 8 <= n; i += 8) {                                                                   \
    const __m256 x = _mm256_loadu_ps(a + i), y = _mm256_loadu_ps(b + i);                         \
    _mm256_stream_ps(o + i, VEXPR);                                                              \
  }                                                                                              \
  for (; i < n; i++) { const float x = a[i], y = b[i]; o[i] = (EXPR); }

/* contiguous float32 add/sub/mul/div with streaming stores; false if op is not one of those */
static bool bin_f32_stream(int op, float* o, const float* a, const float* b, int64_t n) {
  int64_t i = 0;
  switch (op) {
    case BIN_add: STREAM_LOOP(_mm256_add_ps(x, y), x + y) break;
    case BIN_sub: STREAM_LOOP(_mm256_sub_ps(x, y), x - y) break;
    case BIN_mul: STREAM_LOOP(_mm256_mul_ps(x, y), x * y) break;
    case BIN_div: STREAM_LOOP(_mm256_div_ps(x, y), x / y) break;
    default: return false;
  }
  _mm_sfence(); /* streaming stores are weakly ordered: make them visible before the op returns */
  return true;
}
#undef STREAM_LOOP
#else
static bool bin_f32_stream(int op, float* o, const float* a, const float* b, int64_t n) { return false; }
#endif

typedef struct { int op, tin, tout; char* o; const char* a; const char* b; bool ordered, stream; } bin_ctx;

static void bin_run(void* c, const int64_t* off, int64_t n, const int64_t* st) {
  const bin_ctx* k = (const bin_ctx*)c;
  if (k->tin == DL_F32) {
    const float* a = (const float*)k->a + off[1];
    const float* b = (const float*)k->b + off[2];
    if (k->stream && st[0] == 1 && st[1] == 1 && st[2] == 1 && bin_f32_stream(k->op, (float*)k->o + off[0], a, b, n)) return;
    if (k->tout == DL_F32) bin_f32(k->op, (float*)k->o + off[0], a, b, n, st[0], st[1], st[2], k->ordered);
    else cmp_f32_i32(k->op, (int32_t*)k->o + off[0], a, b, n, st[0], st[1], st[2], k->ordered);
  } else {
    const int32_t* a = (const int32_t*)k->a + off[1];
    const int32_t* b = (const int32_t*)k->b + off[2];
    if (k->tout == DL_I32) bin_i32(k->op, (int32_t*)k->o + off[0], a, b, n, st[0], st[1], st[2], k->ordered);
    else cmp_i32_f32(k->op, (float*)k->o + off[0], a, b, n, st[0], st[1], st[2], k->ordered);
  }
}

void dl_binary(int op, int tout, int tin, dl_iter* it, char* o, const char* a, const char* b) {
  const char* base[3] = { o, a, b };
  dl_iter_coalesce(it);
  bin_ctx c = { op, tin, tout, o, a, b, any_hazard(it, base, 4), false };
  c.stream = !c.ordered && tin == DL_F32 && tout == DL_F32 && dl_iter_numel(it) * 4 >= STREAM_BYTES;
  if (c.ordered) dl_iter_run(it, bin_run, &c, 1 << 18, false);
  else dl_iter_run_auto(it, bin_run, &c, (int64_t)1 << bin_grain[op], true);
}

/* ---- where ----------------------------------------------------------------------------------- */

typedef struct { int tcond; char* o; const char* c; const char* a; const char* b; bool ordered; } where_ctx;

/* contiguous out; cond, a and b each contiguous or broadcast (stride 0): the strides are constants
 * in every instance, so each loop vectorises (a masked blend) */
#define WHERE_FAST(NAME, TC, TEST)                                                                  \
  static inline __attribute__((always_inline)) void NAME(uint32_t* o, const TC* c, const uint32_t* a, \
                                                         const uint32_t* b, int64_t n, const int sc,  \
                                                         const int sa, const int sb) {                \
    for (int64_t i = 0; i < n; i++) {                                                             \
      const uint32_t x = a[i * sa], y = b[i * sb]; /* both loaded: no branch, a blend */          \
      o[i] = (TEST(c[i * sc])) ? x : y;                                                           \
    }                                                                                             \
  }
#define NZ_F(v) ((v) != 0.0f)
#define NZ_I(v) ((v) != 0)
WHERE_FAST(where_fast_f, float, NZ_F)
WHERE_FAST(where_fast_i, int32_t, NZ_I)

#define WHERE_DISPATCH(FN)                                                                          \
  switch ((sc == 1) * 4 + (sa == 1) * 2 + (sb == 1)) {                                              \
    case 0: FN(o, c, a, b, n, 0, 0, 0); break;                                                      \
    case 1: FN(o, c, a, b, n, 0, 0, 1); break;                                                      \
    case 2: FN(o, c, a, b, n, 0, 1, 0); break;                                                      \
    case 3: FN(o, c, a, b, n, 0, 1, 1); break;                                                      \
    case 4: FN(o, c, a, b, n, 1, 0, 0); break;                                                      \
    case 5: FN(o, c, a, b, n, 1, 0, 1); break;                                                      \
    case 6: FN(o, c, a, b, n, 1, 1, 0); break;                                                      \
    default: FN(o, c, a, b, n, 1, 1, 1); break;                                                     \
  }

#define WHERE_LOOP(TEST, FN)                                                                        \
  if (!k->ordered && so == 1 && (sc == 0 || sc == 1) && (sa == 0 || sa == 1) && (sb == 0 || sb == 1)) { \
    WHERE_DISPATCH(FN)                                                                              \
  } else {                                                                                          \
    for (int64_t i = 0; i < n; i++) o[i * so] = (TEST(c[i * sc])) ? a[i * sa] : b[i * sb];          \
  }

static void where_run(void* ctx, const int64_t* off, int64_t n, const int64_t* st) {
  const where_ctx* k = (const where_ctx*)ctx;
  uint32_t* o = (uint32_t*)k->o + off[0];
  const uint32_t* a = (const uint32_t*)k->a + off[2];
  const uint32_t* b = (const uint32_t*)k->b + off[3];
  const int64_t so = st[0], sc = st[1], sa = st[2], sb = st[3];
  if (k->tcond == DL_F32) {
    const float* c = (const float*)k->c + off[1];
    WHERE_LOOP(NZ_F, where_fast_f)
  } else {
    const int32_t* c = (const int32_t*)k->c + off[1];
    WHERE_LOOP(NZ_I, where_fast_i)
  }
}

void dl_where(int tcond, dl_iter* it, char* o, const char* c, const char* a, const char* b) {
  const char* base[4] = { o, c, a, b };
  dl_iter_coalesce(it);
  where_ctx k = { tcond, o, c, a, b, any_hazard(it, base, 4) };
  if (k.ordered) dl_iter_run(it, where_run, &k, 1 << 18, false);
  else dl_iter_run_auto(it, where_run, &k, 1 << 18, true);
}

/* ---- copy / fill ----------------------------------------------------------------------------- */

typedef struct { int dtype; bool acc, ordered; char* o; const char* a; } copy_ctx;

static void copy_run(void* ctx, const int64_t* off, int64_t n, const int64_t* st) {
  const copy_ctx* k = (const copy_ctx*)ctx;
  const int64_t so = st[0], sa = st[1];
  if (!k->acc) {
    uint32_t* o = (uint32_t*)k->o + off[0];
    const uint32_t* a = (const uint32_t*)k->a + off[1];
    if (!k->ordered && so == 1 && sa == 1) memcpy(o, a, (size_t)n * 4);
    else if (!k->ordered && so == 1 && sa == 0) { const uint32_t v = a[0]; for (int64_t i = 0; i < n; i++) o[i] = v; }
    else for (int64_t i = 0; i < n; i++) o[i * so] = a[i * sa];
  } else if (k->dtype == DL_F32) {
    float* o = (float*)k->o + off[0];
    const float* a = (const float*)k->a + off[1];
    if (!k->ordered && so == 1 && sa == 1) for (int64_t i = 0; i < n; i++) o[i] += a[i];
    else for (int64_t i = 0; i < n; i++) o[i * so] += a[i * sa];
  } else {
    int32_t* o = (int32_t*)k->o + off[0];
    const int32_t* a = (const int32_t*)k->a + off[1];
    if (!k->ordered && so == 1 && sa == 1) for (int64_t i = 0; i < n; i++) o[i] = (int32_t)((uint32_t)o[i] + (uint32_t)a[i]);
    else for (int64_t i = 0; i < n; i++) o[i * so] = (int32_t)((uint32_t)o[i * so] + (uint32_t)a[i * sa]);
  }
}

void dl_copy(int dtype, bool acc, dl_iter* it, char* o, const char* a) {
  const char* base[2] = { o, a };
  bool ordered = !dl_view_nonoverlapping(it->nd, it->shape, it->st[0]);
  dl_iter_coalesce(it);
  ordered = ordered || any_hazard(it, base, 4);
  copy_ctx k = { dtype, acc, ordered, o, a };
  if (!acc && !ordered && try_transpose(it, o, a)) return;
  if (ordered) dl_iter_run(it, copy_run, &k, 1 << 18, false);
  else dl_iter_run_auto(it, copy_run, &k, 1 << 18, true);
}

typedef struct { uint32_t v; char* o; } fill_ctx;

static void fill_run(void* ctx, const int64_t* off, int64_t n, const int64_t* st) {
  const fill_ctx* k = (const fill_ctx*)ctx;
  uint32_t* o = (uint32_t*)k->o + off[0];
  const uint32_t v = k->v;
  const int64_t so = st[0];
  if (so == 1) for (int64_t i = 0; i < n; i++) o[i] = v;
  else for (int64_t i = 0; i < n; i++) o[i * so] = v;
}

void dl_fill(int dtype, dl_iter* it, char* o, double value) {
  fill_ctx k;
  k.o = o;
  if (dtype == DL_F32) { const float f = (float)value; memcpy(&k.v, &f, 4); }
  else { const int32_t i = dl_toint32(value); memcpy(&k.v, &i, 4); }
  dl_iter_coalesce(it);
  /* a self-overlapping out stays on one thread (no two threads write one element) */
  dl_iter_run(it, fill_run, &k, 1 << 18, dl_view_nonoverlapping(it->nd, it->shape, it->st[0]));
}

/* ---- random ---------------------------------------------------------------------------------- */

static inline uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

/* xoshiro128**, step for step as src/random.ts's fill (one chain of dependent steps: no threads),
 * ~6x faster than the JavaScript loop: dropout's masks */
void dl_random_uniform_f32(float* o, int64_t n, uint32_t* s) {
  uint32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
  for (int64_t i = 0; i < n; i++) {
    const uint32_t r = rotl32(s1 * 5u, 7) * 9u, t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl32(s3, 11);
    o[i] = (float)(r >> 8) * 0x1p-24f; /* the top 24 bits, exact: r·2^-32 rounded to float32 could be 1 */
  }
  s[0] = s0;
  s[1] = s1;
  s[2] = s2;
  s[3] = s3;
}
