// The margin, ranking and embedding losses and the Poisson and Gaussian NLLs: PyTorch fixtures
// (test/fixtures/breadth_losses2.json, written by scripts/make_fixtures_losses2.py) on every device,
// float64 gradchecks, the nn modules against their functional forms, and the errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, nn } from "../src/node.js";
import { runAll, runAllAsync } from "./helpers.js";
import { type Dispatch, S, gradcheck, loadBreadth, runCase, runCaseAsync, startWebgpu } from "./breadth_helpers.js";

const fixtures = loadBreadth("breadth_losses2.json");

const dispatch: Dispatch = (op, by, a) => {
  const reduction = a.reduction;
  switch (op) {
    case "F.marginRankingLoss": return [F.marginRankingLoss(by.x1, by.x2, by.target, { margin: a.margin, reduction })];
    case "F.hingeEmbeddingLoss": return [F.hingeEmbeddingLoss(by.x, by.target, { margin: a.margin, reduction })];
    case "F.cosineEmbeddingLoss": return [F.cosineEmbeddingLoss(by.x1, by.x2, by.target, { margin: a.margin, reduction })];
    case "F.tripletMarginLoss":
      return [F.tripletMarginLoss(by.anchor, by.positive, by.negative, { margin: a.margin, p: a.p, eps: a.eps, swap: a.swap, reduction })];
    case "F.softMarginLoss": return [F.softMarginLoss(by.x, by.target, { reduction })];
    case "F.multiLabelSoftMarginLoss": return [F.multiLabelSoftMarginLoss(by.x, by.target, { weight: by.w, reduction })];
    case "F.multiMarginLoss": return [F.multiMarginLoss(by.x, by.target, { p: a.p, margin: a.margin, weight: by.w, reduction })];
    case "F.poissonNllLoss": return [F.poissonNllLoss(by.x, by.target, { logInput: a.logInput, full: a.full, eps: a.eps, reduction })];
    case "F.gaussianNllLoss": return [F.gaussianNllLoss(by.x, by.target, by.var, { full: a.full, eps: a.eps, reduction })];
    default: throw new Error(`losses2.test: no dispatch for ${op}`);
  }
};

const LOSSES = [
  "marginRankingLoss", "hingeEmbeddingLoss", "cosineEmbeddingLoss", "tripletMarginLoss", "softMarginLoss",
  "multiLabelSoftMarginLoss", "multiMarginLoss", "poissonNllLoss", "gaussianNllLoss",
];

test("the fixtures cover every loss", () => {
  const ops = new Set(fixtures.cases.map((c) => c.op));
  for (const op of LOSSES) assert.ok(ops.has(`F.${op}`), `no fixture for F.${op}`);
});

// the host devices read synchronously; webgpu (where it has an adapter) through the async reads
const hostDevices = availableDevices(); // before webgpu starts (then it is available too)
const webgpuSkip = await startWebgpu();
for (const device of hostDevices) {
  test(`losses against PyTorch on ${device} (${fixtures.cases.length} cases)`, () => {
    runAll(fixtures.cases, (c) => c.name, (c) => runCase(c, device, dispatch));
  });
}
test(`losses against PyTorch on webgpu (${fixtures.cases.length} cases)`, { skip: webgpuSkip }, async () => {
  await runAllAsync(fixtures.cases, (c) => c.name, (c) => runCaseAsync(c, "webgpu", dispatch));
});

const idx = (d: number[] | number) => Tensor.from(d, { dtype: "int32", device: "js" });
const f64 = (d: number[] | number[][]) => Tensor.from(d, { dtype: "float64", device: "js" });

describe("gradcheck (float64, js)", () => {
  const checks: [string, Parameters<typeof gradcheck>[1], Parameters<typeof gradcheck>[2], boolean?][] = [
    ["marginRankingLoss margin 0.3", [S([6]), S([6])], ([a, b]) => F.marginRankingLoss(a, b, f64([1, -1, 1, -1, -1, 1]), { margin: 0.3 })],
    ["hingeEmbeddingLoss none", [S([3, 4], "spread")], ([x]) =>
      F.hingeEmbeddingLoss(x, f64([[1, -1, -1, 1], [-1, -1, 1, 0], [1, 1, -1, -1]]), { margin: 0.45, reduction: "none" })],
    ["cosineEmbeddingLoss margin -0.3", [S([4, 5]), S([4, 5])], ([a, b]) => F.cosineEmbeddingLoss(a, b, f64([1, -1, -1, 1]), { margin: -0.3 }), true],
    ["cosineEmbeddingLoss 1-d", [S([5]), S([5])], ([a, b]) => F.cosineEmbeddingLoss(a, b, Tensor.from(-1, { dtype: "float64", device: "js" }), { margin: -0.5 })],
    ["tripletMarginLoss swap margin 2", [S([4, 5]), S([4, 5]), S([4, 5])], ([a, p, n]) => F.tripletMarginLoss(a, p, n, { margin: 2, swap: true, reduction: "none" })],
    ["tripletMarginLoss p=1", [S([4, 5]), S([4, 5]), S([4, 5])], ([a, p, n]) => F.tripletMarginLoss(a, p, n, { p: 1, margin: 1.5, reduction: "sum" })],
    ["softMarginLoss (and the target)", [S([3, 4]), S([3, 4])], ([x, y]) => F.softMarginLoss(x.mul(3), y), true],
    ["multiLabelSoftMarginLoss weight", [S([3, 4]), S([3, 4], "unit")], ([x, y]) =>
      F.multiLabelSoftMarginLoss(x, y, { weight: f64([0.5, 1, 2, 1.5]), reduction: "none" }), true],
    ["multiMarginLoss p=1 margin 0.35", [S([4, 5], "spread")], ([x]) => F.multiMarginLoss(x, idx([1, 0, 4, 2]), { margin: 0.35 })],
    ["multiMarginLoss p=2 weight", [S([4, 5], "spread")], ([x]) =>
      F.multiMarginLoss(x, idx([3, 3, 0, 1]), { p: 2, margin: 0.35, weight: f64([0.5, 1, 2, 1.5, 0.7]), reduction: "none" })],
    ["multiMarginLoss 1-d", [S([5], "spread")], ([x]) => F.multiMarginLoss(x, idx(2), { margin: 0.35, reduction: "sum" })],
    ["poissonNllLoss full (and the target)", [S([3, 4]), S([3, 4], "pos")], ([x, y]) => F.poissonNllLoss(x, y.mul(2), { full: true }), true],
    ["poissonNllLoss rates", [S([3, 4], "pos"), S([3, 4], "pos")], ([x, y]) => F.poissonNllLoss(x, y, { logInput: false, reduction: "none" })],
    ["gaussianNllLoss var per row full", [S([4, 3]), S([4, 3]), S([4], "pos")], ([x, y, v]) => F.gaussianNllLoss(x, y, v, { full: true }), true],
    ["gaussianNllLoss var [4,1] target broadcast", [S([4, 3]), S([3]), S([4, 1], "pos")], ([x, y, v]) => F.gaussianNllLoss(x, y, v, { reduction: "none" })],
  ];
  for (const [name, specs, f, second] of checks) {
    test(name, () => gradcheck(name, specs, f, { second }));
  }
});

describe("nn loss modules", () => {
  const x = Tensor.randn([4, 5], { device: "js", requiresGrad: true });
  const x2 = Tensor.randn([4, 5], { device: "js" }), x3 = Tensor.randn([4, 5], { device: "js" });
  const pm = Tensor.from([[1, -1, -1, 1, 1], [-1, 1, 1, -1, 1], [1, 1, -1, -1, -1], [-1, -1, 1, 1, 1]], { device: "js" });
  const y4 = Tensor.from([1, -1, -1, 1], { device: "js" });
  const w = Tensor.rand([5], { device: "js" }).add(0.5);
  const t = idx([1, 0, 4, 2]);
  const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.toArray(), b.toArray());

  test("each module computes its functional form", () => {
    same(new nn.MarginRankingLoss({ margin: 0.2, reduction: "sum" }).forward(x, x2, pm), F.marginRankingLoss(x, x2, pm, { margin: 0.2, reduction: "sum" }));
    same(new nn.HingeEmbeddingLoss({ margin: 0.7 }).forward(x, pm), F.hingeEmbeddingLoss(x, pm, { margin: 0.7 }));
    same(new nn.CosineEmbeddingLoss({ margin: 0.1, reduction: "none" }).forward(x, x2, y4), F.cosineEmbeddingLoss(x, x2, y4, { margin: 0.1, reduction: "none" }));
    same(new nn.TripletMarginLoss({ margin: 0.5, p: 1, eps: 0.01, swap: true }).forward(x, x2, x3), F.tripletMarginLoss(x, x2, x3, { margin: 0.5, p: 1, eps: 0.01, swap: true }));
    same(new nn.SoftMarginLoss({ reduction: "none" }).forward(x, pm), F.softMarginLoss(x, pm, { reduction: "none" }));
    const y01 = pm.add(1).div(2);
    same(new nn.MultiLabelSoftMarginLoss({ weight: w }).forward(x, y01), F.multiLabelSoftMarginLoss(x, y01, { weight: w }));
    same(new nn.MultiMarginLoss({ p: 2, margin: 0.5, weight: w, reduction: "sum" }).forward(x, t), F.multiMarginLoss(x, t, { p: 2, margin: 0.5, weight: w, reduction: "sum" }));
    const counts = x2.abs().mul(3).floor();
    same(new nn.PoissonNLLLoss({ full: true }).forward(x, counts), F.poissonNllLoss(x, counts, { full: true }));
    same(new nn.PoissonNLLLoss({ logInput: false, eps: 0.1 }).forward(x.abs(), counts), F.poissonNllLoss(x.abs(), counts, { logInput: false, eps: 0.1 }));
    const v = x3.abs();
    same(new nn.GaussianNLLLoss({ full: true, eps: 0.2, reduction: "none" }).forward(x, x2, v), F.gaussianNllLoss(x, x2, v, { full: true, eps: 0.2, reduction: "none" }));
  });

  test("defaults are PyTorch's", () => {
    const m = new nn.TripletMarginLoss();
    assert.deepEqual([m.margin, m.p, m.eps, m.swap, m.reduction], [1, 2, 1e-6, false, "mean"]);
    assert.equal(new nn.MarginRankingLoss().margin, 0);
    assert.equal(new nn.HingeEmbeddingLoss().margin, 1);
    assert.equal(new nn.CosineEmbeddingLoss().margin, 0);
    const mm = new nn.MultiMarginLoss();
    assert.deepEqual([mm.p, mm.margin, mm.weight], [1, 1, null]);
    const p = new nn.PoissonNLLLoss();
    assert.deepEqual([p.logInput, p.full, p.eps], [true, false, 1e-8]);
    const g = new nn.GaussianNLLLoss();
    assert.deepEqual([g.full, g.eps, g.reduction], [false, 1e-6, "mean"]);
    // the defaults reach the functional forms: margin 1 (hinge), 0 (ranking)
    same(new nn.HingeEmbeddingLoss().forward(x, pm), F.hingeEmbeddingLoss(x, pm, { margin: 1 }));
    same(new nn.MarginRankingLoss().forward(x, x2, pm), F.marginRankingLoss(x, x2, pm, { margin: 0 }));
  });

  test("class weights are buffers: in the state dict, not parameters", () => {
    for (const m of [new nn.MultiMarginLoss({ weight: w }), new nn.MultiLabelSoftMarginLoss({ weight: w })]) {
      assert.deepEqual(Object.keys(m.stateDict()), ["weight"]);
      assert.deepEqual(m.parameters(), []);
    }
    assert.deepEqual(Object.keys(new nn.MultiMarginLoss().stateDict()), []);
  });
});

describe("values the formulas pin down", () => {
  test("multiMarginLoss divides by the number of classes, and mean by the number of samples", () => {
    // sample 0: y = 1, terms j = 0: 1 - 2 + 1 = 0 (none), j = 2: 1 - 2 + 3 = 2 → 2/3; sample 1: y = 0, all below 0
    const x = Tensor.from([[1, 2, 3], [2.5, 1, 0.25]], { device: "js" });
    assert.deepEqual(F.multiMarginLoss(x, idx([1, 0]), { reduction: "none" }).toArray(), [2 / 3, 0].map(Math.fround));
    assert.equal(F.multiMarginLoss(x, idx([1, 0])).item(), Math.fround(Math.fround(2 / 3) / 2));
  });

  test("softMarginLoss is stable where log(1 + e^(-yx)) overflows in float32", () => {
    const x = Tensor.from([100, -100, 0], { device: "js", requiresGrad: true });
    const loss = F.softMarginLoss(x, Tensor.from([-1, -1, 1], { device: "js" }), { reduction: "none" });
    // e^-100 is a float32 subnormal: log(1 + e^-100) computed directly would round to 0 or, for
    // the first, overflow to inf
    const [big, tiny, half] = loss.toArray() as number[];
    assert.deepEqual([big, half], [100, Math.fround(Math.LN2)]);
    assert.ok(tiny > 0 && tiny < 1e-43, `log(1 + e^-100) = ${tiny}`);
    loss.sum().backward();
    const g = x.grad!.toArray() as number[];
    assert.deepEqual([g[0], g[2]], [1, -0.5]);
    assert.ok(g[1] >= 0 && g[1] < 1e-43, `d/dx at x = -100: ${g[1]}`);
  });

  test("gaussianNllLoss: variances below eps count as eps, the gradient passes the clamp", () => {
    const v = Tensor.from([0, 0.5], { dtype: "float64", device: "js", requiresGrad: true });
    const loss = F.gaussianNllLoss(f64([1, 2]), f64([0, 0]), v, { eps: 0.25, reduction: "none" });
    assert.deepEqual(loss.toArray(), [0.5 * (Math.log(0.25) + 4), 0.5 * (Math.log(0.5) + 8)]);
    loss.sum().backward();
    assert.deepEqual(v.grad!.toArray(), [0.5 * (4 - 16), 0.5 * (2 - 16)]);
  });

  test("poissonNllLoss full: no NaN in a zero target's gradient", () => {
    const y = Tensor.from([0, 1, 3], { dtype: "float64", device: "js", requiresGrad: true });
    F.poissonNllLoss(f64([0.5, 0.5, 0.5]), y, { full: true, reduction: "sum" }).backward();
    const g = y.grad!.toArray() as number[];
    // -x where y ≤ 1; -x + log y + 1/(2y) above
    assert.deepEqual(g.slice(0, 2), [-0.5, -0.5]);
    assert.ok(Math.abs(g[2] - (-0.5 + Math.log(3) + 1 / 6)) < 1e-15, `${g[2]}`);
  });
});

describe("errors name the op, the argument and what was expected", () => {
  const x = Tensor.randn([4, 5], { device: "js" });
  const v4 = Tensor.randn([4], { device: "js" });
  const t = idx([1, 0, 4, 2]);
  const cases: [() => unknown, RegExp][] = [
    // marginRankingLoss
    [() => F.marginRankingLoss(v4, v4, v4, { margn: 1 } as never), /^marginRankingLoss: unknown option 'margn' \(expected 'margin', 'reduction'\)$/],
    [() => F.marginRankingLoss(v4, v4, v4, { margin: "1" as never }), /^marginRankingLoss: margin must be a number, got the string '1'$/],
    [() => F.marginRankingLoss(v4, v4, v4, { reduction: "avg" as never }), /^marginRankingLoss: reduction must be 'mean' or 'sum' or 'none', got the string 'avg'$/],
    [() => F.marginRankingLoss(idx([1, 2, 3, 4]), v4, v4), /^marginRankingLoss: input1 must be a floating-point tensor, got int32 \(shape \[4\]\)$/],
    [() => F.marginRankingLoss(v4, v4, x), /^marginRankingLoss: input1, input2 and target must have the same shape, got \[4\], \[4\] and \[4, 5\]$/],
    [() => F.marginRankingLoss(v4, v4, [1, -1] as never), /^marginRankingLoss: target must be a Tensor, got an array \[1, -1\]$/],
    // hingeEmbeddingLoss
    [() => F.hingeEmbeddingLoss(x, v4), /^hingeEmbeddingLoss: target shape \[4\] must match input shape \[4, 5\]$/],
    [() => F.hingeEmbeddingLoss(x, x, { margin: NaN }), /^hingeEmbeddingLoss: margin must be a number, got NaN$/],
    // cosineEmbeddingLoss
    [() => F.cosineEmbeddingLoss(x, x, x), /^cosineEmbeddingLoss: target must be 0-d or 1-d \(one label per pair\), got shape \[4, 5\]$/],
    [() => F.cosineEmbeddingLoss(v4, v4, v4), /^cosineEmbeddingLoss: a 1-d target expects 2-d inputs, got shapes \[4\] and \[4\]$/],
    [() => F.cosineEmbeddingLoss(x, x, Tensor.from(1)), /^cosineEmbeddingLoss: a 0-d target expects 1-d inputs, got shapes \[4, 5\] and \[4, 5\]$/],
    [() => F.cosineEmbeddingLoss(x, Tensor.randn([4, 3]), v4), /^cosineEmbeddingLoss: input1 \[4, 5\], input2 \[4, 3\] cannot broadcast together$/],
    [() => F.cosineEmbeddingLoss(x, x, Tensor.ones([3])), /^cosineEmbeddingLoss: the pairs of input1 and input2 \[4\], target \[3\] cannot broadcast together$/],
    // tripletMarginLoss
    [() => F.tripletMarginLoss(x, x, v4), /^tripletMarginLoss: anchor, positive and negative must have the same number of dims \(at least 1\), got shapes \[4, 5\], \[4, 5\] and \[4\]$/],
    [() => F.tripletMarginLoss(Tensor.from(1), Tensor.from(1), Tensor.from(1)), /^tripletMarginLoss: anchor, positive and negative must have the same number of dims \(at least 1\), got shapes \[\], \[\] and \[\]$/],
    [() => F.tripletMarginLoss(x, x, Tensor.randn([3, 5])), /^tripletMarginLoss: anchor \[4, 5\], positive \[4, 5\], negative \[3, 5\] cannot broadcast together$/],
    [() => F.tripletMarginLoss(x, x, x, { p: -1 }), /^tripletMarginLoss: p must be a non-negative number or Infinity, got -1$/],
    [() => F.tripletMarginLoss(x, x, x, { swap: 1 as never }), /^tripletMarginLoss: swap must be true or false, got 1$/],
    [() => F.tripletMarginLoss(x, x, x, { eps: "small" as never }), /^tripletMarginLoss: eps must be a number, got the string 'small'$/],
    [() => F.tripletMarginLoss(x, x, idx([1, 2, 3, 4, 5]).reshape([1, 5])), /^tripletMarginLoss: negative must be a floating-point tensor, got int32 \(shape \[1, 5\]\)$/],
    // softMarginLoss
    [() => F.softMarginLoss(x, t), /^softMarginLoss: target must be a floating-point tensor, got int32 \(shape \[4\]\)$/],
    [() => F.softMarginLoss(x, x.T), /^softMarginLoss: target shape \[5, 4\] must match input shape \[4, 5\]$/],
    [() => F.softMarginLoss(x, x, { weight: null } as never), /^softMarginLoss: unknown option 'weight' \(expected 'reduction'\)$/],
    // multiLabelSoftMarginLoss
    [() => F.multiLabelSoftMarginLoss(Tensor.from(1), Tensor.from(1)), /^multiLabelSoftMarginLoss: input must have a class dim \(the last\), got shape \[\]$/],
    [() => F.multiLabelSoftMarginLoss(x, x, { weight: v4 }), /^multiLabelSoftMarginLoss: weight of shape \[4\] cannot broadcast to the input's shape \[4, 5\]$/],
    // multiMarginLoss
    [() => F.multiMarginLoss(x, t, { p: 3 }), /^multiMarginLoss: p must be 1 or 2, got 3$/],
    [() => F.multiMarginLoss(x.reshape([2, 2, 5]), t), /^multiMarginLoss: input must be \[C\] or \[N, C\], got shape \[2, 2, 5\]$/],
    [() => F.multiMarginLoss(x, v4), /^multiMarginLoss: target must hold int32 class indices, got float32 \(shape \[4\]\)$/],
    [() => F.multiMarginLoss(x, idx([1, 0])), /^multiMarginLoss: target shape \[2\] does not fit input shape \[4, 5\] \(expected \[4\]\)$/],
    [() => F.multiMarginLoss(v4, idx([1, 0])), /^multiMarginLoss: target shape \[2\] does not fit input shape \[4\] \(expected \[\] or \[1\]\)$/],
    [() => F.multiMarginLoss(x, idx([1, 0, 5, 2])), /^multiMarginLoss: target 5 is out of range for 5 classes$/],
    [() => F.multiMarginLoss(x, idx([1, -1, 0, 2])), /^multiMarginLoss: target -1 is out of range for 5 classes$/],
    [() => F.multiMarginLoss(x, t, { weight: v4 }), /^multiMarginLoss: weight must hold one value for each of the 5 classes, got shape \[4\]$/],
    // poissonNllLoss
    [() => F.poissonNllLoss(x, x, { logInput: "yes" as never }), /^poissonNllLoss: logInput must be true or false, got the string 'yes'$/],
    [() => F.poissonNllLoss(x, x, { full: 0 as never }), /^poissonNllLoss: full must be true or false, got 0$/],
    [() => F.poissonNllLoss(x, x, { eps: -1 }), /^poissonNllLoss: eps must be a non-negative number, got -1$/],
    [() => F.poissonNllLoss(x, v4), /^poissonNllLoss: target shape \[4\] must match input shape \[4, 5\]$/],
    [() => F.poissonNllLoss(x, x, { logTarget: true } as never), /^poissonNllLoss: unknown option 'logTarget' \(expected 'logInput', 'full', 'eps', 'reduction'\)$/],
    // gaussianNllLoss
    [() => F.gaussianNllLoss(x, x, Tensor.ones([5])), /^gaussianNllLoss: var must have the input's shape \[4, 5\], or that shape without its last dim or with last dim 1, got \[5\]$/],
    [() => F.gaussianNllLoss(x, x, Tensor.ones([4, 2])), /^gaussianNllLoss: var must have the input's shape \[4, 5\], or that shape without its last dim or with last dim 1, got \[4, 2\]$/],
    [() => F.gaussianNllLoss(x, x, v4), /^gaussianNllLoss: var must be non-negative, got a negative entry$/],
    [() => F.gaussianNllLoss(x, v4, Tensor.ones([4])), /^gaussianNllLoss: target of shape \[4\] cannot broadcast to the input's shape \[4, 5\]$/],
    [() => F.gaussianNllLoss(x, x, t), /^gaussianNllLoss: var must be a floating-point tensor, got int32 \(shape \[4\]\)$/],
    [() => F.gaussianNllLoss(x, x, x.abs(), { eps: -1e-6 }), /^gaussianNllLoss: eps must be a non-negative number, got -0.000001$/],
    [() => F.gaussianNllLoss(x, x, x.abs(), { full: "no" as never }), /^gaussianNllLoss: full must be true or false, got the string 'no'$/],
    [() => F.gaussianNllLoss(x, x, x.abs(), { reduction: "batchmean" as never }), /^gaussianNllLoss: reduction must be 'mean' or 'sum' or 'none', got the string 'batchmean'$/],
    // the modules check their options at construction
    [() => new nn.MarginRankingLoss({ reduce: false } as never), /^nn.MarginRankingLoss: unknown option 'reduce' \(expected 'margin', 'reduction'\)$/],
    [() => new nn.MarginRankingLoss({ margin: true as never }), /^nn.MarginRankingLoss: margin must be a number, got boolean$/],
    [() => new nn.HingeEmbeddingLoss({ reduction: "all" as never }), /^nn.HingeEmbeddingLoss: reduction must be 'mean' or 'sum' or 'none', got the string 'all'$/],
    [() => new nn.CosineEmbeddingLoss({ margin: "0" as never }), /^nn.CosineEmbeddingLoss: margin must be a number, got the string '0'$/],
    [() => new nn.TripletMarginLoss({ p: -2 }), /^nn.TripletMarginLoss: p must be a non-negative number or Infinity, got -2$/],
    [() => new nn.TripletMarginLoss({ swap: "yes" as never }), /^nn.TripletMarginLoss: swap must be true or false, got the string 'yes'$/],
    [() => new nn.TripletMarginLoss({ eps: NaN }), /^nn.TripletMarginLoss: eps must be a number, got NaN$/],
    [() => new nn.TripletMarginLoss({ margin: NaN }), /^nn.TripletMarginLoss: margin must be a number, got NaN$/],
    [() => new nn.SoftMarginLoss({ margin: 1 } as never), /^nn.SoftMarginLoss: unknown option 'margin' \(expected 'reduction'\)$/],
    [() => new nn.MultiLabelSoftMarginLoss({ weight: idx([1, 2]) }), /^nn.MultiLabelSoftMarginLoss: weight must be a floating-point tensor, got int32 \(shape \[2\]\)$/],
    [() => new nn.MultiMarginLoss({ p: 1.5 }), /^nn.MultiMarginLoss: p must be 1 or 2, got 1.5$/],
    [() => new nn.MultiMarginLoss({ margin: "1" as never }), /^nn.MultiMarginLoss: margin must be a number, got the string '1'$/],
    [() => new nn.MultiMarginLoss({ weight: [1, 2] as never }), /^nn.MultiMarginLoss: weight must be a Tensor, got an array \[1, 2\]$/],
    [() => new nn.PoissonNLLLoss({ logInput: 1 as never }), /^nn.PoissonNLLLoss: logInput must be true or false, got 1$/],
    [() => new nn.PoissonNLLLoss({ full: "yes" as never }), /^nn.PoissonNLLLoss: full must be true or false, got the string 'yes'$/],
    [() => new nn.PoissonNLLLoss({ eps: -1 }), /^nn.PoissonNLLLoss: eps must be a non-negative number, got -1$/],
    [() => new nn.GaussianNLLLoss({ full: 1 as never }), /^nn.GaussianNLLLoss: full must be true or false, got 1$/],
    [() => new nn.GaussianNLLLoss({ eps: -1 }), /^nn.GaussianNLLLoss: eps must be a non-negative number, got -1$/],
    [() => new nn.GaussianNLLLoss({ var: 1 } as never), /^nn.GaussianNLLLoss: unknown option 'var' \(expected 'full', 'eps', 'reduction'\)$/],
  ];
  test(`${cases.length} bad calls`, () => {
    // the regexes are anchored: each matches the whole message
    for (const [f, re] of cases) assert.throws(f, (e: Error) => (assert.match(e.message, re), true), `no error for ${re}`);
  });

  test("gaussianNllLoss on webgpu: a negative variance gives NaN there (no synchronous read to refuse it)", { skip: webgpuSkip }, async () => {
    const o = { device: "webgpu" } as const;
    const loss = F.gaussianNllLoss(Tensor.zeros([3], o), Tensor.ones([3], o), Tensor.from([1, -1, 0.5], o), { reduction: "none" });
    const got = Array.from(await loss.toTypedArrayAsync());
    assert.ok(Number.isNaN(got[1]) && got[0] === 0.5 && Math.abs(got[2] - 0.5 * (Math.log(0.5) + 2)) < 1e-6, `got ${got}`);
  });
});
