// Convolution, padding, resizing and embedding layers: PyTorch fixtures (test/fixtures/
// breadth_layers.json, scripts/make_fixtures_layers.py) on every device (webgpu through the async
// reads), float64 gradchecks, the nn modules, and the errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, nn, tensor } from "../src/node.js";
import { runAll, runAllAsync } from "./helpers.js";
import { type Dispatch, S, gradcheck, loadBreadth, runCase, runCaseAsync, startWebgpu } from "./breadth_helpers.js";

const { cases } = loadBreadth("breadth_layers.json");

/* eslint-disable @typescript-eslint/no-explicit-any */
const dispatch: Dispatch = (op, by, a, device) => {
  const x = by.x;
  switch (op) {
    case "F.conv1d": return [F.conv1d(x, by.w, by.b ?? null, a)];
    case "F.conv2d": return [F.conv2d(x, by.w, by.b ?? null, a)];
    case "F.convTranspose1d": return [F.convTranspose1d(x, by.w, by.b ?? null, a)];
    case "F.convTranspose2d": return [F.convTranspose2d(x, by.w, by.b ?? null, a)];
    case "nn.Conv2d": {
      const [oc, ic, kh, kw] = by.w.shape;
      const m = new nn.Conv2d(ic, oc, [kh, kw], { padding: a.padding, paddingMode: a.paddingMode }).to(device);
      m.weight = by.w;
      m.bias = by.b;
      return [m.forward(x)];
    }
    case "F.pad": return [a.mode ? F.pad(x, a.pad, a.mode, ...(a.value === undefined ? [] : [a.value]) as []) : F.pad(x, a.pad, { value: a.value })];
    case "F.interpolate": return [F.interpolate(x, a)];
    case "F.pixelShuffle": return [F.pixelShuffle(x, a.r)];
    case "F.pixelUnshuffle": return [F.pixelUnshuffle(x, a.r)];
    case "F.embedding": return [a.paddingIdx === undefined ? F.embedding(by.idx, by.w) : F.embedding(by.idx, by.w, a.paddingIdx)];
    default: throw new Error(`conv_layers.test: no dispatch for ${op}`);
  }
};
/* eslint-enable @typescript-eslint/no-explicit-any */

for (const device of availableDevices()) {
  test(`breadth_layers.json against PyTorch on ${device} (${cases.length} cases)`, () => {
    runAll(cases, (c) => c.name, (c) => runCase(c, device, dispatch));
  });
}

const gpuSkip = await startWebgpu();
test(`breadth_layers.json against PyTorch on webgpu (${cases.length} cases)`, { skip: gpuSkip }, async () => {
  await runAllAsync(cases, (c) => c.name, (c) => runCaseAsync(c, "webgpu", dispatch));
});

describe("gradcheck (float64, js)", () => {
  const checks: [string, Parameters<typeof gradcheck>[1], Parameters<typeof gradcheck>[2], boolean?][] = [
    ["conv2d dilation groups stride", [S([1, 4, 6, 5]), S([4, 2, 2, 3]), S([4])], ([x, w, b]) => F.conv2d(x, w, b, { stride: [2, 1], dilation: [2, 1], groups: 2, padding: 1 }), true],
    ["conv2d same (asymmetric)", [S([1, 2, 4, 4]), S([2, 2, 2, 2])], ([x, w]) => F.conv2d(x, w, null, { padding: "same" })],
    ["conv1d transposed input", [S([2, 5, 2]), S([3, 2, 3])], ([x, w]) => F.conv1d(x.transpose(1, 2), w, null, { dilation: 2, padding: 1 })],
    ["convTranspose2d", [S([1, 4, 3, 3]), S([4, 1, 3, 2]), S([2])], ([x, w, b]) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), true],
    ["convTranspose1d dilation outputPadding", [S([1, 2, 4]), S([2, 2, 3])], ([x, w]) => F.convTranspose1d(x, w, null, { dilation: 2, outputPadding: 1 })],
    ["pad reflect", [S([1, 2, 3, 4])], ([x]) => F.pad(x, [3, 1, 2, 2], "reflect")],
    ["pad replicate", [S([2, 3, 4])], ([x]) => F.pad(x, [2, 1], { mode: "replicate" })],
    ["pad circular", [S([1, 2, 3, 3])], ([x]) => F.pad(x, [1, 3, 2, 0], { mode: "circular" })],
    ["pad constant negative", [S([3, 4])], ([x]) => F.pad(x, [-1, 2, 1, 0], { value: 2 })],
    ["interpolate bilinear", [S([1, 2, 3, 4])], ([x]) => F.interpolate(x, { size: [5, 3], mode: "bilinear" })],
    ["interpolate bilinear alignCorners", [S([1, 1, 4, 3])], ([x]) => F.interpolate(x, { scaleFactor: 1.7, mode: "bilinear", alignCorners: true })],
    ["interpolate nearest", [S([1, 2, 5])], ([x]) => F.interpolate(x, { size: 8 })],
    ["interpolate bicubic", [S([1, 1, 3, 4])], ([x]) => F.interpolate(x, { size: [5, 6], mode: "bicubic" })],
    ["interpolate linear alignCorners", [S([1, 2, 5])], ([x]) => F.interpolate(x, { size: 3, mode: "linear", alignCorners: true })],
    ["interpolate trilinear", [S([1, 1, 2, 3, 2])], ([x]) => F.interpolate(x, { scaleFactor: 1.5, mode: "trilinear" })],
    ["interpolate area", [S([1, 1, 5, 4])], ([x]) => F.interpolate(x, { size: [3, 3], mode: "area" })],
    ["pixelShuffle", [S([1, 8, 2, 3])], ([x]) => F.pixelShuffle(x, 2)],
    // the padding row is masked out of w: lookups of it have no gradient, so its finite differences must vanish too
    ["embedding paddingIdx", [S([5, 3])], ([w]) => F.embedding(tensor([[1, 4], [4, 0]], { dtype: "int32", device: "js" }), w.mul(tensor([[1], [1], [1], [1], [0]], { dtype: "float64", device: "js" })), { paddingIdx: 4 })],
  ];
  for (const [name, specs, f, second] of checks) test(name, () => gradcheck(name, specs, f, { second }));
});

describe("modules", () => {
  const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.toArray(), b.toArray());

  test("conv layers: PyTorch's parameter shapes, arguments positional or by name, repr", () => {
    const c = new nn.Conv2d(4, 6, [3, 2], 1, "same", 2, 2).to("js");
    assert.deepEqual(c.weight.shape, [6, 2, 3, 2]);
    assert.equal(c.toString(), "Conv2d(4, 6, kernelSize=[3, 2], stride=[1, 1], padding='same', dilation=[2, 2], groups=2, bias=true)");
    const x = Tensor.randn([2, 4, 5, 6], { device: "js" });
    same(c.forward(x), F.conv2d(x, c.weight, c.bias, { padding: "same", dilation: 2, groups: 2 }));
    assert.deepEqual(c.forward(x).shape, [2, 6, 5, 6]);
    const c1 = new nn.Conv1d(4, 2, 3, { stride: 2, bias: false, paddingMode: "circular", padding: 1 });
    assert.deepEqual(Object.keys(c1.stateDict()), ["weight"]);
    assert.deepEqual(c1.forward(Tensor.randn([1, 4, 9])).shape, [1, 2, 5]);
    const t = new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }).to("js");
    assert.deepEqual(t.weight.shape, [4, 3, 3, 3]);
    assert.equal(t.toString(), "ConvTranspose2d(4, 6, kernelSize=[3, 3], stride=[2, 2], padding=[1, 1], groups=2, outputPadding=[1, 1], bias=true)");
    assert.deepEqual(t.forward(Tensor.randn([1, 4, 5, 5], { device: "js" })).shape, [1, 6, 10, 10]);
    assert.deepEqual(new nn.ConvTranspose1d(2, 3, 4, 2).forward(Tensor.randn([2, 5])).shape, [3, 12]);
  });

  test("Upsample, PixelShuffle and PixelUnshuffle compute their functional forms", () => {
    const x = Tensor.randn([1, 4, 3, 2], { device: "js" });
    same(new nn.Upsample({ scaleFactor: 2, mode: "bilinear" }).forward(x), F.interpolate(x, { scaleFactor: 2, mode: "bilinear" }));
    same(new nn.PixelShuffle(2).forward(x), F.pixelShuffle(x, 2));
    same(F.interpolate(x, [6, 4], null, "bilinear"), F.interpolate(x, { size: [6, 4], mode: "bilinear" }));
    same(F.interpolate(x, null, 2), F.interpolate(x, { scaleFactor: 2 }));
    same(new nn.PixelUnshuffle(2).forward(new nn.PixelShuffle(2).forward(x)), x);
  });

  test("Embedding: paddingIdx row zero at start and never trained; fromPretrained freezes", () => {
    const e = new nn.Embedding(6, 3, { paddingIdx: -1 }).to("js");
    assert.equal(e.paddingIdx, 5);
    assert.deepEqual(e.weight.slice(5).toArray(), [0, 0, 0]);
    const idx = tensor([[5, 1], [2, 5]], { dtype: "int32", device: "js" });
    e.forward(idx).mul(Tensor.randn([2, 2, 3], { device: "js" })).sum().backward();
    assert.deepEqual(e.weight.grad!.slice(5).toArray(), [0, 0, 0]);
    assert.notDeepEqual(e.weight.grad!.slice(1).toArray(), [0, 0, 0]);
    const w = tensor([[1, 2], [3, 4], [5, 6]]);
    const p = nn.Embedding.fromPretrained(w, { paddingIdx: 0 });
    assert.equal(p.weight, w, "the same tensor");
    assert.equal(p.weight.requiresGrad, false);
    assert.deepEqual(p.weight.slice(0).toArray(), [1, 2], "fromPretrained leaves the padding row as given");
    assert.equal(nn.Embedding.fromPretrained(tensor([[1, 2]]), { freeze: false }).weight.requiresGrad, true);
  });
});

describe("errors name the op, the argument and what was expected", () => {
  const x = Tensor.randn([1, 4, 6, 6], { device: "js" });
  const w = Tensor.randn([4, 2, 3, 3], { device: "js" });
  const cases: [() => unknown, RegExp][] = [
    [() => F.conv2d(x, Tensor.randn([4, 3, 3, 3]), null, { groups: 2 }), /conv2d: weight \[4, 3, 3, 3\] with groups=2 expects input with 6 channels, got input \[1, 4, 6, 6\]/],
    [() => F.conv2d(x, Tensor.randn([3, 2, 3, 3]), null, { groups: 2 }), /conv2d: the 3 output channels of weight \[3, 2, 3, 3\] must be divisible by groups \(2\)/],
    [() => F.conv2d(x, w, null, { groups: 0 }), /conv2d: groups must be an integer >= 1, got 0/],
    [() => F.conv2d(x, w, null, { dilation: 0, groups: 2 }), /conv2d: dilation must be a positive integer or an array of 2, got 0/],
    [() => F.conv1d(Tensor.randn([1, 2, 5]), Tensor.randn([2, 2, 2]), null, { dilation: [-1] }), /conv1d: dilation must be a positive integer or a one-element array of them/],
    [() => F.conv2d(x, w, null, { padding: "same", stride: 2, groups: 2 }), /conv2d: padding 'same' is not supported for strided convolutions/],
    [() => F.conv2d(x, w, null, { padding: "full" as never, groups: 2 }), /conv2d: padding must be a number, an array, 'same' or 'valid', got 'full'/],
    [() => F.conv2d(x, w, null, { dilaton: 2 } as never), /conv2d: unknown option 'dilaton'/],
    [() => F.conv2d(x, w, null, { dilation: 4, groups: 2 }), /conv2d: kernel \[3, 3\] with dilation \[4, 4\] is larger than the padded input \[6, 6\]/],
    [() => F.convTranspose2d(x, w, null, { outputPadding: 1 }), /convTranspose2d: outputPadding \[1,1\] must be smaller than either stride \[1,1\] or dilation \[1,1\]/],
    [() => F.convTranspose2d(x, Tensor.randn([3, 2, 3, 3])), /convTranspose2d: weight \[3, 2, 3, 3\] expects input with 3 channels/],
    [() => F.convTranspose2d(x, w, null, { groups: 3 }), /convTranspose2d: the 4 input channels of weight \[4, 2, 3, 3\] must be divisible by groups \(3\)/],
    [() => new nn.Conv2d(4, 6, 3, { groups: 3 }), /nn.Conv2d: inChannels \(4\) must be divisible by groups \(3\)/],
    [() => new nn.Conv2d(4, 6, 3, { paddingMode: "mirror" } as never), /nn.Conv2d: paddingMode must be 'zeros' or 'reflect' or 'replicate' or 'circular', got the string 'mirror'/],
    [() => new nn.Conv1d(4, 6, 3, { stride: 2, padding: "same" }), /nn.Conv1d: padding 'same' is not supported for strided convolutions/],
    [() => new nn.ConvTranspose2d(4, 6, 3, { paddingMode: "reflect" } as never), /nn.ConvTranspose2d: paddingMode must be 'zeros'/],
    [() => new nn.ConvTranspose2d(4, 6, 3, { padding: "same" } as never), /nn.ConvTranspose2d: padding must be an integer or an array of 2, got the string 'same'/],
    [() => F.pad(x, [1, 1], { value: 1, mod: "reflect" } as never), /pad: unknown option 'mod'/],
    [() => F.pad(x, [1, 1], "mirror" as never), /pad: mode must be 'constant' or 'reflect' or 'replicate' or 'circular', got the string 'mirror'/],
    [() => F.pad(x, [6, 0, 0, 0], "reflect"), /pad: reflect padding \(6, 0\) must be smaller than dim 3 of input \[1, 4, 6, 6\] \(size 6\)/],
    [() => F.pad(x, [1, 1], "reflect"), /pad: mode 'reflect' pads the last 1, 2 or 3 dims of a 2-3-D, 3-4-D or 4-5-D input, got 1 pad pairs for input \[1, 4, 6, 6\]/],
    [() => F.pad(x, [1, 1], "reflect", 2), /pad: mode 'reflect' takes no value/],
    [() => F.pad(x, [1, 1, 1]), /pad: pad must be an array of an even number of integers/],
    [() => F.pad(Tensor.randn([4]), [1, 1], "replicate"), /pad: mode 'replicate' pads the last 1, 2 or 3 dims of a 2-3-D, 3-4-D or 4-5-D input/],
    [() => F.interpolate(x, { size: 3, scaleFactor: 2 }), /interpolate: give exactly one of size and scaleFactor/],
    [() => F.interpolate(x, { size: 3, mode: "cubic" } as never), /interpolate: mode must be 'nearest' or 'nearest-exact' or 'area' or 'linear' or 'bilinear' or 'bicubic' or 'trilinear', got the string 'cubic'/],
    [() => F.interpolate(x, { size: 3, mode: "linear" }), /interpolate: mode 'linear' expects a 3-D input \[N, C, ...spatial\], got shape \[1, 4, 6, 6\]/],
    [() => F.interpolate(x, { size: 3, mode: "trilinear" }), /interpolate: mode 'trilinear' expects a 5-D input/],
    [() => F.interpolate(x, { size: 3, mode: "area", alignCorners: false }), /interpolate: alignCorners only applies to the modes 'linear', 'bilinear', 'bicubic' and 'trilinear', not 'area'/],
    [() => F.interpolate(x.reshape(4, 6, 6), { size: 3, mode: "bilinear" }), /interpolate: mode 'bilinear' expects a 4-D input/],
    [() => F.interpolate(x, { size: 3, alignCorners: true }), /interpolate: alignCorners only applies to the modes 'linear', 'bilinear', 'bicubic' and 'trilinear', not 'nearest'/],
    [() => F.interpolate(x, { scaleFactor: 0 }), /interpolate: scaleFactor must be a positive number/],
    [() => F.interpolate(x, { size: 3, antialias: true } as never), /interpolate: unknown option 'antialias'/],
    [() => F.pixelShuffle(x, 3), /pixelShuffle: the 4 channels of input \[1, 4, 6, 6\] must be divisible by upscaleFactor² \(9\)/],
    [() => F.pixelUnshuffle(x, 4), /pixelUnshuffle: the height and width of input \[1, 4, 6, 6\] must be divisible by downscaleFactor \(4\)/],
    [() => F.embedding(tensor([0], { dtype: "int32" }), Tensor.randn([3, 2]), { paddingIdx: 3 }), /embedding: paddingIdx must be an integer in \[-3, 2\], got 3/],
    [() => F.embedding(tensor([0], { dtype: "int32" }), Tensor.randn([3, 2]), { maxNorm: 1 } as never), /embedding: unknown option 'maxNorm'/],
    [() => new nn.Embedding(3, 2, { sparse: true } as never), /nn.Embedding: unknown option 'sparse'/],
    [() => nn.Embedding.fromPretrained(Tensor.randn([3]), {}), /nn.Embedding.fromPretrained: embeddings must be a 2-D floating-point tensor/],
    [() => nn.Embedding.fromPretrained(Tensor.randn([3, 2]), { frozen: true } as never), /nn.Embedding.fromPretrained: unknown option 'frozen'/],
  ];
  test(`${cases.length} bad calls`, () => {
    for (const [f, re] of cases) assert.throws(f, re);
  });
});
