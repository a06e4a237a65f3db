// The primitive op families: the name lists every backend and the gradient tables are keyed by.
// The index of a name in each `as const` list is the integer tag the C side switches on;
// scripts/gen-ops.mjs reads these lists to generate native/gen/ops_list.h (keep the format).

/** out[i] = f(a[i]). `a` and `out` share one dtype (cast is the exception: it converts). */
export const UNARY_OPS = [
  "copy", "neg", "exp", "log", "sqrt", "rsqrt", "abs", "sin", "cos", "square",
  "relu", "sigmoid", "tanh", "erf", "sign", "log1p", "reciprocal", "floor",
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** out[i] = f(a[i], b[i]). Comparisons (eq..le) write 1 or 0. */
export const BINARY_OPS = [
  "add", "sub", "mul", "div", "pow", "maximum", "minimum",
  "eq", "ne", "gt", "ge", "lt", "le",
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** Reductions over a set of axes; arg* write int32 indices along a single axis. */
export const REDUCE_OPS = ["sum", "max", "min", "argmax", "argmin"] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

