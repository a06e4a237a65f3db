// The `js` backend: every kernel of the contract in plain TypeScript. The readable reference.
import {
  type Backend, type BinaryOp, type DType, type ReduceOp, type ScanOp, type TypedArray, type UnaryOp, type View,
  dtypeOf, elementCtor, registerBackend,
} from "./backend.js";
import { contiguousStrides, isContiguous } from "../shape.js";

/**
 * Walk every element of `shape` for several views at once. For each run along the last dim,
 * `inner(bases, n, innerStrides)` gets the offset of the run's first element in each view.
 * 0-d shapes give one run of length 1.
 */
/** The step of a view that walks `shape` as one run: 1 if contiguous, 0 if every stride is 0 (a
 *  broadcast scalar), -1 if neither. */
function flatStep(shape: readonly number[], v: { strides: readonly number[] }): number {
  let st = 1, contiguous = true, zero = true;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    const s = v.strides[d];
    if (s !== st) contiguous = false;
    if (s !== 0) zero = false;
    st *= shape[d];
  }
  return contiguous ? 1 : zero ? 0 : -1;
}

function allContiguous(shape: readonly number[], views: readonly { strides: readonly number[] }[]): boolean {
  for (const v of views) if (flatStep(shape, v) !== 1) return false;
  return true;
}

function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function forEachRun(
  shape: readonly number[],
  views: readonly { strides: readonly number[]; offset: number }[],
  inner: (bases: number[], n: number, inStrides: number[]) => void,
): void {
  const k = views.length;
  // Every view contiguous (the common case for small tensors, where this walk costs more than the
  // arithmetic): one run, no per-call arrays of dims
  if (allContiguous(shape, views)) {
    let n = 1;
    for (const d of shape) n *= d;
    if (n === 0) return;
    inner(views.map((v) => v.offset), n, views.map(() => 1));
    return;
  }
  // Coalesce: drop size-1 dims and merge neighbours that are contiguous in every view, so the
  // common cases (contiguous, scalar-broadcast) become a single long run.
  const dims: number[] = [];
  const strides: number[][] = views.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 0) return;
    if (n === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let j = 0; merge && j < k; j++) merge = strides[j][last] === views[j].strides[d] * n;
    if (merge) {
      dims[last] *= n;
      for (let j = 0; j < k; j++) strides[j][last] = views[j].strides[d];
    } else {
      dims.push(n);
      for (let j = 0; j < k; j++) strides[j].push(views[j].strides[d]);
    }
  }
  const bases = views.map((v) => v.offset);
  const nd = dims.length;
  if (nd <= 1) {
    inner(bases, nd ? dims[0] : 1, strides.map((st) => (nd ? st[0] : 0)));
    return;
  }
  const n = dims[nd - 1];
  const inStrides = strides.map((st) => st[nd - 1]);
  const idx = new Array<number>(nd - 1).fill(0);
  const run = bases.slice();
  for (;;) {
    for (let j = 0; j < k; j++) run[j] = bases[j];
    inner(run, n, inStrides);
    // advance the odometer over the outer dims, updating each view's base offset
    let d = nd - 2;
    for (; d >= 0; d--) {
      idx[d]++;
      for (let j = 0; j < k; j++) bases[j] += strides[j][d];
      if (idx[d] < dims[d]) break;
      for (let j = 0; j < k; j++) bases[j] -= strides[j][d] * dims[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** erf with |error| < 1.2e-7 (Numerical Recipes erfc), enough for float32 results; below 0.5 its
 *  Taylor series, so erf(0) is exactly 0 (the erfc form leaves -3e-8 there: floor(erf(0)) was -1). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = Math.abs(x);
  if (z < 0.5) {
    const x2 = x * x;
    return x * 1.1283791670955126 * (1 + x2 * (-1 / 3 + x2 * (1 / 10 + x2 * (-1 / 42 + x2 * (1 / 216 + x2 * (-1 / 1320 + x2 / 9360))))));
  }
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r : r - 1;
}

const unaryFns: Record<UnaryOp, (x: number) => number> = {
  copy: (x) => x,
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: Math.abs,
  sin: Math.sin,
  cos: Math.cos,
  square: (x) => x * x,
  relu: (x) => (x > 0 ? x : Number.isNaN(x) ? x : 0),
  // two branches so exp never overflows: large |x| gives exactly 0 or 1, never NaN
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  tanh: Math.tanh,
  erf,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), // PyTorch's (0 < x) - (x < 0): NaN and -0 give 0
  log1p: Math.log1p,
  reciprocal: (x) => 1 / x,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  trunc: Math.trunc,
  exp2: (x) => 2 ** x,
  log2: Math.log2,
  log10: Math.log10,
  expm1: Math.expm1,
  tan: Math.tan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  isnan: (x) => (x !== x ? 1 : 0),
  isinf: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
  isfinite: (x) => (Number.isFinite(x) ? 1 : 0),
};

/** Round half to even (torch.round, C's rint): Math.round rounds halves up, so an odd result that
 *  is exactly half above x steps back. Keeps the sign of zero (-0.4 gives -0). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** C's fmod: the remainder of a / b with the sign of a (exact; JS's %). Python's %, PyTorch's
 *  remainder: fmod moved onto b's side, as PyTorch computes it (fmod, then + b). On int32 a zero
 *  divisor gives NaN here, which the Int32Array store makes 0, as the C and WGSL arms write. */
function remainder(a: number, b: number): number {
  const m = a % b;
  return m !== 0 && (b < 0) !== (m < 0) ? m + b : m;
}

/** div with rounding_mode 'floor' on float32: PyTorch's div_floor_floating (the C kernel's
 *  dl_divfloor_f), each step rounded to float32 as there. The quotient of the exact a - fmod(a, b),
 *  so 1 // 0.1 is 9 where floor(1 / 0.1) is 10; b = 0 gives a / b. */
function divFloorF32(a: number, b: number): number {
  const f = Math.fround;
  if (b === 0) return a / b;
  const mod = a % b;
  let div = f(f(a - mod) / b);
  if (mod !== 0 && b < 0 !== mod < 0) div = f(div - 1);
  if (div === 0) {
    const q = f(a / b); // 0 with the quotient's sign (copysign)
    return q < 0 || Object.is(q, -0) ? -0 : 0;
  }
  let fl = Math.floor(div);
  if (f(div - fl) > 0.5) fl = f(fl + 1);
  return fl;
}

/** The int32 arms where the generic ones below would be wrong: products wrap exactly (x·y in
 *  double rounds past 2^53 first: 2147483647² gave 0 for 1), and the rounded quotients of integers
 *  are exact in double (a zero divisor's ±inf or NaN is stored as 0, as the C arms write;
 *  INT32_MIN / -1 = 2^31 wraps to INT32_MIN). */
const int32Fns: Partial<Record<BinaryOp, (a: number, b: number) => number>> = {
  mul: Math.imul,
  divFloor: (a, b) => Math.floor(a / b),
  divTrunc: (a, b) => Math.trunc(a / b),
};

const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => (a === 1 ? 1 : Math.pow(a, b)), // C's and PyTorch's pow(1, y) = 1 even for NaN and ±inf
  // PyTorch's maximum/minimum propagate NaN from either side
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  remainder,
  fmod: (a, b) => a % b,
  divFloor: divFloorF32,
  divTrunc: (a, b) => Math.trunc(Math.fround(a / b)),
  atan2: Math.atan2,
};

/** Integer ops wrap to int32 like C; a typed Int32Array store truncates the same way. */
function runUnary(f: (x: number) => number, out: View, a: View): void {
  const o = out.data, x = a.data;
  let p = out.offset;
  const sa = flatStep(a.shape, a);
  if (sa >= 0) {
    for (let i = 0, n = numelOf(a.shape), ia = a.offset; i < n; i++, ia += sa) o[p++] = f(x[ia]);
    return;
  }
  forEachRun(a.shape, [a], ([ia], n, [sa]) => {
    for (let i = 0; i < n; i++, ia += sa) o[p++] = f(x[ia]);
  });
}

/** Index of the first extreme along a run; NaN wins (PyTorch semantics). */
function argExtreme(x: TypedArray, base: number, n: number, s: number, isMax: boolean): number {
  let best = x[base], bi = 0;
  if (best !== best) return 0;
  for (let i = 1, p = base + s; i < n; i++, p += s) {
    const v = x[p];
    if (v !== v) return i;
    if (isMax ? v > best : v < best) { best = v; bi = i; }
  }
  return bi;
}

// ---- scans and sort along one dim ----------------------------------------------------------

/**
 * For every line of `a` along `dim`: f(base of out, base of a, base of idx, n, step of a), where out
 * and idx are contiguous with a's shape (their step along dim is contiguousStrides(shape)[dim]).
 */
function forEachLine(a: View, outOffset: number, idxOffset: number, dim: number,
  f: (po: number, pa: number, pi: number, n: number, sa: number, so: number) => void): void {
  const cs = contiguousStrides(a.shape);
  const drop = <T>(xs: readonly T[]) => xs.filter((_, d) => d !== dim);
  const n = a.shape[dim], sa = a.strides[dim], so = cs[dim];
  if (n === 0) return;
  forEachRun(drop(a.shape), [
    { strides: drop(cs), offset: outOffset }, { strides: drop(a.strides), offset: a.offset }, { strides: drop(cs), offset: idxOffset },
  ], ([po, pa, pi], m, [s0, s1, s2]) => {
    for (let i = 0; i < m; i++, po += s0, pa += s1, pi += s2) f(po, pa, pi, n, sa, so);
  });
}

/** PyTorch's log_add_exp_helper: log(e^x + e^y), NaN propagating, equal infinities kept. */
export function logAddExp(x: number, y: number): number {
  if (x !== x || y !== y) return NaN;
  const lo = Math.min(x, y), hi = Math.max(x, y);
  if (lo !== hi || Number.isFinite(lo)) return Math.log1p(Math.exp(lo - hi)) + hi;
  return x;
}

/** a before b in a sort: NaN is the largest value. Equal keys are not before each other. */
export function sortsBefore(a: number, b: number, descending: boolean): boolean {
  if (descending) return a > b || (a !== a && b === b);
  return a < b || (b !== b && a === a);
}

function scanLine(op: ScanOp, o: TypedArray, x: TypedArray, ix: TypedArray | null, po: number, pa: number, pi: number,
  n: number, sa: number, so: number, reverse: boolean): void {
  // int32 sums and products wrap like C (Math.imul); floats accumulate in float64, as PyTorch's
  // CPU kernels do (acc_type of float is double), and round once per stored element
  const isInt = o instanceof Int32Array;
  let acc = op === "cumprod" ? 1 : op === "cumsum" ? 0 : op === "logcumsumexp" ? -Infinity : NaN;
  let best = 0;
  for (let k = 0; k < n; k++) {
    const i = reverse ? n - 1 - k : k;
    const v = x[pa + i * sa];
    if (op === "cumsum") acc = isInt ? (acc + v) | 0 : acc + v;
    else if (op === "cumprod") acc = isInt ? Math.imul(acc, v) : acc * v;
    else if (op === "logcumsumexp") acc = logAddExp(v, acc);
    else {
      // cummax/cummin: a later equal value takes over; a NaN takes over and then stays
      const better = op === "cummax" ? v >= acc : v <= acc;
      if (k === 0 || v !== v || (acc === acc && better)) { acc = v; best = i; }
      ix![pi + i * so] = best;
    }
    o[po + i * so] = acc;
  }
}

function sortLine(o: TypedArray, x: TypedArray, ix: TypedArray, po: number, pa: number, pi: number,
  n: number, sa: number, so: number, descending: boolean): void {
  const keys = new Array<number>(n);
  for (let i = 0; i < n; i++) keys[i] = x[pa + i * sa];
  // Array.prototype.sort is stable: equal keys keep their positions' order
  const order = Array.from({ length: n }, (_, i) => i)
    .sort((i, j) => (sortsBefore(keys[i], keys[j], descending) ? -1 : sortsBefore(keys[j], keys[i], descending) ? 1 : 0));
  for (let k = 0; k < n; k++) {
    o[po + k * so] = keys[order[k]];
    ix[pi + k * so] = order[k];
  }
}

/** upload/read/readAsync of a backend whose storage is a host typed array (js, cpu, wasm): the
 *  copy into a fresh contiguous array is the backend's own copy kernel. */
export const hostIO: Pick<Backend, "upload" | "read" | "readAsync"> = {
  upload(dst, values) {
    dst.set(values);
  },
  read(this: Backend, src) {
    let n = 1;
    for (const d of src.shape) n *= d;
    if (isContiguous(src.shape, src.strides)) return src.data.slice(src.offset, src.offset + n);
    const out = this.alloc(dtypeOf(src.data), n);
    if (n > 0) this.copy({ data: out, shape: src.shape, strides: contiguousStrides(src.shape), offset: 0 }, src, false);
    return out;
  },
  readAsync(this: Backend, src) {
    return Promise.resolve(this.read(src)!);
  },
};

export const jsBackend: Backend = {
  name: "js",
  ...hostIO,

  alloc(dtype: DType, n: number): TypedArray {
    return new (elementCtor(dtype))(n); // JS typed arrays start zeroed
  },

  unary(op, out, a) {
    // int32 squares wrap exactly (see int32Fns)
    runUnary(op === "square" && out.data instanceof Int32Array ? (x) => Math.imul(x, x) : unaryFns[op], out, a);
  },

  cast(out, a) {
    // float -> int32 truncates toward zero like PyTorch's .to(torch.int32)
    runUnary(out.data instanceof Int32Array ? Math.trunc : (x) => x, out, a);
  },

  binary(op, out, a, b) {
    const o = out.data, x = a.data, y = b.data;
    const intFn = o instanceof Int32Array ? int32Fns[op] : undefined;
    if (op === "div" && o instanceof Int32Array) throw new Error("div: integer division is not a kernel");
    let p = out.offset;
    // each operand contiguous or a broadcast scalar: one loop, nothing allocated
    const sa = flatStep(out.shape, a), sb = flatStep(out.shape, b), flat = sa >= 0 && sb >= 0;
    const n = flat ? numelOf(out.shape) : 0;
    // the four arithmetic ops written out: f is called from every op here (not inlined), and a
    // call's double result is boxed on the heap, one allocation per element
    // (not for an int32 arm of int32Fns: those go through f below)
    if (flat && intFn === undefined) {
      let ia = a.offset, ib = b.offset;
      switch (op) {
        case "add": for (let i = 0; i < n; i++, ia += sa, ib += sb) o[p++] = x[ia] + y[ib]; return;
        case "sub": for (let i = 0; i < n; i++, ia += sa, ib += sb) o[p++] = x[ia] - y[ib]; return;
        case "mul": for (let i = 0; i < n; i++, ia += sa, ib += sb) o[p++] = x[ia] * y[ib]; return;
        case "div": for (let i = 0; i < n; i++, ia += sa, ib += sb) o[p++] = x[ia] / y[ib]; return;
      }
    }
    const f = intFn ?? binaryFns[op]; // looked up only past the four above, which are most calls
    if (flat) {
      for (let i = 0, ia = a.offset, ib = b.offset; i < n; i++, ia += sa, ib += sb) o[p++] = f(x[ia], y[ib]);
      return;
    }
    forEachRun(out.shape, [a, b], ([ia, ib], len, [sa, sb]) => {
      for (let i = 0; i < len; i++, ia += sa, ib += sb) o[p++] = f(x[ia], y[ib]);
    });
  },

  where(out, cond, a, b) {
    const o = out.data, c = cond.data, x = a.data, y = b.data;
    let p = out.offset;
    forEachRun(out.shape, [cond, a, b], ([ic, ia, ib], n, [sc, sa, sb]) => {
      for (let i = 0; i < n; i++, ic += sc, ia += sa, ib += sb) o[p++] = c[ic] !== 0 ? x[ia] : y[ib];
    });
  },

  copy(out, a, accumulate) {
    const o = out.data, x = a.data;
    forEachRun(out.shape, [out, a], ([io, ia], n, [so, sa]) => {
      if (accumulate) for (let i = 0; i < n; i++, io += so, ia += sa) o[io] += x[ia];
      else for (let i = 0; i < n; i++, io += so, ia += sa) o[io] = x[ia];
    });
  },

  fill(out, value) {
    const o = out.data;
    if (flatStep(out.shape, out) === 1) {
      o.fill(value, out.offset, out.offset + numelOf(out.shape));
      return;
    }
    forEachRun(out.shape, [out], ([io], n, [so]) => {
      for (let i = 0; i < n; i++, io += so) o[io] = value;
    });
  },

  reduce(op: ReduceOp, out, a, axes) {
    const o = out.data, x = a.data;
    if (op === "argmax" || op === "argmin") {
      // one argument search per element of the other dims
      const ax = axes.indexOf(true);
      const len = a.shape[ax], sAx = a.strides[ax];
      const outer = a.shape.filter((_, d) => d !== ax);
      const strides = a.strides.filter((_, d) => d !== ax);
      let p = out.offset;
      forEachRun(outer, [{ strides, offset: a.offset }], ([ia], n, [sa]) => {
        for (let i = 0; i < n; i++, ia += sa) o[p++] = argExtreme(x, ia, len, sAx, op === "argmax");
      });
      return;
    }
    const nOut = numelOf(out.shape);
    if (op === "sum" && nOut === 1) {
      const sa = flatStep(a.shape, a);
      if (sa >= 0) {
        // the whole of a flat view into one slot (the usual loss): the loop the general walk ends
        // up in, before any of its per-call arrays are made
        let acc = 0;
        for (let i = 0, n = numelOf(a.shape), ia = a.offset; i < n; i++, ia += sa) acc += x[ia];
        o[out.offset] = acc;
        return;
      }
    }
    // out strides in a's index space: 0 along reduced axes, so every input element lands on its slot
    const outStrides = new Array<number>(a.shape.length);
    let st = 1;
    for (let d = a.shape.length - 1; d >= 0; d--) {
      outStrides[d] = axes[d] ? 0 : st;
      if (!axes[d]) st *= a.shape[d];
    }
    // an Int32Array would store ±Infinity as 0, so integer max/min start from the int32 limits
    const isInt = out.data instanceof Int32Array;
    const init = op === "sum" ? 0 : op === "max" ? (isInt ? -2147483648 : -Infinity) : (isInt ? 2147483647 : Infinity);
    for (let i = 0; i < nOut; i++) o[out.offset + i] = init;
    const ov = { strides: outStrides, offset: out.offset };
    if (op === "sum") {
      // A run along a reduced innermost dim is summed in double, and its slot keeps a double too
      // until one final rounding, as the C kernels do (reduce.c): rounding the slot after each run
      // put a multi-dim mean an ulp off theirs, which batchNorm's 1/√eps once made visible. A kept
      // innermost dim adds element by element into the float32 slots, as C does.
      const f32 = o instanceof Float32Array;
      let wide: Float64Array | null = null; // the float32 slots' doubles, made by the first such run
      forEachRun(a.shape, [ov, a], ([io, ia], n, [so, sa]) => {
        if (so === 0) {
          let acc = 0;
          for (let i = 0; i < n; i++, ia += sa) acc += x[ia];
          if (f32) (wide ??= new Float64Array(nOut))[io - out.offset] += acc;
          else o[io] += acc;
        } else for (let i = 0; i < n; i++, io += so, ia += sa) o[io] += x[ia];
      });
      if (wide) o.set(wide, out.offset);
    } else {
      const isMax = op === "max";
      forEachRun(a.shape, [ov, a], ([io, ia], n, [so, sa]) => {
        for (let i = 0; i < n; i++, io += so, ia += sa) {
          const v = x[ia], cur = o[io];
          if (v !== v || (isMax ? v > cur : v < cur)) o[io] = v;
          else if (cur !== cur) o[io] = cur;
        }
      });
    }
  },

  matmul(out, a, b, bias) {
    const nd = a.shape.length;
    const M = a.shape[nd - 2], K = a.shape[nd - 1], N = b.shape[nd - 1];
    const batch = a.shape.slice(0, nd - 2);
    const sam = a.strides[nd - 2], sak = a.strides[nd - 1];
    const sbk = b.strides[nd - 2], sbn = b.strides[nd - 1];
    const o = out.data, x = a.data, y = b.data;
    let p = out.offset;
    const acc = new Float64Array(N);
    // one matrix per element of the batch dims; loop order i-k-j walks rows of b and out
    forEachRun(batch, [
      { strides: a.strides.slice(0, nd - 2), offset: a.offset },
      { strides: b.strides.slice(0, nd - 2), offset: b.offset },
    ], ([ba, bb], nb, [sba, sbb]) => {
      for (let t = 0; t < nb; t++, ba += sba, bb += sbb) {
        for (let i = 0; i < M; i++) {
          acc.fill(0);
          for (let k = 0; k < K; k++) {
            const av = x[ba + i * sam + k * sak];
            let q = bb + k * sbk;
            for (let j = 0; j < N; j++, q += sbn) acc[j] += av * y[q];
          }
          for (let j = 0; j < N; j++) o[p++] = acc[j];
          // the rounded product, then + bias: the same float32 sums as a matmul and an add
          if (bias) for (let j = 0; j < N; j++) o[p - N + j] += bias.data[bias.offset + j * bias.strides[0]];
        }
      }
    });
  },

  gather(out, a, dim, index) {
    const o = out.data, x = a.data, ix = index.data;
    // walk out and index together; the source offset uses a's strides except along `dim`
    const aStrides = a.strides.map((s, d) => (d === dim ? 0 : s));
    const sDim = a.strides[dim];
    let p = out.offset;
    forEachRun(out.shape, [index, { strides: aStrides, offset: a.offset }], ([ii, ia], n, [si, sa]) => {
      for (let i = 0; i < n; i++, ii += si, ia += sa) o[p++] = x[ia + ix[ii] * sDim];
    });
  },

  scatterAdd(out, dim, index, src, fresh) {
    const o = out.data, s = src.data, ix = index.data;
    if (fresh) o.fill(0, out.offset, out.offset + numelOf(out.shape));
    const oStrides = contiguousStrides(out.shape).map((st, d) => (d === dim ? 0 : st));
    const sDim = contiguousStrides(out.shape)[dim];
    forEachRun(index.shape, [index, src, { strides: oStrides, offset: out.offset }], ([ii, is, io], n, [si, ss, so]) => {
      for (let i = 0; i < n; i++, ii += si, is += ss, io += so) o[io + ix[ii] * sDim] += s[is];
    });
  },

  scan(op, out, a, dim, reverse, indices) {
    forEachLine(a, out.offset, indices ? indices.offset : 0, dim, (po, pa, pi, n, sa, so) =>
      scanLine(op, out.data, a.data, indices ? indices.data : null, po, pa, pi, n, sa, so, reverse));
  },

  sort(values, indices, a, dim, descending) {
    forEachLine(a, values.offset, indices.offset, dim, (po, pa, pi, n, sa, so) =>
      sortLine(values.data, a.data, indices.data, po, pa, pi, n, sa, so, descending));
  },

  random(out, dist, rng) {
    const o = out.data;
    const n = out.shape.reduce((s, d) => s * d, 1);
    if (dist === "uniform") {
      // the global stream fills in bulk (random.ts): the same values as n calls
      const fill = (rng as { fill?: (o: Float32Array | Float64Array, offset: number, n: number) => void }).fill;
      if (fill && !(o instanceof Int32Array)) return fill(o, out.offset, n);
      for (let i = 0; i < n; i++) o[out.offset + i] = rng();
      return;
    }
    // Box-Muller, two normals per pair of uniforms; 1 - u keeps log away from 0
    for (let i = 0; i < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - rng())), th = 2 * Math.PI * rng();
      o[out.offset + i] = r * Math.cos(th);
      if (i + 1 < n) o[out.offset + i + 1] = r * Math.sin(th);
    }
  },
};


registerBackend(jsBackend);
