/* Fused kernels: activations.c (softmax, layerNorm, GELU), optim.c (Adam), conv.c (max-pooling
 * indices, im2col / col2im), attention.c. Contiguous float32 arrays unless said otherwise;
 * rows = numel / n. Outputs first. */
#ifndef DL_FUSED_H
#define DL_FUSED_H

#include "common.h"

/* Items per task when n items of `cost` elements each are split over the thread pool: all in one
 * task below 64 Ki elements or with one thread (the hand-off would cost more), otherwise about
 * per_thread tasks per thread. At least 1. */
static inline int64_t dl_per_task(int64_t n, int64_t cost, int per_thread) {
  int64_t tasks = n * cost >= 65536 && dl_num_threads() > 1 ? (int64_t)dl_num_threads() * per_thread : 1;
  if (tasks > n) tasks = n;
  return tasks > 0 ? (n + tasks - 1) / tasks : 1;
}

/* ---- activations.c -------------------------------------------------------------------------- */

/* softmax of scale·x over rows of n; causal > 0: row r keeps its first r % causal + 1 entries */
void dl_softmax_f32(float* out, const float* x, int64_t rows, int64_t n, int log_, double scale, int64_t causal);
void dl_softmax_backward_f32(float* gx, const float* g, const float* y, int64_t rows, int64_t n, int log_, double scale,
                             int64_t causal);
/* w, b may be NULL; mean and rstd are [rows] */
void dl_layernorm_f32(float* out, float* mean, float* rstd, const float* x, const float* w, const float* b,
                      int64_t rows, int64_t n, double eps);
/* gw, gb, w may be NULL; returns -1 when out of memory */
int dl_layernorm_backward_f32(float* gx, float* gw, float* gb, const float* g, const float* x, const float* mean,
                              const float* rstd, const float* w, int64_t rows, int64_t n);
void dl_gelu_f32(float* out, const float* x, int64_t n);
void dl_gelu_backward_f32(float* gx, const float* g, const float* x, int64_t n);

/* ---- optim.c -------------------------------------------------------------------------------- */

/* in place on p, m, v */
void dl_adam_f32(float* p, const float* g, float* m, float* v, int64_t n, double lr, double beta1, double beta2,
                 double eps, double weight_decay, int decoupled, double step);

/* ---- conv.c --------------------------------------------------------------------------------- */

/* idx[p, oh, ow] = the flat index (i * W + j) in plane p of x [planes, H, W] of the first maximum
 * of the kh x kw window at (oh * sh, ow * sw); a NaN counts as the maximum (the first NaN wins).
 * vals (NULL or like idx) gets the maxima themselves. -1: out of memory (vals overlapping x) */
int dl_maxpool_indices_f32(int32_t* idx, float* vals, const float* x, int64_t planes, int64_t H, int64_t W, int64_t kh,
                           int64_t kw, int64_t sh, int64_t sw);

/* d = {N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw}. im2col: cols [C*kh*kw, N*OH*OW] = the taps of x
 * [N, C, H, W] zero-padded (row (c, i, j), column (n, oh, ow) holds x[n, c, oh*sh + i*dh - ph,
 * ow*sw + j*dw - pw]). col2im: x = the sum of each tap of cols, from 0, in tap order per element
 * (the order of the per-tap copies, so both give the same sums); x is not read. */
void dl_im2col_f32(float* cols, const float* x, const int64_t* d);
void dl_col2im_f32(float* x, const float* cols, const int64_t* d);
/* d = the 12 of im2col, then OC. conv2d: y [N, OC, OH, OW] = w [OC, C*kh*kw] times the columns of
 * x, + bias [OC] (NULL: none). Backward from g (like y): gx (like x), gw (like w), gb ([OC]), each
 * NULL when not wanted, written whole. -1: out of memory (a task's scratch) */
int dl_conv2d_f32(float* y, const float* x, const float* w, const float* bias, const int64_t* d);
int dl_conv2d_backward_f32(float* gx, float* gw, float* gb, const float* g, const float* x, const float* w, const int64_t* d);

/* ---- attention.c ---------------------------------------------------------------------------- */

/* Scaled dot-product attention over views [B1, B2, T, D] (strides for B1, B2 and T; the last dim
 * is contiguous): q [.., L, E], k [.., S, E], v [.., S, Ev], out and g [.., L, Ev], p [.., L, S].
 * causal: row i of P keeps j <= i. scale > 0. In the backward, `so` holds the strides of g.
 * Both return -1 when a thread could not get its scratch memory. */
typedef struct {
  int64_t B1, B2, L, S, E, Ev;
  double scale;
  int causal;
  int64_t sq[3], sk[3], sv[3], so[3], sp[3], sgq[3], sgk[3], sgv[3];
} dl_att_dims;
int dl_attention_f32(float* out, float* p, const float* q, const float* k, const float* v, const dl_att_dims* d);
int dl_attention_backward_f32(float* gq, float* gk, float* gv, const float* g, const float* p, const float* q,
                              const float* k, const float* v, const dl_att_dims* d);

#endif
