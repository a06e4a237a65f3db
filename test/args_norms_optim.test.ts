// PyTorch's positional parameters of the norm layers, the loss modules, the optimizers and the lr
// schedulers: honoured with PyTorch's meaning (compared with the options form and PyTorch's values),
// or refused with an error naming the op, the argument and what was expected. Never dropped.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Tensor, manualSeed, nn, optim } from "../src/node.js";

const S = optim.lrScheduler;
/** A call with more arguments than its type allows (a JavaScript caller's). */
const construct = (C: unknown, ...args: unknown[]) => Reflect.construct(C as new (...a: unknown[]) => unknown, args);
const call = (obj: object, method: string, ...args: unknown[]) => Reflect.apply((obj as Record<string, (...a: unknown[]) => unknown>)[method], obj, args);
const close = (a: number[], b: number[], tol = 1e-9) => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `[${i}] ${x} vs ${b[i]}`));
};
const values = (t: Tensor) => Array.from(t.toTypedArray() as Float32Array);

describe("norm layers take PyTorch's positionals", () => {
  it("BatchNorm1d/2d/3d(numFeatures, eps, momentum, affine, trackRunningStats)", () => {
    for (const [B, shape] of [[nn.BatchNorm1d, [4, 3]], [nn.BatchNorm2d, [4, 3, 2, 2]], [nn.BatchNorm3d, [4, 3, 2, 1, 2]]] as const) {
      const m = new B(3, 1e-3, 0.5);
      assert.deepEqual([m.eps, m.momentum, m.affine, m.trackRunningStats], [1e-3, 0.5, true, true]);
      const off = new B(3, 1e-5, 0.1, false, false);
      assert.deepEqual([off.affine, off.trackRunningStats, off.weight, off.runningMean], [false, false, null, null]);
      // the running statistics move by the positional momentum, as with { momentum }
      manualSeed(1);
      const x = Tensor.randn([...shape]);
      const byOpts = new B(3, { eps: 1e-3, momentum: 0.5 });
      m.forward(x);
      byOpts.forward(x);
      close(values(m.runningMean!), values(byOpts.runningMean!), 0);
      close(values(m.runningVar!), values(byOpts.runningVar!), 0);
    }
    assert.equal(new nn.BatchNorm2d(3, 1e-5, null).momentum, null);
  });

  it("InstanceNorm1d/2d/3d(numFeatures, eps, momentum, affine, trackRunningStats)", () => {
    for (const I of [nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d]) {
      const m = new I(3, 1e-3, 0.2, true, true);
      assert.deepEqual([m.eps, m.momentum, m.affine, m.trackRunningStats], [1e-3, 0.2, true, true]);
      assert.equal(m.weight!.shape[0], 3);
      assert.equal(m.runningMean!.shape[0], 3);
    }
  });

  it("GroupNorm(numGroups, numChannels, eps, affine)", () => {
    const g = new nn.GroupNorm(2, 4, 1e-3, false);
    assert.deepEqual([g.eps, g.affine, g.weight, g.bias], [1e-3, false, null, null]);
    manualSeed(2);
    const x = Tensor.randn([2, 4, 3]);
    close(values(new nn.GroupNorm(2, 4, 0.5).forward(x)), values(new nn.GroupNorm(2, 4, { eps: 0.5 }).forward(x)), 0);
  });

  it("refuse bad or extra positionals", () => {
    assert.throws(() => new nn.BatchNorm2d(3, 1e-5, 0.1, true, true, 1 as never),
      /^Error: nn.BatchNorm2d: expected at most 4 optional arguments \(eps, momentum, affine, trackRunningStats\), got 5$/);
    assert.throws(() => new nn.BatchNorm1d(3, "a" as never), /^Error: nn.BatchNorm1d: eps must be a non-negative number, got the string 'a'$/);
    assert.throws(() => new nn.BatchNorm3d(3, 1e-5, 0.1, "no" as never), /^Error: nn.BatchNorm3d: affine must be true or false, got the string 'no'$/);
    assert.throws(() => new nn.InstanceNorm2d(3, 1e-5, null as never), /^Error: nn.InstanceNorm2d: momentum must be a number, got null$/);
    assert.throws(() => new nn.InstanceNorm1d(3, 1e-5, 0.1, false, 1 as never), /^Error: nn.InstanceNorm1d: trackRunningStats must be true or false, got 1$/);
    assert.throws(() => new nn.GroupNorm(2, 4, 1e-5, "x" as never), /^Error: nn.GroupNorm: affine must be true or false, got the string 'x'$/);
    assert.throws(() => new nn.GroupNorm(2, 4, 1e-5, true, 1 as never), /^Error: nn.GroupNorm: expected at most 2 optional arguments \(eps, affine\), got 3$/);
    assert.throws(() => new nn.BatchNorm2d(3, { bogus: 1 } as never),
      /^Error: nn.BatchNorm2d: unknown option 'bogus' \(expected 'eps', 'momentum', 'affine', 'trackRunningStats'\)$/);
  });
});

describe("loss modules take PyTorch's positionals", () => {
  manualSeed(3);
  const x = Tensor.randn([4, 3]), y = Tensor.randn([4, 3]);
  const logits = Tensor.randn([4, 3]), labels = Tensor.from([0, 2, 1, 2], { dtype: "int32" });
  const same = (a: Tensor, b: Tensor) => close(values(a), values(b), 0);

  it("reduction at PyTorch's place; sizeAverage and reduce null or undefined", () => {
    for (const L of [nn.MSELoss, nn.L1Loss, nn.SmoothL1Loss, nn.SoftMarginLoss]) {
      const m = new L(null, undefined, "sum");
      assert.equal(m.reduction, "sum");
      same(m.forward(x, y), new L({ reduction: "sum" }).forward(x, y));
    }
    assert.equal(new nn.SmoothL1Loss(null, null, "none", 0.5).beta, 0.5);
    const h = new nn.HuberLoss("sum", 2);
    assert.deepEqual([h.reduction, h.delta], ["sum", 2]);
    same(h.forward(x, y), new nn.HuberLoss({ reduction: "sum", delta: 2 }).forward(x, y));
    const kl = new nn.KLDivLoss(null, null, "batchmean", true);
    assert.deepEqual([kl.reduction, kl.logTarget], ["batchmean", true]);
    same(kl.forward(x.logSoftmax(1), y.logSoftmax(1)), new nn.KLDivLoss({ reduction: "batchmean", logTarget: true }).forward(x.logSoftmax(1), y.logSoftmax(1)));
  });

  it("CrossEntropyLoss(weight, sizeAverage, ignoreIndex, reduce, reduction, labelSmoothing) and NLLLoss", () => {
    const w = Tensor.from([1, 2, 0.5]);
    const ce = new nn.CrossEntropyLoss(w, null, 2, null, "sum", 0.1);
    assert.deepEqual([ce.ignoreIndex, ce.reduction, ce.labelSmoothing], [2, "sum", 0.1]);
    same(ce.forward(logits, labels), new nn.CrossEntropyLoss({ weight: w, ignoreIndex: 2, reduction: "sum", labelSmoothing: 0.1 }).forward(logits, labels));
    assert.equal(new nn.CrossEntropyLoss(null, null, 5).ignoreIndex, 5);
    const nll = new nn.NLLLoss(null, null, 1, null, "none");
    assert.deepEqual([nll.ignoreIndex, nll.reduction], [1, "none"]);
  });

  it("the other losses' positionals", () => {
    const t01 = Tensor.from([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]]), pm = x.sign();
    assert.equal(new nn.BCELoss(null, null, null, "sum").reduction, "sum");
    const pw = Tensor.from([2, 1, 3]);
    const bce = new nn.BCEWithLogitsLoss(null, null, null, "sum", pw);
    same(bce.forward(x, t01), new nn.BCEWithLogitsLoss({ reduction: "sum", posWeight: pw }).forward(x, t01));
    const mr = new nn.MarginRankingLoss(0.5, null, null, "sum");
    same(mr.forward(x, y, pm), new nn.MarginRankingLoss({ margin: 0.5, reduction: "sum" }).forward(x, y, pm));
    assert.deepEqual([new nn.HingeEmbeddingLoss(2, null, null, "none").margin, new nn.CosineEmbeddingLoss(0.3).margin], [2, 0.3]);
    const tm = new nn.TripletMarginLoss(0.5, 1, 1e-6, true, null, null, "sum");
    same(tm.forward(x, y, logits), new nn.TripletMarginLoss({ margin: 0.5, p: 1, swap: true, reduction: "sum" }).forward(x, y, logits));
    assert.equal(new nn.MultiLabelSoftMarginLoss(null, null, null, "none").reduction, "none");
    const mm = new nn.MultiMarginLoss(2, 0.5, null, null, null, "sum");
    same(mm.forward(logits, labels), new nn.MultiMarginLoss({ p: 2, margin: 0.5, reduction: "sum" }).forward(logits, labels));
    const pn = new nn.PoissonNLLLoss(false, true, null, 1e-6, null, "sum");
    assert.deepEqual([pn.logInput, pn.full, pn.eps, pn.reduction], [false, true, 1e-6, "sum"]);
    const ctc = new nn.CTCLoss(1, "sum", true);
    assert.deepEqual([ctc.blank, ctc.reduction, ctc.zeroInfinity], [1, "sum", true]);
  });

  it("refuse sizeAverage, reduce, extra positionals and extra forward arguments", () => {
    const dep = (op: string, k: string, torch: string, got: string) =>
      new RegExp(`^Error: nn\\.${op}: ${k} \\(PyTorch's deprecated ${torch}\\) is not supported, got ${got}: give reduction instead \\('mean', 'sum' or 'none'\\), e\\.g\\. \\{ reduction: 'sum' \\}$`);
    assert.throws(() => new nn.CrossEntropyLoss(null, 5 as never), dep("CrossEntropyLoss", "sizeAverage", "size_average", "5"));
    assert.throws(() => new nn.MSELoss(null, false as never), dep("MSELoss", "reduce", "reduce", "boolean"));
    assert.throws(() => new nn.KLDivLoss(true as never), dep("KLDivLoss", "sizeAverage", "size_average", "boolean"));
    assert.throws(() => new nn.MSELoss(null, null, "sum", 1 as never),
      /^Error: nn.MSELoss: expected at most 3 optional arguments \(sizeAverage, reduce, reduction\), got 4$/);
    assert.throws(() => new nn.L1Loss(null, null, "avg" as never), /^Error: nn.L1Loss: reduction must be 'mean' or 'sum' or 'none', got the string 'avg'$/);
    assert.throws(() => new nn.GaussianNLLLoss(true as never), /^Error: nn.GaussianNLLLoss: expected an options object \{ full, eps, reduction \}, got boolean$/);
    assert.throws(() => construct(nn.GaussianNLLLoss, {}, 1), /^Error: nn.GaussianNLLLoss: expected at most 1 argument \(options\), got 2$/);
    assert.throws(() => call(new nn.MSELoss(), "forward", x, y, 1), /^Error: nn.MSELoss.forward: expected at most 2 arguments \(input, target\), got 3$/);
    assert.throws(() => call(new nn.CrossEntropyLoss(), "forward", logits, labels, 1),
      /^Error: nn.CrossEntropyLoss.forward: expected at most 2 arguments \(input, target\), got 3$/);
    assert.throws(() => call(new nn.TripletMarginLoss(), "forward", x, y, x, y),
      /^Error: nn.TripletMarginLoss.forward: expected at most 3 arguments \(anchor, positive, negative\), got 4$/);
  });
});

describe("lr schedulers take PyTorch's positionals", () => {
  const opt = () => new optim.SGD([Tensor.zeros([2], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
  /** The lr after construction and after each of n steps (PyTorch's values printed the same way). */
  const lrs = (mk: (o: optim.Optimizer) => unknown, n = 6, metric?: number) => {
    const o = opt(), s = mk(o) as { step(m?: number): void }, out = [o.lr];
    for (let i = 0; i < n; i++) {
      s.step(metric);
      out.push(o.lr);
    }
    return out;
  };

  it("give PyTorch's schedules", () => {
    close(lrs((o) => new S.StepLR(o, 2, 0.5)), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]);
    close(lrs((o) => new S.CosineAnnealingLR(o, 4, 0.01)), [0.1, 0.0868198052, 0.055, 0.0231801948, 0.01, 0.0231801948, 0.055], 1e-8);
    close(lrs((o) => new S.LinearLR(o, 0.5, 1.0, 4)), [0.05, 0.0625, 0.075, 0.0875, 0.1, 0.1, 0.1]);
    close(lrs((o) => new S.ConstantLR(o, 0.5, 3)), [0.05, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1]);
    close(lrs((o) => new S.PolynomialLR(o, 4, 2)), [0.1, 0.05625, 0.025, 0.00625, 0, 0, 0]);
    close(lrs((o) => new S.MultiStepLR(o, [2, 4], 0.5)), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025]);
    close(lrs((o) => new S.CosineAnnealingWarmRestarts(o, 2, 2, 0.01)), [0.1, 0.055, 0.1, 0.0868198052, 0.055, 0.0231801948, 0.1], 1e-8);
    close(lrs((o) => new S.CyclicLR(o, 0.01, 0.1, 3)), [0.01, 0.04, 0.07, 0.1, 0.07, 0.04, 0.01]);
    close(lrs((o) => new S.OneCycleLR(o, 1, 10)), [0.04, 0.52, 1.0, 0.950484632, 0.8117456539, 0.6112620219, 0.3887419781], 1e-8);
    close(lrs((o) => new S.ReduceLROnPlateau(o, "max", 0.5, 0), 6, 1), [0.1, 0.1, 0.05, 0.025, 0.0125, 0.00625, 0.003125]);
    // lastEpoch -1 (PyTorch's default) is accepted by position or by name
    close(lrs((o) => new S.StepLR(o, 2, 0.5, -1)), lrs((o) => new S.StepLR(o, 2, { gamma: 0.5, lastEpoch: -1 })));
    close(lrs((o) => new S.OneCycleLR(o, 1, null, 2, 5)), lrs((o) => new S.OneCycleLR(o, 1, { totalSteps: 10 })));
  });

  it("refuse unknown keys, extra positionals, bad values and a lastEpoch other than -1", () => {
    const o = opt();
    assert.throws(() => new S.StepLR(o, 10, { bogus: 1 } as never), /^Error: StepLR: unknown option 'bogus' \(expected 'gamma', 'lastEpoch'\)$/);
    assert.throws(() => new S.CosineAnnealingLR(o, 10, { bogus: 1 } as never), /^Error: CosineAnnealingLR: unknown option 'bogus' \(expected 'etaMin', 'lastEpoch'\)$/);
    assert.throws(() => new S.LinearLR(o, { bogus: 1 } as never),
      /^Error: LinearLR: unknown option 'bogus' \(expected 'startFactor', 'endFactor', 'totalIters', 'lastEpoch'\)$/);
    assert.throws(() => new S.StepLR(o, 10, "a" as never), /^Error: StepLR: gamma must be a number, got the string 'a'$/);
    assert.throws(() => new S.CosineAnnealingLR(o, 10, "a" as never), /^Error: CosineAnnealingLR: etaMin must be a number, got the string 'a'$/);
    assert.throws(() => new S.LinearLR(o, 0.5, 2), /^Error: LinearLR: endFactor must be in \[0, 1\], got 2$/);
    assert.throws(() => new S.LinearLR(o, 0.5, 1, 2.5), /^Error: LinearLR: totalIters must be an integer >= 1, got 2.5$/);
    const le = (op: string) => new RegExp(`^Error: ${op}: lastEpoch must be -1 \\(resuming at another epoch is not supported; restore the schedule with loadStateDict\\), got 3$`);
    assert.throws(() => new S.StepLR(o, 10, 0.5, 3), le("StepLR"));
    assert.throws(() => new S.ExponentialLR(o, 0.9, 3), le("ExponentialLR"));
    assert.throws(() => new S.LambdaLR(o, () => 1, { lastEpoch: 3 }), le("LambdaLR"));
    assert.throws(() => new S.OneCycleLR(o, 1, { totalSteps: 10, lastEpoch: 3 }), le("OneCycleLR"));
    assert.throws(() => new S.StepLR(o, 10, 0.5, -1, false as never), /^Error: StepLR: expected at most 2 arguments after stepSize \(gamma, lastEpoch\), got 3$/);
    assert.throws(() => new S.ExponentialLR(o, 0.9, -1, 1 as never), /^Error: ExponentialLR: expected at most 1 argument after gamma \(lastEpoch\), got 2$/);
    assert.throws(() => new S.ReduceLROnPlateau(o, "min", 0.1, 10, 1e-4, "rel", 0, 0, 1e-8, true as never),
      /^Error: ReduceLROnPlateau: expected at most 8 arguments after optimizer \(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps\), got 9$/);
    assert.throws(() => construct(S.ChainedScheduler, [new S.ExponentialLR(o, 0.9)], o), /^Error: ChainedScheduler: expected at most 1 argument \(schedulers\), got 2$/);
  });
});

describe("optimizers take PyTorch's positionals", () => {
  const p = () => [Tensor.zeros([2], { requiresGrad: true })];

  it("as the options form does", () => {
    const cases: [optim.Optimizer, optim.Optimizer][] = [
      [new optim.SGD(p(), 0.1, 0.9, 0, 0.01, true), new optim.SGD(p(), { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true })],
      [new optim.Adam(p(), 1e-2, [0.8, 0.9], 1e-6, 0.1, true, { maximize: true }),
        new optim.Adam(p(), { lr: 1e-2, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, amsgrad: true, maximize: true })],
      [new optim.AdamW(p(), 1e-2, [0.8, 0.9]), new optim.AdamW(p(), { lr: 1e-2, betas: [0.8, 0.9] })],
      [new optim.Adamax(p(), 1e-2, [0.8, 0.9], 1e-6, 0.1), new optim.Adamax(p(), { lr: 1e-2, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1 })],
      [new optim.NAdam(p(), 1e-2, [0.8, 0.9], 1e-6, 0.1, 0.01), new optim.NAdam(p(), { lr: 1e-2, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, momentumDecay: 0.01 })],
      [new optim.RAdam(p(), 1e-2, [0.8, 0.9]), new optim.RAdam(p(), { lr: 1e-2, betas: [0.8, 0.9] })],
      [new optim.Adadelta(p(), 0.5, 0.8, 1e-5, 0.1), new optim.Adadelta(p(), { lr: 0.5, rho: 0.8, eps: 1e-5, weightDecay: 0.1 })],
      [new optim.RMSprop(p(), 0.5, 0.9, 1e-6, 0.1, 0.9, true), new optim.RMSprop(p(), { lr: 0.5, alpha: 0.9, eps: 1e-6, weightDecay: 0.1, momentum: 0.9, centered: true })],
      [new optim.Adagrad(p(), 0.5, 0.1, 0.2, 0.3, 1e-8), new optim.Adagrad(p(), { lr: 0.5, lrDecay: 0.1, weightDecay: 0.2, initialAccumulatorValue: 0.3, eps: 1e-8 })],
      [new optim.Rprop(p(), 0.5, [0.4, 1.3], [1e-5, 10]), new optim.Rprop(p(), { lr: 0.5, etas: [0.4, 1.3], stepSizes: [1e-5, 10] })],
      [new optim.ASGD(p(), 0.5, 1e-3, 0.5, 100, 0.1), new optim.ASGD(p(), { lr: 0.5, lambd: 1e-3, alpha: 0.5, t0: 100, weightDecay: 0.1 })],
      [new optim.LBFGS(p(), 0.5, 5, null, 1e-5, 1e-8, 10, "strong_wolfe"),
        new optim.LBFGS(p(), { lr: 0.5, maxIter: 5, toleranceGrad: 1e-5, toleranceChange: 1e-8, historySize: 10, lineSearchFn: "strong_wolfe" })],
    ];
    for (const [a, b] of cases) assert.deepEqual(a.defaults, b.defaults, a.constructor.name);
  });

  it("refuse extra positionals (PyTorch's keyword-only ones included) and unknown keys", () => {
    assert.throws(() => new optim.SGD(p(), 0.1, 0.9, 0, 0, false, true as never),
      /^Error: SGD: expected at most 5 arguments after params \(lr, momentum, dampening, weightDecay, nesterov\), got 6$/);
    assert.throws(() => new optim.Adam(p(), 1e-3, [0.9, 0.999], 1e-8, 0, false, true as never),
      /^Error: Adam: expected at most 5 arguments after params \(lr, betas, eps, weightDecay, amsgrad\), got 6$/);
    assert.throws(() => new optim.Adadelta(p(), 1, 0.9, 1e-6, 0, true as never),
      /^Error: Adadelta: expected at most 4 arguments after params \(lr, rho, eps, weightDecay\), got 5$/);
    assert.throws(() => new optim.SGD(p(), 0.1, { lr: 0.2 }), /^Error: SGD: lr is given both as an argument and in the options object$/);
    assert.throws(() => new optim.SGD(p(), { lr: 0.1, bogus: 1 } as never),
      /^Error: SGD: unknown option 'bogus' \(expected 'lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'\)$/);
    assert.throws(() => new optim.SGD(p(), "0.1" as never), /^Error: SGD: lr must be a number, got the string '0.1'$/);
    assert.throws(() => new optim.SGD(p()), /^Error: SGD: lr is required, e\.g\. new SGD\(params, \{ lr: 0\.1 \}\)$/);
    assert.throws(() => new optim.Adam(p(), 1e-3, "x" as never), /^Error: Adam: betas must be an array of 2 numbers, got the string 'x'$/);
  });
});
