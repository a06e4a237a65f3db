// The fluent Tensor methods (x.add(y).sum().backward()): the top of the core. Each is one line
// that calls an op, a composite or the engine; they are added to core.ts's class here, so the
// layers below never import this file (no import cycle) and the compiler sees one Tensor type.
import { Tensor } from "./core.js";
import type { DType } from "./backend/backend.js";
import { UNARY_OPS, type UnaryOp } from "./prims.js";
import { fmt } from "./shape.js";
import { DTYPES, availableDevices } from "./backend/backend.js";
import { checkArity, checkBool, checkEnum, checkInt, checkNumber, checkOptions, describe } from "./check.js";
import { normDims } from "./shape.js";
import * as ops from "./ops.js";
import * as scans from "./scans.js";
import * as F from "./functional.js";
import * as T from "./tensor_ops.js";
import * as S from "./statistics.js";
import type { Args } from "./functional/args.js";
import { backward, grad } from "./engine.js";
import type { FromOptions, NestedArray, SliceIndex } from "./core.js";
import type { TypedArray } from "./backend/backend.js";

export { Tensor, grad };
export type { DType } from "./backend/backend.js";
export type { TensorOptions } from "./core.js";
// re-exported from the local import, not `from "./core.js"` again: that form makes tsc drop
// SliceIndex from this file's .d.ts imports while the emitted methods still name it
export type { FromOptions, NestedArray, SliceIndex };
export type { ValuesIndices } from "./scans.js";

type Dims = number | readonly number[];
/** Options of the reductions (`sum`, `mean`, `max`, ...), PyTorch's `keepdim=` keyword. */
export interface ReduceOptions {
  /** Keep each reduced dim with size 1, so the result broadcasts against the input. Default false. */
  keepdim?: boolean;
}
/** Options of `var` and `std`. */
export interface VarOptions extends ReduceOptions {
  /** Subtracted from the element count in the divisor: 1 (Bessel's correction, the default) or 0 for the population variance. */
  correction?: number;
}

const DTYPE_NAMES: readonly string[] = DTYPES; // widened, for includes() on unchecked input

/** A reduction's (dim?, opts?) checked: dim an integer or a list of them (an empty list means every
 *  dim, as in PyTorch 1.13), or the options object in the dim's place; known option keys only. */
function reduceArgs<O extends ReduceOptions>(op: string, dim: Dims | O | undefined, opts: O | undefined, single = false, extra: string[] = []): [Dims | undefined, O] {
  if (typeof dim === "object" && dim !== null && !Array.isArray(dim)) {
    if (opts !== undefined) throw new Error(`${op}: options given twice (in the dim's place and after it)`);
    [dim, opts] = [undefined, dim as O];
  }
  const o = checkOptions(op, opts, ["keepdim", ...extra]);
  if (o.keepdim !== undefined) checkBool(op, "keepdim", o.keepdim);
  if ((o as VarOptions).correction !== undefined) checkNumber(op, "correction", (o as VarOptions).correction, true);
  if (dim === undefined) return [undefined, o];
  if (single || !Array.isArray(dim)) return [checkInt(op, "dim", dim), o];
  (dim as readonly unknown[]).forEach((d) => checkInt(op, "dim", d));
  return [(dim as readonly number[]).length === 0 ? undefined : (dim as readonly number[]), o];
}

/** Sizes or dims given as arguments or one array (reshape(2, 3), reshape([2, 3])); a non-number
 *  entry is refused here, naming the op, so `reshape({ shape })` is not printed as "[object Object]". */
function flatArgs(op: string, name: string, args: (number | readonly number[])[]): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
  for (const v of list) {
    if (typeof v !== "number") throw new Error(`${op}: ${name} must be integers, as arguments or one array, got ${describe(args.length === 1 ? args[0] : v)}`);
  }
  return list;
}

// Arity checks: PyTorch's further positional parameters must not be silently ignored. The methods
// compare `arguments.length` (free on the hot path) and only then call `tooMany` for the error.
const NO_ARGS: readonly string[] = [], OTHER = ["other"], DIM = ["dim"], DIM_OPTS = ["dim", "options"];
function tooMany(op: string, n: number, names: readonly string[]): void {
  if (names.length === 0) throw new Error(`${op}: expected no arguments, got ${n}`);
  checkArity(op, { length: n }, names);
}

/** `to`'s (device, dtype) arguments as [device or null, dtype or null]: a dtype name in the device's
 *  place is the dtype (no device is named like a dtype), a tensor there gives its device and dtype. */
function toTarget(op: string, x: Tensor, device: unknown, dtype: unknown, n: number): [string | null, DType | null] {
  if (device instanceof Tensor || DTYPE_NAMES.includes(device as string)) {
    if (n > 1 && dtype !== undefined) throw new Error(`${op}: after a ${device instanceof Tensor ? "tensor" : "dtype"} no further argument is accepted (PyTorch's non_blocking and copy are not supported), got ${describe(dtype)}`);
    return device instanceof Tensor ? [device.device, device.dtype] : [null, device as DType];
  }
  if (device !== null && device !== undefined && device !== x.device && (typeof device !== "string" || !availableDevices().includes(device))) {
    throw new Error(`${op}: device must be an available device (${availableDevices().join(", ")}) or a dtype (${DTYPE_NAMES.join(", ")}), got ${describe(device)}`);
  }
  if (dtype !== null && dtype !== undefined && !DTYPE_NAMES.includes(dtype as string)) {
    throw new Error(`${op}: dtype must be one of ${DTYPE_NAMES.join(", ")}, got ${describe(dtype)}`);
  }
  return [(device as string | null | undefined) ?? null, (dtype as DType | null | undefined) ?? null];
}

/** Tensor.cat / Tensor.stack's dim: an integer, or `{ dim }` (PyTorch's keyword). */
function joinDim(op: string, dim: unknown): number {
  if (typeof dim === "object" && dim !== null && !Array.isArray(dim)) dim = checkOptions(op, dim as { dim?: number }, ["dim"]).dim ?? 0;
  return checkInt(op, "dim", dim);
}

/** clamp/clip's bounds by name (PyTorch's `clamp(min=..., max=...)` keywords). */
type ClampOptions = { min?: number | null; max?: number | null };

/** clamp/clip's (min, max) or ({ min, max }). */
function clampArgs(op: string, x: Tensor, n: number, min: number | null | ClampOptions | undefined, max: number | null | undefined): Tensor {
  if (n > 2) tooMany(op, n, ["min", "max"]);
  if (typeof min === "object" && min !== null && !((min as unknown) instanceof Tensor)) {
    if (n > 1) throw new Error(`${op}: options given twice (in min's place and after it)`);
    ({ min, max } = checkOptions(op, min, ["min", "max"]));
  }
  return ops.clamp(x, min as number | null | undefined, max, op);
}

/** The elementwise unary primitives that are public methods with no arguments (all but the
 *  internal copy, and round, which takes options and is in `methods`). */
type UnaryMethod = Exclude<UnaryOp, "copy" | "round">;
type UnaryMethodsBase = { [K in UnaryMethod]: () => Tensor };

/** The methods generated from prims.ts's unary table, with the documentation of those that have it. */
interface UnaryMethods extends UnaryMethodsBase {
  /**
   * The smallest integer-valued float ≥ each element (torch.ceil). int32 input is returned as is.
   * Gradient: zero. Any shape; returns the same shape and dtype.
   * @example tensor([1.2, -1.2]).ceil() // [2, -1]
   */
  ceil(): Tensor;
  /**
   * Each element rounded toward zero (torch.trunc). int32 input is returned as is. Gradient: zero.
   * @example tensor([1.7, -1.7]).trunc() // [1, -1]
   */
  trunc(): Tensor;
  /**
   * 2^x elementwise (torch.exp2). int32 input gives float32. Gradient: 2^x·ln 2.
   * @example tensor([3, -1]).exp2() // [8, 0.5]
   */
  exp2(): Tensor;
  /**
   * Base-2 logarithm (torch.log2): NaN below 0, -Infinity at 0. int32 input gives float32.
   * @example tensor([8, 0.5]).log2() // [3, -1]
   */
  log2(): Tensor;
  /**
   * Base-10 logarithm (torch.log10): NaN below 0, -Infinity at 0. int32 input gives float32.
   * @example tensor([1000, 0.1]).log10() // [3, -1]
   */
  log10(): Tensor;
  /**
   * e^x - 1, accurate near 0 (torch.expm1). int32 input gives float32.
   * @example tensor([1e-10]).expm1() // [1e-10] (exp(x) - 1 gives 0)
   */
  expm1(): Tensor;
  /**
   * Tangent, x in radians (torch.tan). int32 input gives float32. Gradient: 1 + tan²x.
   * On webgpu the argument is reduced in float32: near the poles, accuracy drops for |x| beyond about 1e3.
   * @example tensor([0, Math.PI / 4]).tan() // [0, 1]
   */
  tan(): Tensor;
  /**
   * Hyperbolic sine (torch.sinh). int32 input gives float32. Gradient: cosh x.
   * @example tensor([0, 1]).sinh() // [0, 1.1752]
   */
  sinh(): Tensor;
  /**
   * Hyperbolic cosine (torch.cosh). int32 input gives float32. Gradient: sinh x.
   * @example tensor([0, 1]).cosh() // [1, 1.5431]
   */
  cosh(): Tensor;
  /**
   * Arcsine in radians (torch.asin): NaN outside [-1, 1]. int32 input gives float32.
   * Gradient: 1/√(1 - x²) (infinite at ±1).
   * @example tensor([0, 1]).asin() // [0, 1.5708]
   */
  asin(): Tensor;
  /**
   * Arccosine in radians (torch.acos): NaN outside [-1, 1]. int32 input gives float32.
   * Gradient: -1/√(1 - x²).
   * @example tensor([1, 0]).acos() // [0, 1.5708]
   */
  acos(): Tensor;
  /**
   * Arctangent in radians, in (-π/2, π/2) (torch.atan). int32 input gives float32. Gradient: 1/(1 + x²).
   * @example tensor([0, 1]).atan() // [0, 0.7854]
   */
  atan(): Tensor;
  /**
   * 1 where an element is NaN, else 0 (torch.isnan). Like the comparisons, the result is float32
   * 0/1 (PyTorch's is bool) and has no gradient; int32 input gives all zeros.
   * @example tensor([1, NaN]).isnan() // [0, 1]
   */
  isnan(): Tensor;
  /**
   * 1 where an element is +Infinity or -Infinity, else 0 (torch.isinf); float32 0/1, no gradient.
   * @example tensor([1, -Infinity, NaN]).isinf() // [0, 1, 0]
   */
  isinf(): Tensor;
  /**
   * 1 where an element is neither NaN nor infinite, else 0 (torch.isfinite); float32 0/1, no gradient.
   * @example tensor([1, Infinity, NaN]).isfinite() // [1, 0, 0]
   */
  isfinite(): Tensor;
}

/** Options of `add` and `sub`. */
export interface AddOptions {
  /** The factor of the other operand: this ± alpha·o (PyTorch's alpha); 1 by default. */
  alpha?: number;
}

/** o·alpha for add/sub's alpha (anything else passes through, for binary's error); only called
 *  with options, so a plain add pays nothing for it */
function scaledBy(op: string, self: Tensor, o: Tensor | number, opts: AddOptions | undefined): Tensor | number {
  const alpha = checkNumber(op, "alpha", checkOptions(op, opts, ["alpha"]).alpha ?? 1);
  if (alpha === 1) return o;
  // int32 with int32 (or an integer number) stays int32: a fractional alpha is refused, as PyTorch does
  const intOther = o instanceof Tensor ? o.dtype === "int32" : Number.isInteger(o);
  if (self.dtype === "int32" && intOther && !Number.isInteger(alpha)) {
    throw new Error(`${op}: alpha must be an integer for int32 operands, got ${alpha} (PyTorch: "For integral input tensors, argument alpha must not be a floating point number")`);
  }
  return typeof o === "number" ? o * alpha : o instanceof Tensor ? o.mul(alpha) : o;
}

/** Options of `div`. */
export interface DivOptions {
  /** PyTorch's rounding_mode: `"trunc"` rounds the quotient toward zero, `"floor"` down (Python's
   *  `//`); null or absent, true division. With a rounding mode int32 operands give int32. */
  roundingMode?: "trunc" | "floor" | null;
}

/** Options of `round`. */
export interface RoundOptions {
  /** Decimal places to keep (negative: round to tens, hundreds, ...); 0 by default. */
  decimals?: number;
}

/** Options of `nanToNum`: the replacements (numbers, any value). */
export interface NanToNumOptions {
  /** What NaN becomes; 0 by default. */
  nan?: number;
  /** What +Infinity becomes; by default the dtype's largest finite value (3.4028e38 for float32). */
  posinf?: number;
  /** What -Infinity becomes; by default the dtype's lowest finite value (-3.4028e38 for float32). */
  neginf?: number;
}

const methods = {
  // ---- dtype, device, autograd -------------------------------------------------------------
  /**
   * A copy on another device and/or of another dtype, or this tensor if it already is both; gradients
   * flow back (between float dtypes). PyTorch's forms: `to(device)`, `to(dtype)`, `to(device, dtype)`
   * (either may be null: unchanged) and `to(other)` (other's device and dtype).
   * @throws Error for an unknown or unavailable device, an unknown dtype, or a further argument.
   * @example
   * const g = x.to("webgpu"); // after await initDevice("webgpu")
   * const d = x.to("float64");
   * const c = x.to("cpu", "int32");
   */
  to(this: Tensor, device: string | DType | Tensor | null, dtype?: DType | null): Tensor {
    if (arguments.length > 2) tooMany("to", arguments.length, ["device", "dtype"]);
    const [dev, dt] = toTarget("to", this, device, dtype, arguments.length);
    const t = dt === null ? this : ops.cast(this, dt);
    return dev === null ? t : ops.toDevice(t, dev);
  },
  /**
   * `to(device)` (and `to`'s other forms) from any device: the values are read with the async form
   * first, so a tensor on webgpu comes back to a host device (torch's `.cpu()`, `.to("cpu")`); gradients flow back.
   * @throws Error for an unknown or unavailable device, an unknown dtype, or a further argument.
   * @example
   * const h = await g.toAsync("cpu");
   */
  toAsync(this: Tensor, device: string | DType | Tensor | null, dtype?: DType | null): Promise<Tensor> {
    const n = arguments.length;
    // async, so that bad arguments reject like a failed copy does
    return (async () => {
      if (n > 2) tooMany("toAsync", n, ["device", "dtype"]);
      const [dev, dt] = toTarget("toAsync", this, device, dtype, n);
      const t = dev === null ? this : await ops.toDeviceAsync(this, dev);
      return dt === null ? t : ops.cast(t, dt);
    })();
  },
  /**
   * Convert to a dtype (torch's `.to(dtype)`); gradients flow between float dtypes.
   * @throws Error for an unknown dtype.
   * @example
   * const i = x.cast("int32");
   */
  cast(this: Tensor, dtype: DType): Tensor {
    if (!DTYPE_NAMES.includes(dtype)) throw new Error(`cast: unknown dtype '${dtype}' (expected ${DTYPE_NAMES.join(", ")})`);
    return ops.cast(this, dtype);
  },
  /**
   * `cast("float32")` (torch's `.float()`).
   * @example
   * const f = labels.float();
   */
  float(this: Tensor): Tensor { if (arguments.length > 0) tooMany("float", arguments.length, NO_ARGS); return ops.cast(this, "float32"); },
  /**
   * `cast("int32")` (torch's `.int()`; there is no int64 here, indices are int32).
   * @example
   * const idx = Tensor.arange(0, 3, 1, { dtype: "float32" }).int();
   */
  int(this: Tensor): Tensor { if (arguments.length > 0) tooMany("int", arguments.length, NO_ARGS); return ops.cast(this, "int32"); },
  /**
   * Backpropagate from this tensor: accumulate d(this)/d(leaf) into every leaf's `.grad` (torch's `.backward()`),
   * in place where `.grad` is already set, as PyTorch does.
   * @param gradient - d(loss)/d(this), of this tensor's shape; needed unless this tensor has one element.
   * @throws Error if this tensor does not require grad, if a non-scalar has no `gradient`, or if a tensor the graph needs was modified in place since.
   * @example
   * const loss = model.forward(x).sub(y).square().mean();
   * loss.backward();
   */
  backward(this: Tensor, gradient?: Tensor): void { backward(this, gradient); },
  /**
   * Write src's values (broadcast to this shape) into this tensor's own storage, in place, and return
   * this tensor (torch's `.copy_()` / `.fill_()` under no_grad). Not recorded by autograd: for optimizers and init.
   * @throws Error if src does not broadcast to this shape.
   * @example
   * w.assign(Tensor.randn(w.shape).mul(0.02));
   * b.assign(0);
   */
  assign<T extends Tensor>(this: T, src: Tensor | number): T { ops.assign(this, src); return this; },

  // ---- elementwise (the unary primitives come from prims.ts's table, below) -----------------
  /**
   * this + o (or this + alpha·o), elementwise with broadcasting (torch.add). int32 with float32
   * gives float32.
   * @throws Error if the shapes do not broadcast.
   * @example
   * tensor([1, 2]).add(tensor([[10], [20]])); // [[11, 12], [21, 22]]
   * x.add(g, { alpha: -0.1 });
   */
  add(this: Tensor, o: Tensor | number, opts?: AddOptions): Tensor {
    if (arguments.length > 2) tooMany("add", arguments.length, ["other", "options"]);
    return ops.binary("add", this, opts === undefined ? o : scaledBy("add", this, o, opts)); },
  /**
   * this - o (or this - alpha·o), elementwise with broadcasting (torch.sub).
   * @example
   * const centred = x.sub(x.mean(0));
   */
  sub(this: Tensor, o: Tensor | number, opts?: AddOptions): Tensor {
    if (arguments.length > 2) tooMany("sub", arguments.length, ["other", "options"]);
    return ops.binary("sub", this, opts === undefined ? o : scaledBy("sub", this, o, opts)); },
  /**
   * this · o, elementwise with broadcasting (torch.mul).
   * @example
   * const scaled = x.mul(0.5);
   */
  mul(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("mul", arguments.length, OTHER);
    return ops.binary("mul", this, o);
  },
  /**
   * this / o, elementwise with broadcasting (torch.div): true division, so int32 inputs give
   * float32; or with `roundingMode` "trunc" or "floor" the quotient rounded toward zero or down
   * (int32 inputs then give int32, and an int32 zero divisor is an error, as in PyTorch). The
   * rounded quotients have a zero gradient.
   * @example
   * const p = counts.div(counts.sum());
   * tensor([-7, 7], { dtype: "int32" }).div(2, { roundingMode: "floor" }); // [-4, 3]
   */
  div(this: Tensor, o: Tensor | number, opts?: DivOptions): Tensor {
    if (arguments.length > 2) tooMany("div", arguments.length, ["other", "options"]);
    const mode = checkOptions("div", opts, ["roundingMode"]).roundingMode ?? null;
    if (mode === null) return ops.binary("div", this, o);
    return ops.binary(checkEnum("div", "roundingMode", mode, ["trunc", "floor"]) === "floor" ? "divFloor" : "divTrunc", this, o, "div");
  },
  /**
   * this / o rounded down, elementwise with broadcasting (torch.floor_divide, Python's `//`):
   * `div(o, { roundingMode: "floor" })`.
   * @example
   * tensor([-7, 7], { dtype: "int32" }).floorDivide(2); // [-4, 3]
   */
  floorDivide(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("floorDivide", arguments.length, OTHER);
    return ops.binary("divFloor", this, o, "floorDivide");
  },
  /**
   * this ** o, elementwise with broadcasting; float result (torch.pow).
   * @example
   * const cube = x.pow(3);
   */
  pow(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("pow", arguments.length, OTHER);
    return ops.binary("pow", this, o);
  },
  /**
   * The larger of this and o, elementwise with broadcasting (torch.maximum); ties split the gradient.
   * @example
   * const relu = x.maximum(0);
   */
  maximum(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("maximum", arguments.length, OTHER);
    return ops.binary("maximum", this, o);
  },
  /**
   * The smaller of this and o, elementwise with broadcasting (torch.minimum).
   * @example
   * const capped = x.minimum(1);
   */
  minimum(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("minimum", arguments.length, OTHER);
    return ops.binary("minimum", this, o);
  },
  /**
   * this == o elementwise, as float32 1/0 (PyTorch returns bool; there is no bool dtype here). No gradient.
   * @example
   * const correct = pred.argmax(1).eq(labels).sum();
   */
  eq(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("eq", arguments.length, OTHER);
    return ops.binary("eq", this, o);
  },
  /**
   * this != o elementwise, as float32 1/0 (torch.ne). No gradient.
   * @example
   * const mask = tokens.ne(0);
   */
  ne(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("ne", arguments.length, OTHER);
    return ops.binary("ne", this, o);
  },
  /**
   * this > o elementwise, as float32 1/0 (torch.gt). No gradient.
   * @example
   * const positive = x.gt(0);
   */
  gt(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("gt", arguments.length, OTHER);
    return ops.binary("gt", this, o);
  },
  /**
   * this >= o elementwise, as float32 1/0 (torch.ge). No gradient.
   * @example
   * const m = x.ge(0.5);
   */
  ge(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("ge", arguments.length, OTHER);
    return ops.binary("ge", this, o);
  },
  /**
   * this < o elementwise, as float32 1/0 (torch.lt). No gradient.
   * @example
   * const m = x.lt(0);
   */
  lt(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("lt", arguments.length, OTHER);
    return ops.binary("lt", this, o);
  },
  /**
   * this <= o elementwise, as float32 1/0 (torch.le). No gradient.
   * @example
   * const m = x.le(1);
   */
  le(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("le", arguments.length, OTHER);
    return ops.binary("le", this, o);
  },
  /**
   * GELU, elementwise: x·Φ(x) with the exact erf form, or `{ approximate: "tanh" }` (torch.nn.functional.gelu).
   * @example
   * const h = x.gelu({ approximate: "tanh" });
   */
  gelu(this: Tensor, opts?: { approximate?: "none" | "tanh" }): Tensor { return F.gelu(this, opts); },
  /**
   * SiLU (swish), elementwise: x·σ(x) (torch.nn.functional.silu).
   * @example
   * const h = x.silu();
   */
  silu(this: Tensor): Tensor { if (arguments.length > 0) tooMany("silu", arguments.length, NO_ARGS); return F.silu(this); },
  /**
   * Leaky ReLU, elementwise: x if x > 0 else negativeSlope·x (torch.nn.functional.leaky_relu).
   * @example
   * const h = x.leakyRelu(0.2);
   */
  leakyRelu(this: Tensor, negativeSlope = 0.01): Tensor { return F.leakyRelu(this, negativeSlope); },
  /**
   * Limit values to [min, max]; either bound may be null or omitted (torch.clamp). The bounds may
   * also be given by name, as PyTorch's `clamp(min=0)`: `clamp({ min: 0 })`.
   * @throws Error if both bounds are missing, or a bound is not a number.
   * @example
   * const p = probs.clamp(1e-7, 1 - 1e-7);
   * const r = x.clamp({ min: 0 });
   */
  clamp(this: Tensor, min?: number | null | { min?: number | null; max?: number | null }, max?: number | null): Tensor { return clampArgs("clamp", this, arguments.length, min, max); },
  /**
   * Python's modulo (torch.remainder): `a - b·floor(a/b)`, the result takes the divisor's sign.
   * Broadcasts and promotes like `add`; int32 operands give int32, and an int32 zero divisor throws
   * (PyTorch's ZeroDivisionError). Float division by zero gives NaN. Gradients: 1 for this,
   * -floor(a/b) for `o`.
   * @example tensor([-3, 5]).remainder(2) // [1, 1]
   * @throws when `o` is not a Tensor or number, the shapes do not broadcast, or an int32 divisor holds 0
   */
  remainder(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("remainder", arguments.length, OTHER);
    return ops.binary("remainder", this, o);
  },
  /**
   * C's fmod (torch.fmod): `a - b·trunc(a/b)`, the result takes the dividend's sign. Broadcasts and
   * promotes like `add`; int32 operands give int32, and an int32 zero divisor throws. Gradients: 1
   * for this, -trunc(a/b) for `o`.
   * @example tensor([-3, 5]).fmod(2) // [-1, 1]
   * @throws when `o` is not a Tensor or number, the shapes do not broadcast, or an int32 divisor holds 0
   */
  fmod(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("fmod", arguments.length, OTHER);
    return ops.binary("fmod", this, o);
  },
  /**
   * The angle of the point (o, this) in radians, in [-π, π] (torch.atan2(this, o)): the quadrant
   * comes from both signs. Broadcasts like `add`; int32 operands give float32 (PyTorch takes
   * only a tensor for `o`; a number is accepted here). Gradients: o/(this² + o²) and -this/(this² + o²).
   * @example tensor([1, -1]).atan2(tensor([-1, -1])) // [2.3562, -2.3562]
   */
  atan2(this: Tensor, o: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("atan2", arguments.length, OTHER);
    return ops.binary("atan2", this, o);
  },
  /**
   * Round to the nearest integer, halves to the even one (torch.round: 0.5 → 0, 1.5 → 2, 2.5 → 2),
   * or to `decimals` places: round(x·10^decimals)/10^decimals in float32, as PyTorch computes it.
   * int32 input is returned as is (decimals other than 0 are refused on int32, as in PyTorch).
   * Gradient: zero. Returns the input's shape and dtype.
   * @example tensor([0.5, 1.5, 2.5, -0.5]).round() // [0, 2, 2, -0]
   * @example tensor([1.2345]).round({ decimals: 2 }) // [1.23]
   * @throws on an unknown option or a decimals that is not an integer
   */
  round(this: Tensor, opts?: RoundOptions): Tensor {
    const o = checkOptions("round", opts, ["decimals"]);
    return o.decimals === undefined ? ops.unary("round", this) : ops.roundDecimals(this, checkInt("round", "decimals", o.decimals));
  },
  /**
   * NaN, +Infinity and -Infinity replaced by finite numbers (torch.nan_to_num): `nan` (0),
   * `posinf` and `neginf` (the dtype's largest and lowest finite values). The gradient passes
   * where the input is finite and is 0 elsewhere, as in PyTorch. int32 input is returned as is.
   * @example tensor([NaN, Infinity, -1]).nanToNum({ posinf: 9 }) // [0, 9, -1]
   * @throws on an unknown option or a replacement that is not a number
   */
  nanToNum(this: Tensor, opts?: NanToNumOptions): Tensor {
    const o = checkOptions("nanToNum", opts, ["nan", "posinf", "neginf"]);
    for (const k of ["nan", "posinf", "neginf"] as const) if (o[k] !== undefined) checkNumber("nanToNum", k, o[k]);
    return ops.nanToNum(this, o.nan, o.posinf, o.neginf);
  },

  // ---- selection ---------------------------------------------------------------------------
  /**
   * `value` where `mask` is nonzero, this tensor's values elsewhere (torch's `.masked_fill`); this and
   * mask broadcast together. value: a number or a 0-d tensor.
   * @throws Error if mask is not a Tensor or the shapes do not broadcast.
   * @example
   * const scores = att.maskedFill(causal.eq(0), -Infinity);
   */
  maskedFill(this: Tensor, mask: Tensor, value: number | Tensor): Tensor { return ops.maskedFill(this, mask, value); },
  /**
   * The lower triangle of the last two dims: elements above diagonal k (an integer: 0 the main
   * diagonal, positive above it) become 0 (torch.tril(diagonal)).
   * @throws Error for fewer than 2 dims, or a diagonal that is not an integer.
   * @example
   * const causal = Tensor.ones([4, 4]).tril();
   */
  tril(this: Tensor, k = 0): Tensor {
    if (arguments.length > 1) tooMany("tril", arguments.length, ["diagonal"]);
    return ops.triangle(this, checkInt("tril", "diagonal", k), "tril");
  },
  /**
   * The upper triangle of the last two dims: elements below diagonal k (an integer) become 0 (torch.triu(diagonal)).
   * @throws Error for fewer than 2 dims, or a diagonal that is not an integer.
   * @example
   * const future = Tensor.ones([4, 4]).triu(1);
   */
  triu(this: Tensor, k = 0): Tensor {
    if (arguments.length > 1) tooMany("triu", arguments.length, ["diagonal"]);
    return ops.triangle(this, checkInt("triu", "diagonal", k), "triu");
  },

  // ---- reductions (dim and options checked by reduceArgs; the options may take the dim's place) ----
  /**
   * Sum over `dim` (an int, negative from the end, or a list; all dims when omitted or []) (torch.sum).
   * The options may take the dim's place: `sum({ keepdim: true })`.
   * @throws Error for a dim out of range or an unknown option.
   * @example
   * tensor([[1, 2], [3, 4]]).sum(1);                    // [3, 7]
   * tensor([[1, 2], [3, 4]]).sum(0, { keepdim: true }); // [[4, 6]]
   */
  sum(this: Tensor, dim?: Dims | ReduceOptions, opts?: ReduceOptions): Tensor {
    if (arguments.length > 2) tooMany("sum", arguments.length, DIM_OPTS);
    if (dim === undefined && opts === undefined) return ops.sum(this); // x.sum(): nothing to check
    const [d, o] = reduceArgs("sum", dim, opts);
    return ops.sum(this, d, o.keepdim);
  },
  /**
   * Mean over `dim` (an int or a list; all dims when omitted); int32 input gives float32 (torch.mean).
   * @example
   * const loss = diff.square().mean();
   */
  mean(this: Tensor, dim?: Dims | ReduceOptions, opts?: ReduceOptions): Tensor {
    if (arguments.length > 2) tooMany("mean", arguments.length, DIM_OPTS);
    const [d, o] = reduceArgs("mean", dim, opts);
    return ops.mean(this, d, o.keepdim);
  },
  /**
   * The largest values over `dim` (an int or a list; all dims when omitted), values only
   * (torch.amax); ties share the gradient evenly. `max(dim)` gives values and indices.
   * @example
   * const m = x.amax([1, 2]);
   */
  amax(this: Tensor, dim?: Dims | ReduceOptions, opts?: ReduceOptions): Tensor {
    if (arguments.length > 2) tooMany("amax", arguments.length, DIM_OPTS);
    const [d, o] = reduceArgs("amax", dim, opts);
    return ops.extreme("max", this, d, o.keepdim, "amax");
  },
  /**
   * The smallest values over `dim`, values only (torch.amin); ties share the gradient evenly.
   * @example
   * const m = x.amin(0);
   */
  amin(this: Tensor, dim?: Dims | ReduceOptions, opts?: ReduceOptions): Tensor {
    if (arguments.length > 2) tooMany("amin", arguments.length, DIM_OPTS);
    const [d, o] = reduceArgs("amin", dim, opts);
    return ops.extreme("min", this, d, o.keepdim, "amin");
  },
  /**
   * int32 indices of the largest values along one dim, or into the flattened tensor when dim is omitted (torch.argmax).
   * @example
   * const pred = logits.argmax(1); // shape [batch]
   */
  argmax(this: Tensor, dim?: number | ReduceOptions, opts?: ReduceOptions): Tensor {
    if (arguments.length > 2) tooMany("argmax", arguments.length, DIM_OPTS);
    const [d, o] = reduceArgs("argmax", dim, opts, true);
    return ops.argExtreme("argmax", this, d as number | undefined, o.keepdim);
  },
  /**
   * int32 indices of the smallest values along one dim, or into the flattened tensor (torch.argmin).
   * @example
   * const nearest = dists.argmin(1);
   */
  argmin(this: Tensor, dim?: number | ReduceOptions, opts?: ReduceOptions): Tensor {
    if (arguments.length > 2) tooMany("argmin", arguments.length, DIM_OPTS);
    const [d, o] = reduceArgs("argmin", dim, opts, true);
    return ops.argExtreme("argmin", this, d as number | undefined, o.keepdim);
  },
  /**
   * log(sum(exp(x))) over `dim`, computed without overflow (torch.logsumexp; the dim is optional here).
   * @example
   * const lse = logits.logsumexp(-1);
   */
  logsumexp(this: Tensor, dim?: Dims | ReduceOptions, opts?: ReduceOptions): Tensor {
    if (arguments.length > 2) tooMany("logsumexp", arguments.length, DIM_OPTS);
    const [d, o] = reduceArgs("logsumexp", dim, opts);
    return F.logsumexp(this, d, o);
  },
  /**
   * Variance over `dim` (all dims when omitted), with Bessel's correction unless `{ correction: 0 }` (torch.var).
   * @example
   * const v = x.var(0, { correction: 0 });
   */
  var(this: Tensor, dim?: Dims | VarOptions, opts?: VarOptions): Tensor {
    if (arguments.length > 2) tooMany("var", arguments.length, DIM_OPTS);
    const [d, o] = reduceArgs("var", dim, opts, false, ["correction"]);
    return F.variance(this, d, o);
  },
  /**
   * Standard deviation over `dim`: sqrt(var) (torch.std); the gradient is 0 where the deviation is 0.
   * @example
   * const z = x.sub(x.mean()).div(x.std());
   */
  std(this: Tensor, dim?: Dims | VarOptions, opts?: VarOptions): Tensor {
    if (arguments.length > 2) tooMany("std", arguments.length, DIM_OPTS);
    const [d, o] = reduceArgs("std", dim, opts, false, ["correction"]);
    if (d !== undefined) normDims("std", d, this.ndim); // F.std's own check would name var
    return F.std(this, d, o);
  },
  /**
   * Whether every element is nonzero (torch.all), over all elements (a 0-d result) or along one
   * `dim` (negative counts from the end; `keepdim` keeps it with size 1). NaN counts as nonzero,
   * an empty reduction gives 1. The result is float32 0/1 like the comparisons (PyTorch's is bool),
   * with no gradient; int32 input works too.
   * @example tensor([[1, 0], [2, 3]]).all(1) // [0, 1]
   * @example tensor([[1, 0], [2, 3]]).all() // 0
   * @throws when dim is not an integer in range, or on an unknown option
   */
  all(this: Tensor, dim?: number | ReduceOptions, opts?: ReduceOptions): Tensor {
    if (arguments.length > 2) tooMany("all", arguments.length, DIM_OPTS);
    const [d, o] = reduceArgs("all", dim, opts, true);
    return ops.anyAll("all", this, d as number | undefined, o.keepdim);
  },
  /**
   * Whether any element is nonzero (torch.any), over all elements (a 0-d result) or along one
   * `dim` (negative counts from the end; `keepdim` keeps it). NaN counts as nonzero, an empty
   * reduction gives 0. float32 0/1 like the comparisons, no gradient.
   * @example tensor([[1, 0], [0, 0]]).any(-1) // [1, 0]
   * @throws when dim is not an integer in range, or on an unknown option
   */
  any(this: Tensor, dim?: number | ReduceOptions, opts?: ReduceOptions): Tensor {
    if (arguments.length > 2) tooMany("any", arguments.length, DIM_OPTS);
    const [d, o] = reduceArgs("any", dim, opts, true);
    return ops.anyAll("any", this, d as number | undefined, o.keepdim);
  },

  // ---- linear algebra ----------------------------------------------------------------------
  /**
   * Matrix product with torch.matmul's rules: 1-D·1-D is a dot product, [n, k]·[k, m] is [n, m],
   * and leading (batch) dims broadcast: [b, n, k]·[k, m] is [b, n, m]. Float tensors only.
   * @throws Error for 0-d or int32 inputs, or inner dims that do not match.
   * @example
   * const y = x.matmul(w); // [batch, in]·[in, out] → [batch, out]
   */
  matmul(this: Tensor, o: Tensor): Tensor {
    if (arguments.length > 1) tooMany("matmul", arguments.length, OTHER);
    return ops.matmul(this, o);
  },

  // ---- movement (views where possible) ----------------------------------------------------
  /**
   * The same elements in a new shape (torch.reshape): sizes as arguments or one array, one of them may
   * be -1 (inferred). A view when the strides allow, a copy otherwise.
   * @throws Error if the element counts differ.
   * @example
   * Tensor.arange(6).reshape(2, 3);
   * x.reshape([-1, 784]);
   */
  reshape(this: Tensor, ...shape: (number | readonly number[])[]): Tensor { return ops.reshape(this, flatArgs("reshape", "shape", shape), false); },
  /**
   * Like reshape, but always a view sharing storage (torch's `.view`).
   * @throws Error if the element counts differ, or the strides cannot express the view (use reshape).
   * @example
   * const flat = x.view(-1);
   */
  view(this: Tensor, ...shape: (number | readonly number[])[]): Tensor { return ops.reshape(this, flatArgs("view", "shape", shape), true); },
  /**
   * Merge dims startDim..endDim (inclusive, negative from the end) into one (torch.flatten). A 0-d tensor becomes [1].
   * @example
   * images.flatten(1); // [n, 1, 28, 28] → [n, 784]
   */
  flatten(this: Tensor, startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); },
  /**
   * Drop size-1 dims: all of them, or only `dim` (an int or a list) where its size is 1 (torch.squeeze). A view.
   * @example
   * Tensor.zeros([2, 1, 3]).squeeze(1); // shape [2, 3]
   */
  squeeze(this: Tensor, dim?: Dims): Tensor { return ops.squeeze(this, dim); },
  /**
   * Insert a size-1 dim at `dim` (negative counts from the end of the result) (torch.unsqueeze). A view.
   * @example
   * tensor([1, 2]).unsqueeze(0); // shape [1, 2]
   */
  unsqueeze(this: Tensor, dim: number): Tensor { return ops.unsqueeze(this, dim); },
  /**
   * Reorder the dims: dim i of the result is dim dims[i] of this tensor (torch.permute). A view.
   * @throws Error unless dims is a permutation of the dims.
   * @example
   * images.permute(0, 2, 3, 1); // NCHW → NHWC
   */
  permute(this: Tensor, ...dims: (number | readonly number[])[]): Tensor { return ops.permute(this, flatArgs("permute", "dims", dims)); },
  /**
   * Swap two dims (torch.transpose). A view.
   * @example
   * const kT = k.transpose(-2, -1);
   */
  transpose(this: Tensor, d0: number, d1: number): Tensor {
    if (arguments.length > 2) tooMany("transpose", arguments.length, ["dim0", "dim1"]);
    return ops.transpose(this, d0, d1);
  },
  /**
   * Move one dim to a new position, keeping the others in order (torch.movedim). A view.
   * @example
   * Tensor.zeros([2, 3, 4]).movedim(2, 0); // shape [4, 2, 3]
   */
  movedim(this: Tensor, source: number, destination: number): Tensor { return ops.movedim(this, source, destination); },
  /**
   * Sliding windows of `size` every `step` along `dim`, as a new last dim (a view; torch.Tensor.unfold).
   * @example
   * Tensor.arange(5).unfold(0, 2, 1); // [[0,1],[1,2],[2,3],[3,4]]
   */
  unfold(this: Tensor, dim: number, size: number, step: number): Tensor { return ops.unfold(this, dim, size, step); },
  /**
   * Elements [start, start + length) of a dim (a view; torch.narrow).
   * @throws Error if the range is outside the dim.
   * @example
   * x.narrow(1, 0, 2); // the first two columns
   */
  narrow(this: Tensor, dim: number, start: number, length: number): Tensor { return ops.narrow(this, dim, start, length); },
  /**
   * Broadcast size-1 dims (and add leading dims) to `shape`, without copying (torch's `.expand`); -1 keeps a size.
   * @throws Error if a non-1 size would have to change.
   * @example
   * tensor([[1], [2]]).expand(2, 3); // [[1,1,1],[2,2,2]]
   */
  expand(this: Tensor, ...shape: (number | readonly number[])[]): Tensor { return ops.expand(this, flatArgs("expand", "shape", shape)); },
  /**
   * `expand(o.shape)` (torch's `.expand_as`).
   * @example
   * const b = bias.expandAs(x);
   */
  expandAs(this: Tensor, o: Tensor): Tensor { return ops.expand(this, o.shape); },
  /**
   * This tensor if its elements are already row-major without gaps, else a contiguous copy (torch's `.contiguous`).
   * @example
   * const c = x.transpose(0, 1).contiguous();
   */
  contiguous(this: Tensor): Tensor { if (arguments.length > 0) tooMany("contiguous", arguments.length, NO_ARGS); return ops.contiguous(this); },
  /**
   * A copy with its own storage; gradients flow back (torch's `.clone`).
   * @example
   * const snapshot = w.clone().detach();
   */
  clone(this: Tensor): Tensor { if (arguments.length > 0) tooMany("clone", arguments.length, NO_ARGS); return ops.clone(this); },
  /**
   * PyTorch's basic indexing as a view: one index per dim, a number selects (and drops) the dim,
   * [start?, end?, step?] is Python's start:end:step (negatives count from the end), null inserts a size-1 dim.
   * `t.slice(0, [1, 3], [null, null, 2])` is `t[0, 1:3, ::2]`.
   * @throws Error for too many indices or a number index out of range.
   * @example
   * const last = x.slice([-1]);          // x[-1:]
   * const firstCol = x.slice([], 0);     // x[:, 0]
   */
  slice(this: Tensor, ...idx: SliceIndex[]): Tensor { return ops.slice(this, idx); },

  // ---- gathering ---------------------------------------------------------------------------
  /**
   * The entries at the int32 `index` (0-d or 1-D) along `dim` (torch.index_select).
   * @throws Error for a non-int32 or multi-dim index, or an index out of range.
   * @example
   * const rows = table.indexSelect(0, tensor([2, 0], { dtype: "int32" }));
   */
  indexSelect(this: Tensor, dim: number, index: Tensor): Tensor { return ops.indexSelect(this, dim, index); },
  /**
   * out[i][j] = this[index[i][j]][j] for dim 0 (and so on): picks along `dim` by an int32 index with as many dims (torch.gather).
   * @throws Error if index has a different number of dims, is larger than the input elsewhere, or is out of range.
   * @example
   * const picked = logp.gather(1, labels.unsqueeze(1)); // [n, 1]
   */
  gather(this: Tensor, dim: number, index: Tensor): Tensor {
    // PyTorch's sparse_grad is keyword-only (a third positional is its TypeError too)
    if (arguments.length > 2) tooMany("gather", arguments.length, ["dim", "index"]);
    return ops.gather(this, checkInt("gather", "dim", dim), index);
  },
  /**
   * Views of consecutive pieces along `dim`: of `size` each (the last may be smaller), or of the listed sizes (torch.split).
   * @throws Error for a non-positive size or sizes that do not sum to the dim.
   * @example
   * const [q, k, v] = qkv.split(64, -1);
   */
  split(this: Tensor, size: number | readonly number[], dim = 0): Tensor[] {
    if (arguments.length > 2) tooMany("split", arguments.length, ["splitSize", "dim"]);
    return ops.split(this, size, dim);
  },
  /**
   * Up to `n` equal views along `dim` (the last may be smaller) (torch.chunk).
   * @example
   * const [a, b] = x.chunk(2, 1);
   */
  chunk(this: Tensor, n: number, dim = 0): Tensor[] {
    if (arguments.length > 2) tooMany("chunk", arguments.length, ["chunks", "dim"]);
    return ops.chunk(this, n, dim);
  },

  // ---- tensor ops (src/tensor_ops.ts: reordering, norms and products, scatter family, in place) ----
  /** Reverse along dims (torch.flip; PyTorch's Tensor.flip(*dims): `x.flip(0, 1)` is `x.flip([0, 1])`); see {@link T.flip}. @example x.flip(0, 1) */
  flip(this: Tensor, ...dims: (number | readonly number[])[]): Tensor {
    return T.flip(this, dims.length === 1 ? dims[0] : flatArgs("flip", "dims", dims));
  },
  /** Roll elements along dims (torch.roll); see {@link T.roll}. @example x.roll(1, 0) */
  roll(this: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    if (arguments.length > 2) tooMany("roll", arguments.length, ["shifts", "dims"]);
    return T.roll(this, shifts, dims);
  },
  /** Repeat along each dim (Tensor.repeat). @example x.repeat(2, 1) */
  repeat(this: Tensor, ...sizes: (number | readonly number[])[]): Tensor { return T.repeat(this, ...sizes); },
  /** Repeat along each dim, leading dims padded with 1 (torch.tile); see {@link T.tile}. @example x.tile(2) */
  tile(this: Tensor, ...reps: (number | readonly number[])[]): Tensor { return T.tile(this, ...reps); },
  /** Repeat each element along a dim (repeat_interleave); see {@link T.repeatInterleave}. @example x.repeatInterleave(2, { dim: 0 }) */
  repeatInterleave(this: Tensor, repeats: number | readonly number[] | Tensor, ...args: Args<[dim: number], T.RepeatInterleaveOptions>): Tensor { return T.repeatInterleave(this, repeats, ...args); },
  /** The slices along a dim, without it (torch.unbind); see {@link T.unbind}. @example const [a, b] = x.unbind(0) */
  unbind(this: Tensor, dim = 0): Tensor[] { if (arguments.length > 1) tooMany("unbind", arguments.length, ["dim"]); return T.unbind(this, dim); },
  /** Split one dim into several (Tensor.unflatten); see {@link T.unflatten}. @example x.unflatten(1, [2, 3]) */
  unflatten(this: Tensor, dim: number, sizes: readonly number[]): Tensor {
    if (arguments.length > 2) tooMany("unflatten", arguments.length, ["dim", "sizes"]);
    return T.unflatten(this, dim, sizes);
  },
  /** The vector p-norm (Tensor.norm); see {@link T.norm}. @example x.norm(2, { dim: 1 }) */
  norm(this: Tensor, ...args: Args<[p: T.NormOrd, dim: number | readonly number[] | null, keepdim: boolean], T.NormOptions>): Tensor { return T.norm(this, ...args); },
  /** Outer product of two vectors (torch.outer); see {@link T.outer}. @example a.outer(b) */
  outer(this: Tensor, vec2: Tensor): Tensor { if (arguments.length > 1) tooMany("outer", arguments.length, ["vec2"]); return T.outer(this, vec2); },
  /** Batched product of 3-D tensors (torch.bmm); see {@link T.bmm}. @example a.bmm(b) */
  bmm(this: Tensor, mat2: Tensor): Tensor { if (arguments.length > 1) tooMany("bmm", arguments.length, ["mat2"]); return T.bmm(this, mat2); },
  /** beta·this + alpha·(mat1 @ mat2) (torch.addmm); see {@link T.addmm}. @example bias.addmm(x, w) */
  addmm(this: Tensor, mat1: Tensor, mat2: Tensor, opts?: T.AddmmOptions): Tensor {
    if (arguments.length > 3) tooMany("addmm", arguments.length, ["mat1", "mat2", "options"]);
    return T.addmm(this, mat1, mat2, opts);
  },
  /** this + weight·(end - this) (torch.lerp); see {@link T.lerp}. @example a.lerp(b, 0.5) */
  lerp(this: Tensor, end: Tensor, weight: Tensor | number): Tensor {
    if (arguments.length > 2) tooMany("lerp", arguments.length, ["end", "weight"]);
    return T.lerp(this, end, weight);
  },
  /** this + value·t1·t2 (torch.addcmul); see {@link T.addcmul}. @example x.addcmul(a, b, { value: 2 }) */
  addcmul(this: Tensor, tensor1: Tensor, tensor2: Tensor, opts?: T.AddcmulOptions): Tensor {
    if (arguments.length > 3) tooMany("addcmul", arguments.length, ["tensor1", "tensor2", "options"]);
    return T.addcmul(this, tensor1, tensor2, opts);
  },
  /** 1-D → diagonal matrix, 2-D → its diagonal (torch.diag); see {@link T.diag}. @example v.diag() */
  diag(this: Tensor, diagonal = 0): Tensor {
    if (arguments.length > 1) tooMany("diag", arguments.length, ["diagonal"]);
    return T.diag(this, diagonal);
  },
  /** The diagonal of two dims, as the last dim (torch.diagonal); see {@link T.diagonal}. @example m.diagonal() */
  diagonal(this: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
    if (arguments.length > 3) tooMany("diagonal", arguments.length, ["offset", "dim1", "dim2"]);
    return T.diagonal(this, offset, dim1, dim2);
  },
  /** Sum of a matrix's diagonal (torch.trace); see {@link T.trace}. @example m.trace() */
  trace(this: Tensor): Tensor { if (arguments.length > 0) tooMany("trace", arguments.length, NO_ARGS); return T.trace(this); },
  /** Out-of-place scatter (Tensor.scatter; repeated indices: the last wins); see {@link T.scatter}. @example x.scatter(1, idx, src) */
  scatter(this: Tensor, dim: number, index: Tensor, src: Tensor | number, opts?: Record<string, never>): Tensor {
    if (arguments.length > 4) tooMany("scatter", arguments.length, ["dim", "index", "src", "options"]);
    return T.scatter(this, dim, index, src, opts);
  },
  /** Out-of-place scatter_add (Tensor.scatter_add); see {@link T.scatterAdd}. @example x.scatterAdd(0, idx, src) */
  scatterAdd(this: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
    if (arguments.length > 3) tooMany("scatterAdd", arguments.length, ["dim", "index", "src"]);
    return T.scatterAdd(this, dim, index, src);
  },
  /** Out-of-place index_add (Tensor.index_add); see {@link T.indexAdd}. @example x.indexAdd(0, idx, src, { alpha: 2 }) */
  indexAdd(this: Tensor, dim: number, index: Tensor, source: Tensor, opts?: T.IndexAddOptions): Tensor {
    if (arguments.length > 4) tooMany("indexAdd", arguments.length, ["dim", "index", "source", "options"]);
    return T.indexAdd(this, dim, index, source, opts);
  },
  /** Out-of-place index_fill (Tensor.index_fill); see {@link T.indexFill}. @example x.indexFill(1, idx, 0) */
  indexFill(this: Tensor, dim: number, index: Tensor, value: number | Tensor): Tensor {
    if (arguments.length > 3) tooMany("indexFill", arguments.length, ["dim", "index", "value"]);
    return T.indexFill(this, dim, index, value);
  },
  /** Out-of-place index_put (x[i, j] = v); see {@link T.indexPut}. @example x.indexPut([i, j], v) */
  indexPut(this: Tensor, indices: readonly Tensor[], values: Tensor | number, opts?: T.IndexPutOptions): Tensor {
    if (arguments.length > 3) tooMany("indexPut", arguments.length, ["indices", "values", "options"]);
    return T.indexPut(this, indices, values, opts);
  },
  /** The elements where mask is nonzero, 1-D (torch.masked_select); see {@link T.maskedSelect}. @example x.maskedSelect(x.gt(0)) */
  maskedSelect(this: Tensor, mask: Tensor): Tensor {
    if (arguments.length > 1) tooMany("maskedSelect", arguments.length, ["mask"]);
    return T.maskedSelect(this, mask);
  },
  /** Indices of the nonzero elements (torch.nonzero); see {@link T.nonzero}. @example x.nonzero() */
  nonzero(this: Tensor, opts?: T.NonzeroOptions): Tensor | Tensor[] {
    if (arguments.length > 1) tooMany("nonzero", arguments.length, ["options"]);
    return T.nonzero(this, opts);
  },
  /** this where cond is nonzero, else other (Tensor.where); all three broadcast. @example x.where(x.gt(0), 0) */
  where(this: Tensor, condition: Tensor, other: Tensor | number): Tensor { return ops.where(condition, this, other); },
  /** this += alpha·other in place, no graph (Tensor.add_). @example noGrad(() => w.add_(g, { alpha: -lr })) */
  add_<S extends Tensor>(this: S, other: Tensor | number, opts?: T.AddInPlaceOptions): S {
    if (arguments.length > 2) tooMany("add_", arguments.length, ["other", "options"]);
    T.addInPlace(this, other, opts); return this;
  },
  /** this *= other in place, no graph (Tensor.mul_). @example noGrad(() => w.mul_(0.9)) */
  mul_<S extends Tensor>(this: S, other: Tensor | number): S {
    if (arguments.length > 1) tooMany("mul_", arguments.length, ["other"]);
    T.mulInPlace(this, other); return this;
  },
  /** Zeros in place, no graph (Tensor.zero_). @example noGrad(() => b.zero_()) */
  zero_<S extends Tensor>(this: S): S { if (arguments.length > 0) tooMany("zero_", arguments.length, NO_ARGS); T.zeroInPlace(this); return this; },
  /** Fill with a value in place, no graph (Tensor.fill_). @example noGrad(() => b.fill_(1)) */
  fill_<S extends Tensor>(this: S, value: number | Tensor): S {
    if (arguments.length > 1) tooMany("fill_", arguments.length, ["value"]);
    T.fillInPlace(this, value); return this;
  },
  /** Copy src into this in place, no graph (Tensor.copy_). @example noGrad(() => t.copy_(s)) */
  copy_<S extends Tensor>(this: S, src: Tensor): S {
    if (arguments.length > 1) tooMany("copy_", arguments.length, ["src"]);
    T.copyInPlace(this, src); return this;
  },

  // ---- neural-net methods ------------------------------------------------------------------
  /**
   * Softmax along `dim` (torch.softmax(dim, dtype); the dim is required). With `dtype`
   * ("float32" or "float64"; float64 is for the js device) the input is cast to it first. See `F.softmax`.
   * @example
   * const probs = logits.softmax(-1);
   */
  softmax(this: Tensor, dim: number, dtype?: "float32" | "float64" | null): Tensor {
    if (arguments.length > 2) tooMany("softmax", arguments.length, ["dim", "dtype"]);
    return F.softmax(this, dim, { dtype });
  },
  /**
   * log(softmax) along `dim`, computed stably (torch.log_softmax(dim, dtype)); `dtype` as in
   * `softmax`. See `F.logSoftmax`.
   * @example
   * const logp = logits.logSoftmax(1);
   */
  logSoftmax(this: Tensor, dim: number, dtype?: "float32" | "float64" | null): Tensor {
    if (arguments.length > 2) tooMany("logSoftmax", arguments.length, ["dim", "dtype"]);
    return F.logSoftmax(this, dim, { dtype });
  },
  /**
   * Cross-entropy of these logits against int32 class indices (or class probabilities): `F.crossEntropy(this, target, opts)`.
   * @example
   * const loss = logits.crossEntropy(labels); // logits [n, C], labels [n]
   */
  crossEntropy(this: Tensor, target: Tensor, opts?: F.CrossEntropyOptions): Tensor { return F.crossEntropy(this, target, opts); },
  /**
   * Negative log-likelihood of these log-probabilities: `F.nllLoss(this, target, opts)`.
   * @example
   * const loss = logits.logSoftmax(1).nllLoss(labels);
   */
  nllLoss(this: Tensor, target: Tensor, opts?: F.NllOptions): Tensor { return F.nllLoss(this, target, opts); },
  /**
   * Binary cross-entropy of these logits against 0/1 targets of the same shape: `F.binaryCrossEntropyWithLogits(this, target, opts)`.
   * @example
   * const loss = logit.binaryCrossEntropyWithLogits(Tensor.onesLike(logit));
   */
  binaryCrossEntropyWithLogits(this: Tensor, target: Tensor, opts?: F.LossOptions): Tensor { return F.binaryCrossEntropyWithLogits(this, target, opts); },
  /**
   * Mean squared error against a target of the same shape: `F.mseLoss(this, target, opts)`.
   * @example
   * const loss = pred.mseLoss(y);
   */
  mseLoss(this: Tensor, target: Tensor, opts?: F.LossOptions): Tensor { return F.mseLoss(this, target, opts); },

  // ---- order statistics, NaN-ignoring reductions and sampling (src/statistics.ts; median and
  // nanmedian, which return values and indices with a dim, are with max/min below) ----
  /** The k-th smallest along a dim (torch.kthvalue); see {@link S.kthvalue}. @example x.kthvalue(2, 1) */
  kthvalue(this: Tensor, k: number, dim = -1, opts?: S.KeepdimOptions): scans.ValuesIndices { return S.kthvalue(this, k, dim, opts); },
  /** Quantiles along a dim or of all (torch.quantile); see {@link S.quantile}. @example x.quantile(0.5, 1) */
  quantile(this: Tensor, q: number | readonly number[] | Tensor, dim?: number, opts?: S.QuantileOptions): Tensor { return S.quantile(this, q, dim, opts); },
  /** Quantiles ignoring NaN (torch.nanquantile); see {@link S.nanquantile}. @example x.nanquantile(0.5, 1) */
  nanquantile(this: Tensor, q: number | readonly number[] | Tensor, dim?: number, opts?: S.QuantileOptions): Tensor { return S.nanquantile(this, q, dim, opts); },
  /** The sum with NaN as 0 (torch.nansum); see {@link S.nansum}. @example x.nansum(1) */
  nansum(this: Tensor, dim?: number | readonly number[], opts?: S.KeepdimOptions): Tensor { return S.nansum(this, dim, opts); },
  /** The mean of the elements that are not NaN (torch.nanmean); see {@link S.nanmean}. @example x.nanmean(1) */
  nanmean(this: Tensor, dim?: number | readonly number[], opts?: S.KeepdimOptions): Tensor { return S.nanmean(this, dim, opts); },
  /** The count of nonzero elements, int32 (torch.count_nonzero); see {@link S.countNonzero}. @example x.countNonzero(0) */
  countNonzero(this: Tensor, dim?: number | readonly number[]): Tensor { return S.countNonzero(this, dim); },
  /** Category indices drawn from each row's probabilities (torch.multinomial); see {@link S.multinomial}. @example probs.multinomial(1) */
  multinomial(this: Tensor, numSamples: number, opts?: S.MultinomialOptions): Tensor { return S.multinomial(this, numSamples, opts); },
  /** 0/1 draws with these probabilities (torch.bernoulli); see {@link S.bernoulli}. @example p.bernoulli() */
  bernoulli(this: Tensor): Tensor { if (arguments.length > 0) tooMany("bernoulli", arguments.length, NO_ARGS); return S.bernoulli(this); },

  // ---- products, differences, rotations and elementwise composites (src/tensor_ops.ts) ----
  /** Inner product of two vectors (torch.dot); see {@link T.dot}. @example a.dot(b) */
  dot(this: Tensor, other: Tensor): Tensor { if (arguments.length > 1) tooMany("dot", arguments.length, ["other"]); return T.dot(this, other); },
  /** Matrix times vector (torch.mv); see {@link T.mv}. @example m.mv(v) */
  mv(this: Tensor, vec: Tensor): Tensor { if (arguments.length > 1) tooMany("mv", arguments.length, ["vec"]); return T.mv(this, vec); },
  /** Cross product of 3-vectors along a dim (torch.linalg.cross); see {@link T.cross}. @example a.cross(b) */
  cross(this: Tensor, other: Tensor, dim = -1): Tensor {
    if (arguments.length > 2) tooMany("cross", arguments.length, ["other", "dim"]);
    return T.cross(this, other, dim);
  },
  /** n-th forward difference along a dim (torch.diff); see {@link T.diff}. @example x.diff() */
  diff(this: Tensor, n = 1, dim = -1, opts?: T.DiffOptions): Tensor {
    if (arguments.length > 3) tooMany("diff", arguments.length, ["n", "dim", "options"]);
    return T.diff(this, n, dim, opts);
  },
  /** Rotate by 90° in the plane of two dims (torch.rot90); see {@link T.rot90}. @example img.rot90(1, [-2, -1]) */
  rot90(this: Tensor, k = 1, dims: readonly [number, number] = [0, 1]): Tensor {
    if (arguments.length > 2) tooMany("rot90", arguments.length, ["k", "dims"]);
    return T.rot90(this, k, dims);
  },
  /** log(exp(this) + exp(other)) without overflow (torch.logaddexp); see {@link T.logaddexp}. @example a.logaddexp(b) */
  logaddexp(this: Tensor, other: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("logaddexp", arguments.length, ["other"]);
    return T.logaddexp(this, other);
  },
  /** this·log(other), 0 where this is 0 (torch.xlogy); see {@link T.xlogy}. @example p.xlogy(p) */
  xlogy(this: Tensor, other: Tensor | number): Tensor {
    if (arguments.length > 1) tooMany("xlogy", arguments.length, ["other"]);
    return T.xlogy(this, other);
  },
  /** The fractional part (torch.frac); see {@link T.frac}. @example x.frac() */
  frac(this: Tensor): Tensor { if (arguments.length > 0) tooMany("frac", arguments.length, NO_ARGS); return T.frac(this); },
  /** log(p / (1 − p)), p optionally clamped to [eps, 1 − eps] (torch.logit); see {@link T.logit}. @example p.logit(1e-6) */
  logit(this: Tensor, eps?: number | null): Tensor {
    if (arguments.length > 1) tooMany("logit", arguments.length, ["eps"]);
    return T.logit(this, eps);
  },
  /** Nearly equal pieces along a dim, or pieces cut at indices (torch.tensor_split); see {@link T.tensorSplit}. @example x.tensorSplit(3) */
  tensorSplit(this: Tensor, sectionsOrIndices: number | readonly number[], dim = 0): Tensor[] {
    if (arguments.length > 2) tooMany("tensorSplit", arguments.length, ["sectionsOrIndices", "dim"]);
    return T.tensorSplit(this, sectionsOrIndices, dim);
  },
  /** Values at indices along a dim, broadcasting the other dims (torch.take_along_dim); see {@link T.takeAlongDim}. @example x.takeAlongDim(idx, 1) */
  takeAlongDim(this: Tensor, indices: Tensor, dim?: number): Tensor {
    if (arguments.length > 2) tooMany("takeAlongDim", arguments.length, ["indices", "dim"]);
    return T.takeAlongDim(this, indices, dim);
  },
  /** Swap two dims, a view (torch.swapaxes, the same as transpose). @example x.swapaxes(0, 1) */
  swapaxes(this: Tensor, axis0: number, axis1: number): Tensor { return ops.transpose(this, axis0, axis1); },
  /** Swap two dims, a view (torch.swapdims, the same as transpose). @example x.swapdims(0, 1) */
  swapdims(this: Tensor, dim0: number, dim1: number): Tensor { return ops.transpose(this, dim0, dim1); },
  /** The transpose of a tensor of at most 2 dims, as a view; 0-d and 1-D as they are (Tensor.t). @example m.t() */
  t(this: Tensor): Tensor {
    if (this.ndim > 2) throw new Error(`t: expects a tensor with at most 2 dims, got shape ${fmt(this.shape)}; use transpose(dim0, dim1)`);
    return this.ndim < 2 ? this : ops.transpose(this, 0, 1);
  },
  /** A view expanded to `shape` (torch.broadcast_to, the same as expand). @example b.broadcastTo([3, 4]) */
  broadcastTo(this: Tensor, shape: readonly number[]): Tensor { return ops.expand(this, shape); },
  /** Reverse the columns, dim 1 (torch.fliplr); needs at least 2 dims. @example img.fliplr() */
  fliplr(this: Tensor): Tensor {
    if (this.ndim < 2) throw new Error(`fliplr: expects a tensor with at least 2 dims, got shape ${fmt(this.shape)}`);
    return T.flip(this, 1);
  },
  /** Reverse the rows, dim 0 (torch.flipud); needs at least 1 dim. @example x.flipud() */
  flipud(this: Tensor): Tensor {
    if (this.ndim < 1) throw new Error("flipud: expects a tensor with at least 1 dim, got a 0-d tensor");
    return T.flip(this, 0);
  },
  /** Clamp to [min, max], or `{ min, max }` (torch.clip, the same as clamp). @example x.clip(-1, 1) */
  clip(this: Tensor, min?: number | null | { min?: number | null; max?: number | null }, max?: number | null): Tensor { return clampArgs("clip", this, arguments.length, min, max); },
  /** The minimum and maximum at once (torch.aminmax); see {@link S.aminmax}. @example x.aminmax({ dim: 1 }) */
  aminmax(this: Tensor, opts?: S.AminmaxOptions): S.MinMax { return S.aminmax(this, opts); },
  /** A histogram of equal bins (torch.histc); see {@link S.histc}. @example x.histc({ bins: 10 }) */
  histc(this: Tensor, opts?: S.HistcOptions): Tensor { return S.histc(this, opts); },
  /** Counts of each value of a 1-D int32 tensor (torch.bincount; host devices); see {@link S.bincount}. @example labels.bincount() */
  bincount(this: Tensor, opts?: S.BincountOptions): Tensor { return S.bincount(this, opts); },
  /** The sorted distinct values (torch.unique; host devices); see {@link S.unique}. @example x.unique().values */
  unique(this: Tensor, opts?: S.UniqueOptions): S.UniqueResult { return S.unique(this, opts); },
  /** |this − other| ≤ atol + rtol·|other|, as 0/1 (torch.isclose); see {@link T.isclose}. @example a.isclose(b) */
  isclose(this: Tensor, other: Tensor | number, opts?: T.IscloseOptions): Tensor {
    if (arguments.length > 2) tooMany("isclose", arguments.length, ["other", "options"]);
    return T.isclose(this, other, opts);
  },
};


// ---- scans, sorting, and max/min with a dim (src/scans.ts) -----------------------------------

/**
 * Options of `sort` and `argsort` (PyTorch's keyword arguments).
 * @example x.sort(-1, { descending: true })
 */
export interface SortOptions {
  /** Largest first (default false: smallest first). */
  descending?: boolean;
  /** Accepted for PyTorch's signature; every sort here is stable (equal keys keep their order). */
  stable?: boolean;
}
/**
 * Options of `topk` (PyTorch's keyword arguments).
 * @example x.topk(3, 0, { largest: false })
 */
export interface TopkOptions {
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Accepted for PyTorch's signature; the result is always sorted (largest first, or smallest first). */
  sorted?: boolean;
}

/** (dim?, opts?) of sort/argsort/topk: dim an integer (default -1) or the options in its place;
 *  known boolean options only. */
function alongArgs<O extends object>(op: string, dim: number | O | undefined, opts: O | undefined, keys: string[]): [number, O] {
  if (typeof dim === "object" && dim !== null && !Array.isArray(dim)) {
    if (opts !== undefined) throw new Error(`${op}: options given twice (in the dim's place and after it)`);
    [dim, opts] = [undefined, dim as O];
  }
  const o = checkOptions(op, opts, keys);
  for (const k of keys) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) checkBool(op, k, v);
  }
  return [dim === undefined ? -1 : checkInt(op, "dim", dim), o];
}

/** max/min: no dim, the extreme value (a tensor, ties share the gradient); a dim, values and
 *  indices; another tensor, the elementwise maximum/minimum (torch.max(input, other)). */
function extremeMethod(op: "max" | "min") {
  return function (this: Tensor, dim?: number | ReduceOptions | Tensor, opts?: ReduceOptions): Tensor | scans.ValuesIndices {
    if (arguments.length > 2) tooMany(op, arguments.length, DIM_OPTS);
    if (dim instanceof Tensor) {
      // torch.max(input, other): the elementwise maximum
      if (arguments.length > 1) tooMany(op, arguments.length, OTHER);
      return ops.binary(op === "max" ? "maximum" : "minimum", this, dim, op);
    }
    if (Array.isArray(dim)) throw new Error(`${op}: dim must be a single integer; for several dims use a${op}(dims), which returns the values only`);
    const [d, o] = reduceArgs(op, dim, opts, true);
    if (d === undefined) return ops.extreme(op, this, undefined, o.keepdim);
    return scans.extremeDim(op, this, d as number, o.keepdim ?? false);
  };
}

const alongMethods = {
  max: extremeMethod("max"),
  min: extremeMethod("min"),
  cumsum(this: Tensor, dim: number): Tensor {
    if (arguments.length > 1) tooMany("cumsum", arguments.length, DIM); // PyTorch's dtype is keyword-only
    return scans.cumsum(this, checkInt("cumsum", "dim", dim));
  },
  cumprod(this: Tensor, dim: number): Tensor {
    if (arguments.length > 1) tooMany("cumprod", arguments.length, DIM); // PyTorch's dtype is keyword-only
    return scans.cumprod(this, checkInt("cumprod", "dim", dim));
  },
  logcumsumexp(this: Tensor, dim: number): Tensor {
    if (arguments.length > 1) tooMany("logcumsumexp", arguments.length, DIM); // PyTorch's dtype is keyword-only
    return scans.logcumsumexp(this, checkInt("logcumsumexp", "dim", dim));
  },
  cummax(this: Tensor, dim: number): scans.ValuesIndices {
    if (arguments.length > 1) tooMany("cummax", arguments.length, DIM);
    return scans.cumExtreme("cummax", this, checkInt("cummax", "dim", dim));
  },
  cummin(this: Tensor, dim: number): scans.ValuesIndices {
    if (arguments.length > 1) tooMany("cummin", arguments.length, DIM);
    return scans.cumExtreme("cummin", this, checkInt("cummin", "dim", dim));
  },
  prod(this: Tensor, dim?: number | ReduceOptions, opts?: ReduceOptions): Tensor {
    if (arguments.length > 2) tooMany("prod", arguments.length, DIM_OPTS);
    if (Array.isArray(dim)) throw new Error("prod: dim must be a single integer");
    const [d, o] = reduceArgs("prod", dim, opts, true);
    return scans.prod(this, d as number | undefined, o.keepdim ?? false);
  },
  sort(this: Tensor, dim?: number | SortOptions, opts?: SortOptions): scans.ValuesIndices {
    if (arguments.length > 2) tooMany("sort", arguments.length, DIM_OPTS);
    const [d, o] = alongArgs("sort", dim, opts, ["descending", "stable"]);
    return scans.sort(this, d, o.descending ?? false);
  },
  argsort(this: Tensor, dim?: number | SortOptions, opts?: SortOptions): Tensor {
    if (arguments.length > 2) tooMany("argsort", arguments.length, DIM_OPTS);
    const [d, o] = alongArgs("argsort", dim, opts, ["descending", "stable"]);
    return scans.sort(this, d, o.descending ?? false).indices;
  },
  topk(this: Tensor, k: number, dim?: number | TopkOptions, opts?: TopkOptions): scans.ValuesIndices {
    if (arguments.length > 3) tooMany("topk", arguments.length, ["k", "dim", "options"]);
    checkInt("topk", "k", k, 0);
    const [d, o] = alongArgs("topk", dim, opts, ["largest", "sorted"]);
    return scans.topk(this, k, d, o.largest ?? true);
  },

  // median and nanmedian (src/statistics.ts): with a dim, values and indices, like max and min
  median: medianMethod("median"),
  nanmedian: medianMethod("nanmedian"),
};

/** median/nanmedian: no dim, the value (a 0-d tensor); a dim, values and indices. */
function medianMethod(op: "median" | "nanmedian") {
  return function (this: Tensor, dim?: number, opts?: S.KeepdimOptions): Tensor | scans.ValuesIndices {
    if (dim === undefined) {
      if (opts !== undefined) throw new Error(`${op}: keepdim needs a dim`);
      return S[op](this);
    }
    return S[op](this, dim, opts);
  };
}

// The methods keep their `this: Tensor` parameter (no OmitThisParameter): their signatures then stay
// the declarations above, whose doc comments editors and TypeDoc show.
type Methods = { [K in keyof typeof methods]: (typeof methods)[K] };

const statics = {
  /** a where cond is nonzero, b elsewhere; all three broadcast together (torch.where). */
  where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor { return ops.where(cond, a, b); },
  /** Join tensors along an existing dim (torch.cat). */
  cat(ts: readonly Tensor[], dim: number | { dim?: number } = 0): Tensor {
    if (arguments.length > 2) tooMany("cat", arguments.length, ["tensors", "dim"]);
    return ops.cat(ts, joinDim("cat", dim));
  },
  /** Join equal-shaped tensors along a new dim (torch.stack). */
  stack(ts: readonly Tensor[], dim: number | { dim?: number } = 0): Tensor {
    if (arguments.length > 2) tooMany("stack", arguments.length, ["tensors", "dim"]);
    return ops.stack(ts, joinDim("stack", dim));
  },
};

declare module "./core.js" {
  // the methods above, and one per public unary primitive of prims.ts (x.exp(), x.relu(), ...)
  interface Tensor extends Methods, UnaryMethods {
    /** The transpose of a 2-D tensor (a view); a 0-d or 1-D tensor is returned as is (torch's `.T`). Throws for more than 2 dims. */
    readonly T: Tensor;
    // The unary primitives, declared again here only to carry their documentation (UnaryMethods gives them their type).
    /** -x, elementwise (torch.neg). @example const m = x.neg(); */
    neg(): Tensor;
    /** e^x, elementwise; int32 input gives float32 (torch.exp). @example const e = x.exp(); */
    exp(): Tensor;
    /** Natural logarithm, elementwise; float result (torch.log). @example const l = p.log(); */
    log(): Tensor;
    /** Square root, elementwise; float result (torch.sqrt). @example const r = v.sqrt(); */
    sqrt(): Tensor;
    /** 1/sqrt(x), elementwise; float result (torch.rsqrt). @example const inv = v.add(1e-5).rsqrt(); */
    rsqrt(): Tensor;
    /** |x|, elementwise (torch.abs). @example const a = x.abs(); */
    abs(): Tensor;
    /** Sine, elementwise; float result (torch.sin). @example const s = x.sin(); */
    sin(): Tensor;
    /** Cosine, elementwise; float result (torch.cos). @example const c = x.cos(); */
    cos(): Tensor;
    /** x², elementwise (torch.square). @example const sq = x.square(); */
    square(): Tensor;
    /** max(x, 0), elementwise (torch.relu). @example const h = x.relu(); */
    relu(): Tensor;
    /** 1 / (1 + e^-x), elementwise; float result (torch.sigmoid). @example const p = logit.sigmoid(); */
    sigmoid(): Tensor;
    /** Hyperbolic tangent, elementwise; float result (torch.tanh). @example const h = x.tanh(); */
    tanh(): Tensor;
    /** The error function, elementwise; float result (torch.erf). @example const e = x.erf(); */
    erf(): Tensor;
    /** -1, 0 or 1 by the sign of x, elementwise; zero gradient (torch.sign). @example const s = x.sign(); */
    sign(): Tensor;
    /** log(1 + x), accurate for small x; float result (torch.log1p). @example const l = x.log1p(); */
    log1p(): Tensor;
    /** 1/x, elementwise; float result (torch.reciprocal). @example const r = x.reciprocal(); */
    reciprocal(): Tensor;
    /** Round down to an integer value, elementwise (int32 input is returned as is); zero gradient (torch.floor). @example const f = x.floor(); */
    floor(): Tensor;

    /**
     * The largest element (a 0-d tensor; with `{ keepdim: true }` every dim kept as size 1). At
     * ties the gradient is shared evenly among the maxima, as PyTorch's `x.max()`. NaN propagates.
     * @example tensor([[1, 5], [7, 2]]).max() // tensor(7.)
     */
    max(opts?: ReduceOptions): Tensor;
    /**
     * The larger of this and `other` elementwise, with broadcasting: torch.max(input, other), the
     * same as `maximum`.
     * @example tensor([1, 5]).max(tensor([3, 2])) // [3, 5]
     */
    max(other: Tensor): Tensor;
    /**
     * Along `dim` (negative counts from the end): `{ values, indices }` like PyTorch's
     * `torch.max(x, dim)` named tuple. `indices` (int32) is the first maximum's position; NaN is the
     * maximum. The gradient goes to that position only (use `amax` to share it among ties). With
     * `{ keepdim: true }` dim stays as size 1. Throws for a dim out of range, a list of dims (that is
     * `amax`) or an empty dim.
     * @example const { values, indices } = tensor([[1, 5], [7, 2]]).max(1); // [5, 7], [1, 0]
     */
    max(dim: number, opts?: ReduceOptions): scans.ValuesIndices;
    /**
     * The median of all elements, the lower of the two middle values for an even count (a 0-d
     * tensor; torch.median). A NaN anywhere makes it NaN. See {@link S.median}.
     * @example tensor([3, 1, 2, 4]).median() // 2
     */
    median(): Tensor;
    /**
     * The lower median of each line along `dim`: `{ values, indices }` (torch.median(x, dim)); a line
     * holding a NaN gives NaN at its first NaN. See {@link S.median}.
     * @example tensor([[3, 1, 2, 4]]).median(1) // values [2], indices [2]
     */
    median(dim: number, opts?: S.KeepdimOptions): scans.ValuesIndices;
    /** The median ignoring NaN (a 0-d tensor; torch.nanmedian). See {@link S.nanmedian}. @example tensor([1, NaN, 3]).nanmedian() // 1 */
    nanmedian(): Tensor;
    /** The lower median of each line ignoring NaN: `{ values, indices }` (torch.nanmedian(x, dim)). See {@link S.nanmedian}. @example x.nanmedian(1) */
    nanmedian(dim: number, opts?: S.KeepdimOptions): scans.ValuesIndices;
    /**
     * The smallest element (a 0-d tensor); ties share the gradient evenly. NaN propagates.
     * @example tensor([[1, 5], [7, 2]]).min() // tensor(1.)
     */
    min(opts?: ReduceOptions): Tensor;
    /**
     * The smaller of this and `other` elementwise, with broadcasting: torch.min(input, other), the
     * same as `minimum`.
     * @example tensor([1, 5]).min(tensor([3, 2])) // [1, 2]
     */
    min(other: Tensor): Tensor;
    /**
     * Along `dim`: `{ values, indices }` like `torch.min(x, dim)`: the first minimum's position
     * (NaN counts as the minimum), the gradient to that position only; `amin` shares it among ties.
     * @example const { values, indices } = tensor([[1, 5], [7, 2]]).min(1); // [1, 2], [0, 1]
     */
    min(dim: number, opts?: ReduceOptions): scans.ValuesIndices;
    /**
     * Running sums along `dim` (torch.cumsum). Same shape and dtype (int32 stays int32 and wraps;
     * PyTorch promotes to int64). Throws for a dim out of range.
     * @example tensor([1, 2, 3]).cumsum(0) // [1, 3, 6]
     */
    cumsum(dim: number): Tensor;
    /**
     * Running products along `dim` (torch.cumprod). Gradients never divide by x, so they are exact
     * when x holds zeros, and second derivatives work (O(n log n) per line of n).
     * @example tensor([1, 2, 3]).cumprod(0) // [1, 2, 6]
     */
    cumprod(dim: number): Tensor;
    /**
     * log(Σ_{j<=i} exp(x_j)) along `dim` (torch.logcumsumexp), without overflow. Throws for an int32
     * tensor (cast it with `.float()`).
     * @example tensor([0, 0]).logcumsumexp(0) // [0, 0.6931]
     */
    logcumsumexp(dim: number): Tensor;
    /**
     * Running maximum along `dim` and its position (torch.cummax): `{ values, indices }`, shapes of x,
     * indices int32. At ties the later position wins; a NaN becomes the maximum and stays. The
     * gradient goes to the position each value came from.
     * @example tensor([1, 3, 2, 3]).cummax(0) // values [1, 3, 3, 3], indices [0, 1, 1, 3]
     */
    cummax(dim: number): scans.ValuesIndices;
    /**
     * Running minimum along `dim` and its position (torch.cummin), as `cummax`.
     * @example tensor([3, 1, 2, 1]).cummin(0) // values [3, 1, 1, 1], indices [0, 1, 1, 3]
     */
    cummin(dim: number): scans.ValuesIndices;
    /**
     * The product of all elements (0-d), or along `dim` (torch.prod; a single dim, kept as size 1
     * with `{ keepdim: true }`). The product of an empty dim is 1. Gradients are exact with zeros:
     * the products of the elements before and after each one, no division.
     * @example tensor([[1, 2], [3, 4]]).prod(1) // [2, 12]
     */
    prod(dim?: number | ReduceOptions, opts?: ReduceOptions): Tensor;
    /**
     * Sorts along `dim` (default -1): `{ values, indices }` (torch.sort), indices int32. The sort is
     * stable (equal keys keep their order) whatever `stable` says; NaN counts as the largest value
     * (last ascending, first with `descending: true`). The gradient of values flows back through
     * indices. Throws for a dim out of range or an unknown option.
     * @example tensor([3, 1, 2]).sort(0, { descending: true }) // values [3, 2, 1], indices [0, 2, 1]
     */
    sort(dim?: number | SortOptions, opts?: SortOptions): scans.ValuesIndices;
    /**
     * The int32 indices that sort `dim` (default -1): `sort(dim, opts).indices` (torch.argsort).
     * @example tensor([3, 1, 2]).argsort() // [1, 2, 0]
     */
    argsort(dim?: number | SortOptions, opts?: SortOptions): Tensor;
    /**
     * The `k` largest elements along `dim` (default -1), largest first, or with `largest: false` the k
     * smallest, smallest first: `{ values, indices }` (torch.topk). NaN counts as the largest value;
     * which of several equal values is taken is unspecified in PyTorch (here: the first ones). Throws
     * when k is negative or larger than the dim.
     * @example tensor([1, 4, 2, 8]).topk(2) // values [8, 4], indices [3, 1]
     */
    topk(k: number, dim?: number | TopkOptions, opts?: TopkOptions): scans.ValuesIndices;
  }
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Tensor {
    /**
     * a where cond is nonzero, b elsewhere; cond, a and b broadcast together (torch.where). Gradients flow to a and b.
     * @throws Error if cond is not a Tensor or the shapes do not broadcast.
     * @example
     * const y = Tensor.where(x.gt(0), x, x.mul(0.1));
     */
    const where: (typeof statics)["where"];
    /**
     * Join tensors along an existing dim (torch.cat(tensors, dim)); their other dims must match.
     * The dim may also be given by name, as PyTorch's keyword: `Tensor.cat([a, b], { dim: 1 })`.
     * @throws Error for an empty list, 0-d tensors, mismatched shapes, or a dim that is not an integer in range.
     * @example
     * Tensor.cat([a, b], 1); // [n, p] and [n, q] → [n, p + q]
     */
    const cat: (typeof statics)["cat"];
    /**
     * Join equal-shaped tensors along a new dim `dim` (torch.stack(tensors, dim); also `{ dim }`).
     * @throws Error for an empty list, shapes that differ, or a dim that is not an integer in range.
     * @example
     * Tensor.stack([x, y]); // two [3] → [2, 3]
     */
    const stack: (typeof statics)["stack"];
  }
}

Object.assign(Tensor.prototype, methods);
Object.assign(Tensor.prototype, alongMethods);
Object.assign(Tensor, statics);
for (const op of UNARY_OPS) {
  if (op === "copy" || op === "round") continue; // round takes options: its method is in `methods`
  (Tensor.prototype as unknown as Record<UnaryMethod, () => Tensor>)[op] = function (this: Tensor) {
    if (arguments.length > 0) tooMany(op, arguments.length, NO_ARGS);
    return ops.unary(op, this);
  };
}
Object.defineProperty(Tensor.prototype, "T", {
  get(this: Tensor): Tensor {
    if (this.ndim > 2) throw new Error(`T: expects a tensor with <= 2 dims, got shape ${fmt(this.shape)} (use transpose or permute)`);
    return this.ndim < 2 ? this : ops.transpose(this, 0, 1);
  },
});

/**
 * Create a tensor from a number, (rectangular) nested arrays, or a typed array (torch.tensor);
 * float32 unless `opts.dtype` says otherwise (an Int32Array gives int32). See `Tensor.from`.
 * @throws Error on ragged arrays, non-numeric data, or a typed array whose length does not match `opts.shape`.
 * @example
 * const x = tensor([[1, 2], [3, 4]]);                    // shape [2, 2], float32
 * const y = tensor([0, 2, 1], { dtype: "int32" });
 */
export function tensor(data: NestedArray | TypedArray, opts?: FromOptions): Tensor {
  return Tensor.from(data, opts);
}
