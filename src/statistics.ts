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
import { hostValues, lerp } from "./tensor_ops.js";

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
      // PyTorch interpolates with its lerp (weights of 0.5 and more from the upper end)
      v = lerp(at(below), at(above), how === "midpoint" ? 0.5 : noGrad(() => rank.sub(below)));
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
  // summed as int32: a float32 sum of ones is exact only up to 2^24
  return noGrad(() => x.ne(0).cast("int32").sum(dims));
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

// ---- searching and counting ----------------------------------------------------------------------

/** Options of {@link searchsorted}. */
export interface SearchsortedOptions {
  /** Return the last position where each value fits (after equal entries) instead of the first. */
  right?: boolean;
  /** "left" or "right": the same as `right` (PyTorch's `side`). */
  side?: "left" | "right";
}

/** Values compared per chunk: chunks keep the [values, sequence] comparison at most this big. */
const SEARCH_CHUNK = 1 << 22;

/**
 * For each value, the index where it would be inserted into the sorted last dim of `sortedSequence`
 * to keep it sorted (`torch.searchsorted`): the count of entries below it, or (right) at most it.
 * A 1-D sequence serves every value; an N-D one has the values' leading dims. NaN sorts last: a NaN
 * value goes after every number. int32 out, no gradient.
 * @throws unless the sequence is 1-D or has the values' leading dims; for both `right` and a
 *   contradicting `side`
 * @example
 * searchsorted(tensor([1, 3, 5, 7]), tensor([0, 3, 6])); // [0, 1, 3]
 */
export function searchsorted(sortedSequence: Tensor, values: Tensor | number, opts?: SearchsortedOptions): Tensor {
  const op = "searchsorted";
  checkTensor(op, "sortedSequence", sortedSequence);
  const o = checkOptions(op, opts, ["right", "side"]);
  const right = o.right === undefined ? false : checkBool(op, "right", o.right);
  const side = o.side === undefined ? undefined : checkEnum(op, "side", o.side, ["left", "right"] as const);
  if (side !== undefined && o.right !== undefined && (side === "right") !== right) throw new Error(`${op}: side '${side}' contradicts right ${right}`);
  const upper = side === "right" || right;
  const v = typeof values === "number" ? Tensor.full([], values, { device: sortedSequence.device, dtype: sortedSequence.dtype }) : checkTensor(op, "values", values);
  if (sortedSequence.ndim === 0) throw new Error(`${op}: sortedSequence must have at least 1 dim, got a 0-d tensor`);
  const lead = sortedSequence.shape.slice(0, -1);
  if (sortedSequence.ndim > 1 && (v.ndim !== sortedSequence.ndim || lead.some((s, i) => s !== v.shape[i]))) {
    throw new Error(`${op}: an N-D sortedSequence ${fmt(sortedSequence.shape)} needs values with its leading dims ${fmt(lead)}, got ${fmt(v.shape)}`);
  }
  const n = sortedSequence.shape[sortedSequence.ndim - 1];
  return noGrad(() => {
    // entries strictly below (or at most) each value; a NaN value counts every entry, NaN entries included
    const count = (vals: Tensor): Tensor => {
      const seq = sortedSequence.ndim === 1 ? sortedSequence : sortedSequence.unsqueeze(-2); // [..., 1, n]
      const vv = vals.unsqueeze(-1); // [..., m, 1]
      const below = upper ? seq.le(vv) : seq.lt(vv);
      return below.maximum(vv.isnan()).cast("int32").sum(-1);
    };
    if (v.ndim === 0) return ops.reshape(count(ops.reshape(v, [1], false)), [], false);
    const m = v.shape[v.ndim - 1], step = Math.max(1, Math.floor(SEARCH_CHUNK / Math.max(1, n * (v.numel / Math.max(1, m)))));
    if (m <= step) return count(v);
    const parts: Tensor[] = [];
    for (let s = 0; s < m; s += step) parts.push(count(v.narrow(-1, s, Math.min(step, m - s))));
    return ops.cat(parts, -1);
  });
}

/**
 * The index of the bucket each input falls into, buckets bounded by the sorted 1-D `boundaries`
 * (`torch.bucketize`): boundaries[i−1] < x ≤ boundaries[i], or with `right` boundaries[i−1] ≤ x <
 * boundaries[i]. int32, input's shape, no gradient.
 * @throws unless boundaries is 1-D
 * @example
 * bucketize(tensor([0, 3, 6]), tensor([1, 3, 5])); // [0, 1, 3]
 */
export function bucketize(input: Tensor, boundaries: Tensor, opts?: { right?: boolean }): Tensor {
  checkTensor("bucketize", "input", input);
  checkTensor("bucketize", "boundaries", boundaries);
  const o = checkOptions("bucketize", opts, ["right"]);
  if (boundaries.ndim !== 1) throw new Error(`bucketize: boundaries must be 1-D, got shape ${fmt(boundaries.shape)}`);
  return searchsorted(boundaries, input, { right: o.right === undefined ? false : checkBool("bucketize", "right", o.right) });
}

/** Options of {@link histc}. */
export interface HistcOptions {
  /** The number of equal bins (default 100). */
  bins?: number;
  /** The lower end of the range (with max; both 0 by default: the data's own range). */
  min?: number;
  /** The upper end of the range. */
  max?: number;
}

/**
 * A histogram of `bins` equal bins over [min, max] (`torch.histc`): the count of elements in each
 * (max itself in the last bin); elements outside the range, and NaN, are not counted. min = max
 * (both 0 by default) takes the data's minimum and maximum (widened by 1 each way when they are
 * equal). Float, no gradient.
 * @throws for an int32 input, bins < 1, min > max, or (host devices) a data range that is not finite
 * @example
 * tensor([1, 2, 1]).histc({ bins: 4, min: 0, max: 3 }); // [0, 2, 1, 0]
 */
export function histc(input: Tensor, opts?: HistcOptions): Tensor {
  const op = "histc";
  checkTensor(op, "input", input);
  if (!isFloat(input.dtype)) throw new Error(`${op}: input must be a floating-point tensor, got ${input.dtype}`);
  const o = checkOptions(op, opts, ["bins", "min", "max"]);
  const bins = checkInt(op, "bins", o.bins ?? 100, 1);
  const min = o.min ?? 0, max = o.max ?? 0;
  for (const [k, v] of [["min", min], ["max", max]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${op}: ${k} must be a finite number, got ${describe(v)}`);
  }
  if (min > max) throw new Error(`${op}: min (${min}) must not exceed max (${max})`);
  return noGrad(() => {
    const x = input.reshape([-1]);
    // the range: as given, or the data's (NaN left out), each widened by 1 when its ends are equal
    let lo: number | Tensor = min, hi: number | Tensor = max;
    if (min === max && x.numel > 0) {
      const finite = ops.where(x.isnan(), 0, x);
      const [a, b] = [finite.amin(), finite.amax()];
      if (hostReadable(x.data)) {
        const [av, bv] = [a.item(), b.item()];
        if (!Number.isFinite(av) || !Number.isFinite(bv)) throw new Error(`${op}: the data's range [${av}, ${bv}] is not finite; give min and max`);
        [lo, hi] = av === bv ? [av - 1, bv + 1] : [av, bv];
      } else {
        const same = a.eq(b);
        [lo, hi] = [a.sub(same), b.add(same)];
      }
    } else if (min === max) {
      [lo, hi] = [min - 1, max + 1];
    }
    const inside = x.ge(lo).mul(x.le(hi));
    const width = typeof hi === "number" && typeof lo === "number" ? hi - lo : (hi as Tensor).sub(lo);
    const bin = x.sub(lo).mul(bins).div(width).floor().clamp(0, bins - 1);
    const idx = ops.where(inside, bin, 0).cast("int32");
    return Tensor.zeros([bins], { device: input.device, dtype: input.dtype }).scatterAdd(0, idx, inside.cast(input.dtype));
  });
}

/** Options of {@link unique}. */
export interface UniqueOptions {
  /** Also return, for each input element, the index of its value in the output. */
  returnInverse?: boolean;
  /** Also return how often each value occurs. */
  returnCounts?: boolean;
}

/** The result of {@link unique}: the sorted distinct values, and what was asked for. */
export interface UniqueResult {
  /** The distinct values in ascending order (NaN last, each NaN distinct), 1-D. */
  values: Tensor;
  /** With returnInverse: int32, the input's shape, the index of each element's value in `values`. */
  inverse?: Tensor;
  /** With returnCounts: int32, how often each of `values` occurs. */
  counts?: Tensor;
}

function uniqueOf(input: Tensor, vals: ArrayLike<number>, opts: UniqueOptions | undefined): UniqueResult {
  const o = checkOptions("unique", opts, ["returnInverse", "returnCounts"]);
  const wantInverse = o.returnInverse === undefined ? false : checkBool("unique", "returnInverse", o.returnInverse);
  const wantCounts = o.returnCounts === undefined ? false : checkBool("unique", "returnCounts", o.returnCounts);
  const n = vals.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const x = vals[a], y = vals[b];
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? a - b : 1) : -1;
    return x - y || a - b;
  });
  const out: number[] = [], counts: number[] = [], inverse = new Int32Array(n);
  for (const i of order) {
    const v = vals[i];
    if (out.length === 0 || !(v === out[out.length - 1])) {
      out.push(v);
      counts.push(0);
    }
    counts[counts.length - 1]++;
    inverse[i] = out.length - 1;
  }
  const r: UniqueResult = { values: Tensor.fromHost([out.length], input.dtype, input.device, (a) => a.set(out)) };
  if (wantInverse) r.inverse = Tensor.fromHost(input.shape, "int32", input.device, (a) => a.set(inverse));
  if (wantCounts) r.counts = Tensor.fromHost([counts.length], "int32", input.device, (a) => a.set(counts));
  return r;
}

/**
 * The sorted distinct values of a tensor (`torch.unique` with sorted=True over all elements), with
 * the inverse indices and counts on request. The output's size depends on the values: on host
 * devices they are read here; on webgpu use {@link uniqueAsync}. NaN values are all distinct and
 * sort last (PyTorch 1.13 on CPU places them elsewhere). No gradient.
 * @throws on webgpu (use uniqueAsync), or for an unknown option
 * @example
 * unique(tensor([3, 1, 3, 2]), { returnCounts: true }); // values [1, 2, 3], counts [1, 1, 2]
 */
export function unique(input: Tensor, opts?: UniqueOptions): UniqueResult {
  checkTensor("unique", "input", input);
  return uniqueOf(input, hostValues("unique", input, "uniqueAsync(input)"), opts);
}

/** {@link unique} on every device (webgpu included): resolves once the values are read.
 *  @example const { values } = await uniqueAsync(labels); */
export async function uniqueAsync(input: Tensor, opts?: UniqueOptions): Promise<UniqueResult> {
  checkTensor("unique", "input", input);
  return uniqueOf(input, await input.toTypedArrayAsync(), opts);
}

/** Options of {@link bincount}. */
export interface BincountOptions {
  /** Weights, one per input element: each bin sums its elements' weights instead of counting. */
  weights?: Tensor | null;
  /** The least number of bins (default 0). */
  minlength?: number;
}

function bincountOf(input: Tensor, vals: ArrayLike<number>, opts: BincountOptions | undefined): Tensor {
  const op = "bincount";
  const o = checkOptions(op, opts, ["weights", "minlength"]);
  if (input.dtype !== "int32" || input.ndim !== 1) throw new Error(`${op}: input must be a 1-D int32 tensor, got ${input.dtype} of shape ${fmt(input.shape)}`);
  const minlength = checkInt(op, "minlength", o.minlength ?? 0, 0);
  let top = -1;
  for (let i = 0; i < vals.length; i++) {
    if (vals[i] < 0) throw new Error(`${op}: input must be non-negative, got ${vals[i]} at index ${i}`);
    if (vals[i] > top) top = vals[i];
  }
  const size = Math.max(top + 1, minlength);
  const w = o.weights ?? null;
  if (w !== null) {
    checkTensor(op, "weights", w);
    if (w.ndim !== 1 || w.shape[0] !== input.shape[0]) throw new Error(`${op}: weights must be 1-D with the input's length ${input.shape[0]}, got shape ${fmt(w.shape)}`);
    return noGrad(() => Tensor.zeros([size], { device: input.device, dtype: isFloat(w.dtype) ? w.dtype : "float32" }).scatterAdd(0, input, w.cast(isFloat(w.dtype) ? w.dtype : "float32")));
  }
  return Tensor.fromHost([size], "int32", input.device, (a) => {
    for (let i = 0; i < vals.length; i++) a[vals[i]]++;
  });
}

/**
 * How often each value 0..max occurs in a 1-D int32 tensor (`torch.bincount`; int32 counts where
 * PyTorch gives int64), or the sum of `weights` per value. The output's length depends on the
 * values: on host devices they are read here; on webgpu use {@link bincountAsync}. No gradient.
 * @throws for an input that is not 1-D int32, a negative value, weights of another length, or on webgpu
 * @example
 * bincount(tensor([1, 1, 3], { dtype: "int32" })); // [0, 2, 0, 1]
 */
export function bincount(input: Tensor, opts?: BincountOptions): Tensor {
  checkTensor("bincount", "input", input);
  return bincountOf(input, hostValues("bincount", input, "bincountAsync(input)"), opts);
}

/** {@link bincount} on every device (webgpu included): resolves once the values are read.
 *  @example const counts = await bincountAsync(labels, { minlength: 10 }); */
export async function bincountAsync(input: Tensor, opts?: BincountOptions): Promise<Tensor> {
  checkTensor("bincount", "input", input);
  return bincountOf(input, await input.toTypedArrayAsync(), opts);
}

// ---- pairs of reductions -------------------------------------------------------------------------

/** The result of {@link aminmax}. */
export interface MinMax {
  /** The minimum (`amin`). */
  min: Tensor;
  /** The maximum (`amax`). */
  max: Tensor;
}

/** Options of {@link aminmax}. */
export interface AminmaxOptions extends KeepdimOptions {
  /** The dim to reduce (all when omitted). */
  dim?: number;
}

/**
 * The minimum and maximum at once (`torch.aminmax`): `{ min, max }`, each as `amin`/`amax` (NaN
 * propagates, ties share the gradient).
 * @example tensor([[1, 5], [7, 2]]).aminmax({ dim: 1 }); // min [1, 2], max [5, 7]
 */
export function aminmax(x: Tensor, opts?: AminmaxOptions): MinMax {
  checkTensor("aminmax", "input", x);
  const o = checkOptions("aminmax", opts, ["dim", "keepdim"]);
  const keepdim = o.keepdim === undefined ? false : checkBool("aminmax", "keepdim", o.keepdim);
  if (o.dim !== undefined) checkInt("aminmax", "dim", o.dim);
  if (x.numel === 0) throw new Error(`aminmax: cannot reduce an empty tensor (shape ${fmt(x.shape)})`);
  return o.dim === undefined ? { min: x.amin({ keepdim }), max: x.amax({ keepdim }) } : { min: x.amin(o.dim, { keepdim }), max: x.amax(o.dim, { keepdim }) };
}

/** Options of {@link varMean} and {@link stdMean}. */
export interface VarMeanOptions extends KeepdimOptions {
  /** Subtracted from the count in the variance's divisor (default 1, Bessel's correction). */
  correction?: number;
}

/**
 * The variance and the mean over `dim` (all dims when omitted) at once (`torch.var_mean`): [var, mean].
 * @example const [v, m] = varMean(x, 1);
 */
export function varMean(x: Tensor, dim?: number | readonly number[], opts?: VarMeanOptions): [Tensor, Tensor] {
  return pairOf("varMean", x, dim, opts, false);
}

/**
 * The standard deviation and the mean over `dim` (all dims when omitted) at once (`torch.std_mean`): [std, mean].
 * @example const [s, m] = stdMean(x, 1, { correction: 0 });
 */
export function stdMean(x: Tensor, dim?: number | readonly number[], opts?: VarMeanOptions): [Tensor, Tensor] {
  return pairOf("stdMean", x, dim, opts, true);
}

function pairOf(op: string, x: Tensor, dim: number | readonly number[] | undefined, opts: VarMeanOptions | undefined, std: boolean): [Tensor, Tensor] {
  checkTensor(op, "input", x);
  const o = checkOptions(op, opts, ["keepdim", "correction"]);
  const keepdim = o.keepdim === undefined ? false : checkBool(op, "keepdim", o.keepdim);
  const r = { keepdim, correction: o.correction ?? 1 };
  const d = dim === undefined ? undefined : normDims(op, dim, x.ndim);
  return [d === undefined ? (std ? x.std(r) : x.var(r)) : std ? x.std(d, r) : x.var(d, r), d === undefined ? x.mean({ keepdim }) : x.mean(d, { keepdim })];
}
