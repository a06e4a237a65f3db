// Pooling as composites of views: padding by concatenation, sliding windows by unfold (a strided
// view), then a mean; adaptive means by gathered windows; every max pool (1-3 dims, adaptive or
// not) by one index table of taps and PyTorch's scan order, and plain 2-D max pools by the
// backends' fused kernel where there is one. Divisors and index tables depend only on shapes, so
// they are built on the host and uploaded once: nothing here reads a tensor's values, and every
// device runs it.
import { Tensor } from "../core.js";
import { where } from "../ops.js";
import * as fused from "../fused.js";
import { fmt } from "../shape.js";
import { type Args, checkArity, checkBool, checkInt, describe, given, parseArgs, tuple } from "./args.js";

/** PyTorch's pooling_output_shape: windows of `k` (dilated extent) every `s` over `size` padded by `p`;
 *  with ceilMode a last partial window counts if it starts inside the input or the left padding. */
function outputSize(size: number, k: number, s: number, p: number, ceil: boolean): number {
  let out = Math.floor((size + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

/** The spatial dims of a pooling input: the last `nd` of an [N, C, ...] or unbatched [C, ...] tensor. */
function checkPoolInput(op: string, input: Tensor, nd: number): void {
  if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${describe(input)}`);
  if (input.ndim !== nd + 1 && input.ndim !== nd + 2) {
    throw new Error(`${op}: expects a ${nd + 1}-D (unbatched) or ${nd + 2}-D (batched) input, got shape ${fmt(input.shape)}`);
  }
  if (input.dtype === "int32") throw new Error(`${op}: expects a floating-point input, got int32`);
  for (let d = input.ndim - nd; d < input.ndim; d++) {
    if (input.shape[d] === 0) throw new Error(`${op}: spatial dims of input ${fmt(input.shape)} must be non-empty`);
  }
}

/** x with `before` and `after` entries of `value` added along dim. */
function padDim(x: Tensor, dim: number, before: number, after: number, value: number): Tensor {
  if (before === 0 && after === 0) return x;
  const side = (n: number) => Tensor.full(x.shape.map((s, i) => (i === dim ? n : s)), value, { dtype: x.dtype, device: x.device });
  return Tensor.cat([...(before ? [side(before)] : []), x, ...(after ? [side(after)] : [])], dim);
}

interface Geometry {
  k: number;
  s: number;
  p: number;
  d: number;
  out: number;
  size: number;
}

/** Validated geometry of one spatial dim. */
function geometry(op: string, size: number, k: number, s: number, p: number, d: number, ceil: boolean, padLimit: number): Geometry {
  if (p > padLimit / 2) throw new Error(`${op}: padding ${p} should be at most half of the kernel size ${padLimit}`);
  const ext = (k - 1) * d + 1;
  const out = outputSize(size, ext, s, p, ceil);
  if (out < 1) throw new Error(`${op}: the kernel ${k}${d > 1 ? ` (dilation ${d})` : ""} with padding ${p} does not fit a spatial size of ${size}`);
  return { k, s, p, d, out, size };
}

/** The windows of x over its last dims (one Geometry each, padded with `value`), as new last dims
 *  [..., out_1, ..., out_n, k_1, ..., k_n]. */
function windows(x: Tensor, geo: Geometry[], value: number): Tensor {
  const nd = geo.length, lead = x.ndim - nd;
  geo.forEach((g, i) => {
    const ext = (g.k - 1) * g.d + 1;
    const right = Math.max(0, (g.out - 1) * g.s + ext - g.size - g.p); // covers the ceilMode overhang too
    x = padDim(x, lead + i, g.p, right, value);
  });
  geo.forEach((g, i) => {
    x = x.unfold(lead + i, (g.k - 1) * g.d + 1, g.s);
    if (g.d > 1) x = x.slice(...Array<[]>(x.ndim - 1).fill([]), [null, null, g.d]);
  });
  return x;
}

/** PyTorch's avg_pool divisor for each output position along one dim: the window's size clipped
 *  to the padded input (countIncludePad) or to the input itself. */
function divisors(g: Geometry, countIncludePad: boolean): number[] {
  return Array.from({ length: g.out }, (_, o) => {
    let start = o * g.s - g.p;
    let end = Math.min(start + g.k, g.size + g.p);
    const pool = end - start;
    start = Math.max(start, 0);
    end = Math.min(end, g.size);
    return countIncludePad ? pool : end - start;
  });
}

interface AvgPoolArgs {
  stride?: number | number[] | null;
  padding?: number | number[];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

function avgPool(op: string, nd: number, input: Tensor, kernelSize: number | readonly number[], a: AvgPoolArgs): Tensor {
  checkPoolInput(op, input, nd);
  const k = tuple(op, "kernelSize", kernelSize, nd, 1);
  const s = a.stride == null || (Array.isArray(a.stride) && a.stride.length === 0) ? k : tuple(op, "stride", a.stride, nd, 1);
  const p = tuple(op, "padding", given(a.padding, 0), nd, 0);
  const ceil = checkBool(op, "ceilMode", given(a.ceilMode, false));
  const countIncludePad = checkBool(op, "countIncludePad", given(a.countIncludePad, true));
  const override = a.divisorOverride == null ? null : checkInt(op, "divisorOverride", a.divisorOverride, 1);
  const lead = input.ndim - nd;
  const geo = k.map((kk, i) => geometry(op, input.shape[lead + i], kk, s[i], p[i], 1, ceil, kk));
  const win = windows(input, geo, 0);
  const sums = win.sum(win.shape.map((_, i) => i).slice(win.ndim - nd));
  if (override !== null) return sums.div(override);
  // the divisor of each output position: the product of its per-dim divisors
  const per = geo.map((g) => divisors(g, countIncludePad));
  const outShape = geo.map((g) => g.out);
  const uniform = per.every((d) => d.every((v) => v === d[0]));
  if (uniform) return sums.div(per.reduce((acc, d) => acc * d[0], 1));
  const div = Tensor.fromHost(outShape, input.dtype, input.device, (arr) => {
    const n = arr.length;
    for (let i = 0; i < n; i++) {
      let rem = i, v = 1;
      for (let j = nd - 1; j >= 0; j--) {
        v *= per[j][rem % outShape[j]];
        rem = Math.floor(rem / outShape[j]);
      }
      arr[i] = v;
    }
  });
  return sums.div(div);
}

type Ints = number | readonly number[];

/**
 * Mean over windows of the last dim of [N, C, L] or [C, L] (torch.nn.functional.avg_pool1d(input,
 * kernel_size, stride=kernel_size, padding=0, ceil_mode=False, count_include_pad=True)).
 * @throws Error for an input of another rank or int32, or a kernel, stride or padding that does not fit.
 * @example
 * const y = F.avgPool1d(x, 2); // [N, C, 10] → [N, C, 5]
 */
export function avgPool1d(
  input: Tensor, kernelSize: Ints,
  ...args: Args<[stride: Ints | null, padding: Ints, ceilMode: boolean, countIncludePad: boolean],
    Omit<AvgPoolArgs, "divisorOverride">>
): Tensor {
  return avgPool("avgPool1d", 1, input, kernelSize, parseArgs("avgPool1d", args, ["stride", "padding", "ceilMode", "countIncludePad"]));
}

/**
 * Mean over kernel windows of [N, C, H, W] or [C, H, W] (torch.nn.functional.avg_pool2d, with
 * divisorOverride).
 * @throws Error for an input of another rank or int32, or a kernel, stride or padding that does not fit.
 * @example
 * const y = F.avgPool2d(x, 2);                         // [N, C, 8, 8] → [N, C, 4, 4]
 * const z = F.avgPool2d(x, 3, { stride: 1, padding: 1 });
 */
export function avgPool2d(
  input: Tensor, kernelSize: Ints,
  ...args: Args<[stride: Ints | null, padding: Ints, ceilMode: boolean, countIncludePad: boolean, divisorOverride: number | null],
    AvgPoolArgs>
): Tensor {
  return avgPool("avgPool2d", 2, input, kernelSize,
    parseArgs("avgPool2d", args, ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"]));
}

/** Options of `F.maxPool1d` (also accepted positionally, in PyTorch's order). */
export interface MaxPool1dOptions {
  /** Step between windows; default (or null) the kernel size. */
  stride?: Ints | null;
  /** -∞ added on each side, at most half the kernel. Default 0. */
  padding?: Ints;
  /** Spacing between a window's taps. Default 1. */
  dilation?: Ints;
  /** Round the output length up, so a last partial window counts. Default false. */
  ceilMode?: boolean;
  /** Also return the int32 index of each maximum. Default false. */
  returnIndices?: boolean;
}

/**
 * Max over windows of the last dim of [N, C, L] or [C, L] (torch.nn.functional.max_pool1d(input,
 * kernel_size, stride=kernel_size, padding=0, dilation=1, ceil_mode=False, return_indices=False)).
 * The gradient goes to each window's first maximum, like PyTorch's. With returnIndices it returns
 * [values, indices], the indices (int32) into the unpadded last dim.
 * @throws Error for an input of another rank or int32, or a kernel, stride, padding or dilation that does not fit.
 * @example
 * const y = F.maxPool1d(x, 2);                              // [N, C, 10] → [N, C, 5]
 * const [v, i] = F.maxPool1d(x, 3, { returnIndices: true });
 */
export function maxPool1d(input: Tensor, kernelSize: Ints, opts: MaxPool1dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool1d(
  input: Tensor, kernelSize: Ints,
  ...args: Args<[stride: Ints | null, padding: Ints, dilation: Ints, ceilMode: boolean], MaxPool1dOptions & { returnIndices?: false }>
): Tensor;
export function maxPool1d(input: Tensor, kernelSize: Ints, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  return maxPoolNd("maxPool1d", 1, input, kernelSize, args);
}

/** Options of `F.maxPool2d` (also accepted positionally, in PyTorch's order): those of
 *  `F.maxPool1d`, each a number or one per dim [h, w]. */
export type MaxPool2dOptions = MaxPool1dOptions;

/**
 * Max over kernel windows of [N, C, H, W] or [C, H, W] (torch.nn.functional.max_pool2d(input,
 * kernel_size, stride=kernel_size, padding=0, dilation=1, ceil_mode=False, return_indices=False)):
 * padding (at most half the kernel) is −∞; NaN propagates, and the gradient goes to each window's
 * first maximum (its last NaN), like PyTorch's. With returnIndices it returns [values, indices],
 * the int32 indices h·W + w into each input plane.
 * @throws Error for an input of another rank or int32, or a kernel, stride, padding or dilation that does not fit.
 * @example
 * const y = F.maxPool2d(x, 2);                                          // [N, C, 28, 28] → [N, C, 14, 14]
 * const z = F.maxPool2d(x, 3, { stride: 2, padding: 1 });
 * const [v, i] = F.maxPool2d(x, 2, { dilation: 2, ceilMode: true, returnIndices: true });
 */
export function maxPool2d(input: Tensor, kernelSize: Ints, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(
  input: Tensor, kernelSize: Ints,
  ...args: Args<[stride: Ints | null, padding: Ints, dilation: Ints, ceilMode: boolean], MaxPool2dOptions & { returnIndices?: false }>
): Tensor;
export function maxPool2d(input: Tensor, kernelSize: Ints, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  return maxPoolNd("maxPool2d", 2, input, kernelSize, args);
}

/** The max pools of 1 to 3 dims: PyTorch's arguments read and checked, then the windows as taps
 *  (maxOverTaps), or for plain 2-D windows (no dilation, ceil mode or indices) the backends' fused
 *  one-pass kernel over the −∞-padded input where there is one. */
function maxPoolNd(op: string, nd: number, input: Tensor, kernelSize: Ints, args: readonly unknown[]): Tensor | [Tensor, Tensor] {
  const a = parseArgs(op, args, ["stride", "padding", "dilation", "ceilMode", "returnIndices"]);
  checkPoolInput(op, input, nd);
  const k = tuple(op, "kernelSize", kernelSize, nd, 1);
  const s = a.stride == null || (Array.isArray(a.stride) && a.stride.length === 0) ? k : tuple(op, "stride", a.stride, nd, 1);
  const p = tuple(op, "padding", given(a.padding, 0), nd, 0), d = tuple(op, "dilation", given(a.dilation, 1), nd, 1);
  const ceil = checkBool(op, "ceilMode", given(a.ceilMode, false));
  const returnIndices = checkBool(op, "returnIndices", a.returnIndices ?? false);
  // PyTorch limits the padding by the undilated kernel
  const geo = k.map((kk, i) => geometry(op, input.shape[input.ndim - nd + i], kk, s[i], p[i], d[i], ceil, kk));
  if (nd === 2 && !returnIndices && !ceil && d.every((v) => v === 1)) {
    const x = input.ndim === 3 ? input.unsqueeze(0) : input;
    const y = fused.maxPool2d(padDim(padDim(x, 2, p[0], p[0], -Infinity), 3, p[1], p[1], -Infinity), k[0], k[1], s[0], s[1]);
    if (y) return input.ndim === 3 ? y.squeeze(0) : y;
  }
  const taps = geo.map((g) => Array.from({ length: g.out }, (_, o) => Array.from({ length: g.k }, (_, j) => o * g.s - g.p + j * g.d)));
  return maxOverTaps(input, taps, returnIndices);
}

/** [start, end) of adaptive window i of `out` over `size`: floor(i·size/out) to ceil((i+1)·size/out). */
function adaptiveRange(i: number, size: number, out: number): [number, number] {
  return [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
}

function adaptiveSizes(op: string, input: Tensor, nd: number, outputSize: unknown): number[] {
  checkPoolInput(op, input, nd);
  const raw = typeof outputSize === "number" || outputSize === null ? Array<unknown>(nd).fill(outputSize) : outputSize;
  if (!Array.isArray(raw) || raw.length !== nd) {
    throw new Error(`${op}: outputSize must be a positive integer or an array of ${nd}, got ${describe(outputSize)}`);
  }
  // null keeps that dim's input size, as PyTorch's None does
  return raw.map((o, i) => (o === null && nd > 1 ? input.shape[input.ndim - nd + i] : checkInt(op, "outputSize", o, 1)));
}

/** Adaptive mean over the last dim: a reshape when the windows are equal; else each window's taps
 *  gathered (short windows padded), the padding masked out and the sum divided by the window's
 *  length, as PyTorch sums a window and divides. (A product with an averaging matrix multiplied
 *  every element by every window's weight, 0 outside the window, so one inf or NaN made every
 *  window of its row NaN: 0·inf.) */
export function adaptiveAvgLast(x: Tensor, out: number): Tensor {
  const size = x.shape[x.ndim - 1];
  if (size % out === 0) return x.reshape([...x.shape.slice(0, -1), out, size / out]).mean(-1);
  const { taps, kmax } = adaptiveTaps(size, out);
  const picked = x.indexSelect(-1, tapIndex(taps, x.device)).reshape([...x.shape.slice(0, -1), out, kmax]);
  const ranges = Array.from({ length: out }, (_, i) => adaptiveRange(i, size, out));
  const inside = Tensor.fromHost([out, kmax], x.dtype, x.device, (t) => ranges.forEach(([s, e], i) => t.fill(1, i * kmax, i * kmax + e - s)));
  const lengths = Tensor.fromHost([out], x.dtype, x.device, (t) => ranges.forEach(([s, e], i) => (t[i] = e - s)));
  return where(inside, picked, 0).sum(-1).div(lengths);
}

/**
 * Means over outputSize adaptive windows of the last dim of [N, C, L] or [C, L]
 * (torch.nn.functional.adaptive_avg_pool1d).
 * @throws Error for an input of another rank or int32, an outputSize that is not positive, or a third argument.
 * @example
 * const y = F.adaptiveAvgPool1d(x, 1); // [N, C, L] → [N, C, 1]
 */
export function adaptiveAvgPool1d(input: Tensor, outputSize: Ints): Tensor {
  checkArity("adaptiveAvgPool1d", arguments, ["input", "outputSize"]);
  const [o] = adaptiveSizes("adaptiveAvgPool1d", input, 1, outputSize);
  return adaptiveAvgLast(input, o);
}

/**
 * Means over adaptive windows of [N, C, H, W] or [C, H, W] giving outputSize [OH, OW] (null keeps
 * a size) (torch.nn.functional.adaptive_avg_pool2d).
 * @throws Error for an input of another rank or int32, an outputSize that is not positive, or a third argument.
 * @example
 * const y = F.adaptiveAvgPool2d(x, [1, 1]); // global average pooling
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  checkArity("adaptiveAvgPool2d", arguments, ["input", "outputSize"]);
  const [oh, ow] = adaptiveSizes("adaptiveAvgPool2d", input, 2, outputSize);
  return adaptiveAvgLast(adaptiveAvgLast(input.transpose(-1, -2), oh).transpose(-1, -2), ow);
}

/** The input positions of each adaptive window, [out, kmax], short windows padded by repeating
 *  their last position (a repeat changes neither the maximum nor which one comes first). */
function adaptiveTaps(size: number, out: number): { taps: number[][]; kmax: number } {
  const ranges = Array.from({ length: out }, (_, i) => adaptiveRange(i, size, out));
  const kmax = Math.max(...ranges.map(([s, e]) => e - s));
  return { taps: ranges.map(([s, e]) => Array.from({ length: kmax }, (_, j) => Math.min(s + j, e - 1))), kmax };
}

/** adaptiveTaps' positions, window by window, as an int32 index */
function tapIndex(taps: number[][], device: string): Tensor {
  return Tensor.from(Int32Array.from(taps.flat()), { dtype: "int32", device });
}

/**
 * Max over adaptive windows of [N, C, H, W] or [C, H, W] (torch.nn.functional.adaptive_max_pool2d);
 * the gradient goes to each window's first maximum. With returnIndices it returns [values, indices],
 * the int32 indices h·W + w into each input plane.
 * @example
 * const y = F.adaptiveMaxPool2d(x, 2);
 * const [v, i] = F.adaptiveMaxPool2d(x, 2, { returnIndices: true });
 */
export function adaptiveMaxPool2d(input: Tensor, outputSize: number | readonly (number | null)[], opts: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(input: Tensor, outputSize: number | readonly (number | null)[], opts?: { returnIndices?: false }): Tensor;
export function adaptiveMaxPool2d(input: Tensor, outputSize: number | readonly (number | null)[], ...args: unknown[]): Tensor | [Tensor, Tensor] {
  const op = "adaptiveMaxPool2d";
  const a = parseArgs(op, args, ["returnIndices"]);
  const out = adaptiveSizes(op, input, 2, outputSize);
  return maxOverTaps(input, adaptiveWindows(input, out), checkBool(op, "returnIndices", a.returnIndices ?? false));
}

// ---- 3-D pooling, and every max pool: the max over an index table of taps

/**
 * The max over windows given as taps: `dims[i][o]` lists the input coordinates along pooled dim i
 * of output o's taps (-1: padding). The last `dims.length` dims of x are flattened into one plane,
 * each window's taps gathered by a host table, and the max taken as PyTorch's kernels do: a scan
 * for `val > max || isnan(val)` from −∞, so the first maximum, or else the LAST NaN, and in a window
 * of −∞ (or all padding) the first position the scan starts at. A padding tap reads that first
 * position (a repeat of a real tap: neither the max nor its first index changes); a window that is
 * all padding reads an appended −∞. Indices are int32 flat positions in the input plane.
 */
function maxOverTaps(input: Tensor, dims: number[][][], returnIndices: boolean): Tensor | [Tensor, Tensor] {
  const nd = dims.length, sizes = input.shape.slice(-nd), lead = input.shape.slice(0, -nd);
  const outs = dims.map((t) => t.length), ks = dims.map((t) => t[0].length);
  const nOut = outs.reduce((a, b) => a * b, 1), k = ks.reduce((a, b) => a * b, 1), plane = sizes.reduce((a, b) => a * b, 1);
  const strides = sizes.map((_, i) => sizes.slice(i + 1).reduce((a, b) => a * b, 1));
  const pos = new Int32Array(nOut * k), idx = new Int32Array(nOut * k), rank = new Float32Array(nOut * k);
  let emptyWindow = false;
  for (let a = 0; a < nOut; a++) {
    const o: number[] = [];
    for (let i = nd - 1, r = a; i >= 0; i--) {
      o[i] = r % outs[i];
      r = Math.floor(r / outs[i]);
    }
    // where PyTorch's scan starts: each dim's first tap at or past 0 (past the input only when that
    // dim's window is all padding: an out-of-range index, as PyTorch reports it)
    const firsts = o.map((oi, i) => dims[i][oi].find((c) => c >= 0) ?? 0);
    const empty = firsts.some((f, i) => f >= sizes[i]);
    emptyWindow ||= empty;
    const first = firsts.reduce((acc, f, i) => acc + f * strides[i], 0);
    for (let b = 0; b < k; b++) {
      let flat = 0, padTap = false;
      for (let i = nd - 1, r = b; i >= 0; i--) {
        const c = dims[i][o[i]][r % ks[i]];
        r = Math.floor(r / ks[i]);
        if (c < 0 || c >= sizes[i]) padTap = true;
        flat += c * strides[i];
      }
      pos[a * k + b] = empty ? plane : padTap ? first : flat;
      idx[a * k + b] = padTap ? first : flat;
      rank[a * k + b] = padTap ? 0 : b + 1; // the real taps' order, for the last NaN
    }
  }
  let flat = input.reshape([...lead, plane]);
  if (emptyWindow) flat = Tensor.cat([flat, Tensor.full([...lead, 1], -Infinity, { dtype: input.dtype, device: input.device })], -1);
  const winShape = [...lead, ...outs, k];
  const taps = flat.indexSelect(-1, Tensor.from(pos, { dtype: "int32", device: input.device })).reshape(winShape);
  const nanRank = taps.isnan().mul(Tensor.from(rank, { shape: [...outs, k], device: input.device }));
  const arg = where(nanRank.sum(-1, { keepdim: true }).gt(0), nanRank.argmax(-1, { keepdim: true }), taps.argmax(-1, { keepdim: true }));
  const values = taps.gather(-1, arg).squeeze(-1);
  if (!returnIndices) return values;
  const table = Tensor.from(idx, { dtype: "int32", shape: [...outs, k], device: input.device });
  return [values, table.expand(winShape).gather(-1, arg).squeeze(-1)];
}

/** Options of `F.maxPool3d` (also accepted positionally, in PyTorch's order): those of `F.maxPool1d`,
 *  each a number or one per dim [d, h, w]. */
export type MaxPool3dOptions = MaxPool1dOptions;

/**
 * Max over kernel windows of [N, C, D, H, W] or [C, D, H, W] (torch.nn.functional.max_pool3d(input,
 * kernel_size, stride=kernel_size, padding=0, dilation=1, ceil_mode=False, return_indices=False)):
 * padding (at most half the kernel) is −∞; NaN propagates, and the gradient goes to each window's
 * first maximum (its last NaN), like PyTorch's. With returnIndices it returns [values, indices],
 * the int32 indices (d·H + h)·W + w into each input volume.
 * @throws Error for an input of another rank or int32, or a kernel, stride, padding or dilation that does not fit.
 * @example
 * const y = F.maxPool3d(x, 2);                                      // [N, C, 8, 8, 8] → [N, C, 4, 4, 4]
 * const [v, i] = F.maxPool3d(x, 3, { stride: 2, padding: 1, returnIndices: true });
 */
export function maxPool3d(input: Tensor, kernelSize: Ints, opts: MaxPool3dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool3d(
  input: Tensor, kernelSize: Ints,
  ...args: Args<[stride: Ints | null, padding: Ints, dilation: Ints, ceilMode: boolean], MaxPool3dOptions & { returnIndices?: false }>
): Tensor;
export function maxPool3d(input: Tensor, kernelSize: Ints, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  return maxPoolNd("maxPool3d", 3, input, kernelSize, args);
}

/**
 * Mean over kernel windows of [N, C, D, H, W] or [C, D, H, W] (torch.nn.functional.avg_pool3d(input,
 * kernel_size, stride=kernel_size, padding=0, ceil_mode=False, count_include_pad=True,
 * divisor_override=None)): each window's sum divided by its size, clipped as PyTorch's.
 * @throws Error for an input of another rank or int32, or a kernel, stride or padding that does not fit.
 * @example
 * const y = F.avgPool3d(x, 2);                                   // [N, C, 8, 8, 8] → [N, C, 4, 4, 4]
 * const z = F.avgPool3d(x, 3, { stride: 1, padding: 1, countIncludePad: false });
 */
export function avgPool3d(
  input: Tensor, kernelSize: Ints,
  ...args: Args<[stride: Ints | null, padding: Ints, ceilMode: boolean, countIncludePad: boolean, divisorOverride: number | null],
    AvgPoolArgs>
): Tensor {
  return avgPool("avgPool3d", 3, input, kernelSize,
    parseArgs("avgPool3d", args, ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"]));
}

/**
 * Means over adaptive windows of [N, C, D, H, W] or [C, D, H, W] giving outputSize [OD, OH, OW]
 * (null keeps a size; one number for all three) (torch.nn.functional.adaptive_avg_pool3d). Averaged
 * one dim at a time over gathered windows (no product with an averaging matrix: an inf stays in its
 * windows).
 * @throws Error for an input of another rank or int32, an outputSize that is not positive, or a third argument.
 * @example
 * const y = F.adaptiveAvgPool3d(x, 1);            // global average pooling: [N, C, 1, 1, 1]
 * const z = F.adaptiveAvgPool3d(x, [null, 3, 3]);
 */
export function adaptiveAvgPool3d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  checkArity("adaptiveAvgPool3d", arguments, ["input", "outputSize"]);
  const [od, oh, ow] = adaptiveSizes("adaptiveAvgPool3d", input, 3, outputSize);
  const depth = adaptiveAvgLast(input.movedim(-3, -1), od).movedim(-1, -3);
  return adaptiveAvgLast(adaptiveAvgLast(depth.transpose(-1, -2), oh).transpose(-1, -2), ow);
}

/** adaptiveTaps' windows per pooled dim, as maxOverTaps reads them. */
const adaptiveWindows = (input: Tensor, out: number[]): number[][][] =>
  out.map((o, i) => adaptiveTaps(input.shape[input.ndim - out.length + i], o).taps);

/**
 * Max over outputSize adaptive windows of the last dim of [N, C, L] or [C, L]
 * (torch.nn.functional.adaptive_max_pool1d): window i spans ⌊i·L/out⌋ to ⌈(i+1)·L/out⌉. NaN
 * propagates; the gradient goes to each window's first maximum (its last NaN). With returnIndices
 * it returns [values, indices], the int32 positions in L.
 * @throws Error for an input of another rank or int32, or an outputSize that is not positive.
 * @example
 * const y = F.adaptiveMaxPool1d(x, 4);                                 // [N, C, L] → [N, C, 4]
 * const [v, i] = F.adaptiveMaxPool1d(x, 1, { returnIndices: true });
 */
export function adaptiveMaxPool1d(input: Tensor, outputSize: Ints, opts: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool1d(input: Tensor, outputSize: Ints, ...args: Args<[returnIndices: false], { returnIndices?: false }>): Tensor;
export function adaptiveMaxPool1d(input: Tensor, outputSize: Ints, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  const op = "adaptiveMaxPool1d";
  const a = parseArgs(op, args, ["returnIndices"]);
  const out = adaptiveSizes(op, input, 1, outputSize);
  return maxOverTaps(input, adaptiveWindows(input, out), checkBool(op, "returnIndices", a.returnIndices ?? false));
}

/**
 * Max over adaptive windows of [N, C, D, H, W] or [C, D, H, W] giving outputSize [OD, OH, OW] (null
 * keeps a size; one number for all three) (torch.nn.functional.adaptive_max_pool3d). NaN
 * propagates; the gradient goes to each window's first maximum (its last NaN). With returnIndices
 * it returns [values, indices], the int32 indices (d·H + h)·W + w into each input volume.
 * @throws Error for an input of another rank or int32, or an outputSize that is not positive.
 * @example
 * const y = F.adaptiveMaxPool3d(x, [2, 4, 4]);
 * const [v, i] = F.adaptiveMaxPool3d(x, 1, { returnIndices: true });
 */
export function adaptiveMaxPool3d(input: Tensor, outputSize: number | readonly (number | null)[], opts: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool3d(
  input: Tensor, outputSize: number | readonly (number | null)[], ...args: Args<[returnIndices: false], { returnIndices?: false }>
): Tensor;
export function adaptiveMaxPool3d(input: Tensor, outputSize: number | readonly (number | null)[], ...args: unknown[]): Tensor | [Tensor, Tensor] {
  const op = "adaptiveMaxPool3d";
  const a = parseArgs(op, args, ["returnIndices"]);
  const out = adaptiveSizes(op, input, 3, outputSize);
  return maxOverTaps(input, adaptiveWindows(input, out), checkBool(op, "returnIndices", a.returnIndices ?? false));
}
