// Resizing: interpolate as index tables and weights built on the host from the shapes alone, one
// spatial dim at a time (nearest: one indexSelect per dim; linear: two and a weighted sum; cubic:
// four; area: adaptive average pooling), and pixel (un)shuffle as a reshape and a permute. Gradients
// are indexSelect's and the views', on every device.
import { Tensor } from "../core.js";
import { adaptiveAvgLast } from "./pooling.js";
import { fmt } from "../shape.js";
import { INT32_MAX } from "../check.js";
import { type Args, checkArity, checkBool, checkEnum, describe, given, parseArgs } from "./args.js";

/** PyTorch's interpolation modes. */
export type InterpolateMode = "nearest" | "nearest-exact" | "area" | "linear" | "bilinear" | "bicubic" | "trilinear";

/** The spatial dims each mode takes: the input has 2 more ([N, C, ...spatial]). */
const MODE_DIMS: Record<InterpolateMode, readonly number[]> = {
  nearest: [1, 2, 3], "nearest-exact": [1, 2, 3], area: [1, 2, 3], linear: [1], bilinear: [2], bicubic: [2], trilinear: [3],
};

/** The options of {@link interpolate}: exactly one of size and scaleFactor. */
export interface InterpolateOptions {
  /** The output's spatial size: one number for every spatial dim, or one per dim. */
  size?: number | readonly number[];
  /** Multiplies each spatial size (output size ⌊in·scale⌋); the coordinates use 1/scale, as PyTorch. */
  scaleFactor?: number | readonly number[];
  /** "nearest" (default), "nearest-exact" or "area" (1-, 2- or 3-D); "linear" (1-D), "bilinear" or
   *  "bicubic" (2-D), "trilinear" (3-D). */
  mode?: InterpolateMode;
  /** The linear and cubic modes only: align the corner pixels' centres (default false). */
  alignCorners?: boolean;
  /** Compute the coordinates from the output size instead of the given scaleFactor (default false). */
  recomputeScaleFactor?: boolean;
}

/**
 * Resizes the spatial dims of [N, C, W], [N, C, H, W] or [N, C, D, H, W] input
 * (torch.nn.functional.interpolate), with PyTorch's modes: "nearest" (output position o reads
 * ⌊o·s⌋), "nearest-exact" (⌊(o + 0.5)·s⌋), "area" (the mean of its adaptive window, as
 * adaptive average pooling), and "linear", "bilinear", "trilinear" (2 taps per dim) and "bicubic"
 * (4 taps, Keys' kernel with a = −0.75, edges replicated) at (o + 0.5)·s − 0.5 (clamped at 0 except
 * for bicubic), with s = in/out or 1/scaleFactor; with alignCorners, o·(in − 1)/(out − 1). The
 * interpolating modes work one dim at a time (the same values as PyTorch's 2-D and 3-D kernels up
 * to rounding). Arguments after the input are PyTorch's (size, scaleFactor, mode, alignCorners),
 * positional or in an options object.
 *
 * @returns [N, C, ...outSize]
 * @throws on a wrong rank for the mode, both or neither of size and scaleFactor, non-positive
 *   sizes or scales, alignCorners with a nearest or area mode, an unknown mode or option
 * @example
 * ```ts
 * const x = Tensor.randn([1, 3, 4, 4]);
 * F.interpolate(x, { scaleFactor: 2 }).shape;                                  // [1, 3, 8, 8]
 * F.interpolate(x, { size: [5, 7], mode: "bilinear", alignCorners: true }).shape; // [1, 3, 5, 7]
 * F.interpolate(x, [6, 6]).shape;                                              // [1, 3, 6, 6] (size, positional)
 * ```
 */
export function interpolate(
  input: Tensor,
  ...args: Args<[size: number | readonly number[] | null, scaleFactor: number | readonly number[] | null, mode: InterpolateMode, alignCorners: boolean], InterpolateOptions>
): Tensor {
  const op = "interpolate";
  if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${describe(input)}`);
  const o = parseArgs(op, args, ["size", "scaleFactor", "mode", "alignCorners", "recomputeScaleFactor"]) as InterpolateOptions;
  for (const k of ["size", "scaleFactor"] as const) if (o[k] === null) delete o[k];
  const mode = checkEnum(op, "mode", given(o.mode, "nearest"), Object.keys(MODE_DIMS) as InterpolateMode[]);
  const nd = input.ndim - 2;
  if (!MODE_DIMS[mode].includes(nd)) {
    throw new Error(`${op}: mode '${mode}' expects a ${MODE_DIMS[mode].map((k) => `${k + 2}-D`).join(", ")} input [N, C, ...spatial], got shape ${fmt(input.shape)}`);
  }
  if (input.dtype === "int32") throw new Error(`${op}: expects a floating-point input, got int32`);
  const interpolating = mode === "linear" || mode === "bilinear" || mode === "bicubic" || mode === "trilinear";
  if (o.alignCorners !== undefined && !interpolating) throw new Error(`${op}: alignCorners only applies to the modes 'linear', 'bilinear', 'bicubic' and 'trilinear', not '${mode}'`);
  const align = checkBool(op, "alignCorners", o.alignCorners ?? false);
  const recompute = checkBool(op, "recomputeScaleFactor", o.recomputeScaleFactor ?? false);
  if ((o.size === undefined) === (o.scaleFactor === undefined)) throw new Error(`${op}: give exactly one of size and scaleFactor`);
  const perDim = (name: string, v: unknown, ok: (x: number) => boolean, what: string): number[] => {
    const arr = typeof v === "number" ? Array<number>(nd).fill(v) : Array.isArray(v) ? [...(v as unknown[])] : null;
    if (!arr || arr.length !== nd || arr.some((x) => typeof x !== "number" || !ok(x))) {
      throw new Error(`${op}: ${name} must be ${what} or an array of ${nd} of them, got ${describe(v)}${Array.isArray(v) && v.some((x: unknown) => typeof x !== "number") ? ` ${JSON.stringify(v)}` : ""}`);
    }
    return arr as number[];
  };
  const inSize = input.shape.slice(2);
  let outSize: number[], scales: (number | null)[];
  if (o.size !== undefined) {
    outSize = perDim("size", o.size, (x) => Number.isInteger(x) && x >= 1, "a positive integer");
    scales = outSize.map(() => null);
  } else {
    const sf = perDim("scaleFactor", o.scaleFactor, (x) => x > 0 && Number.isFinite(x), "a positive number");
    outSize = inSize.map((s, i) => Math.floor(s * sf[i]));
    if (outSize.some((s) => s < 1)) throw new Error(`${op}: scaleFactor ${JSON.stringify(o.scaleFactor)} gives an empty output ${fmt(outSize)} for input ${fmt(input.shape)}`);
    scales = recompute ? outSize.map(() => null) : sf;
  }
  const outShape = [...input.shape.slice(0, 2), ...outSize], numel = outShape.reduce((a, b) => a * b, 1);
  if (numel > INT32_MAX) {
    const by = o.size !== undefined ? `size ${JSON.stringify(o.size)}` : `scaleFactor ${JSON.stringify(o.scaleFactor)}`;
    throw new Error(`${op}: ${by} gives an output ${fmt(outShape)} of ${numel} elements, more than a tensor can hold (${INT32_MAX})`);
  }
  let x = input;
  for (let i = 0; i < nd; i++) {
    const d = 2 + i, n = inSize[i], m = outSize[i];
    const s = scales[i] !== null ? 1 / scales[i]! : n / m; // source step per output step
    const table = (f: (o: number) => number) => Tensor.from(Int32Array.from({ length: m }, (_, k) => f(k)), { shape: [m], dtype: "int32", device: x.device });
    if (mode === "nearest" || mode === "nearest-exact") {
      // in float32 arithmetic, as PyTorch's kernel: the floor of an exact product can differ
      const s32 = Math.fround(s), half = mode === "nearest" ? 0 : 0.5;
      x = x.indexSelect(d, table((k) => Math.min(Math.floor(Math.fround(Math.fround(k + half) * s32)), n - 1)));
      continue;
    }
    if (mode === "area") {
      x = adaptiveAvgLast(x.movedim(d, -1), m).movedim(-1, d);
      continue;
    }
    const shape = x.shape.map((_, j) => (j === d ? m : 1));
    const weights = (w: Float32Array) => Tensor.from(w, { shape, dtype: x.dtype, device: x.device });
    const src = (k: number) => (align ? (m > 1 ? k * (n - 1) / (m - 1) : 0) : (k + 0.5) * s - 0.5);
    if (mode === "bicubic") {
      // taps i0 − 1 .. i0 + 2 (clamped: edges replicated) with Keys' cubic weights of t = src − i0,
      // PyTorch's upsample_bicubic2d (its source coordinate is not clamped at 0)
      const A = -0.75;
      const near = (t: number) => ((A + 2) * t - (A + 3)) * t * t + 1; // |t| <= 1
      const far = (t: number) => ((A * t - 5 * A) * t + 8 * A) * t - 4 * A; // 1 < |t| < 2
      const i0 = (k: number) => Math.floor(src(k));
      const t = (k: number) => src(k) - i0(k);
      const coef = [(k: number) => far(t(k) + 1), (k: number) => near(t(k)), (k: number) => near(1 - t(k)), (k: number) => far(2 - t(k))];
      let sum: Tensor | null = null;
      for (let j = 0; j < 4; j++) {
        const term = x.indexSelect(d, table((k) => Math.min(Math.max(i0(k) - 1 + j, 0), n - 1))).mul(weights(Float32Array.from({ length: m }, (_, k) => coef[j](k))));
        sum = sum ? sum.add(term) : term;
      }
      x = sum!;
      continue;
    }
    // linear: each output is (1 − λ)·x[i0] + λ·x[i1] along this dim, in that form and with
    // PyTorch's λ (src − i0, also at the last index, where i1 = i0), so an inf input gives inf where
    // PyTorch's does (a + (b − a)·λ made inf − inf = NaN next to it)
    const i0 = (k: number) => Math.min(Math.floor(Math.max(0, src(k))), n - 1);
    const lam = Float32Array.from({ length: m }, (_, k) => Math.max(0, src(k)) - i0(k));
    const a = x.indexSelect(d, table(i0)), b = x.indexSelect(d, table((k) => Math.min(i0(k) + 1, n - 1)));
    x = a.mul(weights(lam.map((v) => 1 - v))).add(b.mul(weights(lam)));
  }
  return x;
}

/**
 * Rearranges [..., C·r², H, W] into [..., C, H·r, W·r] (torch.nn.functional.pixel_shuffle): the
 * upsampling step of sub-pixel convolution. A reshape and a permute.
 *
 * @throws on fewer than 3 dims, a non-positive factor, channels not divisible by r², or a third argument
 * @example
 * ```ts
 * F.pixelShuffle(Tensor.randn([1, 8, 3, 3]), 2).shape; // [1, 2, 6, 6]
 * ```
 */
export function pixelShuffle(input: Tensor, upscaleFactor: number): Tensor {
  checkArity("pixelShuffle", arguments, ["input", "upscaleFactor"]);
  const [lead, [c, h, w], r] = pixelArgs("pixelShuffle", input, upscaleFactor, "upscaleFactor");
  if (c % (r * r) !== 0) throw new Error(`pixelShuffle: the ${c} channels of input ${fmt(input.shape)} must be divisible by upscaleFactor² (${r * r})`);
  const k = lead.length, oc = c / (r * r);
  return input.reshape(...lead, oc, r, r, h, w)
    .permute(...lead.map((_, i) => i), k, k + 3, k + 1, k + 4, k + 2)
    .reshape(...lead, oc, h * r, w * r);
}

/**
 * The inverse of {@link pixelShuffle} (torch.nn.functional.pixel_unshuffle): [..., C, H·r, W·r]
 * into [..., C·r², H, W].
 *
 * @throws on fewer than 3 dims, a non-positive factor, a height or width not divisible by r, or a third argument
 * @example
 * ```ts
 * F.pixelUnshuffle(Tensor.randn([1, 2, 6, 6]), 2).shape; // [1, 8, 3, 3]
 * ```
 */
export function pixelUnshuffle(input: Tensor, downscaleFactor: number): Tensor {
  checkArity("pixelUnshuffle", arguments, ["input", "downscaleFactor"]);
  const [lead, [c, h, w], r] = pixelArgs("pixelUnshuffle", input, downscaleFactor, "downscaleFactor");
  if (h % r !== 0 || w % r !== 0) throw new Error(`pixelUnshuffle: the height and width of input ${fmt(input.shape)} must be divisible by downscaleFactor (${r})`);
  const k = lead.length, oh = h / r, ow = w / r;
  return input.reshape(...lead, c, oh, r, ow, r)
    .permute(...lead.map((_, i) => i), k, k + 2, k + 4, k + 1, k + 3)
    .reshape(...lead, c * r * r, oh, ow);
}

function pixelArgs(op: string, input: Tensor, r: number, name: string): [number[], number[], number] {
  if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${describe(input)}`);
  if (input.ndim < 3) throw new Error(`${op}: expects at least 3 dims [..., C, H, W], got shape ${fmt(input.shape)}`);
  if (typeof r !== "number" || !Number.isInteger(r) || r < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${describe(r)}`);
  return [input.shape.slice(0, -3), input.shape.slice(-3), r];
}
