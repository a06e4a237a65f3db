/* The GEMMs of one GPT training step (bench/gemm-gpt.ts's shapes and layouts) straight through
 * dl_matmul_f32, without Node: medians of back-to-back calls and of calls after 1 ms of busy
 * waiting (the pool's worker asleep, as between ops of a step), and the step's totals. Less noisy
 * than the Node bench for comparing two versions of matmul.c: build both, run them alternately.
 *   bash bench/cc.sh bench/gemm-gpt.c          (builds /tmp/dlgrad-gemm-gpt and runs it)
 * DLGRAD_NUM_THREADS sets the threads (default: all cores, at most 8). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"
#include "kernels.h"

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

#define REPS 30

int main(void) {
  /* M, K, N, layout (0: x·Wᵀ + bias, b transposed; 1: G·W; 2: Gᵀ·X, a transposed), calls per step */
  static const int S[][5] = {{2048, 128, 384, 0, 6}, {2048, 128, 128, 0, 6}, {2048, 128, 512, 0, 6},
                             {2048, 512, 128, 0, 6}, {2048, 128, 512, 1, 6}, {2048, 512, 128, 1, 6},
                             {2048, 128, 128, 1, 6}, {2048, 384, 128, 1, 6}, {128, 2048, 512, 2, 6},
                             {512, 2048, 128, 2, 6}, {128, 2048, 128, 2, 6}, {384, 2048, 128, 2, 6}};
  static const char* L[] = {"x·Wᵀ", "G·W", "Gᵀ·X"};
  const size_t n = (size_t)1 << 20;
  float* A = aligned_alloc(64, n * sizeof(float));
  float* B = aligned_alloc(64, n * sizeof(float));
  float* C = aligned_alloc(64, n * sizeof(float));
  float* bias = aligned_alloc(64, 512 * sizeof(float));
  if (!A || !B || !C || !bias) return 1;
  for (size_t i = 0; i < n; i++) {
    A[i] = 1e-3f * (float)(i % 97);
    B[i] = 1e-3f * (float)(i % 89);
    C[i] = 0;
  }
  for (int i = 0; i < 512; i++) bias[i] = 0.5f;
  const int64_t one[1] = {1}, zero[1] = {0};
  double total[2] = {0, 0};
  printf("%d threads; medians in us: back to back, after 1 ms gaps\n", dl_num_threads());
  for (size_t s = 0; s < sizeof S / sizeof S[0]; s++) {
    const int M = S[s][0], K = S[s][1], N = S[s][2], l = S[s][3];
    const int64_t sam = l == 2 ? 1 : K, sak = l == 2 ? M : 1, sbk = l == 0 ? 1 : N, sbn = l == 0 ? K : 1;
    double med[2];
    for (int gap = 0; gap < 2; gap++) {
      double ts[REPS];
      for (int r = 0; r < REPS + 4; r++) {
        if (gap)
          for (const double end = now_us() + 1000; now_us() < end;) {
          }
        const double t0 = now_us();
        dl_matmul_f32(C, A, B, 0, one, zero, zero, zero, M, N, K, sam, sak, sbk, sbn, N, l == 0 ? bias : NULL, 1);
        if (r >= 4) ts[r - 4] = now_us() - t0;
      }
      qsort(ts, REPS, sizeof(double), cmp);
      med[gap] = ts[REPS / 2];
      total[gap] += S[s][4] * med[gap];
    }
    printf("  %4d×%d·%d×%d %-6s %7.0f %7.0f\n", M, K, K, N, L[l], med[0], med[1]);
  }
  printf("step total (ms)          %7.2f %7.2f\n", total[0] / 1000, total[1] / 1000);
  return 0;
}
