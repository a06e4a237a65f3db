// The `wasm` backend: the C kernels of native/kernels (the cpu addon's sources) compiled to
// WebAssembly by scripts/build-wasm.sh, loaded synchronously from the bytes in wasm_module.ts, so
// it works the same in Node and in a browser bundle (no node:* import, no fetch).
//
// Storage lives in the module's memory: a tensor's data is a WasmStorage, a block of that memory
// (64-byte aligned, in size classes of at most 25 % waste), and a kernel call hands the C side the
// blocks' addresses: nothing is copied. JavaScript learns that a tensor died only through
// FinalizationRegistry callbacks, which run between tasks, after a full collection: a block comes
// back to the module's allocator then. Two things make that happen in a training loop: blocks of
// 1 MiB or more owe an untouched host ArrayBuffer of a quarter of their size ("ballast", as on
// webgpu, paid in chunks of 33 MiB: backend.ts's BallastAccount), which V8 counts as external
// memory and collects sooner for, and readAsync (what a loop awaits for its loss) resolves after a
// macrotask, so the callbacks get their turn. When blocks still pile up with no callback (a loop of
// ops on small tensors allocates too little JavaScript for the collector to run), the next block
// carries a ballast large enough for V8 to collect. Code that never
// yields (a synchronous loop that reads with item()) gets no callbacks: once the blocks handed out
// since the last callback pass a budget (wasmConfig's pendingBytes, 256 MiB), or the module cannot
// grow, new tensors get a host array instead ("host-backed") and the kernels copy those in and out
// of one scratch block per call, as the backend did before its storage moved, until a callback
// runs again; growing into 4 GiB with dead tensors is never the answer. The module's memory grows but never shrinks, and growing it detaches every
// ArrayBuffer view of it: nothing here keeps one across an allocation (heap() renews them).
//
// Calling convention (native/wasm/glue.c), the cpu backend's: the call's scalars, then each view
// (nd, shape, offset relative to its pointer, strides) go into the module's meta block, and the
// pointers are the arguments: a resident storage's block, or a host array's copied region. Views of
// one host array that overlap share one copy, so the kernels see the aliasing the host arrays have
// (and handle it as on cpu); views of one block alias as they are. The kernel tests also hand the
// backend plain typed arrays: those take the host-backed path. Every view is validated
// here first (dtypes, integers, every element it reaches inside its array, shapes, windows), with
// the messages binding.c gives ("wasm.binary(add): view 'out' reaches ..."); the C side trusts what
// it is handed.
// float64 (the gradient checks), views of more than MAX_DIMS dims and elementwise ops on at most
// TINY elements run on the js kernels (over views of the module's memory), as on cpu; so do the ops
// on host-backed arrays whose copies would move far more elements than the op touches (spread()).
import { BINARY_OPS, FUSED_KERNELS, REDUCE_OPS, UNARY_OPS, type FusedKernel } from "../prims.js";
import {
  BallastAccount, type Backend, type DType, type DeviceBuffer, type FusedKernels, type Storage, type TypedArray, type View, SCAN_OPS, elementCtor, registerBackend,
  registerUnavailable,
} from "./backend.js";
import { hostIO, jsBackend } from "./js.js";
import { cFusedKernels } from "./c_fused.js";
import { contiguousStrides, isContiguous, nonOverlapping } from "../shape.js";
import { WASM_BASE64 } from "./wasm_module.js";

type Arr = Float32Array | Int32Array;
/** what a kernel call takes an array from: a host array (copied in and out) or a resident storage */
type Src = Arr | WasmStorage;

interface Exports {
  memory: WebAssembly.Memory;
  threadSetup(): number;
  setThreads(n: number): void;
  workerFailed(): void;
  workerFault(): void;
  workerStarted(): number;
  meta(): number;
  names(kind: number): number;
  gemmKind(): number;
  gemmCeiling(reps: number): number;
  arena(bytes: number): number;
  alloc(bytes: number): number;
  free(ptr: number): void;
  setLimit(pages: number): void;
  pages(): number;
  unary(op: number, dt: number, o: number, a: number): void;
  cast(to: number, from: number, o: number, a: number): void;
  binary(op: number, tout: number, tin: number, o: number, a: number, b: number): void;
  where(tcond: number, o: number, c: number, a: number, b: number): void;
  copy(dt: number, o: number, a: number): void;
  reduce(op: number, dt: number, o: number, a: number): number;
  matmul(o: number, a: number, b: number, bias: number): number;
  gather(o: number, a: number, ix: number): number;
  scatterAdd(dt: number, o: number, ix: number, src: number): number;
  scan(dt: number, hasIndices: number, o: number, a: number, ix: number): number;
  sort(dt: number, o: number, ix: number, a: number): number;
  fused(kind: number, ...p: number[]): number;
  attention(bwd: number, ...p: number[]): number;
}

/** Views with more dims than this run on the js kernels (the C side has fixed-size arrays). */
const MAX_DIMS = 16;
const META_LEN = 512;
const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, all that wasm32 addresses
/** Elementwise ops on at most this many elements run on the js kernels (cheaper than the copies). */
let TINY = 16;

// ---- loading ------------------------------------------------------------------------------------

/** (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt): validates only where SIMD128 exists */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function envVar(name: string): string | undefined {
  return typeof process !== "undefined" && process.env ? process.env[name] : undefined;
}

function cString(ex: Exports, p: number): string {
  const u8 = new Uint8Array(ex.memory.buffer);
  let e = p >>> 0;
  while (u8[e] !== 0) e++;
  let s = "";
  for (let i = p >>> 0; i < e; i++) s += String.fromCharCode(u8[i]);
  return s;
}

/** The module imports its memory (env.memory, shared, see scripts/build-wasm.sh): that import's
 *  limits in pages and the offset of its flags byte (bit 1: shared), read from the import section. */
function memoryImport(b: Uint8Array): { flagsAt: number; min: number; max: number } {
  let p = 8;
  const leb = () => {
    let r = 0, sh = 0, x: number;
    do {
      x = b[p++];
      r += (x & 127) * 2 ** sh;
      sh += 7;
    } while (x & 128);
    return r;
  };
  while (p < b.length) {
    const id = b[p++], size = leb(), end = p + size;
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        for (let str = 0; str < 2; str++) { // the module and field names
          const len = leb();
          p += len;
        }
        const kind = b[p++];
        if (kind === 2) {
          const flagsAt = p++;
          const min = leb(), max = b[flagsAt] & 1 ? leb() : 65536;
          return { flagsAt, min, max };
        }
        if (kind === 0) leb(); // a function's type index
        else if (kind === 1) (p++, b[p++] & 1 ? (leb(), leb()) : leb()); // table: type, limits
        else p += 2; // global: type, mutability
      }
    }
    p = end;
  }
  throw new Error("the module imports no memory");
}

/** the compiled module (the GEMM's worker instantiates it too) */
let module: WebAssembly.Module | null = null;

function load(): { ex: Exports | null; reason: string } {
  if (envVar("DLGRAD_WASM") === "0") return { ex: null, reason: "DLGRAD_WASM=0" };
  if (typeof WebAssembly !== "object") return { ex: null, reason: "this JavaScript engine has no WebAssembly" };
  if (!WebAssembly.validate(SIMD_PROBE)) {
    return { ex: null, reason: "this JavaScript engine has no WebAssembly SIMD (Chrome 91, Firefox 89, Safari 16.4, Node 16.4 or later have it)" };
  }
  let ex: Exports;
  try {
    const bytes = fromBase64(WASM_BASE64);
    const lim = memoryImport(bytes);
    // Shared memory (so that the GEMM's worker can use it) where SharedArrayBuffer exists and, in
    // a page, it is cross-origin isolated; otherwise the import's shared flag is cleared.
    let memory: WebAssembly.Memory | null = null;
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    if (typeof SharedArrayBuffer === "function" && isolated !== false && envVar("DLGRAD_WASM_THREADS") !== "1") {
      try {
        memory = new WebAssembly.Memory({ initial: lim.min, maximum: lim.max, shared: true } as WebAssembly.MemoryDescriptor);
      } catch {
        memory = null; // e.g. no room to reserve a shared 4 GiB
      }
    }
    if (!memory) {
      bytes[lim.flagsAt] &= ~2;
      memory = new WebAssembly.Memory({ initial: lim.min, maximum: lim.max });
    }
    module = new WebAssembly.Module(bytes);
    const inst = new WebAssembly.Instance(module, { env: { memory } });
    ex = { ...(inst.exports as unknown as Exports), memory };
  } catch (e) {
    return { ex: null, reason: `the WebAssembly module failed to load: ${e instanceof Error ? e.message : String(e)}` };
  }
  const lists = [UNARY_OPS, BINARY_OPS, REDUCE_OPS, FUSED_KERNELS];
  for (let k = 0; k < lists.length; k++) {
    if (cString(ex, ex.names(k)) !== lists[k].join(",")) {
      return { ex: null, reason: "native/wasm/dlgrad.wasm does not match the op lists of src/prims.ts (run scripts/build-wasm.sh)" };
    }
  }
  return { ex, reason: "" };
}

const loaded = load();
const ex = loaded.ex as Exports;

const WARNED = Symbol.for("dlgrad.wasmWarned");
const g = globalThis as unknown as Record<symbol, boolean>;
if (!loaded.ex) {
  registerUnavailable("wasm", loaded.reason);
  const dev = envVar("DLGRAD_DEVICE");
  if (envVar("DLGRAD_WASM") !== "0" && (dev === undefined || dev === "wasm") && !g[WARNED]) {
    g[WARNED] = true;
    const inNode = typeof process !== "undefined" && !!process.versions?.node;
    console.warn(`dlgrad: the wasm backend is not available (${loaded.reason}); ${inNode ? "the cpu backend (native addon) or js is used instead" : "using the js backend"}`);
  }
}

// ---- the module's memory --------------------------------------------------------------------------

let heapBuf: ArrayBuffer | null = null;
let heapU8 = new Uint8Array(0);
let meta = new Float64Array(0);

/** Views of the module's memory, renewed after it grew (growing detaches the old ArrayBuffer). */
function refresh(): void {
  if (ex.memory.buffer === heapBuf) return;
  heapBuf = ex.memory.buffer;
  heapU8 = new Uint8Array(heapBuf);
  meta = new Float64Array(heapBuf, ex.meta() >>> 0, META_LEN);
}

const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

// ---- tensor storage: blocks of the module's memory ----------------------------------------------

/** A block of the module's memory: `bytes` (its size class) from address `ptr`. */
interface Block {
  ptr: number;
  bytes: number;
}

/**
 * A tensor's elements on the `wasm` device: a block of the module's memory while resident, or a
 * host array when the block could not be had (see the header). The block is given back when the
 * storage is garbage-collected. Host-visible: the backend's read() copies the elements out.
 */
export class WasmStorage implements DeviceBuffer {
  readonly hostVisible = true;
  /** the block while resident, else null */
  block: Block | null = null;
  /** the elements when host-backed, else null */
  host: TypedArray | null = null;
  /** see the header: an untouched ArrayBuffer that tells the collector about the block's size */
  ballast?: ArrayBuffer;
  constructor(readonly dtype: DType, readonly length: number) {}
}

/** Bytes of the class that holds `bytes` (at least 64; 4 classes per power of two above 256). */
function sizeClass(bytes: number): number {
  if (bytes <= 256) return Math.max(64, Math.ceil(bytes / 64) * 64);
  const q = 2 ** Math.floor(Math.log2(bytes)) / 4;
  return Math.ceil(bytes / q) * q;
}

const mem = {
  /** bytes of blocks handed out and not given back yet (live tensors, and dead ones awaiting their callback) */
  resident: 0,
  /** bytes of blocks handed out since a callback last gave one back */
  pending: 0,
  /** the most `pending` may reach before new storages are host-backed: past it, the program is not
   *  letting the callbacks run (a synchronous loop), and blocks would only pile up */
  budget: 2 ** 28,
  /** storages that were host-backed, and blocks given back, since the module loaded */
  hostBacked: 0,
  reclaimed: 0,
  /** whether this pile-up's ballast went out (see PILING_UP); a callback clears it */
  pileUpBallast: false,
};
/** Smaller blocks get no ballast: the collections their tensors' JavaScript objects cause come
 *  often enough, and a ballast per small block made a training step's collections cost more than
 *  the copies they saved. */
const BALLAST_MIN = 1 << 20;
/** ...but when more than this many bytes of blocks went out with no callback, the collections are
 *  not coming: a loop of 256² matmuls that awaited a macrotask each time made 1,000 fresh 256 KiB
 *  outputs (256 MiB, each page a fault on first touch) before V8 collected once, and then turned
 *  host-backed. So the next block carries one ballast of EXTRA_BALLAST bytes, once per pile-up (a
 *  callback ends it): V8 collects soon after, and the blocks come back to be reused (that loop's
 *  module stayed at 49 MiB). One large ballast, not one per block: glibc maps an allocation that
 *  large afresh (untouched: address space, not memory), while a 4 MiB ArrayBuffer after the first
 *  one freed came from its heap, zero-filled, which made `DLGRAD_DEVICE=wasm npm run mnist` 1.7x
 *  slower; and once per pile-up, because a loop that never yields gets nothing from collections.
 *  64 MiB was too little (the loop above still grew to 261 MiB); 128 and 256 MiB both held it. */
const PILING_UP = 32 << 20;
const EXTRA_BALLAST = 256 << 20;

const ballasts = new BallastAccount();

/** The ballast a new block of `bytes` gets, if any (see BALLAST_MIN and PILING_UP). */
function ballastFor(bytes: number): ArrayBuffer | undefined {
  if (mem.pending > PILING_UP && !mem.pileUpBallast) {
    mem.pileUpBallast = true;
    return new ArrayBuffer(EXTRA_BALLAST);
  }
  return bytes >= BALLAST_MIN ? ballasts.take(bytes / 4) : undefined;
}

/** A collected storage's block goes straight back to the C allocator (dlmalloc), which coalesces
 *  free neighbours, so a block serves any later size (per-class free lists kept blocks of classes
 *  no longer asked for, and the memory grew). Callbacks run as tasks of their own, never inside a
 *  kernel call. */
const registry = new FinalizationRegistry<Block>((b) => {
  mem.pending = 0;
  mem.pileUpBallast = false;
  mem.resident -= b.bytes;
  mem.reclaimed++;
  ex.free(b.ptr);
});

/** A block of at least `bytes`, or null past the budget or the module's limit. */
function newBlock(bytes: number): Block | null {
  const cls = sizeClass(bytes);
  if (mem.pending + cls > mem.budget || cls >= 2 ** 32 - 64) return null;
  const ptr = ex.alloc(cls) >>> 0;
  if (!ptr) return null;
  mem.resident += cls;
  mem.pending += cls;
  return { ptr, bytes: cls };
}

function allocStorage(dtype: DType, n: number, zero: boolean): WasmStorage {
  const s = new WasmStorage(dtype, n);
  const bytes = n * elementCtor(dtype).BYTES_PER_ELEMENT;
  const b = n > 0 ? newBlock(bytes) : null;
  if (!b) {
    s.host = new (elementCtor(dtype))(n); // zeroed
    if (n > 0) mem.hostBacked++;
    return s;
  }
  s.block = b;
  registry.register(s, b);
  s.ballast = ballastFor(b.bytes);
  if (zero) {
    refresh();
    heapU8.fill(0, b.ptr, b.ptr + bytes);
  }
  return s;
}

/** A storage's elements as a typed array: its host array, or a view of the module's memory that
 *  stays valid until the memory next grows (so: use it at once, allocate nothing meanwhile). */
function arrOf(s: WasmStorage): TypedArray {
  if (s.host) return s.host;
  refresh();
  return new (elementCtor(s.dtype))(heapBuf!, s.block!.ptr, s.length);
}

/** what a view's data is as a typed array, for the js kernels and the copies */
function hostArr(x: Storage): TypedArray {
  return x instanceof WasmStorage ? arrOf(x) : (x as TypedArray);
}

/** the view with its data as a typed array (see arrOf: use at once) */
function J(v: View<Storage>): View {
  return v.data instanceof WasmStorage ? { data: arrOf(v.data), shape: v.shape, strides: v.strides, offset: v.offset } : (v as View);
}
function Jn(v: View<Storage> | null | undefined): View | null {
  return v ? J(v) : null;
}

/** macrotask: lets FinalizationRegistry callbacks run (see the header) */
const yieldTask: () => Promise<void> = typeof setImmediate === "function"
  ? () => new Promise((r) => setImmediate(r))
  : typeof MessageChannel === "function"
    ? (() => {
      const ch = new MessageChannel(), queue: (() => void)[] = [];
      ch.port1.onmessage = () => queue.shift()?.();
      return () => new Promise<void>((r) => { queue.push(r); ch.port2.postMessage(0); });
    })()
    : () => new Promise((r) => setTimeout(r, 0));

// ---- one call: errors, validated views, copied regions ------------------------------------------

let curFn = "";
let curOp = "";

function bad(msg: string): never {
  throw new Error(`wasm.${curFn}${curOp ? `(${curOp})` : ""}: ${msg}`);
}

function outOfMemory(what: string): never {
  bad(`out of WebAssembly memory ${what}; the module holds ${MiB(ex.pages() * PAGE)} of the ${MiB(limitPages * PAGE)} it may use` +
    (limitPages >= MAX_PAGES ? " (4 GiB, the wasm32 limit)" : "") + "; tensors made before this call are unaffected");
}

/** A byte range of one ArrayBuffer copied into the module. */
interface Region {
  buffer: ArrayBufferLike;
  lo: number; // bytes
  hi: number; // bytes, exclusive
  read: boolean; // copied in before the kernel
  write: boolean; // copied back after it
  ptr: number; // in the module's memory, once placed
}

/** How a kernel uses a view: read, every element it reaches written (nothing is copied in when the
 *  view covers its range), read and written, or only validated (fill, which needs no kernel). */
type Mode = "r" | "w" | "rw" | "check";

/** A validated view: its element offset relative to `lo`, the first element it reaches (a host
 *  array's view, copied in `region`), or to `base`, the address of a resident storage's block. */
interface Handle {
  arr: Arr | null;
  lo: number;
  off: number;
  region: Region | null;
  base: number;
}

const regions: Region[] = [];
const handles: Handle[] = [];
const EMPTY: Handle = { arr: null, lo: 0, off: 0, region: null, base: 0 };

function begin(fn: string, op = ""): void {
  curFn = fn;
  curOp = op;
  regions.length = 0;
  handles.length = 0;
}

function isI32(a: Storage): boolean {
  return a instanceof WasmStorage ? a.dtype === "int32" : a instanceof Int32Array;
}
function isF32(a: Storage): boolean {
  return a instanceof WasmStorage ? a.dtype === "float32" : a instanceof Float32Array;
}
function isF64(a: Storage): boolean {
  return a instanceof WasmStorage ? a.dtype === "float64" : a instanceof Float64Array;
}

function tiny(shape: readonly number[]): boolean {
  let n = 1;
  for (let d = 0; d < shape.length; d++) n *= shape[d];
  return n <= TINY;
}

/** elements from a view's lowest to its highest reachable one (what its copy would move) */
function reach(v: View): number {
  let r = 1;
  for (let d = 0; d < v.shape.length; d++) {
    if (v.shape[d] === 0) return 0;
    r += Math.abs(v.strides[d]) * (v.shape[d] - 1);
  }
  return r;
}

/** true when copying the views would move far more elements than the op's n (a gather from a
 *  whole dataset, an op on a narrow window of a wide tensor): then the js kernel, which touches
 *  only the n elements, is the faster of the two. Resident storages are not copied. */
function spread(n: number, ...views: View<Storage>[]): boolean {
  const lim = 4 * n + 16384;
  for (const v of views) if (!(v.data instanceof WasmStorage && v.data.block) && reach(v as View) > lim) return true;
  return false;
}

const DTYPE_NAMES = ["float32", "int32"];
function dtOf(a: Src): number {
  return a instanceof WasmStorage ? (a.dtype === "float32" ? 0 : 1) : a instanceof Float32Array ? 0 : 1;
}

/** a float32 or int32 resident storage, host array (a host-backed storage's), else an error naming the argument */
function arr32(x: unknown, name: string): Src {
  if (x instanceof WasmStorage) {
    if (x.dtype === "float64") bad(`'${name}' must be float32 or int32, got float64`);
    return x.block ? x : (x.host as Arr);
  }
  if (x instanceof Float32Array || x instanceof Int32Array) return x;
  if (x instanceof Float64Array) bad(`'${name}' must be float32 or int32, got float64`);
  return bad(`'${name}' must be a Float32Array or Int32Array (or the wasm device's storage)`);
}

function want(x: unknown, name: string, dt: number): Src {
  const a = arr32(x, name);
  if (dtOf(a) !== dt) bad(`'${name}' must be ${DTYPE_NAMES[dt]}, got ${DTYPE_NAMES[dtOf(a)]}`);
  return a;
}

const MAXI = 2 ** 50;
function isInt(v: number, lo: number, hi: number): boolean {
  return Number.isInteger(v) && v >= lo && v <= hi;
}

/** the dims of a shape: whole numbers */
function checkShape(shape: readonly number[]): void {
  if (shape.length > MAX_DIMS) bad(`too many dims (${shape.length})`);
  for (const s of shape) if (!isInt(s, 0, MAXI)) bad(`a dim must be an integer in [0, ${MAXI}], got ${s}`);
}

function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (let d = 0; d < shape.length; d++) n *= shape[d];
  return n;
}

/**
 * Validates view v (its shape must equal `shape`, checked by the caller's checkShape) against its
 * array and adds the bytes it reaches to the call's regions. mode: "r" read, "w" written (every
 * element it reaches: nothing is copied in when the view covers its range), "rw" both, "check"
 * validated only.
 */
function view(v: View<Storage>, shape: readonly number[], name: string, arr: Src, mode: Mode): Handle {
  const nd = shape.length;
  const sh = v.shape, st = v.strides;
  if (sh.length !== nd || st.length !== nd) bad(`view '${name}' has ${sh.length} dims, expected ${nd}`);
  for (let d = 0; d < nd; d++) {
    if (sh[d] !== shape[d]) bad(`view '${name}' has shape [${sh.join(", ")}], expected [${shape.join(", ")}]`);
  }
  return span(arr, v.offset, shape, st, name, mode);
}

function span(arr: Src, offset: number, shape: readonly number[], st: readonly number[], name: string, mode: Mode): Handle {
  if (!isInt(offset, 0, MAXI)) bad(`an offset must be an integer in [0, ${MAXI}], got ${offset}`);
  let lo = offset, hi = offset, n = 1;
  for (let d = 0; d < shape.length; d++) {
    if (!isInt(st[d], -MAXI, MAXI)) bad(`a stride must be an integer in [${-MAXI}, ${MAXI}], got ${st[d]}`);
    n *= shape[d];
    const e = st[d] * (shape[d] - 1);
    if (e < 0) lo += e;
    else hi += e;
  }
  if (n === 0) return EMPTY;
  if (lo < 0 || hi >= arr.length) {
    bad(`view '${name}' reaches elements ${lo}..${hi} but its array has ${arr.length}${arr.length === 0 ? " (a detached buffer?)" : ""}`);
  }
  if (mode === "check") return EMPTY;
  if (arr instanceof WasmStorage) return { arr: null, lo: 0, off: offset, region: null, base: arr.block!.ptr };
  const covers = mode === "w" && hi - lo + 1 === n && nonOverlapping(shape, st);
  const b0 = arr.byteOffset + 4 * lo, b1 = arr.byteOffset + 4 * (hi + 1);
  const r: Region = { buffer: arr.buffer, lo: b0, hi: b1, read: mode !== "w" || !covers, write: mode !== "r", ptr: 0 };
  const h: Handle = { arr, lo, off: offset - lo, region: r, base: 0 };
  // views of one buffer whose bytes overlap share one region, so the kernel sees the same aliasing
  // as on the host (an in-place op, a copy between overlapping windows, an out over an input)
  for (let i = 0; i < regions.length; i++) {
    const e = regions[i];
    if (e.buffer !== r.buffer || e.hi <= r.lo || r.hi <= e.lo) continue;
    r.lo = Math.min(r.lo, e.lo);
    r.hi = Math.max(r.hi, e.hi);
    r.read = true; // the union may hold bytes no view writes: they go back as they came
    r.write ||= e.write;
    for (const o of handles) if (o.region === e) o.region = r;
    regions.splice(i, 1);
    i = -1; // the grown range may now overlap a region already passed
  }
  regions.push(r);
  handles.push(h);
  return h;
}

/** Places the regions in the module's memory and copies in those that are read. */
function place(): void {
  let total = 0;
  for (const r of regions) {
    r.ptr = total;
    total += Math.ceil((r.hi - r.lo) / 64) * 64;
  }
  if (total >= 2 ** 32) outOfMemory(`(this call needs ${MiB(total)} for its arrays)`);
  const base = total > 0 ? ex.arena(total) >>> 0 : 0;
  if (total > 0 && base === 0) outOfMemory(`(this call needs ${MiB(total)} for its arrays)`);
  refresh();
  for (const r of regions) {
    r.ptr += base;
    if (r.read) heapU8.set(new Uint8Array(r.buffer, r.lo, r.hi - r.lo), r.ptr);
  }
}

/** the pointer handed to C for a view: its region's copy of the view's first reached element */
function ptr(h: Handle): number {
  const r = h.region;
  return r ? r.ptr + (h.arr!.byteOffset + 4 * h.lo - r.lo) : h.base;
}

/** Copies the written regions back to their arrays. rc < 0: a kernel failed, nothing is written. */
function finish(rc = 0, what = "for its scratch memory"): void {
  handles.length = 0;
  if (rc < 0) outOfMemory(what);
  refresh();
  for (const r of regions) {
    if (r.write) new Uint8Array(r.buffer, r.lo, r.hi - r.lo).set(heapU8.subarray(r.ptr, r.ptr + r.hi - r.lo));
  }
  regions.length = 0;
}

function abandon(): void {
  handles.length = 0;
  regions.length = 0;
}

// meta: the call's scalars, then each view as nd, shape, offset (relative to its region), strides
let mp = 0;
function put(x: number): void {
  if (mp >= META_LEN) bad("too many dims (meta overflow)");
  meta[mp++] = x;
}
function putView(h: Handle, v: View<Storage>): void {
  put(v.shape.length);
  for (const s of v.shape) put(s);
  put(h.off);
  for (const s of v.strides) put(s);
}
/** meta = scalars, then the views (after place(), which may have renewed `meta`) */
function putCall(scalars: readonly number[], hs: readonly Handle[], vs: readonly (View<Storage> | null)[]): void {
  mp = 0;
  for (const x of scalars) put(x);
  vs.forEach((v, i) => { if (v) putView(hs[i], v); });
}

/** runs `body` (which validates, places and calls) and drops the call's state if it throws */
function guarded<T>(body: () => T): T {
  try {
    return body();
  } catch (e) {
    abandon();
    throw e;
  }
}

/** name -> tag: the index in its list, which is what the C side switches on */
function tags<T extends string>(names: readonly T[]): Record<string, number> {
  return Object.fromEntries(names.map((n, i) => [n, i]));
}
const UN = tags(UNARY_OPS), BIN = tags(BINARY_OPS), RED = tags(REDUCE_OPS), FUSED_TAG = tags(FUSED_KERNELS), SCAN = tags(SCAN_OPS);
const BIN_EQ = BINARY_OPS.indexOf("eq");

function opTag(table: Record<string, number>, op: string): number {
  const t = table[op];
  if (t === undefined) bad("bad op tag");
  return t;
}

/** a kernel call over views that share out's shape (unary, cast, binary, where, copy) */
function elementwise(scalars: number[], views: View<Storage>[], handles: Handle[], run: (p: number[]) => void): void {
  if (numelOf(views[0].shape) === 0) return abandon();
  place();
  putCall(scalars, handles, views);
  run(handles.map(ptr));
  finish();
}

// ---- the backend --------------------------------------------------------------------------------

/** What the wasm backend keeps tensors in (WasmStorage); the kernel tests also hand it typed arrays. */
export type WasmData = WasmStorage | TypedArray;

export const wasmBackend: Backend<WasmData> = {
  name: "wasm",

  alloc(dtype, n, zero) {
    return allocStorage(dtype, n, zero === true);
  },

  upload(dst, values) {
    if (!(dst instanceof WasmStorage)) return hostIO.upload(dst, values);
    arrOf(dst).set(values);
  },

  read(src) {
    if (!(src.data instanceof WasmStorage)) return hostIO.read.call(jsBackend, src as View);
    const n = numelOf(src.shape);
    const v = J(src);
    if (isContiguous(src.shape, src.strides)) return v.data.slice(src.offset, src.offset + n);
    const out = new (elementCtor(src.data.dtype))(n);
    if (n > 0) jsBackend.copy({ data: out, shape: src.shape, strides: contiguousStrides(src.shape), offset: 0 }, v, false);
    return out;
  },

  async readAsync(src) {
    const r = this.read(src)!;
    await yieldTask();
    return r;
  },

  unary(op, out, a) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data) || spread(numelOf(out.shape), out, a)) {
      return jsBackend.unary(op, J(out), J(a));
    }
    guarded(() => {
      begin("unary", op);
      const tag = opTag(UN, op);
      const o = arr32(out.data, "out"), x = want(a.data, "a", dtOf(o));
      checkShape(out.shape);
      const hs = [view(out, out.shape, "out", o, "w"), view(a, out.shape, "a", x, "r")];
      elementwise([], [out, a], hs, ([po, pa]) => ex.unary(tag, dtOf(o), po, pa));
    });
  },

  cast(out, a) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data) || spread(numelOf(out.shape), out, a)) {
      return jsBackend.cast(J(out), J(a));
    }
    guarded(() => {
      begin("cast");
      const o = arr32(out.data, "out"), x = arr32(a.data, "a");
      checkShape(out.shape);
      const hs = [view(out, out.shape, "out", o, "w"), view(a, out.shape, "a", x, "r")];
      elementwise([], [out, a], hs, ([po, pa]) => ex.cast(dtOf(o), dtOf(x), po, pa));
    });
  },

  binary(op, out, a, b) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data) || isF64(b.data) || spread(numelOf(out.shape), out, a, b)) {
      return jsBackend.binary(op, J(out), J(a), J(b));
    }
    guarded(() => {
      begin("binary", op);
      const tag = opTag(BIN, op);
      const x = arr32(a.data, "a"), y = want(b.data, "b", dtOf(x));
      const o = tag >= BIN_EQ ? arr32(out.data, "out") : want(out.data, "out", dtOf(x));
      if (op === "div" && dtOf(x) === 1) bad("integer division is not a kernel");
      checkShape(out.shape);
      const hs = [view(out, out.shape, "out", o, "w"), view(a, out.shape, "a", x, "r"), view(b, out.shape, "b", y, "r")];
      elementwise([], [out, a, b], hs, ([po, pa, pb]) => ex.binary(tag, dtOf(o), dtOf(x), po, pa, pb));
    });
  },

  where(out, cond, a, b) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(cond.data) || isF64(a.data) || isF64(b.data) ||
      spread(numelOf(out.shape), out, cond, a, b)) {
      return jsBackend.where(J(out), J(cond), J(a), J(b));
    }
    guarded(() => {
      begin("where");
      const o = arr32(out.data, "out"), c = arr32(cond.data, "cond");
      const x = want(a.data, "a", dtOf(o)), y = want(b.data, "b", dtOf(o));
      checkShape(out.shape);
      const hs = [view(out, out.shape, "out", o, "w"), view(cond, out.shape, "cond", c, "r"), view(a, out.shape, "a", x, "r"),
        view(b, out.shape, "b", y, "r")];
      elementwise([], [out, cond, a, b], hs, ([po, pc, pa, pb]) => ex.where(dtOf(c), po, pc, pa, pb));
    });
  },

  copy(out, a, accumulate) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data) || spread(numelOf(out.shape), out, a)) {
      return jsBackend.copy(J(out), J(a), accumulate);
    }
    guarded(() => {
      begin("copy");
      const o = arr32(out.data, "out"), x = want(a.data, "a", dtOf(o));
      checkShape(out.shape);
      const hs = [view(out, out.shape, "out", o, accumulate ? "rw" : "w"), view(a, out.shape, "a", x, "r")];
      elementwise([accumulate ? 1 : 0], [out, a], hs, ([po, pa]) => ex.copy(dtOf(o), po, pa));
    });
  },

  fill(out, value) {
    // nothing to compute: validated, then the typed array's own fill (contiguous) or the js kernel
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data)) return jsBackend.fill(J(out), value);
    guarded(() => {
      begin("fill");
      const o = arr32(out.data, "out");
      checkShape(out.shape);
      view(out, out.shape, "out", o, "check");
      abandon();
      if (isContiguous(out.shape, out.strides)) hostArr(o).fill(value, out.offset, out.offset + numelOf(out.shape));
      else jsBackend.fill(J(out), value);
    });
  },

  reduce(op, out, a, axes) {
    const nd = a.shape.length;
    if (nd > MAX_DIMS || tiny(a.shape) || isF64(out.data) || isF64(a.data) || spread(numelOf(a.shape), a)) {
      return jsBackend.reduce(op, J(out), J(a), axes);
    }
    guarded(() => {
      begin("reduce", op);
      const tag = opTag(RED, op);
      const x = arr32(a.data, "a");
      const arg = op === "argmax" || op === "argmin";
      const o = want(out.data, "out", arg ? 1 : dtOf(x));
      checkShape(a.shape);
      if (axes.length !== nd) bad(`${axes.length} axis flags for ${nd} dims`);
      let mask = 0, nred = 0;
      for (let d = 0; d < nd; d++) if (axes[d]) { mask += 2 ** d; nred++; }
      if (arg && nred !== 1) bad("exactly one axis must be reduced");
      const oshape = a.shape.map((s, d) => (axes[d] ? 1 : s));
      // out may overlap a or be strided: the kernel computes apart and copies in order, as on cpu
      const hs = [view(out, oshape, "out", o, "w"), view(a, a.shape, "a", x, "r")];
      if (numelOf(oshape) === 0) return abandon();
      place();
      putCall([mask], hs, [out, a]);
      finish(ex.reduce(tag, dtOf(x), ptr(hs[0]), ptr(hs[1])));
    });
  },

  matmul(out, a, b, bias) {
    startDeferred();
    const nd = a.shape.length;
    const allInt = isI32(out.data) && isI32(a.data) && isI32(b.data);
    if (nd > MAX_DIMS || isF64(out.data) || isF64(a.data) || isF64(b.data) || allInt || (bias && !isF32(bias.data))) {
      return jsBackend.matmul(J(out), J(a), J(b), Jn(bias)); // float64 (gradient checks), int32: the js kernel
    }
    guarded(() => {
      begin("matmul");
      const o = want(out.data, "out", 0), x = want(a.data, "a", 0), y = want(b.data, "b", 0);
      if (nd < 2 || b.shape.length !== nd || out.shape.length !== nd) bad("need a, b and out with the same number (>= 2) of dims");
      checkShape(a.shape);
      checkShape(b.shape);
      const K = a.shape[nd - 1], N = b.shape[nd - 1];
      if (b.shape[nd - 2] !== K) bad(`inner dims differ: [${a.shape.join(", ")}] @ [${b.shape.join(", ")}]`);
      for (let d = 0; d < nd - 2; d++) {
        if (b.shape[d] !== a.shape[d]) bad(`batch dims differ: [${a.shape.join(", ")}] @ [${b.shape.join(", ")}]`);
      }
      const oshape = [...a.shape.slice(0, nd - 1), N];
      // out may overlap an input or the bias, or be strided: dl_matmul computes apart, as on cpu
      const hs = [view(out, oshape, "out", o, "w"), view(a, a.shape, "a", x, "r"), view(b, b.shape, "b", y, "r")];
      if (bias) {
        const z = want(bias.data, "bias", 0);
        if (bias.shape.length !== 1 || bias.shape[0] !== N) bad(`bias of shape [${bias.shape.join(", ")}] for ${N} columns`);
        hs.push(view(bias, [N], "bias", z, "r"));
      }
      if (numelOf(oshape) === 0) return abandon();
      place();
      putCall([], hs, [out, a, b, bias ?? null]);
      finish(ex.matmul(ptr(hs[0]), ptr(hs[1]), ptr(hs[2]), bias ? ptr(hs[3]) : 0));
    });
  },

  gather(out, a, dim, index) {
    const nd = out.shape.length;
    if (nd > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data) || spread(numelOf(out.shape), out, a, index)) {
      return jsBackend.gather(J(out), J(a), dim, J(index));
    }
    guarded(() => {
      begin("gather");
      const o = arr32(out.data, "out"), x = want(a.data, "a", dtOf(o)), ix = want(index.data, "index", 1);
      alongDim(dim, out.shape, a.shape, "a");
      const hs = [view(out, out.shape, "out", o, "w"), view(a, a.shape, "a", x, "r"), view(index, out.shape, "index", ix, "r")];
      if (numelOf(out.shape) === 0) return abandon();
      place();
      putCall([dim], hs, [out, a, index]);
      if (ex.gather(ptr(hs[0]), ptr(hs[1]), ptr(hs[2])) < 0) bad(`index out of range [0, ${a.shape[dim]}) along dim ${dim}`);
      finish();
    });
  },

  scatterAdd(out, dim, index, src, fresh) {
    const nd = index.shape.length;
    if (nd > MAX_DIMS || tiny(index.shape) || isF64(out.data) || isF64(src.data) || spread(numelOf(index.shape), out, index, src)) {
      return jsBackend.scatterAdd(J(out), dim, J(index), J(src), fresh);
    }
    guarded(() => {
      begin("scatterAdd");
      const o = arr32(out.data, "out"), s = want(src.data, "src", dtOf(o)), ix = want(index.data, "index", 1);
      alongDim(dim, index.shape, out.shape, "out");
      // fresh: every element of out is written (zeros, then the adds), so none is copied in
      if (fresh && !isContiguous(out.shape, out.strides)) bad("a fresh out must be contiguous");
      const hs = [view(out, out.shape, "out", o, fresh ? "w" : "rw"), view(index, index.shape, "index", ix, "r"), view(src, index.shape, "src", s, "r")];
      if (numelOf(index.shape) === 0) {
        abandon();
        if (fresh) wasmBackend.fill(out, 0);
        return;
      }
      place();
      putCall([dim, fresh ? 1 : 0], hs, [out, index, src]);
      // a bad index stops the kernel before it writes: nothing is copied back
      if (ex.scatterAdd(dtOf(o), ptr(hs[0]), ptr(hs[1]), ptr(hs[2])) < 0) bad(`index out of range [0, ${out.shape[dim]}) along dim ${dim}`);
      finish();
    });
  },

  scan(op, out, a, dim, reverse, indices) {
    const nd = a.shape.length;
    if (nd > MAX_DIMS || tiny(a.shape) || isF64(out.data) || isF64(a.data) || spread(numelOf(a.shape), out, a)) {
      return jsBackend.scan(op, J(out), J(a), dim, reverse, indices ? J(indices) : indices);
    }
    guarded(() => {
      begin("scan", op);
      const tag = opTag(SCAN, op);
      const x = arr32(a.data, "a"), o = want(out.data, "out", dtOf(x));
      if (op === "logcumsumexp" && dtOf(x) !== 0) bad("'a' must be float32, got int32");
      checkShape(a.shape);
      if (!isInt(dim, 0, nd - 1)) bad(`bad dim ${dim}`);
      const extreme = op === "cummax" || op === "cummin";
      if (extreme !== !!indices) bad(extreme ? "'indices' is required for cummax and cummin" : "'indices' is only for cummax and cummin");
      const hs = [view(out, a.shape, "out", o, "w"), view(a, a.shape, "a", x, "r")];
      if (indices) hs.push(view(indices, a.shape, "indices", want(indices.data, "indices", 1), "w"));
      if (numelOf(a.shape) === 0) return abandon();
      place();
      putCall([tag, dim, reverse ? 1 : 0], hs, [out, a, indices ?? null]);
      finish(ex.scan(dtOf(x), indices ? 1 : 0, ptr(hs[0]), ptr(hs[1]), indices ? ptr(hs[2]) : 0));
    });
  },

  sort(values, indices, a, dim, descending) {
    const nd = a.shape.length;
    if (nd > MAX_DIMS || tiny(a.shape) || isF64(values.data) || isF64(a.data) || spread(numelOf(a.shape), values, a)) {
      return jsBackend.sort(J(values), J(indices), J(a), dim, descending);
    }
    guarded(() => {
      begin("sort");
      const x = arr32(a.data, "a"), o = want(values.data, "values", dtOf(x)), ix = want(indices.data, "indices", 1);
      checkShape(a.shape);
      if (!isInt(dim, 0, nd - 1)) bad(`bad dim ${dim}`);
      const hs = [view(values, a.shape, "values", o, "w"), view(indices, a.shape, "indices", ix, "w"), view(a, a.shape, "a", x, "r")];
      if (numelOf(a.shape) === 0) return abandon();
      place();
      putCall([dim, descending ? 1 : 0], hs, [values, indices, a]);
      finish(ex.sort(dtOf(x), ptr(hs[0]), ptr(hs[1]), ptr(hs[2])));
    });
  },

  random(out, dist, rng) {
    jsBackend.random(J(out), dist, rng);
  },
};

/** gather/scatterAdd: index (shape `ishape`) fits inside `big` (named `name`) outside `dim` */
function alongDim(dim: number, ishape: readonly number[], bigShape: readonly number[], name: string): void {
  const nd = ishape.length;
  if (nd < 1 || bigShape.length !== nd) bad(`'${name}' must have the ${nd} dims of index (at least 1)`);
  if (!isInt(dim, 0, nd - 1)) bad(`bad dim ${dim}`);
  checkShape(ishape);
  checkShape(bigShape);
  if (numelOf(ishape) === 0) return;
  for (let d = 0; d < nd; d++) if (d !== dim && ishape[d] > bigShape[d]) bad(`index is larger than ${name} along dim ${d}`);
  if (bigShape[dim] === 0) bad(`index out of range (${name} has size 0 along dim ${dim})`);
}

// ---- fused kernels: contiguous windows; meta = the scalars, then the views that are not null ------


/** The windows of each kernel, as binding.c's table has them: size in elements (rows·n, rows, n,
 *  rows times a plane of the first two scalars, or the product of the first four) where n is the
 *  last dim of the array `like` and rows·n its element count; whether it may be null, int32, and
 *  how the kernel uses it (w: every element written, rw: read and written, r: read). */
type Size = "rn" | "r" | "n" | "rp" | "x4" | "cw" | "oc";
interface Arg { size: Size; opt?: boolean; i32?: boolean; mode: Mode }
const rn = (mode: Mode): Arg => ({ size: "rn", mode });
const FUSED: Record<FusedKernel, { like: number; nscalars: number; args: Arg[]; check?: (sc: number[], rows: number, n: number) => void }> = {
  softmax: { like: 1, nscalars: 3, args: [rn("w"), rn("r")], check: checkSoftmax },
  softmaxBackward: { like: 2, nscalars: 3, args: [rn("w"), rn("r"), rn("r")], check: checkSoftmax },
  layerNorm: {
    like: 3, nscalars: 1,
    args: [rn("w"), { size: "r", mode: "w" }, { size: "r", mode: "w" }, rn("r"), { size: "n", opt: true, mode: "r" }, { size: "n", opt: true, mode: "r" }],
  },
  layerNormBackward: {
    like: 4, nscalars: 0,
    args: [rn("w"), { size: "n", opt: true, mode: "w" }, { size: "n", opt: true, mode: "w" }, rn("r"), rn("r"),
      { size: "r", mode: "r" }, { size: "r", mode: "r" }, { size: "n", opt: true, mode: "r" }],
  },
  gelu: { like: 1, nscalars: 0, args: [rn("w"), rn("r")] },
  geluBackward: { like: 2, nscalars: 0, args: [rn("w"), rn("r"), rn("r")] },
  adam: { like: 0, nscalars: 7, args: [rn("rw"), rn("r"), rn("rw"), rn("rw")] },
  maxPoolIndices: { like: 0, nscalars: 6, args: [{ size: "rn", i32: true, mode: "w" }, { size: "rp", mode: "r" }, { size: "rn", opt: true, mode: "w" }], check: checkPool },
  im2col: { like: 0, nscalars: 12, args: [rn("w"), { size: "x4", mode: "r" }], check: checkConv },
  col2im: { like: 1, nscalars: 12, args: [{ size: "x4", mode: "w" }, rn("r")], check: checkConv },
  conv2d: { like: 0, nscalars: 13, args: [rn("w"), { size: "x4", mode: "r" }, { size: "cw", mode: "r" }, { size: "oc", opt: true, mode: "r" }], check: checkConv2d },
  conv2dBackward: {
    like: 3, nscalars: 13,
    args: [{ size: "x4", opt: true, mode: "w" }, { size: "cw", opt: true, mode: "w" }, { size: "oc", opt: true, mode: "w" }, rn("r"),
      { size: "x4", mode: "r" }, { size: "cw", mode: "r" }],
    check: checkConv2d,
  },
};

function wholeScalars(sc: number[], from: number, to: number, lo: number): void {
  for (let i = from; i < to; i++) if (!isInt(sc[i], lo, 2147483647)) bad(`bad window scalar ${i}`);
}

/** softmax: scale > 0 and causal rows L that divide rows */
function checkSoftmax(sc: number[], rows: number): void {
  const [, scale, L] = sc;
  if (!(scale > 0 && scale < 3.4e38)) bad("scale must be positive and finite");
  if (!isInt(L, 0, rows) || (L > 0 && rows % L !== 0)) bad(`causal rows ${L} do not divide ${rows} rows`);
}

/** The window of im2col, col2im and conv2d (sc = N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw): whole
 *  numbers, a window that fits the padded input; its output size [OH, OW]. */
function convWindow(sc: number[]): [number, number] {
  wholeScalars(sc, 0, 4, 0);
  wholeScalars(sc, 4, 8, 1);
  wholeScalars(sc, 8, 10, 0);
  wholeScalars(sc, 10, 12, 1);
  const [N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw] = sc;
  if (N * C * H * W > 1e15) bad("too many elements");
  const eh = dh * (kh - 1) + 1, ew = dw * (kw - 1) + 1; // the span of a dilated window
  if (eh > H + 2 * ph || ew > W + 2 * pw) bad("window larger than the padded input");
  return [Math.floor((H + 2 * ph - eh) / sh) + 1, Math.floor((W + 2 * pw - ew) / sw) + 1];
}

/** im2col/col2im: the window; rows = C·kh·kw, n = N·OH·OW */
function checkConv(sc: number[], rows: number, n: number): void {
  const [oh, ow] = convWindow(sc);
  const [N, C, , , kh, kw] = sc;
  if (C * kh * kw !== rows || N * oh * ow !== n) bad(`columns [${rows}, ${n}] do not match the window's [${C * kh * kw}, ${N * oh * ow}]`);
}

/** conv2d and its backward: the window, then OC (scalar 12) >= 1, at least one input channel, and
 *  y (or g) holds N·OC·OH·OW elements */
function checkConv2d(sc: number[], rows: number, n: number): void {
  const [oh, ow] = convWindow(sc);
  wholeScalars(sc, 12, 13, 1);
  const [N, C, , , kh, kw, , , , , , , OC] = sc;
  if (OC * C * kh * kw > 1e15) bad("too many elements");
  if (C === 0) bad("no input channels");
  if (rows * n !== N * OC * oh * ow) bad(`output of ${rows * n} elements does not match the window's [${N}, ${OC}, ${oh}, ${ow}]`);
}

/** maxPoolIndices: sc = H, W, kh, kw, sh, sw; n = OH·OW */
function checkPool(sc: number[], rows: number, n: number): void {
  wholeScalars(sc, 0, 2, 0);
  wholeScalars(sc, 2, 6, 1);
  const [H, W, kh, kw, sh, sw] = sc;
  if (kh > H || kw > W) bad(`window ${kh}x${kw} is larger than the plane ${H}x${W}`);
  if (H * W > 2147483647) bad("plane too large for int32 indices");
  if (rows * H * W > 1e15) bad("too many elements");
  const oh = Math.floor((H - kh) / sh) + 1, ow = Math.floor((W - kw) / sw) + 1;
  if (oh * ow !== n) bad(`n = ${n} but the windows give ${oh * ow}`);
}

function fusedCall(kind: FusedKernel, views: (View | null)[], scalars: number[]): void {
  guarded(() => {
    begin("fused", kind);
    const spec = FUSED[kind];
    const like = views[spec.like]!;
    checkShape(like.shape);
    const nd = like.shape.length;
    const n = nd ? like.shape[nd - 1] : 1;
    const rows = n ? numelOf(like.shape) / n : 0;
    const hs: Handle[] = [];
    spec.args.forEach((arg, i) => {
      const v = views[i], name = `array ${i}`; // binding.c's names
      if (!v) {
        if (!arg.opt) bad(`'${name}' is required`);
        hs.push(EMPTY);
        return;
      }
      want(v.data, name, arg.i32 ? 1 : 0);
      if (v.shape.length > MAX_DIMS || v.strides.length !== v.shape.length) bad(`view '${name}' has a bad shape or strides`);
      checkShape(v.shape);
      if (!isContiguous(v.shape, v.strides)) bad(`view '${name}' is not contiguous`);
    });
    spec.check?.(scalars, rows, n);
    spec.args.forEach((arg, i) => {
      const v = views[i];
      if (!v) return;
      const name = `array ${i}`, a = arr32(v.data, name);
      const size = arg.size === "rn" ? rows * n : arg.size === "r" ? rows : arg.size === "n" ? n
        : arg.size === "rp" ? rows * scalars[0] * scalars[1] : arg.size === "cw" ? scalars[12] * scalars[1] * scalars[4] * scalars[5]
        : arg.size === "oc" ? scalars[12] : scalars[0] * scalars[1] * scalars[2] * scalars[3];
      if (!isInt(v.offset, 0, MAXI)) bad(`an offset must be an integer in [0, ${MAXI}], got ${v.offset}`);
      if (v.offset + size > a.length) bad(`${name} needs elements ${v.offset}..${v.offset + size} but has ${a.length}`);
      hs[i] = span(a, v.offset, [size], [1], name, arg.mode);
    });
    if (rows * n === 0) return abandon();
    place();
    putCall(scalars.slice(0, spec.nscalars), hs, views);
    const p = hs.map(ptr);
    while (p.length < 8) p.push(0);
    finish(ex.fused(FUSED_TAG[kind], ...p));
  });
}

/** attention's views: [B1, B2, rows, cols] with a contiguous last dim; meta = scale, causal, the views */
function attentionCall(backward: boolean, names: string[], nout: number, views: View[], scale: number, causal: boolean): void {
  guarded(() => {
    begin("attention", backward ? "backward" : "forward");
    for (const w of views) {
      if (w.shape.length !== 4 || w.strides.length !== 4 || w.strides[3] !== 1) {
        bad(`views must be 4-D with a contiguous last dim, got shape [${w.shape.join(", ")}] strides [${w.strides.join(", ")}]`);
      }
    }
    const q = views[views.length - 3], k = views[views.length - 2], v = views[views.length - 1];
    const [B1, B2, L, E] = q.shape, S = k.shape[2], Ev = v.shape[3];
    checkShape([B1, B2, L, S, E, Ev]);
    if (!(scale > 0 && scale < 3.4e38)) bad("scale must be positive and finite");
    if (B1 * B2 * (L + S) * (E + Ev + L + S) > 1e15) bad("too many elements");
    // rows and cols of each role: q [L, E], k [S, E], v [S, Ev], out and g [L, Ev], p [L, S]
    const shapeOf: Record<string, number[]> = {
      q: [L, E], k: [S, E], v: [S, Ev], out: [L, Ev], g: [L, Ev], p: [L, S], gq: [L, E], gk: [S, E], gv: [S, Ev],
    };
    const hs = views.map((w, i) => view(w, [B1, B2, ...shapeOf[names[i]]], names[i], want(w.data, names[i], 0), i < nout ? "w" : "r"));
    if (B1 * B2 === 0) return abandon();
    place();
    putCall([scale, causal ? 1 : 0], hs, views);
    const p = hs.map(ptr);
    while (p.length < 8) p.push(0);
    finish(ex.attention(backward ? 1 : 0, ...p));
  });
}

// attention's views are named (for error messages) by their role; the first `nout` are written
const ATTENTION_NAMES = { forward: ["out", "p", "q", "k", "v"], backward: ["gq", "gk", "gv", "g", "p", "q", "k", "v"] };
// (the table is typed over host arrays; the calls take both kinds of WasmData)
wasmBackend.fused = cFusedKernels(fusedCall, (backward, views, scale, causal) =>
  attentionCall(backward, ATTENTION_NAMES[backward ? "backward" : "forward"], backward ? 3 : 2, views, scale, causal)) as
  unknown as FusedKernels<WasmData>;

if (loaded.ex) registerBackend(wasmBackend);

// ---- the GEMM's second thread ----------------------------------------------------------------------
//
// Where the memory is shared, a worker (a Web Worker in a cross-origin isolated page, a
// worker_threads Worker in Node: src/node.ts hands over its constructor) instantiates the same
// module on the same memory with a stack of its own and runs its `worker` loop, which takes half
// of each large GEMM (native/wasm/platform.c). Until its handshake arrives, and for good if it
// fails or does not come within WORKER_TIMEOUT_MS, the backend uses one thread (with one message).

/** What the backend needs of a worker: Web Worker and worker_threads Worker alike (see spawnWeb). */
export interface WasmWorkerLike {
  postMessage(msg: unknown): void;
  onMessage(fn: (msg: unknown) => void): void;
  onError(fn: (err: unknown) => void): void;
  terminate(): void;
}
/** Starts a worker running `code` (a classic script: `self.onmessage` in a browser, `require` in
 *  Node), or throws. */
export type WasmWorkerSpawn = (code: string) => WasmWorkerLike;

const WORKER_TIMEOUT_MS = 10000;

/** The worker's script. It never returns from `worker()` once started: the backend's memory and
 *  the worker live as long as the page or process (Node: the worker is unref'd, so it does not
 *  keep the process alive). */
const WORKER_CODE = `"use strict";
const port = typeof require === "function" ? require("worker_threads").parentPort : null;
const send = (m) => (port ? port.postMessage(m) : postMessage(m));
const start = (m) => {
  let ex;
  try {
    ex = new WebAssembly.Instance(m.module, { env: { memory: m.memory } }).exports;
    ex.__stack_pointer.value = m.stack;
  } catch (e) {
    send({ error: String((e && e.message) || e) });
    return;
  }
  send({ ready: true });
  try {
    ex.worker();
  } catch (e) {
    // a trap (or an exception) in a task: the calling thread, which may be waiting for this
    // worker's task, runs it itself once the flag is set (native/wasm/platform.c)
    ex.workerFailed();
    send({ failed: String((e && e.message) || e) });
  }
};
if (port) port.once("message", start);
else self.onmessage = (e) => start(e.data);
`;

const threads = {
  /** off: never started (or not possible); starting; on; failed */
  state: "off" as "off" | "starting" | "on" | "failed",
  /** why one thread, when not on */
  note: "",
  /** resolves when the handshake has ended, either way */
  ready: Promise.resolve(),
  /** wasmConfig's threads: 1 keeps the worker idle */
  want: 2,
};

/** a Web Worker from a blob of `code` (a cross-origin isolated page) */
function spawnWeb(code: string): WasmWorkerLike {
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (fn) => { w.onmessage = (e) => fn(e.data); },
    onError: (fn) => { w.onerror = (e) => { e.preventDefault(); fn(e.message); }; },
    terminate: () => w.terminate(),
  };
}

/**
 * Starts the GEMM's worker with `spawn` when the module's memory is shared and no worker runs
 * (or one failed); resolves with the number of threads the GEMM uses once the handshake ended.
 * Called by src/node.ts (worker_threads) and, in a cross-origin isolated page, at load. A worker
 * that fails, or does not answer within `timeoutMs` (default 10 s), is terminated and the backend
 * stays on one thread, with one console message. DLGRAD_WASM_THREADS=1 keeps one thread.
 * @example
 * import { Worker } from "node:worker_threads";
 * const n = await startWasmWorker((code) => {
 *   const w = new Worker(code, { eval: true });
 *   w.unref();
 *   return { postMessage: (m) => w.postMessage(m), onMessage: (f) => w.on("message", f), onError: (f) => w.on("error", f), terminate: () => void w.terminate() };
 * }); // 2 where it worked
 */
export function startWasmWorker(spawn: WasmWorkerSpawn, opts: { timeoutMs?: number } = {}): Promise<number> {
  const shared = loaded.ex && typeof SharedArrayBuffer === "function" && ex.memory.buffer instanceof SharedArrayBuffer;
  if (!shared) {
    threads.note = loaded.ex ? "the memory is not shared (no SharedArrayBuffer, or the page is not cross-origin isolated)" : loaded.reason;
    return Promise.resolve(1);
  }
  if (threads.state === "on" || threads.state === "starting") return threads.ready.then(() => wasmThreads());
  threads.state = "starting";
  threads.note = "the worker is starting";
  threads.ready = new Promise<void>((resolve) => {
    let w: WasmWorkerLike | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fail = (why: string) => {
      if (threads.state !== "starting") return;
      threads.state = "failed";
      threads.note = `the worker did not start: ${why}`;
      clearTimeout(timer);
      try {
        w?.terminate();
      } catch {
        // already gone
      }
      console.warn(`dlgrad: the wasm backend's worker thread did not start (${why}); using one thread`);
      resolve();
    };
    // The worker stopped after it started: its loop ended in a trap or an exception (WORKER_CODE
    // catches those and sets the module's flag first, so a product waiting for its task finishes
    // that task on this thread), or an error event came. One thread from now on, one message.
    const died = (why: string) => {
      if (threads.state !== "on") return;
      threads.state = "failed";
      threads.note = `the worker failed: ${why}`;
      ex.workerFailed();
      ex.setThreads(1);
      console.warn(`dlgrad: the wasm backend's worker thread failed (${why}); using one thread`);
    };
    try {
      const stack = ex.threadSetup() >>> 0;
      if (!stack) return fail("no memory for its stack");
      w = spawn(WORKER_CODE);
      w.onError((e) => {
        const why = e instanceof Error ? e.message : String(e);
        if (threads.state === "on") died(why);
        else fail(why);
      });
      const started = () => {
        if (threads.state !== "starting") return;
        clearTimeout(timer);
        threads.state = "on";
        threads.note = "";
        ex.setThreads(threads.want);
        resolve();
      };
      w.onMessage((m) => {
        const msg = m as { ready?: boolean; error?: string; failed?: string };
        if (msg.failed !== undefined) return died(msg.failed);
        if (msg.error !== undefined || !msg.ready) return fail(msg.error ?? "an unexpected message");
        started();
      });
      // the worker's loop sets a flag in the module when it begins: a timer that fires after this
      // thread was busy past the timeout (its "ready" message still queued behind the timer) finds it
      timer = setTimeout(() => (ex.workerStarted() ? started() : fail(`no answer within ${opts.timeoutMs ?? WORKER_TIMEOUT_MS} ms`)),
        opts.timeoutMs ?? WORKER_TIMEOUT_MS);
      // (in Node the timer keeps the process alive through the handshake, the unref'd worker not)
      w.postMessage({ module, memory: ex.memory, stack });
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    }
  });
  return threads.ready.then(() => wasmThreads());
}

/** the threads the GEMM uses now: 2 while the worker runs (and wasmConfig allows), else 1 */
function wasmThreads(): number {
  return threads.state === "on" && threads.want > 1 ? 2 : 1;
}

/**
 * For tests: the GEMM's worker traps in the next task it takes (after the task's work, before it
 * counts as done), as a bug in a kernel would. The product it belonged to still comes out right
 * (the calling thread runs that task again, overwriting what the worker wrote), and
 * the backend stays on one thread from then on, with one console message. False where no worker
 * runs (the trap is not armed then).
 * @example
 * wasmWorkerFault(); a.matmul(b); // a product large enough for two threads: right, on one thread
 */
export function wasmWorkerFault(): boolean {
  if (!loaded.ex || threads.state !== "on") return false;
  ex.workerFault();
  return true;
}

/** Resolves once the GEMM's worker has started or failed (at once when none is starting), with
 *  the number of threads the GEMM uses.
 *  @example
 *  console.log(await wasmThreadsReady()); // 2 in Node and cross-origin isolated pages
 */
export function wasmThreadsReady(): Promise<number> {
  startDeferred();
  return threads.ready.then(() => wasmThreads());
}

/** A worker spawner kept for later: where another device is the default (Node with the cpu addon),
 *  the worker (a thread, a compile of the module, 16 MiB of its memory) starts only when the wasm
 *  backend's first product, or wasmThreadsReady, asks for it. */
let deferredSpawn: WasmWorkerSpawn | null = null;

/** Internal (src/node.ts): start the GEMM's worker with `spawn` on first use of the wasm GEMM. */
export function deferWasmWorker(spawn: WasmWorkerSpawn): void {
  deferredSpawn = spawn;
}

/** Starts the deferred worker, if there is one and none has started. */
function startDeferred(): void {
  const spawn = deferredSpawn;
  if (spawn === null || threads.state !== "off") return;
  deferredSpawn = null;
  void startWasmWorker(spawn);
}

if (loaded.ex && typeof Worker === "function" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true &&
  envVar("DLGRAD_WASM_THREADS") !== "1") {
  void startWasmWorker(spawnWeb);
}

// ---- information and knobs ------------------------------------------------------------------------

let limitPages = MAX_PAGES;

/** The module's memory: its size, the bytes of live blocks (and of dead ones whose callback has
 *  not run yet), of blocks handed out since a callback last ran and its
 *  budget, and how many storages were host-backed and blocks given back since the module loaded. */
export interface WasmMemoryStats {
  memoryBytes: number;
  residentBytes: number;
  pendingBytes: number;
  budgetBytes: number;
  hostBacked: number;
  reclaimed: number;
}

/** Whether the wasm backend loaded (and why not), its GEMM kernel, and the module's memory in bytes. */
export function wasmInfo(): { loaded: boolean; reason: string; description: string; memoryBytes: number; threads: number; threadsNote: string } {
  if (!loaded.ex) return { loaded: false, reason: loaded.reason, description: "", memoryBytes: 0, threads: 1, threadsNote: loaded.reason };
  const n = wasmThreads();
  const note = n > 1 ? "" : threads.state === "on" ? "wasmConfig({ threads: 1 })" : threads.note || "no worker was started";
  return {
    loaded: true, reason: "", description: `gemm ${cString(ex, ex.gemmKind())}, ${n} thread${n > 1 ? "s" : ""}`, memoryBytes: ex.pages() * PAGE,
    threads: n, threadsNote: note,
  };
}

/** The GEMM micro-kernel's own rate on the calling thread in GFLOP/s: the kernel on one panel pair
 *  that stays in L1 (no packing, no traffic beyond L1), the ceiling of this backend's sgemm rate
 *  (npm run bench:web puts the GEMMs beside it). Runs of ~20 ms (only those of 10 ms or more count:
 *  a page that is not cross-origin isolated has a coarse clock) for at least `minMs`, since the
 *  engine optimizes hot functions some time after it starts running them, and until `runs` in a
 *  row bring no new best (at most 5 s); the best is returned. null where the backend did not load. */
export function wasmGemmCeiling(runs = 7, minMs = 500): number | null {
  if (!loaded.ex) return null;
  let reps = 1000, best = 0, stale = 0;
  const start = performance.now();
  for (;;) {
    const elapsed = performance.now() - start;
    if ((elapsed >= minMs && stale >= runs) || elapsed > 5000) break;
    const t0 = performance.now();
    const flops = ex.gemmCeiling(reps);
    const ms = performance.now() - t0;
    if (ms >= 10) {
      const r = flops / ms / 1e6;
      stale = r > best * 1.01 ? 0 : stale + 1;
      best = Math.max(best, r);
    }
    reps = Math.max(1, Math.round(reps * Math.min(100, 20 / Math.max(ms, 0.1))));
  }
  return best;
}

/** The wasm module's memory and its tensors' blocks now (see WasmMemoryStats); zeros where the
 *  backend did not load.
 *  @example
 *  const { memoryBytes, residentBytes } = wasmMemoryStats();
 */
export function wasmMemoryStats(): WasmMemoryStats {
  return {
    memoryBytes: loaded.ex ? ex.pages() * PAGE : 0, residentBytes: mem.resident, pendingBytes: mem.pending,
    budgetBytes: mem.budget,
    hostBacked: mem.hostBacked, reclaimed: mem.reclaimed,
  };
}

/** tinyOps: elementwise ops on at most this many elements use the js kernels (default 16; tests
 *  set 0). maxMemoryBytes: a ceiling on the module's memory (rounded down to 64 KiB pages, at most
 *  4 GiB; memory already taken stays), to test the out-of-memory path without filling 4 GiB.
 *  pendingBytes: how many bytes of blocks may be handed out with no FinalizationRegistry callback
 *  in between before new storages are host-backed (default 256 MiB; see the header). threads: 1
 *  keeps the GEMM on the calling thread, 2 (the default) lets the worker take half where it runs. */
export function wasmConfig(opts: { tinyOps?: number; maxMemoryBytes?: number; pendingBytes?: number; threads?: number }): void {
  for (const k of Object.keys(opts)) {
    if (k !== "tinyOps" && k !== "maxMemoryBytes" && k !== "pendingBytes" && k !== "threads") throw new Error(`wasmConfig: unknown option '${k}'`);
  }
  if (opts.threads !== undefined) {
    if (opts.threads !== 1 && opts.threads !== 2) throw new Error(`wasmConfig: threads must be 1 or 2, got ${String(opts.threads)}`);
    threads.want = opts.threads;
    if (loaded.ex && threads.state === "on") ex.setThreads(threads.want);
  }
  if (opts.tinyOps !== undefined) TINY = opts.tinyOps;
  if (opts.pendingBytes !== undefined) mem.budget = opts.pendingBytes;
  if (opts.maxMemoryBytes !== undefined && loaded.ex) {
    limitPages = Math.max(0, Math.min(MAX_PAGES, Math.floor(opts.maxMemoryBytes / PAGE)));
    ex.setLimit(limitPages);
  }
}
