/* A tiny pthread pool: nthreads-1 workers created once, the caller takes part in every job.
 *
 * A job is `ntasks` independent tasks claimed through one atomic word holding
 * (job generation, task count, next task), so a worker that wakes up late can never claim a task
 * of a later job with the function of an earlier one. The caller returns as soon as every task is
 * finished; it never waits for a sleeping worker. Workers spin briefly after a job (back-to-back
 * ops keep them hot), then sleep on a condition variable. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define MAX_THREADS 64
/* A worker spins this long after a job before it sleeps. Waking a sleeper is slow on the VMs we
 * measure on (2-vCPU Zen 3, Firecracker): the broadcast costs the caller 16-26 us of syscall and
 * the worker starts 50-90 us later, so a GEMM after a longer gap of single-threaded work took twice
 * as long as after a short one (64x128x784, the MNIST MLP's weight gradient: ~100 us hot, 160-230
 * us after gaps of 150 us to 2 ms with a 100 us spin). 1 ms covers the gaps inside a small
 * model's training step (the MLP's ~0.5 ms); GNU OpenMP spins a similar time by default. */
#define SPIN_NS 1000000
#define WAIT_SPIN_NS 20000 /* the caller spins this long for unfinished units, then yields */

static int g_nthreads = 0; /* 0 until started */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static atomic_uint g_wake;           /* bumped for every job; sleeping workers wait on it */
static _Atomic uint64_t g_claim;     /* gen:32 | ntasks:16 | next:16 */
static atomic_llong g_finished;      /* tasks finished in the current job */
static atomic_flag g_busy = ATOMIC_FLAG_INIT;
static dl_task_fn g_fn;
static void* g_ctx;
static int64_t g_chunk; /* tasks per claim unit when ntasks > 65535 */
static int64_t g_ntasks_real;
static uint32_t g_gen;
static _Thread_local int tl_in_job;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Claims and runs units of the job `gen` until none is left. */
static void run_units(uint32_t gen) {
  for (;;) {
    uint64_t c = atomic_load_explicit(&g_claim, memory_order_acquire);
    for (;;) {
      if ((uint32_t)(c >> 32) != gen) return;
      const uint64_t n = (c >> 16) & 0xffff, next = c & 0xffff;
      if (next >= n) return;
      if (atomic_compare_exchange_weak_explicit(&g_claim, &c, c + 1, memory_order_acq_rel, memory_order_acquire)) {
        const int64_t u = (int64_t)next;
        const int64_t t0 = u * g_chunk;
        int64_t t1 = t0 + g_chunk;
        if (t1 > g_ntasks_real) t1 = g_ntasks_real;
        tl_in_job = 1;
        for (int64_t t = t0; t < t1; t++) g_fn(g_ctx, t);
        tl_in_job = 0;
        atomic_fetch_add_explicit(&g_finished, 1, memory_order_acq_rel);
        break;
      }
    }
  }
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void* worker_main(void* arg) {
  (void)arg;
  unsigned seen = atomic_load(&g_wake);
  for (;;) {
    unsigned w;
    int spins = 0;
    int64_t t0 = 0;
    while ((w = atomic_load_explicit(&g_wake, memory_order_acquire)) == seen) {
      cpu_relax();
      if ((++spins & 31) != 0) continue;
      if (t0 == 0) { t0 = now_ns(); continue; }
      if (now_ns() - t0 < SPIN_NS) continue;
      pthread_mutex_lock(&g_mu);
      while ((w = atomic_load(&g_wake)) == seen) pthread_cond_wait(&g_cv, &g_mu);
      pthread_mutex_unlock(&g_mu);
      break;
    }
    seen = w;
    const uint64_t c = atomic_load_explicit(&g_claim, memory_order_acquire);
    run_units((uint32_t)(c >> 32));
  }
  return NULL;
}

static void start_pool(void) {
  int n = 0;
  const char* env = getenv("DLGRAD_NUM_THREADS");
  if (env && *env) n = atoi(env);
  if (n <= 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    n = c > 0 ? (int)c : 1;
    if (n > 8) n = 8;
  }
  if (n > MAX_THREADS) n = MAX_THREADS;
  int started = 1;
  for (int i = 1; i < n; i++) {
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, worker_main, NULL) == 0) started++;
    pthread_attr_destroy(&attr);
  }
  g_nthreads = started;
}

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static atomic_int g_limit; /* 0: use all threads; 1: run everything on the caller */

int dl_num_threads(void) {
  pthread_once(&g_once, start_pool);
  const int l = atomic_load_explicit(&g_limit, memory_order_relaxed);
  return l == 1 ? 1 : g_nthreads;
}

/* 1 keeps all work on the calling thread (for single-thread measurements); anything else uses all. */
void dl_set_num_threads(int n) {
  pthread_once(&g_once, start_pool);
  atomic_store(&g_limit, n == 1 ? 1 : 0);
}

void dl_parallel(int64_t ntasks, dl_task_fn fn, void* ctx) {
  if (ntasks <= 0) return;
  if (ntasks == 1 || tl_in_job || dl_num_threads() <= 1 || atomic_flag_test_and_set(&g_busy)) {
    for (int64_t t = 0; t < ntasks; t++) fn(ctx, t);
    return;
  }
  int64_t chunk = 1;
  while ((ntasks + chunk - 1) / chunk > 0xffff) chunk *= 2;
  const int64_t units = (ntasks + chunk - 1) / chunk;
  g_fn = fn;
  g_ctx = ctx;
  g_chunk = chunk;
  g_ntasks_real = ntasks;
  const uint32_t gen = ++g_gen;
  atomic_store_explicit(&g_finished, 0, memory_order_relaxed);
  atomic_store_explicit(&g_claim, ((uint64_t)gen << 32) | ((uint64_t)units << 16), memory_order_release);
  pthread_mutex_lock(&g_mu);
  atomic_fetch_add_explicit(&g_wake, 1, memory_order_release);
  pthread_cond_broadcast(&g_cv);
  pthread_mutex_unlock(&g_mu);
  run_units(gen);
  /* a worker still busy with its last unit: spin briefly, then yield, so that on a loaded machine
     (more runnable threads than cores) the waiting caller does not burn the time the worker needs */
  int64_t t0 = 0;
  int spins = 0;
  while (atomic_load_explicit(&g_finished, memory_order_acquire) < units) {
    cpu_relax();
    if ((++spins & 63) != 0) continue;
    if (t0 == 0) { t0 = now_ns(); continue; }
    if (now_ns() - t0 > WAIT_SPIN_NS) sched_yield();
  }
  atomic_flag_clear(&g_busy);
}
