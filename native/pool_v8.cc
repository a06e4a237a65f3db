// Typed arrays over pool memory, returned to the pool by V8 itself when they die (huge ones: once
// nothing holds their backing store, see UNCOUNTED_BYTES).
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

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

extern "C" {
#include "kernels/common.h"
napi_value dl_v8_alloc(napi_env env, int dtype, size_t n, int zero);
int dl_v8_release(napi_env env, napi_value value);
}

static void return_block(void* data, size_t length, void* deleter_data) {
  (void)length;
  dl_pool_put(data, reinterpret_cast<size_t>(deleter_data));
}

#if !defined(V8_ENABLE_SANDBOX)
// Huge blocks (32 MiB and up) are kept out of V8's external-memory count. V8 starts an incremental
// marking each time that count grows by 64 MB above its lowest point since the last full
// collection; one such block passes that alone, so a loop of large ops (a + b on 4096 x 4096: a new
// 64 MB output each time) ran with a marking in flight nearly all the time, its concurrent marker
// taking one of two cores from the op (a + b: 2.2 ms alone, 4.5-7.5 ms beside the marker).
// Taking the bytes off the count by hand (AdjustAmountOfExternalAllocatedMemory) cannot stay
// balanced: V8 subtracts them again when it frees the buffer, which lowers its baseline, so putting
// them back starts a marking all the same. A backing store made with V8's EmptyDeleter counts zero
// bytes instead (V8: "it would not free the memory block"), and calls nothing when it goes. So we
// keep a reference to each such backing store and give the block back to the pool once ours is
// the only one left: no typed array, no detached or transferred buffer, nothing in Node or another
// isolate still holds it. The pool's nudge below is what collects them.
static const size_t UNCOUNTED_BYTES = (size_t)32 << 20;

struct Huge {
  std::shared_ptr<v8::BackingStore> bs;
  void* p;
  size_t cls;
};
// process-wide: a block can outlive the isolate (a worker's) that made it. Never destroyed, so that
// no backing store is released during static destruction at exit.
static std::mutex g_huge_mu;
static std::vector<Huge>& g_huge = *new std::vector<Huge>();

// Gives back every huge block that nothing but g_huge refers to any more.
static void reclaim_huge() {
  std::lock_guard<std::mutex> lock(g_huge_mu);
  for (size_t i = 0; i < g_huge.size();) {
    if (g_huge[i].bs.use_count() == 1) {
      // the last other owner's writes to the block happen before its release of the reference
      std::atomic_thread_fence(std::memory_order_acquire);
      dl_pool_put(g_huge[i].p, g_huge[i].cls);
      g_huge[i] = std::move(g_huge.back());
      g_huge.pop_back();
    } else {
      i++;
    }
  }
}

// A safety net for V8's collection schedule. V8 frees a dead typed array (so its block comes back
// here) only in a collection, and it starts one when its external-memory count grows by 64 MB: it
// starts an incremental marking, which must finish first. Under --single-threaded-gc (npm run gpt
// uses it) that marking advances only as JavaScript allocates, so a loop of large ops that
// allocates little JavaScript (a + b on 2048 x 4096 tensors, say) could go on for seconds without
// a collection: every output a freshly mapped block (page faults cost ~30x the op itself here) and
// memory growing by gigabytes. Huge blocks (above) are not counted at all, so for them this is the
// only trigger. So when more than NUDGE_BYTES of blocks were handed out since V8's last full
// collection and the pool has no block for this request, ask for one now: a critical
// memory-pressure notification, made on the isolate's own thread, collects synchronously. Loops
// whose JavaScript keeps V8's own collections going (a training step: one every ~64-300 MB) never
// get here; test/native.test.ts shows the case.
static const size_t NUDGE_BYTES = (size_t)512 << 20;
// per thread: each isolate (the main one, a worker_threads worker's) runs on a thread of its own
static thread_local size_t g_since_full = 0; // bytes handed out since the isolate's last full collection
static thread_local v8::Isolate* g_hooked = nullptr;

static void on_full_gc(v8::Isolate*, v8::GCType, v8::GCCallbackFlags) { g_since_full = 0; }

static void count_and_nudge(v8::Isolate* iso, size_t bytes) {
  if (g_hooked != iso) {
    iso->AddGCEpilogueCallback(on_full_gc, v8::kGCTypeMarkSweepCompact);
    g_hooked = iso;
  }
  g_since_full += bytes;
  if (g_since_full > NUDGE_BYTES && !dl_pool_cached(bytes)) {
    g_since_full = 0;
    iso->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
    reclaim_huge();
  }
}
#endif

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
  const bool huge = bytes >= UNCOUNTED_BYTES;
  if (huge) reclaim_huge();
  count_and_nudge(iso, bytes); // before the block is taken: a collection now refills the pool
  size_t cls = 0;
  bool fresh = false;
  void* p = dl_pool_get(bytes > 0 ? bytes : 4, &cls, &fresh);
  if (!p) return nullptr;
  if (zero && !fresh) dl_memzero(p, bytes);
  v8::Local<v8::ArrayBuffer> ab;
  if (huge) {
    std::shared_ptr<v8::BackingStore> bs =
        v8::ArrayBuffer::NewBackingStore(p, bytes, v8::BackingStore::EmptyDeleter, nullptr);
    ab = v8::ArrayBuffer::New(iso, bs);
    std::lock_guard<std::mutex> lock(g_huge_mu);
    g_huge.push_back(Huge{std::move(bs), p, cls});
  } else {
    ab = v8::ArrayBuffer::New(
        iso, v8::ArrayBuffer::NewBackingStore(p, bytes, return_block, reinterpret_cast<void*>(cls)));
  }
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
// V8's reference to the backing store (the deleter returns the block to the pool at once) and takes
// its bytes off V8's external-memory count, so allocation-heavy loops no longer force collections
// to reclaim blocks. Only a typed array that spans its whole buffer (one alloc() made) is detached;
// every view of it reads as empty afterwards, so the caller must know that nothing uses it again.
// Returns 1 when the memory was released.
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
  if (bytes >= UNCOUNTED_BYTES) reclaim_huge(); // a huge block is ours again now
  return 1;
#endif
}
