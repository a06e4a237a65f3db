// data: the IDX reader on files the test writes (plain, gzip, broken), the bundled digits, and the DataLoader.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { Tensor, data, manualSeed } from "../src/node.js";

/** An IDX file of unsigned bytes: magic 0x0000080<ndim>, big-endian dims, the values. */
function idx(dims: number[], values: number[], magic = 0x800 + dims.length): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(values)]);
}

// 3 train and 2 test images of 2x3 pixels
const TRAIN_PX = Array.from({ length: 18 }, (_, i) => (i * 15) % 256);
const TEST_PX = [0, 255, 51, 102, 153, 204, 1, 2, 3, 4, 5, 6];
function writeMnist(dir: string, gz: boolean, overrides: Record<string, Buffer> = {}): void {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, Buffer> = {
    "train-images-idx3-ubyte": idx([3, 2, 3], TRAIN_PX),
    "train-labels-idx1-ubyte": idx([3], [7, 0, 9]),
    "t10k-images-idx3-ubyte": idx([2, 2, 3], TEST_PX),
    "t10k-labels-idx1-ubyte": idx([2], [1, 2]),
    ...overrides,
  };
  for (const [name, bytes] of Object.entries(files)) {
    if (gz) writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes));
    else writeFileSync(join(dir, name), bytes);
  }
}

let root = "";
before(() => {
  root = mkdtempSync(join(tmpdir(), "dlgrad-data-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("data.mnist from IDX files", () => {
  for (const gz of [false, true]) {
    it(gz ? "reads .gz files" : "reads plain files", () => {
      const dir = join(root, gz ? "gz" : "plain");
      writeMnist(dir, gz);
      const m = data.mnist({ dir });
      assert.deepEqual(m.trainImages.shape, [3, 6]);
      assert.equal(m.trainImages.dtype, "float32");
      assert.deepEqual(Array.from(m.trainImages.toTypedArray()), TRAIN_PX.map((v) => Math.fround(v / 255)));
      assert.deepEqual(m.trainLabels.toArray(), [7, 0, 9]);
      assert.equal(m.trainLabels.dtype, "int32");
      assert.deepEqual(m.testImages.shape, [2, 6]);
      assert.deepEqual(Array.from(m.testImages.toTypedArray()), TEST_PX.map((v) => Math.fround(v / 255)));
      assert.deepEqual(m.testLabels.toArray(), [1, 2]);
    });
  }

  it("says a truncated file is truncated, with the expected size", () => {
    const dir = join(root, "truncated");
    const header = idx([60000, 28, 28], []);
    writeMnist(dir, false, { "train-images-idx3-ubyte": Buffer.concat([header, Buffer.alloc(1000 - header.length)]) });
    assert.throws(() => data.mnist({ dir }), {
      message: "mnist: train-images-idx3-ubyte: file is truncated (expected 47040016 bytes, got 1000)",
    });
    const gzDir = join(root, "truncated-gz");
    writeMnist(gzDir, true, { "t10k-labels-idx1-ubyte": idx([5], [1, 2]) });
    assert.throws(() => data.mnist({ dir: gzDir }), /mnist: t10k-labels-idx1-ubyte\.gz: file is truncated \(expected 13 bytes, got 10\)/);
  });

  it("rejects a wrong magic number, a short header, a broken gzip, mismatched counts and missing files", () => {
    const cases: [string, Record<string, Buffer>, RegExp][] = [
      ["magic", { "train-labels-idx1-ubyte": idx([3, 1, 1], [7, 0, 9], 0x803) }, /mnist: train-labels-idx1-ubyte: bad magic number 0x00000803: 3 dims, expected 1/],
      ["float-idx", { "train-images-idx3-ubyte": idx([3, 2, 3], TRAIN_PX, 0x0d03) }, /train-images-idx3-ubyte: bad magic number 0x00000d03 \(expected 0x00000803/],
      ["short", { "t10k-images-idx3-ubyte": Buffer.from([0, 0, 8, 3, 0, 0]) }, /t10k-images-idx3-ubyte: file is truncated \(expected at least 16 bytes of header, got 6\)/],
      ["long", { "t10k-labels-idx1-ubyte": Buffer.concat([idx([2], [1, 2]), Buffer.from([0])]) }, /t10k-labels-idx1-ubyte: file is too long \(expected 10 bytes, got 11\)/],
      ["count", { "train-labels-idx1-ubyte": idx([2], [7, 0]) }, /train-images-idx3-ubyte has 3 images but train-labels-idx1-ubyte has 2 labels/],
    ];
    for (const [name, overrides, re] of cases) {
      const dir = join(root, name);
      writeMnist(dir, false, overrides);
      assert.throws(() => data.mnist({ dir }), re, name);
    }
    const gzBad = join(root, "gzbad");
    mkdirSync(gzBad);
    writeFileSync(join(gzBad, "train-images-idx3-ubyte.gz"), Buffer.from("not gzip"));
    assert.throws(() => data.mnist({ dir: gzBad }), /train-images-idx3-ubyte\.gz: not a valid gzip file/);
    const empty = join(root, "empty");
    mkdirSync(empty);
    assert.throws(() => data.mnist({ dir: empty }), /train-images-idx3-ubyte \(or train-images-idx3-ubyte\.gz\) not found in/);
    assert.throws(() => data.mnist({ dir: join(root, "nope") }), /directory .*nope does not exist/);
  });

  it("parseIdx returns the dims and the bytes", () => {
    const r = data.parseIdx(idx([2, 2], [1, 2, 3, 4]), "x");
    assert.deepEqual(r.dims, [2, 2]);
    assert.deepEqual(Array.from(r.data), [1, 2, 3, 4]);
  });
});

describe("data.mnist bundled digits", () => {
  it("splits the mnist package's 10,000 digits per digit, i % 5 == 0 as test", () => {
    const m = data.mnist();
    assert.deepEqual(m.trainImages.shape, [7996, 784]);
    assert.deepEqual(m.testImages.shape, [2004, 784]);
    assert.deepEqual(m.trainLabels.shape, [7996]);
    assert.deepEqual(m.testLabels.shape, [2004]);
    assert.equal(m.trainLabels.dtype, "int32");
    assert.ok(m.trainImages.min().item() >= 0 && m.trainImages.max().item() <= 1);
    // every digit as the mnist package stores it (src/data/mnist-digits.ts is generated from it):
    // test = samples 0, 5, 10, ... of each digit's file; train = 1, 2, 3, 4, 6, ...
    const pkg = dirname(createRequire(import.meta.url).resolve("mnist/package.json"));
    const train = m.trainImages.toTypedArray(), test = m.testImages.toTypedArray();
    const trainLb = m.trainLabels.toTypedArray(), testLb = m.testLabels.toTypedArray();
    let tr = 0, te = 0;
    for (let d = 0; d < 10; d++) {
      const px = Float32Array.from((JSON.parse(readFileSync(join(pkg, "src", "digits", `${d}.json`), "utf8")) as { data: number[] }).data);
      for (let i = 0; i < px.length / 784; i++) {
        const [into, labels, at] = i % 5 === 0 ? [test, testLb, te++] : [train, trainLb, tr++];
        assert.equal(labels[at], d);
        for (let k = 0; k < 784; k++) {
          if (into[at * 784 + k] !== px[i * 784 + k]) assert.fail(`digit ${d} sample ${i} pixel ${k}: ${into[at * 784 + k]}, the package has ${px[i * 784 + k]}`);
        }
      }
    }
    assert.deepEqual([tr, te], [7996, 2004]);
    const perDigit = new Array(10).fill(0);
    for (const v of testLb) perDigit[v]++;
    assert.ok(perDigit.every((c) => c > 150), `test digits per class: ${perDigit}`);
  });
});

describe("data.DataLoader", () => {
  const x = Tensor.arange(20).reshape([10, 2]);
  const y = Tensor.arange(10, undefined, 1, { dtype: "int32" });
  const rows = (b: Tensor[]) => Array.from(b[1].toTypedArray());

  it("batches in order with the last partial batch, or drops it", () => {
    const dl = new data.DataLoader([x, y], { batchSize: 4 });
    assert.equal(dl.length, 3);
    const batches = [...dl];
    assert.deepEqual(batches.map((b) => b[0].shape), [[4, 2], [4, 2], [2, 2]]);
    assert.deepEqual(batches.map(rows), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    assert.deepEqual(batches[2][0].toArray(), [[16, 17], [18, 19]]);
    assert.equal(batches[0][1].dtype, "int32");
    const dropped = new data.DataLoader([x, y], { batchSize: 4, dropLast: true });
    assert.equal(dropped.length, 2);
    assert.deepEqual([...dropped].map(rows), [[0, 1, 2, 3], [4, 5, 6, 7]]);
    assert.equal([...new data.DataLoader([x], { batchSize: 100 })][0][0].shape[0], 10);
    assert.equal(new data.DataLoader([x]).length, 10, "batchSize defaults to 1");
  });

  it("shuffles each epoch differently, reproducibly from a seed, keeping rows together", () => {
    const a = new data.DataLoader([x, y], { batchSize: 3, shuffle: true, seed: 5 });
    const b = new data.DataLoader([x, y], { batchSize: 3, shuffle: true, seed: 5 });
    const epoch = (dl: data.DataLoader) => [...dl].flatMap(rows);
    const a1 = epoch(a), a2 = epoch(a);
    assert.deepEqual(epoch(b), a1);
    assert.deepEqual(epoch(b), a2);
    assert.notDeepEqual(a1, a2);
    assert.deepEqual([...a1].sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.notDeepEqual(epoch(new data.DataLoader([x, y], { batchSize: 3, shuffle: true, seed: 6 })), a1);
    for (const [xb, yb] of a) {
      const xs = xb.toTypedArray(), ys = yb.toTypedArray();
      ys.forEach((v, i) => assert.deepEqual([xs[2 * i], xs[2 * i + 1]], [2 * v, 2 * v + 1]));
    }
  });

  it("without a seed, shuffles from the global generator (manualSeed)", () => {
    const dl = new data.DataLoader([x, y], { batchSize: 10, shuffle: true });
    manualSeed(11);
    const e1 = [...dl].flatMap(rows);
    manualSeed(11);
    assert.deepEqual([...dl].flatMap(rows), e1);
    assert.notDeepEqual(e1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("stacks the samples of a { length, get(i) } dataset", () => {
    const ds = {
      length: 5,
      get: (i: number) => [Tensor.full([2, 2], i), Tensor.from(new Int32Array([i]), { shape: [], dtype: "int32" })],
    };
    const batches = [...new data.DataLoader(ds, { batchSize: 2 })];
    assert.equal(batches.length, 3);
    assert.deepEqual(batches[0][0].shape, [2, 2, 2]);
    assert.deepEqual(batches[2][1].toArray(), [4]);
    const single = [...new data.DataLoader({ length: 3, get: (i: number) => Tensor.full([1], i) }, { batchSize: 3 })];
    assert.deepEqual(single[0][0].toArray(), [[0], [1], [2]]);
  });

  it("rejects a bad batch size, mismatched lengths and non-datasets", () => {
    assert.throws(() => new data.DataLoader([x, y], { batchSize: 0 }), /DataLoader: batchSize must be a positive integer, got 0/);
    assert.throws(() => new data.DataLoader([x, y], { batchSize: 2.5 }), /got 2\.5/);
    assert.throws(
      () => new data.DataLoader([x, y.slice([0, 9])], { batchSize: 2 }),
      /DataLoader: dataset tensors have different lengths: dataset\[0\] has 10 samples, dataset\[1\] has 9/,
    );
    assert.throws(() => new data.DataLoader([]), /empty array/);
    assert.throws(() => new data.DataLoader([x, 3 as unknown as Tensor]), /dataset\[1\] is not a Tensor/);
    assert.throws(() => new data.DataLoader([Tensor.from(1)]), /dataset\[0\] is a 0-d tensor/);
    assert.throws(() => new data.DataLoader(42 as unknown as data.Dataset), /dataset must be an array of tensors or an object with length and get\(i\)/);
  });
});
