/* dl_matmul: the matmul entry point over views. sgemm (matmul.c) writes rows of out with unit
 * column stride while it still reads a, b and the bias; an out that overlaps itself or any of
 * them, or has a strided last dim, gets the product in contiguous scratch, copied out after. */
#include "common.h"
#include "kernels.h"

int dl_matmul(char* o, const char* a, const char* b, int nd, const int64_t* shape, int64_t oo, const int64_t* so,
              int64_t oa, const int64_t* sa, int64_t ob, const int64_t* sb, const float* bias, int64_t sbias) {
  const int nb = nd - 2;
  const int64_t M = shape[nb], K = shape[nb + 1], N = shape[nb + 2];
  int64_t osh[DL_MAXD], ash[DL_MAXD], bsh[DL_MAXD], numel = M * N;
  for (int d = 0; d < nb; d++) {
    osh[d] = ash[d] = bsh[d] = shape[d];
    numel *= shape[d];
  }
  osh[nb] = ash[nb] = M;
  ash[nb + 1] = bsh[nb] = K;
  osh[nb + 1] = bsh[nb + 1] = N;
  if (numel == 0) return 0;
  const char *olo, *ohi, *lo, *hi;
  dl_view_span(o, nd, osh, oo, so, &olo, &ohi);
  bool direct = so[nd - 1] == 1 && dl_view_nonoverlapping(nd, osh, so);
  dl_view_span(a, nd, ash, oa, sa, &lo, &hi);
  direct = direct && dl_spans_apart(olo, ohi, lo, hi);
  dl_view_span(b, nd, bsh, ob, sb, &lo, &hi);
  direct = direct && dl_spans_apart(olo, ohi, lo, hi);
  dl_view_span((const char*)bias, 1, &N, 0, &sbias, &lo, &hi);
  direct = direct && dl_spans_apart(olo, ohi, lo, hi);
  const float* A = (const float*)a + oa;
  const float* B = (const float*)b + ob;
  if (direct)
    return dl_matmul_f32((float*)o + oo, A, B, nb, shape, sa, sb, so, M, N, K, sa[nb], sa[nb + 1], sb[nb], sb[nb + 1],
                         so[nb], bias, sbias);
  size_t cls;
  bool fresh;
  float* tmp = (float*)dl_pool_get((size_t)numel * sizeof(float), &cls, &fresh);
  if (!tmp) return -1;
  dl_iter it = { .nd = nd, .nv = 2, .off = { oo, 0 } }; /* copy: views (out, tmp) */
  int64_t s = 1;
  for (int d = nd - 1; d >= 0; d--) {
    it.shape[d] = osh[d];
    it.st[0][d] = so[d];
    it.st[1][d] = s;
    s *= osh[d];
  }
  const int rc = dl_matmul_f32(tmp, A, B, nb, shape, sa, sb, it.st[1], M, N, K, sa[nb], sa[nb + 1], sb[nb],
                               sb[nb + 1], it.st[1][nb], bias, sbias);
  if (rc == 0) dl_copy(DL_F32, false, &it, o, (const char*)tmp);
  dl_pool_put(tmp, cls);
  return rc;
}
