/* The exported entry points of the wasm backend: unpack the meta block, call the kernels.
 *
 * Calling convention (see src/backend/wasm.ts): TypeScript copies each array an op touches into
 * a region of this module's memory and passes the region pointers; shapes, strides, element
 * offsets (relative to each region) and scalars go into g_meta in the same layout as the cpu
 * backend's meta (native/binding.c). TypeScript has validated everything (dtypes, shapes, every
 * view inside its region, indices, window sizes) and only hands over what passed, so nothing is
 * checked again here: a bug there can only corrupt this module's own memory, never the host's.
 * Return values: 0, or -1 when a kernel could not get scratch memory (or found a bad index). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/common.h"
#include "../kernels/fused.h"
#include "../kernels/kernels.h"

#define EXPORT(name) __attribute__((export_name(name)))
#define META_LEN 512

static double g_meta[META_LEN];
static const double* g_m; /* read cursor */

static int64_t rd(void) { return (int64_t)*g_m++; }
static void rd_n(int64_t* v, int n) {
  for (int i = 0; i < n; i++) v[i] = rd();
}

EXPORT("meta") double* meta(void) { return g_meta; }

/* ---- the op-name lists, compared with src/prims.ts at load ----------------------------------- */

static char g_names[1024];

/* kind 0: unary, 1: binary, 2: reduce; the names joined with commas */
EXPORT("names") const char* names(int kind) {
  const char* const* list = kind == 0 ? dl_unary_names : kind == 1 ? dl_binary_names : dl_reduce_names;
  const int n = kind == 0 ? UN_COUNT : kind == 1 ? BIN_COUNT : RED_COUNT;
  size_t w = 0;
  for (int i = 0; i < n; i++) {
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

/* ---- elementwise: meta = nd, shape, then offset and strides of each view -------------------- */

static void rd_iter(dl_iter* it, int nv) {
  it->nd = (int)rd();
  it->nv = nv;
  rd_n(it->shape, it->nd);
  for (int v = 0; v < nv; v++) {
    it->off[v] = rd();
    rd_n(it->st[v], it->nd);
  }
}

EXPORT("unary") void unary(int op, int dtype, char* o, const char* a) {
  dl_iter it;
  g_m = g_meta;
  rd_iter(&it, 2);
  dl_unary(op, dtype, &it, o, a);
}

EXPORT("cast") void cast(int to, int from, char* o, const char* a) {
  dl_iter it;
  g_m = g_meta;
  rd_iter(&it, 2);
  dl_cast(to, from, &it, o, a);
}

EXPORT("binary") void binary(int op, int tout, int tin, char* o, const char* a, const char* b) {
  dl_iter it;
  g_m = g_meta;
  rd_iter(&it, 3);
  dl_binary(op, tout, tin, &it, o, a, b);
}

EXPORT("where") void where(int tcond, char* o, const char* c, const char* a, const char* b) {
  dl_iter it;
  g_m = g_meta;
  rd_iter(&it, 4);
  dl_where(tcond, &it, o, c, a, b);
}

/* then: accumulate (0/1) */
EXPORT("copy") void copy(int dtype, char* o, const char* a) {
  dl_iter it;
  g_m = g_meta;
  rd_iter(&it, 2);
  dl_copy(dtype, rd() != 0, &it, o, a);
}

/* ---- reduce: meta = nd, a's shape, out offset, a offset and strides, axes mask --------------- */

EXPORT("reduce") void reduce(int op, int dtype, char* o, const char* a) {
  int64_t shape[DL_MAXD], st[DL_MAXD];
  g_m = g_meta;
  const int nd = (int)rd();
  rd_n(shape, nd);
  const int64_t ooff = rd(), aoff = rd();
  rd_n(st, nd);
  const uint32_t mask = (uint32_t)rd();
  dl_reduce(op, dtype, o + ooff * 4, a, nd, shape, aoff, st, mask);
}

/* ---- matmul: meta = nd, batch dims, M, K, N, out/a/b offsets and strides, has bias, bias offset
 * and stride. out is a contiguous region of its own (TypeScript guarantees it). */

EXPORT("matmul") int matmul(float* o, const float* a, const float* b, const float* bias) {
  int64_t shp[DL_MAXD + 1], so[DL_MAXD], sa[DL_MAXD], sb[DL_MAXD], sbias = 0;
  g_m = g_meta;
  const int nd = (int)rd(), nb = nd - 2;
  rd_n(shp, nd + 1);
  const int64_t oo = rd();
  rd_n(so, nd);
  const int64_t oa = rd();
  rd_n(sa, nd);
  const int64_t ob = rd();
  rd_n(sb, nd);
  if (rd()) {
    bias += rd();
    sbias = rd();
  } else {
    bias = NULL;
  }
  const int64_t M = shp[nb], K = shp[nb + 1], N = shp[nb + 2];
  return dl_matmul_f32(o + oo, a + oa, b + ob, nb, shp, sa, sb, so, M, N, K, sa[nb], sa[nb + 1], sb[nb], sb[nb + 1],
                       so[nb], bias, sbias);
}

/* ---- gather / scatterAdd --------------------------------------------------------------------- */

/* meta = nd, out shape, out view, index view, a offset and strides, a shape, dim */
EXPORT("gather") int gather(char* o, const char* a, const int32_t* ix) {
  dl_iter it;
  int64_t ashape[DL_MAXD];
  g_m = g_meta;
  rd_iter(&it, 2);
  it.nv = 3;
  it.off[2] = rd();
  rd_n(it.st[2], it.nd);
  rd_n(ashape, it.nd);
  const int dim = (int)rd();
  const int64_t sdim = it.st[2][dim];
  it.st[2][dim] = 0;
  return dl_gather(&it, o, a, ix, sdim, ashape[dim]);
}

/* meta = nd, index shape, index view, src view, out offset and strides, out shape, dim */
EXPORT("scatterAdd") int scatter_add(int dtype, char* o, const int32_t* ix, const char* src) {
  dl_iter it;
  int64_t oshape[DL_MAXD];
  g_m = g_meta;
  rd_iter(&it, 2);
  it.nv = 3;
  it.off[2] = rd();
  rd_n(it.st[2], it.nd);
  rd_n(oshape, it.nd);
  const int dim = (int)rd();
  const int64_t sdim = it.st[2][dim];
  it.st[2][dim] = 0;
  return dl_scatter_add(dtype, &it, o, ix, src, sdim, oshape[dim]);
}

/* ---- fused kernels: meta = rows, n, scalars, then the offset of each array ------------------- */

enum { FU_SOFTMAX, FU_SOFTMAX_BWD, FU_LAYERNORM, FU_LAYERNORM_BWD, FU_GELU, FU_GELU_BWD, FU_ADAM, FU_MAXPOOL_IDX, FU_IM2COL, FU_COL2IM };
static const int fused_nargs[] = { 2, 3, 6, 8, 2, 3, 4, 2, 2, 2 };
static const int fused_nscalars[] = { 3, 3, 1, 0, 0, 0, 7, 6, 10, 10 };

/* p: the arrays' region pointers (NULL for an absent optional one) */
EXPORT("fused") int fused(int kind, float* p0, float* p1, float* p2, float* p3, float* p4, float* p5, float* p6, float* p7) {
  float* p[8] = { p0, p1, p2, p3, p4, p5, p6, p7 };
  double sc[12];
  g_m = g_meta;
  const int64_t rows = rd(), n = rd();
  for (int i = 0; i < fused_nscalars[kind]; i++) sc[i] = *g_m++;
  for (int i = 0; i < fused_nargs[kind]; i++) {
    const int64_t off = rd();
    if (p[i]) p[i] += off;
  }
  int64_t d[10];
  for (int i = 0; i < 10; i++) d[i] = (int64_t)sc[i];
  switch (kind) {
    case FU_SOFTMAX: dl_softmax_f32(p[0], p[1], rows, n, sc[0] != 0, sc[1], d[2]); return 0;
    case FU_SOFTMAX_BWD: dl_softmax_backward_f32(p[0], p[1], p[2], rows, n, sc[0] != 0, sc[1], d[2]); return 0;
    case FU_LAYERNORM: dl_layernorm_f32(p[0], p[1], p[2], p[3], p[4], p[5], rows, n, sc[0]); return 0;
    case FU_LAYERNORM_BWD: return dl_layernorm_backward_f32(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], rows, n);
    case FU_GELU: dl_gelu_f32(p[0], p[1], rows * n); return 0;
    case FU_GELU_BWD: dl_gelu_backward_f32(p[0], p[1], p[2], rows * n); return 0;
    case FU_ADAM: dl_adam_f32(p[0], p[1], p[2], p[3], rows * n, sc[0], sc[1], sc[2], sc[3], sc[4], sc[5] != 0, sc[6]); return 0;
    case FU_MAXPOOL_IDX: dl_maxpool_indices_f32((int32_t*)p[0], p[1], rows, d[0], d[1], d[2], d[3], d[4], d[5]); return 0;
    case FU_IM2COL: dl_im2col_f32(p[0], p[1], d); return 0;
    case FU_COL2IM: dl_col2im_f32(p[0], p[1], d); return 0;
  }
  return -1;
}

/* ---- attention: meta = B1, B2, L, S, E, Ev, scale, causal, then per array its offset and the
 * strides of its first three dims (the last has stride 1). Forward arrays: out, p, q, k, v;
 * backward: gq, gk, gv, g, p, q, k, v. */

EXPORT("attention") int attention(int bwd, float* p0, float* p1, float* p2, float* p3, float* p4, float* p5, float* p6,
                                  float* p7) {
  float* p[8] = { p0, p1, p2, p3, p4, p5, p6, p7 };
  dl_att_dims d;
  memset(&d, 0, sizeof d);
  g_m = g_meta;
  d.B1 = rd(); d.B2 = rd(); d.L = rd(); d.S = rd(); d.E = rd(); d.Ev = rd();
  d.scale = *g_m++;
  d.causal = (int)rd();
  int64_t* fwd_st[5] = { d.so, d.sp, d.sq, d.sk, d.sv };
  int64_t* bwd_st[8] = { d.sgq, d.sgk, d.sgv, d.so, d.sp, d.sq, d.sk, d.sv };
  const int nargs = bwd ? 8 : 5;
  for (int i = 0; i < nargs; i++) {
    p[i] += rd();
    rd_n(bwd ? bwd_st[i] : fwd_st[i], 3);
  }
  return bwd ? dl_attention_backward_f32(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], &d)
             : dl_attention_f32(p[0], p[1], p[2], p[3], p[4], &d);
}
