// Softsign, Tanhshrink, Softmin, Threshold, CELU, Hardshrink, Softshrink, Softmax2d, the padding
// layers, channel dropout and the containers (ModuleDict, ParameterList, ParameterDict): PyTorch
// fixtures (test/fixtures/breadth_activations2.json, with NaN, ±inf and the kinks) on every device,
// float64 gradchecks, modules against their functional forms, containers, dropout, errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, manualSeed, nn, optim } from "../src/node.js";
import { runAll, runAllAsync } from "./helpers.js";
import { type Dispatch, S, gradcheck, loadBreadth, runCase, runCaseAsync, startWebgpu } from "./breadth_helpers.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const pads: Record<string, (padding: any, value: number) => nn.Module> = {
  "nn.ZeroPad1d": (p) => new nn.ZeroPad1d(p),
  "nn.ZeroPad2d": (p) => new nn.ZeroPad2d(p),
  "nn.ConstantPad1d": (p, value) => new nn.ConstantPad1d(p, value),
  "nn.ConstantPad2d": (p, value) => new nn.ConstantPad2d(p, value),
  "nn.ReflectionPad1d": (p) => new nn.ReflectionPad1d(p),
  "nn.ReflectionPad2d": (p) => new nn.ReflectionPad2d(p),
  "nn.ReplicationPad1d": (p) => new nn.ReplicationPad1d(p),
  "nn.ReplicationPad2d": (p) => new nn.ReplicationPad2d(p),
  "nn.CircularPad1d": (p) => new nn.CircularPad1d(p),
  "nn.CircularPad2d": (p) => new nn.CircularPad2d(p),
};

const dispatch: Dispatch = (op, by, a) => {
  const x = a.scale ? by.x.mul(a.scale) : by.x;
  switch (op) {
    case "F.softsign": return [F.softsign(x)];
    case "F.tanhshrink": return [F.tanhshrink(x)];
    case "F.threshold": return [F.threshold(x, a.threshold, a.value)];
    case "F.celu": return [a.alpha === undefined ? F.celu(x) : F.celu(x, { alpha: a.alpha })];
    case "F.hardshrink": return [a.lambd === undefined ? F.hardshrink(x) : F.hardshrink(x, a.lambd)];
    case "F.softshrink": return [a.lambd === undefined ? F.softshrink(x) : F.softshrink(x, { lambd: a.lambd })];
    case "F.softmin": return [F.softmin(x, a.dim)];
    case "nn.Softmax2d": return [new nn.Softmax2d().forward(x)];
    default:
      if (op in pads) return [pads[op](a.padding, a.value).forward(x)];
      throw new Error(`activations2.test: no dispatch for ${op}`);
  }
};
/* eslint-enable @typescript-eslint/no-explicit-any */

const hostDevices = availableDevices();
const webgpuSkip = await startWebgpu();
const { cases } = loadBreadth("breadth_activations2.json");
for (const device of hostDevices) {
  test(`breadth_activations2.json against PyTorch on ${device} (${cases.length} cases)`, () => {
    runAll(cases, (c) => c.name, (c) => runCase(c, device, dispatch));
  });
}
test(`breadth_activations2.json against PyTorch on webgpu (${cases.length} cases)`, { skip: webgpuSkip }, async () => {
  await runAllAsync(cases, (c) => c.name, (c) => runCaseAsync(c, "webgpu", dispatch));
});

test("the fixtures cover NaN, ±inf and every new op and layer", () => {
  const ops = new Set(cases.map((c) => c.op));
  for (const op of ["F.softsign", "F.tanhshrink", "F.threshold", "F.celu", "F.hardshrink", "F.softshrink", "F.softmin", "nn.Softmax2d", ...Object.keys(pads)]) {
    assert.ok(ops.has(op), `no case of ${op}`);
  }
  for (const op of ["F.softsign", "F.tanhshrink", "F.threshold", "F.celu", "F.hardshrink", "F.softshrink", "F.softmin"]) {
    assert.ok(cases.some((c) => c.op === op && c.inputs[0].data.includes("NaN") && c.grads[0]), `${op}: no case with NaN inputs and gradients`);
    assert.ok(cases.some((c) => c.op === op && c.inputs[0].data.includes("Infinity") && c.grads[0]), `${op}: no case with inf inputs and gradients`);
  }
});

describe("gradcheck (float64, js)", () => {
  const checks: [string, Parameters<typeof gradcheck>[1], Parameters<typeof gradcheck>[2], boolean?][] = [
    ["softsign", [S([3, 4], "spread")], ([x]) => F.softsign(x.mul(3)), true],
    ["tanhshrink", [S([3, 4])], ([x]) => F.tanhshrink(x.mul(2)), true],
    ["softmin dim 0 transposed", [S([4, 3])], ([x]) => F.softmin(x.T, 0), true],
    ["threshold", [S([3, 4], "spread")], ([x]) => F.threshold(x, -0.25, 7)],
    ["celu alpha 0.6", [S([3, 4], "spread")], ([x]) => F.celu(x.mul(3), 0.6), true],
    ["hardshrink", [S([3, 4], "spread")], ([x]) => F.hardshrink(x, 0.3)],
    ["softshrink", [S([3, 4], "spread")], ([x]) => F.softshrink(x, { lambd: 0.3 }).mul(x), true],
    ["Softmax2d", [S([2, 3, 2, 2])], ([x]) => new nn.Softmax2d().forward(x), true],
    ["ReflectionPad2d", [S([1, 2, 3, 4])], ([x]) => new nn.ReflectionPad2d([2, 1, 2, 0]).forward(x)],
    ["ReplicationPad1d", [S([2, 3])], ([x]) => new nn.ReplicationPad1d([3, 1]).forward(x)],
    ["CircularPad2d", [S([2, 3, 3])], ([x]) => new nn.CircularPad2d([1, 3, 2, 0]).forward(x)],
    ["ConstantPad1d cropping", [S([2, 5])], ([x]) => new nn.ConstantPad1d([-1, 2], 0.5).forward(x)],
    ["dropout2d (reseeded: one mask)", [S([3, 4, 2, 2])], ([x]) => {
      manualSeed(11);
      return F.dropout2d(x, 0.4);
    }],
  ];
  for (const [name, specs, f, second] of checks) {
    test(name, () => gradcheck(name, specs, f, { second }));
  }
});

describe("modules compute their functional forms", () => {
  const x = Tensor.randn([2, 3, 4, 5], { device: "js" });
  const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.toArray(), b.toArray());

  test("activation modules", () => {
    same(new nn.Softsign().forward(x), F.softsign(x));
    same(new nn.Tanhshrink().forward(x), F.tanhshrink(x));
    same(new nn.Softmin(1).forward(x), F.softmin(x, 1));
    same(new nn.Softmin().forward(x), F.softmin(x, -1));
    same(new nn.Softmin({ dim: 0 }).forward(x), F.softmin(x, 0));
    same(new nn.Softmax2d().forward(x), F.softmax(x, 1));
    same(new nn.Softmax2d().forward(x.narrow(0, 1, 1).squeeze(0)), F.softmax(x.narrow(0, 1, 1).squeeze(0), 0));
    same(new nn.Threshold(0.1, 20).forward(x), F.threshold(x, 0.1, 20));
    same(new nn.Threshold({ threshold: -0.5, value: 2 }).forward(x), F.threshold(x, -0.5, 2));
    same(new nn.CELU().forward(x), F.celu(x));
    same(new nn.CELU(0.3).forward(x), F.celu(x, 0.3));
    same(new nn.Hardshrink().forward(x), F.hardshrink(x));
    same(new nn.Hardshrink({ lambd: 1 }).forward(x), F.hardshrink(x, 1));
    same(new nn.Softshrink(0.7).forward(x), F.softshrink(x, 0.7));
    assert.equal(String(new nn.Threshold(0.1, 20)), "Threshold(threshold=0.1, value=20)");
    assert.equal(String(new nn.Softshrink()), "Softshrink(lambd=0.5)");
    assert.equal(String(new nn.CELU()), "CELU(alpha=1)");
    assert.equal(String(new nn.Softmin(1)), "Softmin(dim=1)");
  });

  test("the activations' defaults and forms agree", () => {
    same(F.celu(x), F.celu(x, { alpha: 1 }));
    same(F.hardshrink(x), F.hardshrink(x, 0.5));
    same(F.softshrink(x), F.softshrink(x, 0.5));
    same(F.threshold(x, { threshold: 0, value: -1 }), F.threshold(x, 0, -1));
    same(F.threshold(x, 0, 0), x.relu());
    same(F.softmin(x, 2), x.neg().softmax(2));
    // celu with alpha 1 is elu
    same(F.celu(x).sub(F.elu(x)).abs().gt(1e-6).sum(), Tensor.zeros([]));
  });

  test("padding modules are F.pad", () => {
    const y = x.narrow(0, 0, 1).squeeze(0);
    same(new nn.ZeroPad1d(2).forward(y), F.pad(y, [2, 2]));
    same(new nn.ZeroPad2d([1, 2, 3, 0]).forward(x), F.pad(x, [1, 2, 3, 0]));
    same(new nn.ZeroPad2d(1).forward(x.narrow(0, 0, 1).squeeze(0).narrow(0, 0, 1).squeeze(0)), F.pad(x.narrow(0, 0, 1).squeeze(0).narrow(0, 0, 1).squeeze(0), [1, 1, 1, 1]));
    same(new nn.ConstantPad1d([1, 0], -2).forward(x), F.pad(x, [1, 0], { value: -2 }));
    same(new nn.ConstantPad2d(2, 3.5).forward(y), F.pad(y, [2, 2, 2, 2], "constant", 3.5));
    same(new nn.ReflectionPad1d([3, 1]).forward(y), F.pad(y, [3, 1], "reflect"));
    same(new nn.ReflectionPad2d(2).forward(x), F.pad(x, [2, 2, 2, 2], "reflect"));
    same(new nn.ReplicationPad1d(4).forward(y), F.pad(y, [4, 4], "replicate"));
    same(new nn.ReplicationPad2d([0, 1, 2, 3]).forward(y), F.pad(y, [0, 1, 2, 3], "replicate"));
    same(new nn.CircularPad1d([5, 0]).forward(y), F.pad(y, [5, 0], "circular"));
    same(new nn.CircularPad2d(1).forward(x), F.pad(x, [1, 1, 1, 1], "circular"));
    assert.deepEqual(new nn.ReflectionPad1d(2).forward(Tensor.arange(8, { device: "js" }).reshape(1, 2, 4)).toArray(),
      [[[2, 1, 0, 1, 2, 3, 2, 1], [6, 5, 4, 5, 6, 7, 6, 5]]]);
    assert.deepEqual(new nn.ZeroPad2d(1).padding, [1, 1, 1, 1]);
    assert.equal(String(new nn.ConstantPad1d([1, 2], 3.5)), "ConstantPad1d(padding=[1, 2], value=3.5)");
    assert.equal(String(new nn.ReflectionPad2d(1)), "ReflectionPad2d(padding=[1, 1, 1, 1])");
    assert.deepEqual(Object.keys(new nn.ReflectionPad2d(1).stateDict()), []);
  });
});

describe("channel dropout", () => {
  /** Every channel (the last `inner` values of each run) of y, checked all-kept or all-dropped; the dropped count. */
  function channels(y: ArrayLike<number>, x: ArrayLike<number>, inner: number, scale: number): number {
    let dropped = 0;
    for (let c = 0; c < y.length / inner; c++) {
      const kept = y[c * inner] !== 0;
      if (!kept) dropped++;
      for (let i = c * inner; i < (c + 1) * inner; i++) {
        assert.ok(kept ? Math.abs(y[i] - x[i] * scale) < 1e-5 : y[i] === 0, `channel ${c} is neither kept whole nor dropped whole`);
      }
    }
    return dropped;
  }

  test("dropout1d and dropout2d drop whole channels with probability p and scale the rest", () => {
    manualSeed(1);
    const x1 = Tensor.rand([64, 50, 3], { device: "js" }).add(0.5);
    const d1 = channels(F.dropout1d(x1, 0.3).toTypedArray(), x1.toTypedArray(), 3, 1 / 0.7);
    assert.ok(Math.abs(d1 / 3200 - 0.3) < 0.04, `${d1} of 3200 channels dropped at p = 0.3`);
    const x2 = Tensor.rand([40, 40, 2, 3], { device: "js" }).add(0.5);
    const d2 = channels(F.dropout2d(x2, { p: 0.6 }).toTypedArray(), x2.toTypedArray(), 6, 1 / 0.4);
    assert.ok(Math.abs(d2 / 1600 - 0.6) < 0.05, `${d2} of 1600 channels dropped at p = 0.6`);
    // unbatched dropout1d: a mask per row of [C, L]; dropout2d on 3-D input: per x[n, c], as PyTorch 1.13
    const x3 = Tensor.ones([400, 5], { device: "js" });
    const d3 = channels(F.dropout1d(x3, 0.5).toTypedArray(), x3.toTypedArray(), 5, 2);
    assert.ok(d3 > 150 && d3 < 250, `${d3} of 400 rows dropped`);
    const x4 = Tensor.ones([20, 20, 4], { device: "js" });
    const d4 = channels(F.dropout2d(x4, 0.5).toTypedArray(), x4.toTypedArray(), 4, 2);
    assert.ok(d4 > 150 && d4 < 250, `${d4} of 400 channels dropped`);
  });

  test("reproducible under manualSeed, identity when not training, p = 0 and p = 1", () => {
    const x = Tensor.randn([4, 8, 3, 3], { device: "js" });
    manualSeed(42);
    const a = F.dropout2d(x, 0.5);
    manualSeed(42);
    assert.deepEqual(F.dropout2d(x, 0.5).toArray(), a.toArray());
    manualSeed(43);
    assert.notDeepEqual(F.dropout2d(x, 0.5).toArray(), a.toArray());
    assert.equal(F.dropout2d(x, 0.5, false), x);
    const rows = x.narrow(0, 0, 1).squeeze(0);
    assert.equal(F.dropout1d(rows, { training: false }), rows);
    assert.equal(F.dropout2d(x, 0), x);
    assert.ok(F.dropout2d(x, 1).toTypedArray().every((v) => v === 0));
    const m = new nn.Dropout2d(0.5);
    manualSeed(42);
    assert.deepEqual(m.forward(x).toArray(), a.toArray(), "the module in training mode is F.dropout2d");
    m.eval();
    assert.equal(m.forward(x), x, "eval mode passes the input through");
    const m1 = new nn.Dropout1d({ p: 0.25 });
    const y = x.reshape(4, 8, 9);
    manualSeed(5);
    const want = F.dropout1d(y, 0.25);
    manualSeed(5);
    assert.deepEqual(m1.forward(y).toArray(), want.toArray());
    assert.equal(m1.train(false).forward(y), y);
    assert.equal(String(m1), "Dropout1d(p=0.25)");
  });

  test("the gradient goes through the same mask", () => {
    const x = Tensor.randn([3, 5, 4], { device: "js", requiresGrad: true });
    manualSeed(9);
    const y = F.dropout1d(x, 0.4);
    const g = Tensor.randn([3, 5, 4], { device: "js" });
    y.mul(g).sum().backward();
    const mask = y.ne(0).mul(1 / 0.6); // the kept channels' scale, 0 for the dropped
    const plain = (t: Tensor) => Array.from(t.toTypedArray(), (v) => v + 0); // -0 as 0
    assert.deepEqual(plain(x.grad!), plain(g.mul(mask)));
    assert.ok(plain(mask).some((v) => v === 0) && plain(mask).some((v) => Math.abs(v - 1 / 0.6) < 1e-6));
  });

  const seeded = (device: string) => {
    manualSeed(123);
    return F.dropout2d(Tensor.ones([6, 7, 2, 2], { device }), 0.5);
  };
  const reference = seeded("js").toArray();
  for (const device of hostDevices) {
    test(`the same seed gives the same channels on ${device}`, () => {
      const y = seeded(device);
      assert.equal(y.device, device);
      assert.deepEqual(y.toArray(), reference);
    });
  }
  test("the same seed gives the same channels on webgpu", { skip: webgpuSkip }, async () => {
    const y = seeded("webgpu");
    assert.equal(y.device, "webgpu");
    assert.deepEqual(await y.toArrayAsync(), reference);
  });
});

describe("containers", () => {
  const other = hostDevices.find((d) => d !== "js") ?? "js";

  class Net extends nn.Module {
    heads = new nn.ModuleDict({ cls: new nn.Linear(4, 3), box: new nn.Sequential(new nn.Linear(4, 2), new nn.Dropout(0.5)) });
    scales = new nn.ParameterList([Tensor.ones([3]), Tensor.ones([2])]);
    biases = new nn.ParameterDict({ cls: Tensor.zeros([3]), box: Tensor.zeros([2]) });
    override forward(x: Tensor): Tensor[] {
      return ["cls", "box"].map((k, i) => this.heads.get(k).forward(x).mul(this.scales[i]).add(this.biases.get(k)));
    }
  }

  test("parameters, state dict names and order, as PyTorch's", () => {
    const net = new Net().to("js");
    assert.deepEqual(Object.keys(net.stateDict()), [
      "heads.cls.weight", "heads.cls.bias", "heads.box.0.weight", "heads.box.0.bias", "scales.0", "scales.1", "biases.cls", "biases.box",
    ]);
    assert.equal(net.parameters().length, 8);
    assert.equal(net.parameters()[0], (net.heads.get("cls") as nn.Linear).weight);
    assert.equal(net.parameters()[4], net.scales[0]);
    assert.equal(net.parameters()[6], net.biases.get("cls"));
    assert.deepEqual(net.namedChildren().map(([n]) => n), ["heads", "scales", "biases"]);
    assert.deepEqual(net.heads.namedChildren().map(([n]) => n), ["cls", "box"]);
  });

  test("to(device), train()/eval(), zeroGrad, an optimizer step and a state dict round trip reach them", () => {
    const net = new Net().to(other);
    for (const [name, p] of net.namedParameters()) assert.equal(p.device, other, `${name} on ${p.device}`);
    assert.equal((net.heads.get("cls") as nn.Linear).weight.device, other);
    assert.equal(net.scales[1].device, other);
    assert.equal(net.biases.get("box").device, other);
    net.eval();
    assert.ok(net.modules().every((m) => !m.training), "eval() reaches the modules in the dict");
    net.train();
    assert.equal(((net.heads.get("box") as nn.Sequential)[1] as nn.Dropout).training, true);
    const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
    const x = Tensor.randn([5, 4], { device: other });
    net.eval();
    net.forward(x).reduce((s, y) => s.add(y.sum()), Tensor.zeros([], { device: other })).backward();
    for (const [name, p] of net.namedParameters()) assert.ok(p.grad !== null, `${name} has no gradient`);
    opt.step();
    assert.notDeepEqual(net.biases.get("cls").toArray(), [0, 0, 0]);
    net.zeroGrad();
    assert.ok(net.parameters().every((p) => p.grad === null));
    const copy = new Net().to(other);
    copy.loadStateDict(net.stateDict());
    for (const [k, v] of Object.entries(copy.stateDict())) assert.deepEqual(v.toArray(), net.stateDict()[k].toArray(), k);
  });

  test("ModuleDict: get, set (in place), has, pop, clear, update, iteration, insertion order, printing", () => {
    const d = new nn.ModuleDict<nn.Module>(new Map<string, nn.Module>([["b", new nn.ReLU()], ["1", new nn.Linear(1, 1)]]));
    assert.deepEqual(d.keys(), ["b", "1"], "insertion order, also for keys that are array indices");
    assert.deepEqual(Object.keys(d.stateDict()), ["1.weight", "1.bias"]);
    assert.equal(d.size, 2);
    d.set("b", new nn.Tanh()).update([["c", new nn.Sigmoid()]]);
    assert.deepEqual([...d], ["b", "1", "c"]);
    assert.ok(d.get("b") instanceof nn.Tanh);
    assert.ok(d.has("c") && !d.has("z"));
    assert.ok(d.pop("c") instanceof nn.Sigmoid);
    assert.deepEqual(d.items().map(([k, m]) => [k, m.constructor.name]), [["b", "Tanh"], ["1", "Linear"]]);
    assert.deepEqual(d.values().map((m) => m.constructor.name), ["Tanh", "Linear"]);
    const e = new nn.ModuleDict().update(d);
    assert.deepEqual(e.keys(), ["b", "1"]);
    assert.equal(String(e), "ModuleDict(\n  (b): Tanh()\n  (1): Linear(inFeatures=1, outFeatures=1, bias=true)\n)");
    e.clear();
    assert.equal(e.size, 0);
    assert.deepEqual(e.parameters(), []);
    assert.equal(d.size, 2, "update copied the pairs");
    // a key may be any non-empty name without "." (the modules are not fields)
    assert.ok(new nn.ModuleDict({ training: new nn.ReLU() }).get("training") instanceof nn.ReLU);
  });

  test("ParameterList: indexing, append/extend, parameters made of plain tensors", () => {
    const t = Tensor.zeros([2], { device: "js" });
    const l = new nn.ParameterList([t]).append(Tensor.ones([3], { device: "js" })).extend([Tensor.ones([1], { device: "js" })]);
    assert.equal(l.length, 3);
    assert.equal(l[0], t, "the tensor itself becomes the parameter");
    assert.ok(l[0].requiresGrad && nn.isParameter(l[0]));
    assert.equal(l.at(-1), l[2]);
    assert.deepEqual([...l].map((p) => p.shape), [[2], [3], [1]]);
    assert.deepEqual(l.namedParameters().map(([n]) => n), ["0", "1", "2"]);
    assert.equal(String(l), "ParameterList((0): [2] float32, (1): [3] float32, (2): [1] float32)");
    // a frozen one stays a parameter, and in the state dict
    l[1].requiresGrad = false;
    assert.deepEqual(Object.keys(l.stateDict()), ["0", "1", "2"]);
    l.to(other);
    assert.equal(l[1].device, other);
    assert.equal(l[1].requiresGrad, false);
  });

  test("ParameterDict: get, set, pop, clear, update, order of JavaScript's fields", () => {
    const d = new nn.ParameterDict([["b", Tensor.zeros([1], { device: "js" })], ["1", Tensor.ones([2], { device: "js" })]]);
    assert.deepEqual(d.keys(), ["1", "b"], "array-index keys first, as an object's fields");
    assert.deepEqual(Object.keys(d.stateDict()), ["1", "b"]);
    assert.deepEqual(d.namedParameters().map(([n]) => n), ["1", "b"]);
    d.set("w", Tensor.ones([2, 2], { device: "js" })).update({ b: Tensor.full([1], 5, { device: "js" }) });
    assert.deepEqual(d.get("b").toArray(), [5]);
    assert.equal(d.size, 3);
    assert.ok(d.has("w") && !d.has("training"));
    assert.deepEqual(d.pop("w").shape, [2, 2]);
    assert.deepEqual([...d], ["1", "b"]);
    assert.deepEqual(d.values().map((p) => p.shape), [[2], [1]]);
    assert.deepEqual(d.items().map(([k]) => k), ["1", "b"]);
    d.to(other);
    assert.equal(d.get("1").device, other);
    const e = new nn.ParameterDict(d);
    assert.equal(e.get("b"), d.get("b"));
    e.clear();
    assert.deepEqual(e.parameters(), []);
    assert.deepEqual(e.keys(), []);
    assert.equal(d.size, 2);
  });
});

describe("errors name the op, the argument and what was expected", () => {
  const x = Tensor.randn([2, 3, 4], { device: "js" });
  const i32 = Tensor.ones([2], { dtype: "int32", device: "js" });
  const lin = () => new nn.Linear(1, 1);
  const cases: [() => unknown, RegExp][] = [
    [() => F.softsign(i32), /^softsign: input must be a floating-point tensor, got int32 \(shape \[2\]\)$/],
    [() => F.tanhshrink("x" as never), /^tanhshrink: input must be a Tensor, got the string 'x'$/],
    [() => F.softmin(x, 3), /^softmin: dim 3 is out of range for a tensor with 3 dims \(expected -3\.\.2\)$/],
    [() => F.softmin(x, 0.5), /^softmin: dim must be an integer, got 0\.5$/],
    [() => F.softmin(i32, 0), /^softmin: input must be a floating-point tensor, got int32 \(shape \[2\]\)$/],
    [() => F.threshold(x, 0.5 as never), /^threshold: value must be a number, got undefined$/],
    [() => F.threshold(x, "1" as never, 2), /^threshold: threshold must be a number, got the string '1'$/],
    [() => F.threshold(x, { threshold: 1, valeu: 2 } as never), /^threshold: unknown option 'valeu' \(expected 'threshold', 'value'\)$/],
    [() => F.threshold(x, 1, { value: 2, threshold: 3 } as never), /^threshold: threshold is given both as an argument and in the options object$/],
    [() => F.celu(x, 0), /^celu: alpha must be a nonzero number, got 0$/],
    [() => F.celu(x, { alpha: 1, inplace: true } as never), /^celu: unknown option 'inplace' \(expected 'alpha'\)$/],
    [() => F.celu(i32), /^celu: input must be a floating-point tensor, got int32 \(shape \[2\]\)$/],
    [() => F.hardshrink(x, NaN), /^hardshrink: lambd must be a number, got NaN$/],
    [() => F.hardshrink(x, { lambda: 1 } as never), /^hardshrink: unknown option 'lambda' \(expected 'lambd'\)$/],
    [() => F.softshrink(x, -0.5), /^softshrink: lambd must be a number >= 0, got -0\.5$/],
    [() => F.softshrink(x, 0.5, 1 as never), /^softshrink: expected at most 1 argument after the tensor arguments \(lambd\), got 2$/],
    [() => new nn.Softmax2d().forward(x.narrow(0, 0, 1).squeeze(0)), /^nn\.Softmax2d: input must be a 3-D \[C, H, W\] or 4-D \[N, C, H, W\] tensor, got shape \[3, 4\]$/],
    [() => new nn.Softmin(1.5), /^nn\.Softmin: dim must be an integer, got 1\.5$/],
    [() => new nn.Softmin({ axis: 1 } as never), /^nn\.Softmin: unknown option 'axis' \(expected 'dim'\)$/],
    [() => new nn.Threshold(0.1 as never), /^nn\.Threshold: value must be a number, got undefined$/],
    [() => new nn.CELU({ alpha: 0 }), /^nn\.CELU: alpha must be a nonzero number, got 0$/],
    [() => new nn.Hardshrink({ lamda: 1 } as never), /^nn\.Hardshrink: unknown option 'lamda' \(expected 'lambd'\)$/],
    [() => new nn.Softshrink(-1), /^nn\.Softshrink: lambd must be a number >= 0, got -1$/],
    // channel dropout
    [() => F.dropout1d(x.reshape(1, 2, 3, 4)), /^dropout1d: input must be 2-D \[C, L\] or 3-D \[N, C, L\], got shape \[1, 2, 3, 4\]$/],
    [() => F.dropout2d(x.narrow(0, 0, 1).squeeze(0)), /^dropout2d: input must be 3-D \[N, C, L\] or 4-D \[N, C, H, W\], got shape \[3, 4\]$/],
    [() => new nn.Dropout2d().forward(x.reshape(1, 1, 2, 3, 4)), /^dropout2d: input must be 3-D \[N, C, L\] or 4-D \[N, C, H, W\], got shape \[1, 1, 2, 3, 4\]$/],
    [() => F.dropout1d(x, 1.5), /^dropout1d: p must be a probability in \[0, 1\], got 1\.5$/],
    [() => F.dropout2d(x, 0.5, 1 as never), /^dropout2d: training must be true or false, got 1$/],
    [() => F.dropout2d(x, { p: 0.1, inplace: true } as never), /^dropout2d: unknown option 'inplace' \(expected 'p', 'training'\)$/],
    [() => F.dropout1d(i32.reshape(1, 2)), /^dropout1d: input must be a floating-point tensor, got int32 \(shape \[1, 2\]\)$/],
    [() => new nn.Dropout1d(-0.1), /^nn\.Dropout1d: p must be a probability in \[0, 1\], got -0\.1$/],
    [() => new nn.Dropout2d({ prob: 0.1 } as never), /^nn\.Dropout2d: unknown option 'prob' \(expected 'p', 'inplace'\)$/],
    // padding layers
    [() => new nn.ZeroPad2d([1, 2] as never), /^nn\.ZeroPad2d: padding must be an integer or an array of 4 integers, got an array \[1, 2\]$/],
    [() => new nn.ConstantPad1d(1.5, 0), /^nn\.ConstantPad1d: padding must be an integer or an array of 2 integers, got 1\.5$/],
    [() => new nn.ConstantPad1d(1, "a" as never), /^nn\.ConstantPad1d: value must be a number, got the string 'a'$/],
    [() => new nn.ReflectionPad1d(-1), /^nn\.ReflectionPad1d: padding must be a non-negative integer or an array of 2, got -1$/],
    [() => new nn.CircularPad2d([1, 1, 1] as never), /^nn\.CircularPad2d: padding must be a non-negative integer or an array of 4, got an array \[1, 1, 1\]$/],
    [() => new nn.ReflectionPad1d(3).forward(x.narrow(2, 0, 3)), /^nn\.ReflectionPad1d: reflect padding \(3, 3\) must be smaller than dim 2 of input \[2, 3, 3\] \(size 3\)$/],
    [() => new nn.ReflectionPad2d(1).forward(x.narrow(0, 0, 1).squeeze(0)), /^nn\.ReflectionPad2d: input must be 3-D \[C, H, W\] or 4-D \[N, C, H, W\], got shape \[3, 4\]$/],
    [() => new nn.ReplicationPad1d(1).forward(x.reshape(24)), /^nn\.ReplicationPad1d: input must be 2-D \[C, W\] or 3-D \[N, C, W\], got shape \[24\]$/],
    [() => new nn.CircularPad1d(5).forward(x), /^nn\.CircularPad1d: circular padding \(5, 5\) must be at most dim 2 of input \[2, 3, 4\] \(size 4\)$/],
    [() => new nn.ZeroPad2d(1).forward(x.reshape(24)), /^nn\.ZeroPad2d: pad length 4 must be at most twice the input's number of dims \(input \[24\]\)$/],
    [() => new nn.ConstantPad1d(-2, 0).forward(x.narrow(2, 0, 3)), /^nn\.ConstantPad1d: negative pads \(-2, -2\) remove more than dim 2 of input \[2, 3, 3\] holds$/],
    [() => new nn.ZeroPad1d(1).forward("x" as never), /^nn\.ZeroPad1d: input must be a Tensor, got the string 'x'$/],
    // containers
    [() => new nn.ModuleDict({ "a.b": lin() }), /^nn\.ModuleDict: a key must be a non-empty string without "\.", got 'a\.b'$/],
    [() => new nn.ModuleDict({ "": lin() }), /^nn\.ModuleDict: a key must be a non-empty string without "\.", got ''$/],
    [() => new nn.ModuleDict({ a: x } as never), /^nn\.ModuleDict: the value of key 'a' must be an nn\.Module, got a Tensor$/],
    [() => new nn.ModuleDict(5 as never), /^nn\.ModuleDict: expected an object, a Map or an iterable of \[key, value\] pairs, got 5$/],
    [() => new nn.ModuleDict([["a"]] as never), /^nn\.ModuleDict: element 0 must be a \[key, value\] pair, got an array \[string\]$/],
    [() => new nn.ModuleDict([[1, lin()]] as never), /^nn\.ModuleDict: a key must be a string, got 1$/],
    [() => new nn.ModuleDict({ a: lin() }).get("b"), /^nn\.ModuleDict\.get: no key 'b' \(keys: 'a'\)$/],
    [() => new nn.ModuleDict().pop("b"), /^nn\.ModuleDict\.pop: no key 'b' \(keys: none\)$/],
    [() => new nn.ParameterList([i32]), /^nn\.ParameterList: element 0 must be a floating-point Tensor to be a parameter, got int32 \(shape \[2\]\)$/],
    [() => new nn.ParameterList([x, 1] as never), /^nn\.ParameterList: element 1 must be a Tensor, got 1$/],
    [() => new nn.ParameterList(x as never), /^nn\.ParameterList: expected an iterable of Tensors, got a Tensor$/],
    [() => new nn.ParameterDict({ training: Tensor.zeros([1]) }), /^nn\.ParameterDict: key 'training' is the name of a member of nn\.ParameterDict; pick another$/],
    [() => new nn.ParameterDict({ get: Tensor.zeros([1]) }), /^nn\.ParameterDict: key 'get' is the name of a member of nn\.ParameterDict; pick another$/],
    [() => new nn.ParameterDict({ "x.y": Tensor.zeros([1]) }), /^nn\.ParameterDict: a key must be a non-empty string without "\.", got 'x\.y'$/],
    [() => new nn.ParameterDict({ a: 2 } as never), /^nn\.ParameterDict: the value of key 'a' must be a Tensor, got 2$/],
    [() => new nn.ParameterDict().get("q"), /^nn\.ParameterDict\.get: no key 'q' \(keys: none\)$/],
    [() => new nn.ParameterDict({ a: Tensor.zeros([1]) }).pop("q"), /^nn\.ParameterDict\.pop: no key 'q' \(keys: 'a'\)$/],
  ];
  test(`${cases.length} bad calls`, () => {
    for (const [f, re] of cases) {
      assert.throws(f, (e: unknown) => {
        assert.ok(e instanceof Error, `not an Error: ${String(e)}`);
        assert.match(e.message, re);
        return true;
      });
    }
  });
});
