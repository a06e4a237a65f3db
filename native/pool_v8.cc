// Typed arrays over pool memory, returned to the pool by V8 itself when they die.
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

#include <cstring>
#include <memory>

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
// A safety net for V8's collection schedule. V8 frees a dead typed array (so its block comes back
// here) only in a collection, and it starts one when its external-memory count grows by 64 MB: it
// starts an incremental marking, which must finish first. Under --single-threaded-gc (npm run gpt
// uses it) that marking advances only as JavaScript allocates, so a loop of large ops that
// allocates little JavaScript (a + b on 2048 x 4096 tensors, say) could go on for seconds without
// a collection: every output a freshly mapped block (page faults cost ~30x the op itself here) and
// memory growing by gigabytes. So when more than NUDGE_BYTES of blocks were handed out since V8's
// last full collection, ask for one now: a critical memory-pressure notification, made on the
// isolate's own thread, collects synchronously. Loops whose JavaScript keeps V8's own collections
// going (a training step: one every ~64-300 MB) never get here; test/native.test.ts shows the case.
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
  if (g_since_full > NUDGE_BYTES) {
    g_since_full = 0;
    iso->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
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
  count_and_nudge(iso, bytes); // before the block is taken: a collection now refills the pool
  size_t cls = 0;
  bool fresh = false;
  void* p = dl_pool_get(bytes > 0 ? bytes : 4, &cls, &fresh);
  if (!p) return nullptr;
  if (zero && !fresh) dl_memzero(p, bytes);
  std::unique_ptr<v8::BackingStore> bs =
      v8::ArrayBuffer::NewBackingStore(p, bytes, return_block, reinterpret_cast<void*>(cls));
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
  return ab->Detach(v8::Local<v8::Value>()).FromMaybe(false) ? 1 : 0;
#endif
}
