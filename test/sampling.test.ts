// unfold, fold, affineGrid and gridSample: PyTorch fixtures (test/fixtures/breadth_sampling.json,
// scripts/make_fixtures_sampling.py) on every device (webgpu through the async reads), float64
// gradchecks, the nn modules, NaN and inf handling, and the errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, nn, tensor } from "../src/node.js";
import { runAll, runAllAsync } from "./helpers.js";
import { type Dispatch, S, gradcheck, loadBreadth, runCase, runCaseAsync, startWebgpu } from "./breadth_helpers.js";

const { cases } = loadBreadth("breadth_sampling.json");

/* eslint-disable @typescript-eslint/no-explicit-any */
const dispatch: Dispatch = (op, by, a, device) => {
  const { kernelSize, outputSize, size, ...rest } = a;
  switch (op) {
    case "F.unfold": return [F.unfold(by.x, kernelSize, rest)];
    case "F.fold": return [F.fold(by.x, outputSize, kernelSize, rest)];
    case "nn.Unfold": return [new nn.Unfold(2, { padding: 1 }).to(device).forward(by.x)];
    case "nn.Fold": return [new nn.Fold([4, 5], 2).to(device).forward(by.x)];
    case "F.affineGrid": return [F.affineGrid(by.theta, size, rest)];
    case "F.gridSample":
      return [F.gridSample(by.x, by.grid ?? F.affineGrid(by.theta, size, { alignCorners: rest.alignCorners }), rest)];
    default: throw new Error(`sampling.test: no dispatch for ${op}`);
  }
};
/* eslint-enable @typescript-eslint/no-explicit-any */

for (const device of availableDevices()) {
  test(`breadth_sampling.json against PyTorch on ${device} (${cases.length} cases)`, () => {
    runAll(cases, (c) => c.name, (c) => runCase(c, device, dispatch));
  });
}

const gpuSkip = await startWebgpu();
test(`breadth_sampling.json against PyTorch on webgpu (${cases.length} cases)`, { skip: gpuSkip }, async () => {
  await runAllAsync(cases, (c) => c.name, (c) => runCaseAsync(c, "webgpu", dispatch));
});

describe("gradcheck (float64, js)", () => {
  // grid positions in [-1.3, 1.3] from "unit" values
  const pos = (g: Tensor) => g.mul(2.6).sub(1.3);
  const checks: [string, Parameters<typeof gradcheck>[1], Parameters<typeof gradcheck>[2], boolean?][] = [
    ["unfold dilation padding stride", [S([2, 2, 5, 4])], ([x]) => F.unfold(x, [2, 3], { dilation: [1, 2], padding: 1, stride: [2, 1] })],
    ["fold overlapping", [S([1, 8, 12])], ([x]) => F.fold(x, [4, 5], 2, { dilation: 1 })],
    ["fold unbatched padding stride", [S([9, 4])], ([x]) => F.fold(x, [3, 3], 3, { padding: 1, stride: 2 })],
    ["affineGrid", [S([2, 2, 3])], ([t]) => F.affineGrid(t, [2, 1, 3, 4], { alignCorners: true })],
    ["gridSample bilinear zeros", [S([1, 2, 3, 4]), S([1, 3, 2, 2], "unit")], ([x, g]) => F.gridSample(x, pos(g))],
    ["gridSample bilinear border alignCorners", [S([2, 1, 4, 3]), S([2, 2, 3, 2], "unit")], ([x, g]) => F.gridSample(x, pos(g), "bilinear", "border", true)],
    ["gridSample bilinear reflection", [S([1, 2, 3, 3]), S([1, 4, 2, 2], "unit")], ([x, g]) => F.gridSample(x, pos(g).mul(2), { paddingMode: "reflection" })],
    ["gridSample bilinear reflection alignCorners", [S([1, 1, 4, 3]), S([1, 3, 3, 2], "unit")], ([x, g]) => F.gridSample(x, pos(g).mul(2), { paddingMode: "reflection", alignCorners: true })],
    ["gridSample nearest (input)", [S([1, 2, 3, 4])], ([x]) => F.gridSample(x, tensor([[[[0.31, -0.77], [1.2, 0.1]], [[-1.17, 0.52], [0.05, 0.93]]]], { dtype: "float64", device: "js" }), "nearest")],
    ["gridSample of affineGrid", [S([1, 2, 4, 4]), S([1, 2, 3])], ([x, t]) => F.gridSample(x, F.affineGrid(t.mul(0.6), [1, 2, 3, 3]))],
  ];
  for (const [name, specs, f, second] of checks) test(name, () => gradcheck(name, specs, f, { second }));
});

describe("modules and identities", () => {
  test("Unfold and Fold compute their functional forms; fold of unfold counts each pixel's windows", () => {
    const x = Tensor.randn([2, 3, 5, 4], { device: "js" });
    const u = new nn.Unfold([2, 3], { dilation: [2, 1], stride: 1, padding: [1, 0] });
    assert.deepEqual(u.forward(x).toArray(), F.unfold(x, [2, 3], { dilation: [2, 1], padding: [1, 0] }).toArray());
    assert.equal(u.toString(), "Unfold(kernelSize=[2,3], dilation=[2,1], padding=[1,0], stride=[1,1])");
    const fo = new nn.Fold([5, 4], [2, 3], { dilation: [2, 1], padding: [1, 0] });
    assert.equal(fo.toString(), "Fold(outputSize=[5,4], kernelSize=[2,3], dilation=[2,1], padding=[1,0], stride=[1,1])");
    const ones = Tensor.ones([1, 1, 3, 3], { device: "js" });
    assert.deepEqual(F.fold(F.unfold(ones, 2), [3, 3], 2).toArray(), [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]);
    assert.deepEqual(F.unfold(x, 1).toArray(), x.reshape(2, 3, 20).toArray(), "a 1×1 kernel is a reshape");
  });

  test("the identity affine grid samples the input back (alignCorners both ways)", () => {
    const x = Tensor.randn([2, 3, 4, 5], { device: "js" });
    const id = tensor([[[1, 0, 0], [0, 1, 0]], [[1, 0, 0], [0, 1, 0]]], { device: "js" });
    for (const alignCorners of [false, true]) {
      const y = F.gridSample(x, F.affineGrid(id, [2, 3, 4, 5], alignCorners), { alignCorners });
      (y.sub(x).abs().toArray() as number[][][][]).flat(3).forEach((v) => assert.ok(v < 1e-5));
    }
    assert.deepEqual(F.affineGrid(id.narrow(0, 0, 1), [1, 1, 1, 1]).toArray(), [[[[0, 0]]]], "one step: 0, as PyTorch's linspace_from_neg_one");
  });
});

describe("NaN and inf stay where they are read (PyTorch's values)", () => {
  for (const device of new Set([...availableDevices(), ...(gpuSkip ? [] : ["webgpu"])])) {
    test(`gridSample on ${device}`, async () => {
      // pixel (0, 0) is inf in channel 0 and NaN in channel 1; the other pixels are 1
      const data = new Float32Array(2 * 9).fill(1);
      data[0] = Infinity;
      data[9] = NaN;
      const x = Tensor.from(data, { shape: [1, 2, 3, 3], device, requiresGrad: true });
      // far outside (zeros: every tap out of range, the clamped gather reads pixel (0, 0)), partly
      // outside on the far side, the centre, exactly on pixel (0, 0), on the top row away from it
      const grid = tensor([[[[-5, -5], [1.2, 0.9], [0, 0], [-1, -1], [0.5, -1]]]], { device, requiresGrad: true });
      const y = F.gridSample(x, grid, { alignCorners: true });
      const [c0, c1] = ((await y.toArrayAsync()) as number[][][][])[0].map((r) => r[0]);
      const close = (got: number[], want: number[], what: string) =>
        want.forEach((v, i) => assert.ok(Object.is(got[i], v) || Math.abs(got[i] - v) < 1e-6, `${what}[${i}]: got ${got[i]}, expected ${v}`));
      close(c0, [0, 0.8, 1, Infinity, 1], "inf channel");
      close(c1, [0, 0.8, 1, NaN, 1], "NaN channel");
      y.narrow(3, 0, 3).sum().backward();
      const gx = ((await x.grad!.toArrayAsync()) as number[][][][])[0];
      for (const ch of gx) close(ch.flat(), [0, 0, 0, 0, 1, 0.08, 0, 0, 0.72], "input grad");
      const gg = ((await grid.grad!.toArrayAsync()) as number[][][][])[0][0];
      close(gg.slice(0, 3).flat(), [0, 0, -2, 0, 0, 0], "grid grad");
      // a NaN position: nearest with zeros reads 0, bilinear gives NaN there only
      close((await F.gridSample(x, tensor([[[[NaN, 0], [-3, 0]]]], { device }), "nearest").toArrayAsync() as number[][][][]).flat(3), [0, 0, 0, 0], "nearest NaN");
      close((await F.gridSample(x, tensor([[[[NaN, 0], [-3, 0]]]], { device })).toArrayAsync() as number[][][][]).flat(3), [NaN, 0, NaN, 0], "bilinear NaN");
      // NaN and ±inf grid positions, every mode, padding and alignCorners: PyTorch 1.13's values
      // (border and reflection clip a NaN coordinate to 0, bilinear with zeros gives NaN)
      const img = tensor([[[[0, 1, 2], [3, 4, 5], [6, 7, 8]]]], { device });
      const odd = tensor([[[[NaN, 0], [0, NaN], [Infinity, 0], [-Infinity, 0.3], [0.2, Infinity], [NaN, NaN]]]], { device });
      const want: Record<string, number[]> = {
        "bilinear zeros false": Array(6).fill(NaN), "bilinear zeros true": Array(6).fill(NaN),
        "bilinear border false": [3, 1, 5, 4.35, 7.3, 0], "bilinear border true": [3, 1, 5, 3.9, 7.2, 0],
        "bilinear reflection false": [3, 1, 3, 4.35, 1.3, 0], "bilinear reflection true": [3, 1, 3, 3.9, 1.2, 0],
        "nearest zeros false": Array(6).fill(0), "nearest zeros true": Array(6).fill(0),
        "nearest border false": [3, 1, 5, 3, 7, 0], "nearest border true": [3, 1, 5, 3, 7, 0],
        "nearest reflection false": [3, 1, 3, 3, 1, 0], "nearest reflection true": [3, 1, 3, 3, 1, 0],
      };
      for (const [key, vals] of Object.entries(want)) {
        const [mode, pad, align] = key.split(" ");
        const got = ((await F.gridSample(img, odd, mode as "bilinear", pad as "zeros", align === "true").toArrayAsync()) as number[][][][]).flat(3);
        want[key].forEach((v, i) => assert.ok(Object.is(got[i], v) || Math.abs(got[i] - v) < 1e-5, `${key}[${i}]: got ${got[i]}, expected ${v}`));
        assert.equal(got.length, vals.length);
      }
    });
  }
});

describe("errors name the op, the argument and what was expected", () => {
  const x = Tensor.randn([1, 2, 4, 4], { device: "js" });
  const g = Tensor.zeros([1, 3, 3, 2], { device: "js" });
  const theta = Tensor.zeros([1, 2, 3], { device: "js" });
  const cases: [() => unknown, RegExp][] = [
    [() => F.unfold(tensor([[[[1]]]], { dtype: "int32" }), 1), /^unfold: input must be a floating-point tensor, got int32 \(shape \[1, 1, 1, 1\]\)$/],
    [() => F.unfold(3 as never, 1), /^unfold: input must be a Tensor, got 3$/],
    [() => F.unfold(x.reshape(2, 16), 1), /^unfold: input must be 3-D \[C, H, W\] or 4-D \[N, C, H, W\], got shape \[2, 16\]$/],
    [() => F.unfold(x, 0), /^unfold: kernelSize must be a positive integer or an array of 2, got 0$/],
    [() => F.unfold(x, [2, 2, 2]), /^unfold: kernelSize must be a positive integer or an array of 2, got an array \[2, 2, 2\]$/],
    [() => F.unfold(x, 2, { dilation: 0 }), /^unfold: dilation must be a positive integer or an array of 2, got 0$/],
    [() => F.unfold(x, 2, { padding: -1 }), /^unfold: padding must be a non-negative integer or an array of 2, got -1$/],
    [() => F.unfold(x, 2, 1, 0, 1.5), /^unfold: stride must be a positive integer or an array of 2, got 1.5$/],
    [() => F.unfold(x, 3, { dilation: 2 }), /^unfold: kernelSize \[3, 3\] with dilation \[2, 2\] spans \[5, 5\], larger than the padded input \[4, 4\]$/],
    [() => F.unfold(x, 2, { strides: 2 } as never), /^unfold: unknown option 'strides' \(expected 'dilation', 'padding', 'stride'\)$/],
    [() => F.fold(x, [4, 4], 2), /^fold: input must be 2-D \[C·kh·kw, L\] or 3-D \[N, C·kh·kw, L\], got shape \[1, 2, 4, 4\]$/],
    [() => F.fold(Tensor.randn([1, 8, 9]), [0, 4], 2), /^fold: outputSize must be a positive integer or an array of 2, got an array \[0, 4\]$/],
    [() => F.fold(Tensor.randn([1, 6, 9]), [4, 4], 2), /^fold: dim 1 \(6\) of input \[1, 6, 9\] must be divisible by the kernel's kh·kw = 4$/],
    [() => F.fold(Tensor.randn([1, 8, 8]), [4, 4], 2), /^fold: input \[1, 8, 8\] has L = 8 blocks, but outputSize \[4, 4\] with kernelSize \[2, 2\], dilation \[1, 1\], padding \[0, 0\] and stride \[1, 1\] gives 3·3 = 9$/],
    [() => F.fold(Tensor.randn([1, 8, 9]), [1, 4], 2), /^fold: kernelSize \[2, 2\] with dilation \[1, 1\] spans \[2, 2\], larger than the padded outputSize \[1, 4\]$/],
    [() => F.fold(Tensor.randn([1, 8, 9]), [4, 4], 2, { pad: 1 } as never), /^fold: unknown option 'pad' \(expected 'dilation', 'padding', 'stride'\)$/],
    [() => new nn.Unfold(2, { size: 2 } as never), /^nn.Unfold: unknown option 'size' \(expected 'dilation', 'padding', 'stride'\)$/],
    [() => new nn.Unfold(-2), /^nn.Unfold: kernelSize must be a positive integer or an array of 2, got -2$/],
    [() => new nn.Fold(4, 2, { stride: 0 }), /^nn.Fold: stride must be a positive integer or an array of 2, got 0$/],
    [() => new nn.Fold([4], 2), /^nn.Fold: outputSize must be a positive integer or an array of 2, got an array \[4\]$/],
    [() => F.affineGrid(theta.int(), [1, 1, 2, 2]), /^affineGrid: theta must be a floating-point tensor, got int32 \(shape \[1, 2, 3\]\)$/],
    [() => F.affineGrid(Tensor.zeros([1, 3, 3]), [1, 1, 2, 2]), /^affineGrid: theta must be \[N, 2, 3\] with N = size\[0\] = 1, got shape \[1, 3, 3\]$/],
    [() => F.affineGrid(theta, [2, 1, 2, 2]), /^affineGrid: theta must be \[N, 2, 3\] with N = size\[0\] = 2, got shape \[1, 2, 3\]$/],
    [() => F.affineGrid(theta, [1, 1, 2, 2, 2]), /^affineGrid: size must be an array of 4 positive integers \[N, C, H, W\], got an array \[1, 1, 2, 2, \.\.\.\]$/],
    [() => F.affineGrid(theta, [1, 1, 0, 2]), /^affineGrid: size must be an array of 4 positive integers \[N, C, H, W\], got an array \[1, 1, 0, 2\]$/],
    [() => F.affineGrid(theta, [1, 1, 2, 2], { alignCorners: 1 } as never), /^affineGrid: alignCorners must be true or false, got 1$/],
    [() => F.affineGrid(theta, [1, 1, 2, 2], { align: true } as never), /^affineGrid: unknown option 'align' \(expected 'alignCorners'\)$/],
    [() => F.gridSample(x.reshape(2, 4, 4), g), /^gridSample: input must be 4-D \[N, C, H, W\], got shape \[2, 4, 4\]$/],
    [() => F.gridSample(x.int(), g), /^gridSample: input must be a floating-point tensor, got int32 \(shape \[1, 2, 4, 4\]\)$/],
    [() => F.gridSample(x, g.int()), /^gridSample: grid must be a floating-point tensor, got int32 \(shape \[1, 3, 3, 2\]\)$/],
    [() => F.gridSample(x, Tensor.zeros([1, 3, 3, 3])), /^gridSample: grid must be \[N, Ho, Wo, 2\] with N = 1 \(input \[1, 2, 4, 4\]\), got shape \[1, 3, 3, 3\]$/],
    [() => F.gridSample(x, Tensor.zeros([2, 3, 3, 2])), /^gridSample: grid must be \[N, Ho, Wo, 2\] with N = 1 \(input \[1, 2, 4, 4\]\), got shape \[2, 3, 3, 2\]$/],
    [() => F.gridSample(x, g.cast("float64")), /^gridSample: grid must have input's dtype float32, got float64$/],
    [() => F.gridSample(x, Tensor.zeros([1, 0, 3, 2])), /^gridSample: expects non-empty input and grid, got input \[1, 2, 4, 4\] and grid \[1, 0, 3, 2\]$/],
    [() => F.gridSample(x, g, "bicubic" as never), /^gridSample: mode must be 'bilinear' or 'nearest', got the string 'bicubic'$/],
    [() => F.gridSample(x, g, { paddingMode: "reflect" } as never), /^gridSample: paddingMode must be 'zeros' or 'border' or 'reflection', got the string 'reflect'$/],
    [() => F.gridSample(x, g, "bilinear", "zeros", "yes" as never), /^gridSample: alignCorners must be true or false, got the string 'yes'$/],
    [() => F.gridSample(x, g, { padding: "zeros" } as never), /^gridSample: unknown option 'padding' \(expected 'mode', 'paddingMode', 'alignCorners'\)$/],
  ];
  test(`${cases.length} bad calls`, () => {
    for (const [f, re] of cases) assert.throws(f, (e: Error) => { assert.match(e.message, re); return true; });
  });
});
