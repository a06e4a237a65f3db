/* The platform layer of the C kernels for the `wasm` backend: replaces threads.c and the memory
 * pool (pool.c / mempool.c).
 *
 * One thread: dl_parallel runs every task inline, in order. Memory: malloc/free/aligned_alloc
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
