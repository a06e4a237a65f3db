// The `cpu` backend: the C kernels of native/ (a Node addon built by node-gyp at install time).
//
// If the addon is missing or fails to load, nothing is registered and dlgrad runs on `js`; this
// says so once per process on stderr (not when DLGRAD_DEVICE=js asks for js anyway).
// DLGRAD_NATIVE=0 skips loading the addon altogether.
//
// Calling convention: shapes, strides, offsets and scalars go into one Float64Array (`meta`) that
// the addon registered once; a call passes only the op tag and the typed arrays, so a tiny op costs
// one N-API call and no JS allocation. The addon checks every view against its array (dtype,
// detached buffer, min and max reachable element) and throws instead of touching memory outside.
// float64 (used only by the finite-difference gradient checks), views with more than MAX_DIMS dims
// and elementwise ops on at most TINY elements run on the js kernels: storage is an ordinary typed
// array for both backends, and the results are the same (float32 + - * / and comparisons exactly;
// exp, log, ... to within the last bit, and only rarely that).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from "../prims.js";
import {
  type Backend, type DType, type FusedKernels, type TypedArray, type View,
  registerBackend,
} from "./backend.js";
import { hostIO, jsBackend } from "./js.js";
import { isContiguous } from "../shape.js";

type Arr32 = Float32Array | Int32Array;

interface Addon {
  init(meta: Float64Array, unary: string, binary: string, reduce: string): string;
  unary(op: number, out: TypedArray, a: TypedArray): void;
  cast(out: TypedArray, a: TypedArray): void;
  binary(op: number, out: TypedArray, a: TypedArray, b: TypedArray): void;
  where(out: TypedArray, cond: TypedArray, a: TypedArray, b: TypedArray): void;
  copy(out: TypedArray, a: TypedArray): void;
  fill(out: TypedArray): void;
  reduce(op: number, out: TypedArray, a: TypedArray): void;
  matmul(out: TypedArray, a: TypedArray, b: TypedArray, bias?: TypedArray): void;
  gather(out: TypedArray, a: TypedArray, index: TypedArray): void;
  scatterAdd(out: TypedArray, index: TypedArray, src: TypedArray): void;
  alloc(dtype: number, n: number, zero: boolean): Arr32 | null;
  poolStats(): number[];
  config(threads: number, poolCapBytes: number, trim: boolean): number;
  fused(kind: number, ...arrays: (TypedArray | null)[]): void;
  attention(backward: boolean, ...arrays: TypedArray[]): void;
}

/** Views with more dims than this run on the js kernels (the C side has fixed-size arrays). */
const MAX_DIMS = 16;
const META_LEN = 512;
/** Allocations of at least this many elements come from the native pool; smaller ones are plain
 *  typed arrays (cheaper to create, and V8's heap already reuses their memory). */
const POOL_MIN_ELEMENTS = 4096;

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
    const desc = addon.init(meta, UNARY_OPS.join(","), BINARY_OPS.join(","), REDUCE_OPS.join(","));
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
  process.stderr.write(`dlgrad: native addon not available (${loaded.reason}); using the js backend\n`);
}

const UN = Object.fromEntries(UNARY_OPS.map((n, i) => [n, i])) as Record<string, number>;
const BIN = Object.fromEntries(BINARY_OPS.map((n, i) => [n, i])) as Record<string, number>;
const RED = Object.fromEntries(REDUCE_OPS.map((n, i) => [n, i])) as Record<string, number>;

function isF64(a: TypedArray): boolean {
  return a instanceof Float64Array;
}

/** true when the shape has at most TINY elements */
function tiny(shape: readonly number[]): boolean {
  let n = 1;
  for (let d = 0; d < shape.length; d++) n *= shape[d];
  return n <= TINY;
}

/** the op of the call in progress, for error messages ("cpu.binary(add): ...") */
let curOp = "";
function bad(fn: string, msg: string): never {
  throw new Error(`cpu.${fn}${curOp ? `(${curOp})` : ""}: ${msg}`);
}

/** meta[1..] = shape; returns the next slot */
function putShape(shape: readonly number[], nd: number): number {
  meta[0] = nd;
  for (let d = 0; d < nd; d++) meta[1 + d] = shape[d];
  return 1 + nd;
}

/** offset and strides of a view whose shape must equal `shape` */
function putView(p: number, v: View, shape: readonly number[], nd: number, fn: string, name: string): number {
  const st = v.strides, sh = v.shape;
  if (st.length !== nd || sh.length !== nd) bad(fn, `view '${name}' has ${sh.length} dims, expected ${nd}`);
  meta[p++] = v.offset;
  for (let d = 0; d < nd; d++) {
    if (sh[d] !== shape[d]) bad(fn, `view '${name}' has shape [${sh.join(", ")}], expected [${shape.join(", ")}]`);
    meta[p++] = st[d];
  }
  return p;
}

/** offset and strides only (shape checked by the caller) */
function putStrides(p: number, v: View, nd: number, fn: string, name: string): number {
  const st = v.strides;
  if (st.length !== nd) bad(fn, `view '${name}' has ${st.length} strides, expected ${nd}`);
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

  unary(op, out, a) {
    const nd = out.shape.length;
    if (nd > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data)) return jsBackend.unary(op, out, a);
    curOp = op;
    let p = putShape(out.shape, nd);
    p = putView(p, out, out.shape, nd, "unary", "out");
    putView(p, a, out.shape, nd, "unary", "a");
    addon.unary(UN[op], out.data, a.data);
  },

  cast(out, a) {
    const nd = out.shape.length;
    if (nd > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data)) return jsBackend.cast(out, a);
    curOp = "";
    let p = putShape(out.shape, nd);
    p = putView(p, out, out.shape, nd, "cast", "out");
    putView(p, a, out.shape, nd, "cast", "a");
    addon.cast(out.data, a.data);
  },

  binary(op, out, a, b) {
    const nd = out.shape.length;
    if (nd > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data) || isF64(b.data)) {
      return jsBackend.binary(op, out, a, b);
    }
    curOp = op;
    let p = putShape(out.shape, nd);
    p = putView(p, out, out.shape, nd, "binary", "out");
    p = putView(p, a, out.shape, nd, "binary", "a");
    putView(p, b, out.shape, nd, "binary", "b");
    addon.binary(BIN[op], out.data, a.data, b.data);
  },

  where(out, cond, a, b) {
    const nd = out.shape.length;
    if (nd > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(cond.data) || isF64(a.data) || isF64(b.data)) {
      return jsBackend.where(out, cond, a, b);
    }
    curOp = "";
    let p = putShape(out.shape, nd);
    p = putView(p, out, out.shape, nd, "where", "out");
    p = putView(p, cond, out.shape, nd, "where", "cond");
    p = putView(p, a, out.shape, nd, "where", "a");
    putView(p, b, out.shape, nd, "where", "b");
    addon.where(out.data, cond.data, a.data, b.data);
  },

  copy(out, a, accumulate) {
    const nd = out.shape.length;
    if (nd > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data)) return jsBackend.copy(out, a, accumulate);
    curOp = "";
    let p = putShape(out.shape, nd);
    p = putView(p, out, out.shape, nd, "copy", "out");
    p = putView(p, a, out.shape, nd, "copy", "a");
    meta[p] = accumulate ? 1 : 0;
    addon.copy(out.data, a.data);
  },

  fill(out, value) {
    const nd = out.shape.length;
    if (nd > MAX_DIMS || tiny(out.shape) || isF64(out.data)) return jsBackend.fill(out, value);
    curOp = "";
    let p = putShape(out.shape, nd);
    p = putView(p, out, out.shape, nd, "fill", "out");
    meta[p] = value;
    addon.fill(out.data);
  },

  reduce(op, out, a, axes) {
    const nd = a.shape.length;
    // js initialises int32 max/min from -Infinity stored in an Int32Array (0): those stay native
    const jsOk = !(a.data instanceof Int32Array && (op === "max" || op === "min"));
    if (nd > MAX_DIMS || (jsOk && tiny(a.shape)) || isF64(out.data) || isF64(a.data)) return jsBackend.reduce(op, out, a, axes);
    const fn = "reduce";
    curOp = op;
    if (axes.length !== nd) bad(fn, `${axes.length} axis flags for ${nd} dims`);
    if (out.shape.length !== nd) bad(fn, `out has ${out.shape.length} dims, expected ${nd} (keepdim layout)`);
    let mask = 0;
    for (let d = 0; d < nd; d++) {
      if (axes[d]) mask += 2 ** d;
      if (out.shape[d] !== (axes[d] ? 1 : a.shape[d])) bad(fn, `out shape [${out.shape.join(", ")}] does not match a reduced over the axes`);
    }
    let p = putShape(a.shape, nd);
    meta[p++] = out.offset;
    p = putStrides(p, a, nd, fn, "a");
    meta[p] = mask;
    addon.reduce(RED[op], out.data, a.data);
  },

  matmul(out, a, b, bias) {
    const nd = a.shape.length;
    const allInt = out.data instanceof Int32Array && a.data instanceof Int32Array && b.data instanceof Int32Array;
    if (nd > MAX_DIMS || isF64(out.data) || isF64(a.data) || isF64(b.data) || allInt || (bias && !(bias.data instanceof Float32Array))) {
      return jsBackend.matmul(out, a, b, bias); // float64 (gradient checks), int32: the js kernel
    }
    const fn = "matmul";
    curOp = "";
    if (nd < 2 || b.shape.length !== nd || out.shape.length !== nd) bad(fn, `need a, b and out with the same number (>= 2) of dims`);
    const M = a.shape[nd - 2], K = a.shape[nd - 1], N = b.shape[nd - 1];
    if (b.shape[nd - 2] !== K) bad(fn, `inner dims differ: [${a.shape.join(", ")}] @ [${b.shape.join(", ")}]`);
    if (out.shape[nd - 2] !== M || out.shape[nd - 1] !== N) bad(fn, `out shape [${out.shape.join(", ")}] does not match`);
    meta[0] = nd;
    let p = 1;
    for (let d = 0; d < nd - 2; d++) {
      const s = a.shape[d];
      if (b.shape[d] !== s || out.shape[d] !== s) bad(fn, `batch dims differ: [${a.shape.join(", ")}] @ [${b.shape.join(", ")}]`);
      meta[p++] = s;
    }
    meta[p++] = M;
    meta[p++] = K;
    meta[p++] = N;
    p = putStrides(p, out, nd, fn, "out");
    p = putStrides(p, a, nd, fn, "a");
    p = putStrides(p, b, nd, fn, "b");
    meta[p++] = bias ? 1 : 0;
    if (!bias) return addon.matmul(out.data, a.data, b.data);
    if (bias.shape.length !== 1 || bias.shape[0] !== N) bad(fn, `bias of shape [${bias.shape.join(", ")}] for ${N} columns`);
    putStrides(p, bias, 1, fn, "bias");
    addon.matmul(out.data, a.data, b.data, bias.data);
  },

  gather(out, a, dim, index) {
    const nd = out.shape.length;
    if (nd > MAX_DIMS || tiny(out.shape) || isF64(out.data) || isF64(a.data)) return jsBackend.gather(out, a, dim, index);
    const fn = "gather";
    curOp = "";
    if (a.shape.length !== nd) bad(fn, `a has ${a.shape.length} dims, expected ${nd}`);
    let p = putShape(out.shape, nd);
    p = putView(p, out, out.shape, nd, fn, "out");
    p = putView(p, index, out.shape, nd, fn, "index");
    p = putStrides(p, a, nd, fn, "a");
    for (let d = 0; d < nd; d++) meta[p++] = a.shape[d];
    meta[p] = dim;
    addon.gather(out.data, a.data, index.data);
  },

  scatterAdd(out, dim, index, src) {
    const nd = index.shape.length;
    if (nd > MAX_DIMS || tiny(index.shape) || isF64(out.data) || isF64(src.data)) return jsBackend.scatterAdd(out, dim, index, src);
    const fn = "scatterAdd";
    curOp = "";
    if (out.shape.length !== nd) bad(fn, `out has ${out.shape.length} dims, expected ${nd}`);
    let p = putShape(index.shape, nd);
    p = putView(p, index, index.shape, nd, fn, "index");
    p = putView(p, src, index.shape, nd, fn, "src");
    p = putStrides(p, out, nd, fn, "out");
    for (let d = 0; d < nd; d++) meta[p++] = out.shape[d];
    meta[p] = dim;
    addon.scatterAdd(out.data, index.data, src.data);
  },

  random(out, dist, rng) {
    jsBackend.random(out, dist, rng);
  },
};

// Fused kernels: one C call each (native/kernels/fused.c). Views are contiguous float32 windows;
// meta = [rows, n, scalars, the offset of each array]; the addon checks every window's bounds.
type TableKernel = Exclude<keyof FusedKernels, "attention" | "attentionBackward">;
const FUSED: Record<TableKernel, number> = {
  softmax: 0, softmaxBackward: 1, layerNorm: 2, layerNormBackward: 3, gelu: 4, geluBackward: 5, adam: 6, maxPoolIndices: 7, im2col: 8, col2im: 9,
};

function fusedCall(kind: TableKernel, like: View, views: (View | null)[], scalars: number[]): void {
  const nd = like.shape.length;
  const n = nd ? like.shape[nd - 1] : 1;
  let numel = 1;
  for (let d = 0; d < nd; d++) numel *= like.shape[d];
  for (const v of views) {
    if (v && !isContiguous(v.shape, v.strides)) bad(`fused(${kind})`, `view of shape [${v.shape.join(", ")}] is not contiguous`);
  }
  meta[0] = n ? numel / n : 0;
  meta[1] = n;
  let p = 2;
  for (const x of scalars) meta[p++] = x;
  for (const v of views) meta[p++] = v ? v.offset : 0;
  addon.fused(FUSED[kind], ...views.map((v) => (v ? v.data : null)));
}

/** attention's views: [B1, B2, rows, cols] windows whose last dim is contiguous; meta = [B1, B2,
 *  L, S, E, Ev, scale, causal, then each view's offset and first three strides]. */
function attentionCall(backward: boolean, views: View[], q: View, k: View, v: View, scale: number, causal: boolean): void {
  const fn = "attention";
  curOp = backward ? "backward" : "forward";
  const [B1, B2, L, E] = q.shape, S = k.shape[2], Ev = v.shape[3];
  const dims = [B1, B2, L, S, E, Ev];
  meta.set(dims);
  meta[6] = scale;
  meta[7] = causal ? 1 : 0;
  let p = 8;
  for (const w of views) {
    if (w.shape.length !== 4 || w.strides[3] !== 1) bad(fn, `views must be 4-D with a contiguous last dim, got shape [${w.shape.join(", ")}] strides [${w.strides.join(", ")}]`);
    meta[p++] = w.offset;
    for (let d = 0; d < 3; d++) meta[p++] = w.strides[d];
  }
  addon.attention(backward, ...views.map((w) => w.data));
}

cpuBackend.fused = {
  softmax: (out, x, log, scale = 1, causal = 0) => fusedCall("softmax", x, [out, x], [log ? 1 : 0, scale, causal]),
  softmaxBackward: (gx, g, y, log, scale = 1, causal = 0) => fusedCall("softmaxBackward", y, [gx, g, y], [log ? 1 : 0, scale, causal]),
  layerNorm: (out, mean, rstd, x, w, b, eps) => fusedCall("layerNorm", x, [out, mean, rstd, x, w, b], [eps]),
  layerNormBackward: (gx, gw, gb, g, x, mean, rstd, w) => fusedCall("layerNormBackward", x, [gx, gw, gb, g, x, mean, rstd, w], []),
  gelu: (out, x) => fusedCall("gelu", x, [out, x], []),
  geluBackward: (gx, g, x) => fusedCall("geluBackward", x, [gx, g, x], []),
  adam: (p, g, m, v, h) => fusedCall("adam", p, [p, g, m, v],
    [h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.decoupled ? 1 : 0, h.step]),
  maxPoolIndices: (idx, x, kh, kw, sh, sw) => fusedCall("maxPoolIndices", idx, [idx, x], [x.shape[1], x.shape[2], kh, kw, sh, sw]),
  im2col: (cols, x, w) => fusedCall("im2col", cols, [cols, x], [...x.shape, w.kh, w.kw, w.sh, w.sw, w.ph, w.pw]),
  col2im: (x, cols, w) => fusedCall("col2im", cols, [x, cols], [...x.shape, w.kh, w.kw, w.sh, w.sw, w.ph, w.pw]),
  attention: (out, p, q, k, v, scale, causal) => attentionCall(false, [out, p, q, k, v], q, k, v, scale, causal),
  attentionBackward: (gq, gk, gv, g, p, q, k, v, scale, causal) =>
    attentionCall(true, [gq, gk, gv, g, p, q, k, v], q, k, v, scale, causal),
};

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

/** Tuning knobs: threads 1 keeps every kernel on the calling thread, 0 uses all; poolCapBytes caps
 *  the memory kept for reuse; trim gives the cached blocks back to the system; tinyOps: ops on at
 *  most this many elements use the js kernels (default 16; tests set 0 to exercise the C ones). */
export function nativeConfig(opts: { threads?: number; poolCapBytes?: number; trim?: boolean; tinyOps?: number }): number {
  if (opts.tinyOps !== undefined) TINY = opts.tinyOps;
  if (!loaded.addon) return 0;
  return addon.config(opts.threads ?? -1, opts.poolCapBytes ?? -1, opts.trim ?? false);
}
