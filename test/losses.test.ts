// Losses and distances (issue 12): PyTorch fixtures (test/fixtures/breadth_losses.json, written by
// scripts/make_fixtures_breadth.py) on every device, float64 gradchecks, the nn modules against
// their functional forms, and the errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, nn } from "../src/node.js";
import { runAll, runAllAsync } from "./helpers.js";
import { type Dispatch, S, gradcheck, loadBreadth, runCase, runCaseAsync, startWebgpu } from "./breadth_helpers.js";

const fixtures = loadBreadth("breadth_losses.json");

/* eslint-disable @typescript-eslint/no-explicit-any */
const dispatch: Dispatch = (op, by, a) => {
  const red = { reduction: a.reduction };
  switch (op) {
    case "F.crossEntropy":
      return [F.crossEntropy(by.x, by.target, { weight: by.w, reduction: a.reduction, ignoreIndex: a.ignoreIndex, labelSmoothing: a.labelSmoothing })];
    case "F.nllLoss": return [F.nllLoss(by.x, by.target, { weight: by.w, reduction: a.reduction, ignoreIndex: a.ignoreIndex })];
    case "F.binaryCrossEntropy": return [F.binaryCrossEntropy(by.x, by.target, { weight: by.w, ...red })];
    case "F.l1Loss": return [F.l1Loss(by.x, by.target, red)];
    case "F.smoothL1Loss": return [F.smoothL1Loss(by.x, by.target, { ...red, beta: a.beta })];
    case "F.huberLoss": return [F.huberLoss(by.x, by.target, { ...red, delta: a.delta })];
    case "F.klDiv": return [F.klDiv(by.x, by.target, { reduction: a.reduction, logTarget: a.logTarget })];
    case "F.cosineSimilarity": return [F.cosineSimilarity(by.x1, by.x2, { dim: a.dim, eps: a.eps })];
    case "F.pairwiseDistance": return [F.pairwiseDistance(by.x1, by.x2, { p: a.p, eps: a.eps, keepdim: a.keepdim })];
    case "nn.BCEWithLogitsLoss": return [new nn.BCEWithLogitsLoss({ weight: by.w, posWeight: by.pw, reduction: a.reduction }).forward(by.x, by.target)];
    default: throw new Error(`losses.test: no dispatch for ${op}`);
  }
};
/* eslint-enable @typescript-eslint/no-explicit-any */

test("the loss fixtures cover every loss", () => {
  const ops = new Set(fixtures.cases.map((c) => c.op));
  for (const op of ["F.crossEntropy", "F.nllLoss", "F.binaryCrossEntropy", "F.l1Loss", "F.smoothL1Loss", "F.huberLoss", "F.klDiv", "F.cosineSimilarity", "F.pairwiseDistance"]) {
    assert.ok(ops.has(op), `no fixture for ${op}`);
  }
});

// the host devices read synchronously; webgpu (where it has an adapter) through the async reads
const hostDevices = availableDevices();
const webgpuSkip = await startWebgpu();
for (const device of hostDevices) {
  test(`losses against PyTorch on ${device} (${fixtures.cases.length} cases)`, () => {
    runAll(fixtures.cases, (c) => c.name, (c) => runCase(c, device, dispatch));
  });
}
test(`losses against PyTorch on webgpu (${fixtures.cases.length} cases)`, { skip: webgpuSkip }, async () => {
  await runAllAsync(fixtures.cases, (c) => c.name, (c) => runCaseAsync(c, "webgpu", dispatch));
});

const idx = (d: number[] | number[][]) => Tensor.from(d, { dtype: "int32", device: "js" });
const f64 = (d: number[]) => Tensor.from(d, { dtype: "float64", device: "js" });

describe("gradcheck (float64, js)", () => {
  const checks: [string, Parameters<typeof gradcheck>[1], Parameters<typeof gradcheck>[2], boolean?][] = [
    ["crossEntropy weight+smoothing+ignore", [S([4, 5])], ([x]) => F.crossEntropy(x, idx([1, -100, 4, 2]), { weight: f64([0.5, 1, 2, 1.5, 0.7]), labelSmoothing: 0.1 }), true],
    ["crossEntropy N-d weight sum", [S([2, 4, 3])], ([x]) => F.crossEntropy(x, idx([[1, 3, 0], [2, 2, 1]]), { weight: f64([1, 2, 0.5, 1]), reduction: "sum" })],
    ["crossEntropy probabilities weight", [S([3, 4]), S([3, 4], "unit")], ([x, t]) => F.crossEntropy(x, t, { weight: f64([1, 2, 0.5, 1]) })],
    ["nllLoss weight none", [S([4, 5])], ([x]) => F.nllLoss(x, idx([1, 0, 4, 2]), { weight: f64([0.5, 1, 2, 1.5, 0.7]), reduction: "none" })],
    ["binaryCrossEntropy weight", [S([3, 4], "unit"), S([3, 4], "unit")], ([x, t]) => F.binaryCrossEntropy(x, t, { weight: f64([1, 2, 0.5, 1]) }), true],
    ["l1Loss transposed", [S([4, 3]), S([3, 4])], ([x, t]) => F.l1Loss(x.T, t, { reduction: "sum" })],
    ["smoothL1Loss beta 0.7", [S([3, 4], "spread"), S([3, 4], "spread")], ([x, t]) => F.smoothL1Loss(x, t.mul(0.3), { beta: 0.7 })],
    ["huberLoss delta 0.6", [S([3, 4], "spread"), S([3, 4], "spread")], ([x, t]) => F.huberLoss(x, t.mul(0.3), { delta: 0.6, reduction: "none" })],
    ["klDiv batchmean", [S([3, 4]), S([3, 4], "unit")], ([x, t]) => F.klDiv(x, t, { reduction: "batchmean" }), true],
    ["klDiv logTarget", [S([3, 4]), S([3, 4])], ([x, t]) => F.klDiv(x, t, { logTarget: true }), true],
    ["cosineSimilarity dim -1 broadcast", [S([2, 3, 4]), S([4])], ([a, b]) => F.cosineSimilarity(a, b, -1), true],
    ["cosineSimilarity dim 0", [S([3, 2]), S([3, 2])], ([a, b]) => F.cosineSimilarity(a, b, 0)],
    ["pairwiseDistance p=2", [S([3, 4]), S([3, 4])], ([a, b]) => F.pairwiseDistance(a, b), true],
    ["pairwiseDistance p=1 keepdim", [S([3, 4]), S([4])], ([a, b]) => F.pairwiseDistance(a, b, 1, 1e-6, true)],
    ["pairwiseDistance p=3", [S([3, 4]), S([3, 4])], ([a, b]) => F.pairwiseDistance(a, b, { p: 3 })],
    ["pairwiseDistance p=inf", [S([3, 4], "spread"), S([3, 4], "spread")], ([a, b]) => F.pairwiseDistance(a, b.mul(0.5), Infinity)],
  ];
  for (const [name, specs, f, second] of checks) {
    test(name, () => gradcheck(name, specs, f, { second }));
  }
});

describe("nn loss modules", () => {
  const x = Tensor.randn([4, 5], { device: "js", requiresGrad: true });
  const t = idx([1, 0, 4, 2]);
  const w = Tensor.rand([5], { device: "js" }).add(0.5);
  const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.toArray(), b.toArray());

  test("each module computes its functional form", () => {
    same(new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }).forward(x, t), F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.1 }));
    same(new nn.CrossEntropyLoss(w, { reduction: "sum" }).forward(x, t), F.crossEntropy(x, t, { weight: w, reduction: "sum" }));
    same(new nn.NLLLoss({ ignoreIndex: 0, reduction: "none" }).forward(x, t), F.nllLoss(x, t, { ignoreIndex: 0, reduction: "none" }));
    const p = x.sigmoid(), y = Tensor.rand([4, 5], { device: "js" });
    same(new nn.BCELoss({ weight: w }).forward(p, y), F.binaryCrossEntropy(p, y, { weight: w }));
    same(new nn.MSELoss({ reduction: "sum" }).forward(x, y), F.mseLoss(x, y, { reduction: "sum" }));
    same(new nn.L1Loss().forward(x, y), F.l1Loss(x, y));
    same(new nn.SmoothL1Loss({ beta: 0.3 }).forward(x, y), F.smoothL1Loss(x, y, { beta: 0.3 }));
    same(new nn.HuberLoss({ delta: 0.3 }).forward(x, y), F.huberLoss(x, y, { delta: 0.3 }));
    same(new nn.KLDivLoss({ reduction: "batchmean" }).forward(x.logSoftmax(1), y), F.klDiv(x.logSoftmax(1), y, { reduction: "batchmean" }));
    same(new nn.CosineSimilarity(0).forward(x, y), F.cosineSimilarity(x, y, 0));
    same(new nn.PairwiseDistance({ p: 1, keepdim: true }).forward(x, y), F.pairwiseDistance(x, y, 1, 1e-6, true));
  });

  test("BCEWithLogitsLoss: weight multiplies the unreduced loss, posWeight the positive term", () => {
    const y = Tensor.rand([4, 5], { device: "js" });
    const pw = Tensor.rand([5], { device: "js" }).add(0.5);
    const got = new nn.BCEWithLogitsLoss({ weight: w, posWeight: pw, reduction: "sum" }).forward(x, y).item();
    // -w·(pw·y·log σ(x) + (1-y)·log(1-σ(x)))
    const s = x.sigmoid();
    const want = w.mul(pw.mul(y).mul(s.log()).add(y.neg().add(1).mul(s.neg().add(1).log()))).neg().sum().item();
    assert.ok(Math.abs(got - want) < 1e-4 * Math.abs(want), `${got} vs ${want}`);
  });

  test("class weights are buffers: in the state dict, moved by to()", () => {
    const m = new nn.CrossEntropyLoss({ weight: w });
    assert.deepEqual(Object.keys(m.stateDict()), ["weight"]);
    assert.deepEqual(m.parameters(), []);
    assert.deepEqual(Object.keys(new nn.BCEWithLogitsLoss({ posWeight: w }).stateDict()), ["posWeight"]);
    assert.deepEqual(Object.keys(new nn.MSELoss().stateDict()), []);
  });
});

describe("errors name the op, the argument and what was expected", () => {
  const x = Tensor.randn([4, 5], { device: "js" });
  const t = idx([1, 0, 4, 2]);
  const cases: [() => unknown, RegExp][] = [
    [() => F.crossEntropy(x, t, { wieght: null } as never), /crossEntropy: unknown option 'wieght' \(expected 'weight', 'ignoreIndex', 'reduction', 'labelSmoothing'\)/],
    [() => F.crossEntropy(x, t, { weight: f64([1, 2]) }), /crossEntropy: weight must hold one value for each of the 5 classes, got shape \[2\]/],
    [() => F.crossEntropy(x, t, { reduction: "avg" as never }), /crossEntropy: reduction must be 'mean' or 'sum' or 'none', got the string 'avg'/],
    [() => F.crossEntropy(x, idx([1, 0, 5, 2])), /crossEntropy: target 5 is out of range for 5 classes/],
    [() => F.crossEntropy(x, x.softmax(1), { ignoreIndex: 1 }), /crossEntropy: ignoreIndex is not supported for probability/],
    [() => F.crossEntropy(x, Tensor.rand([4, 4], { device: "js" })), /probability targets must have the input's shape \[4, 5\], got \[4, 4\]/],
    [() => F.nllLoss(x, idx([1, 0, 4])), /nllLoss: target shape \[3\] does not match input shape \[4, 5\]/],
    [() => F.nllLoss(x, t, { labelSmoothing: 0.1 } as never), /nllLoss: unknown option 'labelSmoothing'/],
    [() => F.binaryCrossEntropy(x.sigmoid(), Tensor.rand([5], { device: "js" })), /binaryCrossEntropy: target shape \[5\] must match input shape \[4, 5\]/],
    [() => F.binaryCrossEntropy(x.sigmoid(), x.sigmoid(), { weight: f64([1, 2]) }), /binaryCrossEntropy: weight of shape \[2\] cannot broadcast to the input's shape \[4, 5\]/],
    [() => F.l1Loss(x, t), /l1Loss: target must be a floating-point tensor/],
    [() => F.smoothL1Loss(x, x, { beta: -1 }), /smoothL1Loss: beta must be a non-negative number, got -1/],
    [() => F.huberLoss(x, x, { delta: 0 }), /huberLoss: delta must be a positive number, got 0/],
    [() => F.klDiv(x, x, { reduction: "batch" as never }), /klDiv: reduction must be 'mean' or 'sum' or 'none' or 'batchmean'/],
    [() => F.cosineSimilarity(x, x, 2), /cosineSimilarity: dim 2 is out of range for a tensor with 2 dims/],
    [() => F.cosineSimilarity(x, x, { dims: 1 } as never), /cosineSimilarity: unknown option 'dims' \(expected 'dim', 'eps'\)/],
    [() => F.cosineSimilarity(x, x, 1, { dim: 0 } as never), /cosineSimilarity: dim is given both as an argument and in the options object/],
    [() => F.pairwiseDistance(x, x, -1), /pairwiseDistance: p must be a non-negative number or Infinity, got -1/],
    [() => new nn.CrossEntropyLoss({ reduce: false } as never), /nn.CrossEntropyLoss: unknown option 'reduce'/],
    [() => new nn.L1Loss({ reduction: "all" } as never), /nn.L1Loss: reduction must be 'mean' or 'sum' or 'none'/],
    [() => new nn.HuberLoss({ delta: -2 }), /nn.HuberLoss: delta must be a positive number/],
  ];
  test(`${cases.length} bad calls`, () => {
    for (const [f, re] of cases) assert.throws(f, re);
  });
});

describe("crossEntropy of class indices: the mean without weights takes a shorter path", () => {
  // F.crossEntropy(x, t) with no weights, no smoothing and no ignored target is a gather, a sum and
  // a division; with weights of 1 it takes the general path (masks, weighted count): same bits
  for (const device of availableDevices()) {
    test(`same loss and gradients as the general path on ${device}`, async () => {
      for (const [n, c] of [[7, 5], [128, 10]]) {
        const x = Tensor.randn([n, c], { device, requiresGrad: true }).mul(3).detach();
        x.requiresGrad = true;
        const t = Tensor.randint(0, c, [n], { device });
        const run = async (opts?: { weight: Tensor }) => {
          x.grad = null;
          const loss = F.crossEntropy(x, t, opts);
          loss.backward();
          return [await loss.itemAsync(), ...(await x.grad!.toTypedArrayAsync())];
        };
        const fast = await run(), general = await run({ weight: Tensor.ones([c], { device }) });
        assert.deepEqual(fast, general, `${device} [${n}, ${c}]`);
      }
    });
  }
  test("a negative target is out of range; an ignored one takes the general path", () => {
    const x = Tensor.randn([4, 5], { device: "js", requiresGrad: true });
    assert.throws(() => F.crossEntropy(x, idx([1, -3, 2, 0])), /crossEntropy: target -3 is out of range for 5 classes/);
    const some = F.crossEntropy(x, idx([1, -100, 2, 0])).item();
    const each = F.crossEntropy(x, idx([1, 0, 2, 0]), { reduction: "none" }).toArray() as number[];
    const want = (each[0] + each[2] + each[3]) / 3;
    assert.ok(Math.abs(some - want) < 1e-6, `${some} vs ${want}`);
  });
});
