// The kernel contract: op-name lists, the Backend interface every device implements, the registry.
//
// A backend only moves numbers. It never sees autograd, broadcasting rules or dtype promotion:
// ops.ts resolves all of that and hands the backend views whose shapes already agree.
// The index of a name in each `as const` list is the integer tag the C side switches on.

export const DTYPES = ["float32", "int32", "float64"] as const;
/** float64 exists for the js backend's finite-difference gradient checks; the public dtypes are float32 and int32. */
export type DType = (typeof DTYPES)[number];
export type TypedArray = Float32Array | Int32Array | Float64Array;

import type { UnaryOp, BinaryOp, ReduceOp } from "../prims.js";
export type { UnaryOp, BinaryOp, ReduceOp } from "../prims.js";

/**
 * A strided window on a typed array: element (i0, i1, ...) lives at
 * data[offset + i0*strides[0] + i1*strides[1] + ...]. Strides may be 0 (broadcast).
 * Shapes here are already validated by the TypeScript side; backends may trust them.
 */
/** A buffer the core cannot index (GPU memory): only its backend reads and writes it. */
export interface DeviceBuffer {
  readonly dtype: DType;
  /** elements */
  readonly length: number;
  /** true where the backend's read() copies the elements out synchronously (wasm's storage) */
  readonly hostVisible?: boolean;
}
/** What a device keeps a tensor's elements in: a typed array on the host devices (js, cpu, wasm),
 *  a DeviceBuffer on a GPU. Code above the backends never indexes it: creation fills a host array
 *  and hands it to `upload`, reading goes through `read`/`readAsync`. */
export type Storage = TypedArray | DeviceBuffer;

/** A strided window on a backend's storage, as the Backend methods receive it (a Tensor is one). */
export interface View<S extends Storage = TypedArray> {
  /** the storage the window reads */
  data: S;
  /** the size of each dim */
  shape: readonly number[];
  /** elements to step in storage per index of each dim (0 = broadcast) */
  strides: readonly number[];
  /** index in storage of element (0, 0, ...) */
  offset: number;
}

/** The scans of Backend.scan; the index of a name is the op code the C side switches on
 *  (native/kernels/scan.c's DL_SCAN_* enum, in this order). */
export const SCAN_OPS = ["cumsum", "cumprod", "logcumsumexp", "cummax", "cummin"] as const;
export type ScanOp = (typeof SCAN_OPS)[number];

/**
 * The kernels one device implements: what `registerBackend` takes. Low level, for adding a device;
 * a backend only moves numbers (ops.ts has already resolved broadcasting, dtypes and autograd).
 */
export interface Backend<S extends Storage = TypedArray> {
  /** the device name tensors use, e.g. "js" */
  readonly name: string;
  /** Fresh storage of n elements. Contents are unspecified unless `zero` is true. */
  alloc(dtype: DType, n: number, zero?: boolean): S;
  /** Optional: give a storage's memory back now instead of at garbage collection. The caller (the
   *  engine, for gradients its sweep made and no longer needs) guarantees nothing reads it again. */
  release?(s: S): void;
  /** Optional, with `release`: the fewest elements a storage must have for `release` to do
   *  anything (smaller ones are left to the garbage collector), so the engine need not track them. */
  readonly releaseMin?: number;
  /** Optional: an optimizer's step has just ended, so the graph of the step before it is garbage
   *  now: a good moment for a device whose memory comes back through the garbage collector to
   *  collect (cpu; see native/pool_v8.cc). */
  stepEnd?(): void;
  /** dst[0..values.length) = values (converted to dst's dtype). The one way host values reach a device. */
  upload(dst: S, values: ArrayLike<number>): void;
  /** A contiguous host copy of a view's elements, synchronously: null where the storage is not
   *  host-visible (a GPU), and then readAsync is the way. */
  read(src: View<S>): TypedArray | null;
  /** A contiguous host copy of a view's elements, once every queued op that writes it has run. */
  readAsync(src: View<S>): Promise<TypedArray>;

  /** out = f(a), elementwise. out is contiguous with a's shape; a may be strided. */
  unary(op: UnaryOp, out: View<S>, a: View<S>): void;
  /** out = a (converted to out's dtype). out contiguous, a strided, same shape. */
  cast(out: View<S>, a: View<S>): void;
  /** out = f(a, b). a and b already expanded (stride 0) to out's shape; same dtype as each other.
   *  out has that dtype too, except comparisons, which write 0/1 into a float32 out. */
  binary(op: BinaryOp, out: View<S>, a: View<S>, b: View<S>): void;
  /** out = cond ? a : b. All three already expanded to out's shape; cond is any dtype (nonzero = true). */
  where(out: View<S>, cond: View<S>, a: View<S>, b: View<S>): void;
  /**
   * Strided copy: out (any strides, possibly the window of a bigger tensor) = a, or += a when
   * `accumulate`. Same shape, same dtype. When accumulating, out may alias itself through
   * overlapping strides (as_strided backward), so elements are visited one at a time in order.
   */
  copy(out: View<S>, a: View<S>, accumulate: boolean): void;
  /** out[i] = value for every element of the (strided) view. */
  fill(out: View<S>, value: number): void;

  /**
   * Reduce `a` over the axes flagged in `axes` (one flag per dim of a).
   * out is contiguous with a's shape where reduced dims become 1 (keepdim layout).
   * sum/max/min: same dtype as a. max/min propagate NaN.
   * argmax/argmin: exactly one axis is flagged; out is int32 holding the index along it of the
   * first extreme value (NaN counts as the extreme, like PyTorch).
   */
  reduce(op: ReduceOp, out: View<S>, a: View<S>, axes: readonly boolean[]): void;

  /**
   * Batched matrix product: a [...batch, M, K] @ b [...batch, K, N] -> out [...batch, M, N].
   * Batch shapes are identical (broadcast already applied through stride 0). a and b may be
   * strided in every dim (a transpose arrives as swapped strides). out is contiguous. float32/float64.
   * bias ([N], any stride, out's dtype), when given, is added to every row of every product: what
   * the product followed by an add gives (nn.Linear), without a second pass over out.
   */
  matmul(out: View<S>, a: View<S>, b: View<S>, bias?: View<S> | null): void;

  /**
   * out[..., i_dim, ...] = a[..., index[..., i_dim, ...], ...] along `dim` (torch.gather).
   * index is int32 with out's shape (may be strided/expanded); every index is already checked
   * to lie in [0, a.shape[dim]).
   */
  gather(out: View<S>, a: View<S>, dim: number, index: View<S>): void;
  /** out[..., index[...], ...] += src[...] along `dim` (torch.scatter_add_). out is contiguous;
   *  index and src share a shape; indices already checked. fresh: out is a new allocation whose
   *  contents are unspecified, and gets zeros plus the adds (a kernel can zero each row in cache
   *  as it scatters into it, instead of a separate pass that zeroes all of out first). */
  scatterAdd(out: View<S>, dim: number, index: View<S>, src: View<S>, fresh?: boolean): void;

  /**
   * Inclusive scan of `a` along `dim` (0 <= dim < a's ndim) into `out` (contiguous, a's shape; a
   * may be strided), from the last element backwards when `reverse`. cumsum and cumprod keep a's
   * dtype (int32 wraps); logcumsumexp is float only (log(exp(acc) + exp(x)), NaN propagates).
   * cummax/cummin also write `indices` (int32, contiguous, a's shape): the position along dim of
   * the running extreme, the later one at ties; a NaN becomes the extreme and stays (each later
   * NaN takes its place), as PyTorch's. `indices` is null for the other ops.
   */
  scan(op: ScanOp, out: View<S>, a: View<S>, dim: number, reverse: boolean, indices: View<S> | null): void;
  /**
   * Stable sort of every line of `a` along `dim`: `values` (a's dtype) and `indices` (int32, the
   * positions in a), both contiguous with a's shape. NaN is larger than every number (last
   * ascending, first descending); equal keys (and NaNs) keep their order in a.
   */
  sort(values: View<S>, indices: View<S>, a: View<S>, dim: number, descending: boolean): void;

  /** Fill a contiguous float view from the shared seeded generator. */
  random(out: View<S>, dist: "uniform" | "normal", rng: () => number): void;

  /** Optional fused kernels (see FusedKernels); ops fall back to their composites without them. */
  fused?: Partial<FusedKernels<S>>;
}

/** Adam/AdamW hyper-parameters for one fused step (PyTorch's update, bias-corrected, `step` >= 1). */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** true: AdamW's decoupled decay p *= 1 - lr·wd; false: Adam's L2 term g += wd·p. */
  decoupled: boolean;
  step: number;
}

/** A convolution's sliding window: kernel, stride and zero padding. */
/** A convolution's window: kernel, stride, zero padding and dilation (tap i reads offset i·dh). */
export interface ConvWindow { kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number }

/**
 * Fused kernels a backend may offer where one call beats a chain of primitives. Every view is
 * contiguous float32 (maxPoolIndices' idx: int32); "rows" means numel / n with n the size of the
 * last dim. The composite in functional.ts / optim stays the reference and the tests hold the two
 * to the same fixtures.
 */
export interface FusedKernels<S extends Storage = TypedArray> {
  /** softmax (log=false) or logSoftmax (log=true) of scale·x over the last dim. causalRows L > 0:
   *  x is [..., L, n] and row i of each matrix keeps only entries j <= i (top-left aligned, like
   *  PyTorch's is_causal); the others get 0 (log: -inf). */
  softmax(out: View<S>, x: View<S>, log: boolean, scale?: number, causalRows?: number): void;
  /** softmax: gx = scale·y·(g - Σ g·y); logSoftmax: gx = scale·(g - exp(y)·Σ g); sums over the kept
   *  entries, 0 for the masked ones. y is the forward output. */
  softmaxBackward(gx: View<S>, g: View<S>, y: View<S>, log: boolean, scale?: number, causalRows?: number): void;
  /** out = (x - mean)·rstd·weight + bias over the last dim; writes mean and rstd ([rows]) for backward.
   *  weight and bias ([n]) may be null. rstd = 1/sqrt(biased var + eps). */
  layerNorm(out: View<S>, mean: View<S>, rstd: View<S>, x: View<S>, weight: View<S> | null, bias: View<S> | null, eps: number): void;
  /** Writes gx (like x), and gw, gb ([n], summed over rows) when not null. */
  layerNormBackward(gx: View<S>, gw: View<S> | null, gb: View<S> | null, g: View<S>, x: View<S>, mean: View<S>, rstd: View<S>, weight: View<S> | null): void;
  /** Exact (erf) GELU: out = x·Φ(x). */
  gelu(out: View<S>, x: View<S>): void;
  /** gx = g·(Φ(x) + x·φ(x)). */
  geluBackward(gx: View<S>, g: View<S>, x: View<S>): void;
  /** One in-place Adam/AdamW step on p, with moment buffers m and v (all the same shape as grad). */
  adam(p: View<S>, grad: View<S>, m: View<S>, v: View<S>, h: AdamStep): void;
  /** Max-pooling's argmax: idx (int32 [planes, OH·OW]) = the flat index i·W + j in its plane of x
   *  ([planes, H, W]) of the first maximum of each kh×kw window (stride sh, sw); a NaN is the
   *  maximum and the last one wins, as in PyTorch's scan (`val > max || isnan(val)`). vals, when given (float32,
   *  idx's shape), gets the maxima themselves (x at idx) in the same pass. */
  maxPoolIndices(idx: View<S>, x: View<S>, kh: number, kw: number, sh: number, sw: number, vals?: View<S> | null): void;
  /** cols ([C·kh·kw, N·OH·OW]) = the taps of x ([N, C, H, W]) zero-padded by w.ph, w.pw: row
   *  (c, i, j), column (n, oh, ow) holds x[n, c, oh·sh + i·dh - ph, ow·sw + j·dw - pw]. */
  im2col(cols: View<S>, x: View<S>, w: ConvWindow): void;
  /** x = every tap of cols (the adjoint of im2col), summed per element from 0 in tap order (i, j);
   *  x is written whole (its old contents are not read). */
  col2im(x: View<S>, cols: View<S>, w: ConvWindow): void;
  /** A convolution with groups 1: y ([N, OC, OH, OW]) = w ([OC, C·kh·kw]) times im2col's columns
   *  of x ([N, C, H, W]), each output the float32 sum over (c, i, j) of w[oc, (c·kh + i)·kw + j]·
   *  x[n, c, oh·sh + i·dh - ph, ow·sw + j·dw - pw] (0 in the padding), then + bias[oc] when bias
   *  ([OC]) is given. What im2col, matmul, the transpose and the bias add of the composite give,
   *  without their full-size temporaries. Optional with its backward: a backend without them
   *  (webgpu, whose tiled matmul ran the composite's backward faster than direct WGSL loops on
   *  lavapipe) runs the composite. */
  conv2d?(y: View<S>, x: View<S>, w: View<S>, bias: View<S> | null, win: ConvWindow): void;
  /** conv2d's gradients from g (like y), each written whole and null when not wanted: gx (like x)
   *  = col2im of wᵀ·g, gw (like w) = g times the columns' transpose, gb ([OC]) = g summed over
   *  N, OH, OW. */
  conv2dBackward?(gx: View<S> | null, gw: View<S> | null, gb: View<S> | null, g: View<S>, x: View<S>, w: View<S>, win: ConvWindow): void;
  /**
   * Scaled dot-product attention. Unlike the kernels above, the views are 4-D [B1, B2, rows, cols]
   * with any strides, except that the last dim is contiguous: q [.., L, E], k [.., S, E], v [.., S,
   * Ev], out [.., L, Ev], p [.., L, S]. Writes p = softmax(scale·q·kᵀ) over the last dim (causal:
   * row i keeps j <= i, the others are 0) and out = p·v. scale > 0.
   */
  attention(out: View<S>, p: View<S>, q: View<S>, k: View<S>, v: View<S>, scale: number, causal: boolean): void;
  /** Writes gq, gk, gv (shaped like q, k, v) from g = ∂loss/∂out (shaped like out) and the forward's p:
   *  dS = scale·p∘(g·vᵀ − rowsum(p∘(g·vᵀ))), gq = dS·k, gk = dSᵀ·q, gv = pᵀ·g. */
  attentionBackward(gq: View<S>, gk: View<S>, gv: View<S>, g: View<S>, p: View<S>, q: View<S>, k: View<S>, v: View<S>, scale: number, causal: boolean): void;
}

const registry = new Map<string, Backend<Storage>>();
/** why a known device did not load here, for the error when it is asked for */
const unavailable = new Map<string, string>();

/**
 * Make a device available under `b.name` (replacing one of that name). Low level: the built-in
 * devices register themselves on import.
 * @example
 * registerBackend(myBackend); // then Tensor.zeros([2], { device: myBackend.name })
 */
export function registerBackend(b: Backend<any>): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  // `x.to(name)` reads a dtype name as the dtype (PyTorch's to(dtype)): a device may not take one
  if ((DTYPES as readonly string[]).includes(b.name)) {
    throw new Error(`registerBackend: a device may not be named like a dtype, got '${b.name}'`);
  }
  registry.set(b.name, b);
  unavailable.delete(b.name);
  lastName = null;
}

/** Records that device `name` exists but could not load here, and why. */
export function registerUnavailable(name: string, reason: string): void {
  if (!registry.has(name)) unavailable.set(name, reason);
}

// getBackend's last answer: every op asks for its tensors' backend (Tensor.alloc, t.backend),
// almost always the same device as the call before, and a string compare is cheaper than a lookup
let lastName: string | null = null;
let lastBackend: Backend<Storage> | null = null;

export function getBackend(name: string): Backend<Storage> {
  if (name === lastName) return lastBackend!;
  const b = registry.get(name);
  if (!b) {
    const why = unavailable.get(name);
    const avail = [...registry.keys()].join(", ");
    if (why !== undefined) throw new Error(`device: '${name}' is not available here: ${why} (available: ${avail})`);
    throw new Error(`device: unknown or unavailable device '${name}' (available: ${avail})`);
  }
  lastName = name;
  lastBackend = b;
  return b;
}

/**
 * The devices that loaded in this process, e.g. ["js", "wasm", "cpu"] ("webgpu" after `initDevice("webgpu")`).
 * @example
 * if (availableDevices().includes("cpu")) setDefaultDevice("cpu");
 */
export function availableDevices(): string[] {
  return [...registry.keys()];
}

let defaultDevice: string | null = null;
/**
 * The device new tensors go to: the one `setDefaultDevice` chose, else the DLGRAD_DEVICE environment
 * variable, else "cpu" when the native addon loaded, else "wasm" when WebAssembly (with SIMD) is there, else "js".
 * @example
 * console.log(getDefaultDevice()); // "cpu"
 */
export function getDefaultDevice(): string {
  if (defaultDevice) return defaultDevice;
  const env = typeof process !== "undefined" ? process.env.DLGRAD_DEVICE : undefined;
  if (env) return getBackend(env).name;
  return registry.has("cpu") ? "cpu" : registry.has("wasm") ? "wasm" : "js";
}
/**
 * Make `name` the device new tensors go to (torch.set_default_device); null restores the automatic choice.
 * @throws Error for an unknown or unavailable device.
 * @example
 * await initDevice("webgpu");
 * setDefaultDevice("webgpu");
 */
export function setDefaultDevice(name: string | null): void {
  if (name !== null) getBackend(name);
  defaultDevice = name;
}

/**
 * Ballast for device memory V8 cannot see (wasm blocks, webgpu slots): an untouched host
 * ArrayBuffer held by a storage makes V8 count it as external memory and collect sooner when much
 * is held. Storages owe a share of their bytes, paid in buffers of at least BALLAST_CHUNK bytes,
 * each held by the storage whose share completed one; the collector sees the same total in steps.
 * Why in chunks: glibc hands out a smaller ArrayBuffer from its heap once one like it was freed,
 * zero-filled, so 330 ballasts of 1 MiB cost 263-273 ms and 60-76 MiB of resident memory here,
 * while ten of 33 MiB (above glibc's largest mmap threshold, 32 MiB: always a fresh mapping whose
 * pages are never touched) cost 7-12 ms and none. Internal (wasm.ts, webgpu/pool.ts).
 */
export const BALLAST_CHUNK = 33 * 2 ** 20;
export class BallastAccount {
  #owed = 0;
  /** The ballast for a storage that owes `bytes` more: a buffer once the debt reaches a chunk
   *  (all of it, when more), else undefined. */
  take(bytes: number): ArrayBuffer | undefined {
    this.#owed += bytes;
    if (this.#owed < BALLAST_CHUNK) return undefined;
    const b = new ArrayBuffer(this.#owed);
    this.#owed = 0;
    return b;
  }
}

export function isFloat(dtype: DType): boolean {
  return dtype !== "int32";
}
export function elementCtor(dtype: DType): Float32ArrayConstructor | Int32ArrayConstructor | Float64ArrayConstructor {
  return dtype === "float32" ? Float32Array : dtype === "int32" ? Int32Array : Float64Array;
}
/** Whether a storage's values can be read synchronously (host arrays, wasm's module memory), for
 *  the checks that read indices before a kernel runs; a GPU's kernel checks them instead. */
export function hostReadable(a: Storage): boolean {
  return ArrayBuffer.isView(a) || a.hostVisible === true;
}
export function dtypeOf(a: Storage): DType {
  if (!ArrayBuffer.isView(a)) return a.dtype;
  return a instanceof Float32Array ? "float32" : a instanceof Int32Array ? "int32" : "float64";
}
