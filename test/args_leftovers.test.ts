// Argument checks left over from the audit: Tensor.to's dtype forms, softmax of integer input,
// normalize's messages, explicit null for arguments PyTorch refuses None for, the free tensor ops'
// arity, and parseArgs's wording for module constructors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as dl from "../src/node.js";
import { F, Tensor, nn, tensor } from "../src/node.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const js = { device: "js" };
const x = (): any => tensor([[1, -2, 3], [-4, 5, -6]], js);
const i32 = (): any => tensor([[1, 2, 3], [3, 2, 1]], { dtype: "int32", device: "js" });
const call = (f: unknown, ...a: unknown[]): unknown => (f as (...b: unknown[]) => unknown)(...a);
const close = (a: Tensor, b: Tensor): void => {
  const [u, v] = [a.reshape(-1).toArray(), b.reshape(-1).toArray()] as number[][];
  assert.ok(u.length === v.length && u.every((e, i) => Math.abs(e - v[i]) < 1e-5), `${a.toString()} vs ${b.toString()}`);
};

test("Tensor.to takes PyTorch's dtype forms: to(dtype), to(device, dtype), to(other)", () => {
  const f = i32().to("float32");
  assert.equal(f.dtype, "float32");
  assert.deepEqual(f.toArray(), [[1, 2, 3], [3, 2, 1]]);
  assert.equal(x().to("float64").dtype, "float64");
  assert.deepEqual(x().to("int32").toArray(), [[1, -2, 3], [-4, 5, -6]]);
  const moved = x().to("js", "int32");
  assert.equal(moved.dtype, "int32");
  assert.equal(moved.device, "js");
  assert.equal(x().to(null, "float64").dtype, "float64");
  assert.equal(x().to("js", null).dtype, "float32");
  const other = i32().to(x());
  assert.equal(other.dtype, "float32");
  assert.equal(other.device, "js");
  const same = x();
  assert.equal(same.to("float32"), same);
  // the gradient flows back through the cast
  const leaf = tensor([1, 2], { device: "js", requiresGrad: true });
  leaf.to("float64").mul(3).sum().backward();
  assert.deepEqual(leaf.grad!.toArray(), [3, 3]);
});

test("Tensor.to refuses unknown names, bad dtypes and further arguments", () => {
  assert.throws(() => x().to("gpu9"), /^Error: to: device must be an available device \([a-z, ]+\) or a dtype \(float32, int32, float64\), got the string 'gpu9'$/);
  assert.throws(() => x().to(5 as any), /^Error: to: device must be an available device \([a-z, ]+\) or a dtype \(float32, int32, float64\), got 5$/);
  assert.throws(() => x().to("js", "int64" as any), /^Error: to: dtype must be one of float32, int32, float64, got the string 'int64'$/);
  assert.throws(() => x().to("float64", true as any), /^Error: to: after a dtype no further argument is accepted \(PyTorch's non_blocking and copy are not supported\), got boolean$/);
  assert.throws(() => (x().to as any)("js", "float32", true), /^Error: to: expected at most 2 arguments \(device, dtype\), got 3$/);
  // no device is named like a dtype
  for (const d of dl.availableDevices()) assert.ok(!["float32", "int32", "float64"].includes(d), d);
});

test("Tensor.toAsync takes the same forms and rejects bad ones", async () => {
  const t = await x().toAsync("float64");
  assert.equal(t.dtype, "float64");
  const u = await i32().toAsync("js", "float32");
  assert.equal(u.dtype, "float32");
  await assert.rejects(x().toAsync("gpu9"), /^Error: toAsync: device must be an available device \([a-z, ]+\) or a dtype \(float32, int32, float64\), got the string 'gpu9'$/);
});

test("softmax and logSoftmax refuse integer input unless a float dtype is given", () => {
  const msg = (op: string) => new RegExp(`^Error: ${op}: input must be a floating-point tensor, got int32 \\(shape \\[2, 3\\]\\): cast it first or give a floating dtype \\("float32" or "float64"\\)$`);
  assert.throws(() => F.softmax(i32(), 1), msg("softmax"));
  assert.throws(() => F.logSoftmax(i32(), 1), msg("logSoftmax"));
  assert.throws(() => i32().softmax(1), msg("softmax"));
  assert.throws(() => i32().logSoftmax(1), msg("logSoftmax"));
  assert.throws(() => new nn.Softmax(1).forward(i32()), msg("softmax"));
  assert.throws(() => new nn.LogSoftmax(1).forward(i32()), msg("logSoftmax"));
  // with a dtype the input is cast first (PyTorch: F.softmax(x, 1, dtype=torch.float32))
  close(i32().softmax(1, "float32"), F.softmax(i32().float(), 1));
  close(F.softmax(i32(), 1, { dtype: "float32" }), F.softmax(i32().float(), 1));
  const lp = F.logSoftmax(i32(), 1, { dtype: "float64" });
  assert.equal(lp.dtype, "float64");
  close(lp.float(), F.logSoftmax(i32().float(), 1));
  assert.throws(() => F.softmax(x(), 1, { dtype: "int32" as any }), /^Error: softmax: dtype must be 'float32' or 'float64', got the string 'int32'$/);
  assert.throws(() => F.softmax(x(), 1, { dim: 0 } as any), /^Error: softmax: unknown option 'dim' \(expected 'dtype'\)$/);
});

test("normalize names itself; dim null normalizes over every element; eps null is refused", () => {
  assert.throws(() => F.normalize(x(), 2, 5), /^Error: normalize: dim 5 is out of range for a tensor with 2 dims \(expected -2\.\.1\)$/);
  const all = F.normalize(x(), 2, null);
  close(all, tensor([[0.10482847690582275, -0.2096569538116455, 0.31448543071746826], [-0.419313907623291, 0.5241423845291138, -0.6289708614349365]], js));
  assert.throws(() => F.normalize(x(), 2, 1, null as any), /^Error: normalize: eps must be a non-negative number, got null$/);
  // norm's dim null is PyTorch's None: every dim
  assert.ok(Math.abs((x().norm(2, null).item() as number) - 9.539392471313477) < 1e-5);
});

test("an explicit null is refused where PyTorch refuses None", () => {
  const x4 = Tensor.randn([1, 2, 4, 4], js);
  const cases: [string, () => unknown, RegExp][] = [
    ["dropout2d p", () => call(F.dropout2d, x4, null), /^dropout2d: p must be a probability in \[0, 1\], got null$/],
    ["alphaDropout training", () => call(F.alphaDropout, x(), 0.5, null), /^alphaDropout: training must be true or false, got null$/],
    ["elu alpha", () => call(F.elu, x(), null), /^elu: alpha must be a number, got null$/],
    ["softplus threshold", () => call(F.softplus, x(), 1, null), /^softplus: threshold must be a number, got null$/],
    ["hardtanh minVal", () => call(F.hardtanh, x(), null), /^hardtanh: minVal must be a number, got null$/],
    ["conv2d stride", () => call(F.conv2d, x4, Tensor.randn([2, 2, 3, 3], js), null, null), /^conv2d: stride must be a positive integer or an array of 2, got null$/],
    ["mseLoss reduction", () => call(F.mseLoss, x(), x(), { reduction: null }), /^mseLoss: reduction must be 'mean' or 'sum' or 'none', got null$/],
    ["crossEntropy ignoreIndex", () => call(F.crossEntropy, x(), tensor([0, 2], { dtype: "int32", device: "js" }), { ignoreIndex: null }), /^crossEntropy: ignoreIndex must be an integer, got null$/],
    ["batchNorm eps", () => call(F.batchNorm, x(), null, null, null, null, true, 0.1, null), /^batchNorm: eps must be a non-negative number, got null$/],
    ["maxPool2d ceilMode", () => call(F.maxPool2d, x4, 2, 2, 0, 1, null), /^maxPool2d: ceilMode must be true or false, got null$/],
    ["pad mode", () => call(F.pad, x(), [1, 1], null), /^pad: mode must be 'constant' or 'reflect' or 'replicate' or 'circular', got null$/],
  ];
  for (const [name, f, re] of cases) assert.throws(f, (e: Error) => re.test(e.message), name);
  // where PyTorch takes None, null still works
  assert.equal(call(F.maxPool2d, x4, 2, null) instanceof Tensor, true); // stride None: the kernel size
  assert.equal(call(F.normalize, x(), null) instanceof Tensor, true); // p None: 2
  assert.deepEqual((call(F.maxPool2d, x4, 2, 2, 0, 1, false, null) as Tensor).shape, [1, 2, 2, 2]); // returnIndices None: false
});

test("the free tensor ops refuse a further positional; Tensor.flip takes PyTorch's *dims", () => {
  const lbl = tensor([[0], [2]], { dtype: "int32", device: "js" });
  assert.throws(() => call(dl.scatterAdd, x(), 1, lbl, Tensor.ones([2, 1], js), 1), /^Error: scatterAdd: expected at most 4 arguments \(input, dim, index, src\), got 5$/);
  assert.throws(() => call(dl.flip, x(), 0, 1), /^Error: flip: expected at most 2 arguments \(input, dims\), got 3$/);
  assert.throws(() => call(dl.outer, x().reshape(-1), x().reshape(-1), 1), /^Error: outer: expected at most 2 arguments \(input, vec2\), got 3$/);
  assert.throws(() => call(dl.hstack, [x()], 1), /^Error: hstack: expected at most 1 argument \(tensors\), got 2$/);
  assert.throws(() => call(dl.diag, x(), 0, 1), /^Error: diag: expected at most 2 arguments \(input, diagonal\), got 3$/);
  assert.throws(() => x().unbind(0, 1), /^Error: unbind: expected at most 1 argument \(dim\), got 2$/);
  assert.throws(() => x().trace(1), /^Error: trace: expected no arguments, got 1$/);
  assert.throws(() => x().indexFill(1, lbl.reshape(-1), 0, 1), /^Error: indexFill: expected at most 3 arguments \(dim, index, value\), got 4$/);
  // PyTorch's x.flip(0, 1) flips both dims
  assert.deepEqual(x().flip(0, 1).toArray(), [[-6, 5, -4], [3, -2, 1]]);
  assert.deepEqual(x().flip(0, 1).toArray(), x().flip([0, 1]).toArray());
});

test("parseArgs's too-many message reads right for module constructors", () => {
  assert.throws(() => call((...a: unknown[]) => new (nn.ReLU as any)(...a), false, 1), /^Error: nn\.ReLU: expected at most 1 optional argument \(inplace\), got 2$/);
  assert.throws(() => new (nn.Linear as any)(3, 4, true, 1), /^Error: nn\.Linear: expected at most 1 optional argument \(bias\), got 2$/);
  // functions keep naming the tensor arguments
  assert.throws(() => call(F.gelu, x(), "tanh", 1), /^Error: gelu: expected at most 1 argument after the tensor arguments \(approximate\), got 2$/);
});

test("Module.to takes PyTorch's forms: a float dtype casts the floating tensors only; int dtypes are refused", async () => {
  const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
  m.to("float64");
  const sd = m.stateDict();
  for (const [k, t] of Object.entries(sd)) {
    assert.equal(t.dtype, k.endsWith("numBatchesTracked") ? "int32" : "float64", k);
  }
  assert.equal(m.parameters().every((p) => p.requiresGrad), true);
  m.to("js", "float32");
  assert.ok(m.parameters().every((p) => p.dtype === "float32"));
  m.to(tensor([1], { dtype: "float64", device: "js" }));
  assert.ok(m.parameters().every((p) => p.dtype === "float64"));
  await m.toAsync(null, "float32");
  assert.ok(m.parameters().every((p) => p.dtype === "float32"));
  assert.throws(() => m.to("int32" as any), /^Error: Module\.to: dtype must be a floating-point dtype \(float32 or float64\), got the string 'int32'$/);
  assert.throws(() => m.to("gpu9"), /^Error: Module\.to: device must be an available device \(.*\) or a float dtype \(float32, float64\), got the string 'gpu9'$/);
  assert.throws(() => (m.to as any)("js", "float32", 1), /^Error: Module\.to: expected at most 2 arguments/);
  await assert.rejects(() => m.toAsync("float16" as any), /^Error: Module\.toAsync: device must be/);
});

test("Tensor methods that take no arguments refuse one (x.exp(2), x.float(64))", () => {
  const t: any = x();
  for (const [name, args] of [["exp", [2]], ["relu", [true]], ["float", [64]], ["int", [1]], ["clone", [{}]], ["contiguous", [1]], ["silu", [1]], ["bernoulli", [0.5]]] as const) {
    assert.throws(() => t[name](...args), new RegExp(`^Error: ${name}: expected no arguments, got 1$`), name);
  }
  close(t.exp(), tensor([[1, -2, 3], [-4, 5, -6]].map((r) => r.map(Math.exp)), js));
});

test("registerBackend refuses a device named like a dtype (to(name) reads those as dtypes)", () => {
  assert.throws(() => dl.registerBackend({ name: "float64" } as any), /^Error: registerBackend: a device may not be named like a dtype, got 'float64'$/);
});

test("F.layerNorm refuses a null eps, as PyTorch's layer_norm refuses None", () => {
  assert.throws(() => call(F.layerNorm, x(), [3], null, null, null), /layerNorm: eps must be a number, got null/);
  close(F.layerNorm(x(), [3], null, null), F.layerNorm(x(), [3], null, null, 1e-5));
});
