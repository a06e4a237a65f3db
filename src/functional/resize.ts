// Resizing: interpolate (nearest, bilinear) as index tables built on the host from the shapes alone
// (nearest: one indexSelect per dim; bilinear: two per dim and a lerp, separable), and pixel
// (un)shuffle as a reshape and a permute. Gradients are indexSelect's and the views', on every device.
import { Tensor } from "../core.js";
import { fmt } from "../shape.js";
import { type Args, checkBool, checkEnum, describe, parseArgs } from "./args.js";

/** The options of {@link interpolate}: exactly one of size and scaleFactor. */
export interface InterpolateOptions {
  /** The output's spatial size: one number for every spatial dim, or one per dim. */
  size?: number | readonly number[];
  /** Multiplies each spatial size (output size ⌊in·scale⌋); the coordinates use 1/scale, as PyTorch. */
  scaleFactor?: number | readonly number[];
  /** "nearest" (default; 1-D and 2-D) or "bilinear" (2-D, 4-D input). */
  mode?: "nearest" | "bilinear";
  /** Bilinear only: align the corner pixels' centres (default false). */
  alignCorners?: boolean;
  /** Compute the coordinates from the output size instead of the given scaleFactor (default false). */
  recomputeScaleFactor?: boolean;
}

/**
 * Resizes the spatial dims of [N, C, W] (1-D, nearest) or [N, C, H, W] (2-D, nearest or bilinear)
 * input (torch.nn.functional.interpolate). Output position o reads source coordinate o·s (nearest:
 * ⌊o·s⌋) or (o + 0.5)·s − 0.5 (bilinear, clamped at 0), with s = in/out or 1/scaleFactor; with
 * alignCorners, o·(in − 1)/(out − 1). Arguments after the input are PyTorch's (size, scaleFactor,
 * mode, alignCorners), positional or in an options object.
 *
 * @returns [N, C, ...outSize]
 * @throws on a wrong rank for the mode, both or neither of size and scaleFactor, non-positive
 *   sizes or scales, alignCorners with "nearest", an unknown mode or option
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
  ...args: Args<[size: number | readonly number[] | null, scaleFactor: number | readonly number[] | null, mode: "nearest" | "bilinear", alignCorners: boolean], InterpolateOptions>
): Tensor {
  const op = "interpolate";
  if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${describe(input)}`);
  const o = parseArgs(op, args, ["size", "scaleFactor", "mode", "alignCorners", "recomputeScaleFactor"]) as InterpolateOptions;
  for (const k of ["size", "scaleFactor"] as const) if (o[k] === null) delete o[k];
  const mode = checkEnum(op, "mode", o.mode ?? "nearest", ["nearest", "bilinear"] as const);
  const nd = input.ndim - 2;
  if (mode === "nearest" ? nd !== 1 && nd !== 2 : nd !== 2) {
    throw new Error(`${op}: mode '${mode}' expects ${mode === "nearest" ? "a 3-D or 4-D" : "a 4-D"} input [N, C, ...spatial], got shape ${fmt(input.shape)}`);
  }
  if (input.dtype === "int32") throw new Error(`${op}: expects a floating-point input, got int32`);
  if (o.alignCorners !== undefined && mode === "nearest") throw new Error(`${op}: alignCorners only applies to mode 'bilinear'`);
  const align = checkBool(op, "alignCorners", o.alignCorners ?? false);
  const recompute = checkBool(op, "recomputeScaleFactor", o.recomputeScaleFactor ?? false);
  if ((o.size === undefined) === (o.scaleFactor === undefined)) throw new Error(`${op}: give exactly one of size and scaleFactor`);
  const perDim = (name: string, v: unknown, ok: (x: number) => boolean, what: string): number[] => {
    const arr = typeof v === "number" ? Array<number>(nd).fill(v) : Array.isArray(v) ? [...(v as unknown[])] : null;
    if (!arr || arr.length !== nd || arr.some((x) => typeof x !== "number" || !ok(x))) {
      throw new Error(`${op}: ${name} must be ${what} or an array of ${nd} of them, got ${describe(v)}${Array.isArray(v) ? ` ${JSON.stringify(v)}` : ""}`);
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
  let x = input;
  for (let i = 0; i < nd; i++) {
    const d = 2 + i, n = inSize[i], m = outSize[i];
    const s = scales[i] !== null ? 1 / scales[i]! : n / m; // source step per output step
    const table = (f: (o: number) => number) => Tensor.from(Int32Array.from({ length: m }, (_, k) => f(k)), { shape: [m], dtype: "int32", device: x.device });
    if (mode === "nearest") {
      // in float32 arithmetic, as PyTorch's kernel: the floor of an exact product can differ
      const s32 = Math.fround(s);
      x = x.indexSelect(d, table((k) => Math.min(Math.floor(Math.fround(k * s32)), n - 1)));
      continue;
    }
    // bilinear: each output is (1 − λ)·x[i0] + λ·x[i1] along this dim, in that form and with
    // PyTorch's λ (src − i0, also at the last index, where i1 = i0), so an inf input gives inf where
    // PyTorch's does (a + (b − a)·λ made inf − inf = NaN next to it)
    const src = (k: number) => (align ? (m > 1 ? k * (n - 1) / (m - 1) : 0) : Math.max(0, (k + 0.5) * s - 0.5));
    const i0 = (k: number) => Math.min(Math.floor(src(k)), n - 1);
    const lam = Float32Array.from({ length: m }, (_, k) => src(k) - i0(k));
    const shape = x.shape.map((_, j) => (j === d ? m : 1));
    const l = Tensor.from(lam, { shape, dtype: x.dtype, device: x.device });
    const l0 = Tensor.from(lam.map((v) => 1 - v), { shape, dtype: x.dtype, device: x.device });
    const a = x.indexSelect(d, table(i0)), b = x.indexSelect(d, table((k) => Math.min(i0(k) + 1, n - 1)));
    x = a.mul(l0).add(b.mul(l));
  }
  return x;
}

/**
 * Rearranges [..., C·r², H, W] into [..., C, H·r, W·r] (torch.nn.functional.pixel_shuffle): the
 * upsampling step of sub-pixel convolution. A reshape and a permute.
 *
 * @throws on fewer than 3 dims, a non-positive factor, or channels not divisible by r²
 * @example
 * ```ts
 * F.pixelShuffle(Tensor.randn([1, 8, 3, 3]), 2).shape; // [1, 2, 6, 6]
 * ```
 */
export function pixelShuffle(input: Tensor, upscaleFactor: number): Tensor {
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
 * @throws on fewer than 3 dims, a non-positive factor, or a height or width not divisible by r
 * @example
 * ```ts
 * F.pixelUnshuffle(Tensor.randn([1, 2, 6, 6]), 2).shape; // [1, 8, 3, 3]
 * ```
 */
export function pixelUnshuffle(input: Tensor, downscaleFactor: number): Tensor {
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
