// Argument checks of the Tensor methods and statics: PyTorch's further positional parameters are
// honoured (softmax's dtype, torch.max(input, other)) or refused, never ignored; bad arguments get
// an error naming the method, the argument and what was expected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, tensor } from "../src/node.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const js = { device: "js" };
const x = (): any => tensor([[1, -2, 3], [-4, 5, -6]], js);
const idx = () => tensor([[0], [2]], { dtype: "int32", device: "js" });

test("reductions refuse a third argument", () => {
  for (const m of ["sum", "mean", "amax", "amin", "logsumexp", "var", "std", "argmax", "argmin", "prod", "all", "any", "max", "min", "sort", "argsort"]) {
    assert.throws(() => x()[m](1, { keepdim: true }, 1), new RegExp(`^Error: ${m}: expected at most 2 arguments \\(dim, options\\), got 3$`), m);
  }
  assert.throws(() => x().topk(1, 1, {}, 1), /^Error: topk: expected at most 3 arguments \(k, dim, options\), got 4$/);
});

test("scans refuse a second argument (PyTorch's dtype is keyword-only)", () => {
  assert.throws(() => x().cumsum(1, "float64"), /^Error: cumsum: expected at most 1 argument \(dim\), got 2$/);
  assert.throws(() => x().cumprod(1, 1), /^Error: cumprod: expected at most 1 argument \(dim\), got 2$/);
  assert.throws(() => x().cummax(1, 1), /^Error: cummax: expected at most 1 argument \(dim\), got 2$/);
});

test("elementwise and movement methods refuse extra arguments", () => {
  assert.throws(() => x().mul(x(), 1), /^Error: mul: expected at most 1 argument \(other\), got 2$/);
  assert.throws(() => x().pow(2, 1), /^Error: pow: expected at most 1 argument \(other\), got 2$/);
  assert.throws(() => x().add(1, {}, 1), /^Error: add: expected at most 2 arguments \(other, options\), got 3$/);
  assert.throws(() => x().transpose(0, 1, 2), /^Error: transpose: expected at most 2 arguments \(dim0, dim1\), got 3$/);
  assert.throws(() => x().split(2, 1, 1), /^Error: split: expected at most 2 arguments \(splitSize, dim\), got 3$/);
  assert.throws(() => x().chunk(2, 1, 1), /^Error: chunk: expected at most 2 arguments \(chunks, dim\), got 3$/);
  assert.throws(() => x().matmul(x().t(), 1), /^Error: matmul: expected at most 1 argument \(other\), got 2$/);
  assert.throws(() => x().to("js", 1), /^Error: to: dtype must be one of float32, int32, float64, got 1$/);
});

test("gather: sparse_grad is keyword-only in PyTorch, dim must be an integer", () => {
  assert.throws(() => x().gather(1, idx(), true), /^Error: gather: expected at most 2 arguments \(dim, index\), got 3$/);
  assert.throws(() => x().gather("1", idx()), /^Error: gather: dim must be an integer, got the string '1'$/);
  assert.deepEqual(x().gather(1, idx()).toArray(), [[1], [-6]]);
});

test("scatterAdd: src must be a Tensor, no fourth argument", () => {
  assert.throws(() => x().scatterAdd(1, idx(), 1), /^Error: scatterAdd: src must be a Tensor, got 1$/);
  assert.throws(() => x().scatterAdd(1, idx(), Tensor.ones([2, 1], js), 1), /^Error: scatterAdd: expected at most 3 arguments \(dim, index, src\), got 4$/);
});

test("repeat: a result too large is a clear error", () => {
  assert.throws(() => x().repeat(1e5, 1e5), /^Error: repeat: shape \[200000, 300000\] has 60000000000 elements, more than a tensor can hold \(2147483647\)$/);
});

test("tril/triu: diagonal must be an integer", () => {
  assert.throws(() => x().tril(1.5), /^Error: tril: diagonal must be an integer, got 1\.5$/);
  assert.throws(() => x().triu("1"), /^Error: triu: diagonal must be an integer, got the string '1'$/);
  assert.throws(() => x().tril(0, 1), /^Error: tril: expected at most 1 argument \(diagonal\), got 2$/);
  assert.deepEqual(x().tril(1).toArray(), [[1, -2, 0], [-4, 5, -6]]);
});

test("max/min with a tensor: the elementwise maximum/minimum (torch.max(input, other))", () => {
  const y = tensor([[0, 0, 0], [0, 0, 0]], js);
  assert.deepEqual(x().max(y).toArray(), [[1, 0, 3], [0, 5, 0]]);
  assert.deepEqual(x().min(y).toArray(), [[0, -2, 0], [-4, 0, -6]]);
  assert.throws(() => x().max(y, {}), /^Error: max: expected at most 1 argument \(other\), got 2$/);
});

test("clamp/clip: { min, max } as PyTorch's keywords; bad bounds name the op", () => {
  assert.deepEqual(x().clamp({ min: 0 }).toArray(), x().clamp(0).toArray());
  assert.deepEqual(x().clamp({ max: 2, min: -1 }).toArray(), x().clamp(-1, 2).toArray());
  assert.deepEqual(x().clip({ max: 2 }).toArray(), x().clip(null, 2).toArray());
  assert.throws(() => x().clamp("a"), /^Error: clamp: min must be a number or null, got the string 'a'$/);
  assert.throws(() => x().clip(0, "b"), /^Error: clip: max must be a number or null, got the string 'b'$/);
  assert.throws(() => x().clamp({ lo: 0 }), /^Error: clamp: unknown option 'lo' \(expected 'min', 'max'\)$/);
  assert.throws(() => x().clamp({ min: 0 }, 1), /^Error: clamp: options given twice \(in min's place and after it\)$/);
  assert.throws(() => x().clamp(0, 1, 2), /^Error: clamp: expected at most 2 arguments \(min, max\), got 3$/);
});

test("cat/stack: { dim } as PyTorch's keyword; extra arguments refused", () => {
  assert.deepEqual(Tensor.cat([x(), x()], { dim: 1 }).shape, [2, 6]);
  assert.deepEqual(Tensor.stack([x(), x()], { dim: 1 }).shape, [2, 2, 3]);
  assert.throws(() => (Tensor.cat as any)([x(), x()], 1, 1), /^Error: cat: expected at most 2 arguments \(tensors, dim\), got 3$/);
  assert.throws(() => (Tensor.stack as any)([x(), x()], 1, 1), /^Error: stack: expected at most 2 arguments \(tensors, dim\), got 3$/);
  assert.throws(() => Tensor.cat([x(), x()], { axis: 1 } as any), /^Error: cat: unknown option 'axis' \(expected 'dim'\)$/);
  assert.throws(() => Tensor.stack([x(), x()], "1" as any), /^Error: stack: dim must be an integer, got the string '1'$/);
});

test("reshape/view/permute/expand: non-number sizes named", () => {
  assert.throws(() => x().reshape({ shape: [3, 2] }), /^Error: reshape: shape must be integers, as arguments or one array, got Object$/);
  assert.throws(() => x().view("float32"), /^Error: view: shape must be integers, as arguments or one array, got the string 'float32'$/);
  assert.throws(() => x().permute([1, 0], 1), /^Error: permute: dims must be integers, as arguments or one array, got an array \[1, 0\]$/);
});

test("softmax/logSoftmax honour PyTorch's dtype", () => {
  const s = x().softmax(1, "float64");
  assert.equal(s.dtype, "float64");
  const ref = x().cast("float64").softmax(1).toArray();
  assert.deepEqual(s.toArray(), ref);
  assert.equal(x().logSoftmax(1, "float64").dtype, "float64");
  assert.equal(x().softmax(1, "float32").dtype, "float32");
  assert.throws(() => x().softmax(1, "int32"), /^Error: softmax: dtype must be 'float32' or 'float64', got the string 'int32'$/);
  assert.throws(() => x().softmax(1, "float64", 1), /^Error: softmax: expected at most 2 arguments \(dim, dtype\), got 3$/);
});

test("messages name the method called", () => {
  assert.throws(() => x().amax(5), /^Error: amax: dim 5 is out of range for a tensor with 2 dims \(expected -2\.\.1\)$/);
  assert.throws(() => x().amin([0, 0]), /^Error: amin: dim \[0, 0\] contains a repeated dim$/);
  assert.throws(() => x().std(5), /^Error: std: dim 5 is out of range for a tensor with 2 dims \(expected -2\.\.1\)$/);
  assert.throws(() => x().to("gpu9"), /^Error: to: device must be an available device \(js, .*\), got the string 'gpu9'$/);
  assert.throws(() => x().to(5), /^Error: to: device must be an available device \(js, .*\), got 5$/);
  assert.throws(() => x().matmul(5), /^Error: matmul: other must be a Tensor, got 5$/);
});
