/* dlgrad's sgemm beside OpenBLAS's, in one process, on square products (W1's sizes by default):
 * rounds that each time the machine's peak FMA rate (native/machine.c's loop), dlgrad's
 * dl_matmul_f32 and OpenBLAS's cblas_sgemm, in an order that changes from round to round, and
 * report the medians over the rounds of each one's GFLOP/s, of its fraction of the peak measured in
 * the same round, and of the ratio of the two libraries' times in the same round.
 *
 * Why: the development VMs' speed moves by 10-20 % from one minute to the next, so two processes
 * run one after the other (npm run bench's torch columns) can disagree by more than the
 * difference they measure; alternated in one process, both see the same minutes.
 *
 *   bash bench/cc.sh bench/gemm-blas.c [sizes...]        e.g. bash bench/cc.sh bench/gemm-blas.c 1024 2048
 *
 * OpenBLAS is loaded at run time (dlopen of libopenblas.so.0, Debian's libopenblas0, which
 * python3-torch depends on); without it only dlgrad and the peak are measured. DLGRAD_NUM_THREADS=1
 * measures one thread (both libraries get the same count); ROUNDS sets the rounds (default 15). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common.h"
#include "kernels.h"

double dl_machine_peak_gflops(int reps);

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111 };

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static double median(double* v, int n) {
  qsort(v, (size_t)n, sizeof(double), cmp);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* n floats on 2 MiB pages where the kernel gives them (as the addon's pool asks), not all zero */
static float* big(size_t n) {
  const size_t bytes = (n * sizeof(float) + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
  float* p = aligned_alloc(2u << 20, bytes);
  if (!p) return NULL;
  madvise(p, bytes, MADV_HUGEPAGE);
  for (size_t i = 0; i < n; i++) p[i] = (float)((i * 2654435761u) % 1000u) / 1000.0f - 0.5f;
  return p;
}

#define MAXR 101

int main(int argc, char** argv) {
  int sizes[16], ns = 0;
  for (int i = 1; i < argc && ns < 16; i++) sizes[ns++] = atoi(argv[i]);
  if (ns == 0) {
    sizes[ns++] = 1024;
    sizes[ns++] = 2048;
  }
  const char* r_env = getenv("ROUNDS");
  int rounds = r_env ? atoi(r_env) : 15;
  if (rounds < 1 || rounds > MAXR) rounds = 15;
  const int nt = dl_num_threads();

  sgemm_fn sgemm = NULL;
  void* lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (lib) {
    sgemm = (sgemm_fn)dlsym(lib, "cblas_sgemm");
    void (*set_threads)(int) = (void (*)(int))dlsym(lib, "openblas_set_num_threads");
    char* (*config)(void) = (char* (*)(void))dlsym(lib, "openblas_get_config");
    if (set_threads) set_threads(nt);
    printf("OpenBLAS: %s, %d threads\n", config ? config() : "(no version)", nt);
  }
  if (!sgemm) printf("OpenBLAS not found (libopenblas.so.0): dlgrad and the peak only\n");
  printf("dlgrad: sgemm %s, %d threads; %d rounds per size\n\n", dl_gemm_kind(), nt, rounds);
  printf("GFLOP/s; %% = of the peak FMA rate measured in the same round; last column: OpenBLAS's time ÷ dlgrad's\n");
  printf("%6s %8s %8s %7s %9s %7s %9s\n", "n", "peak", "dlgrad", "%", "OpenBLAS", "%", "ratio");

  for (int si = 0; si < ns; si++) {
    const int n = sizes[si];
    if (n < 16 || n > 8192) {
      fprintf(stderr, "size %d: expected 16..8192\n", n);
      return 2;
    }
    const size_t nn = (size_t)n * (size_t)n;
    float *A = big(nn), *B = big(nn), *C = big(nn);
    if (!A || !B || !C) {
      fprintf(stderr, "out of memory at n = %d\n", n);
      return 1;
    }
    const double flops = 2.0 * n * (double)n * n;
    int reps = (int)(1.5e9 / flops);
    if (reps < 3) reps = 3;
    if (reps > 200) reps = 200;
    double peak[MAXR], g_dl[MAXR], g_ob[MAXR], f_dl[MAXR], f_ob[MAXR], ratio[MAXR], ts[200];
    for (int r = 0; r < rounds; r++) {
      peak[r] = dl_machine_peak_gflops(5);
      for (int w0 = 0; w0 < 2; w0++) {
        const int w = (r % 2) ? 1 - w0 : w0; /* 0: dlgrad, 1: OpenBLAS */
        if (w == 1 && !sgemm) continue;
        /* two calls first: the other library's threads may still be spinning after its last call */
        for (int i = 0; i < reps + 2; i++) {
          const double t0 = now_s();
          if (w == 0) dl_matmul_f32(C, A, B, 0, NULL, NULL, NULL, NULL, n, n, n, n, 1, n, 1, n, NULL, 0);
          else sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
          if (i >= 2) ts[i - 2] = now_s() - t0;
        }
        const double g = flops / median(ts, reps) / 1e9;
        if (w == 0) g_dl[r] = g;
        else g_ob[r] = g;
      }
      f_dl[r] = g_dl[r] / peak[r];
      if (sgemm) {
        f_ob[r] = g_ob[r] / peak[r];
        ratio[r] = g_dl[r] / g_ob[r]; /* OpenBLAS's time ÷ dlgrad's */
      }
    }
    const double pk = median(peak, rounds), gd = median(g_dl, rounds), fd = median(f_dl, rounds);
    if (sgemm) {
      const double go = median(g_ob, rounds), fo = median(f_ob, rounds), ra = median(ratio, rounds);
      printf("%6d %8.1f %8.1f %6.1f%% %9.1f %6.1f%% %8.3fx\n", n, pk, gd, 100 * fd, go, 100 * fo, ra);
    } else {
      printf("%6d %8.1f %8.1f %6.1f%% %9s %7s %9s\n", n, pk, gd, 100 * fd, "-", "-", "-");
    }
    free(A);
    free(B);
    free(C);
  }
  return 0;
}
