/* Shared definitions of the C kernels: views, the strided iterator, the thread pool, the memory pool.
 * (The op tags and their arms are in ops.h.)
 *
 * The kernels are pure C11 and know nothing about N-API: binding.c validates every view (dtype,
 * bounds, detached buffers) before it calls in here, so a kernel may trust its arguments.
 * Offsets and strides are in elements, signed 64-bit. */
#ifndef DL_COMMON_H
#define DL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DL_MAXD 16 /* most dims a view may have (the TypeScript side falls back to js beyond) */
#define DL_MAXV 4  /* most views walked together (where: out, cond, a, b) */

enum { DL_F32 = 0, DL_I32 = 1 };

/* ---- strided iteration ---------------------------------------------------------------------- */

/* nv views walked together over one shape: element i of view v is at off[v] + sum_d idx[d]*st[v][d]. */
typedef struct {
  int nd, nv;
  int64_t shape[DL_MAXD];
  int64_t off[DL_MAXV];
  int64_t st[DL_MAXV][DL_MAXD];
} dl_iter;

/* Drops size-1 dims and merges dims that are contiguous in every view. Leaves nd >= 1.
 * Order of elements is unchanged (row-major over the original shape). */
void dl_iter_coalesce(dl_iter* it);
int64_t dl_iter_numel(const dl_iter* it);

/* One run along the last dim: n elements, view v starting at offs[v] with step st[v]. */
typedef void (*dl_run_fn)(void* ctx, const int64_t* offs, int64_t n, const int64_t* st);
/* Calls fn for every run covering the row-major linear element range [start, end), in order. */
void dl_iter_range(const dl_iter* it, int64_t start, int64_t end, dl_run_fn fn, void* ctx);
/* Walks all elements, split over the thread pool when numel >= grain (and `parallel`). */
void dl_iter_run(const dl_iter* it, dl_run_fn fn, void* ctx, int64_t grain, bool parallel);

/* Like dl_iter_run, but walks 2-D tiles when an input is transposed relative to view 0 (the
 * output). Elements are visited in a different order: only when the order does not matter. */
void dl_iter_run_auto(const dl_iter* it, dl_run_fn fn, void* ctx, int64_t grain, bool parallel);

/* Lowest and highest element offsets a view reaches (numel must be > 0). */
void dl_view_extent(int nd, const int64_t* shape, int64_t off, const int64_t* st, int64_t* lo, int64_t* hi);

/* The bytes [lo, hi) a view of 32-bit elements at p reaches: NULL, NULL when p is NULL or the view
 * has no elements. dl_spans_apart: two such spans share no byte (an empty one shares none). */
void dl_view_span(const char* p, int nd, const int64_t* shape, int64_t off, const int64_t* st, const char** lo,
                  const char** hi);
bool dl_spans_apart(const char* lo, const char* hi, const char* lo2, const char* hi2);

/* ---- platform: the thread pool (threads.c) and memory (mempool.c) --------------------------
 *
 * These two files are the only platform-specific kernels (pthreads; mmap/madvise, aligned_alloc,
 * _Thread_local). The kernel files (iter.c, elementwise.c, reduce.c, gather.c, matmul.c,
 * matmul_entry.c, attention.c, activations.c, optim.c, conv.c, scan.c) use nothing else of the system than
 * <string.h> and <math.h>: they split work with dl_parallel and take memory from dl_scratch /
 * dl_pool_*, so a WebAssembly build (no libc, no threads) compiles them as they are (after
 * scripts/gen-ops.mjs) and replaces threads.c
 * (dl_parallel runs the tasks in order, one thread) and mempool.c (its own heap). The Node glue,
 * binding.c (N-API) and ../pool_v8.cc (V8 external memory), is not compiled there. */

/* thread pool (threads.c) */

typedef void (*dl_task_fn)(void* ctx, int64_t task);
/* Runs fn(ctx, 0..ntasks-1) on the pool (the calling thread takes part) and returns when all are
 * done. Runs inline when the pool has one thread, when nested, or when another caller holds it. */
void dl_parallel(int64_t ntasks, dl_task_fn fn, void* ctx);
int dl_num_threads(void);
void dl_set_num_threads(int n);

/* memory (mempool.c) */

/* A block of at least `bytes` (64-byte aligned; 2 MiB aligned with transparent huge pages when
 * large). *cls is the block's real size, to hand back to dl_pool_put; *fresh is true when the
 * memory was just mapped (so it reads as zeros). NULL when out of memory. Thread-safe. */
void* dl_pool_get(size_t bytes, size_t* cls, bool* fresh);
/* Returns a block to the pool (or to the system when the pool is over its cap). Thread-safe:
 * V8 may call this from a background thread. */
void dl_pool_put(void* p, size_t cls);
/* Whether dl_pool_get(bytes) would take a cached block now rather than map fresh memory (a hint:
 * another thread may change it). Node addon only (pool_v8.cc). */
bool dl_pool_cached(size_t bytes);
void dl_pool_stats(double* out6); /* cached bytes, cached blocks, live bytes, live blocks, fresh maps, hits */
void dl_pool_set_cap(size_t bytes);
void dl_pool_trim(void);
void dl_memzero(void* p, size_t bytes); /* memset 0, split over the pool when large */
/* This thread's scratch: at least `floats` floats, 64-byte aligned, grown as needed; NULL when out
 * of memory. Valid until this thread's next call, so a kernel never holds it across another's. */
float* dl_scratch(size_t floats);

/* ---- JS number semantics -------------------------------------------------------------------- */

/* ECMAScript ToInt32: what storing a double into an Int32Array does (NaN/Inf -> 0, wrap mod 2^32). */
int32_t dl_toint32(double v);

static inline int64_t dl_min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t dl_max64(int64_t a, int64_t b) { return a > b ? a : b; }

#if defined(__GNUC__)
#define DL_LIKELY(x) __builtin_expect(!!(x), 1)
#define DL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define DL_LIKELY(x) (x)
#define DL_UNLIKELY(x) (x)
#endif

#endif
