// Sliding-window extraction and spatial sampling: unfold (im2col) and fold (col2im) as views over
// the im2col/col2im primitives, affineGrid as one batched matmul with a constant base grid, and
// gridSample as gathers at computed integer positions with weights (bilinear: 4 taps; nearest: 1).
// Out-of-range taps are selected away with where (never multiplied by 0), so an inf or NaN pixel
// only reaches the outputs that read it. Gradients are those of the primitives, on every device.
import { Tensor } from "../core.js";
import { fmt } from "../shape.js";
import { col2im, im2col, where } from "../ops.js";
import { type Args, checkBool, checkEnum, checkFloat, describe, given, parseArgs, tuple } from "./args.js";

/** The options of {@link unfold} and {@link fold} after the kernel size (PyTorch's keyword arguments). */
export interface UnfoldOptions {
  /** Spacing between kernel taps, one number or one per spatial dim (default 1). */
  dilation?: number | readonly number[];
  /** Implicit zero padding on both sides of each spatial dim (default 0). */
  padding?: number | readonly number[];
  /** Step between windows (default 1). */
  stride?: number | readonly number[];
}

type UnfoldRest = Args<[dilation: number | readonly number[], padding: number | readonly number[], stride: number | readonly number[]], UnfoldOptions>;

interface Win { k: number[]; d: number[]; p: number[]; s: number[] }

function windowArgs(op: string, kernelSize: unknown, rest: readonly unknown[]): Win {
  const o = parseArgs(op, rest, ["dilation", "padding", "stride"]);
  return {
    k: tuple(op, "kernelSize", kernelSize, 2, 1),
    d: tuple(op, "dilation", given(o.dilation, 1), 2, 1),
    p: tuple(op, "padding", given(o.padding, 0), 2, 0),
    s: tuple(op, "stride", given(o.stride, 1), 2, 1),
  };
}

/** The number of windows along each spatial dim of a [H, W] plane; throws when one is below 1. */
function blocks(op: string, hw: readonly number[], w: Win, what: string): number[] {
  const span = [0, 1].map((i) => w.d[i] * (w.k[i] - 1) + 1);
  const padded = [0, 1].map((i) => hw[i] + 2 * w.p[i]);
  if (span[0] > padded[0] || span[1] > padded[1]) {
    throw new Error(`${op}: kernelSize ${fmt(w.k)} with dilation ${fmt(w.d)} spans ${fmt(span)}, larger than the padded ${what} ${fmt(padded)}`);
  }
  return [0, 1].map((i) => Math.floor((padded[i] - span[i]) / w.s[i]) + 1);
}

/**
 * Extracts sliding local blocks (torch.nn.functional.unfold, im2col): input [N, C, H, W] (or
 * unbatched [C, H, W]) becomes [N, C·kh·kw, L], column l holding the kh·kw taps of every channel
 * of window l (row-major over the output positions; the rows ordered channel, then kernel row, then
 * kernel column, as a conv2d weight [OC, C, kh, kw] flattened). Arguments after the kernel size are
 * PyTorch's (dilation, padding, stride), positional or in an options object.
 *
 * @returns [N, C·kh·kw, L] (or [C·kh·kw, L]), L = OH·OW, OH = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1
 * @throws on an input that is not 3-D or 4-D floating point, a non-positive kernel size, dilation
 *   or stride, a negative padding, a kernel larger than the padded input, or an unknown option
 * @example
 * ```ts
 * const cols = F.unfold(Tensor.randn([2, 3, 5, 5]), 3, { padding: 1 });
 * cols.shape; // [2, 27, 25]
 * ```
 */
export function unfold(input: Tensor, kernelSize: number | readonly number[], ...rest: UnfoldRest): Tensor {
  const op = "unfold";
  checkFloat(op, "input", input);
  if (input.ndim !== 3 && input.ndim !== 4) throw new Error(`${op}: input must be 3-D [C, H, W] or 4-D [N, C, H, W], got shape ${fmt(input.shape)}`);
  const w = windowArgs(op, kernelSize, rest);
  const x = input.ndim === 4 ? input : input.unsqueeze(0);
  const [n, c, h, wd] = x.shape;
  const [oh, ow] = blocks(op, [h, wd], w, "input");
  const cols = im2col(x, w.k[0], w.k[1], w.s[0], w.s[1], w.p[0], w.p[1], w.d[0], w.d[1]); // [C·kh·kw, N·L]
  const out = cols.reshape(c * w.k[0] * w.k[1], n, oh * ow).permute(1, 0, 2);
  return input.ndim === 4 ? out : out.squeeze(0);
}

/**
 * Combines sliding local blocks into a tensor (torch.nn.functional.fold, col2im), the adjoint of
 * {@link unfold}: input [N, C·kh·kw, L] (or unbatched [C·kh·kw, L]) becomes [N, C, ...outputSize],
 * each column's taps added where unfold would have read them (overlapping taps sum, the padding is
 * dropped). Arguments after the kernel size are PyTorch's (dilation, padding, stride), positional
 * or in an options object.
 *
 * @returns [N, C, oH, oW] (or [C, oH, oW])
 * @throws on an input that is not 2-D or 3-D floating point, a dim 1 not divisible by kh·kw, an L
 *   that is not the number of windows of outputSize, bad window arguments, or an unknown option
 * @example
 * ```ts
 * const x = Tensor.randn([1, 2, 4, 4]);
 * const y = F.fold(F.unfold(x, 2, { stride: 2 }), [4, 4], 2, { stride: 2 }); // non-overlapping: y equals x
 * y.shape; // [1, 2, 4, 4]
 * ```
 */
export function fold(input: Tensor, outputSize: number | readonly number[], kernelSize: number | readonly number[], ...rest: UnfoldRest): Tensor {
  const op = "fold";
  checkFloat(op, "input", input);
  if (input.ndim !== 2 && input.ndim !== 3) throw new Error(`${op}: input must be 2-D [C·kh·kw, L] or 3-D [N, C·kh·kw, L], got shape ${fmt(input.shape)}`);
  const size = tuple(op, "outputSize", outputSize, 2, 1);
  const w = windowArgs(op, kernelSize, rest);
  const x = input.ndim === 3 ? input : input.unsqueeze(0);
  const [n, ckk, l] = x.shape;
  const kk = w.k[0] * w.k[1];
  if (ckk % kk !== 0) throw new Error(`${op}: dim 1 (${ckk}) of input ${fmt(input.shape)} must be divisible by the kernel's kh·kw = ${kk}`);
  const [oh, ow] = blocks(op, size, w, "outputSize");
  if (l !== oh * ow) {
    throw new Error(`${op}: input ${fmt(input.shape)} has L = ${l} blocks, but outputSize ${fmt(size)} with kernelSize ${fmt(w.k)}, dilation ${fmt(w.d)}, padding ${fmt(w.p)} and stride ${fmt(w.s)} gives ${oh}·${ow} = ${oh * ow}`);
  }
  const cols = x.permute(1, 0, 2).reshape(ckk, n * l);
  const out = col2im(cols, [n, ckk / kk, size[0], size[1]], w.k[0], w.k[1], w.s[0], w.s[1], w.p[0], w.p[1], w.d[0], w.d[1]);
  return input.ndim === 3 ? out : out.squeeze(0);
}

/** The options of {@link affineGrid} (PyTorch's keyword argument). */
export interface AffineGridOptions {
  /** Treat −1 and 1 as the centres of the corner pixels instead of their outer edges (default false). */
  alignCorners?: boolean;
}

/**
 * The sampling grid of a batch of 2-D affine transforms (torch.nn.functional.affine_grid), for
 * {@link gridSample}: output position (h, w) gets theta[n] · (x_w, y_h, 1), where x and y run
 * linearly from −1 to 1 over the W and H positions (with alignCorners false, scaled by (W − 1)/W and
 * (H − 1)/H: the pixel centres). Differentiable in theta.
 *
 * @param theta [N, 2, 3] floating-point
 * @param size the output's [N, C, H, W] (only the 2-D form; C is unused)
 * @returns [N, H, W, 2], the last dim (x, y)
 * @throws on a theta that is not [N, 2, 3] floating point, a size that is not 4 positive integers
 *   with size[0] = N, or an unknown option
 * @example
 * ```ts
 * const theta = tensor([[[1, 0, 0], [0, 1, 0]]]); // the identity
 * const grid = F.affineGrid(theta, [1, 3, 4, 5], { alignCorners: false });
 * grid.shape; // [1, 4, 5, 2]
 * ```
 */
export function affineGrid(theta: Tensor, size: readonly number[], ...rest: Args<[alignCorners: boolean], AffineGridOptions>): Tensor {
  const op = "affineGrid";
  checkFloat(op, "theta", theta);
  const align = checkBool(op, "alignCorners", parseArgs(op, rest, ["alignCorners"]).alignCorners ?? false);
  if (!Array.isArray(size) || size.length !== 4 || size.some((v: unknown) => typeof v !== "number" || !Number.isInteger(v) || v < 1)) {
    throw new Error(`${op}: size must be an array of 4 positive integers [N, C, H, W], got ${describe(size)}`);
  }
  const [n, , h, w] = size;
  if (theta.ndim !== 3 || theta.shape[0] !== n || theta.shape[1] !== 2 || theta.shape[2] !== 3) {
    throw new Error(`${op}: theta must be [N, 2, 3] with N = size[0] = ${n}, got shape ${fmt(theta.shape)}`);
  }
  // PyTorch's linspace_from_neg_one: one step gives 0; alignCorners false scales to the pixel centres
  const lin = (k: number) => Array.from({ length: k }, (_, i) => (k <= 1 ? 0 : (-1 + (2 * i) / (k - 1)) * (align ? 1 : (k - 1) / k)));
  const xs = lin(w), ys = lin(h);
  const base = new Float64Array(h * w * 3);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) base.set([xs[j], ys[i], 1], (i * w + j) * 3);
  const b = Tensor.from(base, { shape: [1, h * w, 3], dtype: theta.dtype, device: theta.device });
  return b.expand(n, h * w, 3).matmul(theta.transpose(1, 2)).reshape(n, h, w, 2);
}

/** gridSample's interpolation modes. */
export type GridSampleMode = "bilinear" | "nearest";
/** What gridSample reads outside the input: zeros, the nearest border pixel, or the input reflected at its borders. */
export type GridSamplePadding = "zeros" | "border" | "reflection";

/** The options of {@link gridSample} (PyTorch's keyword arguments). */
export interface GridSampleOptions {
  /** "bilinear" (default) or "nearest" (round half to even, as PyTorch's nearbyint). */
  mode?: GridSampleMode;
  /** "zeros" (default), "border" or "reflection". */
  paddingMode?: GridSamplePadding;
  /** −1 and 1 are the centres of the corner pixels (true) or their outer edges (false, the default). */
  alignCorners?: boolean;
}

/**
 * Samples input [N, C, H, W] at the positions of grid [N, Ho, Wo, 2] (torch.nn.functional.grid_sample,
 * 2-D): grid[n, i, j] = (x, y) in [−1, 1] (x across W, y across H; −1 and 1 the corner pixels'
 * centres with alignCorners, their outer edges without), interpolated bilinearly from the 4
 * surrounding pixels or taken from the nearest one. Positions outside the input read 0
 * (paddingMode "zeros"), are clamped to the border ("border") or reflected into the input
 * ("reflection"). Arguments after the grid are PyTorch's (mode, paddingMode, alignCorners),
 * positional or in an options object. Differentiable in input and (bilinear) in grid, as PyTorch.
 *
 * Out-of-range taps are selected away, not multiplied by 0, so an inf or NaN pixel reaches only the
 * outputs whose taps read it. A NaN grid position gives NaN there (bilinear, zeros), 0 (nearest,
 * zeros), or reads as coordinate 0 (border and reflection), as PyTorch.
 *
 * @returns [N, C, Ho, Wo]
 * @throws on an input or grid that is not 4-D floating point, a grid that is not [N, Ho, Wo, 2]
 *   for the input's N, different dtypes, an unknown mode, paddingMode or option
 * @example
 * ```ts
 * const x = Tensor.randn([1, 3, 8, 8]);
 * const theta = tensor([[[0.5, 0, 0], [0, 0.5, 0]]]); // zoom into the centre
 * const y = F.gridSample(x, F.affineGrid(theta, [1, 3, 4, 4]), { mode: "bilinear", paddingMode: "border" });
 * y.shape; // [1, 3, 4, 4]
 * ```
 */
export function gridSample(
  input: Tensor,
  grid: Tensor,
  ...rest: Args<[mode: GridSampleMode, paddingMode: GridSamplePadding, alignCorners: boolean], GridSampleOptions>
): Tensor {
  const op = "gridSample";
  checkFloat(op, "input", input);
  checkFloat(op, "grid", grid);
  const o = parseArgs(op, rest, ["mode", "paddingMode", "alignCorners"]);
  const mode = checkEnum(op, "mode", given(o.mode, "bilinear"), ["bilinear", "nearest"] as GridSampleMode[]);
  const padding = checkEnum(op, "paddingMode", given(o.paddingMode, "zeros"), ["zeros", "border", "reflection"] as GridSamplePadding[]);
  const align = checkBool(op, "alignCorners", o.alignCorners ?? false);
  if (input.ndim !== 4) throw new Error(`${op}: input must be 4-D [N, C, H, W], got shape ${fmt(input.shape)}`);
  const [n, c, h, w] = input.shape;
  if (grid.ndim !== 4 || grid.shape[0] !== n || grid.shape[3] !== 2) {
    throw new Error(`${op}: grid must be [N, Ho, Wo, 2] with N = ${n} (input ${fmt(input.shape)}), got shape ${fmt(grid.shape)}`);
  }
  if (grid.dtype !== input.dtype) throw new Error(`${op}: grid must have input's dtype ${input.dtype}, got ${grid.dtype}`);
  const [, ho, wo] = grid.shape, p = ho * wo;
  if (n === 0 || c === 0 || p === 0 || h === 0 || w === 0) throw new Error(`${op}: expects non-empty input and grid, got input ${fmt(input.shape)} and grid ${fmt(grid.shape)}`);

  // the source coordinate of every output position along one dim, as PyTorch's compute_coordinates
  const coord = (g: Tensor, size: number): Tensor => {
    let v = align ? g.add(1).mul((size - 1) / 2) : g.add(1).mul(size).sub(1).div(2);
    if (padding === "reflection") v = reflect(v, align ? 0 : -1, align ? 2 * (size - 1) : 2 * size - 1);
    // clipped into [0, size − 1], a NaN to 0 (as PyTorch's kernels), with no gradient outside
    if (padding !== "zeros") v = where(v.ge(0), where(v.gt(size - 1), size - 1, v), 0);
    return v;
  };
  const g = grid.reshape(n, p, 2);
  const ix = coord(g.narrow(2, 0, 1).reshape(n, 1, p), w), iy = coord(g.narrow(2, 1, 1).reshape(n, 1, p), h);
  const flat = input.reshape(n, c, h * w);
  // the pixel at integer coordinates (xi, yi), [N, 1, P] each (no gradient): 0 where outside the
  // input or NaN, chosen by where so that no read value is multiplied by 0
  const tap = (xi: Tensor, yi: Tensor): Tensor => {
    const inside = xi.ge(0).mul(xi.le(w - 1)).mul(yi.ge(0)).mul(yi.le(h - 1)).ne(0);
    const idx = where(inside, yi.mul(w).add(xi), 0).int().expand(n, c, p);
    return where(inside, flat.gather(2, idx), 0);
  };
  let out: Tensor;
  if (mode === "nearest") {
    out = tap(ix.detach().round(), iy.detach().round());
  } else {
    const x0 = ix.detach().floor(), y0 = iy.detach().floor(), x1 = x0.add(1), y1 = y0.add(1);
    // PyTorch's weights: nw = (x1 − ix)(y1 − iy), ne = (ix − x0)(y1 − iy), sw = (x1 − ix)(iy − y0), se = (ix − x0)(iy − y0)
    const wx0 = x1.sub(ix), wx1 = ix.sub(x0), wy0 = y1.sub(iy), wy1 = iy.sub(y0);
    out = tap(x0, y0).mul(wx0.mul(wy0))
      .add(tap(x1, y0).mul(wx1.mul(wy0)))
      .add(tap(x0, y1).mul(wx0.mul(wy1)))
      .add(tap(x1, y1).mul(wx1.mul(wy1)));
  }
  return out.reshape(n, c, ho, wo);
}

/** PyTorch's reflect_coordinates: v reflected into [lo2/2, hi2/2] (lo2, hi2: twice the bounds). */
function reflect(v: Tensor, lo2: number, hi2: number): Tensor {
  if (lo2 === hi2) return Tensor.zeros(v.shape, { dtype: v.dtype, device: v.device });
  const min = lo2 / 2, span = (hi2 - lo2) / 2;
  const a = v.sub(min).abs();
  const extra = a.fmod(span);
  const even = a.div(span).floor().remainder(2).eq(0);
  return where(even, extra.add(min), extra.neg().add(span + min));
}
