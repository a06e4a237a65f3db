// The Tensor core: a strided view (shape, strides, offset) on a backend's storage, its graph edge
// (track), creation and reading. No op lives here: ops.ts computes, and tensor.ts adds the fluent
// methods (x.add(y), x.sum(), ...) on top, so this file imports nothing above the backends.
import {
  type Backend, type DType, type Storage, type TypedArray, type View,
  DTYPES, availableDevices, dtypeOf, elementCtor, getBackend, getDefaultDevice, isFloat,
} from "./backend/backend.js";
import { INT32_MAX, INT32_MIN, checkBool, checkInt, checkInt32Value, checkNumber, checkOptions, describe } from "./check.js";
import { type GradOut, type Node, isGradEnabled, toDot } from "./graph.js";
import { checkShape, contiguousStrides, fmt, isContiguous, numel, sameShape } from "./shape.js";
import { random } from "./random.js";
import { formatTensor } from "./format.js";

/** Options of the tensor creators (`zeros`, `rand`, `arange`, ...), like PyTorch's `dtype=`, `device=`, `requires_grad=` keywords. */
export interface TensorOptions {
  /** Element type: "float32" (the default for most creators) or "int32" ("float64" is for gradient checks on `js`). */
  dtype?: DType;
  /** Device name ("js", "cpu", "wasm", "webgpu"); the default device (getDefaultDevice()) if omitted. */
  device?: string;
  /** Make the new tensor a leaf that records gradients (float dtypes only). Default false. */
  requiresGrad?: boolean;
}
/** Options of `tensor()` / `Tensor.from`: TensorOptions plus the shape of flat typed-array data. */
export interface FromOptions extends TensorOptions {
  /** The shape to give a typed array's elements (their count must match); only for typed-array data. */
  shape?: readonly number[];
}
/** Data for `tensor()`: a number or boolean, or (rectangular) nested arrays of them. Booleans become 1 and 0. */
export type NestedArray = number | boolean | NestedArray[];
/** An index for `slice`: a number selects (and drops) a dim, [start?, end?, step?] is Python's start:end:step, null inserts a dim. */
export type SliceIndex = number | null | readonly (number | null | undefined)[];

/** A creator's options, checked: known keys only, a known dtype and device, a boolean requiresGrad. */
function creationOptions(op: string, opts: FromOptions | undefined, dtype: DType, extra: string[] = [], device?: string) {
  const o = checkOptions(op, opts, ["dtype", "device", "requiresGrad", ...extra]);
  if (o.dtype !== undefined && !(DTYPES as readonly unknown[]).includes(o.dtype)) {
    throw new Error(`${op}: unknown dtype ${describe(o.dtype)} (expected 'float32' or 'int32')`);
  }
  const dev = o.device ?? device ?? getDefaultDevice();
  if (typeof dev !== "string" || !availableDevices().includes(dev)) {
    throw new Error(`${op}: unknown or unavailable device ${describe(dev)} (available: ${availableDevices().join(", ")})`);
  }
  if (o.requiresGrad !== undefined) checkBool(op, "requiresGrad", o.requiresGrad);
  return { dtype: o.dtype ?? dtype, device: dev, requiresGrad: o.requiresGrad === true, shape: o.shape };
}

function likeShape(op: string, t: Tensor): readonly number[] {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(t)}`);
  return t.shape;
}

/**
 * An n-dimensional array on one device, with reverse-mode autograd (torch.Tensor). A tensor is a
 * strided view (shape, strides, offset) on its device's storage; views share storage. Create one
 * with `tensor()` or the static creators (`Tensor.zeros`, `Tensor.randn`, `Tensor.arange`, ...);
 * the fluent methods (`add`, `sum`, `reshape`, `backward`, ...) return new tensors.
 *
 * @example
 * const x = Tensor.randn([2, 3], { requiresGrad: true });
 * x.mul(x).sum().backward(); // x.grad is 2·x
 */
export class Tensor {
  /** The storage; several tensors (views) may share it. Only the tensor's backend reads or writes it. */
  readonly data: Storage;
  /** The size of each dim, e.g. [2, 3] (torch's `.shape`/`.size()` as a plain array; [] for a 0-d tensor). */
  readonly shape: readonly number[];
  /** Elements to step in storage per index of each dim (0 for a broadcast dim), as torch's `.stride()`. */
  readonly strides: readonly number[];
  /** Index in storage of the first element (torch's `.storage_offset()`). */
  readonly offset: number;
  /** The element type: "float32", "int32" (or "float64", for gradient checks). */
  readonly dtype: DType;
  /** The device whose backend holds the storage: "js", "cpu", "wasm" or "webgpu". */
  readonly device: string;
  #grad: Tensor | null = null;
  /** The op that produced this tensor (null for leaves and for tensors made without grad). */
  gradFn: Node | null = null;
  #requiresGrad = false;

  /** A view on existing storage (low level: shape and strides are trusted). Use `tensor()` or the static creators instead. */
  constructor(data: Storage, shape: readonly number[], strides: readonly number[], offset: number, device: string) {
    this.data = data;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtypeOf(data);
    this.device = device;
  }

  /** Accumulated gradient of a leaf after backward(). Settable (to null, or a tensor of this shape,
   *  dtype and device: an optimizer would otherwise update with a broadcast gradient). */
  get grad(): Tensor | null {
    return this.#grad;
  }
  /** Set or clear (null) the gradient; throws unless `g` has this tensor's shape, dtype and device. */
  set grad(g: Tensor | null) {
    if (g !== null) {
      if (!(g instanceof Tensor)) throw new Error(`grad: expected a Tensor or null, got ${describe(g)}`);
      if (!sameShape(g.shape, this.shape) || g.dtype !== this.dtype || g.device !== this.device) {
        throw new Error(`grad: assigned gradient ${fmt(g.shape)} ${g.dtype} on ${g.device} does not match the tensor ${fmt(this.shape)} ${this.dtype} on ${this.device}`);
      }
    }
    this.#grad = g;
  }

  /** The backend (kernels) of this tensor's device. Low level: for backend authors. */
  get backend(): Backend<Storage> {
    return getBackend(this.device);
  }
  /** Number of dims (torch's `.dim()`). */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements (torch's `.numel()`, a property here). */
  get numel(): number {
    return numel(this.shape);
  }
  /** True for tensors not made by a recorded op (created tensors, parameters, detached tensors); backward() fills leaves' .grad. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** Whether ops on this tensor are recorded for backward (torch's `requires_grad`). */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  /** Turn gradient recording on or off for a leaf (torch's `requires_grad_()`); throws on a non-leaf, or to turn it on for an int32 tensor. */
  set requiresGrad(v: boolean) {
    if (!this.isLeaf) throw new Error("requiresGrad: can only be changed on leaf tensors (use detach() for a non-leaf)");
    if (v && !isFloat(this.dtype)) {
      throw new Error(`requiresGrad: only floating-point tensors can require gradients (got ${this.dtype}, shape ${fmt(this.shape)})`);
    }
    this.#requiresGrad = v;
  }
  /**
   * True when the elements are laid out row-major without gaps (torch's `.is_contiguous()`).
   * @example
   * x.transpose(0, 1).isContiguous(); // false for a 2×3 x
   */
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /**
   * Record how this tensor was made, if grad mode is on and some parent needs a gradient.
   * Low level: for custom ops; `backward(g)` returns one gradient per parent (a tensor, a thunk, or null for none).
   * `g` belongs to the engine (unlike PyTorch's grad_output): on `cpu` its memory is reused as
   * soon as the sweep is past it, so a rule that wants it later keeps `g.clone()`.
   * @example
   * const y = noGrad(() => x.mul(2)).track("double", [x], (g) => [g.mul(2)]);
   */
  track(op: string, parents: Tensor[], backward: (g: Tensor) => GradOut[]): this {
    if (!isGradEnabled()) return this;
    for (let i = 0; i < parents.length; i++) {
      if (parents[i].#requiresGrad) {
        this.gradFn = { op, parents, backward, writes: writeCount(), visit: 0 };
        this.#requiresGrad = true;
        break;
      }
    }
    return this;
  }

  // ---- creation ----------------------------------------------------------------------------
  // Every creator validates its arguments (creationOptions, checkShape, checkInt, ...) first, so
  // a mistake is named by the creator the user called.

  /**
   * A fresh contiguous tensor of the given shape (contents unspecified unless zero). Low level:
   * nothing is validated; use `Tensor.empty` or `Tensor.zeros`.
   * @example
   * const buf = Tensor.alloc([4], "float32", "js", true);
   */
  static alloc(shape: readonly number[], dtype: DType, device: string, zero = false): Tensor {
    const backend = getBackend(device), n = numel(shape);
    const data = backend.alloc(dtype, n, zero);
    if (allocLog !== null && backend.release !== undefined && n >= (backend.releaseMin ?? 0)) (allocLog.storages ??= new Set()).add(data);
    return new Tensor(data, shape, contiguousStrides(shape), 0, device);
  }

  /**
   * A new tensor from a number, (rectangular) nested arrays, a Float32Array/Int32Array/Float64Array
   * (flat, shaped by `opts.shape`), or a Tensor (copied). float32 unless `opts.dtype` says otherwise
   * (an Int32Array gives int32). Same as `tensor()` (torch.tensor).
   * @throws Error on ragged arrays, non-numeric data, a shape that does not match the typed array's length, or int32 values out of range.
   * @example
   * Tensor.from([[1, 2], [3, 4]]);                          // shape [2, 2], float32
   * Tensor.from(new Float32Array(6), { shape: [2, 3] });
   */
  static from(data: NestedArray | TypedArray | Tensor, opts?: FromOptions): Tensor {
    const o = creationOptions("tensor", opts, "float32", ["shape"]);
    if (data instanceof Tensor) {
      // a copy, like torch.tensor(t): through host memory, so any device and dtype pair works
      return Tensor.from(data.toTypedArray(), { shape: data.shape, dtype: data.dtype, device: data.device, ...opts });
    }
    let flat: ArrayLike<number>;
    let shape: number[];
    let dtype = o.dtype;
    if (ArrayBuffer.isView(data)) {
      if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof Float64Array)) {
        throw new Error(`tensor: typed array data must be a Float32Array, Int32Array or Float64Array, got ${describe(data)}`);
      }
      flat = data;
      shape = o.shape ? checkShape("tensor", o.shape) : [data.length];
      if (numel(shape) !== data.length) throw new Error(`tensor: shape ${fmt(shape)} needs ${numel(shape)} elements, the array has ${data.length}`);
      if (opts?.dtype === undefined && data instanceof Int32Array) dtype = "int32";
    } else {
      if (o.shape) throw new Error("tensor: opts.shape is only for typed arrays");
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
          if (typeof x !== "number" && typeof x !== "boolean") throw new Error(`tensor: data must hold only numbers or booleans, got ${describe(x)}`);
          out.push(typeof x === "boolean" ? Number(x) : x);
          return;
        }
        if (!Array.isArray(x) || x.length !== shape[d]) throw new Error(`tensor: ragged nested array (expected shape ${fmt(shape)})`);
        for (const y of x) walk(y, d + 1);
      };
      walk(data, 0);
      checkShape("tensor", shape);
      flat = out;
    }
    if (dtype === "int32" && !(flat instanceof Int32Array)) for (let i = 0; i < flat.length; i++) checkInt32Value("tensor", flat[i]);
    const t = Tensor.alloc(shape, dtype, o.device);
    t.backend.upload(t.data, flat);
    return t.withGrad("tensor", o.requiresGrad);
  }

  private withGrad(op: string, requiresGrad: boolean): this {
    if (requiresGrad && !isFloat(this.dtype)) throw new Error(`${op}: only floating-point tensors can require gradients, got dtype ${this.dtype}`);
    if (requiresGrad) this.requiresGrad = true;
    return this;
  }

  /**
   * A tensor of `shape` filled with `value` (torch.full). float32 unless `opts.dtype` is given.
   * @throws Error on a bad shape, a value that is not a number, or an int32 value out of range.
   * @example
   * Tensor.full([2, 2], 7);            // [[7, 7], [7, 7]]
   */
  static full(shape: readonly number[], value: number, opts?: TensorOptions): Tensor {
    return Tensor.#full("full", shape, value, opts);
  }
  static #full(op: string, shape: readonly number[], value: number, opts: TensorOptions | undefined, like?: Tensor): Tensor {
    const o = creationOptions(op, opts, like?.dtype ?? "float32", [], like?.device);
    const s = checkShape(op, shape);
    checkNumber(op, "fill value", value);
    if (o.dtype === "int32") checkInt32Value(op, value);
    const t = Tensor.alloc(s, o.dtype, o.device, value === 0);
    if (value !== 0 && t.numel > 0) t.backend.fill(t, value);
    return t.withGrad(op, o.requiresGrad);
  }
  /**
   * A tensor of zeros (torch.zeros).
   * @example
   * const w = Tensor.zeros([3, 4], { requiresGrad: true });
   */
  static zeros(shape: readonly number[], opts?: TensorOptions): Tensor {
    return Tensor.#full("zeros", shape, 0, opts);
  }
  /**
   * A tensor of ones (torch.ones).
   * @example
   * Tensor.ones([2], { dtype: "int32" }); // [1, 1]
   */
  static ones(shape: readonly number[], opts?: TensorOptions): Tensor {
    return Tensor.#full("ones", shape, 1, opts);
  }
  /**
   * A tensor whose contents are unspecified (torch.empty): for buffers that are written before being read.
   * @example
   * const buf = Tensor.empty([16]).assign(0);
   */
  static empty(shape: readonly number[], opts?: TensorOptions): Tensor {
    const o = creationOptions("empty", opts, "float32");
    return Tensor.alloc(checkShape("empty", shape), o.dtype, o.device).withGrad("empty", o.requiresGrad);
  }
  /**
   * Zeros with `t`'s shape, and its dtype and device unless `opts` says otherwise (torch.zeros_like).
   * @example
   * const g = Tensor.zerosLike(x);
   */
  static zerosLike(t: Tensor, opts?: TensorOptions): Tensor {
    return Tensor.#full("zerosLike", likeShape("zerosLike", t), 0, opts, t);
  }
  /**
   * Ones with `t`'s shape, dtype and device unless `opts` says otherwise (torch.ones_like).
   * @example
   * const mask = Tensor.onesLike(x);
   */
  static onesLike(t: Tensor, opts?: TensorOptions): Tensor {
    return Tensor.#full("onesLike", likeShape("onesLike", t), 1, opts, t);
  }
  /**
   * `value` everywhere, with `t`'s shape, dtype and device unless `opts` says otherwise (torch.full_like).
   * @example
   * const inf = Tensor.fullLike(scores, -Infinity);
   */
  static fullLike(t: Tensor, value: number, opts?: TensorOptions): Tensor {
    return Tensor.#full("fullLike", likeShape("fullLike", t), value, opts, t);
  }
  /**
   * Uniform [0, 1) values with `t`'s shape, dtype and device (torch.rand_like); float dtypes only.
   * @example
   * const keep = Tensor.randLike(x).gt(0.1);
   */
  static randLike(t: Tensor, opts?: TensorOptions): Tensor {
    return Tensor.#random("randLike", likeShape("randLike", t), "uniform", opts, t);
  }
  /**
   * Standard-normal values with `t`'s shape, dtype and device (torch.randn_like); float dtypes only.
   * @example
   * const noisy = x.add(Tensor.randnLike(x).mul(0.1));
   */
  static randnLike(t: Tensor, opts?: TensorOptions): Tensor {
    return Tensor.#random("randnLike", likeShape("randnLike", t), "normal", opts, t);
  }

  static #random(op: string, shape: readonly number[], dist: "uniform" | "normal", opts: TensorOptions | undefined, like?: Tensor): Tensor {
    const o = creationOptions(op, opts, like?.dtype ?? "float32", [], like?.device);
    if (!isFloat(o.dtype)) throw new Error(`${op}: dtype must be floating point, got ${o.dtype}`);
    const t = Tensor.alloc(checkShape(op, shape), o.dtype, o.device);
    if (t.numel > 0) t.backend.random(t, dist, random);
    return t.withGrad(op, o.requiresGrad);
  }
  /**
   * Uniform values in [0, 1) (torch.rand), from the global stream that `manualSeed` seeds.
   * @throws Error for a non-float dtype or a bad shape.
   * @example
   * manualSeed(0);
   * const u = Tensor.rand([2, 3]);
   */
  static rand(shape: readonly number[], opts?: TensorOptions): Tensor {
    return Tensor.#random("rand", shape, "uniform", opts);
  }
  /**
   * Standard-normal N(0, 1) values (torch.randn), seeded by `manualSeed`.
   * @throws Error for a non-float dtype or a bad shape.
   * @example
   * const w = Tensor.randn([784, 10]).mul(0.01);
   */
  static randn(shape: readonly number[], opts?: TensorOptions): Tensor {
    return Tensor.#random("randn", shape, "normal", opts);
  }
  /**
   * Uniform values in [low, high) (torch.empty(shape).uniform_(low, high)).
   * @throws Error unless low <= high, both finite.
   * @example
   * const w = Tensor.uniform([3, 4], -0.5, 0.5);
   */
  static uniform(shape: readonly number[], low: number, high: number, opts?: TensorOptions): Tensor {
    checkNumber("uniform", "low", low, true);
    checkNumber("uniform", "high", high, true);
    if (!(low <= high)) throw new Error(`uniform: low (${low}) must be <= high (${high})`);
    const u = Tensor.#random("uniform", shape, "uniform", { ...opts, requiresGrad: false });
    // u·(high - low) + low in u's dtype, two backend calls in place (what u.mul(..).add(..) computes)
    const scalar = (v: number): View<Storage> => {
      const s = Tensor.alloc([], u.dtype, u.device);
      s.backend.fill(s, v);
      return { data: s.data, shape: u.shape, strides: u.shape.map(() => 0), offset: 0 };
    };
    if (u.numel > 0) {
      u.backend.binary("mul", u, u, scalar(high - low));
      u.backend.binary("add", u, u, scalar(low));
    }
    return u.withGrad("uniform", opts?.requiresGrad === true);
  }
  /**
   * Integers uniform in [low, high), int32 by default (torch.randint; the bounds come first here).
   * @throws Error unless low < high are integers in int32 range.
   * @example
   * const labels = Tensor.randint(0, 10, [32]);
   */
  static randint(low: number, high: number, shape: readonly number[], opts?: TensorOptions): Tensor {
    const o = creationOptions("randint", opts, "int32");
    checkInt("randint", "low", low, INT32_MIN, INT32_MAX);
    checkInt("randint", "high", high, INT32_MIN + 1, INT32_MAX + 1);
    if (high <= low) throw new Error(`randint: need low < high, got ${low} and ${high}`);
    return Tensor.fromHost(checkShape("randint", shape), o.dtype, o.device, (a) => {
      for (let i = 0; i < a.length; i++) a[i] = low + Math.floor(random() * (high - low));
    }).withGrad("randint", o.requiresGrad);
  }
  /**
   * A random permutation of 0..n-1 (int32 by default), seeded by `manualSeed` (torch.randperm).
   * @example
   * const order = Tensor.randperm(5); // e.g. [3, 0, 4, 1, 2]
   */
  static randperm(n: number, opts?: TensorOptions): Tensor {
    const o = creationOptions("randperm", opts, "int32");
    checkInt("randperm", "n", n, 0, INT32_MAX);
    return Tensor.fromHost(checkShape("randperm", [n]), o.dtype, o.device, (a) => {
      for (let i = 0; i < n; i++) a[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
      }
    }).withGrad("randperm", o.requiresGrad);
  }
  /**
   * The values [0, end): `arange(end)` (torch.arange). int32 when every argument is an integer,
   * float32 otherwise, unless `opts.dtype` says.
   * @example
   * Tensor.arange(4); // [0, 1, 2, 3], int32
   */
  static arange(end: number, opts?: TensorOptions): Tensor;
  /**
   * The values start, start + step, ... up to (not including) end: `arange(start, end, step = 1)`
   * (torch.arange); the options may follow any of the numbers.
   * @throws Error for step 0, non-finite numbers or more than three numbers.
   * @example
   * Tensor.arange(0, 1, 0.25); // [0, 0.25, 0.5, 0.75], float32
   */
  static arange(start: number, end?: number, step?: number, opts?: TensorOptions): Tensor;
  static arange(...args: (number | TensorOptions | undefined)[]): Tensor {
    const last = args[args.length - 1];
    const opts = typeof last === "object" && last !== null ? (args.pop() as TensorOptions) : undefined;
    if (args.length > 3) throw new Error(`arange: expects at most 3 numbers (start, end, step), got ${args.length}`);
    const names = args.length === 1 ? ["end"] : ["start", "end", "step"];
    args.forEach((a, i) => { if (a !== undefined) checkNumber("arange", names[i], a, true); });
    let [start, end, step = 1] = args as (number | undefined)[];
    if (start === undefined) throw new Error("arange: expects at least an end");
    if (end === undefined) [start, end] = [0, start];
    if (step === 0) throw new Error("arange: step must be non-zero");
    const n = Math.max(0, Math.ceil((end - start) / step));
    const ints = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
    const o = creationOptions("arange", opts, ints ? "int32" : "float32");
    if (o.dtype === "int32") [start, end - step].forEach((v) => n > 0 && checkInt32Value("arange", v));
    return Tensor.fromHost(checkShape("arange", [n]), o.dtype, o.device, (a) => {
      for (let i = 0; i < n; i++) a[i] = start + i * step;
    }).withGrad("arange", o.requiresGrad);
  }
  /**
   * `steps` evenly spaced values from start to end inclusive (torch.linspace).
   * @example
   * Tensor.linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
   */
  static linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
    const o = creationOptions("linspace", opts, "float32");
    checkNumber("linspace", "start", start, true);
    checkNumber("linspace", "end", end, true);
    checkInt("linspace", "steps", steps, 0, INT32_MAX);
    const d = steps > 1 ? (end - start) / (steps - 1) : 0;
    return Tensor.fromHost([steps], o.dtype, o.device, (a) => {
      // fill from both ends like PyTorch so the last value is exactly `end`
      for (let i = 0; i < steps; i++) a[i] = i < steps / 2 ? start + i * d : end - (steps - 1 - i) * d;
    }).withGrad("linspace", o.requiresGrad);
  }
  /**
   * An n×m matrix with ones on the diagonal (torch.eye); m defaults to n.
   * @example
   * Tensor.eye(3); // the 3×3 identity
   */
  static eye(n: number, m: number = n, opts?: TensorOptions): Tensor {
    const o = creationOptions("eye", opts, "float32");
    checkInt("eye", "n", n, 0);
    checkInt("eye", "m", m, 0);
    return Tensor.fromHost(checkShape("eye", [n, m]), o.dtype, o.device, (a) => {
      for (let i = 0; i < Math.min(n, m); i++) a[i * m + i] = 1;
    }).withGrad("eye", o.requiresGrad);
  }

  // ---- reading -----------------------------------------------------------------------------

  /**
   * A flat, row-major copy of the values as a Float32Array / Int32Array (torch's `.numpy().ravel()`).
   * Host-visible devices only (js, cpu, wasm).
   * @throws Error on webgpu: use `await t.toTypedArrayAsync()`.
   * @example
   * const xs = Tensor.arange(3).toTypedArray(); // Int32Array [0, 1, 2]
   */
  toTypedArray(): TypedArray {
    return this.#read("toTypedArray", "toTypedArrayAsync");
  }
  /**
   * The values as nested arrays (torch's `.tolist()`; a number for a 0-d tensor). Host-visible devices only.
   * @throws Error on webgpu: use `await t.toArrayAsync()`.
   * @example
   * tensor([[1, 2], [3, 4]]).toArray(); // [[1, 2], [3, 4]]
   */
  toArray(): NestedArray {
    return nest(this.#read("toArray", "toArrayAsync"), this.shape);
  }
  /**
   * The value of a one-element tensor as a number (torch's `.item()`). Host-visible devices only.
   * @throws Error if the tensor has more than one element, or on webgpu (use `await t.itemAsync()`).
   * @example
   * const l = loss.item();
   */
  item(): number {
    checkItem(this);
    return this.#read("item", "itemAsync")[0];
  }
  /**
   * What `JSON.stringify` writes for a tensor: its values as nested arrays (`toArray()`), not the
   * tensor's internals (for a webgpu tensor, the device's whole state). Host-visible devices only.
   * @throws Error on webgpu: use `await t.toArrayAsync()` and stringify that.
   * @example
   * JSON.stringify({ w: tensor([1, 2]) }); // '{"w":[1,2]}'
   */
  toJSON(): NestedArray {
    return nest(this.#read("toJSON (JSON.stringify)", "toArrayAsync"), this.shape);
  }
  /**
   * `toTypedArray()` on every device, webgpu included: resolves once the ops that write this tensor have run.
   * @example
   * const values = await t.toTypedArrayAsync();
   */
  toTypedArrayAsync(): Promise<TypedArray> {
    return this.backend.readAsync(this);
  }
  /**
   * `toArray()` on every device, webgpu included.
   * @example
   * const rows = await t.toArrayAsync();
   */
  async toArrayAsync(): Promise<NestedArray> {
    return nest(await this.backend.readAsync(this), this.shape);
  }
  /**
   * `item()` on every device, webgpu included.
   * @throws Error (synchronously checked) if the tensor has more than one element.
   * @example
   * const l = await loss.itemAsync();
   */
  async itemAsync(): Promise<number> {
    checkItem(this);
    return (await this.backend.readAsync(this))[0];
  }
  #read(op: string, asyncForm: string): TypedArray {
    const r = this.backend.read(this);
    if (r === null) throw new Error(`${op}: the values of a tensor on '${this.device}' cannot be read synchronously; use \`await t.${asyncForm}()\``);
    return r;
  }

  /**
   * A tensor of the given shape whose values `fill` writes into a host array, then uploaded.
   * Low level: the shape and dtype are not validated.
   * @example
   * const t = Tensor.fromHost([3], "float32", undefined, (a) => a.set([1, 2, 3]));
   */
  static fromHost(shape: readonly number[], dtype: DType, device: string | undefined, fill: (a: TypedArray) => void): Tensor {
    const host = new (elementCtor(dtype))(numel(shape));
    fill(host);
    const t = Tensor.alloc(shape, dtype, device ?? getDefaultDevice());
    t.backend.upload(t.data, host);
    return t;
  }
  /** A printable summary of shape, dtype, device and values, like PyTorch's repr. */
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return formatTensor(this);
  }

  /**
   * A tensor sharing this one's storage but cut from the graph: a leaf that does not require grad (torch's `.detach()`).
   * @example
   * const target = pred.detach();
   */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.strides, this.offset, this.device);
  }
  /**
   * The autograd graph that produced `t`, in Graphviz DOT format (like torchviz's make_dot).
   * @example
   * console.log(Tensor.toDot(loss)); // paste into `dot -Tsvg`
   */
  static toDot(t: Tensor): string {
    return toDot(t);
  }
}

/** In-place writes (PyTorch's version counter, kept as times): a global count of writes, and per
 *  storage the count at its last write. A graph node records the count when it is made, and
 *  backward refuses it if one of its tensors' storages was written after that. In a training loop
 *  nothing is written between the forward and the backward pass, so the check reads no table. */
let writes = 0;
const lastWrite = new WeakMap<object, number>();
export function writeCount(): number {
  return writes;
}
/** Whether t's storage was written in place after the write count was `count`. */
export function writtenSince(t: Tensor, count: number): boolean {
  return writes !== count && (lastWrite.get(t.data) ?? 0) > count;
}
/** Called by every in-place write into t's storage (assign, optimizer steps). */
export function bumpVersion(t: Tensor): void {
  lastWrite.set(t.data, ++writes);
}

function checkItem(t: Tensor): void {
  if (t.numel !== 1) throw new Error(`item: only one-element tensors can be converted to a number, got shape ${fmt(t.shape)}`);
}

/** Flat row-major values as nested arrays of `shape` (a number for 0-d). */
function nest(flat: TypedArray, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return flat[0];
  let i = 0;
  const build = (d: number): NestedArray[] =>
    Array.from({ length: shape[d] }, () => (d === shape.length - 1 ? flat[i++] : build(d + 1)));
  return build(0);
}

/** Storages made by Tensor.alloc while a log is set (the engine's sweep sets one, to know which
 *  gradients it made itself and may release early). Internal. */
let allocLog: AllocLog | null = null;
/** The storages an allocation log noted (only those their backend could release early); the set
 *  is made on the first one. */
export interface AllocLog {
  storages: Set<Storage> | null;
}
export function setAllocLog(log: AllocLog | null): AllocLog | null {
  const prev = allocLog;
  allocLog = log;
  return prev;
}
