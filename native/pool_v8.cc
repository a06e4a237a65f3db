// Typed arrays over pool memory, returned to the pool when V8 lets go of them.
//
// Why not napi_create_external_arraybuffer: Node runs N-API finalizers from setImmediate, so in a
// synchronous loop (a training loop, a benchmark) no block ever comes back until the loop yields:
// memory grows without bound and every allocation faults in fresh pages. A V8 BackingStore
// deleter runs as soon as the GC frees the buffer (possibly on a GC helper thread, hence the
// thread-safe pool), so steady-state loops reuse the same blocks.
//
// This is the one place that uses the V8 API; it converts between napi_value and v8::Local the
// way Node's own N-API implementation does (a napi_value is the Local's slot pointer). The addon
// is always compiled against the headers of the Node that runs it (node-gyp at install time).
#include <node_api.h>
#include <v8.h>

#include <dlfcn.h>

#include <cstring>
#include <memory>

extern "C" {
#include "kernels/common.h"
napi_value dl_v8_alloc(napi_env env, int dtype, size_t n, int zero);
int dl_v8_release(napi_env env, napi_value value);
int dl_v8_step_end(int can_collect);
void dl_v8_pin_module(void);
}

// Keeps this shared library loaded until the process exits. The deleters of pool blocks are code
// of this library, and V8 calls them for the blocks still alive when an isolate is torn down. A
// worker_threads worker that loads the addon on its own (the main thread never did) has its
// environment, and with it the library, unloaded before its isolate: the deleters then jumped
// into unmapped memory (a crash at every such worker's exit). RTLD_NOLOAD finds the copy already
// loaded and RTLD_NODELETE marks it never to be unloaded.
void dl_v8_pin_module(void) {
#if defined(RTLD_NODELETE) && defined(RTLD_NOLOAD)
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&dl_v8_pin_module), &info) && info.dli_fname) {
    dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  }
#endif
}

#if !defined(V8_ENABLE_SANDBOX)
// Counted and uncounted blocks.
//
// V8 starts an incremental marking each time its external-memory count grows by 64 MB above its
// lowest point since the last full collection. Two kinds of work suffer from that schedule:
//  - huge outputs (32 MiB and up): one passes the 64 MB alone, so a loop of `a + b` on 4096 x 4096
//    ran with a marking in flight nearly all the time, its concurrent marker taking one of two
//    cores (a + b: 2.2 ms alone, 4.5-7.5 ms beside the marker);
//  - training steps that keep more than a few tens of MB of activations for their backward (the
//    GPT step: ~145 MB): the markings start mid-step, while the step's graph is alive, so it
//    survives them and waits for the next one: two full collections per step, each with a
//    concurrent marking beside the kernels, where one collection at the step's end would find the
//    whole previous step dead.
// Such blocks are left out of the count: a backing store made with V8's EmptyDeleter counts zero
// bytes (V8: "it would not free the memory block"). It is owned through a shared_ptr whose own
// deleter (GiveBack) returns the block to the pool when the last owner lets go: the JSArrayBuffer
// when the GC frees it or it is detached, or whatever else holds the backing store (a transferred
// or cloned buffer, another isolate). Taking counted bytes off by hand instead
// (AdjustAmountOfExternalAllocatedMemory) cannot stay balanced: V8 subtracts them again when it
// frees the buffer, which lowers its baseline, so putting them back starts a marking all the same.
//
// Uncounted blocks come back only in collections that we ask for: at an optimizer's step end (see
// dl_v8_step_end) and, as a safety net, the nudge in count_and_nudge.
struct GiveBack {
  size_t cls;
  void operator()(v8::BackingStore* bs) const {
    void* p = bs->Data();
    delete bs; // its EmptyDeleter does nothing: the block is ours again
    dl_pool_put(p, cls);
  }
};
static void return_block(void* data, size_t length, void* deleter_data) {
  (void)length;
  dl_pool_put(data, reinterpret_cast<size_t>(deleter_data));
}
static const size_t UNCOUNTED_BYTES = (size_t)32 << 20;

// Training mode (per isolate): entered when an optimizer's step ends with at least TRAIN_STEP_BYTES
// more handed out than given back during the step. While in it, every block is uncounted, and a
// step's end asks for a collection once COLLECT_BYTES were kept (handed out and not released)
// since the last full one: every other step for the GPT, every few for a smaller model. Steps that
// keep less (an MLP's: ~1 MB) stay with V8's schedule, which then finds little alive. Left when a
// step keeps less, or when LEAVE_BYTES are handed out with no step (a long evaluation between
// steps).
//
// The collection is a full one (7-9 ms on the GPT here). A young-generation one (a scavenge, 1-2
// ms) frees nearly nothing: the step ends while its own graph is still alive (the caller's
// `loss`), so the graph lives through that scavenge and then moves to the old generation (measured:
// the kept bytes grew by a step's worth at every step). Nor with a young generation that holds a
// whole step (--max-semi-space-size=64): two scavenges after a step whose graph was dead gave back
// none of its 141 MB, a full collection all of it. COLLECT_BYTES is a trade: the GPT step
// (~145 MB kept) then holds ~200 MB more resident memory; collecting at every step (64 MB) ran
// 2-4 % slower. GPT step medians (2-vCPU Zen 5, three pairs alternated with V8's schedule):
// 88.4, 89.7, 96.6 -> 75.4, 78.8, 88.0 ms.
static const size_t TRAIN_STEP_BYTES = (size_t)16 << 20;
static const size_t COLLECT_BYTES = (size_t)256 << 20;
static const size_t LEAVE_BYTES = (size_t)1 << 30;

// The nudge, a safety net for collections. V8 frees a dead typed array (so its block comes back)
// only in a collection. For counted blocks it starts one as its count grows; but under
// --single-threaded-gc (npm run gpt uses it) that marking advances only as JavaScript allocates,
// so a loop of large ops that allocates little JavaScript could go on for seconds without a
// collection: every output a freshly mapped block (page faults cost ~30x the op itself here) and
// memory growing by gigabytes. For uncounted blocks nothing but a step's end starts one at all.
// So when more than NUDGE_BYTES of blocks were kept (handed out and not released: only a
// collection brings those back) since V8's last full collection and the pool has no block for this
// request, ask for one now: a critical memory-pressure notification, made on the isolate's own
// thread, collects synchronously. test/native.test.ts shows the cases.
static const size_t NUDGE_BYTES = (size_t)512 << 20;

// Per thread: each isolate (the main one, a worker_threads worker's) runs on a thread of its own.
// "Kept": handed out less released (detached) meanwhile.
struct IsolateCounts {
  v8::Isolate* iso = nullptr;
  size_t kept_full = 0;  // kept since the last full collection
  size_t kept_step = 0;  // kept since the last step end
  size_t since_step = 0; // handed out since the last step end
  bool training = false;
};
static thread_local IsolateCounts g;

static void on_full_gc(v8::Isolate*, v8::GCType, v8::GCCallbackFlags) {
  g.kept_full = 0;
}

static inline size_t less(size_t a, size_t b) { return a > b ? a - b : 0; }

static void count_and_nudge(v8::Isolate* iso, size_t bytes) {
  if (g.iso != iso) {
    iso->AddGCEpilogueCallback(on_full_gc, v8::kGCTypeMarkSweepCompact);
    g = IsolateCounts();
    g.iso = iso;
  }
  g.kept_full += bytes;
  g.kept_step += bytes;
  g.since_step += bytes;
  if (g.training && g.since_step > LEAVE_BYTES) g.training = false;
  if (g.kept_full > NUDGE_BYTES && !dl_pool_cached(bytes)) {
    g.kept_full = 0;
    iso->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
  }
}
#endif

// An optimizer's step has ended (can_collect: the caller can run the collections asked for).
// Returns 1 when the caller should run a full collection now (see "Training mode" above).
int dl_v8_step_end(int can_collect) {
#if defined(V8_ENABLE_SANDBOX)
  (void)can_collect;
  return 0;
#else
  if (g.iso != v8::Isolate::GetCurrent()) return 0; // nothing handed out by this isolate yet
  g.training = can_collect && g.kept_step >= TRAIN_STEP_BYTES;
  g.kept_step = 0;
  g.since_step = 0;
  return g.training && g.kept_full >= COLLECT_BYTES;
#endif
}

napi_value dl_v8_alloc(napi_env env, int dtype, size_t n, int zero) {
  (void)env;
#if defined(V8_ENABLE_SANDBOX)
  // external backing stores are not allowed inside the V8 sandbox: let the caller use plain arrays
  (void)dtype; (void)n; (void)zero;
  return nullptr;
#else
  v8::Isolate* iso = v8::Isolate::GetCurrent();
  if (!iso) return nullptr;
  const size_t bytes = n * 4;
  count_and_nudge(iso, bytes); // before the block is taken: a collection now refills the pool
  size_t cls = 0;
  bool fresh = false;
  void* p = dl_pool_get(bytes > 0 ? bytes : 4, &cls, &fresh);
  if (!p) return nullptr;
  if (zero && !fresh) dl_memzero(p, bytes);
  std::shared_ptr<v8::BackingStore> bs;
  if (g.training || bytes >= UNCOUNTED_BYTES) {
    bs.reset(v8::ArrayBuffer::NewBackingStore(p, bytes, v8::BackingStore::EmptyDeleter, nullptr).release(), GiveBack{cls});
  } else {
    bs = v8::ArrayBuffer::NewBackingStore(p, bytes, return_block, reinterpret_cast<void*>(cls));
  }
  v8::Local<v8::ArrayBuffer> ab = v8::ArrayBuffer::New(iso, std::move(bs));
  v8::Local<v8::Value> ta;
  if (dtype == DL_F32) ta = v8::Float32Array::New(ab, 0, n);
  else ta = v8::Int32Array::New(ab, 0, n);
  napi_value r;
  static_assert(sizeof(r) == sizeof(ta), "napi_value and v8::Local differ in size");
  std::memcpy(&r, &ta, sizeof r);
  return r;
#endif
}

// Gives a typed array's memory back now, without waiting for the GC: detaching the buffer drops
// V8's reference to the backing store (the deleter returns the block to the pool at once, unless
// something else still holds it) and takes its bytes off V8's external-memory count, so
// allocation-heavy loops no longer force collections to reclaim blocks. Only a typed array that
// spans its whole buffer (one alloc() made) is detached; every view of it reads as empty
// afterwards, so the caller must know that nothing uses it again. Returns 1 when the memory was
// released.
int dl_v8_release(napi_env env, napi_value value) {
  (void)env;
#if defined(V8_ENABLE_SANDBOX)
  (void)value;
  return 0;
#else
  if (!value) return 0;
  v8::Local<v8::Value> v;
  static_assert(sizeof(v) == sizeof(value), "napi_value and v8::Local differ in size");
  std::memcpy(static_cast<void*>(&v), &value, sizeof v);
  if (!v->IsFloat32Array() && !v->IsInt32Array()) return 0;
  v8::Local<v8::TypedArray> ta = v.As<v8::TypedArray>();
  v8::Local<v8::ArrayBuffer> ab = ta->Buffer();
  if (ta->ByteOffset() != 0 || ta->ByteLength() != ab->ByteLength() || !ab->IsDetachable() || ab->WasDetached()) return 0;
  const size_t bytes = ab->ByteLength();
  if (!ab->Detach(v8::Local<v8::Value>()).FromMaybe(false)) return 0;
  if (g.iso == v8::Isolate::GetCurrent()) {
    g.kept_full = less(g.kept_full, bytes);
    g.kept_step = less(g.kept_step, bytes);
  }
  return 1;
#endif
}
