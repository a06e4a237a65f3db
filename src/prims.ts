// The primitive op families, one table each: the name list every backend and the C side are keyed
// by, the dtype rule, and the backward rule written in Tensor ops (so higher orders come for free).
//
// Every backend declares its kernels `satisfies Record<UnaryOp, ...>` (and so on), so a name added
// here without a kernel, or without a gradient rule below, is a tsc error. The index of a name in
// each `as const` list is the integer tag the C side switches on: scripts/gen-ops.mjs reads these
// lists (keep their format) to generate native/gen/ops_list.h, and a name without C arms is a C
// compile error. docs/ARCHITECTURE.md has the recipe for adding an op.
//
// Bottom layer: only `import type` of Tensor (its methods are called at run time, never imported).
import type { Tensor } from "./core.js";
import type { GradOut } from "./graph.js";

/** out[i] = f(a[i]). `a` and `out` share one dtype. */
export const UNARY_OPS = [
  "copy", "neg", "exp", "log", "sqrt", "rsqrt", "abs", "sin", "cos", "square",
  "relu", "sigmoid", "tanh", "erf", "sign", "log1p", "reciprocal", "floor",
  "ceil", "round", "trunc", "exp2", "log2", "log10", "expm1", "tan", "sinh", "cosh", "asin", "acos", "atan",
  "isnan", "isinf", "isfinite",
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** out[i] = f(a[i], b[i]). Comparisons (eq..le) write 1 or 0. */
export const BINARY_OPS = [
  "add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder", "fmod", "atan2", "divFloor", "divTrunc",
  "eq", "ne", "gt", "ge", "lt", "le",
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** Reductions over a set of axes; arg* write int32 indices along a single axis. */
export const REDUCE_OPS = ["sum", "max", "min", "argmax", "argmin"] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** The fused kernels of FusedKernels (backend.ts) that work on contiguous windows: the cpu addon's
 *  fused() is keyed by this list (attention has its own entry point). */
export const FUSED_KERNELS = [
  "softmax", "softmaxBackward", "layerNorm", "layerNormBackward", "gelu", "geluBackward", "adam",
  "maxPoolIndices", "im2col", "col2im", "conv2d", "conv2dBackward",
] as const;
export type FusedKernel = (typeof FUSED_KERNELS)[number];

// ---- unary ---------------------------------------------------------------------------------

/**
 * int32 input: "float" promotes to float32 first (as PyTorch does for exp, sin, ...), "same" keeps
 * int32, "identity" returns the input itself (floor of an integer).
 * grad(g, x, out) is ∂loss/∂x given g = ∂loss/∂out; null marks a predicate (isnan...): it writes
 * 0/1, has no gradient, and its result is float32 like a comparison's.
 */
export interface UnaryRule {
  int: "float" | "same" | "identity";
  grad: ((g: Tensor, x: Tensor, out: Tensor) => Tensor) | null;
}

const predicate = { int: "float", grad: null } as const;

export const UNARY = {
  copy: { int: "same", grad: (g) => g },
  neg: { int: "same", grad: (g) => g.neg() },
  exp: { int: "float", grad: (g, _x, out) => g.mul(out) }, // d e^x = e^x
  log: { int: "float", grad: (g, x) => g.div(x) },
  sqrt: { int: "float", grad: (g, _x, out) => g.div(out.mul(2)) },
  rsqrt: { int: "float", grad: (g, _x, out) => g.mul(out.pow(3)).mul(-0.5) }, // d x^-1/2 = -1/2 x^-3/2
  abs: { int: "same", grad: (g, x) => g.mul(x.sign()) },
  sin: { int: "float", grad: (g, x) => g.mul(x.cos()) },
  cos: { int: "float", grad: (g, x) => g.mul(x.sin()).neg() },
  square: { int: "same", grad: (g, x) => g.mul(x).mul(2) },
  // selected, not multiplied by 0/1, so an inf or NaN upstream gradient stays out (PyTorch's
  // threshold_backward: g where x > 0 or x is NaN). The output is that mask already (relu(x) is
  // nonzero exactly there), so the rule is one pass of where, with no comparison tensor.
  relu: { int: "same", grad: (g, _x, out) => g.where(out, 0) },
  sigmoid: { int: "float", grad: (g, _x, out) => g.mul(out.mul(out.neg().add(1))) }, // s (1 - s)
  tanh: { int: "float", grad: (g, _x, out) => g.mul(out.square().neg().add(1)) }, // 1 - tanh^2
  erf: { int: "float", grad: (g, x) => g.mul(x.square().neg().exp().mul(2 / Math.sqrt(Math.PI))) },
  sign: { int: "same", grad: (g) => g.mul(0) },
  log1p: { int: "float", grad: (g, x) => g.div(x.add(1)) },
  reciprocal: { int: "float", grad: (g, _x, out) => g.mul(out.square()).neg() },
  floor: { int: "identity", grad: (g) => g.mul(0) },
  ceil: { int: "identity", grad: (g) => g.mul(0) },
  round: { int: "identity", grad: (g) => g.mul(0) }, // half to even, as torch.round
  trunc: { int: "identity", grad: (g) => g.mul(0) },
  exp2: { int: "float", grad: (g, _x, out) => g.mul(out).mul(Math.LN2) },
  log2: { int: "float", grad: (g, x) => g.div(x.mul(Math.LN2)) },
  log10: { int: "float", grad: (g, x) => g.div(x.mul(Math.LN10)) },
  expm1: { int: "float", grad: (g, _x, out) => g.mul(out.add(1)) },
  tan: { int: "float", grad: (g, _x, out) => g.mul(out.square().add(1)) }, // 1 + tan^2
  sinh: { int: "float", grad: (g, x) => g.mul(x.cosh()) },
  cosh: { int: "float", grad: (g, x) => g.mul(x.sinh()) },
  asin: { int: "float", grad: (g, x) => g.mul(x.square().neg().add(1).rsqrt()) }, // 1 / sqrt(1 - x^2)
  acos: { int: "float", grad: (g, x) => g.mul(x.square().neg().add(1).rsqrt()).neg() },
  atan: { int: "float", grad: (g, x) => g.div(x.square().add(1)) },
  isnan: predicate,
  isinf: predicate,
  isfinite: predicate,
} satisfies Record<UnaryOp, UnaryRule>;

// ---- binary --------------------------------------------------------------------------------

/**
 * out: "promote" is the promoted input dtype; "float" is that, but int32 becomes float32 (true
 * division); "compare" writes 0/1 into float32 and has no gradient.
 * grad(g, x, y, out) gives ∂loss/∂x and ∂loss/∂y; a thunk is computed only if that input needs it.
 * intDivides: on int32 it divides by y, so a zero in y is an error (as PyTorch's
 * ZeroDivisionError); the kernels write 0 there instead of dividing.
 */
export type BinaryRule =
  | { out: "promote" | "float"; grad: (g: Tensor, x: Tensor, y: Tensor, out: Tensor) => [GradOut, GradOut]; intDivides?: true }
  | { out: "compare"; grad: null };

/** maximum/minimum, as PyTorch: ties split the gradient evenly, the loser gets 0 (masked, so an
 *  inf or NaN upstream gradient does not leak to it), and a NaN passes the gradient to both. */
const extremeGrad = (loses: "lt" | "gt") => (g: Tensor, x: Tensor, y: Tensor): [GradOut, GradOut] => {
  const shared = () => g.div(2).maskedFill(x.ne(y), 0).add(g.maskedFill(x.eq(y), 0));
  const wins = loses === "lt" ? "gt" : "lt";
  return [() => shared().maskedFill(x[loses](y), 0), () => shared().maskedFill(x[wins](y), 0)];
};
const compare = { out: "compare", grad: null } as const;
// div with a rounding mode (PyTorch's rounding_mode 'floor' and 'trunc'): int32 stays int32;
// piecewise constant, so both gradients are 0, as PyTorch's
const roundedQuotient: BinaryRule = { out: "promote", grad: (g) => [() => g.mul(0), () => g.mul(0)], intDivides: true };

export const BINARY = {
  add: { out: "promote", grad: (g) => [g, g] },
  sub: { out: "promote", grad: (g) => [g, () => g.neg()] },
  mul: { out: "promote", grad: (g, x, y) => [() => g.mul(y), () => g.mul(x)] },
  div: { out: "float", grad: (g, _x, y, out) => [() => g.div(y), () => g.mul(out).div(y).neg()] }, // d(x/y)/dy = -(x/y)/y
  pow: {
    out: "float",
    // PyTorch masks the 0 * inf cases: exponent 0 gives no base gradient, base 0 none for the exponent
    grad: (g, x, y, out) => [
      () => g.mul(y).mul(x.pow(y.sub(1))).maskedFill(y.eq(0), 0),
      () => g.mul(out).mul(x.log()).maskedFill(x.eq(0).mul(y.ge(0)), 0),
    ],
  },
  maximum: { out: "promote", grad: extremeGrad("lt") },
  minimum: { out: "promote", grad: extremeGrad("gt") },
  eq: compare, ne: compare, gt: compare, ge: compare, lt: compare, le: compare,
  // x - y·floor(x/y) (Python's %, sign of y) and x - y·trunc(x/y) (C's fmod, sign of x): the
  // quotient is piecewise constant, so d/dx = 1 and d/dy = -floor(x/y) resp. -trunc(x/y), as PyTorch
  remainder: { out: "promote", grad: (g, x, y) => [g, () => g.mul(x.div(y).floor()).neg()], intDivides: true },
  fmod: { out: "promote", grad: (g, x, y) => [g, () => g.mul(x.div(y).trunc()).neg()], intDivides: true },
  divFloor: roundedQuotient,
  divTrunc: roundedQuotient,
  // atan2(x, y) = angle of (y, x): d/dx = y / (x² + y²), d/dy = -x / (x² + y²)
  atan2: {
    out: "float",
    grad: (g, x, y) => {
      const r2 = () => x.square().add(y.square());
      return [() => g.mul(y).div(r2()), () => g.mul(x).div(r2()).neg()];
    },
  },
} satisfies Record<BinaryOp, BinaryRule>;

// ---- reductions ----------------------------------------------------------------------------

/**
 * out: "same" keeps the input dtype, "int32" writes indices. grad(g, x, out, dims): g and out in the
 * keepdim layout; null for index reductions (no gradient).
 */
export interface ReduceRule {
  out: "same" | "int32";
  grad: ((g: Tensor, x: Tensor, out: Tensor, dims: number[]) => Tensor) | null;
}

/** max/min: the gradient goes to every element equal to the extreme, shared evenly among ties. */
const extremeReduceGrad = (g: Tensor, x: Tensor, out: Tensor, dims: number[]): Tensor => {
  const mask = x.eq(out.detach());
  return g.div(mask.sum(dims, { keepdim: true })).expand(x.shape).maskedFill(mask.eq(0), 0);
};

export const REDUCE = {
  sum: { out: "same", grad: (g, x) => g.expand(x.shape) },
  max: { out: "same", grad: extremeReduceGrad },
  min: { out: "same", grad: extremeReduceGrad },
  argmax: { out: "int32", grad: null },
  argmin: { out: "int32", grad: null },
} satisfies Record<ReduceOp, ReduceRule>;
