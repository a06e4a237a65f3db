/* The exported entry points of the wasm backend: unpack the meta block, call the kernels.
 *
 * Calling convention (see src/backend/wasm.ts), the cpu backend's (src/backend/native.ts): meta
 * holds the call's scalars, then each array's view as nd, shape, offset, strides; the arrays
 * themselves are pointers into this module's memory, where TypeScript copied the elements the
 * views reach (each offset is relative to its pointer). TypeScript has validated everything
 * binding.c validates for the addon (dtypes, shapes, every view inside its array, scalars,
 * windows) and only hands over what passed, so nothing is checked again here: a bug there can
 * only corrupt this module's own memory, never the host's. Aliasing (an out that overlaps an
 * input) is the kernels' business, as on cpu: views of one array arrive over one copy.
 * Return values: 0, or -1 when a kernel could not get memory (or, gather/scatterAdd, met an index
 * out of range). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/common.h"
#include "../kernels/fused.h"
#include "../kernels/kernels.h"
#include "../kernels/ops.h"

#define EXPORT(name) __attribute__((export_name(name)))
#define META_LEN 512

static double g_meta[META_LEN];
EXPORT("meta") double* meta(void) { return g_meta; }

typedef struct {
  int nd;
  int64_t shape[DL_MAXD];
  int64_t off;
  int64_t st[DL_MAXD];
} view_t;

/* scalars sc[0..nsc), then views v[0..nv) */
static int64_t view_numel(const view_t* v) {
  int64_t n = 1;
  for (int d = 0; d < v->nd; d++) n *= v->shape[d];
  return n;
}

static void unpack(double* sc, int nsc, view_t* v, int nv) {
  const double* m = g_meta;
  for (int i = 0; i < nsc; i++) sc[i] = *m++;
  for (int k = 0; k < nv; k++) {
    v[k].nd = (int)*m++;
    for (int d = 0; d < v[k].nd; d++) v[k].shape[d] = (int64_t)*m++;
    v[k].off = (int64_t)*m++;
    for (int d = 0; d < v[k].nd; d++) v[k].st[d] = (int64_t)*m++;
  }
}

/* views v[ix[0..n)] walked over the shape of v[s] */
static void iter_of(dl_iter* it, const view_t* v, int s, int n, const int* ix) {
  it->nd = v[s].nd;
  it->nv = n;
  memcpy(it->shape, v[s].shape, sizeof it->shape);
  for (int k = 0; k < n; k++) {
    it->off[k] = v[ix[k]].off;
    memcpy(it->st[k], v[ix[k]].st, sizeof it->st[k]);
  }
}

static const int IN_ORDER[4] = { 0, 1, 2, 3 };

/* ---- the op-name lists, compared with src/prims.ts at load ----------------------------------- */

static const char* const un_names[] = { DL_TS_UNARY(DL_TAG_NAME) };
static const char* const bin_names[] = { DL_TS_BINARY(DL_TAG_NAME) };
static const char* const red_names[] = { DL_TS_REDUCE(DL_TAG_NAME) };
static const char* const fu_names[] = { DL_TS_FUSED(DL_TAG_NAME) };
static char g_names[1024];

/* kind 0: unary, 1: binary, 2: reduce, 3: fused; the names joined with commas */
EXPORT("names") const char* names(int kind) {
  const char* const* list = kind == 0 ? un_names : kind == 1 ? bin_names : kind == 2 ? red_names : fu_names;
  const size_t n = kind == 0 ? UN_COUNT : kind == 1 ? BIN_COUNT : kind == 2 ? RED_COUNT : sizeof fu_names / sizeof *fu_names;
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    const size_t len = strlen(list[i]);
    if (w + len + 2 > sizeof g_names) break;
    if (i) g_names[w++] = ',';
    memcpy(g_names + w, list[i], len);
    w += len;
  }
  g_names[w] = 0;
  return g_names;
}

EXPORT("gemmKind") const char* gemm_kind(void) { return dl_gemm_kind(); }

double dl_wasm_gemm_ceiling(int reps); /* matmul.c */
EXPORT("gemmCeiling") double gemm_ceiling(int reps) { return dl_wasm_gemm_ceiling(reps); }

/* ---- memory for the copied arrays ------------------------------------------------------------ */

/* One block reused by every call (its pages stay warm); replaced when a call needs more. */
static void* g_arena;
static size_t g_arena_bytes;

EXPORT("arena") void* arena(size_t bytes) {
  if (bytes <= g_arena_bytes) return g_arena;
  if (bytes > SIZE_MAX - 63) return NULL;
  free(g_arena);
  g_arena = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
  g_arena_bytes = g_arena ? bytes : 0;
  return g_arena;
}

/* ---- tensor storage: blocks of this memory that TypeScript hands out and takes back --------------- */

/* 64-byte aligned (any element type, the SIMD loads); NULL when the memory cannot grow that far */
EXPORT("alloc") void* storage_alloc(size_t bytes) {
  if (bytes == 0 || bytes > SIZE_MAX - 63) return NULL;
  return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
}

EXPORT("free") void storage_free(void* p) { free(p); }

/* ---- elementwise: meta = (copy: accumulate), then the views, out first ------------------------ */

EXPORT("unary") void unary(int op, int dtype, char* o, const char* a) {
  view_t v[2];
  dl_iter it;
  unpack(NULL, 0, v, 2);
  iter_of(&it, v, 0, 2, IN_ORDER);
  dl_unary(op, dtype, &it, o, a);
}

EXPORT("cast") void cast(int to, int from, char* o, const char* a) {
  view_t v[2];
  dl_iter it;
  unpack(NULL, 0, v, 2);
  iter_of(&it, v, 0, 2, IN_ORDER);
  dl_cast(to, from, &it, o, a);
}

EXPORT("binary") void binary(int op, int tout, int tin, char* o, const char* a, const char* b) {
  view_t v[3];
  dl_iter it;
  unpack(NULL, 0, v, 3);
  iter_of(&it, v, 0, 3, IN_ORDER);
  dl_binary(op, tout, tin, &it, o, a, b);
}

EXPORT("where") void where(int tcond, char* o, const char* c, const char* a, const char* b) {
  view_t v[4];
  dl_iter it;
  unpack(NULL, 0, v, 4);
  iter_of(&it, v, 0, 4, IN_ORDER);
  dl_where(tcond, &it, o, c, a, b);
}

EXPORT("copy") void copy(int dtype, char* o, const char* a) {
  double acc;
  view_t v[2];
  dl_iter it;
  unpack(&acc, 1, v, 2);
  iter_of(&it, v, 0, 2, IN_ORDER);
  dl_copy(dtype, acc != 0, &it, o, a);
}

/* ---- reduce: meta = mask of reduced dims, out, a ----------------------------------------------- */

EXPORT("reduce") int reduce(int op, int dtype, char* o, const char* a) {
  double mask;
  view_t v[2];
  dl_iter it;
  unpack(&mask, 1, v, 2);
  iter_of(&it, v, 1, 2, IN_ORDER); /* over a's shape; out's strides along the reduced dims do not matter */
  return dl_reduce(op, dtype, (uint32_t)mask, &it, o, a);
}

/* ---- matmul: meta = out, a, b (, bias) ------------------------------------------------------- */

EXPORT("matmul") int matmul(char* o, const char* a, const char* b, const float* bias) {
  view_t v[4];
  unpack(NULL, 0, v, bias ? 4 : 3);
  const int nd = v[1].nd;
  int64_t shape[DL_MAXD + 1]; /* batch dims, M, K, N */
  memcpy(shape, v[1].shape, (size_t)nd * sizeof(int64_t));
  shape[nd] = v[2].shape[nd - 1];
  return dl_matmul(o, a, b, nd, shape, v[0].off, v[0].st, v[1].off, v[1].st, v[2].off, v[2].st,
                   bias ? bias + v[3].off : NULL, bias ? v[3].st[0] : 0);
}

/* ---- gather (meta = dim, out, a, index) and scatterAdd (meta = dim, fresh, out, index, src) ----- */

EXPORT("gather") int gather(char* o, const char* a, const int32_t* ix) {
  double dim;
  view_t v[3];
  dl_iter it;
  static const int order[3] = { 0, 2, 1 }; /* walks (out, index, a with stride 0 along dim) */
  unpack(&dim, 1, v, 3);
  iter_of(&it, v, 0, 3, order);
  it.st[2][(int)dim] = 0;
  return dl_gather(&it, o, a, ix, v[1].st[(int)dim], v[1].shape[(int)dim]);
}

EXPORT("scatterAdd") int scatter_add(int dtype, char* o, const int32_t* ix, const char* src) {
  double sc[2]; /* dim, fresh (wasm.ts has checked that a fresh out is contiguous) */
  view_t v[3];
  dl_iter it;
  static const int order[3] = { 1, 2, 0 }; /* walks (index, src, out with stride 0 along dim) */
  unpack(sc, 2, v, 3);
  const int dim = (int)sc[0];
  iter_of(&it, v, 1, 3, order);
  it.st[2][dim] = 0;
  return dl_scatter_add(dtype, &it, o, ix, src, v[0].st[dim], v[0].shape[dim], sc[1] != 0 ? o + v[0].off * 4 : NULL,
                        view_numel(&v[0]));
}

/* ---- scan (meta = op, dim, reverse, then out, a and, for cummax/cummin, indices) and sort
 * (meta = dim, descending, then values, indices, a); every view has a's shape ------------------ */

EXPORT("scan") int scan(int dtype, int has_ix, char* o, const char* a, int32_t* ix) {
  double sc[3];
  view_t v[3];
  unpack(sc, 3, v, has_ix ? 3 : 2);
  return dl_scan((int)sc[0], dtype, sc[2] != 0, v[1].nd, v[1].shape, (int)sc[1], o, v[0].off, v[0].st, a, v[1].off, v[1].st,
                 has_ix ? ix : NULL, has_ix ? v[2].off : 0, has_ix ? v[2].st : NULL);
}

EXPORT("sort") int sort(int dtype, char* o, int32_t* ix, const char* a) {
  double sc[2];
  view_t v[3];
  unpack(sc, 2, v, 3);
  return dl_sort(dtype, sc[1] != 0, v[2].nd, v[2].shape, (int)sc[0], o, v[0].off, v[0].st, ix, v[1].off, v[1].st, a, v[2].off, v[2].st);
}

/* ---- fused kernels: meta = the kernel's scalars, then the views of the arrays that are not null.
 * Each kernel: the array whose last dim is n and whose element count is rows·n, its scalars, the
 * call (p: the arrays, offsets applied; an int < 0 is out of memory). One arm per name of
 * FUSED_KERNELS (src/prims.ts), checked at compile time as ops.h checks its families. */

#define OK(call) ((call), 0)
#define GLUE_FUSED_ARMS(X)                                                                                       \
  X(softmax, 1, 3, OK(dl_softmax_f32(p[0], p[1], rows, n, sc[0] != 0, sc[1], iv[2])))                         \
  X(softmaxBackward, 2, 3, OK(dl_softmax_backward_f32(p[0], p[1], p[2], rows, n, sc[0] != 0, sc[1], iv[2])))  \
  X(layerNorm, 3, 1, OK(dl_layernorm_f32(p[0], p[1], p[2], p[3], p[4], p[5], rows, n, sc[0])))                 \
  X(layerNormBackward, 4, 0, dl_layernorm_backward_f32(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], rows, n)) \
  X(gelu, 1, 0, OK(dl_gelu_f32(p[0], p[1], rows * n)))                                                          \
  X(geluBackward, 2, 0, OK(dl_gelu_backward_f32(p[0], p[1], p[2], rows * n)))                                   \
  X(adam, 0, 7, OK(dl_adam_f32(p[0], p[1], p[2], p[3], rows * n, sc[0], sc[1], sc[2], sc[3], sc[4], sc[5] != 0, sc[6]))) \
  X(maxPoolIndices, 0, 6, dl_maxpool_indices_f32((int32_t*)p[0], p[2], p[1], rows, iv[0], iv[1], iv[2], iv[3], iv[4], iv[5])) \
  X(im2col, 0, 12, OK(dl_im2col_f32(p[0], p[1], iv)))                                                           \
  X(col2im, 1, 12, OK(dl_col2im_f32(p[0], p[1], iv)))                                                          \
  X(conv2d, 0, 13, dl_conv2d_f32(p[0], p[1], p[2], p[3], iv))                                                   \
  X(conv2dBackward, 3, 13, dl_conv2d_backward_f32(p[0], p[1], p[2], p[3], p[4], p[5], iv))

#define FU_TAG(name) FU_##name,
#define FU_ARM(name, ...) glue_arm_fu_##name,
#define FU_NEED(name) + 0 * glue_arm_fu_##name
DL_FAMILY(FU, DL_TS_FUSED, GLUE_FUSED_ARMS, "fused (native/wasm/glue.c)")

#define FU_LIKE(name, like, nsc, call) [FU_##name] = { like, nsc },
static const struct { int like, nsc; } fu_spec[FU_COUNT] = { GLUE_FUSED_ARMS(FU_LIKE) };

/* p: the arrays' region pointers, NULL for an absent optional one (which has no view in meta) */
EXPORT("fused") int fused(int kind, float* p0, float* p1, float* p2, float* p3, float* p4, float* p5, float* p6, float* p7) {
  float* p[8] = { p0, p1, p2, p3, p4, p5, p6, p7 };
  double sc[13] = { 0 }; /* conv2d's 13 scalars at most */
  int64_t iv[13];
  view_t v[8];
  int nv = 0, at[8];
  for (int i = 0; i < 8; i++) at[i] = p[i] ? nv++ : -1;
  unpack(sc, fu_spec[kind].nsc, v, nv);
  for (int i = 0; i < 8; i++)
    if (p[i]) p[i] += v[at[i]].off;
  for (int i = 0; i < 13; i++) iv[i] = (int64_t)sc[i];
  const view_t* like = &v[at[fu_spec[kind].like]];
  const int64_t total = view_numel(like);
  const int64_t n = like->nd ? like->shape[like->nd - 1] : 1, rows = n ? total / n : 0;
  if (rows * n == 0) return 0;
  switch (kind) {
#define FU_CASE(name, like, nsc, call) case FU_##name: return call;
    GLUE_FUSED_ARMS(FU_CASE)
  }
  return -1;
}

/* ---- attention: meta = scale, causal, then 4-D views [B1, B2, rows, cols] whose last dim has
 * stride 1. Forward arrays: out, p, q, k, v; backward: gq, gk, gv, g, p, q, k, v. */

EXPORT("attention") int attention(int bwd, float* p0, float* p1, float* p2, float* p3, float* p4, float* p5, float* p6,
                                  float* p7) {
  float* p[8] = { p0, p1, p2, p3, p4, p5, p6, p7 };
  double sc[2];
  view_t v[8];
  const int nargs = bwd ? 8 : 5;
  unpack(sc, 2, v, nargs);
  dl_att_dims d;
  memset(&d, 0, sizeof d);
  const view_t *q = &v[nargs - 3], *k = &v[nargs - 2], *vv = &v[nargs - 1];
  d.B1 = q->shape[0];
  d.B2 = q->shape[1];
  d.L = q->shape[2];
  d.E = q->shape[3];
  d.S = k->shape[2];
  d.Ev = vv->shape[3];
  d.scale = sc[0];
  d.causal = sc[1] != 0;
  int64_t* fwd_st[5] = { d.so, d.sp, d.sq, d.sk, d.sv };
  int64_t* bwd_st[8] = { d.sgq, d.sgk, d.sgv, d.so, d.sp, d.sq, d.sk, d.sv };
  for (int i = 0; i < nargs; i++) {
    p[i] += v[i].off;
    memcpy(bwd ? bwd_st[i] : fwd_st[i], v[i].st, 3 * sizeof(int64_t));
  }
  return bwd ? dl_attention_backward_f32(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], &d)
             : dl_attention_f32(p[0], p[1], p[2], p[3], p[4], &d);
}
