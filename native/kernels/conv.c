/* Convolution and pooling helpers: max-pooling window indices (the backward scatters through
 * them) and im2col / col2im (a convolution is one sgemm over the im2col columns). Contiguous
 * float32 [N, C, H, W]; planes (or taps) are split over the thread pool when the work is large. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "common.h"
#include "fused.h"
#include "gemm.h"
#include "kernels.h"
#include "vmath.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif

/* ---- max-pooling window indices -------------------------------------------------------------- */

typedef struct { int32_t* idx; float* vals; const float* x; int64_t H, W, kh, kw, sh, sw, OH, OW, planes, ntasks; } pool_ctx;

#define POOL_CHUNK 64

#if defined(__AVX2__)
/* One output row of the common 2x2 / stride 2 pool, 8 windows at a time: the even and odd columns
 * of the two input rows are the four candidates, compared in the window's row-major order. The
 * last group may be short: masked loads (nothing read past the row's 2·rem columns) and masked
 * stores. vals (may be NULL) gets the maxima. Returns OW: the whole row is done. */
static int64_t maxpool2x2_row(int32_t* idx, float* vals, const float* x, int64_t W, int64_t oh, int64_t OW) {
  const float* r0 = x + 2 * oh * W;
  const float* r1 = r0 + W;
  const __m256i step = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int32_t offs[4] = { 0, 1, (int32_t)W, (int32_t)W + 1 };
  for (int64_t ow = 0; ow < OW; ow += 8) {
    const int32_t rem = OW - ow < 8 ? (int32_t)(OW - ow) : 8;
    const __m256i ma = _mm256_cmpgt_epi32(_mm256_set1_epi32(2 * rem), lane);
    const __m256i mb = _mm256_cmpgt_epi32(_mm256_set1_epi32(2 * rem - 8), lane);
    const int64_t c0 = 2 * ow;
    __m256 v[4];
    for (int r = 0; r < 2; r++) {
      const float* row = r ? r1 : r0;
      const __m256 a = rem == 8 ? _mm256_loadu_ps(row + c0) : _mm256_maskload_ps(row + c0, ma);
      const __m256 b = rem == 8 ? _mm256_loadu_ps(row + c0 + 8) : _mm256_maskload_ps(row + c0 + 8, mb);
      const __m256 ev = _mm256_shuffle_ps(a, b, 0x88), od = _mm256_shuffle_ps(a, b, 0xDD); /* per lane */
      v[2 * r] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xD8));
      v[2 * r + 1] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(od), 0xD8));
    }
    const __m256i base = _mm256_add_epi32(_mm256_set1_epi32((int32_t)(2 * oh * W + c0)), step);
    __m256 best = v[0];
    __m256i bi = base;
    for (int t = 1; t < 4; t++) { /* a larger value, or any NaN, takes over (maxpool_plane's scan) */
      const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v[t], best, _CMP_GT_OQ), _mm256_cmp_ps(v[t], v[t], _CMP_UNORD_Q));
      best = _mm256_blendv_ps(best, v[t], take);
      const __m256i cand = _mm256_add_epi32(base, _mm256_set1_epi32(offs[t]));
      bi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(bi), _mm256_castsi256_ps(cand), take));
    }
    if (rem == 8) {
      _mm256_storeu_si256((__m256i*)(idx + ow), bi);
      if (vals) _mm256_storeu_ps(vals + ow, best);
    } else {
      const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(rem), lane);
      _mm256_maskstore_epi32(idx + ow, m, bi);
      if (vals) _mm256_maskstore_ps(vals + ow, m, best);
    }
  }
  return OW;
}
#endif

static void maxpool_plane(const pool_ctx* k, int64_t p) {
  const int64_t H = k->H, W = k->W, kh = k->kh, kw = k->kw, sh = k->sh, sw = k->sw, OH = k->OH, OW = k->OW;
  const float* x = k->x + p * H * W;
  int32_t* idx = k->idx + p * OH * OW;
  float* vals = k->vals ? k->vals + p * OH * OW : NULL;
  float best[POOL_CHUNK];
  int32_t bi[POOL_CHUNK];
  /* 2x2 / stride 2 rows go to maxpool2x2_row on AVX2. Otherwise up to 64 windows of one output
     row at a time, tap by tap: the windows are independent, so the loop over them vectorises
     (branch-free selects) instead of chaining compares per window */
  for (int64_t oh = 0; oh < OH; oh++) {
    int64_t ow_start = 0;
#if defined(__AVX2__)
    if (kh == 2 && kw == 2 && sh == 2 && sw == 2) ow_start = maxpool2x2_row(idx + oh * OW, vals ? vals + oh * OW : NULL, x, W, oh, OW);
#endif
    for (int64_t ow0 = ow_start; ow0 < OW; ow0 += POOL_CHUNK) {
      const int64_t m = OW - ow0 < POOL_CHUNK ? OW - ow0 : POOL_CHUNK;
      const int32_t base = (int32_t)(oh * sh * W + ow0 * sw);
      for (int64_t t = 0; t < m; t++) {
        bi[t] = base + (int32_t)(t * sw);
        best[t] = x[bi[t]];
      }
      for (int64_t i = 0; i < kh; i++) {
        for (int64_t j = (i == 0); j < kw; j++) {
          const int32_t off = base + (int32_t)(i * W + j);
          const float* row = x + off;
          /* PyTorch's scan, `val > max || isnan(val)`: a larger value or any NaN takes over, so the
             window's first maximum or else its last NaN gets the gradient */
          for (int64_t t = 0; t < m; t++) {
            const float v = row[t * sw], b = best[t];
            const bool take = (v > b) | (v != v);
            best[t] = take ? v : b;
            bi[t] = take ? off + (int32_t)(t * sw) : bi[t];
          }
        }
      }
      memcpy(idx + oh * OW + ow0, bi, (size_t)m * sizeof(int32_t));
      if (vals) memcpy(vals + oh * OW + ow0, best, (size_t)m * sizeof(float));
    }
  }
}

/* task t of ntasks: a contiguous block of planes (one task per plane made neighbouring planes'
   index rows, which share cache lines, be written by both threads in turn: 2.7x slower than one
   thread at [1024, 28, 28]) */
static void maxpool_block(void* ctx, int64_t t) {
  const pool_ctx* k = (const pool_ctx*)ctx;
  for (int64_t p = k->planes * t / k->ntasks, e = k->planes * (t + 1) / k->ntasks; p < e; p++) maxpool_plane(k, p);
}

int dl_maxpool_indices_f32(int32_t* idx, float* vals, const float* x, int64_t planes, int64_t H, int64_t W, int64_t kh,
                           int64_t kw, int64_t sh, int64_t sw) {
  pool_ctx k = { idx, vals, x, H, W, kh, kw, sh, sw, (H - kh) / sh + 1, (W - kw) / sw + 1, planes, 1 };
  /* vals written over x (any overlap) would change windows not read yet: read a copy instead */
  const size_t xbytes = (size_t)(planes * H * W) * sizeof(float), vbytes = (size_t)(planes * k.OH * k.OW) * sizeof(float);
  void* copy = NULL;
  size_t cls = 0;
  const char *v = (const char*)vals, *xc = (const char*)x;
  if (!dl_spans_apart(v, v ? v + vbytes : NULL, xc, xc + xbytes)) {
    bool fresh;
    copy = dl_pool_get(xbytes, &cls, &fresh);
    if (!copy) return -1;
    memcpy(copy, x, xbytes);
    k.x = (const float*)copy;
  }
  /* planes are independent: split them over the threads when there is enough work */
  if (planes > 1 && planes * k.OH * k.OW * kh * kw >= ((int64_t)1 << 16)) {
    const int64_t nt = dl_num_threads();
    k.ntasks = nt < planes ? nt : planes;
  }
  dl_parallel(k.ntasks, maxpool_block, &k);
  if (copy) dl_pool_put(copy, cls);
  return 0;
}

/* ---- im2col / col2im ------------------------------------------------------------------------- */

typedef struct { float* o; const float* a; int64_t N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW; } conv_ctx;

static void conv_ctx_init(conv_ctx* k, float* o, const float* a, const int64_t* d) {
  k->o = o; k->a = a;
  k->N = d[0]; k->C = d[1]; k->H = d[2]; k->W = d[3]; k->kh = d[4]; k->kw = d[5];
  k->sh = d[6]; k->sw = d[7]; k->ph = d[8]; k->pw = d[9]; k->dh = d[10]; k->dw = d[11];
  /* a dilated window spans d·(k - 1) + 1 input positions */
  k->OH = (k->H + 2 * k->ph - k->dh * (k->kh - 1) - 1) / k->sh + 1;
  k->OW = (k->W + 2 * k->pw - k->dw * (k->kw - 1) - 1) / k->sw + 1;
}

/* the output columns [w0, w1) of tap offset j (= tap index · dw) whose input column ow*sw + j - pw
 * is inside [0, W) */
static void tap_cols(const conv_ctx* k, int64_t j, int64_t* w0, int64_t* w1) {
  int64_t lo = 0, hi = k->OW;
  while (lo < hi && lo * k->sw + j - k->pw < 0) lo++;
  while (hi > lo && (hi - 1) * k->sw + j - k->pw >= k->W) hi--;
  *w0 = lo; *w1 = hi;
}

/* Both split (channel c, block of NB images) into tasks: a task reads its planes of x once and
 * streams the kh·kw tap rows of cols, each contiguous over the block's images. (Split by tap row,
 * im2col read every plane kh·kw times; split by plane, col2im read kh·kw short pieces per plane, too
 * short for the hardware prefetcher.) About 64 tasks, for balance over the threads. */
static int64_t conv_block(const conv_ctx* k) {
  const int64_t nb = (k->N * k->C + 63) / 64;
  return nb < 1 ? 1 : nb > k->N ? k->N : nb;
}

/* GCC turns the copy and zeroing loops below into memcpy/memset calls, which cost more than the
 * copy on rows this short; clang (the wasm build) has no such attribute and inlines them anyway */
#if defined(__GNUC__) && !defined(__clang__)
#define PLAIN_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define PLAIN_LOOPS
#endif

/* Stride 1 with OW == W ("same" padding): one image's block of a tap is the image shifted by
 * (dy, dx), so its valid rows are one contiguous copy; then the columns that wrapped in from the
 * neighbouring row, and the rows outside the image, are zeroed. (Row by row, the 14-column rows of
 * the MNIST CNN cost more in loop overhead, scalar tails and memcpy calls than in copying.) */
/* d[oh·W + ow] = 0 for the columns ow < w0 and ow >= w1 of rows [oh0, oh1): a tap's entries that
 * wrapped into the neighbouring row. Column by column: the few wrapped columns (one of a 3x3
 * window's edge taps) cost a strided store per row, with no loop set up per row for the empty sides. */
static inline void zero_wrapped(float* d, int64_t W, int64_t oh0, int64_t oh1, int64_t w0, int64_t w1) {
  for (int64_t ow = 0; ow < w0; ow++)
    for (int64_t oh = oh0; oh < oh1; oh++) d[oh * W + ow] = 0.0f;
  for (int64_t ow = w1; ow < W; ow++)
    for (int64_t oh = oh0; oh < oh1; oh++) d[oh * W + ow] = 0.0f;
}

PLAIN_LOOPS static void im2col_same(float* restrict d, const float* restrict s, const conv_ctx* k, int64_t dy, int64_t dx,
                        int64_t w0, int64_t w1) {
  const int64_t W = k->W, OH = k->OH;
  /* output rows [oh0, oh1) read input rows oh + dy inside the image */
  const int64_t oh0 = dl_min64(OH, dy < 0 ? -dy : 0), oh1 = dl_max64(oh0, dl_min64(OH, k->H - dy));
  if (oh1 == oh0 || w1 <= w0) { memset(d, 0, (size_t)(OH * W) * sizeof(float)); return; }
  for (int64_t p = 0; p < oh0 * W; p++) d[p] = 0.0f;
  /* from (oh0, w0) to (oh1 - 1, w1): the source stays inside the image since w0 + dx >= 0 and w1 + dx <= W */
  const int64_t p0 = oh0 * W + w0, p1 = (oh1 - 1) * W + w1;
  { const float* restrict q = s + dy * W + dx; for (int64_t p = p0; p < p1; p++) d[p] = q[p]; }
  zero_wrapped(d, W, oh0, oh1, w0, w1);
  for (int64_t p = oh1 * W; p < OH * W; p++) d[p] = 0.0f;
}

/* one image's block of tap (ti, tj) (offsets in the dilated window), any stride */
static void im2col_tap(float* restrict dst, const float* restrict src, const conv_ctx* k, int64_t ti, int64_t tj) {
  const int64_t OH = k->OH, OW = k->OW;
  int64_t w0, w1;
  tap_cols(k, tj, &w0, &w1);
  if (k->sh == 1 && k->sw == 1 && OW == k->W) { im2col_same(dst, src, k, ti - k->ph, tj - k->pw, w0, w1); return; }
  for (int64_t oh = 0; oh < OH; oh++) {
    float* restrict d = dst + oh * OW;
    const int64_t hh = oh * k->sh + ti - k->ph;
    if (hh < 0 || hh >= k->H || w1 <= w0) { memset(d, 0, (size_t)OW * sizeof(float)); continue; }
    const float* restrict s = src + hh * k->W + tj - k->pw;
    for (int64_t ow = 0; ow < w0; ow++) d[ow] = 0.0f;
    if (k->sw == 1) for (int64_t ow = w0; ow < w1; ow++) d[ow] = s[ow]; /* vectorises; short rows beat memcpy */
    else for (int64_t ow = w0; ow < w1; ow++) d[ow] = s[ow * k->sw];
    for (int64_t ow = w1; ow < OW; ow++) d[ow] = 0.0f;
  }
}

/* task t of im2col and col2im: channel *c = t / nblocks, images [*n0, *n1) = block t % nblocks of NB */
static void conv_task(const conv_ctx* k, int64_t t, int64_t* c, int64_t* n0, int64_t* n1) {
  const int64_t NB = conv_block(k), nblocks = (k->N + NB - 1) / NB;
  *c = t / nblocks;
  *n0 = (t % nblocks) * NB;
  *n1 = dl_min64(*n0 + NB, k->N);
}

static void im2col_task(void* ctx, int64_t t) {
  const conv_ctx* k = (const conv_ctx*)ctx;
  int64_t c, n0, n1;
  conv_task(k, t, &c, &n0, &n1);
  const int64_t P = k->OH * k->OW, L = k->N * P;
  for (int64_t n = n0; n < n1; n++) {
    const float* src = k->a + (n * k->C + c) * k->H * k->W;
    for (int64_t i = 0; i < k->kh; i++)
      for (int64_t j = 0; j < k->kw; j++)
        im2col_tap(k->o + ((c * k->kh + i) * k->kw + j) * L + n * P, src, k, i * k->dh, j * k->dw);
  }
}

/* One plane of x = every tap, added tap by tap in order (i, j) to zeros; tap t's rows start at
 * taps + t·L. (Zeroing the plane here, in cache, costs less than a zeroed allocation: one more pass
 * over all of x.) */
static void col2im_plane(float* restrict x, const float* taps, const conv_ctx* k, int64_t L) {
  const int64_t OW = k->OW;
  memset(x, 0, (size_t)(k->H * k->W) * sizeof(float));
  for (int64_t i = 0; i < k->kh; i++) {
    for (int64_t j = 0; j < k->kw; j++) {
      const float* s = taps + (i * k->kw + j) * L;
      const int64_t dx = j * k->dw - k->pw;
      int64_t w0, w1;
      tap_cols(k, j * k->dw, &w0, &w1);
      for (int64_t oh = 0; oh < k->OH; oh++, s += OW) {
        const int64_t hh = oh * k->sh + i * k->dh - k->ph;
        if (hh < 0 || hh >= k->H) continue;
        float* d = x + hh * k->W + dx;
        if (k->sw == 1) for (int64_t ow = w0; ow < w1; ow++) d[ow] += s[ow]; /* vectorises */
        else for (int64_t ow = w0; ow < w1; ow++) d[ow * k->sw] += s[ow];
      }
    }
  }
}

/* col2im_plane for stride 1 with OW == W (padding "same"), from columns the caller may overwrite
 * (conv2d's per-image scratch): a tap's entries that read the padding are zeroed first, so the tap
 * adds as one contiguous run shifted by (dy, dx), as im2col_same copies it, instead of row by row
 * (the MNIST CNN's 14-column rows were mostly loop overhead). The wrapped entries add 0. */
PLAIN_LOOPS static void col2im_plane_same(float* restrict x, float* taps, const conv_ctx* k, int64_t L) {
  const int64_t W = k->W, OH = k->OH;
  memset(x, 0, (size_t)(k->H * W) * sizeof(float));
  for (int64_t i = 0; i < k->kh; i++) {
    for (int64_t j = 0; j < k->kw; j++) {
      float* s = taps + (i * k->kw + j) * L;
      const int64_t dy = i * k->dh - k->ph, dx = j * k->dw - k->pw;
      int64_t w0, w1;
      tap_cols(k, j * k->dw, &w0, &w1);
      const int64_t oh0 = dl_min64(OH, dy < 0 ? -dy : 0), oh1 = dl_max64(oh0, dl_min64(OH, k->H - dy));
      if (oh1 == oh0 || w1 <= w0) continue;
      zero_wrapped(s, W, oh0, oh1, w0, w1);
      float* restrict d = x + dy * W + dx; /* d[p] is x at (oh + dy, ow + dx) for p = oh·W + ow */
      for (int64_t p = oh0 * W + w0, e = (oh1 - 1) * W + w1; p < e; p++) d[p] += s[p];
    }
  }
}

/* no two tasks write the same element of x */
static void col2im_task(void* ctx, int64_t t) {
  const conv_ctx* k = (const conv_ctx*)ctx;
  int64_t c, n0, n1;
  conv_task(k, t, &c, &n0, &n1);
  const int64_t P = k->OH * k->OW, L = k->N * P;
  for (int64_t n = n0; n < n1; n++) /* tap (i, j) of image n at taps + (i·kw + j)·L */
    col2im_plane(k->o + (n * k->C + c) * k->H * k->W, k->a + c * k->kh * k->kw * L + n * P, k, L);
}

/* both split over the threads when there is enough work */
static void conv_run(const conv_ctx* k, dl_task_fn fn) {
  const int64_t NB = conv_block(k), ntasks = k->C * ((k->N + NB - 1) / NB);
  if (k->C * k->kh * k->kw * k->N * k->OH * k->OW >= ((int64_t)1 << 15)) dl_parallel(ntasks, fn, (void*)k);
  else for (int64_t t = 0; t < ntasks; t++) fn((void*)k, t);
}

void dl_im2col_f32(float* cols, const float* x, const int64_t* d) {
  conv_ctx k;
  conv_ctx_init(&k, cols, x, d);
  conv_run(&k, im2col_task);
}

void dl_col2im_f32(float* x, const float* cols, const int64_t* d) {
  conv_ctx k;
  conv_ctx_init(&k, x, cols, d);
  conv_run(&k, col2im_task);
}

/* ---- conv2d: per image, im2col into cache and one product ------------------------------------
 *
 * The composite (im2col of the whole batch, one GEMM, a transpose to [N, OC, OH, OW], a bias add;
 * backward: the transpose back, two GEMMs over the whole batch, col2im, a sum for the bias) moves
 * every full-size temporary through memory several times; in the MNIST CNN those passes, not the
 * products, were most of the convolutions' time. Here a task takes a range of images, and for each
 * image builds its columns [C·kh·kw, OH·OW] in a scratch block that stays in L2 and multiplies
 * from there: the forward writes y[n] once, in its final layout; the backward adds image n's
 * weight gradient (transposed, [C·kh·kw, OC]: the micro-kernel's tiles fit it better) and bias
 * gradient into the task's own sums, and writes gx[n] from the columns' gradient with col2im's
 * plane routine. Tasks' sums are added in task order at the end. */

/* layers with at most this many rows of columns (C·kh·kw) take the written-out products below */
#define FEW_ROWS 16

typedef struct s1_ctx s1_ctx;

typedef struct {
  conv_ctx k;
  int64_t OC, rows, P, ntasks;
  bool transposed; /* the forward computes y[n]ᵀ [P, OC] (see conv2d_init) */
  float* y;
  const float *x, *w, *bias, *g;
  float *gx, *gw, *gb;
  float* sums; /* backward: per task, the weight gradient transposed [rows, OC] then the bias's [OC] */
  const s1_ctx* s1; /* stride 1: the forward (y) or the backward's input gradient (gx) as an implicit product */
  int failed;
} conv2d_ctx;

static void conv2d_init(conv2d_ctx* c, const int64_t* d) {
  memset(c, 0, sizeof *c);
  conv_ctx_init(&c->k, NULL, NULL, d);
  c->OC = d[12];
  c->rows = c->k.C * c->k.kh * c->k.kw;
  c->P = c->k.OH * c->k.OW;
  /* one task per thread, each a contiguous range of images, when there is enough work */
  const int64_t nt = dl_num_threads();
  c->ntasks = c->k.N * c->OC * c->P * c->rows >= ((int64_t)1 << 18) && nt > 1 ? dl_min64(nt, c->k.N) : 1;
  /* The forward's product as y[n]ᵀ = colᵀ · wᵀ when that fills the micro-kernel's MR x NR tiles
   * better (the MNIST CNN's 16→32 layer: 196 x 32 in 17 x 1 tiles, 98 % used, against 32 x 196 in
   * 3 x 7 at 78 %); colᵀ is then read in place (no pack of the columns) and only wᵀ is packed. */
  const int64_t pad = (c->OC + DL_MR - 1) / DL_MR * DL_MR * ((c->P + DL_NR - 1) / DL_NR * DL_NR);
  const int64_t padt = (c->P + DL_MR - 1) / DL_MR * DL_MR * ((c->OC + DL_NR - 1) / DL_NR * DL_NR);
  c->transposed = padt < pad && c->rows > FEW_ROWS;
}

/* ---- few rows (one input channel): the products written out ------------------------------------
 *
 * A layer with one input channel has C·kh·kw = 9 rows of columns: its forward y[n] = w·col has
 * K = 9, and its weight gradient colᵀ·g a 9 x OC result, both far from the GEMM's 12 x 32 tiles
 * (the MNIST CNN's first layer ran at ~56 GFLOP/s in them: K = 9 tiles are all stores, and a 9 x
 * 16 result fills 37 % of one). Written out instead: for 16 columns at a time, FEW_OB output rows
 * sum their K products in registers; each weight gradient entry is one long dot product, FEW_OB of
 * them sharing the load of their column row. Plain vector loops, on every target (wasm too). */
#if defined(__AVX512F__)
#define FEW_OB 8 /* independent sums per pass: 8 of 32 zmm */
#elif defined(__AVX2__)
#define FEW_OB 4 /* 8 of 16 ymm */
#else
#define FEW_OB 2 /* 8 of the 16 xmm V8 allocates for wasm's v128 */
#endif

/* y[o][p] = Σ_r w[o][r]·col[r][p] (+ bias[o] after the sum, as the GEMM path rounds it), r < rows.
 * FEW_OB output rows per pass over 16 columns: independent sums (one sum alone waited on its own
 * multiply-add, 4 cycles each). Multiply and add apart (-ffp-contract=off), as the GEMM's plain path. */
static void conv_few_forward(float* restrict y, const float* restrict w, const float* restrict col, const float* bias,
                             int64_t OC, int64_t rows, int64_t P) {
  const int64_t P16 = P & ~(int64_t)15;
  int64_t o0 = 0;
  for (; o0 + FEW_OB <= OC; o0 += FEW_OB)
    for (int64_t p0 = 0; p0 < P16; p0 += 16) {
      vf acc[FEW_OB][DL_V16];
#pragma GCC unroll 8
      for (int i = 0; i < FEW_OB; i++)
        for (int h = 0; h < DL_V16; h++) acc[i][h] = (vf){ 0 };
      for (int64_t r = 0; r < rows; r++)
        for (int h = 0; h < DL_V16; h++) {
          const vf c = ldv(col + r * P + p0 + h * DL_VW);
#pragma GCC unroll 8
          for (int i = 0; i < FEW_OB; i++) acc[i][h] += w[(o0 + i) * rows + r] * c;
        }
#pragma GCC unroll 8
      for (int i = 0; i < FEW_OB; i++)
        for (int h = 0; h < DL_V16; h++)
          stv(y + (o0 + i) * P + p0 + h * DL_VW, bias ? bias[o0 + i] + acc[i][h] : acc[i][h]);
    }
  /* the rows left over (OC not a multiple of FEW_OB) and the last P % 16 columns, one sum at a time */
  for (int64_t o = 0; o < OC; o++)
    for (int64_t p = o < o0 ? P16 : 0; p < P; p++) {
      float acc = 0.0f;
      for (int64_t r = 0; r < rows; r++) acc += w[o * rows + r] * col[r * P + p];
      y[o * P + p] = bias ? bias[o] + acc : acc;
    }
}

/* gwt[r][o] += Σ_p col[r][p]·g[o][p] for r < rows, o < OC: FEW_OB g rows (which stay in L1 for
 * all the column rows: taking the g rows anew for each column row read all of g from L2 nine times)
 * against one column row per pass, independent sums */
static void conv_few_weight_grad(float* restrict gwt, const float* restrict col, const float* restrict g, int64_t OC,
                                 int64_t rows, int64_t P) {
  const int64_t P16 = P & ~(int64_t)15;
  int64_t o0 = 0;
  for (; o0 + FEW_OB <= OC; o0 += FEW_OB)
    for (int64_t r = 0; r < rows; r++) {
      const float* cr = col + r * P;
      vf acc[FEW_OB][DL_V16];
#pragma GCC unroll 8
      for (int i = 0; i < FEW_OB; i++)
        for (int h = 0; h < DL_V16; h++) acc[i][h] = (vf){ 0 };
      for (int64_t p = 0; p < P16; p += 16)
        for (int h = 0; h < DL_V16; h++) {
          const vf c = ldv(cr + p + h * DL_VW);
#pragma GCC unroll 8
          for (int i = 0; i < FEW_OB; i++) acc[i][h] += c * ldv(g + (o0 + i) * P + p + h * DL_VW);
        }
      for (int i = 0; i < FEW_OB; i++) {
        float t = hsum16v(acc[i]);
        for (int64_t p = P16; p < P; p++) t += cr[p] * g[(o0 + i) * P + p];
        gwt[r * OC + o0 + i] += t;
      }
    }
  for (; o0 < OC; o0++) /* the g rows left over, one at a time */
    for (int64_t r = 0; r < rows; r++) {
      const float* cr = col + r * P;
      vf acc[DL_V16] = { 0 };
      for (int64_t p = 0; p < P16; p += 16)
        for (int h = 0; h < DL_V16; h++) acc[h] += ldv(cr + p + h * DL_VW) * ldv(g + o0 * P + p + h * DL_VW);
      float t = hsum16v(acc);
      for (int64_t p = P16; p < P; p++) t += cr[p] * g[o0 * P + p];
      gwt[r * OC + o0] += t;
    }
}

/* ---- stride 1: the convolution as an implicit product ------------------------------------------
 *
 * With stride 1 and dilation 1, output (oy, ox) reads the zero-padded input at (oy + i, ox + j).
 * With the input's planes padded to PW columns that is the flat index q + i·PW + j, q = oy·PW + ox:
 *   out[m][q] = Σ_{k = (c, i, j)} wk[k][m] · xp[c·PH·PW + i·PW + j + q],
 * a product whose k-th row of the right operand is the padded image read from offset off[k], with
 * vectors along q. No im2col and no col2im, and K = C·kh·kw deep: the MNIST CNN's 16→32 layer ran
 * its input gradient as a K = 32 product per image (short k loops, the last of 7 column panels 4
 * columns wide) and then a col2im, its forward as a product through the transposed columns. The
 * input gradient is this same routine: g padded by kh-1-ph, kw-1-pw, read with w flipped and
 * transposed. A tile is S_MR output channels × S_NV vectors of flat positions, all summed in
 * registers; the lanes at ox >= OW (padding columns) are computed and dropped. */
#if defined(__AVX512F__)
typedef float svec __attribute__((vector_size(64)));
#define S_W 16
#define S_MR 8 /* 24 of 32 zmm accumulate; 3 loads of x and a broadcast per k */
#define S_NV 3
#define S_FMA(a, b, c) ((svec)_mm512_fmadd_ps((__m512)(a), (__m512)(b), (__m512)(c)))
#define S_SPLAT(p) ((svec)_mm512_set1_ps(*(p))) /* vbroadcastss from memory (0 + w costs an add and a shuffle) */
#elif defined(__AVX2__) && defined(__FMA__)
typedef float svec __attribute__((vector_size(32)));
#define S_W 8
#define S_MR 6 /* 12 of 16 ymm */
#define S_NV 2
#define S_FMA(a, b, c) ((svec)_mm256_fmadd_ps((__m256)(a), (__m256)(b), (__m256)(c)))
#define S_SPLAT(p) ((svec)_mm256_broadcast_ss(p))
#else
typedef float svec __attribute__((vector_size(16)));
#define S_W 4
#define S_MR 2 /* 8 of the 16 xmm V8 allocates for wasm's v128 (as the 2x16 GEMM kernel) */
#define S_NV 4
#define S_FMA(a, b, c) ((c) + (a) * (b)) /* multiply and add apart, as the GEMM's plain path */
#define S_SPLAT(p) ((svec){ *(p), *(p), *(p), *(p) })
#endif
#define S_T (S_NV * S_W) /* flat positions per tile */
/* padded inputs up to this many floats (every channel of one image) take this path: the image is
 * read again for each block of S_MR output channels, from L2 */
#define S_MAX_IMAGE (1 << 16)
/* ...and layers with at most this many output channels (the forward's M; the input gradient's
 * g channels, which were the K of its GEMM). With more, the GEMM path's products are long and
 * well tiled, and its im2col or col2im cheap beside them: on the Zen 5, 128 channels ran 0-30 %
 * slower here (128→128 on 8x8: 0.91 → 1.18 ms, 32→128: 0.24 → 0.28 ms), 32 and 64 channels
 * 10-45 % faster (64→64 on 16x16: 1.91 → 1.66 ms, 128→32 on 8x8: 0.37 → 0.27 ms) */
#define S_MAX_OC 64

struct s1_ctx {
  int64_t C, H, W, pt, pl; /* input channels and size, its zero padding (top and bottom, left and right) */
  int64_t M;               /* output channels */
  int64_t PH, PW, OH, OW, K, qend;
  const float* wp;         /* ceil(M / S_MR) panels [K][S_MR], zero past M */
  const int32_t* off;      /* [K]: (c, i, j) → c·PH·PW + i·PW + j */
  const float* bias;       /* [M] or NULL: added after the sum */
};

/* whether convolution k, with OC output channels, takes this path for an input [C, H, W] padded
 * by (pt, pl): stride and dilation 1, and the bounds above */
static bool s1_applies(const conv_ctx* k, int64_t OC, int64_t C, int64_t H, int64_t W, int64_t pt, int64_t pl) {
  return k->sh == 1 && k->sw == 1 && k->dh == 1 && k->dw == 1 && OC <= S_MAX_OC &&
         C * (H + 2 * pt) * (W + 2 * pl) <= S_MAX_IMAGE;
}

/* sets up s, its packed weights and offsets in a block of the pool (returned, *cls its class;
 * NULL when out of memory). The weight of row k = (c, i, j) and output channel m is read through
 * `w` as `flip` says: forward (flip 0): w [M][C·kh·kw]; input gradient (flip 1): w [C][M][kh][kw]
 * (the forward's weight: its output channels are this input's C, the gradient's g), read at
 * (kh-1-i, kw-1-j) */
static float* s1_new(s1_ctx* s, size_t* cls, const float* w, bool flip, int64_t C, int64_t H, int64_t W, int64_t pt,
                     int64_t pl, int64_t kh, int64_t kw, int64_t M, const float* bias) {
  const int64_t K = C * kh * kw, Mp = (M + S_MR - 1) / S_MR * S_MR;
  bool fresh;
  float* wp = (float*)dl_pool_get((size_t)(Mp * K + K) * sizeof(float), cls, &fresh);
  if (!wp) return NULL;
  s->C = C; s->H = H; s->W = W; s->pt = pt; s->pl = pl; s->M = M; s->bias = bias;
  s->PH = H + 2 * pt; s->PW = W + 2 * pl;
  s->OH = s->PH - kh + 1; s->OW = s->PW - kw + 1;
  s->K = K;
  s->qend = (s->OH - 1) * s->PW + s->OW;
  int32_t* off = (int32_t*)(wp + Mp * K);
  for (int64_t c = 0; c < C; c++)
    for (int64_t i = 0; i < kh; i++)
      for (int64_t j = 0; j < kw; j++) {
        const int64_t k = (c * kh + i) * kw + j;
        off[k] = (int32_t)(c * s->PH * s->PW + i * s->PW + j);
        for (int64_t m = 0; m < Mp; m++) {
          float v = 0.0f;
          if (m < M) v = flip ? w[((c * M + m) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)] : w[m * K + k];
          wp[(m / S_MR * K + k) * S_MR + m % S_MR] = v;
        }
      }
  s->wp = wp;
  s->off = off;
  return wp;
}

/* scratch floats one task needs: the padded image (and S_T + 16 of slack that tiles read past its
 * end, for lanes that are dropped), then one tile */
static size_t s1_scratch(const s1_ctx* s) {
  return (size_t)(s->C * s->PH * s->PW + S_T + 16 + S_MR * S_T);
}

/* t[m][l] = Σ_k wp[k·S_MR + m] · x[off[k] + l], m < S_MR, l < nv·S_W (nv <= S_NV, a constant
 * where it is inlined) */
static inline __attribute__((always_inline)) void s1_tile_nv(float* restrict t, const float* restrict wp,
                                                             const float* restrict x, const int32_t* restrict off,
                                                             int64_t K, const int nv) {
  svec acc[S_MR][S_NV];
#pragma GCC unroll 8
  for (int m = 0; m < S_MR; m++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) acc[m][v] = (svec){ 0 };
  for (int64_t k = 0; k < K; k++) {
    const float* xk = x + off[k];
    svec xv[S_NV];
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) memcpy(&xv[v], xk + v * S_W, sizeof(svec));
    const float* wk = wp + k * S_MR;
#pragma GCC unroll 8
    for (int m = 0; m < S_MR; m++) {
      const svec b = S_SPLAT(wk + m);
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) acc[m][v] = S_FMA(b, xv[v], acc[m][v]);
    }
  }
#pragma GCC unroll 8
  for (int m = 0; m < S_MR; m++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) memcpy(t + m * S_T + v * S_W, &acc[m][v], sizeof(svec));
}

/* s1_tile_nv over the nv vectors a tile needs: the last one of an image is often shorter (the
 * MNIST CNN's 222 flat positions: 4 tiles of 48, then 30) */
static void s1_tile(float* restrict t, const float* restrict wp, const float* restrict x, const int32_t* restrict off,
                    int64_t K, int nv) {
  if (nv >= S_NV) s1_tile_nv(t, wp, x, off, K, S_NV);
#if S_NV > 3
  else if (nv == 3) s1_tile_nv(t, wp, x, off, K, 3);
#endif
#if S_NV > 2
  else if (nv == 2) s1_tile_nv(t, wp, x, off, K, 2);
#endif
  else s1_tile_nv(t, wp, x, off, K, 1);
}

/* zeroes the padded image's borders and slack in a task's scratch, once: s1_image writes only
 * the interior */
static PLAIN_LOOPS void s1_zero(const s1_ctx* s, float* scratch) {
  for (int64_t x = 0, n = s->C * s->PH * s->PW + S_T + 16; x < n; x++) scratch[x] = 0.0f;
}

/* out [M, OH, OW] = the convolution of one image in [C, H, W]; scratch: s1_scratch(s) floats,
 * zeroed by s1_zero (the image's rows are copied into its interior) */
static PLAIN_LOOPS void s1_image(const s1_ctx* s, float* restrict out, const float* restrict in, float* restrict scratch) {
  const int64_t PW = s->PW, W = s->W, OW = s->OW, plane = s->PH * PW;
  float* xp = scratch;
  float* t = scratch + s->C * plane + S_T + 16;
  for (int64_t c = 0; c < s->C; c++)
    for (int64_t iy = 0; iy < s->H; iy++) {
      float* row = xp + c * plane + (iy + s->pt) * PW + s->pl;
      const float* src = in + (c * s->H + iy) * W;
      for (int64_t x = 0; x < W; x++) row[x] = src[x];
    }
  for (int64_t q0 = 0; q0 < s->qend; q0 += S_T) {
    const int64_t q1 = dl_min64(q0 + S_T, s->qend);
    for (int64_t mb = 0; mb < s->M; mb += S_MR) {
      s1_tile(t, s->wp + mb * s->K, xp + q0, s->off, s->K, (int)((q1 - q0 + S_W - 1) / S_W));
      const int64_t mr = dl_min64(S_MR, s->M - mb);
      /* the tile's positions row by row: the columns ox < OW of each */
      for (int64_t q = q0; q < q1;) {
        const int64_t oy = q / PW, ox = q - oy * PW;
        if (ox >= OW) {
          q = (oy + 1) * PW;
          continue;
        }
        const int64_t n = dl_min64(OW - ox, q1 - q);
        for (int64_t m = 0; m < mr; m++) {
          float* o = out + ((mb + m) * s->OH + oy) * OW + ox;
          const float* tm = t + m * S_T + (q - q0);
          if (s->bias) {
            const float b = s->bias[mb + m];
            for (int64_t e = 0; e < n; e++) o[e] = tm[e] + b;
          } else {
            for (int64_t e = 0; e < n; e++) o[e] = tm[e];
          }
        }
        q += n;
      }
    }
  }
}

/* image n's columns [rows, P] (row (c, i, j) at col + ((c·kh + i)·kw + j)·P) */
static void conv2d_cols(float* col, const conv2d_ctx* c, int64_t n) {
  const conv_ctx* k = &c->k;
  for (int64_t ch = 0; ch < k->C; ch++) {
    const float* src = c->x + (n * k->C + ch) * k->H * k->W;
    for (int64_t i = 0; i < k->kh; i++)
      for (int64_t j = 0; j < k->kw; j++) im2col_tap(col + ((ch * k->kh + i) * k->kw + j) * c->P, src, k, i * k->dh, j * k->dw);
  }
}

static void conv2d_task(void* ctx, int64_t t) {
  conv2d_ctx* c = (conv2d_ctx*)ctx;
  const int64_t rows = c->rows, P = c->P, OC = c->OC;
  size_t cls;
  bool fresh;
  if (c->s1) {
    float* scratch = (float*)dl_pool_get(s1_scratch(c->s1) * sizeof(float), &cls, &fresh);
    if (!scratch) { __atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED); return; }
    s1_zero(c->s1, scratch);
    const int64_t in = c->k.C * c->k.H * c->k.W;
    for (int64_t n = c->k.N * t / c->ntasks, e = c->k.N * (t + 1) / c->ntasks; n < e; n++)
      s1_image(c->s1, c->y + n * OC * P, c->x + n * in, scratch);
    dl_pool_put(scratch, cls);
    return;
  }
  /* the columns, then (transposed) y[n]ᵀ */
  float* col = (float*)dl_pool_get((size_t)(rows * P + (c->transposed ? P * OC : 0)) * sizeof(float), &cls, &fresh);
  if (!col) { __atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED); return; }
  float* yt = col + rows * P;
  for (int64_t n = c->k.N * t / c->ntasks, e = c->k.N * (t + 1) / c->ntasks; n < e; n++) {
    conv2d_cols(col, c, n);
    float* y = c->y + n * OC * P;
    if (rows <= FEW_ROWS) {
      conv_few_forward(y, c->w, col, c->bias, OC, rows, P);
      continue;
    }
    if (c->transposed) { /* y[n]ᵀ [P, OC] = colᵀ [P, rows] · wᵀ [rows, OC], then stored transposed (+ bias) */
      dl_gemm_serial(yt, OC, col, 1, P, c->w, 1, rows, P, OC, rows, false);
      for (int64_t o = 0; o < OC; o++) {
        const float b = c->bias ? c->bias[o] : 0.0f;
        for (int64_t p = 0; p < P; p++) y[o * P + p] = yt[p * OC + o] + b;
      }
      continue;
    }
    if (c->bias)
      for (int64_t o = 0; o < OC; o++)
        for (int64_t p = 0; p < P; p++) y[o * P + p] = c->bias[o];
    /* y[n] [OC, P] (+)= w [OC, rows] · col [rows, P]: the bias first, then the product's sum added
       to it (as the composite's matmul-then-add rounds when K fits one slice of the GEMM) */
    dl_gemm_serial(y, P, c->w, rows, 1, col, P, 1, OC, P, rows, c->bias != NULL);
  }
  dl_pool_put(col, cls);
}

static void conv2d_backward_task(void* ctx, int64_t t) {
  conv2d_ctx* c = (conv2d_ctx*)ctx;
  const conv_ctx* k = &c->k;
  const int64_t rows = c->rows, P = c->P, OC = c->OC, plane = k->H * k->W;
  size_t cls;
  bool fresh;
  /* the columns (gw), then the columns' gradient (gx) of one image or the implicit product's scratch */
  const size_t gx_floats = c->s1 ? s1_scratch(c->s1) : (size_t)(rows * P);
  float* col = (float*)dl_pool_get(((size_t)(rows * P) + gx_floats) * sizeof(float), &cls, &fresh);
  if (!col) { __atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED); return; }
  float* dcol = col + rows * P;
  if (c->s1) s1_zero(c->s1, dcol);
  float* gwt = c->sums + t * (rows * OC + OC);
  float* gbt = gwt + rows * OC;
  const bool same = k->sh == 1 && k->sw == 1 && k->OW == k->W; /* col2im_plane_same applies */
  for (int64_t n = k->N * t / c->ntasks, e = k->N * (t + 1) / c->ntasks; n < e; n++) {
    const float* g = c->g + n * OC * P;
    if (c->gw) { /* gwᵀ [rows, OC] += col [rows, P] · g[n]ᵀ [P, OC] */
      conv2d_cols(col, c, n);
      if (rows <= FEW_ROWS) conv_few_weight_grad(gwt, col, g, OC, rows, P);
      else dl_gemm_serial(gwt, OC, col, P, 1, g, 1, P, rows, OC, P, true);
    }
    if (c->gb)
      for (int64_t o = 0; o < OC; o++) gbt[o] += dl_sum16_f(g + o * P, P);
    if (c->gx && c->s1) { /* gx[n] = g[n] padded, convolved with w flipped and transposed */
      s1_image(c->s1, c->gx + n * k->C * plane, g, dcol);
    } else if (c->gx) { /* dcol [rows, P] = wᵀ [rows, OC] · g[n] [OC, P], then added back into gx[n] plane by plane */
      dl_gemm_serial(dcol, P, c->w, 1, rows, g, P, 1, rows, P, OC, false);
      for (int64_t ch = 0; ch < k->C; ch++) {
        float* x = c->gx + (n * k->C + ch) * plane;
        if (same) col2im_plane_same(x, dcol + ch * k->kh * k->kw * P, k, P);
        else col2im_plane(x, dcol + ch * k->kh * k->kw * P, k, P);
      }
    }
  }
  dl_pool_put(col, cls);
}

int dl_conv2d_f32(float* y, const float* x, const float* w, const float* bias, const int64_t* d) {
  conv2d_ctx c;
  conv2d_init(&c, d);
  c.y = y; c.x = x; c.w = w; c.bias = bias;
  if (c.k.N * c.OC * c.P == 0) return 0;
  const conv_ctx* k = &c.k;
  s1_ctx s1;
  size_t cls = 0;
  float* buf = NULL;
  if (c.rows > FEW_ROWS && s1_applies(k, c.OC, k->C, k->H, k->W, k->ph, k->pw)) {
    buf = s1_new(&s1, &cls, w, false, k->C, k->H, k->W, k->ph, k->pw, k->kh, k->kw, c.OC, bias);
    if (!buf) return -1;
    c.s1 = &s1;
  }
  if (c.ntasks > 1) dl_parallel(c.ntasks, conv2d_task, &c);
  else conv2d_task(&c, 0);
  dl_pool_put(buf, cls);
  return c.failed ? -1 : 0;
}

/* whether w[0..n) holds no inf or NaN */
static bool all_finite(const float* w, int64_t n) {
  int bad = 0;
  for (int64_t i = 0; i < n; i++) bad |= !isfinite(w[i]);
  return !bad;
}

int dl_conv2d_backward_f32(float* gx, float* gw, float* gb, const float* g, const float* x, const float* w, const int64_t* d) {
  conv2d_ctx c;
  conv2d_init(&c, d);
  c.g = g; c.x = x; c.w = w; c.gx = gx; c.gw = gw; c.gb = gb;
  const int64_t rows = c.rows, OC = c.OC, per = rows * OC + OC;
  if (!gx && !gw && !gb) return 0;
  size_t cls = 0, s1cls = 0;
  bool fresh;
  /* the input gradient as an implicit product: stride 1, dilation 1, and padding at most kh-1, kw-1
   * (g is then padded, not cropped). Not with an inf or NaN in w: the padding's zeros would meet it
   * (0·inf = NaN) where PyTorch's col2im (and the path below) never multiplies them */
  const conv_ctx* k = &c.k;
  s1_ctx s1;
  float* s1buf = NULL;
  if (gx && k->ph < k->kh && k->pw < k->kw && s1_applies(k, OC, OC, k->OH, k->OW, k->kh - 1 - k->ph, k->kw - 1 - k->pw) &&
      all_finite(w, OC * rows)) {
    s1buf = s1_new(&s1, &s1cls, w, true, OC, k->OH, k->OW, k->kh - 1 - k->ph, k->kw - 1 - k->pw, k->kh, k->kw, k->C, NULL);
    if (!s1buf) return -1;
    c.s1 = &s1;
  }
  if (gw || gb) {
    c.sums = (float*)dl_pool_get((size_t)(c.ntasks * per) * sizeof(float), &cls, &fresh);
    if (!c.sums) {
      dl_pool_put(s1buf, s1cls);
      return -1;
    }
    memset(c.sums, 0, (size_t)(c.ntasks * per) * sizeof(float));
  }
  if (c.k.N > 0) { /* a window that fits has OH, OW >= 1: every gx plane is written by its image's task */
    if (c.ntasks > 1) dl_parallel(c.ntasks, conv2d_backward_task, &c);
    else conv2d_backward_task(&c, 0);
  }
  if (c.sums) {
    /* the tasks' sums in task order; gw back from its transpose */
    for (int64_t t = 1; t < c.ntasks; t++)
      for (int64_t i = 0; i < per; i++) c.sums[i] += c.sums[t * per + i];
    if (gw)
      for (int64_t o = 0; o < OC; o++)
        for (int64_t r = 0; r < rows; r++) gw[o * rows + r] = c.sums[r * OC + o];
    if (gb) memcpy(gb, c.sums + rows * OC, (size_t)OC * sizeof(float));
    dl_pool_put(c.sums, cls);
  }
  dl_pool_put(s1buf, s1cls);
  return c.failed ? -1 : 0;
}
