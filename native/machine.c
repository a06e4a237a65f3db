/* What the machine can do, for the benchmark's "fraction of peak" columns (npm run bench):
 * - peak FMA rate: a register-only loop of independent fused multiply-adds at the widest vector the
 *   addon was compiled for (it is built with -march=native, like the kernels), so no memory traffic
 *   and no dependency stalls: the number a GEMM could reach at best;
 * - streaming bandwidth: STREAM's "add" (c = a + b over arrays far larger than the caches), the
 *   traffic pattern of an elementwise op with a fresh output.
 * Both split their work with dl_parallel, so "1 thread" and "all threads" follow dl_set_num_threads
 * like the kernels. Native only (the wasm build has no use for it: it takes only native/kernels). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime */
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "kernels/common.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* 12 independent accumulators: enough to cover the FMA latency (4 cycles) times two FMA pipes. */
#define NACC 12
#if defined(__AVX512F__)
typedef __m512 vec_t;
#define LANES 16
#define VSET(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VSUM(v) _mm512_reduce_add_ps(v)
const char* dl_machine_isa = "avx512";
#elif defined(__AVX2__) && defined(__FMA__)
typedef __m256 vec_t;
#define LANES 8
#define VSET(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
static float vsum8(__m256 v) { float t[8]; _mm256_storeu_ps(t, v); return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7]; }
#define VSUM(v) vsum8(v)
const char* dl_machine_isa = "avx2";
#elif defined(__SSE__)
/* the plain-C build (-mno-avx): SSE multiply then add, two FLOPs per lane as well */
typedef __m128 vec_t;
#define LANES 4
#define VSET(x) _mm_set1_ps(x)
#define VFMA(a, b, c) _mm_add_ps(_mm_mul_ps(a, b), c)
static float vsum4(__m128 v) { float t[4]; _mm_storeu_ps(t, v); return t[0] + t[1] + t[2] + t[3]; }
#define VSUM(v) vsum4(v)
const char* dl_machine_isa = "sse";
#else
/* another architecture: GCC/Clang vector extensions, 4 lanes, multiply then add */
typedef float vec_t __attribute__((vector_size(16)));
#define LANES 4
#define VSET(x) ((vec_t){ x, x, x, x })
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VSUM(v) ((v)[0] + (v)[1] + (v)[2] + (v)[3])
const char* dl_machine_isa = "generic";
#endif

typedef struct {
  int64_t iters;
  float sink[256];
} fma_ctx;

static void fma_task(void* p, int64_t task) {
  fma_ctx* c = (fma_ctx*)p;
  vec_t acc[NACC];
  /* x ← x·m + a with m < 1 converges, so nothing overflows and nothing goes subnormal */
  const vec_t m = VSET(0.999999f), a = VSET(1e-7f);
  for (int j = 0; j < NACC; j++) acc[j] = VSET((float)(j + 1) * 1e-3f);
  for (int64_t i = 0; i < c->iters; i++) {
    for (int j = 0; j < NACC; j++) acc[j] = VFMA(acc[j], m, a);
  }
  float s = 0;
  for (int j = 0; j < NACC; j++) s += VSUM(acc[j]);
  c->sink[task & 255] = s;
}

/* GFLOP/s of `tasks` equal chunks of FMAs split over the pool (best of `reps`). */
double dl_machine_peak_gflops(int reps) {
  fma_ctx c = { .iters = 200000 };
  const int64_t tasks = 64;
  double best = 0;
  for (int r = 0; r < reps; r++) {
    const double t0 = now_s();
    dl_parallel(tasks, fma_task, &c);
    const double dt = now_s() - t0;
    const double flops = (double)tasks * (double)c.iters * NACC * LANES * 2;
    if (flops / dt > best) best = flops / dt;
  }
  return best / 1e9;
}

typedef struct {
  const float *a, *b;
  float* c;
  int64_t n, chunk;
} add_ctx;

/* With AVX, c is written with non-temporal stores, as the elementwise kernels write outputs larger
 * than the cache (elementwise.c): the best this machine streams, so a kernel's fraction of it
 * stays at or below 1. (Plain stores first read every line of c: 16 bytes of traffic per 12
 * counted.) The arrays are 2 MiB aligned and the spans multiples of 16 floats, so every span is aligned. */
static void add_task(void* p, int64_t task) {
  add_ctx* x = (add_ctx*)p;
  const int64_t lo = task * x->chunk, hi = lo + x->chunk < x->n ? lo + x->chunk : x->n;
  int64_t i = lo;
#if defined(__AVX2__)
  for (; i + 8 <= hi; i += 8) _mm256_stream_ps(x->c + i, _mm256_add_ps(_mm256_load_ps(x->a + i), _mm256_load_ps(x->b + i)));
  _mm_sfence();
#endif
  for (; i < hi; i++) x->c[i] = x->a[i] + x->b[i];
}

/* n floats, 2 MiB aligned, in transparent huge pages where the system allows them, like the
 * pool's large blocks (mempool.c) */
static float* big_array(int64_t n) {
  const size_t huge = (size_t)2 << 20, bytes = ((size_t)n * sizeof(float) + huge - 1) / huge * huge;
  float* p = (float*)aligned_alloc(huge, bytes);
#ifdef MADV_HUGEPAGE
  if (p) madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return p;
}

static int cmp_double(const void* x, const void* y) {
  const double a = *(const double*)x, b = *(const double*)y;
  return a < b ? -1 : a > b;
}

/* GB/s of c = a + b over three arrays of n floats each (12 bytes per element), the median of `reps`
 * runs (at most 1000); -1 when the memory cannot be had. The median, not STREAM's customary best:
 * on the shared development VM, in one minute, single runs read 70-80 GB/s with rare ones at
 * 100-116, so the best of 5 was such a rare run in one bench run and a typical one in the next, and
 * a kernel's median time set against it compared a typical run with a rare one. */
double dl_machine_stream_gbs(int64_t n, int reps) {
  float *a = big_array(n), *b = big_array(n), *c = big_array(n);
  double gbs[1000], med = -1;
  if (reps > 1000) reps = 1000;
  if (a && b && c && reps > 0) {
    /* touch every page first: STREAM measures the steady state, not page faults */
    for (int64_t i = 0; i < n; i++) a[i] = 1.0f, b[i] = 2.0f, c[i] = 0.0f;
    /* one contiguous span per thread, as the elementwise kernels split their work (iter.c) */
    const int64_t nt = dl_num_threads();
    add_ctx x = { a, b, c, n, ((n + nt - 1) / nt + 15) / 16 * 16 };
    const int64_t tasks = (n + x.chunk - 1) / x.chunk;
    for (int r = 0; r < reps; r++) {
      const double t0 = now_s();
      dl_parallel(tasks, add_task, &x);
      gbs[r] = 12.0 * (double)n / (now_s() - t0) / 1e9;
    }
    qsort(gbs, (size_t)reps, sizeof(double), cmp_double);
    med = gbs[reps / 2];
    if (c[n - 1] != 3.0f) med = -1; /* the loop ran */
  }
  free(a);
  free(b);
  free(c);
  return med;
}
