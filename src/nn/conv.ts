// Convolution layers over the composites in src/functional/conv.ts: Conv1d, Conv2d, Conv3d,
// ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, with PyTorch's constructor arguments, parameter shapes and initialisation.
import { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import type { ConvPadding } from "../functional/conv.js";
import { type Args, checkBool, checkEnum, checkInt, given, parseArgs, tuple } from "../functional/args.js";
import { Module, Parameter, checkForward } from "./module.js";
import * as init from "./init.js";

type Ints = number | readonly number[];
const show = (v: readonly number[]) => `[${v.join(", ")}]`;

/** How a convolution layer pads its input: with zeros (inside the convolution), or by F.pad's
 *  reflect, replicate or circular modes before a convolution without padding. */
export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";
const PADDING_MODES: readonly PaddingMode[] = ["zeros", "reflect", "replicate", "circular"];

/** The options of {@link Conv1d}, {@link Conv2d} and {@link Conv3d} (PyTorch's keyword arguments). */
export interface ConvLayerOptions {
  /** Step between windows (default 1). */
  stride?: Ints;
  /** Padding on both sides per spatial dim, or "same" / "valid" (default 0). */
  padding?: ConvPadding;
  /** Spacing between kernel taps (default 1). */
  dilation?: Ints;
  /** Channel groups: inChannels and outChannels must both be divisible by it (default 1). */
  groups?: number;
  /** A learnt bias per output channel (default true). */
  bias?: boolean;
  /** How the padding is filled (default "zeros"). */
  paddingMode?: PaddingMode;
}

/** The options of {@link ConvTranspose1d}, {@link ConvTranspose2d} and {@link ConvTranspose3d} (PyTorch's keyword arguments). */
export interface ConvTransposeLayerOptions {
  /** The stride of the convolution this is the adjoint of (default 1). */
  stride?: Ints;
  /** The padding of the convolution this is the adjoint of (default 0). */
  padding?: Ints;
  /** Extra size added to one side of the output (default 0). */
  outputPadding?: Ints;
  /** Channel groups (default 1). */
  groups?: number;
  /** A learnt bias per output channel (default true). */
  bias?: boolean;
  /** Spacing between kernel taps (default 1). */
  dilation?: Ints;
  /** Only "zeros", as PyTorch. */
  paddingMode?: "zeros";
}

/**
 * What the convolution layers share, like PyTorch's _ConvNd: the checked arguments, the weight
 * ([out, in/groups, ...k], transposed: [in, out/groups, ...k]) and bias, PyTorch's initialisation
 * (kaiming-uniform with a = √5, bias U(±1/√fanIn)).
 */
abstract class ConvBase extends Module {
  /** Channels of the input (PyTorch's in_channels). */
  readonly inChannels: number;
  /** Channels of the output (PyTorch's out_channels). */
  readonly outChannels: number;
  /** Kernel extent per spatial dim, one entry per dim (PyTorch's kernel_size). */
  readonly kernelSize: number[];
  /** Step between windows per spatial dim. */
  readonly stride: number[];
  /** Zero padding per spatial dim (both sides), or "same" / "valid"; the transposed layers hold only numbers. */
  readonly padding: number[] | "same" | "valid";
  /** Spacing between kernel taps per spatial dim. */
  readonly dilation: number[];
  /** Channel groups: inChannels and outChannels are both divisible by it. */
  readonly groups: number;
  /** How the padding is filled (PyTorch's padding_mode); always "zeros" for the transposed layers. */
  readonly paddingMode: PaddingMode;
  /** The learnt kernel: [outChannels, inChannels/groups, ...kernelSize]; transposed: [inChannels, outChannels/groups, ...kernelSize]. */
  weight: Tensor;
  /** The learnt bias [outChannels], or null when built with bias false. */
  bias: Tensor | null;

  protected constructor(nd: number, transposed: boolean, inChannels: number, outChannels: number, kernelSize: Ints, a: Record<string, unknown>) {
    super();
    const name = `nn.${this.constructor.name}`;
    this.inChannels = checkInt(name, "inChannels", inChannels, 1);
    this.outChannels = checkInt(name, "outChannels", outChannels, 1);
    this.kernelSize = tuple(name, "kernelSize", kernelSize, nd, 1);
    this.stride = tuple(name, "stride", given(a.stride, 1), nd, 1);
    this.dilation = tuple(name, "dilation", given(a.dilation, 1), nd, 1);
    this.groups = checkInt(name, "groups", given(a.groups, 1), 1);
    if (inChannels % this.groups !== 0) throw new Error(`${name}: inChannels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new Error(`${name}: outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    const p = given(a.padding, 0);
    if (p === "same" || p === "valid") {
      if (p === "same" && this.stride.some((s) => s !== 1)) throw new Error(`${name}: padding 'same' is not supported for strided convolutions`);
      this.padding = p;
    } else this.padding = tuple(name, "padding", p, nd, 0);
    this.paddingMode = checkEnum(name, "paddingMode", given(a.paddingMode, "zeros"), transposed ? ["zeros"] as PaddingMode[] : PADDING_MODES);
    const shape = transposed ? [inChannels, outChannels / this.groups] : [outChannels, inChannels / this.groups];
    this.weight = Parameter(Tensor.empty([...shape, ...this.kernelSize]));
    this.bias = checkBool(name, "bias", given(a.bias, true)) ? Parameter(Tensor.empty([outChannels])) : null;
    this.resetParameters();
  }

  /** Re-draws the weight (kaiming-uniform, a = √5) and the bias (U(±1/√fanIn)) as PyTorch does. */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}`;
    s += `, padding=${typeof this.padding === "string" ? `'${this.padding}'` : show(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${show(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    s += `, bias=${this.bias !== null}`;
    if (this.paddingMode !== "zeros") s += `, paddingMode='${this.paddingMode}'`;
    return s;
  }

  /** The convolution, with a non-zeros padding mode done by F.pad first (PyTorch's _conv_forward). */
  protected conv(x: Tensor, f: typeof F.conv2d): Tensor {
    const opts = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === "zeros") return f(x, this.weight, this.bias, { ...opts, padding: this.padding });
    // F.pad's list: [before, after] per spatial dim, last dim first
    const pads = this.kernelSize.map((k, i): [number, number] => {
      if (this.padding === "valid") return [0, 0];
      if (this.padding === "same") {
        const total = this.dilation[i] * (k - 1);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      }
      return [this.padding[i], this.padding[i]];
    }).reverse().flat();
    return f(F.pad(x, pads, { mode: this.paddingMode as F.PadMode }), this.weight, this.bias, { ...opts, padding: 0 });
  }
}

/**
 * 1-D convolution layer (torch.nn.Conv1d): input [N, inChannels, L] or [inChannels, L], weight
 * [outChannels, inChannels/groups, kernelSize], bias [outChannels]. Arguments after kernelSize are
 * PyTorch's (stride, padding, dilation, groups, bias, paddingMode), positional or in an options object.
 *
 * @throws on non-positive sizes, channels not divisible by groups, padding "same" with a stride
 *   above 1, an unknown paddingMode or option
 * @example
 * ```ts
 * const conv = new nn.Conv1d(4, 8, 3, { padding: "same", dilation: 2 });
 * conv.forward(Tensor.randn([2, 4, 16])).shape; // [2, 8, 16]
 * ```
 */
export class Conv1d extends ConvBase {
  constructor(
    inChannels: number, outChannels: number, kernelSize: Ints,
    ...args: Args<[stride: Ints, padding: ConvPadding, dilation: Ints, groups: number, bias: boolean, paddingMode: PaddingMode], ConvLayerOptions>
  ) {
    super(1, false, inChannels, outChannels, kernelSize, parseArgs("nn.Conv1d", args, ["stride", "padding", "dilation", "groups", "bias", "paddingMode"]));
  }

  /** [N, inChannels, L] → [N, outChannels, Lout] (or unbatched). */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return this.conv(x, F.conv1d);
  }
}

/**
 * 2-D convolution layer (torch.nn.Conv2d): input [N, inChannels, H, W] or [inChannels, H, W],
 * weight [outChannels, inChannels/groups, kh, kw], bias [outChannels]. Arguments after kernelSize
 * are PyTorch's (stride, padding, dilation, groups, bias, paddingMode), positional or in an
 * options object.
 *
 * @throws on non-positive sizes, channels not divisible by groups, padding "same" with a stride
 *   above 1, an unknown paddingMode or option
 * @example
 * ```ts
 * const conv = new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 });
 * conv.forward(Tensor.randn([2, 3, 9, 9])).shape; // [2, 8, 5, 5]
 * const depthwise = new nn.Conv2d(8, 8, 3, { padding: "same", groups: 8, paddingMode: "reflect" });
 * ```
 */
export class Conv2d extends ConvBase {
  constructor(
    inChannels: number, outChannels: number, kernelSize: Ints,
    ...args: Args<[stride: Ints, padding: ConvPadding, dilation: Ints, groups: number, bias: boolean, paddingMode: PaddingMode], ConvLayerOptions>
  ) {
    super(2, false, inChannels, outChannels, kernelSize, parseArgs("nn.Conv2d", args, ["stride", "padding", "dilation", "groups", "bias", "paddingMode"]));
  }

  /** [N, inChannels, H, W] → [N, outChannels, OH, OW] (or unbatched). */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return this.conv(x, F.conv2d);
  }
}

/**
 * 3-D convolution layer (torch.nn.Conv3d): input [N, inChannels, D, H, W] or [inChannels, D, H, W],
 * weight [outChannels, inChannels/groups, kd, kh, kw], bias [outChannels]. Arguments after
 * kernelSize are PyTorch's (stride, padding, dilation, groups, bias, paddingMode), positional or in
 * an options object; see `F.conv3d`.
 *
 * @throws on non-positive sizes, channels not divisible by groups, padding "same" with a stride
 *   above 1, an unknown paddingMode or option
 * @example
 * ```ts
 * const conv = new nn.Conv3d(2, 4, 3, { stride: [1, 2, 2], padding: 1 });
 * conv.forward(Tensor.randn([1, 2, 5, 8, 8])).shape; // [1, 4, 5, 4, 4]
 * ```
 */
export class Conv3d extends ConvBase {
  constructor(
    inChannels: number, outChannels: number, kernelSize: Ints,
    ...args: Args<[stride: Ints, padding: ConvPadding, dilation: Ints, groups: number, bias: boolean, paddingMode: PaddingMode], ConvLayerOptions>
  ) {
    super(3, false, inChannels, outChannels, kernelSize, parseArgs("nn.Conv3d", args, ["stride", "padding", "dilation", "groups", "bias", "paddingMode"]));
  }

  /** [N, inChannels, D, H, W] → [N, outChannels, OD, OH, OW] (or unbatched). */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return this.conv(x, F.conv3d);
  }
}

/** Base of the transposed convolution layers: outputPadding besides the shared arguments. */
abstract class ConvTransposeBase extends ConvBase {
  /** Extra size added to one side of the output per spatial dim (PyTorch's output_padding). */
  readonly outputPadding: number[];

  protected constructor(nd: number, inChannels: number, outChannels: number, kernelSize: Ints, a: Record<string, unknown>) {
    const name = `nn.ConvTranspose${nd}d`;
    if (typeof a.padding === "string") throw new Error(`${name}: padding must be ${nd === 1 ? "an integer" : `an integer or an array of ${nd}`}, got the string '${a.padding}' (only convolutions take 'same' and 'valid')`);
    super(nd, true, inChannels, outChannels, kernelSize, a);
    this.outputPadding = tuple(name, "outputPadding", given(a.outputPadding, 0), nd, 0);
    this.outputPadding.forEach((o, i) => {
      if (o >= this.stride[i] && o >= this.dilation[i]) throw new Error(`${name}: outputPadding must be smaller than either stride or dilation, got ${show(this.outputPadding)}`);
    });
  }

  /** The convolution's arguments as PyTorch prints them, with outputPadding where not 0 (for toString). */
  override extraRepr(): string {
    const s = super.extraRepr();
    return this.outputPadding.some((o) => o !== 0) ? s.replace(/, bias=/, `, outputPadding=${show(this.outputPadding)}, bias=`) : s;
  }

  protected convT(x: Tensor, f: typeof F.convTranspose2d): Tensor {
    return f(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding as number[], outputPadding: this.outputPadding, groups: this.groups, dilation: this.dilation,
    });
  }
}

const CONVT_KEYS = ["stride", "padding", "outputPadding", "groups", "bias", "dilation", "paddingMode"];
type ConvTArgs = Args<[stride: Ints, padding: Ints, outputPadding: Ints, groups: number, bias: boolean, dilation: Ints, paddingMode: "zeros"], ConvTransposeLayerOptions>;

/**
 * 1-D transposed convolution layer (torch.nn.ConvTranspose1d): input [N, inChannels, L], weight
 * [inChannels, outChannels/groups, kernelSize], bias [outChannels]. Arguments after kernelSize are
 * PyTorch's (stride, padding, outputPadding, groups, bias, dilation, paddingMode "zeros").
 *
 * @throws on non-positive sizes, channels not divisible by groups, an outputPadding not smaller
 *   than the stride or the dilation, a paddingMode other than "zeros", an unknown option
 * @example
 * ```ts
 * new nn.ConvTranspose1d(4, 2, 4, { stride: 2, padding: 1 }).forward(Tensor.randn([1, 4, 8])).shape; // [1, 2, 16]
 * ```
 */
export class ConvTranspose1d extends ConvTransposeBase {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, ...args: ConvTArgs) {
    super(1, inChannels, outChannels, kernelSize, parseArgs("nn.ConvTranspose1d", args, CONVT_KEYS));
  }

  /** [N, inChannels, L] → [N, outChannels, Lout] (or unbatched). */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return this.convT(x, F.convTranspose1d);
  }
}

/**
 * 2-D transposed convolution layer (torch.nn.ConvTranspose2d): input [N, inChannels, H, W], weight
 * [inChannels, outChannels/groups, kh, kw], bias [outChannels]. Arguments after kernelSize are
 * PyTorch's (stride, padding, outputPadding, groups, bias, dilation, paddingMode "zeros").
 *
 * @throws on non-positive sizes, channels not divisible by groups, an outputPadding not smaller
 *   than the stride or the dilation, a paddingMode other than "zeros", an unknown option
 * @example
 * ```ts
 * const up = new nn.ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 1 });
 * up.forward(Tensor.randn([1, 8, 7, 7])).shape; // [1, 4, 14, 14]
 * ```
 */
export class ConvTranspose2d extends ConvTransposeBase {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, ...args: ConvTArgs) {
    super(2, inChannels, outChannels, kernelSize, parseArgs("nn.ConvTranspose2d", args, CONVT_KEYS));
  }

  /** [N, inChannels, H, W] → [N, outChannels, OH, OW] (or unbatched). */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return this.convT(x, F.convTranspose2d);
  }
}

/**
 * 3-D transposed convolution layer (torch.nn.ConvTranspose3d): input [N, inChannels, D, H, W],
 * weight [inChannels, outChannels/groups, kd, kh, kw], bias [outChannels]. Arguments after
 * kernelSize are PyTorch's (stride, padding, outputPadding, groups, bias, dilation, paddingMode
 * "zeros"); see `F.convTranspose3d`.
 *
 * @throws on non-positive sizes, channels not divisible by groups, an outputPadding not smaller
 *   than the stride or the dilation, a paddingMode other than "zeros", an unknown option
 * @example
 * ```ts
 * const up = new nn.ConvTranspose3d(4, 2, 2, { stride: 2 });
 * up.forward(Tensor.randn([1, 4, 3, 4, 4])).shape; // [1, 2, 6, 8, 8]
 * ```
 */
export class ConvTranspose3d extends ConvTransposeBase {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, ...args: ConvTArgs) {
    super(3, inChannels, outChannels, kernelSize, parseArgs("nn.ConvTranspose3d", args, CONVT_KEYS));
  }

  /** [N, inChannels, D, H, W] → [N, outChannels, OD, OH, OW] (or unbatched). */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return this.convT(x, F.convTranspose3d);
  }
}
