// Sliding-block layers over src/functional/sampling.ts: Unfold (im2col) and Fold (col2im).
import type { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { checkOptions, given, tuple } from "../functional/args.js";
import { Module, checkForward } from "./module.js";

/** The window of Unfold and Fold, checked at construction. */
function windowOf(op: string, kernelSize: number | readonly number[], opts: F.UnfoldOptions | undefined) {
  const o = checkOptions(op, opts ?? {}, ["dilation", "padding", "stride"]) as F.UnfoldOptions;
  return {
    kernelSize: tuple(op, "kernelSize", kernelSize, 2, 1),
    dilation: tuple(op, "dilation", given(o.dilation, 1), 2, 1),
    padding: tuple(op, "padding", given(o.padding, 0), 2, 0),
    stride: tuple(op, "stride", given(o.stride, 1), 2, 1),
  };
}

/**
 * Extracts sliding local blocks (torch.nn.Unfold): [N, C, H, W] (or [C, H, W]) → [N, C·kh·kw, L];
 * see {@link F.unfold}.
 *
 * @throws on a bad kernel size, dilation, padding or stride, or an unknown option
 * @example
 * ```ts
 * new nn.Unfold([2, 3], { stride: 2 }).forward(Tensor.randn([1, 4, 6, 7])).shape; // [1, 24, 9]
 * ```
 */
export class Unfold extends Module {
  /** [kh, kw]. */
  readonly kernelSize: number[];
  /** Spacing between kernel taps, [dh, dw]. */
  readonly dilation: number[];
  /** Zero padding on both sides, [ph, pw]. */
  readonly padding: number[];
  /** Step between windows, [sh, sw]. */
  readonly stride: number[];

  constructor(kernelSize: number | readonly number[], opts?: F.UnfoldOptions) {
    super();
    const win = windowOf("nn.Unfold", kernelSize, opts);
    this.kernelSize = win.kernelSize;
    this.dilation = win.dilation;
    this.padding = win.padding;
    this.stride = win.stride;
  }

  /** [N, C, H, W] → [N, C·kh·kw, L]. */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.unfold(x, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride });
  }

  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}, dilation=${JSON.stringify(this.dilation)}, padding=${JSON.stringify(this.padding)}, stride=${JSON.stringify(this.stride)}`;
  }
}

/**
 * Combines sliding local blocks into a tensor (torch.nn.Fold): [N, C·kh·kw, L] (or [C·kh·kw, L])
 * → [N, C, ...outputSize], overlapping taps summed; see {@link F.fold}.
 *
 * @throws on a bad output size, kernel size, dilation, padding or stride, or an unknown option
 * @example
 * ```ts
 * new nn.Fold([4, 5], 2).forward(Tensor.randn([1, 12, 12])).shape; // [1, 3, 4, 5]
 * ```
 */
export class Fold extends Module {
  /** The output's spatial size [oH, oW]. */
  readonly outputSize: number[];
  /** [kh, kw]. */
  readonly kernelSize: number[];
  /** Spacing between kernel taps, [dh, dw]. */
  readonly dilation: number[];
  /** Zero padding on both sides (dropped), [ph, pw]. */
  readonly padding: number[];
  /** Step between windows, [sh, sw]. */
  readonly stride: number[];

  constructor(outputSize: number | readonly number[], kernelSize: number | readonly number[], opts?: F.UnfoldOptions) {
    super();
    this.outputSize = tuple("nn.Fold", "outputSize", outputSize, 2, 1);
    const win = windowOf("nn.Fold", kernelSize, opts);
    this.kernelSize = win.kernelSize;
    this.dilation = win.dilation;
    this.padding = win.padding;
    this.stride = win.stride;
  }

  /** [N, C·kh·kw, L] → [N, C, oH, oW]. */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.fold(x, this.outputSize, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride });
  }

  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}, kernelSize=${JSON.stringify(this.kernelSize)}, dilation=${JSON.stringify(this.dilation)}, padding=${JSON.stringify(this.padding)}, stride=${JSON.stringify(this.stride)}`;
  }
}
