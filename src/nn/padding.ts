// Padding layers (torch.nn.ZeroPad2d, ConstantPad1d, ReflectionPad2d, ...): modules holding a
// padding tuple that call F.pad, with the module's name in every error.
import { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { checkArity, checkNumber } from "../check.js";
import { describe, tuple } from "../functional/args.js";
import { Module, checkForward } from "./module.js";

type Mode = "constant" | "reflect" | "replicate" | "circular";

/** An int (every side) or PyTorch's tuple of 2·dims ints; negative ints (cropping) only for constant padding. */
function padTuple(op: string, v: unknown, n: number, mode: Mode): number[] {
  if (mode !== "constant") return tuple(op, "padding", v, n, 0);
  const arr = typeof v === "number" ? Array<number>(n).fill(v) : Array.isArray(v) ? [...(v as unknown[])] : null;
  if (!arr || arr.length !== n || arr.some((x) => typeof x !== "number" || !Number.isInteger(x))) {
    throw new Error(`${op}: padding must be an integer or an array of ${n} integers, got ${describe(v)}`);
  }
  return arr as number[];
}

/** The shared body of the padding layers: F.pad with a fixed tuple, mode and value. */
abstract class PadLayer extends Module {
  /** PyTorch's tuple: [left, right] for the 1-d layers, [left, right, top, bottom] for the 2-d ones. */
  readonly padding: readonly number[];
  readonly #op: string;
  readonly #dims: 1 | 2;
  readonly #mode: Mode;
  readonly #value: number;

  protected constructor(op: string, dims: 1 | 2, padding: unknown, mode: Mode, value = 0) {
    super();
    this.#op = op;
    this.#dims = dims;
    this.#mode = mode;
    this.#value = value;
    this.padding = padTuple(op, padding, 2 * dims, mode);
  }

  /**
   * Pads the last 1 (1-d layers) or 2 (2-d layers) dims of x.
   * @throws Error for an input rank the mode does not take (reflect, replicate and circular pad a
   *   [C, W] or [N, C, W] input in 1-d, [C, H, W] or [N, C, H, W] in 2-d), or a pad too large for it.
   * @example
   * new nn.ReflectionPad1d(2).forward(Tensor.arange(4).reshape(1, 4)); // [[2, 1, 0, 1, 2, 3, 2, 1]]
   */
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    const op = this.#op, d = this.#dims;
    if (!(x instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${describe(x)}`);
    if (this.#mode !== "constant" && x.ndim !== d + 1 && x.ndim !== d + 2) {
      const forms = d === 1 ? "2-D [C, W] or 3-D [N, C, W]" : "3-D [C, H, W] or 4-D [N, C, H, W]";
      throw new Error(`${op}: input must be ${forms}, got shape [${x.shape.join(", ")}]`);
    }
    try {
      return F.pad(x, this.padding, this.#mode, this.#value);
    } catch (e) {
      // F.pad's refusals (a pad too large for the input) under the layer's name
      throw new Error(`${op}: ${(e as Error).message.replace(/^pad: /, "")}`, { cause: e });
    }
  }

  override extraRepr(): string {
    return `padding=[${this.padding.join(", ")}]${this.#mode === "constant" ? `, value=${this.#value}` : ""}`;
  }
}

/**
 * Pads the last dim with `value`: [..., W] → [..., left + W + right]; negative pads crop.
 * torch.nn.ConstantPad1d(padding, value): padding is one int for both sides or [left, right].
 * @throws Error (constructor) if padding is not an integer or an array of 2, or value not a number.
 * @example
 * new nn.ConstantPad1d([3, 1], 3.5).forward(x); // x [N, C, W] → [N, C, W + 4]
 */
export class ConstantPad1d extends PadLayer {
  /** the fill value */
  readonly value: number;

  constructor(padding: number | readonly [number, number], value: number) {
    super("nn.ConstantPad1d", 1, padding, "constant", checkNumber("nn.ConstantPad1d", "value", value));
    checkArity("nn.ConstantPad1d", arguments, ["padding", "value"]);
    this.value = value;
  }
}

/**
 * Pads the last two dims with `value`: [..., H, W] → [..., top + H + bottom, left + W + right];
 * negative pads crop.
 * torch.nn.ConstantPad2d(padding, value): padding is one int for every side or [left, right, top, bottom].
 * @throws Error (constructor) if padding is not an integer or an array of 4, or value not a number.
 * @example
 * new nn.ConstantPad2d([3, 0, 2, 1], 3.5).forward(x); // x [N, C, H, W] → [N, C, H + 3, W + 3]
 */
export class ConstantPad2d extends PadLayer {
  /** the fill value */
  readonly value: number;

  constructor(padding: number | readonly [number, number, number, number], value: number) {
    super("nn.ConstantPad2d", 2, padding, "constant", checkNumber("nn.ConstantPad2d", "value", value));
    checkArity("nn.ConstantPad2d", arguments, ["padding", "value"]);
    this.value = value;
  }
}

/**
 * Pads the last dim with zeros: `ConstantPad1d(padding, 0)`.
 * torch.nn.ZeroPad1d(padding) (PyTorch 2.0): one int for both sides or [left, right].
 * @throws Error (constructor) if padding is not an integer or an array of 2.
 * @example
 * new nn.ZeroPad1d(2).forward(x); // x [N, C, W] → [N, C, W + 4]
 */
export class ZeroPad1d extends PadLayer {
  constructor(padding: number | readonly [number, number]) {
    super("nn.ZeroPad1d", 1, padding, "constant");
    checkArity("nn.ZeroPad1d", arguments, ["padding"]);
  }
}

/**
 * Pads the last two dims with zeros: `ConstantPad2d(padding, 0)`.
 * torch.nn.ZeroPad2d(padding): one int for every side or [left, right, top, bottom].
 * @throws Error (constructor) if padding is not an integer or an array of 4.
 * @example
 * new nn.ZeroPad2d([1, 1, 2, 0]).forward(x); // x [N, C, H, W] → [N, C, H + 2, W + 2]
 */
export class ZeroPad2d extends PadLayer {
  constructor(padding: number | readonly [number, number, number, number]) {
    super("nn.ZeroPad2d", 2, padding, "constant");
    checkArity("nn.ZeroPad2d", arguments, ["padding"]);
  }
}

/**
 * Pads the last dim with its mirror image, the edge not repeated (each pad smaller than W).
 * torch.nn.ReflectionPad1d(padding): one int or [left, right]; input [C, W] or [N, C, W].
 * @throws Error (constructor) if padding is not a non-negative integer or an array of 2 of them.
 * @example
 * new nn.ReflectionPad1d([3, 1]).forward(Tensor.arange(4).reshape(1, 1, 4)); // [[[3, 2, 1, 0, 1, 2, 3, 2]]]
 */
export class ReflectionPad1d extends PadLayer {
  constructor(padding: number | readonly [number, number]) {
    super("nn.ReflectionPad1d", 1, padding, "reflect");
    checkArity("nn.ReflectionPad1d", arguments, ["padding"]);
  }
}

/**
 * Pads the last two dims with their mirror image, the edges not repeated (each pad smaller than its dim).
 * torch.nn.ReflectionPad2d(padding): one int or [left, right, top, bottom]; input [C, H, W] or [N, C, H, W].
 * @throws Error (constructor) if padding is not a non-negative integer or an array of 4 of them.
 * @example
 * new nn.ReflectionPad2d(2).forward(x); // x [N, C, H, W] → [N, C, H + 4, W + 4]
 */
export class ReflectionPad2d extends PadLayer {
  constructor(padding: number | readonly [number, number, number, number]) {
    super("nn.ReflectionPad2d", 2, padding, "reflect");
    checkArity("nn.ReflectionPad2d", arguments, ["padding"]);
  }
}

/**
 * Pads the last dim by repeating its edge values.
 * torch.nn.ReplicationPad1d(padding): one int or [left, right]; input [C, W] or [N, C, W].
 * @throws Error (constructor) if padding is not a non-negative integer or an array of 2 of them.
 * @example
 * new nn.ReplicationPad1d([2, 1]).forward(Tensor.arange(3).reshape(1, 1, 3)); // [[[0, 0, 0, 1, 2, 2]]]
 */
export class ReplicationPad1d extends PadLayer {
  constructor(padding: number | readonly [number, number]) {
    super("nn.ReplicationPad1d", 1, padding, "replicate");
    checkArity("nn.ReplicationPad1d", arguments, ["padding"]);
  }
}

/**
 * Pads the last two dims by repeating their edge values.
 * torch.nn.ReplicationPad2d(padding): one int or [left, right, top, bottom]; input [C, H, W] or [N, C, H, W].
 * @throws Error (constructor) if padding is not a non-negative integer or an array of 4 of them.
 * @example
 * new nn.ReplicationPad2d([1, 1, 2, 0]).forward(x); // x [N, C, H, W] → [N, C, H + 2, W + 2]
 */
export class ReplicationPad2d extends PadLayer {
  constructor(padding: number | readonly [number, number, number, number]) {
    super("nn.ReplicationPad2d", 2, padding, "replicate");
    checkArity("nn.ReplicationPad2d", arguments, ["padding"]);
  }
}

/**
 * Pads the last dim by wrapping around (the left pad comes from the right end; each pad at most W).
 * torch.nn.CircularPad1d(padding) (PyTorch 2.1): one int or [left, right]; input [C, W] or [N, C, W].
 * @throws Error (constructor) if padding is not a non-negative integer or an array of 2 of them.
 * @example
 * new nn.CircularPad1d(1).forward(Tensor.arange(3).reshape(1, 1, 3)); // [[[2, 0, 1, 2, 0]]]
 */
export class CircularPad1d extends PadLayer {
  constructor(padding: number | readonly [number, number]) {
    super("nn.CircularPad1d", 1, padding, "circular");
    checkArity("nn.CircularPad1d", arguments, ["padding"]);
  }
}

/**
 * Pads the last two dims by wrapping around (periodic boundary; each pad at most its dim).
 * torch.nn.CircularPad2d(padding) (PyTorch 2.1): one int or [left, right, top, bottom]; input [C, H, W] or [N, C, H, W].
 * @throws Error (constructor) if padding is not a non-negative integer or an array of 4 of them.
 * @example
 * new nn.CircularPad2d(1).forward(x); // x [N, C, H, W] → [N, C, H + 2, W + 2]
 */
export class CircularPad2d extends PadLayer {
  constructor(padding: number | readonly [number, number, number, number]) {
    super("nn.CircularPad2d", 2, padding, "circular");
    checkArity("nn.CircularPad2d", arguments, ["padding"]);
  }
}
