/* N-API glue for the cpu backend: argument unpacking and validation only; the work is in kernels/.
 *
 * Calling convention (see src/backend/native.ts): the TypeScript side writes shapes, strides and
 * offsets into one Float64Array ("meta", registered once by init()) and passes only the op tag and
 * the typed arrays. Every call here checks, before any kernel runs:
 *   - each argument is a typed array of the expected dtype,
 *   - its buffer is not detached,
 *   - every element the view can reach lies inside the array (min and max reachable offset),
 *   - shapes, strides and offsets are integers within range,
 * and throws a JS Error ("cpu.binary(add): ...") instead of touching memory it should not.
 * N-API status codes are checked; a failure throws rather than aborts. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>

#include "kernels/common.h"
#include "kernels/kernels.h"
#include "kernels/fused.h"

#define META_LEN 512

/* in pool_v8.cc: a typed array over a pool block whose V8 deleter returns it to the pool */
napi_value dl_v8_alloc(napi_env env, int dtype, size_t n, int zero);

typedef struct {
  double* meta; /* the registered Float64Array's storage (off-heap, never moves) */
  napi_ref meta_ref;
} inst_t;

typedef struct {
  char* data;
  int64_t len; /* elements */
  int dtype;   /* DL_F32, DL_I32, 2 = float64, -1 = other */
} arr_t;

static const char* const dtype_names[] = { "float32", "int32", "float64" };

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

/* ---- argument helpers ------------------------------------------------------------------------ */

typedef struct {
  napi_env env;
  const char* name; /* "binary" */
  const char* op;   /* "add", or NULL */
  inst_t* inst;
  size_t argc;
  napi_value argv[10];
  const double* m; /* meta cursor */
  const double* mend;
  bool failed;
} call_t;

static bool begin(call_t* c, napi_env env, napi_callback_info info, const char* name, size_t nargs) {
  c->env = env;
  c->failed = false;
  c->argc = 10;
  c->name = name;
  c->op = NULL;
  void* data = NULL;
  napi_status st = napi_get_cb_info(env, info, &c->argc, c->argv, NULL, &data);
  if (st != napi_ok) { throw_status(env, name, st); return false; }
  c->inst = (inst_t*)data;
  if (!c->inst || !c->inst->meta) { throw_fmt(env, "cpu.%s: native backend not initialised", name); return false; }
  if (c->argc < nargs) { throw_fmt(env, "cpu.%s: expected %d arguments, got %d", name, (int)nargs, (int)c->argc); return false; }
  c->m = c->inst->meta;
  c->mend = c->inst->meta + META_LEN;
  return true;
}

static bool fail(call_t* c, const char* fmt, ...) {
  char buf[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (c->op) throw_fmt(c->env, "cpu.%s(%s): %s", c->name, c->op, buf);
  else throw_fmt(c->env, "cpu.%s: %s", c->name, buf);
  c->failed = true;
  return false;
}

/* next meta value as an integer in [lo, hi] */
static bool rd(call_t* c, int64_t lo, int64_t hi, int64_t* out, const char* what) {
  *out = lo;
  if (c->m >= c->mend) return fail(c, "too many dims (meta overflow)");
  const double v = *c->m++;
  if (!(v >= (double)lo && v <= (double)hi) || v != floor(v))
    return fail(c, "%s must be an integer in [%lld, %lld], got %g", what, (long long)lo, (long long)hi, v);
  *out = (int64_t)v;
  return true;
}

#define MAXI ((int64_t)1 << 50)

static bool rd_shape(call_t* c, int nd, int64_t* shape) {
  for (int d = 0; d < nd; d++)
    if (!rd(c, 0, MAXI, &shape[d], "a dim")) return false;
  return true;
}

static bool rd_view(call_t* c, int nd, int64_t* off, int64_t* st) {
  if (!rd(c, 0, MAXI, off, "an offset")) return false;
  for (int d = 0; d < nd; d++)
    if (!rd(c, -MAXI, MAXI, &st[d], "a stride")) return false;
  return true;
}

static bool get_arr(call_t* c, size_t i, const char* vname, arr_t* a) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = NULL;
  /* fails (napi_invalid_arg) for anything that is not a typed array */
  if (napi_get_typedarray_info(c->env, c->argv[i], &type, &length, &data, NULL, NULL) != napi_ok)
    return fail(c, "'%s' must be a Float32Array or Int32Array", vname);
  a->data = (char*)data;
  a->len = data ? (int64_t)length : 0; /* a detached buffer reports no data */
  a->dtype = type == napi_float32_array ? DL_F32 : type == napi_int32_array ? DL_I32 : type == napi_float64_array ? 2 : -1;
  if (a->dtype < 0) return fail(c, "'%s' must be a Float32Array or Int32Array", vname);
  return true;
}

static bool want_dtype(call_t* c, const arr_t* a, const char* vname, int dt) {
  if (a->dtype == dt) return true;
  return fail(c, "'%s' must be %s, got %s", vname, dtype_names[dt], a->dtype >= 0 && a->dtype <= 2 ? dtype_names[a->dtype] : "another array type");
}

static bool want_32(call_t* c, const arr_t* a, const char* vname) {
  if (a->dtype == DL_F32 || a->dtype == DL_I32) return true;
  return fail(c, "'%s' must be float32 or int32, got %s", vname, a->dtype == 2 ? "float64" : "another array type");
}

/* every element the view can reach must lie inside the array */
static bool check_view(call_t* c, const char* vname, const arr_t* a, int nd, const int64_t* shape, int64_t off,
                       const int64_t* st) {
  double lo = (double)off, hi = (double)off, numel = 1;
  for (int d = 0; d < nd; d++) {
    numel *= (double)shape[d];
    const double e = (double)st[d] * (double)(shape[d] - 1);
    if (e < 0) lo += e; else hi += e;
  }
  if (numel == 0) return true;
  if (numel > 1e15) return fail(c, "view '%s' has too many elements", vname);
  if (a->data == NULL) return fail(c, "the buffer of '%s' is detached", vname);
  if (lo < 0 || hi >= (double)a->len)
    return fail(c, "view '%s' reaches elements %.0f..%.0f but its array has %lld", vname, lo, hi, (long long)a->len);
  return true;
}

static void iter_init(dl_iter* it, int nd, const int64_t* shape, int nv) {
  it->nd = nd;
  it->nv = nv;
  for (int d = 0; d < nd; d++) it->shape[d] = shape[d];
}

/* reads offset and strides of view v into it, checks it against arr */
static bool iter_view(call_t* c, dl_iter* it, int v, const char* vname, const arr_t* a) {
  if (!rd_view(c, it->nd, &it->off[v], it->st[v])) return false;
  return check_view(c, vname, a, it->nd, it->shape, it->off[v], it->st[v]);
}

static int64_t iter_numel(const dl_iter* it) {
  int64_t n = 1;
  for (int d = 0; d < it->nd; d++) n *= it->shape[d];
  return n;
}

static bool rd_nd(call_t* c, int* nd) {
  int64_t v = 0;
  *nd = 0;
  if (!rd(c, 0, DL_MAXD, &v, "ndim")) return false;
  *nd = (int)v;
  return true;
}

static bool rd_op(call_t* c, size_t argi, int count, const char* const* names, const char* base, int* op) {
  int32_t v = -1;
  *op = 0;
  napi_status st = napi_get_value_int32(c->env, c->argv[argi], &v);
  if (st != napi_ok || v < 0 || v >= count) return fail(c, "bad op tag");
  *op = v;
  c->op = names[v];
  (void)base;
  return true;
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/* ---- init ------------------------------------------------------------------------------------ */

static bool names_match(napi_env env, napi_value v, const char* const* names, int count) {
  char buf[1024], want[1024];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, sizeof buf, &len) != napi_ok) return false;
  want[0] = 0;
  size_t w = 0;
  for (int i = 0; i < count; i++) {
    int n = snprintf(want + w, sizeof want - w, "%s%s", i ? "," : "", names[i]);
    if (n < 0 || (size_t)n >= sizeof want - w) return false;
    w += (size_t)n;
  }
  return strcmp(buf, want) == 0;
}

/* init(meta: Float64Array(META_LEN), unaryNames, binaryNames, reduceNames) -> description string */
static napi_value js_init(napi_env env, napi_callback_info info) {
  const char* fn = "cpu.init";
  size_t argc = 4;
  napi_value argv[4];
  void* data = NULL;
  NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, &data));
  inst_t* inst = (inst_t*)data;
  if (argc < 4) return throw_fmt(env, "%s: expected 4 arguments", fn);
  napi_typedarray_type type;
  size_t length = 0;
  void* p = NULL;
  bool is = false;
  NAPI(napi_is_typedarray(env, argv[0], &is));
  if (!is) return throw_fmt(env, "%s: meta must be a Float64Array", fn);
  NAPI(napi_get_typedarray_info(env, argv[0], &type, &length, &p, NULL, NULL));
  if (type != napi_float64_array || length < META_LEN || !p)
    return throw_fmt(env, "%s: meta must be a Float64Array of %d elements", fn, META_LEN);
  if (!names_match(env, argv[1], dl_unary_names, UN_COUNT) || !names_match(env, argv[2], dl_binary_names, BIN_COUNT) ||
      !names_match(env, argv[3], dl_reduce_names, RED_COUNT))
    return throw_fmt(env, "%s: the op lists of backend.ts do not match the addon (rebuild it)", fn);
  if (inst->meta_ref) napi_delete_reference(env, inst->meta_ref);
  NAPI(napi_create_reference(env, argv[0], 1, &inst->meta_ref));
  inst->meta = (double*)p;
  char desc[128];
  snprintf(desc, sizeof desc, "gemm %s, %d threads", dl_gemm_kind(), dl_num_threads());
  napi_value r;
  NAPI(napi_create_string_utf8(env, desc, NAPI_AUTO_LENGTH, &r));
  return r;
}

/* ---- kernels --------------------------------------------------------------------------------- */

/* unary(op, out, a); meta: nd, shape, out view, a view */
static napi_value js_unary(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "unary", 3)) return NULL;
  int op, nd;
  arr_t o, a;
  dl_iter it;
  int64_t shape[DL_MAXD];
  if (!rd_op(&c, 0, UN_COUNT, dl_unary_names, "unary", &op) || !get_arr(&c, 1, "out", &o) || !get_arr(&c, 2, "a", &a) ||
      !want_32(&c, &o, "out") || !want_dtype(&c, &a, "a", o.dtype) || !rd_nd(&c, &nd) || !rd_shape(&c, nd, shape))
    return NULL;
  iter_init(&it, nd, shape, 2);
  if (!iter_view(&c, &it, 0, "out", &o) || !iter_view(&c, &it, 1, "a", &a)) return NULL;
  if (iter_numel(&it) > 0) dl_unary(op, o.dtype, &it, o.data, a.data);
  return undefined(env);
}

/* cast(out, a) */
static napi_value js_cast(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "cast", 2)) return NULL;
  int nd;
  arr_t o, a;
  dl_iter it;
  int64_t shape[DL_MAXD];
  if (!get_arr(&c, 0, "out", &o) || !get_arr(&c, 1, "a", &a) || !want_32(&c, &o, "out") || !want_32(&c, &a, "a") ||
      !rd_nd(&c, &nd) || !rd_shape(&c, nd, shape))
    return NULL;
  iter_init(&it, nd, shape, 2);
  if (!iter_view(&c, &it, 0, "out", &o) || !iter_view(&c, &it, 1, "a", &a)) return NULL;
  if (iter_numel(&it) > 0) dl_cast(o.dtype, a.dtype, &it, o.data, a.data);
  return undefined(env);
}

/* binary(op, out, a, b) */
static napi_value js_binary(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "binary", 4)) return NULL;
  int op, nd;
  arr_t o, a, b;
  dl_iter it;
  int64_t shape[DL_MAXD];
  if (!rd_op(&c, 0, BIN_COUNT, dl_binary_names, "binary", &op) || !get_arr(&c, 1, "out", &o) ||
      !get_arr(&c, 2, "a", &a) || !get_arr(&c, 3, "b", &b) || !want_32(&c, &a, "a") || !want_dtype(&c, &b, "b", a.dtype))
    return NULL;
  if (op >= BIN_EQ) {
    if (!want_32(&c, &o, "out")) return NULL;
  } else if (!want_dtype(&c, &o, "out", a.dtype)) {
    return NULL;
  }
  if (op == BIN_DIV && a.dtype == DL_I32) { fail(&c, "integer division is not a kernel"); return NULL; }
  if (!rd_nd(&c, &nd) || !rd_shape(&c, nd, shape)) return NULL;
  iter_init(&it, nd, shape, 3);
  if (!iter_view(&c, &it, 0, "out", &o) || !iter_view(&c, &it, 1, "a", &a) || !iter_view(&c, &it, 2, "b", &b))
    return NULL;
  if (iter_numel(&it) > 0) dl_binary(op, o.dtype, a.dtype, &it, o.data, a.data, b.data);
  return undefined(env);
}

/* where(out, cond, a, b) */
static napi_value js_where(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "where", 4)) return NULL;
  int nd;
  arr_t o, k, a, b;
  dl_iter it;
  int64_t shape[DL_MAXD];
  if (!get_arr(&c, 0, "out", &o) || !get_arr(&c, 1, "cond", &k) || !get_arr(&c, 2, "a", &a) ||
      !get_arr(&c, 3, "b", &b) || !want_32(&c, &o, "out") || !want_32(&c, &k, "cond") ||
      !want_dtype(&c, &a, "a", o.dtype) || !want_dtype(&c, &b, "b", o.dtype) || !rd_nd(&c, &nd) ||
      !rd_shape(&c, nd, shape))
    return NULL;
  iter_init(&it, nd, shape, 4);
  if (!iter_view(&c, &it, 0, "out", &o) || !iter_view(&c, &it, 1, "cond", &k) || !iter_view(&c, &it, 2, "a", &a) ||
      !iter_view(&c, &it, 3, "b", &b))
    return NULL;
  if (iter_numel(&it) > 0) dl_where(k.dtype, &it, o.data, k.data, a.data, b.data);
  return undefined(env);
}

/* copy(out, a); meta: nd, shape, out view, a view, accumulate */
static napi_value js_copy(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "copy", 2)) return NULL;
  int nd;
  int64_t acc;
  arr_t o, a;
  dl_iter it;
  int64_t shape[DL_MAXD];
  if (!get_arr(&c, 0, "out", &o) || !get_arr(&c, 1, "a", &a) || !want_32(&c, &o, "out") ||
      !want_dtype(&c, &a, "a", o.dtype) || !rd_nd(&c, &nd) || !rd_shape(&c, nd, shape))
    return NULL;
  iter_init(&it, nd, shape, 2);
  if (!iter_view(&c, &it, 0, "out", &o) || !iter_view(&c, &it, 1, "a", &a) || !rd(&c, 0, 1, &acc, "accumulate"))
    return NULL;
  if (iter_numel(&it) > 0) dl_copy(o.dtype, acc != 0, &it, o.data, a.data);
  return undefined(env);
}

/* fill(out); meta: nd, shape, out view, value */
static napi_value js_fill(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "fill", 1)) return NULL;
  int nd;
  arr_t o;
  dl_iter it;
  int64_t shape[DL_MAXD];
  if (!get_arr(&c, 0, "out", &o) || !want_32(&c, &o, "out") || !rd_nd(&c, &nd) || !rd_shape(&c, nd, shape)) return NULL;
  iter_init(&it, nd, shape, 1);
  if (!iter_view(&c, &it, 0, "out", &o)) return NULL;
  if (c.m >= c.mend) { fail(&c, "meta overflow"); return NULL; }
  const double value = *c.m++;
  if (iter_numel(&it) > 0) dl_fill(o.dtype, &it, o.data, value);
  return undefined(env);
}

/* reduce(op, out, a); meta: nd, a shape, out offset, a view, axes mask */
static napi_value js_reduce(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "reduce", 3)) return NULL;
  int op, nd;
  arr_t o, a;
  int64_t shape[DL_MAXD], oshape[DL_MAXD], ost[DL_MAXD], st[DL_MAXD], ooff, aoff, mask;
  if (!rd_op(&c, 0, RED_COUNT, dl_reduce_names, "reduce", &op) || !get_arr(&c, 1, "out", &o) ||
      !get_arr(&c, 2, "a", &a) || !want_32(&c, &a, "a") || !want_dtype(&c, &o, "out", op >= RED_ARGMAX ? DL_I32 : a.dtype) ||
      !rd_nd(&c, &nd) || !rd_shape(&c, nd, shape) || !rd(&c, 0, MAXI, &ooff, "an offset") || !rd_view(&c, nd, &aoff, st) ||
      !rd(&c, 0, ((int64_t)1 << nd) - 1, &mask, "the axes mask"))
    return NULL;
  int nred = 0;
  for (int d = 0; d < nd; d++) nred += (int)((mask >> d) & 1);
  if (op >= RED_ARGMAX && nred != 1) { fail(&c, "exactly one axis must be reduced"); return NULL; }
  int64_t s = 1;
  for (int d = nd - 1; d >= 0; d--) {
    oshape[d] = ((mask >> d) & 1) ? 1 : shape[d];
    ost[d] = s;
    s *= oshape[d];
  }
  if (!check_view(&c, "out", &o, nd, oshape, ooff, ost) || !check_view(&c, "a", &a, nd, shape, aoff, st)) return NULL;
  if (s == 0) return undefined(env);
  /* out overlapping a (nothing sensible, but possible): reduce into scratch, then copy */
  int64_t alo, ahi;
  dl_view_extent(nd, shape, aoff, st, &alo, &ahi);
  const char* o0 = o.data + ooff * 4; const char* o1 = o.data + (ooff + s) * 4;
  bool numel_a = true;
  for (int d = 0; d < nd; d++) if (shape[d] == 0) numel_a = false;
  if (numel_a && !(a.data + (ahi + 1) * 4 <= o0 || o1 <= a.data + alo * 4)) {
    char* tmp = (char*)malloc((size_t)s * 4);
    if (!tmp) return throw_fmt(env, "cpu.reduce: out of memory");
    memcpy(tmp, o0, (size_t)s * 4);
    dl_reduce(op, a.dtype, tmp, a.data, nd, shape, aoff, st, (uint32_t)mask);
    memcpy(o.data + ooff * 4, tmp, (size_t)s * 4);
    free(tmp);
    return undefined(env);
  }
  dl_reduce(op, a.dtype, o.data + ooff * 4, a.data, nd, shape, aoff, st, (uint32_t)mask);
  return undefined(env);
}

/* matmul(out, a, b); meta: nd, batch shape (nd-2), M, K, N, out view, a view, b view (nd strides each) */
static napi_value js_matmul(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "matmul", 3)) return NULL;
  int nd;
  arr_t o, a, b;
  int64_t shp[DL_MAXD + 1], so[DL_MAXD], sa[DL_MAXD], sb[DL_MAXD], oo, oa, ob;
  if (!get_arr(&c, 0, "out", &o) || !get_arr(&c, 1, "a", &a) || !get_arr(&c, 2, "b", &b) ||
      !want_dtype(&c, &o, "out", DL_F32) || !want_dtype(&c, &a, "a", DL_F32) || !want_dtype(&c, &b, "b", DL_F32) ||
      !rd_nd(&c, &nd))
    return NULL;
  if (nd < 2) { fail(&c, "matmul needs at least 2 dims"); return NULL; }
  if (!rd_shape(&c, nd + 1, shp) || !rd_view(&c, nd, &oo, so) || !rd_view(&c, nd, &oa, sa) || !rd_view(&c, nd, &ob, sb))
    return NULL;
  const int nb = nd - 2;
  const int64_t M = shp[nb], K = shp[nb + 1], N = shp[nb + 2];
  int64_t ashape[DL_MAXD], bshape[DL_MAXD], oshape[DL_MAXD];
  for (int d = 0; d < nb; d++) ashape[d] = bshape[d] = oshape[d] = shp[d];
  ashape[nb] = M; ashape[nb + 1] = K;
  bshape[nb] = K; bshape[nb + 1] = N;
  oshape[nb] = M; oshape[nb + 1] = N;
  if (!check_view(&c, "out", &o, nd, oshape, oo, so) || !check_view(&c, "a", &a, nd, ashape, oa, sa) ||
      !check_view(&c, "b", &b, nd, bshape, ob, sb))
    return NULL;
  /* then: has bias (0/1); with one, its offset and stride and a 4th array, [N] added to every row */
  int64_t has_bias, obias = 0, sbias = 0;
  const float* bias = NULL;
  if (!rd(&c, 0, 1, &has_bias, "the bias flag")) return NULL;
  if (has_bias) {
    arr_t bb;
    if ((int)c.argc < 4 || !get_arr(&c, 3, "bias", &bb) || !want_dtype(&c, &bb, "bias", DL_F32) ||
        !rd_view(&c, 1, &obias, &sbias) || !check_view(&c, "bias", &bb, 1, &N, obias, &sbias))
      return NULL;
    bias = (const float*)bb.data + obias;
  }
  int64_t numel = M * N;
  for (int d = 0; d < nb; d++) numel *= shp[d];
  if (numel == 0) return undefined(env);
  /* the kernel writes rows of out with unit column stride; out must not overlap itself or the inputs */
  const bool out_ok = so[nb + 1] == 1 && dl_view_nonoverlapping(nd, oshape, so);
  bool disjoint = true;
  {
    int64_t lo, hi, l2, h2;
    dl_view_extent(nd, oshape, oo, so, &lo, &hi);
    const char* o0 = o.data + lo * 4; const char* o1 = o.data + (hi + 1) * 4;
    if (M * K > 0) {
      dl_view_extent(nd, ashape, oa, sa, &l2, &h2);
      if (!(a.data + (h2 + 1) * 4 <= o0 || o1 <= a.data + l2 * 4)) disjoint = false;
    }
    if (K * N > 0) {
      dl_view_extent(nd, bshape, ob, sb, &l2, &h2);
      if (!(b.data + (h2 + 1) * 4 <= o0 || o1 <= b.data + l2 * 4)) disjoint = false;
    }
  }
  if (out_ok && disjoint) {
    if (dl_matmul_f32((float*)o.data + oo, (const float*)a.data + oa, (const float*)b.data + ob, nb, shp, sa, sb, so, M,
                      N, K, sa[nb], sa[nb + 1], sb[nb], sb[nb + 1], so[nb], bias, sbias) < 0)
      return throw_fmt(env, "cpu.matmul: out of memory");
    return undefined(env);
  }
  /* compute into a contiguous scratch, then copy out in order */
  float* tmp = (float*)malloc((size_t)numel * sizeof(float));
  if (!tmp) return throw_fmt(env, "cpu.matmul: out of memory");
  int64_t ts[DL_MAXD];
  int64_t s = 1;
  for (int d = nd - 1; d >= 0; d--) { ts[d] = s; s *= oshape[d]; }
  if (dl_matmul_f32(tmp, (const float*)a.data + oa, (const float*)b.data + ob, nb, shp, sa, sb, ts, M, N, K, sa[nb],
                    sa[nb + 1], sb[nb], sb[nb + 1], ts[nb], bias, sbias) < 0) {
    free(tmp);
    return throw_fmt(env, "cpu.matmul: out of memory");
  }
  dl_iter it;
  iter_init(&it, nd, oshape, 2);
  it.off[0] = oo;
  it.off[1] = 0;
  for (int d = 0; d < nd; d++) { it.st[0][d] = so[d]; it.st[1][d] = ts[d]; }
  dl_copy(DL_F32, false, &it, o.data, (const char*)tmp);
  free(tmp);
  return undefined(env);
}

/* gather(out, a, index); meta: nd, out shape, out view, index view, a view, a shape, dim */
static napi_value js_gather(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "gather", 3)) return NULL;
  int nd;
  arr_t o, a, ix;
  dl_iter it;
  int64_t shape[DL_MAXD], ashape[DL_MAXD], aoff, ast[DL_MAXD], dim;
  if (!get_arr(&c, 0, "out", &o) || !get_arr(&c, 1, "a", &a) || !get_arr(&c, 2, "index", &ix) ||
      !want_32(&c, &o, "out") || !want_dtype(&c, &a, "a", o.dtype) || !want_dtype(&c, &ix, "index", DL_I32) ||
      !rd_nd(&c, &nd) || !rd_shape(&c, nd, shape))
    return NULL;
  if (nd < 1) { fail(&c, "gather needs at least 1 dim"); return NULL; }
  iter_init(&it, nd, shape, 3);
  if (!iter_view(&c, &it, 0, "out", &o) || !iter_view(&c, &it, 1, "index", &ix) || !rd_view(&c, nd, &aoff, ast) ||
      !rd_shape(&c, nd, ashape) || !rd(&c, 0, nd - 1, &dim, "dim") || !check_view(&c, "a", &a, nd, ashape, aoff, ast))
    return NULL;
  if (iter_numel(&it) == 0) return undefined(env);
  for (int d = 0; d < nd; d++)
    if (d != dim && shape[d] > ashape[d]) { fail(&c, "index is larger than a along dim %d", d); return NULL; }
  if (ashape[dim] == 0) { fail(&c, "index out of range (a has size 0 along dim %d)", (int)dim); return NULL; }
  it.off[2] = aoff;
  for (int d = 0; d < nd; d++) it.st[2][d] = d == dim ? 0 : ast[d];
  if (dl_gather(&it, o.data, a.data, (const int32_t*)ix.data, ast[dim], ashape[dim]) < 0) {
    fail(&c, "index out of range [0, %lld) along dim %d", (long long)ashape[dim], (int)dim);
    return NULL;
  }
  return undefined(env);
}

/* scatterAdd(out, index, src); meta: nd, index shape, index view, src view, out view, out shape, dim */
static napi_value js_scatter_add(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "scatterAdd", 3)) return NULL;
  int nd;
  arr_t o, ix, s;
  dl_iter it;
  int64_t shape[DL_MAXD], oshape[DL_MAXD], ooff, ost[DL_MAXD], dim;
  if (!get_arr(&c, 0, "out", &o) || !get_arr(&c, 1, "index", &ix) || !get_arr(&c, 2, "src", &s) ||
      !want_32(&c, &o, "out") || !want_dtype(&c, &s, "src", o.dtype) || !want_dtype(&c, &ix, "index", DL_I32) ||
      !rd_nd(&c, &nd) || !rd_shape(&c, nd, shape))
    return NULL;
  if (nd < 1) { fail(&c, "scatterAdd needs at least 1 dim"); return NULL; }
  iter_init(&it, nd, shape, 3);
  if (!iter_view(&c, &it, 0, "index", &ix) || !iter_view(&c, &it, 1, "src", &s) || !rd_view(&c, nd, &ooff, ost) ||
      !rd_shape(&c, nd, oshape) || !rd(&c, 0, nd - 1, &dim, "dim") || !check_view(&c, "out", &o, nd, oshape, ooff, ost))
    return NULL;
  if (iter_numel(&it) == 0) return undefined(env);
  for (int d = 0; d < nd; d++)
    if (d != dim && shape[d] > oshape[d]) { fail(&c, "index is larger than out along dim %d", d); return NULL; }
  if (oshape[dim] == 0) { fail(&c, "index out of range (out has size 0 along dim %d)", (int)dim); return NULL; }
  it.off[2] = ooff;
  for (int d = 0; d < nd; d++) it.st[2][d] = d == dim ? 0 : ost[d];
  if (dl_scatter_add(o.dtype, &it, o.data, (const int32_t*)ix.data, s.data, ost[dim], oshape[dim]) < 0) {
    fail(&c, "index out of range [0, %lld) along dim %d", (long long)oshape[dim], (int)dim);
    return NULL;
  }
  return undefined(env);
}

/* ---- fused kernels -------------------------------------------------------------------------- */

/* fused(kind, ...arrays): meta = [rows, n, scalars..., offset of each array]. Every array is a
 * contiguous window [offset, offset + size) where size is rows·n, rows, n, (SZ_RP) rows times
 * the first two scalars (a plane of maxPoolIndices' input) or (SZ_X4) the product of the first
 * four (im2col's input); float32 unless marked int32; optional ones may be null. The table below
 * is the whole contract; each window is checked before any kernel. */
enum { SZ_RN, SZ_R, SZ_N, SZ_RP, SZ_X4 };
enum { FU_SOFTMAX, FU_SOFTMAX_BWD, FU_LAYERNORM, FU_LAYERNORM_BWD, FU_GELU, FU_GELU_BWD, FU_ADAM, FU_MAXPOOL_IDX, FU_IM2COL, FU_COL2IM, FU_COUNT };
static const struct {
  const char* name;
  int nargs, nscalars;
  int size[8];
  bool optional[8];
  bool i32[8];
} fused_kinds[FU_COUNT] = {
  /* scalars: log, scale (> 0), causal rows L (0: none; else rows is a multiple of L) */
  { "softmax", 2, 3, { SZ_RN, SZ_RN }, { 0 }, { 0 } },
  { "softmaxBackward", 3, 3, { SZ_RN, SZ_RN, SZ_RN }, { 0 }, { 0 } },
  { "layerNorm", 6, 1, { SZ_RN, SZ_R, SZ_R, SZ_RN, SZ_N, SZ_N }, { 0, 0, 0, 0, 1, 1 }, { 0 } },
  { "layerNormBackward", 8, 0, { SZ_RN, SZ_N, SZ_N, SZ_RN, SZ_RN, SZ_R, SZ_R, SZ_N }, { 0, 1, 1, 0, 0, 0, 0, 1 }, { 0 } },
  { "gelu", 2, 0, { SZ_RN, SZ_RN }, { 0 }, { 0 } },
  { "geluBackward", 3, 0, { SZ_RN, SZ_RN, SZ_RN }, { 0 }, { 0 } },
  { "adam", 4, 7, { SZ_RN, SZ_RN, SZ_RN, SZ_RN }, { 0 }, { 0 } },
  /* idx [planes, OH·OW] int32, x [planes, H, W]; scalars H, W, kh, kw, sh, sw */
  { "maxPoolIndices", 2, 6, { SZ_RN, SZ_RP }, { 0 }, { 1, 0 } },
  /* cols [C·kh·kw, N·OH·OW], x [N, C, H, W]; scalars N, C, H, W, kh, kw, sh, sw, ph, pw */
  { "im2col", 2, 10, { SZ_RN, SZ_X4 }, { 0 }, { 0 } },
  { "col2im", 2, 10, { SZ_X4, SZ_RN }, { 0 }, { 0 } },
};

/* sc[from..to) are whole numbers in [lo, 2^31) (window sizes, strides, paddings, image sizes) */
static bool whole_scalars(call_t* c, const double* sc, int from, int to, double lo) {
  for (int i = from; i < to; i++) {
    if (!(sc[i] >= lo && sc[i] <= 2147483647.0 && sc[i] == floor(sc[i]))) { fail(c, "bad window scalar %d", i); return false; }
  }
  return true;
}

/* im2col/col2im's scalars: whole numbers in range, a window that fits the padded input, and
 * rows = C·kh·kw, n = N·OH·OW */
static bool check_conv(call_t* c, const double* sc, int64_t rows, int64_t n) {
  /* N, C, H, W and the padding may be 0; kernel and stride at least 1 */
  if (!whole_scalars(c, sc, 0, 4, 0) || !whole_scalars(c, sc, 4, 8, 1) || !whole_scalars(c, sc, 8, 10, 0)) return false;
  if (sc[0] * sc[1] * sc[2] * sc[3] > 1e15) { fail(c, "too many elements"); return false; }
  const int64_t N = (int64_t)sc[0], C = (int64_t)sc[1], H = (int64_t)sc[2], W = (int64_t)sc[3];
  const int64_t kh = (int64_t)sc[4], kw = (int64_t)sc[5], sh = (int64_t)sc[6], sw = (int64_t)sc[7];
  const int64_t ph = (int64_t)sc[8], pw = (int64_t)sc[9];
  if (kh > H + 2 * ph || kw > W + 2 * pw) { fail(c, "window larger than the padded input"); return false; }
  const int64_t oh = (H + 2 * ph - kh) / sh + 1, ow = (W + 2 * pw - kw) / sw + 1;
  if ((double)C * kh * kw != (double)rows || (double)N * oh * ow != (double)n) {
    fail(c, "columns [%lld, %lld] do not match the window's [%lld, %lld]", (long long)rows, (long long)n,
         (long long)(C * kh * kw), (long long)(N * oh * ow));
    return false;
  }
  return true;
}

/* maxPoolIndices' scalars: whole numbers, a window that fits, and n = OH·OW */
static bool check_pool(call_t* c, const double* sc, int64_t rows, int64_t n) {
  /* H and W may be 0; kernel and stride at least 1 */
  if (!whole_scalars(c, sc, 0, 2, 0) || !whole_scalars(c, sc, 2, 6, 1)) return false;
  const int64_t H = (int64_t)sc[0], W = (int64_t)sc[1], kh = (int64_t)sc[2], kw = (int64_t)sc[3];
  if (kh > H || kw > W) { fail(c, "window %lldx%lld is larger than the plane %lldx%lld", (long long)kh, (long long)kw, (long long)H, (long long)W); return false; }
  if ((double)H * (double)W > 2147483647.0) { fail(c, "plane too large for int32 indices"); return false; }
  if ((double)rows * (double)H * (double)W > 1e15) { fail(c, "too many elements"); return false; }
  const int64_t oh = (H - kh) / (int64_t)sc[4] + 1, ow = (W - kw) / (int64_t)sc[5] + 1;
  if (oh * ow != n) { fail(c, "n = %lld but the windows give %lld", (long long)n, (long long)(oh * ow)); return false; }
  return true;
}

static napi_value js_fused(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "fused", 1)) return NULL;
  int32_t kind = -1;
  if (napi_get_value_int32(env, c.argv[0], &kind) != napi_ok || kind < 0 || kind >= FU_COUNT) {
    fail(&c, "unknown fused kernel");
    return NULL;
  }
  c.op = fused_kinds[kind].name;
  const int nargs = fused_kinds[kind].nargs;
  if ((int)c.argc < 1 + nargs) { fail(&c, "expected %d arrays, got %d", nargs, (int)c.argc - 1); return NULL; }
  int64_t rows, n;
  if (!rd(&c, 0, MAXI, &rows, "rows") || !rd(&c, 1, MAXI, &n, "n")) return NULL;
  if ((double)rows * (double)n > 1e15) { fail(&c, "too many elements"); return NULL; }
  double sc[12] = { 0 };
  for (int i = 0; i < fused_kinds[kind].nscalars; i++) {
    if (c.m >= c.mend) { fail(&c, "meta overflow"); return NULL; }
    sc[i] = *c.m++;
  }
  if (kind == FU_MAXPOOL_IDX && !check_pool(&c, sc, rows, n)) return NULL;
  if (kind == FU_SOFTMAX || kind == FU_SOFTMAX_BWD) {
    if (!(sc[1] > 0 && sc[1] < 3.4e38)) { fail(&c, "scale must be positive and finite"); return NULL; }
    if (!(sc[2] >= 0 && sc[2] == floor(sc[2]) && sc[2] <= (double)rows) || (sc[2] > 0 && rows % (int64_t)sc[2] != 0)) {
      fail(&c, "causal rows %g do not divide %lld rows", sc[2], (long long)rows);
      return NULL;
    }
  }
  if ((kind == FU_IM2COL || kind == FU_COL2IM) && !check_conv(&c, sc, rows, n)) return NULL;
  void* ptr[8] = { 0 };
  for (int i = 0; i < nargs; i++) {
    int64_t off;
    if (!rd(&c, 0, MAXI, &off, "an offset")) return NULL;
    napi_valuetype vt;
    if (napi_typeof(env, c.argv[1 + i], &vt) != napi_ok) { fail(&c, "bad argument %d", i); return NULL; }
    if (vt == napi_null || vt == napi_undefined) {
      if (!fused_kinds[kind].optional[i]) { fail(&c, "array %d is required", i); return NULL; }
      continue;
    }
    arr_t a;
    char vname[16];
    snprintf(vname, sizeof vname, "array %d", i);
    const int dt = fused_kinds[kind].i32[i] ? DL_I32 : DL_F32;
    if (!get_arr(&c, 1 + (size_t)i, vname, &a) || !want_dtype(&c, &a, vname, dt)) return NULL;
    const int sk = fused_kinds[kind].size[i];
    const int64_t size = sk == SZ_RN ? rows * n : sk == SZ_R ? rows : sk == SZ_N ? n
                       : sk == SZ_RP ? rows * (int64_t)sc[0] * (int64_t)sc[1]
                                     : (int64_t)sc[0] * (int64_t)sc[1] * (int64_t)sc[2] * (int64_t)sc[3];
    if (size > 0 && a.data == NULL) { fail(&c, "the buffer of %s is detached", vname); return NULL; }
    if (off + size > a.len) {
      fail(&c, "%s needs elements %lld..%lld but has %lld", vname, (long long)off, (long long)(off + size), (long long)a.len);
      return NULL;
    }
    ptr[i] = (char*)a.data + 4 * off; /* both dtypes are 4 bytes */
  }
  if (rows * n == 0) return undefined(env);
  switch (kind) {
    case FU_SOFTMAX: dl_softmax_f32(ptr[0], ptr[1], rows, n, sc[0] != 0, sc[1], (int64_t)sc[2]); break;
    case FU_SOFTMAX_BWD: dl_softmax_backward_f32(ptr[0], ptr[1], ptr[2], rows, n, sc[0] != 0, sc[1], (int64_t)sc[2]); break;
    case FU_LAYERNORM: dl_layernorm_f32(ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], ptr[5], rows, n, sc[0]); break;
    case FU_LAYERNORM_BWD:
      if (dl_layernorm_backward_f32(ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], ptr[5], ptr[6], ptr[7], rows, n) < 0) {
        fail(&c, "out of memory");
        return NULL;
      }
      break;
    case FU_GELU: dl_gelu_f32(ptr[0], ptr[1], rows * n); break;
    case FU_GELU_BWD: dl_gelu_backward_f32(ptr[0], ptr[1], ptr[2], rows * n); break;
    case FU_ADAM:
      dl_adam_f32(ptr[0], ptr[1], ptr[2], ptr[3], rows * n, sc[0], sc[1], sc[2], sc[3], sc[4], sc[5] != 0, sc[6]);
      break;
    case FU_MAXPOOL_IDX:
      dl_maxpool_indices_f32(ptr[0], ptr[1], rows, (int64_t)sc[0], (int64_t)sc[1], (int64_t)sc[2], (int64_t)sc[3],
                             (int64_t)sc[4], (int64_t)sc[5]);
      break;
    case FU_IM2COL:
    case FU_COL2IM: {
      int64_t d[10];
      for (int i = 0; i < 10; i++) d[i] = (int64_t)sc[i];
      if (kind == FU_IM2COL) dl_im2col_f32(ptr[0], ptr[1], d);
      else dl_col2im_f32(ptr[0], ptr[1], d);
      break;
    }
  }
  return undefined(env);
}

/* attention(backward, ...arrays): forward arrays out, p, q, k, v; backward arrays gq, gk, gv, g, p,
 * q, k, v. meta = [B1, B2, L, S, E, Ev, scale, causal, then per array: offset and the strides of
 * its first three dims] (the last dim has stride 1). Each view is [B1, B2, rows, cols] with rows
 * and cols from its role; every element it reaches must lie inside its float32 array. */
static napi_value js_attention(napi_env env, napi_callback_info info) {
  call_t c;
  if (!begin(&c, env, info, "attention", 1)) return NULL;
  bool bwd = false;
  if (napi_get_value_bool(env, c.argv[0], &bwd) != napi_ok) { fail(&c, "the first argument must be a boolean"); return NULL; }
  c.op = bwd ? "backward" : "forward";
  const int nargs = bwd ? 8 : 5;
  if ((int)c.argc < 1 + nargs) { fail(&c, "expected %d arrays, got %d", nargs, (int)c.argc - 1); return NULL; }
  dl_att_dims d;
  memset(&d, 0, sizeof d);
  int64_t causal;
  if (!rd(&c, 0, MAXI, &d.B1, "B1") || !rd(&c, 0, MAXI, &d.B2, "B2") || !rd(&c, 0, MAXI, &d.L, "L") ||
      !rd(&c, 0, MAXI, &d.S, "S") || !rd(&c, 0, MAXI, &d.E, "E") || !rd(&c, 0, MAXI, &d.Ev, "Ev"))
    return NULL;
  if (c.m >= c.mend) { fail(&c, "meta overflow"); return NULL; }
  d.scale = *c.m++;
  if (!(d.scale > 0 && d.scale < 3.4e38)) { fail(&c, "scale must be positive and finite"); return NULL; }
  if (!rd(&c, 0, 1, &causal, "causal")) return NULL;
  d.causal = (int)causal;
  /* per-thread scratch is a few rows/cols products: keep every one far from overflow */
  if ((double)d.B1 * d.B2 * (d.L + d.S) * (d.E + d.Ev + d.L + d.S) > 1e15) { fail(&c, "too many elements"); return NULL; }
  /* rows and cols of each role: q [L, E], k [S, E], v [S, Ev], out and g [L, Ev], p [L, S] */
  enum { Q, K, V, O, P };
  const int64_t rows[5] = { d.L, d.S, d.S, d.L, d.L }, cols[5] = { d.E, d.E, d.Ev, d.Ev, d.S };
  static const int fwd_roles[5] = { O, P, Q, K, V }, bwd_roles[8] = { Q, K, V, O, P, Q, K, V };
  static const char* const fwd_names[5] = { "out", "p", "q", "k", "v" };
  static const char* const bwd_names[8] = { "gq", "gk", "gv", "g", "p", "q", "k", "v" };
  int64_t* fwd_st[5] = { d.so, d.sp, d.sq, d.sk, d.sv };
  int64_t* bwd_st[8] = { d.sgq, d.sgk, d.sgv, d.so, d.sp, d.sq, d.sk, d.sv };
  float* ptr[8];
  for (int i = 0; i < nargs; i++) {
    const int role = bwd ? bwd_roles[i] : fwd_roles[i];
    const char* vname = bwd ? bwd_names[i] : fwd_names[i];
    int64_t* st = bwd ? bwd_st[i] : fwd_st[i];
    arr_t a;
    int64_t off, st4[4];
    if (!get_arr(&c, 1 + (size_t)i, vname, &a) || !want_dtype(&c, &a, vname, DL_F32) || !rd_view(&c, 3, &off, st4))
      return NULL;
    st4[3] = 1;
    const int64_t shape[4] = { d.B1, d.B2, rows[role], cols[role] };
    if (!check_view(&c, vname, &a, 4, shape, off, st4)) return NULL;
    memcpy(st, st4, 3 * sizeof(int64_t));
    ptr[i] = (float*)a.data + off;
  }
  const int rc = bwd ? dl_attention_backward_f32(ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], ptr[5], ptr[6], ptr[7], &d)
                     : dl_attention_f32(ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], &d);
  if (rc < 0) { fail(&c, "out of memory"); return NULL; }
  return undefined(env);
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

static void inst_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
}

NAPI_MODULE_INIT() {
  const char* fn = "cpu.load";
  inst_t* inst = (inst_t*)calloc(1, sizeof(inst_t));
  if (!inst) return throw_fmt(env, "%s: out of memory", fn);
  NAPI(napi_set_instance_data(env, inst, inst_finalize, NULL));
  const struct { const char* name; napi_callback cb; } fns[] = {
    { "init", js_init },       { "unary", js_unary },   { "cast", js_cast },         { "binary", js_binary },
    { "where", js_where },     { "copy", js_copy },     { "fill", js_fill },         { "reduce", js_reduce },
    { "matmul", js_matmul },   { "gather", js_gather }, { "scatterAdd", js_scatter_add },
    { "alloc", js_alloc },     { "poolStats", js_pool_stats }, { "config", js_config },
    { "fused", js_fused },     { "attention", js_attention },
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    NAPI(napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, inst, &f));
    NAPI(napi_set_named_property(env, exports, fns[i].name, f));
  }
  return exports;
}
