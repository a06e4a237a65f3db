// F.ctcLoss and nn.CTCLoss: PyTorch fixtures (test/fixtures/breadth_ctc.json, written by
// scripts/make_fixtures_ctc.py) on every device, float64 gradchecks, the lengths as tensors, the
// impossible alignments' gradients, the module against its functional form, and the errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, grad, nn } from "../src/node.js";
import { runAll, runAllAsync } from "./helpers.js";
import { type Dispatch, S, gradcheck, loadBreadth, runCase, runCaseAsync, startWebgpu } from "./breadth_helpers.js";

const fixtures = loadBreadth("breadth_ctc.json");

const dispatch: Dispatch = (op, by, a) => {
  if (op !== "F.ctcLoss") throw new Error(`ctc.test: no dispatch for ${op}`);
  const opts = { blank: a.blank, reduction: a.reduction, zeroInfinity: a.zeroInfinity };
  return [F.ctcLoss(by.x.logSoftmax(-1), by.targets, a.inputLengths, a.targetLengths, opts)];
};

test("the fixtures cover batched, unbatched, padded, concatenated, impossible and every reduction", () => {
  const names = fixtures.cases.map((c) => c.name);
  for (const part of ["padded", "concatenated", "unbatched", "impossible,zeroInfinity", "impossible,none", "blank=2", "all repeats"]) {
    assert.ok(names.some((n) => n.includes(part)), `no fixture for ${part}`);
  }
  for (const r of ["mean", "sum", "none"]) assert.ok(names.some((n) => n.endsWith(`,${r}`)), `no fixture for ${r}`);
  // the impossible alignment is infinite without zeroInfinity (so the case checks the inf)
  const inf = fixtures.cases.find((c) => c.name === "F.ctcLoss/impossible,none")!;
  assert.equal(inf.outs[0].data[0], "Infinity");
});

const hostDevices = availableDevices(); // before webgpu starts (then it is available too)
const webgpuSkip = await startWebgpu();
for (const device of hostDevices) {
  test(`ctcLoss against PyTorch on ${device} (${fixtures.cases.length} cases)`, () => {
    runAll(fixtures.cases, (c) => c.name, (c) => runCase(c, device, dispatch));
  });
}
test(`ctcLoss against PyTorch on webgpu (${fixtures.cases.length} cases)`, { skip: webgpuSkip }, async () => {
  await runAllAsync(fixtures.cases, (c) => c.name, (c) => runCaseAsync(c, "webgpu", dispatch));
});

const idx = (d: number[] | number[][]) => Tensor.from(d, { dtype: "int32", device: "js" });
const lengths = (d: number[]) => Tensor.from(d, { dtype: "int32", device: "js" });

describe("gradcheck (float64, js)", () => {
  const checks: [string, Parameters<typeof gradcheck>[1], Parameters<typeof gradcheck>[2]][] = [
    ["padded, repeats, mean", [S([5, 2, 4])], ([x]) => F.ctcLoss(x.logSoftmax(2), idx([[1, 1, 2], [3, 2, 0]]), [5, 4], [3, 2])],
    ["concatenated, blank 3, none", [S([4, 3, 4])], ([x]) =>
      F.ctcLoss(x.logSoftmax(2), idx([0, 1, 2, 2, 1]), [4, 3, 4], [2, 1, 2], { blank: 3, reduction: "none" })],
    ["unbatched, raw log-probabilities, sum", [S([5, 3])], ([x]) => F.ctcLoss(x, idx([2, 1]), [5], [2], { reduction: "sum" })],
    ["impossible with zeroInfinity", [S([3, 2, 4])], ([x]) =>
      F.ctcLoss(x.logSoftmax(2), idx([[1, 2, 3], [1, 1, 0]]), [2, 3], [3, 2], { zeroInfinity: true, reduction: "sum" })],
  ];
  for (const [name, specs, f] of checks) test(name, () => gradcheck(name, specs, f));
});

describe("ctcLoss details", () => {
  const x = Tensor.randn([4, 2, 5], { device: "js", requiresGrad: true });
  const t = idx([[1, 2, 3], [2, 2, 0]]);
  const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.toArray(), b.toArray());

  test("an impossible alignment: inf loss, a zero gradient there without zeroInfinity, 0 and 0 with it", () => {
    const run = (zeroInfinity: boolean) => {
      const loss = F.ctcLoss(x.logSoftmax(2), t, [2, 4], [3, 2], { reduction: "none", zeroInfinity });
      return [loss.toArray() as number[], grad(loss.sum(), [x])[0]] as const;
    };
    const [l1, g1] = run(false), [l2, g2] = run(true);
    assert.equal(l1[0], Infinity);
    assert.equal(l2[0], 0);
    assert.equal(l1[1], l2[1]);
    const a = g1.toTypedArray();
    assert.ok(a.every(Number.isFinite), "no NaN or inf in the gradient");
    assert.deepEqual([...a], [...g2.toTypedArray()]);
    same(g1.narrow(1, 0, 1), Tensor.zeros([4, 1, 5], { device: "js" }));
    assert.ok(g1.narrow(1, 1, 1).abs().sum().item() > 0);
  });

  test("lengths as int32 tensors (1-D, or 0-d unbatched) equal number arrays", () => {
    same(F.ctcLoss(x.logSoftmax(2), t, lengths([4, 3]), lengths([3, 2])), F.ctcLoss(x.logSoftmax(2), t, [4, 3], [3, 2]));
    const u = x.narrow(1, 0, 1).squeeze(1).logSoftmax(1);
    const zeroD = Tensor.from(4, { dtype: "int32", device: "js" });
    same(F.ctcLoss(u, idx([1, 2]), zeroD, 2, { reduction: "none" }), F.ctcLoss(u, idx([1, 2]), [4], [2], { reduction: "none" }));
    assert.deepEqual(F.ctcLoss(u, idx([1, 2]), [4], [2], { reduction: "none" }).shape, []);
  });

  test("an empty target: -Σ log p(blank); no frames and an empty target: 0", () => {
    const lp = x.logSoftmax(2);
    const want = lp.narrow(2, 0, 1).sum([0, 2]).neg().toArray() as number[];
    const got = F.ctcLoss(lp, idx([[1], [1]]), [4, 4], [0, 0], { reduction: "none" }).toArray() as number[];
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `${v} vs ${want[i]}`));
    assert.deepEqual(F.ctcLoss(lp, idx([[1], [1]]), [0, 0], [0, 1], { reduction: "none" }).toArray(), [-0, Infinity]); // -log 1 = -0, as PyTorch
  });

  test("nn.CTCLoss computes F.ctcLoss; defaults are PyTorch's", () => {
    const lp = x.logSoftmax(2);
    const m = new nn.CTCLoss();
    assert.deepEqual([m.blank, m.reduction, m.zeroInfinity], [0, "mean", false]);
    same(m.forward(lp, t, [4, 3], [3, 2]), F.ctcLoss(lp, t, [4, 3], [3, 2]));
    const m2 = new nn.CTCLoss({ blank: 4, reduction: "none", zeroInfinity: true });
    const t4 = idx([[1, 2, 3], [2, 2, 0]]);
    same(m2.forward(lp, t4, [2, 4], [3, 2]), F.ctcLoss(lp, t4, [2, 4], [3, 2], { blank: 4, reduction: "none", zeroInfinity: true }));
    assert.equal(m2.extraRepr(), 'blank=4, reduction="none", zeroInfinity=true');
  });

  test("bad input: each refusal names the problem", () => {
    const lp = x.logSoftmax(2);
    const cases: [() => unknown, RegExp][] = [
      [() => F.ctcLoss(lp, t, [4, 3], [3, 2], { blnk: 1 } as never), /^ctcLoss: unknown option 'blnk' \(expected 'blank', 'reduction', 'zeroInfinity'\)$/],
      [() => F.ctcLoss(lp, t, [4, 3], [3, 2], { reduction: "avg" as never }), /^ctcLoss: reduction must be 'mean' or 'sum' or 'none', got the string 'avg'$/],
      [() => F.ctcLoss(lp, t, [4, 3], [3, 2], { zeroInfinity: 1 as never }), /^ctcLoss: zeroInfinity must be true or false, got 1$/],
      [() => F.ctcLoss(lp, t, [4, 3], [3, 2], { blank: 5 }), /^ctcLoss: blank must be an integer in \[0, 5\), got 5$/],
      [() => F.ctcLoss(lp.sum([0, 1]), t, [4, 3], [3, 2]), /^ctcLoss: logProbs must be \[T, N, C\] or \[T, C\] \(unbatched\), got shape \[5\]$/],
      [() => F.ctcLoss(idx([[1]]) as never, t, [4, 3], [3, 2]), /^ctcLoss: logProbs must be a floating-point tensor, got int32 \(shape \[1, 1\]\)$/],
      [() => F.ctcLoss(lp, t.float(), [4, 3], [3, 2]), /^ctcLoss: targets must hold int32 class indices, got float32$/],
      [() => F.ctcLoss(lp, t, [4], [3, 2]), /^ctcLoss: inputLengths must hold one length for each of the 2 sequences, got 1$/],
      [() => F.ctcLoss(lp, t, [5, 3], [3, 2]), /^ctcLoss: inputLengths must hold integers in \[0, 4\], got 5$/],
      [() => F.ctcLoss(lp, t, [4, 3], [3, -1]), /^ctcLoss: targetLengths must hold integers in \[0, \d+\], got -1$/],
      [() => F.ctcLoss(lp, t, [4, 1.5], [3, 2]), /^ctcLoss: inputLengths must hold integers in \[0, 4\], got 1.5$/],
      [() => F.ctcLoss(lp, t, lengths([4, 3]).float() as never, [3, 2]), /^ctcLoss: inputLengths must be an int32 tensor or an array of integers, got a float32 tensor$/],
      [() => F.ctcLoss(lp, t, lengths([4, 3]).reshape([1, 2]), [3, 2]), /^ctcLoss: inputLengths must be 0-d or 1-D, got shape \[1, 2\]$/],
      [() => F.ctcLoss(lp, t, "4" as never, [3, 2]), /^ctcLoss: inputLengths must be an int32 tensor or an array of integers, got string$/],
      [() => F.ctcLoss(lp, t, [4, 3], [4, 2]), /^ctcLoss: a target length of 4 does not fit padded targets of shape \[2, 3\]$/],
      [() => F.ctcLoss(lp, idx([[1, 2]]), [4, 3], [1, 1]), /^ctcLoss: padded targets must be \[2, S\], got shape \[1, 2\]$/],
      [() => F.ctcLoss(lp, idx([1, 2, 3]), [4, 3], [1, 1]), /^ctcLoss: 1-D targets must hold the sum of targetLengths \(2\) labels, got 3$/],
      [() => F.ctcLoss(lp, t.reshape([2, 3, 1]), [4, 3], [1, 1]), /^ctcLoss: targets must be \[2, S\] \(padded\) or 1-D \(concatenated\), got shape \[2, 3, 1\]$/],
      [() => F.ctcLoss(lp.narrow(1, 0, 1).squeeze(1), t, [4], [3]), /^ctcLoss: unbatched logProbs \[T, C\] take 1-D targets \[S\], got shape \[2, 3\]$/],
      [() => F.ctcLoss(lp, idx([[1, 7, 3], [2, 2, 0]]), [4, 3], [3, 2]), /^ctcLoss: target 7 is out of range for 5 classes$/],
      [() => F.ctcLoss(lp, idx([[1, 2, 3], [-1, 2, 0]]), [4, 3], [3, 2]), /^ctcLoss: target -1 is out of range for 5 classes$/],
      [() => new nn.CTCLoss({ blank: -1 }), /^nn\.CTCLoss: blank must be a non-negative integer, got -1$/],
      [() => new nn.CTCLoss({ reduction: "avg" as never }), /^nn\.CTCLoss: reduction must be 'mean' or 'sum' or 'none', got the string 'avg'$/],
      [() => new nn.CTCLoss({ zeroInfinty: true } as never), /^nn\.CTCLoss: unknown option 'zeroInfinty' \(expected 'blank', 'reduction', 'zeroInfinity'\)$/],
    ];
    for (const [f, re] of cases) {
      assert.throws(f, (e: Error) => (assert.match(e.message, re), true), `no error for ${re}`);
    }
  });

  test("lengths on webgpu are refused, naming the async read", { skip: webgpuSkip }, async () => {
    const o = { device: "webgpu" } as const;
    const lp = Tensor.randn([4, 2, 5], o).logSoftmax(2);
    const tg = Tensor.from([[1, 2], [3, 0]], { ...o, dtype: "int32" });
    const il = Tensor.from([4, 3], { ...o, dtype: "int32" });
    assert.throws(() => F.ctcLoss(lp, tg, il, [2, 1]), (e: Error) => (assert.match(e.message,
      /^ctcLoss: inputLengths is on webgpu, which cannot be read synchronously: pass the lengths as a number array \(await lengths\.toArrayAsync\(\)\)$/), true));
    const loss = F.ctcLoss(lp, tg, (await il.toArrayAsync()) as number[], [2, 1]);
    assert.ok(Number.isFinite(((await loss.toArrayAsync()) as number)));
  });
});
