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
 *   bash bench/cc.sh bench/gemm-blas.c [products...]
 *
 * A product is n (n x n by n x n) or MxKxN with an optional layout: :xW (a and b row-major, the
 * default), :xWt (b transposed, a layer's forward x·Wᵀ) or :GtX (a transposed, its weight gradient
 * Gᵀ·X); e.g. 1024 2048 2048x128x512:xWt 128x2048x512:GtX. Default: 1024 2048.
 *
 * OpenBLAS is loaded at run time (dlopen of libopenblas.so.0, Debian's libopenblas0, which
 * python3-torch depends on); without it only dlgrad and the peak are measured. DLGRAD_NUM_THREADS=1
 * measures one thread (both libraries get the same count); ROUNDS sets the rounds (default 15).
 *
 *   bash bench/cc.sh bench/gemm-blas.c --threads [products...]
 *
 * times dlgrad alone, on one thread against all threads, alternated the same way, each against the
 * peak measured on its own thread count in the same round: what the threads lose beside what the
 * FMA loop does (their speed-up over one thread, and the FMA loop's). It first checks that the two
 * give the same bits, as dlgrad's sums do on any thread count. */
#include <dlfcn.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common.h"
#include "kernels.h"

double dl_machine_peak_gflops(int reps);

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

/* one product to time: C [M, N] = A [M, K] · B [K, N], a and/or b stored transposed */
typedef struct {
  int M, K, N;
  int ta, tb;
  const char* arg;
} product;

/* "n" or "MxKxN[:xW|:xWt|:GtX]"; false when it is neither */
static bool parse(const char* s, product* p) {
  char lay[8] = "xW";
  int n = 0;
  p->arg = s;
  p->ta = p->tb = 0;
  if (sscanf(s, "%dx%dx%d%n", &p->M, &p->K, &p->N, &n) == 3) {
    if (s[n] == ':' && sscanf(s + n + 1, "%7s", lay) != 1) return false;
    if (s[n] != ':' && s[n] != 0) return false;
  } else {
    if (sscanf(s, "%d%n", &p->M, &n) != 1 || s[n] != 0) return false;
    p->K = p->N = p->M;
  }
  if (strcmp(lay, "xWt") == 0) p->tb = 1;
  else if (strcmp(lay, "GtX") == 0) p->ta = 1;
  else if (strcmp(lay, "xW") != 0) return false;
  return p->M >= 1 && p->K >= 1 && p->N >= 1 && p->M <= 8192 && p->K <= 8192 && p->N <= 8192;
}

/* C = A·B by dlgrad (sgemm NULL) or by OpenBLAS; a transposed is stored [K, M], b transposed [N, K] */
static void multiply(const product* p, sgemm_fn sgemm, const float* A, const float* B, float* C) {
  const int M = p->M, K = p->K, N = p->N;
  if (!sgemm)
    dl_matmul_f32(C, A, B, 0, NULL, NULL, NULL, NULL, M, N, K, p->ta ? 1 : K, p->ta ? M : 1, p->tb ? 1 : N,
                  p->tb ? K : 1, N, NULL, 0);
  else
    sgemm(CBLAS_ROW_MAJOR, p->ta ? CBLAS_TRANS : CBLAS_NO_TRANS, p->tb ? CBLAS_TRANS : CBLAS_NO_TRANS, M, N, K, 1.0f, A,
          p->ta ? M : K, B, p->tb ? K : N, 0.0f, C, N);
}

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

/* one of the two things timed against each other: who multiplies (sgemm NULL: dlgrad) and on how
   many threads (dl_set_num_threads's argument: 1, or 0 for all) */
typedef struct {
  sgemm_fn sgemm;
  int threads;
} side;

int main(int argc, char** argv) {
  product prods[16];
  int np = 0;
  const bool threads = argc > 1 && strcmp(argv[1], "--threads") == 0;
  for (int i = threads ? 2 : 1; i < argc; i++) {
    if (np == 16 || !parse(argv[i], &prods[np])) {
      fprintf(stderr, "gemm-blas: '%s': expected [--threads] then n or MxKxN[:xW|:xWt|:GtX], each 1..8192, at most 16 products\n", argv[i]);
      return 2;
    }
    np++;
  }
  if (np == 0) {
    parse("1024", &prods[np++]);
    parse("2048", &prods[np++]);
  }
  const char* r_env = getenv("ROUNDS");
  int rounds = r_env ? atoi(r_env) : 15;
  if (rounds < 1 || rounds > MAXR) rounds = 15;
  const int nt = dl_num_threads();

  sgemm_fn sgemm = NULL;
  void* lib = threads ? NULL : dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (lib) {
    sgemm = (sgemm_fn)dlsym(lib, "cblas_sgemm");
    void (*set_threads)(int) = (void (*)(int))dlsym(lib, "openblas_set_num_threads");
    char* (*config)(void) = (char* (*)(void))dlsym(lib, "openblas_get_config");
    if (set_threads) set_threads(nt);
    printf("OpenBLAS: %s, %d threads\n", config ? config() : "(no version)", nt);
  }
  if (!sgemm && !threads) printf("OpenBLAS not found (libopenblas.so.0): dlgrad and the peak only\n");
  printf("dlgrad: sgemm %s, %d threads; %d rounds per product\n\n", dl_gemm_kind(), nt, rounds);
  /* --threads: dlgrad on one thread, then on all; otherwise dlgrad, then OpenBLAS (when loaded) */
  const side sides[2] = { { NULL, threads ? 1 : 0 }, { sgemm, 0 } };
  const bool both = threads || sgemm;
  if (threads) {
    printf("GFLOP/s; %% = of the peak FMA rate on as many threads, measured in the same round; speed-up = %d threads' ÷ 1's\n", nt);
    printf("%22s %8s %8s %7s %8s %8s %7s %9s %9s\n", "product", "peak 1", "1 thread", "%", "peak n", "n", "%", "speed-up", "peak's");
  } else {
    printf("GFLOP/s; %% = of the peak FMA rate measured in the same round; last column: OpenBLAS's time ÷ dlgrad's\n");
    printf("%22s %8s %8s %7s %9s %7s %9s\n", "product", "peak", "dlgrad", "%", "OpenBLAS", "%", "ratio");
  }

  for (int pi = 0; pi < np; pi++) {
    const product* p = &prods[pi];
    const int M = p->M, K = p->K, N = p->N;
    float *A = big((size_t)M * K), *B = big((size_t)K * N), *C = big((size_t)M * N);
    if (!A || !B || !C) {
      fprintf(stderr, "out of memory at %s\n", p->arg);
      return 1;
    }
    const double flops = 2.0 * M * (double)K * N;
    int reps = (int)(1.5e9 / flops);
    if (reps < 3) reps = 3;
    if (reps > 200) reps = 200;
    /* per side and round: the peak it is set against, its GFLOP/s and their ratio */
    double peak[2][MAXR], g[2][MAXR], f[2][MAXR], ratio[MAXR], pratio[MAXR], ts[200];
    if (both) { /* the two must agree before their times mean anything: C's largest difference */
      float* C2 = big((size_t)M * N);
      if (!C2) return 1;
      dl_set_num_threads(sides[0].threads);
      multiply(p, sides[0].sgemm, A, B, C);
      dl_set_num_threads(sides[1].threads);
      multiply(p, sides[1].sgemm, A, B, C2);
      double d = 0;
      for (size_t i = 0; i < (size_t)M * N; i++) d = fmax(d, fabs((double)C[i] - (double)C2[i]));
      /* dlgrad's sums are the same bits on any thread count; OpenBLAS's differ by rounding */
      if (threads ? d != 0 : d > 1e-3 * sqrt((double)K)) {
        fprintf(stderr, "%s: %s differ by %g\n", p->arg, threads ? "one thread and all" : "dlgrad and OpenBLAS", d);
        return 1;
      }
      free(C2);
    }
    for (int r = 0; r < rounds; r++) {
      /* one peak per round for two libraries on the same threads; one per thread count with --threads */
      if (!threads) peak[0][r] = peak[1][r] = dl_machine_peak_gflops(5);
      for (int w0 = 0; w0 < 2; w0++) {
        const int w = (r % 2) ? 1 - w0 : w0;
        if (w == 1 && !both) continue;
        dl_set_num_threads(sides[w].threads);
        if (threads) peak[w][r] = dl_machine_peak_gflops(5);
        /* two calls first: the other library's threads may still be spinning after its last call */
        for (int i = 0; i < reps + 2; i++) {
          const double t0 = now_s();
          multiply(p, sides[w].sgemm, A, B, C);
          if (i >= 2) ts[i - 2] = now_s() - t0;
        }
        g[w][r] = flops / median(ts, reps) / 1e9;
        f[w][r] = g[w][r] / peak[w][r];
      }
      /* --threads: all threads' speed ÷ one's, and the peak's; otherwise OpenBLAS's time ÷ dlgrad's */
      if (!both) continue;
      ratio[r] = threads ? g[1][r] / g[0][r] : g[0][r] / g[1][r];
      pratio[r] = peak[1][r] / peak[0][r];
    }
    const double pk = median(peak[0], rounds), gd = median(g[0], rounds), fd = median(f[0], rounds);
    if (!both) {
      printf("%22s %8.1f %8.1f %6.1f%% %9s %7s %9s\n", p->arg, pk, gd, 100 * fd, "-", "-", "-");
    } else if (threads) {
      printf("%22s %8.1f %8.1f %6.1f%% %8.1f %8.1f %6.1f%% %8.3fx %8.3fx\n", p->arg, pk, gd, 100 * fd, median(peak[1], rounds),
             median(g[1], rounds), 100 * median(f[1], rounds), median(ratio, rounds), median(pratio, rounds));
    } else {
      printf("%22s %8.1f %8.1f %6.1f%% %9.1f %6.1f%% %8.3fx\n", p->arg, pk, gd, 100 * fd, median(g[1], rounds),
             100 * median(f[1], rounds), median(ratio, rounds));
    }
    free(A);
    free(B);
    free(C);
  }
  return 0;
}
