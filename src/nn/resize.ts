// Resizing layers over src/functional/resize.ts: Upsample, PixelShuffle, PixelUnshuffle.
import type { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { type Args, checkArity, checkInt, parseArgs } from "../functional/args.js";
import { Module, checkForward } from "./module.js";

/**
 * Resizes [N, C, W], [N, C, H, W] or [N, C, D, H, W] input (torch.nn.Upsample): {@link F.interpolate}
 * with the options given here (size or scaleFactor; mode "nearest", "nearest-exact", "area",
 * "linear", "bilinear", "bicubic" or "trilinear"; alignCorners), positional in PyTorch's order
 * `(size?, scaleFactor?, mode?, alignCorners?, recomputeScaleFactor?)` (null: not given) or by name.
 *
 * @throws on an unknown option or too many arguments (the checks of the sizes and mode run at forward, as PyTorch's)
 * @example
 * ```ts
 * new nn.Upsample({ scaleFactor: 2, mode: "bilinear" }).forward(Tensor.randn([1, 3, 4, 4])).shape; // [1, 3, 8, 8]
 * ```
 */
export class Upsample extends Module {
  /** The options every forward passes to F.interpolate (a copy of the constructor's; PyTorch keeps them as separate attributes). */
  readonly opts: F.InterpolateOptions;

  constructor(
    ...args: Args<[size: number | readonly number[] | null, scaleFactor: number | readonly number[] | null, mode: F.InterpolateMode, alignCorners: boolean | null, recomputeScaleFactor: boolean | null], F.InterpolateOptions>
  ) {
    super();
    const a = parseArgs("nn.Upsample", args, ["size", "scaleFactor", "mode", "alignCorners", "recomputeScaleFactor"]);
    for (const k of Object.keys(a)) if (a[k] === null) delete a[k]; // PyTorch's None: not given
    this.opts = a as F.InterpolateOptions;
  }

  /** [N, C, ...in] → [N, C, ...out]. */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.interpolate(x, this.opts);
  }

  override extraRepr(): string {
    return Object.entries(this.opts).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ");
  }
}

/**
 * [..., C·r², H, W] → [..., C, H·r, W·r] (torch.nn.PixelShuffle); see {@link F.pixelShuffle}.
 *
 * @example
 * ```ts
 * new nn.PixelShuffle(2).forward(Tensor.randn([1, 8, 3, 3])).shape; // [1, 2, 6, 6]
 * ```
 */
export class PixelShuffle extends Module {
  /** The factor r by which H and W grow (PyTorch's upscale_factor). */
  readonly upscaleFactor: number;

  constructor(upscaleFactor: number) {
    super();
    checkArity("nn.PixelShuffle", arguments, ["upscaleFactor"]);
    this.upscaleFactor = checkInt("nn.PixelShuffle", "upscaleFactor", upscaleFactor, 1);
  }

  /** [..., C·r², H, W] → [..., C, H·r, W·r]. */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.pixelShuffle(x, this.upscaleFactor);
  }

  override extraRepr(): string {
    return `upscaleFactor=${this.upscaleFactor}`;
  }
}

/**
 * [..., C, H·r, W·r] → [..., C·r², H, W] (torch.nn.PixelUnshuffle); see {@link F.pixelUnshuffle}.
 *
 * @example
 * ```ts
 * new nn.PixelUnshuffle(2).forward(Tensor.randn([1, 2, 6, 6])).shape; // [1, 8, 3, 3]
 * ```
 */
export class PixelUnshuffle extends Module {
  /** The factor r by which H and W shrink (PyTorch's downscale_factor). */
  readonly downscaleFactor: number;

  constructor(downscaleFactor: number) {
    super();
    checkArity("nn.PixelUnshuffle", arguments, ["downscaleFactor"]);
    this.downscaleFactor = checkInt("nn.PixelUnshuffle", "downscaleFactor", downscaleFactor, 1);
  }

  /** [..., C, H·r, W·r] → [..., C·r², H, W]. */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.pixelUnshuffle(x, this.downscaleFactor);
  }

  override extraRepr(): string {
    return `downscaleFactor=${this.downscaleFactor}`;
  }
}
