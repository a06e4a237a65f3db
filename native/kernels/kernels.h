/* Entry points of the kernels, called by binding.c once it has validated every argument (dtypes,
 * shapes, bounds). Pointers are the typed arrays' base addresses (element 0 of the array, not of
 * the view); views carry their element offsets, in a dl_iter where they share a shape. Outputs
 * first, then inputs. Aliasing is the kernels' business: an out that overlaps an input or itself
 * is handled here (in order, or through scratch), never refused. Unless said otherwise, an int
 * result of -1 means out of memory. Op tags: ops.h. */
#ifndef DL_KERNELS_H
#define DL_KERNELS_H

#include "common.h"

/* it: views (out, a) over the shared shape. dtype of both: DL_F32 or DL_I32. */
void dl_unary(int op, int dtype, dl_iter* it, char* o, const char* a);
/* it: views (out, a); converts a's dtype `from` to out's dtype `to` */
void dl_cast(int to, int from, dl_iter* it, char* o, const char* a);
/* it: views (out, a, b). tin: dtype of a and b; tout: dtype of out (differs only for comparisons) */
void dl_binary(int op, int tout, int tin, dl_iter* it, char* o, const char* a, const char* b);
/* it: views (out, cond, a, b); a, b, out: 32-bit elements of one dtype; cond: DL_F32 or DL_I32 */
void dl_where(int tcond, dl_iter* it, char* o, const char* c, const char* a, const char* b);
/* it: views (out, a); out (+)= a, elements in order when out overlaps itself or a */
void dl_copy(int dtype, bool acc, dl_iter* it, char* o, const char* a);
/* it: view (out) */
void dl_fill(int dtype, dl_iter* it, char* o, double value);
bool dl_view_nonoverlapping(int nd, const int64_t* shape, const int64_t* st);
/* o[i*so + j] = a[i + j*sa] for i < P, j < L (32-bit elements), in register-transposed blocks */
void dl_transpose_32(uint32_t* o, int64_t so, const uint32_t* a, int64_t sa, int64_t P, int64_t L);

/* it: views (out, a) over a's shape; out has a's shape with the dims of `mask` reduced to 1
 * (its strides along them are ignored). dtype: a's; out is int32 for argmax/argmin, whose mask
 * has exactly one bit. */
int dl_reduce(int op, int dtype, uint32_t mask, dl_iter* it, char* o, const char* a);

/* out [..., M, N] = a [..., M, K] @ b [..., K, N] (+ bias) over nd >= 2 dims, float32. shape: the
 * batch dims, then M, K, N; each view: its offset and nd strides. bias: NULL, or [N] with
 * stride sbias (offset applied), added to every row. */
int dl_matmul(char* o, const char* a, const char* b, int nd, const int64_t* shape, int64_t oo, const int64_t* so,
              int64_t oa, const int64_t* sa, int64_t ob, const int64_t* sb, const float* bias, int64_t sbias);
/* sgemm itself (matmul.c): out rows with unit column stride, apart from the inputs; pointers have
 * the view offsets applied */
int dl_matmul_f32(float* C, const float* A, const float* B, int nb, const int64_t* bshape, const int64_t* bsa,
                  const int64_t* bsb, const int64_t* bsc, int64_t M, int64_t N, int64_t K, int64_t sam,
                  int64_t sak, int64_t sbk, int64_t sbn, int64_t ldc, const float* bias, int64_t sbias);
/* C [M, N] (row stride ldc) = or (acc) += A·B, A(m, k) = A[m·sam + k·sak], B(k, n) = B[k·sbk + n·sbn],
 * on the calling thread only (inside another kernel's task); C apart from A and B */
void dl_gemm_serial(float* C, int64_t ldc, const float* A, int64_t sam, int64_t sak, const float* B, int64_t sbk,
                    int64_t sbn, int64_t M, int64_t N, int64_t K, bool acc);
const char* dl_gemm_kind(void);

/* it: views (out, index, a with stride 0 along dim); returns -1 on an index outside [0, lim) */
int dl_gather(dl_iter* it, char* o, const char* a, const int32_t* ix, int64_t sdim, int64_t lim);
/* it: views (index, src, out with stride 0 along dim); returns -1 (out untouched) on a bad index */
/* fresh (or NULL): out's fresh_n elements from there, unspecified until zeroed here (scatterAdd's
 * fresh out: zeros, then the adds) */
int dl_scatter_add(int dtype, dl_iter* it, char* o, const int32_t* ix, const char* src, int64_t sdim, int64_t lim,
                   char* fresh, int64_t fresh_n);

/* o[0..n) = the next n uniform floats of the xoshiro128** state s (four words, advanced in place):
 * (r >> 8)·2^-24, in [0, 1), the values src/random.ts's fill gives a Float32Array (elementwise.c) */
void dl_random_uniform_f32(float* o, int64_t n, uint32_t* s);

/* Scans and sorts along dim (scan.c), over views of one shape (nd dims) given as offset and nd
 * strides each (a line's steps are the strides at dim). The scan op codes are the order of
 * SCAN_OPS in src/backend/backend.ts. out/values: a's dtype; ix/indices: int32 (cummax/cummin
 * and sort; NULL for the other scans). logcumsumexp: float32 only. Return -1: out of memory. */
enum { DL_SCAN_CUMSUM = 0, DL_SCAN_CUMPROD, DL_SCAN_LOGCUMSUMEXP, DL_SCAN_CUMMAX, DL_SCAN_CUMMIN, DL_SCAN_COUNT };
int dl_scan(int op, int dtype, bool rev, int nd, const int64_t* shape, int dim, char* o, int64_t oo, const int64_t* so,
            const char* a, int64_t ao, const int64_t* sa, int32_t* ix, int64_t io, const int64_t* si);
/* stable sort of every line: NaN is the largest float, equal keys keep their order */
int dl_sort(int dtype, bool desc, int nd, const int64_t* shape, int dim, char* o, int64_t oo, const int64_t* so,
            int32_t* ix, int64_t io, const int64_t* si, const char* a, int64_t ao, const int64_t* sa);

#endif
