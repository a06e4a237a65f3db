// The ops that run along one dim of a tensor: scans (cumsum, cumprod, logcumsumexp, cummax,
// cummin), prod, sort/argsort/topk, and max/min with a dim (values and indices). Each primitive
// is one backend call (Backend.scan, Backend.sort) with its backward rule written in Tensor ops,
// so higher-order gradients come for free; the rest are composites of those and of ops.ts.
// Layer 4, beside ops.ts: arguments arrive validated by tensor.ts except tensors and dims.
import { type DType, type ScanOp, isFloat } from "./backend/backend.js";
import { isGradEnabled, noGrad } from "./graph.js";
import { Tensor } from "./core.js";
import { argExtreme, cat, clone, gatherChecked, movedim, narrow, reshape, scatterAdd, sum, unsqueeze, where } from "./ops.js";
import { describe } from "./check.js";
import { fmt, normDim } from "./shape.js";

/**
 * A `{ values, indices }` pair: what PyTorch returns as a named tuple from sort, topk, cummax,
 * cummin and max/min with a dim. `values` has the input's dtype, `indices` is int32, and both
 * have the op's output shape.
 * @example const { values, indices } = tensor([[1, 5], [7, 2]]).max(1); // [5, 7], [1, 0]
 */
export interface ValuesIndices {
  /** The selected (or sorted) values, in the input's dtype. */
  values: Tensor;
  /** Their int32 positions along the dim in the input. */
  indices: Tensor;
}

function tensorArg(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}`);
  return x;
}

/** A view of a 0-d tensor as [1] (scans and sorts of a 0-d tensor are those of one element). */
function lift(x: Tensor): Tensor {
  return x.ndim === 0 ? reshape(x, [1], false) : x;
}
function lower(t: Tensor, x: Tensor): Tensor {
  return x.ndim === 0 ? reshape(t, [], false) : t;
}

/** A tensor of x's dtype and device, full of `v`, shaped like x with dim d of size 1. */
function filled(x: Tensor, d: number, v: number, dtype: DType = x.dtype): Tensor {
  const t = Tensor.alloc(x.shape.map((s, i) => (i === d ? 1 : s)), dtype, x.device);
  t.backend.fill(t, v);
  return t;
}

// ---- the scan primitive ------------------------------------------------------------------------

/** One Backend.scan call along d (x not 0-d), in reverse when asked; indices for cummax/cummin. */
function scanRaw(op: ScanOp, x: Tensor, d: number, reverse: boolean): { out: Tensor; indices: Tensor | null } {
  const out = Tensor.alloc(x.shape, x.dtype, x.device);
  const indices = op === "cummax" || op === "cummin" ? Tensor.alloc(x.shape, "int32", x.device) : null;
  if (x.numel > 0) x.backend.scan(op, out, x, d, reverse, indices);
  return { out, indices };
}

/** cumsum along d, forwards or (reverse) from the end: each is the other's gradient. */
function cumsumDir(x: Tensor, d: number, reverse: boolean): Tensor {
  const { out } = scanRaw("cumsum", x, d, reverse);
  return out.track("cumsum", [x], (g) => [() => cumsumDir(g, d, !reverse)]);
}

function logcumsumexpDir(x: Tensor, d: number, reverse: boolean): Tensor {
  const { out } = scanRaw("logcumsumexp", x, d, reverse);
  return out.track("logcumsumexp", [x], (g) => [() => logcumsumexpGrad(g, x, out, d, reverse)]);
}

/** PyTorch's logcumsumexp_backward: the positive and negative parts of g each through a reverse
 *  logcumsumexp in log space, so nothing overflows: dx_k = Σ_{i>=k} g_i·exp(x_k - out_i). */
function logcumsumexpGrad(g: Tensor, x: Tensor, out: Tensor, d: number, reverse: boolean): Tensor {
  const lowest = x.dtype === "float64" ? -Number.MAX_VALUE : -3.4028234663852886e38; // finite: lowest - out stays finite
  const logAbs = g.abs().log();
  const part = (mask: Tensor) => logcumsumexpDir(where(mask, logAbs, lowest).sub(out), d, !reverse).add(x).exp();
  return part(g.gt(0)).sub(part(g.lt(0)));
}

function cumprodDir(x: Tensor, d: number, reverse: boolean): Tensor {
  const { out } = scanRaw("cumprod", x, d, reverse);
  return out.track("cumprod", [x], (g) => [() => cumprodGrad(g, x, out, d, reverse)]);
}

/**
 * ∂/∂x_k of Σ_i g_i·Π_{j<=i} x_j (j >= i for the reverse scan), exact with zeros in x. Building a
 * graph (second order): the O(n²) form Σ_{i>=k} g_i·Π_{j<=i, j≠k} x_j, with no division.
 * Otherwise PyTorch's O(n) form: before the first zero z1 of a line, Σ_{i>=k} g_i·out_i / x_k (x_k
 * is not 0 there); at z1, the product before it times Σ_{z1<=i<z2} g_i·Π_{z1<j<=i} x_j; after, 0.
 */
function cumprodGrad(g: Tensor, x: Tensor, out: Tensor, d: number, reverse: boolean): Tensor {
  const n = x.shape[d];
  if (n <= 1) return g;
  if (isGradEnabled()) {
    // n² elements per line: refuse clearly before an allocation fails
    if ((x.numel / n) * n * n > 2 ** 28) {
      throw new Error(`cumprod: the gradient graph for second derivatives takes n² elements per line of n; lines of ${n} (shape ${fmt(x.shape)}) are too long for it`);
    }
    // lines as the last dim: Y[.., k, j] = x_j, or 1 at j = k; its scan over j, kept for i >= k
    // (i <= k in reverse), summed against g over i
    const xl = movedim(x, d, -1), gl = movedim(g, d, -1);
    const r = Tensor.arange(n, undefined, 1, { device: x.device }), k = unsqueeze(r, -1);
    const y = where(r.eq(k), 1, unsqueeze(xl, -2).expand([...xl.shape.slice(0, -1), n, n]));
    const c = where(reverse ? r.le(k) : r.ge(k), cumprodDir(y, y.ndim - 1, reverse), 0);
    return movedim(sum(c.mul(unsqueeze(gl, -2)), -1), -1, d);
  }
  const isZero = x.eq(0);
  const count = cumsumDir(isZero, d, reverse); // zeros up to and including k, in scan order
  const before = count.eq(0), one = count.eq(1);
  const first = isZero.mul(one), between = one.sub(first);
  const gBefore = where(before, cumsumDir(where(before, out.mul(g), 0), d, !reverse).div(where(before, x, 1)), 0);
  const atZero = sum(cumprodDir(where(between, x, 1), d, reverse).mul(where(one, g, 0)), d, true)
    .mul(prodAlong(where(before, x, 1), d, true));
  return gBefore.add(where(first, atZero, 0));
}

/** The product along d (kept as size 1 when keepdim). Gradient: g times the products of the
 *  elements before and after each one (exclusive cumprods both ways), exact with zeros. */
function prodAlong(x: Tensor, d: number, keepdim: boolean): Tensor {
  const n = x.shape[d];
  let out: Tensor;
  if (n === 0) out = filled(x, d, 1);
  else {
    out = noGrad(() => clone(narrow(scanRaw("cumprod", x, d, false).out, d, n - 1, 1)));
    out.track("prod", [x], (g) => [() => {
      const ones = filled(x, d, 1);
      const before = cumprodDir(cat([ones, narrow(x, d, 0, n - 1)], d), d, false);
      const after = cumprodDir(cat([narrow(x, d, 1, n - 1), ones], d), d, true);
      return g.expand(x.shape).mul(before).mul(after);
    }]);
  }
  return keepdim ? out : reshape(out, x.shape.filter((_, i) => i !== d), false);
}

// ---- public scans ------------------------------------------------------------------------------

/** torch.cumsum: running sums along `dim` (int32 stays int32 and wraps; PyTorch gives int64). */
export function cumsum(x: Tensor, dim: number): Tensor {
  tensorArg("cumsum", x);
  const d = normDim("cumsum", dim, x.ndim);
  return lower(cumsumDir(lift(x), d, false), x);
}

/** torch.cumprod: running products along `dim`; gradients exact with zeros in x. */
export function cumprod(x: Tensor, dim: number): Tensor {
  tensorArg("cumprod", x);
  const d = normDim("cumprod", dim, x.ndim);
  return lower(cumprodDir(lift(x), d, false), x);
}

/** torch.logcumsumexp: log Σ_{j<=i} exp(x_j) along `dim`, computed without overflow. Float only. */
export function logcumsumexp(x: Tensor, dim: number): Tensor {
  tensorArg("logcumsumexp", x);
  if (!isFloat(x.dtype)) throw new Error(`logcumsumexp: expects a floating-point tensor, got ${x.dtype} (cast it with .float())`);
  const d = normDim("logcumsumexp", dim, x.ndim);
  return lower(logcumsumexpDir(lift(x), d, false), x);
}

/** torch.cummax / torch.cummin: running extremes and their positions (the later one at ties; NaN
 *  wins and stays). The gradient goes to the position each value came from. */
export function cumExtreme(op: "cummax" | "cummin", x: Tensor, dim: number): ValuesIndices {
  tensorArg(op, x);
  const d = normDim(op, dim, x.ndim);
  const xl = lift(x);
  const { out, indices } = scanRaw(op, xl, d, false);
  const ix = indices!;
  out.track(op, [xl], (g) => [() => scatterAdd(xl.shape, d, ix, g)]);
  return { values: lower(out, x), indices: lower(ix, x) };
}

/** torch.prod: the product of all elements (0-d), or along `dim` (kept as size 1 with keepdim). */
export function prod(x: Tensor, dim?: number, keepdim = false): Tensor {
  tensorArg("prod", x);
  if (dim === undefined) {
    const all = prodAlong(reshape(x, [-1], false), 0, false);
    return keepdim ? reshape(all, x.shape.map(() => 1), false) : all;
  }
  const d = normDim("prod", dim, x.ndim);
  if (x.ndim === 0) return clone(x);
  return prodAlong(x, d, keepdim);
}

// ---- sorting -----------------------------------------------------------------------------------

/** torch.sort (always stable): values and int32 indices along `dim`; NaN sorts as the largest
 *  value. The gradient of the values goes back through the indices. */
export function sort(x: Tensor, dim: number, descending: boolean): ValuesIndices {
  tensorArg("sort", x);
  const d = normDim("sort", dim, x.ndim); // a 0-d tensor takes dim 0 or -1, as one element
  const xl = lift(x);
  const values = Tensor.alloc(xl.shape, xl.dtype, xl.device), indices = Tensor.alloc(xl.shape, "int32", xl.device);
  if (xl.numel > 0) xl.backend.sort(values, indices, xl, d, descending);
  values.track("sort", [xl], (g) => [() => scatterAdd(xl.shape, d, indices, g)]);
  return { values: lower(values, x), indices: lower(indices, x) };
}

/** torch.topk: the k largest (or smallest) values along `dim` and their indices, largest first
 *  (smallest first when !largest). NaN counts as the largest value. */
export function topk(x: Tensor, k: number, dim: number, largest: boolean): ValuesIndices {
  tensorArg("topk", x);
  const d = normDim("topk", dim, x.ndim);
  const n = x.ndim === 0 ? 1 : x.shape[d];
  if (k > n) throw new Error(`topk: k (${k}) is larger than the size ${n} of dim ${dim} (shape ${fmt(x.shape)})`);
  const s = sort(x, dim, largest);
  if (x.ndim === 0) return s;
  return { values: narrow(s.values, d, 0, k), indices: clone(narrow(s.indices, d, 0, k)) };
}

// ---- max/min along a dim -------------------------------------------------------------------------

/** torch.max(x, dim) / torch.min(x, dim): the extreme of each line and the index of its first
 *  occurrence (NaN is the extreme). The gradient goes to that index only, as PyTorch's. */
export function extremeDim(op: "max" | "min", x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  tensorArg(op, x);
  const d = normDim(op, dim, x.ndim);
  if (x.ndim === 0) return { values: clone(x), indices: filled(x, 0, 0, "int32") };
  if (x.shape[d] === 0) throw new Error(`${op}: cannot reduce over dim ${dim} of size 0 (shape ${fmt(x.shape)})`);
  const indices = argExtreme(op === "max" ? "argmax" : "argmin", x, d, true);
  const values = gatherChecked(x, d, indices); // argmax's indices are in range: no check (no read)
  if (keepdim) return { values, indices };
  const shape = x.shape.filter((_, i) => i !== d);
  return { values: reshape(values, shape, false), indices: reshape(indices, shape, false) };
}
