/* The platform layer of the C kernels for the `wasm` backend: replaces threads.c and the memory
 * pool (pool.c / mempool.c).
 *
 * dl_parallel runs every task inline, in order; sgemm alone may use a second thread (see "the
 * GEMM's second thread" below). Memory: malloc/free/aligned_alloc
 * come from wasi-libc's dlmalloc (linked from Debian's wasi-libc, no WASI imports), which grows
 * the module's memory with memory.grow; dl_wasm_set_limit caps that growth (tests use it to reach
 * the out-of-memory path cheaply). dl_pool_get/put are plain allocations from that heap (dlmalloc
 * reuses freed blocks, and a wasm module never gives memory back to the system anyway); tensor
 * storage itself is JavaScript's (see src/backend/wasm.ts). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/common.h"

void dl_parallel(int64_t ntasks, dl_task_fn fn, void* ctx) {
  for (int64_t t = 0; t < ntasks; t++) fn(ctx, t);
}

/* ---- the GEMM's second thread ----------------------------------------------------------------
 *
 * Where the module's memory is shared (src/backend/wasm.ts: a cross-origin isolated page, Node),
 * a worker instantiates this same module on the same memory, gets its own stack (its instance's
 * __stack_pointer, set by JavaScript to a block threadSetup allocated) and runs `worker`, which
 * never returns: it sleeps on g_wake (memory.atomic.wait32) and takes tasks of the jobs that
 * dl_wasm_gemm_parallel posts. Only sgemm (matmul.c) posts jobs: its tasks allocate nothing (the
 * worker's scratch is preallocated too; dlmalloc has no locks and only this thread may call it)
 * and touch no other global. The calling thread takes tasks as well, then spins until the
 * worker's are done (a browser's main thread may not wait). A job's tasks are claimed through one
 * 64-bit word (generation, task count, next task), so a worker that wakes late cannot take a task
 * of a later job; the caller claims whatever the worker has not, so a slow or absent worker only
 * costs time. A worker whose loop ends in a trap or an exception (its script catches it and calls
 * workerFailed) leaves the unit it held marked in g_job.wunit: the waiting caller runs that unit
 * itself and the module stays on one thread. (A worker killed outright could not say so; the
 * caller would wait for its unit.) */
#define WORKER_STACK (256 << 10)
#define WORKER_SPINS 400000 /* the worker polls this many times after a job before it sleeps */
#define WORKER_WAIT_NS 50000000LL /* and then sleeps in waits of at most 50 ms */

size_t dl_wasm_gemm_scratch_floats(void); /* matmul.c: what one gemm_block takes from dl_scratch */

static struct {
  uint64_t claim;    /* gen:32 | units:16 | next:16 */
  int32_t wake;      /* the generation posted last; the worker sleeps on it */
  int32_t finished;  /* units done in the current job */
  int32_t wunit;     /* 1 + the unit the worker is running, 0 when none */
  dl_task_fn fn;
  void* ctx;
  int64_t ntasks, chunk;
} g_job __attribute__((aligned(64)));
static uint32_t g_gen;
static int g_threads = 1;
static uintptr_t g_wstack_lo, g_wstack_hi; /* the worker's stack */
static float* g_wscratch;                  /* and its scratch */
static int32_t g_wfailed;                  /* set by workerFailed: the worker's loop ended in a trap or exception */
static int32_t g_wfault;                   /* a test's request (workerFault): the worker traps in its next unit */

static void run_unit(int64_t unit) {
  const int64_t t0 = unit * g_job.chunk;
  const int64_t t1 = t0 + g_job.chunk < g_job.ntasks ? t0 + g_job.chunk : g_job.ntasks;
  for (int64_t t = t0; t < t1; t++) g_job.fn(g_job.ctx, t);
}

static void run_units(uint32_t gen, bool worker) {
  for (;;) {
    uint64_t c = __atomic_load_n(&g_job.claim, __ATOMIC_ACQUIRE);
    if ((uint32_t)(c >> 32) != gen || (c & 0xffff) >= ((c >> 16) & 0xffff)) return;
    if (!__atomic_compare_exchange_n(&g_job.claim, &c, c + 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
    /* the job cannot end before this unit is counted: its fields stay as posted */
    if (worker) {
      /* the unit the calling thread runs again if this one fails in it (see dl_wasm_gemm_parallel) */
      __atomic_store_n(&g_job.wunit, (int32_t)(c & 0xffff) + 1, __ATOMIC_SEQ_CST);
    }
    run_unit((int64_t)(c & 0xffff));
    if (worker) {
      /* a test's fault: after the unit's work, so that running it again must overwrite it */
      if (__atomic_exchange_n(&g_wfault, 0, __ATOMIC_ACQ_REL)) __builtin_trap();
      __atomic_store_n(&g_job.wunit, 0, __ATOMIC_SEQ_CST);
    }
    __atomic_fetch_add(&g_job.finished, 1, __ATOMIC_ACQ_REL);
  }
}

int dl_wasm_gemm_threads(void) { return __atomic_load_n(&g_wfailed, __ATOMIC_ACQUIRE) ? 1 : g_threads; }

void dl_wasm_gemm_parallel(int64_t ntasks, dl_task_fn fn, void* ctx) {
  if (dl_wasm_gemm_threads() < 2 || ntasks < 2) {
    for (int64_t t = 0; t < ntasks; t++) fn(ctx, t);
    return;
  }
  const int64_t chunk = (ntasks + 65534) / 65535, units = (ntasks + chunk - 1) / chunk;
  g_job.fn = fn;
  g_job.ctx = ctx;
  g_job.ntasks = ntasks;
  g_job.chunk = chunk;
  __atomic_store_n(&g_job.finished, 0, __ATOMIC_RELAXED);
  const uint32_t gen = ++g_gen;
  __atomic_store_n(&g_job.claim, (uint64_t)gen << 32 | (uint64_t)units << 16, __ATOMIC_RELEASE);
  __atomic_store_n(&g_job.wake, (int32_t)gen, __ATOMIC_SEQ_CST);
  __builtin_wasm_memory_atomic_notify(&g_job.wake, 1);
  run_units(gen, false);
  while (__atomic_load_n(&g_job.finished, __ATOMIC_ACQUIRE) < units) {
    if (__atomic_load_n(&g_wfailed, __ATOMIC_ACQUIRE)) {
      /* the worker stopped (a trap or an exception, reported by its script) and will not finish
         the unit it held: this thread runs it again. sgemm's tasks may: each writes its own
         block of the output, and its first K slice stores rather than adds. One thread from now. */
      g_threads = 1;
      const int32_t u = __atomic_exchange_n(&g_job.wunit, 0, __ATOMIC_ACQ_REL);
      if (u > 0) {
        run_unit(u - 1);
        __atomic_fetch_add(&g_job.finished, 1, __ATOMIC_ACQ_REL);
      }
    }
  }
}

static int32_t g_wstarted; /* set when the worker's loop begins (cleared by each threadSetup) */

/* The worker's stack and scratch, allocated here by the calling thread: returns the stack's top
 * (for the worker instance's __stack_pointer), 0 when out of memory. */
__attribute__((export_name("threadSetup"))) uintptr_t dl_wasm_thread_setup(void) {
  __atomic_store_n(&g_wstarted, 0, __ATOMIC_RELEASE);
  if (!g_wstack_hi) {
    char* stack = (char*)aligned_alloc(64, WORKER_STACK);
    float* scratch = (float*)aligned_alloc(64, (dl_wasm_gemm_scratch_floats() * sizeof(float) + 63) / 64 * 64);
    if (!stack || !scratch) {
      free(stack);
      free(scratch);
      return 0;
    }
    g_wscratch = scratch;
    g_wstack_lo = (uintptr_t)stack;
    g_wstack_hi = (uintptr_t)stack + WORKER_STACK;
  }
  return g_wstack_hi;
}

/* 1, or 2 once the worker runs (JavaScript sets it after the worker's handshake) */
__attribute__((export_name("setThreads"))) void dl_wasm_set_threads(int n) {
  g_threads = n > 1 && g_wstack_hi && !__atomic_load_n(&g_wfailed, __ATOMIC_ACQUIRE) ? 2 : 1;
}

/* called by the worker's script when `worker` ended in a trap or an exception: the calling thread,
 * which may be waiting for the unit the worker held, takes it over and stays on one thread */
__attribute__((export_name("workerFailed"))) void dl_wasm_worker_failed(void) {
  __atomic_store_n(&g_wfailed, 1, __ATOMIC_SEQ_CST);
}

/* for the tests: the worker traps in the next unit it takes (after its work, before it is counted) */
__attribute__((export_name("workerFault"))) void dl_wasm_worker_fault(void) { __atomic_store_n(&g_wfault, 1, __ATOMIC_SEQ_CST); }

/* whether the worker's loop has begun: JavaScript asks when its handshake timer fires, since a
 * calling thread that was busy past the timeout may have the worker's "ready" message still queued */
__attribute__((export_name("workerStarted"))) int dl_wasm_worker_started(void) {
  return __atomic_load_n(&g_wstarted, __ATOMIC_ACQUIRE);
}

/* the worker's loop (on the worker's instance, never returns) */
__attribute__((export_name("worker"))) void dl_wasm_worker(void) {
  __atomic_store_n(&g_wstarted, 1, __ATOMIC_RELEASE);
  int32_t seen = __atomic_load_n(&g_job.wake, __ATOMIC_ACQUIRE);
  for (;;) {
    int32_t w = seen;
    for (int i = 0; i < WORKER_SPINS && w == seen; i++) w = __atomic_load_n(&g_job.wake, __ATOMIC_ACQUIRE);
    if (w == seen) {
      /* a bounded wait: between waits the loop's interrupt check lets the engine terminate the
         worker (Node's exit waits for that; an unbounded wait32 is never interrupted) */
      __builtin_wasm_memory_atomic_wait32(&g_job.wake, seen, WORKER_WAIT_NS);
      continue;
    }
    seen = w;
    run_units((uint32_t)w, true);
  }
}

/* whether the caller runs on the worker's stack (so: on the worker) */
static bool on_worker(void) {
  volatile char probe = 0;
  const uintptr_t sp = (uintptr_t)&probe;
  return sp >= g_wstack_lo && sp < g_wstack_hi;
}

int dl_num_threads(void) { return 1; }
void dl_set_num_threads(int n) { (void)n; }

void dl_memzero(void* p, size_t bytes) { memset(p, 0, bytes); }

void* dl_pool_get(size_t bytes, size_t* cls, bool* fresh) {
  const size_t size = bytes < 64 ? 64 : (bytes + 63) & ~(size_t)63;
  *cls = size;
  *fresh = false; /* dlmalloc hands back reused memory: never known to be zero */
  return size < bytes ? NULL : aligned_alloc(64, size);
}

void dl_pool_put(void* p, size_t cls) {
  (void)cls;
  free(p);
}

void dl_pool_stats(double* out6) { memset(out6, 0, 6 * sizeof(double)); }
void dl_pool_set_cap(size_t bytes) { (void)bytes; }
void dl_pool_trim(void) {}

static float* g_scratch;
static size_t g_scratch_n;

float* dl_scratch(size_t floats) {
  if (g_wstack_hi && on_worker()) return floats <= dl_wasm_gemm_scratch_floats() ? g_wscratch : NULL;
  if (floats > g_scratch_n) {
    free(g_scratch);
    g_scratch = (float*)aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
    g_scratch_n = g_scratch ? floats : 0;
  }
  return g_scratch;
}

/* wasi-libc's sbrk, with a ceiling on growth (dlmalloc gets its memory here, 64 KiB pages). The
 * memory grows by at least an eighth of its size (16 MiB at least) at a time: each memory.grow
 * costs the engine a collection's worth of work (V8 counts the new pages as external memory), and
 * dlmalloc asks for little at a time. The break moves inside what was grown. */
static size_t g_limit_pages = 65536; /* 4 GiB: all of wasm32 */
static size_t g_brk;                 /* bytes; 0 until the first call */

__attribute__((export_name("setLimit"))) void dl_wasm_set_limit(size_t pages) { g_limit_pages = pages; }
__attribute__((export_name("pages"))) size_t dl_wasm_pages(void) { return __builtin_wasm_memory_size(0); }

void* sbrk(intptr_t increment) {
  const size_t have = __builtin_wasm_memory_size(0);
  if (g_brk == 0) g_brk = have * 65536;
  if (increment == 0) return (void*)g_brk;
  if (increment < 0 || increment % 65536 != 0) return (void*)-1;
  const size_t old = g_brk, want = (size_t)increment / 65536, brk_pages = g_brk / 65536;
  if (want > g_limit_pages || brk_pages > g_limit_pages - want) return (void*)-1;
  const size_t need = brk_pages + want; /* pages the memory must have */
  if (need > have) {
    size_t step = have / 8 < 256 ? 256 : have / 8;
    if (step < need - have) step = need - have;
    if (have + step > g_limit_pages) step = g_limit_pages - have;
    if (__builtin_wasm_memory_grow(0, step) == (size_t)-1 && __builtin_wasm_memory_grow(0, need - have) == (size_t)-1)
      return (void*)-1;
  }
  g_brk += (size_t)increment;
  return (void*)old;
}
