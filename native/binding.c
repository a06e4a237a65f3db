/* N-API glue for the cpu backend: it reads a call's arguments, checks them, and calls a kernel.
 *
 * Validation lives here and only here (src/backend/native.ts packs arguments without checking
 * them). Before any kernel runs, every array is checked to be a Float32Array or Int32Array of the
 * dtype its op wants, not detached, with a view (nd, shape, offset, strides: integers in range)
 * of the shape its op wants, every element of which lies inside the array; op tags and scalars
 * are checked too. A bad call throws a JS Error ("cpu.binary(add): ...") and writes nothing.
 * Whether out may overlap an input is the kernels' business (kernels.h), not a check.
 *
 * Calling convention: an entry point takes ([tag,] ...arrays); all else is in one Float64Array,
 * "meta", registered by init(): the entry's scalars, then the view of each array that is not null
 * as nd, shape[nd], offset, strides[nd]. One reader (js_call) serves every entry of the table
 * at the bottom; an entry adds its own rules (check_*) and its kernel call (run_*). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>

#include "kernels/common.h"
#include "kernels/fused.h"
#include "kernels/kernels.h"
#include "kernels/ops.h"

#define META_LEN 512
#define MAXA 8                    /* most arrays a call takes */
#define MAXI ((int64_t)1 << 50)   /* bound of dims, offsets and strides */

/* in pool_v8.cc: a typed array over a pool block whose V8 deleter returns it to the pool */
napi_value dl_v8_alloc(napi_env env, int dtype, size_t n, int zero);
int dl_v8_release(napi_env env, napi_value value);
int dl_v8_step_end(int can_collect);
void dl_v8_pin_module(void);

typedef struct {
  double* meta; /* the registered Float64Array's storage (off-heap, never moves) */
  napi_ref meta_ref;
} inst_t;

typedef struct {
  const char* name;
  char* data;  /* NULL: detached (or an empty array) */
  int64_t len; /* elements */
  int dtype;   /* DL_F32 or DL_I32; -1: a null argument */
  int nd;
  int64_t shape[DL_MAXD], st[DL_MAXD], off;
} view_t;

#define MAXSC 13 /* scalars of a call: conv2d's 13 at most */
typedef struct entry entry_t;
typedef struct {
  napi_env env;
  const entry_t* e;
  const char* op; /* the tag's name, for messages */
  int tag;
  double sc[MAXSC];
  view_t v[MAXA];
} call_t;

struct entry {
  const char* name;
  const char* const* ops; /* when the first argument is a tag: its names */
  int nops;
  const entry_t* kinds;   /* and for fused() and attention(): the entry of each tag */
  int nscalars, nviews;
  const char* views[MAXA];
  unsigned optional;      /* bit i: array i may be null */
  bool (*check)(call_t*); /* dtypes, shapes, scalars */
  bool (*run)(call_t*);   /* the kernel (false: it failed, and said why) */
};

static napi_value throw_fmt(napi_env env, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, buf);
  return NULL;
}

/* Throws for a failed N-API call, with N-API's own message when it has one. */
static napi_value throw_status(napi_env env, const char* fn, napi_status st) {
  const napi_extended_error_info* info = NULL;
  napi_get_last_error_info(env, &info);
  return throw_fmt(env, "%s: N-API call failed (%d: %s)", fn, (int)st,
                   info && info->error_message ? info->error_message : "unknown");
}

#define NAPI(call)                                          \
  do {                                                      \
    napi_status st_ = (call);                               \
    if (st_ != napi_ok) return throw_status(env, fn, st_);  \
  } while (0)

/* throws "cpu.<entry>(<op>): <message>"; returns false */
static bool fail(const call_t* c, const char* fmt, ...) {
  char buf[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (c->op) throw_fmt(c->env, "cpu.%s(%s): %s", c->e->name, c->op, buf);
  else throw_fmt(c->env, "cpu.%s: %s", c->e->name, buf);
  return false;
}

/* ---- the reader ------------------------------------------------------------------------------ */

/* next meta value as an integer in [lo, hi] */
static bool rd(const call_t* c, const double** m, const double* end, int64_t lo, int64_t hi, int64_t* out,
               const char* view, const char* what) {
  *out = lo;
  if (*m >= end) return fail(c, "too many dims (meta overflow)");
  const double v = *(*m)++;
  if (!(v >= (double)lo && v <= (double)hi) || v != floor(v))
    return fail(c, "view '%s': %s must be an integer in [%lld, %lld], got %g", view, what, (long long)lo, (long long)hi, v);
  *out = (int64_t)v;
  return true;
}

static bool read_view(call_t* c, napi_value arg, view_t* v, const double** m, const double* end, bool optional) {
  napi_typedarray_type type;
  napi_valuetype vt;
  size_t length = 0;
  void* data = NULL;
  if (napi_get_typedarray_info(c->env, arg, &type, &length, &data, NULL, NULL) != napi_ok) {
    if (napi_typeof(c->env, arg, &vt) == napi_ok && (vt == napi_null || vt == napi_undefined)) {
      v->dtype = -1;
      v->data = NULL;
      return optional || fail(c, "'%s' is required", v->name);
    }
    type = napi_uint8_array;
  }
  if (type != napi_float32_array && type != napi_int32_array) return fail(c, "'%s' must be a Float32Array or Int32Array", v->name);
  v->dtype = type == napi_float32_array ? DL_F32 : DL_I32;
  v->data = (char*)data;
  v->len = data ? (int64_t)length : 0; /* a detached buffer reports no data */
  int64_t nd;
  if (!rd(c, m, end, 0, DL_MAXD, &nd, v->name, "ndim")) return false;
  v->nd = (int)nd;
  for (int d = 0; d < v->nd; d++)
    if (!rd(c, m, end, 0, MAXI, &v->shape[d], v->name, "a dim")) return false;
  if (!rd(c, m, end, 0, MAXI, &v->off, v->name, "the offset")) return false;
  for (int d = 0; d < v->nd; d++)
    if (!rd(c, m, end, -MAXI, MAXI, &v->st[d], v->name, "a stride")) return false;
  return true;
}

static int64_t numel(const view_t* v) {
  int64_t n = 1;
  for (int d = 0; d < v->nd; d++) n *= v->shape[d];
  return n;
}

/* every element the view can reach lies inside its array */
static bool in_bounds(const call_t* c, const view_t* v) {
  double lo = (double)v->off, hi = (double)v->off, n = 1;
  for (int d = 0; d < v->nd; d++) {
    n *= (double)v->shape[d];
    const double e = (double)v->st[d] * (double)(v->shape[d] - 1);
    if (e < 0) lo += e; else hi += e;
  }
  if (n == 0) return true;
  if (n > 1e15) return fail(c, "view '%s' has too many elements", v->name);
  if (v->data == NULL) return fail(c, "the buffer of '%s' is detached", v->name);
  if (lo < 0 || hi >= (double)v->len)
    return fail(c, "view '%s' reaches elements %.0f..%.0f but its array has %lld", v->name, lo, hi, (long long)v->len);
  return true;
}

/* reads, checks and runs one call of the entry that is the callback's data */
static napi_value js_call(napi_env env, napi_callback_info info) {
  call_t c;
  size_t argc = MAXA + 1;
  napi_value argv[MAXA + 1];
  void* data = NULL;
  inst_t* inst = NULL;
  c.env = env;
  c.op = NULL;
  c.tag = 0;
  napi_status st = napi_get_cb_info(env, info, &argc, argv, NULL, &data);
  if (st != napi_ok) return throw_status(env, "cpu", st);
  c.e = (const entry_t*)data;
  if (napi_get_instance_data(env, (void**)&inst) != napi_ok || !inst || !inst->meta)
    return fail(&c, "native backend not initialised"), NULL;
  size_t first = 0;
  if (c.e->ops) {
    int32_t t = -1;
    if (argc < 1 || napi_get_value_int32(env, argv[0], &t) != napi_ok || t < 0 || t >= c.e->nops)
      return fail(&c, "bad op tag"), NULL;
    c.tag = t;
    c.op = c.e->ops[t];
    if (c.e->kinds) c.e = &c.e->kinds[t];
    first = 1;
  }
  const entry_t* e = c.e;
  const double *m = inst->meta, *end = inst->meta + META_LEN;
  for (int i = 0; i < e->nscalars; i++) c.sc[i] = m[i];
  m += e->nscalars;
  for (int i = 0; i < e->nviews; i++) {
    const bool optional = (e->optional >> i) & 1u;
    c.v[i].name = e->views[i];
    if (first + i < argc) {
      if (!read_view(&c, argv[first + i], &c.v[i], &m, end, optional)) return NULL;
    } else if (optional) { /* left out: like null */
      c.v[i].dtype = -1;
      c.v[i].data = NULL;
    } else {
      return fail(&c, "expected %d arrays, got %d", e->nviews, (int)(argc - first)), NULL;
    }
  }
  if (!e->check(&c)) return NULL;
  for (int i = 0; i < e->nviews; i++)
    if (c.v[i].dtype >= 0 && !in_bounds(&c, &c.v[i])) return NULL;
  if (!e->run(&c)) return NULL;
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/* ---- rules shared by the entries ------------------------------------------------------------- */

static const char* const dtype_names[] = { "float32", "int32" };

static bool want_dtype(const call_t* c, int i, int dt) {
  if (c->v[i].dtype == dt) return true;
  return fail(c, "'%s' must be %s, got %s", c->v[i].name, dtype_names[dt], dtype_names[c->v[i].dtype]);
}

static void fmt_shape(char* buf, size_t cap, int nd, const int64_t* shape) {
  size_t w = (size_t)snprintf(buf, cap, "[");
  for (int d = 0; d < nd && w < cap; d++) w += (size_t)snprintf(buf + w, cap - w, "%s%lld", d ? ", " : "", (long long)shape[d]);
  if (w < cap) snprintf(buf + w, cap - w, "]");
}

static bool want_shape(const call_t* c, int i, int nd, const int64_t* shape) {
  const view_t* v = &c->v[i];
  if (v->nd != nd) return fail(c, "view '%s' has %d dims, expected %d", v->name, v->nd, nd);
  if (memcmp(v->shape, shape, (size_t)nd * sizeof(int64_t)) == 0) return true;
  char got[200], want[200];
  fmt_shape(got, sizeof got, nd, v->shape);
  fmt_shape(want, sizeof want, nd, shape);
  return fail(c, "view '%s' has shape %s, expected %s", v->name, got, want);
}

/* every array has out's shape (elementwise entries) */
static bool same_shapes(const call_t* c) {
  for (int i = 1; i < c->e->nviews; i++)
    if (!want_shape(c, i, c->v[0].nd, c->v[0].shape)) return false;
  return true;
}

/* views v[ix[0..n)] walked over the shape of v[s]; returns the element count */
static int64_t iter_of(dl_iter* it, const call_t* c, int s, int n, const int* ix) {
  it->nd = c->v[s].nd;
  it->nv = n;
  memcpy(it->shape, c->v[s].shape, sizeof it->shape);
  for (int k = 0; k < n; k++) {
    it->off[k] = c->v[ix[k]].off;
    memcpy(it->st[k], c->v[ix[k]].st, sizeof it->st[k]);
  }
  return numel(&c->v[s]);
}

static const int IN_ORDER[MAXA] = { 0, 1, 2, 3, 4, 5, 6, 7 };

/* whole numbers in [lo, 2^31): window sizes, strides, paddings, image sizes, dims */
static bool whole(const call_t* c, int from, int to, double lo) {
  for (int i = from; i < to; i++)
    if (!(c->sc[i] >= lo && c->sc[i] <= 2147483647.0 && c->sc[i] == floor(c->sc[i]))) return fail(c, "bad window scalar %d", i);
  return true;
}

/* ---- elementwise ----------------------------------------------------------------------------- */

static bool check_unary(call_t* c) { return want_dtype(c, 1, c->v[0].dtype) && same_shapes(c); }
static bool check_cast(call_t* c) { return same_shapes(c); }
static bool check_where(call_t* c) { return want_dtype(c, 2, c->v[0].dtype) && want_dtype(c, 3, c->v[0].dtype) && same_shapes(c); }
static bool check_copy(call_t* c) { return want_dtype(c, 1, c->v[0].dtype) && same_shapes(c) && (c->sc[0] == 0 || c->sc[0] == 1 || fail(c, "accumulate must be 0 or 1")); }

static bool check_binary(call_t* c) {
  const int kind = dl_binary_kind[c->tag];
  if (!want_dtype(c, 2, c->v[1].dtype) || (kind != DL_CMP && !want_dtype(c, 0, c->v[1].dtype))) return false;
  if (kind == DL_FLOAT && c->v[1].dtype == DL_I32) return fail(c, "integer division is not a kernel");
  return same_shapes(c);
}

static bool run_unary(call_t* c) {
  dl_iter it;
  if (iter_of(&it, c, 0, 2, IN_ORDER)) dl_unary(c->tag, c->v[0].dtype, &it, c->v[0].data, c->v[1].data);
  return true;
}
static bool run_cast(call_t* c) {
  dl_iter it;
  if (iter_of(&it, c, 0, 2, IN_ORDER)) dl_cast(c->v[0].dtype, c->v[1].dtype, &it, c->v[0].data, c->v[1].data);
  return true;
}
static bool run_binary(call_t* c) {
  dl_iter it;
  if (iter_of(&it, c, 0, 3, IN_ORDER)) dl_binary(c->tag, c->v[0].dtype, c->v[1].dtype, &it, c->v[0].data, c->v[1].data, c->v[2].data);
  return true;
}
static bool run_where(call_t* c) {
  dl_iter it;
  if (iter_of(&it, c, 0, 4, IN_ORDER)) dl_where(c->v[1].dtype, &it, c->v[0].data, c->v[1].data, c->v[2].data, c->v[3].data);
  return true;
}
static bool run_copy(call_t* c) {
  dl_iter it;
  if (iter_of(&it, c, 0, 2, IN_ORDER)) dl_copy(c->v[0].dtype, c->sc[0] != 0, &it, c->v[0].data, c->v[1].data);
  return true;
}
static bool run_fill(call_t* c) {
  dl_iter it;
  if (iter_of(&it, c, 0, 1, IN_ORDER)) dl_fill(c->v[0].dtype, &it, c->v[0].data, c->sc[0]);
  return true;
}

/* ---- reduce: sc[0] is the mask of reduced dims ----------------------------------------------- */

static bool check_reduce(call_t* c) {
  const view_t* a = &c->v[1];
  const bool arg = dl_reduce_kind[c->tag].kind == DL_ARG;
  if (!want_dtype(c, 0, arg ? DL_I32 : a->dtype)) return false;
  const double mask = c->sc[0];
  if (!(mask >= 0 && mask < ldexp(1.0, a->nd) && mask == floor(mask))) return fail(c, "bad axes mask %g for %d dims", mask, a->nd);
  int64_t shape[DL_MAXD];
  int nred = 0;
  for (int d = 0; d < a->nd; d++) {
    const bool red = ((uint32_t)mask >> d) & 1u;
    nred += red;
    shape[d] = red ? 1 : a->shape[d];
  }
  if (arg && nred != 1) return fail(c, "exactly one axis must be reduced");
  return want_shape(c, 0, a->nd, shape);
}

static bool run_reduce(call_t* c) {
  dl_iter it;
  iter_of(&it, c, 1, 2, IN_ORDER); /* out's strides along the reduced dims do not matter */
  if (dl_reduce(c->tag, c->v[1].dtype, (uint32_t)c->sc[0], &it, c->v[0].data, c->v[1].data) < 0) return fail(c, "out of memory");
  return true;
}

/* ---- matmul: out, a, b, bias (or null) ------------------------------------------------------- */

static bool check_matmul(call_t* c) {
  for (int i = 0; i < 4; i++)
    if (c->v[i].dtype >= 0 && !want_dtype(c, i, DL_F32)) return false;
  const view_t *a = &c->v[1], *b = &c->v[2];
  const int nd = a->nd;
  if (nd < 2 || b->nd != nd || c->v[0].nd != nd) return fail(c, "need a, b and out with the same number (>= 2) of dims");
  const bool inner = b->shape[nd - 2] == a->shape[nd - 1];
  if (!inner || memcmp(a->shape, b->shape, (size_t)(nd - 2) * sizeof(int64_t)) != 0) {
    char sa[200], sb[200];
    fmt_shape(sa, sizeof sa, nd, a->shape);
    fmt_shape(sb, sizeof sb, nd, b->shape);
    return fail(c, "%s dims differ: %s @ %s", inner ? "batch" : "inner", sa, sb);
  }
  int64_t shape[DL_MAXD];
  memcpy(shape, a->shape, sizeof shape);
  shape[nd - 1] = b->shape[nd - 1];
  if (!want_shape(c, 0, nd, shape)) return false;
  return c->v[3].dtype < 0 || want_shape(c, 3, 1, &b->shape[nd - 1]);
}

static bool run_matmul(call_t* c) {
  const view_t *o = &c->v[0], *a = &c->v[1], *b = &c->v[2], *bias = &c->v[3];
  const int nd = a->nd;
  int64_t shape[DL_MAXD + 1]; /* batch dims, M, K, N */
  memcpy(shape, a->shape, (size_t)nd * sizeof(int64_t));
  shape[nd] = b->shape[nd - 1];
  const bool has_bias = bias->dtype >= 0;
  if (dl_matmul(o->data, a->data, b->data, nd, shape, o->off, o->st, a->off, a->st, b->off, b->st,
                has_bias ? (const float*)bias->data + bias->off : NULL, has_bias ? bias->st[0] : 0) < 0)
    return fail(c, "out of memory");
  return true;
}

/* ---- gather (out, a, index) and scatterAdd (out, index, src): sc[0] is dim; scatterAdd's sc[1]
 * is fresh (1: out's contents are unspecified, it gets zeros plus the adds; out must be contiguous) */

/* index (view ix) has the shape of view `same`, and fits inside view `big` outside dim */
static bool check_along(call_t* c, int ix, int same, int big) {
  const view_t *x = &c->v[ix], *g = &c->v[big];
  if (!want_dtype(c, big ? big : same, c->v[0].dtype) || !want_dtype(c, ix, DL_I32) || !want_shape(c, same, x->nd, x->shape))
    return false;
  if (x->nd < 1 || g->nd != x->nd) return fail(c, "'%s' must have the %d dims of index (at least 1)", g->name, x->nd);
  const double dim = c->sc[0];
  if (!(dim >= 0 && dim < x->nd && dim == floor(dim))) return fail(c, "bad dim %g", dim);
  if (numel(x) == 0) return true;
  for (int d = 0; d < x->nd; d++)
    if (d != (int)dim && x->shape[d] > g->shape[d]) return fail(c, "index is larger than %s along dim %d", g->name, d);
  if (g->shape[(int)dim] == 0) return fail(c, "index out of range (%s has size 0 along dim %d)", g->name, (int)dim);
  return true;
}

static bool check_gather(call_t* c) { return check_along(c, 2, 0, 1); }
/* a view whose elements are one run in row-major order */
static bool contiguous(const view_t* v) {
  for (int64_t d = v->nd - 1, s = 1; d >= 0; s *= v->shape[d--])
    if (v->shape[d] != 1 && v->st[d] != s) return false;
  return true;
}

static bool check_scatter(call_t* c) {
  if (!check_along(c, 1, 2, 0)) return false;
  if (c->sc[1] != 0 && c->sc[1] != 1) return fail(c, "fresh must be 0 or 1, got %g", c->sc[1]);
  if (c->sc[1] != 0 && !contiguous(&c->v[0])) return fail(c, "a fresh 'out' must be contiguous");
  return true;
}

static bool bad_index(call_t* c, const view_t* g) {
  const int dim = (int)c->sc[0];
  return fail(c, "index out of range [0, %lld) along dim %d", (long long)g->shape[dim], dim);
}

static bool run_gather(call_t* c) { /* walks (out, index, a with stride 0 along dim) */
  const int dim = (int)c->sc[0], ix[3] = { 0, 2, 1 };
  const view_t* a = &c->v[1];
  dl_iter it;
  if (!iter_of(&it, c, 0, 3, ix)) return true;
  it.st[2][dim] = 0;
  return dl_gather(&it, c->v[0].data, a->data, (const int32_t*)c->v[2].data, a->st[dim], a->shape[dim]) == 0 || bad_index(c, a);
}

static bool run_scatter(call_t* c) { /* walks (index, src, out with stride 0 along dim) */
  const int dim = (int)c->sc[0], ix[3] = { 1, 2, 0 };
  const view_t* o = &c->v[0];
  char* fresh = c->sc[1] != 0 ? (char*)o->data + o->off * 4 : NULL;
  dl_iter it;
  iter_of(&it, c, 1, 3, ix); /* an empty index still zeroes a fresh out */
  it.st[2][dim] = 0;
  return dl_scatter_add(o->dtype, &it, o->data, (const int32_t*)c->v[1].data, c->v[2].data, o->st[dim], o->shape[dim], fresh,
                        fresh ? numel(o) : 0) == 0 ||
         bad_index(c, o);
}

/* ---- scan (out, a, indices or null): sc = op, dim, reverse; sort (values, indices, a): sc = dim,
 * descending. Every view has a's shape; out/values a's dtype, indices int32. -------------------- */

static bool check_dim_flag(call_t* c, int dim_at, int flag_at, int nd) {
  const double dim = c->sc[dim_at], flag = c->sc[flag_at];
  if (!(dim >= 0 && dim < nd && dim == floor(dim))) return fail(c, "bad dim %g for %d dims", dim, nd);
  return flag == 0 || flag == 1 || fail(c, "the flag must be 0 or 1");
}

static bool check_scan(call_t* c) {
  const view_t* a = &c->v[1];
  const double op = c->sc[0];
  if (!(op >= 0 && op < DL_SCAN_COUNT && op == floor(op))) return fail(c, "bad scan op %g", op);
  if (!check_dim_flag(c, 1, 2, a->nd) || !want_dtype(c, 0, a->dtype) || !want_shape(c, 0, a->nd, a->shape)) return false;
  if (op == DL_SCAN_LOGCUMSUMEXP && !want_dtype(c, 1, DL_F32)) return false;
  const bool extreme = op == DL_SCAN_CUMMAX || op == DL_SCAN_CUMMIN;
  if (!extreme) return c->v[2].dtype < 0 || fail(c, "'indices' is only for cummax and cummin");
  if (c->v[2].dtype < 0) return fail(c, "'indices' is required for cummax and cummin");
  return want_dtype(c, 2, DL_I32) && want_shape(c, 2, a->nd, a->shape);
}

static bool run_scan(call_t* c) {
  const view_t *o = &c->v[0], *a = &c->v[1], *ix = &c->v[2];
  const bool has_ix = ix->dtype >= 0;
  if (numel(a) == 0) return true;
  if (dl_scan((int)c->sc[0], a->dtype, c->sc[2] != 0, a->nd, a->shape, (int)c->sc[1], o->data, o->off, o->st, a->data, a->off, a->st,
              has_ix ? (int32_t*)ix->data : NULL, has_ix ? ix->off : 0, has_ix ? ix->st : NULL) < 0)
    return fail(c, "out of memory");
  return true;
}

/* random(out, state): out float32 and contiguous, state four int32 words (the generator's) */
static bool check_random(call_t* c) {
  const view_t *o = &c->v[0], *st = &c->v[1];
  if (!want_dtype(c, 0, DL_F32) || !want_dtype(c, 1, DL_I32)) return false;
  if (!contiguous(o)) return fail(c, "view 'out' is not contiguous");
  if (st->nd != 1 || st->shape[0] != 4) return fail(c, "the state must be 4 int32 words");
  return true;
}

static bool run_random(call_t* c) {
  const view_t *o = &c->v[0], *st = &c->v[1];
  dl_random_uniform_f32((float*)o->data + o->off, numel(o), (uint32_t*)st->data + st->off);
  return true;
}

static bool check_sort(call_t* c) {
  const view_t* a = &c->v[2];
  return check_dim_flag(c, 0, 1, a->nd) && want_dtype(c, 0, a->dtype) && want_dtype(c, 1, DL_I32) &&
         want_shape(c, 0, a->nd, a->shape) && want_shape(c, 1, a->nd, a->shape);
}

static bool run_sort(call_t* c) {
  const view_t *o = &c->v[0], *ix = &c->v[1], *a = &c->v[2];
  if (numel(a) == 0) return true;
  if (dl_sort(a->dtype, c->sc[1] != 0, a->nd, a->shape, (int)c->sc[0], o->data, o->off, o->st, (int32_t*)ix->data, ix->off, ix->st,
              a->data, a->off, a->st) < 0)
    return fail(c, "out of memory");
  return true;
}

/* ---- fused kernels --------------------------------------------------------------------------- */

/* scale > 0 and causal rows L that divide rows */
static bool check_softmax(call_t* c, int64_t rows, int64_t n) {
  const double scale = c->sc[1], L = c->sc[2];
  if (!(scale > 0 && scale < 3.4e38)) return fail(c, "scale must be positive and finite");
  if (!(L >= 0 && L == floor(L) && L <= (double)rows) || (L > 0 && rows % (int64_t)L != 0))
    return fail(c, "causal rows %g do not divide %lld rows", L, (long long)rows);
  return true;
}

/* maxPoolIndices: whole numbers, a window that fits, and n = OH·OW */
static bool check_pool(call_t* c, int64_t rows, int64_t n) {
  /* H and W may be 0; kernel and stride at least 1 */
  if (!whole(c, 0, 2, 0) || !whole(c, 2, 6, 1)) return false;
  const int64_t H = (int64_t)c->sc[0], W = (int64_t)c->sc[1], kh = (int64_t)c->sc[2], kw = (int64_t)c->sc[3];
  if (kh > H || kw > W)
    return fail(c, "window %lldx%lld is larger than the plane %lldx%lld", (long long)kh, (long long)kw, (long long)H, (long long)W);
  if ((double)H * (double)W > 2147483647.0) return fail(c, "plane too large for int32 indices");
  if ((double)rows * (double)H * (double)W > 1e15) return fail(c, "too many elements");
  const int64_t oh = (H - kh) / (int64_t)c->sc[4] + 1, ow = (W - kw) / (int64_t)c->sc[5] + 1;
  if (oh * ow != n) return fail(c, "n = %lld but the windows give %lld", (long long)n, (long long)(oh * ow));
  return true;
}

/* the window of im2col, col2im and conv2d (sc = N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw): whole
 * numbers, a window that fits the padded input; its output size OH x OW */
static bool conv_window(call_t* c, int64_t* oh, int64_t* ow) {
  /* N, C, H, W and the padding may be 0; kernel, stride and dilation at least 1 */
  if (!whole(c, 0, 4, 0) || !whole(c, 4, 8, 1) || !whole(c, 8, 10, 0) || !whole(c, 10, 12, 1)) return false;
  const double* s = c->sc;
  if (s[0] * s[1] * s[2] * s[3] > 1e15) return fail(c, "too many elements");
  const int64_t H = (int64_t)s[2], W = (int64_t)s[3], kh = (int64_t)s[4], kw = (int64_t)s[5];
  const int64_t sh = (int64_t)s[6], sw = (int64_t)s[7], ph = (int64_t)s[8], pw = (int64_t)s[9];
  /* the span of a dilated window, d·(k - 1) + 1 (whole() bounds every scalar to int32) */
  const int64_t eh = (int64_t)s[10] * (kh - 1) + 1, ew = (int64_t)s[11] * (kw - 1) + 1;
  if (eh > H + 2 * ph || ew > W + 2 * pw) return fail(c, "window larger than the padded input");
  *oh = (H + 2 * ph - eh) / sh + 1;
  *ow = (W + 2 * pw - ew) / sw + 1;
  return true;
}

/* im2col/col2im: the window, rows = C·kh·kw, n = N·OH·OW */
static bool check_conv(call_t* c, int64_t rows, int64_t n) {
  int64_t oh, ow;
  if (!conv_window(c, &oh, &ow)) return false;
  const int64_t N = (int64_t)c->sc[0], C = (int64_t)c->sc[1], kh = (int64_t)c->sc[4], kw = (int64_t)c->sc[5];
  if ((double)C * kh * kw != (double)rows || (double)N * oh * ow != (double)n)
    return fail(c, "columns [%lld, %lld] do not match the window's [%lld, %lld]", (long long)rows, (long long)n,
                (long long)(C * kh * kw), (long long)(N * oh * ow));
  return true;
}

/* conv2d and its backward: the window, then OC (scalar 12) at least 1, at least one input channel,
 * and the array `like` (y or g) holds N·OC·OH·OW elements */
static bool check_conv2d(call_t* c, int64_t rows, int64_t n) {
  int64_t oh, ow;
  if (!conv_window(c, &oh, &ow) || !whole(c, 12, 13, 1)) return false;
  const double* s = c->sc;
  if (s[12] * s[1] * s[4] * s[5] > 1e15) return fail(c, "too many elements");
  if (s[1] == 0) return fail(c, "no input channels");
  const double N = s[0], OC = s[12];
  if ((double)rows * (double)n != N * OC * (double)(oh * ow))
    return fail(c, "output of %lld elements does not match the window's [%lld, %lld, %lld, %lld]", (long long)(rows * n),
                (long long)N, (long long)OC, (long long)oh, (long long)ow);
  return true;
}

/* fused(kind, ...arrays): every array is a contiguous window of float32 (F_I32: int32) whose size
 * follows from rows and n, where n is the last dim of the array `like` and rows·n its element
 * count: rows·n (SZ_RN), rows, n, (SZ_P) rows times the first two scalars (a plane of
 * maxPoolIndices' input), (SZ_X4) the product of the first four (im2col's input), (SZ_CW) scalar 12
 * times C·kh·kw (conv2d's weight) or (SZ_OC) scalar 12 (its bias); F_OPT: may be
 * null. This list is the whole contract: name, like, scalars, extra check, the kernel call (an
 * int: < 0 is out of memory), the arrays. Its names must be FUSED_KERNELS of src/prims.ts. */
enum { SZ_RN, SZ_R, SZ_N, SZ_P, SZ_X4, SZ_CW, SZ_OC, SZ_MASK = 7, F_OPT = 8, F_I32 = 16 };
#define OK(call) ((call), 0)
#define DL_FUSED_ARMS(X)                                                                                        \
  /* scalars: log, scale (> 0), causal rows L (0: none; else rows is a multiple of L) */                        \
  X(softmax, 1, 3, check_softmax, OK(dl_softmax_f32(p[0], p[1], rows, n, c->sc[0] != 0, c->sc[1], iv[2])),     \
    SZ_RN, SZ_RN)                                                                                               \
  X(softmaxBackward, 2, 3, check_softmax,                                                                       \
    OK(dl_softmax_backward_f32(p[0], p[1], p[2], rows, n, c->sc[0] != 0, c->sc[1], iv[2])), SZ_RN, SZ_RN, SZ_RN) \
  X(layerNorm, 3, 1, NULL, OK(dl_layernorm_f32(p[0], p[1], p[2], p[3], p[4], p[5], rows, n, c->sc[0])),         \
    SZ_RN, SZ_R, SZ_R, SZ_RN, SZ_N | F_OPT, SZ_N | F_OPT)                                                       \
  X(layerNormBackward, 4, 0, NULL, dl_layernorm_backward_f32(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], rows, n), \
    SZ_RN, SZ_N | F_OPT, SZ_N | F_OPT, SZ_RN, SZ_RN, SZ_R, SZ_R, SZ_N | F_OPT)                                  \
  X(gelu, 1, 0, NULL, OK(dl_gelu_f32(p[0], p[1], rows * n)), SZ_RN, SZ_RN)                                      \
  X(geluBackward, 2, 0, NULL, OK(dl_gelu_backward_f32(p[0], p[1], p[2], rows * n)), SZ_RN, SZ_RN, SZ_RN)        \
  /* scalars: lr, beta1, beta2, eps, weightDecay, decoupled, step */                                            \
  X(adam, 0, 7, NULL,                                                                                           \
    OK(dl_adam_f32(p[0], p[1], p[2], p[3], rows * n, c->sc[0], c->sc[1], c->sc[2], c->sc[3], c->sc[4],          \
                   c->sc[5] != 0, c->sc[6])), SZ_RN, SZ_RN, SZ_RN, SZ_RN)                                       \
  /* idx [planes, OH·OW] int32, x [planes, H, W], vals (optional) like idx; scalars H, W, kh, kw, sh, sw */       \
  X(maxPoolIndices, 0, 6, check_pool,                                                                           \
    dl_maxpool_indices_f32(p[0], p[2], p[1], rows, iv[0], iv[1], iv[2], iv[3], iv[4], iv[5]), SZ_RN | F_I32, SZ_P, \
    SZ_RN | F_OPT)                                                                                              \
  /* cols [C·kh·kw, N·OH·OW], x [N, C, H, W]; scalars N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw */             \
  X(im2col, 0, 12, check_conv, OK(dl_im2col_f32(p[0], p[1], iv)), SZ_RN, SZ_X4)                                 \
  X(col2im, 1, 12, check_conv, OK(dl_col2im_f32(p[0], p[1], iv)), SZ_X4, SZ_RN)                                 \
  /* y [N, OC, OH, OW], x [N, C, H, W], w [OC, C·kh·kw], bias [OC] (optional); scalars im2col's and OC */        \
  X(conv2d, 0, 13, check_conv2d, dl_conv2d_f32(p[0], p[1], p[2], p[3], iv), SZ_RN, SZ_X4, SZ_CW, SZ_OC | F_OPT)   \
  /* gx like x, gw like w, gb [OC] (each optional), g like y, x, w */                                          \
  X(conv2dBackward, 3, 13, check_conv2d, dl_conv2d_backward_f32(p[0], p[1], p[2], p[3], p[4], p[5], iv),          \
    SZ_X4 | F_OPT, SZ_CW | F_OPT, SZ_OC | F_OPT, SZ_RN, SZ_X4, SZ_CW)

#define FU_TAG(name) FU_##name,
#define FU_ARM(name, ...) dl_arm_fu_##name,
#define FU_NEED(name) + 0 * dl_arm_fu_##name
DL_FAMILY(FU, DL_TS_FUSED, DL_FUSED_ARMS, "fused")

#define FU_SPEC(name, like, nsc, chk, call, ...) [FU_##name] = { like, chk, { __VA_ARGS__ } },
static const struct {
  int like;
  bool (*check)(call_t*, int64_t rows, int64_t n);
  int size[MAXA];
} fused_specs[FU_COUNT] = { DL_FUSED_ARMS(FU_SPEC) };

static int64_t fused_rows(const call_t* c, int64_t* n) {
  const view_t* like = &c->v[fused_specs[c->tag].like];
  const int64_t total = numel(like);
  *n = like->nd ? like->shape[like->nd - 1] : 1;
  return *n ? total / *n : 0;
}

static bool check_fused(call_t* c) {
  int64_t n;
  const int64_t rows = fused_rows(c, &n);
  const int* size = fused_specs[c->tag].size;
  for (int i = 0; i < c->e->nviews; i++) {
    const view_t* v = &c->v[i];
    if (v->dtype < 0) {
      if (!(size[i] & F_OPT)) return fail(c, "'%s' is required", v->name);
      continue;
    }
    if (!want_dtype(c, i, size[i] & F_I32 ? DL_I32 : DL_F32)) return false;
    for (int64_t d = v->nd - 1, s = 1; d >= 0; s *= v->shape[d--])
      if (v->shape[d] != 1 && v->st[d] != s) return fail(c, "view '%s' is not contiguous", v->name);
  }
  if (fused_specs[c->tag].check && !fused_specs[c->tag].check(c, rows, n)) return false;
  for (int i = 0; i < c->e->nviews; i++) {
    const view_t* v = &c->v[i];
    const int k = size[i] & SZ_MASK;
    const int64_t sz = k == SZ_RN ? rows * n : k == SZ_R ? rows : k == SZ_N ? n
                     : k == SZ_P ? rows * (int64_t)c->sc[0] * (int64_t)c->sc[1]
                     : k == SZ_CW ? (int64_t)c->sc[12] * (int64_t)c->sc[1] * (int64_t)c->sc[4] * (int64_t)c->sc[5]
                     : k == SZ_OC ? (int64_t)c->sc[12]
                                 : (int64_t)c->sc[0] * (int64_t)c->sc[1] * (int64_t)c->sc[2] * (int64_t)c->sc[3];
    if (v->dtype < 0) continue;
    if (sz > 0 && v->data == NULL) return fail(c, "the buffer of %s is detached", v->name);
    if (v->off + sz > v->len)
      return fail(c, "%s needs elements %lld..%lld but has %lld", v->name, (long long)v->off, (long long)(v->off + sz), (long long)v->len);
  }
  return true;
}

static bool run_fused(call_t* c) {
  int64_t n, iv[MAXSC];
  const int64_t rows = fused_rows(c, &n);
  void* p[MAXA] = { 0 };
  for (int i = 0; i < c->e->nviews; i++)
    if (c->v[i].dtype >= 0) p[i] = c->v[i].data + 4 * c->v[i].off; /* both dtypes are 4 bytes */
  for (int i = 0; i < MAXSC; i++) iv[i] = fabs(c->sc[i]) < 9e18 ? (int64_t)c->sc[i] : 0; /* NaN too */
  if (rows * n == 0) return true;
  int rc = 0;
#define FU_CASE(name, like, nsc, chk, call, ...) case FU_##name: rc = call; break;
  switch (c->tag) { DL_FUSED_ARMS(FU_CASE) }
  return rc >= 0 || fail(c, "out of memory");
}

/* ---- attention(backward, ...arrays): 4-D views [B1, B2, rows, cols] with a contiguous last dim;
 * q [.., L, E], k [.., S, E], v [.., S, Ev], out and g [.., L, Ev], p [.., L, S]; sc: scale, causal */

enum { Q, K, V, O, P };
static const int att_roles[2][MAXA] = { { O, P, Q, K, V }, { Q, K, V, O, P, Q, K, V } };

static bool check_attention(call_t* c) {
  const int nv = c->e->nviews, q = nv - 3; /* q, k, v come last */
  for (int i = 0; i < nv; i++) {
    const view_t* v = &c->v[i];
    if (!want_dtype(c, i, DL_F32)) return false;
    if (v->nd != 4 || v->st[3] != 1) {
      char sh[200], st[200];
      fmt_shape(sh, sizeof sh, v->nd, v->shape);
      fmt_shape(st, sizeof st, v->nd, v->st);
      return fail(c, "views must be 4-D with a contiguous last dim, got shape %s strides %s", sh, st);
    }
  }
  const int64_t* qs = c->v[q].shape;
  const int64_t S = c->v[q + 1].shape[2], Ev = c->v[q + 2].shape[3];
  const int64_t rows[5] = { qs[2], S, S, qs[2], qs[2] }, cols[5] = { qs[3], qs[3], Ev, Ev, S };
  for (int i = 0; i < nv; i++) {
    const int r = att_roles[c->tag][i];
    const int64_t shape[4] = { qs[0], qs[1], rows[r], cols[r] };
    if (!want_shape(c, i, 4, shape)) return false;
  }
  if (!(c->sc[0] > 0 && c->sc[0] < 3.4e38)) return fail(c, "scale must be positive and finite");
  if (c->sc[1] != 0 && c->sc[1] != 1) return fail(c, "causal must be 0 or 1");
  /* per-thread scratch is a few rows/cols products: keep every one far from overflow */
  if ((double)qs[0] * qs[1] * (qs[2] + S) * (qs[3] + Ev + qs[2] + S) > 1e15) return fail(c, "too many elements");
  return true;
}

static bool run_attention(call_t* c) {
  const int nv = c->e->nviews, q = nv - 3;
  dl_att_dims d;
  memset(&d, 0, sizeof d);
  d.B1 = c->v[q].shape[0];
  d.B2 = c->v[q].shape[1];
  d.L = c->v[q].shape[2];
  d.E = c->v[q].shape[3];
  d.S = c->v[q + 1].shape[2];
  d.Ev = c->v[q + 2].shape[3];
  d.scale = c->sc[0];
  d.causal = c->sc[1] != 0;
  int64_t* fwd_st[5] = { d.so, d.sp, d.sq, d.sk, d.sv };
  int64_t* bwd_st[8] = { d.sgq, d.sgk, d.sgv, d.so, d.sp, d.sq, d.sk, d.sv };
  float* ptr[MAXA] = { 0 };
  for (int i = 0; i < nv; i++) {
    memcpy(c->tag ? bwd_st[i] : fwd_st[i], c->v[i].st, 3 * sizeof(int64_t));
    ptr[i] = (float*)c->v[i].data + c->v[i].off;
  }
  const int rc = c->tag ? dl_attention_backward_f32(ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], ptr[5], ptr[6], ptr[7], &d)
                        : dl_attention_f32(ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], &d);
  return rc >= 0 || fail(c, "out of memory");
}

/* ---- the table ------------------------------------------------------------------------------- */

static const char* const unary_names[] = { DL_TS_UNARY(DL_TAG_NAME) };
static const char* const binary_names[] = { DL_TS_BINARY(DL_TAG_NAME) };
static const char* const reduce_names[] = { DL_TS_REDUCE(DL_TAG_NAME) };
static const char* const fused_names[] = { DL_TS_FUSED(DL_TAG_NAME) };
static const char* const att_names[] = { "forward", "backward" };

#define ARRAYS { "array 0", "array 1", "array 2", "array 3", "array 4", "array 5", "array 6", "array 7" }
#define FU_ENTRY(name, like, nsc, chk, call, ...) \
  [FU_##name] = { "fused", .nscalars = nsc, .nviews = sizeof((int[]){ __VA_ARGS__ }) / sizeof(int), .views = ARRAYS, \
                  .optional = 0xff, .check = check_fused, .run = run_fused },
static const entry_t fused_kinds[FU_COUNT] = { DL_FUSED_ARMS(FU_ENTRY) };

static const entry_t att_kinds[2] = {
  { "attention", .nscalars = 2, .nviews = 5, .views = { "out", "p", "q", "k", "v" }, .check = check_attention, .run = run_attention },
  { "attention", .nscalars = 2, .nviews = 8, .views = { "gq", "gk", "gv", "g", "p", "q", "k", "v" }, .check = check_attention,
    .run = run_attention },
};

static const entry_t entries[] = {
  { "unary", unary_names, UN_COUNT, .nviews = 2, .views = { "out", "a" }, .check = check_unary, .run = run_unary },
  { "cast", .nviews = 2, .views = { "out", "a" }, .check = check_cast, .run = run_cast },
  { "binary", binary_names, BIN_COUNT, .nviews = 3, .views = { "out", "a", "b" }, .check = check_binary, .run = run_binary },
  { "where", .nviews = 4, .views = { "out", "cond", "a", "b" }, .check = check_where, .run = run_where },
  /* scalar: accumulate (0/1) */
  { "copy", .nscalars = 1, .nviews = 2, .views = { "out", "a" }, .check = check_copy, .run = run_copy },
  /* scalar: the value */
  { "fill", .nscalars = 1, .nviews = 1, .views = { "out" }, .check = check_cast, .run = run_fill },
  /* scalar: the mask of reduced dims */
  { "reduce", reduce_names, RED_COUNT, .nscalars = 1, .nviews = 2, .views = { "out", "a" }, .check = check_reduce, .run = run_reduce },
  { "matmul", .nviews = 4, .views = { "out", "a", "b", "bias" }, .optional = 8, .check = check_matmul, .run = run_matmul },
  /* scalar: dim */
  { "gather", .nscalars = 1, .nviews = 3, .views = { "out", "a", "index" }, .check = check_gather, .run = run_gather },
  { "scatterAdd", .nscalars = 2, .nviews = 3, .views = { "out", "index", "src" }, .check = check_scatter, .run = run_scatter },
  /* scalars: op (SCAN_OPS order), dim, reverse; indices only for cummax/cummin */
  { "scan", .nscalars = 3, .nviews = 3, .views = { "out", "a", "indices" }, .optional = 4, .check = check_scan, .run = run_scan },
  /* scalars: dim, descending */
  { "sort", .nscalars = 2, .nviews = 3, .views = { "values", "indices", "a" }, .check = check_sort, .run = run_sort },
  { "random", .nviews = 2, .views = { "out", "state" }, .check = check_random, .run = run_random },
  { "fused", .ops = fused_names, .nops = FU_COUNT, .kinds = fused_kinds },
  { "attention", .ops = att_names, .nops = 2, .kinds = att_kinds },
};

/* ---- init and the allocator ------------------------------------------------------------------ */

static bool names_match(napi_env env, napi_value v, const char* const* names, int count) {
  char buf[1024], want[1024];
  size_t len = 0, w = 0;
  if (napi_get_value_string_utf8(env, v, buf, sizeof buf, &len) != napi_ok) return false;
  want[0] = 0;
  for (int i = 0; i < count; i++) {
    int n = snprintf(want + w, sizeof want - w, "%s%s", i ? "," : "", names[i]);
    if (n < 0 || (size_t)n >= sizeof want - w) return false;
    w += (size_t)n;
  }
  return strcmp(buf, want) == 0;
}

/* init(meta: Float64Array(META_LEN), unary, binary, reduce, fused names joined by ",") -> description */
static napi_value js_init(napi_env env, napi_callback_info info) {
  const char* fn = "cpu.init";
  size_t argc = 5;
  napi_value argv[5];
  inst_t* inst = NULL;
  NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  NAPI(napi_get_instance_data(env, (void**)&inst));
  if (argc < 5) return throw_fmt(env, "%s: expected 5 arguments", fn);
  napi_typedarray_type type;
  size_t length = 0;
  void* p = NULL;
  bool is = false;
  NAPI(napi_is_typedarray(env, argv[0], &is));
  if (!is) return throw_fmt(env, "%s: meta must be a Float64Array", fn);
  NAPI(napi_get_typedarray_info(env, argv[0], &type, &length, &p, NULL, NULL));
  if (type != napi_float64_array || length < META_LEN || !p)
    return throw_fmt(env, "%s: meta must be a Float64Array of %d elements", fn, META_LEN);
  if (!names_match(env, argv[1], unary_names, UN_COUNT) || !names_match(env, argv[2], binary_names, BIN_COUNT) ||
      !names_match(env, argv[3], reduce_names, RED_COUNT) || !names_match(env, argv[4], fused_names, FU_COUNT))
    return throw_fmt(env, "%s: the op lists of src/prims.ts do not match the addon (rebuild it)", fn);
  if (inst->meta_ref) napi_delete_reference(env, inst->meta_ref);
  NAPI(napi_create_reference(env, argv[0], 1, &inst->meta_ref));
  inst->meta = (double*)p;
  char desc[128];
  snprintf(desc, sizeof desc, "gemm %s, %d threads", dl_gemm_kind(), dl_num_threads());
  napi_value r;
  NAPI(napi_create_string_utf8(env, desc, NAPI_AUTO_LENGTH, &r));
  return r;
}

/* alloc(dtype, n, zero) -> Float32Array | Int32Array over pool memory, or null when unavailable */
static napi_value js_alloc(napi_env env, napi_callback_info info) {
  const char* fn = "cpu.alloc";
  size_t argc = 3;
  napi_value argv[3];
  NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_fmt(env, "%s: expected 3 arguments", fn);
  int32_t dt;
  double n;
  bool zero;
  NAPI(napi_get_value_int32(env, argv[0], &dt));
  NAPI(napi_get_value_double(env, argv[1], &n));
  NAPI(napi_get_value_bool(env, argv[2], &zero));
  if ((dt != DL_F32 && dt != DL_I32) || !(n >= 0 && n <= 4e12) || n != floor(n))
    return throw_fmt(env, "%s: bad arguments", fn);
  napi_value r = dl_v8_alloc(env, dt, (size_t)n, zero);
  if (!r) NAPI(napi_get_null(env, &r));
  return r;
}

/* release(typedArray) -> bool: its memory goes back to the pool now (the array reads as empty) */
static napi_value js_release(napi_env env, napi_callback_info info) {
  const char* fn = "cpu.release";
  size_t argc = 1;
  napi_value argv[1];
  NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return throw_fmt(env, "%s: expected 1 argument", fn);
  napi_value r;
  NAPI(napi_get_boolean(env, dl_v8_release(env, argv[0]) != 0, &r));
  return r;
}

/* stepEnd(canCollect) -> bool: an optimizer's step has ended; true when the caller should run a
 * full collection now (pool_v8.cc, "Training mode") */
static napi_value js_step_end(napi_env env, napi_callback_info info) {
  const char* fn = "cpu.stepEnd";
  size_t argc = 1;
  napi_value argv[1];
  bool can = false;
  NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_bool(env, argv[0], &can) != napi_ok) return throw_fmt(env, "%s: expected a boolean", fn);
  napi_value r;
  NAPI(napi_get_boolean(env, dl_v8_step_end(can ? 1 : 0) != 0, &r));
  return r;
}

/* poolStats() -> [cachedBytes, cachedBlocks, liveBytes, liveBlocks, freshMaps, hits] */
static napi_value js_pool_stats(napi_env env, napi_callback_info info) {
  const char* fn = "cpu.poolStats";
  (void)info;
  double s[6];
  dl_pool_stats(s);
  napi_value arr;
  NAPI(napi_create_array_with_length(env, 6, &arr));
  for (uint32_t i = 0; i < 6; i++) {
    napi_value v;
    NAPI(napi_create_double(env, s[i], &v));
    NAPI(napi_set_element(env, arr, i, v));
  }
  return arr;
}

/* config(threads, poolCapBytes, trim): threads 1 = single-threaded, 0 = all; cap < 0 = unchanged */
static napi_value js_config(napi_env env, napi_callback_info info) {
  const char* fn = "cpu.config";
  size_t argc = 3;
  napi_value argv[3];
  NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_fmt(env, "%s: expected 3 arguments", fn);
  int32_t threads;
  double cap;
  bool trim;
  NAPI(napi_get_value_int32(env, argv[0], &threads));
  NAPI(napi_get_value_double(env, argv[1], &cap));
  NAPI(napi_get_value_bool(env, argv[2], &trim));
  if (threads >= 0) dl_set_num_threads(threads);
  if (cap >= 0) dl_pool_set_cap((size_t)cap);
  if (trim) dl_pool_trim();
  napi_value r;
  NAPI(napi_create_int32(env, dl_num_threads(), &r));
  return r;
}

/* machine(kind, n, reps) -> [value, isa]: kind 0 = peak FMA GFLOP/s, 1 = STREAM add GB/s over n
 * floats, the median of reps (native/machine.c; for the benchmark) */
extern const char* dl_machine_isa;
double dl_machine_peak_gflops(int reps);
double dl_machine_stream_gbs(int64_t n, int reps);
static napi_value js_machine(napi_env env, napi_callback_info info) {
  const char* fn = "cpu.machine";
  size_t argc = 3;
  napi_value argv[3];
  NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_fmt(env, "%s: expected 3 arguments", fn);
  int32_t kind, reps;
  double n;
  NAPI(napi_get_value_int32(env, argv[0], &kind));
  NAPI(napi_get_value_double(env, argv[1], &n));
  NAPI(napi_get_value_int32(env, argv[2], &reps));
  if ((kind != 0 && kind != 1) || reps < 1 || reps > 1000 || !(n >= 1 && n <= 1e10) || n != floor(n))
    return throw_fmt(env, "%s: bad arguments", fn);
  const double v = kind == 0 ? dl_machine_peak_gflops(reps) : dl_machine_stream_gbs((int64_t)n, reps);
  napi_value arr, x;
  NAPI(napi_create_array_with_length(env, 2, &arr));
  NAPI(napi_create_double(env, v, &x));
  NAPI(napi_set_element(env, arr, 0, x));
  NAPI(napi_create_string_utf8(env, dl_machine_isa, NAPI_AUTO_LENGTH, &x));
  NAPI(napi_set_element(env, arr, 1, x));
  return arr;
}

static void inst_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
}

NAPI_MODULE_INIT() {
  const char* fn = "cpu.load";
  inst_t* inst = (inst_t*)calloc(1, sizeof(inst_t));
  if (!inst) return throw_fmt(env, "%s: out of memory", fn);
  dl_v8_pin_module(); /* V8 may call our deleters after this environment is gone (pool_v8.cc) */
  NAPI(napi_set_instance_data(env, inst, inst_finalize, NULL));
  const struct { const char* name; napi_callback cb; } fns[] = {
    { "init", js_init }, { "alloc", js_alloc }, { "release", js_release }, { "stepEnd", js_step_end }, { "poolStats", js_pool_stats }, { "config", js_config },
    { "machine", js_machine },
  };
  napi_value f;
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    NAPI(napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &f));
    NAPI(napi_set_named_property(env, exports, fns[i].name, f));
  }
  for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) { /* the kernels: js_call with their entry */
    NAPI(napi_create_function(env, entries[i].name, NAPI_AUTO_LENGTH, js_call, (void*)&entries[i], &f));
    NAPI(napi_set_named_property(env, exports, entries[i].name, f));
  }
  return exports;
}
