// The `webgpu` backend: device setup (browsers' navigator.gpu, Node's optional `webgpu` package),
// the command batch every op is encoded into, readback, and the primitives of the contract.
//
// Ops never wait: each one writes its parameters into a host mirror of one uniform "arena" buffer
// and encodes a dispatch into the open command encoder. Tensors are slots in a few large buffers
// (pool.ts), so the bind groups of a step repeat and come from a cache. The batch is submitted when something is
// read back, when it gets large, or at the end of the current JavaScript task (a microtask), so
// a training step costs one submit. Uploads go through the same arena and are copied inside the
// encoder, which keeps them in order with the dispatches around them.
//
// Errors that only the device can see (out of memory, a lost device, an index out of range in
// gather) are recorded when they are found and thrown by the next op or readback.
import {
  type Backend, type DType, type DeviceBuffer, type TypedArray, type View, registerBackend,
} from "../backend.js";
import { contiguousStrides, isContiguous } from "../../shape.js";
import { jsBackend } from "../js.js";
import { BufferPool } from "./pool.js";
import type { AdapterSummary, MemoryStats } from "./types.js";
import {
  EW, ERR_BINDING, ERR_DIVIDE, type IoView, MAXD, MM, PARAM_WORDS, RD, SC, type Scalar, TILE, WG,
  type BigMatmul, binaryKernel, bigMatmulBytes, castKernel, copyKernel, ewExtra, fillKernel, gatherKernel, io, matmulBigKernel, matmulKernel, reduceKernel,
  scatterAddKernel, unaryKernel, whereKernel,
} from "./kernels.js";
import { installFused } from "./fused.js";
import { LN, RANK_MAX, scanKernel, sortKeysKernel, sortOutKernel, sortRankKernel, sortStepKernel } from "./scan.js";

// GPUBufferUsage / GPUMapMode bits (numbers, so nothing depends on the globals being installed)
const U = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_READ = 0x1;

const PARAM_BYTES = PARAM_WORDS * 4;
/** The arena: every dispatch's parameters and the small uploads of one batch. */
const ARENA_BYTES = 1 << 18;
/** Submit after this many dispatches even if nobody reads (keeps the device busy and the arena small). */
const MAX_BATCH = 256;
/** Uploads larger than this skip the arena (the batch is submitted first, then queue.writeBuffer). */
const ARENA_UPLOAD_MAX = 1 << 16;

/** A tensor's elements on the device: a slot of a pooled GPUBuffer, from element `base` on. */
export class GPUStorage implements DeviceBuffer {
  ballast?: ArrayBuffer;
  constructor(
    readonly dtype: DType, readonly length: number, readonly buffer: GPUBuffer, readonly base: number, readonly ctx: Context,
  ) {}
}

/** A view as a kernel sees it: accessor name, element type, buffer, and whether it writes. */
export interface KView {
  name: string;
  type: Scalar;
  buffer: GPUBuffer;
  write?: boolean;
}

/** One initialised device and everything tied to it. A new initDevice after a loss makes a new one. */
class Context {
  fatal: Error | null = null;
  readonly pool: BufferPool;
  readonly arena: GPUBuffer;
  readonly mirror = new ArrayBuffer(ARENA_BYTES);
  readonly words = new Int32Array(this.mirror);
  readonly bytes = new Uint8Array(this.mirror);
  used = 0;
  dispatches = 0;
  encoder: GPUCommandEncoder | null = null;
  pass: GPUComputePassEncoder | null = null;
  /** the pipeline last set in the open pass */
  passPipe: GPUComputePipeline | null = null;
  readonly offsets = new Uint32Array(1);
  /** Device-side error words (bad indices); read and cleared by every readback. */
  readonly err: GPUBuffer;
  readonly pipelines = new Map<string, GPUComputePipeline>();
  readonly layouts = new Map<string, GPUPipelineLayout & { bgl: GPUBindGroupLayout }>();
  readonly bindGroups = new Map<string, GPUBindGroup>();
  readonly bufferIds = new WeakMap<GPUBuffer, number>();
  nextId = 0;
  readonly staging = new Map<number, GPUBuffer[]>();
  /** error-scope results of submitted batches, awaited by the next readback */
  checks: Promise<void>[] = [];
  /** counters for benchmarks and tests */
  stats = { submits: 0, dispatches: 0 };

  constructor(
    /** held so that they live as long as the device: Dawn's instance dies with its JS object */
    readonly gpu: GPU, readonly adapter: GPUAdapter,
    readonly device: GPUDevice, readonly adapterName: string, readonly limits: GPUSupportedLimits,
  ) {
    this.pool = new BufferPool(device, Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize));
    this.arena = device.createBuffer({ size: ARENA_BYTES, usage: U.UNIFORM | U.COPY_SRC | U.COPY_DST });
    this.err = device.createBuffer({ size: 16, usage: U.STORAGE | U.COPY_SRC | U.COPY_DST });
    this.#pushScopes();
    void device.lost.then((info) => {
      if (!this.fatal) this.fatal = new Error(`webgpu: the device was lost (${info.reason}): ${info.message || "no message"}; tensors on webgpu are no longer usable, call initDevice("webgpu") to start a new device`);
      this.pool.kill();
    });
  }

  #pushScopes(): void {
    this.device.pushErrorScope("out-of-memory");
    this.device.pushErrorScope("validation");
    this.device.pushErrorScope("internal");
  }

  check(): void {
    if (this.fatal) throw this.fatal;
  }

  /** Room for `bytes` in the arena at `align`; submits the batch first when it is full. */
  reserve(bytes: number, align: number): number {
    let off = Math.ceil(this.used / align) * align;
    if (off + bytes > ARENA_BYTES || this.dispatches >= MAX_BATCH) {
      this.flush();
      off = 0;
    }
    this.used = off + bytes;
    return off;
  }

  #encoder(): GPUCommandEncoder {
    if (!this.encoder) {
      this.encoder = this.device.createCommandEncoder();
      // submit at the end of the current task if nothing else does it first
      queueMicrotask(() => this.flush());
    }
    return this.encoder;
  }

  /** The encoder outside any pass, for copies and clears. */
  outsidePass(): GPUCommandEncoder {
    const enc = this.#encoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return enc;
  }

  /** The pipeline layout for storage bindings 1..k with the given access ("w" read_write, "r" read). */
  layout(access: string, err: boolean): GPUPipelineLayout & { bgl: GPUBindGroupLayout } {
    const key = `${access}${err ? "e" : ""}`;
    let l = this.layouts.get(key);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: 4 /* COMPUTE */, buffer: { type: "uniform", hasDynamicOffset: true, minBindingSize: PARAM_BYTES } },
      ];
      [...access].forEach((a, i) => entries.push({ binding: i + 1, visibility: 4, buffer: { type: a === "w" ? "storage" : "read-only-storage" } }));
      if (err) entries.push({ binding: ERR_BINDING, visibility: 4, buffer: { type: "storage" } });
      const bgl = this.device.createBindGroupLayout({ entries });
      l = Object.assign(this.device.createPipelineLayout({ bindGroupLayouts: [bgl] }), { bgl });
      this.layouts.set(key, l);
    }
    return l;
  }

  #id(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextId++));
    return id;
  }

  /**
   * Encode one dispatch of the kernel `key`. Each distinct buffer among `views` is bound once
   * (read_write if some view writes it), `source` gets the declarations and accessors of the views,
   * and `params` fills the dispatch's uniform block (given the word index where it starts).
   */
  dispatch(
    key: string, source: (decls: string) => string, views: KView[], params: (w: Int32Array, base: number) => void,
    groups: [number, number, number], err = false,
  ): void {
    this.check();
    const uniq: GPUBuffer[] = [];
    let access = "";
    const ioViews: IoView[] = views.map((v) => {
      let b = uniq.indexOf(v.buffer);
      if (b < 0) {
        b = uniq.push(v.buffer) - 1;
        access += "r";
      }
      if (v.write) access = access.slice(0, b) + "w" + access.slice(b + 1);
      return { name: v.name, type: v.type, binding: b + 1 };
    });
    const pkey = `${key}|${ioViews.map((v) => v.binding).join("")}|${access}`;
    let pipe = this.pipelines.get(pkey);
    if (!pipe) {
      const module = this.device.createShaderModule({ code: source(io(ioViews, access)), label: key });
      pipe = this.device.createComputePipeline({ label: key, layout: this.layout(access, err), compute: { module, entryPoint: "main" } });
      this.pipelines.set(pkey, pipe);
    }
    const bkey = `${access}${err ? "e" : ""}:${uniq.map((b) => this.#id(b)).join(",")}`;
    let bg = this.bindGroups.get(bkey);
    if (!bg) {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.arena, size: PARAM_BYTES } }];
      uniq.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
      if (err) entries.push({ binding: ERR_BINDING, resource: { buffer: this.err } });
      bg = this.device.createBindGroup({ layout: this.layout(access, err).bgl, entries });
      if (this.bindGroups.size >= 4096) this.bindGroups.clear(); // large tensors' own buffers come and go
      this.bindGroups.set(bkey, bg);
    }
    const off = this.reserve(PARAM_BYTES, 256);
    const base = off / 4;
    this.words.fill(0, base, base + PARAM_WORDS);
    params(this.words, base);
    this.#encoder();
    if (!this.pass) {
      this.pass = this.encoder!.beginComputePass();
      this.passPipe = null;
    }
    // each call into the GPU API costs a few µs: skip repeating the pipeline, and pass the offset
    // in a reused Uint32Array instead of a fresh array
    if (this.passPipe !== pipe) this.pass.setPipeline((this.passPipe = pipe));
    this.offsets[0] = off;
    this.pass.setBindGroup(0, bg, this.offsets, 0, 1);
    this.pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.dispatches++;
    this.stats.dispatches++;
  }

  /** dst at element elemOffset = values, in order with the encoded work. */
  upload(dst: GPUBuffer, elemOffset: number, host: Float32Array | Int32Array): void {
    this.check();
    const bytes = host.byteLength;
    if (bytes === 0) return;
    const src = new Uint8Array(host.buffer as ArrayBuffer, host.byteOffset, bytes);
    if (bytes <= ARENA_UPLOAD_MAX) {
      const off = this.reserve(bytes, 4);
      this.bytes.set(src, off);
      this.outsidePass().copyBufferToBuffer(this.arena, off, dst, elemOffset * 4, bytes);
    } else {
      this.flush(); // writeBuffer is queued after everything submitted so far
      this.device.queue.writeBuffer(dst, elemOffset * 4, src);
    }
  }

  /** Submit the open batch: the arena's used bytes first, then the commands. */
  flush(): void {
    if (!this.encoder || this.fatal) return;
    const enc = this.outsidePass();
    this.encoder = null;
    if (this.used > 0) this.device.queue.writeBuffer(this.arena, 0, this.mirror, 0, Math.ceil(this.used / 4) * 4);
    this.device.queue.submit([enc.finish()]);
    this.used = 0;
    this.dispatches = 0;
    this.stats.submits++;
    const scopes = [this.device.popErrorScope(), this.device.popErrorScope(), this.device.popErrorScope()];
    this.#pushScopes();
    this.checks.push(Promise.all(scopes).then((errs) => {
      const e = errs.find((x) => x !== null);
      if (e && !this.fatal) this.fatal = deviceError(e);
    }));
  }

  stagingBuffer(bytes: number): GPUBuffer {
    const list = this.staging.get(bytes);
    return list?.pop() ?? this.device.createBuffer({ size: bytes, usage: U.MAP_READ | U.COPY_DST });
  }

  /** The bytes [byteOffset, +bytes) of `src`, once the work encoded so far has run. Also reads and
   *  clears the device-side error words, and throws what they or the error scopes report. */
  async read(src: GPUBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
    this.check();
    const size = Math.ceil(bytes / 4) * 4 + 16;
    const st = this.stagingBuffer(size);
    const enc = this.outsidePass();
    if (bytes > 0) enc.copyBufferToBuffer(src, byteOffset, st, 0, Math.ceil(bytes / 4) * 4);
    enc.copyBufferToBuffer(this.err, 0, st, size - 16, 16);
    enc.clearBuffer(this.err);
    this.flush();
    const checks = this.checks;
    this.checks = [];
    try {
      await st.mapAsync(MAP_READ);
    } catch (e) {
      await Promise.all(checks);
      this.check();
      throw new Error(`webgpu: reading a buffer back failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const mapped = st.getMappedRange();
    const out = mapped.slice(0, bytes);
    const errWords = new Int32Array(mapped.slice(size - 16, size));
    st.unmap();
    let list = this.staging.get(size);
    if (!list) this.staging.set(size, (list = []));
    list.push(st);
    await Promise.all(checks);
    this.check();
    if (errWords[0] !== 0) {
      const what = ERR_OPS[errWords[0]]?.(errWords) ?? `webgpu: error code ${errWords[0]}`;
      throw new Error(`${what} (found on the webgpu device while running an earlier op; that op's output is not valid)`);
    }
    return out;
  }
}

/** The error the next op or readback throws for an error scope's GPUError: out of memory or another. */
export function deviceError(e: { message: string; constructor?: { name?: string } }): Error {
  const what = e.constructor?.name === "GPUOutOfMemoryError" || /out of memory/i.test(e.message) ? "ran out of memory" : "reported an error";
  return new Error(`webgpu: the device ${what}: ${e.message.split("\n")[0]}; tensors on webgpu are no longer usable, call initDevice("webgpu") to start a new device`);
}

/** Op codes kernels write into the error words. */
const ERR_OPS: Record<number, (w: Int32Array) => string> = {
  1: (w) => `gather: index ${w[1]} is out of range for a dim of size ${w[2]}`,
  [ERR_DIVIDE.remainder]: () => "remainder: integer division by zero (PyTorch raises ZeroDivisionError)",
  [ERR_DIVIDE.fmod]: () => "fmod: integer division by zero (PyTorch raises ZeroDivisionError)",
  [ERR_DIVIDE.divFloor]: () => "div/floorDivide: integer division by zero (roundingMode 'floor'; PyTorch raises ZeroDivisionError)",
  [ERR_DIVIDE.divTrunc]: () => "div: integer division by zero (roundingMode 'trunc'; PyTorch raises ZeroDivisionError)",
};

let ctx: Context | null = null;

function live(): Context {
  if (!ctx) throw new Error('webgpu: no device: call `await initDevice("webgpu")` first');
  ctx.check();
  return ctx;
}

function st(v: View<DeviceBuffer> | DeviceBuffer, what = "tensor"): GPUStorage {
  const s = "data" in v ? v.data : v;
  if (!(s instanceof GPUStorage)) throw new Error(`webgpu: the ${what} is not on the webgpu device`);
  if (s.ctx !== ctx) throw new Error(`webgpu: the ${what} belongs to a webgpu device that was lost or replaced; its values are gone`);
  return s;
}

const scalarOf = (d: DType): Scalar => {
  if (d === "float64") throw new Error("webgpu: float64 is not supported on webgpu (float32 and int32 only)");
  return d === "int32" ? "i32" : "f32";
};

function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Drop size-1 dims and merge neighbours contiguous in every view (what js's forEachRun does). */
function coalesce(shape: readonly number[], strides: (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let j = 0; merge && j < strides.length; j++) merge = out[j][last] === strides[j][d] * n;
    if (merge) {
      dims[last] *= n;
      for (let j = 0; j < strides.length; j++) out[j][last] = strides[j][d];
    } else {
      dims.push(n);
      for (let j = 0; j < strides.length; j++) out[j].push(strides[j][d]);
    }
  }
  return { shape: dims, strides: out };
}

function tooManyDims(op: string, nd: number): never {
  throw new Error(`webgpu.${op}: views with more than ${MAXD} dims that cannot be merged are not supported (got ${nd})`);
}

/** Workgroups for n threads of WG (grid-stride loops cover the rest). */
function grid(n: number, per = WG): [number, number, number] {
  const wg = Math.max(1, Math.ceil(n / per));
  const x = Math.min(wg, 65535);
  return [x, Math.min(Math.ceil(wg / x), 65535), 1];
}

/** The kernel's view of a tensor view: accessor name, element type, buffer. */
export function kv(name: string, v: View<DeviceBuffer>, write = false): KView {
  const s = st(v);
  return { name, type: scalarOf(s.dtype), buffer: s.buffer, write };
}

/** A view's first element as an index into its buffer's u32 words. */
export const at = (v: View<DeviceBuffer>): number => st(v).base + v.offset;

/**
 * An elementwise dispatch over `views` (first: the output, written), all of the first view's
 * shape: views v0, v1, ... with merged dims; `extra` words follow the views' words.
 */
function ew(
  op: string, key: string, source: (decls: string) => string, views: View<DeviceBuffer>[], extra: number[] = [], serial = false, err = false,
): void {
  const c = live();
  const shape = views[0].shape;
  const n = numelOf(shape);
  if (n === 0) return;
  const kvs = views.map((v, j) => kv(`v${j}`, v, j === 0));
  const m = coalesce(shape, views.map((v) => v.strides));
  const nd = m.shape.length;
  if (nd > MAXD) tooManyDims(op, nd);
  c.dispatch(key, source, kvs, (w, b) => {
    w[b + EW.n] = n;
    w[b + EW.nd] = nd;
    w[b + EW.serial] = serial ? 1 : 0;
    for (let d = 0; d < nd; d++) w[b + EW.shape + d] = m.shape[d];
    views.forEach((v, j) => {
      w[b + EW.view(j)] = at(v);
      for (let d = 0; d < nd; d++) w[b + EW.view(j) + 1 + d] = m.strides[j][d];
    });
    extra.forEach((x, i) => (w[b + ewExtra(views.length) + i] = x));
  }, serial ? [1, 1, 1] : grid(n), err);
}

/** A dispatch over the lines along `dim` of views of one shape but for the length along dim (the
 *  first view's is the line length L): one thread per line, or (perElement) one per element of
 *  each line; `flag` and `aux` are the kernel's scalars. */
function lineDispatch(op: string, key: string, source: (decls: string) => string, kvs: KView[], views: View<DeviceBuffer>[],
  dim: number, perElement: boolean, flag: number, aux = 0): void {
  const c = live();
  const shape = views[0].shape, L = shape[dim];
  const n = numelOf(shape);
  if (n === 0) return;
  const drop = (xs: readonly number[]) => xs.filter((_, d) => d !== dim);
  const m = coalesce(drop(shape), views.map((v) => drop(v.strides)));
  const nd = m.shape.length;
  if (nd > MAXD) tooManyDims(op, nd);
  const items = perElement ? n : n / L;
  c.dispatch(key, source, kvs, (w, b) => {
    w[b + LN.n] = items;
    w[b + LN.nd] = nd;
    w[b + LN.len] = L;
    w[b + LN.flag] = flag;
    w[b + LN.aux] = aux;
    for (let d = 0; d < nd; d++) w[b + LN.shape + d] = m.shape[d];
    views.forEach((v, j) => {
      w[b + LN.view(j)] = at(v);
      w[b + LN.view(j) + 1] = v.strides[dim];
      for (let d = 0; d < nd; d++) w[b + LN.view(j) + 2 + d] = m.strides[j][d];
    });
  }, grid(items));
}

/** True when two different indices of the view reach the same element. */
function overlaps(v: View<DeviceBuffer>): boolean {
  const dims = v.shape.map((n, d) => [n, Math.abs(v.strides[d])]).filter(([n]) => n > 1).sort((a, b) => a[1] - b[1]);
  let extent = 1;
  for (const [n, s] of dims) {
    if (s < extent) return true;
    extent = s * (n - 1) + 1;
  }
  return false;
}

const f32bits = (x: number) => new Int32Array(Float32Array.of(x).buffer)[0];

/** When the 128×128-tile matmul is used: at least `minTiles` of its tiles (fewer would leave
 *  a big GPU's cores idle, where the 64×64 kernel makes 4× as many workgroups), `bk` and `pad`
 *  as the device's workgroup memory allows. bench/gpu.ts overrides it to compare the variants. */
const mmTuning: { minTiles: number; bk: number | null; pad: boolean | null } = { minTiles: 128, bk: null, pad: null };

/** For benchmarks: override the matmul kernel choice (minTiles Infinity: always the 64×64 kernel). */
export function setMatmulTuning(t: Partial<typeof mmTuning>): void {
  Object.assign(mmTuning, t);
}

function bigMatmulFor(c: Context, M: number, N: number, nBatch: number): BigMatmul | null {
  if (Math.ceil(M / 128) * Math.ceil(N / 128) * nBatch < mmTuning.minTiles) return null;
  const room = c.limits.maxComputeWorkgroupStorageSize;
  const fits = (x: BigMatmul) => bigMatmulBytes(x) <= room;
  const want = { bk: mmTuning.bk ?? 16, pad: mmTuning.pad ?? true };
  for (const x of [want, { bk: want.bk, pad: false }, { bk: 8, pad: true }]) if (fits(x)) return x;
  return null;
}

export const webgpuBackend: Backend<DeviceBuffer> = {
  name: "webgpu",

  alloc(dtype, n, zero) {
    const c = live();
    scalarOf(dtype);
    const bytes = Math.max(1, n) * 4;
    const max = Math.min(c.limits.maxStorageBufferBindingSize, c.limits.maxBufferSize);
    if (bytes > max) throw new Error(`webgpu: a tensor of ${n} elements (${bytes} bytes) is larger than this adapter's largest storage buffer (${max} bytes)`);
    const slot = c.pool.acquire(bytes);
    const s = new GPUStorage(dtype, n, slot.buffer, slot.offset / 4, c);
    c.pool.track(s, slot);
    if (zero && n > 0) c.outsidePass().clearBuffer(slot.buffer, slot.offset, n * 4);
    return s;
  },

  upload(dst, values) {
    const s = st(dst);
    const host = s.dtype === "int32" ? Int32Array.from(values) : Float32Array.from(values);
    live().upload(s.buffer, s.base, host);
  },

  read() {
    return null; // device memory is not host-visible: readAsync
  },

  async readAsync(src) {
    const c = live();
    const s = st(src);
    const n = numelOf(src.shape);
    const ctor = s.dtype === "int32" ? Int32Array : Float32Array;
    let view = src;
    if (n > 0 && !isContiguous(src.shape, src.strides)) {
      view = { data: webgpuBackend.alloc(s.dtype, n), shape: src.shape, strides: contiguousStrides(src.shape), offset: 0 };
      webgpuBackend.copy(view, src, false);
    }
    return new ctor(await c.read(st(view).buffer, at(view) * 4, n * 4)) as TypedArray;
  },

  unary(op, out, a) {
    const t = scalarOf(out.data.dtype);
    ew(op, `unary:${op}:${t}`, (d) => unaryKernel(op, t, d), [out, a]);
  },

  cast(out, a) {
    const to = scalarOf(out.data.dtype), from = scalarOf(a.data.dtype);
    ew("cast", `cast:${to}:${from}`, (d) => castKernel(to, from, d), [out, a]);
  },

  binary(op, out, a, b) {
    const t = scalarOf(a.data.dtype);
    const err = t === "i32" && op in ERR_DIVIDE; // int32 remainder/fmod flag a zero divisor
    ew(op, `binary:${op}:${t}`, (d) => binaryKernel(op, t, d), [out, a, b], [], false, err);
  },

  where(out, cond, a, b) {
    const ct = scalarOf(cond.data.dtype);
    ew("where", `where:${scalarOf(out.data.dtype)}:${ct}`, (d) => whereKernel(ct, d), [out, cond, a, b]);
  },

  copy(out, a, accumulate) {
    // an accumulating copy into a view that reaches some element twice (unfold's backward) must add
    // one element at a time, in order: one thread does it
    const serial = accumulate && overlaps(out);
    ew("copy", `copy:${scalarOf(out.data.dtype)}:${accumulate}`, (d) => copyKernel(accumulate, d), [out, a], [], serial);
  },

  fill(out, value) {
    const t = scalarOf(out.data.dtype);
    const bits = t === "f32" ? f32bits(value) : Int32Array.of(value)[0];
    ew("fill", `fill:${t}`, (d) => fillKernel(t, d), [out], [bits]);
  },

  reduce(op, out, a, axes) {
    const c = live();
    const t = scalarOf(a.data.dtype);
    const kept = a.shape.map((_, d) => d).filter((d) => !axes[d]);
    const red = a.shape.map((_, d) => d).filter((d) => axes[d]);
    const k = coalesce(kept.map((d) => a.shape[d]), [kept.map((d) => a.strides[d])]);
    const arg = op === "argmax" || op === "argmin";
    // arg ops report the position along their one axis, so that axis is never merged away
    const r = arg ? { shape: red.map((d) => a.shape[d]), strides: [red.map((d) => a.strides[d])] }
      : coalesce(red.map((d) => a.shape[d]), [red.map((d) => a.strides[d])]);
    const nOut = numelOf(k.shape), R = numelOf(r.shape);
    if (nOut === 0) return;
    if (k.shape.length > MAXD || r.shape.length > MAXD) tooManyDims(op, Math.max(k.shape.length, r.shape.length));
    const wide = R >= 256 || (R >= 16 && nOut <= 2048);
    c.dispatch(`reduce:${op}:${t}:${wide}`, (d) => reduceKernel(op, t, wide, d), [kv("out", out, true), kv("a", a)], (w, b) => {
      w[b + RD.nOut] = nOut;
      w[b + RD.R] = R;
      w[b + RD.ndK] = k.shape.length;
      w[b + RD.ndR] = r.shape.length;
      w[b + RD.aOff] = at(a);
      w[b + RD.oOff] = at(out);
      k.shape.forEach((s, d) => { w[b + RD.kShape + d] = s; w[b + RD.kStr + d] = k.strides[0][d]; });
      r.shape.forEach((s, d) => { w[b + RD.rShape + d] = s; w[b + RD.rStr + d] = r.strides[0][d]; });
    }, wide ? grid(nOut, 1) : grid(nOut));
  },

  matmul(out, a, b, bias) {
    const c = live();
    scalarOf(out.data.dtype);
    const nd = a.shape.length;
    const M = a.shape[nd - 2], K = a.shape[nd - 1], N = b.shape[nd - 1];
    const bt = coalesce(a.shape.slice(0, nd - 2), [a.strides.slice(0, nd - 2), b.strides.slice(0, nd - 2)]);
    const nBatch = numelOf(bt.shape);
    if (M === 0 || N === 0 || nBatch === 0) return;
    if (bt.shape.length > MAXD) tooManyDims("matmul", bt.shape.length);
    // without a bias the accessor still needs a buffer: a's, never read
    const views = [kv("out", out, true), kv("a", a), kv("b", b), kv("bias", bias ?? a)];
    const big = bigMatmulFor(c, M, N, nBatch);
    const [key, src, tile] = big ? [`matmul:big:${big.bk}:${big.pad}`, matmulBigKernel(big), 128] : ["matmul", matmulKernel, TILE];
    c.dispatch(key, src, views, (w, o) => {
      w[o + MM.M] = M; w[o + MM.N] = N; w[o + MM.K] = K;
      w[o + MM.nBatch] = nBatch; w[o + MM.ndB] = bt.shape.length;
      w[o + MM.aOff] = at(a); w[o + MM.bOff] = at(b); w[o + MM.oOff] = at(out);
      w[o + MM.sam] = a.strides[nd - 2]; w[o + MM.sak] = a.strides[nd - 1];
      w[o + MM.sbk] = b.strides[nd - 2]; w[o + MM.sbn] = b.strides[nd - 1];
      if (bias) { w[o + MM.bias] = 1; w[o + MM.biasOff] = at(bias); w[o + MM.biasStr] = bias.strides[0]; }
      bt.shape.forEach((s, d) => { w[o + MM.bShape + d] = s; w[o + MM.aBStr + d] = bt.strides[0][d]; w[o + MM.bBStr + d] = bt.strides[1][d]; });
    }, [Math.ceil(N / tile), Math.ceil(M / tile), Math.min(nBatch, 65535)]);
  },

  gather(out, a, dim, index) {
    const aZero = { data: a.data, shape: out.shape, strides: a.strides.map((s, d) => (d === dim ? 0 : s)), offset: a.offset };
    ew("gather", `gather:${scalarOf(out.data.dtype)}`, gatherKernel, [out, index, aZero], [a.strides[dim] ?? 0, a.shape[dim] ?? 1, 1], false, true);
  },

  scatterAdd(out, dim, index, src, fresh) {
    // fresh: a fill first (the kernel reads each output element as its starting value)
    if (fresh) webgpuBackend.fill(out, 0);
    const c = live();
    // a 0-d scatter is the 1-d one of one element
    const one = (v: View<DeviceBuffer>) => (v.shape.length ? v : { ...v, shape: [1], strides: [0] });
    const [o, ix, s] = [one(out), one(index), one(src)];
    const nd = o.shape.length, nOut = numelOf(o.shape);
    if (nOut === 0 || numelOf(ix.shape) === 0) return;
    if (nd > MAXD) tooManyDims("scatterAdd", nd);
    const views = [kv("out", out, true), kv("idx", index), kv("src", src)];
    c.dispatch(`scatterAdd:${scalarOf(out.data.dtype)}`, scatterAddKernel, views, (w, b) => {
      w[b + SC.nOut] = nOut; w[b + SC.nd] = nd; w[b + SC.dim] = dim;
      w[b + SC.oOff] = at(o); w[b + SC.iOff] = at(ix); w[b + SC.sOff] = at(s);
      for (let d = 0; d < nd; d++) {
        w[b + SC.oShape + d] = o.shape[d]; w[b + SC.iShape + d] = ix.shape[d];
        w[b + SC.iStr + d] = ix.strides[d]; w[b + SC.sStr + d] = s.strides[d];
      }
    }, grid(nOut));
  },

  scan(op, out, a, dim, reverse, indices) {
    const t = scalarOf(a.data.dtype);
    lineDispatch(op, `scan:${op}:${t}`, (d) => scanKernel(op, t, d),
      [kv("out", out, true), kv("a", a), kv("idx", indices ?? out, true)], [out, a, indices ?? out], dim, false, reverse ? 1 : 0);
  },

  sort(values, indices, a, dim, descending) {
    const t = scalarOf(a.data.dtype);
    const L = a.shape[dim];
    const views = [values, indices, a];
    if (L <= RANK_MAX) {
      lineDispatch("sort", `sort:${t}`, (d) => sortRankKernel(t, d), [kv("val", values, true), kv("idx", indices, true), kv("a", a)],
        views, dim, true, descending ? 1 : 0);
      return;
    }
    // the bitonic network over pairs (key, position), P per line, in a scratch buffer laid out as
    // the lines (a's shape without dim) times P
    let P = 1;
    while (P < L) P *= 2;
    const outer = a.shape.filter((_, d) => d !== dim), lines = numelOf(outer);
    if (lines === 0) return;
    const cs = contiguousStrides(outer);
    const strides = a.shape.map((_, d) => (d === dim ? 2 : cs[d < dim ? d : d - 1] * 2 * P));
    const keys: View<DeviceBuffer> = { data: webgpuBackend.alloc("int32", lines * P * 2), shape: a.shape.map((s, d) => (d === dim ? P : s)), strides, offset: 0 };
    lineDispatch("sort", `sortKeys:${t}`, (d) => sortKeysKernel(t, d), [kv("keys", keys, true), kv("a", a)], [keys, a], dim, true,
      descending ? 1 : 0, L);
    for (let k = 2; k <= P; k *= 2) {
      for (let j = k / 2; j >= 1; j /= 2) {
        lineDispatch("sort", "sortStep", sortStepKernel, [kv("keys", keys, true)], [keys], dim, true, k, j);
      }
    }
    lineDispatch("sort", `sortOut:${t}`, sortOutKernel, [kv("val", values, true), kv("idx", indices, true), kv("a", a), kv("keys", keys)],
      [values, indices, a, keys], dim, true, 0);
  },

  random(out, dist, rng) {
    // the seeded generator lives in JS: the same numbers as every other device, then one upload
    const n = numelOf(out.shape);
    const host = new Float32Array(n);
    jsBackend.random({ data: host, shape: out.shape, strides: contiguousStrides(out.shape), offset: 0 }, dist, rng);
    live().upload(st(out).buffer, at(out), host);
  },
};
installFused(webgpuBackend, {
  dispatch: (...args) => live().dispatch(...args), kv, at, grid,
  scratch: (shape) => ({ data: webgpuBackend.alloc("float32", numelOf(shape)), shape, strides: contiguousStrides(shape), offset: 0 }),
});

let summary: AdapterSummary | null = null;

async function gpuEntry(): Promise<{ gpu: GPU; runtime: "browser" | "node" }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, runtime: "browser" };
  const isNode = typeof process !== "undefined" && !!process.versions?.node;
  if (!isNode) throw new Error('initDevice("webgpu"): this browser has no navigator.gpu (WebGPU is disabled or not supported here)');
  let mod: { create(opts: string[]): GPU };
  try {
    const name = "webgpu"; // a variable, so bundlers and tsc leave the optional package alone
    mod = (await import(name)) as { create(opts: string[]): GPU };
  } catch (e) {
    throw new Error(`initDevice("webgpu"): the optional npm package 'webgpu' (Dawn for Node) did not load: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
  return { gpu: mod.create([]), runtime: "node" };
}

/**
 * Start the webgpu device and register it (availableDevices() then lists "webgpu"). Resolves at
 * once when a device is already running; after a device loss it starts a new one. Throws, and
 * registers nothing, when there is no WebGPU: no navigator.gpu, no `webgpu` package, no adapter
 * (in Node: no Vulkan/Metal/D3D12 driver that Dawn accepts).
 */
export async function initWebGPU(): Promise<AdapterSummary> {
  if (ctx && !ctx.fatal && summary) return summary;
  const { gpu, runtime } = await gpuEntry();
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) {
    throw new Error(runtime === "node"
      ? 'initDevice("webgpu"): no WebGPU adapter: Dawn found no usable Vulkan driver (on Linux without a GPU, install Mesa\'s lavapipe, mesa-vulkan-drivers from bookworm-backports or newer, and set VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.json)'
      : 'initDevice("webgpu"): navigator.gpu.requestAdapter() found no adapter (the browser has WebGPU but no usable GPU)');
  }
  const want = ["maxStorageBufferBindingSize", "maxBufferSize", "maxComputeWorkgroupStorageSize", "maxStorageBuffersPerShaderStage", "maxComputeInvocationsPerWorkgroup"] as const;
  const requiredLimits: Record<string, number> = {};
  for (const k of want) requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ requiredLimits });
  const info = adapter.info;
  if (ctx) {
    ctx.pool.kill();
    ctx.device.destroy();
  }
  ctx = new Context(gpu, adapter, device, info.description || info.device || info.vendor || "unknown adapter", device.limits);
  summary = { name: ctx.adapterName, vendor: info.vendor, architecture: info.architecture, runtime };
  registerBackend(webgpuBackend);
  return summary;
}

/** True when a webgpu device is running (after initDevice("webgpu") and no loss since). */
export function isAvailable(): boolean {
  return ctx !== null && ctx.fatal === null;
}

/** The adapter of the running device, or null. */
export function adapterInfo(): AdapterSummary | null {
  return isAvailable() ? summary : null;
}

/** Bytes held by the buffer pool (torch.cuda.memory_allocated / memory_reserved). */
export function memoryStats(): MemoryStats {
  const c = live();
  return { ...c.pool.stats(), ...c.stats };
}

/** Destroy the pool's cached buffers (torch.cuda.empty_cache). */
export function emptyCache(): void {
  const c = live();
  c.flush(); // destroyed buffers must not be in an unsubmitted batch
  if (c.pool.emptyCache()) c.bindGroups.clear();
}

/** Resolves when every op enqueued so far has run (torch.cuda.synchronize); throws what the device reported. */
export async function synchronize(): Promise<void> {
  const c = live();
  await c.read(c.err, 0, 0);
}

/** Submit the enqueued ops now instead of at the end of the current task. */
export function flush(): void {
  live().flush();
}

/** The GPUDevice in use, for interop with other WebGPU code (and for tests that lose it on purpose). */
export function gpuDevice(): GPUDevice {
  return live().device;
}
