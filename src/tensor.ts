// Tensor: a strided view (shape, strides, offset) on a typed-array storage, creation, and thin methods.
import { type Backend, type DType, type TypedArray, DTYPES, dtypeOf, getBackend, getDefaultDevice, isFloat } from "./backend/backend.js";
import { type GradOut, type Node, isGradEnabled, runBackward, toDot } from "./autograd.js";
import { checkShape, contiguousStrides, fmt, isContiguous, numel } from "./shape.js";
import { random } from "./random.js";
import { formatTensor } from "./format.js";
import * as ops from "./ops.js";
import * as F from "./functional.js";

export type { DType } from "./backend/backend.js";
export interface TensorOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}
export interface FromOptions extends TensorOptions {
  shape?: readonly number[];
}
export type NestedArray = number | boolean | NestedArray[];
/** An index for `slice`: a number selects (and drops) a dim, [start?, end?, step?] is Python's start:end:step, null inserts a dim. */
export type SliceIndex = number | null | readonly (number | null | undefined)[];
type Dims = number | readonly number[];
export interface ReduceOptions {
  keepdim?: boolean;
}
export interface VarOptions extends ReduceOptions {
  correction?: number;
}

function checkDtype(op: string, dtype: DType): DType {
  if (!(DTYPES as readonly string[]).includes(dtype)) throw new Error(`${op}: unknown dtype '${dtype}' (expected float32 or int32)`);
  return dtype;
}

export class Tensor {
  /** The storage; several tensors (views) may share it. */
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  readonly device: string;
  /** Accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;
  /** The op that produced this tensor (null for leaves and for tensors made without grad). */
  gradFn: Node | null = null;
  #requiresGrad = false;

  constructor(data: TypedArray, shape: readonly number[], strides: readonly number[], offset: number, device: string) {
    this.data = data;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtypeOf(data);
    this.device = device;
  }

  get backend(): Backend {
    return getBackend(this.device);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return numel(this.shape);
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  set requiresGrad(v: boolean) {
    if (!this.isLeaf) throw new Error("requiresGrad: can only be changed on leaf tensors (use detach() for a non-leaf)");
    if (v && !isFloat(this.dtype)) {
      throw new Error(`requiresGrad: only floating-point tensors can require gradients (got ${this.dtype}, shape ${fmt(this.shape)})`);
    }
    this.#requiresGrad = v;
  }
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** Record how this tensor was made, if grad mode is on and some parent needs a gradient. */
  track(op: string, parents: Tensor[], backward: (g: Tensor) => GradOut[]): this {
    if (isGradEnabled() && parents.some((p) => p.#requiresGrad)) {
      this.gradFn = { op, parents, backward };
      this.#requiresGrad = true;
    }
    return this;
  }

  // ---- creation ----------------------------------------------------------------------------

  /** A fresh contiguous tensor of the given shape (contents unspecified unless zero). */
  static alloc(shape: readonly number[], dtype: DType, device: string, zero = false): Tensor {
    const data = getBackend(device).alloc(dtype, numel(shape), zero);
    return new Tensor(data, shape, contiguousStrides(shape), 0, device);
  }

  /** From a number, nested arrays, or a typed array (with opts.shape). float32 unless opts.dtype says otherwise. */
  static from(data: NestedArray | TypedArray | Tensor, opts: FromOptions = {}): Tensor {
    if (data instanceof Tensor) return data.detach().to(opts.device ?? data.device).cast(opts.dtype ?? data.dtype).withGrad(opts);
    let flat: ArrayLike<number>;
    let shape: number[];
    let dtype: DType;
    if (ArrayBuffer.isView(data)) {
      flat = data as TypedArray;
      shape = opts.shape ? checkShape("Tensor.from", opts.shape) : [data.length];
      if (numel(shape) !== data.length) throw new Error(`Tensor.from: shape ${fmt(shape)} needs ${numel(shape)} elements, the array has ${data.length}`);
      dtype = opts.dtype ?? (data instanceof Int32Array ? "int32" : "float32");
    } else {
      shape = [];
      let probe: NestedArray = data;
      while (Array.isArray(probe)) {
        shape.push(probe.length);
        probe = probe[0];
      }
      const out: number[] = [];
      const walk = (x: NestedArray, d: number) => {
        if (d === shape.length) {
          if (Array.isArray(x)) throw new Error(`tensor: ragged nested array (expected shape ${fmt(shape)})`);
          out.push(typeof x === "boolean" ? Number(x) : x);
          return;
        }
        if (!Array.isArray(x) || x.length !== shape[d]) throw new Error(`tensor: ragged nested array (expected shape ${fmt(shape)})`);
        for (const y of x) walk(y, d + 1);
      };
      walk(data, 0);
      if (out.some((v) => typeof v !== "number")) throw new Error("tensor: data must hold only numbers");
      if (opts.shape) throw new Error("tensor: opts.shape is only for typed arrays");
      flat = out;
      dtype = opts.dtype ?? "float32";
    }
    checkDtype("tensor", dtype);
    const t = Tensor.alloc(shape, dtype, opts.device ?? getDefaultDevice());
    t.data.set(flat);
    return t.withGrad(opts);
  }

  private withGrad(opts: TensorOptions): this {
    if (opts.requiresGrad) this.requiresGrad = true;
    return this;
  }

  static full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
    const s = checkShape("full", shape);
    const dtype = checkDtype("full", opts.dtype ?? "float32");
    const t = Tensor.alloc(s, dtype, opts.device ?? getDefaultDevice(), value === 0);
    if (value !== 0) t.backend.fill(t, value);
    return t.withGrad(opts);
  }
  static zeros(shape: readonly number[], opts?: TensorOptions): Tensor {
    return Tensor.full(shape, 0, opts);
  }
  static ones(shape: readonly number[], opts?: TensorOptions): Tensor {
    return Tensor.full(shape, 1, opts);
  }
  static empty(shape: readonly number[], opts: TensorOptions = {}): Tensor {
    const t = Tensor.alloc(checkShape("empty", shape), checkDtype("empty", opts.dtype ?? "float32"), opts.device ?? getDefaultDevice());
    return t.withGrad(opts);
  }
  static zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
    return Tensor.full(t.shape, 0, { dtype: t.dtype, device: t.device, ...opts });
  }
  static onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
    return Tensor.full(t.shape, 1, { dtype: t.dtype, device: t.device, ...opts });
  }
  static fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
    return Tensor.full(t.shape, value, { dtype: t.dtype, device: t.device, ...opts });
  }
  static randLike(t: Tensor, opts: TensorOptions = {}): Tensor {
    return Tensor.rand(t.shape, { dtype: t.dtype, device: t.device, ...opts });
  }
  static randnLike(t: Tensor, opts: TensorOptions = {}): Tensor {
    return Tensor.randn(t.shape, { dtype: t.dtype, device: t.device, ...opts });
  }

  private static randomOf(op: string, shape: readonly number[], dist: "uniform" | "normal", opts: TensorOptions): Tensor {
    const dtype = checkDtype(op, opts.dtype ?? "float32");
    if (!isFloat(dtype)) throw new Error(`${op}: dtype must be floating point, got ${dtype}`);
    const t = Tensor.alloc(checkShape(op, shape), dtype, opts.device ?? getDefaultDevice());
    t.backend.random(t, dist, random);
    return t;
  }
  /** U[0, 1), seeded by manualSeed. */
  static rand(shape: readonly number[], opts: TensorOptions = {}): Tensor {
    return Tensor.randomOf("rand", shape, "uniform", opts).withGrad(opts);
  }
  /** N(0, 1), seeded by manualSeed. */
  static randn(shape: readonly number[], opts: TensorOptions = {}): Tensor {
    return Tensor.randomOf("randn", shape, "normal", opts).withGrad(opts);
  }
  /** U[low, high). */
  static uniform(shape: readonly number[], low: number, high: number, opts: TensorOptions = {}): Tensor {
    if (!(low <= high)) throw new Error(`uniform: low (${low}) must be <= high (${high})`);
    const u = Tensor.randomOf("uniform", shape, "uniform", opts);
    return ops.noGradDo(() => u.mul(high - low).add(low)).withGrad(opts);
  }
  /** Integers uniform in [low, high), int32 by default. */
  static randint(low: number, high: number, shape: readonly number[], opts: TensorOptions = {}): Tensor {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new Error(`randint: need integers low < high, got ${low} and ${high}`);
    const t = Tensor.alloc(checkShape("randint", shape), checkDtype("randint", opts.dtype ?? "int32"), opts.device ?? getDefaultDevice());
    for (let i = 0; i < t.numel; i++) t.data[i] = low + Math.floor(random() * (high - low));
    return t;
  }
  /** A random permutation of 0..n-1 (int32), seeded. */
  static randperm(n: number, opts: TensorOptions = {}): Tensor {
    if (!Number.isInteger(n) || n < 0) throw new Error(`randperm: n must be a non-negative integer, got ${n}`);
    const t = Tensor.alloc([n], opts.dtype ?? "int32", opts.device ?? getDefaultDevice());
    for (let i = 0; i < n; i++) t.data[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const tmp = t.data[i];
      t.data[i] = t.data[j];
      t.data[j] = tmp;
    }
    return t;
  }
  /** arange(end) or arange(start, end, step=1), like torch.arange. */
  static arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
    if (end === undefined) [start, end] = [0, start];
    if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
    const n = Math.max(0, Math.ceil((end - start) / step));
    const ints = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
    const t = Tensor.alloc([n], opts.dtype ?? (ints ? "int32" : "float32"), opts.device ?? getDefaultDevice());
    for (let i = 0; i < n; i++) t.data[i] = start + i * step;
    return t.withGrad(opts);
  }
  static linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}`);
    const t = Tensor.alloc([steps], opts.dtype ?? "float32", opts.device ?? getDefaultDevice());
    const d = steps > 1 ? (end - start) / (steps - 1) : 0;
    // fill from both ends like PyTorch so the last value is exactly `end`
    for (let i = 0; i < steps; i++) t.data[i] = i < steps / 2 ? start + i * d : end - (steps - 1 - i) * d;
    return t.withGrad(opts);
  }
  static eye(n: number, m: number = n, opts: TensorOptions = {}): Tensor {
    const t = Tensor.zeros([n, m], opts);
    for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
    return t;
  }

  // ---- reading -----------------------------------------------------------------------------

  /** A flat, contiguous copy of the values. */
  toTypedArray(): TypedArray {
    const c = this.contiguous();
    return c.data.slice(c.offset, c.offset + this.numel);
  }
  /** Nested arrays, like tolist(). */
  toArray(): NestedArray {
    const flat = this.toTypedArray();
    if (this.ndim === 0) return flat[0];
    let i = 0;
    const build = (d: number): NestedArray[] =>
      Array.from({ length: this.shape[d] }, () => (d === this.ndim - 1 ? flat[i++] : build(d + 1)));
    return build(0);
  }
  /** The value of a one-element tensor. */
  item(): number {
    if (this.numel !== 1) throw new Error(`item: only one-element tensors can be converted to a number, got shape ${fmt(this.shape)}`);
    return this.data[this.offset];
  }
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return formatTensor(this);
  }
  /** A copy on another device (or this tensor if already there); gradients flow back. */
  to(device: string): Tensor {
    return ops.toDevice(this, device);
  }
  /** Convert to a dtype (gradients flow between float dtypes). */
  cast(dtype: DType): Tensor {
    return ops.cast(this, checkDtype("cast", dtype));
  }
  float(): Tensor {
    return this.cast("float32");
  }
  int(): Tensor {
    return this.cast("int32");
  }

  // ---- autograd ----------------------------------------------------------------------------

  /** Accumulate d(this)/d(leaf) into every leaf's .grad. A non-scalar needs an explicit gradient. */
  backward(gradient?: Tensor): void {
    if (!this.requiresGrad) throw new Error(`backward: tensor of shape ${fmt(this.shape)} does not require grad and has no gradFn`);
    let g: Tensor;
    if (gradient === undefined) {
      if (this.numel !== 1) throw new Error(`backward: grad can be implicitly created only for scalar outputs, got shape ${fmt(this.shape)}`);
      g = Tensor.onesLike(this);
    } else {
      if (!(gradient instanceof Tensor)) throw new Error("backward: gradient must be a Tensor");
      if (gradient.shape.join() !== this.shape.join()) {
        throw new Error(`backward: gradient shape ${fmt(gradient.shape)} does not match tensor shape ${fmt(this.shape)}`);
      }
      g = gradient.detach();
    }
    const grads = runBackward([this], [g], (t) => t.isLeaf, false);
    // A leaf's .grad must be its own dense buffer: a rule may hand the same tensor to two parents
    // (add), a stride-0 view (sum), or the caller's gradient, and optimizers update in place.
    const owned = new Set<TypedArray>([g.data]);
    for (const [t, gt] of grads) {
      if (!t.isLeaf || !t.requiresGrad) continue;
      if (t.grad) t.grad = ops.noGradDo(() => t.grad!.add(gt));
      else t.grad = gt.isContiguous() && !owned.has(gt.data) ? gt : ops.noGradDo(() => ops.clone(gt));
      owned.add(t.grad.data);
    }
  }
  /** A tensor sharing storage with no history. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.strides, this.offset, this.device);
  }
  /** Write src's values (broadcast to this shape) into this tensor's own storage. No autograd: for optimizers and init. */
  assign(src: Tensor | number): this {
    ops.assign(this, src);
    return this;
  }
  static toDot(t: Tensor): string {
    return toDot(t);
  }

  // ---- elementwise -------------------------------------------------------------------------
  add(o: Tensor | number): Tensor { return ops.binary("add", this, o); }
  sub(o: Tensor | number): Tensor { return ops.binary("sub", this, o); }
  mul(o: Tensor | number): Tensor { return ops.binary("mul", this, o); }
  div(o: Tensor | number): Tensor { return ops.binary("div", this, o); }
  pow(o: Tensor | number): Tensor { return ops.binary("pow", this, o); }
  maximum(o: Tensor | number): Tensor { return ops.binary("maximum", this, o); }
  minimum(o: Tensor | number): Tensor { return ops.binary("minimum", this, o); }
  eq(o: Tensor | number): Tensor { return ops.binary("eq", this, o); }
  ne(o: Tensor | number): Tensor { return ops.binary("ne", this, o); }
  gt(o: Tensor | number): Tensor { return ops.binary("gt", this, o); }
  ge(o: Tensor | number): Tensor { return ops.binary("ge", this, o); }
  lt(o: Tensor | number): Tensor { return ops.binary("lt", this, o); }
  le(o: Tensor | number): Tensor { return ops.binary("le", this, o); }
  neg(): Tensor { return ops.unary("neg", this); }
  exp(): Tensor { return ops.unary("exp", this); }
  log(): Tensor { return ops.unary("log", this); }
  log1p(): Tensor { return ops.unary("log1p", this); }
  sqrt(): Tensor { return ops.unary("sqrt", this); }
  rsqrt(): Tensor { return ops.unary("rsqrt", this); }
  abs(): Tensor { return ops.unary("abs", this); }
  sin(): Tensor { return ops.unary("sin", this); }
  cos(): Tensor { return ops.unary("cos", this); }
  square(): Tensor { return ops.unary("square", this); }
  relu(): Tensor { return ops.unary("relu", this); }
  sigmoid(): Tensor { return ops.unary("sigmoid", this); }
  tanh(): Tensor { return ops.unary("tanh", this); }
  erf(): Tensor { return ops.unary("erf", this); }
  sign(): Tensor { return ops.unary("sign", this); }
  reciprocal(): Tensor { return ops.unary("reciprocal", this); }
  floor(): Tensor { return ops.unary("floor", this); }
  gelu(opts?: { approximate?: "none" | "tanh" }): Tensor { return F.gelu(this, opts); }
  silu(): Tensor { return F.silu(this); }
  leakyRelu(negativeSlope = 0.01): Tensor { return F.leakyRelu(this, negativeSlope); }
  clamp(min?: number | null, max?: number | null): Tensor { return ops.clamp(this, min, max); }

  // ---- selection ---------------------------------------------------------------------------
  static where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor { return ops.where(cond, a, b); }
  maskedFill(mask: Tensor, value: number): Tensor { return ops.maskedFill(this, mask, value); }
  tril(k = 0): Tensor { return ops.triangle(this, k, "tril"); }
  triu(k = 0): Tensor { return ops.triangle(this, k, "triu"); }

  // ---- reductions --------------------------------------------------------------------------
  sum(dim?: Dims, opts?: ReduceOptions): Tensor { return ops.sum(this, dim, opts?.keepdim); }
  mean(dim?: Dims, opts?: ReduceOptions): Tensor { return ops.mean(this, dim, opts?.keepdim); }
  max(dim?: Dims, opts?: ReduceOptions): Tensor { return ops.extreme("max", this, dim, opts?.keepdim); }
  min(dim?: Dims, opts?: ReduceOptions): Tensor { return ops.extreme("min", this, dim, opts?.keepdim); }
  amax(dim?: Dims, opts?: ReduceOptions): Tensor { return this.max(dim, opts); }
  amin(dim?: Dims, opts?: ReduceOptions): Tensor { return this.min(dim, opts); }
  argmax(dim?: number, opts?: ReduceOptions): Tensor { return ops.argExtreme("argmax", this, dim, opts?.keepdim); }
  argmin(dim?: number, opts?: ReduceOptions): Tensor { return ops.argExtreme("argmin", this, dim, opts?.keepdim); }
  logsumexp(dim?: Dims, opts?: ReduceOptions): Tensor { return F.logsumexp(this, dim, opts); }
  var(dim?: Dims, opts?: VarOptions): Tensor { return F.variance(this, dim, opts); }
  std(dim?: Dims, opts?: VarOptions): Tensor { return F.variance(this, dim, opts).sqrt(); }

  // ---- linear algebra ----------------------------------------------------------------------
  matmul(o: Tensor): Tensor { return ops.matmul(this, o); }
  /** The transpose of a 2-D tensor (a view). */
  get T(): Tensor {
    if (this.ndim > 2) throw new Error(`T: expects a tensor with <= 2 dims, got shape ${fmt(this.shape)} (use transpose or permute)`);
    return this.ndim < 2 ? this : this.transpose(0, 1);
  }

  // ---- movement (views where possible) ----------------------------------------------------
  reshape(...shape: (number | readonly number[])[]): Tensor { return ops.reshape(this, flatArgs(shape), false); }
  view(...shape: (number | readonly number[])[]): Tensor { return ops.reshape(this, flatArgs(shape), true); }
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  squeeze(dim?: Dims): Tensor { return ops.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  permute(...dims: (number | readonly number[])[]): Tensor { return ops.permute(this, flatArgs(dims)); }
  transpose(d0: number, d1: number): Tensor { return ops.transpose(this, d0, d1); }
  /** Move one dim to a new position (torch.movedim). */
  movedim(source: number, destination: number): Tensor { return ops.movedim(this, source, destination); }
  /** Sliding windows along a dim as a new last dim (a view; torch.Tensor.unfold). */
  unfold(dim: number, size: number, step: number): Tensor { return ops.unfold(this, dim, size, step); }
  /** Elements [start, start + length) of a dim (a view; torch.narrow). */
  narrow(dim: number, start: number, length: number): Tensor { return ops.narrow(this, dim, start, length); }
  expand(...shape: (number | readonly number[])[]): Tensor { return ops.expand(this, flatArgs(shape)); }
  expandAs(o: Tensor): Tensor { return ops.expand(this, o.shape); }
  contiguous(): Tensor { return ops.contiguous(this); }
  clone(): Tensor { return ops.clone(this); }
  /** PyTorch indexing: t.slice(0, [1, 3], [null, null, 2]) is t[0, 1:3, ::2]. */
  slice(...idx: SliceIndex[]): Tensor { return ops.slice(this, idx); }

  // ---- gathering ---------------------------------------------------------------------------
  indexSelect(dim: number, index: Tensor): Tensor { return ops.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return ops.gather(this, dim, index); }
  static cat(ts: readonly Tensor[], dim = 0): Tensor { return ops.cat(ts, dim); }
  static stack(ts: readonly Tensor[], dim = 0): Tensor { return ops.stack(ts, dim); }
  split(size: number | readonly number[], dim = 0): Tensor[] { return ops.split(this, size, dim); }
  chunk(n: number, dim = 0): Tensor[] { return ops.chunk(this, n, dim); }

  // ---- neural-net methods ------------------------------------------------------------------
  softmax(dim: number): Tensor { return F.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return F.logSoftmax(this, dim); }
  crossEntropy(target: Tensor, opts?: F.CrossEntropyOptions): Tensor { return F.crossEntropy(this, target, opts); }
  nllLoss(target: Tensor, opts?: F.NllOptions): Tensor { return F.nllLoss(this, target, opts); }
  binaryCrossEntropyWithLogits(target: Tensor, opts?: F.LossOptions): Tensor { return F.binaryCrossEntropyWithLogits(this, target, opts); }
  mseLoss(target: Tensor, opts?: F.LossOptions): Tensor { return F.mseLoss(this, target, opts); }
}

function flatArgs(args: (number | readonly number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}

/** Create a tensor from a number, nested arrays, or a typed array: `tensor([[1, 2], [3, 4]])`. */
export function tensor(data: NestedArray | TypedArray, opts?: FromOptions): Tensor {
  return Tensor.from(data, opts);
}

/** Gradients of sum(outputs * gradOutputs) with respect to inputs, like torch.autograd.grad. */
export function grad(
  outputs: Tensor | Tensor[], inputs: Tensor | Tensor[],
  opts: { gradOutputs?: Tensor | Tensor[]; createGraph?: boolean; allowUnused?: boolean } = {},
): Tensor[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const gos = opts.gradOutputs === undefined ? [] : Array.isArray(opts.gradOutputs) ? opts.gradOutputs : [opts.gradOutputs];
  const rootGrads = outs.map((o, i) => {
    if (!o.requiresGrad) throw new Error(`grad: output ${i} of shape ${fmt(o.shape)} does not require grad`);
    if (gos[i]) return gos[i];
    if (o.numel !== 1) throw new Error(`grad: gradOutputs must be given for non-scalar output ${i} of shape ${fmt(o.shape)}`);
    return Tensor.onesLike(o);
  });
  ins.forEach((t, i) => {
    if (!t.requiresGrad) throw new Error(`grad: input ${i} of shape ${fmt(t.shape)} does not require grad`);
  });
  const want = new Set(ins);
  const grads = runBackward(outs, rootGrads, (t) => want.has(t), opts.createGraph ?? false);
  return ins.map((t, i) => {
    const g = grads.get(t);
    if (g) return g;
    if (!opts.allowUnused) throw new Error(`grad: input ${i} of shape ${fmt(t.shape)} is not used in the graph of the outputs (pass allowUnused: true)`);
    return Tensor.zerosLike(t);
  });
}
