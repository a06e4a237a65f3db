// Activations, normalization and pooling (issue 12): PyTorch fixtures (test/fixtures/breadth_
// {activations,norms,pooling}.json) on every device, float64 gradchecks, the nn modules, errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, nn } from "../src/node.js";
import { runAll, runAllAsync } from "./helpers.js";
import { type Dispatch, S, gradcheck, loadBreadth, runCase, runCaseAsync, startWebgpu } from "./breadth_helpers.js";

const files = ["breadth_activations.json", "breadth_norms.json", "breadth_pooling.json"];

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A module of `cls` on `device`, with the fixture's weight and bias (leaf views) as its parameters. */
function onDevice<M extends nn.Module>(m: M, device: string, by: Record<string, Tensor>): M {
  m.to(device);
  const fields = m as unknown as Record<string, unknown>;
  if (by.w) fields.weight = by.w;
  if (by.b) fields.bias = by.b;
  return m;
}

const dispatch: Dispatch = (op, by, a, device) => {
  const x = a.scale ? by.x.mul(a.scale) : by.x;
  const clone = (t: Tensor | undefined) => t?.clone() ?? null;
  switch (op) {
    // activations
    case "F.hardtanh": return [a.minVal === undefined ? F.hardtanh(x) : F.hardtanh(x, a.minVal, a.maxVal)];
    case "F.relu6": return [F.relu6(x)];
    case "F.elu": return [a.alpha === undefined ? F.elu(x) : F.elu(x, { alpha: a.alpha })];
    case "F.selu": return [F.selu(x)];
    case "F.softplus": return [F.softplus(x, { beta: a.beta, threshold: a.threshold })];
    case "F.mish": return [F.mish(x)];
    case "F.logsigmoid": return [F.logsigmoid(x)];
    case "F.hardswish": return [F.hardswish(x)];
    case "F.hardsigmoid": return [F.hardsigmoid(x)];
    case "F.glu": return [a.dim === undefined ? F.glu(x) : F.glu(x, a.dim)];
    case "F.prelu": return [F.prelu(x, by.w)];
    // normalization (running statistics are copied: the op updates them in place)
    case "F.batchNorm": {
      const rm = clone(by.rm), rv = clone(by.rv);
      const y = F.batchNorm(x, rm, rv, { weight: by.w, bias: by.b, training: a.training, momentum: a.momentum, eps: a.eps });
      return rm && rv ? [y, rm, rv] : [y];
    }
    case "F.groupNorm": return [F.groupNorm(x, a.numGroups, by.w ?? null, by.b ?? null, a.eps)];
    case "F.instanceNorm": {
      const rm = clone(by.rm), rv = clone(by.rv);
      const y = F.instanceNorm(x, { runningMean: rm, runningVar: rv, weight: by.w, bias: by.b, useInputStats: a.useInputStats, momentum: a.momentum, eps: a.eps });
      return rm && rv ? [y, rm, rv] : [y];
    }
    case "nn.BatchNorm1d":
    case "nn.BatchNorm2d": {
      const C = by.x1.shape[1];
      const opts = { momentum: a.momentum, affine: a.affine, trackRunningStats: a.trackRunningStats };
      const m = onDevice(op === "nn.BatchNorm1d" ? new nn.BatchNorm1d(C, opts) : new nn.BatchNorm2d(C, opts), device, by);
      const ys = [m.forward(by.x1), m.forward(by.x2)];
      m.eval();
      ys.push(m.forward(by.x3));
      return m.runningMean ? [...ys, m.runningMean, m.runningVar!, m.numBatchesTracked!] : ys;
    }
    case "nn.InstanceNorm2d": {
      const m = onDevice(new nn.InstanceNorm2d(by.x1.shape[by.x1.ndim - 3], { affine: a.affine, trackRunningStats: a.trackRunningStats }), device, by);
      const ys = [m.forward(by.x1), m.forward(by.x2)];
      m.eval();
      ys.push(m.forward(by.x3));
      return m.runningMean ? [...ys, m.runningMean, m.runningVar!] : ys;
    }
    // pooling
    case "F.avgPool1d": return [F.avgPool1d(x, a.kernel, { stride: a.stride, padding: a.padding, ceilMode: a.ceilMode, countIncludePad: a.countIncludePad })];
    case "F.avgPool2d":
      return [F.avgPool2d(x, a.kernel, { stride: a.stride, padding: a.padding, ceilMode: a.ceilMode, countIncludePad: a.countIncludePad, divisorOverride: a.divisorOverride })];
    case "F.maxPool1d": {
      const opts = { stride: a.stride, padding: a.padding, dilation: a.dilation, ceilMode: a.ceilMode };
      return a.returnIndices ? F.maxPool1d(x, a.kernel, { ...opts, returnIndices: true }) : [F.maxPool1d(x, a.kernel, opts)];
    }
    case "F.adaptiveAvgPool1d": return [F.adaptiveAvgPool1d(x, a.size)];
    case "F.adaptiveAvgPool2d": return [F.adaptiveAvgPool2d(x, a.size)];
    case "F.adaptiveMaxPool2d": return a.returnIndices ? F.adaptiveMaxPool2d(x, a.size, { returnIndices: true }) : [F.adaptiveMaxPool2d(x, a.size)];
    default: throw new Error(`layers2.test: no dispatch for ${op}`);
  }
};
/* eslint-enable @typescript-eslint/no-explicit-any */

// the host devices read synchronously; webgpu (where it has an adapter) through the async reads
const hostDevices = availableDevices();
const webgpuSkip = await startWebgpu();
for (const file of files) {
  const { cases } = loadBreadth(file);
  for (const device of hostDevices) {
    test(`${file} against PyTorch on ${device} (${cases.length} cases)`, () => {
      runAll(cases, (c) => c.name, (c) => runCase(c, device, dispatch));
    });
  }
  test(`${file} against PyTorch on webgpu (${cases.length} cases)`, { skip: webgpuSkip }, async () => {
    await runAllAsync(cases, (c) => c.name, (c) => runCaseAsync(c, "webgpu", dispatch));
  });
}

describe("gradcheck (float64, js)", () => {
  const checks: [string, Parameters<typeof gradcheck>[1], Parameters<typeof gradcheck>[2], boolean?][] = [
    ["hardtanh", [S([3, 4], "spread")], ([x]) => F.hardtanh(x, -0.45, 0.55)],
    ["relu6", [S([3, 4], "spread")], ([x]) => F.relu6(x.mul(10))],
    ["elu", [S([3, 4], "spread")], ([x]) => F.elu(x, 0.7), true],
    ["selu transposed", [S([4, 3], "spread")], ([x]) => F.selu(x.T), true],
    ["softplus beta threshold", [S([3, 4], "spread")], ([x]) => F.softplus(x.mul(2), 1.5, 2), true],
    ["mish", [S([3, 4])], ([x]) => F.mish(x.mul(3)), true],
    ["logsigmoid", [S([3, 4])], ([x]) => F.logsigmoid(x.mul(5)), true],
    ["hardswish", [S([3, 4], "spread")], ([x]) => F.hardswish(x.mul(5)), true],
    ["hardsigmoid", [S([3, 4], "spread")], ([x]) => F.hardsigmoid(x.mul(5))],
    ["glu dim 1 sliced", [S([2, 8, 3])], ([x]) => F.glu(x.slice([], [null, null, 2]), 1), true],
    ["prelu per channel", [S([2, 3, 4], "spread"), S([3])], ([x, w]) => F.prelu(x, w), true],
    ["batchNorm training", [S([4, 3, 2]), S([3], "pos"), S([3])], ([x, w, b]) => F.batchNorm(x, null, null, w, b, true), true],
    ["batchNorm eval", [S([4, 3]), S([3]), S([3], "pos"), S([3], "pos")], ([x, rm, rv, w]) => F.batchNorm(x, rm, rv, { weight: w, eps: 0.1 })],
    ["groupNorm", [S([2, 4, 3]), S([4], "pos"), S([4])], ([x, w, b]) => F.groupNorm(x, 2, w, b), true],
    ["instanceNorm", [S([2, 3, 2, 2]), S([3], "pos")], ([x, w]) => F.instanceNorm(x, { weight: w }), true],
    ["avgPool1d padding ceil exclude", [S([1, 2, 8])], ([x]) => F.avgPool1d(x, 3, 2, 1, true, false)],
    ["avgPool2d transposed", [S([1, 2, 5, 4])], ([x]) => F.avgPool2d(x.transpose(-1, -2), [2, 3], { stride: [1, 2], padding: 1 })],
    ["maxPool1d dilation", [S([2, 2, 9], "spread")], ([x]) => F.maxPool1d(x, 3, { stride: 2, dilation: 2, padding: 1 })],
    ["adaptiveAvgPool2d", [S([1, 2, 5, 7])], ([x]) => F.adaptiveAvgPool2d(x, [3, 4])],
    ["adaptiveAvgPool1d divisible", [S([2, 6])], ([x]) => F.adaptiveAvgPool1d(x, 3)],
    ["adaptiveMaxPool2d", [S([2, 5, 7], "spread")], ([x]) => F.adaptiveMaxPool2d(x, [3, 4])],
  ];
  for (const [name, specs, f, second] of checks) {
    test(name, () => gradcheck(name, specs, f, { second }));
  }
});

describe("nn activation, norm and pooling modules", () => {
  const x = Tensor.randn([2, 4, 6], { device: "js" });
  const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.toArray(), b.toArray());

  test("activation modules compute their functional forms", () => {
    same(new nn.Hardtanh(-0.5, 0.5).forward(x), F.hardtanh(x, -0.5, 0.5));
    same(new nn.Hardtanh({ maxVal: 2 }).forward(x), F.hardtanh(x, -1, 2));
    same(new nn.ReLU6().forward(x), F.relu6(x));
    same(new nn.ELU(0.2).forward(x), F.elu(x, 0.2));
    same(new nn.SELU().forward(x), F.selu(x));
    same(new nn.Softplus({ beta: 2 }).forward(x), F.softplus(x, 2));
    same(new nn.Mish().forward(x), F.mish(x));
    same(new nn.GLU(1).forward(x), F.glu(x, 1));
    same(new nn.LogSigmoid().forward(x), F.logsigmoid(x));
    same(new nn.Hardswish().forward(x), F.hardswish(x));
    same(new nn.Hardsigmoid().forward(x), F.hardsigmoid(x));
  });

  test("PReLU learns one slope or one per channel", () => {
    const m = new nn.PReLU(4, 0.1).to("js");
    assert.deepEqual(Object.keys(m.stateDict()), ["weight"]);
    assert.deepEqual(m.weight.shape, [4]);
    const y = m.forward(x);
    same(y, F.prelu(x, m.weight));
    y.sum().backward();
    assert.ok(m.weight.grad !== null);
    assert.deepEqual(new nn.PReLU().weight.toArray(), [0.25]);
  });

  test("BatchNorm2d: PyTorch's state dict names, train/eval, reset", () => {
    const bn = new nn.BatchNorm2d(3).to("js");
    assert.deepEqual(Object.keys(bn.stateDict()), ["weight", "bias", "runningMean", "runningVar", "numBatchesTracked"]);
    assert.deepEqual(bn.namedBuffers().map(([n]) => n), ["runningMean", "runningVar", "numBatchesTracked"]);
    const input = Tensor.randn([4, 3, 2, 2], { device: "js" }).mul(3).add(1);
    bn.forward(input);
    assert.equal(bn.numBatchesTracked!.item(), 1);
    assert.notDeepEqual(bn.runningMean!.toArray(), [0, 0, 0]);
    bn.eval();
    const before = bn.runningMean!.toArray();
    bn.forward(input);
    assert.deepEqual(bn.runningMean!.toArray(), before, "eval mode leaves the running statistics alone");
    assert.equal(bn.numBatchesTracked!.item(), 1);
    bn.resetRunningStats();
    assert.deepEqual(bn.runningVar!.toArray(), [1, 1, 1]);
    const plain = new nn.BatchNorm1d(3, { affine: false, trackRunningStats: false });
    assert.deepEqual(Object.keys(plain.stateDict()), []);
    assert.equal(plain.toString(), "BatchNorm1d(3, eps=0.00001, momentum=0.1, affine=false, trackRunningStats=false)");
    // a state dict round trip (the names PyTorch's converted weights use)
    const copy = new nn.BatchNorm2d(3).to("js");
    copy.loadStateDict(bn.stateDict());
    assert.deepEqual(copy.runningMean!.toArray(), bn.runningMean!.toArray());
  });

  test("GroupNorm and InstanceNorm2d modules", () => {
    const g = new nn.GroupNorm(2, 4).to("js");
    same(g.forward(x), F.groupNorm(x, 2, g.weight, g.bias));
    assert.deepEqual(Object.keys(g.stateDict()), ["weight", "bias"]);
    const inorm = new nn.InstanceNorm2d(2, { trackRunningStats: true }).to("js");
    assert.deepEqual(Object.keys(inorm.stateDict()), ["runningMean", "runningVar", "numBatchesTracked"]);
    const y = inorm.forward(x.reshape(2, 2, 4, 3));
    assert.deepEqual(y.shape, [2, 2, 4, 3]);
  });

  test("pooling modules compute their functional forms", () => {
    same(new nn.AvgPool1d(3, 2, 1).forward(x), F.avgPool1d(x, 3, 2, 1));
    same(new nn.AvgPool2d(2, { divisorOverride: 3 }).forward(x.reshape(1, 2, 4, 6)), F.avgPool2d(x.reshape(1, 2, 4, 6), 2, { divisorOverride: 3 }));
    same(new nn.MaxPool1d(2).forward(x), F.maxPool1d(x, 2));
    const [v, i] = new nn.MaxPool1d<true>(3, { stride: 1, returnIndices: true }).forward(x);
    const [v2, i2] = F.maxPool1d(x, 3, { stride: 1, returnIndices: true });
    same(v, v2);
    same(i, i2);
    same(new nn.AdaptiveAvgPool1d(4).forward(x), F.adaptiveAvgPool1d(x, 4));
    same(new nn.AdaptiveAvgPool2d([null, 4]).forward(x), F.adaptiveAvgPool2d(x, [null, 4]));
    same(new nn.AdaptiveMaxPool2d(2).forward(x), F.adaptiveMaxPool2d(x, 2));
  });
});

describe("errors name the op, the argument and what was expected", () => {
  const x = Tensor.randn([2, 4, 6], { device: "js" });
  const cases: [() => unknown, RegExp][] = [
    [() => F.elu(x, { alpa: 1 } as never), /elu: unknown option 'alpa' \(expected 'alpha'\)/],
    [() => F.hardtanh(x, 1, -1), /hardtanh: minVal \(1\) must be <= maxVal \(-1\)/],
    [() => F.softplus(x, 1, 20, 3 as never), /softplus: expected at most 2 arguments after the tensor arguments \(beta, threshold\), got 3/],
    [() => F.glu(x.slice([], [0, 3]), 1), /glu: the halved dim must have an even size, but dim 1 of shape \[2, 3, 6\] has 3/],
    [() => F.prelu(x, Tensor.ones([3], { device: "js" })), /prelu: weight must have 1 element or one per channel \(4, dim 1 of input \[2, 4, 6\]\), got shape \[3\]/],
    [() => F.relu6(Tensor.ones([2], { dtype: "int32", device: "js" })), /relu6: input must be a floating-point tensor, got int32/],
    [() => F.batchNorm(x, null, null), /batchNorm: runningMean and runningVar are needed when not training/],
    [() => F.batchNorm(x, Tensor.zeros([3], { device: "js" }), null, { training: true }), /batchNorm: runningMean should contain 4 elements \(one per channel\), got shape \[3\]/],
    [() => F.batchNorm(x.slice([0, 1]).slice([], [], [0, 1]), null, null, { training: true }), /batchNorm: expected more than 1 value per channel when training, got input of shape \[1, 4, 1\]/],
    [() => F.batchNorm(x, null, null, { trainig: true } as never), /batchNorm: unknown option 'trainig'/],
    [() => F.groupNorm(x, 3), /groupNorm: the 4 channels of input \[2, 4, 6\] cannot be split into 3 groups/],
    [() => F.instanceNorm(x.slice([], [], [0, 1])), /instanceNorm: expected more than 1 spatial element when training/],
    [() => new nn.BatchNorm2d(3).forward(x), /nn.BatchNorm2d: expected 4-D input, got shape \[2, 4, 6\]/],
    [() => new nn.BatchNorm1d(3, { momentun: 0.1 } as never), /nn.BatchNorm1d: unknown option 'momentun'/],
    [() => new nn.BatchNorm1d(0), /nn.BatchNorm1d: numFeatures must be an integer >= 1, got 0/],
    [() => new nn.GroupNorm(3, 4), /nn.GroupNorm: numChannels \(4\) must be divisible by numGroups \(3\)/],
    [() => new nn.InstanceNorm2d(2).forward(x.reshape(1, 2, 2, 2, 6)), /nn.InstanceNorm2d: expected 3-D \(unbatched\) or 4-D input, got shape \[1, 2, 2, 2, 6\]/],
    [() => F.avgPool1d(x, 0), /avgPool1d: kernelSize must be a positive integer or a one-element array of them, got 0/],
    [() => F.avgPool1d(x, 2, { padding: 2 }), /avgPool1d: padding 2 should be at most half of the kernel size 2/],
    [() => F.avgPool2d(x, 7), /avgPool2d: the kernel 7 with padding 0 does not fit a spatial size of 4/],
    [() => F.avgPool2d(x, 2, { countIncludePads: false } as never), /avgPool2d: unknown option 'countIncludePads'/],
    [() => F.avgPool1d(x.reshape(2, 4, 2, 3), 2), /avgPool1d: expects a 2-D \(unbatched\) or 3-D \(batched\) input, got shape \[2, 4, 2, 3\]/],
    [() => F.maxPool1d(x, 2, { dilation: 0 }), /maxPool1d: dilation must be a positive integer/],
    [() => F.adaptiveAvgPool2d(x, [2, 0]), /adaptiveAvgPool2d: outputSize must be an integer >= 1, got 0/],
    [() => F.adaptiveMaxPool2d(x, [2]), /adaptiveMaxPool2d: outputSize must be a positive integer or an array of 2, got an array \[2\]/],
    [() => new nn.MaxPool1d(2, { retrunIndices: true } as never), /nn.MaxPool1d: unknown option 'retrunIndices'/],
    [() => new nn.PReLU(0), /nn.PReLU: numParameters must be an integer >= 1, got 0/],
    [() => new nn.Softplus({ inplace: true } as never), /nn.Softplus: unknown option 'inplace' \(expected 'beta', 'threshold'\)/],
  ];
  test(`${cases.length} bad calls`, () => {
    for (const [f, re] of cases) assert.throws(f, re);
  });
});
