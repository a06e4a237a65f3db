/* The memory pool (platform: mmap, madvise, pthreads): a caching pool for tensor storage, plus
 * dl_memzero and the per-thread kernel scratch (dl_scratch). A build without these (WebAssembly)
 * replaces this file; see common.h.
 *
 * On the target machines the first touch of a fresh page costs ~100x the work done on it, and
 * memory given back to the system faults again when reused. So large blocks come from mmap
 * (2 MiB aligned, transparent huge pages requested: one fault per 2 MiB instead of 512), and a
 * dead block goes to a free list of its size class instead of back to the system. The pool keeps
 * at most `cap` bytes cached (DLGRAD_POOL_MB, default a quarter of RAM, at most 4 GiB).
 *
 * Size classes: 2^k * {4,5,6,7}/4 from 16 KiB up, so a block wastes at most 25 %. Classes up to
 * 512 KiB are carved from 4 MiB slabs (pages are touched only when a block is used).
 * All functions are thread-safe (the V8 deleter that returns a block may run on a GC thread). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define MIN_CLASS_LOG 14 /* 16 KiB */
#define NCLASSES (4 * 48)
#define HUGE_SZ ((size_t)2 << 20)
/* classes up to this size are carved out of SLAB_SZ mappings (one mmap, one VMA for many blocks,
 * pages touched only when a block is used); their blocks stay in the pool for good. Larger blocks
 * get a mapping each. */
#define SLAB_MAX_CLASS ((size_t)512 << 10)
#define SLAB_SZ ((size_t)4 << 20)
/* Every EPOCH_NS, half of the blocks of a class that were never needed during the whole epoch
 * (its low-water mark of free blocks) are given back: steady loops keep their working set, while
 * the memory of a one-off peak decays instead of staying pinned for the rest of the process. */
#define EPOCH_NS ((int64_t)5000000000)

typedef struct block { struct block* next; } block;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static block* g_free[NCLASSES];
static size_t g_nfree[NCLASSES];   /* blocks in g_free[c] */
static size_t g_minfree[NCLASSES]; /* fewest blocks g_free[c] held during this epoch */
static char* g_slab_cur[NCLASSES];
static size_t g_slab_left[NCLASSES];
static void** g_cold[NCLASSES];    /* slab blocks given back with MADV_DONTNEED (no RSS) */
static size_t g_ncold[NCLASSES], g_capcold[NCLASSES];
static int64_t g_epoch_start;
static size_t g_cached_bytes, g_cached_blocks, g_live_bytes, g_live_blocks, g_fresh, g_hits;
static size_t g_cap;
static int g_cap_set;

static size_t default_cap(void) {
  const char* env = getenv("DLGRAD_POOL_MB");
  if (env && *env) return (size_t)strtoull(env, NULL, 10) << 20;
  long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
  size_t cap = (size_t)4 << 30;
  if (pages > 0 && psz > 0) {
    size_t q = (size_t)pages * (size_t)psz / 4;
    if (q < cap) cap = q;
  }
  return cap;
}

/* class index and size for a request */
static int class_of(size_t bytes, size_t* size) {
  if (bytes < ((size_t)1 << MIN_CLASS_LOG)) bytes = (size_t)1 << MIN_CLASS_LOG;
  int lg = 63 - __builtin_clzll((unsigned long long)bytes); /* 2^lg <= bytes */
  const size_t base = (size_t)1 << lg;
  size_t q = base / 4, k = (bytes - base + q - 1) / q; /* 0..4 quarters above base */
  if (k == 4) { lg++; k = 0; }
  const size_t b2 = (size_t)1 << lg;
  *size = b2 + k * (b2 / 4);
  const int idx = (lg - MIN_CLASS_LOG) * 4 + (int)k;
  return idx < NCLASSES ? idx : -1;
}

static size_t class_size(int i) {
  const size_t base = (size_t)1 << (MIN_CLASS_LOG + i / 4);
  return base + (size_t)(i % 4) * (base / 4);
}

static int64_t mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* called with g_mu held */
static void cold_push(int i, void* p) {
  if (g_ncold[i] == g_capcold[i]) {
    const size_t cap = g_capcold[i] ? 2 * g_capcold[i] : 64;
    void** a = (void**)realloc(g_cold[i], cap * sizeof(void*));
    if (!a) return; /* keep it mapped and forgotten rather than fail */
    g_cold[i] = a;
    g_capcold[i] = cap;
  }
  g_cold[i][g_ncold[i]++] = p;
}

/* called with g_mu held: a free block of class i (off its list) goes back to the system. Slab
 * blocks share their mapping, so they stay mapped: their pages are dropped and they wait as cold. */
static void release(int i, block* b) {
  const size_t size = class_size(i);
  g_cached_bytes -= size;
  g_cached_blocks--;
  if (size <= SLAB_MAX_CLASS) {
    madvise(b, size, MADV_DONTNEED);
    cold_push(i, b);
  } else {
    munmap(b, size);
  }
}

/* called with g_mu held: gives back the blocks no class needed during the epoch */
static void maybe_trim(void) {
  const int64_t now = mono_ns();
  if (g_epoch_start == 0) { g_epoch_start = now; return; }
  if (now - g_epoch_start < EPOCH_NS) return;
  g_epoch_start = now;
  for (int i = 0; i < NCLASSES; i++) {
    for (size_t k = (g_minfree[i] + 1) / 2; k > 0 && g_free[i]; k--) {
      block* b = g_free[i];
      g_free[i] = b->next;
      g_nfree[i]--;
      release(i, b);
    }
    g_minfree[i] = g_nfree[i];
  }
}

static void* map_block(size_t size) {
  if (size >= HUGE_SZ) {
    const size_t len = size + HUGE_SZ;
    char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    char* a = (char*)(((uintptr_t)p + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1));
    if (a > p) munmap(p, (size_t)(a - p));
    const size_t tail = (size_t)((p + len) - (a + size));
    if (tail) munmap(a + size, tail);
#ifdef MADV_HUGEPAGE
    madvise(a, size, MADV_HUGEPAGE);
#endif
    return a;
  }
  void* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/* called with g_mu held: a block of slab class idx, one given back earlier (cold) or carved from
 * the class's slab, mapping a new slab (without the lock) when it is used up. Untouched pages. */
static void* slab_block(int idx, size_t size) {
  if (g_ncold[idx] > 0) return g_cold[idx][--g_ncold[idx]];
  if (g_slab_left[idx] == 0) {
    pthread_mutex_unlock(&g_mu);
    char* slab = mmap(NULL, SLAB_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pthread_mutex_lock(&g_mu);
    if (slab == MAP_FAILED) return NULL;
    g_fresh++;
    if (g_slab_left[idx] == 0) {
      g_slab_cur[idx] = slab;
      g_slab_left[idx] = SLAB_SZ / size;
    } else {
      munmap(slab, SLAB_SZ); /* another thread refilled it meanwhile */
    }
  }
  char* p = g_slab_cur[idx];
  g_slab_cur[idx] += size;
  g_slab_left[idx]--;
  return p;
}

void* dl_pool_get(size_t bytes, size_t* cls, bool* fresh) {
  size_t size;
  const int idx = class_of(bytes, &size);
  if (idx < 0) return NULL;
  *cls = size;
  pthread_mutex_lock(&g_mu);
  if (!g_cap_set) {
    g_cap = default_cap();
    g_cap_set = 1;
  }
  maybe_trim();
  block* b = g_free[idx];
  void* p = b;
  *fresh = !b;
  if (b) {
    g_free[idx] = b->next;
    g_nfree[idx]--;
    if (g_nfree[idx] < g_minfree[idx]) g_minfree[idx] = g_nfree[idx];
    g_cached_bytes -= size;
    g_cached_blocks--;
    g_hits++;
  } else {
    g_minfree[idx] = 0;
    if (size <= SLAB_MAX_CLASS) p = slab_block(idx, size);
  }
  if (!p && size > SLAB_MAX_CLASS) { /* a mapping of its own, made without the lock */
    pthread_mutex_unlock(&g_mu);
    p = map_block(size);
    pthread_mutex_lock(&g_mu);
    if (p) g_fresh++;
  }
  if (p) {
    g_live_bytes += size;
    g_live_blocks++;
  }
  pthread_mutex_unlock(&g_mu);
  return p;
}

bool dl_pool_cached(size_t bytes) {
  size_t size;
  const int idx = class_of(bytes, &size);
  if (idx < 0) return false;
  pthread_mutex_lock(&g_mu);
  const bool r = g_free[idx] != NULL;
  pthread_mutex_unlock(&g_mu);
  return r;
}

void dl_pool_put(void* p, size_t size) {
  if (!p) return;
  size_t sz2;
  const int idx = class_of(size, &sz2);
  pthread_mutex_lock(&g_mu);
  g_live_bytes -= size;
  g_live_blocks--;
  if (idx >= 0 && sz2 == size && (size <= SLAB_MAX_CLASS || g_cached_bytes + size <= g_cap)) {
    block* b = (block*)p;
    b->next = g_free[idx];
    g_free[idx] = b;
    g_nfree[idx]++;
    g_cached_bytes += size;
    g_cached_blocks++;
    p = NULL;
  }
  pthread_mutex_unlock(&g_mu);
  if (p) munmap(p, size);
}

void dl_pool_trim(void) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < NCLASSES; i++) {
    while (g_free[i]) {
      block* b = g_free[i];
      g_free[i] = b->next;
      release(i, b);
    }
    g_nfree[i] = 0;
    g_minfree[i] = 0;
  }
  pthread_mutex_unlock(&g_mu);
}

void dl_pool_set_cap(size_t bytes) {
  pthread_mutex_lock(&g_mu);
  g_cap = bytes;
  g_cap_set = 1;
  const int over = g_cached_bytes > g_cap;
  pthread_mutex_unlock(&g_mu);
  if (over) dl_pool_trim();
}

void dl_pool_stats(double* o) {
  pthread_mutex_lock(&g_mu);
  o[0] = (double)g_cached_bytes;
  o[1] = (double)g_cached_blocks;
  o[2] = (double)g_live_bytes;
  o[3] = (double)g_live_blocks;
  o[4] = (double)g_fresh;
  o[5] = (double)g_hits;
  pthread_mutex_unlock(&g_mu);
}

typedef struct { char* p; size_t bytes, chunk; } zero_job;
static void zero_task(void* c, int64_t t) {
  const zero_job* j = (const zero_job*)c;
  const size_t a = (size_t)t * j->chunk;
  const size_t b = a + j->chunk < j->bytes ? a + j->chunk : j->bytes;
  if (b > a) memset(j->p + a, 0, b - a);
}

void dl_memzero(void* p, size_t bytes) {
  const int nt = dl_num_threads();
  if (bytes < ((size_t)1 << 20) || nt <= 1) {
    memset(p, 0, bytes);
    return;
  }
  zero_job j = { (char*)p, bytes, ((bytes + (size_t)nt - 1) / (size_t)nt + 63) & ~(size_t)63 };
  dl_parallel(nt, zero_task, &j);
}

static _Thread_local float* tl_scratch;
static _Thread_local size_t tl_scratch_n;

float* dl_scratch(size_t floats) {
  if (floats > tl_scratch_n || !tl_scratch) { /* NULL only when out of memory, even for 0 floats */
    free(tl_scratch);
    if (floats < 16) floats = 16;
    tl_scratch = (float*)aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
    tl_scratch_n = tl_scratch ? floats : 0;
  }
  return tl_scratch;
}
