// The 3-D layers and the missing 1-D ones: conv3d/convTranspose3d, the 3-D pools, the 1-D and 3-D
// adaptive max pools, BatchNorm3d, InstanceNorm1d/3d; the 1-D and 2-D max pools with PyTorch's
// full arguments. PyTorch fixtures (test/fixtures/
// breadth_layers3d.json, scripts/make_fixtures_layers3d.py, with NaN and ±inf inputs for the pools)
// on every device (webgpu through the async reads), float64 gradchecks, the modules, the errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, nn } from "../src/node.js";
import { runAll, runAllAsync } from "./helpers.js";
import { type Dispatch, S, gradcheck, loadBreadth, runCase, runCaseAsync, startWebgpu } from "./breadth_helpers.js";

const { cases } = loadBreadth("breadth_layers3d.json");

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A module on `device` with the fixture's weight and bias (leaf views) as its parameters. */
function onDevice<M extends nn.Module>(m: M, device: string, by: Record<string, Tensor>): M {
  m.to(device);
  const fields = m as unknown as Record<string, unknown>;
  if (by.w) fields.weight = by.w;
  if (by.b) fields.bias = by.b;
  return m;
}

const norms: Record<string, new (c: number, o: any) => nn.Module> = {
  BatchNorm3d: nn.BatchNorm3d, InstanceNorm1d: nn.InstanceNorm1d, InstanceNorm3d: nn.InstanceNorm3d,
};

const dispatch: Dispatch = (op, by, a, device) => {
  const x = by.x;
  const idx = (r: Tensor | [Tensor, Tensor]) => (Array.isArray(r) ? r : [r]);
  switch (op) {
    case "F.conv3d": return [F.conv3d(x, by.w, by.b ?? null, a)];
    case "F.convTranspose3d": return [F.convTranspose3d(x, by.w, by.b ?? null, a)];
    case "nn.Conv3d": {
      const [oc, ic, ...k] = by.w.shape;
      return [onDevice(new nn.Conv3d(ic, oc, k, { padding: a.padding, paddingMode: a.paddingMode }), device, by).forward(x)];
    }
    case "nn.ConvTranspose3d": {
      const [ic, oc, ...k] = by.w.shape;
      return [onDevice(new nn.ConvTranspose3d(ic, oc, k, { stride: a.stride }), device, by).forward(x)];
    }
    case "F.maxPool1d":
    case "F.maxPool2d":
    case "F.maxPool3d": {
      const pool = op === "F.maxPool1d" ? F.maxPool1d : op === "F.maxPool2d" ? F.maxPool2d : F.maxPool3d;
      const opts = { stride: a.stride, padding: a.padding, dilation: a.dilation, ceilMode: a.ceilMode };
      return a.returnIndices ? pool(x, a.kernel, { ...opts, returnIndices: true }) : [pool(x, a.kernel, opts)];
    }
    case "nn.MaxPool2d": return [new nn.MaxPool2d(a.kernel, a.stride, a.padding, a.dilation, false, a.ceilMode).forward(x)];
    case "F.adaptiveMaxPool2d": return idx(a.returnIndices ? F.adaptiveMaxPool2d(x, a.size, { returnIndices: true }) : F.adaptiveMaxPool2d(x, a.size));
    case "F.avgPool3d":
      return [F.avgPool3d(x, a.kernel, { stride: a.stride, padding: a.padding, ceilMode: a.ceilMode, countIncludePad: a.countIncludePad, divisorOverride: a.divisorOverride })];
    case "F.adaptiveAvgPool3d": return [F.adaptiveAvgPool3d(x, a.size)];
    case "F.adaptiveMaxPool1d": return idx(a.returnIndices ? F.adaptiveMaxPool1d(x, a.size, { returnIndices: true }) : F.adaptiveMaxPool1d(x, a.size));
    case "F.adaptiveMaxPool3d": return idx(a.returnIndices ? F.adaptiveMaxPool3d(x, a.size, { returnIndices: true }) : F.adaptiveMaxPool3d(x, a.size));
    case "nn.BatchNorm3d":
    case "nn.InstanceNorm1d":
    case "nn.InstanceNorm3d": {
      const m = onDevice(new norms[a.layer](by.x1.shape[by.x1.ndim - a.nd - 1],
        { momentum: a.momentum, affine: a.affine, trackRunningStats: a.trackRunningStats }), device, by) as nn.BatchNorm3d;
      const ys = [m.forward(by.x1), m.forward(by.x2)];
      m.eval();
      ys.push(m.forward(by.x3));
      if (!m.runningMean) return ys;
      return [...ys, m.runningMean, m.runningVar!, ...(op === "nn.BatchNorm3d" ? [m.numBatchesTracked!] : [])];
    }
    default: throw new Error(`layers3d.test: no dispatch for ${op}`);
  }
};
/* eslint-enable @typescript-eslint/no-explicit-any */

for (const device of availableDevices()) {
  test(`breadth_layers3d.json against PyTorch on ${device} (${cases.length} cases)`, () => {
    runAll(cases, (c) => c.name, (c) => runCase(c, device, dispatch));
  });
}

const gpuSkip = await startWebgpu();
test(`breadth_layers3d.json against PyTorch on webgpu (${cases.length} cases)`, { skip: gpuSkip }, async () => {
  await runAllAsync(cases, (c) => c.name, (c) => runCaseAsync(c, "webgpu", dispatch));
});

describe("gradcheck (float64, js)", () => {
  const checks: [string, Parameters<typeof gradcheck>[1], Parameters<typeof gradcheck>[2], boolean?][] = [
    ["conv3d stride dilation groups bias", [S([1, 4, 5, 3, 4]), S([4, 2, 2, 2, 3]), S([4])],
      ([x, w, b]) => F.conv3d(x, w, b, { stride: [2, 1, 1], dilation: [2, 1, 1], groups: 2, padding: [1, 0, 1] }), true],
    ["conv3d same (asymmetric), transposed input", [S([1, 2, 3, 4, 3]), S([2, 2, 2, 2, 2])], ([x, w]) => F.conv3d(x.transpose(-1, -2), w, null, { padding: "same" })],
    ["convTranspose3d", [S([1, 4, 2, 3, 2]), S([4, 1, 3, 2, 2]), S([2])],
      ([x, w, b]) => F.convTranspose3d(x, w, b, { stride: [2, 1, 2], padding: [1, 0, 0], outputPadding: [1, 0, 1], groups: 2 }), true],
    ["convTranspose3d depth dilation outputPadding", [S([1, 2, 3, 2, 2]), S([2, 2, 2, 1, 2])], ([x, w]) => F.convTranspose3d(x, w, null, { dilation: 2, outputPadding: [1, 0, 0] })],
    ["maxPool3d padding dilation ceil", [S([1, 2, 5, 4, 5], "spread")], ([x]) => F.maxPool3d(x, [2, 3, 2], { stride: 2, padding: [1, 1, 0], dilation: [2, 1, 1], ceilMode: true })],
    ["maxPool2d padding dilation ceil", [S([1, 2, 7, 8], "spread")], ([x]) => F.maxPool2d(x, [2, 3], { stride: 2, padding: [1, 1], dilation: [2, 1], ceilMode: true })],
    ["maxPool2d plain (the fused path)", [S([2, 2, 6, 5], "spread")], ([x]) => F.maxPool2d(x, 3, 1, 1)],
    ["avgPool3d padding ceil exclude", [S([1, 1, 5, 4, 5])], ([x]) => F.avgPool3d(x, 3, 2, 1, true, false)],
    ["adaptiveAvgPool3d", [S([1, 2, 3, 5, 4])], ([x]) => F.adaptiveAvgPool3d(x, [2, 3, 3])],
    ["adaptiveMaxPool1d", [S([2, 2, 7], "spread")], ([x]) => F.adaptiveMaxPool1d(x, 3)],
    ["adaptiveMaxPool3d sliced", [S([2, 3, 4, 10], "spread")], ([x]) => F.adaptiveMaxPool3d(x.slice([], [], [], [null, null, 2]), [2, 3, 2])],
    ["batchNorm 5-D training", [S([3, 2, 2, 1, 2]), S([2], "pos"), S([2])], ([x, w, b]) => F.batchNorm(x, null, null, w, b, true), true],
    ["instanceNorm 3-D and 5-D", [S([2, 3, 4]), S([2, 2, 2, 1, 3])], ([x, y]) => [F.instanceNorm(x), F.instanceNorm(y)]],
  ];
  for (const [name, specs, f, second] of checks) test(name, () => gradcheck(name, specs, f, { second }));
});

describe("modules", () => {
  const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.toArray(), b.toArray());
  const x5 = Tensor.randn([2, 4, 4, 5, 6], { device: "js" });

  test("Conv3d and ConvTranspose3d: PyTorch's parameter shapes and state dict keys, their functional forms, repr", () => {
    const c = new nn.Conv3d(4, 6, [3, 2, 2], 1, "same", 2, 2).to("js");
    assert.deepEqual(c.weight.shape, [6, 2, 3, 2, 2]);
    assert.deepEqual(Object.keys(c.stateDict()), ["weight", "bias"]);
    assert.equal(c.toString(), "Conv3d(4, 6, kernelSize=[3, 2, 2], stride=[1, 1, 1], padding='same', dilation=[2, 2, 2], groups=2, bias=true)");
    same(c.forward(x5), F.conv3d(x5, c.weight, c.bias, { padding: "same", dilation: 2, groups: 2 }));
    assert.deepEqual(c.forward(x5).shape, [2, 6, 4, 5, 6]);
    const r = new nn.Conv3d(4, 2, 3, { padding: 1, bias: false, paddingMode: "replicate" }).to("js");
    assert.deepEqual(Object.keys(r.stateDict()), ["weight"]);
    same(r.forward(x5), F.conv3d(F.pad(x5, [1, 1, 1, 1, 1, 1], "replicate"), r.weight));
    const t = new nn.ConvTranspose3d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }).to("js");
    assert.deepEqual(t.weight.shape, [4, 3, 3, 3, 3]);
    assert.equal(t.toString(), "ConvTranspose3d(4, 6, kernelSize=[3, 3, 3], stride=[2, 2, 2], padding=[1, 1, 1], groups=2, outputPadding=[1, 1, 1], bias=true)");
    same(t.forward(x5), F.convTranspose3d(x5, t.weight, t.bias, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }));
    assert.deepEqual(t.forward(x5).shape, [2, 6, 8, 10, 12]);
    assert.deepEqual(new nn.ConvTranspose3d(4, 2, 2, 2).to("js").forward(x5.slice(0)).shape, [2, 8, 10, 12]);
  });

  test("pooling modules compute their functional forms", () => {
    same(new nn.MaxPool3d(2).forward(x5), F.maxPool3d(x5, 2));
    const [v, i] = new nn.MaxPool3d<true>(3, { stride: 1, padding: 1, returnIndices: true }).forward(x5);
    const [v2, i2] = F.maxPool3d(x5, 3, { stride: 1, padding: 1, returnIndices: true });
    same(v, v2);
    same(i, i2);
    assert.equal(new nn.MaxPool3d(2, 1).toString(), "MaxPool3d(kernelSize=[2, 2, 2], stride=[1, 1, 1], padding=[0, 0, 0], dilation=[1, 1, 1], ceilMode=false)");
    same(new nn.AvgPool3d(3, 2, 1, true, false).forward(x5), F.avgPool3d(x5, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }));
    same(new nn.AvgPool3d(2, { divisorOverride: 3 }).forward(x5), F.avgPool3d(x5, 2, { divisorOverride: 3 }));
    same(new nn.AdaptiveAvgPool3d([null, 2, 3]).forward(x5), F.adaptiveAvgPool3d(x5, [null, 2, 3]));
    same(new nn.AdaptiveMaxPool3d(2).forward(x5), F.adaptiveMaxPool3d(x5, 2));
    const [av, ai] = new nn.AdaptiveMaxPool3d<true>([1, 2, 4], true).forward(x5);
    same(av, F.adaptiveMaxPool3d(x5, [1, 2, 4]));
    same(ai, F.adaptiveMaxPool3d(x5, [1, 2, 4], { returnIndices: true })[1]);
    const x3 = x5.reshape(2, 4, 120);
    same(new nn.AdaptiveMaxPool1d(7).forward(x3), F.adaptiveMaxPool1d(x3, 7));
    same(new nn.AdaptiveMaxPool1d<true>(7, { returnIndices: true }).forward(x3)[1], F.adaptiveMaxPool1d(x3, 7, { returnIndices: true })[1]);
    // the 3-D max pool of a volume of depth 1 is the 2-D one of its plane
    const plane = Tensor.randn([2, 3, 6, 7], { device: "js" });
    same(F.maxPool3d(plane.unsqueeze(2), [1, 3, 2], { stride: [1, 2, 2], padding: [0, 1, 1] }).squeeze(2), F.maxPool2d(plane, [3, 2], [2, 2], [1, 1]));
    // MaxPool2d: PyTorch's positional order (kernel, stride, padding, dilation, returnIndices, ceilMode) and options
    same(new nn.MaxPool2d(3, 2, 1, 2, false, true).forward(plane), F.maxPool2d(plane, 3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }));
    const [pv, pi] = new nn.MaxPool2d<true>(2, { stride: 1, returnIndices: true }).forward(plane);
    const [fv, fi] = F.maxPool2d(plane, 2, { stride: 1, returnIndices: true });
    same(pv, fv);
    same(pi, fi);
    assert.equal(new nn.MaxPool2d([2, 3], null, 1).toString(), "MaxPool2d(kernelSize=[2, 3], stride=[2, 3], padding=[1, 1], dilation=[1, 1], ceilMode=false)");
  });

  test("BatchNorm3d, InstanceNorm1d, InstanceNorm3d: PyTorch's state dict keys, their functional forms", () => {
    const bn = new nn.BatchNorm3d(4).to("js");
    assert.deepEqual(Object.keys(bn.stateDict()), ["weight", "bias", "runningMean", "runningVar", "numBatchesTracked"]);
    const rm = Tensor.zeros([4], { device: "js" }), rv = Tensor.ones([4], { device: "js" });
    same(bn.forward(x5), F.batchNorm(x5, rm, rv, { weight: bn.weight, bias: bn.bias, training: true }));
    same(bn.runningMean!, rm);
    assert.equal(bn.numBatchesTracked!.item(), 1);
    assert.equal(bn.toString(), "BatchNorm3d(4, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)");
    const i3 = new nn.InstanceNorm3d(4, { trackRunningStats: true }).to("js");
    assert.deepEqual(Object.keys(i3.stateDict()), ["runningMean", "runningVar", "numBatchesTracked"]);
    same(i3.forward(x5), F.instanceNorm(x5));
    assert.notDeepEqual(i3.runningMean!.toArray(), [0, 0, 0, 0]);
    const i1 = new nn.InstanceNorm1d(3, { affine: true }).to("js");
    assert.deepEqual(Object.keys(i1.stateDict()), ["weight", "bias"]);
    const x = Tensor.randn([2, 3, 5], { device: "js" });
    same(i1.forward(x), F.instanceNorm(x, { weight: i1.weight, bias: i1.bias }));
    same(i1.forward(x.slice(1).squeeze(0)), F.instanceNorm(x.slice([1, 2]), { weight: i1.weight, bias: i1.bias }).squeeze(0));
  });
});

describe("errors name the op, the argument and what was expected", () => {
  const x = Tensor.randn([1, 4, 4, 5, 6], { device: "js" });
  const w = Tensor.randn([4, 2, 3, 3, 3], { device: "js" });
  const x3 = Tensor.randn([2, 3, 8], { device: "js" });
  const cases: [() => unknown, RegExp][] = [
    [() => F.conv3d(x.slice(0).slice(0), w), /^conv3d: expects a 4-D \(unbatched\) or 5-D \(batched\) input, got shape \[4, 5, 6\]$/],
    [() => F.conv3d(x, w.slice(0)), /^conv3d: expects a 5-D weight, got shape \[2, 3, 3, 3\]$/],
    [() => F.conv3d(x, Tensor.randn([4, 3, 3, 3, 3]), null, { groups: 2 }), /^conv3d: weight \[4, 3, 3, 3, 3\] with groups=2 expects input with 6 channels, got input \[1, 4, 4, 5, 6\]$/],
    [() => F.conv3d(x, Tensor.randn([3, 2, 3, 3, 3]), null, { groups: 2 }), /^conv3d: the 3 output channels of weight \[3, 2, 3, 3, 3\] must be divisible by groups \(2\)$/],
    [() => F.conv3d(x, w, Tensor.zeros([3]), { groups: 2 }), /^conv3d: bias must have shape \[4\] \(one per output channel\), got \[3\]$/],
    [() => F.conv3d(x, w, null, { padding: "same", stride: [1, 2, 1], groups: 2 }), /^conv3d: padding 'same' is not supported for strided convolutions \(stride \[1,2,1\]\)$/],
    [() => F.conv3d(x, w, null, { padding: [1, 1], groups: 2 }), /^conv3d: padding must be a non-negative integer or an array of 3, got an array \[1, 1\]$/],
    [() => F.conv3d(x, w, null, { dilation: 3, groups: 2 }), /^conv3d: kernel \[3, 3, 3\] with dilation \[3, 3, 3\] is larger than the padded input \[4, 5, 6\]$/],
    [() => F.conv3d(x, w, null, { group: 2 } as never), /^conv3d: unknown option 'group' \(expected 'stride', 'padding', 'dilation', 'groups'\)$/],
    [() => F.conv3d(Tensor.zeros([1, 4, 4, 5, 6], { dtype: "int32" }), w), /^conv3d: expects floating-point input and weight, got int32 and float32$/],
    [() => F.convTranspose3d(x, w, null, { outputPadding: [0, 1, 0] }), /^convTranspose3d: outputPadding \[0,1,0\] must be smaller than either stride \[1,1,1\] or dilation \[1,1,1\]$/],
    [() => F.convTranspose3d(x, Tensor.randn([3, 2, 3, 3, 3])), /^convTranspose3d: weight \[3, 2, 3, 3, 3\] expects input with 3 channels \(dim 0 of the weight\), got input \[1, 4, 4, 5, 6\]$/],
    [() => F.convTranspose3d(x, w, null, { groups: 3 }), /^convTranspose3d: the 4 input channels of weight \[4, 2, 3, 3, 3\] must be divisible by groups \(3\)$/],
    [() => F.convTranspose3d(x, w, null, { padding: 3 }), /^convTranspose3d: the output size \[0, 1, 2\] of input \[1, 4, 4, 5, 6\] is too small \(must be at least 1\)$/],
    [() => F.convTranspose3d(x, w, null, { outputpadding: 1 } as never), /^convTranspose3d: unknown option 'outputpadding' \(expected 'stride', 'padding', 'outputPadding', 'groups', 'dilation'\)$/],
    [() => new nn.Conv3d(4, 6, 3, { groups: 3 }), /^nn.Conv3d: inChannels \(4\) must be divisible by groups \(3\)$/],
    [() => new nn.Conv3d(4, 6, [3, 3]), /^nn.Conv3d: kernelSize must be a positive integer or an array of 3, got an array \[3, 3\]$/],
    [() => new nn.Conv3d(4, 6, 3, { paddingMode: "mirror" } as never), /^nn.Conv3d: paddingMode must be 'zeros' or 'reflect' or 'replicate' or 'circular', got the string 'mirror'$/],
    [() => new nn.Conv3d(4, 6, 3, { bias: false, biass: true } as never), /^nn.Conv3d: unknown option 'biass' \(expected 'stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode'\)$/],
    [() => new nn.ConvTranspose3d(4, 6, 3, { padding: "same" } as never), /^nn.ConvTranspose3d: padding must be an integer or an array of 3, got the string 'same' \(only convolutions take 'same' and 'valid'\)$/],
    [() => new nn.ConvTranspose3d(4, 6, 3, { stride: 2, outputPadding: 2 }), /^nn.ConvTranspose3d: outputPadding must be smaller than either stride or dilation, got \[2, 2, 2\]$/],
    [() => F.maxPool2d(x3.slice(0), 2), /^maxPool2d: expects a 3-D \(unbatched\) or 4-D \(batched\) input, got shape \[3, 8\]$/],
    [() => F.maxPool2d(x.slice(0), 2, { stride: 2, dilaton: 2 } as never), /^maxPool2d: unknown option 'dilaton' \(expected 'stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'\)$/],
    [() => (F.maxPool2d as (...a: unknown[]) => unknown)(x.slice(0), 2, 2, 0, 1, false, true, 1), /^maxPool2d: expected at most 5 arguments after the tensor arguments \(stride, padding, dilation, ceilMode, returnIndices\), got 6$/],
    [() => F.maxPool2d(x.slice(0), 2, { padding: 2 }), /^maxPool2d: padding 2 should be at most half of the kernel size 2$/],
    [() => F.maxPool2d(x.slice(0), [2, 2], { dilation: [5, 1] }), /^maxPool2d: the kernel 2 \(dilation 5\) with padding 0 does not fit a spatial size of 5$/],
    [() => new nn.MaxPool2d(2, { stride: 1, ceil: true } as never), /^nn.MaxPool2d: unknown option 'ceil' \(expected 'stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'\)$/],
    [() => new nn.MaxPool2d([2, 2, 2]), /^nn.MaxPool2d: kernelSize must be a positive integer or an array of 2, got an array \[2, 2, 2\]$/],
    [() => F.maxPool1d(x3, 2, { padding: 2, dilation: 3 }), /^maxPool1d: padding 2 should be at most half of the kernel size 2$/],
    [() => F.maxPool3d(x3, 2), /^maxPool3d: expects a 4-D \(unbatched\) or 5-D \(batched\) input, got shape \[2, 3, 8\]$/],
    [() => F.maxPool3d(x, 2, { padding: [0, 0, 2] }), /^maxPool3d: padding 2 should be at most half of the kernel size 2$/],
    [() => F.maxPool3d(x, [5, 2, 2]), /^maxPool3d: the kernel 5 with padding 0 does not fit a spatial size of 4$/],
    [() => F.maxPool3d(x, 2, { dilation: [1, 0, 1] }), /^maxPool3d: dilation must be a positive integer or an array of 3, got an array \[1, 0, 1\]$/],
    [() => F.maxPool3d(x, 2, { stride: [1, 1] }), /^maxPool3d: stride must be a positive integer or an array of 3, got an array \[1, 1\]$/],
    [() => F.maxPool3d(x, 2, { ceilMode: 1 } as never), /^maxPool3d: ceilMode must be true or false, got 1$/],
    [() => F.maxPool3d(x, 2, { returnIndex: true } as never), /^maxPool3d: unknown option 'returnIndex' \(expected 'stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'\)$/],
    [() => F.maxPool3d(x.slice([], [], [0, 0]), 1), /^maxPool3d: spatial dims of input \[1, 4, 0, 5, 6\] must be non-empty$/],
    [() => F.maxPool3d(Tensor.zeros([1, 2, 2, 2], { dtype: "int32" }), 1), /^maxPool3d: expects a floating-point input, got int32$/],
    [() => F.avgPool3d(x3, 2), /^avgPool3d: expects a 4-D \(unbatched\) or 5-D \(batched\) input, got shape \[2, 3, 8\]$/],
    [() => F.avgPool3d(x, 2, { divisorOverride: 0 }), /^avgPool3d: divisorOverride must be an integer >= 1, got 0$/],
    [() => F.avgPool3d(x, 2, { padding: [1, 2, 1] }), /^avgPool3d: padding 2 should be at most half of the kernel size 2$/],
    [() => F.avgPool3d(x, 2, { countIncludePads: false } as never), /^avgPool3d: unknown option 'countIncludePads' \(expected 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'\)$/],
    [() => F.adaptiveAvgPool3d(x, [2, 2]), /^adaptiveAvgPool3d: outputSize must be a positive integer or an array of 3, got an array \[2, 2\]$/],
    [() => F.adaptiveAvgPool3d(x, [2, 0, 2]), /^adaptiveAvgPool3d: outputSize must be an integer >= 1, got 0$/],
    [() => F.adaptiveAvgPool3d(x3, 1), /^adaptiveAvgPool3d: expects a 4-D \(unbatched\) or 5-D \(batched\) input, got shape \[2, 3, 8\]$/],
    [() => F.adaptiveMaxPool1d(x3, [2, 2]), /^adaptiveMaxPool1d: outputSize must be a positive integer or an array of 1, got an array \[2, 2\]$/],
    [() => F.adaptiveMaxPool1d(x3, null as never), /^adaptiveMaxPool1d: outputSize must be an integer >= 1, got null$/],
    [() => F.adaptiveMaxPool1d(x, 2), /^adaptiveMaxPool1d: expects a 2-D \(unbatched\) or 3-D \(batched\) input, got shape \[1, 4, 4, 5, 6\]$/],
    [() => F.adaptiveMaxPool1d(x3, 2, { returnIndices: "yes" } as never), /^adaptiveMaxPool1d: returnIndices must be true or false, got the string 'yes'$/],
    [() => F.adaptiveMaxPool1d(x3, 2, { indices: true } as never), /^adaptiveMaxPool1d: unknown option 'indices' \(expected 'returnIndices'\)$/],
    [() => F.adaptiveMaxPool3d(x, [1, 2, 2, 2]), /^adaptiveMaxPool3d: outputSize must be a positive integer or an array of 3, got an array \[1, 2, 2, 2\]$/],
    [() => F.adaptiveMaxPool3d(x3, 1), /^adaptiveMaxPool3d: expects a 4-D \(unbatched\) or 5-D \(batched\) input, got shape \[2, 3, 8\]$/],
    [() => new nn.MaxPool3d(2, { retrunIndices: true } as never), /^nn.MaxPool3d: unknown option 'retrunIndices' \(expected 'stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'\)$/],
    [() => new nn.MaxPool3d([2, 2]), /^nn.MaxPool3d: kernelSize must be a positive integer or an array of 3, got an array \[2, 2\]$/],
    [() => new nn.AvgPool3d(2, { divisorOverride: 0 }), /^nn.AvgPool3d: divisorOverride must be an integer >= 1, got 0$/],
    [() => new nn.AvgPool3d(2, { ceilmode: true } as never), /^nn.AvgPool3d: unknown option 'ceilmode' \(expected 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'\)$/],
    [() => new nn.AdaptiveAvgPool3d([1, 2]), /^nn.AdaptiveAvgPool3d: outputSize must be a positive integer or an array of 3 \(null keeps a size\), got \[1,2\]$/],
    [() => new nn.AdaptiveMaxPool3d([1, 0, 1]), /^nn.AdaptiveMaxPool3d: outputSize must be an integer >= 1, got 0$/],
    [() => new nn.AdaptiveMaxPool3d(1, { returnIndex: true } as never), /^nn.AdaptiveMaxPool3d: unknown option 'returnIndex' \(expected 'returnIndices'\)$/],
    [() => new nn.AdaptiveMaxPool1d(0), /^nn.AdaptiveMaxPool1d: outputSize must be an integer >= 1, got 0$/],
    [() => new nn.AdaptiveMaxPool1d(2, { returnIndex: true } as never), /^nn.AdaptiveMaxPool1d: unknown option 'returnIndex' \(expected 'returnIndices'\)$/],
    [() => new nn.BatchNorm3d(4).forward(x.slice(0)), /^nn.BatchNorm3d: expected 5-D input, got shape \[4, 4, 5, 6\]$/],
    [() => new nn.BatchNorm3d(3).forward(x), /^nn.BatchNorm3d: runningMean should contain 4 elements \(one per channel\), got shape \[3\]$/],
    [() => new nn.BatchNorm3d(4, { momentun: 0.1 } as never), /^nn.BatchNorm3d: unknown option 'momentun' \(expected 'eps', 'momentum', 'affine', 'trackRunningStats'\)$/],
    [() => new nn.InstanceNorm1d(3).forward(x), /^nn.InstanceNorm1d: expected 2-D \(unbatched\) or 3-D input, got shape \[1, 4, 4, 5, 6\]$/],
    [() => new nn.InstanceNorm3d(4).forward(x3), /^nn.InstanceNorm3d: expected 4-D \(unbatched\) or 5-D input, got shape \[2, 3, 8\]$/],
    [() => new nn.InstanceNorm3d(3, { affine: true }).forward(x), /^nn.InstanceNorm3d: expected input's size at dim 1 to match numFeatures \(3\), got shape \[1, 4, 4, 5, 6\]$/],
    [() => new nn.InstanceNorm1d(3).forward(x3.slice([], [], [0, 1])), /^instanceNorm: expected more than 1 spatial element when training, got input of shape \[2, 3, 1\]$/],
  ];
  test(`${cases.length} bad calls`, () => {
    // the whole message (not "Error: ..."): each regex is anchored at both ends
    const bad: string[] = [];
    for (const [f, re] of cases) {
      try {
        f();
        bad.push(`no error for ${re}`);
      } catch (e) {
        if (!re.test((e as Error).message)) bad.push(`${re}\n   got: ${(e as Error).message}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
