// The C kernels against the js reference kernels, at the kernel level, on every backend built from
// them: cpu (the native addon) and wasm (the same sources compiled to WebAssembly). Random shapes
// and layouts (contiguous, transposed, sliced, negative and zero strides, offsets), every op,
// float32 and int32; matmul on awkward shapes; and bad calls that must throw, not crash. A backend
// that did not load is skipped (CI requires cpu with DLGRAD_REQUIRE_CPU=1; wasm.test.ts requires wasm).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from "../src/prims.js";
import {
  type Backend, type DType, type FusedKernels, type TypedArray, type View, availableDevices,
} from "../src/backend/backend.js";
import { jsBackend as js } from "../src/backend/js.js";
import { cpuBackend as cpu, nativeConfig, nativeInfo, nativePoolStats } from "../src/backend/native.js";
import { wasmBackend, wasmConfig } from "../src/backend/wasm.js";
import { Tensor } from "../src/node.js";

const skip = availableDevices().includes("cpu") ? false : `native addon not loaded: ${nativeInfo().reason}`;
// ops on a handful of elements normally run on the js kernels (cheaper than the call); here every
// op goes to C
nativeConfig({ tinyOps: 0 });
wasmConfig({ tinyOps: 0 });

/** the backends under test, each with its knob for the tiny-op threshold */
const TARGETS: { dev: string; backend: Backend; tinyOps: (n: number) => void }[] = [
  { dev: "cpu", backend: cpu, tinyOps: (n: number) => { nativeConfig({ tinyOps: n }); } },
  { dev: "wasm", backend: wasmBackend as unknown as Backend, tinyOps: (n: number) => { wasmConfig({ tinyOps: n }); } },
].filter((t) => availableDevices().includes(t.dev));

/** the backend of the test running now (tests in a file run one at a time) */
let be: Backend = cpu;
let dev = "cpu";

/** one test per backend under test (or those of `only`) */
function each(name: string, body: () => void, only?: string[]): void {
  for (const t of TARGETS) {
    if (only && !only.includes(t.dev)) continue;
    test(`${t.dev}: ${name}`, () => {
      be = t.backend;
      dev = t.dev;
      body();
    });
  }
}

// CI sets DLGRAD_REQUIRE_CPU=1: there a missing addon is a failure, not a quiet fall-back to js
test("the native addon loaded (when DLGRAD_REQUIRE_CPU=1)", { skip: process.env.DLGRAD_REQUIRE_CPU === "1" ? false : "DLGRAD_REQUIRE_CPU is not set" }, () => {
  assert.ok(availableDevices().includes("cpu"), `the cpu backend did not load: ${nativeInfo().reason}`);
});

// ---- helpers ---------------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const randint = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const ctor = (dt: DType) => (dt === "float32" ? Float32Array : dt === "int32" ? Int32Array : Float64Array);

function contiguous(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) { st[d] = s; s *= shape[d]; }
  return st;
}

const SPECIAL_F = [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.5, 1e-40, -3e38, 88.5, -104];
const SPECIAL_I = [0, 1, -1, 2147483647, -2147483648, 65536, -65537];

/** a value generator for a dtype; `tame` keeps floats finite and moderate */
function gen(r: Rng, dt: DType, mode: "wild" | "tame" | "small" | "ties" = "wild"): () => number {
  if (dt === "int32") {
    if (mode === "small" || mode === "ties") return () => randint(r, -6, 6);
    return () => (r() < 0.1 ? pick(r, SPECIAL_I) : randint(r, -1000, 1000));
  }
  if (mode === "ties") return () => (r() < 0.05 ? pick(r, [NaN, -0, 0]) : randint(r, -3, 3) / 2);
  if (mode === "tame" || mode === "small") return () => (r() - 0.5) * 8;
  return () => (r() < 0.08 ? pick(r, SPECIAL_F) : (r() - 0.5) * 8);
}

/** a random view of `shape` over a fresh array: permuted dims, steps, flips, broadcast, offset */
function randView(r: Rng, shape: readonly number[], dt: DType, g: () => number, broadcast = true): View {
  const nd = shape.length;
  const perm = [...Array(nd).keys()];
  if (r() < 0.4) for (let i = nd - 1; i > 0; i--) { const j = randint(r, 0, i); [perm[i], perm[j]] = [perm[j], perm[i]]; }
  const strides = new Array<number>(nd).fill(0);
  let s = 1;
  for (let k = nd - 1; k >= 0; k--) {
    const d = perm[k];
    if (broadcast && r() < 0.15) { strides[d] = 0; continue; }
    const step = r() < 0.2 ? 2 : 1;
    strides[d] = s * step;
    s *= Math.max(shape[d], 1) * step;
  }
  let offset = r() < 0.3 ? randint(r, 1, 3) : 0;
  for (let d = 0; d < nd; d++) {
    if (strides[d] !== 0 && shape[d] > 1 && r() < 0.1) { offset += (shape[d] - 1) * strides[d]; strides[d] = -strides[d]; }
  }
  let hi = offset;
  for (let d = 0; d < nd; d++) if (strides[d] > 0 && shape[d] > 0) hi += strides[d] * (shape[d] - 1);
  const data = new (ctor(dt))(hi + 1 + randint(r, 0, 2));
  for (let i = 0; i < data.length; i++) data[i] = g();
  return { data, shape: [...shape], strides, offset };
}

/** a contiguous output view inside a slightly bigger array, prefilled with a marker */
function outView(r: Rng, shape: readonly number[], dt: DType): View {
  const off = r() < 0.3 ? randint(r, 1, 3) : 0;
  const data = new (ctor(dt))(off + numel(shape) + randint(r, 0, 2)).fill(dt === "int32" ? 12345 : 777);
  return { data, shape: [...shape], strides: contiguous(shape), offset: off };
}

const cloneView = (v: View): View => ({ ...v, data: v.data.slice() });

function randShape(r: Rng, maxNd = 4, maxDim = 5): number[] {
  const nd = randint(r, 0, maxNd);
  return Array.from({ length: nd }, () => (r() < 0.05 ? 0 : r() < 0.2 ? 1 : randint(r, 1, maxDim)));
}

const same = (x: number, y: number) => Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y));
const F32_EPS = 2 ** -23;

/** element-for-element equality (NaN equals NaN, -0 differs from 0); `tol(i)` allows a difference */
function assertArrays(got: TypedArray, want: TypedArray, what: string, tol?: (i: number) => number): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const g = got[i], w = want[i];
    if (same(g, w)) continue;
    if (tol && Number.isFinite(w) && Math.abs(g - w) <= tol(i)) continue;
    if (tol && Number.isFinite(w) && g === 0 && w === 0) continue;
    assert.fail(`${what}: element ${i}: ${dev} ${g}, js ${w}`);
  }
}

const ulps = (want: TypedArray, n: number) => (i: number) => n * F32_EPS * Math.max(Math.abs(want[i]), 1.2e-38);

/** run one kernel call on both backends with separate copies of the output */
function both(outs: View[], call: (b: Backend, outs: View[]) => void): [View[], View[]] {
  const o1 = outs.map(cloneView), o2 = outs.map(cloneView);
  call(be, o1);
  call(js, o2);
  return [o1, o2];
}

// ---- elementwise -------------------------------------------------------------------------------

const EXACT_UNARY = new Set(["copy", "neg", "sqrt", "rsqrt", "abs", "square", "relu", "sign", "reciprocal", "floor"]);

each("unary: matches js on random layouts", () => {
  const r = mulberry32(1);
  for (let trial = 0; trial < 1500; trial++) {
    const op = UNARY_OPS[trial % UNARY_OPS.length];
    const dt: DType = r() < 0.7 ? "float32" : "int32";
    const shape = randShape(r);
    const a = randView(r, shape, dt, gen(r, dt, dt === "int32" && !EXACT_UNARY.has(op) ? "small" : "wild"));
    const out = outView(r, shape, dt);
    const [[c], [j]] = both([out], (b, [o]) => b.unary(op, o, a));
    assertArrays(c.data, j.data, `unary ${op} ${dt} [${shape}] strides [${a.strides}]`,
      dt === "float32" && !EXACT_UNARY.has(op) ? ulps(j.data, 1) : undefined);
  }
});

each("unary: in place (out is a) and large arrays split over threads", () => {
  const r = mulberry32(2);
  for (const op of UNARY_OPS) {
    for (const n of [37, 300_001]) {
      const init = Float32Array.from({ length: n }, gen(r, "float32"));
      const c = init.slice(), j = init.slice();
      const vc: View = { data: c, shape: [n], strides: [1], offset: 0 };
      const vj: View = { data: j, shape: [n], strides: [1], offset: 0 };
      be.unary(op, vc, vc);
      js.unary(op, vj, vj);
      assertArrays(c, j, `unary ${op} in place n=${n}`, EXACT_UNARY.has(op) ? undefined : ulps(j, 1));
    }
    // strided input, large: the chunked gather path
    const base = Float32Array.from({ length: 2 * 70_000 }, gen(r, "float32"));
    const a: View = { data: base, shape: [700, 100], strides: [1, 1400], offset: 0 };
    const [[c], [j]] = both([outView(r, [700, 100], "float32")], (b, [o]) => b.unary(op, o, a));
    assertArrays(c.data, j.data, `unary ${op} transposed large`, EXACT_UNARY.has(op) ? undefined : ulps(j.data, 1));
  }
});

each("unary float32 ops computed in double are bit-identical to js on every kind of input", () => {
  const r = mulberry32(16);
  const n = 1 << 16;
  const a = new Float32Array(n), bits = new Uint32Array(a.buffer);
  for (const op of UNARY_OPS) {
    let differ = 0;
    for (const mode of ["bits", "wide", "small"] as const) {
      for (let i = 0; i < n; i++) {
        if (mode === "bits") bits[i] = (r() * 2 ** 32) >>> 0; // every exponent, denormals, NaN, Inf
        else a[i] = (r() - 0.5) * (mode === "wide" ? 200 : 2e-3);
      }
      const [[c], [j]] = both([outView(r, [n], "float32")], (b, [o]) => b.unary(op, o, { data: a, shape: [n], strides: [1], offset: 0 }));
      for (let i = 0; i < c.data.length; i++) if (!same(c.data[i], j.data[i])) differ++;
      assertArrays(c.data, j.data, `unary ${op} (${mode})`, ulps(j.data, 1));
    }
    // a correctly rounded double result can still round differently to float32 in rare cases
    assert.ok(differ <= 2, `unary ${op}: ${differ} of ${3 * n} results differ from js in the last bit`);
  }
});

each("binary: matches js on random layouts and broadcasts", () => {
  const r = mulberry32(3);
  for (let trial = 0; trial < 2000; trial++) {
    const op = BINARY_OPS[trial % BINARY_OPS.length];
    const dt: DType = r() < 0.65 ? "float32" : "int32";
    if (op === "div" && dt === "int32") continue;
    const isCmp = BINARY_OPS.indexOf(op) >= BINARY_OPS.indexOf("eq");
    const outDt: DType = isCmp && r() < 0.7 ? "float32" : isCmp ? "int32" : dt;
    const shape = randShape(r);
    const g = gen(r, dt, op === "pow" && dt === "int32" ? "small" : r() < 0.3 ? "ties" : "wild");
    const a = randView(r, shape, dt, g), b = randView(r, shape, dt, g);
    const [[c], [j]] = both([outView(r, shape, outDt)], (be, [o]) => be.binary(op, o, a, b));
    assertArrays(c.data, j.data, `binary ${op} ${dt}->${outDt} [${shape}] a[${a.strides}] b[${b.strides}]`,
      op === "pow" && dt === "float32" ? ulps(j.data, 1) : undefined);
  }
});

each("binary: scalar broadcast, in place and large", () => {
  const r = mulberry32(4);
  for (const op of BINARY_OPS) {
    for (const dt of ["float32", "int32"] as DType[]) {
      if (op === "div" && dt === "int32") continue;
      const isCmp = BINARY_OPS.indexOf(op) >= BINARY_OPS.indexOf("eq");
      const outDt: DType = isCmp ? "float32" : dt;
      for (const n of [5, 262_200]) {
        const g = gen(r, dt, op === "pow" && dt === "int32" ? "small" : "wild");
        const a: View = { data: Float32Array.from({ length: n }, g), shape: [n], strides: [1], offset: 0 };
        if (dt === "int32") a.data = Int32Array.from(a.data);
        const s: View = { data: new (ctor(dt))([g()]), shape: [n], strides: [0], offset: 0 };
        for (const [x, y] of [[a, s], [s, a], [a, a]]) {
          const [[c], [j]] = both([outView(r, [n], outDt)], (be, [o]) => be.binary(op, o, x, y));
          assertArrays(c.data, j.data, `binary ${op} ${dt} n=${n}`, op === "pow" && dt === "float32" ? ulps(j.data, 1) : undefined);
        }
        if (!isCmp) { // out is a
          const c = cloneView(a), j = cloneView(a);
          be.binary(op, c, c, s);
          js.binary(op, j, j, s);
          assertArrays(c.data, j.data, `binary ${op} in place`, op === "pow" && dt === "float32" ? ulps(j.data, 1) : undefined);
        }
      }
    }
  }
});

each("cast, where, fill, copy: matches js", () => {
  const r = mulberry32(5);
  for (let trial = 0; trial < 1500; trial++) {
    const shape = randShape(r);
    const kind = trial % 4;
    if (kind === 0) {
      const from: DType = r() < 0.5 ? "float32" : "int32";
      const to: DType = r() < 0.5 ? "float32" : "int32";
      const a = randView(r, shape, from, from === "float32" ? () => (r() < 0.2 ? pick(r, [...SPECIAL_F, 3e9, -3e9, 2147483647.5, -2147483648, 1e20]) : (r() - 0.5) * 1e4) : gen(r, from));
      const [[c], [j]] = both([outView(r, shape, to)], (b, [o]) => b.cast(o, a));
      assertArrays(c.data, j.data, `cast ${from}->${to} [${shape}]`);
    } else if (kind === 1) {
      const dt: DType = r() < 0.5 ? "float32" : "int32";
      const cdt: DType = r() < 0.5 ? "float32" : "int32";
      const cond = randView(r, shape, cdt, cdt === "float32" ? () => pick(r, [0, -0, 1, NaN, 2.5]) : () => randint(r, -1, 1));
      const a = randView(r, shape, dt, gen(r, dt)), b = randView(r, shape, dt, gen(r, dt));
      const [[c], [j]] = both([outView(r, shape, dt)], (be, [o]) => be.where(o, cond, a, b));
      assertArrays(c.data, j.data, `where [${shape}]`);
    } else if (kind === 2) {
      const dt: DType = r() < 0.5 ? "float32" : "int32";
      const out = randView(r, shape, dt, gen(r, dt), false);
      const value = pick(r, [0, -0, 1.5, -7, NaN, Infinity, 3e9, 1e-50, 2 ** 31]);
      const [[c], [j]] = both([out], (b, [o]) => b.fill(o, value));
      assertArrays(c.data, j.data, `fill ${value} [${shape}]`);
    } else {
      const dt: DType = r() < 0.5 ? "float32" : "int32";
      const out = randView(r, shape, dt, gen(r, dt, "tame"), false);
      const a = randView(r, shape, dt, gen(r, dt, "tame"));
      const acc = r() < 0.5;
      const [[c], [j]] = both([out], (b, [o]) => b.copy(o, a, acc));
      assertArrays(c.data, j.data, `copy acc=${acc} [${shape}] out[${out.strides}] a[${a.strides}]`);
    }
  }
});

each("copy: overlapping out (as_strided backward) and aliasing input visit elements in order", () => {
  const r = mulberry32(6);
  for (let trial = 0; trial < 300; trial++) {
    const n = randint(r, 3, 12);
    const data = Float32Array.from({ length: n + 16 }, gen(r, "float32", "tame"));
    const shape = [randint(r, 1, 4), randint(r, 1, 4)];
    const out: View = { data, shape, strides: [randint(r, 0, 2), randint(r, 0, 2)], offset: randint(r, 0, 2) };
    // a may read from the same array
    const a: View = r() < 0.5
      ? { data, shape, strides: [randint(r, 0, 2), randint(r, -1, 2)], offset: randint(r, 3, 5) }
      : randView(r, shape, "float32", gen(r, "float32", "tame"));
    const acc = r() < 0.7;
    const c = { ...out, data: data.slice() }, j = { ...out, data: data.slice() };
    const ac = a.data === data ? { ...a, data: c.data } : a, aj = a.data === data ? { ...a, data: j.data } : a;
    be.copy(c, ac, acc);
    js.copy(j, aj, acc);
    assertArrays(c.data, j.data, `overlapping copy acc=${acc} out[${out.strides}] a[${a.strides}]`);
  }
  // large copies (threaded) with transposed input
  const a: View = { data: Float32Array.from({ length: 600 * 500 }, gen(r, "float32")), shape: [500, 600], strides: [1, 500], offset: 0 };
  for (const acc of [false, true]) {
    const [[c], [j]] = both([outView(r, [500, 600], "float32")], (b, [o]) => b.copy(o, a, acc));
    assertArrays(c.data, j.data, `large copy acc=${acc}`);
  }
});

each("transposed copies (the 16 x 16 block path) match js", () => {
  const r = mulberry32(14);
  for (const [B, P, L] of [[1, 16, 16], [1, 17, 33], [2, 40, 70], [3, 64, 16], [1, 100, 129], [2, 1, 50]]) {
    const base = Float32Array.from({ length: B * P * L + 5 }, gen(r, "float32"));
    const a: View = { data: base, shape: [B, L, P], strides: [P * L, 1, L], offset: 3 }; // a[b, j, i] at i*L + j
    for (const how of ["copy", "cast", "unary"] as const) {
      const [[c], [j]] = both([outView(r, [B, L, P], "float32")], (be, [o]) => {
        if (how === "copy") be.copy(o, a, false);
        else if (how === "cast") be.cast(o, a);
        else be.unary("copy", o, a);
      });
      assertArrays(c.data, j.data, `transpose ${how} [${B},${P},${L}]`);
    }
    const ai: View = { ...a, data: Int32Array.from(base, (x) => (Number.isFinite(x) ? Math.round(x * 100) : 7)) };
    const [[c], [j]] = both([outView(r, [B, L, P], "int32")], (be, [o]) => be.copy(o, ai, false));
    assertArrays(c.data, j.data, `transpose int32 [${B},${P},${L}]`);
  }
});

// ---- reductions ----------------------------------------------------------------------------------

each("reduce: matches js over random axes and layouts", () => {
  const r = mulberry32(7);
  for (let trial = 0; trial < 2500; trial++) {
    const op = REDUCE_OPS[trial % REDUCE_OPS.length];
    const dt: DType = r() < 0.65 ? "float32" : "int32";
    let shape = randShape(r, 4, 6);
    if (op === "argmax" || op === "argmin") {
      if (shape.length === 0) shape = [randint(r, 1, 5)];
      if (shape.includes(0)) continue;
    }
    let axes = shape.map(() => r() < 0.5);
    if (op === "argmax" || op === "argmin") {
      const ax = randint(r, 0, shape.length - 1);
      axes = shape.map((_, d) => d === ax);
    }
    const a = randView(r, shape, dt, gen(r, dt, op === "sum" ? "tame" : r() < 0.5 ? "ties" : "wild"));
    const oshape = shape.map((s, d) => (axes[d] ? 1 : s));
    const odt: DType = op === "argmax" || op === "argmin" ? "int32" : dt;
    if (op === "sum" && dt === "float32" && r() < 0.2) for (let i = 0; i < a.data.length; i++) if (r() < 0.05) a.data[i] = pick(r, [NaN, Infinity, -Infinity, -0]);
    const out = outView(r, oshape, odt);
    const c = cloneView(out), j = cloneView(out);
    be.reduce(op, c, a, axes);
    js.reduce(op, j, a, axes);
    let tol: ((i: number) => number) | undefined;
    if (op === "sum" && dt === "float32") {
      const absA = { ...a, data: a.data.map(Math.abs) };
      const bound = cloneView(out);
      js.reduce("sum", bound, absA, axes);
      tol = (i) => 4 * F32_EPS * Math.abs(bound.data[i]) + 1e-38;
    }
    assertArrays(c.data, j.data, `reduce ${op} ${dt} [${shape}] axes [${axes}] strides [${a.strides}]`, tol);
  }
});

each("reduce: large inputs (threaded paths), signed zeros and NaN", () => {
  const r = mulberry32(8);
  const shapes: [number[], boolean[]][] = [
    [[270_000], [true]],
    [[3, 90_000], [false, true]],
    [[500, 540], [false, true]],
    [[540, 500], [true, false]],
    [[260, 1100], [true, false]], // kept columns split over the threads (1024 or more: reduce.c's reduce_v)
    [[2, 130, 1100], [true, true, false]],
    [[20, 60, 230], [true, false, true]],
    [[3, 300, 300], [false, true, false]],
  ];
  for (const [shape, axes] of shapes) {
    for (const op of REDUCE_OPS) {
      if ((op === "argmax" || op === "argmin") && axes.filter(Boolean).length !== 1) continue;
      for (const mode of op === "sum" ? ["tame", "wild"] as const : ["ties", "wild"] as const) {
        const a = randView(r, shape, "float32", gen(r, "float32", mode), false);
        if (mode === "ties") for (let i = 0; i < a.data.length; i++) a.data[i] = r() < 0.999 ? -Math.abs(a.data[i]) - 1 : pick(r, [0, -0]);
        const oshape = shape.map((s, d) => (axes[d] ? 1 : s));
        const out = outView(r, oshape, op.startsWith("arg") ? "int32" : "float32");
        const c = cloneView(out), j = cloneView(out);
        be.reduce(op, c, a, axes);
        js.reduce(op, j, a, axes);
        let tol: ((i: number) => number) | undefined;
        if (op === "sum") {
          const bound = cloneView(out);
          js.reduce("sum", bound, { ...a, data: a.data.map(Math.abs) }, axes);
          tol = (i) => 4 * F32_EPS * Math.abs(bound.data[i]) + 1e-38;
        }
        assertArrays(c.data, j.data, `reduce ${op} ${mode} [${shape}] axes [${axes}]`, tol);
      }
    }
  }
});

// ---- matmul ------------------------------------------------------------------------------------

function checkMatmul(r: Rng, batch: number[], M: number, K: number, N: number, what: string): void {
  const nd = batch.length + 2;
  const a = randView(r, [...batch, M, K], "float32", gen(r, "float32", "tame"));
  const b = randView(r, [...batch, K, N], "float32", gen(r, "float32", "tame"));
  // a transpose arrives as swapped strides, broadcast batch dims as stride 0: randView makes both
  void nd;
  const out = outView(r, [...batch, M, N], "float32");
  const [[c], [j]] = both([out], (be, [o]) => be.matmul(o, a, b));
  const absA = { ...a, data: a.data.map(Math.abs) }, absB = { ...b, data: b.data.map(Math.abs) };
  const bound = cloneView(out);
  js.matmul(bound, absA, absB);
  assertArrays(c.data, j.data, `matmul ${what} [${batch}] ${M}x${K}x${N} a[${a.strides}] b[${b.strides}]`,
    (i) => (2 * K + 4) * F32_EPS * Math.abs(bound.data[i]) + 1e-30);
}

each("matmul: awkward shapes, transposed and broadcast operands", () => {
  const r = mulberry32(9);
  const dims = [0, 1, 2, 3, 5, 11, 12, 13, 31, 32, 33, 47, 64, 100];
  for (let trial = 0; trial < 400; trial++) {
    const batch = r() < 0.5 ? [] : r() < 0.7 ? [randint(r, 1, 3)] : [randint(r, 1, 2), randint(r, 0, 3)];
    checkMatmul(r, batch, pick(r, dims), pick(r, dims), pick(r, dims), `#${trial}`);
  }
  // sizes that take the packed, blocked and threaded paths (K spans several KC blocks)
  for (const [M, K, N] of [[1, 600, 300], [300, 1, 250], [257, 513, 129], [130, 300, 1100], [64, 64, 64], [128, 784, 64]]) {
    checkMatmul(r, [], M, K, N, "large");
  }
  checkMatmul(r, [4], 100, 70, 90, "batched");
  checkMatmul(r, [2, 3], 40, 50, 60, "batched2");
  // a few rows and columns over a long K, tiled worse than the transpose (a conv's weight
  // gradient): computed as Cᵀ = Bᵀ·Aᵀ, then transposed into out
  for (const [M, K, N] of [[32, 1500, 144], [16, 1100, 9], [13, 2100, 40]]) checkMatmul(r, [], M, K, N, "long K");
});

/** a [..batch, rows, cols] view laid out as asked: transposed (the last two dims swapped in memory),
 *  rows `pad` floats longer than needed, or walked backwards along its rows */
function layoutView(r: Rng, batch: number[], rows: number, cols: number, o: { t?: boolean; pad?: number; flip?: boolean }): View {
  const inner = o.t ? rows : cols, outer = o.t ? cols : rows, ld = inner + (o.pad ?? 0);
  const mat = outer * ld, n = batch.reduce((x, y) => x * y, 1);
  const data = Float32Array.from({ length: n * mat + 3 }, gen(r, "float32", "tame"));
  let st = [o.t ? 1 : ld, o.t ? ld : 1], offset = 1;
  if (o.flip) { offset += (rows - 1) * st[0]; st = [-st[0], st[1]]; }
  const bst: number[] = [];
  for (let d = batch.length - 1, s = mat; d >= 0; s *= batch[d], d--) bst.unshift(s);
  return { data, shape: [...batch, rows, cols], strides: [...bst, ...st], offset };
}

// The x86 GEMM reads a in place (row-major with few columns of C, or transposed) or packs it:
// each layout around the blocking sizes (MR 12/6/4, NR 32/16, KC 1024/256, MC, NC 2048/1024, and the
// 512-column limit for a in place), split by rows and by columns (fixed, or ranges with work
// stealing), with a bias, with 2 threads and with 1, next to js
each("matmul: a read in place or packed, split over threads, across the block sizes", () => {
  const r = mulberry32(16);
  type Case = [number[], number, number, number, { t?: boolean; pad?: number; flip?: boolean }, { t?: boolean; pad?: number }, boolean];
  const cases: Case[] = [
    [[], 130, 300, 100, {}, {}, true], // a in place (rows), b row-major, bias
    [[], 37, 513, 530, {}, { t: true }, false], // N > 512: a packed; 3 K slices (KC 256)
    [[], 37, 2100, 530, {}, { t: true }, false], // the same with 3 K slices on AVX-512 (KC 1024)
    [[], 200, 260, 65, { t: true }, { t: true }, true], // a in place (transposed)
    [[], 13, 2100, 40, { t: true, pad: 5 }, {}, false], // long K, a transposed with padding
    [[], 3, 700, 2100, {}, {}, true], // N > NC: two column blocks, split by columns, a packed
    [[], 100, 300, 100, { t: true }, {}, true], // M = N with a transposed: split by columns
    [[], 1, 1500, 1000, {}, { t: true }, false], // one row
    [[], 1000, 1100, 1, { pad: 3 }, {}, true], // one column
    [[], 1200, 1, 1000, {}, {}, false], // K = 1
    [[], 50, 1024, 64, {}, {}, false], // row stride a multiple of 1024 floats: a packed
    [[], 70, 300, 200, { flip: true }, {}, true], // a's rows backwards
    [[], 128, 2048, 96, { t: true }, {}, false], // the weight gradient: aᵀ·b with K = 2048
    [[3], 100, 300, 70, { t: true }, {}, false], // 3 products, each over the threads
    [[5], 60, 200, 90, {}, { t: true }, true], // 5 products, one per task
    // 3 products cut into one range of row (or column) chunks per thread, ranges across products,
    // with work stealing: a thread that is done takes chunks off the back of another's range
    [[3], 100, 300, 70, {}, { t: true }, true],
    [[3], 40, 300, 200, { t: true }, {}, false],
    // a transposed with b row-major: b read in place too (its short last panel packed), or packed
    // when its row stride is a multiple of 512 floats
    [[], 60, 700, 75, { t: true }, { pad: 3 }, true],
    [[], 40, 600, 512, { t: true }, {}, false],
    // split by rows over a K of several slices: one pass of stealing per slice (2 or 3 on AVX-512)
    [[], 530, 2100, 37, {}, { t: true }, true],
    [[], 300, 2500, 100, { pad: 3 }, {}, false],
    [[3], 200, 1500, 60, {}, {}, true],
    // a transposed, b row-major with a row stride of 512 floats, K >= 2048 (the GPT's weight
    // gradient of its 512-wide layer): computed as Cᵀ = Bᵀ·Aᵀ and transposed into out with AVX-512; not
    // with 12 rows (Cᵀ's tiles would waste more) nor with a bias
    [[], 128, 2048, 512, { t: true }, {}, false],
    [[], 12, 2048, 512, { t: true }, {}, false],
    [[], 40, 2100, 1024, { t: true }, {}, true],
  ];
  // the inputs of each case, the same for both thread counts, and its output with all threads:
  // one thread must give the very same bits (every path sums each element's K in the same order)
  const inputs = cases.map(([batch, M, K, N, ao, bo, withBias]) => ({
    a: layoutView(r, batch, M, K, ao), b: layoutView(r, batch, K, N, bo), bias: withBias ? layoutView(r, [], 1, N, {}) : null,
    ld: r() < 0.5 ? N + 4 : N,
  }));
  const first: Float32Array[] = [];
  for (const threads of [0, 1]) {
    nativeConfig({ threads });
    try {
      for (const [ci, [batch, M, K, N, ao, bo, withBias]] of cases.entries()) {
        const { a, b, bias, ld } = inputs[ci];
        const biasV = bias && { ...bias, shape: [N], strides: [1] };
        const j = outView(r, [...batch, M, N], "float32");
        js.matmul(j, a, b, biasV);
        const bound = cloneView(j);
        js.matmul(bound, { ...a, data: a.data.map(Math.abs) }, { ...b, data: b.data.map(Math.abs) }, biasV && { ...biasV, data: biasV.data.map(Math.abs) });
        // out's rows are sometimes longer than N (a column slice of a wider matrix): compared row by row
        const n = batch.reduce((x, y) => x * y, 1);
        const c: View = { data: new Float32Array(n * M * ld).fill(777), shape: [...batch, M, N], strides: [...contiguous([...batch, M]).map((x) => x * ld), 1], offset: 0 };
        be.matmul(c, a, b, biasV);
        const got = new Float32Array(n * M * N);
        for (let q = 0; q < n * M; q++) {
          got.set(c.data.subarray(q * ld, q * ld + N), q * N);
          for (let x = N; x < ld; x++) assert.equal(c.data[q * ld + x], 777, "matmul wrote past the end of a row of out");
        }
        const what = `matmul [${batch}] ${M}x${K}x${N} a ${JSON.stringify(ao)} b ${JSON.stringify(bo)} bias ${withBias} threads ${threads}`;
        assertArrays(got, j.data.subarray(j.offset, j.offset + n * M * N), what,
          (i) => (2 * K + 8) * F32_EPS * Math.abs(bound.data[bound.offset + i]) + 1e-30);
        if (threads === 0) first[ci] = got;
        else assert.deepEqual(got, first[ci], `${what}: not the same bits as with all threads`);
      }
    } finally {
      nativeConfig({ threads: 0 });
    }
  }
}, ["cpu"]);

each("matmul: tiny products are bit-identical to js", () => {
  const r = mulberry32(10);
  for (let trial = 0; trial < 200; trial++) {
    const M = randint(r, 1, 6), K = randint(r, 0, 6), N = randint(r, 1, 6);
    const a = randView(r, [M, K], "float32", gen(r, "float32", "tame"));
    const b = randView(r, [K, N], "float32", gen(r, "float32", "tame"));
    const [[c], [j]] = both([outView(r, [M, N], "float32")], (be, [o]) => be.matmul(o, a, b));
    assertArrays(c.data, j.data, `tiny matmul ${M}x${K}x${N}`);
  }
});

each("matmul: out overlapping an input still gives the right answer", () => {
  const r = mulberry32(11);
  const data = Float32Array.from({ length: 64 * 64 }, gen(r, "float32", "tame"));
  const a: View = { data, shape: [64, 64], strides: [64, 1], offset: 0 };
  const b: View = { data: Float32Array.from({ length: 64 * 64 }, gen(r, "float32", "tame")), shape: [64, 64], strides: [64, 1], offset: 0 };
  const want = cloneView(a);
  js.matmul(want, { ...a, data: data.slice() }, b);
  const got = cloneView(a);
  be.matmul(got, { ...a, data: got.data }, b); // out is a
  assertArrays(got.data, want.data, "matmul in place", (i) => 1e-4 * Math.max(1, Math.abs(want.data[i])));
});

// ---- gather / scatterAdd -----------------------------------------------------------------------

each("gather and scatterAdd: matches js", () => {
  const r = mulberry32(12);
  for (let trial = 0; trial < 800; trial++) {
    const dt: DType = r() < 0.6 ? "float32" : "int32";
    const nd = randint(r, 1, 3);
    const ashape = Array.from({ length: nd }, () => randint(r, 1, 5));
    const dim = randint(r, 0, nd - 1);
    const ishape = ashape.map((s, d) => (d === dim ? randint(r, 0, 6) : randint(r, 1, s)));
    const index = randView(r, ishape, "int32", () => randint(r, 0, ashape[dim] - 1));
    if (trial % 2 === 0) {
      const a = randView(r, ashape, dt, gen(r, dt));
      const [[c], [j]] = both([outView(r, ishape, dt)], (b, [o]) => b.gather(o, a, dim, index));
      assertArrays(c.data, j.data, `gather dim ${dim} [${ashape}] <- [${ishape}]`);
    } else {
      const src = randView(r, ishape, dt, gen(r, dt, "tame"));
      const out = outView(r, ashape, dt);
      const [[c], [j]] = both([out], (b, [o]) => b.scatterAdd(o, dim, index, src));
      assertArrays(c.data, j.data, `scatterAdd dim ${dim} [${ashape}] <- [${ishape}]`);
    }
  }
});

each("gather and scatterAdd along the last dim of many rows (the threaded row path): matches js; a bad index throws, scatterAdd's out untouched", () => {
  const r = mulberry32(16);
  const V = (data: TypedArray, shape: number[], strides: number[], offset = 0): View => ({ data, shape, strides, offset });
  const rows = 300, n = 150, lim = 200; // 45000 elements: split over the threads
  for (const dt of ["float32", "int32"] as DType[]) {
    const index = V(Int32Array.from({ length: rows * n }, () => randint(r, 0, lim - 1)), [rows, n], [n, 1]);
    // a with padded rows and an offset; out inside a bigger array
    const a = V(new (ctor(dt))(5 + rows * 210).map(gen(r, dt, "tame")), [rows, lim], [210, 1], 5);
    const [[c], [j]] = both([outView(r, [rows, n], dt)], (b, [o]) => b.gather(o, a, 1, index));
    assertArrays(c.data, j.data, `gather ${dt} [${rows},${lim}] <- [${rows},${n}]`);
    const src = V(new (ctor(dt))(rows * n).map(gen(r, dt, "tame")), [rows, n], [n, 1]);
    const into = V(new (ctor(dt))(rows * lim).map(gen(r, dt, "tame")), [rows, lim], [lim, 1]);
    const [[c2], [j2]] = both([into], (b, [o]) => b.scatterAdd(o, 1, index, src));
    assertArrays(c2.data, j2.data, `scatterAdd ${dt} [${rows},${lim}] <- [${rows},${n}] (repeated indices)`);
    // one bad index, late in the last rows (the second thread's block)
    const bad = V(index.data.slice(), [rows, n], [n, 1]);
    bad.data[rows * n - 7] = lim;
    const out = V(new (ctor(dt))(rows * lim).fill(3), [rows, lim], [lim, 1]);
    assert.throws(() => be.gather(V(new (ctor(dt))(rows * n), [rows, n], [n, 1]), a, 1, bad), /index out of range/);
    assert.throws(() => be.scatterAdd(out, 1, bad, src), /index out of range/);
    assert.ok(out.data.every((x) => x === 3), "a rejected scatterAdd leaves out untouched");
  }
});

each("scatterAdd along dim 0 with an index expanded along the rows (indexSelect's and embedding's backward): matches js; a bad index throws, out untouched", () => {
  const r = mulberry32(17);
  const V = (data: TypedArray, shape: number[], strides: number[], offset = 0): View => ({ data, shape, strides, offset });
  const rows = 700, n = 96, lim = 13; // many rows into few: every output row gets dozens of adds, in order
  for (const dt of ["float32", "int32"] as DType[]) {
    const ids = Int32Array.from({ length: rows }, () => randint(r, 0, lim - 1));
    const index = V(ids, [rows, n], [1, 0]); // stride 0 along the row: one index per row
    const src = V(new (ctor(dt))(rows * n).map(gen(r, dt, "tame")), [rows, n], [n, 1]);
    const into = V(new (ctor(dt))(lim * n).map(gen(r, dt, "tame")), [lim, n], [n, 1]);
    const [[c], [j]] = both([into], (b, [o]) => b.scatterAdd(o, 0, index, src));
    assertArrays(c.data, j.data, `scatterAdd ${dt} [${lim},${n}] <- [${rows},${n}] (expanded index)`);
    const bad = V(ids.slice(), [rows, n], [1, 0]);
    bad.data[rows - 2] = -1;
    const out = V(new (ctor(dt))(lim * n).fill(3), [lim, n], [n, 1]);
    assert.throws(() => be.scatterAdd(out, 0, bad, src), /index out of range/);
    assert.ok(out.data.every((x) => x === 3), "a rejected scatterAdd leaves out untouched");
  }
});

each("scatterAdd into a fresh out (ops.scatterAdd's new tensor): the old contents are ignored, zeros then the adds, on the row path, the general path and for an empty index; the rest of the array untouched; a fresh out that is not contiguous is refused", () => {
  const r = mulberry32(21);
  const V = (data: TypedArray, shape: number[], strides: number[], offset = 0): View => ({ data, shape, strides, offset });
  for (const dt of ["float32", "int32"] as DType[]) {
    const junk = dt === "int32" ? 12345 : 777;
    // [out shape, dim, index shape]: many rows along the last dim (threaded rows, each zeroed as it
    // is scattered into), along the first dim of a 3-D out (the general walk), an empty index
    for (const [oshape, dim, ishape] of [[[300, 200], 1, [300, 150]], [[40, 50, 30], 0, [30, 50, 30]], [[40, 50], 0, [0, 50]]] as [number[], number, number[]][]) {
      const n = numel(ishape);
      const index = V(Int32Array.from({ length: n }, () => randint(r, 0, oshape[dim] - 1)), ishape, contiguous(ishape));
      const src = V(new (ctor(dt))(n).map(gen(r, dt, "tame")), ishape, contiguous(ishape));
      const off = 3, size = numel(oshape);
      const out = V(new (ctor(dt))(off + size + 2).fill(junk), oshape, contiguous(oshape), off);
      be.scatterAdd(out, dim, index, src, true);
      const want = V(new (ctor(dt))(off + size + 2).fill(junk), oshape, contiguous(oshape), off);
      want.data.fill(0, off, off + size);
      js.scatterAdd(want, dim, index, src);
      assertArrays(out.data, want.data, `fresh scatterAdd ${dt} [${oshape}] dim ${dim} <- [${ishape}]`);
    }
  }
  const index = V(new Int32Array(300 * 150), [300, 150], [150, 1]), src = V(new Float32Array(300 * 150), [300, 150], [150, 1]);
  const transposed = V(new Float32Array(300 * 200), [300, 200], [1, 300]);
  assert.throws(() => be.scatterAdd(transposed, 1, index, src, true), /contiguous/);
});

// ---- alloc / pool --------------------------------------------------------------------------------

test("alloc: typed arrays of the right kind, zeroed on request, reused", { skip }, () => {
  for (const n of [0, 5, 100_000, 1_000_000]) {
    const f = cpu.alloc("float32", n, true);
    assert.ok(f instanceof Float32Array);
    assert.equal(f.length, n);
    assert.ok(f.every((x) => x === 0));
    const i = cpu.alloc("int32", n, true);
    assert.ok(i instanceof Int32Array);
    assert.equal(i.length, n);
    assert.ok(cpu.alloc("float64", n, true) instanceof Float64Array);
  }
  // dirty a block, drop it, and check that a zeroed allocation of the same size is zero
  for (let k = 0; k < 20; k++) {
    const x = cpu.alloc("float32", 300_000);
    x.fill(3);
    const y = cpu.alloc("float32", 300_000, true);
    assert.ok(y.every((v) => v === 0));
  }
  // blocks given back to the system (trim) read as zeros when they come back
  for (let k = 0; k < 50; k++) cpu.alloc("float32", 20_000).fill(5);
  nativeConfig({ trim: true });
  for (let k = 0; k < 50; k++) {
    const z = cpu.alloc("float32", 20_000, true);
    assert.ok(z.every((v) => v === 0));
    z.fill(7);
  }
  assert.ok(nativePoolStats() !== null);
});

test("backward releases the gradients it made once they are used; results unchanged", { skip }, () => {
  const n = 1 << 16; // 256 KiB per tensor: pool blocks
  const vals = Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
  const run = (device: string, hook: boolean) => {
    const x = Tensor.from(vals, { device, requiresGrad: true });
    const w = Tensor.from(vals.map((v) => v + 1), { device, requiresGrad: true });
    // a chain with fan-out (h used twice: its gradient is a sum), pass-through gradients (add) and a
    // retained intermediate; each intermediate gradient is dead once its node's rule has run
    let h = x.mul(w);
    for (let k = 0; k < 12; k++) h = h.add(h.mul(0.5)).sin().add(x);
    // a hook that keeps the gradient it returns; h's rule (add) hands that tensor on to its parents
    let stash: Tensor | null = null;
    if (hook) h.registerHook((g) => (stash = g.mul(2)));
    const mid = h.mul(w);
    mid.retainGrad();
    const loss = mid.exp().add(mid).sum();
    const before = device === "cpu" ? nativePoolStats()!.liveBytes : 0;
    loss.backward();
    const grew = device === "cpu" ? nativePoolStats()!.liveBytes - before : 0;
    const gs = stash === null ? [] : ((stash as Tensor).toArray() as number[]);
    return { gx: x.grad!.toArray() as number[], gw: w.grad!.toArray() as number[], gm: mid.grad!.toArray() as number[], gs, grew };
  };
  for (const hook of [false, true]) {
    const c = run("cpu", hook), j = run("js", hook);
    assert.equal(c.gs.length, hook ? n : 0);
    for (const k of ["gx", "gw", "gm", "gs"] as const) {
      for (let i = 0; i < c[k].length; i += 997) assert.ok(Math.abs(c[k][i] - j[k][i]) <= 1e-4 * (1 + Math.abs(j[k][i])), `${k}[${i}] (hook ${hook}): ${c[k][i]} vs ${j[k][i]}`);
    }
    // the sweep makes about 60 gradients of n floats, and a temporary per sin (its cos, left to the
    // GC); kept: x.grad, w.grad and mid's retained copy. Without release (and without a GC
    // meanwhile) every gradient stays live: about 75 blocks.
    assert.ok(c.grew <= 20 * n * 4, `pool grew by ${c.grew / (n * 4)} blocks during backward`);
  }
});

test("a loop of large ops that allocates little JavaScript still gets its memory back (--single-threaded-gc)", { skip }, () => {
  // Under --single-threaded-gc, V8's marking advances only as JavaScript allocates: this loop (32 MB
  // per output, no JS garbage) once went for seconds without a collection, every output a fresh
  // mapping, ~1.3 GB live after 40 ops. The pool asks V8 for a collection past 512 MB handed out.
  const native = new URL("../src/backend/native.js", import.meta.url).href;
  const entry = new URL("../src/node.js", import.meta.url).href;
  const code = `import { nativePoolStats } from ${JSON.stringify(native)};
import { setDefaultDevice, Tensor } from ${JSON.stringify(entry)};
setDefaultDevice("cpu");
const a = Tensor.ones([2048, 4096]), b = Tensor.ones([2048, 4096]);
let maxLive = 0;
for (let i = 0; i < 60; i++) { a.add(b); maxLive = Math.max(maxLive, nativePoolStats().liveBytes); }
console.log(JSON.stringify({ maxLive, last: a.add(b).sum().item() }));`;
  const r = spawnSync(process.execPath, ["--single-threaded-gc", "--input-type=module", "-e", code], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const { maxLive, last } = JSON.parse(r.stdout.trim()) as { maxLive: number; last: number };
  assert.equal(last, 2 * 2048 * 4096);
  // 60 outputs of 32 MB would be 1.9 GB live without collections
  assert.ok(maxLive < 900 << 20, `live pool memory reached ${(maxLive / 2 ** 20).toFixed(0)} MB`);
});

test("huge blocks (32 MiB and up, not counted by V8) come back to the pool only when nothing holds them", { skip }, () => {
  const native = new URL("../src/backend/native.js", import.meta.url).href;
  const entry = new URL("../src/node.js", import.meta.url).href;
  const code = `import { cpuBackend, nativePoolStats } from ${JSON.stringify(native)};
import { setDefaultDevice, Tensor } from ${JSON.stringify(entry)};
setDefaultDevice("cpu");
const n = 4096 * 4096, stats = nativePoolStats;
const a = Tensor.ones([4096, 4096]), b = Tensor.ones([4096, 4096]);
// a loop of 64 MiB outputs reuses a few blocks (collected by the pool's nudge)
const fresh0 = stats().freshMaps;
for (let i = 0; i < 40; i++) a.add(b);
const loopFresh = stats().freshMaps - fresh0;
// a buffer moved out of its tensor keeps its memory after the tensor is collected
let t = a.add(b);
const buf = t.data.buffer;
const moved = structuredClone(buf, { transfer: [buf] });
t = null;
globalThis.gc();
for (let i = 0; i < 20; i++) a.mul(5);
globalThis.gc();
for (let i = 0; i < 20; i++) a.mul(5);
const mv = new Float32Array(moved);
const intact = mv[0] === 2 && mv[n >> 1] === 2 && mv[n - 1] === 2;
// releasing a huge storage gives its block back at once
const u = a.add(b);
const c0 = stats().cachedBlocks;
cpuBackend.release(u.data);
const c1 = stats().cachedBlocks;
console.log(JSON.stringify({ loopFresh, intact, released: c1 - c0, left: u.data.length }));`;
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", code], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout.trim()) as { loopFresh: number; intact: boolean; released: number; left: number };
  assert.ok(o.loopFresh <= 16, `40 huge outputs mapped ${o.loopFresh} fresh blocks`);
  assert.ok(o.intact, "a transferred buffer's memory was reused while it was still held");
  assert.equal(o.released, 1);
  assert.equal(o.left, 0);
});

/** For the child processes below: an MLP of 512 x 512 layers trained `steps` SGD steps on `rows`
 *  rows (kept per step: ~4 x rows x 2 KiB), with the most pool memory live after any step. */
const TRAIN = `function train(rows, steps) {
  const model = new nn.Sequential(new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 512));
  const opt = new optim.SGD(model.parameters(), { lr: 1e-3 });
  const x = Tensor.randn([rows, 512]);
  let maxLive = 0, last = 0;
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = model.forward(x).square().mean();
    loss.backward();
    opt.step();
    last = loss.item();
    maxLive = Math.max(maxLive, nativePoolStats().liveBytes);
  }
  return { maxLive, finite: Number.isFinite(last) };
}`;

test("training steps that keep tens of MB collect at a step's end, their blocks uncounted; small steps keep V8's schedule", { skip }, () => {
  // a child process without --expose-gc: the collector must make its own gc function and leave no
  // `gc` global behind, here or in contexts made later
  const native = new URL("../src/backend/native.js", import.meta.url).href;
  const entry = new URL("../src/node.js", import.meta.url).href;
  const code = `import { nativePoolStats } from ${JSON.stringify(native)};
import { setDefaultDevice, Tensor, nn, optim } from ${JSON.stringify(entry)};
import { PerformanceObserver } from "node:perf_hooks";
import { runInNewContext } from "node:vm";
setDefaultDevice("cpu");
const gcs = [];
const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) gcs.push(e.detail); });
obs.observe({ entryTypes: ["gc"] });
// forced (the collector's) full collections among the entries so far
const forced = () => gcs.filter((d) => d.kind === 4 && (d.flags & 4) !== 0).length;
const settle = () => new Promise((r) => setTimeout(r, 50));
${TRAIN}
// small steps (~1 MB kept each): no collection of ours
const small = train(128, 200);
await settle();
const smallForced = forced();
// large steps: 8192 x 512 activations (16 MiB each, ~64 MiB kept a step)
const f0 = forced();
const large = train(8192, 24);
const external = process.memoryUsage().external;
await settle();
console.log(JSON.stringify({ smallForced, largeForced: forced() - f0, maxLive: large.maxLive, external,
  finite: small.finite && large.finite, gcGlobal: typeof globalThis.gc, gcLater: runInNewContext("typeof gc") }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout.trim()) as { smallForced: number; largeForced: number; maxLive: number; external: number; finite: boolean; gcGlobal: string; gcLater: string };
  assert.ok(o.finite);
  assert.equal(o.smallForced, 0, "steps that keep ~1 MB must not force collections");
  // 24 steps keeping ~64 MiB each: one collection per 256 MiB kept, so about six
  assert.ok(o.largeForced >= 3 && o.largeForced <= 12, `${o.largeForced} collections at the steps' ends`);
  // V8 counts none of the training blocks (it would hold ~64 MiB and more of them)
  assert.ok(o.external < 48 << 20, `V8 counts ${(o.external / 2 ** 20).toFixed(0)} MiB of external memory`);
  // the garbage of at most ~256 MiB of steps, plus one step in flight and the model
  assert.ok(o.maxLive < 448 << 20, `live pool memory reached ${(o.maxLive / 2 ** 20).toFixed(0)} MiB`);
  assert.equal(o.gcGlobal, "undefined");
  assert.equal(o.gcLater, "undefined");
});

test("a worker that alone loads the addon exits cleanly with pool tensors alive, and trains in training mode", { skip }, () => {
  // V8 calls the pool's deleters for the blocks still alive when the worker's isolate is torn
  // down, after the worker's environment (which loaded the addon) is gone: the library must stay
  // loaded. The main thread here never imports dlgrad.
  const entry = new URL("../src/node.js", import.meta.url).href;
  const native = new URL("../src/backend/native.js", import.meta.url).href;
  const worker = `const { parentPort } = await import("node:worker_threads");
const { setDefaultDevice, Tensor, nn, optim } = await import(${JSON.stringify(entry)});
const { nativePoolStats } = await import(${JSON.stringify(native)});
setDefaultDevice("cpu");
// alive at exit: a counted and a huge block (68 MiB), made with no dead temporaries beside them
const keep = [Tensor.full([1024, 1024], 3), Tensor.full([4096, 4096], 2)];
${TRAIN}
const { maxLive } = train(8192, 12);
parentPort.postMessage({ maxLive, external: process.memoryUsage().external, kept: keep[0].data[5] + keep[1].data[7] });`;
  const code = `import { Worker } from "node:worker_threads";
const w = new Worker(${JSON.stringify(worker)}, { eval: true });
w.on("message", (m) => console.log(JSON.stringify(m)));
w.on("error", (e) => { console.error(e); process.exitCode = 2; });`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ""}: ${r.stderr}`);
  const o = JSON.parse(r.stdout.trim()) as { maxLive: number; external: number; kept: number };
  assert.equal(o.kept, 5);
  // as in the test above, plus the 68 MiB kept alive
  assert.ok(o.maxLive < (448 + 68) << 20, `live pool memory reached ${(o.maxLive / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(o.external < 48 << 20, `V8 counts ${(o.external / 2 ** 20).toFixed(0)} MiB of external memory in the worker`);
});

test("threads: single-threaded results equal threaded ones", { skip }, () => {
  const r = mulberry32(13);
  const a: View = { data: Float32Array.from({ length: 512 * 512 }, gen(r, "float32", "tame")), shape: [512, 512], strides: [512, 1], offset: 0 };
  const run = () => {
    const o: View = { data: new Float32Array(512 * 512), shape: [512, 512], strides: [512, 1], offset: 0 };
    cpu.matmul(o, a, { ...a, strides: [1, 512] });
    const e: View = { data: new Float32Array(512 * 512), shape: [512, 512], strides: [512, 1], offset: 0 };
    cpu.unary("exp", e, a);
    return [o.data, e.data];
  };
  const [m2, e2] = run();
  nativeConfig({ threads: 1 });
  const [m1, e1] = run();
  nativeConfig({ threads: 0 });
  assertArrays(m1, m2, "matmul 1 vs 2 threads");
  assertArrays(e1, e2, "exp 1 vs 2 threads");
});

each("tiny ops (js kernels by default) agree with the C kernels; int32 max/min included", () => {
  const r = mulberry32(15);
  const tinyOps = TARGETS.find((t) => t.backend === be)!.tinyOps;
  tinyOps(16);
  try {
    for (let trial = 0; trial < 200; trial++) {
      const shape = [randint(r, 1, 4), randint(r, 1, 4)];
      const a = randView(r, shape, "float32", gen(r, "float32", "tame")), b = randView(r, shape, "float32", gen(r, "float32", "tame"));
      const op = pick(r, BINARY_OPS);
      const [[c], [j]] = both([outView(r, shape, "float32")], (be, [o]) => be.binary(op, o, a, b));
      assertArrays(c.data, j.data, `tiny binary ${op}`, op === "pow" ? ulps(j.data, 1) : undefined);
    }
    const neg: View = { data: Int32Array.of(-5, -3, -9), shape: [3], strides: [1], offset: 0 };
    const o: View = { data: new Int32Array(1), shape: [1], strides: [1], offset: 0 };
    be.reduce("max", o, neg, [true]);
    assert.equal(o.data[0], -3);
    be.reduce("min", o, { ...neg, data: Int32Array.of(5, 3, 9) }, [true]);
    assert.equal(o.data[0], 3);
  } finally {
    tinyOps(0);
  }
});

// ---- aliasing: the kernels own it ---------------------------------------------------------------

each("reduce and matmul: an out that overlaps an input, overlaps the bias or is strided gets the result as if computed apart", () => {
  // expected: js on a snapshot of the array into a fresh contiguous out, copied through out's view
  const apart = (out: View, call: (be: Backend, o: View, snap: TypedArray) => void): TypedArray => {
    const d = out.data.slice(), tmp: View = { data: new (ctor(out.data instanceof Int32Array ? "int32" : "float32"))(numel(out.shape)), shape: out.shape, strides: contiguous(out.shape), offset: 0 };
    call(js, tmp, out.data.slice());
    js.copy({ ...out, data: d }, tmp, false);
    return d;
  };
  const V = (data: TypedArray, shape: number[], strides: number[], offset: number): View => ({ data, shape, strides, offset });
  for (const dt of ["float32", "int32"] as DType[]) {
    for (const op of ["sum", "max", "min", "argmax"] as const) {
      const cases: [number[], number[], number, boolean[]][] = [[[1, 5], [5, 1], 2, [true, false]], [[4, 1], [3, 1], 25, [false, true]]];
      for (const [oshape, ostrides, ooff, axes] of cases) {
        const data = new (ctor(dt))(40).map((_, i) => ((i * 37) % 11) - 5);
        const odt = op === "argmax" ? new Int32Array(40) : data; // argmax: its own int32 out, apart anyway
        const want = apart(V(odt, oshape, ostrides, ooff), (be, o, snap) => be.reduce(op, o, V(odt === data ? snap : data, [4, 5], [5, 1], 0), axes));
        be.reduce(op, V(odt, oshape, ostrides, ooff), V(data, [4, 5], [5, 1], 0), axes);
        assertArrays(odt, want, `reduce ${op} ${dt} into [${oshape}] strides [${ostrides}] at ${ooff}`);
      }
    }
  }
  for (const [what, o, a, b, bias] of [
    ["out = a", [[3, 3], [3, 1], 0], [[3, 3], [3, 1], 0], [[3, 3], [3, 1], 20], null],
    ["strided last dim", [[3, 3], [1, 3], 40], [[3, 4], [4, 1], 0], [[4, 3], [3, 1], 12], null],
    ["out overlaps the bias", [[3, 3], [3, 1], 0], [[3, 4], [4, 1], 20], [[4, 3], [3, 1], 32], [[3], [1], 1]],
  ] as [string, [number[], number[], number], [number[], number[], number], [number[], number[], number], [number[], number[], number] | null][]) {
    const data = new Float32Array(60).map((_, i) => ((i * 37) % 11) - 5);
    const mk = (x: TypedArray, [sh, st, off]: [number[], number[], number]) => V(x, sh, st, off);
    const want = apart(mk(data, o), (be, out, snap) => be.matmul(out, mk(snap, a), mk(snap, b), bias && mk(snap, bias)));
    be.matmul(mk(data, o), mk(data, a), mk(data, b), bias && mk(data, bias));
    assertArrays(data, want, `matmul, ${what}`);
  }
});

// ---- bad calls -----------------------------------------------------------------------------------

each("bad calls from JavaScript throw instead of crashing", () => {
  const v = (data: TypedArray, shape: number[], strides?: number[], offset = 0): View =>
    ({ data, shape, strides: strides ?? contiguous(shape), offset });
  const f = (n: number) => new Float32Array(n);
  const throwsBe = (fn: () => void, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof Error && re.test(e.message));

  // views reaching outside their arrays
  throwsBe(() => be.binary("add", v(f(4), [3, 4]), v(f(12), [3, 4]), v(f(12), [3, 4])), new RegExp(`${dev}\\.binary\\(add\\).*'out'`));
  throwsBe(() => be.unary("exp", v(f(12), [3, 4]), v(f(12), [3, 4], [4, 1], 1)), new RegExp(`${dev}\\.unary\\(exp\\).*'a'`));
  throwsBe(() => be.unary("neg", v(f(12), [3, 4]), v(f(12), [3, 4], [-4, 1], 0)), /reaches/);
  throwsBe(() => be.unary("neg", v(f(12), [3, 4]), v(f(12), [3, 4], [4, 1], -1)), /offset/);
  throwsBe(() => be.unary("neg", v(f(12), [3, 4]), v(f(12), [3, 4], [4.5, 1], 0)), /stride/);
  throwsBe(() => be.matmul(v(f(12), [3, 4]), v(f(12), [3, 4]), v(f(12), [4, 4])), new RegExp(`${dev}\\.matmul.*'b'`));
  throwsBe(() => be.matmul(v(f(9), [3, 3]), v(f(12), [3, 4]), v(f(12), [3, 4])), /inner dims/);
  throwsBe(() => be.reduce("sum", v(f(1), [1, 1], [1, 1], 5), v(f(12), [3, 4]), [true, true]), /'out'/);
  throwsBe(() => be.copy(v(f(12), [3, 4], [4, 1], 0), v(f(12), [3, 4], [0, 4], 0), false), /'a'/);
  throwsBe(() => be.fill(v(f(12), [3, 5]), 1), /'out'/);
  throwsBe(() => be.where(v(f(6), [6]), v(f(5), [6]), v(f(6), [6]), v(f(6), [6])), /'cond'/);
  // wrong shapes
  throwsBe(() => be.binary("add", v(f(12), [3, 4]), v(f(12), [4, 3]), v(f(12), [3, 4])), /shape/);
  throwsBe(() => be.unary("exp", v(f(12), [3, 4]), v(f(12), [12])), /dims/);
  // indices out of range (the core checks these too)
  const idx = new Int32Array([0, 7, 1]);
  throwsBe(() => be.gather(v(f(3), [3]), v(f(4), [4]), 0, v(idx, [3])), /index out of range/);
  const out = f(4);
  throwsBe(() => be.scatterAdd(v(out, [4]), 0, v(idx, [3]), v(f(3).fill(1), [3])), /index out of range/);
  assert.ok(out.every((x) => x === 0), "a rejected scatterAdd leaves out untouched");
  // wrong dtypes
  throwsBe(() => be.binary("add", v(f(3), [3]), v(new Int32Array(3), [3]), v(f(3), [3])), /must be/);
  throwsBe(() => be.unary("exp", v(new Int32Array(3), [3]), v(f(3), [3])), /must be/);
  throwsBe(() => be.matmul(v(f(4), [2, 2]), v(new Int32Array(4), [2, 2]), v(f(4), [2, 2])), /must be float32/);
  throwsBe(() => be.reduce("argmax", v(f(3), [3, 1]), v(f(6), [3, 2]), [false, true]), /must be int32/);
  throwsBe(() => be.binary("div", v(new Int32Array(3), [3]), v(new Int32Array(3), [3]), v(new Int32Array(3), [3])), /integer division/);
  throwsBe(() => be.unary("exp", v(f(3), [3]), v(new Uint8Array(3) as unknown as Float32Array, [3])), /must be a Float32Array or Int32Array/);
  // detached buffers
  const det = f(12);
  structuredClone(det.buffer, { transfer: [det.buffer] });
  throwsBe(() => be.unary("exp", v(f(12), [3, 4]), v(det, [3, 4])), /detached|reaches/);
  throwsBe(() => be.binary("add", v(det, [3, 4]), v(f(12), [3, 4]), v(f(12), [3, 4])), /detached|reaches/);
  if (dev === "cpu") { // the addon's pooled arrays (wasm's own storage is no host array)
    const pooled = be.alloc("float32", 100_000) as Float32Array;
    structuredClone(pooled.buffer, { transfer: [pooled.buffer] });
    throwsBe(() => be.matmul(v(f(4), [2, 2]), v(pooled, [2, 2]), v(f(4), [2, 2])), /detached|reaches/);
  }
  // an unknown op name
  throwsBe(() => be.unary("nope" as never, v(f(3), [3]), v(f(3), [3])), /bad op tag/);
  // still alive and correct
  const o = v(f(3), [3]);
  be.binary("add", o, v(Float32Array.of(1, 2, 3), [3]), v(Float32Array.of(1, 1, 1), [3]));
  assert.deepEqual([...o.data], [2, 3, 4]);
});

each("fused gelu / geluBackward (float32, vectorised): close to the double formula on large, odd sizes", () => {
  const erf = (x: number) => {
    const z = Math.abs(x), t = 1 / (1 + 0.5 * z);
    const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
      t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? 1 - r : r - 1;
  };
  for (const n of [1, 17, 100003]) {
    const x = new Float32Array(n + 3), g = new Float32Array(n + 3), o = new Float32Array(n + 3), ob = new Float32Array(n + 3);
    for (let i = 0; i < n + 3; i++) { x[i] = -15 + (30 * i) / n; g[i] = 1 + (i % 7) / 7; }
    if (n > 10) { x[5] = NaN; x[6] = Infinity; x[7] = -Infinity; x[8] = 0; x[9] = -0; x[10] = 1e-30; }
    const V = (d: Float32Array): View => ({ data: d, shape: [n], strides: [1], offset: 3 });
    be.fused!.gelu!(V(o), V(x));
    be.fused!.geluBackward!(V(ob), V(g), V(x));
    for (let i = 3; i < n + 3; i++) {
      const v = x[i], cdf = 0.5 * (1 + erf(v * Math.SQRT1_2));
      const y = v * cdf, yb = g[i] * (cdf + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI));
      for (const [got, want, what] of [[o[i], y, "gelu"], [ob[i], yb, "geluBackward"]] as const) {
        if (!Number.isFinite(want)) { assert.ok(Object.is(got, want), `${what}(${v}) = ${got}, expected ${want}`); continue; }
        assert.ok(Math.abs(got - want) <= 1e-6 + 1e-5 * Math.abs(want), `${what}(${v}) = ${got}, expected ${want}`);
      }
    }
    assert.equal(o[0], 0); // nothing written before the view
  }
});

each("where: broadcast fast paths (cond, a, b each contiguous or stride 0), large and odd sizes, NaN conditions", () => {
  const r = mulberry32(77);
  for (const shape of [[3, 5, 37], [16, 4, 33, 33], [5, 70001]]) {
    const nd = shape.length;
    for (let mask = 0; mask < 8; mask++) {
      for (const cdt of ["float32", "int32"] as DType[]) {
        const dt: DType = mask % 2 ? "float32" : "int32";
        // bit 2: cond broadcast over the leading dims (a mask); bit 1: a a scalar; bit 0: b a row
        const mk = (bcast: boolean, lead: boolean, t: DType, g: () => number): View => {
          const st = contiguous(shape);
          if (bcast) for (let d = 0; d < nd; d++) if (lead ? d < nd - 2 : true) st[d] = 0;
          let hi = 0;
          for (let d = 0; d < nd; d++) hi += st[d] * (shape[d] - 1);
          const off = randint(r, 0, 2);
          const data = new (ctor(t))(off + hi + 1);
          for (let i = 0; i < data.length; i++) data[i] = g();
          return { data, shape: [...shape], strides: st, offset: off };
        };
        const cond = mk((mask & 4) !== 0, true, cdt, cdt === "float32" ? () => pick(r, [0, -0, 1, NaN, 2.5]) : () => randint(r, -1, 1));
        const a = mk((mask & 2) !== 0, false, dt, gen(r, dt));
        const b = mk((mask & 1) !== 0, true, dt, gen(r, dt));
        const [[c], [j]] = both([outView(r, shape, dt)], (be, [o]) => be.where(o, cond, a, b));
        assertArrays(c.data, j.data, `where [${shape}] mask ${mask} cond ${cdt}`);
      }
    }
  }
});

each("binary: outputs over 32 MiB (streaming stores) at unaligned offsets, in place too", () => {
  const r = mulberry32(11);
  const n = (33 << 20) / 4 + 5; // just over the streaming threshold, not a multiple of 8
  const mk = (off: number): View => {
    const data = new Float32Array(off + n);
    for (let i = 0; i < data.length; i += 97) data[i] = r() - 0.5; // sparse values: quick to fill
    return { data, shape: [n], strides: [1], offset: off };
  };
  const a = mk(3), b = mk(1);
  for (const op of ["add", "sub", "mul", "div"] as const) {
    const [[c], [j]] = both([{ data: new Float32Array(n + 7), shape: [n], strides: [1], offset: 7 }], (be, [o]) => be.binary(op, o, a, b));
    assertArrays(c.data, j.data, `binary ${op} n=${n}`);
  }
  const c = cloneView(a), j = cloneView(a); // out is a: the same array read and streamed to
  be.binary("add", c, c, b);
  js.binary("add", j, j, b);
  assertArrays(c.data, j.data, "binary add in place, streaming");
}, ["cpu"]); // x86 streaming stores; the js reference takes seconds at this size

each("fused attention: bad views, scale and dtypes throw before anything is written", () => {
  const f = be.fused as FusedKernels;
  const V = (shape: number[], len = shape.reduce((a, b) => a * b, 1), strides = contiguous(shape)): View =>
    ({ data: new Float32Array(len).fill(7), shape, strides, offset: 0 });
  const q = V([1, 2, 5, 4]), k = V([1, 2, 6, 4]), v = V([1, 2, 6, 3]);
  const run = (out: View, p: View, scale = 0.5) => f.attention(out, p, q, k, v, scale, true);
  run(V([1, 2, 5, 3]), V([1, 2, 5, 6])); // the right shapes: fine
  const short = V([1, 2, 5, 3], 29);
  assert.throws(() => run(short, V([1, 2, 5, 6])), /attention\(forward\).*'out' reaches elements/);
  assert.ok(short.data.every((x) => x === 7));
  assert.throws(() => run(V([1, 2, 5, 3]), V([1, 2, 5, 6], 59)), /attention\(forward\).*'p' reaches/);
  assert.throws(() => run(V([1, 2, 5, 3]), V([1, 2, 5, 6]), 0), /scale must be positive/);
  assert.throws(() => run(V([1, 2, 5, 3]), V([1, 2, 5, 6]), NaN), /scale must be positive/);
  assert.throws(() => run(V([1, 2, 5, 3], 30, [30, 15, 3, 2]), V([1, 2, 5, 6])), /contiguous last dim/);
  assert.throws(() => run({ ...V([1, 2, 5, 3]), data: new Int32Array(30) }, V([1, 2, 5, 6])), /'out' must be float32/);
  const g = V([1, 2, 5, 3]);
  assert.throws(() => f.attentionBackward(V([1, 2, 5, 4]), V([1, 2, 6, 4]), V([1, 2, 6, 3], 35), g, V([1, 2, 5, 6]), q, k, v, 0.5, true),
    /attention\(backward\).*'gv' reaches/);
  // negative strides reaching before the start of the array
  assert.throws(() => run(V([1, 2, 5, 3], 30, [30, 15, -3, 1]), V([1, 2, 5, 6])), /'out' reaches elements -12/);
});

each("fused maxPoolIndices' values: x at the indices, for the 2x2 rows and the general windows, large (threaded) or small, and over x itself", () => {
  const f = be.fused as FusedKernels;
  const r = mulberry32(17);
  for (const [P, H, W, kh, kw, sh, sw] of [[300, 12, 21, 2, 2, 2, 2], [3, 7, 9, 3, 2, 2, 1], [40, 28, 28, 2, 2, 2, 2]]) {
    const OH = Math.floor((H - kh) / sh) + 1, OW = Math.floor((W - kw) / sw) + 1, n = OH * OW;
    const x: View = { data: new Float32Array(P * H * W).map(gen(r, "float32", "ties")), shape: [P, H, W], strides: [H * W, W, 1], offset: 0 };
    const idx: View = { data: new Int32Array(P * n), shape: [P, n], strides: [n, 1], offset: 0 };
    const vals: View = { data: new Float32Array(P * n + 3).fill(777), shape: [P, n], strides: [n, 1], offset: 3 };
    f.maxPoolIndices(idx, x, kh, kw, sh, sw, vals);
    const idx2: View = { ...idx, data: new Int32Array(P * n) };
    f.maxPoolIndices(idx2, x, kh, kw, sh, sw);
    assertArrays(idx2.data, idx.data, `indices with and without values [${P},${H},${W}] ${kh}x${kw}`);
    const want = new Float32Array(P * n).map((_, i) => x.data[Math.floor(i / n) * H * W + idx.data[i]]);
    assertArrays(vals.data.subarray(3), want, `values [${P},${H},${W}] ${kh}x${kw}`);
    // the values written over x's own first elements: computed from x as it was
    const both = new Float32Array(x.data);
    f.maxPoolIndices(idx2, { ...x, data: both }, kh, kw, sh, sw, { ...vals, data: both, offset: 0 });
    assertArrays(both.subarray(0, P * n), want, `values over x [${P},${H},${W}] ${kh}x${kw}`);
    assertArrays(idx2.data, idx.data, `indices with the values over x [${P},${H},${W}] ${kh}x${kw}`);
  }
});

each("fused conv2d / conv2dBackward: bad windows, shapes and short arrays throw, nothing is written", () => {
  const f = be.fused as Required<FusedKernels>; // the C backends have the optional conv kernels
  const arr = (shape: number[], fill = 7): View => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill), shape, strides: contiguous(shape), offset: 0 });
  const x = arr([2, 3, 5, 5], 1), w = arr([4, 27], 0.5), b = arr([4], 2);
  const win = { kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 };
  const y = arr([2, 4, 5, 5]);
  f.conv2d(y, x, w, b, win); // the right shapes: an interior output is 27 · 0.5 + 2
  assert.equal(y.data[2 * 5 + 2], 27 * 0.5 + 2);
  const wrong = arr([2, 4, 5, 4]);
  assert.throws(() => f.conv2d(wrong, x, w, b, win), /conv2d.*does not match/);
  assert.ok(wrong.data.every((v) => v === 7));
  assert.throws(() => f.conv2d(arr([2, 4, 5, 5]), x, w, b, { ...win, kh: 8 }), /conv2d.*larger than the padded input/);
  assert.throws(() => f.conv2d(arr([2, 4, 5, 5]), x, w, b, { ...win, sw: 0 }), /conv2d.*bad window/);
  assert.throws(() => f.conv2d(arr([2, 4, 5, 5]), x, arr([4, 26]), b, win), /conv2d.*needs elements/); // a weight too short
  assert.throws(() => f.conv2d(arr([2, 4, 5, 5]), x, w, arr([3]), win), /conv2d.*needs elements/);
  const gx = arr([2, 3, 5, 5]), gw = arr([4, 27]), gb = arr([4]);
  f.conv2dBackward(gx, gw, gb, arr([2, 4, 5, 5], 1), x, w, win);
  assert.equal(gb.data[0], 2 * 25); // g = 1 summed over 2 images of 5x5
  const untouched = arr([2, 3, 5, 5]);
  assert.throws(() => f.conv2dBackward(untouched, null, null, arr([2, 4, 4, 5], 1), x, w, win), /conv2dBackward.*does not match/);
  assert.ok(untouched.data.every((v) => v === 7));
  assert.throws(() => f.conv2dBackward(null, arr([4, 26]), null, arr([2, 4, 5, 5]), x, w, win), /conv2dBackward.*needs elements/);
  const transposed = { ...arr([2, 4, 5, 5]), strides: [100, 25, 1, 5] };
  assert.throws(() => f.conv2dBackward(null, gw, null, transposed, x, w, win), /conv2dBackward.*not contiguous/);
});

each("fused im2col / col2im / maxPoolIndices: bad windows and short arrays throw, nothing is written", () => {
  const f = be.fused as FusedKernels;
  const x: View = { data: new Float32Array(2 * 3 * 5 * 5), shape: [2, 3, 5, 5], strides: contiguous([2, 3, 5, 5]), offset: 0 };
  const cols = (rows: number, n: number, len = rows * n): View => ({ data: new Float32Array(len).fill(7), shape: [rows, n], strides: [n, 1], offset: 0 });
  const win = { kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 };
  f.im2col(cols(27, 50), x, win); // the right shape: fine
  const wrong = cols(27, 49);
  assert.throws(() => f.im2col(wrong, x, win), /im2col.*do not match/);
  assert.ok(wrong.data.every((v) => v === 7));
  assert.throws(() => f.im2col(cols(27, 50), x, { ...win, kh: 8 }), /im2col.*larger than the padded input/);
  const transposed = { ...cols(50, 27), shape: [27, 50], strides: [1, 27] };
  assert.throws(() => f.im2col(transposed, x, win), /im2col.*'array 0' is not contiguous/);
  assert.ok(transposed.data.every((v) => v === 7));
  assert.throws(() => f.col2im(x, cols(27, 50), { ...win, sh: 0 }), /col2im.*bad window/);
  assert.throws(() => f.col2im(x, cols(27, 50), { ...win, dw: 0 }), /col2im.*bad window/);
  assert.throws(() => f.im2col(cols(27, 50), x, { ...win, dh: 4 }), /im2col.*larger than the padded input/);
  f.im2col(cols(27, 18), x, { ...win, dh: 2, dw: 2 }); // dilation 2: 3x3 outputs per image
  const short: View = { ...x, shape: [2, 3, 5, 6], strides: contiguous([2, 3, 5, 6]) }; // claims more than its array holds
  assert.throws(() => f.im2col(cols(27, 60), short, win), /im2col.*needs elements/);
  const idx: View = { data: new Int32Array(2 * 3 * 4), shape: [6, 4], strides: [4, 1], offset: 0 };
  assert.throws(() => f.maxPoolIndices(idx, { ...x, shape: [6, 5, 5], strides: [25, 5, 1] }, 3, 3, 1, 1), /maxPoolIndices.*windows give 9/);
  assert.throws(() => f.maxPoolIndices({ ...idx, data: new Float32Array(24) }, { ...x, shape: [6, 5, 5], strides: [25, 5, 1] }, 2, 2, 2, 2), /maxPoolIndices/);
  const x3 = { ...x, shape: [6, 5, 5], strides: [25, 5, 1] };
  assert.throws(() => f.maxPoolIndices(idx, x3, 2, 2, 2, 2, { ...idx, data: new Int32Array(24) }), /maxPoolIndices.*float32/);
  assert.throws(() => f.maxPoolIndices(idx, x3, 2, 2, 2, 2, { ...idx, data: new Float32Array(23) }), /maxPoolIndices.*needs elements/);
});
