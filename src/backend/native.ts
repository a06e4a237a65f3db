// The `cpu` backend: the C kernels of native/ (a Node addon built by node-gyp at install time).
//
// If the addon is missing or fails to load, nothing is registered and dlgrad runs on `js`; this
// says so once per process on stderr (not when DLGRAD_DEVICE=js asks for js anyway).
// DLGRAD_NATIVE=0 skips loading the addon altogether.
//
// Calling convention: the call's scalars, then each array's view (nd, shape, offset, strides) go
// into one Float64Array (`meta`) that the addon registered once; a call passes only the op tag and
// the typed arrays, so a tiny op costs one N-API call and no JS allocation.
//
// Validation lives in native/binding.c, not here: this file only packs a call, and the addon
// checks every dtype, shape, scalar and bound and throws ("cpu.binary(add): ...") before any
// kernel runs. What this file decides is routing: float64 (used only by the finite-difference
// gradient checks), views with more than MAX_DIMS dims and elementwise ops on at most TINY
// elements run on the js kernels. Storage is an ordinary typed array for both backends, and the
// results are the same (float32 + - * / and comparisons exactly; exp, log, ... to within the last
// bit, and only rarely that).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { BINARY_OPS, FUSED_KERNELS, REDUCE_OPS, UNARY_OPS, type FusedKernel } from "../prims.js";
import {
  type Backend, type DType, type TypedArray, type View, SCAN_OPS, availableDevices, registerBackend,
} from "./backend.js";
import { hostIO, jsBackend } from "./js.js";
import { cFusedKernels } from "./c_fused.js";

type Arr32 = Float32Array | Int32Array;

/** The addon's entry points (native/binding.c): arrays as arguments, everything else in meta. */
interface Addon {
  init(meta: Float64Array, unary: string, binary: string, reduce: string, fused: string): string;
  unary(op: number, out: TypedArray, a: TypedArray): void;
  cast(out: TypedArray, a: TypedArray): void;
  binary(op: number, out: TypedArray, a: TypedArray, b: TypedArray): void;
  where(out: TypedArray, cond: TypedArray, a: TypedArray, b: TypedArray): void;
  copy(out: TypedArray, a: TypedArray): void; // meta: accumulate
  fill(out: TypedArray): void; // meta: value
  reduce(op: number, out: TypedArray, a: TypedArray): void; // meta: mask of reduced dims
  matmul(out: TypedArray, a: TypedArray, b: TypedArray, bias?: TypedArray): void;
  gather(out: TypedArray, a: TypedArray, index: TypedArray): void; // meta: dim
  scatterAdd(out: TypedArray, index: TypedArray, src: TypedArray): void; // meta: dim, fresh
  scan(out: TypedArray, a: TypedArray, indices: TypedArray | null): void; // meta: op, dim, reverse
  sort(values: TypedArray, indices: TypedArray, a: TypedArray): void; // meta: dim, descending
  random(out: TypedArray, state: Int32Array): void; // xoshiro128** uniform floats; state advanced in place
  fused(kind: number, ...arrays: (TypedArray | null)[]): void; // meta: the kernel's scalars
  attention(backward: number, ...arrays: TypedArray[]): void; // meta: scale, causal
  alloc(dtype: number, n: number, zero: boolean): Arr32 | null;
  release(a: TypedArray): boolean;
  stepEnd(canCollect: boolean): boolean;
  poolStats(): number[];
  config(threads: number, poolCapBytes: number, trim: boolean): number;
  machine(kind: number, n: number, reps: number): [number, string];
}

/** Views with more dims than this run on the js kernels (the C side has fixed-size arrays). */
const MAX_DIMS = 16;
const META_LEN = 512;
/** Allocations of at least this many elements (4 KiB, a page) come from the native pool; smaller
 *  ones are plain typed arrays. Not more: V8 allocates a plain array's memory through a path that
 *  forces a young-generation GC whenever the young arrays' external bytes (mostly pool blocks of
 *  dead temporaries) pass twice the semi-space, so every small plain array after a few large ops
 *  cost a scavenge (about 12 per GPT step with 16 KiB here, 2 with 4 KiB). */
const POOL_MIN_ELEMENTS = 1024;

/** A synchronous full collection, for the end of an optimizer's step (native/pool_v8.cc, "Training
 *  mode", says when). V8 has no API for one but memory-pressure notifications, whose collections
 *  also shrink the heap (two compacting full collections, 17 ms a GPT step here, against 7-9).
 *  So, as jest's leak detector does, the `gc` function of --expose-gc is made once in a context of
 *  its own, with the flag set only meanwhile: no global `gc` appears anywhere. null where that
 *  fails: training steps then keep V8's own schedule. */
type Collect = () => void;
let gcFn: Collect | null | undefined;
function collector(): Collect | null {
  if (gcFn !== undefined) return gcFn;
  const own = (globalThis as { gc?: unknown }).gc; // node --expose-gc: the flag stays as it is
  if (typeof own === "function") return (gcFn = own as Collect);
  gcFn = null;
  try {
    setFlagsFromString("--expose-gc");
    const f = runInNewContext("gc") as unknown;
    if (typeof f === "function") gcFn = f as Collect;
  } catch {
    // left null
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
  return gcFn;
}

/** Ops on at most this many elements run on the js kernels: typed arrays of <= 64 bytes live on
 *  V8's heap, and handing one to C makes V8 move it off-heap first (~0.4 us, more than the op). */
let TINY = 16;

const WARNED = Symbol.for("dlgrad.nativeWarned");

function loadAddon(): { addon: Addon | null; reason: string; desc: string } {
  if (process.env.DLGRAD_NATIVE === "0") return { addon: null, reason: "DLGRAD_NATIVE=0", desc: "" };
  const here = dirname(fileURLToPath(import.meta.url));
  // compiled: dist/src/backend/native.js; run from source: src/backend/native.ts
  const candidates = [
    join(here, "../../../build/Release/dlgrad.node"),
    join(here, "../../build/Release/dlgrad.node"),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) return { addon: null, reason: "build/Release/dlgrad.node not found", desc: "" };
  try {
    const addon = createRequire(import.meta.url)(found) as Addon;
    const desc = addon.init(meta, UNARY_OPS.join(","), BINARY_OPS.join(","), REDUCE_OPS.join(","), FUSED_KERNELS.join(","));
    return { addon, reason: "", desc };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { addon: null, reason: msg.split("\n")[0], desc: "" };
  }
}

const meta = new Float64Array(META_LEN);
const loaded = loadAddon();
const addon = loaded.addon as Addon;

const g = globalThis as unknown as Record<symbol, boolean>;
if (!loaded.addon && process.env.DLGRAD_DEVICE !== "js" && process.env.DLGRAD_NATIVE !== "0" && !g[WARNED]) {
  g[WARNED] = true;
  process.stderr.write(`dlgrad: native addon not available (${loaded.reason}); using the ${availableDevices().includes("wasm") ? "wasm" : "js"} backend\n`);
}

/** name -> tag: the index in its list, which is what the C side switches on */
function tags<T extends string>(names: readonly T[]): Record<T, number> {
  return Object.fromEntries(names.map((n, i) => [n, i])) as Record<T, number>;
}
const UN = tags(UNARY_OPS), BIN = tags(BINARY_OPS), RED = tags(REDUCE_OPS), FUSED = tags(FUSED_KERNELS), SCAN = tags(SCAN_OPS);

const isF64 = (a: TypedArray) => a instanceof Float64Array;

/** true when the shape has at most TINY elements */
function tiny(shape: readonly number[]): boolean {
  let n = 1;
  for (let d = 0; d < shape.length; d++) n *= shape[d];
  return n <= TINY;
}

/** writes v's view at meta[p..]: nd, shape, offset, strides; returns the next slot */
function put(p: number, v: View): number {
  const sh = v.shape, st = v.strides, nd = sh.length;
  meta[p++] = nd;
  for (let d = 0; d < nd; d++) meta[p++] = sh[d];
  meta[p++] = v.offset;
  for (let d = 0; d < nd; d++) meta[p++] = st[d];
  return p;
}

export const cpuBackend: Backend = {
  name: "cpu",
  ...hostIO,

  alloc(dtype: DType, n: number, zero?: boolean): TypedArray {
    if (dtype === "float64" || n < POOL_MIN_ELEMENTS) return jsBackend.alloc(dtype, n, zero);
    const r = addon.alloc(dtype === "float32" ? 0 : 1, n, zero === true);
    return r ?? jsBackend.alloc(dtype, n, zero);
  },

  // pool blocks only (small arrays live on the JS heap, where the GC handles them well)
  releaseMin: POOL_MIN_ELEMENTS,
  release(s: TypedArray): void {
    if (s.length >= POOL_MIN_ELEMENTS && !(s instanceof Float64Array)) addon.release(s);
  },

  stepEnd(): void {
    const gc = collector();
    if (addon.stepEnd(gc !== null)) gc!();
  },

  unary(op, out, a) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data)) return jsBackend.unary(op, out, a);
    put(put(0, out), a);
    addon.unary(UN[op], out.data, a.data);
  },

  cast(out, a) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data)) return jsBackend.cast(out, a);
    put(put(0, out), a);
    addon.cast(out.data, a.data);
  },

  binary(op, out, a, b) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data) || isF64(b.data)) {
      return jsBackend.binary(op, out, a, b);
    }
    put(put(put(0, out), a), b);
    addon.binary(BIN[op], out.data, a.data, b.data);
  },

  where(out, cond, a, b) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(cond.data) || isF64(a.data) || isF64(b.data)) {
      return jsBackend.where(out, cond, a, b);
    }
    put(put(put(put(0, out), cond), a), b);
    addon.where(out.data, cond.data, a.data, b.data);
  },

  copy(out, a, accumulate) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data)) return jsBackend.copy(out, a, accumulate);
    meta[0] = accumulate ? 1 : 0;
    put(put(1, out), a);
    addon.copy(out.data, a.data);
  },

  fill(out, value) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data)) return jsBackend.fill(out, value);
    meta[0] = value;
    put(1, out);
    addon.fill(out.data);
  },

  reduce(op, out, a, axes) {
    if (a.shape.length > MAX_DIMS || tiny(a.shape) || isF64(out.data) || isF64(a.data)) return jsBackend.reduce(op, out, a, axes);
    let mask = 0;
    for (let d = 0; d < axes.length; d++) if (axes[d]) mask += 2 ** d;
    meta[0] = mask;
    put(put(1, out), a);
    addon.reduce(RED[op], out.data, a.data);
  },

  matmul(out, a, b, bias) {
    const allInt = out.data instanceof Int32Array && a.data instanceof Int32Array && b.data instanceof Int32Array;
    if (a.shape.length > MAX_DIMS || isF64(out.data) || isF64(a.data) || isF64(b.data) || allInt || (bias && !(bias.data instanceof Float32Array))) {
      return jsBackend.matmul(out, a, b, bias); // float64 (gradient checks), int32: the js kernel
    }
    const p = put(put(put(0, out), a), b);
    if (!bias) return addon.matmul(out.data, a.data, b.data);
    put(p, bias);
    addon.matmul(out.data, a.data, b.data, bias.data);
  },

  gather(out, a, dim, index) {
    if (out.shape.length > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data)) return jsBackend.gather(out, a, dim, index);
    meta[0] = dim;
    put(put(put(1, out), a), index);
    addon.gather(out.data, a.data, index.data);
  },

  scatterAdd(out, dim, index, src, fresh) {
    if (index.shape.length > MAX_DIMS || tiny(index.shape) || isF64(out.data) || isF64(src.data)) return jsBackend.scatterAdd(out, dim, index, src, fresh);
    meta[0] = dim;
    meta[1] = fresh ? 1 : 0;
    put(put(put(2, out), index), src);
    addon.scatterAdd(out.data, index.data, src.data);
  },

  scan(op, out, a, dim, reverse, indices) {
    if (a.shape.length > MAX_DIMS || tiny(a.shape) || isF64(out.data) || isF64(a.data)) return jsBackend.scan(op, out, a, dim, reverse, indices);
    meta[0] = SCAN[op];
    meta[1] = dim;
    meta[2] = reverse ? 1 : 0;
    const p = put(put(3, out), a);
    if (!indices) return addon.scan(out.data, a.data, null);
    put(p, indices);
    addon.scan(out.data, a.data, indices.data);
  },

  sort(values, indices, a, dim, descending) {
    if (a.shape.length > MAX_DIMS || tiny(a.shape) || isF64(values.data) || isF64(a.data)) return jsBackend.sort(values, indices, a, dim, descending);
    meta[0] = dim;
    meta[1] = descending ? 1 : 0;
    put(put(put(2, values), indices), a);
    addon.sort(values.data, indices.data, a.data);
  },

  random(out, dist, rng) {
    // uniform float32 from a seeded stream: the same xoshiro steps in C, on its state
    const state = (rng as { state?: Int32Array }).state;
    if (dist !== "uniform" || !(state instanceof Int32Array) || !(out.data instanceof Float32Array) || out.shape.length > MAX_DIMS) {
      return jsBackend.random(out, dist, rng);
    }
    put(put(0, out), { data: state, shape: [4], strides: [1], offset: 0 });
    addon.random(out.data, state);
  },
};


// Fused kernels: one C call each. meta = the kernel's scalars, then the views of the arrays that
// are not null (the addon's table in binding.c says which may be, and the size of each window).
function fusedCall(kind: FusedKernel, views: (View | null)[], scalars: number[]): void {
  let p = 0;
  for (const x of scalars) meta[p++] = x;
  for (const v of views) if (v) p = put(p, v);
  addon.fused(FUSED[kind], ...views.map((v) => (v ? v.data : null)));
}

/** attention's views are [B1, B2, rows, cols] with a contiguous last dim; meta = scale, causal, the views */
function attentionCall(backward: boolean, views: View[], scale: number, causal: boolean): void {
  meta[0] = scale;
  meta[1] = causal ? 1 : 0;
  let p = 2;
  for (const w of views) p = put(p, w);
  addon.attention(backward ? 1 : 0, ...views.map((w) => w.data));
}

cpuBackend.fused = cFusedKernels(fusedCall, attentionCall);

if (loaded.addon) registerBackend(cpuBackend);

/** What the native addon is doing: whether it loaded (and why not), its GEMM kernel and threads. */
export function nativeInfo(): { loaded: boolean; reason: string; description: string } {
  return { loaded: loaded.addon !== null, reason: loaded.reason, description: loaded.desc };
}

/** Memory pool counters (bytes and blocks cached for reuse and in use, fresh maps, reuse hits). */
export function nativePoolStats(): { cachedBytes: number; cachedBlocks: number; liveBytes: number; liveBlocks: number; freshMaps: number; hits: number } | null {
  if (!loaded.addon) return null;
  const s = addon.poolStats();
  return { cachedBytes: s[0], cachedBlocks: s[1], liveBytes: s[2], liveBlocks: s[3], freshMaps: s[4], hits: s[5] };
}

/** What this machine can do, measured by the addon (native/machine.c) with the current thread
 *  setting (see nativeConfig): the peak rate of register-only FMAs in GFLOP/s at the widest vector
 *  the kernels use (`isa`, the best of 5 runs), and STREAM-add bandwidth (nativeStreamGBs, 9 runs).
 *  For the benchmark's fraction-of-peak columns; null without the addon. */
export function nativeMachine(streamFloats = 1 << 24): { peakGflops: number; streamGBs: number; isa: string } | null {
  if (!loaded.addon) return null;
  const [peakGflops, isa] = addon.machine(0, 1, 5);
  return { peakGflops, streamGBs: addon.machine(1, streamFloats, 9)[0] as number, isa };
}

/** STREAM-add bandwidth (c = a + b over three fresh arrays of `floats` floats, 12 bytes per
 *  element) in GB/s, the median of `reps` runs with the current thread setting; null without the addon. */
export function nativeStreamGBs(floats: number, reps: number): number | null {
  return loaded.addon ? (addon.machine(1, floats, reps)[0] as number) : null;
}

/** Tuning knobs: threads 1 keeps every kernel on the calling thread, 0 uses all; poolCapBytes caps
 *  the memory kept for reuse; trim gives the cached blocks back to the system; tinyOps: ops on at
 *  most this many elements use the js kernels (default 16; tests set 0 to exercise the C ones). */
export function nativeConfig(opts: { threads?: number; poolCapBytes?: number; trim?: boolean; tinyOps?: number }): number {
  if (opts.tinyOps !== undefined) TINY = opts.tinyOps;
  if (!loaded.addon) return 0;
  return addon.config(opts.threads ?? -1, opts.poolCapBytes ?? -1, opts.trim ?? false);
}
