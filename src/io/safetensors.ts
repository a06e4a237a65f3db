// safetensors files: save and load state dicts in the format PyTorch and Hugging Face use.
//
// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON
// `{"__metadata__"?: {string: string}, name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}}`
// padded with spaces to a multiple of 8, then the tensors' bytes, little-endian, C order.
// Offsets count from the first byte after the header; the tensors must cover that data exactly,
// without overlaps or holes. The reader treats the file as hostile: every number in the header
// is checked before any tensor byte is read.
import { Tensor } from "../tensor.js";
import { Module, type StateDict } from "../nn/module.js";
import { checkOptions, describe } from "../check.js";
import { fileSystem, readFile } from "./files.js";

/** The largest header accepted, as in the reference implementation. */
export const MAX_HEADER_SIZE = 100_000_000;

type Target = "float32" | "int32" | "float64";
interface DtypeInfo {
  size: number;
  target: Target;
}

// Every safetensors dtype this reader converts, by name: F32, I32 and F64 load as they are; the
// 16-bit floats widen to float32, the other integers become int32 (values outside int32 fail).
const DTYPES: Record<string, DtypeInfo> = {
  F32: { size: 4, target: "float32" },
  I32: { size: 4, target: "int32" },
  F64: { size: 8, target: "float64" },
  F16: { size: 2, target: "float32" },
  BF16: { size: 2, target: "float32" },
  I64: { size: 8, target: "int32" },
  U64: { size: 8, target: "int32" },
  U32: { size: 4, target: "int32" },
  I16: { size: 2, target: "int32" },
  U16: { size: 2, target: "int32" },
  I8: { size: 1, target: "int32" },
  U8: { size: 1, target: "int32" },
  BOOL: { size: 1, target: "int32" },
};
// Named by the format but not convertible here.
const UNSUPPORTED = new Set(["F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"]);

const WRITE_DTYPE: Record<Target, string> = { float64: "F64", float32: "F32", int32: "I32" };
// The reference writer orders tensors by dtype alignment, largest first, then by name.
const WRITE_RANK: Record<string, number> = { F64: 0, F32: 1, I32: 2 };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();

/** The name of bytes passed instead of a path, in errors. */
const BYTES = "<bytes>";

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

export interface SaveOptions {
  /** String key/value pairs stored in the header's `__metadata__` (e.g. `{ format: "pt" }`). */
  metadata?: Record<string, string>;
}

/** What `load` and `loadMetadata` read: a file path (Node), or the file's bytes (anywhere). */
export type SafetensorsSource = string | Uint8Array | ArrayBuffer;

/**
 * Writes a module's state dict, or a `Record`/`Map` of tensors, as safetensors (float32 as F32,
 * int32 as I32, float64 as F64). With a `path` (Node only) the write is atomic: the bytes go to a
 * temporary file of a name unique to this call, are flushed to disk, and the file is renamed over
 * `path`, so a crash or a concurrent save never leaves a mixed or half-written file under `path`.
 * Without a path it returns the file's bytes (e.g. for a download in a browser).
 * PyTorch: torch.save / safetensors.torch.save_file; the files load in PyTorch with safetensors.
 * @throws Error for an empty path, a value that is not a Tensor, non-string metadata, or a failed write.
 * @example
 * save(model, "model.safetensors");                              // Node
 * save(model.stateDict(), "ckpt.safetensors", { metadata: { epoch: "3" } });
 */
export function save(moduleOrStateDict: Module | StateDict | Map<string, Tensor>, path: string, opts?: SaveOptions): void;
/**
 * The safetensors file of a module's state dict (or a `Record`/`Map` of tensors) as bytes, anywhere
 * (a browser included): what `save(x, path)` writes.
 * @example
 * const bytes = save(model); // Uint8Array
 * model.loadStateDict(load(bytes));
 */
export function save(moduleOrStateDict: Module | StateDict | Map<string, Tensor>, opts?: SaveOptions): Uint8Array;
export function save(
  moduleOrStateDict: Module | StateDict | Map<string, Tensor>,
  pathOrOpts?: string | SaveOptions,
  opts?: SaveOptions,
): void | Uint8Array {
  return write(moduleOrStateDict, pathOrOpts, opts);
}

/** save's body, for both overloads (and saveAsync, which calls it with host copies) */
function write(moduleOrStateDict: Saveable, pathOrOpts?: string | SaveOptions, opts?: SaveOptions): void | Uint8Array {
  let path: string | undefined;
  if (typeof pathOrOpts === "string") path = pathOrOpts;
  else if (typeof pathOrOpts === "object" && pathOrOpts !== null && opts === undefined) opts = pathOrOpts;
  else if (pathOrOpts !== undefined) {
    throw new Error(`save: path must be a string (or leave it out to get the bytes), got ${describe(pathOrOpts)}`);
  }
  if (path === "") throw new Error("save: path is empty (leave it out to get the bytes)");
  // no file system (a browser): fail before encoding
  const fs = path === undefined ? null : fileSystem("save", "call save(stateDict) without a path to get the safetensors bytes (e.g. for a download)");
  const chunks = encode(moduleOrStateDict, path === undefined ? "save" : `save ${path}`, opts ?? {});
  if (path === undefined) return concat(chunks);
  fs!.writeAtomic(path, chunks, "save");
}

/**
 * `save` for tensors on any device: the values of each tensor are read first with the async form,
 * so a model on `webgpu` saves too (`save` there throws, naming this). The same file as `save`;
 * with a `path` (Node) it resolves once the file is written, without one it resolves to the bytes.
 * PyTorch: torch.save of a CUDA model.
 * @throws Error as `save` does.
 * @example
 * await saveAsync(model, "model.safetensors");              // Node, a model on any device
 * const bytes = await saveAsync(model.stateDict());         // a browser: bytes for a download
 */
export async function saveAsync(moduleOrStateDict: Module | StateDict | Map<string, Tensor>, path: string, opts?: SaveOptions): Promise<void>;
/** The safetensors bytes of a module's state dict (or a `Record`/`Map` of tensors) on any device. */
export async function saveAsync(moduleOrStateDict: Module | StateDict | Map<string, Tensor>, opts?: SaveOptions): Promise<Uint8Array>;
export async function saveAsync(
  moduleOrStateDict: Module | StateDict | Map<string, Tensor>,
  pathOrOpts?: string | SaveOptions,
  opts?: SaveOptions,
): Promise<void | Uint8Array> {
  // js copies of the tensors; anything else goes on as it is, for save's checks to refuse by name
  const host = moduleOrStateDict !== null && typeof moduleOrStateDict === "object"
    ? new Map(await Promise.all(entriesOf(moduleOrStateDict).map(async ([k, t]) => [k, t instanceof Tensor ? await t.detach().toAsync("js") : t] as const)))
    : moduleOrStateDict;
  return write(host, pathOrOpts, opts);
}

type Saveable = Module | StateDict | Map<string, Tensor>;

/** The named tensors of a module's state dict, a Record or a Map (values unchecked). */
function entriesOf(x: Saveable): [string, Tensor][] {
  return x instanceof Module ? Object.entries(x.stateDict()) : x instanceof Map ? [...x] : Object.entries(x);
}

/** The safetensors file of a state dict, as chunks; `where` starts error messages. */
function encode(moduleOrStateDict: Saveable, where: string, opts: SaveOptions): Uint8Array[] {
  checkOptions("save", opts, ["metadata"]);
  if (moduleOrStateDict === null || typeof moduleOrStateDict !== "object") {
    throw new Error(`safetensors: ${where}: expected a Module, a state dict or a Map of tensors, got ${describe(moduleOrStateDict)}`);
  }
  const sd = entriesOf(moduleOrStateDict);
  const seen = new Set<string>();
  for (const [name, t] of sd) {
    if (!(t instanceof Tensor)) throw new Error(`safetensors: ${where}: ${JSON.stringify(name)} is not a Tensor`);
    if (name === "__metadata__") throw new Error(`safetensors: ${where}: the name "__metadata__" is reserved`);
    if (seen.has(name)) throw new Error(`safetensors: ${where}: duplicate tensor name ${JSON.stringify(name)}`);
    seen.add(name);
    if (!(t.dtype in WRITE_DTYPE)) throw new Error(`safetensors: ${where}: ${name} has unsupported dtype ${t.dtype}`);
  }
  if (opts.metadata !== undefined) {
    if (typeof opts.metadata !== "object" || opts.metadata === null) {
      throw new Error(`safetensors: ${where}: metadata must be an object of strings, got ${describe(opts.metadata)}`);
    }
    for (const [k, v] of Object.entries(opts.metadata)) {
      if (typeof v !== "string") throw new Error(`safetensors: ${where}: metadata value of ${JSON.stringify(k)} must be a string`);
    }
  }
  const items = sd.map(([name, t]) => ({ name, key: utf8.encode(name), t, dtype: WRITE_DTYPE[t.dtype as Target] }));
  items.sort((a, b) => WRITE_RANK[a.dtype] - WRITE_RANK[b.dtype] || compareBytes(a.key, b.key));
  const header: Record<string, unknown> = {};
  if (opts.metadata !== undefined) header.__metadata__ = opts.metadata;
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const { name, t, dtype } of items) {
    const values = t.backend.read(t);
    if (values === null) {
      throw new Error(`safetensors: ${where}: ${JSON.stringify(name)} is on '${t.device}', whose values cannot be read synchronously; use \`await saveAsync(...)\``);
    }
    const bytes = toLittleEndianBytes(values as Float32Array | Int32Array | Float64Array);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    offset += bytes.byteLength;
    chunks.push(bytes);
  }
  const json = utf8.encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20); // padded with spaces
  headerBytes.set(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  return [prefix, headerBytes, ...chunks];
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Orders byte strings as the reference implementation orders names (UTF-8 bytes, then length). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function toLittleEndianBytes(a: Float32Array | Int32Array | Float64Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN) return bytes;
  const out = Uint8Array.from(bytes);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < out.length; i += w) out.subarray(i, i + w).reverse();
  return out;
}

/** Bytes passed to load/loadMetadata as a Uint8Array view, or null when `src` is not bytes. */
function asBytes(src: unknown): Uint8Array | null {
  if (ArrayBuffer.isView(src)) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  // toString also recognizes an ArrayBuffer from another realm (a worker, an iframe)
  if (src instanceof ArrayBuffer || Object.prototype.toString.call(src) === "[object ArrayBuffer]") return new Uint8Array(src as ArrayBuffer);
  return null;
}

const LOAD_INSTEAD = "pass the file's bytes instead (a Uint8Array or ArrayBuffer, e.g. from fetch() or a file input)";

function badSource(op: string, src: unknown): never {
  throw new Error(`${op}: expected a file path (string) or the file's bytes (Uint8Array or ArrayBuffer), got ${describe(src)}`);
}

/**
 * Reads a safetensors file (a path, in Node) or its bytes (a `Uint8Array` or `ArrayBuffer`, anywhere)
 * into a `Record<string, Tensor>` ordered by name. F32, I32 and F64 load as they are; F16/BF16
 * widen to float32 and the other integer dtypes become int32. Every malformed file fails with an
 * Error naming the file (and the tensor), before any data is read. Tensors are created on the
 * default device; `model.loadStateDict` moves them to the model's (torch.load / safetensors.torch.load_file).
 * @example
 * model.loadStateDict(load("model.safetensors"));
 * const sd = load(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export function load(src: SafetensorsSource): StateDict {
  let name: string;
  let buf: Uint8Array;
  if (typeof src === "string") {
    name = src;
    buf = readFile(fileSystem("load", LOAD_INSTEAD), src, "load");
  } else {
    name = BYTES;
    buf = asBytes(src) ?? badSource("load", src);
  }
  const { entries, dataStart } = parseFile(name, buf.length, (n) => buf.subarray(8, 8 + n), buf.subarray(0, 8));
  const out: StateDict = {};
  const keys = new Map(entries.map((e) => [e, utf8.encode(e.name)]));
  entries.sort((a, b) => compareBytes(keys.get(a)!, keys.get(b)!));
  for (const e of entries) {
    // defineProperty, so that a tensor named "__proto__" stays a plain key
    const value = toTensor(name, e, buf.subarray(dataStart + e.begin, dataStart + e.end));
    Object.defineProperty(out, e.name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The `__metadata__` strings of a safetensors file or its bytes (an empty object when it has none); reads only the header.
 * @throws Error for a malformed header.
 * @example
 * const { epoch } = loadMetadata("ckpt.safetensors");
 */
export function loadMetadata(src: SafetensorsSource): Record<string, string> {
  if (typeof src !== "string") {
    const buf = asBytes(src) ?? badSource("loadMetadata", src);
    return parseFile(BYTES, buf.length, (n) => buf.subarray(8, 8 + n), buf.subarray(0, 8)).metadata;
  }
  const f = fileSystem("loadMetadata", LOAD_INSTEAD).open(src, "loadMetadata");
  try {
    return parseFile(src, f.size, (n) => f.read(8, n), f.read(0, Math.min(8, f.size))).metadata;
  } finally {
    f.close();
  }
}

function fail(path: string, msg: string): never {
  throw new Error(`safetensors: ${path}: ${msg}`);
}

/** Validates the whole header against a file of `size` bytes; `readHeader(n)` gives the n header bytes. */
function parseFile(
  path: string,
  size: number,
  readHeader: (n: number) => Uint8Array,
  first: Uint8Array,
): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  if (size < 8) fail(path, `file is too short (${size} bytes) to hold the 8-byte header length`);
  const n = new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE)) fail(path, `header length ${n} is larger than the ${MAX_HEADER_SIZE}-byte limit`);
  const headerLen = Number(n);
  if (8 + headerLen > size) fail(path, `header length ${headerLen} runs past the end of the file (${size} bytes)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(readHeader(headerLen));
  } catch {
    fail(path, "header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(path, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    fail(path, `header must be a JSON object, got ${header === null ? "null" : Array.isArray(header) ? "an array" : typeof header}`);
  }
  const dup = duplicateKey(text);
  if (dup !== null) fail(path, `duplicate tensor name ${JSON.stringify(dup)} in the header`);
  const dataLen = size - 8 - headerLen;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "__metadata__ must be an object of strings");
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== "string") fail(path, `__metadata__ value of ${JSON.stringify(k)} must be a string`);
        metadata[k] = s;
      }
      continue;
    }
    const where = `tensor ${JSON.stringify(name)}`;
    if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, `${where}: entry must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = v as Record<string, unknown>;
    if (typeof dtype !== "string") fail(path, `${where}: dtype must be a string`);
    if (UNSUPPORTED.has(dtype)) fail(path, `${where}: unsupported dtype ${dtype}`);
    if (!Object.hasOwn(DTYPES, dtype)) fail(path, `${where}: unknown dtype ${JSON.stringify(dtype)}`);
    const info = DTYPES[dtype];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(path, `${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(path, `${where}: data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (end < begin) fail(path, `${where}: data_offsets [${begin}, ${end}] end before they begin`);
    let count = 1;
    for (const d of shape as number[]) {
      count *= d;
      if (!Number.isSafeInteger(count * info.size)) fail(path, `${where}: shape [${(shape as number[]).join(", ")}] is too large`);
    }
    if (end - begin !== count * info.size) {
      fail(
        path,
        `${where}: shape [${(shape as number[]).join(", ")}] of ${dtype} needs ${count * info.size} bytes, ` +
          `but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
    if (end > dataLen) fail(path, `${where}: data_offsets [${begin}, ${end}] are out of range (the data is ${dataLen} bytes)`);
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  // The tensors must tile the data exactly: sorted by offset, each starts where the last ended.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: Entry | null = null;
  for (const e of byOffset) {
    if (e.begin < pos) fail(path, `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap tensor ${JSON.stringify(prev?.name)}`);
    if (e.begin > pos) fail(path, `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] leave a hole at bytes [${pos}, ${e.begin}]`);
    pos = e.end;
    prev = e;
  }
  if (pos !== dataLen) fail(path, `the tensors cover ${pos} bytes of data but the file holds ${dataLen} after the header`);
  return { entries, metadata, dataStart: 8 + headerLen };
}

/** The first key that appears twice at the top level of a valid JSON object text, or null. */
function duplicateKey(text: string): string | null {
  const keys = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
    } else if (c === "{" || c === "[") {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === "}" || c === "]") {
      depth--;
    } else if (c === "," && depth === 1) {
      expectKey = true;
    }
  }
  return null;
}

/** Copies an entry's bytes into a fresh, aligned typed array of its dtype (converting where needed). */
function toTensor(path: string, e: Entry, bytes: Uint8Array): Tensor {
  const info = DTYPES[e.dtype];
  const count = bytes.length / info.size;
  const opts = { shape: e.shape, dtype: info.target };
  if (LITTLE_ENDIAN && (e.dtype === "F32" || e.dtype === "I32" || e.dtype === "F64")) {
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    const arr = e.dtype === "F32" ? new Float32Array(copy.buffer) : e.dtype === "I32" ? new Int32Array(copy.buffer) : new Float64Array(copy.buffer);
    return Tensor.from(arr, opts);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (info.target === "float64") return Tensor.from(Float64Array.from({ length: count }, (_, i) => v.getFloat64(8 * i, true)), opts);
  if (info.target === "float32") {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      if (e.dtype === "F32") out[i] = v.getFloat32(4 * i, true);
      else if (e.dtype === "BF16") out[i] = bf16(v.getUint16(2 * i, true));
      else out[i] = f16(v.getUint16(2 * i, true));
    }
    return Tensor.from(out, opts);
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let x: number | bigint;
    switch (e.dtype) {
      case "I32": x = v.getInt32(4 * i, true); break;
      case "I64": x = v.getBigInt64(8 * i, true); break;
      case "U64": x = v.getBigUint64(8 * i, true); break;
      case "U32": x = v.getUint32(4 * i, true); break;
      case "I16": x = v.getInt16(2 * i, true); break;
      case "U16": x = v.getUint16(2 * i, true); break;
      case "I8": x = v.getInt8(i); break;
      default: x = v.getUint8(i); // U8, BOOL
    }
    if (x < -2147483648 || x > 2147483647) {
      fail(path, `tensor ${JSON.stringify(e.name)}: ${e.dtype} value ${x} at index ${i} does not fit in int32`);
    }
    out[i] = Number(x);
  }
  return Tensor.from(out, opts);
}

function bf16(bits: number): number {
  const f = new Float32Array(1);
  new Uint32Array(f.buffer)[0] = bits << 16;
  return f[0];
}

function f16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
