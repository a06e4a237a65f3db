// Every primitive op: validate, allocate the output, one backend call, and record the backward rule
// (for the table-driven families, the rule comes from prims.ts). Imports only the layers below it.
import { type ConvWindow, type DType, type Storage, type View, hostReadable, isFloat } from "./backend/backend.js";
import { type GradOut, WindowGrad, isGradEnabled, noGrad } from "./graph.js";
import { type SliceIndex, Tensor, bumpVersion } from "./core.js";
import { BINARY, type BinaryOp, type BinaryRule, REDUCE, type ReduceOp, UNARY, type UnaryOp } from "./prims.js";
import { checkInt, describe } from "./check.js";
import {
  broadcastShapes, nonOverlapping, contiguousStrides, fmt, inferShape, normDim, normDims, numel, sameShape, viewStrides, windowCount,
} from "./shape.js";

function sameDevice(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor or a number, got ${describe(t)}`);
    if (t.device !== ts[0].device) throw new Error(`${op}: tensors are on different devices (${ts[0].device} and ${t.device})`);
  }
}

/** Whether an op on these inputs is recorded (what Tensor.track decides). Checked before the
 *  rule's closure and parents array are built, which an op that is not recorded (inside a backward
 *  rule or an optimizer step, on tensors without grad) would otherwise allocate for nothing. */
function recorded(a: Tensor, b?: Tensor): boolean {
  return isGradEnabled() && (a.requiresGrad || (b !== undefined && b.requiresGrad));
}

/** Type promotion: float64 > float32 > int32, like PyTorch's for the dtypes we have. */
export function promote(a: DType, b: DType): DType {
  if (a === "float64" || b === "float64") return "float64";
  if (a === "float32" || b === "float32") return "float32";
  return "int32";
}

/** A 0-d tensor for a number operand: integers stay integers next to an int32 tensor. */
function scalar(op: string, v: number, like: Tensor): Tensor {
  if (typeof v !== "number") throw new Error(`${op}: expected a Tensor or a number, got ${describe(v)}`);
  const dtype: DType = like.dtype === "int32" && !Number.isInteger(v) ? "float32" : like.dtype;
  const t = Tensor.alloc([], dtype, like.device);
  t.backend.upload(t.data, [v]);
  return t;
}

function asTensor(op: string, v: Tensor | number, like: Tensor): Tensor {
  return v instanceof Tensor ? v : scalar(op, v, like);
}

// ---- dtype and device ----------------------------------------------------------------------

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = Tensor.alloc(x.shape, dtype, x.device);
  x.backend.cast(out, x);
  return isFloat(dtype) && isFloat(x.dtype) && recorded(x) ? out.track("cast", [x], (g) => [g.cast(x.dtype)]) : out;
}

/** x on `device`; `gradient`: x is the gradient of a copy onto x's device, going back in backward
 *  (which never waits for a device), so the error says what to do instead */
export function toDevice(x: Tensor, device: string, gradient = false): Tensor {
  if (x.device === device) return x;
  // through host memory: a GPU source must be read with toAsync (its read is null)
  const host = x.backend.read(x);
  if (host === null) {
    throw new Error(gradient
      ? `backward: the gradient of to("${x.device}") cannot be copied back to '${device}' synchronously; make the leaf on '${x.device}' (tensor(values, { device: "${x.device}", requiresGrad: true }), or model.to("${x.device}")) instead of moving it there`
      : `to: a tensor on '${x.device}' cannot be copied to '${device}' synchronously; use \`await t.toAsync("${device}")\``);
  }
  return moved(x, device, host);
}

/** toDevice with the values read asynchronously: a GPU tensor too. */
export async function toDeviceAsync(x: Tensor, device: string): Promise<Tensor> {
  if (x.device === device) return x;
  return moved(x, device, x.backend.read(x) ?? (await x.backend.readAsync(x)));
}

/** x's values (host, read from x) on `device`; the gradient goes back to x's device. */
function moved(x: Tensor, device: string, host: ArrayLike<number>): Tensor {
  const out = Tensor.alloc(x.shape, x.dtype, device);
  out.backend.upload(out.data, host);
  return out.track("to", [x], (g) => [toDevice(g, x.device, true)]);
}

// ---- elementwise ---------------------------------------------------------------------------

/** A unary primitive of prims.ts's UNARY table: its int32 rule, one kernel call, its gradient rule. */
export function unary(op: UnaryOp, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor`);
  const rule = UNARY[op];
  if (x.dtype === "int32" && rule.int === "float") x = cast(x, "float32");
  if (x.dtype === "int32" && rule.int === "identity") return x;
  const out = Tensor.alloc(x.shape, x.dtype, x.device);
  x.backend.unary(op, out, x);
  const grad = rule.grad;
  // a predicate's 0/1 (isnan...) has no gradient and the comparisons' dtype
  if (grad === null) return cast(out, "float32");
  return recorded(x) ? out.track(op, [x], (g) => [grad(g, x, out)]) : out;
}

/** A binary primitive of prims.ts's BINARY table: promote, broadcast (as expand views), one kernel
 *  call. `name`: the public op its errors name, where it is not the primitive's (div with a
 *  rounding mode runs divFloor or divTrunc). */
export function binary(op: BinaryOp, a: Tensor, b: Tensor | number, name: string = op): Tensor {
  if (!(a instanceof Tensor)) throw new Error(`${name}: expected a Tensor, got ${describe(a)}`);
  const bt = asTensor(name, b, a);
  if (bt.device !== a.device) sameDevice(name, a, bt); // the error (a number became a tensor on a's device)
  const rule: BinaryRule = BINARY[op];
  let dtype = promote(a.dtype, bt.dtype);
  if (rule.out === "float" && dtype === "int32") dtype = "float32"; // true division
  const shape = sameShape(a.shape, bt.shape) ? a.shape : broadcastShapes(name, a.shape, bt.shape);
  if (dtype === "int32" && rule.out !== "compare" && rule.intDivides) checkDivisor(name, cast(bt, dtype));
  const x = expand(cast(a, dtype), shape), y = expand(cast(bt, dtype), shape);
  const out = Tensor.alloc(shape, rule.out === "compare" ? "float32" : dtype, a.device);
  a.backend.binary(op, out, x, y);
  const grad = rule.grad;
  return grad === null || !recorded(x, y) ? out : out.track(op, [x, y], (g) => grad(g, x, y, out));
}

/** Integer division by zero (remainder, fmod, div with a rounding mode: the rules marked
 *  intDivides) is an error, as in PyTorch (the kernels write 0 there, never dividing by zero). Device memory (webgpu) cannot be read without waiting: there the kernel
 *  flags a zero divisor and the next readback throws. */
function checkDivisor(name: string, d: Tensor): void {
  if (d.numel === 0 || !hostReadable(d.data)) return;
  const zeros = noGrad(() => d.eq(0).sum().item());
  if (zeros > 0) throw new Error(`${name}: integer division by zero (the int32 divisor holds ${zeros} zero${zeros > 1 ? "s" : ""}; PyTorch raises ZeroDivisionError)`);
}

/** value where mask is nonzero, else x; x and mask broadcast both ways, like PyTorch's out-of-place
 *  masked_fill. value: a number or a 0-d tensor (which then receives the gradient of the filled
 *  elements). */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`maskedFill: expected a Tensor, got ${describe(x)}`);
  if (!(mask instanceof Tensor)) throw new Error("maskedFill: mask must be a Tensor");
  if (value instanceof Tensor ? value.ndim !== 0 : typeof value !== "number") {
    throw new Error(`maskedFill: value must be a number or a 0-d tensor, got ${value instanceof Tensor ? `shape ${fmt(value.shape)}` : describe(value)}`);
  }
  try {
    broadcastShapes("maskedFill", x.shape, mask.shape);
  } catch {
    throw new Error(`maskedFill: mask of shape ${fmt(mask.shape)} and input of shape ${fmt(x.shape)} cannot broadcast`);
  }
  return where(mask, value, x);
}

export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  if (!(cond instanceof Tensor)) throw new Error("where: cond must be a Tensor");
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : Tensor.alloc([], "float32", cond.device);
  const at = asTensor("where", a, like), bt = asTensor("where", b, like);
  sameDevice("where", cond, at, bt);
  const dtype = promote(at.dtype, bt.dtype);
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, at.shape), bt.shape);
  const c = expand(cond, shape), x = expand(cast(at, dtype), shape), y = expand(cast(bt, dtype), shape);
  const out = Tensor.alloc(shape, dtype, cond.device);
  cond.backend.where(out, c, x, y);
  if (!recorded(x, y) && !c.requiresGrad) return out;
  return out.track("where", [c, x, y], (g) => [null, () => where(c, g, 0), () => where(c, 0, g)]);
}

/** clamp(x, min, max): where(x < min, min, where(x > max, max, x)); the gradient passes where
 *  unclamped. `op`: the public name its errors give (clamp or clip). */
export function clamp(x: Tensor, min?: number | null, max?: number | null, op = "clamp"): Tensor {
  if (min == null && max == null) throw new Error(`${op}: at least one of min and max must be given`);
  for (const [name, v] of [["min", min], ["max", max]] as const) {
    if (v != null && typeof v !== "number" && !((v as unknown) instanceof Tensor)) throw new Error(`${op}: ${name} must be a number or null, got ${describe(v)}`);
  }
  let out = x;
  if (min != null) out = where(out.lt(min), min, out);
  if (max != null) out = where(out.gt(max), max, out);
  return out;
}

/** torch.round with decimals: round(x·10^d)/10^d (for d < 0, round(x/10^-d)·10^-d), each step in
 *  the input's dtype, as PyTorch computes it. Zero gradient, like round. */
export function roundDecimals(x: Tensor, decimals: number): Tensor {
  if (decimals === 0) return unary("round", x);
  if (x.dtype === "int32") throw new Error(`round: decimals is not supported for int32 tensors (nor in PyTorch); got decimals ${decimals}`);
  const p = 10 ** Math.abs(decimals);
  return decimals > 0 ? unary("round", x.mul(p)).div(p) : unary("round", x.div(p)).mul(p);
}

/** torch.nan_to_num: NaN, +inf and -inf replaced by nan, posinf and neginf (by default 0 and the
 *  largest and lowest finite values of the dtype). The gradient passes where x is finite, 0 elsewhere. */
export function nanToNum(x: Tensor, nan = 0, posinf?: number, neginf?: number): Tensor {
  if (x.dtype === "int32") return x; // an integer is never NaN or infinite
  const big = x.dtype === "float64" ? Number.MAX_VALUE : 3.4028234663852886e38;
  const inf = unary("isinf", x);
  let out = where(unary("isnan", x), nan, x);
  out = where(inf.mul(x.gt(0)), posinf ?? big, out);
  return where(inf.mul(x.lt(0)), neginf ?? -big, out);
}

/** torch.any / torch.all over one dim or all of them: 0/1 in the comparisons' dtype (float32). A
 *  count of the nonzero (any) or zero (all) entries, so an empty reduction gives 0 resp. 1, and
 *  NaN counts as true, as in PyTorch. */
export function anyAll(op: "any" | "all", x: Tensor, dim?: number, keepdim?: boolean): Tensor {
  const dims = dim === undefined ? undefined : [normDim(op, dim, x.ndim)];
  return op === "any" ? sum(x.ne(0), dims, keepdim).gt(0) : sum(x.eq(0), dims, keepdim).eq(0);
}

export function triangle(x: Tensor, k: number, which: "tril" | "triu"): Tensor {
  if (x.ndim < 2) throw new Error(`${which}: expects a tensor with at least 2 dims, got shape ${fmt(x.shape)}`);
  const [m, n] = x.shape.slice(-2);
  const d = Tensor.arange(n, undefined, 1, { device: x.device }).sub(Tensor.arange(m, undefined, 1, { device: x.device }).unsqueeze(-1));
  return where(which === "tril" ? d.le(k) : d.ge(k), x, 0);
}

/** In-place write of src (broadcast, cast) into x's storage. No graph. */
export function assign(x: Tensor, src: Tensor | number): void {
  noGrad(() => {
    const s = asTensor("assign", src, x);
    sameDevice("assign", x, s);
    if (!nonOverlapping(x.shape, x.strides)) {
      throw new Error(`assign: cannot write into a view whose elements overlap (shape ${fmt(x.shape)}, strides ${fmt(x.strides)}; an expanded view repeats elements): write into a contiguous copy instead`);
    }
    if (!sameShape(broadcastShapes("assign", x.shape, s.shape), x.shape)) {
      throw new Error(`assign: cannot write a tensor of shape ${fmt(s.shape)} into one of shape ${fmt(x.shape)}`);
    }
    x.backend.copy(x, expand(cast(s, x.dtype), x.shape), false);
    bumpVersion(x);
  });
}

// ---- views ---------------------------------------------------------------------------------

function makeView(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  return new Tensor(x.data, shape, strides, offset, x.device);
}

/** Broadcast to `shape` with stride-0 dims; -1 keeps a size. Backward sums back. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const nd = shape.length, lead = nd - x.ndim;
  if (lead < 0) throw expandError(x, shape);
  const outShape = new Array<number>(nd), strides = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const d = shape[i] === -1 && i >= lead ? x.shape[i - lead] : shape[i];
    if (!Number.isInteger(d) || d < 0) throw expandError(x, shape);
    outShape[i] = d;
    if (i < lead) strides[i] = 0;
    else {
      const xd = x.shape[i - lead];
      if (xd === d) strides[i] = x.strides[i - lead];
      else if (xd === 1) strides[i] = 0;
      else throw expandError(x, shape);
    }
  }
  const out = makeView(x, outShape, strides, x.offset);
  return recorded(x) ? out.track("expand", [x], (g) => [sumTo(g, x.shape)]) : out;
}

function expandError(x: Tensor, shape: readonly number[]): Error {
  return new Error(`expand: cannot expand shape ${fmt(x.shape)} to ${fmt(shape)}`);
}

/** Sum a broadcast gradient back down to `shape`. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  return sum(g, dims, true).reshape(shape);
}

export function reshape(x: Tensor, shape: readonly number[], strict: boolean): Tensor {
  const op = strict ? "view" : "reshape";
  const to = inferShape(op, x.shape, shape);
  if (sameShape(to, x.shape)) return x;
  let strides = viewStrides(x.shape, x.strides, to);
  if (strides === null) {
    if (strict) throw new Error(`view: shape ${fmt(to)} is not compatible with the strides of the input (shape ${fmt(x.shape)}); use reshape()`);
    x = contiguous(x);
    strides = contiguousStrides(to);
  }
  const src = x, out = makeView(src, to, strides, src.offset);
  return recorded(src) ? out.track(op, [src], (g) => [g.reshape(src.shape)]) : out;
}

export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1], false);
  const s = normDim("flatten", start, x.ndim), e = normDim("flatten", end, x.ndim);
  if (s > e) throw new Error(`flatten: startDim ${start} comes after endDim ${end} for shape ${fmt(x.shape)}`);
  return reshape(x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)], false);
}

export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : normDims("squeeze", dim, x.ndim);
  return reshape(x, x.shape.filter((d, i) => !(d === 1 && dims.includes(i))), false);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim("unsqueeze", dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)], false);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const p = dims.map((d) => normDim("permute", d, x.ndim));
  if (p.length !== x.ndim || new Set(p).size !== p.length) {
    throw new Error(`permute: dims ${fmt(dims)} is not a permutation of the ${x.ndim} dims of shape ${fmt(x.shape)}`);
  }
  if (p.every((d, i) => d === i)) return x;
  const inv = new Array<number>(p.length);
  p.forEach((d, i) => (inv[d] = i));
  const out = makeView(x, p.map((d) => x.shape[d]), p.map((d) => x.strides[d]), x.offset);
  return recorded(x) ? out.track("permute", [x], (g) => [g.permute(inv)]) : out;
}

export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  const a = normDim("transpose", d0, x.ndim), b = normDim("transpose", d1, x.ndim);
  if (x.ndim === 0 || a === b) return x;
  // permute's view and node for the permutation that swaps a and b, without its checks (a swap is
  // always a permutation) and arrays: the matmul gradients take several transposes per product
  const shape = x.shape.slice(), strides = x.strides.slice();
  shape[a] = x.shape[b];
  shape[b] = x.shape[a];
  strides[a] = x.strides[b];
  strides[b] = x.strides[a];
  const out = makeView(x, shape, strides, x.offset);
  return recorded(x) ? out.track("permute", [x], (g) => [transpose(g, a, b)]) : out;
}

export function movedim(x: Tensor, source: number, destination: number): Tensor {
  const s = normDim("movedim", source, x.ndim), d = normDim("movedim", destination, x.ndim);
  const rest = x.shape.map((_, i) => i).filter((i) => i !== s);
  rest.splice(d, 0, s);
  return permute(x, rest);
}

export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : clone(x);
}

export function clone(x: Tensor): Tensor {
  const out = Tensor.alloc(x.shape, x.dtype, x.device);
  x.backend.copy(out, x, false);
  return recorded(x) ? out.track("clone", [x], (g) => [g]) : out;
}

/** A view computed from (shape, strides, offset); any such view maps to the same window in
 *  any tensor of the same shape, so its backward scatters g into zeros through the same map. */
type ViewFn = (shape: readonly number[], strides: readonly number[], offset: number) => [number[], number[], number];

function stridedView(op: string, x: Tensor, f: ViewFn): Tensor {
  const [shape, strides, offset] = f(x.shape, x.strides, x.offset);
  return makeView(x, shape, strides, numel(shape) === 0 ? 0 : offset)
    .track(op, [x], (g) => [
      // building a graph of the backward: a node; otherwise the engine may add g into its window
      isGradEnabled() ? embed(op, g, x.shape, f) : new WindowGrad(() => embed(op, g, x.shape, f), (target) => addIntoWindow(target, g, f)),
    ]);
}

/** target += g in the window f selects of it. */
function addIntoWindow(target: Tensor, g: Tensor, f: ViewFn): void {
  const [shape, strides, offset] = f(target.shape, target.strides, target.offset);
  if (numel(shape) > 0) g.backend.copy({ data: target.data, shape, strides, offset }, g, true);
}

/** zeros(baseShape) with g added into the window f selects; its own backward is that window. */
function embed(op: string, g: Tensor, baseShape: readonly number[], f: ViewFn): Tensor {
  const out = Tensor.alloc(baseShape, g.dtype, g.device, true);
  addIntoWindow(out, g, f);
  return out.track(`${op}Backward`, [g], (gg) => [stridedView(op, gg, f)]);
}

export function slice(x: Tensor, idx: readonly SliceIndex[]): Tensor {
  const used = idx.filter((i) => i !== null).length;
  if (used > x.ndim) throw new Error(`slice: too many indices (${used}) for a tensor of shape ${fmt(x.shape)}`);
  // validate once on x's shape so errors come from the call, not from a later backward
  let d = 0;
  for (const i of idx) {
    if (i === null) continue;
    if (typeof i === "number") {
      if (!Number.isInteger(i) || i < -x.shape[d] || i >= x.shape[d]) {
        throw new Error(`slice: index ${i} is out of bounds for dim ${d} with size ${x.shape[d]} (shape ${fmt(x.shape)})`);
      }
    } else if (!Array.isArray(i) || i.length > 3) throw new Error(`slice: each index must be a number, null or [start?, end?, step?], got ${JSON.stringify(i)}`);
    else {
      const step = i[2] ?? 1;
      if (!Number.isInteger(step) || step <= 0) throw new Error(`slice: step must be a positive integer, got ${step}`);
      if ((i[0] != null && !Number.isInteger(i[0])) || (i[1] != null && !Number.isInteger(i[1]))) {
        throw new Error(`slice: start and end must be integers, got ${JSON.stringify(i)}`);
      }
    }
    d++;
  }
  return stridedView("slice", x, (shape, strides, offset) => {
    const os: number[] = [], ost: number[] = [];
    let dim = 0;
    for (const i of idx) {
      if (i === null) {
        os.push(1);
        ost.push(0);
      } else if (typeof i === "number") {
        offset += (i < 0 ? i + shape[dim] : i) * strides[dim];
        dim++;
      } else {
        const n = shape[dim], step = i[2] ?? 1;
        // Python slice semantics: negatives count from the end, then clamp into [0, n]
        const norm = (v: number | null | undefined, dflt: number) => (v == null ? dflt : Math.min(n, Math.max(0, v < 0 ? v + n : v)));
        const start = norm(i[0], 0), end = norm(i[1], n);
        os.push(Math.max(0, Math.ceil((end - start) / step)));
        ost.push(strides[dim] * step);
        offset += start * strides[dim];
        dim++;
      }
    }
    return [os.concat(shape.slice(dim)), ost.concat(strides.slice(dim)), offset];
  });
}

/** The elements [start, start+length) of one dim, a view (torch.narrow). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim("narrow", dim, x.ndim);
  checkInt("narrow", "start", start);
  checkInt("narrow", "length", length, 0);
  if (start < 0 && start >= -x.shape[d]) start += x.shape[d]; // from the end, like PyTorch
  if (start < 0 || start + length > x.shape[d]) {
    throw new Error(`narrow: range [${start}, ${start + length}) is out of bounds for dim ${dim} with size ${x.shape[d]}`);
  }
  return stridedView("narrow", x, (shape, strides, offset) => [
    shape.map((s, i) => (i === d ? length : s)), [...strides], offset + start * strides[d],
  ]);
}

/** Sliding windows of `size` every `step` along dim, as a new last dim (torch.Tensor.unfold). A view. */
export function unfold(x: Tensor, dim: number, size: number, step: number): Tensor {
  const d = normDim("unfold", dim, x.ndim);
  checkInt("unfold", "size", size, 0);
  checkInt("unfold", "step", step, 1);
  if (!(size <= x.shape[d])) {
    throw new Error(`unfold: window ${size} with step ${step} does not fit dim ${dim} of shape ${fmt(x.shape)}`);
  }
  return stridedView("unfold", x, (shape, strides, offset) => [
    [...shape.map((s, i) => (i === d ? windowCount(s, size, step) : s)), size],
    [...strides.map((s, i) => (i === d ? s * step : s)), strides[d]],
    offset,
  ]);
}

/**
 * im2col: the kh·kw taps of a sliding window over x [N, C, H, W] zero-padded by ph, pw (stride
 * sh, sw, dilation dh, dw) as columns [C·kh·kw, N·OH·OW]: row (c, i, j), column (n, oh, ow) holds
 * x[n, c, oh·sh + i·dh - ph, ow·sw + j·dw - pw] (0 in the padding), the layout of a convolution as
 * one GEMM. One strided copy per tap, of the part of it inside x. Its backward, col2im, adds each
 * tap back into one zeroed input (no overlapping writes within a copy), and col2im's backward is
 * im2col again, so higher orders work.
 */
export function im2col(x: Tensor, kh: number, kw: number, sh: number, sw: number, ph = 0, pw = 0, dh = 1, dw = 1): Tensor {
  const win = convWindow("im2col", x.shape, { kh, kw, sh, sw, ph, pw, dh, dw });
  const [n, c] = x.shape;
  const fused = x.dtype === "float32" ? x.backend.fused?.im2col : undefined; // one threaded call on cpu
  const out = Tensor.alloc([c * kh * kw, n * win.oh * win.ow], x.dtype, x.device, !fused && (ph > 0 || pw > 0 || dh > 1 || dw > 1));
  if (out.numel > 0 && fused) fused(out, x.contiguous(), win);
  else if (out.numel > 0) forEachTap(x, out, win, (xv, cv) => x.backend.copy(cv, xv, false));
  return out.track("im2col", [x], (g) => [() => col2imOf(g, x.shape, win)]);
}

/**
 * col2im, the adjoint of im2col: x [N, C, H, W] (of the given shape) = the sum of every tap of
 * cols [C·kh·kw, N·OH·OW] added back where im2col read it (the padding dropped). A transposed
 * convolution is one GEMM and this.
 */
export function col2im(cols: Tensor, shape: readonly number[], kh: number, kw: number, sh: number, sw: number, ph = 0, pw = 0, dh = 1, dw = 1): Tensor {
  const win = convWindow("col2im", shape, { kh, kw, sh, sw, ph, pw, dh, dw });
  const want = [shape[1] * kh * kw, shape[0] * win.oh * win.ow];
  if (cols.ndim !== 2 || cols.shape[0] !== want[0] || cols.shape[1] !== want[1]) {
    throw new Error(`col2im: columns ${fmt(cols.shape)} do not match the window's ${fmt(want)}`);
  }
  return col2imOf(cols, shape, win);
}

interface Window extends ConvWindow { oh: number; ow: number }

/** The window checked against an input shape [N, C, H, W], with its output size. */
function convWindow(op: string, shape: readonly number[], win: ConvWindow): Window {
  const { kh, kw, sh, sw, ph, pw, dh, dw } = win;
  const ok = (v: number, lo: number) => Number.isInteger(v) && v >= lo;
  const eh = dh * (kh - 1) + 1, ew = dw * (kw - 1) + 1; // the span of a dilated window
  if (shape.length !== 4 || !ok(kh, 1) || !ok(kw, 1) || !ok(sh, 1) || !ok(sw, 1) || !ok(ph, 0) || !ok(pw, 0) || !ok(dh, 1) || !ok(dw, 1) ||
      eh > shape[2] + 2 * ph || ew > shape[3] + 2 * pw) {
    throw new Error(`${op}: window ${fmt([kh, kw])} with stride ${fmt([sh, sw])}, padding ${fmt([ph, pw])} and dilation ${fmt([dh, dw])} does not fit input ${fmt(shape)}`);
  }
  return { ...win, oh: windowCount(shape[2], eh, sh, ph), ow: windowCount(shape[3], ew, sw, pw) };
}

function col2imOf(g: Tensor, shape: readonly number[], win: Window): Tensor {
  const fused = g.dtype === "float32" ? g.backend.fused?.col2im : undefined; // writes all of out
  const out = Tensor.alloc(shape, g.dtype, g.device, !fused);
  const gc = g.contiguous();
  if (gc.numel > 0 && fused) fused(out, gc, win);
  else if (gc.numel > 0) forEachTap(out, gc, win, (xv, cv) => g.backend.copy(xv, cv, true));
  return out.track("col2im", [g], (gg) => [() => im2col(gg, win.kh, win.kw, win.sh, win.sw, win.ph, win.pw, win.dh, win.dw)]);
}

/** For each tap (i, j): the [C, N, OH', OW'] view of x it reads and the part of cols it fills,
 *  where OH' x OW' are the output positions whose input falls inside x (not in the padding). */
function forEachTap(x: Tensor, cols: Tensor, { kh, kw, sh, sw, ph, pw, dh, dw, oh, ow }: Window, f: (xv: View<Storage>, cv: View<Storage>) => void): void {
  const [n, c, h, w] = x.shape, [s0, s1, s2, s3] = x.strides, l = n * oh * ow;
  // output positions o with 0 <= o·s + t - p < size: [lo, hi)
  const range = (t: number, s: number, p: number, size: number, count: number) =>
    [Math.max(0, Math.ceil((p - t) / s)), Math.min(count, Math.floor((size - 1 + p - t) / s) + 1)];
  for (let i = 0; i < kh; i++) {
    const [h0, h1] = range(i * dh, sh, ph, h, oh);
    for (let j = 0; j < kw; j++) {
      const [w0, w1] = range(j * dw, sw, pw, w, ow);
      if (h1 <= h0 || w1 <= w0) continue;
      const shape = [c, n, h1 - h0, w1 - w0];
      f({ data: x.data, shape, strides: [s1, s0, s2 * sh, s3 * sw], offset: x.offset + (h0 * sh + i * dh - ph) * s2 + (w0 * sw + j * dw - pw) * s3 },
        { data: cols.data, shape, strides: [kh * kw * l, oh * ow, ow, 1], offset: cols.offset + (i * kw + j) * l + h0 * ow + w0 });
    }
  }
}

// ---- reductions ----------------------------------------------------------------------------

/** A reduction of prims.ts's REDUCE table over dims, in the keepdim layout, with its gradient rule. */
function reduceInto(op: ReduceOp, x: Tensor, dims: number[]): Tensor {
  const rule = REDUCE[op];
  const axes = x.shape.map((_, i) => dims.includes(i));
  const out = Tensor.alloc(x.shape.map((s, i) => (axes[i] ? 1 : s)), rule.out === "int32" ? "int32" : x.dtype, x.device);
  x.backend.reduce(op, out, x, axes);
  const grad = rule.grad;
  return grad === null || !recorded(x) ? out : out.track(op, [x], (g) => [() => grad(g, x, out, dims)]);
}

function dropDims(t: Tensor, dims: number[], keepdim: boolean | undefined): Tensor {
  return keepdim ? t : reshape(t, t.shape.filter((_, i) => !dims.includes(i)), false);
}

/** sum of every element as a 0-d tensor in one op (the usual loss reduction): the kernel writes
 *  through a [1, 1, ...] view of the 0-d output, and the 0-d gradient expands to x's shape as is,
 *  so neither pass needs the reshape node of the general path. */
function sumAll(x: Tensor): Tensor {
  const out = Tensor.alloc([], x.dtype, x.device);
  const all = allDims(x.ndim);
  x.backend.reduce("sum", { data: out.data, shape: all.ones, strides: all.zeros, offset: 0 }, x, all.axes);
  return recorded(x) ? out.track("sum", [x], (g) => [expand(g, x.shape)]) : out;
}

/** Per rank: the [1, 1, ...] shape and 0 strides of a 0-d output seen at that rank, and every axis
 *  reduced. Made once per rank (sumAll is the usual loss reduction; kernels only read them). */
const allDimsCache: { ones: number[]; zeros: number[]; axes: boolean[] }[] = [];
function allDims(nd: number): { ones: number[]; zeros: number[]; axes: boolean[] } {
  return (allDimsCache[nd] ??= { ones: new Array<number>(nd).fill(1), zeros: new Array<number>(nd).fill(0), axes: new Array<boolean>(nd).fill(true) });
}

export function sum(x: Tensor, dim?: number | readonly number[], keepdim?: boolean): Tensor {
  if (dim === undefined && !keepdim) return sumAll(x);
  const dims = normDims("sum", dim, x.ndim);
  return dropDims(reduceInto("sum", x, dims), dims, keepdim);
}

export function mean(x: Tensor, dim?: number | readonly number[], keepdim?: boolean): Tensor {
  const dims = normDims("mean", dim, x.ndim);
  const n = dims.reduce((s, d) => s * x.shape[d], 1);
  return sum(cast(x, x.dtype === "int32" ? "float32" : x.dtype), dims, keepdim).div(n);
}

/** max/min values (amax/amin): ties share the gradient evenly, like PyTorch. */
export function extreme(op: "max" | "min", x: Tensor, dim?: number | readonly number[], keepdim?: boolean, name: string = op): Tensor {
  const dims = normDims(name, dim, x.ndim);
  for (const d of dims) {
    if (x.shape[d] === 0) throw new Error(`${name}: cannot reduce over dim ${d} of size 0 (shape ${fmt(x.shape)})`);
  }
  return dropDims(reduceInto(op, x, dims), dims, keepdim);
}

export function argExtreme(op: "argmax" | "argmin", x: Tensor, dim?: number, keepdim?: boolean): Tensor {
  if (dim === undefined) {
    const flat = argExtreme(op, reshape(x, [-1], false), 0, false);
    return keepdim ? reshape(flat, x.shape.map(() => 1), false) : flat;
  }
  const d = normDim(op, dim, x.ndim);
  if (x.ndim > 0 && x.shape[d] === 0) throw new Error(`${op}: cannot reduce over dim ${dim} of size 0 (shape ${fmt(x.shape)})`);
  if (x.ndim === 0) return Tensor.zeros([], { dtype: "int32", device: x.device });
  return dropDims(reduceInto(op, x, [d]), [d], keepdim);
}

// ---- linear algebra ------------------------------------------------------------------------

/** Batched product of equal-batch operands [..., M, K] @ [..., K, N] (+ bias [N] on every row,
 *  added by the product's own stores). */
function mm(a: Tensor, b: Tensor, bias?: Tensor): Tensor {
  const nd = a.ndim;
  const out = Tensor.alloc([...a.shape.slice(0, nd - 1), b.shape[nd - 1]], a.dtype, a.device);
  a.backend.matmul(out, a, b, bias);
  if (!recorded(a, b) && !bias?.requiresGrad) return out;
  // d(AB)/dA = G Bᵀ, d(AB)/dB = Aᵀ G (transposes are views). An operand that is itself a transposed
  // view (x @ W.T) gets its gradient computed transposed, (Gᵀ A)ᵀ, so that it arrives in the
  // layout of the tensor behind the view and needs no transposed copy.
  const tr = (t: Tensor) => t.transpose(-1, -2);
  const grads = (g: Tensor): GradOut[] => [
    () => (isTransposed(a) ? tr(mm(b, tr(g))) : mm(g, tr(b))),
    () => (isTransposed(b) ? tr(mm(tr(g), a)) : mm(tr(a), g)),
  ];
  if (!bias) return out.track("matmul", [a, b], grads);
  return out.track("linear", [a, b, bias], (g) => [...grads(g), () => sumTo(g, bias.shape)]);
}

/** x @ wᵀ (+ bias) for F.linear, which has checked x [..., K] against w [N, K]. A bias [N] of
 *  x's and w's floating-point dtype, on their device, is added by the product's stores; any
 *  other (broadcast, another dtype) by an add after it. */
export function linear(x: Tensor, w: Tensor, bias?: Tensor | null): Tensor {
  const [n, k] = w.shape;
  const inProduct = bias && bias.ndim === 1 && bias.shape[0] === n && isFloat(x.dtype) && x.dtype === w.dtype &&
    bias.dtype === x.dtype && w.device === x.device && bias.device === x.device;
  if (!inProduct) {
    const out = matmul(x, transpose(w, 0, 1));
    return bias ? out.add(bias) : out;
  }
  const rows = x.ndim === 2 ? x : reshape(x, [-1, k], false);
  const out = mm(rows, transpose(w, 0, 1), bias);
  return x.ndim === 2 ? out : reshape(out, [...x.shape.slice(0, -1), n], false);
}

/** The last two dims are a transposed contiguous matrix (strides [1, rows]). */
function isTransposed(t: Tensor): boolean {
  const nd = t.ndim;
  if (nd < 2) return false;
  const r = t.shape[nd - 2], c = t.shape[nd - 1];
  return r > 1 && c > 1 && t.strides[nd - 2] === 1 && t.strides[nd - 1] === r;
}

/** torch.matmul: 1-D operands become a row/column, batch dims broadcast. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(b instanceof Tensor)) throw new Error(`matmul: other must be a Tensor, got ${describe(b)}`);
  sameDevice("matmul", a, b);
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`matmul: both arguments need at least 1 dim, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  if (!isFloat(a.dtype) || !isFloat(b.dtype)) throw new Error(`matmul: expects floating-point tensors, got ${a.dtype} and ${b.dtype}`);
  const dtype = promote(a.dtype, b.dtype);
  if (a.ndim > 2 && b.ndim === 2 && a.shape[a.ndim - 1] === b.shape[0]) {
    // [..., M, K] @ [K, N]: fold the batch dims into M (as PyTorch does), so one GEMM does the work
    // and the gradient of b is one product over all rows instead of a per-batch product summed after
    const lead = a.shape.slice(0, -1);
    return reshape(matmul(reshape(a, [-1, b.shape[0]], false), b), [...lead, b.shape[1]], false);
  }
  const aa = a.ndim === 1 ? unsqueeze(a, 0) : a, bb = b.ndim === 1 ? unsqueeze(b, -1) : b;
  const [m, k] = aa.shape.slice(-2), [k2, n] = bb.shape.slice(-2);
  if (k !== k2) throw new Error(`matmul: inner dimensions differ: ${fmt(a.shape)} @ ${fmt(b.shape)}`);
  let batch: number[];
  try {
    batch = broadcastShapes("matmul", aa.shape.slice(0, -2), bb.shape.slice(0, -2));
  } catch {
    throw new Error(`matmul: batch dims of ${fmt(a.shape)} and ${fmt(b.shape)} cannot broadcast`);
  }
  let out = mm(expand(cast(aa, dtype), [...batch, m, k]), expand(cast(bb, dtype), [...batch, k, n]));
  if (a.ndim === 1) out = squeeze(out, -2);
  if (b.ndim === 1) out = squeeze(out, -1);
  return out;
}

// ---- gathering -----------------------------------------------------------------------------

export function checkIndex(op: string, index: Tensor, size: number, dim: number): void {
  if (!(index instanceof Tensor)) throw new Error(`${op}: index must be a Tensor`);
  if (index.dtype !== "int32") throw new Error(`${op}: index must be an int32 tensor, got ${index.dtype} (shape ${fmt(index.shape)})`);
  if (index.numel === 0) return;
  // device memory (webgpu) cannot be read without waiting: the gather kernel checks every index
  // there and the next readback throws for a bad one
  if (!hostReadable(index.data)) return;
  const lo = noGrad(() => index.min().item()), hi = noGrad(() => index.max().item());
  if (lo < 0 || hi >= size) {
    throw new Error(`${op}: index ${lo < 0 ? lo : hi} is out of range for dim ${dim} with size ${size}`);
  }
}

/** out[i][j] = x[i][index[i][j]] for dim 1, like torch.gather. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  sameDevice("gather", x, index);
  const d = normDim("gather", dim, x.ndim);
  if (index.ndim !== x.ndim) throw new Error(`gather: index ${fmt(index.shape)} must have as many dims as input ${fmt(x.shape)}`);
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i] > x.shape[i]) {
      throw new Error(`gather: index shape ${fmt(index.shape)} is larger than input shape ${fmt(x.shape)} at dim ${i}`);
    }
  }
  checkIndex("gather", index, x.shape[d] ?? 1, d);
  return gatherChecked(x, d, index);
}

export function gatherChecked(x: Tensor, d: number, index: Tensor): Tensor {
  const out = Tensor.alloc(index.shape, x.dtype, x.device);
  if (out.numel > 0) x.backend.gather(out, x, d, index);
  return recorded(x) ? out.track("gather", [x], (g) => [() => scatterAdd(x.shape, d, index, g)]) : out;
}

/** zeros(shape) with src added at the positions index names along dim; the inverse of gather.
 *  Callers have checked index (int32, in range, no larger than shape outside dim, src's shape). */
export function scatterAdd(shape: readonly number[], dim: number, index: Tensor, src: Tensor): Tensor {
  // unzeroed: the backend's scatter writes the zeros itself (fresh), row by row where it can
  const out = Tensor.alloc(shape, src.dtype, src.device, src.numel === 0);
  if (src.numel > 0) src.backend.scatterAdd(out, dim, index, src, true);
  return recorded(src) ? out.track("scatterAdd", [src], (g) => [() => gatherChecked(g, dim, index)]) : out;
}

export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim("indexSelect", dim, x.ndim);
  if (!(index instanceof Tensor) || index.ndim > 1) {
    throw new Error(`indexSelect: index must be a 0-d or 1-D int32 tensor, got shape ${index instanceof Tensor ? fmt(index.shape) : typeof index}`);
  }
  sameDevice("indexSelect", x, index);
  checkIndex("indexSelect", index, x.shape[d] ?? 1, d);
  const n = index.numel;
  const shape = x.shape.map((s, i) => (i === d ? n : s));
  if (x.ndim === 0) return gatherChecked(x, 0, reshape(index, [], false));
  // the 1-D index, viewed along `dim` and broadcast over the other dims (no copy)
  const idx = expand(reshape(index, x.shape.map((_, i) => (i === d ? n : 1)), false), shape);
  return gatherChecked(x, d, idx);
}

export function cat(ts: readonly Tensor[], dim = 0): Tensor {
  checkTensorList("cat", ts);
  sameDevice("cat", ...ts);
  const first = ts[0];
  if (first.ndim === 0) throw new Error("cat: zero-dimensional tensors cannot be concatenated (use stack)");
  const d = normDim("cat", dim, first.ndim);
  ts.forEach((t, j) => {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new Error(`cat: tensors must have the same shape except in dim ${d}: got ${fmt(first.shape)} and ${fmt(t.shape)} (entry ${j})`);
    }
  });
  const dtype = ts.map((t) => t.dtype).reduce(promote);
  const shape = first.shape.map((s, i) => (i === d ? ts.reduce((acc, t) => acc + t.shape[d], 0) : s));
  const out = Tensor.alloc(shape, dtype, first.device);
  const strides = contiguousStrides(shape);
  const starts: number[] = [];
  let start = 0;
  for (const t of ts) {
    starts.push(start);
    const view: View<Storage> = { data: out.data, shape: t.shape, strides, offset: start * strides[d] };
    if (t.numel > 0) out.backend.copy(view, cast(t, dtype), false);
    start += t.shape[d];
  }
  const parts = ts.map((t) => cast(t, dtype));
  return out.track("cat", parts, (g) => parts.map((t, j) => () => narrow(g, d, starts[j], t.shape[d])));
}

function checkTensorList(op: string, ts: readonly Tensor[]): void {
  if (!Array.isArray(ts as unknown) || ts.length === 0) throw new Error(`${op}: expects a non-empty array of tensors, got ${describe(ts)}`);
  ts.forEach((t, j) => {
    if (!(t instanceof Tensor)) throw new Error(`${op}: entry ${j} must be a Tensor, got ${describe(t)}`);
  });
}

export function stack(ts: readonly Tensor[], dim = 0): Tensor {
  checkTensorList("stack", ts);
  ts.forEach((t, j) => {
    if (!sameShape(t.shape, ts[0].shape)) {
      throw new Error(`stack: expects each tensor to be equal size, got ${fmt(ts[0].shape)} at entry 0 and ${fmt(t.shape)} at entry ${j}`);
    }
  });
  const d = normDim("stack", dim, ts[0].ndim + 1);
  return cat(ts.map((t) => unsqueeze(t, d)), d);
}

export function split(x: Tensor, size: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim("split", dim, x.ndim);
  const n = x.shape[d];
  let sizes: number[];
  if (typeof size === "number") {
    if (!Number.isInteger(size) || size <= 0) throw new Error(`split: size must be a positive integer, got ${size}`);
    sizes = [];
    for (let s = 0; s < n; s += size) sizes.push(Math.min(size, n - s));
    if (n === 0) sizes.push(0);
  } else {
    sizes = [...size];
    if (sizes.reduce((a, b) => a + b, 0) !== n || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new Error(`split: sizes ${fmt(sizes)} must be non-negative and sum to ${n} (dim ${dim} of shape ${fmt(x.shape)})`);
    }
  }
  let start = 0;
  return sizes.map((s) => {
    const part = narrow(x, d, start, s);
    start += s;
    return part;
  });
}

export function chunk(x: Tensor, n: number, dim = 0): Tensor[] {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`chunk: number of chunks must be a positive integer, got ${n}`);
  const d = normDim("chunk", dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d] / n)), d);
}
