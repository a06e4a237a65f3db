// Tensor ops built from the primitives (views, gather, scatterAdd, matmul, where, reductions):
// reordering, norms and products, einsum, the scatter family, and in-place updates for parameter
// code. No backward code here: gradients come from the primitives, so every op runs on every device.
import { Tensor, bumpVersion } from "./core.js";
import { getDefaultDevice, hostReadable, isFloat } from "./backend/backend.js";
import { isGradEnabled, noGrad } from "./graph.js";
import { checkInt32Value } from "./check.js";
import { broadcastShapes, checkShape, fmt, nonOverlapping, normDim, normDims, numel, sameShape } from "./shape.js";
import * as ops from "./ops.js";
import { type Args, checkArity, checkBool, checkFloat, checkInt, checkOptions, checkScalar, checkTensor, describe, given, parseArgs } from "./functional/args.js";

// ---- helpers -------------------------------------------------------------------------------

/** The values of a host-visible tensor (js, cpu, wasm); on a GPU, an error naming the async form. */
export function hostValues(op: string, t: Tensor, asyncForm: string): ArrayLike<number> {
  const r = t.backend.read(t);
  if (r === null) throw new Error(`${op}: the result's shape depends on the values of a tensor on '${t.device}', which cannot be read synchronously; use \`await ${asyncForm}\``);
  return r;
}

/** A 1-D int32 tensor of `values` on `device`. */
function ints(values: ArrayLike<number>, device: string, shape: readonly number[] = [values.length]): Tensor {
  return Tensor.fromHost(shape, "int32", device, (a) => {
    for (let i = 0; i < values.length; i++) a[i] = values[i];
  });
}

/** t viewed along dim `d` of an `nd`-dim tensor: shape [1, .., n, .., 1]. */
function along(t: Tensor, d: number, nd: number): Tensor {
  return t.reshape(Array.from({ length: nd }, (_, i) => (i === d ? t.numel : 1)));
}

function checkIndexTensor(op: string, name: string, index: unknown, x: Tensor): Tensor {
  const t = checkTensor(op, name, index);
  if (t.dtype !== "int32") throw new Error(`${op}: ${name} must be an int32 tensor, got ${t.dtype} (shape ${fmt(t.shape)})`);
  if (t.device !== x.device) throw new Error(`${op}: ${name} is on device ${t.device}, the input on ${x.device}`);
  return t;
}

/** Every index in [lo, size) (lo = -size where negatives count from the end). On a GPU the values
 *  cannot be read without waiting: there the gathers these ops run check them on the device and
 *  the next read throws for a bad one. */
function checkRange(op: string, name: string, index: Tensor, size: number, dim: number, negatives: boolean): void {
  if (index.numel === 0 || !hostReadable(index.data)) return;
  const lo = noGrad(() => index.min().item()), hi = noGrad(() => index.max().item());
  const min = negatives ? -size : 0;
  if (lo < min || hi >= size) {
    throw new Error(`${op}: ${name} ${lo < min ? lo : hi} is out of range for dim ${dim} with size ${size}${negatives ? ` (expected ${-size}..${size - 1})` : ""}`);
  }
}

/** An index with negatives counted from the end. */
function wrap(index: Tensor, size: number): Tensor {
  return noGrad(() => ops.where(index.lt(0), index.add(size), index));
}

/** The graph is not recorded through an in-place write: refuse one that would need it. */
function checkInPlace(op: string, x: unknown, ...others: unknown[]): Tensor {
  const t = checkTensor(op, "self", x);
  if (isGradEnabled() && [t, ...others].some((o) => o instanceof Tensor && o.requiresGrad)) {
    throw new Error(`${op}: a tensor that requires grad is being used in an in-place operation (PyTorch: "a leaf Variable that requires grad is being used in an in-place operation"); in-place updates record no gradient, so wrap them in noGrad(() => ...)`);
  }
  if (!nonOverlapping(t.shape, t.strides)) {
    throw new Error(`${op}: cannot write into a view whose elements overlap (shape ${fmt(t.shape)}, strides ${fmt(t.strides)}; an expanded view repeats elements)`);
  }
  return t;
}

/** other (a number, or a tensor on x's device whose shape broadcasts to x's), checked. */
function checkSource(op: string, x: Tensor, value: Tensor | number): void {
  if (!(value instanceof Tensor)) {
    if (typeof value !== "number") throw new Error(`${op}: other must be a Tensor or a number, got ${describe(value)}`);
    return;
  }
  if (value.device !== x.device) throw new Error(`${op}: the source is on device ${value.device}, self on ${x.device}`);
  let shape: number[];
  try {
    shape = broadcastShapes(op, x.shape, value.shape);
  } catch {
    shape = [];
  }
  if (!sameShape(shape, x.shape)) throw new Error(`${op}: a value of shape ${fmt(value.shape)} cannot be written into self of shape ${fmt(x.shape)}`);
}

/** Writes `value` (broadcastable to x) into x's storage and bumps its version. */
function writeInto(op: string, x: Tensor, value: Tensor): Tensor {
  checkSource(op, x, value);
  if (isFloat(value.dtype) && !isFloat(x.dtype)) throw new Error(`${op}: the result type ${value.dtype} cannot be cast to self's dtype ${x.dtype}`);
  noGrad(() => {
    if (x.numel > 0) x.backend.copy(x, ops.expand(ops.cast(value, x.dtype), x.shape), false);
  });
  bumpVersion(x);
  return x;
}

// ---- reordering ----------------------------------------------------------------------------

/**
 * Reverses the order of elements along the given dims (a copy, like PyTorch's `torch.flip`).
 * @param input any tensor
 * @param dims a dim or a list of dims (negative dims count from the end); each at most once
 * @returns a tensor of input's shape
 * @throws when a dim is out of range or repeated
 * @example
 * tensor([[1, 2], [3, 4]]).flip(1); // [[2, 1], [4, 3]]
 */
export function flip(input: Tensor, dims: number | readonly number[]): Tensor {
  checkArity("flip", arguments, ["input", "dims"]);
  checkTensor("flip", "input", input);
  if (typeof dims !== "number" && !Array.isArray(dims)) throw new Error(`flip: dims must be an integer or an array of integers, got ${describe(dims)}`);
  let out = input;
  for (const d of normDims("flip", dims, input.ndim)) {
    const n = input.shape[d];
    if (n > 1) out = out.indexSelect(d, ints(Array.from({ length: n }, (_, i) => n - 1 - i), input.device));
  }
  return out === input ? input.clone() : out;
}

/**
 * Rolls elements along dims: element i moves to (i + shift) mod size (PyTorch's `torch.roll`).
 * Without dims the tensor is flattened, rolled and given its shape back.
 * @param input any tensor
 * @param shifts a shift or one shift per dim
 * @param dims a dim or a list of dims, as many as shifts
 * @returns a tensor of input's shape
 * @throws when shifts and dims differ in length or a dim is out of range
 * @example
 * tensor([1, 2, 3, 4]).roll(1); // [4, 1, 2, 3]
 */
export function roll(input: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  checkArity("roll", arguments, ["input", "shifts", "dims"]);
  checkTensor("roll", "input", input);
  const s = typeof shifts === "number" ? [shifts] : Array.isArray(shifts) ? [...shifts] : null;
  if (!s || s.length === 0) throw new Error(`roll: shifts must be an integer or a non-empty array of integers, got ${describe(shifts)}`);
  s.forEach((v) => checkInt("roll", "shift", v));
  if (dims === undefined) {
    if (s.length !== 1) throw new Error(`roll: without dims, shifts must be a single integer, got ${fmt(s)}`);
    return roll(input.reshape(-1), s, 0).reshape(input.shape);
  }
  const d = normDims("roll", dims, input.ndim);
  if (d.length !== s.length) throw new Error(`roll: shifts ${fmt(s)} and dims ${fmt(d)} must have the same length`);
  let out = input;
  d.forEach((dim, i) => {
    const n = input.shape[dim];
    const k = n === 0 ? 0 : ((s[i] % n) + n) % n;
    if (k !== 0) out = Tensor.cat([out.narrow(dim, n - k, k), out.narrow(dim, 0, n - k)], dim);
  });
  return out === input ? input.clone() : out;
}

function sizeList(op: string, sizes: readonly unknown[]): number[] {
  const list = sizes.length === 1 && Array.isArray(sizes[0]) ? [...(sizes[0] as unknown[])] : [...sizes];
  list.forEach((v) => checkInt(op, "size", v, 0));
  return list as number[];
}

/**
 * Repeats the tensor along each dim (PyTorch's `Tensor.repeat`): sizes has at least input.ndim
 * entries; extra leading entries add new dims.
 * @param input any tensor
 * @param sizes repeat counts, as arguments or one array
 * @returns a tensor of shape [..., sizes[i]·shape[i], ...]
 * @throws when there are fewer sizes than dims or a size is negative
 * @example
 * tensor([1, 2]).repeat(2, 2); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(input: Tensor, ...sizes: (number | readonly number[])[]): Tensor {
  checkTensor("repeat", "input", input);
  const r = sizeList("repeat", sizes);
  if (r.length < input.ndim) throw new Error(`repeat: needs at least as many sizes (${fmt(r)}) as the tensor has dims (shape ${fmt(input.shape)})`);
  const shape = [...Array<number>(r.length - input.ndim).fill(1), ...input.shape];
  checkShape("repeat", shape.map((s, i) => s * r[i])); // a clear error for a result too large to hold
  // [1, s0, 1, s1, ...] expanded to [r0, s0, r1, s1, ...] and merged: one copy, gradient by expand
  const inter = shape.flatMap((s) => [1, s]);
  const big = shape.flatMap((s, i) => [r[i], s]);
  return input.reshape(inter).expand(big).reshape(shape.map((s, i) => s * r[i]));
}

/**
 * Repeats the tensor along each dim (PyTorch's `torch.tile`): like `repeat`, but with fewer
 * reps than dims the leading dims are repeated once.
 * @param input any tensor
 * @param reps repeat counts, as arguments or one array
 * @returns the tiled tensor
 * @example
 * tensor([[1, 2]]).tile(2); // [[1, 2, 1, 2]]
 */
export function tile(input: Tensor, ...reps: (number | readonly number[])[]): Tensor {
  checkTensor("tile", "input", input);
  const r = sizeList("tile", reps);
  return repeat(input, [...Array<number>(Math.max(0, input.ndim - r.length)).fill(1), ...r]);
}

/** Options of {@link repeatInterleave}. */
export interface RepeatInterleaveOptions {
  /** The dim to repeat along; without it the input is flattened first. */
  dim?: number;
}

/**
 * Repeats each element along a dim (PyTorch's `repeat_interleave`).
 * @param input any tensor
 * @param repeats a count for every element, or one count per element along dim (an int32 tensor
 *   or an array of integers; a one-element list applies to all)
 * @param args `dim` (positional or `{ dim }`): the dim; without it the input is flattened first
 * @returns a tensor whose dim has Σ repeats elements
 * @throws when repeats is negative or its length does not match the dim; a repeats tensor on a
 *   device that cannot be read synchronously (webgpu) must be passed as an array
 * @example
 * tensor([1, 2]).repeatInterleave(2); // [1, 1, 2, 2]
 * tensor([[1, 2], [3, 4]]).repeatInterleave(tensor([1, 2], { dtype: "int32" }), { dim: 0 }); // [[1, 2], [3, 4], [3, 4]]
 */
export function repeatInterleave(input: Tensor, repeats: number | readonly number[] | Tensor, ...args: Args<[dim: number], RepeatInterleaveOptions>): Tensor {
  checkTensor("repeatInterleave", "input", input);
  const a = parseArgs("repeatInterleave", args, ["dim"]);
  if (a.dim === undefined) return repeatInterleave(input.reshape(-1), repeats, 0);
  const d = normDim("repeatInterleave", checkInt("repeatInterleave", "dim", a.dim), input.ndim);
  const x = input.ndim === 0 ? input.reshape(1) : input;
  const n = x.shape[d];
  if (typeof repeats === "number") {
    checkInt("repeatInterleave", "repeats", repeats, 0);
    // [.., n, 1, ..] expanded to [.., n, r, ..] and merged
    const s = [...x.shape.slice(0, d + 1), 1, ...x.shape.slice(d + 1)];
    return x.reshape(s).expand(s.map((v, i) => (i === d + 1 ? repeats : v))).reshape(x.shape.map((v, i) => (i === d ? v * repeats : v)));
  }
  let reps: number[];
  if (repeats instanceof Tensor) {
    if (repeats.dtype !== "int32" || repeats.ndim > 1) throw new Error(`repeatInterleave: a repeats tensor must be a 0-d or 1-D int32 tensor, got ${repeats.dtype} of shape ${fmt(repeats.shape)}`);
    reps = Array.from(hostValues("repeatInterleave", repeats, "repeats.toArrayAsync() and pass the array"));
  } else if (Array.isArray(repeats)) reps = [...repeats];
  else throw new Error(`repeatInterleave: repeats must be an integer, an array of integers or an int32 tensor, got ${describe(repeats)}`);
  reps.forEach((v) => checkInt("repeatInterleave", "repeats", v, 0));
  if (reps.length === 1) reps = Array<number>(n).fill(reps[0]);
  if (reps.length !== n) throw new Error(`repeatInterleave: repeats has ${reps.length} entries, dim ${d} has size ${n}`);
  const idx: number[] = [];
  reps.forEach((r, i) => { for (let k = 0; k < r; k++) idx.push(i); });
  return x.indexSelect(d, ints(idx, x.device));
}

/**
 * Splits a tensor into its slices along a dim, without that dim (PyTorch's `torch.unbind`):
 * views that share the input's storage.
 * @param input a tensor with at least one dim
 * @param dim the dim to remove (default 0)
 * @returns shape[dim] tensors
 * @example
 * const [a, b] = tensor([[1, 2], [3, 4]]).unbind(1); // [1, 3] and [2, 4]
 */
export function unbind(input: Tensor, dim = 0): Tensor[] {
  checkArity("unbind", arguments, ["input", "dim"]);
  checkTensor("unbind", "input", input);
  if (input.ndim === 0) throw new Error("unbind: a 0-d tensor has no dim to unbind");
  const d = normDim("unbind", checkInt("unbind", "dim", dim), input.ndim);
  return Array.from({ length: input.shape[d] }, (_, i) => input.narrow(d, i, 1).squeeze(d));
}

/**
 * Splits one dim into several (PyTorch's `Tensor.unflatten`): a view where the layout allows.
 * @param input any tensor with at least one dim
 * @param dim the dim to split
 * @param sizes the new sizes, whose product is shape[dim]; one may be -1 (inferred)
 * @returns a tensor with sizes in place of dim
 * @throws when the sizes do not multiply to shape[dim]
 * @example
 * Tensor.zeros([2, 6]).unflatten(1, [2, 3]).shape; // [2, 2, 3]
 */
export function unflatten(input: Tensor, dim: number, sizes: readonly number[]): Tensor {
  checkArity("unflatten", arguments, ["input", "dim", "sizes"]);
  checkTensor("unflatten", "input", input);
  const d = normDim("unflatten", checkInt("unflatten", "dim", dim), input.ndim);
  if (!Array.isArray(sizes) || sizes.length === 0) throw new Error(`unflatten: sizes must be a non-empty array of integers, got ${describe(sizes)}`);
  sizes.forEach((s) => checkInt("unflatten", "size", s, -1));
  const known = sizes.filter((s) => s !== -1);
  const prod = numel(known), n = input.shape[d] ?? 1;
  if (sizes.length - known.length > 1 || (known.length === sizes.length ? prod !== n : prod === 0 || n % prod !== 0)) {
    throw new Error(`unflatten: sizes ${fmt(sizes)} do not multiply to the size ${n} of dim ${dim} (shape ${fmt(input.shape)})`);
  }
  const full = sizes.map((s) => (s === -1 ? n / prod : s));
  return input.reshape([...input.shape.slice(0, d), ...full, ...input.shape.slice(d + 1)]);
}

// ---- norms and products --------------------------------------------------------------------

/** A vector norm's order: a number (Infinity and -Infinity included) or "fro" (the 2-norm). */
export type NormOrd = number | "fro";
/** Options of {@link norm}: p, dim and keepdim by name. */
export interface NormOptions {
  /** The order: 2 (default), 1, Infinity, -Infinity, 0 (count of nonzeros), any other number, or "fro". */
  p?: NormOrd;
  /** The dims to reduce (all when omitted or null). */
  dim?: number | readonly number[] | null;
  /** Keep each reduced dim with size 1. Default false. */
  keepdim?: boolean;
}

/** sqrt(s) with gradient 0 where s = 0 (the subgradient PyTorch uses for a norm at 0). A NaN sum
 *  stays NaN (`ne`, not `gt`: NaN > 0 is false, and a row holding a NaN had a norm of 0). */
function safeRoot(s: Tensor, p: number): Tensor {
  const nz = s.ne(0);
  const r = ops.where(nz, s, 1);
  return ops.where(nz, p === 2 ? r.sqrt() : r.pow(1 / p), 0);
}

/**
 * The vector p-norm over dims (PyTorch's `Tensor.norm` / `torch.linalg.vector_norm`): p = 2
 * (default, also "fro"), 1, Infinity (max |x|), -Infinity (min |x|), 0 (count of nonzeros) or any
 * other number, (Σ|x|^p)^(1/p). At x = 0 the gradient is 0, as in PyTorch; with ties at the max
 * (p = ∞) the gradient is shared evenly.
 * @param input a floating-point tensor
 * @param args `p`, `dim`, `keepdim`, positional or as `{ p, dim, keepdim }`: the order; a dim or
 *   dims to reduce (all when omitted or null; "fro" takes at most 2); keep the reduced dims as size 1
 * @returns the norms
 * @throws for an int32 input, an unknown p, or dims out of range
 * @example
 * tensor([3, 4]).norm(); // 5
 * tensor([[1, -2], [3, 4]]).norm(1, { dim: 1 }); // [3, 7]
 */
export function norm(input: Tensor, ...args: Args<[p: NormOrd, dim: number | readonly number[] | null, keepdim: boolean], NormOptions>): Tensor {
  const a = parseArgs("norm", args, ["p", "dim", "keepdim"]);
  checkFloat("norm", "input", input);
  const p = a.p ?? 2;
  if (p !== "fro" && (typeof p !== "number" || Number.isNaN(p))) throw new Error(`norm: p must be a number or 'fro', got ${describe(p)}`);
  if (a.dim != null && typeof a.dim !== "number" && !Array.isArray(a.dim)) throw new Error(`norm: dim must be an integer or an array of integers, got ${describe(a.dim)}`);
  const keepdim = a.keepdim === undefined ? false : checkBool("norm", "keepdim", a.keepdim);
  // dim null (PyTorch's None), absent or []: every dim
  const dims = a.dim == null || (Array.isArray(a.dim) && a.dim.length === 0) ? undefined : normDims("norm", a.dim as number | number[], input.ndim);
  if (p === "fro" && dims && dims.length > 2) throw new Error(`norm: 'fro' takes at most 2 dims, got ${fmt(dims)}`);
  const o = { keepdim };
  const ax = input.abs();
  if (p === Infinity) return dims ? ax.amax(dims, o) : ax.amax(o);
  if (p === -Infinity) return dims ? ax.amin(dims, o) : ax.amin(o);
  const sum = (t: Tensor) => (dims ? t.sum(dims, o) : t.sum(o));
  if (p === 0) return noGrad(() => sum(input.ne(0).cast(input.dtype)));
  if (p === 1) return sum(ax);
  if (p === 2 || p === "fro") return safeRoot(sum(input.square()), 2);
  // |x|^p with gradient 0 at x = 0 (p < 1 would give ∞·0 there); NaN ≠ 0, so a NaN stays in the sum
  const nz = ax.ne(0);
  return safeRoot(sum(ops.where(nz, ops.where(nz, ax, 1).pow(p), 0)), p);
}

/** Options of {@link normalize}. */
export interface NormalizeOptions {
  /** The norm's order (default 2). */
  p?: number;
  /** The dim to normalize over (default 1; null: every element). */
  dim?: number | null;
  /** The smallest divisor (default 1e-12). */
  eps?: number;
}

/**
 * x / max(‖x‖_p, eps) along a dim (PyTorch's `F.normalize`).
 * @param input a floating-point tensor
 * @param args `p`, `dim`, `eps`, positional or as `{ p, dim, eps }`: the order (default 2; null: 2),
 *   the dim (default 1; null: every element), the smallest divisor (default 1e-12)
 * @returns a tensor of input's shape
 * @example
 * F.normalize(tensor([[3, 4]])); // [[0.6, 0.8]]
 */
export function normalize(input: Tensor, ...args: Args<[p: number, dim: number | null, eps: number], NormalizeOptions>): Tensor {
  const a = parseArgs("normalize", args, ["p", "dim", "eps"]);
  checkFloat("normalize", "input", input);
  const p = checkScalar("normalize", "p", a.p ?? 2); // p null: 2, as PyTorch's None
  // dim null (PyTorch's None): over every element
  const dim = a.dim === null ? null : normDims("normalize", checkInt("normalize", "dim", a.dim ?? 1), input.ndim)[0];
  const eps = checkScalar("normalize", "eps", given(a.eps, 1e-12), (v) => v >= 0, "a non-negative number");
  return input.div(norm(input, p, dim, true).clamp(eps).expandAs(input));
}

function checkMatrix(op: string, name: string, v: unknown, nd: number): Tensor {
  const t = checkFloat(op, name, v);
  if (t.ndim !== nd) throw new Error(`${op}: ${name} must be a ${nd}-D tensor, got shape ${fmt(t.shape)}`);
  return t;
}

/**
 * The outer product of two vectors (PyTorch's `torch.outer`): out[i, j] = a[i]·b[j].
 * @param a a 1-D tensor [n]
 * @param b a 1-D tensor [m]
 * @returns [n, m]
 * @example
 * tensor([1, 2]).outer(tensor([1, 10])); // [[1, 10], [2, 20]]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkArity("outer", arguments, ["input", "vec2"]);
  checkTensor("outer", "input", a);
  checkTensor("outer", "vec2", b);
  if (a.ndim !== 1 || b.ndim !== 1) throw new Error(`outer: expects two 1-D tensors, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  return a.unsqueeze(1).mul(b.unsqueeze(0));
}

/**
 * The inner product of two 1-D tensors of one length (PyTorch's `torch.dot`): a 0-d tensor.
 * @throws unless both are 1-D floating-point tensors of equal length
 * @example
 * tensor([1, 2, 3]).dot(tensor([4, 5, 6])); // 32
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkArity("dot", arguments, ["input", "tensor"]);
  checkMatrix("dot", "input", a, 1);
  checkMatrix("dot", "tensor", b, 1);
  if (a.shape[0] !== b.shape[0]) throw new Error(`dot: the two vectors differ in length: ${fmt(a.shape)} and ${fmt(b.shape)}`);
  return a.matmul(b);
}

/**
 * Matrix times vector (PyTorch's `torch.mv`): [n, m] @ [m] → [n].
 * @throws unless a 2-D matrix and a 1-D vector of its column count
 * @example
 * tensor([[1, 2], [3, 4]]).mv(tensor([1, 1])); // [3, 7]
 */
export function mv(mat: Tensor, vec: Tensor): Tensor {
  checkArity("mv", arguments, ["input", "vec"]);
  checkMatrix("mv", "input", mat, 2);
  checkMatrix("mv", "vec", vec, 1);
  if (mat.shape[1] !== vec.shape[0]) throw new Error(`mv: matrix ${fmt(mat.shape)} and vector ${fmt(vec.shape)} cannot be multiplied`);
  return mat.matmul(vec);
}

/**
 * The cross product of 3-vectors along `dim` (PyTorch's `torch.linalg.cross`, default dim -1); a
 * and b broadcast.
 * @throws unless that dim has size 3 in both
 * @example
 * tensor([1, 0, 0]).cross(tensor([0, 1, 0])); // [0, 0, 1]
 */
export function cross(a: Tensor, b: Tensor, dim = -1): Tensor {
  checkArity("cross", arguments, ["input", "other", "dim"]);
  checkFloat("cross", "input", a);
  checkFloat("cross", "other", b);
  checkInt("cross", "dim", dim);
  const shape = broadcastShapes("cross", a.shape, b.shape);
  const d = normDim("cross", dim, shape.length);
  if (shape[d] !== 3 || (a.shape[d - shape.length + a.ndim] ?? 1) !== 3 || (b.shape[d - shape.length + b.ndim] ?? 1) !== 3) {
    throw new Error(`cross: dim ${dim} must have size 3 in both inputs, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const [x, y] = [a.expand(shape), b.expand(shape)];
  const at = (t: Tensor, i: number) => t.narrow(d, i, 1);
  const part = (i: number, j: number) => at(x, i).mul(at(y, j)).sub(at(x, j).mul(at(y, i)));
  return ops.cat([part(1, 2), part(2, 0), part(0, 1)], d);
}

/** Options of {@link diff}. */
export interface DiffOptions {
  /** Joined before the input along dim (its other dims as the input's). */
  prepend?: Tensor;
  /** Joined after the input along dim. */
  append?: Tensor;
}

/**
 * The n-th forward difference along `dim` (PyTorch's `torch.diff`): out[i] = x[i + 1] − x[i], n
 * times, after joining `prepend` and `append`.
 * @throws for n < 0, a 0-d input, or prepend/append whose other dims differ
 * @example
 * tensor([1, 3, 6, 10]).diff(); // [2, 3, 4]
 */
export function diff(input: Tensor, n = 1, dim = -1, opts?: DiffOptions): Tensor {
  checkArity("diff", arguments, ["input", "n", "dim", "options"]);
  checkTensor("diff", "input", input);
  checkInt("diff", "n", n, 0);
  checkInt("diff", "dim", dim);
  const o = checkOptions("diff", opts, ["prepend", "append"]);
  if (input.ndim === 0) throw new Error("diff: expects an input with at least 1 dim, got a 0-d tensor");
  const d = normDim("diff", dim, input.ndim);
  const parts = [o.prepend, input, o.append].filter((t): t is Tensor => t !== undefined && t !== null);
  for (const t of parts) {
    checkTensor("diff", t === o.prepend ? "prepend" : t === o.append ? "append" : "input", t);
    if (t.ndim !== input.ndim || t.shape.some((s, i) => i !== d && s !== input.shape[i])) {
      throw new Error(`diff: prepend and append must have the input's shape ${fmt(input.shape)} except along dim ${dim}, got ${fmt(t.shape)}`);
    }
  }
  let x = parts.length > 1 ? ops.cat(parts, d) : input;
  for (let k = 0; k < n && x.shape[d] > 0; k++) {
    const len = x.shape[d] - 1;
    x = x.narrow(d, 1, len).sub(x.narrow(d, 0, len));
  }
  return x;
}

/**
 * Rotates by 90° k times in the plane of two dims, from the first towards the second (PyTorch's
 * `torch.rot90`, default dims [0, 1]).
 * @throws unless two different dims of an input with at least 2
 * @example
 * tensor([[1, 2], [3, 4]]).rot90(); // [[2, 4], [1, 3]]
 */
export function rot90(input: Tensor, k = 1, dims: readonly [number, number] = [0, 1]): Tensor {
  checkArity("rot90", arguments, ["input", "k", "dims"]);
  checkTensor("rot90", "input", input);
  checkInt("rot90", "k", k);
  if (!Array.isArray(dims) || dims.length !== 2) throw new Error(`rot90: dims must be an array of 2 dims, got ${describe(dims)}`);
  if (input.ndim < 2) throw new Error(`rot90: expects an input with at least 2 dims, got shape ${fmt(input.shape)}`);
  const [a, b] = [normDim("rot90", checkInt("rot90", "dims", dims[0]), input.ndim), normDim("rot90", checkInt("rot90", "dims", dims[1]), input.ndim)];
  if (a === b) throw new Error(`rot90: the two dims must differ, got ${fmt(dims)}`);
  const t = (((k % 4) + 4) % 4);
  if (t === 0) return ops.clone(input);
  if (t === 2) return flip(input, [a, b]);
  return t === 1 ? flip(input, b).transpose(a, b) : flip(input, a).transpose(a, b);
}

/** Options of {@link meshgrid}. */
export interface MeshgridOptions {
  /** "ij" (the default here and in PyTorch 2: the first input varies along dim 0) or "xy" (the first
   *  two dims swapped, NumPy's Cartesian order). */
  indexing?: "ij" | "xy";
}

/**
 * Grids of coordinates from 1-D tensors (PyTorch's `torch.meshgrid`): N tensors of shape
 * [len(t₀), …, len(t₍N₋₁₎)] ("ij"), the i-th holding tᵢ along dim i.
 * @throws unless every input is a 0-d or 1-D tensor on one device
 * @example
 * const [gx, gy] = meshgrid([tensor([1, 2]), tensor([3, 4, 5])]); // shapes [2, 3]
 */
export function meshgrid(tensors: readonly Tensor[], opts?: MeshgridOptions): Tensor[] {
  checkArity("meshgrid", arguments, ["tensors", "options"]);
  const o = checkOptions("meshgrid", opts, ["indexing"]);
  const indexing = o.indexing ?? "ij";
  if (indexing !== "ij" && indexing !== "xy") throw new Error(`meshgrid: indexing must be 'ij' or 'xy', got ${describe(indexing)}`);
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error(`meshgrid: expects a non-empty array of tensors, got ${describe(tensors)}`);
  tensors.forEach((t, i) => {
    checkTensor("meshgrid", `tensors[${i}]`, t);
    if (t.ndim > 1) throw new Error(`meshgrid: tensors[${i}] must be 0-d or 1-D, got shape ${fmt(t.shape)}`);
    if (t.device !== tensors[0].device) throw new Error(`meshgrid: all tensors must be on one device, got '${tensors[0].device}' and '${t.device}'`);
  });
  const order = tensors.map((_, i) => i);
  if (indexing === "xy" && tensors.length >= 2) [order[0], order[1]] = [1, 0];
  const sizes = order.map((i) => tensors[i].numel);
  return tensors.map((t, i) => {
    const at = order.indexOf(i);
    return t.reshape(sizes.map((s, j) => (j === at ? s : 1))).expand(sizes);
  });
}

/**
 * log(exp(a) + exp(b)) without overflow (PyTorch's `torch.logaddexp`): max(a, b) + log1p(exp(−|a − b|)),
 * so −inf with −inf stays −inf and inf with inf inf (not NaN). a and b broadcast. Where both are
 * the same infinity the gradient is split evenly between them (PyTorch's is NaN there).
 * @example
 * tensor([0, 1000]).logaddexp(tensor([0, 1000])); // [0.6931, 1000.6931]
 */
export function logaddexp(a: Tensor, b: Tensor | number): Tensor {
  checkArity("logaddexp", arguments, ["input", "other"]);
  checkFloat("logaddexp", "input", a);
  const bt = typeof b === "number" ? Tensor.full([], b, { device: a.device, dtype: a.dtype }) : checkFloat("logaddexp", "other", b);
  // a − b is inf − inf = NaN where both are the same infinity: take 0 there (log1p(1) is then added to ±inf)
  const same = noGrad(() => a.eq(bt).mul(a.abs().eq(Infinity)));
  const d = ops.where(same, 0, a.sub(bt)).abs();
  return a.maximum(bt).add(d.neg().exp().log1p());
}

/**
 * x·log(y), 0 where x = 0 (even for y = 0 or inf; NaN where y is NaN) (PyTorch's `torch.xlogy`);
 * x and y broadcast. The gradient for x is log y, as PyTorch's, except where x = 0 and y is 0 or
 * inf: there it is 0 (PyTorch: ±inf).
 * @example
 * tensor([0, 2]).xlogy(tensor([0, Math.E])); // [0, 2]
 */
export function xlogy(x: Tensor, y: Tensor | number): Tensor {
  checkArity("xlogy", arguments, ["input", "other"]);
  checkFloat("xlogy", "input", x);
  const yt = typeof y === "number" ? Tensor.full([], y, { device: x.device }) : checkFloat("xlogy", "other", y);
  // only x = 0 with log y = ±inf needs the 0 (0·inf); elsewhere x·log y keeps the gradient log y
  // that PyTorch gives x, at x = 0 too
  const zero = noGrad(() => x.eq(0).mul(yt.eq(0).maximum(yt.eq(Infinity))));
  return ops.where(zero, 0, x.mul(ops.where(zero, 1, yt).log()));
}

/**
 * The fractional part x − trunc(x), with x's sign (PyTorch's `torch.frac`). Gradient 1.
 * @example tensor([1.5, -2.25]).frac(); // [0.5, -0.25]
 */
export function frac(x: Tensor): Tensor {
  checkArity("frac", arguments, ["input"]);
  checkFloat("frac", "input", x);
  return x.sub(noGrad(() => x.trunc()));
}

/**
 * log(p / (1 − p)) (PyTorch's `torch.logit`), with p clamped to [eps, 1 − eps] first when eps is
 * given (then the gradient is 0 outside that range, as PyTorch's).
 * @example tensor([0.5, 0.75]).logit(); // [0, 1.0986]
 */
export function logit(p: Tensor, eps?: number | null): Tensor {
  checkArity("logit", arguments, ["input", "eps"]);
  checkFloat("logit", "input", p);
  const q = eps === undefined || eps === null ? p : p.clamp(checkScalar("logit", "eps", eps, (v) => v >= 0 && v <= 0.5, "a number in [0, 0.5]"), 1 - eps);
  return q.div(q.neg().add(1)).log();
}

/** Options of {@link isclose}. */
export interface IscloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** NaN equals NaN (default false). */
  equalNan?: boolean;
}

/**
 * |a − b| ≤ atol + rtol·|b| elementwise, as float32 0/1 (PyTorch's `torch.isclose`, which gives
 * bool): equal infinities are close, NaN is close to NaN only with equalNan. a and b broadcast.
 * @example
 * tensor([1, 1.001]).isclose(tensor([1, 1]), { rtol: 1e-2 }); // [1, 1]
 */
export function isclose(a: Tensor, b: Tensor | number, opts?: IscloseOptions): Tensor {
  checkArity("isclose", arguments, ["input", "other", "options"]);
  checkTensor("isclose", "input", a);
  const o = checkOptions("isclose", opts, ["rtol", "atol", "equalNan"]);
  const rtol = checkScalar("isclose", "rtol", o.rtol ?? 1e-5, (v) => v >= 0, "a non-negative number");
  const atol = checkScalar("isclose", "atol", o.atol ?? 1e-8, (v) => v >= 0, "a non-negative number");
  const equalNan = o.equalNan === undefined ? false : checkBool("isclose", "equalNan", o.equalNan);
  const bt = typeof b === "number" ? Tensor.full([], b, { device: a.device, dtype: a.dtype }) : checkTensor("isclose", "other", b);
  return noGrad(() => {
    const [x, y] = [a.float(), bt.float()];
    const close = x.sub(y).abs().le(y.abs().mul(rtol).add(atol)).maximum(x.eq(y));
    return equalNan ? close.maximum(x.isnan().mul(y.isnan())) : close;
  });
}

/**
 * Batched matrix product of two 3-D tensors with the same batch size (PyTorch's `torch.bmm`; no
 * broadcasting — use matmul for that).
 * @param a [B, N, M]
 * @param b [B, M, P]
 * @returns [B, N, P]
 * @throws unless both are 3-D with equal batch sizes and matching inner sizes
 * @example
 * Tensor.ones([2, 3, 4]).bmm(Tensor.ones([2, 4, 5])).shape; // [2, 3, 5]
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkArity("bmm", arguments, ["input", "mat2"]);
  checkMatrix("bmm", "input", a, 3);
  checkMatrix("bmm", "mat2", b, 3);
  if (a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
    throw new Error(`bmm: shapes ${fmt(a.shape)} and ${fmt(b.shape)} do not fit [B, N, M] @ [B, M, P]`);
  }
  return a.matmul(b);
}

/** Options of {@link addmm}. */
export interface AddmmOptions {
  /** The factor of input (default 1; with 0 input is ignored, NaN included, as in PyTorch). */
  beta?: number;
  /** The factor of the product (default 1). */
  alpha?: number;
}

/**
 * beta·input + alpha·(mat1 @ mat2) (PyTorch's `torch.addmm`).
 * @param input broadcastable to [n, p]
 * @param mat1 [n, m]
 * @param mat2 [m, p]
 * @param opts `{ beta, alpha }`
 * @returns [n, p]
 * @example
 * Tensor.zeros([2]).addmm(Tensor.ones([3, 4]), Tensor.ones([4, 2]), { alpha: 0.5 }); // [[2, 2], [2, 2], [2, 2]]
 */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, opts?: AddmmOptions): Tensor {
  checkArity("addmm", arguments, ["input", "mat1", "mat2", "options"]);
  checkTensor("addmm", "input", input);
  checkMatrix("addmm", "mat1", mat1, 2);
  checkMatrix("addmm", "mat2", mat2, 2);
  const o = checkOptions("addmm", opts, ["beta", "alpha"]);
  const beta = checkScalar("addmm", "beta", o.beta ?? 1), alpha = checkScalar("addmm", "alpha", o.alpha ?? 1);
  if (mat1.shape[1] !== mat2.shape[0]) throw new Error(`addmm: mat1 ${fmt(mat1.shape)} and mat2 ${fmt(mat2.shape)} cannot be multiplied`);
  const out = [mat1.shape[0], mat2.shape[1]];
  if (!sameShape(broadcastShapes("addmm", input.shape, out), out)) throw new Error(`addmm: input ${fmt(input.shape)} does not broadcast to the product's shape ${fmt(out)}`);
  const prod = alpha === 1 ? mat1.matmul(mat2) : mat1.matmul(mat2).mul(alpha);
  if (beta === 0) return prod;
  return prod.add(beta === 1 ? input : input.mul(beta));
}

/**
 * start + weight·(end - start) (PyTorch's `torch.lerp`); the three broadcast together. As PyTorch,
 * a weight of 0.5 or more in magnitude computes end - (end - start)·(1 - weight), so weight 1 gives
 * exactly end (start + (end - start) rounds: 1e8 → 1 gave 0 in float32).
 * @param start a floating-point tensor
 * @param end a tensor
 * @param weight a number or a tensor
 * @returns the interpolation
 * @example
 * tensor([0, 10]).lerp(tensor([10, 20]), 0.5); // [5, 15]
 */
export function lerp(start: Tensor, end: Tensor, weight: Tensor | number): Tensor {
  checkArity("lerp", arguments, ["input", "end", "weight"]);
  checkFloat("lerp", "input", start);
  checkTensor("lerp", "end", end);
  if (!(weight instanceof Tensor)) checkScalar("lerp", "weight", weight, () => true, "a number or a Tensor");
  const diff = end.sub(start);
  const near = () => start.add(diff.mul(weight)), far = () => end.sub(diff.mul(weight instanceof Tensor ? weight.neg().add(1) : 1 - weight));
  if (!(weight instanceof Tensor)) return Math.abs(weight) < 0.5 ? near() : far();
  return ops.where(weight.abs().lt(0.5), near(), far());
}

/** Options of {@link addcmul}. */
export interface AddcmulOptions {
  /** The factor of the product (default 1). */
  value?: number;
}

/**
 * input + value·tensor1·tensor2 (PyTorch's `torch.addcmul`); the three broadcast together.
 * @param input a tensor
 * @param tensor1 a tensor
 * @param tensor2 a tensor
 * @param opts `{ value }` (default 1)
 * @returns the sum
 * @example
 * tensor([1, 1]).addcmul(tensor([2, 3]), tensor([4, 5]), { value: 0.5 }); // [5, 8.5]
 */
export function addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, opts?: AddcmulOptions): Tensor {
  checkArity("addcmul", arguments, ["input", "tensor1", "tensor2", "options"]);
  checkTensor("addcmul", "input", input);
  checkTensor("addcmul", "tensor1", tensor1);
  checkTensor("addcmul", "tensor2", tensor2);
  const o = checkOptions("addcmul", opts, ["value"]);
  const value = checkScalar("addcmul", "value", o.value ?? 1);
  const prod = tensor1.mul(tensor2);
  return input.add(value === 1 ? prod : prod.mul(value));
}

/**
 * The diagonal of dims (dim1, dim2), moved to the last dim (PyTorch's `torch.diagonal`); offset
 * > 0 is above the main diagonal, < 0 below.
 * @param input a tensor with at least 2 dims
 * @param offset which diagonal (default 0)
 * @param dim1 the first dim (default 0)
 * @param dim2 the second dim (default 1)
 * @returns the other dims followed by the diagonal's length
 * @example
 * tensor([[1, 2], [3, 4]]).diagonal(); // [1, 4]
 */
export function diagonal(input: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  checkArity("diagonal", arguments, ["input", "offset", "dim1", "dim2"]);
  checkTensor("diagonal", "input", input);
  if (input.ndim < 2) throw new Error(`diagonal: expects a tensor with at least 2 dims, got shape ${fmt(input.shape)}`);
  checkInt("diagonal", "offset", offset);
  const a = normDim("diagonal", dim1, input.ndim), b = normDim("diagonal", dim2, input.ndim);
  if (a === b) throw new Error(`diagonal: dim1 and dim2 must differ, got ${dim1} and ${dim2}`);
  const rest = input.shape.map((_, i) => i).filter((i) => i !== a && i !== b);
  const m = input.shape[a], n = input.shape[b];
  const len = Math.max(0, Math.min(m + Math.min(offset, 0), n - Math.max(offset, 0)));
  const lead = rest.map((i) => input.shape[i]);
  // [..., m, n] flattened to [..., m·n]: the diagonal is every (n + 1)-th element from its start
  const start = offset >= 0 ? offset : -offset * n;
  const flat = input.permute([...rest, a, b]).reshape([...lead, m * n]);
  if (len === 0) return flat.narrow(lead.length, 0, 0);
  return flat.slice(...lead.map(() => [] as number[]), [start, start + (len - 1) * (n + 1) + 1, n + 1]);
}

/**
 * A 1-D tensor → the square matrix with it on a diagonal; a 2-D tensor → that diagonal as 1-D
 * (PyTorch's `torch.diag`).
 * @param input a 1-D or 2-D tensor
 * @param diagonal_ which diagonal (default 0; > 0 above, < 0 below)
 * @returns [n + |diagonal|, n + |diagonal|] or the diagonal
 * @example
 * tensor([1, 2]).diag(); // [[1, 0], [0, 2]]
 */
export function diag(input: Tensor, diagonal_ = 0): Tensor {
  checkArity("diag", arguments, ["input", "diagonal"]);
  checkTensor("diag", "input", input);
  checkInt("diag", "diagonal", diagonal_);
  if (input.ndim === 2) return diagonal(input, diagonal_, 0, 1);
  if (input.ndim !== 1) throw new Error(`diag: expects a 1-D or 2-D tensor, got shape ${fmt(input.shape)}`);
  const k = diagonal_, n = input.shape[0] + Math.abs(k);
  const dev = { device: input.device };
  const col = Tensor.arange(n, undefined, 1, dev), row = col.unsqueeze(1);
  const onDiag = col.sub(row).eq(k);
  // k >= 0: row i holds x[i] at column i + k; k < 0: column j holds x[j] at row j - k
  const padded = Tensor.cat([input, Tensor.zeros([Math.abs(k)], { dtype: input.dtype, device: input.device })]);
  const vals = k >= 0 ? padded.unsqueeze(1) : padded.unsqueeze(0);
  return ops.where(onDiag, vals.expand(n, n), 0);
}

/**
 * The sum of the main diagonal of a matrix (PyTorch's `torch.trace`).
 * @param input a 2-D tensor
 * @returns a 0-d tensor
 * @example
 * tensor([[1, 2], [3, 4]]).trace(); // 5
 */
export function trace(input: Tensor): Tensor {
  checkArity("trace", arguments, ["input"]);
  checkTensor("trace", "input", input);
  if (input.ndim !== 2) throw new Error(`trace: expects a 2-D tensor, got shape ${fmt(input.shape)}`);
  return diagonal(input).sum();
}

/** Options of {@link cdist}. */
export interface CdistOptions {
  /** The norm's order (default 2; any p >= 0, Infinity included). */
  p?: number;
}

/**
 * Pairwise p-norm distances between the rows of two batches (PyTorch's `torch.cdist`).
 * @param x1 [..., P, M]
 * @param x2 [..., R, M] (batch dims broadcast)
 * @param opts `{ p }` (default 2)
 * @returns [..., P, R]
 * @example
 * cdist(tensor([[0, 0]]), tensor([[3, 4], [1, 0]])); // [[5, 1]]
 */
export function cdist(x1: Tensor, x2: Tensor, opts?: CdistOptions): Tensor {
  checkArity("cdist", arguments, ["x1", "x2", "options"]);
  checkFloat("cdist", "x1", x1);
  checkFloat("cdist", "x2", x2);
  const o = checkOptions("cdist", opts, ["p"]);
  const p = checkScalar("cdist", "p", o.p ?? 2, (v) => v >= 0, "a non-negative number");
  if (x1.ndim < 2 || x2.ndim < 2 || x1.shape[x1.ndim - 1] !== x2.shape[x2.ndim - 1]) {
    throw new Error(`cdist: x1 ${fmt(x1.shape)} and x2 ${fmt(x2.shape)} must be [..., P, M] and [..., R, M]`);
  }
  return norm(x1.unsqueeze(-2).sub(x2.unsqueeze(-3)), p, -1);
}

// ---- joining, splitting and picking along dims ------------------------------------------------

/**
 * Splits along `dim` into `sections` nearly equal views (the first size % sections one longer), or
 * at the given indices (`torch.tensor_split`); an index past the end gives empty pieces.
 * @throws for sections < 1, or indices that are not integers
 * @example
 * tensorSplit(Tensor.arange(7), 3).map((t) => t.shape[0]); // [3, 2, 2]
 */
export function tensorSplit(input: Tensor, sectionsOrIndices: number | readonly number[], dim = 0): Tensor[] {
  checkArity("tensorSplit", arguments, ["input", "sectionsOrIndices", "dim"]);
  checkTensor("tensorSplit", "input", input);
  checkInt("tensorSplit", "dim", dim);
  if (input.ndim === 0) throw new Error("tensorSplit: expects an input with at least 1 dim, got a 0-d tensor");
  const d = normDim("tensorSplit", dim, input.ndim), n = input.shape[d];
  let cuts: number[];
  if (typeof sectionsOrIndices === "number") {
    const k = checkInt("tensorSplit", "sections", sectionsOrIndices, 1);
    const base = Math.floor(n / k), extra = n % k;
    cuts = Array.from({ length: k - 1 }, (_, i) => (i + 1) * base + Math.min(i + 1, extra));
  } else if (Array.isArray(sectionsOrIndices)) {
    cuts = sectionsOrIndices.map((c) => checkInt("tensorSplit", "indices", c));
  } else throw new Error(`tensorSplit: sectionsOrIndices must be an integer or an array of integers, got ${describe(sectionsOrIndices)}`);
  const at = (c: number) => Math.min(n, Math.max(0, c < 0 ? c + n : c));
  const bounds = [0, ...cuts.map(at), n];
  return bounds.slice(0, -1).map((b, i) => input.narrow(d, b, Math.max(0, bounds[i + 1] - b)));
}

/** t as at least `k`-D the way PyTorch's atleast_1d/2d/3d pad it: [] → [1…], [n] → [1, n], [a, b] → [a, b, 1]. */
function atleast(t: Tensor, k: 1 | 2 | 3): Tensor {
  if (t.ndim >= k) return t;
  if (t.ndim === 0) return t.reshape(Array<number>(k).fill(1));
  if (t.ndim === 1) return k === 2 ? t.unsqueeze(0) : t.reshape([1, t.shape[0], 1]);
  return t.unsqueeze(-1);
}

function joinArgs(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error(`${op}: expects a non-empty array of tensors, got ${describe(tensors)}`);
  tensors.forEach((t, i) => checkTensor(op, `tensors[${i}]`, t));
}

/**
 * Joins along the columns (`torch.hstack`): 1-D tensors end to end, others along dim 1.
 * @example hstack([tensor([1, 2]), tensor([3])]); // [1, 2, 3]
 */
export function hstack(tensors: readonly Tensor[]): Tensor {
  checkArity("hstack", arguments, ["tensors"]);
  joinArgs("hstack", tensors);
  const ts = tensors.map((t) => atleast(t, 1));
  return ops.cat(ts, ts[0].ndim === 1 ? 0 : 1);
}

/**
 * Joins along the rows (`torch.vstack`): each at least 2-D ([n] → [1, n]), then along dim 0.
 * @example vstack([tensor([1, 2]), tensor([3, 4])]).shape; // [2, 2]
 */
export function vstack(tensors: readonly Tensor[]): Tensor {
  checkArity("vstack", arguments, ["tensors"]);
  joinArgs("vstack", tensors);
  return ops.cat(tensors.map((t) => atleast(t, 2)), 0);
}

/**
 * Joins along depth (`torch.dstack`): each at least 3-D, then along dim 2.
 * @example dstack([tensor([1, 2]), tensor([3, 4])]).shape; // [1, 2, 2]
 */
export function dstack(tensors: readonly Tensor[]): Tensor {
  checkArity("dstack", arguments, ["tensors"]);
  joinArgs("dstack", tensors);
  return ops.cat(tensors.map((t) => atleast(t, 3)), 2);
}

/**
 * Joins 0-D and 1-D tensors as columns, others along dim 1 (`torch.column_stack`).
 * @example columnStack([tensor([1, 2]), tensor([3, 4])]); // [[1, 3], [2, 4]]
 */
export function columnStack(tensors: readonly Tensor[]): Tensor {
  checkArity("columnStack", arguments, ["tensors"]);
  joinArgs("columnStack", tensors);
  return ops.cat(tensors.map((t) => (t.ndim <= 1 ? t.reshape([t.numel, 1]) : t)), 1);
}

/**
 * Picks values along `dim` at `indices` (`torch.take_along_dim`): gather after broadcasting input
 * and indices in every other dim; without a dim, of the flattened input at flat indices.
 * @throws for a non-int32 index or shapes that do not broadcast
 * @example
 * x.takeAlongDim(x.argmax(1, { keepdim: true }), 1); // each row's maximum, [n, 1]
 */
export function takeAlongDim(input: Tensor, indices: Tensor, dim?: number): Tensor {
  checkArity("takeAlongDim", arguments, ["input", "indices", "dim"]);
  checkTensor("takeAlongDim", "input", input);
  checkTensor("takeAlongDim", "indices", indices);
  if (indices.dtype !== "int32") throw new Error(`takeAlongDim: indices must be int32, got ${indices.dtype}`);
  if (dim === undefined) return input.reshape([-1]).gather(0, indices.reshape([-1]));
  checkInt("takeAlongDim", "dim", dim);
  if (input.ndim !== indices.ndim) throw new Error(`takeAlongDim: input ${fmt(input.shape)} and indices ${fmt(indices.shape)} must have the same number of dims`);
  const d = normDim("takeAlongDim", dim, input.ndim);
  const others = (s: readonly number[]) => s.map((v, i) => (i === d ? 1 : v));
  const b = broadcastShapes("takeAlongDim", others(input.shape), others(indices.shape));
  return input.expand(b.map((v, i) => (i === d ? input.shape[d] : v))).gather(d, indices.expand(b.map((v, i) => (i === d ? indices.shape[d] : v))));
}

/**
 * The Cartesian product of 1-D tensors as rows (`torch.cartesian_prod`): [n₀·n₁·…, k]; one tensor
 * gives itself.
 * @example cartesianProd(tensor([1, 2]), tensor([3, 4])); // [[1, 3], [1, 4], [2, 3], [2, 4]]
 */
export function cartesianProd(...tensors: Tensor[]): Tensor {
  joinArgs("cartesianProd", tensors);
  tensors.forEach((t, i) => {
    if (t.ndim !== 1) throw new Error(`cartesianProd: tensors[${i}] must be 1-D, got shape ${fmt(t.shape)}`);
  });
  if (tensors.length === 1) return tensors[0];
  return ops.stack(meshgrid(tensors).map((g) => g.reshape([-1])), 1);
}

/** Row and column indices of a triangle of a rows × cols matrix, int32 [2, n], row-major. */
function triangleIndices(op: string, rows: number, cols: number, offset: number, lower: boolean, device?: string): Tensor {
  checkInt(op, "row", rows, 0);
  checkInt(op, "col", cols, 0);
  checkInt(op, "offset", offset);
  const r: number[] = [], c: number[] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (lower ? j - i <= offset : j - i >= offset) (r.push(i), c.push(j));
  return Tensor.fromHost([2, r.length], "int32", device ?? getDefaultDevice(), (a) => {
    a.set(r);
    a.set(c, r.length);
  });
}

/**
 * The indices of the lower triangle of a row × col matrix, diagonal `offset` included
 * (`torch.tril_indices`): int32 [2, n], rows then columns, in row-major order.
 * @example trilIndices(3, 3); // [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
 */
export function trilIndices(row: number, col: number, offset = 0, opts?: { device?: string }): Tensor {
  checkArity("trilIndices", arguments, ["row", "col", "offset", "options"]);
  return triangleIndices("trilIndices", row, col, offset, true, checkOptions("trilIndices", opts, ["device"]).device);
}

/**
 * The indices of the upper triangle of a row × col matrix, from diagonal `offset` on
 * (`torch.triu_indices`): int32 [2, n].
 * @example triuIndices(3, 3, 1); // [[0, 0, 1], [1, 2, 2]]
 */
export function triuIndices(row: number, col: number, offset = 0, opts?: { device?: string }): Tensor {
  checkArity("triuIndices", arguments, ["row", "col", "offset", "options"]);
  return triangleIndices("triuIndices", row, col, offset, false, checkOptions("triuIndices", opts, ["device"]).device);
}

// ---- einsum --------------------------------------------------------------------------------

/**
 * Einstein summation (PyTorch's `torch.einsum`): the operands' dims are named by letters; letters
 * left out of the output are summed, a letter repeated in one operand takes that diagonal, `...`
 * stands for broadcast dims, and without `->` the output is `...` then the letters used once, in
 * order (uppercase first). Contracts left to right with matmul.
 * @param equation such as "ij,jk->ik", "bhqd,bhkd->bhqk", "ii->i", "...ij,...jk"
 * @param operands floating-point tensors (as arguments or one array)
 * @returns the result
 * @throws for a malformed equation, a count of operands or dims that does not match it, or sizes
 *   that do not broadcast
 * @example
 * einsum("ij,jk->ik", a, b); // a.matmul(b)
 * einsum("ii", m); // the trace
 */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  if (typeof equation !== "string") throw new Error(`einsum: the equation must be a string, got ${describe(equation)}`);
  const ts = (operands.length === 1 && Array.isArray(operands[0]) ? [...operands[0]] : operands) as Tensor[];
  if (ts.length === 0) throw new Error("einsum: expects at least one operand");
  ts.forEach((t, i) => {
    checkFloat("einsum", `operand ${i}`, t);
    if (t.device !== ts[0].device) throw new Error(`einsum: operands are on different devices (${ts[0].device} and ${t.device})`);
  });
  const eq = equation.replace(/\s+/g, "");
  const arrow = eq.indexOf("->");
  if (arrow >= 0 && eq.indexOf("->", arrow + 1) >= 0) throw new Error(`einsum: the equation '${equation}' has more than one '->'`);
  const terms = (arrow < 0 ? eq : eq.slice(0, arrow)).split(",");
  if (terms.length !== ts.length) throw new Error(`einsum: the equation '${equation}' has subscripts for ${terms.length} operands, but ${ts.length} were given`);
  const parse = (term: string, what: string): string[] => {
    const out: string[] = [];
    for (let i = 0; i < term.length; i++) {
      if (term.startsWith("...", i)) {
        if (out.includes("...")) throw new Error(`einsum: '...' appears more than once in ${what}`);
        out.push("...");
        i += 2;
      } else if (/[A-Za-z]/.test(term[i])) out.push(term[i]);
      else throw new Error(`einsum: invalid character '${term[i]}' in ${what} of '${equation}' (subscripts are letters a-z, A-Z and '...')`);
    }
    return out;
  };
  const parsed = terms.map((t, i) => parse(t, `the subscripts of operand ${i}`));
  const ne = parsed.map((tok, i) => {
    const letters = tok.filter((x) => x !== "...").length, extra = ts[i].ndim - letters;
    if (tok.includes("...") ? extra < 0 : extra !== 0) {
      throw new Error(`einsum: operand ${i} has ${ts[i].ndim} dims but its subscripts '${terms[i]}' name ${letters}${tok.includes("...") ? " (and '...')" : ""}`);
    }
    return tok.includes("...") ? extra : 0;
  });
  const E = Math.max(0, ...ne);
  const ell = (k: number) => `.${k}`; // the broadcast dims, right-aligned across operands
  const labels = parsed.map((tok, i) => tok.flatMap((x) => (x === "..." ? Array.from({ length: ne[i] }, (_, k) => ell(E - ne[i] + k)) : [x])));
  labels.forEach((ls, i) => ls.forEach((l, d) => {
    const first = ls.indexOf(l);
    if (first !== d && ts[i].shape[first] !== ts[i].shape[d]) {
      throw new Error(`einsum: subscript '${l}' is repeated in operand ${i} with sizes ${ts[i].shape[first]} and ${ts[i].shape[d]}`);
    }
  }));
  const sizes = new Map<string, number>();
  labels.forEach((ls, i) => ls.forEach((l, d) => {
    const s = ts[i].shape[d], seen = sizes.get(l);
    if (seen === undefined || seen === 1) sizes.set(l, s);
    else if (s !== seen && s !== 1) {
      throw new Error(`einsum: ${l.startsWith(".") ? "a '...' dim" : `subscript '${l}'`} has size ${s} in operand ${i}, which does not broadcast with size ${seen}`);
    }
  }));
  let output: string[];
  if (arrow >= 0) {
    const tok = parse(eq.slice(arrow + 2), "the output");
    tok.forEach((l, j) => {
      if (l === "...") return;
      if (tok.indexOf(l) !== j) throw new Error(`einsum: output subscript '${l}' appears more than once`);
      if (!sizes.has(l)) throw new Error(`einsum: output subscript '${l}' does not appear in any operand`);
    });
    output = tok.flatMap((l) => (l === "..." ? Array.from({ length: E }, (_, k) => ell(k)) : [l]));
  } else {
    const count = new Map<string, number>();
    labels.flat().forEach((l) => count.set(l, (count.get(l) ?? 0) + 1));
    const once = [...count].filter(([l, c]) => c === 1 && !l.startsWith(".")).map(([l]) => l).sort();
    output = [...Array.from({ length: E }, (_, k) => ell(k)), ...once];
  }
  // each operand: diagonals of repeated labels, then sum the labels no one else needs
  const items = ts.map((t, i) => {
    let x = t, ls = [...labels[i]];
    for (;;) {
      const q = ls.findIndex((l, j) => ls.indexOf(l) !== j);
      if (q < 0) break;
      const p = ls.indexOf(ls[q]);
      x = diagonal(x, 0, p, q);
      ls = [...ls.filter((_, j) => j !== p && j !== q), ls[p]];
    }
    return { x, ls };
  });
  const sumOut = (it: { x: Tensor; ls: string[] }, keep: (l: string) => boolean) => {
    const dims = it.ls.map((l, d) => (keep(l) ? -1 : d)).filter((d) => d >= 0);
    if (dims.length) it.x = it.x.sum(dims);
    it.ls = it.ls.filter(keep);
  };
  const neededAfter = (i: number) => new Set([...output, ...items.slice(i + 1).flatMap((it) => it.ls)]);
  let cur = items[0];
  sumOut(cur, (l) => neededAfter(0).has(l));
  for (let i = 1; i < items.length; i++) {
    const b = items[i], later = neededAfter(i);
    sumOut(b, (l) => later.has(l) || cur.ls.includes(l));
    sumOut(cur, (l) => later.has(l) || b.ls.includes(l));
    const batch = cur.ls.filter((l) => b.ls.includes(l) && later.has(l));
    const con = cur.ls.filter((l) => b.ls.includes(l) && !later.has(l));
    const onlyA = cur.ls.filter((l) => !b.ls.includes(l)), onlyB = b.ls.filter((l) => !cur.ls.includes(l));
    const sizeIn = (it: { x: Tensor; ls: string[] }, l: string) => it.x.shape[it.ls.indexOf(l)];
    const common = (l: string) => Math.max(sizeIn(cur, l), sizeIn(b, l));
    const arrange = (it: { x: Tensor; ls: string[] }, order: string[]) =>
      it.x.permute(order.map((l) => it.ls.indexOf(l))).expand(order.map((l) => (batch.includes(l) || con.includes(l) ? common(l) : sizeIn(it, l))));
    const bs = batch.map(common), ms = onlyA.map((l) => sizeIn(cur, l)), ks = con.map(common), ns = onlyB.map((l) => sizeIn(b, l));
    if (con.length === 0) {
      // nothing to contract (outer and elementwise products): a broadcast multiply, not tiny matmuls
      const A = arrange(cur, [...batch, ...onlyA]).reshape([...bs, ...ms, ...ns.map(() => 1)]);
      const B = arrange(b, [...batch, ...onlyB]).reshape([...bs, ...ms.map(() => 1), ...ns]);
      cur = { x: A.mul(B), ls: [...batch, ...onlyA, ...onlyB] };
      continue;
    }
    const A = arrange(cur, [...batch, ...onlyA, ...con]).reshape(numel(bs), numel(ms), numel(ks));
    const B = arrange(b, [...batch, ...con, ...onlyB]).reshape(numel(bs), numel(ks), numel(ns));
    cur = { x: A.matmul(B).reshape([...bs, ...ms, ...ns]), ls: [...batch, ...onlyA, ...onlyB] };
  }
  sumOut(cur, (l) => output.includes(l));
  return cur.x.permute(output.map((l) => cur.ls.indexOf(l)));
}

// ---- the scatter family --------------------------------------------------------------------

/** The checks of scatter and scatterAdd (PyTorch's): index as many dims as self and no larger than
 *  src in any dim, nor than self outside `dim`; indices in [0, self.shape[dim]). */
function scatterArgs(op: string, x: Tensor, dim: number, index: unknown, src: unknown): { d: number; idx: Tensor; s: Tensor | null } {
  checkTensor(op, "input", x);
  const d = normDim(op, checkInt(op, "dim", dim), x.ndim);
  const idx = checkIndexTensor(op, "index", index, x);
  if (idx.ndim !== x.ndim) throw new Error(`${op}: index ${fmt(idx.shape)} must have as many dims as self ${fmt(x.shape)}`);
  let s: Tensor | null = null;
  if (src instanceof Tensor) {
    s = src;
    if (s.device !== x.device) throw new Error(`${op}: src is on device ${s.device}, self on ${x.device}`);
    if (s.dtype !== x.dtype) throw new Error(`${op}: src must have self's dtype ${x.dtype}, got ${s.dtype}`);
    if (s.ndim !== x.ndim || idx.shape.some((n, i) => n > s!.shape[i])) {
      throw new Error(`${op}: index ${fmt(idx.shape)} must be no larger than src ${fmt(s.shape)} in every dim`);
    }
  } else if (typeof src !== "number" || op !== "scatter") throw new Error(`${op}: src must be a Tensor${op === "scatter" ? " or a number" : ""}, got ${describe(src)}`);
  if (idx.shape.some((n, i) => i !== d && n > (x.shape[i] ?? 1))) {
    throw new Error(`${op}: index ${fmt(idx.shape)} must be no larger than self ${fmt(x.shape)} outside dim ${d}`);
  }
  checkRange(op, "index", idx, x.shape[d] ?? 1, d, false);
  // a device that cannot be read here checks the indices in a gather (reported at the next read):
  // its scatterAdd kernel skips an index out of range
  if (idx.numel > 0 && !hostReadable(idx.data)) noGrad(() => x.gather(d, idx));
  return { d, idx, s: s && idx.numel > 0 ? s.slice(...idx.shape.map((n) => [0, n])) : s };
}

/** zeros(self's shape) with src added at index along d; the gradient of src is gather(g). */
function scatterSum(x: Tensor, d: number, idx: Tensor, src: Tensor): Tensor {
  if (x.ndim === 0) return src.reshape([]);
  return ops.scatterAdd(x.shape, d, idx, src);
}

/** Where each source element along d is the last (in index order) to write its target: 1, else 0.
 *  The max writer position of each target is found bit by bit, from the top, with one gather and
 *  one scatterAdd per bit: exact and deterministic on every device. */
function lastWriters(x: Tensor, d: number, idx: Tensor): Tensor {
  return noGrad(() => {
    const m = idx.shape[d], nd = idx.ndim, dev = { device: x.device };
    const pos = along(Tensor.arange(m, undefined, 1, dev).float(), d, nd).expand(idx.shape);
    const target = Tensor.zeros(x.shape, dev);
    let best = target; // the bits of the max position found so far, per target
    for (let b = Math.ceil(Math.log2(m)) - 1; b >= 0; b--) {
      const high = Tensor.fromHost([m], "float32", x.device, (a) => { for (let i = 0; i < m; i++) a[i] = Math.floor(i / 2 ** b); });
      const match = along(high, d, nd).expand(idx.shape).eq(best.gather(d, idx).mul(2).add(1));
      best = best.mul(2).add(scatterSum(target, d, idx, match).gt(0));
    }
    return best.gather(d, idx).eq(pos);
  });
}

/**
 * Writes src (or a number) into a copy of self at the positions index gives along dim (PyTorch's
 * out-of-place `Tensor.scatter`): for dim 1, out[i][index[i][j]] = src[i][j]. Where an index
 * repeats, PyTorch leaves the result undefined; dlgrad writes the last one in index order (row-
 * major), on every device, and only that element receives a gradient (PyTorch gives every
 * duplicate gather(grad)). Gradients: self gets grad where not written, src gets grad gathered.
 * @param input self, any dtype
 * @param dim the dim index runs along
 * @param index int32, as many dims as self, no larger than src, nor than self outside dim;
 *   values in [0, self.shape[dim])
 * @param src a tensor of self's dtype, or a number
 * @param opts none are taken (PyTorch's `reduce` is refused: use scatterAdd)
 * @returns a tensor of self's shape
 * @throws for an index out of range, wrong ranks, shapes or dtypes, or any option
 * @example
 * Tensor.zeros([2, 3]).scatter(1, tensor([[2], [0]], { dtype: "int32" }), 1); // [[0, 0, 1], [1, 0, 0]]
 */
export function scatter(input: Tensor, dim: number, index: Tensor, src: Tensor | number, opts?: Record<string, never>): Tensor {
  checkArity("scatter", arguments, ["input", "dim", "index", "src", "options"]);
  checkOptions("scatter", opts, []); // PyTorch's reduce= is not supported: scatterAdd adds
  const { d, idx, s } = scatterArgs("scatter", input, dim, index, src);
  if (idx.numel === 0) return input.clone();
  const dev = { device: input.device };
  const hits = noGrad(() => scatterSum(input, d, idx, Tensor.ones(idx.shape, dev)));
  const written = hits.gt(0);
  if (s === null) {
    if (input.dtype === "int32") checkInt32Value("scatter", src as number);
    return ops.where(written, src as number, input).cast(input.dtype);
  }
  // dedup only where some target is written twice (known without waiting on host devices)
  const dup = input.ndim > 0 && (!hostReadable(hits.data) || noGrad(() => hits.max().item()) > 1);
  const vals = dup ? ops.where(lastWriters(input, d, idx), s, 0) : s;
  return ops.where(written, scatterSum(input, d, idx, vals), input);
}

/**
 * Adds src into a copy of self at the positions index gives along dim (PyTorch's out-of-place
 * `Tensor.scatter_add`): for dim 1, out[i][index[i][j]] += src[i][j]; repeated indices add up.
 * @param input self
 * @param dim the dim index runs along
 * @param index int32, as many dims as self, no larger than src, nor than self outside dim;
 *   values in [0, self.shape[dim])
 * @param src a tensor of self's dtype
 * @returns a tensor of self's shape
 * @throws for an index out of range, wrong ranks, shapes or dtypes
 * @example
 * Tensor.zeros([3]).scatterAdd(0, tensor([0, 0, 2], { dtype: "int32" }), tensor([1, 2, 3])); // [3, 0, 3]
 */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkArity("scatterAdd", arguments, ["input", "dim", "index", "src"]);
  const { d, idx, s } = scatterArgs("scatterAdd", input, dim, index, src);
  if (idx.numel === 0) return input.clone();
  return input.add(scatterSum(input, d, idx, s!));
}

function indexArg(op: string, x: Tensor, index: unknown): Tensor {
  const idx = checkIndexTensor(op, "index", index, x);
  if (idx.ndim > 1) throw new Error(`${op}: index must be a 0-d or 1-D int32 tensor, got shape ${fmt(idx.shape)}`);
  return idx.reshape(-1);
}

/** Options of {@link indexAdd}. */
export interface IndexAddOptions {
  /** The factor of source (default 1). */
  alpha?: number;
}

/**
 * Adds alpha·source into a copy of self at the positions index gives along dim (PyTorch's
 * out-of-place `Tensor.index_add`): out[..., index[i], ...] += alpha·source[..., i, ...];
 * repeated indices add up.
 * @param input self
 * @param dim the dim
 * @param index a 1-D int32 tensor [k] with values in [0, self.shape[dim])
 * @param source self's shape with k along dim, self's dtype
 * @param opts `{ alpha }` (default 1)
 * @returns a tensor of self's shape
 * @example
 * Tensor.zeros([3, 2]).indexAdd(0, tensor([0, 2], { dtype: "int32" }), Tensor.ones([2, 2])); // [[1, 1], [0, 0], [1, 1]]
 */
export function indexAdd(input: Tensor, dim: number, index: Tensor, source: Tensor, opts?: IndexAddOptions): Tensor {
  checkArity("indexAdd", arguments, ["input", "dim", "index", "source", "options"]);
  checkTensor("indexAdd", "input", input);
  const d = normDim("indexAdd", checkInt("indexAdd", "dim", dim), input.ndim);
  const idx = indexArg("indexAdd", input, index);
  const o = checkOptions("indexAdd", opts, ["alpha"]);
  const alpha = checkScalar("indexAdd", "alpha", o.alpha ?? 1);
  checkTensor("indexAdd", "source", source);
  const want = input.ndim === 0 ? [] : input.shape.map((n, i) => (i === d ? idx.numel : n));
  if (!sameShape(source.shape, want) && !(input.ndim === 0 && source.numel === idx.numel)) {
    throw new Error(`indexAdd: source must have shape ${fmt(want)} (self's shape with the index's length along dim ${d}), got ${fmt(source.shape)}`);
  }
  if (source.dtype !== input.dtype || source.device !== input.device) {
    throw new Error(`indexAdd: source must have self's dtype and device (${input.dtype} on ${input.device}), got ${source.dtype} on ${source.device}`);
  }
  checkRange("indexAdd", "index", idx, input.shape[d] ?? 1, d, false);
  if (idx.numel === 0) return input.clone();
  const x = input.ndim === 0 ? input.reshape(1) : input, src = source.reshape(x.ndim === 1 && input.ndim === 0 ? [idx.numel] : want);
  const full = along(idx, d, x.ndim).expand(src.shape);
  if (!hostReadable(full.data)) noGrad(() => x.gather(d, full));
  return x.add(scatterSum(x, d, full, alpha === 1 ? src : src.mul(alpha))).reshape(input.shape);
}

/**
 * A copy of self with the slices at index along dim set to value (PyTorch's out-of-place
 * `Tensor.index_fill`); negative indices count from the end.
 * @param input self
 * @param dim the dim
 * @param index a 0-d or 1-D int32 tensor with values in [-size, size)
 * @param value a number, or a 0-d tensor (which receives the gradient of the filled elements)
 * @returns a tensor of self's shape
 * @example
 * Tensor.zeros([2, 3]).indexFill(1, tensor([0, 2], { dtype: "int32" }), 5); // [[5, 0, 5], [5, 0, 5]]
 */
export function indexFill(input: Tensor, dim: number, index: Tensor, value: number | Tensor): Tensor {
  checkArity("indexFill", arguments, ["input", "dim", "index", "value"]);
  checkTensor("indexFill", "input", input);
  const d = normDim("indexFill", checkInt("indexFill", "dim", dim), input.ndim);
  const idx = indexArg("indexFill", input, index);
  if (value instanceof Tensor ? value.ndim !== 0 : typeof value !== "number") {
    throw new Error(`indexFill: value must be a number or a 0-d tensor, got ${value instanceof Tensor ? `shape ${fmt(value.shape)}` : describe(value)}`);
  }
  const n = input.shape[d] ?? 1;
  checkRange("indexFill", "index", idx, n, d, true);
  if (typeof value === "number" && input.dtype === "int32") checkInt32Value("indexFill", value);
  if (idx.numel === 0) return input.clone();
  const hit = noGrad(() => {
    const w = wrap(idx, n);
    if (!hostReadable(w.data)) Tensor.zeros([n], { device: input.device }).gather(0, w);
    return ops.scatterAdd([n], 0, w, Tensor.ones([idx.numel], { device: input.device })).gt(0);
  });
  const mask = input.ndim === 0 ? hit.reshape([]) : along(hit, d, input.ndim);
  const v = value instanceof Tensor ? value.cast(isFloat(input.dtype) ? value.dtype : input.dtype) : value;
  return ops.where(mask, v, input).cast(input.dtype);
}

/** Options of {@link indexPut}. */
export interface IndexPutOptions {
  /** Add the values (repeated indices add up) instead of writing them (default false). */
  accumulate?: boolean;
}

/**
 * A copy of self with values written (or added) at the positions the index tensors give (PyTorch's
 * out-of-place `torch.index_put`, what `x[i, j] = v` does): indices[k] indexes dim k; the index
 * tensors broadcast together to a shape B, and values broadcast to [...B, ...self.shape[K:]].
 * Negative indices count from the end. Without accumulate, a repeated position takes the last
 * value in index order (PyTorch leaves it undefined), and only that value receives a gradient.
 * @param input self
 * @param indices int32 index tensors, one per leading dim (at most self.ndim)
 * @param values a tensor of self's dtype, or a number
 * @param opts `{ accumulate }`
 * @returns a tensor of self's shape
 * @example
 * Tensor.zeros([3]).indexPut([tensor([0, 2], { dtype: "int32" })], tensor([1, 2])); // [1, 0, 2]
 */
export function indexPut(input: Tensor, indices: readonly Tensor[], values: Tensor | number, opts?: IndexPutOptions): Tensor {
  checkArity("indexPut", arguments, ["input", "indices", "values", "options"]);
  checkTensor("indexPut", "input", input);
  const o = checkOptions("indexPut", opts, ["accumulate"]);
  const acc = o.accumulate === undefined ? false : checkBool("indexPut", "accumulate", o.accumulate);
  if (!Array.isArray(indices) || indices.length === 0) throw new Error(`indexPut: indices must be a non-empty array of int32 tensors, got ${describe(indices)}`);
  if (indices.length > input.ndim) throw new Error(`indexPut: too many indices (${indices.length}) for self of shape ${fmt(input.shape)}`);
  indices.forEach((t, k) => checkIndexTensor("indexPut", `indices[${k}]`, t, input));
  const K = indices.length;
  let B: number[] = [];
  indices.forEach((t) => (B = broadcastShapes("indexPut", B, t.shape)));
  indices.forEach((t, k) => checkRange("indexPut", `indices[${k}]`, t, input.shape[k], k, true));
  const rest = input.shape.slice(K), P = numel(input.shape.slice(0, K)), L = numel(B);
  let vals: Tensor;
  if (values instanceof Tensor) {
    if (values.dtype !== input.dtype || values.device !== input.device) {
      throw new Error(`indexPut: values must have self's dtype and device (${input.dtype} on ${input.device}), got ${values.dtype} on ${values.device}`);
    }
    vals = values;
  } else {
    checkScalar("indexPut", "values", values, () => true, "a Tensor or a number");
    if (input.dtype === "int32") checkInt32Value("indexPut", values);
    vals = Tensor.full([], values, { dtype: input.dtype, device: input.device });
  }
  const want = [...B, ...rest];
  let fits: boolean;
  try {
    fits = sameShape(broadcastShapes("indexPut", want, vals.shape), want);
  } catch {
    fits = false;
  }
  if (!fits) {
    throw new Error(`indexPut: values of shape ${fmt(vals.shape)} cannot broadcast to the indexed shape ${fmt(want)}`);
  }
  if (L === 0) return input.clone();
  // the row of each indexed position in self viewed as [P, ...rest]
  const lin = noGrad(() => {
    let l: Tensor | null = null;
    indices.forEach((t, k) => {
      const term = wrap(t, input.shape[k]).mul(numel(input.shape.slice(k + 1, K)));
      l = l === null ? term : l.add(term);
    });
    return (l as unknown as Tensor).expand(B).reshape(L);
  });
  const flat = input.reshape([P, ...rest]);
  const idx = lin.reshape([L, ...rest.map(() => 1)]).expand([L, ...rest]);
  const v = vals.expand(want).reshape([L, ...rest]);
  const out = acc ? scatterAdd(flat, 0, idx, v) : scatter(flat, 0, idx, v);
  return out.reshape(input.shape);
}

function maskArgs(x: Tensor, mask: unknown): { shape: number[]; m: Tensor } {
  checkTensor("maskedSelect", "input", x);
  const m = checkTensor("maskedSelect", "mask", mask);
  if (m.device !== x.device) throw new Error(`maskedSelect: mask is on device ${m.device}, the input on ${x.device}`);
  return { shape: broadcastShapes("maskedSelect", x.shape, m.shape), m };
}

function selectWith(x: Tensor, shape: number[], mask: ArrayLike<number>): Tensor {
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) idx.push(i);
  return x.expand(shape).reshape(-1).indexSelect(0, ints(idx, x.device));
}

/**
 * The elements of input where mask is nonzero, as a 1-D tensor in row-major order (PyTorch's
 * `torch.masked_select`); input and mask broadcast together. The result's length depends on the
 * mask's values: on webgpu use `await maskedSelectAsync(input, mask)`.
 * @param input any tensor
 * @param mask a tensor (nonzero = selected)
 * @returns [number of selected elements]
 * @example
 * tensor([1, 2, 3]).maskedSelect(tensor([1, 0, 1])); // [1, 3]
 */
export function maskedSelect(input: Tensor, mask: Tensor): Tensor {
  checkArity("maskedSelect", arguments, ["input", "mask"]);
  const { shape, m } = maskArgs(input, mask);
  return selectWith(input, shape, hostValues("maskedSelect", m.expand(shape).contiguous(), "maskedSelectAsync(input, mask)"));
}

/**
 * {@link maskedSelect} on every device (webgpu included): resolves once the mask's values are read.
 * @param input any tensor
 * @param mask a tensor (nonzero = selected), broadcast with input
 * @returns a promise of the 1-D selection
 * @example
 * const pos = await maskedSelectAsync(x, x.gt(0));
 */
export async function maskedSelectAsync(input: Tensor, mask: Tensor): Promise<Tensor> {
  const { shape, m } = maskArgs(input, mask);
  return selectWith(input, shape, await m.expand(shape).contiguous().toTypedArrayAsync());
}

/** Options of {@link nonzero}. */
export interface NonzeroOptions {
  /** Return one 1-D index tensor per dim instead of one [n, ndim] tensor (default false). */
  asTuple?: boolean;
}

function nonzeroOf(x: Tensor, vals: ArrayLike<number>, asTuple: boolean): Tensor | Tensor[] {
  const nd = x.ndim, coords: number[] = [];
  let count = 0;
  const strides = x.shape.map((_, i) => numel(x.shape.slice(i + 1)));
  for (let i = 0; i < vals.length; i++) {
    if (vals[i] === 0) continue;
    count++;
    for (let k = 0; k < nd; k++) coords.push(Math.floor(i / strides[k]) % x.shape[k]);
  }
  const all = ints(coords, x.device, [count, nd]);
  if (!asTuple) return all;
  if (nd === 0) return [Tensor.zeros([count], { dtype: "int32", device: x.device })];
  return unbind(all, 1).map((t) => t.contiguous());
}

function nonzeroArgs(x: unknown, opts: NonzeroOptions | undefined): boolean {
  checkTensor("nonzero", "input", x);
  const o = checkOptions("nonzero", opts, ["asTuple"]);
  return o.asTuple === undefined ? false : checkBool("nonzero", "asTuple", o.asTuple);
}

/**
 * The indices of the nonzero elements (PyTorch's `torch.nonzero`): an int32 [n, ndim] tensor, or
 * with asTuple one int32 [n] tensor per dim. The result's length depends on the values: on webgpu
 * use `await nonzeroAsync(input)`.
 * @param input any tensor
 * @param opts `{ asTuple }`
 * @returns the indices, in row-major order
 * @example
 * tensor([[1, 0], [0, 3]]).nonzero(); // [[0, 0], [1, 1]]
 */
export function nonzero(input: Tensor, opts?: NonzeroOptions): Tensor | Tensor[] {
  checkArity("nonzero", arguments, ["input", "options"]);
  const asTuple = nonzeroArgs(input, opts);
  return nonzeroOf(input, hostValues("nonzero", input, "nonzeroAsync(input)"), asTuple);
}

/**
 * {@link nonzero} on every device (webgpu included): resolves once the input's values are read.
 * @param input any tensor
 * @param opts `{ asTuple }`
 * @returns a promise of the indices
 * @example
 * const idx = await nonzeroAsync(mask);
 */
export async function nonzeroAsync(input: Tensor, opts?: NonzeroOptions): Promise<Tensor | Tensor[]> {
  const asTuple = nonzeroArgs(input, opts);
  return nonzeroOf(input, await input.toTypedArrayAsync(), asTuple);
}

// ---- in-place updates (no graph: for optimizers, initialisation and buffers) ----------------

/** Options of `Tensor#add_`. */
export interface AddInPlaceOptions {
  /** The factor of other (default 1). */
  alpha?: number;
}

/**
 * self += alpha·other, in self's storage (PyTorch's `Tensor.add_`); other broadcasts to self.
 * Bumps self's version, so a graph that saved self refuses to run backward. Refused on a tensor
 * that requires grad while grad mode is on: wrap parameter updates in `noGrad`.
 * @param self the tensor written
 * @param other a tensor or a number
 * @param opts `{ alpha }`
 * @returns self
 * @example
 * noGrad(() => w.add_(w.grad!, { alpha: -0.1 }));
 */
export function addInPlace(self: Tensor, other: Tensor | number, opts?: AddInPlaceOptions): Tensor {
  const x = checkInPlace("add_", self, other);
  const o = checkOptions("add_", opts, ["alpha"]);
  const alpha = checkScalar("add_", "alpha", o.alpha ?? 1);
  checkSource("add_", x, other);
  return writeInto("add_", x, noGrad(() => x.add(alpha === 1 ? other : other instanceof Tensor ? other.mul(alpha) : other * alpha)));
}

/** self *= other in self's storage (PyTorch's `Tensor.mul_`); see `add_` for the rules.
 *  @example noGrad(() => w.mul_(0.5)); */
export function mulInPlace(self: Tensor, other: Tensor | number): Tensor {
  const x = checkInPlace("mul_", self, other);
  checkSource("mul_", x, other);
  return writeInto("mul_", x, noGrad(() => x.mul(other)));
}

/** Sets every element of self to value (PyTorch's `Tensor.fill_`); see `add_` for the rules.
 *  @example noGrad(() => b.fill_(0.1)); */
export function fillInPlace(self: Tensor, value: number | Tensor): Tensor {
  const x = checkInPlace("fill_", self, value);
  if (value instanceof Tensor ? value.ndim !== 0 : typeof value !== "number") {
    throw new Error(`fill_: value must be a number or a 0-d tensor, got ${value instanceof Tensor ? `shape ${fmt(value.shape)}` : describe(value)}`);
  }
  if (typeof value === "number" && x.dtype === "int32") checkInt32Value("fill_", value);
  const v = value instanceof Tensor ? value : Tensor.full([], value, { dtype: x.dtype, device: x.device });
  return writeInto("fill_", x, isFloat(v.dtype) && !isFloat(x.dtype) ? noGrad(() => v.cast(x.dtype)) : v);
}

/** Sets self to zeros (PyTorch's `Tensor.zero_`); see `add_` for the rules.
 *  @example noGrad(() => b.zero_()); */
export function zeroInPlace(self: Tensor): Tensor {
  return fillInPlace(self, 0);
}

/** Copies src (broadcast to self's shape, cast to self's dtype) into self's storage (PyTorch's
 *  `Tensor.copy_`); see `add_` for the rules. Unlike add_, float values may be copied into int32
 *  (truncating, as PyTorch).
 *  @example noGrad(() => target.copy_(online)); */
export function copyInPlace(self: Tensor, src: Tensor): Tensor {
  const x = checkInPlace("copy_", self, src);
  checkTensor("copy_", "src", src);
  const s = src.device === x.device ? src : noGrad(() => src.to(x.device));
  return writeInto("copy_", x, isFloat(s.dtype) && !isFloat(x.dtype) ? noGrad(() => s.cast(x.dtype)) : s);
}

