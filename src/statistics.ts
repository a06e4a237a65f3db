// Order statistics and NaN-ignoring reductions, composites of sort, gather and the reductions:
// median, nanmedian, kthvalue, quantile, nanquantile, nansum, nanmean, countNonzero. Their
// gradients are those of sort (to the picked positions) and of the sums, on every device.
import { Tensor } from "./core.js";
import { hostReadable, isFloat } from "./backend/backend.js";
import { noGrad } from "./graph.js";
import { fmt, normDim, normDims } from "./shape.js";
import * as ops from "./ops.js";
import { sort, type ValuesIndices } from "./scans.js";
import { checkBool, checkEnum, checkInt, checkOptions, checkTensor, describe } from "./functional/args.js";

/** Options of the order statistics along one dim: keep it with size 1. */
export interface KeepdimOptions {
  /** Keep the reduced dim with size 1 (default false). */
  keepdim?: boolean;
}

/** How {@link quantile} picks between the two order statistics around a quantile's rank. */
export type QuantileInterpolation = "linear" | "lower" | "higher" | "midpoint" | "nearest";

/** Options of {@link quantile} and {@link nanquantile}. */
export interface QuantileOptions extends KeepdimOptions {
  /** Between the order statistics below and above the rank q·(n − 1): "linear" (default), "lower",
   *  "higher", "midpoint" or "nearest" (the rank rounded half to even), as PyTorch. */
  interpolation?: QuantileInterpolation;
}

function keepdimOf(op: string, opts: KeepdimOptions | undefined): boolean {
  const o = checkOptions(op, opts, ["keepdim"]);
  return o.keepdim === undefined ? false : checkBool(op, "keepdim", o.keepdim);
}

/** The line's size along d and, per line (d kept), the count of NaN as float32 (0 for int32). */
function lineCounts(op: string, x: Tensor, d: number): { n: number; nans: Tensor } {
  const n = x.shape[d];
  if (n === 0) throw new Error(`${op}: cannot reduce over dim ${d} of size 0 (shape ${fmt(x.shape)})`);
  return { n, nans: noGrad(() => x.isnan().sum(d, { keepdim: true })) };
}

/** The sorted line's entries at the int32 positions `pos` (d kept, size 1): values and the input's indices. */
function atSorted(x: Tensor, d: number, pos: Tensor): ValuesIndices {
  const s = sort(x, d, false);
  return { values: ops.gatherChecked(s.values, d, pos), indices: ops.gatherChecked(s.indices, d, pos) };
}

/** The tensor and dim of a reduction over one dim, or over all (flattened) when dim is undefined. */
function along(x: Tensor, dim: number | undefined, op: string): [Tensor, number] {
  if (dim === undefined) return [ops.reshape(x, [-1], false), 0];
  checkInt(op, "dim", dim);
  return x.ndim === 0 ? [ops.reshape(x, [1], false), normDim(op, dim, 0)] : [x, normDim(op, dim, x.ndim)];
}

/** x's shape reduced over `dim` (all dims when undefined), the dim kept as 1 with keepdim. */
function reducedShape(x: Tensor, dim: number | undefined, keepdim: boolean): number[] {
  if (dim === undefined) return keepdim ? x.shape.map(() => 1) : [];
  const d = normDim("reduce", dim, x.ndim);
  return x.ndim === 0 ? [] : x.shape.flatMap((s, i) => (i !== d ? [s] : keepdim ? [1] : []));
}

/**
 * The median of each line along `dim`: the lower of the two middle values for an even count, as
 * PyTorch's `torch.median` (not their mean). A line holding a NaN has median NaN at its first NaN.
 * Without a dim, the median of all elements (a 0-d tensor); with one, `{ values, indices }` (the
 * index of the picked element; among equal values, the one a stable sort puts there).
 * The gradient goes to the picked element.
 * @throws for an empty line, or a dim out of range
 * @example
 * tensor([[3, 1, 2, 4]]).median(1); // values [2], indices [2]
 * tensor([3, 1, 2, 4]).median(); // 2
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number, opts?: KeepdimOptions): ValuesIndices;
export function median(x: Tensor, dim?: number, opts?: KeepdimOptions): Tensor | ValuesIndices {
  const r = medianOf("median", x, dim, opts, false);
  return dim === undefined ? r.values : r;
}

/**
 * {@link median} that ignores NaN (`torch.nanmedian`): the lower median of each line's other values;
 * NaN only for a line of NaN.
 * @example
 * tensor([[5, NaN, 1, 2]]).nanmedian(1); // values [2], indices [3]
 */
export function nanmedian(x: Tensor): Tensor;
export function nanmedian(x: Tensor, dim: number, opts?: KeepdimOptions): ValuesIndices;
export function nanmedian(x: Tensor, dim?: number, opts?: KeepdimOptions): Tensor | ValuesIndices {
  const r = medianOf("nanmedian", x, dim, opts, true);
  return dim === undefined ? r.values : r;
}

function medianOf(op: string, x: Tensor, dim: number | undefined, opts: KeepdimOptions | undefined, skipNan: boolean): ValuesIndices {
  checkTensor(op, "input", x);
  const keepdim = keepdimOf(op, opts);
  const [xl, d] = along(x, dim, op);
  const { n, nans } = lineCounts(op, xl, d);
  // NaN sorts last: the first NaN sits at n − nans; the lower median of the others at ⌊(n − nans − 1)/2⌋
  const pos = noGrad(() => {
    const valid = nans.neg().add(n);
    const mid = valid.sub(1).div(2).floor().clamp(0);
    return (skipNan ? mid : ops.where(nans.gt(0), valid, mid)).cast("int32");
  });
  const r = atSorted(xl, d, pos);
  const shape = reducedShape(x, dim, keepdim);
  return { values: ops.reshape(r.values, shape, false), indices: ops.reshape(r.indices, shape, false) };
}

/**
 * The k-th smallest element (k from 1) of each line along `dim` (default -1) and its index
 * (`torch.kthvalue`); NaN counts as the largest value. The gradient goes to that element.
 * @throws for k outside 1..size, or a dim out of range
 * @example
 * tensor([[3, 1, 2, 4]]).kthvalue(2, 1); // values [2], indices [2]
 */
export function kthvalue(x: Tensor, k: number, dim = -1, opts?: KeepdimOptions): ValuesIndices {
  checkTensor("kthvalue", "input", x);
  const keepdim = keepdimOf("kthvalue", opts);
  const [xl, d] = along(x, dim, "kthvalue");
  const n = xl.shape[d];
  checkInt("kthvalue", "k", k);
  if (k < 1 || k > n) throw new Error(`kthvalue: k must be in 1..${n} (the size of dim ${dim} of shape ${fmt(x.shape)}), got ${k}`);
  const pos = Tensor.full(xl.shape.map((s, i) => (i === d ? 1 : s)), k - 1, { dtype: "int32", device: x.device });
  const r = atSorted(xl, d, pos);
  const shape = reducedShape(x, dim, keepdim);
  return { values: ops.reshape(r.values, shape, false), indices: ops.reshape(r.indices, shape, false) };
}

/** q as host numbers in [0, 1], and whether it was a scalar (no q dim in the output). */
function quantileQs(op: string, q: number | readonly number[] | Tensor): { qs: number[]; scalar: boolean } {
  let qs: number[];
  let scalar = false;
  if (typeof q === "number") [qs, scalar] = [[q], true];
  else if (Array.isArray(q)) qs = [...(q as readonly unknown[])] as number[];
  else if (q instanceof Tensor) {
    if (q.ndim > 1) throw new Error(`${op}: q must be a number, an array of numbers or a 0-d or 1-D tensor, got shape ${fmt(q.shape)}`);
    if (!hostReadable(q.data)) throw new Error(`${op}: q on device '${q.device}' cannot be read here; pass the quantiles as numbers`);
    qs = Array.from(q.toTypedArray());
    scalar = q.ndim === 0;
  } else throw new Error(`${op}: q must be a number, an array of numbers or a tensor, got ${describe(q)}`);
  for (const v of qs) if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`${op}: q must be in [0, 1], got ${describe(v)}`);
  return { qs, scalar };
}

/**
 * The q-th quantiles of each line along `dim` (all elements when omitted), `torch.quantile`: at
 * rank q·(n − 1) of the sorted line, between the order statistics below and above it as
 * `interpolation` says (linear by default, with PyTorch's lerp). A line holding a NaN gives NaN.
 * q is a number (the output has the reduced shape) or several (an array or a 1-D tensor: a
 * leading dim of that length). The gradient goes to the one or two elements used.
 * @throws for an int32 input, q outside [0, 1], an empty line, an unknown interpolation
 * @example
 * tensor([1, 2, 3, 4]).quantile(0.5); // 2.5
 * tensor([[1, 2, 3, 4]]).quantile([0.25, 0.75], 1); // [[1.75], [3.25]]
 */
export function quantile(x: Tensor, q: number | readonly number[] | Tensor, dim?: number, opts?: QuantileOptions): Tensor {
  return quantileOf("quantile", x, q, dim, opts, false);
}

/** {@link quantile} that ignores NaN (`torch.nanquantile`): each line's quantiles among its other
 *  values; NaN only for a line of NaN.
 *  @example tensor([1, NaN, 3]).nanquantile(0.5); // 2 */
export function nanquantile(x: Tensor, q: number | readonly number[] | Tensor, dim?: number, opts?: QuantileOptions): Tensor {
  return quantileOf("nanquantile", x, q, dim, opts, true);
}

function quantileOf(op: string, x: Tensor, q: number | readonly number[] | Tensor, dim: number | undefined, opts: QuantileOptions | undefined, skipNan: boolean): Tensor {
  checkTensor(op, "input", x);
  if (!isFloat(x.dtype)) throw new Error(`${op}: input must be a floating-point tensor, got ${x.dtype}`);
  const o = checkOptions(op, opts, ["keepdim", "interpolation"]);
  const keepdim = o.keepdim === undefined ? false : checkBool(op, "keepdim", o.keepdim);
  const how = checkEnum(op, "interpolation", o.interpolation ?? "linear", ["linear", "lower", "higher", "midpoint", "nearest"] as const);
  const { qs, scalar } = quantileQs(op, q);
  const [xl, d] = along(x, dim, op);
  const { n, nans } = lineCounts(op, xl, d);
  const sorted = sort(xl, d, false).values;
  const shape = reducedShape(x, dim, keepdim);
  const outs = qs.map((qv) => {
    // the rank q·(n − 1) in float32, as PyTorch computes it in the input's dtype; as PyTorch, a line
    // holding a NaN takes the last rank (quantile: a NaN, sorted last) and nanquantile counts only
    // the other values (a line of NaN: rank 0, a NaN), so the result is NaN and its gradient goes there
    const rank = noGrad(() => (skipNan ? nans.neg().add(n - 1).clamp(0).mul(Math.fround(qv)) : ops.where(nans.gt(0), n - 1, nans.mul(0).add((n - 1) * Math.fround(qv)))));
    const below = noGrad(() => rank.floor()), above = noGrad(() => rank.ceil());
    const at = (r: Tensor) => ops.gatherChecked(sorted, d, noGrad(() => r.cast("int32")));
    let v: Tensor;
    if (how === "lower") v = at(below);
    else if (how === "higher") v = at(above);
    else if (how === "nearest") v = at(noGrad(() => rank.round()));
    else {
      const lo = at(below), hi = at(above);
      const w = how === "midpoint" ? 0.5 : noGrad(() => rank.sub(below));
      // PyTorch's lerp: weights of 0.5 and more from the upper end
      const diff = hi.sub(lo);
      v = how === "midpoint" ? hi.sub(diff.mul(0.5)) : ops.where(noGrad(() => (w as Tensor).lt(0.5)), lo.add(diff.mul(w)), hi.sub(diff.mul(noGrad(() => (w as Tensor).neg().add(1)))));
    }
    return ops.reshape(v, shape, false);
  });
  return scalar ? outs[0] : ops.stack(outs, 0);
}

/**
 * The sum over `dim` (all dims when omitted) treating NaN as 0 (`torch.nansum`).
 * @example tensor([1, NaN, 2]).nansum(); // 3
 */
export function nansum(x: Tensor, dim?: number | readonly number[], opts?: KeepdimOptions): Tensor {
  checkTensor("nansum", "input", x);
  const keepdim = keepdimOf("nansum", opts);
  const dims = normDims("nansum", dim, x.ndim);
  return ops.where(noGrad(() => x.isnan()), 0, x).sum(dims, { keepdim });
}

/**
 * The mean over `dim` (all dims when omitted) of the elements that are not NaN (`torch.nanmean`):
 * NaN where all are NaN.
 * @throws for an int32 input
 * @example tensor([1, NaN, 2]).nanmean(); // 1.5
 */
export function nanmean(x: Tensor, dim?: number | readonly number[], opts?: KeepdimOptions): Tensor {
  checkTensor("nanmean", "input", x);
  if (!isFloat(x.dtype)) throw new Error(`nanmean: input must be a floating-point tensor, got ${x.dtype}`);
  const keepdim = keepdimOf("nanmean", opts);
  const dims = normDims("nanmean", dim, x.ndim);
  const nan = noGrad(() => x.isnan());
  return ops.where(nan, 0, x).sum(dims, { keepdim }).div(noGrad(() => nan.neg().add(1).sum(dims, { keepdim })));
}

/**
 * The number of nonzero elements over `dim` (all dims when omitted), as int32 (`torch.count_nonzero`,
 * which gives int64). NaN counts as nonzero.
 * @example tensor([[0, 1], [2, 0]]).countNonzero(0); // [1, 1]
 */
export function countNonzero(x: Tensor, dim?: number | readonly number[]): Tensor {
  checkTensor("countNonzero", "input", x);
  const dims = normDims("countNonzero", dim, x.ndim);
  return noGrad(() => x.ne(0).sum(dims).cast("int32"));
}

// ---- sampling ------------------------------------------------------------------------------------

/** Options of {@link multinomial}. */
export interface MultinomialOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
}

/**
 * Draws category indices from each row of (unnormalised) probabilities, [C] or [B, C] → [S] or
 * [B, S], int32 (`torch.multinomial`), from the stream `manualSeed` seeds. With replacement each
 * draw inverts the row's cumulative distribution; without, the S largest of log p + Gumbel noise
 * (the same distribution as drawing one at a time and removing it). The draws differ from
 * PyTorch's (another generator), not their distribution.
 * On host devices a row must be finite, non-negative and not all zero, and without replacement
 * hold at least S nonzero entries (errors, as PyTorch's); webgpu does not read the values back to
 * check them: such a row's samples are -1 there.
 * @throws for a shape other than [C] or [B, C], numSamples < 1, or (host devices) a row as above
 * @example
 * manualSeed(0);
 * const ids = tensor([[0.1, 0.6, 0.3]]).multinomial(2); // [1, 2] or another pair of distinct classes
 */
export function multinomial(probs: Tensor, numSamples: number, opts?: MultinomialOptions): Tensor {
  const op = "multinomial";
  checkTensor(op, "input", probs);
  if (!isFloat(probs.dtype)) throw new Error(`${op}: input must be a floating-point tensor of probabilities, got ${probs.dtype}`);
  if (probs.ndim !== 1 && probs.ndim !== 2) throw new Error(`${op}: input must be 1-D or 2-D ([C] or [B, C]), got shape ${fmt(probs.shape)}`);
  checkInt(op, "numSamples", numSamples, 1);
  const o = checkOptions(op, opts, ["replacement"]);
  const replacement = o.replacement === undefined ? false : checkBool(op, "replacement", o.replacement);
  const p = probs.ndim === 1 ? probs.unsqueeze(0) : probs;
  const [b, c] = p.shape;
  if (c === 0) throw new Error(`${op}: input has no categories (shape ${fmt(probs.shape)})`);
  if (!replacement && numSamples > c) throw new Error(`${op}: cannot draw ${numSamples} samples without replacement from ${c} categories`);
  return noGrad(() => {
    const bad = p.lt(0).maximum(p.isfinite().neg().add(1)).amax(1, { keepdim: true }).maximum(p.sum(1, { keepdim: true }).eq(0));
    const nonzero = p.ne(0).sum(1, { keepdim: true });
    if (hostReadable(p.data)) {
      const rows = bad.toTypedArray(), counts = nonzero.toTypedArray();
      for (let r = 0; r < b; r++) {
        if (rows[r]) throw new Error(`${op}: row ${r} of the probabilities has a negative, infinite or NaN entry, or sums to 0`);
        if (!replacement && counts[r] < numSamples) throw new Error(`${op}: row ${r} has ${counts[r]} nonzero probabilities, fewer than the ${numSamples} samples to draw without replacement`);
      }
    }
    let idx: Tensor;
    if (replacement) {
      // the first category whose cumulative probability exceeds u ∈ [0, 1): the count of those ≤ u,
      // the distribution normalised by its own last entry so that it ends at exactly 1
      const cdf = p.cumsum(1);
      const norm = cdf.div(cdf.narrow(1, c - 1, 1));
      const u = Tensor.rand([b, numSamples, 1], { device: p.device, dtype: p.dtype });
      idx = norm.unsqueeze(1).le(u).sum(2).clamp(null, c - 1).cast("int32");
    } else {
      const g = Tensor.rand([b, c], { device: p.device, dtype: p.dtype }).log().neg().log().neg();
      idx = p.log().add(g).topk(numSamples, 1).indices;
    }
    if (!hostReadable(p.data)) idx = ops.where(bad.maximum(replacement ? 0 : nonzero.lt(numSamples)), -1, idx).cast("int32");
    return probs.ndim === 1 ? idx.squeeze(0) : idx;
  });
}

/**
 * 0/1 draws with the given probabilities, in p's shape and dtype (`torch.bernoulli`), from the
 * stream `manualSeed` seeds: 1 where a uniform draw in [0, 1) is below p. On host devices p must
 * be in [0, 1] (an error otherwise, as PyTorch's); webgpu does not read p back to check it: there
 * p > 1 draws 1 and p < 0 or NaN draws 0.
 * @throws for an int32 p, or (host devices) p outside [0, 1]
 * @example
 * manualSeed(0);
 * const mask = Tensor.full([3], 0.5).bernoulli(); // e.g. [1, 0, 0]
 */
export function bernoulli(p: Tensor): Tensor {
  checkTensor("bernoulli", "input", p);
  if (!isFloat(p.dtype)) throw new Error(`bernoulli: input must be a floating-point tensor of probabilities, got ${p.dtype}`);
  return noGrad(() => {
    if (hostReadable(p.data) && p.numel > 0 && p.ge(0).mul(p.le(1)).amin().item() === 0) {
      throw new Error("bernoulli: probabilities must be in [0, 1]");
    }
    return Tensor.randLike(p).lt(p).cast(p.dtype);
  });
}
