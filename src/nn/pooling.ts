// Pooling layers over the composites in src/functional/pooling.ts: AvgPool1d/2d/3d, MaxPool1d/2d/3d,
// AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool1d/2d/3d, with PyTorch's constructor arguments.
import type { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { type Args, checkArity, checkBool, checkInt, given, parseArgs, tuple } from "../functional/args.js";
import { Module } from "./module.js";

type Ints = number | readonly number[];
const show = (v: readonly number[]) => (v.length === 1 ? `${v[0]}` : `[${v.join(", ")}]`);

interface AvgPoolOptions {
  stride?: Ints | null;
  padding?: Ints;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** Base of AvgPool1d/2d: arguments checked at construction. */
abstract class AvgPool extends Module {
  /** window size per pooled dim */
  readonly kernelSize: number[];
  /** step per pooled dim (the kernel size unless given) */
  readonly stride: number[];
  /** implicit zeros on each side per pooled dim */
  readonly padding: number[];
  /** round the output length up */
  readonly ceilMode: boolean;
  /** count padding zeros in each window's divisor (default true) */
  readonly countIncludePad: boolean;

  protected constructor(nd: number, kernelSize: Ints, a: Record<string, unknown>) {
    super();
    const name = `nn.${this.constructor.name}`;
    this.kernelSize = tuple(name, "kernelSize", kernelSize, nd, 1);
    this.stride = a.stride == null ? this.kernelSize : tuple(name, "stride", a.stride, nd, 1);
    this.padding = tuple(name, "padding", given(a.padding, 0), nd, 0);
    this.ceilMode = checkBool(name, "ceilMode", given(a.ceilMode, false));
    this.countIncludePad = checkBool(name, "countIncludePad", given(a.countIncludePad, true));
  }

  override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, ceilMode=${this.ceilMode}, countIncludePad=${this.countIncludePad}`;
  }
}

/** AvgPool2d and AvgPool3d: AvgPool's options and PyTorch's divisorOverride, pooled by `pool`. */
abstract class AvgPoolWithDivisor extends AvgPool {
  /** divide every window's sum by this instead, or null */
  readonly divisorOverride: number | null;
  readonly #pool: typeof F.avgPool2d;

  protected constructor(nd: 2 | 3, kernelSize: Ints, args: unknown[], pool: typeof F.avgPool2d) {
    const name = `nn.AvgPool${nd}d`;
    const a = parseArgs(name, args as Parameters<typeof parseArgs>[1], ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"]);
    super(nd, kernelSize, a);
    this.divisorOverride = a.divisorOverride == null ? null : checkInt(name, "divisorOverride", a.divisorOverride, 1);
    this.#pool = pool;
  }

  override forward(x: Tensor): Tensor {
    return this.#pool(x, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }
}

/**
 * torch.nn.AvgPool1d(kernelSize, stride=kernelSize, padding=0, ceilMode=false, countIncludePad=true).
 * [N, C, L] or [C, L]; see `F.avgPool1d`.
 * @example
 * new nn.AvgPool1d(2).forward(x); // [N, C, 10] → [N, C, 5]
 */
export class AvgPool1d extends AvgPool {
  constructor(kernelSize: Ints, ...args: Args<[stride: Ints | null, padding: Ints, ceilMode: boolean, countIncludePad: boolean], AvgPoolOptions>) {
    super(1, kernelSize, parseArgs("nn.AvgPool1d", args, ["stride", "padding", "ceilMode", "countIncludePad"]));
  }

  override forward(x: Tensor): Tensor {
    return F.avgPool1d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }
}

/**
 * torch.nn.AvgPool2d(kernelSize, stride=kernelSize, padding=0, ceilMode=false, countIncludePad=true, divisorOverride=null).
 * [N, C, H, W] or [C, H, W]; see `F.avgPool2d`.
 * @example
 * const pool = new nn.AvgPool2d(2);
 * pool.forward(x); // [N, C, 8, 8] → [N, C, 4, 4]
 */
export class AvgPool2d extends AvgPoolWithDivisor {
  constructor(
    kernelSize: Ints,
    ...args: Args<[stride: Ints | null, padding: Ints, ceilMode: boolean, countIncludePad: boolean, divisorOverride: number | null],
      AvgPoolOptions & { divisorOverride?: number | null }>
  ) {
    super(2, kernelSize, args, F.avgPool2d);
  }
}

/** What forward returns: the pooled values, or with returnIndices [values, indices]
 *  (`new nn.MaxPool1d<true>(2, { returnIndices: true })` types it). */
type Pooled<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

/**
 * torch.nn.MaxPool1d(kernelSize, stride=kernelSize, padding=0, dilation=1, returnIndices=false, ceilMode=false);
 * with returnIndices, forward returns [values, indices].
 * @example
 * const pool = new nn.MaxPool1d<true>(2, { returnIndices: true });
 * const [values, indices] = pool.forward(x);
 */
export class MaxPool1d<R extends boolean = false> extends Module {
  /** window size */
  readonly kernelSize: number;
  /** step between windows (the kernel size unless given) */
  readonly stride: number;
  /** −∞ added on each side */
  readonly padding: number;
  /** spacing between a window's taps */
  readonly dilation: number;
  /** forward returns [values, indices] */
  readonly returnIndices: boolean;
  /** round the output length up */
  readonly ceilMode: boolean;

  constructor(
    kernelSize: Ints,
    ...args: Args<[stride: Ints | null, padding: Ints, dilation: Ints, returnIndices: boolean, ceilMode: boolean],
      { stride?: Ints | null; padding?: Ints; dilation?: Ints; returnIndices?: boolean; ceilMode?: boolean }>
  ) {
    super();
    const name = "nn.MaxPool1d";
    const a = parseArgs(name, args, ["stride", "padding", "dilation", "returnIndices", "ceilMode"]);
    [this.kernelSize] = tuple(name, "kernelSize", kernelSize, 1, 1);
    [this.stride] = a.stride == null ? [this.kernelSize] : tuple(name, "stride", a.stride, 1, 1);
    [this.padding] = tuple(name, "padding", given(a.padding, 0), 1, 0);
    [this.dilation] = tuple(name, "dilation", given(a.dilation, 1), 1, 1);
    this.returnIndices = checkBool(name, "returnIndices", a.returnIndices ?? false);
    this.ceilMode = checkBool(name, "ceilMode", given(a.ceilMode, false));
  }

  override forward(x: Tensor): Pooled<R> {
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    return (this.returnIndices ? F.maxPool1d(x, this.kernelSize, { ...opts, returnIndices: true }) : F.maxPool1d(x, this.kernelSize, opts)) as Pooled<R>;
  }

  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}, dilation=${this.dilation}, ceilMode=${this.ceilMode}`;
  }
}

/**
 * torch.nn.AdaptiveAvgPool1d(outputSize).
 * [N, C, L] → [N, C, outputSize].
 * @example
 * new nn.AdaptiveAvgPool1d(1).forward(x);
 */
export class AdaptiveAvgPool1d extends Module {
  /** the output length */
  readonly outputSize: number;

  constructor(outputSize: number) {
    super();
    checkArity("nn.AdaptiveAvgPool1d", arguments, ["outputSize"]);
    this.outputSize = checkInt("nn.AdaptiveAvgPool1d", "outputSize", outputSize, 1);
  }

  override forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool1d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${this.outputSize}`;
  }
}

type Size2 = number | readonly (number | null)[];

/** An adaptive pool's outputSize over n dims: one number for all, or n (null keeps that input size). */
function sizeN(layer: string, v: Size2, n = 2): (number | null)[] {
  const arr = typeof v === "number" ? Array<number>(n).fill(v) : Array.isArray(v) ? [...v] : null;
  if (!arr || arr.length !== n) throw new Error(`nn.${layer}: outputSize must be a positive integer or an array of ${n} (null keeps a size), got ${JSON.stringify(v)}`);
  return arr.map((o) => (o === null ? null : checkInt(`nn.${layer}`, "outputSize", o, 1)));
}

/**
 * torch.nn.AdaptiveAvgPool2d(outputSize): [OH, OW] (null keeps that input size) or one number for both.
 * @example
 * const gap = new nn.AdaptiveAvgPool2d(1);
 * gap.forward(x); // [N, C, H, W] → [N, C, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  /** [OH, OW]; null keeps that input size */
  readonly outputSize: (number | null)[];

  constructor(outputSize: Size2) {
    super();
    checkArity("nn.AdaptiveAvgPool2d", arguments, ["outputSize"]);
    this.outputSize = sizeN("AdaptiveAvgPool2d", outputSize);
  }

  override forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=[${this.outputSize.join(", ")}]`;
  }
}

/**
 * torch.nn.AdaptiveMaxPool2d(outputSize, returnIndices=false); with returnIndices, forward returns [values, indices].
 * @example
 * const pool = new nn.AdaptiveMaxPool2d(2);
 * pool.forward(x); // [N, C, H, W] → [N, C, 2, 2]
 */
export class AdaptiveMaxPool2d<R extends boolean = false> extends Module {
  /** [OH, OW]; null keeps that input size */
  readonly outputSize: (number | null)[];
  /** forward returns [values, indices] */
  readonly returnIndices: boolean;

  constructor(outputSize: Size2, ...args: Args<[returnIndices: boolean], { returnIndices?: boolean }>) {
    super();
    this.outputSize = sizeN("AdaptiveMaxPool2d", outputSize);
    this.returnIndices = checkBool("nn.AdaptiveMaxPool2d", "returnIndices", parseArgs("nn.AdaptiveMaxPool2d", args, ["returnIndices"]).returnIndices ?? false);
  }

  override forward(x: Tensor): Pooled<R> {
    return (this.returnIndices ? F.adaptiveMaxPool2d(x, this.outputSize, { returnIndices: true }) : F.adaptiveMaxPool2d(x, this.outputSize)) as Pooled<R>;
  }

  override extraRepr(): string {
    return `outputSize=[${this.outputSize.join(", ")}]`;
  }
}

/**
 * torch.nn.AvgPool3d(kernelSize, stride=kernelSize, padding=0, ceilMode=false, countIncludePad=true, divisorOverride=null).
 * [N, C, D, H, W] or [C, D, H, W]; see `F.avgPool3d`.
 * @example
 * const pool = new nn.AvgPool3d(2);
 * pool.forward(x); // [N, C, 8, 8, 8] → [N, C, 4, 4, 4]
 */
export class AvgPool3d extends AvgPoolWithDivisor {
  constructor(
    kernelSize: Ints,
    ...args: Args<[stride: Ints | null, padding: Ints, ceilMode: boolean, countIncludePad: boolean, divisorOverride: number | null],
      AvgPoolOptions & { divisorOverride?: number | null }>
  ) {
    super(3, kernelSize, args, F.avgPool3d);
  }
}

/** MaxPool2d and MaxPool3d: PyTorch's arguments, one value per pooled dim, pooled by `pool`. */
abstract class MaxPoolN<R extends boolean> extends Module {
  /** window size per pooled dim */
  readonly kernelSize: number[];
  /** step between windows per pooled dim (the kernel size unless given) */
  readonly stride: number[];
  /** −∞ added on each side per pooled dim */
  readonly padding: number[];
  /** spacing between a window's taps per pooled dim */
  readonly dilation: number[];
  /** forward returns [values, indices] */
  readonly returnIndices: boolean;
  /** round the output size up */
  readonly ceilMode: boolean;
  readonly #pool: typeof F.maxPool3d;

  protected constructor(nd: 2 | 3, kernelSize: Ints, args: unknown[], pool: typeof F.maxPool3d) {
    super();
    const name = `nn.MaxPool${nd}d`;
    const a = parseArgs(name, args, ["stride", "padding", "dilation", "returnIndices", "ceilMode"]);
    this.kernelSize = tuple(name, "kernelSize", kernelSize, nd, 1);
    this.stride = a.stride == null ? this.kernelSize : tuple(name, "stride", a.stride, nd, 1);
    this.padding = tuple(name, "padding", given(a.padding, 0), nd, 0);
    this.dilation = tuple(name, "dilation", given(a.dilation, 1), nd, 1);
    this.returnIndices = checkBool(name, "returnIndices", a.returnIndices ?? false);
    this.ceilMode = checkBool(name, "ceilMode", given(a.ceilMode, false));
    this.#pool = pool;
  }

  override forward(x: Tensor): Pooled<R> {
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    return (this.returnIndices ? this.#pool(x, this.kernelSize, { ...opts, returnIndices: true }) : this.#pool(x, this.kernelSize, opts)) as Pooled<R>;
  }

  override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, dilation=${show(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

type MaxPoolArgs = Args<[stride: Ints | null, padding: Ints, dilation: Ints, returnIndices: boolean, ceilMode: boolean],
  { stride?: Ints | null; padding?: Ints; dilation?: Ints; returnIndices?: boolean; ceilMode?: boolean }>;

/**
 * torch.nn.MaxPool2d(kernelSize, stride=kernelSize, padding=0, dilation=1, returnIndices=false, ceilMode=false)
 * over [N, C, H, W] or [C, H, W]; with returnIndices, forward returns [values, indices]. See `F.maxPool2d`.
 * @example
 * const pool = new nn.MaxPool2d(2);
 * pool.forward(x); // [N, C, 28, 28] → [N, C, 14, 14]
 * const [values, indices] = new nn.MaxPool2d<true>(3, { stride: 2, padding: 1, returnIndices: true }).forward(x);
 */
export class MaxPool2d<R extends boolean = false> extends MaxPoolN<R> {
  constructor(kernelSize: Ints, ...args: MaxPoolArgs) {
    super(2, kernelSize, args, F.maxPool2d);
  }
}

/**
 * torch.nn.MaxPool3d(kernelSize, stride=kernelSize, padding=0, dilation=1, returnIndices=false, ceilMode=false)
 * over [N, C, D, H, W] or [C, D, H, W]; with returnIndices, forward returns [values, indices]. See `F.maxPool3d`.
 * @example
 * const pool = new nn.MaxPool3d(2);
 * pool.forward(x); // [N, C, 8, 8, 8] → [N, C, 4, 4, 4]
 * const [values, indices] = new nn.MaxPool3d<true>(3, { stride: 2, returnIndices: true }).forward(x);
 */
export class MaxPool3d<R extends boolean = false> extends MaxPoolN<R> {
  constructor(kernelSize: Ints, ...args: MaxPoolArgs) {
    super(3, kernelSize, args, F.maxPool3d);
  }
}

/**
 * torch.nn.AdaptiveAvgPool3d(outputSize): [OD, OH, OW] (null keeps that input size) or one number for all three.
 * @example
 * const gap = new nn.AdaptiveAvgPool3d(1);
 * gap.forward(x); // [N, C, D, H, W] → [N, C, 1, 1, 1]
 */
export class AdaptiveAvgPool3d extends Module {
  /** [OD, OH, OW]; null keeps that input size */
  readonly outputSize: (number | null)[];

  constructor(outputSize: Size2) {
    super();
    checkArity("nn.AdaptiveAvgPool3d", arguments, ["outputSize"]);
    this.outputSize = sizeN("AdaptiveAvgPool3d", outputSize, 3);
  }

  override forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool3d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=[${this.outputSize.join(", ")}]`;
  }
}

/**
 * torch.nn.AdaptiveMaxPool1d(outputSize, returnIndices=false) over [N, C, L] or [C, L]; with
 * returnIndices, forward returns [values, indices]. See `F.adaptiveMaxPool1d`.
 * @example
 * const pool = new nn.AdaptiveMaxPool1d(4);
 * pool.forward(x); // [N, C, L] → [N, C, 4]
 */
export class AdaptiveMaxPool1d<R extends boolean = false> extends Module {
  /** the output length */
  readonly outputSize: number;
  /** forward returns [values, indices] */
  readonly returnIndices: boolean;

  constructor(outputSize: number, ...args: Args<[returnIndices: boolean], { returnIndices?: boolean }>) {
    super();
    const name = "nn.AdaptiveMaxPool1d";
    this.outputSize = checkInt(name, "outputSize", outputSize, 1);
    this.returnIndices = checkBool(name, "returnIndices", parseArgs(name, args, ["returnIndices"]).returnIndices ?? false);
  }

  override forward(x: Tensor): Pooled<R> {
    return (this.returnIndices ? F.adaptiveMaxPool1d(x, this.outputSize, { returnIndices: true }) : F.adaptiveMaxPool1d(x, this.outputSize)) as Pooled<R>;
  }

  override extraRepr(): string {
    return `outputSize=${this.outputSize}`;
  }
}

/**
 * torch.nn.AdaptiveMaxPool3d(outputSize, returnIndices=false): [OD, OH, OW] (null keeps that input
 * size) or one number for all three; with returnIndices, forward returns [values, indices].
 * @example
 * const pool = new nn.AdaptiveMaxPool3d([1, 2, 2]);
 * pool.forward(x); // [N, C, D, H, W] → [N, C, 1, 2, 2]
 */
export class AdaptiveMaxPool3d<R extends boolean = false> extends Module {
  /** [OD, OH, OW]; null keeps that input size */
  readonly outputSize: (number | null)[];
  /** forward returns [values, indices] */
  readonly returnIndices: boolean;

  constructor(outputSize: Size2, ...args: Args<[returnIndices: boolean], { returnIndices?: boolean }>) {
    super();
    const name = "nn.AdaptiveMaxPool3d";
    this.outputSize = sizeN("AdaptiveMaxPool3d", outputSize, 3);
    this.returnIndices = checkBool(name, "returnIndices", parseArgs(name, args, ["returnIndices"]).returnIndices ?? false);
  }

  override forward(x: Tensor): Pooled<R> {
    return (this.returnIndices ? F.adaptiveMaxPool3d(x, this.outputSize, { returnIndices: true }) : F.adaptiveMaxPool3d(x, this.outputSize)) as Pooled<R>;
  }

  override extraRepr(): string {
    return `outputSize=[${this.outputSize.join(", ")}]`;
  }
}
