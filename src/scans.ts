// The ops that run along one dim of a tensor: scans (cumsum, cumprod, logcumsumexp, cummax,
// cummin), prod, sort/argsort/topk, and max/min with a dim (values and indices). Each primitive
// is one backend call (Backend.scan, Backend.sort) with its backward rule written in Tensor ops,
// so higher-order gradients come for free; the rest are composites of those and of ops.ts.
// Layer 4, beside ops.ts: arguments arrive validated by tensor.ts except tensors and dims.
import { type DType, type ScanOp, isFloat } from "./backend/backend.js";
import { noGrad } from "./graph.js";
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
  return out.track("cumprod", [x], (g) => [() => cumprodGrad(g, x, d, reverse)]);
}

/** x shifted by one along d towards the end (reverse: towards the start), `fill` coming in. */
function shifted(x: Tensor, d: number, reverse: boolean, fill: number): Tensor {
  const n = x.shape[d], edge = filled(x, d, fill);
  return reverse ? cat([narrow(x, d, 1, n - 1), edge], d) : cat([edge, narrow(x, d, 0, n - 1)], d);
}

/**
 * ∂/∂x_k of Σ_i g_i·Π_{j<=i} x_j (j >= i for the reverse scan), exact with zeros in x and without
 * a division: Σ_{i>=k} g_i·Π_{j<=i, j≠k} x_j = E_k·S_k, with E_k = Π_{j<k} x_j (an exclusive
 * cumprod) and S_k = g_k + x_{k+1}·S_{k+1} (S past the end is 0). S is a linear recurrence,
 * solved by doubling (Hillis-Steele): after a step of span s, S_k = B_k + A_k·S_{k+s}, and two
 * spans compose as A_k·A_{k+s}, B_k + A_k·B_{k+s}. O(n log n) work in log2(n) steps of Tensor ops,
 * so second derivatives come from the same graph. (PyTorch divides by x before a line's first
 * zero, and builds an O(n²) graph for second order.)
 */
function cumprodGrad(g: Tensor, x: Tensor, d: number, reverse: boolean): Tensor {
  const n = x.shape[d];
  if (n <= 1) return g;
  // positions k and k+s are "k and s further along the scan": towards the end, or the start in reverse
  const head = (t: Tensor, s: number) => narrow(t, d, reverse ? s : 0, n - s); // the k that have a k+s
  const tail = (t: Tensor, s: number) => narrow(t, d, reverse ? 0 : n - s, s); // the k that do not
  const ahead = (t: Tensor, s: number) => narrow(t, d, reverse ? 0 : s, n - s); // their k+s
  const join = (h: Tensor, t: Tensor) => (reverse ? cat([t, h], d) : cat([h, t], d));
  let a = shifted(x, d, !reverse, 1); // a_k = x_{k+1}
  let b = g;
  for (let s = 1; s < n; s *= 2) {
    const nb = join(head(b, s).add(head(a, s).mul(ahead(b, s))), tail(b, s));
    if (s * 2 < n) a = join(head(a, s).mul(ahead(a, s)), tail(a, s));
    b = nb;
  }
  return cumprodDir(shifted(x, d, reverse, 1), d, reverse).mul(b);
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
      const before = cumprodDir(shifted(x, d, false, 1), d, false), after = cumprodDir(shifted(x, d, true, 1), d, true);
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

/** torch.cumprod: running products along `dim`; gradients without a division, exact with zeros in x. */
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
